// The benchmark's peer: PostGraphile v5 (its Amber preset, defaults otherwise) on the same
// database as our server, as a login role that is a member of stable_futures_app, so the same
// grants and row-level security apply. Started by bench/bench.py from its install directory
// (target/bench/peer), where `npm ci` put node_modules from bench/peer/package-lock.json.
//
// Each request's bearer token is verified like our server verifies it (RS256 against the
// benchmark's key, iss, aud, exp/nbf with 30 s leeway, an `la` claim), and the token's local
// authority becomes `app.local_authority` through pgSettings, which PostGraphile sets with
// set_config(..., true) at the start of the request's transaction: the same setting our server
// sets. The subject goes to `jwt.claims.sub`, for the audit trigger of the write scenario.
//
// Environment: PEER_DATABASE_URL, PEER_PORT, PEER_JWT_ISSUER, PEER_JWT_PUBLIC_KEY (PEM file),
// PEER_POOL_SIZE (default 16, our server's default).

import { createServer } from "node:http";
import { createPublicKey, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import { postgraphile } from "postgraphile";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const publicKey = createPublicKey(readFileSync(env("PEER_JWT_PUBLIC_KEY")));
const issuer = env("PEER_JWT_ISSUER");
const audience = env("PEER_JWT_AUDIENCE", "stable-futures");
const leeway = 30;

function unauthorized() {
  const error = new Error("unauthenticated");
  error.extensions = { code: "UNAUTHENTICATED" };
  return error;
}

function claimsOf(authorization) {
  const match = /^Bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(
    authorization ?? "",
  );
  if (!match) throw unauthorized();
  const [, header64, payload64, signature64] = match;
  const header = JSON.parse(Buffer.from(header64, "base64url").toString("utf8"));
  if (header.alg !== "RS256") throw unauthorized();
  const signed = Buffer.from(`${header64}.${payload64}`);
  if (!verify("sha256", signed, publicKey, Buffer.from(signature64, "base64url"))) {
    throw unauthorized();
  }
  const claims = JSON.parse(Buffer.from(payload64, "base64url").toString("utf8"));
  const now = Date.now() / 1000;
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (
    claims.iss !== issuer ||
    !audiences.includes(audience) ||
    typeof claims.sub !== "string" ||
    typeof claims.exp !== "number" ||
    claims.exp + leeway < now ||
    (typeof claims.nbf === "number" && claims.nbf - leeway > now) ||
    !/^[EWSN][0-9]{8}$/.test(claims.la ?? "")
  ) {
    throw unauthorized();
  }
  return claims;
}

const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString: env("PEER_DATABASE_URL"),
      schemas: ["public"],
      poolConfig: { max: Number(env("PEER_POOL_SIZE", "16")) },
    }),
  ],
  grafserv: { graphiql: false, watch: false },
  grafast: {
    explain: false,
    context(requestContext) {
      const claims = claimsOf(requestContext.node?.req?.headers?.authorization);
      return {
        pgSettings: {
          "app.local_authority": claims.la,
          "jwt.claims.sub": claims.sub,
        },
      };
    },
  },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.keepAliveTimeout = 65_000;
await serv.addTo(server);
server.listen(Number(env("PEER_PORT")), "127.0.0.1");
const shutdown = async () => {
  server.close();
  await pgl.release();
  process.exit(0);
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
