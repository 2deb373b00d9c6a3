//! The HTTP surface around GraphQL: POST `application/json` only, answers in the media type the
//! caller accepts (GraphQL over HTTP), one operation per request, a body limit, health checks,
//! and GraphiQL and introspection in development only.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use stable_futures_api::auth::Claims;
use stable_futures_test_support::{Answer, TestApp, AUDIENCE, ISLINGTON};

use super::auth::{production_rsa_app, PRODUCTION_ISSUER, RSA_KID};

const VIEWER: &str = "{ viewer { subject } }";
const INTROSPECTION: &str = "{ __schema { types { name } } }";

fn viewer_body() -> String {
    json!({ "query": VIEWER }).to_string()
}

/// An all-scopes token the production app (test-only RSA key) accepts.
fn production_token() -> String {
    let now = jsonwebtoken::get_current_timestamp();
    let claims = Claims {
        iss: PRODUCTION_ISSUER.to_owned(),
        aud: AUDIENCE.to_owned(),
        sub: "worker-17".to_owned(),
        exp: now + 600,
        iat: Some(now),
        nbf: None,
        la: ISLINGTON.to_owned(),
        la_set: None,
        scope: "children:read children:write referrals:read".to_owned(),
        azp: None,
    };
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(RSA_KID.to_owned());
    let key = EncodingKey::from_rsa_pem(include_bytes!("../../fixtures/test-only-rsa-private.pem"))
        .expect("key");
    jsonwebtoken::encode(&header, &claims, &key).expect("token")
}

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

fn header<'a>(answer: &'a Answer, name: &str) -> &'a str {
    answer
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no {name} header in {:?}", answer.headers))
}

/// Every message of every error in the answer.
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

// ----- POST /graphql -------------------------------------------------------------------------

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// `body` is not a well-formed GraphQL request (not JSON, not one request object, a parameter
/// of the wrong type): 400 with `code` and no `data`, whichever media type the caller accepts,
/// in that type.
pub(super) async fn assert_malformed_request(app: &TestApp, token: &str, body: &str, code: &str) {
    for (accept, content_type) in [
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        ("application/json", "application/json"),
    ] {
        let answer = app
            .post_accepting(Some(token), accept, body.to_owned())
            .await;
        assert_eq!(answer.status, 400, "{accept}, {body}: {}", answer.body);
        assert!(
            header(&answer, "content-type").starts_with(content_type),
            "{accept}: {:?}",
            answer.headers
        );
        assert_eq!(answer.error_codes(), vec![code], "{accept}, {body}");
        assert!(answer.body.get("data").is_none(), "{body}: {}", answer.body);
    }
    // Without `Accept`, as `application/json`.
    let answer = app
        .post(Some(token), "application/json", body.to_owned())
        .await;
    assert_eq!(answer.status, 400, "{body}: {}", answer.body);
}

