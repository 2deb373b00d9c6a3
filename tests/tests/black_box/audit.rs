//! The audit trail: every write of child-level data leaves one row in its own transaction, every
//! read leaves one row per child read (written once, at the end of the request), each naming who,
//! which child, what kind of data, the operation, the trace id and the declared purpose. Refused
//! writes leave nothing; the trail is the authority's own and needs `audit:read` to read.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use stable_futures_domain::principal::Scope;
use stable_futures_test_support::fixtures::{self, RECORD_RG, REGISTER_CHILD};
use stable_futures_test_support::{Answer, TestApp, CAMDEN, ISLINGTON};

const EVENTS: &str = "query Events($first: Int!, $after: String, $childId: ID) {
    auditEvents(first: $first, after: $after, childId: $childId) {
        edges { cursor node { occurredAt subject client childId action operation fieldsClasses traceId purpose } }
        pageInfo { hasNextPage hasPreviousPage }
    }
}";

const UPDATE_CHILD: &str = "mutation($input: UpdateChildInput!) { updateChild(input: $input) { child { id version } userErrors { field code } } }";
const ASSIGN_GUARDIAN: &str = "mutation($input: AssignGuardianInput!) { assignGuardian(input: $input) { assignment { id version } userErrors { field code } } }";

const NESTED_PAGE: &str = r#"
query Page($first: Int!) {
  children(first: $first) {
    nodes {
      localChildId
      referrals(first: 5) { nodes { status timeline { kind at } child { localChildId } } }
      guardianAssignments { status daysToAssignment daysFromReferralToAssignment child { id } }
      outcomeMeasurements(first: 5) { nodes { outcome { key title } youngPersonRating supersededById } }
    }
  }
}"#;

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

/// The uuid inside a global id (`base64url("Type:uuid")`), as stored in `audit_events.child_id`.
fn uuid_of(global_id: &str) -> String {
    let bytes = URL_SAFE_NO_PAD.decode(global_id).expect("global id");
    let text = String::from_utf8(bytes).expect("utf-8");
    text.split_once(':').expect("Type:uuid").1.to_owned()
}

/// Every audit row of the database, oldest first, as `ACTION|operation|CLASSES|child uuid`
/// (read as the owner, so reading them leaves no row).
async fn rows(app: &TestApp) -> Vec<String> {
    app.database
        .owner_query(
            "SELECT action || '|' || operation || '|' || array_to_string(fields_class, ',') || '|' \
             || coalesce(child_id::text, '') FROM audit_events ORDER BY id",
        )
        .await
}

async fn row_count(app: &TestApp) -> usize {
    rows(app).await.len()
}

/// A POST with extra headers (the test app's client sends none).
async fn post_with_headers(
    app: &TestApp,
    token: &str,
    headers: &[(&str, &str)],
    query: &str,
    variables: Value,
) -> Answer {
    let mut request = reqwest::Client::new()
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json().await.expect("JSON body");
    Answer {
        status,
        headers,
        body,
    }
}

