// A real OpenID Provider for the tests of the server's token verifier: what a local authority's
// identity provider does for a case-system client (client credentials, RFC 9068 JWT access
// tokens for the resource `urn:stable-futures`, discovery, a JWKS), so the verifier is tested
// against tokens it did not make itself.
//
//   node provider.mjs                      serve; configured by the environment (below)
//   node provider.mjs --generate-key KID   print a new private RSA JWK (RS256, use sig) and exit
//
// OIDC_PORT           the port on 127.0.0.1; the issuer is http://127.0.0.1:<port>
// OIDC_JWKS_FILE      a private JWKS {"keys": [...]} of RSA keys with `kid`; the first one signs,
//                     every one is published (a key rotation publishes the new key beside the old)
// OIDC_CLIENT_ID      the one client, which authenticates with client_secret_post
// OIDC_CLIENT_SECRET
// OIDC_SCOPES         space-separated scopes the client may be granted
//
// Prints `READY <issuer>` on stdout once it listens; exits 0 on SIGTERM or SIGINT.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';

const RESOURCE = 'urn:stable-futures';

if (process.argv[2] === '--generate-key') {
  const kid = process.argv[3];
  if (!kid) {
    console.error('usage: provider.mjs --generate-key KID');
    process.exit(2);
  }
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  console.log(JSON.stringify({ ...jwk, kid, alg: 'RS256', use: 'sig' }));
  process.exit(0);
}

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`provider.mjs: ${name} is not set`);
    process.exit(2);
  }
  return value;
}

const port = Number.parseInt(required('OIDC_PORT'), 10);
const jwks = JSON.parse(readFileSync(required('OIDC_JWKS_FILE'), 'utf8'));
const clientId = required('OIDC_CLIENT_ID');
const clientSecret = required('OIDC_CLIENT_SECRET');
const scopes = required('OIDC_SCOPES');
if (!Array.isArray(jwks.keys) || jwks.keys.length === 0 || !jwks.keys.every((k) => k.kid)) {
  console.error('provider.mjs: OIDC_JWKS_FILE must hold {"keys": [...]} with a kid on every key');
  process.exit(2);
}
const signingKid = jwks.keys[0].kid;

// Imported only to serve: --generate-key needs nothing but node itself.
const { default: Provider } = await import('oidc-provider');

const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  jwks,
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  features: {
    // No browser flows here, and the development login pages must not be reachable.
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resourceIndicator) => {
        if (resourceIndicator !== RESOURCE) {
          throw new Provider.errors.InvalidTarget();
        }
        return {
          scope: scopes,
          audience: RESOURCE,
          accessTokenTTL: 600,
          accessTokenFormat: 'jwt',
          // oidc-provider would otherwise pick among the RSA keys by its own scoring; naming
          // the kid makes "the first key signs" true whatever the keys' attributes.
          jwt: { sign: { alg: 'RS256', kid: signingKid } },
        };
      },
    },
  },
  ttl: {
    ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL || 600,
  },
});

// Without these a misconfiguration shows only as an opaque 500 or 400 in the Rust test.
provider.on('server_error', (_ctx, error) => console.error('provider.mjs: server_error', error));
provider.on('grant.error', (_ctx, error) => console.error('provider.mjs: grant.error', error.message, error.error_description ?? ''));

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`READY ${provider.issuer}`);
});
server.on('error', (error) => {
  console.error(`provider.mjs: cannot listen on 127.0.0.1:${port}: ${error.message}`);
  process.exit(1);
});

function stop() {
  // A restart on the same port must find the port free: close, then exit.
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
