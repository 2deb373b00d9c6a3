//! Trusted issuers in production: keys from a JWKS URL, refreshed when an unknown `kid` arrives
//! (at most once per interval), several issuers each bound to the authorities it may speak for,
//! and EdDSA keys.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use stable_futures_api::auth::{IssuerConfig, TokenVerifier};
use stable_futures_api::config::Mode;
use stable_futures_test_support::{TestApp, AUDIENCE, CAMDEN, ISLINGTON};

const VIEWER: &str = "{ viewer { subject localAuthority { code } } }";

fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn sign(issuer: &str, la: &str, kid: &str, algorithm: Algorithm, private_pem: &str) -> String {
    let now = jsonwebtoken::get_current_timestamp();
    let claims = json!({
        "iss": issuer, "aud": AUDIENCE, "sub": "caseworker-17", "exp": now + 300, "iat": now,
        "la": la, "scope": "children:read"
    });
    let key = match algorithm {
        Algorithm::RS256 => EncodingKey::from_rsa_pem(private_pem.as_bytes()),
        Algorithm::ES256 => EncodingKey::from_ec_pem(private_pem.as_bytes()),
        Algorithm::EdDSA => EncodingKey::from_ed_pem(private_pem.as_bytes()),
        other => panic!("no key for {other:?}"),
    }
    .expect("private key");
    let mut header = Header::new(algorithm);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, &claims, &key).expect("token")
}

/// A stand-in identity provider on loopback serving a JWKS that the test can change, and
/// counting how often it is asked.
struct IdentityProvider {
    url: String,
    jwks: Arc<Mutex<Value>>,
    fetches: Arc<AtomicUsize>,
}

