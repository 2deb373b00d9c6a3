//! The worklist through the real server: what it lists for a child's records and when an item
//! leaves, the kinds a token may see, paging, bad input, another authority's cursor, and the
//! settings it is computed with.

use chrono::{Days, NaiveDate, Utc};
use serde_json::{json, Value};
use stable_futures_domain::calendar::uk_date;
use stable_futures_domain::principal::Scope;
use stable_futures_test_support::fixtures::{self, RECORD_RG};
use stable_futures_test_support::{Answer, TestApp, CAMDEN, ISLINGTON};

const WORKLIST: &str = "query($first: Int!, $after: String, $kinds: [WorkItemKind!], $dueBefore: Date) { worklist(first: $first, after: $after, kinds: $kinds, dueBefore: $dueBefore) { edges { cursor node { id kind dueOn overdueByDays explanation child { id } referral { id } assignment { id } } } pageInfo { hasNextPage endCursor } } }";

const SETTINGS: &str = "{ worklistSettings { guardianRequestDays guardianAssignmentDays measurementIntervalDays youngPersonViewWindow turning18Days recoveryPeriodEndingDays reconsiderationWaitingDays version updatedAt } }";

const UPDATE_SETTINGS: &str = "mutation($input: UpdateWorklistSettingsInput!) { updateWorklistSettings(input: $input) { settings { guardianRequestDays version } userErrors { field code } } }";

fn today() -> NaiveDate {
    uk_date(Utc::now())
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}

async fn worklist(app: &TestApp, token: &str, variables: Value) -> Answer {
    let mut variables = variables;
    if variables.get("first").is_none() {
        variables["first"] = json!(50);
    }
    app.graphql(token, WORKLIST, variables).await
}

/// (kind, dueOn) of each item, in the order listed.
fn items(answer: &Answer) -> Vec<(String, String)> {
    answer.assert_ok();
    answer
        .data("/worklist/edges")
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| {
            (
                edge["node"]["kind"].as_str().expect("kind").to_owned(),
                edge["node"]["dueOn"].as_str().expect("dueOn").to_owned(),
            )
        })
        .collect()
}

fn item<'a>(answer: &'a Answer, kind: &str) -> &'a Value {
    answer
        .data("/worklist/edges")
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| &edge["node"])
        .find(|node| node["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} item in {}", answer.body))
}

