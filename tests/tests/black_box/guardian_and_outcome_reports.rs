//! `reports.guardianTimeliness` and `reports.outcomes` through the real server: what they count,
//! the authority's own threshold, what disclosure control hides, their scope, audit, tenancy and
//! bad input.

use serde_json::{json, Value};
use stable_futures_domain::principal::Scope;
use stable_futures_test_support::fixtures::{self, RECORD_RG};
use stable_futures_test_support::{Answer, TestApp, CAMDEN, ISLINGTON};

const ASSIGN_GUARDIAN: &str = "mutation($input: AssignGuardianInput!) { assignGuardian(input: $input) { assignment { id } userErrors { field code } } }";
const UPDATE_SETTINGS: &str = "mutation($input: UpdateWorklistSettingsInput!) { updateWorklistSettings(input: $input) { settings { guardianAssignmentDays } userErrors { field code } } }";
const GUARDIAN_REPORT: &str = "query($groupBy: [ReportDimension!]! = []) { reports { guardianTimeliness(from: \"2025-01-01\", to: \"2025-12-31\", groupBy: $groupBy) { rules thresholdDays rows { group requests { display } assignments { display } assignmentShare { display } medianDaysRequestToAssignment { display } medianDaysReferralToAssignment { display } due { display } assignedWithinThreshold { display } assignedWithinThresholdShare { display } openRequests { display reason } medianDaysOpen { display } } } } }";
const OUTCOMES_REPORT: &str = "query($groupBy: [ReportDimension!]! = []) { reports { outcomes(from: \"2025-01-01\", to: \"2025-12-31\", groupBy: $groupBy) { rules guardianThresholdDays rows { group childrenMeasured { display } measurements { display } youngPersonParticipationShare { display } outcomes { outcomeKey outcomeTitle principleArticle children { display } youngPerson { childrenWithChange { display } improved { display } improvedShare { display } same { display } worse { display } medianChange { display } } practitioner { childrenWithChange { display } medianChange { display } } } } } } }";

/// Every `display` of a JSON value, in order, with its field's path: a compact picture of a row.
fn displays(value: &Value, path: &str, into: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(display)) = map.get("display") {
                into.push(format!("{path}={display}"));
                return;
            }
            for (key, inner) in map {
                displays(inner, format!("{path}.{key}").trim_start_matches('.'), into);
            }
        }
        Value::Array(items) => {
            for inner in items {
                displays(inner, path, into);
            }
        }
        _ => {}
    }
}

/// The displays of the value at `pointer`, sorted (JSON objects keep no order).
fn row(answer: &Answer, pointer: &str) -> Vec<String> {
    answer.assert_ok();
    let mut cells = Vec::new();
    displays(answer.data(pointer), "", &mut cells);
    cells.sort();
    cells
}

fn sorted(cells: &[&str]) -> Vec<String> {
    let mut cells: Vec<String> = cells.iter().map(|cell| (*cell).to_owned()).collect();
    cells.sort();
    cells
}

