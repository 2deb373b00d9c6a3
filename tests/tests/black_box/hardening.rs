//! Hardening of the GraphQL endpoint: document limits (size, aliases, root fields, directives,
//! fragment nesting) just under and just over, batching off by default and capped when on,
//! introspection per mode and scope, CORS from an allow-list, security headers, and failures
//! (panics, database errors) that never reach the caller.

use axum::routing::post;
use axum::Router;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use stable_futures_api::config::{LimitsConfig, Mode};
use stable_futures_api::http::harden;
use stable_futures_domain::principal::Scope;
use stable_futures_persistence::AsyncConnection;
use stable_futures_test_support::{Answer, TestApp, AUDIENCE, ISLINGTON};

use super::auth::{production_rsa_app, PRODUCTION_ISSUER, RSA_KID};
use super::http_surface::assert_malformed_request;

const VIEWER: &str = "{ viewer { subject } }";
const ALLOWED_ORIGIN: &str = "https://case-system.islington.example";
const OTHER_ORIGIN: &str = "https://evil.example";

/// GraphiQL's (graphql-js's) schema query: it must pass every limit.
const GRAPHIQL_SCHEMA_QUERY: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
  ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}
"#;

async fn answer(response: reqwest::Response) -> Answer {
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

fn header<'a>(answer: &'a Answer, name: &str) -> Option<&'a str> {
    answer.headers.get(name).and_then(|v| v.to_str().ok())
}

fn messages(answer: &Answer) -> Vec<String> {
    answer.body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["message"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Refused before anything ran: HTTP 200, one `BAD_USER_INPUT` error naming `limit`, no data,
/// and nothing of the document quoted back.
#[track_caller]
fn assert_refused_by_limit(answer: &Answer, limit: &str, document: &str) {
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.error_codes(),
        vec!["BAD_USER_INPUT"],
        "{}",
        answer.body
    );
    assert!(
        answer.body.get("data").is_none_or(Value::is_null),
        "{}",
        answer.body
    );
    let message = &messages(answer)[0];
    assert!(message.contains(limit), "{message} should name {limit}");
    assert!(message.len() < 120, "{message}");
    let body = answer.body.to_string();
    for marker in ["viewer", "subject", "xyzzy", "@a", "F1"] {
        if document.contains(marker) {
            assert!(!body.contains(marker), "{marker} echoed in {}", answer.body);
        }
    }
}

fn with_aliases(n: usize) -> String {
    let fields: String = (0..n).map(|i| format!("a{i}: subject ")).collect();
    format!("{{ viewer {{ {fields} }} }}")
}

// ----- Document size --------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_of_32_kib_is_served_and_one_byte_more_is_refused_before_parsing() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let document_of = |size: usize| {
        let padding = size - VIEWER.len() - 3;
        format!("# {}\n{VIEWER}", "x".repeat(padding))
    };
    let limit = 32 * 1024;
    let at_limit = document_of(limit);
    assert_eq!(at_limit.len(), limit);
    app.graphql(&token, &at_limit, json!({})).await.assert_ok();

    let over = document_of(limit + 1);
    assert_eq!(over.len(), limit + 1);
    let answer = app.graphql(&token, &over, json!({})).await;
    assert_refused_by_limit(&answer, "32768 bytes", &over);
    assert!(!answer.body.to_string().contains("xxxx"), "{}", answer.body);

    // Not even parsed: a broken document over the limit gets the size error, not a syntax error.
    let broken = format!("{{{{{{ {}", "x".repeat(limit));
    let answer = app.graphql(&token, &broken, json!({})).await;
    assert_refused_by_limit(&answer, "32768 bytes", &broken);
}

// ----- Aliases --------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_aliases_are_served_and_thirty_one_or_a_thousand_refused() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let answer = app.graphql(&token, &with_aliases(30), json!({})).await;
    answer.assert_ok();
    assert_eq!(answer.data("/viewer/a29"), &json!("test-user"));

    for n in [31, 1_000] {
        let document = with_aliases(n);
        let answer = app.graphql(&token, &document, json!({})).await;
        assert_refused_by_limit(&answer, "aliases", &document);
        assert!(messages(&answer)[0].contains("30"), "{}", answer.body);
    }
}

