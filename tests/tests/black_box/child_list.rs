//! `children(filter:, orderBy:)` through the real server: each filter, each order both ways,
//! paging through cursors bound to their list, counts, scopes, audit and bad input.

use serde_json::{json, Value};
use stable_futures_domain::principal::Scope;
use stable_futures_test_support::fixtures::{self, RECORD_RG};
use stable_futures_test_support::{Answer, TestApp, CAMDEN, ISLINGTON};

const LIST: &str = "query($first: Int!, $after: String, $filter: ChildFilter, $orderBy: ChildOrder) { children(first: $first, after: $after, filter: $filter, orderBy: $orderBy) { totalCount nodes { localChildId dateOfBirth ageDisputed createdAt updatedAt } pageInfo { hasNextPage endCursor } } }";

const REGISTER: &str = "mutation($input: RegisterChildInput!) { registerChild(input: $input) { child { id } userErrors { code } } }";

async fn list(app: &TestApp, token: &str, variables: Value) -> Answer {
    let mut variables = variables;
    if variables.get("first").is_none() {
        variables["first"] = json!(50);
    }
    app.graphql(token, LIST, variables).await
}

fn ids(answer: &Answer) -> Vec<String> {
    answer.assert_ok();
    answer
        .data("/children/nodes")
        .as_array()
        .expect("nodes")
        .iter()
        .map(|node| node["localChildId"].as_str().expect("id").to_owned())
        .collect()
}

async fn register(
    app: &TestApp,
    token: &str,
    local_id: &str,
    born: &str,
    disputed: bool,
) -> String {
    let answer = app
        .graphql(
            token,
            REGISTER,
            json!({ "input": { "localChildId": local_id, "dateOfBirth": born, "ageDisputed": disputed } }),
        )
        .await;
    answer.assert_ok();
    answer.text("/registerChild/child/id")
}