/// Eight children with an ICTG request on 4 March 2025: six assigned on 10 March (6 days), one
/// on 1 April (28 days), one still open. Their referrals: 1 March, so 9 days to the first six.
async fn seed_guardians(app: &TestApp, token: &str) {
    for n in 0..8 {
        let child = fixtures::child(app, token, &format!("GRD{n}")).await;
        fixtures::referral_at(app, token, &child, "2025-03-01T09:00:00Z").await;
        let (assignment, version) = fixtures::guardian_request(app, token, &child).await;
        let assigned_at = match n {
            0..=5 => "2025-03-10T09:00:00Z",
            6 => "2025-04-01T09:00:00Z",
            _ => continue,
        };
        let answer = app
            .graphql(
                token,
                ASSIGN_GUARDIAN,
                json!({ "input": { "assignmentId": assignment, "expectedVersion": version, "assignedAt": assigned_at } }),
            )
            .await;
        answer.assert_ok();
        assert_eq!(
            answer.user_error_codes("assignGuardian"),
            Vec::<String>::new()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guardian_timeliness_judges_requests_by_the_authority_s_own_threshold() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    seed_guardians(&app, &token).await;

    let answer = app.graphql(&token, GUARDIAN_REPORT, json!({})).await;
    assert_eq!(
        answer.data("/reports/guardianTimeliness/thresholdDays"),
        &json!(10)
    );
    assert_eq!(
        row(&answer, "/reports/guardianTimeliness/rows/0"),
        sorted(&[
            "requests=8",
            "assignments=7",
            "assignmentShare=87.5",
            "medianDaysRequestToAssignment=6",
            "medianDaysReferralToAssignment=9",
            "due=8",
            "assignedWithinThreshold=6",
            "assignedWithinThresholdShare=75",
            // One open request is a small count, and so is its wait.
            "openRequests=c",
            "medianDaysOpen=c",
        ])
    );
    assert_eq!(
        answer.data("/reports/guardianTimeliness/rows/0/openRequests/reason"),
        &json!("SMALL_COUNT")
    );

    // The authority decides 5 days is prompt: none of the assignments was.
    let settings = app
        .graphql(
            &token,
            UPDATE_SETTINGS,
            json!({ "input": { "expectedVersion": 0, "guardianAssignmentDays": 5 } }),
        )
        .await;
    assert_eq!(
        settings.user_error_codes("updateWorklistSettings"),
        Vec::<String>::new()
    );
    let strict = app.graphql(&token, GUARDIAN_REPORT, json!({})).await;
    assert_eq!(
        strict.data("/reports/guardianTimeliness/thresholdDays"),
        &json!(5)
    );
    assert_eq!(
        strict.data("/reports/guardianTimeliness/rows/0/assignedWithinThreshold/display"),
        &json!("0")
    );

    // By role: every request was for a direct worker.
    let by_role = app
        .graphql(
            &token,
            GUARDIAN_REPORT,
            json!({ "groupBy": ["GUARDIAN_ROLE"] }),
        )
        .await;
    by_role.assert_ok();
    assert_eq!(
        by_role.data("/reports/guardianTimeliness/rows/0/group"),
        &json!(["DIRECT_WORKER"])
    );
    let rows = by_role
        .data("/reports/guardianTimeliness/rows")
        .as_array()
        .map(Vec::len);
    assert_eq!(rows, Some(1));

    // Another authority sees none of it.
    let camden = app
        .graphql(&app.token_all(CAMDEN), GUARDIAN_REPORT, json!({}))
        .await;
    // Another authority's report: one row of nothing.
    assert_eq!(
        row(&camden, "/reports/guardianTimeliness/rows"),
        sorted(&[
            "requests=0",
            "assignments=0",
            "assignmentShare=z",
            "medianDaysRequestToAssignment=z",
            "medianDaysReferralToAssignment=z",
            "due=0",
            "assignedWithinThreshold=0",
            "assignedWithinThresholdShare=z",
            "openRequests=0",
            "medianDaysOpen=z",
        ])
    );
}

/// Twelve children measured twice on being safe: six with a positive reasonable-grounds
/// decision whose rating rose from 3 to 4, six never referred whose rating stayed at 3. The
/// practitioner rated none.
async fn seed_outcomes(app: &TestApp, token: &str) {
    for n in 0..12 {
        let child = fixtures::child(app, token, &format!("OUT{n}")).await;
        let later = if n < 6 {
            let (referral, version) =
                fixtures::referral_at(app, token, &child, "2025-03-03T09:00:00Z").await;
            app.graphql(
                token,
                RECORD_RG,
                json!({ "input": { "referralId": referral, "expectedVersion": version, "outcome": "POSITIVE", "decidedAt": "2025-03-07T10:00:00Z" } }),
            )
            .await
            .assert_ok();
            4
        } else {
            3
        };
        fixtures::measurement(app, token, &child, json!({})).await;
        fixtures::measurement(
            app,
            token,
            &child,
            json!({ "observedAt": "2025-08-01T10:00:00Z", "youngPersonRating": later }),
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_compare_children_with_and_without_a_positive_decision() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    seed_outcomes(&app, &token).await;

    let answer = app
        .graphql(
            &token,
            OUTCOMES_REPORT,
            json!({ "groupBy": ["REASONABLE_GROUNDS_OUTCOME"] }),
        )
        .await;
    answer.assert_ok();
    assert_eq!(answer.data("/reports/outcomes/rules"), &json!("DFE_2024"));
    assert_eq!(
        answer.data("/reports/outcomes/rows/0/group"),
        &json!(["NO_REFERRAL"])
    );
    assert_eq!(
        answer.data("/reports/outcomes/rows/1/group"),
        &json!(["POSITIVE"])
    );
    assert_eq!(
        answer.data("/reports/outcomes/rows/1/outcomes/0/outcomeTitle"),
        &json!("Being safe and feeling safe")
    );
    assert_eq!(
        answer.data("/reports/outcomes/rows/1/outcomes/0/principleArticle"),
        &json!(3)
    );
    assert_eq!(
        row(&answer, "/reports/outcomes/rows/1"),
        sorted(&[
            "childrenMeasured=6",
            "measurements=12",
            "youngPersonParticipationShare=100",
            "outcomes.children=6",
            "outcomes.youngPerson.childrenWithChange=6",
            "outcomes.youngPerson.improved=6",
            "outcomes.youngPerson.improvedShare=100",
            "outcomes.youngPerson.same=0",
            "outcomes.youngPerson.worse=0",
            "outcomes.youngPerson.medianChange=1",
            // No practitioner's rating: nothing to compare, not a hidden figure.
            "outcomes.practitioner.childrenWithChange=0",
            "outcomes.practitioner.medianChange=z",
        ])
    );
    assert_eq!(
        row(&answer, "/reports/outcomes/rows/0/outcomes/0/youngPerson"),
        sorted(&[
            "childrenWithChange=6",
            "improved=0",
            "improvedShare=0",
            "same=6",
            "worse=0",
            "medianChange=0",
        ])
    );
    // The young person's words are never part of a report.
    assert!(!answer.body.to_string().contains("I feel safer"));

    // As CSV: one line per group and outcome measured.
    let export = app
        .get_with(
            "/reports/outcomes.csv?from=2025-01-01&to=2025-12-31&groupBy=REASONABLE_GROUNDS_OUTCOME",
            Some(&token),
        )
        .await;
    assert_eq!(export.status, 200, "{}", export.body);
    let text = export.body.as_str().expect("CSV");
    assert!(text.contains("# guardianThresholdDays: 10"), "{text}");
    let positive: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("POSITIVE,"))
        .collect();
    assert_eq!(
        positive,
        ["POSITIVE,6,12,100,csf-pof-summary-2022.1,being_safe_and_feeling_safe,Being safe and feeling safe,3,Best interests of the child,6,6,6,100,0,0,0,0,1,0,0,z,0,z,0,z,z"]
    );
    assert!(!text.contains("I feel safer"));

    // A period without measurements; a grouping the report does not offer.
    let by_gender = app
        .graphql(&token, OUTCOMES_REPORT, json!({ "groupBy": ["GENDER"] }))
        .await;
    assert_eq!(
        by_gender.error_codes(),
        ["BAD_USER_INPUT"],
        "{}",
        by_gender.body
    );
    assert!(by_gender
        .body
        .to_string()
        .contains("this report does not group by GENDER"));
    let nrm_by_role = app
        .graphql(
            &token,
            "{ reports { nrmTimeliness(from: \"2025-01-01\", to: \"2025-12-31\", groupBy: [GUARDIAN_ROLE]) { rules } } }",
            json!({}),
        )
        .await;
    assert_eq!(nrm_by_role.error_codes(), ["BAD_USER_INPUT"]);

    // Scope, audit and tenancy.
    let no_reports = app.token(ISLINGTON, &[Scope::ChildrenRead, Scope::OutcomesRead]);
    let refused = app.graphql(&no_reports, OUTCOMES_REPORT, json!({})).await;
    assert_eq!(refused.error_codes(), ["FORBIDDEN"]);
    assert_eq!(refused.body["data"]["reports"]["outcomes"], Value::Null);
    let camden = app
        .graphql(&app.token_all(CAMDEN), OUTCOMES_REPORT, json!({}))
        .await;
    assert_eq!(
        row(&camden, "/reports/outcomes/rows"),
        sorted(&[
            "childrenMeasured=0",
            "measurements=0",
            "youngPersonParticipationShare=z"
        ])
    );
    assert_eq!(camden.data("/reports/outcomes/rows/0/outcomes"), &json!([]));
    let trail = app.audit_events(&token, 3).await;
    assert!(
        trail
            .iter()
            .any(|row| row["fieldsClasses"] == json!(["AGGREGATE"]) && row["childId"].is_null()),
        "{trail:?}"
    );
}
