//! Reports across authorities through the real server: a token naming several authorities in
//! `la_set` reads the NRM timeliness report over them together and per authority, always under
//! disclosure control, recorded in each authority's audit trail, and reaches nothing else.

use serde_json::{json, Value};
use stable_futures_domain::principal::Scope;
use stable_futures_test_support::fixtures;
use stable_futures_test_support::{TestApp, CAMDEN, ISLINGTON};

const REPORT: &str = "query($groupBy: [ReportDimension!]! = [], $rules: DisclosureRules! = DFE_2024) { reports { nrmTimeliness(from: \"2025-01-01\", to: \"2025-12-31\", groupBy: $groupBy, rules: $rules) { rules rows { group referrals { display reason } } } } }";

/// `n` children of `authority`, each referred and with a guardian requested in March 2025.
async fn referrals(app: &TestApp, authority: &str, prefix: &str, n: usize) {
    let token = app.token_all(authority);
    for k in 0..n {
        let child = fixtures::child(app, &token, &format!("{prefix}{k}")).await;
        fixtures::referral_at(app, &token, &child, "2025-03-03T09:00:00Z").await;
        fixtures::guardian_request(app, &token, &child).await;
    }
}

fn rows(answer: &stable_futures_test_support::Answer) -> Vec<(Value, Value)> {
    answer.assert_ok();
    answer
        .data("/reports/nrmTimeliness/rows")
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| (row["group"].clone(), row["referrals"]["display"].clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_across_authorities_gets_controlled_aggregates_and_nothing_else() {
    let app = TestApp::spawn().await;
    referrals(&app, ISLINGTON, "ISL", 13).await;
    referrals(&app, CAMDEN, "CAM", 4).await;
    let evaluator = app.token_for_authorities(&[ISLINGTON, CAMDEN], &[Scope::ReportsAggregate]);

    let together = app.graphql(&evaluator, REPORT, json!({})).await;
    assert_eq!(rows(&together), [(json!([]), json!("17"))]);
    assert_eq!(
        together.data("/reports/nrmTimeliness/rules"),
        &json!("DFE_2024")
    );

    // Per authority: Camden's 4 is small, and with the total of 17 shown Islington's 13 would
    // give it away, so it is hidden too.
    let per_authority = app
        .graphql(
            &evaluator,
            REPORT,
            json!({ "groupBy": ["LOCAL_AUTHORITY"] }),
        )
        .await;
    assert_eq!(
        rows(&per_authority),
        [
            (json!([CAMDEN]), json!("c")),
            (json!([ISLINGTON]), json!("c"))
        ]
    );
    let by_authority_and_kind = app
        .graphql(
            &evaluator,
            REPORT,
            json!({ "groupBy": ["LOCAL_AUTHORITY", "COUNTY_LINES"] }),
        )
        .await;
    by_authority_and_kind.assert_ok();
    // Counted like any request's statements, and as many whatever the grouping: the
    // transaction's ends, the role switch, the audit rows and the report function.
    for answer in [&together, &per_authority, &by_authority_and_kind] {
        assert_eq!(answer.headers["x-sql-statements"], "5");
    }

    // Guardian timeliness too, each request judged by its own authority's threshold.
    let guardians = app
        .graphql(
            &evaluator,
            "{ reports { guardianTimeliness(from: \"2025-01-01\", to: \"2025-12-31\") { thresholdDays rows { requests { display } openRequests { display } } } } }",
            json!({}),
        )
        .await;
    guardians.assert_ok();
    assert_eq!(
        guardians.data("/reports/guardianTimeliness"),
        &json!({ "thresholdDays": null, "rows": [{ "requests": { "display": "17" }, "openRequests": { "display": "17" } }] })
    );

    // And outcomes: no child was measured, so one row of nothing.
    let outcomes = app
        .graphql(
            &evaluator,
            "{ reports { outcomes(from: \"2025-01-01\", to: \"2025-12-31\", groupBy: [LOCAL_AUTHORITY]) { guardianThresholdDays rows { group childrenMeasured { display } } } } }",
            json!({}),
        )
        .await;
    outcomes.assert_ok();
    assert_eq!(
        outcomes.data("/reports/outcomes"),
        &json!({ "guardianThresholdDays": null, "rows": [] })
    );

    // Always controlled: NONE is refused whatever the token holds.
    let unsuppressed = app
        .graphql(&evaluator, REPORT, json!({ "rules": "NONE" }))
        .await;
    assert_eq!(
        unsuppressed.error_codes(),
        ["FORBIDDEN"],
        "{}",
        unsuppressed.body
    );
    // The scope is needed.
    let without_scope = app.token_for_authorities(&[ISLINGTON, CAMDEN], &[Scope::ReportsRead]);
    let refused = app.graphql(&without_scope, REPORT, json!({})).await;
    assert_eq!(refused.error_codes(), ["FORBIDDEN"], "{}", refused.body);

    // No path to a record: the schema it is answered from has reports and nothing else.
    let fields = app
        .graphql(
            &evaluator,
            "{ __schema { queryType { fields { name } } mutationType { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        fields.data("/__schema/queryType/fields"),
        &json!([{ "name": "reports" }])
    );
    assert_eq!(fields.data("/__schema/mutationType"), &Value::Null);
    for query in [
        "{ children(first: 1) { nodes { id } } }",
        "{ node(id: \"Q2hpbGQ6MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw\") { id } }",
        "{ auditEvents(first: 1) { nodes { action } } }",
        "mutation { registerChild(input: { localChildId: \"X1\", dateOfBirth: \"2012-01-01\" }) { child { id } } }",
    ] {
        let answer = app.graphql(&evaluator, query, json!({})).await;
        let codes = answer.error_codes();
        assert!(
            !codes.is_empty() && codes.iter().all(|code| code == "BAD_USER_INPUT"),
            "{query}: {}",
            answer.body
        );
        assert!(
            answer.body["data"].is_null(),
            "{query}: {}",
            answer.body
        );
    }

    // Each authority's trail records each of the five reports read (not the refused ones),
    // with no child.
    for authority in [ISLINGTON, CAMDEN] {
        let trail = app.audit_events(&app.token_all(authority), 20).await;
        let aggregate: Vec<&Value> = trail
            .iter()
            .filter(|row| row["fieldsClasses"] == json!(["AGGREGATE"]))
            .collect();
        assert!(
            aggregate.len() == 5 && aggregate.iter().all(|row| row["childId"].is_null()),
            "{authority}: {trail:?}"
        );
    }

    // As CSV too, naming every authority.
    let export = app
        .get_with(
            "/reports/nrm-timeliness.csv?from=2025-01-01&to=2025-12-31&groupBy=LOCAL_AUTHORITY",
            Some(&evaluator),
        )
        .await;
    assert_eq!(export.status, 200, "{}", export.body);
    let text = export.body.as_str().expect("CSV");
    assert!(
        text.contains("# Local authorities: E09000007 E09000019"),
        "{text}"
    );
    assert!(text.contains("\nE09000007,c,"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regional_totals_can_be_rounded_to_the_nearest_ten_and_each_authority_s_figures_cannot() {
    let app = TestApp::spawn().await;
    referrals(&app, ISLINGTON, "ISL", 13).await;
    referrals(&app, CAMDEN, "CAM", 4).await;
    let evaluator = app.token_for_authorities(&[ISLINGTON, CAMDEN], &[Scope::ReportsAggregate]);
    let query = "query($groupBy: [ReportDimension!]!) { reports { nrmTimeliness(from: \"2025-01-01\", to: \"2025-12-31\", groupBy: $groupBy, roundTotals: true) { totalsRounded rows { group referrals { display rounded } } } guardianTimeliness(from: \"2025-01-01\", to: \"2025-12-31\", roundTotals: true) { totalsRounded rows { requests { display rounded } } } } }";
    let together = app
        .graphql(&evaluator, query, json!({ "groupBy": [] }))
        .await;
    together.assert_ok();
    assert_eq!(
        together.data("/reports"),
        &json!({
            "nrmTimeliness": { "totalsRounded": true, "rows": [
                { "group": [], "referrals": { "display": "20", "rounded": true } }
            ] },
            "guardianTimeliness": { "totalsRounded": true, "rows": [
                { "requests": { "display": "20", "rounded": true } }
            ] },
        })
    );
    // Split by another dimension, a row still pools the authorities: a regional total.
    let by_kind = app
        .graphql(&evaluator, query, json!({ "groupBy": ["COUNTY_LINES"] }))
        .await;
    by_kind.assert_ok();
    assert_eq!(
        by_kind.data("/reports/nrmTimeliness"),
        &json!({ "totalsRounded": true, "rows": [
            { "group": ["YES"], "referrals": { "display": "20", "rounded": true } }
        ] })
    );
    // Each authority's own figures are not rounded (and here both are hidden).
    let per_authority = app
        .graphql(&evaluator, query, json!({ "groupBy": ["LOCAL_AUTHORITY"] }))
        .await;
    per_authority.assert_ok();
    assert_eq!(
        per_authority.data("/reports/nrmTimeliness/totalsRounded"),
        &json!(false)
    );
    assert_eq!(
        per_authority.data("/reports/nrmTimeliness/rows/1/referrals"),
        &json!({ "display": "c", "rounded": false })
    );
}
