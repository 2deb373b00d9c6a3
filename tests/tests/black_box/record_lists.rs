//! The root lists `referrals(filter:, orderBy:)` and `guardianAssignments(filter:, orderBy:)`:
//! what each filter lists, each order both ways through cursors bound to their list, scopes,
//! tenancy and bad input.

use serde_json::{json, Value};
use stable_futures_domain::principal::Scope;
use stable_futures_test_support::fixtures::{self, RECORD_RG};
use stable_futures_test_support::{Answer, TestApp, CAMDEN, ISLINGTON};

const REFERRALS: &str = "query($first: Int!, $after: String, $filter: ReferralFilter, $orderBy: ReferralOrder) { referrals(first: $first, after: $after, filter: $filter, orderBy: $orderBy) { nodes { id version status referredAt child { localChildId } } pageInfo { hasNextPage endCursor } } }";

const ASSIGNMENTS: &str = "query($first: Int!, $after: String, $filter: GuardianAssignmentFilter, $orderBy: GuardianAssignmentOrder) { guardianAssignments(first: $first, after: $after, filter: $filter, orderBy: $orderBy) { nodes { id status service requestedAt child { localChildId } } pageInfo { hasNextPage endCursor } } }";

const REQUEST_GUARDIAN: &str = "mutation($input: RequestGuardianInput!) { requestGuardian(input: $input) { assignment { id } userErrors { code } } }";

async fn run(app: &TestApp, token: &str, query: &str, variables: Value) -> Answer {
    let mut variables = variables;
    if variables.get("first").is_none() {
        variables["first"] = json!(50);
    }
    app.graphql(token, query, variables).await
}

/// The local child ids of the listed records, in order.
fn children_of(answer: &Answer, root: &str) -> Vec<String> {
    answer.assert_ok();
    answer
        .data(&format!("/{root}/nodes"))
        .as_array()
        .expect("nodes")
        .iter()
        .map(|node| {
            node["child"]["localChildId"]
                .as_str()
                .expect("id")
                .to_owned()
        })
        .collect()
}

/// Every record of the list, `first` at a time through the cursors.
async fn paged(
    app: &TestApp,
    token: &str,
    query: &str,
    root: &str,
    variables: Value,
) -> Vec<String> {
    app.every_node(token, query, root, variables, 2)
        .await
        .iter()
        .map(|node| {
            node["child"]["localChildId"]
                .as_str()
                .expect("id")
                .to_owned()
        })
        .collect()
}

