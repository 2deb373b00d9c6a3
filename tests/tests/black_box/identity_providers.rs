//! Tokens as councils' identity providers issue them: each trusted issuer says where its tokens
//! carry the scopes, the client and the authority (claim mapping), its keys may be found by
//! OpenID discovery from the issuer alone, and only access tokens get in — an ID token, a token of
//! another type, a token signed with another issuer's key or naming an authority outside its
//! issuer's binding is refused with a bare 401 (the reason in the log only, checked here on the
//! verifier itself).
//!
//! The vendors' token shapes are fixtures (`tests/fixtures/idp/`, claim names and shapes from
//! each vendor's documentation), signed here with the test-only key.

use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use stable_futures_api::auth::{
    AuthoritySourceConfig, IssuerConfig, TokenError, TokenVerifier, Verified,
};
use stable_futures_api::config::Mode;
use stable_futures_test_support::{TestApp, AUDIENCE, CAMDEN, ISLINGTON};

const VIEWER: &str = "{ viewer { subject client localAuthority { code } scopes } }";
const RSA_KID: &str = "test-only-rsa";
const EC_KID: &str = "test-only-ec";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json_fixture(name: &str) -> Value {
    serde_json::from_str(&read(&fixtures().join(name))).expect("json")
}

/// Signs `claims` under `header` (its `alg` and `kid` set here) with a test-only key.
fn sign_with(header: Value, claims: &Value, algorithm: Algorithm, kid: &str) -> String {
    let mut header: Header = serde_json::from_value(header).expect("header");
    header.alg = algorithm;
    header.kid = Some(kid.to_owned());
    let key = match algorithm {
        Algorithm::RS256 => EncodingKey::from_rsa_pem(
            read(&fixtures().join("test-only-rsa-private.pem")).as_bytes(),
        ),
        Algorithm::ES256 => EncodingKey::from_ec_pem(
            read(&fixtures().join("test-only-ec-p256-private.pem")).as_bytes(),
        ),
        other => panic!("no test key for {other:?}"),
    }
    .expect("private key");
    jsonwebtoken::encode(&header, claims, &key).expect("token")
}

