//! Bearer tokens at the door: every refusal is a bare 401 that says nothing about why, and only
//! tokens signed by a pinned key with the pinned algorithm, for this audience and issuer, for a
//! served local authority, get in.
//!
//! Development tokens are signed with a secret the test knows (the app gets a verifier built from
//! it); production tokens with the test-only key pairs under `tests/fixtures/`.

use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use stable_futures_api::auth::{Claims, DevKey, TokenVerifier, DEV_ISSUER, MAX_TOKEN_BYTES};
use stable_futures_api::config::Mode;
use stable_futures_test_support::{Answer, TestApp, AUDIENCE, CAMDEN, ISLINGTON, UNSERVED};

/// The development secret the tests sign with (the app's verifier is built from it).
const SECRET: &[u8] = b"test-only development secret, 32+ bytes long";

/// Issuer of the test-only production identity provider.
pub(super) const PRODUCTION_ISSUER: &str = "https://idp.test-only.invalid/";

pub(super) const RSA_KID: &str = "test-only-rsa";
const EC_KID: &str = "test-only-ec";

const RSA_PRIVATE_PEM: &[u8] = include_bytes!("../../fixtures/test-only-rsa-private.pem");
const RSA_PUBLIC_PEM: &[u8] = include_bytes!("../../fixtures/test-only-rsa-public.pem");
const EC_PRIVATE_PEM: &[u8] = include_bytes!("../../fixtures/test-only-ec-p256-private.pem");

const VIEWER: &str = "{ viewer { subject localAuthority { code name } scopes } }";

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

/// A development-mode app whose verifier trusts [`SECRET`] under the key id `dev`.
async fn dev_app() -> TestApp {
    let verifier = TokenVerifier::development(&DevKey::from_secret(SECRET), AUDIENCE, 30)
        .expect("dev verifier");
    TestApp::spawn_with(Mode::Development, Some(verifier)).await
}

/// A production-mode app trusting the keys of the test-only JWKS file `jwks`.
pub(super) async fn production_app(jwks: &str) -> TestApp {
    let verifier = TokenVerifier::from_jwks_file(&fixture(jwks), PRODUCTION_ISSUER, AUDIENCE, 30)
        .expect("JWKS verifier");
    TestApp::spawn_with(Mode::Production, Some(verifier)).await
}

/// A production-mode app trusting only the test-only RSA key.
pub(super) async fn production_rsa_app() -> TestApp {
    production_app("test-only-jwks-rsa.json").await
}

/// Valid claims for Islington with `children:read`, as JSON so single claims can be removed.
fn claims(issuer: &str) -> Value {
    let now = now();
    serde_json::to_value(Claims {
        iss: issuer.to_owned(),
        aud: AUDIENCE.to_owned(),
        sub: "worker-17".to_owned(),
        exp: now + 600,
        iat: Some(now),
        nbf: None,
        la: ISLINGTON.to_owned(),
        la_set: None,
        scope: "children:read referrals:read".to_owned(),
        azp: Some("case-system".to_owned()),
    })
    .expect("claims")
}

fn dev_claims() -> Value {
    claims(DEV_ISSUER)
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().expect("object").remove(key);
    claims
}

fn header(algorithm: Algorithm, kid: Option<&str>) -> Header {
    let mut header = Header::new(algorithm);
    header.kid = kid.map(str::to_owned);
    header
}

fn sign(header: &Header, claims: &Value, key: &EncodingKey) -> String {
    jsonwebtoken::encode(header, claims, key).expect("sign")
}

fn hs256(secret: &[u8], kid: Option<&str>, claims: &Value) -> String {
    sign(
        &header(Algorithm::HS256, kid),
        claims,
        &EncodingKey::from_secret(secret).expect("secret"),
    )
}

/// Signed with the app's development secret under the key id `dev`.
fn dev_token(claims: &Value) -> String {
    hs256(SECRET, Some("dev"), claims)
}

fn rsa_token(algorithm: Algorithm, kid: &str, claims: &Value) -> String {
    sign(
        &header(algorithm, Some(kid)),
        claims,
        &EncodingKey::from_rsa_pem(RSA_PRIVATE_PEM).expect("RSA key"),
    )
}