/// R1 referred 3 March (decided positive), R2 4 April, R3 5 May; guardians requested for R1's
/// child (ICTG, 1 March) and R3's (ICTG, 6 May).
async fn seed(app: &TestApp, token: &str) {
    let one = fixtures::child(app, token, "R1").await;
    let two = fixtures::child(app, token, "R2").await;
    let three = fixtures::child(app, token, "R3").await;
    let (referral, version) = fixtures::referral_at(app, token, &one, "2025-03-03T09:00:00Z").await;
    app.graphql(
        token,
        RECORD_RG,
        json!({ "input": { "referralId": referral, "expectedVersion": version, "outcome": "POSITIVE", "decidedAt": "2025-03-07T10:00:00Z" } }),
    )
    .await
    .assert_ok();
    fixtures::referral_at(app, token, &two, "2025-04-04T09:00:00Z").await;
    fixtures::referral_at(app, token, &three, "2025-05-05T09:00:00Z").await;
    for (child, at) in [
        (&one, "2025-03-01T09:00:00Z"),
        (&three, "2025-05-06T09:00:00Z"),
    ] {
        app.graphql(
            token,
            REQUEST_GUARDIAN,
            json!({ "input": { "childId": child, "service": "ICTG", "role": "DIRECT_WORKER", "requestedAt": at } }),
        )
        .await
        .assert_ok();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn referrals_are_filtered_and_ordered_both_ways_through_cursors() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    seed(&app, &token).await;
    let cases = [
        (json!({}), vec!["R1", "R2", "R3"]),
        (json!({ "status": ["SUBMITTED"] }), vec!["R2", "R3"]),
        (json!({ "status": ["RG_POSITIVE"] }), vec!["R1"]),
        (
            json!({ "competentAuthority": ["SCA"] }),
            vec!["R1", "R2", "R3"],
        ),
        (json!({ "competentAuthority": ["IECA"] }), vec![]),
        (
            json!({ "exploitationTypes": ["CRIMINAL"] }),
            vec!["R1", "R2", "R3"],
        ),
        (json!({ "exploitationTypes": ["LABOUR"] }), vec![]),
        (
            json!({ "referredFrom": "2025-04-01T00:00:00Z" }),
            vec!["R2", "R3"],
        ),
        (
            json!({ "referredBefore": "2025-04-04T09:00:00Z" }),
            vec!["R1"],
        ),
        (
            json!({ "reasonableGroundsDueBefore": "2025-04-12" }),
            vec!["R1", "R2"],
        ),
        (json!({ "updatedSince": "2099-01-01T00:00:00Z" }), vec![]),
    ];
    for (filter, expected) in cases {
        let answer = run(&app, &token, REFERRALS, json!({ "filter": filter })).await;
        assert_eq!(children_of(&answer, "referrals"), expected, "{filter}");
    }
    // R2 changes last: its Home Office reference arrives.
    let r2 = run(
        &app,
        &token,
        REFERRALS,
        json!({ "filter": { "referredFrom": "2025-04-01T00:00:00Z", "referredBefore": "2025-05-01T00:00:00Z" } }),
    )
    .await;
    let r2 = r2.data("/referrals/nodes/0").clone();
    app.graphql(
        &token,
        "mutation($input: RecordHomeOfficeReferenceInput!) { recordHomeOfficeReference(input: $input) { userErrors { code } } }",
        json!({ "input": { "referralId": r2["id"], "expectedVersion": r2["version"], "homeOfficeReference": "NRM-2" } }),
    )
    .await
    .assert_ok();
    for (field, direction, expected) in [
        ("REFERRED_AT", "DESC", vec!["R3", "R2", "R1"]),
        ("REASONABLE_GROUNDS_DUE_ON", "ASC", vec!["R1", "R2", "R3"]),
        ("UPDATED_AT", "DESC", vec!["R2", "R3", "R1"]),
        ("UPDATED_AT", "ASC", vec!["R1", "R3", "R2"]),
    ] {
        let order = json!({ "orderBy": { "field": field, "direction": direction } });
        assert_eq!(
            paged(&app, &token, REFERRALS, "referrals", order).await,
            expected,
            "{field} {direction}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guardian_assignments_are_filtered_and_ordered_both_ways_through_cursors() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    seed(&app, &token).await;
    let cases = [
        (json!({}), vec!["R1", "R3"]),
        (json!({ "status": ["REQUESTED"] }), vec!["R1", "R3"]),
        (json!({ "status": ["ASSIGNED", "ENDED"] }), vec![]),
        (json!({ "service": ["ICTG"] }), vec!["R1", "R3"]),
        (json!({ "service": ["GUARDIANSHIP_SCOTLAND"] }), vec![]),
        (
            json!({ "requestedFrom": "2025-04-01T00:00:00Z" }),
            vec!["R3"],
        ),
        (
            json!({ "requestedBefore": "2025-04-01T00:00:00Z" }),
            vec!["R1"],
        ),
    ];
    for (filter, expected) in cases {
        let answer = run(&app, &token, ASSIGNMENTS, json!({ "filter": filter })).await;
        assert_eq!(
            children_of(&answer, "guardianAssignments"),
            expected,
            "{filter}"
        );
    }
    let order = json!({ "orderBy": { "field": "REQUESTED_AT", "direction": "DESC" } });
    assert_eq!(
        paged(&app, &token, ASSIGNMENTS, "guardianAssignments", order).await,
        ["R3", "R1"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lists_need_their_scopes_stay_in_their_authority_and_refuse_bad_input() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    seed(&app, &token).await;
    let children_only = app.token(ISLINGTON, &[Scope::ChildrenRead]);
    for (query, root) in [
        (REFERRALS, "referrals"),
        (ASSIGNMENTS, "guardianAssignments"),
    ] {
        let refused = run(&app, &children_only, query, json!({})).await;
        assert_eq!(
            refused.error_codes(),
            ["FORBIDDEN"],
            "{root}: {}",
            refused.body
        );
        assert_eq!(refused.body["data"][root], Value::Null);
        let camden = run(&app, &app.token_all(CAMDEN), query, json!({})).await;
        assert_eq!(
            children_of(&camden, root),
            Vec::<String>::new(),
            "{root} in Camden"
        );
    }
    let first = run(&app, &token, REFERRALS, json!({ "first": 1 })).await;
    let cursor = first.text("/referrals/pageInfo/endCursor");
    let cases = [
        (REFERRALS, json!({ "filter": { "status": [] } })),
        (REFERRALS, json!({ "filter": { "status": ["MISLAID"] } })),
        (
            REFERRALS,
            json!({ "filter": { "reasonableGroundsDueBefore": "2025-02-30" } }),
        ),
        (REFERRALS, json!({ "first": 0 })),
        (
            REFERRALS,
            json!({ "after": cursor, "orderBy": { "field": "REASONABLE_GROUNDS_DUE_ON" } }),
        ),
        (
            REFERRALS,
            json!({ "after": cursor, "filter": { "status": ["SUBMITTED"] } }),
        ),
        (ASSIGNMENTS, json!({ "after": cursor })),
        (ASSIGNMENTS, json!({ "filter": { "service": [] } })),
        (ASSIGNMENTS, json!({ "after": "not-a-cursor" })),
    ];
    for (query, variables) in cases {
        let answer = run(&app, &token, query, variables.clone()).await;
        assert_eq!(
            answer.error_codes(),
            ["BAD_USER_INPUT"],
            "{variables}: {}",
            answer.body
        );
    }
    let camden = run(
        &app,
        &app.token_all(CAMDEN),
        REFERRALS,
        json!({ "after": cursor }),
    )
    .await;
    assert_eq!(camden.error_codes(), ["BAD_USER_INPUT"], "{}", camden.body);
}