fn sign(claims: &Value) -> String {
    sign_with(
        json!({ "alg": "RS256", "typ": "JWT" }),
        claims,
        Algorithm::RS256,
        RSA_KID,
    )
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

fn with_keys(mut config: IssuerConfig, jwks: &str) -> IssuerConfig {
    config.jwks_url = None;
    config.jwks_file = Some(fixtures().join(jwks));
    config
}

async fn verifier(issuers: &[IssuerConfig]) -> TokenVerifier {
    TokenVerifier::from_issuers(issuers, AUDIENCE, 30, Duration::from_secs(60))
        .await
        .expect("verifier")
}

async fn app(verifier: TokenVerifier) -> TestApp {
    TestApp::spawn_with(Mode::Production, Some(verifier)).await
}

fn sorted_strings(value: &Value) -> Vec<String> {
    let mut items: Vec<String> = value
        .as_array()
        .expect("array")
        .iter()
        .map(|item| item.as_str().expect("string").to_owned())
        .collect();
    items.sort();
    items
}

// ----- Each vendor's token shape, mapped by configuration -----------------------------------

/// The fixtures of the vendors' tokens, each with the issuer entry that maps it and what it must
/// yield (or `refused`).
fn vendor_fixtures() -> Vec<(String, Value)> {
    let mut found: Vec<(String, Value)> = std::fs::read_dir(fixtures().join("idp"))
        .expect("tests/fixtures/idp")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| {
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            (
                name,
                serde_json::from_str(&read(&path)).expect("fixture json"),
            )
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_vendors_token_is_mapped_to_the_right_authority_client_and_scopes() {
    let fixtures = vendor_fixtures();
    let vendors = ["entra", "okta", "auth0", "keycloak"];
    for vendor in vendors {
        assert!(
            fixtures.iter().any(|(name, f)| name.starts_with(vendor)
                && f.get("expect").and_then(|e| e.get("refused")).is_none()),
            "no accepted fixture for {vendor}"
        );
    }
    let mut checked = 0;
    for (name, fixture) in &fixtures {
        let expect = &fixture["expect"];
        let config: IssuerConfig = serde_json::from_value(fixture["mapping"].clone())
            .unwrap_or_else(|e| panic!("{name}: mapping: {e}"));
        let config = with_keys(config, "test-only-jwks-rsa.json");
        let verifier = verifier(&[config]).await;
        let token = sign_with(
            fixture["header"].clone(),
            &fixture["claims"],
            Algorithm::RS256,
            RSA_KID,
        );
        let app = app(verifier.clone()).await;
        let answer = app.graphql(&token, VIEWER, json!({})).await;
        if let Some(reason) = expect.get("refused") {
            assert_eq!(answer.status, 401, "{name} should be refused ({reason})");
            super::auth::assert_refused(&answer);
            assert!(verifier.verify_any(&token).await.is_err(), "{name}");
            checked += 1;
            continue;
        }
        answer.assert_ok();
        assert_eq!(
            answer.data("/viewer/localAuthority/code"),
            expect["localAuthority"].as_str().expect("localAuthority"),
            "{name}"
        );
        assert_eq!(answer.data("/viewer/client"), &expect["client"], "{name}");
        assert_eq!(
            sorted_strings(answer.data("/viewer/scopes")),
            sorted_strings(&expect["scopes"]),
            "{name}"
        );
        assert_eq!(
            answer.data("/viewer/subject"),
            &fixture["claims"]["sub"],
            "{name}"
        );
        checked += 1;
    }
    assert!(checked >= 7, "only {checked} vendor fixtures");
}

// ----- Today's tokens, unchanged --------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_issuer_configured_as_before_reads_la_scope_and_azp_or_client_id() {
    let issuer = "https://idp.islington.example";
    let verifier = verifier(&[with_keys(
        IssuerConfig {
            issuer: issuer.into(),
            ..IssuerConfig::default()
        },
        "test-only-jwks-rsa.json",
    )])
    .await;
    let app = app(verifier).await;
    for (client_claim, typ) in [("azp", "JWT"), ("client_id", "at+jwt")] {
        let claims = json!({
            "iss": issuer, "aud": AUDIENCE, "sub": "caseworker-17", "exp": now() + 300,
            "la": ISLINGTON, "scope": "children:read referrals:write openid", client_claim: "mosaic"
        });
        let token = sign_with(
            json!({ "alg": "RS256", "typ": typ }),
            &claims,
            Algorithm::RS256,
            RSA_KID,
        );
        let answer = app.graphql(&token, VIEWER, json!({})).await;
        answer.assert_ok();
        assert_eq!(answer.data("/viewer/localAuthority/code"), ISLINGTON);
        assert_eq!(answer.data("/viewer/client"), "mosaic");
        assert_eq!(
            sorted_strings(answer.data("/viewer/scopes")),
            ["children:read", "referrals:write"]
        );
    }
}

// ----- Access tokens only -----------------------------------------------------------------------

/// Two issuers: Islington's (RSA key, bound to Islington, its authority fixed) and Camden's (EC
/// key, bound to Camden).
async fn two_issuers() -> TokenVerifier {
    verifier(&[
        with_keys(
            IssuerConfig {
                issuer: "https://idp.islington.example".into(),
                local_authorities: vec![ISLINGTON.into()],
                local_authority: AuthoritySourceConfig {
                    fixed: Some(ISLINGTON.into()),
                    ..Default::default()
                },
                ..IssuerConfig::default()
            },
            "test-only-jwks-rsa.json",
        ),
        with_keys(
            IssuerConfig {
                issuer: "https://idp.camden.example".into(),
                local_authorities: vec![CAMDEN.into()],
                ..IssuerConfig::default()
            },
            "test-only-jwks-ec.json",
        ),
    ])
    .await
}

/// Whether a refusal was for the expected reason.
type IsReason = fn(&TokenError) -> bool;

fn islington_claims() -> Value {
    json!({
        "iss": "https://idp.islington.example", "aud": AUDIENCE, "sub": "service-account",
        "exp": now() + 300, "client_id": "mosaic", "scope": "children:read"
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_access_tokens_of_the_right_issuer_and_binding_get_in_each_refusal_a_bare_401() {
    let verifier = two_issuers().await;
    let app = app(verifier.clone()).await;
    let accepted = sign(&islington_claims());
    app.graphql(&accepted, VIEWER, json!({})).await.assert_ok();

    let mut id_token_nonce = islington_claims();
    id_token_nonce["nonce"] = json!("n-0S6_WzA2Mj");
    let mut id_token_hash = islington_claims();
    id_token_hash["at_hash"] = json!("77QmUPtjPfzWtF2AnpK9RQ");
    let mut id_token_audience = islington_claims();
    id_token_audience["aud"] = json!([AUDIENCE, "mosaic"]);
    let mut other_authority = islington_claims();
    other_authority["la"] = json!(CAMDEN);
    let mut aggregate = islington_claims();
    aggregate["la_set"] = json!([ISLINGTON]);
    let mut camden_claims = islington_claims();
    camden_claims["iss"] = json!("https://idp.camden.example");
    camden_claims["la"] = json!(ISLINGTON);

    let cases: Vec<(&str, String, IsReason)> = vec![
        ("an ID token (nonce)", sign(&id_token_nonce), |e| {
            matches!(e, TokenError::IdToken)
        }),
        ("an ID token (at_hash)", sign(&id_token_hash), |e| {
            matches!(e, TokenError::IdToken)
        }),
        (
            "an ID token (the client as audience)",
            sign(&id_token_audience),
            |e| matches!(e, TokenError::IdToken),
        ),
        (
            "a logout token",
            sign_with(
                json!({ "alg": "RS256", "typ": "logout+jwt" }),
                &islington_claims(),
                Algorithm::RS256,
                RSA_KID,
            ),
            |e| matches!(e, TokenError::NotAnAccessToken),
        ),
        (
            "a token naming Islington's issuer, signed with Camden's issuer's key",
            sign_with(
                json!({ "alg": "ES256" }),
                &islington_claims(),
                Algorithm::ES256,
                EC_KID,
            ),
            |e| matches!(e, TokenError::KeyOfAnotherIssuer),
        ),
        (
            "a token of an issuer fixed to Islington naming Camden",
            sign(&other_authority),
            |e| matches!(e, TokenError::AuthorityNotAllowedForIssuer),
        ),
        (
            "la_set from an issuer whose authority is fixed",
            sign(&aggregate),
            |e| matches!(e, TokenError::AuthorityClaims),
        ),
        (
            "Camden's issuer naming Islington",
            sign_with(
                json!({ "alg": "ES256" }),
                &camden_claims,
                Algorithm::ES256,
                EC_KID,
            ),
            |e| matches!(e, TokenError::AuthorityNotAllowedForIssuer),
        ),
    ];
    for (what, token, reason) in cases {
        // The same bare answer whatever the reason (the reason is for the log).
        super::auth::assert_refused(&app.graphql(&token, VIEWER, json!({})).await);
        match verifier.verify_any(&token).await {
            Err(error) => assert!(reason(&error), "{what}: refused for {error}"),
            Ok(_) => panic!("{what}: accepted"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mapping_naming_an_authority_outside_the_issuers_binding_stops_the_start() {
    let config = with_keys(
        IssuerConfig {
            issuer: "https://idp.islington.example".into(),
            local_authorities: vec![ISLINGTON.into()],
            local_authority: AuthoritySourceConfig {
                fixed: Some(CAMDEN.into()),
                ..Default::default()
            },
            ..IssuerConfig::default()
        },
        "test-only-jwks-rsa.json",
    );
    let error = TokenVerifier::from_issuers(&[config], AUDIENCE, 30, Duration::from_secs(60))
        .await
        .expect_err("refused");
    assert!(error.to_string().contains(CAMDEN), "{error}");
}

// ----- OpenID discovery -------------------------------------------------------------------------

/// A stand-in provider on loopback serving its metadata at `metadata_path` (naming `claimed`
/// issuer, or itself) and the test-only RSA key set.
async fn discoverable_provider(
    metadata_path: &'static str,
    claimed: Option<&'static str>,
) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let metadata = json!({
        "issuer": claimed.map_or_else(|| base.clone(), str::to_owned),
        "jwks_uri": format!("{base}/keys"),
        "token_endpoint": format!("{base}/token"),
    });
    let router = Router::new()
        .route(
            metadata_path,
            get(move || async move { axum::Json(metadata) }),
        )
        .route(
            "/keys",
            get(|| async { axum::Json(json_fixture("test-only-jwks-rsa.json")) }),
        );
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    base
}

fn discovered(issuer: &str) -> IssuerConfig {
    IssuerConfig {
        issuer: issuer.to_owned(),
        local_authority: AuthoritySourceConfig {
            fixed: Some(CAMDEN.into()),
            ..Default::default()
        },
        ..IssuerConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_issuer_alone_is_enough_its_keys_found_by_openid_or_oauth_discovery() {
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    ] {
        let issuer = discoverable_provider(path, None).await;
        let verifier = verifier(&[discovered(&issuer)]).await;
        let token = sign(&json!({
            "iss": issuer, "aud": AUDIENCE, "sub": "svc", "exp": now() + 300,
            "client_id": "eclipse", "scope": "children:read"
        }));
        match verifier.verify_any(&token).await {
            Ok((Verified::Tenant(principal), _)) => {
                assert_eq!(principal.local_authority.as_str(), CAMDEN, "{path}");
                assert_eq!(principal.client.as_deref(), Some("eclipse"), "{path}");
            }
            other => panic!("{path}: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_for_another_issuer_or_no_metadata_stops_the_start() {
    let impostor = discoverable_provider(
        "/.well-known/openid-configuration",
        Some("https://idp.camden.example"),
    )
    .await;
    let error = TokenVerifier::from_issuers(
        &[discovered(&impostor)],
        AUDIENCE,
        30,
        Duration::from_secs(60),
    )
    .await
    .expect_err("metadata for another issuer");
    assert!(
        error.to_string().contains("https://idp.camden.example"),
        "{error}"
    );

    let silent = discoverable_provider("/elsewhere", None).await;
    let error = TokenVerifier::from_issuers(
        &[discovered(&silent)],
        AUDIENCE,
        30,
        Duration::from_secs(60),
    )
    .await
    .expect_err("no metadata");
    assert!(
        error.to_string().contains("no discovery document"),
        "{error}"
    );

    let plain = TokenVerifier::from_issuers(
        &[discovered("http://idp.example")],
        AUDIENCE,
        30,
        Duration::from_secs(60),
    )
    .await
    .expect_err("discovery over plain http to another machine");
    assert!(plain.to_string().contains("https"), "{plain}");
}