/// `body` is a well-formed request whose document does not parse or validate, or whose
/// variables do not fit it (nothing ran): a caller that accepts the specification's media type
/// gets 400 and no `data`; a legacy one (`application/json`, or no `Accept`) gets 200 with the
/// same errors and no `data`.
async fn assert_graphql_request_error(app: &TestApp, token: &str, body: &str) {
    let strict = app
        .post_accepting(Some(token), GRAPHQL_RESPONSE, body.to_owned())
        .await;
    assert_eq!(strict.status, 400, "{body}: {}", strict.body);
    assert!(
        header(&strict, "content-type").starts_with(GRAPHQL_RESPONSE),
        "{:?}",
        strict.headers
    );
    assert!(strict.body.get("data").is_none(), "{body}: {}", strict.body);
    assert!(!strict.error_codes().is_empty(), "{body}: {}", strict.body);
    for legacy in [
        app.post(Some(token), "application/json", body.to_owned())
            .await,
        app.post_accepting(Some(token), "application/json", body.to_owned())
            .await,
    ] {
        assert_eq!(legacy.status, 200, "{body}: {}", legacy.body);
        assert!(
            header(&legacy, "content-type").starts_with("application/json"),
            "{:?}",
            legacy.headers
        );
        assert_eq!(legacy.body, strict.body, "the same errors either way");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_are_in_the_media_type_the_caller_accepts() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    for (accept, expected) in [
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        ("application/*", "application/json"),
        (
            "application/json;q=0.9, application/graphql-response+json",
            GRAPHQL_RESPONSE,
        ),
        (
            "application/graphql-response+json;q=0.5, application/json",
            "application/json",
        ),
    ] {
        let answer = app
            .post_accepting(Some(&token), accept, viewer_body())
            .await;
        assert_eq!(answer.status, 200, "{accept}: {}", answer.body);
        assert!(
            header(&answer, "content-type").starts_with(expected),
            "{accept}: {:?}",
            answer.headers
        );
        assert_eq!(
            answer.body["data"],
            json!({ "viewer": { "subject": "test-user" } })
        );
        assert!(answer.body.get("errors").is_none(), "{}", answer.body);
    }
    // Neither type acceptable: 406, nothing run.
    for accept in [
        "text/html",
        "application/json;q=0",
        "application/xml, text/plain",
    ] {
        let answer = app
            .post_accepting(Some(&token), accept, viewer_body())
            .await;
        assert_eq!(answer.status, 406, "{accept}: {}", answer.body);
        assert_eq!(answer.error_codes(), vec!["BAD_USER_INPUT"]);
        assert!(answer.body.get("data").is_none());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_that_do_not_parse_or_validate_are_request_errors_and_malformed_bodies_400() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    for body in [
        json!({ "query": "{" }),
        json!({ "query": "{ noSuchField }" }),
        json!({ "query": "query A { viewer { subject } } query A { viewer { subject } }" }),
        json!({
            "query": "query Child($id: ID!) { child(id: $id) { id } }",
            "variables": { "id": { "not": "an id" } },
        }),
        json!({ "query": "query Child($id: ID!) { child(id: $id) { id } }" }),
    ] {
        assert_graphql_request_error(&app, &token, &body.to_string()).await;
    }
    // Not a well-formed request at all: a missing or non-string query, non-object variables or
    // extensions, a non-string operation name, JSON that does not parse.
    for body in [
        json!({ "qeury": VIEWER }).to_string(),
        json!({ "query": 0 }).to_string(),
        json!({ "query": VIEWER, "variables": "string" }).to_string(),
        json!({ "query": VIEWER, "operationName": false }).to_string(),
        json!({ "query": VIEWER, "extensions": ["array"] }).to_string(),
        "{ \"not a JSON".to_owned(),
    ] {
        assert_malformed_request(&app, &token, &body, "BAD_USER_INPUT").await;
    }
    // A field's error is not a request error: the data is there, with 200, in either type
    // (here `guardianAssignments`, which the token's scopes do not reach).
    let token = production_token();
    let app = production_rsa_app().await;
    let body =
        json!({ "query": "{ viewer { subject } guardianAssignments(first: 1) { nodes { id } } }" })
            .to_string();
    for accept in [GRAPHQL_RESPONSE, "application/json"] {
        let answer = app.post_accepting(Some(&token), accept, body.clone()).await;
        assert_eq!(answer.status, 200, "{accept}: {}", answer.body);
        assert_eq!(answer.body["data"]["viewer"]["subject"], "worker-17");
        assert_eq!(answer.body["data"]["guardianAssignments"], Value::Null);
        assert_eq!(answer.error_codes(), vec!["FORBIDDEN"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_graphql_with_a_content_type_other_than_json_is_415() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    for content_type in [
        "text/plain",
        "text/plain; charset=utf-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/graphql",
        "text/json",
    ] {
        let answer = app.post(Some(&token), content_type, viewer_body()).await;
        assert_eq!(answer.status, 415, "{content_type}: {}", answer.body);
        assert_eq!(
            answer.error_codes(),
            vec!["BAD_USER_INPUT"],
            "{content_type}"
        );
    }
    // The form a browser would send without script (a CSRF attempt): refused the same way.
    let form = app
        .post(
            Some(&token),
            "application/x-www-form-urlencoded",
            format!("query={VIEWER}"),
        )
        .await;
    assert_eq!(form.status, 415, "{}", form.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_graphql_without_a_content_type_is_415() {
    let app = TestApp::spawn().await;
    let response = reqwest::Client::new()
        .post(app.url("/graphql"))
        .bearer_auth(app.token_all(ISLINGTON))
        .body(viewer_body())
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 415);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_graphql_with_json_and_a_charset_is_accepted() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    for content_type in [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
    ] {
        let answer = app.post(Some(&token), content_type, viewer_body()).await;
        answer.assert_ok();
        assert_eq!(
            answer.data("/viewer/subject"),
            &json!("test-user"),
            "{content_type}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_graphql_is_405_allowing_only_post() {
    let app = TestApp::spawn().await;
    for path in [
        "/graphql",
        "/graphql?query=%7B%20viewer%20%7B%20subject%20%7D%20%7D",
    ] {
        let response = reqwest::Client::new()
            .get(app.url(path))
            .bearer_auth(app.token_all(ISLINGTON))
            .send()
            .await
            .expect("request");
        let answer = answer(response).await;
        assert_eq!(answer.status, 405, "{path}: {}", answer.body);
        assert_eq!(header(&answer, "allow"), "POST");
        assert!(
            answer.body.get("data").is_none(),
            "a GET must run nothing: {}",
            answer.body
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_operations_is_400() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let batch = json!([{ "query": VIEWER }, { "query": VIEWER }]).to_string();
    assert_malformed_request(&app, &token, &batch, "BAD_USER_INPUT").await;
    let single_batch = json!([{ "query": VIEWER }]).to_string();
    assert_malformed_request(&app, &token, &single_batch, "BAD_USER_INPUT").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_json_array_body_is_400() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    for body in [
        json!(["{ viewer { subject } }"]),
        json!(["{ viewer { subject } }", null, {}]),
        json!([]),
    ] {
        assert_malformed_request(&app, &token, &body.to_string(), "BAD_USER_INPUT").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_is_not_one_json_request_is_400() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    for body in [
        VIEWER.to_owned(),
        "query=%7Bviewer%7D".to_owned(),
        "{\"query\": ".to_owned(),
        String::new(),
        "null".to_owned(),
        "\"{ viewer { subject } }\"".to_owned(),
    ] {
        assert_malformed_request(&app, &token, &body, "BAD_USER_INPUT").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_256_kib_is_413_and_one_under_is_served() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    // Padded with a variable the operation does not use, so only the size differs (the query
    // itself has its own, smaller limit).
    let body_of = |padding: usize| {
        json!({ "query": VIEWER, "variables": { "padding": "x".repeat(padding) } }).to_string()
    };

    let under = body_of(250 * 1024);
    assert!(under.len() < 256 * 1024);
    app.post(Some(&token), "application/json", under)
        .await
        .assert_ok();

    let over = body_of(256 * 1024 + 1);
    assert!(over.len() > 256 * 1024);
    assert_eq!(raw_post_status(&app, &token, over).await, 413);

    let far_over = body_of(4 * 1024 * 1024);
    assert_eq!(raw_post_status(&app, &token, far_over).await, 413);
}

/// POSTs `body` over a bare TCP connection and returns the status code. The server may answer
/// (413) and close before it has read the whole body, so writing and reading run side by side and
/// a failed write is not an error.
async fn raw_post_status(app: &TestApp, token: &str, body: String) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let stream = tokio::net::TcpStream::connect(app.address)
        .await
        .expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nAuthorization: Bearer {token}\r\nContent-Length: {}\r\n\r\n",
        app.address,
        body.len()
    );
    let write = async move {
        let _ = writer.write_all(head.as_bytes()).await;
        let _ = writer.write_all(body.as_bytes()).await;
        let _ = writer.flush().await;
        writer
    };
    let read = async move {
        let mut received = Vec::new();
        let mut buffer = [0_u8; 1024];
        while !received.windows(2).any(|w| w == b"\r\n") {
            match reader.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
        received
    };
    let (_writer, received) = tokio::join!(write, read);
    let status_line = String::from_utf8_lossy(&received);
    status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {status_line:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_messages_never_suggest_what_was_meant() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    for query in [
        "{ viewr { subject } }",
        "{ viewer { subjct } }",
        "{ chidren(first: 1) { totalCount } }",
        "{ children(frist: 1) { totalCount } }",
        "query($id: ID!) { child(idd: $id) { id } }",
        "{ viewer { ... on Viewr { subject } } }",
        "mutation { registerChild(input: { localChildId: \"A1\", dateOfBirth: \"2010-01-01\", gendr: FEMALE }) { userErrors { code } } }",
        "mutation { registerChild(input: { localChildId: \"A1\", dateOfBirth: \"2010-01-01\", gender: FEMAL }) { userErrors { code } } }",
    ] {
        let answer = app.graphql(&token, query, json!({ "id": "x" })).await;
        let messages = messages(&answer);
        assert!(!messages.is_empty(), "{query} should fail: {}", answer.body);
        for message in messages {
            assert!(!message.to_lowercase().contains("did you mean"), "{query}: {message}");
        }
    }
    // Nor in production.
    let production = production_rsa_app().await;
    let answer = production
        .graphql(&production_token(), "{ viewr { subject } }", json!({}))
        .await;
    let messages = messages(&answer);
    assert!(!messages.is_empty(), "{}", answer.body);
    assert!(
        messages
            .iter()
            .all(|m| !m.to_lowercase().contains("did you mean")),
        "{messages:?}"
    );
}

// ----- Introspection ----------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn introspection_works_in_development() {
    let app = TestApp::spawn().await;
    let answer = app
        .graphql(&app.token(ISLINGTON, &[]), INTROSPECTION, json!({}))
        .await;
    answer.assert_ok();
    let types = answer.data("/__schema/types").as_array().expect("types");
    assert!(
        types.iter().any(|t| t["name"] == "Child"),
        "{}",
        answer.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn introspection_is_refused_in_production() {
    let app = production_rsa_app().await;
    let token = production_token();
    // The token works: only introspection is refused (answered with nothing).
    app.graphql(&token, VIEWER, json!({})).await.assert_ok();
    for query in [
        INTROSPECTION,
        "{ __type(name: \"Child\") { fields { name } } }",
        "query IntrospectionQuery { __schema { queryType { name } mutationType { name } } }",
        "{ viewer { subject } __schema { types { name } } }",
    ] {
        let answer = app.graphql(&token, query, json!({})).await;
        assert_eq!(answer.status, 200, "{query}: {}", answer.body);
        assert!(
            answer
                .body
                .pointer("/data/__schema")
                .is_none_or(Value::is_null),
            "{query}: {}",
            answer.body
        );
        assert!(
            answer
                .body
                .pointer("/data/__type")
                .is_none_or(Value::is_null),
            "{query}: {}",
            answer.body
        );
        assert!(
            !answer.body.to_string().contains("NrmReferral"),
            "{query}: {}",
            answer.body
        );
    }
}

// ----- GraphiQL ---------------------------------------------------------------------------------

/// The values of `src="/graphiql/…"` and `href="/graphiql/…"` attributes in `html`.
fn graphiql_assets(html: &str) -> Vec<String> {
    let mut assets = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(start) = rest.find(attribute) {
            rest = &rest[start + attribute.len()..];
            let end = rest.find('"').expect("closing quote");
            if rest[..end].starts_with("/graphiql/") {
                assets.push(rest[..end].to_owned());
            }
            rest = &rest[end..];
        }
    }
    assets
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn development_serves_graphiql_at_the_root_under_a_strict_content_security_policy() {
    let app = TestApp::spawn().await;
    let page = app.get("/").await;
    assert_eq!(page.status, 200);
    assert!(header(&page, "content-type").starts_with("text/html"));
    let csp = header(&page, "content-security-policy");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-eval"), "{csp}");
    let script_src = csp
        .split(';')
        .find(|d| d.trim().starts_with("script-src"))
        .expect("script-src");
    assert!(!script_src.contains("unsafe-inline"), "{csp}");
    assert_eq!(header(&page, "x-content-type-options"), "nosniff");

    let html = page.body.as_str().expect("HTML");
    assert!(html.to_lowercase().contains("graphiql"));
    assert!(html.contains("/graphiql/init.js"));
    // script-src 'self' holds only if no script is inline.
    for (index, _) in html.match_indices("<script") {
        let tag = &html[index..index + html[index..].find('>').expect("tag end")];
        assert!(
            tag.contains("src=\"/graphiql/"),
            "inline or foreign script: {tag}"
        );
    }

    let assets = graphiql_assets(html);
    assert!(
        assets.iter().any(|a| a == "/graphiql/init.js"),
        "{assets:?}"
    );
    assert!(assets.iter().any(|a| a.ends_with(".css")), "{assets:?}");
    for asset in &assets {
        let answer = app.get(asset).await;
        assert_eq!(answer.status, 200, "{asset}");
        let content_type = header(&answer, "content-type");
        let expected = if asset.ends_with(".css") {
            content_type.starts_with("text/css")
        } else {
            content_type.starts_with("text/javascript")
                || content_type.starts_with("application/javascript")
        };
        assert!(expected, "{asset} served as {content_type}");
        assert!(
            answer.body.as_str().is_some_and(|text| !text.is_empty()),
            "{asset} is empty"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn development_answers_404_for_unknown_graphiql_assets() {
    let app = TestApp::spawn().await;
    for path in [
        "/graphiql/nope.js",
        "/graphiql/..%2F..%2FCargo.toml",
        "/graphiql/index.html",
    ] {
        assert_eq!(app.get(path).await.status, 404, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_serves_no_graphiql() {
    let app = production_rsa_app().await;
    assert_eq!(app.get("/").await.status, 404);
    assert_eq!(app.get("/graphiql/init.js").await.status, 404);
    assert_eq!(app.get("/graphiql/graphiql.min.js").await.status, 404);
}

// ----- Health -----------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_checks_answer_without_a_token() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/health/live").await.status, 200);
    assert_eq!(app.get("/health/ready").await.status, 200);
    let production = production_rsa_app().await;
    assert_eq!(production.get("/health/live").await.status, 200);
    assert_eq!(production.get("/health/ready").await.status, 200);
}