fn es256_token(kid: &str, claims: &Value) -> String {
    sign(
        &header(Algorithm::ES256, Some(kid)),
        claims,
        &EncodingKey::from_ec_pem(EC_PRIVATE_PEM).expect("EC key"),
    )
}

/// A token as an attacker would hand-build it: any header, any claims, any signature.
fn hand_built(header: &Value, claims: &Value, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

async fn viewer(app: &TestApp, token: &str) -> Answer {
    app.post(
        Some(token),
        "application/json",
        json!({ "query": VIEWER }).to_string(),
    )
    .await
}

/// Sends the viewer query with `authorization` as the raw Authorization header.
async fn viewer_with_authorization(app: &TestApp, authorization: &str) -> Answer {
    let response = reqwest::Client::new()
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .header("authorization", authorization)
        .body(json!({ "query": VIEWER }).to_string())
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer {
        status,
        headers,
        body,
    }
}

/// A bare refusal: 401, `WWW-Authenticate: Bearer`, and one UNAUTHENTICATED error whose message
/// is the same whatever went wrong (compared with the answer to a request with no token at all).
#[track_caller]
pub(super) fn assert_refused(answer: &Answer) {
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert_eq!(
        answer
            .headers
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer"),
        "WWW-Authenticate of {}",
        answer.body
    );
    assert!(answer.body.get("data").is_none(), "{}", answer.body);
    let errors = answer.body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{}", answer.body);
    assert_eq!(
        errors[0]["extensions"],
        json!({ "code": "UNAUTHENTICATED" }),
        "{}",
        answer.body
    );
    assert_eq!(
        errors[0]["message"],
        json!("authentication required"),
        "the message must not say why: {}",
        answer.body
    );
    assert_eq!(
        errors[0].as_object().map(|e| e.len()),
        Some(2),
        "{}",
        answer.body
    );
}

#[track_caller]
fn assert_viewer(answer: &Answer, subject: &str, code: &str, name: &str, scopes: &[&str]) {
    answer.assert_ok();
    assert_eq!(
        answer.data("/viewer"),
        &json!({ "subject": subject, "localAuthority": { "code": code, "name": name }, "scopes": scopes }),
    );
}

// ----- Development key -----------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_development_token_identifies_the_caller_their_authority_and_scopes() {
    let app = dev_app().await;
    let answer = viewer(&app, &dev_token(&dev_claims())).await;
    assert_viewer(
        &answer,
        "worker-17",
        ISLINGTON,
        "Islington",
        &["children:read", "referrals:read"],
    );

    let camden = with(dev_claims(), "la", json!(CAMDEN));
    let answer = viewer(&app, &dev_token(&camden)).await;
    assert_viewer(
        &answer,
        "worker-17",
        CAMDEN,
        "Camden",
        &["children:read", "referrals:read"],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_without_an_authorization_header_is_refused() {
    let app = dev_app().await;
    assert_refused(
        &app.post(
            None,
            "application/json",
            json!({ "query": VIEWER }).to_string(),
        )
        .await,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_token_under_another_scheme_than_bearer_is_refused() {
    let app = dev_app().await;
    let token = dev_token(&dev_claims());
    for authorization in [
        format!("Token {token}"),
        format!("JWT {token}"),
        token.clone(),
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("worker-17:password")
        ),
        "Bearer".to_owned(),
        "Bearer   ".to_owned(),
    ] {
        let answer = viewer_with_authorization(&app, &authorization).await;
        assert_refused(&answer);
    }
    // The same token is accepted as a bearer token, so only the scheme was wrong.
    viewer_with_authorization(&app, &format!("Bearer {token}"))
        .await
        .assert_ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_garbage_token_is_refused() {
    let app = dev_app().await;
    for token in [
        "garbage",
        "a.b.c",
        "....",
        "eyJhbGciOiJIUzI1NiJ9",
        "eyJhbGciOiJIUzI1NiJ9.e30.",
        "é.é.é",
    ] {
        assert_refused(&viewer_with_authorization(&app, &format!("Bearer {token}")).await);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_signed_with_another_hs256_secret_is_refused() {
    let app = dev_app().await;
    let forged = hs256(
        b"some other secret, also 32+ bytes long",
        Some("dev"),
        &dev_claims(),
    );
    assert_refused(&viewer(&app, &forged).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsigned_alg_none_token_is_refused() {
    let app = dev_app().await;
    let claims = dev_claims();
    let real_signature = dev_token(&claims)
        .rsplit('.')
        .next()
        .expect("signature")
        .to_owned();
    for alg in ["none", "None", "NONE"] {
        for kid in [json!("dev"), Value::Null] {
            let header = json!({ "alg": alg, "typ": "JWT", "kid": kid });
            // With no signature, and with the signature of the real token pasted on.
            for signature in ["", real_signature.as_str()] {
                let token = hand_built(&header, &claims, signature);
                assert_refused(&viewer(&app, &token).await);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_expired_beyond_the_30_second_leeway_is_refused() {
    let app = dev_app().await;
    let now = now();
    let expired = with(dev_claims(), "exp", json!(now - 40));
    let expired = with(expired, "iat", json!(now - 640));
    assert_refused(&viewer(&app, &dev_token(&expired)).await);
    let long_expired = with(dev_claims(), "exp", json!(now - 86_400));
    assert_refused(&viewer(&app, &dev_token(&long_expired)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_expired_by_less_than_the_leeway_is_still_accepted() {
    let app = dev_app().await;
    let now = now();
    let just_expired = with(dev_claims(), "exp", json!(now - 10));
    let just_expired = with(just_expired, "iat", json!(now - 610));
    viewer(&app, &dev_token(&just_expired)).await.assert_ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_not_valid_before_a_time_beyond_the_leeway_is_refused() {
    let app = dev_app().await;
    let early = with(dev_claims(), "nbf", json!(now() + 40));
    assert_refused(&viewer(&app, &dev_token(&early)).await);
    let much_too_early = with(dev_claims(), "nbf", json!(now() + 3_600));
    assert_refused(&viewer(&app, &dev_token(&much_too_early)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_not_valid_before_a_time_within_the_leeway_is_accepted() {
    let app = dev_app().await;
    let nearly = with(dev_claims(), "nbf", json!(now() + 10));
    viewer(&app, &dev_token(&nearly)).await.assert_ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_for_another_audience_is_refused() {
    let app = dev_app().await;
    for audience in [
        json!("another-service"),
        json!(["another-service"]),
        json!(""),
    ] {
        let claims = with(dev_claims(), "aud", audience);
        assert_refused(&viewer(&app, &dev_token(&claims)).await);
    }
    assert_refused(&viewer(&app, &dev_token(&without(dev_claims(), "aud"))).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_from_another_issuer_is_refused() {
    let app = dev_app().await;
    for issuer in ["https://evil.example/", "", PRODUCTION_ISSUER] {
        let claims = with(dev_claims(), "iss", json!(issuer));
        assert_refused(&viewer(&app, &dev_token(&claims)).await);
    }
    assert_refused(&viewer(&app, &dev_token(&without(dev_claims(), "iss"))).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_without_a_local_authority_is_refused() {
    let app = dev_app().await;
    assert_refused(&viewer(&app, &dev_token(&without(dev_claims(), "la"))).await);
    assert_refused(&viewer(&app, &dev_token(&with(dev_claims(), "la", Value::Null))).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_naming_a_local_authority_by_anything_but_its_gss_code_is_refused() {
    let app = dev_app().await;
    for la in [
        "Islington",
        "",
        "e09000019",
        "E0900001",
        "E090000190",
        "X09000019",
        "E0900001A",
    ] {
        let claims = with(dev_claims(), "la", json!(la));
        assert_refused(&viewer(&app, &dev_token(&claims)).await);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_for_a_well_formed_local_authority_the_service_does_not_serve_is_refused() {
    let app = dev_app().await;
    let claims = with(dev_claims(), "la", json!(UNSERVED));
    assert_refused(&viewer(&app, &dev_token(&claims)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_without_a_subject_is_refused() {
    let app = dev_app().await;
    assert_refused(&viewer(&app, &dev_token(&without(dev_claims(), "sub"))).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_without_an_expiry_is_refused() {
    let app = dev_app().await;
    assert_refused(&viewer(&app, &dev_token(&without(dev_claims(), "exp"))).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_with_an_unknown_or_missing_key_id_is_refused() {
    let app = dev_app().await;
    // Signed with the right secret: only the key id is wrong.
    assert_refused(&viewer(&app, &hs256(SECRET, Some("prod"), &dev_claims())).await);
    assert_refused(&viewer(&app, &hs256(SECRET, Some("DEV"), &dev_claims())).await);
    assert_refused(&viewer(&app, &hs256(SECRET, None, &dev_claims())).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_larger_than_8_kib_is_refused_and_one_just_under_is_accepted() {
    let app = dev_app().await;
    // Grow an otherwise valid token with an extra claim until it crosses the limit.
    let mut largest_allowed = None;
    let mut smallest_refused = None;
    for padding in 5_800..6_300 {
        let token = dev_token(&with(dev_claims(), "padding", json!("x".repeat(padding))));
        if token.len() <= MAX_TOKEN_BYTES {
            largest_allowed = Some(token);
        } else {
            smallest_refused = Some(token);
            break;
        }
    }
    let largest_allowed = largest_allowed.expect("a token under the limit");
    let smallest_refused = smallest_refused.expect("a token over the limit");
    assert_eq!(MAX_TOKEN_BYTES, 8 * 1024);
    assert!(
        largest_allowed.len() > MAX_TOKEN_BYTES - 8,
        "{}",
        largest_allowed.len()
    );
    viewer(&app, &largest_allowed).await.assert_ok();
    assert_refused(&viewer(&app, &smallest_refused).await);
    let huge = dev_token(&with(dev_claims(), "padding", json!("x".repeat(64 * 1024))));
    assert_refused(&viewer(&app, &huge).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_whose_audience_is_an_array_holding_ours_is_accepted() {
    let app = dev_app().await;
    for audience in [json!([AUDIENCE]), json!(["another-service", AUDIENCE])] {
        let claims = with(dev_claims(), "aud", audience.clone());
        let answer = viewer(&app, &dev_token(&claims)).await;
        assert_eq!(answer.status, 200, "aud {audience}: {}", answer.body);
        assert_eq!(answer.body["data"]["viewer"]["subject"], json!("worker-17"));
    }
    for audience in [json!([]), json!(["another-service", "a-third"])] {
        let claims = with(dev_claims(), "aud", audience);
        assert_refused(&viewer(&app, &dev_token(&claims)).await);
    }
}

async fn viewer_client(app: &TestApp, claims: &Value) -> Answer {
    app.post(
        Some(&dev_token(claims)),
        "application/json",
        json!({ "query": "{ viewer { client } }" }).to_string(),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_is_read_from_azp_else_client_id_and_a_token_naming_two_clients_is_refused() {
    let app = dev_app().await;
    let only_client_id = with(without(dev_claims(), "azp"), "client_id", json!("mosaic"));
    let answer = viewer_client(&app, &only_client_id).await;
    assert_eq!(
        answer.body["data"]["viewer"]["client"],
        json!("mosaic"),
        "{}",
        answer.body
    );

    let agreeing = with(dev_claims(), "client_id", json!("case-system"));
    let answer = viewer_client(&app, &agreeing).await;
    assert_eq!(
        answer.body["data"]["viewer"]["client"],
        json!("case-system"),
        "{}",
        answer.body
    );

    let answer = viewer_client(&app, &without(dev_claims(), "azp")).await;
    assert_eq!(
        answer.body["data"]["viewer"]["client"],
        Value::Null,
        "{}",
        answer.body
    );

    let conflicting = with(dev_claims(), "client_id", json!("another-system"));
    assert_refused(&viewer_client(&app, &conflicting).await);
}

// ----- Production keys (JWKS) -----------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_accepts_an_rs256_token_signed_by_the_jwks_key_it_names() {
    let app = production_rsa_app().await;
    let token = rsa_token(Algorithm::RS256, RSA_KID, &claims(PRODUCTION_ISSUER));
    let answer = viewer(&app, &token).await;
    assert_viewer(
        &answer,
        "worker-17",
        ISLINGTON,
        "Islington",
        &["children:read", "referrals:read"],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_refuses_an_hs256_token_keyed_with_the_rsa_public_key_algorithm_confusion() {
    let app = production_rsa_app().await;
    let claims = claims(PRODUCTION_ISSUER);
    // The classic attack: the public key, which anyone has, used as an HMAC secret.
    assert_refused(&viewer(&app, &hs256(RSA_PUBLIC_PEM, Some(RSA_KID), &claims)).await);
    let trimmed = std::str::from_utf8(RSA_PUBLIC_PEM).expect("PEM").trim_end();
    assert_refused(&viewer(&app, &hs256(trimmed.as_bytes(), Some(RSA_KID), &claims)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_refuses_an_rsa_signature_with_another_algorithm_than_rs256() {
    let app = production_rsa_app().await;
    let claims = claims(PRODUCTION_ISSUER);
    for algorithm in [Algorithm::RS384, Algorithm::RS512, Algorithm::PS256] {
        assert_refused(&viewer(&app, &rsa_token(algorithm, RSA_KID, &claims)).await);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_refuses_an_es256_token_whose_key_id_names_the_rsa_key() {
    let app = production_app("test-only-jwks-rsa-and-ec.json").await;
    let claims = claims(PRODUCTION_ISSUER);
    assert_refused(&viewer(&app, &es256_token(RSA_KID, &claims)).await);
    // The same app accepts each key with its own algorithm.
    viewer(&app, &es256_token(EC_KID, &claims))
        .await
        .assert_ok();
    viewer(&app, &rsa_token(Algorithm::RS256, RSA_KID, &claims))
        .await
        .assert_ok();
    // And an RS256 token never passes for the EC key.
    assert_refused(&viewer(&app, &rsa_token(Algorithm::RS256, EC_KID, &claims)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_accepts_an_es256_token_signed_by_the_ec_jwks_key() {
    let app = production_app("test-only-jwks-ec.json").await;
    let token = es256_token(
        EC_KID,
        &with(claims(PRODUCTION_ISSUER), "la", json!(CAMDEN)),
    );
    let answer = viewer(&app, &token).await;
    assert_viewer(
        &answer,
        "worker-17",
        CAMDEN,
        "Camden",
        &["children:read", "referrals:read"],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_refuses_development_tokens_and_unsigned_tokens() {
    let app = production_rsa_app().await;
    // A development token (HS256, kid "dev"), whatever its issuer claims.
    assert_refused(&viewer(&app, &dev_token(&dev_claims())).await);
    assert_refused(&viewer(&app, &dev_token(&claims(PRODUCTION_ISSUER))).await);
    // alg none naming the real key.
    let header = json!({ "alg": "none", "typ": "JWT", "kid": RSA_KID });
    assert_refused(&viewer(&app, &hand_built(&header, &claims(PRODUCTION_ISSUER), "")).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_refuses_a_correctly_signed_token_with_the_wrong_issuer_or_audience() {
    let app = production_rsa_app().await;
    let wrong_issuer = claims(DEV_ISSUER);
    assert_refused(&viewer(&app, &rsa_token(Algorithm::RS256, RSA_KID, &wrong_issuer)).await);
    let wrong_audience = with(claims(PRODUCTION_ISSUER), "aud", json!("another-service"));
    assert_refused(&viewer(&app, &rsa_token(Algorithm::RS256, RSA_KID, &wrong_audience)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_refuses_a_token_whose_signature_was_tampered_with() {
    let app = production_rsa_app().await;
    let token = rsa_token(Algorithm::RS256, RSA_KID, &claims(PRODUCTION_ISSUER));
    // Swap the claims for Camden's, keeping Islington's signature.
    let camden = with(claims(PRODUCTION_ISSUER), "la", json!(CAMDEN));
    let mut parts = token.split('.');
    let (header, _, signature) = (parts.next(), parts.next(), parts.next());
    let forged = format!(
        "{}.{}.{}",
        header.expect("header"),
        URL_SAFE_NO_PAD.encode(camden.to_string()),
        signature.expect("signature")
    );
    assert_refused(&viewer(&app, &forged).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_ids_are_looked_up_never_followed_as_paths_or_urls() {
    let app = dev_app().await;
    // Signed with the right secret: only the key id plays tricks. Keys are found by exact `kid`
    // in the issuer's set, so none of these can point anywhere.
    for kid in [
        "../../../../etc/passwd",
        "/dev/null",
        "dev/../dev",
        "./dev",
        "dev\u{0}",
        "dev ",
        "file:///etc/passwd",
        "https://attacker.example/jwks.json#dev",
        "' OR '1'='1",
    ] {
        assert_refused(&viewer(&app, &hs256(SECRET, Some(kid), &dev_claims())).await);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_offered_inside_the_token_header_are_ignored() {
    let app = dev_app().await;
    // The attacker signs with their own secret and points at their own key with `jku`, `x5u`
    // and an embedded `jwk`: only the configured key for `kid` is ever used.
    let mut forged = header(Algorithm::HS256, Some("dev"));
    forged.jku = Some("https://attacker.example/jwks.json".to_owned());
    forged.x5u = Some("https://attacker.example/cert.pem".to_owned());
    let attacker_key = EncodingKey::from_secret(b"attacker's own secret").expect("attacker key");
    forged.jwk = Some(
        jsonwebtoken::jwk::Jwk::from_encoding_key(&attacker_key, Algorithm::HS256)
            .expect("attacker jwk"),
    );
    let token = jsonwebtoken::encode(&forged, &dev_claims(), &attacker_key).expect("token");
    assert_refused(&viewer(&app, &token).await);
}

/// A token for reports across authorities as the claims say it, asking for an aggregate.
async fn aggregate_report(app: &TestApp, token: &str) -> Answer {
    app.graphql(
        token,
        "{ reports { nrmTimeliness(from: \"2025-01-01\", to: \"2025-12-31\") { rules } } }",
        json!({}),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_names_one_authority_or_a_set_of_them_never_both_nor_neither() {
    let app = dev_app().await;
    let aggregate = with(
        with(
            without(dev_claims(), "la"),
            "la_set",
            json!([ISLINGTON, CAMDEN]),
        ),
        "scope",
        json!("reports:aggregate"),
    );
    let accepted = aggregate_report(&app, &dev_token(&aggregate)).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    accepted.assert_ok();
    for (what, claims) in [
        ("both", with(aggregate.clone(), "la", json!(ISLINGTON))),
        ("neither", without(aggregate.clone(), "la_set")),
        ("an empty set", with(aggregate.clone(), "la_set", json!([]))),
        (
            "a code twice",
            with(aggregate.clone(), "la_set", json!([ISLINGTON, ISLINGTON])),
        ),
        (
            "a malformed code",
            with(aggregate.clone(), "la_set", json!([ISLINGTON, "E0900001"])),
        ),
        (
            "an authority not served",
            with(aggregate.clone(), "la_set", json!([ISLINGTON, UNSERVED])),
        ),
        (
            "not a list",
            with(aggregate.clone(), "la_set", json!(ISLINGTON)),
        ),
    ] {
        let refused = aggregate_report(&app, &dev_token(&claims)).await;
        assert_eq!(refused.status, 401, "{what}: {}", refused.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_issuer_not_trusted_for_reports_across_authorities_cannot_issue_them() {
    // The production issuer is trusted for any one authority, and for no set of them.
    let app = production_rsa_app().await;
    let set_claims = with(
        with(
            without(claims(PRODUCTION_ISSUER), "la"),
            "la_set",
            json!([ISLINGTON, CAMDEN]),
        ),
        "scope",
        json!("reports:aggregate"),
    );
    let refused = aggregate_report(&app, &rsa_token(Algorithm::RS256, RSA_KID, &set_claims)).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    // The same issuer's token for one authority is still fine.
    let one = viewer(
        &app,
        &rsa_token(Algorithm::RS256, RSA_KID, &claims(PRODUCTION_ISSUER)),
    )
    .await;
    assert_eq!(one.status, 200, "{}", one.body);
}
