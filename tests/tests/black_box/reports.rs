//! `reports.nrmTimeliness` through the real server: what the cohort counts, what disclosure
//! control hides, its scope, its audit row, its tenancy and its bad input.

use serde_json::{json, Value};
use stable_futures_domain::principal::Scope;
use stable_futures_test_support::fixtures::{self, RECORD_RG, SUBMIT_REFERRAL};
use stable_futures_test_support::{Answer, TestApp, CAMDEN, ISLINGTON};

const REPORT: &str = "query($from: Date!, $to: Date!, $groupBy: [ReportDimension!]) { reports { nrmTimeliness(from: $from, to: $to, groupBy: $groupBy) { rules from to groupBy rows { group referrals { value display suppressed reason } reasonableGroundsDecisions { display } reasonableGroundsPositiveShare { display } decidedWithinTargetShare { display } medianDaysToReasonableGrounds { display } p90DaysToReasonableGrounds { display } waitingForConclusive { display } } } } }";

async fn report(app: &TestApp, token: &str, from: &str, to: &str, group_by: Value) -> Answer {
    app.graphql(
        token,
        REPORT,
        json!({ "from": from, "to": to, "groupBy": group_by }),
    )
    .await
}

/// Each row as (group, referrals, decisions, share positive, share within target, median days,
/// p90 days, waiting), as displayed.
fn rows(answer: &Answer) -> Vec<Vec<String>> {
    answer.assert_ok();
    answer
        .data("/reports/nrmTimeliness/rows")
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| {
            let group: Vec<&str> = row["group"]
                .as_array()
                .expect("group")
                .iter()
                .map(|g| g.as_str().expect("value"))
                .collect();
            let mut cells = vec![group.join("/")];
            for field in [
                "referrals",
                "reasonableGroundsDecisions",
                "reasonableGroundsPositiveShare",
                "decidedWithinTargetShare",
                "medianDaysToReasonableGrounds",
                "p90DaysToReasonableGrounds",
                "waitingForConclusive",
            ] {
                cells.push(row[field]["display"].as_str().expect("display").to_owned());
            }
            cells
        })
        .collect()
}

fn owned(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|row| row.iter().map(|cell| (*cell).to_owned()).collect())
        .collect()
}

