//! A page of children with their referrals (and timelines), guardians and measurements costs the
//! same number of SQL statements whatever the page size: the DataLoaders batch each relation.

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
    // One transaction for the whole query (BEGIN, set tenant, COMMIT), and in it one statement
    // per relation: the children page and its count, referrals, timelines, assignments, first
    // referral dates, measurements, superseded-by and the framework, then the audit trail's one
    // insert. Anything above that means a relation is not batched.
    assert!(
        large.sql_statements() <= 14,
        "{} statements",
        large.sql_statements()
    );
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