// ----- Root fields ----------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_root_fields_are_served_and_eleven_refused_also_through_fragments() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let roots = |n: usize| -> String {
        (0..n)
            .map(|i| format!("r{i}: viewer {{ subject }} "))
            .collect()
    };
    let ten = format!("{{ {} }}", roots(10));
    let answer = app.graphql(&token, &ten, json!({})).await;
    answer.assert_ok();
    assert_eq!(answer.data("/r9/subject"), &json!("test-user"));

    let eleven = format!("{{ {} }}", roots(11));
    let answer = app.graphql(&token, &eleven, json!({})).await;
    assert_refused_by_limit(&answer, "root fields", &eleven);

    // Six in a fragment and five beside it are eleven too.
    let split = format!(
        "query Q {{ ...Six {} }} fragment Six on Query {{ {} }}",
        (0..5)
            .map(|i| format!("s{i}: viewer {{ subject }} "))
            .collect::<String>(),
        roots(6)
    );
    let answer = app.graphql(&token, &split, json!({})).await;
    assert_refused_by_limit(&answer, "root fields", &split);
}

// ----- Directives -----------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_directives_are_served_and_twenty_one_or_five_thousand_refused() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let directed = |n: usize| {
        let fields: String = (0..n)
            .map(|i| format!("d{i}: subject @include(if: true) "))
            .collect();
        format!("{{ viewer {{ {fields} }} }}")
    };
    let answer = app.graphql(&token, &directed(20), json!({})).await;
    answer.assert_ok();
    assert_eq!(answer.data("/viewer/d19"), &json!("test-user"));

    let document = directed(21);
    let answer = app.graphql(&token, &document, json!({})).await;
    assert_refused_by_limit(&answer, "directives", &document);

    let five_thousand = format!("{{ viewer {{ subject {} }} }}", "@a ".repeat(5_000));
    assert!(five_thousand.len() < 32 * 1024);
    let answer = app.graphql(&token, &five_thousand, json!({})).await;
    assert_refused_by_limit(&answer, "directives", &five_thousand);
}

// ----- Fragment nesting -----------------------------------------------------------------------