/// Five children, registered in this order: A (no records), B (a submitted referral), C (a
/// positive decision and a guardian requested), D (age disputed, no records), E (a guardian
/// requested only).
async fn five(app: &TestApp, token: &str) -> Vec<String> {
    let a = register(app, token, "LA", "2012-05-01", false).await;
    let b = register(app, token, "LB", "2009-01-15", false).await;
    let c = register(app, token, "LC", "2011-09-30", false).await;
    let d = register(app, token, "LD", "2008-12-01", true).await;
    let e = register(app, token, "LE", "2010-02-28", false).await;
    fixtures::referral(app, token, &b).await;
    let (referral, version) = fixtures::referral(app, token, &c).await;
    app.graphql(
        token,
        RECORD_RG,
        json!({ "input": { "referralId": referral, "expectedVersion": version, "outcome": "POSITIVE", "decidedAt": "2025-03-07T10:00:00Z" } }),
    )
    .await
    .assert_ok();
    fixtures::guardian_request(app, token, &c).await;
    fixtures::guardian_request(app, token, &e).await;
    vec![a, b, c, d, e]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_filter_lists_exactly_its_children_and_counts_them() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    five(&app, &token).await;
    let cases = [
        (json!({}), vec!["LA", "LB", "LC", "LD", "LE"]),
        (json!({ "hasOpenReferral": true }), vec!["LB", "LC"]),
        (json!({ "hasOpenReferral": false }), vec!["LA", "LD", "LE"]),
        (json!({ "referralStatus": ["RG_POSITIVE"] }), vec!["LC"]),
        (
            json!({ "referralStatus": ["SUBMITTED", "RG_POSITIVE"] }),
            vec!["LB", "LC"],
        ),
        (
            json!({ "exploitationTypes": ["CRIMINAL"] }),
            vec!["LB", "LC"],
        ),
        (json!({ "exploitationTypes": ["SEXUAL"] }), vec![]),
        (json!({ "ageDisputed": true }), vec!["LD"]),
        (json!({ "guardianStatus": ["REQUESTED"] }), vec!["LC", "LE"]),
        (
            json!({ "guardianStatus": ["REQUESTED"], "hasOpenReferral": true }),
            vec!["LC"],
        ),
        (json!({ "updatedSince": "2099-01-01T00:00:00Z" }), vec![]),
        (
            json!({ "updatedSince": "2000-01-01T00:00:00Z" }),
            vec!["LA", "LB", "LC", "LD", "LE"],
        ),
    ];
    for (filter, expected) in cases {
        let answer = list(&app, &token, json!({ "filter": filter })).await;
        assert_eq!(ids(&answer), expected, "filter {filter}");
        assert_eq!(
            answer.data("/children/totalCount"),
            &json!(expected.len()),
            "count of {filter}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_order_both_ways_pages_through_every_child_once() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    five(&app, &token).await;
    let orders = [
        ("CREATED_AT", "ASC", vec!["LA", "LB", "LC", "LD", "LE"]),
        ("CREATED_AT", "DESC", vec!["LE", "LD", "LC", "LB", "LA"]),
        ("DATE_OF_BIRTH", "ASC", vec!["LD", "LB", "LE", "LC", "LA"]),
        ("DATE_OF_BIRTH", "DESC", vec!["LA", "LC", "LE", "LB", "LD"]),
        ("LOCAL_CHILD_ID", "DESC", vec!["LE", "LD", "LC", "LB", "LA"]),
        // Updated last: C and E (their guardian requests touch nothing of the child), so the
        // registration order holds.
        ("UPDATED_AT", "ASC", vec!["LA", "LB", "LC", "LD", "LE"]),
    ];
    for (field, direction, expected) in orders {
        let order = json!({ "field": field, "direction": direction });
        let whole = list(&app, &token, json!({ "orderBy": order })).await;
        assert_eq!(ids(&whole), expected, "{field} {direction}");
        let paged: Vec<Value> = app
            .every_node(&token, LIST, "children", json!({ "orderBy": order }), 2)
            .await
            .into_iter()
            .map(|node| node["localChildId"].clone())
            .collect();
        assert_eq!(paged, expected, "paged {field} {direction}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_need_the_scope_of_what_they_read_and_are_audited() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    five(&app, &token).await;
    let children_only = app.token(ISLINGTON, &[Scope::ChildrenRead]);
    for filter in [
        json!({ "referralStatus": ["SUBMITTED"] }),
        json!({ "hasOpenReferral": false }),
        json!({ "exploitationTypes": ["LABOUR"] }),
        json!({ "guardianStatus": ["ASSIGNED"] }),
    ] {
        let refused = list(&app, &children_only, json!({ "filter": filter })).await;
        assert_eq!(
            refused.error_codes(),
            ["FORBIDDEN"],
            "{filter}: {}",
            refused.body
        );
        assert_eq!(refused.body["data"]["children"], Value::Null);
    }
    assert_eq!(
        ids(&list(
            &app,
            &children_only,
            json!({ "filter": { "ageDisputed": true } })
        )
        .await),
        ["LD"]
    );

    let listed = list(
        &app,
        &token,
        json!({ "filter": { "referralStatus": ["RG_POSITIVE"] } }),
    )
    .await;
    assert_eq!(ids(&listed), ["LC"]);
    let trail = app.audit_events(&token, 100).await;
    let reads: Vec<&Value> = trail
        .iter()
        .filter(|row| {
            row["action"] == "READ"
                && row["fieldsClasses"]
                    .as_array()
                    .is_some_and(|c| c.contains(&json!("REFERRAL")))
        })
        .collect();
    assert_eq!(
        reads.len(),
        1,
        "one child read with its referrals: {reads:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_filters_and_cursors_of_other_lists_are_bad_user_input() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    five(&app, &token).await;
    let by_birth = json!({ "field": "DATE_OF_BIRTH" });
    let first = list(&app, &token, json!({ "first": 1, "orderBy": by_birth })).await;
    let cursor = first.text("/children/pageInfo/endCursor");
    let plain = list(&app, &token, json!({ "first": 1 })).await;
    let plain_cursor = plain.text("/children/pageInfo/endCursor");
    let cases = [
        (
            "empty status list",
            json!({ "filter": { "referralStatus": [] } }),
        ),
        (
            "unknown status",
            json!({ "filter": { "referralStatus": ["LOST"] } }),
        ),
        ("unknown order", json!({ "orderBy": { "field": "NAME" } })),
        (
            "malformed instant",
            json!({ "filter": { "updatedSince": "yesterday" } }),
        ),
        (
            "a cursor of another order",
            json!({ "after": cursor, "orderBy": { "field": "LOCAL_CHILD_ID" } }),
        ),
        (
            "a cursor of the other direction",
            json!({ "after": cursor, "orderBy": { "field": "DATE_OF_BIRTH", "direction": "DESC" } }),
        ),
        (
            "a cursor of another filter",
            json!({ "after": cursor, "orderBy": by_birth, "filter": { "ageDisputed": false } }),
        ),
        (
            "an unfiltered cursor",
            json!({ "after": plain_cursor, "orderBy": by_birth }),
        ),
        ("garbage", json!({ "after": "%%%", "orderBy": by_birth })),
    ];
    for (case, variables) in cases {
        let answer = list(&app, &token, variables).await;
        assert_eq!(
            answer.error_codes(),
            ["BAD_USER_INPUT"],
            "{case}: {}",
            answer.body
        );
    }
    // Islington's cursor is not Camden's.
    let camden = app.token_all(CAMDEN);
    let answer = list(
        &app,
        &camden,
        json!({ "after": cursor, "orderBy": by_birth }),
    )
    .await;
    assert_eq!(answer.error_codes(), ["BAD_USER_INPUT"], "{}", answer.body);
    assert_eq!(
        ids(&list(&app, &camden, json!({ "orderBy": by_birth })).await),
        Vec::<String>::new()
    );
}
