//! Trusted documents: a client's registered operations sent by id (the GraphQL-over-HTTP draft's
//! `documentId`, Apollo's `persistedQuery`), and the production setting that runs nothing else.

use serde_json::{json, Value};
use stable_futures_api::config::{DocumentPolicy, LimitsConfig, Mode};
use stable_futures_domain::documents::{DocumentId, TrustedDocument};
use stable_futures_domain::principal::Scope;
use stable_futures_persistence::{add_trusted_documents, AsyncConnection, AsyncPgConnection};
use stable_futures_test_support::{fixtures, TestApp, CAMDEN, ISLINGTON};

const CASE_SYSTEM: &str = "mosaic-islington";
const CHILDREN: &str =
    "query RegisteredChildren { children(first: 5) { nodes { id localChildId } } }";
const UNREGISTERED: &str = "query Other { children(first: 5) { nodes { id } } }";

async fn register(app: &TestApp, client: &str, bodies: &[&str]) {
    let documents: Vec<TrustedDocument> = bodies
        .iter()
        .map(|body| TrustedDocument {
            id: DocumentId::of(body),
            body: (*body).to_owned(),
        })
        .collect();
    let mut owner = AsyncPgConnection::establish(&app.database.owner_url)
        .await
        .expect("owner connection");
    add_trusted_documents(&mut owner, client, &documents)
        .await
        .expect("register");
}

async fn by_id(app: &TestApp, token: &str, body: Value) -> stable_futures_test_support::Answer {
    app.post(Some(token), "application/json", body.to_string())
        .await
}

async fn with_children(app: &TestApp) {
    let token = app.token_all(ISLINGTON);
    fixtures::child(app, &token, "TD001").await;
    fixtures::child(app, &token, "TD002").await;
}

#[tokio::test]
async fn a_registered_document_answers_by_id_as_by_text_and_names_itself_in_the_audit_trail() {
    let app = TestApp::spawn().await;
    with_children(&app).await;
    register(&app, CASE_SYSTEM, &[CHILDREN]).await;
    let token = app.token_of_client(ISLINGTON, CASE_SYSTEM, Scope::ALL);
    let id = DocumentId::of(CHILDREN);

    let by_text = app.graphql(&token, CHILDREN, json!({})).await;
    by_text.assert_ok();
    assert_eq!(by_text.data("/children/nodes").as_array().unwrap().len(), 2);

    let draft = by_id(&app, &token, json!({ "documentId": id.as_str() })).await;
    draft.assert_ok();
    assert_eq!(draft.body["data"], by_text.body["data"]);

    let hash = id.as_str().trim_start_matches("sha256:");
    let apollo = by_id(
        &app,
        &token,
        json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } }),
    )
    .await;
    apollo.assert_ok();
    assert_eq!(apollo.body["data"], by_text.body["data"]);

    // Apollo's retry sends the text with its hash: they must agree.
    let both = by_id(
        &app,
        &token,
        json!({ "query": CHILDREN, "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } }),
    )
    .await;
    both.assert_ok();
    let disagreeing = by_id(
        &app,
        &token,
        json!({ "query": UNREGISTERED, "documentId": id.as_str() }),
    )
    .await;
    assert_eq!(disagreeing.error_codes(), vec!["BAD_USER_INPUT"]);
    assert!(
        disagreeing.body.get("data").is_none(),
        "{}",
        disagreeing.body
    );

    let trail = app
        .graphql(
            &token,
            "{ auditEvents(first: 50) { nodes { action operation documentId childId } } }",
            json!({}),
        )
        .await;
    trail.assert_ok();
    let reads: Vec<&Value> = trail
        .data("/auditEvents/nodes")
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["action"] == "READ" && event["operation"] == "RegisteredChildren")
        .collect();
    // By text (unregistered policy: not named), by `documentId`, by Apollo's hash, by both:
    // two children each.
    assert_eq!(reads.len(), 8, "{}", trail.body);
    let named = reads
        .iter()
        .filter(|event| event["documentId"] == id.as_str())
        .count();
    assert_eq!(named, 6, "{}", trail.body);
    let writes_named = trail
        .data("/auditEvents/nodes")
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["action"] != "READ" && !event["documentId"].is_null())
        .count();
    assert_eq!(writes_named, 0);
}