async fn identity_provider(initial: Value) -> IdentityProvider {
    let jwks = Arc::new(Mutex::new(initial));
    let fetches = Arc::new(AtomicUsize::new(0));
    let (served, counted) = (jwks.clone(), fetches.clone());
    let app = Router::new().route(
        "/.well-known/jwks.json",
        get(move || {
            let (served, counted) = (served.clone(), counted.clone());
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                let body = served.lock().expect("jwks").clone();
                axum::Json(body)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    IdentityProvider {
        url: format!("http://{address}/.well-known/jwks.json"),
        jwks,
        fetches,
    }
}

fn jwks(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).expect("jwks json")
}

async fn production_app(issuers: &[IssuerConfig], min_refresh: Duration) -> TestApp {
    let verifier = TokenVerifier::from_issuers(issuers, AUDIENCE, 30, min_refresh)
        .await
        .expect("verifier");
    TestApp::spawn_with(Mode::Production, Some(verifier)).await
}

fn issuer(name: &str, url: &str, authorities: &[&str]) -> IssuerConfig {
    IssuerConfig {
        issuer: name.to_owned(),
        audience: None,
        jwks_file: None,
        jwks_url: Some(url.to_owned()),
        local_authorities: authorities.iter().map(|a| (*a).to_owned()).collect(),
        ..IssuerConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_from_a_jwks_url_are_refreshed_for_a_new_kid_but_not_for_a_flood_of_unknown_ones() {
    let idp = identity_provider(jwks("test-only-jwks-rsa.json")).await;
    let app = production_app(
        &[issuer(
            "https://idp.islington.example",
            &idp.url,
            &[ISLINGTON],
        )],
        Duration::from_secs(3600),
    )
    .await;
    assert_eq!(
        idp.fetches.load(Ordering::SeqCst),
        1,
        "keys are fetched at start"
    );

    let rsa = fixture("test-only-rsa-private.pem");
    let token = sign(
        "https://idp.islington.example",
        ISLINGTON,
        "test-only-rsa",
        Algorithm::RS256,
        &rsa,
    );
    let answer = app.graphql(&token, VIEWER, json!({})).await;
    answer.assert_ok();
    assert_eq!(answer.data("/viewer/subject"), "caseworker-17");
    assert_eq!(
        idp.fetches.load(Ordering::SeqCst),
        1,
        "a known kid needs no fetch"
    );

    // The provider rotates in a new key; the first token naming it triggers one refresh.
    *idp.jwks.lock().expect("jwks") = jwks("test-only-jwks-rsa-and-ec.json");
    let ec = fixture("test-only-ec-p256-private.pem");
    let rotated = sign(
        "https://idp.islington.example",
        ISLINGTON,
        "test-only-ec",
        Algorithm::ES256,
        &ec,
    );
    app.graphql(&rotated, VIEWER, json!({})).await.assert_ok();
    assert_eq!(idp.fetches.load(Ordering::SeqCst), 2);

    // A flood of made-up kids: refused, and the provider is not asked again within the interval.
    for n in 0..20 {
        let bogus = sign(
            "https://idp.islington.example",
            ISLINGTON,
            &format!("made-up-{n}"),
            Algorithm::RS256,
            &rsa,
        );
        let refused = app.graphql(&bogus, VIEWER, json!({})).await;
        assert_eq!(refused.status, 401);
    }
    assert_eq!(
        idp.fetches.load(Ordering::SeqCst),
        2,
        "unknown kids must not hammer the provider"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_kid_refreshes_again_once_the_interval_has_passed() {
    let idp = identity_provider(jwks("test-only-jwks-rsa.json")).await;
    let app = production_app(
        &[issuer("https://idp.islington.example", &idp.url, &[])],
        // Long enough that the two requests below always fall inside it on a loaded machine.
        Duration::from_secs(3),
    )
    .await;
    let ec = fixture("test-only-ec-p256-private.pem");
    let token = sign(
        "https://idp.islington.example",
        ISLINGTON,
        "test-only-ec",
        Algorithm::ES256,
        &ec,
    );
    assert_eq!(app.graphql(&token, VIEWER, json!({})).await.status, 401);
    assert_eq!(
        idp.fetches.load(Ordering::SeqCst),
        2,
        "one refresh for the unknown kid"
    );
    *idp.jwks.lock().expect("jwks") = jwks("test-only-jwks-rsa-and-ec.json");
    assert_eq!(
        app.graphql(&token, VIEWER, json!({})).await.status,
        401,
        "still within the interval"
    );
    assert_eq!(idp.fetches.load(Ordering::SeqCst), 2);
    tokio::time::sleep(Duration::from_millis(3200)).await;
    app.graphql(&token, VIEWER, json!({})).await.assert_ok();
    assert_eq!(idp.fetches.load(Ordering::SeqCst), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_issuer_speaks_only_for_its_own_authorities() {
    let islington_idp = identity_provider(jwks("test-only-jwks-rsa.json")).await;
    let camden_idp = identity_provider(jwks("test-only-jwks-ec.json")).await;
    let app = production_app(
        &[
            issuer(
                "https://idp.islington.example",
                &islington_idp.url,
                &[ISLINGTON],
            ),
            issuer("https://idp.camden.example", &camden_idp.url, &[CAMDEN]),
        ],
        Duration::from_secs(3600),
    )
    .await;
    let rsa = fixture("test-only-rsa-private.pem");
    let ec = fixture("test-only-ec-p256-private.pem");

    let own = sign(
        "https://idp.islington.example",
        ISLINGTON,
        "test-only-rsa",
        Algorithm::RS256,
        &rsa,
    );
    let answer = app.graphql(&own, VIEWER, json!({})).await;
    answer.assert_ok();
    assert_eq!(answer.data("/viewer/localAuthority/code"), ISLINGTON);
    let camden = sign(
        "https://idp.camden.example",
        CAMDEN,
        "test-only-ec",
        Algorithm::ES256,
        &ec,
    );
    app.graphql(&camden, VIEWER, json!({})).await.assert_ok();

    // Islington's provider naming Camden, and Camden's naming Islington: both refused.
    let overreach = sign(
        "https://idp.islington.example",
        CAMDEN,
        "test-only-rsa",
        Algorithm::RS256,
        &rsa,
    );
    let refused = app.graphql(&overreach, VIEWER, json!({})).await;
    assert_eq!(refused.status, 401);
    assert!(refused.headers.get("www-authenticate").is_some());
    assert_eq!(refused.error_codes(), ["UNAUTHENTICATED"]);
    let overreach = sign(
        "https://idp.camden.example",
        ISLINGTON,
        "test-only-ec",
        Algorithm::ES256,
        &ec,
    );
    assert_eq!(app.graphql(&overreach, VIEWER, json!({})).await.status, 401);

    // Keys are per issuer: Camden's key cannot sign for Islington's issuer.
    let borrowed = sign(
        "https://idp.islington.example",
        ISLINGTON,
        "test-only-ec",
        Algorithm::ES256,
        &ec,
    );
    assert_eq!(app.graphql(&borrowed, VIEWER, json!({})).await.status, 401);
    // An issuer nobody configured.
    let stranger = sign(
        "https://idp.elsewhere.example",
        ISLINGTON,
        "test-only-rsa",
        Algorithm::RS256,
        &rsa,
    );
    assert_eq!(app.graphql(&stranger, VIEWER, json!({})).await.status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eddsa_tokens_verify_against_an_ed25519_key_pinned_to_eddsa() {
    let idp = identity_provider(jwks("test-only-jwks-ed25519.json")).await;
    let app = production_app(
        &[issuer(
            "https://idp.islington.example",
            &idp.url,
            &[ISLINGTON],
        )],
        Duration::from_secs(3600),
    )
    .await;
    let ed = fixture("test-only-ed25519-private.pem");
    let token = sign(
        "https://idp.islington.example",
        ISLINGTON,
        "test-only-ed25519",
        Algorithm::EdDSA,
        &ed,
    );
    app.graphql(&token, VIEWER, json!({})).await.assert_ok();
    // The same kid with another algorithm is refused.
    let rsa = fixture("test-only-rsa-private.pem");
    let confused = sign(
        "https://idp.islington.example",
        ISLINGTON,
        "test-only-ed25519",
        Algorithm::RS256,
        &rsa,
    );
    assert_eq!(app.graphql(&confused, VIEWER, json!({})).await.status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jwks_url_must_be_https_unless_it_is_loopback() {
    for url in [
        "http://idp.example/jwks.json",
        "ftp://idp.example/jwks.json",
        "idp.example",
    ] {
        let result = TokenVerifier::from_issuers(
            &[issuer("https://idp.example", url, &[])],
            AUDIENCE,
            30,
            Duration::from_secs(60),
        )
        .await;
        assert!(result.is_err(), "{url} accepted");
    }
}
