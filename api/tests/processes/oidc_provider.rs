//! The production token verifier against a real OpenID Provider (oidc-provider, Node.js): the
//! server is given only the issuer, finds the keys by OpenID discovery, reads the client from the
//! RFC 9068 `client_id` claim, takes the local authority from its configuration (the provider's
//! tokens name none), and follows a key rotation the way an identity provider performs one: the
//! new key published in front of the old, then the old one withdrawn.

use std::path::PathBuf;

use serde_json::{json, Value};
use stable_futures_test_support::oidc_provider::{generate_rsa_key, jwks, OidcProvider, RESOURCE};
use stable_futures_test_support::process::{self, assert_ok, at, ServerProcess, ISLINGTON};

use crate::SERVER;

const VIEWER: &str = "{ viewer { subject client localAuthority { code } scopes } }";
/// What the client may be granted; it asks for less, to show the scopes come from the token.
const GRANTABLE: &str = "children:read referrals:read guardians:read";
const ASKED: &str = "children:read referrals:read";

fn trusted_issuers_file(provider: &OidcProvider) -> PathBuf {
    let path = std::env::temp_dir().join(format!(
        "sf-trusted-issuers-{}.json",
        uuid::Uuid::new_v4().simple()
    ));
    let issuers = json!({ "issuers": [{
        "issuer": provider.issuer(),
        "audience": RESOURCE,
        "localAuthority": { "fixed": ISLINGTON },
    }] });
    std::fs::write(&path, issuers.to_string()).expect("write the trusted issuers");
    path
}

fn kid(token: &str) -> String {
    jsonwebtoken::decode_header(token)
        .expect("a JWT header")
        .kid
        .expect("a kid in the header")
}

/// The viewer the server makes of `token`; panics, with the server's log, unless it is accepted.
async fn viewer(server: &ServerProcess, token: &str) -> Value {
    let reply = server.graphql(token, VIEWER, json!({})).await;
    if reply.0 != 200 {
        panic!(
            "the token (kid {}) was refused with {}; the server wrote:\n{}",
            kid(token),
            reply.0,
            server.logs_text()
        );
    }
    assert_ok(&reply);
    at(&reply.2, "/data/viewer").clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_of_a_real_openid_provider_are_accepted_through_discovery_and_a_key_rotation() {
    let key_a = generate_rsa_key("key-a").await;
    let key_b = generate_rsa_key("key-b").await;
    let key_c = generate_rsa_key("key-c").await;
    let mut provider = OidcProvider::start(&jwks(&[&key_a]), GRANTABLE).await;

    let database = process::database().await;
    let issuers = trusted_issuers_file(&provider);
    let server = ServerProcess::builder(SERVER, &database)
        .env(
            "SF_TRUSTED_ISSUERS_FILE",
            issuers.to_str().expect("a UTF-8 path"),
        )
        // Every rotation below must be followed at the first token that names a new key.
        .env("SF_JWKS_MIN_REFRESH_SECONDS", "0")
        .start()
        .await;

    // (a) The authority from configuration, the client from `client_id`, the scopes as asked.
    let token_a = provider.token_with_scopes(ASKED).await;
    assert_eq!(kid(&token_a), "key-a");
    let seen = viewer(&server, &token_a).await;
    assert_eq!(seen["localAuthority"]["code"], ISLINGTON, "{seen}");
    assert_eq!(seen["client"], provider.client_id(), "{seen}");
    assert_eq!(seen["subject"], provider.client_id(), "{seen}");
    let mut scopes: Vec<&str> = seen["scopes"]
        .as_array()
        .unwrap_or_else(|| panic!("no scopes in {seen}"))
        .iter()
        .map(|scope| scope.as_str().expect("a scope"))
        .collect();
    scopes.sort_unstable();
    assert_eq!(scopes, ["children:read", "referrals:read"]);

    // (b) B published in front of A: B's tokens accepted, and A's still, A being published.
    provider.restart_with_keys(&jwks(&[&key_b, &key_a])).await;
    let token_b = provider.token_with_scopes(ASKED).await;
    assert_eq!(kid(&token_b), "key-b");
    viewer(&server, &token_b).await;
    viewer(&server, &token_a).await;

    // C in front of B, A withdrawn: C's tokens accepted, and once the server has the new key
    // set (fetched for C), a token signed with A is refused although it has not expired.
    provider.restart_with_keys(&jwks(&[&key_c, &key_b])).await;
    let token_c = provider.token_with_scopes(ASKED).await;
    assert_eq!(kid(&token_c), "key-c");
    viewer(&server, &token_c).await;
    viewer(&server, &token_b).await;
    let (status, headers, body) = server.graphql(&token_a, VIEWER, json!({})).await;
    assert_eq!(
        status,
        401,
        "a token of a withdrawn key: {body}\nthe server wrote:\n{}",
        server.logs_text()
    );
    assert_eq!(
        headers
            .get("www-authenticate")
            .and_then(|value| value.to_str().ok()),
        Some("Bearer"),
        "{headers:?}"
    );

    drop(server);
    let _ = std::fs::remove_file(issuers);
}