fn fragment_chain(n: usize) -> String {
    let mut document = String::from("query Chain { ...F1 }");
    for i in 1..n {
        document.push_str(&format!(" fragment F{i} on Query {{ ...F{} }}", i + 1));
    }
    document.push_str(&format!(
        " fragment F{n} on Query {{ viewer {{ subject }} }}"
    ));
    document
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fragments_nested_ten_deep_are_served_and_eleven_deep_or_in_a_cycle_refused() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let answer = app.graphql(&token, &fragment_chain(10), json!({})).await;
    answer.assert_ok();
    assert_eq!(answer.data("/viewer/subject"), &json!("test-user"));

    let eleven = fragment_chain(11);
    let answer = app.graphql(&token, &eleven, json!({})).await;
    assert_refused_by_limit(&answer, "fragment", &eleven);

    let cycle = "query Q { ...A } fragment A on Query { ...B } fragment B on Query { ...A }";
    let answer = app.graphql(&token, cycle, json!({})).await;
    assert_refused_by_limit(&answer, "fragment", cycle);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_few_hundred_bytes_that_expand_to_a_million_fields_are_refused_at_once() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    // 30 spreads of a fragment of 30 spreads, five deep: 810,000 fields once expanded, which
    // the engine (and the cost model) would expand before its complexity limit refused them.
    let mut bomb = String::from("query Bomb { viewer { ...F0 } }");
    for level in 0..5 {
        let body = if level == 4 {
            "subject ".to_owned()
        } else {
            format!("...F{} ", level + 1).repeat(30)
        };
        bomb.push_str(&format!(" fragment F{level} on Viewer {{ {body} }}"));
    }
    assert!(bomb.len() < 1_000);
    let started = std::time::Instant::now();
    let answer = app.graphql(&token, &bomb, json!({})).await;
    assert_refused_by_limit(&answer, "fragments are expanded", &bomb);
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiqls_schema_query_keeps_every_limit() {
    let app = TestApp::spawn().await;
    let answer = app
        .graphql(&app.token(ISLINGTON, &[]), GRAPHIQL_SCHEMA_QUERY, json!({}))
        .await;
    answer.assert_ok();
    assert_eq!(answer.data("/__schema/queryType/name"), &json!("Query"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_syntax_error_has_a_code_and_does_not_quote_the_document() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let answer = app
        .graphql(&token, "{ viewer { xyzzy(: } }", json!({}))
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.error_codes(),
        vec!["BAD_USER_INPUT"],
        "{}",
        answer.body
    );
    assert!(
        answer.body.get("data").is_none_or(Value::is_null),
        "{}",
        answer.body
    );
    assert!(
        !answer.body.to_string().contains("xyzzy"),
        "{}",
        answer.body
    );
    assert!(
        messages(&answer)[0].starts_with("syntax error: "),
        "{}",
        answer.body
    );
    assert_eq!(
        answer.body["errors"][0]["locations"][0],
        json!({ "line": 1, "column": 18 })
    );
}

// ----- Batching -------------------------------------------------------------------------------

fn batch_of(n: usize) -> String {
    Value::Array((0..n).map(|_| json!({ "query": VIEWER })).collect()).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_200_operations_is_refused_by_default() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    assert_malformed_request(&app, &token, &batch_of(200), "BAD_USER_INPUT").await;
}

fn batching(max: usize) -> LimitsConfig {
    LimitsConfig {
        max_batch: max,
        ..LimitsConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_configured_a_batch_up_to_the_cap_is_answered_as_an_array_and_one_more_is_400() {
    let app = TestApp::spawn_with_settings(Mode::Development, None, batching(200)).await;
    let token = app.token_all(ISLINGTON);

    let answer = app
        .post(Some(&token), "application/json", batch_of(200))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let answers = answer.body.as_array().expect("an array of answers");
    assert_eq!(answers.len(), 200);
    for one in answers {
        assert_eq!(
            one["data"],
            json!({ "viewer": { "subject": "test-user" } }),
            "{one}"
        );
        assert!(one.get("errors").is_none(), "{one}");
        // Each operation of a batch is priced and charged on its own.
        assert_eq!(one["extensions"]["cost"]["requestedQueryCost"], 2, "{one}");
    }

    for body in [batch_of(201), batch_of(1_000), "[]".to_owned()] {
        assert_malformed_request(&app, &token, &body, "BAD_USER_INPUT").await;
    }
    // Every element must be a request object.
    for body in [
        json!([{ "query": VIEWER }, VIEWER]),
        json!([{ "query": VIEWER }, [VIEWER]]),
        json!([{ "query": VIEWER }, null]),
    ] {
        assert_malformed_request(&app, &token, &body.to_string(), "BAD_USER_INPUT").await;
    }
    // One object is still one operation, answered as an object.
    app.post(
        Some(&token),
        "application/json",
        json!({ "query": VIEWER }).to_string(),
    )
    .await
    .assert_ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_operation_of_a_batch_keeps_the_limits_and_is_answered_on_its_own() {
    let app = TestApp::spawn_with_settings(Mode::Development, None, batching(5)).await;
    let token = app.token(ISLINGTON, &[Scope::ChildrenWrite]);
    let register = "mutation($input: RegisterChildInput!) { registerChild(input: $input) { child { localChildId } userErrors { code } } }";
    let body = json!([
        { "query": VIEWER },
        { "query": with_aliases(31) },
        { "query": register, "variables": { "input": { "localChildId": "B1", "dateOfBirth": "2010-05-01" } } },
        { "query": "{ children(first: 1) { totalCount } }" },
    ]);
    let answer = app
        .post(Some(&token), "application/json", body.to_string())
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let answers = answer.body.as_array().expect("array");
    assert_eq!(answers.len(), 4);
    assert_eq!(answers[0]["data"]["viewer"]["subject"], json!("test-user"));
    assert_eq!(
        answers[1]["errors"][0]["extensions"]["code"],
        json!("BAD_USER_INPUT")
    );
    assert!(
        answers[1].get("data").is_none_or(Value::is_null),
        "{}",
        answers[1]
    );
    assert_eq!(
        answers[2]["data"]["registerChild"]["child"]["localChildId"],
        json!("B1"),
        "{}",
        answers[2]
    );
    // The token may write children but not read them: the same scopes hold in a batch.
    assert_eq!(
        answers[3]["errors"][0]["extensions"]["code"],
        json!("FORBIDDEN"),
        "{}",
        answers[3]
    );
}

// ----- Introspection --------------------------------------------------------------------------

/// A production token (test-only RSA key) for Islington with `scope`.
fn production_token(scope: &str) -> String {
    let now = jsonwebtoken::get_current_timestamp();
    let claims = json!({
        "iss": PRODUCTION_ISSUER, "aud": AUDIENCE, "sub": "integrator-3", "exp": now + 600,
        "iat": now, "la": ISLINGTON, "scope": scope,
    });
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(RSA_KID.to_owned());
    let key = EncodingKey::from_rsa_pem(include_bytes!("../../fixtures/test-only-rsa-private.pem"))
        .expect("key");
    jsonwebtoken::encode(&header, &claims, &key).expect("token")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_production_introspection_without_the_scope_is_forbidden_with_a_code() {
    let app = production_rsa_app().await;
    let token = production_token("children:read");
    app.graphql(&token, VIEWER, json!({})).await.assert_ok();
    // `__typename` is not introspection.
    app.graphql(&token, "{ __typename viewer { __typename } }", json!({}))
        .await
        .assert_ok();
    for query in [
        "{ __schema { types { name } } }",
        "{ __type(name: \"Child\") { fields { name } } }",
        "{ viewer { subject } __schema { queryType { name } } }",
        "{ ... on Query { __schema { queryType { name } } } }",
        "query Q { ...S } fragment S on Query { __type(name: \"Child\") { name } }",
        GRAPHIQL_SCHEMA_QUERY,
    ] {
        let answer = app.graphql(&token, query, json!({})).await;
        assert_eq!(answer.status, 200, "{query}: {}", answer.body);
        assert_eq!(
            answer.error_codes(),
            vec!["FORBIDDEN"],
            "{query}: {}",
            answer.body
        );
        assert!(
            messages(&answer)[0].contains("schema:introspect"),
            "{}",
            answer.body
        );
        assert!(
            answer.body.get("data").is_none_or(Value::is_null),
            "{query}: {}",
            answer.body
        );
        assert!(!answer.body.to_string().contains("NrmReferral"), "{query}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_production_a_token_with_schema_introspect_may_introspect() {
    let app = production_rsa_app().await;
    let token = production_token("schema:introspect");
    let answer = app.graphql(&token, GRAPHIQL_SCHEMA_QUERY, json!({})).await;
    answer.assert_ok();
    let types = answer.data("/__schema/types").as_array().expect("types");
    assert!(types.iter().any(|t| t["name"] == "NrmReferral"));
    let answer = app
        .graphql(&token, "{ __type(name: \"Child\") { name } }", json!({}))
        .await;
    answer.assert_ok();
    assert_eq!(answer.data("/__type/name"), &json!("Child"));
    // The scope opens the schema, not the data.
    let answer = app
        .graphql(&token, "{ children(first: 1) { totalCount } }", json!({}))
        .await;
    assert_eq!(answer.error_codes(), vec!["FORBIDDEN"], "{}", answer.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_development_anyone_may_introspect() {
    let app = TestApp::spawn().await;
    let answer = app
        .graphql(
            &app.token(ISLINGTON, &[]),
            "{ __type(name: \"Child\") { name } }",
            json!({}),
        )
        .await;
    answer.assert_ok();
    assert_eq!(answer.data("/__type/name"), &json!("Child"));
}

// ----- CORS -----------------------------------------------------------------------------------

fn with_origins(origins: &[&str]) -> LimitsConfig {
    LimitsConfig {
        cors_allowed_origins: origins.iter().map(|o| (*o).to_owned()).collect(),
        ..LimitsConfig::default()
    }
}

async fn preflight(app: &TestApp, origin: &str) -> Answer {
    let response = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, app.url("/graphql"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type,x-purpose,traceparent",
        )
        .send()
        .await
        .expect("request");
    answer(response).await
}

async fn post_from(app: &TestApp, origin: &str, token: &str) -> Answer {
    let response = reqwest::Client::new()
        .post(app.url("/graphql"))
        .header("origin", origin)
        .header("content-type", "application/json")
        .bearer_auth(token)
        .body(json!({ "query": VIEWER }).to_string())
        .send()
        .await
        .expect("request");
    answer(response).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_allows_exactly_the_configured_origins_for_post() {
    let app = TestApp::spawn_with_settings(
        Mode::Development,
        None,
        with_origins(&[ALLOWED_ORIGIN, "http://localhost:3000"]),
    )
    .await;
    let token = app.token_all(ISLINGTON);

    let allowed = preflight(&app, ALLOWED_ORIGIN).await;
    assert!(allowed.status < 300, "{}", allowed.status);
    assert_eq!(
        header(&allowed, "access-control-allow-origin"),
        Some(ALLOWED_ORIGIN)
    );
    let methods = header(&allowed, "access-control-allow-methods").expect("methods");
    assert_eq!(methods, "POST");
    let headers = header(&allowed, "access-control-allow-headers")
        .expect("headers")
        .to_lowercase();
    for name in ["authorization", "content-type", "x-purpose", "traceparent"] {
        assert!(headers.contains(name), "{headers}");
    }
    assert!(header(&allowed, "access-control-allow-credentials").is_none());

    let actual = post_from(&app, ALLOWED_ORIGIN, &token).await;
    actual.assert_ok();
    assert_eq!(
        header(&actual, "access-control-allow-origin"),
        Some(ALLOWED_ORIGIN)
    );
    assert!(
        header(&actual, "vary").is_some_and(|v| v.to_lowercase().contains("origin")),
        "{:?}",
        actual.headers
    );
    // The browser may read the trace id, to quote it to operators, and a write's consistency
    // token, to send back with the reads that must show the write.
    assert_eq!(
        header(&actual, "access-control-expose-headers"),
        Some("x-trace-id,x-consistency-token")
    );
    assert_eq!(
        header(&actual, "x-trace-id").map(str::len),
        Some(32),
        "{:?}",
        actual.headers
    );

    // Not a prefix, a suffix, another scheme or port, nor any other origin.
    for origin in [
        OTHER_ORIGIN,
        "https://case-system.islington.example.evil.example",
        "http://case-system.islington.example",
        "https://case-system.islington.example:8443",
        "http://localhost:3001",
        "null",
    ] {
        let refused = preflight(&app, origin).await;
        assert!(
            header(&refused, "access-control-allow-origin").is_none(),
            "{origin}: {:?}",
            refused.headers
        );
        let actual = post_from(&app, origin, &token).await;
        assert!(
            header(&actual, "access-control-allow-origin").is_none(),
            "{origin}: {:?}",
            actual.headers
        );
    }
    let local = preflight(&app, "http://localhost:3000").await;
    assert_eq!(
        header(&local, "access-control-allow-origin"),
        Some("http://localhost:3000")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_configured_origins_there_are_no_cors_headers_at_all() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let pre = preflight(&app, ALLOWED_ORIGIN).await;
    assert_eq!(pre.status, 405, "{}", pre.body);
    let actual = post_from(&app, ALLOWED_ORIGIN, &token).await;
    actual.assert_ok();
    for answer in [&pre, &actual] {
        assert!(
            !answer
                .headers
                .keys()
                .any(|name| name.as_str().starts_with("access-control-")),
            "{:?}",
            answer.headers
        );
    }
}

// ----- Security headers -----------------------------------------------------------------------

#[track_caller]
fn assert_security_headers(answer: &Answer, what: &str) {
    assert_eq!(
        header(answer, "x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        header(answer, "referrer-policy"),
        Some("no-referrer"),
        "{what}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_answers_are_never_cached_and_every_answer_has_the_security_headers() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let answers = [
        ("200", app.graphql(&token, VIEWER, json!({})).await),
        (
            "401",
            app.post(
                None,
                "application/json",
                json!({ "query": VIEWER }).to_string(),
            )
            .await,
        ),
        (
            "415",
            app.post(Some(&token), "text/plain", VIEWER.to_owned())
                .await,
        ),
        (
            "400",
            app.post_accepting(
                Some(&token),
                "application/graphql-response+json",
                "[]".to_owned(),
            )
            .await,
        ),
        (
            "406",
            app.post_accepting(
                Some(&token),
                "text/html",
                json!({ "query": VIEWER }).to_string(),
            )
            .await,
        ),
        ("405", app.get("/graphql").await),
    ];
    for (what, answer) in &answers {
        assert_eq!(answer.status.to_string(), *what, "{}", answer.body);
        assert_eq!(header(answer, "cache-control"), Some("no-store"), "{what}");
        assert_security_headers(answer, what);
    }
    for path in ["/health/live", "/health/ready", "/", "/no-such-page"] {
        let answer = app.get(path).await;
        assert_security_headers(&answer, path);
        assert_eq!(header(&answer, "cache-control"), Some("no-store"), "{path}");
    }
    // GraphiQL's own assets (no child data) may be cached.
    let asset = app.get("/graphiql/init.js").await;
    assert_security_headers(&asset, "asset");
    assert_eq!(
        header(&asset, "cache-control"),
        Some("public, max-age=3600")
    );
}

// ----- Failures do not leak -------------------------------------------------------------------

async fn panicking_handler() -> &'static str {
    let row = "SELECT * FROM children WHERE nhs_number = '9434765919'";
    panic!("resolver failed on {row}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_a_handler_is_a_500_with_a_correlation_id_and_no_detail() {
    // A test-only router behind the same outer layers as the real one.
    let limits = with_origins(&[ALLOWED_ORIGIN]);
    let router = harden(
        Router::new().route("/graphql", post(panicking_handler)),
        &limits,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });

    for _ in 0..2 {
        let response = reqwest::Client::new()
            .post(format!("http://{address}/graphql"))
            .header("origin", ALLOWED_ORIGIN)
            .header("content-type", "application/json")
            .body(json!({ "query": VIEWER }).to_string())
            .send()
            .await
            .expect("the server answers after a panic");
        let answer = answer(response).await;
        assert_eq!(answer.status, 500, "{}", answer.body);
        assert_eq!(answer.error_codes(), vec!["INTERNAL"]);
        let correlation = answer.body["errors"][0]["extensions"]["correlationId"]
            .as_str()
            .expect("correlation id");
        assert!(uuid::Uuid::parse_str(correlation).is_ok(), "{correlation}");
        assert!(messages(&answer)[0].contains(correlation));
        let text = answer.body.to_string();
        for leak in ["SELECT", "9434765919", "panick", "resolver failed"] {
            assert!(!text.contains(leak), "{leak} in {text}");
        }
        assert_security_headers(&answer, "500");
        assert_eq!(header(&answer, "cache-control"), Some("no-store"));
        assert_eq!(
            header(&answer, "access-control-allow-origin"),
            Some(ALLOWED_ORIGIN)
        );
    }
}

/// Runs `sql` as the schema owner of the app's database.
async fn as_owner(app: &TestApp, sql: &str) {
    async fn run<C: AsyncConnection>(connection: &mut C, sql: &str) {
        connection.batch_execute(sql).await.expect("owner SQL");
    }
    let mut owner =
        stable_futures_persistence::AsyncPgConnection::establish(&app.database.owner_url)
            .await
            .expect("owner connection");
    run(&mut owner, sql).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_failure_is_internal_with_a_correlation_id_and_no_sql() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    // The local authority is known (and cached) before the database breaks.
    app.graphql(&token, VIEWER, json!({})).await.assert_ok();
    as_owner(&app, "ALTER TABLE children RENAME TO children_moved_away").await;

    let answer = app
        .graphql(
            &token,
            "{ children(first: 5) { totalCount nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        answer.error_codes().iter().all(|code| code == "INTERNAL")
            && !answer.error_codes().is_empty(),
        "{}",
        answer.body
    );
    let error = &answer.body["errors"][0];
    let correlation = error["extensions"]["correlationId"]
        .as_str()
        .expect("correlation id");
    assert!(uuid::Uuid::parse_str(correlation).is_ok(), "{correlation}");
    let text = answer.body.to_string().to_lowercase();
    for leak in [
        "children_moved_away",
        "relation \"",
        "select",
        "does not exist",
        "postgres",
        "diesel",
    ] {
        assert!(!text.contains(leak), "{leak} in {}", answer.body);
    }
}