/// The authority's audit events through the API (newest first), as an auditor.
async fn events(app: &TestApp, la: &str, child: Option<&str>) -> Vec<Value> {
    let token = app.token(la, &[Scope::AuditRead]);
    let answer = app
        .graphql(&token, EVENTS, json!({ "first": 100, "childId": child }))
        .await;
    answer.assert_ok();
    answer
        .data("/auditEvents/edges")
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| edge["node"].clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_leaves_exactly_one_row_naming_who_which_child_and_what() {
    let app = TestApp::spawn().await;
    let token = app.token(ISLINGTON, &[Scope::ChildrenWrite]);
    let answer = post_with_headers(
        &app,
        &token,
        &[("traceparent", TRACEPARENT)],
        "mutation Register($input: RegisterChildInput!) { registerChild(input: $input) { child { id } userErrors { code } } }",
        json!({ "input": { "localChildId": "AUD001", "dateOfBirth": "2010-05-01" } }),
    )
    .await;
    answer.assert_ok();
    let child = answer.text("/registerChild/child/id");
    assert_eq!(
        rows(&app).await,
        [format!("CREATE|Register|IDENTIFIERS|{}", uuid_of(&child))],
        "one row, written with the change"
    );

    let events = events(&app, ISLINGTON, Some(&child)).await;
    assert_eq!(events.len(), 1, "{events:?}");
    let event = &events[0];
    assert_eq!(event["subject"], "test-user");
    assert_eq!(event["client"], "stable-futures-dev");
    assert_eq!(event["childId"], child.as_str());
    assert_eq!(event["action"], "CREATE");
    assert_eq!(event["operation"], "Register");
    assert_eq!(event["fieldsClasses"], json!(["IDENTIFIERS"]));
    assert_eq!(event["traceId"], TRACE_ID, "the incoming trace id is kept");
    assert_eq!(event["purpose"], Value::Null);
    assert!(event["occurredAt"].as_str().is_some_and(|t| t.len() >= 20));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_write_is_audited_once_with_its_action_and_class() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "AUD002").await;
    let (referral, version) = fixtures::referral(&app, &token, &child).await;
    app.graphql(
        &token,
        RECORD_RG,
        json!({ "input": { "referralId": referral, "expectedVersion": version, "outcome": "POSITIVE", "decidedAt": "2025-03-07T12:00:00Z" } }),
    )
    .await
    .assert_ok();
    let (assignment, version) = fixtures::guardian_request(&app, &token, &child).await;
    app.graphql(
        &token,
        ASSIGN_GUARDIAN,
        json!({ "input": { "assignmentId": assignment, "expectedVersion": version, "assignedAt": "2025-03-10T09:00:00Z" } }),
    )
    .await
    .assert_ok();
    fixtures::measurement(&app, &token, &child, json!({})).await;
    fixtures::measurement(
        &app,
        &token,
        &child,
        json!({ "youngPersonWords": null, "youngPersonRating": null, "youngPersonParticipated": false, "practitionerRating": 2 }),
    )
    .await;
    app.graphql(
        &token,
        UPDATE_CHILD,
        json!({ "input": { "childId": child, "expectedVersion": 1, "interpreterRequired": true } }),
    )
    .await
    .assert_ok();

    let uuid = uuid_of(&child);
    // The fixtures' operations are anonymous: each row names the mutation's root field.
    assert_eq!(
        rows(&app).await,
        [
            format!("CREATE|registerChild|IDENTIFIERS|{uuid}"),
            format!("CREATE|submitReferral|REFERRAL|{uuid}"),
            format!("TRANSITION|recordReasonableGroundsDecision|REFERRAL|{uuid}"),
            format!("CREATE|requestGuardian|GUARDIAN|{uuid}"),
            format!("UPDATE|assignGuardian|GUARDIAN|{uuid}"),
            format!("CREATE|recordOutcomeMeasurement|OUTCOMES,SENSITIVE_TEXT|{uuid}"),
            format!("CREATE|recordOutcomeMeasurement|OUTCOMES|{uuid}"),
            format!("UPDATE|updateChild|IDENTIFIERS|{uuid}"),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_write_leaves_no_row() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "AUD003").await;
    let camden_child = fixtures::child(&app, &app.token_all(CAMDEN), "CAM003").await;
    let before = rows(&app).await;

    let invalid = app
        .graphql(
            &token,
            REGISTER_CHILD,
            json!({ "input": { "localChildId": "AUD004", "dateOfBirth": "2010-05-01", "nhsNumber": "1234567890" } }),
        )
        .await;
    assert_eq!(
        invalid.user_error_codes("registerChild"),
        ["INVALID_NHS_NUMBER"]
    );
    let duplicate = app
        .graphql(
            &token,
            REGISTER_CHILD,
            json!({ "input": { "localChildId": "AUD003", "dateOfBirth": "2010-05-01" } }),
        )
        .await;
    assert_eq!(
        duplicate.user_error_codes("registerChild"),
        ["DUPLICATE_LOCAL_CHILD_ID"]
    );
    let stale = app
        .graphql(
            &token,
            UPDATE_CHILD,
            json!({ "input": { "childId": child, "expectedVersion": 7, "interpreterRequired": true } }),
        )
        .await;
    assert_eq!(stale.user_error_codes("updateChild"), ["STALE_VERSION"]);
    let unscaled = app
        .graphql(
            &token,
            fixtures::RECORD_MEASUREMENT,
            json!({ "input": { "childId": child, "outcomeKey": "being_safe_and_feeling_safe", "observedAt": "2025-04-01T10:00:00Z", "youngPersonParticipated": true, "youngPersonRating": 99 } }),
        )
        .await;
    assert_eq!(
        unscaled.user_error_codes("recordOutcomeMeasurement"),
        ["RATING_OUT_OF_SCALE"]
    );
    let elsewhere = app
        .graphql(
            &token,
            UPDATE_CHILD,
            json!({ "input": { "childId": camden_child, "expectedVersion": 1, "interpreterRequired": true } }),
        )
        .await;
    assert_eq!(elsewhere.error_codes(), ["NOT_FOUND"]);

    assert_eq!(
        rows(&app).await,
        before,
        "refused writes leave no audit row"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nested_page_read_leaves_one_row_per_child_with_the_classes_read() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let mut children = Vec::new();
    for n in 0..3 {
        let child = fixtures::child(&app, &token, &format!("AUDN{n}")).await;
        fixtures::referral(&app, &token, &child).await;
        fixtures::guardian_request(&app, &token, &child).await;
        fixtures::measurement(&app, &token, &child, json!({})).await;
        children.push(uuid_of(&child));
    }
    let writes = row_count(&app).await;

    let answer = post_with_headers(
        &app,
        &token,
        &[("traceparent", TRACEPARENT)],
        NESTED_PAGE,
        json!({ "first": 10 }),
    )
    .await;
    answer.assert_ok();
    assert_eq!(
        answer.data("/children/nodes").as_array().map(Vec::len),
        Some(3)
    );

    let all = rows(&app).await;
    let mut reads: Vec<String> = all[writes..].to_vec();
    reads.sort();
    let mut expected: Vec<String> = children
        .iter()
        .map(|uuid| format!("READ|Page|IDENTIFIERS,REFERRAL,GUARDIAN,OUTCOMES|{uuid}"))
        .collect();
    expected.sort();
    assert_eq!(
        reads, expected,
        "one row per child read, none for anything else"
    );
    let traced = app
        .database
        .owner_query(&format!(
            "SELECT count(*) FROM audit_events WHERE action = 'READ' AND trace_id = '{TRACE_ID}'"
        ))
        .await;
    assert_eq!(traced, ["3"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_a_young_persons_words_records_sensitive_text() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "AUD005").await;
    let measurement = fixtures::measurement(&app, &token, &child, json!({})).await;
    let uuid = uuid_of(&child);
    let writes = row_count(&app).await;

    // Without sensitive:read the words are refused, and only the measurement is recorded.
    let plain = app.token(ISLINGTON, &[Scope::OutcomesRead]);
    let refused = app
        .graphql(
            &plain,
            "query Rating($id: ID!) { outcomeMeasurement(id: $id) { youngPersonRating youngPersonWords } }",
            json!({ "id": measurement }),
        )
        .await;
    assert_eq!(refused.error_codes(), ["FORBIDDEN"]);
    let words = app
        .graphql(
            &token,
            "query Words($id: ID!) { outcomeMeasurement(id: $id) { youngPersonWords } }",
            json!({ "id": measurement }),
        )
        .await;
    words.assert_ok();
    assert_eq!(
        words.data("/outcomeMeasurement/youngPersonWords"),
        "I feel safer where I live now"
    );
    assert_eq!(
        rows(&app).await[writes..],
        [
            format!("READ|Rating|OUTCOMES|{uuid}"),
            format!("READ|Words|OUTCOMES,SENSITIVE_TEXT|{uuid}"),
        ]
    );
    // The words themselves are in no audit row.
    let leaked = app
        .database
        .owner_query("SELECT count(*) FROM audit_events WHERE audit_events::text LIKE '%safer%'")
        .await;
    assert_eq!(leaked, ["0"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declared_purpose_is_recorded_and_a_malformed_one_refused() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "AUD006").await;
    let writes = row_count(&app).await;

    let answer = post_with_headers(
        &app,
        &token,
        &[("x-purpose", "Strategy meeting: section 47 enquiry")],
        "query($id: ID!) { child(id: $id) { localChildId } }",
        json!({ "id": child }),
    )
    .await;
    answer.assert_ok();
    assert_eq!(
        rows(&app).await[writes..],
        [format!("READ|child|IDENTIFIERS|{}", uuid_of(&child))],
        "an anonymous operation is named by its root field"
    );
    let events = events(&app, ISLINGTON, Some(&child)).await;
    assert_eq!(events[0]["action"], "READ");
    assert_eq!(events[0]["purpose"], "Strategy meeting: section 47 enquiry");
    let trace_id = events[0]["traceId"].as_str().expect("a trace id is made");
    assert_eq!(trace_id.len(), 32);
    assert_ne!(trace_id, TRACE_ID);

    let before = row_count(&app).await;
    for purpose in ["x".repeat(201), "tab\there".to_owned()] {
        let refused = post_with_headers(
            &app,
            &token,
            &[("x-purpose", purpose.as_str())],
            "query($id: ID!) { child(id: $id) { localChildId } }",
            json!({ "id": child }),
        )
        .await;
        assert_eq!(refused.error_codes(), ["BAD_USER_INPUT"], "{purpose:?}");
        assert_eq!(refused.body["data"], Value::Null);
    }
    assert_eq!(
        row_count(&app).await,
        before,
        "a refused request reads nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_rows_are_invisible_to_another_authority() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "AUD007").await;
    app.graphql(
        &token,
        "query($id: ID!) { child(id: $id) { id } }",
        json!({ "id": child }),
    )
    .await
    .assert_ok();
    assert_eq!(row_count(&app).await, 2);

    assert_eq!(events(&app, CAMDEN, None).await, Vec::<Value>::new());
    assert_eq!(
        events(&app, CAMDEN, Some(&child)).await,
        Vec::<Value>::new()
    );
    // Camden's own reads of its (empty) trail are all it has.
    let camden_rows = app
        .database
        .owner_query(
            "SELECT local_authority || ' ' || action || ' ' || array_to_string(fields_class, ',') \
             FROM audit_events WHERE local_authority = 'E09000007'",
        )
        .await;
    assert_eq!(
        camden_rows,
        ["E09000007 READ AUDIT", "E09000007 READ AUDIT"]
    );
    assert_eq!(events(&app, ISLINGTON, Some(&child)).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trail_needs_audit_read_comes_newest_first_and_reading_it_is_recorded() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let first = fixtures::child(&app, &token, "AUD008").await;
    let second = fixtures::child(&app, &token, "AUD009").await;

    let without = app.token(
        ISLINGTON,
        &Scope::ALL
            .iter()
            .copied()
            .filter(|scope| *scope != Scope::AuditRead)
            .collect::<Vec<_>>(),
    );
    let refused = app.graphql(&without, EVENTS, json!({ "first": 10 })).await;
    assert_eq!(refused.error_codes(), ["FORBIDDEN"]);
    assert_eq!(refused.data("/auditEvents"), &Value::Null);
    assert_eq!(
        row_count(&app).await,
        2,
        "a refused read of the trail is not a read"
    );

    let auditor = app.token(ISLINGTON, &[Scope::AuditRead]);
    let page = app.graphql(&auditor, EVENTS, json!({ "first": 1 })).await;
    page.assert_ok();
    assert_eq!(
        page.data("/auditEvents/edges/0/node/childId"),
        second.as_str()
    );
    assert_eq!(page.data("/auditEvents/pageInfo/hasNextPage"), true);
    let cursor = page.text("/auditEvents/edges/0/cursor");
    let next = app
        .graphql(&auditor, EVENTS, json!({ "first": 10, "after": cursor }))
        .await;
    next.assert_ok();
    let edges = next.data("/auditEvents/edges").as_array().expect("edges");
    assert_eq!(edges.len(), 1, "{edges:?}");
    assert_eq!(edges[0]["node"]["childId"], first.as_str());
    assert_eq!(next.data("/auditEvents/pageInfo/hasNextPage"), false);

    // Each read of the trail is one row with no child, whatever children its entries name.
    let newest = app.graphql(&auditor, EVENTS, json!({ "first": 1 })).await;
    newest.assert_ok();
    let node = newest.data("/auditEvents/edges/0/node");
    assert_eq!(node["action"], "READ");
    assert_eq!(node["childId"], Value::Null);
    assert_eq!(node["fieldsClasses"], json!(["AUDIT"]));
    assert_eq!(node["operation"], "Events");
    assert_eq!(
        rows(&app).await[2..],
        [
            "READ|Events|AUDIT|",
            "READ|Events|AUDIT|",
            "READ|Events|AUDIT|"
        ]
    );

    let bad = app
        .graphql(&auditor, EVENTS, json!({ "first": 10, "after": "x" }))
        .await;
    assert_eq!(bad.error_codes(), ["BAD_USER_INPUT"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_trail_nothing_is_handed_out_or_changed() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "AUD010").await;
    app.database
        .owner_execute("REVOKE INSERT ON audit_events FROM stable_futures_app")
        .await;

    let read = app
        .graphql(
            &token,
            "query($id: ID!) { child(id: $id) { localChildId nhsNumber } }",
            json!({ "id": child }),
        )
        .await;
    assert_eq!(read.error_codes(), ["INTERNAL"]);
    assert_eq!(read.body["data"], Value::Null, "{}", read.body);
    assert!(!read.body.to_string().contains("AUD010"));

    let write = app
        .graphql(
            &token,
            REGISTER_CHILD,
            json!({ "input": { "localChildId": "AUD011", "dateOfBirth": "2010-05-01" } }),
        )
        .await;
    assert_eq!(write.error_codes(), ["INTERNAL"]);
    let stored = app
        .database
        .owner_query("SELECT count(*) FROM children WHERE local_child_id = 'AUD011'")
        .await;
    assert_eq!(stored, ["0"], "a change without its audit row is not made");
}