/// Seven county-lines referrals on 3 March 2025, six of them decided positive on 7 March (on
/// time, 4 days), and six labour referrals on 4 March, undecided.
async fn seed(app: &TestApp, token: &str) {
    for n in 0..7 {
        let child = fixtures::child(app, token, &format!("RPT{n}")).await;
        let (referral, version) =
            fixtures::referral_at(app, token, &child, "2025-03-03T09:00:00Z").await;
        if n < 6 {
            app.graphql(
                token,
                RECORD_RG,
                json!({ "input": { "referralId": referral, "expectedVersion": version, "outcome": "POSITIVE", "decidedAt": "2025-03-07T10:00:00Z" } }),
            )
            .await
            .assert_ok();
        }
    }
    for n in 0..6 {
        let child = fixtures::child(app, token, &format!("RPL{n}")).await;
        app.graphql(
            token,
            SUBMIT_REFERRAL,
            json!({ "input": {
                "childId": child, "referredAt": "2025-03-04T09:00:00Z",
                "firstResponder": { "organisationType": "LOCAL_AUTHORITY", "organisationName": "Children's services" },
                "exploitationTypes": ["LABOUR"], "countyLines": false, "exploitationLocation": "UK", "competentAuthority": "SCA"
            } }),
        )
        .await
        .assert_ok();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_counts_the_period_s_cohort_and_shows_only_what_disclosure_allows() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    seed(&app, &token).await;

    let answer = report(
        &app,
        &token,
        "2025-01-01",
        "2025-12-31",
        json!(["COUNTY_LINES"]),
    )
    .await;
    assert_eq!(
        answer.data("/reports/nrmTimeliness/rules"),
        &json!("DFE_2024")
    );
    assert_eq!(
        rows(&answer),
        owned(&[
            &["NO", "6", "0", "z", "z", "z", "z", "0"],
            &["YES", "7", "6", "100", "100", "4", "4", "6"],
        ])
    );
    // The whole cohort in one row.
    let whole = report(&app, &token, "2025-01-01", "2025-12-31", json!([])).await;
    assert_eq!(
        rows(&whole),
        owned(&[&["", "13", "6", "100", "100", "4", "4", "6"]])
    );
    // Only 3 March: the seven county-lines referrals.
    let small = report(
        &app,
        &token,
        "2025-03-03",
        "2025-03-03",
        json!(["COUNTY_LINES"]),
    )
    .await;
    assert_eq!(
        rows(&small),
        owned(&[&["YES", "7", "6", "100", "100", "4", "4", "6"]])
    );
    let by_kind = report(
        &app,
        &token,
        "2025-01-01",
        "2025-12-31",
        json!(["EXPLOITATION_TYPE", "COUNTY_LINES"]),
    )
    .await;
    assert_eq!(
        rows(&by_kind),
        // Every combination has a row, the empty ones too.
        owned(&[
            &["CRIMINAL/NO", "0", "0", "z", "z", "z", "z", "0"],
            &["CRIMINAL/YES", "7", "6", "100", "100", "4", "4", "6"],
            &["LABOUR/NO", "6", "0", "z", "z", "z", "z", "0"],
            &["LABOUR/YES", "0", "0", "z", "z", "z", "z", "0"],
        ])
    );
}

fn token_reports_only(app: &TestApp) -> String {
    app.token(ISLINGTON, &[Scope::ReportsRead])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_groups_and_what_would_reveal_them_are_hidden() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    seed(&app, &token).await;
    // Two referrals in April from Border Force.
    for n in 0..2 {
        let child = fixtures::child(&app, &token, &format!("RPA{n}")).await;
        app.graphql(
            &token,
            SUBMIT_REFERRAL,
            json!({ "input": {
                "childId": child, "referredAt": "2025-04-07T09:00:00Z",
                "firstResponder": { "organisationType": "BORDER_FORCE", "organisationName": "Border Force" },
                "exploitationTypes": ["LABOUR"], "countyLines": false, "exploitationLocation": "UK", "competentAuthority": "SCA"
            } }),
        )
        .await
        .assert_ok();
    }
    let april = report(&app, &token, "2025-04-01", "2025-04-30", json!([])).await;
    assert_eq!(
        april.data("/reports/nrmTimeliness/rows/0/referrals"),
        &json!({ "value": null, "display": "c", "suppressed": true, "reason": "SMALL_COUNT" })
    );
    assert_eq!(
        rows(&april),
        owned(&[&["", "c", "0", "z", "z", "z", "z", "0"]])
    );
    // The authority's own analysts may see every count as it is, with a further scope.
    let unsuppressed = "query($from: Date!, $to: Date!) { reports { nrmTimeliness(from: $from, to: $to, rules: NONE) { rules rows { referrals { display suppressed } } } } }";
    let april_dates = json!({ "from": "2025-04-01", "to": "2025-04-30" });
    let refused = app
        .graphql(&token_reports_only(&app), unsuppressed, april_dates.clone())
        .await;
    assert_eq!(refused.error_codes(), ["FORBIDDEN"], "{}", refused.body);
    let analyst = app.token(ISLINGTON, &[Scope::ReportsRead, Scope::ReportsUnsuppressed]);
    let open = app.graphql(&analyst, unsuppressed, april_dates).await;
    open.assert_ok();
    assert_eq!(open.data("/reports/nrmTimeliness/rules"), &json!("NONE"));
    assert_eq!(
        open.data("/reports/nrmTimeliness/rows/0/referrals"),
        &json!({ "display": "2", "suppressed": false })
    );
    // By first responder over the year: Border Force's 2 is hidden; with the column's total
    // (15) it could be worked out from the other two, so the smaller of them is hidden too.
    let year = report(
        &app,
        &token,
        "2025-01-01",
        "2025-12-31",
        json!(["FIRST_RESPONDER_TYPE"]),
    )
    .await;
    let referrals: Vec<(String, Value)> = year
        .data("/reports/nrmTimeliness/rows")
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| {
            (
                row["group"][0].as_str().expect("group").to_owned(),
                json!([row["referrals"]["display"], row["referrals"]["reason"]]),
            )
        })
        .collect();
    assert_eq!(
        referrals,
        [
            ("BORDER_FORCE".to_owned(), json!(["c", "SMALL_COUNT"])),
            ("LOCAL_AUTHORITY".to_owned(), json!(["c", "SECONDARY"])),
            ("POLICE".to_owned(), json!(["7", null])),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_need_their_scope_are_audited_stay_in_their_authority_and_refuse_bad_input() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    seed(&app, &token).await;

    let no_reports = app.token(ISLINGTON, &[Scope::ChildrenRead, Scope::ReferralsRead]);
    let refused = report(&app, &no_reports, "2025-01-01", "2025-12-31", json!([])).await;
    assert_eq!(refused.error_codes(), ["FORBIDDEN"], "{}", refused.body);
    assert_eq!(
        refused.body["data"]["reports"]["nrmTimeliness"],
        Value::Null
    );

    let camden = report(
        &app,
        &app.token_all(CAMDEN),
        "2025-01-01",
        "2025-12-31",
        json!([]),
    )
    .await;
    // Another authority's figures: one row of nothing.
    assert_eq!(
        rows(&camden),
        owned(&[&["", "0", "0", "z", "z", "z", "z", "0"]])
    );

    for (from, to, group_by) in [
        ("2025-12-31", "2025-01-01", json!([])),
        ("2010-01-01", "2025-12-31", json!([])),
        ("2025-01-01", "2025-12-31", json!(["GENDER", "GENDER"])),
        (
            "2025-01-01",
            "2025-12-31",
            json!(["GENDER", "AGE_BAND", "NATIONALITY"]),
        ),
        ("2025-01-01", "2025-12-31", json!(["SHOE_SIZE"])),
        ("2025-02-30", "2025-12-31", json!([])),
    ] {
        let answer = report(&app, &token, from, to, group_by.clone()).await;
        assert_eq!(
            answer.error_codes(),
            ["BAD_USER_INPUT"],
            "{from} {to} {group_by}: {}",
            answer.body
        );
    }

    report(&app, &token, "2025-01-01", "2025-12-31", json!(["GENDER"]))
        .await
        .assert_ok();
    let trail = app.audit_events(&token, 5).await;
    let aggregate: Vec<(Value, Value)> = trail
        .iter()
        .filter(|row| row["fieldsClasses"] == json!(["AGGREGATE"]))
        .map(|row| (row["action"].clone(), row["childId"].clone()))
        .collect();
    assert_eq!(
        aggregate.first(),
        Some(&(json!("READ"), Value::Null)),
        "{trail:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_exports_as_csv_with_its_rules_and_period_in_header_lines() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    seed(&app, &token).await;
    let path = "/reports/nrm-timeliness.csv?from=2025-01-01&to=2025-12-31&groupBy=COUNTY_LINES";
    let export = app.get_with(path, Some(&token)).await;
    assert_eq!(export.status, 200, "{}", export.body);
    assert_eq!(
        export.headers["content-type"].to_str().ok(),
        Some("text/csv; charset=utf-8")
    );
    assert_eq!(
        export.headers["content-disposition"].to_str().ok(),
        Some("attachment; filename=\"nrm-timeliness-2025-01-01-2025-12-31.csv\"")
    );
    let text = export.body.as_str().expect("a CSV body");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[..5],
        [
            "# Stable Futures report: NRM timeliness",
            "# Local authorities: E09000019",
            "# Period: 2025-01-01 to 2025-12-31 (UK dates; both included)",
            "# Disclosure rules: DFE_2024 (c: hidden; z: not applicable; 0: a true zero)",
            "# Grouped by: COUNTY_LINES",
        ]
    );
    assert!(lines[5].starts_with("COUNTY_LINES,referrals,reasonableGroundsDecisions,"));
    assert_eq!(lines[6], "NO,6,0,0,z,0,z,z,z,0,0,z,z,0,z");
    // The last cell is how long the six have waited to today (from 7 March 2025).
    let (cells, waited) = lines[7].rsplit_once(',').expect("cells");
    assert_eq!(cells, "YES,7,6,6,100,6,100,4,4,0,0,z,z,6");
    assert!(
        waited.parse::<u32>().is_ok_and(|days| days > 600),
        "{waited}"
    );
    assert_eq!(lines.len(), 8);

    // The same refusals as the GraphQL field, with their HTTP statuses.
    let no_token = app.get_with(path, None).await;
    assert_eq!(no_token.status, 401);
    let no_scope = app
        .get_with(path, Some(&app.token(ISLINGTON, &[Scope::ChildrenRead])))
        .await;
    assert_eq!(no_scope.status, 403, "{}", no_scope.body);
    assert_eq!(
        no_scope.body["errors"][0]["extensions"]["code"],
        json!("FORBIDDEN")
    );
    for bad in [
        "/reports/nrm-timeliness.csv?from=2025-01-01",
        "/reports/nrm-timeliness.csv?from=2025-12-31&to=2025-01-01",
        "/reports/nrm-timeliness.csv?from=2025-01-01&to=2025-12-31&groupBy=GUARDIAN_ROLE",
        "/reports/nrm-timeliness.csv?from=2025-01-01&to=2025-12-31&colour=red",
        "/reports/nrm-timeliness.csv?from=2025-01-01&to=2025-12-31&rules=LOOSE",
        "/reports/nrm-timeliness.csv?from=2025-01-01&to=2025-12-31&roundTotals=yes",
    ] {
        let answer = app.get_with(bad, Some(&token)).await;
        assert_eq!(answer.status, 400, "{bad}: {}", answer.body);
        assert_eq!(
            answer.body["errors"][0]["extensions"]["code"],
            json!("BAD_USER_INPUT"),
            "{bad}"
        );
    }
    let unknown = app
        .get_with(
            "/reports/everything.csv?from=2025-01-01&to=2025-12-31",
            Some(&token),
        )
        .await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_cohort_s_counts_can_be_rounded_to_the_nearest_ten_and_a_group_s_cannot() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    seed(&app, &token).await;
    let query = "query($groupBy: [ReportDimension!]!, $round: Boolean!) { reports { nrmTimeliness(from: \"2025-01-01\", to: \"2025-12-31\", groupBy: $groupBy, roundTotals: $round) { totalsRounded rows { group referrals { value display rounded } reasonableGroundsDecisions { display rounded } reasonableGroundsPositiveShare { display rounded } conclusiveGroundsDecisions { display rounded } } } } }";
    let whole = app
        .graphql(&token, query, json!({ "groupBy": [], "round": true }))
        .await;
    whole.assert_ok();
    // 13 referrals, 6 decided (all positive), none conclusive.
    assert_eq!(
        whole.data("/reports/nrmTimeliness"),
        &json!({ "totalsRounded": true, "rows": [{
            "group": [],
            "referrals": { "value": 10.0, "display": "10", "rounded": true },
            "reasonableGroundsDecisions": { "display": "10", "rounded": true },
            "reasonableGroundsPositiveShare": { "display": "100", "rounded": false },
            "conclusiveGroundsDecisions": { "display": "0", "rounded": true },
        }] })
    );
    let exact = app
        .graphql(&token, query, json!({ "groupBy": [], "round": false }))
        .await;
    assert_eq!(
        exact.data("/reports/nrmTimeliness/rows/0/referrals"),
        &json!({ "value": 13.0, "display": "13", "rounded": false })
    );
    // Split by a dimension, the authority's rows are its own figures: published exactly.
    let grouped = app
        .graphql(
            &token,
            query,
            json!({ "groupBy": ["COUNTY_LINES"], "round": true }),
        )
        .await;
    grouped.assert_ok();
    assert_eq!(
        grouped.data("/reports/nrmTimeliness/totalsRounded"),
        &json!(false)
    );
    assert_eq!(
        grouped.data("/reports/nrmTimeliness/rows/1/referrals"),
        &json!({ "value": 7.0, "display": "7", "rounded": false })
    );
    // The CSV says so in its header.
    let export = app
        .get_with(
            "/reports/nrm-timeliness.csv?from=2025-01-01&to=2025-12-31&roundTotals=true",
            Some(&token),
        )
        .await;
    assert_eq!(export.status, 200, "{}", export.body);
    let text = export.body.as_str().expect("a CSV body");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[4],
        "# Totals: counts rounded to the nearest 10; shares and days from the exact counts"
    );
    assert!(lines[7].starts_with("10,10,10,100,10,100,"), "{text}");
}