#[tokio::test]
async fn a_document_is_its_clients_alone() {
    let app = TestApp::spawn().await;
    register(&app, CASE_SYSTEM, &[CHILDREN]).await;
    let id = DocumentId::of(CHILDREN);
    let request = json!({ "documentId": id.as_str() });

    let other_client = app.token_of_client(ISLINGTON, "eclipse-islington", Scope::ALL);
    let refused = by_id(&app, &other_client, request.clone()).await;
    assert_eq!(refused.error_codes(), vec!["PERSISTED_QUERY_NOT_FOUND"]);
    assert!(refused.body.get("data").is_none(), "{}", refused.body);

    // The same client in another authority has its documents (they are no authority's data),
    // and reads only that authority's children.
    let camden = app.token_of_client(CAMDEN, CASE_SYSTEM, Scope::ALL);
    let answer = by_id(&app, &camden, request).await;
    answer.assert_ok();
    assert_eq!(answer.data("/children/nodes"), &json!([]));

    let unknown = by_id(
        &app,
        &app.token_of_client(ISLINGTON, CASE_SYSTEM, Scope::ALL),
        json!({ "documentId": DocumentId::of(UNREGISTERED).as_str() }),
    )
    .await;
    assert_eq!(unknown.error_codes(), vec!["PERSISTED_QUERY_NOT_FOUND"]);

    // With the specification's media type, a refusal before execution is a 400.
    let strict = app
        .post_accepting(
            Some(&app.token_of_client(ISLINGTON, CASE_SYSTEM, Scope::ALL)),
            "application/graphql-response+json",
            json!({ "documentId": DocumentId::of(UNREGISTERED).as_str() }).to_string(),
        )
        .await;
    assert_eq!(strict.status, 400);
    assert_eq!(strict.error_codes(), vec!["PERSISTED_QUERY_NOT_FOUND"]);
}

#[tokio::test]
async fn malformed_document_ids_are_refused_as_bad_requests() {
    let app = TestApp::spawn().await;
    let token = app.token_of_client(ISLINGTON, CASE_SYSTEM, Scope::ALL);
    for body in [
        json!({ "documentId": "sha256:abc" }),
        json!({ "documentId": 12 }),
        json!({ "extensions": { "persistedQuery": { "version": 2, "sha256Hash": "00" } } }),
        json!({ "variables": {} }),
    ] {
        let answer = by_id(&app, &token, body.clone()).await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        assert_eq!(answer.error_codes(), vec!["BAD_USER_INPUT"], "{body}");
    }
}

#[tokio::test]
async fn with_only_registered_documents_allowed_nothing_else_runs() {
    let app = TestApp::spawn_with_settings(
        Mode::Development,
        None,
        LimitsConfig {
            trusted_documents: DocumentPolicy::Registered,
            max_batch: 3,
            ..LimitsConfig::default()
        },
    )
    .await;
    register(&app, CASE_SYSTEM, &[CHILDREN]).await;
    let token = app.token_of_client(ISLINGTON, CASE_SYSTEM, Scope::ALL);

    let unregistered = app.graphql(&token, UNREGISTERED, json!({})).await;
    assert_eq!(
        unregistered.error_codes(),
        vec!["PERSISTED_QUERY_NOT_FOUND"]
    );
    assert!(unregistered.body.get("data").is_none());
    // Not even a mutation gets as far as its resolver.
    let write = app
        .graphql(
            &token,
            "mutation { registerChild(input: {localChildId: \"X-1\"}) { child { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(write.error_codes(), vec!["PERSISTED_QUERY_NOT_FOUND"]);

    // A registered document runs by id and by its exact text (named on the audit trail either
    // way); a text that differs by a space is another document.
    app.graphql(&token, CHILDREN, json!({})).await.assert_ok();
    by_id(
        &app,
        &token,
        json!({ "documentId": DocumentId::of(CHILDREN).as_str() }),
    )
    .await
    .assert_ok();
    let spaced = app
        .graphql(&token, &format!("{CHILDREN} "), json!({}))
        .await;
    assert_eq!(spaced.error_codes(), vec!["PERSISTED_QUERY_NOT_FOUND"]);

    // In a batch, each operation on its own.
    let batch = app
        .post(
            Some(&token),
            "application/json",
            json!([
                { "documentId": DocumentId::of(CHILDREN).as_str() },
                { "query": UNREGISTERED },
            ])
            .to_string(),
        )
        .await;
    assert_eq!(batch.status, 200);
    assert!(batch.body[0].get("errors").is_none(), "{}", batch.body);
    assert_eq!(
        batch.body[1]["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );

    // Another client's token: its own (empty) registry.
    let other = app.token_of_client(ISLINGTON, "eclipse-islington", Scope::ALL);
    let refused = app.graphql(&other, CHILDREN, json!({})).await;
    assert_eq!(refused.error_codes(), vec!["PERSISTED_QUERY_NOT_FOUND"]);
}