fn owned(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(kind, due)| ((*kind).to_owned(), (*due).to_owned()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_is_listed_most_overdue_first_and_leaves_when_it_is_done() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "WL001").await;
    // Monday 3 March 2025: five working days on is Monday 10 March.
    let (referral, version) = fixtures::referral(&app, &token, &child).await;

    let answer = worklist(&app, &token, json!({})).await;
    assert_eq!(
        items(&answer),
        owned(&[
            ("GUARDIAN_NOT_REQUESTED", "2025-03-08"),
            ("REASONABLE_GROUNDS_OVERDUE", "2025-03-10"),
            ("MEASUREMENT_DUE", "2025-06-01"),
        ])
    );
    let overdue = item(&answer, "REASONABLE_GROUNDS_OVERDUE");
    let days = (today() - date("2025-03-10")).num_days();
    assert_eq!(overdue["overdueByDays"], json!(days));
    assert_eq!(overdue["child"]["id"], json!(child));
    assert_eq!(overdue["referral"]["id"], json!(referral));
    assert_eq!(overdue["assignment"], Value::Null);
    let explanation = overdue["explanation"].as_str().expect("explanation");
    assert!(
        explanation.contains("reasonable-grounds")
            && explanation.contains(&format!("{days} days overdue")),
        "{explanation}"
    );

    // The decision ends that item; its recovery period (ended long ago) is now listed.
    app.graphql(
        &token,
        RECORD_RG,
        json!({ "input": { "referralId": referral, "expectedVersion": version, "outcome": "POSITIVE", "decidedAt": "2025-03-07T10:00:00Z" } }),
    )
    .await
    .assert_ok();
    // A guardian request ends "not requested"; until assigned, it is "not assigned".
    let (assignment, _) = fixtures::guardian_request(&app, &token, &child).await;
    let answer = worklist(&app, &token, json!({})).await;
    assert_eq!(
        items(&answer),
        owned(&[
            ("GUARDIAN_NOT_ASSIGNED", "2025-03-14"),
            ("RECOVERY_PERIOD_ENDING", "2025-04-06"),
            // Open work still starts with the referral.
            ("MEASUREMENT_DUE", "2025-06-01"),
        ])
    );
    assert_eq!(
        item(&answer, "GUARDIAN_NOT_ASSIGNED")["assignment"]["id"],
        json!(assignment)
    );
    // A measurement moves the next one on by the interval.
    fixtures::measurement(
        &app,
        &token,
        &child,
        json!({ "observedAt": (Utc::now() - chrono::TimeDelta::minutes(1)).to_rfc3339() }),
    )
    .await;
    let answer = worklist(&app, &token, json!({ "kinds": ["MEASUREMENT_DUE"] })).await;
    assert_eq!(items(&answer), []);
    let later = worklist(
        &app,
        &token,
        json!({ "kinds": ["MEASUREMENT_DUE", "RECOVERY_PERIOD_ENDING"], "dueBefore": "2025-05-01" }),
    )
    .await;
    assert_eq!(
        items(&later),
        owned(&[("RECOVERY_PERIOD_ENDING", "2025-04-06")])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_sees_only_the_kinds_of_the_records_it_may_read() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "WL002").await;
    fixtures::referral(&app, &token, &child).await;
    fixtures::guardian_request(&app, &token, &child).await;

    let children_only = app.token(ISLINGTON, &[Scope::ChildrenRead]);
    assert_eq!(items(&worklist(&app, &children_only, json!({})).await), []);

    let guardians = app.token(ISLINGTON, &[Scope::ChildrenRead, Scope::GuardiansRead]);
    assert_eq!(
        items(&worklist(&app, &guardians, json!({})).await),
        owned(&[("GUARDIAN_NOT_ASSIGNED", "2025-03-14")])
    );
    let refused = worklist(
        &app,
        &guardians,
        json!({ "kinds": ["REASONABLE_GROUNDS_OVERDUE"] }),
    )
    .await;
    assert_eq!(refused.error_codes(), ["FORBIDDEN"], "{}", refused.body);
    assert_eq!(refused.body["data"]["worklist"], Value::Null);

    let no_children = app.token(ISLINGTON, &[Scope::ReferralsRead]);
    let refused = worklist(&app, &no_children, json!({})).await;
    assert_eq!(refused.error_codes(), ["FORBIDDEN"], "{}", refused.body);
    let refused = app.graphql(&no_children, SETTINGS, json!({})).await;
    assert_eq!(refused.error_codes(), ["FORBIDDEN"], "{}", refused.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_of_one_list_every_item_once_in_order() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    for n in 0..4 {
        let child = fixtures::child(&app, &token, &format!("WL1{n}")).await;
        fixtures::referral_at(
            &app,
            &token,
            &child,
            &format!("2025-0{}-03T09:00:00Z", n + 3),
        )
        .await;
    }
    let all = items(&worklist(&app, &token, json!({})).await);
    assert_eq!(all.len(), 12, "{all:?}");
    let mut paged = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let answer = worklist(&app, &token, json!({ "first": 1, "after": after })).await;
        paged.extend(items(&answer));
        let info = answer.data("/worklist/pageInfo");
        if info["hasNextPage"] != json!(true) {
            break;
        }
        after = info["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(paged, all);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_and_cursors_of_other_lists_are_refused_as_bad_user_input() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "WL003").await;
    fixtures::referral(&app, &token, &child).await;
    let first = worklist(&app, &token, json!({ "first": 1 })).await;
    let cursor = first.text("/worklist/pageInfo/endCursor");
    let children_cursor = app
        .graphql(
            &token,
            "{ children(first: 1) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await
        .text("/children/pageInfo/endCursor");

    let cases = [
        ("no kinds", json!({ "kinds": [] })),
        ("unknown kind", json!({ "kinds": ["NOT_A_KIND"] })),
        ("malformed date", json!({ "dueBefore": "2026-13-45" })),
        ("distant past", json!({ "dueBefore": "1999-12-31" })),
        ("distant future", json!({ "dueBefore": "2099-01-01" })),
        ("first 0", json!({ "first": 0 })),
        ("first 101", json!({ "first": 101 })),
        ("garbage cursor", json!({ "after": "not a cursor!" })),
        ("a children cursor", json!({ "after": children_cursor })),
        (
            "a cursor of other kinds",
            json!({ "after": cursor, "kinds": ["MEASUREMENT_DUE"] }),
        ),
        (
            "a cursor of another dueBefore",
            json!({ "after": cursor, "dueBefore": "2026-01-01" }),
        ),
    ];
    for (case, variables) in cases {
        let answer = worklist(&app, &token, variables).await;
        assert_eq!(
            answer.error_codes(),
            ["BAD_USER_INPUT"],
            "{case}: {}",
            answer.body
        );
    }
    // Islington's cursor is not Camden's: refused, not silently continued.
    let camden = app.token_all(CAMDEN);
    let answer = worklist(&app, &camden, json!({ "after": cursor })).await;
    assert_eq!(answer.error_codes(), ["BAD_USER_INPUT"], "{}", answer.body);
    assert_eq!(items(&worklist(&app, &camden, json!({})).await), []);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_change_the_list_at_once_are_versioned_bounded_audited_and_per_authority() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let defaults = app.graphql(&token, SETTINGS, json!({})).await;
    defaults.assert_ok();
    assert_eq!(
        defaults.data("/worklistSettings"),
        &json!({
            "guardianRequestDays": 5, "guardianAssignmentDays": 10, "measurementIntervalDays": 90,
            "youngPersonViewWindow": 3, "turning18Days": 90, "recoveryPeriodEndingDays": 7,
            "reconsiderationWaitingDays": 30, "version": 0, "updatedAt": null
        })
    );
    let child = fixtures::child(&app, &token, "WL004").await;
    fixtures::referral(&app, &token, &child).await;

    let changed = app
        .graphql(
            &token,
            UPDATE_SETTINGS,
            json!({ "input": { "expectedVersion": 0, "guardianRequestDays": 20 } }),
        )
        .await;
    changed.assert_ok();
    assert_eq!(
        changed.data("/updateWorklistSettings"),
        &json!({ "settings": { "guardianRequestDays": 20, "version": 1 }, "userErrors": [] })
    );
    let answer = worklist(&app, &token, json!({ "kinds": ["GUARDIAN_NOT_REQUESTED"] })).await;
    assert_eq!(
        items(&answer),
        owned(&[("GUARDIAN_NOT_REQUESTED", "2025-03-23")])
    );

    let stale = app
        .graphql(
            &token,
            UPDATE_SETTINGS,
            json!({ "input": { "expectedVersion": 0, "guardianRequestDays": 9 } }),
        )
        .await;
    assert_eq!(
        stale.user_error_codes("updateWorklistSettings"),
        ["STALE_VERSION"]
    );
    let out_of_range = app
        .graphql(
            &token,
            UPDATE_SETTINGS,
            json!({ "input": { "expectedVersion": 1, "youngPersonViewWindow": 0, "measurementIntervalDays": 1000, "guardianRequestDays": 9 } }),
        )
        .await;
    let mut codes = out_of_range.user_error_codes("updateWorklistSettings");
    codes.sort();
    assert_eq!(
        codes,
        ["OUT_OF_RANGE", "OUT_OF_RANGE"],
        "{}",
        out_of_range.body
    );
    let now = app.graphql(&token, SETTINGS, json!({})).await;
    assert_eq!(
        now.data("/worklistSettings/guardianRequestDays"),
        &json!(20)
    );
    assert_eq!(now.data("/worklistSettings/version"), &json!(1));

    // Camden's list and settings are its own.
    let camden = app
        .graphql(&app.token_all(CAMDEN), SETTINGS, json!({}))
        .await;
    assert_eq!(camden.data("/worklistSettings/version"), &json!(0));
    assert_eq!(
        camden.data("/worklistSettings/guardianRequestDays"),
        &json!(5)
    );

    // The change is in the trail, with no child.
    let settings_rows: Vec<(Value, Value)> = app
        .audit_events(&token, 50)
        .await
        .into_iter()
        .filter(|row| row["fieldsClasses"] == json!(["SETTINGS"]))
        .map(|row| (row["action"].clone(), row["childId"].clone()))
        .collect();
    assert_eq!(settings_rows, [(json!("UPDATE"), Value::Null)]);
}

#[test]
fn the_dates_these_tests_rely_on_are_in_the_past() {
    // The items above are all overdue only while today is after their due dates.
    assert!(
        today()
            > date("2025-06-02")
                .checked_add_days(Days::new(1))
                .expect("date")
    );
}
