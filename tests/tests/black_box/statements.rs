//! A page of children with their referrals (and timelines), guardians and measurements costs the
//! same number of SQL statements whatever the page size: one statement reads the page and every
//! relation under it (issue #15), and the DataLoaders batch whatever else a query reaches.

use serde_json::json;
use stable_futures_test_support::{fixtures, TestApp, ISLINGTON};

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

async fn seed(app: &TestApp, token: &str, count: usize) {
    for n in 0..count {
        let child = fixtures::child(app, token, &format!("S{n:03}")).await;
        fixtures::referral(app, token, &child).await;
        fixtures::guardian_request(app, token, &child).await;
        fixtures::measurement(app, token, &child, json!({})).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_page_costs_the_same_for_5_and_50_children() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    seed(&app, &token, 50).await;

    let small = app
        .graphql(&token, NESTED_PAGE, json!({ "first": 5 }))
        .await;
    small.assert_ok();
    assert_eq!(
        small.data("/children/nodes").as_array().map(Vec::len),
        Some(5)
    );
    let large = app
        .graphql(&token, NESTED_PAGE, json!({ "first": 50 }))
        .await;
    large.assert_ok();
    let nodes = large.data("/children/nodes").as_array().expect("nodes");
    assert_eq!(nodes.len(), 50);
    assert!(nodes
        .iter()
        .all(|child| child["referrals"]["nodes"][0]["timeline"][0]["kind"] == "SUBMITTED"));
    assert!(nodes
        .iter()
        .all(|child| child["outcomeMeasurements"]["nodes"][0]["youngPersonRating"] == 3));

    assert_eq!(
        small.sql_statements(),
        large.sql_statements(),
        "statements per request must not grow with the page size"
    );
    // One transaction for the whole query (BEGIN, set tenant, COMMIT), and in it one statement:
    // the page with its referrals, timelines, assignments, first referral dates, measurements
    // and what supersedes them. (The framework is reference data held in memory; the audit rows
    // are the shared writer's, on its own connection.) The referrals' and assignments' `child`
    // is found among the children the page read.
    assert_eq!(large.sql_statements(), 4);
}

const DEEP_CHILD: &str = r#"
query Child($id: ID!) {
  child(id: $id) {
    localChildId
    referrals(first: 10) { nodes { status referredAt reasonableGrounds { outcome } timeline { kind at outcome } } }
    guardianAssignments { status requestedAt daysFromReferralToAssignment }
    outcomeMeasurements(first: 10) { nodes { observedAt youngPersonRating outcome { key } } }
  }
}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_read_deep_is_one_statement() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "DEEP1").await;
    for _ in 0..3 {
        fixtures::referral(&app, &token, &child).await;
        fixtures::measurement(&app, &token, &child, json!({})).await;
    }
    fixtures::guardian_request(&app, &token, &child).await;

    let response = app
        .graphql(&token, DEEP_CHILD, json!({ "id": child }))
        .await;
    response.assert_ok();
    assert_eq!(response.data("/child/localChildId"), "DEEP1");
    let referrals = response
        .data("/child/referrals/nodes")
        .as_array()
        .expect("referrals");
    assert_eq!(referrals.len(), 3);
    assert!(referrals
        .iter()
        .all(|referral| referral["timeline"][0]["kind"] == "SUBMITTED"));
    assert_eq!(
        response.data("/child/guardianAssignments/0/status"),
        "REQUESTED"
    );
    assert_eq!(
        response.data("/child/guardianAssignments/0/daysFromReferralToAssignment"),
        &serde_json::Value::Null,
        "not assigned yet"
    );
    assert_eq!(
        response
            .data("/child/outcomeMeasurements/nodes")
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    // BEGIN, set tenant, the child with everything under it, COMMIT.
    assert_eq!(response.sql_statements(), 4);
}

const TWO_PAGES: &str = r#"
query Pages($id: ID!) {
  child(id: $id) {
    first: referrals(first: 1) { nodes { id timeline { kind } } pageInfo { hasNextPage } }
    all: referrals(first: 5) { nodes { id } pageInfo { hasNextPage } }
    current: outcomeMeasurements(first: 5) { nodes { id } }
    corrected: outcomeMeasurements(first: 5, includeSuperseded: true) { nodes { id supersededById } }
  }
}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relation_asked_twice_with_other_arguments_answers_each() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "TWICE1").await;
    fixtures::referral(&app, &token, &child).await;
    fixtures::referral(&app, &token, &child).await;
    let earlier = fixtures::measurement(&app, &token, &child, json!({})).await;
    let correction =
        fixtures::measurement(&app, &token, &child, json!({ "supersedesId": earlier })).await;

    let response = app.graphql(&token, TWO_PAGES, json!({ "id": child })).await;
    response.assert_ok();
    assert_eq!(
        response.data("/child/first/nodes").as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(response.data("/child/first/pageInfo/hasNextPage"), true);
    assert_eq!(
        response.data("/child/first/nodes/0/timeline/0/kind"),
        "SUBMITTED"
    );
    assert_eq!(
        response.data("/child/all/nodes").as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(response.data("/child/all/pageInfo/hasNextPage"), false);
    assert_eq!(
        response.data("/child/first/nodes/0/id"),
        response.data("/child/all/nodes/0/id")
    );
    assert_eq!(
        response.data("/child/current/nodes"),
        &json!([{ "id": correction }])
    );
    assert_eq!(
        response.data("/child/corrected/nodes"),
        &json!([
            { "id": earlier, "supersededById": correction },
            { "id": correction, "supersededById": null },
        ])
    );
    // The first occurrences in the child's statement; the other referrals page and the other
    // measurements page (and what supersedes them) one statement each.
    assert_eq!(response.sql_statements(), 4 + 3);
}

const WORKLIST_PAGE: &str = r#"
query Worklist($first: Int!) {
  worklist(first: $first) {
    nodes {
      kind dueOn overdueByDays explanation
      child { localChildId }
      referral { status }
      assignment { status }
    }
  }
}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worklist_page_costs_the_same_for_41_and_60_items() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    // Each child: an overdue decision (due first), a guardian not assigned, a measurement due
    // (last): 41 items hold one of each shape, 60 are all of them.
    seed(&app, &token, 20).await;

    let small = app
        .graphql(&token, WORKLIST_PAGE, json!({ "first": 41 }))
        .await;
    small.assert_ok();
    let large = app
        .graphql(&token, WORKLIST_PAGE, json!({ "first": 60 }))
        .await;
    large.assert_ok();
    let nodes = large.data("/worklist/nodes").as_array().expect("nodes");
    assert_eq!(nodes.len(), 60);
    assert!(nodes
        .iter()
        .all(|item| item["child"]["localChildId"].is_string()));
    assert!(nodes
        .iter()
        .any(|item| item["referral"]["status"] == "SUBMITTED"));
    assert!(nodes
        .iter()
        .any(|item| item["assignment"]["status"] == "REQUESTED"));
    assert_eq!(
        small.sql_statements(),
        large.sql_statements(),
        "statements per request must not grow with the page size"
    );
    // BEGIN, set tenant, the settings, the worklist, then children, referrals and assignments
    // batched, the audit insert and COMMIT.
    assert!(
        large.sql_statements() <= 10,
        "{} statements",
        large.sql_statements()
    );
}
