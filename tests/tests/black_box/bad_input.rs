//! Bad input: every mistake a caller can make gets a clear, field-specific answer (a `userErrors`
//! entry with the right code and path, or a GraphQL error with `extensions.code`), over HTTP 200,
//! never a 500 and never database text — and a refused mutation writes nothing at all.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use stable_futures_test_support::fixtures::{
    self, RECORD_MEASUREMENT, RECORD_RG, REGISTER_CHILD, REQUEST_GUARDIAN, SUBMIT_REFERRAL,
};
use stable_futures_test_support::{Answer, TestApp, CAMDEN, ISLINGTON};

const UPDATE_CHILD: &str = "mutation($input: UpdateChildInput!) { updateChild(input: $input) { child { id version } userErrors { field message code } } }";
const RECORD_CG: &str = "mutation($input: RecordConclusiveGroundsDecisionInput!) { recordConclusiveGroundsDecision(input: $input) { referral { id version status } userErrors { field message code } } }";
const REQUEST_RECONSIDERATION: &str = "mutation($input: RequestReconsiderationInput!) { requestReconsideration(input: $input) { referral { id version status reconsiderationPending } userErrors { field message code } } }";
const WITHDRAW: &str = "mutation($input: WithdrawReferralInput!) { withdrawReferral(input: $input) { referral { id version status } userErrors { field message code } } }";
const ASSIGN_GUARDIAN: &str = "mutation($input: AssignGuardianInput!) { assignGuardian(input: $input) { assignment { id version status } userErrors { field message code } } }";
const END_ASSIGNMENT: &str = "mutation($input: EndGuardianAssignmentInput!) { endGuardianAssignment(input: $input) { assignment { id version status } userErrors { field message code } } }";

/// Everything stored about a child, its referrals, guardian requests and measurements: read
/// before and after a refused mutation, it must not change.
const CHILD_STATE: &str = "query($id: ID!) { child(id: $id) {
    id localChildId upn nhsNumber dateOfBirth dateOfBirthEstimated ageDisputed gender nationalities languages
    interpreterRequired immigrationStatus careStatus version createdAt updatedAt
    referrals(first: 100) { nodes {
        id status version referredAt exploitationTypes countyLines reconsiderationPending reconsiderationRequestedAt withdrawnAt
        reasonableGrounds { outcome decidedAt } conclusiveGrounds { outcome decidedAt }
        timeline { kind at outcome }
    } }
    guardianAssignments { id service role status requestedAt assignedAt endedAt endReason version }
    outcomeMeasurements(first: 100, includeSuperseded: true) { nodes {
        id frameworkVersion observedAt youngPersonParticipated youngPersonRating practitionerRating supersedesId supersededById
    } }
} }";

const REFERRAL_STATE: &str = "query($id: ID!) { referral(id: $id) {
    id status version reconsiderationPending reconsiderationRequestedAt withdrawnAt
    reasonableGrounds { outcome decidedAt } conclusiveGrounds { outcome decidedAt } timeline { kind at outcome }
} }";

const CHILDREN_COUNT: &str = "{ children(first: 100) { totalCount } }";

/// When the fixtures' referral was made; decisions must not predate it.
const REFERRED_AT: &str = "2025-03-03T09:00:00Z";
/// When the fixtures' guardian request was made.
const REQUESTED_AT: &str = "2025-03-04T09:00:00Z";

/// Lower-case fragments of SQL or database errors that must never reach a caller.
const DATABASE_TEXT: &[&str] = &[
    "select ",
    "insert into",
    "update ",
    "delete from",
    " where ",
    "violates",
    "duplicate key",
    "constraint",
    "sqlstate",
    "postgres",
    "diesel",
    "relation \"",
    "syntax error",
];

/// The answer is an ordinary HTTP 200 GraphQL response: no 500, no INTERNAL error, no
/// database text anywhere in it.
#[track_caller]
fn assert_clean(answer: &Answer) {
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        !answer.error_codes().iter().any(|code| code == "INTERNAL"),
        "internal error: {}",
        answer.body
    );
    let text = answer.body.to_string().to_lowercase();
    for fragment in DATABASE_TEXT {
        assert!(
            !text.contains(fragment),
            "database text {fragment:?} in {}",
            answer.body
        );
    }
}

/// The mutation was refused with exactly these `userErrors` (code, dotted field path), in any
/// order, each with a message, and returned no entity.
#[track_caller]
fn assert_refused(answer: &Answer, mutation: &str, expected: &[(&str, &str)]) {
    assert_clean(answer);
    assert!(
        answer.body.get("errors").is_none(),
        "unexpected GraphQL errors: {}",
        answer.body
    );
    let payload = answer.data(&format!("/{mutation}"));
    let payload = payload
        .as_object()
        .unwrap_or_else(|| panic!("no payload in {}", answer.body));
    for (key, value) in payload {
        if key != "userErrors" {
            assert!(
                value.is_null(),
                "{key} written although refused: {}",
                answer.body
            );
        }
    }
    let errors = payload["userErrors"].as_array().expect("userErrors");
    let mut got: Vec<(String, String)> = errors
        .iter()
        .map(|error| {
            let message = error["message"].as_str().unwrap_or_default();
            assert!(
                !message.trim().is_empty(),
                "a user error without a message: {error}"
            );
            let field: Vec<&str> = error["field"]
                .as_array()
                .expect("field path")
                .iter()
                .map(|part| part.as_str().expect("field path part"))
                .collect();
            (
                error["code"].as_str().expect("code").to_owned(),
                field.join("."),
            )
        })
        .collect();
    let mut expected: Vec<(String, String)> = expected
        .iter()
        .map(|(code, field)| ((*code).to_owned(), (*field).to_owned()))
        .collect();
    got.sort();
    expected.sort();
    assert_eq!(got, expected, "{}", answer.body);
}

/// The operation failed with a GraphQL error of `code` (e.g. BAD_USER_INPUT, NOT_FOUND).
#[track_caller]
fn assert_graphql_error(answer: &Answer, code: &str) {
    assert_clean(answer);
    assert_eq!(
        answer.error_codes(),
        vec![code.to_owned()],
        "{}",
        answer.body
    );
    let message = answer.body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        !message.trim().is_empty(),
        "an error without a message: {}",
        answer.body
    );
}

/// A well-formed global id of `type_name` that names nothing.
fn missing_id(type_name: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{type_name}:{}", uuid::Uuid::new_v4()))
}

fn date_in_days(days: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::TimeDelta::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

async fn children_count(app: &TestApp, token: &str) -> i64 {
    let answer = app.graphql(token, CHILDREN_COUNT, json!({})).await;
    answer.assert_ok();
    answer
        .data("/children/totalCount")
        .as_i64()
        .expect("totalCount")
}

async fn child_state(app: &TestApp, token: &str, child_id: &str) -> Value {
    let answer = app
        .graphql(token, CHILD_STATE, json!({ "id": child_id }))
        .await;
    answer.assert_ok();
    let child = answer.data("/child").clone();
    assert!(
        child.is_object(),
        "child {child_id} not found: {}",
        answer.body
    );
    child
}

async fn referral_state(app: &TestApp, token: &str, referral_id: &str) -> Value {
    let answer = app
        .graphql(token, REFERRAL_STATE, json!({ "id": referral_id }))
        .await;
    answer.assert_ok();
    let referral = answer.data("/referral").clone();
    assert!(
        referral.is_object(),
        "referral {referral_id} not found: {}",
        answer.body
    );
    referral
}

/// A valid referral input for `child_id`; tests spoil one field.
fn referral_input(child_id: &str) -> Value {
    json!({
        "childId": child_id,
        "referredAt": REFERRED_AT,
        "firstResponder": { "organisationType": "LOCAL_AUTHORITY", "organisationName": "Islington Children's Services" },
        "exploitationTypes": ["CRIMINAL"],
        "countyLines": true,
        "exploitationLocation": "UK",
        "competentAuthority": "SCA"
    })
}

/// A valid measurement input for `child_id`; tests spoil one field.
fn measurement_input(child_id: &str) -> Value {
    json!({
        "childId": child_id,
        "outcomeKey": "being_listened_to",
        "observedAt": "2025-04-01T10:00:00Z",
        "youngPersonParticipated": true,
        "youngPersonRating": 4,
        "practitionerRating": 3,
    })
}

/// Records a Reasonable Grounds decision that must succeed; returns the new version.
async fn record_rg(
    app: &TestApp,
    token: &str,
    referral_id: &str,
    version: i64,
    outcome: &str,
    decided_at: &str,
) -> i64 {
    let answer = app
        .graphql(
            token,
            RECORD_RG,
            json!({ "input": { "referralId": referral_id, "expectedVersion": version, "outcome": outcome, "decidedAt": decided_at } }),
        )
        .await;
    answer.assert_ok();
    assert_eq!(
        answer.user_error_codes("recordReasonableGroundsDecision"),
        Vec::<String>::new(),
        "{}",
        answer.body
    );
    answer
        .data("/recordReasonableGroundsDecision/referral/version")
        .as_i64()
        .expect("version")
}

// ---------------------------------------------------------------------------------------------
// Children
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_child_refuses_an_nhs_number_without_a_valid_check_digit_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    // Wrong check digit; nine digits; letters; a number whose check digit would be 10.
    for nhs_number in [
        "9434765918",
        "943476591",
        "94347659AB",
        "0000000060",
        "94347659190",
    ] {
        let answer = app
            .graphql(
                &token,
                REGISTER_CHILD,
                json!({ "input": { "localChildId": "LC1", "dateOfBirth": "2010-05-01", "nhsNumber": nhs_number } }),
            )
            .await;
        assert_refused(
            &answer,
            "registerChild",
            &[("INVALID_NHS_NUMBER", "input.nhsNumber")],
        );
    }
    assert_eq!(children_count(&app, &token).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_child_refuses_an_invalid_upn_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    for upn in ["UN6", "not a upn", "1234567890123", "A12345678901"] {
        let answer = app
            .graphql(
                &token,
                REGISTER_CHILD,
                json!({ "input": { "localChildId": "LC1", "dateOfBirth": "2010-05-01", "upn": upn } }),
            )
            .await;
        assert_refused(&answer, "registerChild", &[("INVALID_UPN", "input.upn")]);
    }
    assert_eq!(children_count(&app, &token).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_child_refuses_a_local_child_id_that_is_too_long_has_symbols_or_is_blank() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let cases = [
        ("A".repeat(21), "TOO_LONG"),
        ("AB-123".to_owned(), "INVALID_FORMAT"),
        ("AB 123".to_owned(), "INVALID_FORMAT"),
        ("LC1'; DROP TABLE children;--".to_owned(), "TOO_LONG"),
        ("ÄB12".to_owned(), "INVALID_FORMAT"),
        ("   ".to_owned(), "REQUIRED"),
    ];
    for (local_id, code) in cases {
        let answer = app
            .graphql(
                &token,
                REGISTER_CHILD,
                json!({ "input": { "localChildId": local_id, "dateOfBirth": "2010-05-01" } }),
            )
            .await;
        assert_refused(&answer, "registerChild", &[(code, "input.localChildId")]);
    }
    assert_eq!(children_count(&app, &token).await, 0);
    // Twenty letters and digits is the limit, and it is accepted.
    fixtures::child(&app, &token, &"A1".repeat(10)).await;
    assert_eq!(children_count(&app, &token).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_child_refuses_a_date_of_birth_in_the_future() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let answer = app
        .graphql(
            &token,
            REGISTER_CHILD,
            json!({ "input": { "localChildId": "LC1", "dateOfBirth": date_in_days(30), "dateOfBirthEstimated": true } }),
        )
        .await;
    assert_refused(
        &answer,
        "registerChild",
        &[("IN_FUTURE", "input.dateOfBirth")],
    );
    assert_eq!(children_count(&app, &token).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_child_reports_every_problem_of_the_input_at_once() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let answer = app
        .graphql(
            &token,
            REGISTER_CHILD,
            json!({ "input": {
                "localChildId": "LC-1",
                "dateOfBirth": date_in_days(3),
                "nhsNumber": "9434765918",
                "upn": "UN9",
                "nationalities": ["GBR", "Vietnam"],
                "languages": ["english"]
            } }),
        )
        .await;
    assert_refused(
        &answer,
        "registerChild",
        &[
            ("INVALID_FORMAT", "input.localChildId"),
            ("IN_FUTURE", "input.dateOfBirth"),
            ("INVALID_NHS_NUMBER", "input.nhsNumber"),
            ("INVALID_UPN", "input.upn"),
            ("INVALID_FORMAT", "input.nationalities"),
            ("INVALID_FORMAT", "input.languages"),
        ],
    );
    assert_eq!(children_count(&app, &token).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_child_id_is_unique_within_an_authority_but_another_authority_may_use_it() {
    let app = TestApp::spawn().await;
    let islington = app.token_all(ISLINGTON);
    let camden = app.token_all(CAMDEN);
    let first = fixtures::child(&app, &islington, "LC100").await;
    let before = child_state(&app, &islington, &first).await;

    let answer = app
        .graphql(
            &islington,
            REGISTER_CHILD,
            json!({ "input": { "localChildId": "LC100", "dateOfBirth": "2011-01-01" } }),
        )
        .await;
    assert_refused(
        &answer,
        "registerChild",
        &[("DUPLICATE_LOCAL_CHILD_ID", "input.localChildId")],
    );
    // Leading and trailing spaces do not make it another id.
    let answer = app
        .graphql(
            &islington,
            REGISTER_CHILD,
            json!({ "input": { "localChildId": " LC100 ", "dateOfBirth": "2011-01-01" } }),
        )
        .await;
    assert_refused(
        &answer,
        "registerChild",
        &[("DUPLICATE_LOCAL_CHILD_ID", "input.localChildId")],
    );
    assert_eq!(children_count(&app, &islington).await, 1);
    assert_eq!(child_state(&app, &islington, &first).await, before);

    // Camden's case system numbers its own children: the same text is a different child there.
    let answer = app
        .graphql(
            &camden,
            REGISTER_CHILD,
            json!({ "input": { "localChildId": "LC100", "dateOfBirth": "2011-01-01" } }),
        )
        .await;
    answer.assert_ok();
    assert_eq!(
        answer.user_error_codes("registerChild"),
        Vec::<String>::new(),
        "{}",
        answer.body
    );
    assert_eq!(answer.data("/registerChild/child/localChildId"), "LC100");
    assert_eq!(children_count(&app, &camden).await, 1);
    assert_eq!(children_count(&app, &islington).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_child_refuses_invalid_values_or_another_childs_local_id_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    fixtures::child(&app, &token, "LC2").await;
    let before = child_state(&app, &token, &child).await;

    let cases = [
        (
            json!({ "nhsNumber": "1234567890", "gender": "FEMALE" }),
            ("INVALID_NHS_NUMBER", "input.nhsNumber"),
        ),
        (
            json!({ "upn": "UN0", "gender": "FEMALE" }),
            ("INVALID_UPN", "input.upn"),
        ),
        (
            json!({ "dateOfBirth": date_in_days(1), "gender": "FEMALE" }),
            ("IN_FUTURE", "input.dateOfBirth"),
        ),
        (
            json!({ "localChildId": "LC/1" }),
            ("INVALID_FORMAT", "input.localChildId"),
        ),
        (
            json!({ "localChildId": "LC2", "gender": "FEMALE" }),
            ("DUPLICATE_LOCAL_CHILD_ID", "input.localChildId"),
        ),
    ];
    for (changes, expected) in cases {
        let mut input = json!({ "childId": child, "expectedVersion": 1 });
        input
            .as_object_mut()
            .expect("object")
            .extend(changes.as_object().expect("object").clone());
        let answer = app
            .graphql(&token, UPDATE_CHILD, json!({ "input": input }))
            .await;
        assert_refused(&answer, "updateChild", &[expected]);
        assert_eq!(
            child_state(&app, &token, &child).await,
            before,
            "a refused update changed the child"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_child_with_a_stale_expected_version_is_refused_and_keeps_the_newer_change() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let answer = app
        .graphql(
            &token,
            UPDATE_CHILD,
            json!({ "input": { "childId": child, "expectedVersion": 1, "gender": "MALE" } }),
        )
        .await;
    answer.assert_ok();
    assert_eq!(
        answer.user_error_codes("updateChild"),
        Vec::<String>::new(),
        "{}",
        answer.body
    );
    assert_eq!(answer.data("/updateChild/child/version"), 2);
    let before = child_state(&app, &token, &child).await;

    for stale in [1, 3, 0, -1] {
        let answer = app
            .graphql(
                &token,
                UPDATE_CHILD,
                json!({ "input": { "childId": child, "expectedVersion": stale, "gender": "FEMALE" } }),
            )
            .await;
        assert_refused(
            &answer,
            "updateChild",
            &[("STALE_VERSION", "input.expectedVersion")],
        );
    }
    let after = child_state(&app, &token, &child).await;
    assert_eq!(after, before);
    assert_eq!(after["gender"], "MALE");
    assert_eq!(after["version"], 2);
}

// ---------------------------------------------------------------------------------------------
// Referrals
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_referral_refuses_county_lines_without_criminal_exploitation() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let before = child_state(&app, &token, &child).await;
    let mut input = referral_input(&child);
    input["exploitationTypes"] = json!(["SEXUAL", "LABOUR"]);
    let answer = app
        .graphql(&token, SUBMIT_REFERRAL, json!({ "input": input }))
        .await;
    assert_refused(
        &answer,
        "submitReferral",
        &[("COUNTY_LINES_REQUIRES_CRIMINAL", "input.countyLines")],
    );
    assert_eq!(
        child_state(&app, &token, &child).await,
        before,
        "a refused referral was written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_referral_refuses_an_empty_list_of_exploitation_types() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let before = child_state(&app, &token, &child).await;
    let mut input = referral_input(&child);
    input["exploitationTypes"] = json!([]);
    input["countyLines"] = json!(false);
    let answer = app
        .graphql(&token, SUBMIT_REFERRAL, json!({ "input": input }))
        .await;
    assert_refused(
        &answer,
        "submitReferral",
        &[("REQUIRED", "input.exploitationTypes")],
    );

    // Both at once: empty types with county lines is two problems.
    let mut input = referral_input(&child);
    input["exploitationTypes"] = json!([]);
    let answer = app
        .graphql(&token, SUBMIT_REFERRAL, json!({ "input": input }))
        .await;
    assert_refused(
        &answer,
        "submitReferral",
        &[
            ("REQUIRED", "input.exploitationTypes"),
            ("COUNTY_LINES_REQUIRES_CRIMINAL", "input.countyLines"),
        ],
    );
    assert_eq!(
        child_state(&app, &token, &child).await,
        before,
        "a refused referral was written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_referral_refuses_a_future_referral_time_and_a_blank_or_overlong_first_responder() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let before = child_state(&app, &token, &child).await;

    let mut input = referral_input(&child);
    input["referredAt"] = json!(format!("{}T09:00:00Z", date_in_days(2)));
    input["firstResponder"]["organisationName"] = json!("   ");
    let answer = app
        .graphql(&token, SUBMIT_REFERRAL, json!({ "input": input }))
        .await;
    assert_refused(
        &answer,
        "submitReferral",
        &[
            ("IN_FUTURE", "input.referredAt"),
            ("REQUIRED", "input.firstResponder.organisationName"),
        ],
    );

    let mut input = referral_input(&child);
    input["firstResponder"]["organisationName"] = json!("x".repeat(201));
    let answer = app
        .graphql(&token, SUBMIT_REFERRAL, json!({ "input": input }))
        .await;
    assert_refused(
        &answer,
        "submitReferral",
        &[("TOO_LONG", "input.firstResponder.organisationName")],
    );
    assert_eq!(
        child_state(&app, &token, &child).await,
        before,
        "a refused referral was written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_dated_before_the_referral_is_refused() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let (referral, version) = fixtures::referral(&app, &token, &child).await;
    let before = referral_state(&app, &token, &referral).await;

    let answer = app
        .graphql(
            &token,
            RECORD_RG,
            json!({ "input": { "referralId": referral, "expectedVersion": version, "outcome": "POSITIVE", "decidedAt": "2025-03-03T08:59:59Z" } }),
        )
        .await;
    assert_refused(
        &answer,
        "recordReasonableGroundsDecision",
        &[("BEFORE_PRECEDING_EVENT", "input.decidedAt")],
    );
    assert_eq!(referral_state(&app, &token, &referral).await, before);

    // A Conclusive Grounds decision may not predate the Reasonable Grounds one either.
    let version = record_rg(
        &app,
        &token,
        &referral,
        version,
        "POSITIVE",
        "2025-03-07T12:00:00Z",
    )
    .await;
    let before = referral_state(&app, &token, &referral).await;
    let answer = app
        .graphql(
            &token,
            RECORD_CG,
            json!({ "input": { "referralId": referral, "expectedVersion": version, "outcome": "POSITIVE", "decidedAt": "2025-03-06T12:00:00Z" } }),
        )
        .await;
    assert_refused(
        &answer,
        "recordConclusiveGroundsDecision",
        &[("BEFORE_PRECEDING_EVENT", "input.decidedAt")],
    );
    // Nor may a withdrawal predate the last decision.
    let answer = app
        .graphql(
            &token,
            WITHDRAW,
            json!({ "input": { "referralId": referral, "expectedVersion": version, "withdrawnAt": "2025-03-05T12:00:00Z" } }),
        )
        .await;
    assert_refused(
        &answer,
        "withdrawReferral",
        &[("BEFORE_PRECEDING_EVENT", "input.withdrawnAt")],
    );
    assert_eq!(referral_state(&app, &token, &referral).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conclusive_grounds_decision_needs_a_positive_reasonable_grounds_decision() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let (referral, version) = fixtures::referral(&app, &token, &child).await;

    // Without any Reasonable Grounds decision.
    let before = referral_state(&app, &token, &referral).await;
    let answer = app
        .graphql(
            &token,
            RECORD_CG,
            json!({ "input": { "referralId": referral, "expectedVersion": version, "outcome": "POSITIVE", "decidedAt": "2025-06-01T12:00:00Z" } }),
        )
        .await;
    assert_refused(
        &answer,
        "recordConclusiveGroundsDecision",
        &[("REQUIRES_POSITIVE_REASONABLE_GROUNDS", "input.referralId")],
    );
    assert_eq!(referral_state(&app, &token, &referral).await, before);

    // After a negative one.
    let version = record_rg(
        &app,
        &token,
        &referral,
        version,
        "NEGATIVE",
        "2025-03-06T12:00:00Z",
    )
    .await;
    let before = referral_state(&app, &token, &referral).await;
    let answer = app
        .graphql(
            &token,
            RECORD_CG,
            json!({ "input": { "referralId": referral, "expectedVersion": version, "outcome": "NEGATIVE", "decidedAt": "2025-06-01T12:00:00Z" } }),
        )
        .await;
    assert_refused(
        &answer,
        "recordConclusiveGroundsDecision",
        &[("REQUIRES_POSITIVE_REASONABLE_GROUNDS", "input.referralId")],
    );
    assert_eq!(referral_state(&app, &token, &referral).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_reasonable_grounds_decision_is_refused() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let (referral, version) = fixtures::referral(&app, &token, &child).await;
    let version = record_rg(
        &app,
        &token,
        &referral,
        version,
        "POSITIVE",
        "2025-03-06T12:00:00Z",
    )
    .await;
    let before = referral_state(&app, &token, &referral).await;

    for outcome in ["POSITIVE", "NEGATIVE"] {
        let answer = app
            .graphql(
                &token,
                RECORD_RG,
                json!({ "input": { "referralId": referral, "expectedVersion": version, "outcome": outcome, "decidedAt": "2025-03-08T12:00:00Z" } }),
            )
            .await;
        assert_refused(
            &answer,
            "recordReasonableGroundsDecision",
            &[("DECISION_ALREADY_RECORDED", "input.referralId")],
        );
    }
    assert_eq!(referral_state(&app, &token, &referral).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_referral_transition_with_a_stale_expected_version_is_refused() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let (referral, version) = fixtures::referral(&app, &token, &child).await;
    let current = record_rg(
        &app,
        &token,
        &referral,
        version,
        "NEGATIVE",
        "2025-03-06T12:00:00Z",
    )
    .await;
    let before = referral_state(&app, &token, &referral).await;
    let stale = version;

    let attempts = [
        (
            RECORD_RG,
            "recordReasonableGroundsDecision",
            json!({ "referralId": referral, "expectedVersion": stale, "outcome": "POSITIVE", "decidedAt": "2025-03-09T12:00:00Z" }),
        ),
        (
            REQUEST_RECONSIDERATION,
            "requestReconsideration",
            json!({ "referralId": referral, "expectedVersion": stale, "requestedAt": "2025-03-09T12:00:00Z" }),
        ),
        (
            WITHDRAW,
            "withdrawReferral",
            json!({ "referralId": referral, "expectedVersion": current + 1, "withdrawnAt": "2025-03-09T12:00:00Z" }),
        ),
    ];
    for (query, mutation, input) in attempts {
        let answer = app.graphql(&token, query, json!({ "input": input })).await;
        assert_refused(
            &answer,
            mutation,
            &[("STALE_VERSION", "input.expectedVersion")],
        );
    }
    assert_eq!(referral_state(&app, &token, &referral).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_negative_reasonable_grounds_decision_can_be_reconsidered_and_replaced_by_a_positive_one()
{
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let (referral, version) = fixtures::referral(&app, &token, &child).await;
    let version = record_rg(
        &app,
        &token,
        &referral,
        version,
        "NEGATIVE",
        "2025-03-06T12:00:00Z",
    )
    .await;

    // Without a reconsideration, the negative decision stands.
    let answer = app
        .graphql(
            &token,
            RECORD_RG,
            json!({ "input": { "referralId": referral, "expectedVersion": version, "outcome": "POSITIVE", "decidedAt": "2025-03-10T12:00:00Z" } }),
        )
        .await;
    assert_refused(
        &answer,
        "recordReasonableGroundsDecision",
        &[("DECISION_ALREADY_RECORDED", "input.referralId")],
    );

    // A reconsideration cannot be asked for before the decision it reconsiders.
    let answer = app
        .graphql(
            &token,
            REQUEST_RECONSIDERATION,
            json!({ "input": { "referralId": referral, "expectedVersion": version, "requestedAt": "2025-03-05T12:00:00Z" } }),
        )
        .await;
    assert_refused(
        &answer,
        "requestReconsideration",
        &[("BEFORE_PRECEDING_EVENT", "input.requestedAt")],
    );

    let answer = app
        .graphql(
            &token,
            REQUEST_RECONSIDERATION,
            json!({ "input": { "referralId": referral, "expectedVersion": version, "requestedAt": "2025-03-09T12:00:00Z" } }),
        )
        .await;
    answer.assert_ok();
    assert_eq!(
        answer.user_error_codes("requestReconsideration"),
        Vec::<String>::new(),
        "{}",
        answer.body
    );
    let reconsidering = answer.data("/requestReconsideration/referral");
    assert_eq!(reconsidering["status"], "RG_NEGATIVE");
    assert_eq!(reconsidering["reconsiderationPending"], true);
    let version = reconsidering["version"].as_i64().expect("version");

    // One reconsideration at a time.
    let before = referral_state(&app, &token, &referral).await;
    let answer = app
        .graphql(
            &token,
            REQUEST_RECONSIDERATION,
            json!({ "input": { "referralId": referral, "expectedVersion": version, "requestedAt": "2025-03-10T12:00:00Z" } }),
        )
        .await;
    assert_refused(
        &answer,
        "requestReconsideration",
        &[("INVALID_TRANSITION", "input.referralId")],
    );
    // The reconsidered decision cannot predate the request.
    let answer = app
        .graphql(
            &token,
            RECORD_RG,
            json!({ "input": { "referralId": referral, "expectedVersion": version, "outcome": "POSITIVE", "decidedAt": "2025-03-08T12:00:00Z" } }),
        )
        .await;
    assert_refused(
        &answer,
        "recordReasonableGroundsDecision",
        &[("BEFORE_PRECEDING_EVENT", "input.decidedAt")],
    );
    assert_eq!(referral_state(&app, &token, &referral).await, before);

    record_rg(
        &app,
        &token,
        &referral,
        version,
        "POSITIVE",
        "2025-03-12T12:00:00Z",
    )
    .await;
    let after = referral_state(&app, &token, &referral).await;
    assert_eq!(after["status"], "RG_POSITIVE");
    assert_eq!(after["reconsiderationPending"], false);
    assert_eq!(after["reasonableGrounds"]["outcome"], "POSITIVE");
    let kinds: Vec<&str> = after["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|event| event["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        kinds,
        [
            "SUBMITTED",
            "REASONABLE_GROUNDS_DECISION",
            "RECONSIDERATION_REQUESTED",
            "REASONABLE_GROUNDS_DECISION"
        ]
    );
    assert_eq!(after["timeline"][1]["outcome"], "NEGATIVE");
    assert_eq!(after["timeline"][3]["outcome"], "POSITIVE");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconsideration_of_a_positive_or_missing_decision_is_an_invalid_transition() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let (referral, version) = fixtures::referral(&app, &token, &child).await;

    let answer = app
        .graphql(
            &token,
            REQUEST_RECONSIDERATION,
            json!({ "input": { "referralId": referral, "expectedVersion": version, "requestedAt": "2025-03-05T12:00:00Z" } }),
        )
        .await;
    assert_refused(
        &answer,
        "requestReconsideration",
        &[("INVALID_TRANSITION", "input.referralId")],
    );

    let version = record_rg(
        &app,
        &token,
        &referral,
        version,
        "POSITIVE",
        "2025-03-06T12:00:00Z",
    )
    .await;
    let before = referral_state(&app, &token, &referral).await;
    let answer = app
        .graphql(
            &token,
            REQUEST_RECONSIDERATION,
            json!({ "input": { "referralId": referral, "expectedVersion": version, "requestedAt": "2025-03-09T12:00:00Z" } }),
        )
        .await;
    assert_refused(
        &answer,
        "requestReconsideration",
        &[("INVALID_TRANSITION", "input.referralId")],
    );
    assert_eq!(referral_state(&app, &token, &referral).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawn_referral_accepts_no_further_decision_reconsideration_or_withdrawal() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let (referral, version) = fixtures::referral(&app, &token, &child).await;
    let version = record_rg(
        &app,
        &token,
        &referral,
        version,
        "NEGATIVE",
        "2025-03-06T12:00:00Z",
    )
    .await;
    let answer = app
        .graphql(
            &token,
            WITHDRAW,
            json!({ "input": { "referralId": referral, "expectedVersion": version, "withdrawnAt": "2025-03-08T12:00:00Z" } }),
        )
        .await;
    answer.assert_ok();
    assert_eq!(
        answer.user_error_codes("withdrawReferral"),
        Vec::<String>::new(),
        "{}",
        answer.body
    );
    assert_eq!(
        answer.data("/withdrawReferral/referral/status"),
        "WITHDRAWN"
    );
    let version = answer
        .data("/withdrawReferral/referral/version")
        .as_i64()
        .expect("version");
    let before = referral_state(&app, &token, &referral).await;

    let attempts = [
        (
            RECORD_RG,
            "recordReasonableGroundsDecision",
            json!({ "referralId": referral, "expectedVersion": version, "outcome": "POSITIVE", "decidedAt": "2025-03-10T12:00:00Z" }),
        ),
        (
            RECORD_CG,
            "recordConclusiveGroundsDecision",
            json!({ "referralId": referral, "expectedVersion": version, "outcome": "POSITIVE", "decidedAt": "2025-03-10T12:00:00Z" }),
        ),
        (
            REQUEST_RECONSIDERATION,
            "requestReconsideration",
            json!({ "referralId": referral, "expectedVersion": version, "requestedAt": "2025-03-10T12:00:00Z" }),
        ),
        (
            WITHDRAW,
            "withdrawReferral",
            json!({ "referralId": referral, "expectedVersion": version, "withdrawnAt": "2025-03-10T12:00:00Z" }),
        ),
    ];
    for (query, mutation, input) in attempts {
        let answer = app.graphql(&token, query, json!({ "input": input })).await;
        assert_refused(
            &answer,
            mutation,
            &[("INVALID_TRANSITION", "input.referralId")],
        );
    }
    assert_eq!(referral_state(&app, &token, &referral).await, before);
}

// ---------------------------------------------------------------------------------------------
// Guardians
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assigning_a_guardian_before_the_request_was_made_is_refused() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let (assignment, version) = fixtures::guardian_request(&app, &token, &child).await;
    let before = child_state(&app, &token, &child).await;

    let answer = app
        .graphql(
            &token,
            ASSIGN_GUARDIAN,
            json!({ "input": { "assignmentId": assignment, "expectedVersion": version, "assignedAt": "2025-03-04T08:59:59Z" } }),
        )
        .await;
    assert_refused(
        &answer,
        "assignGuardian",
        &[("BEFORE_PRECEDING_EVENT", "input.assignedAt")],
    );
    let answer = app
        .graphql(
            &token,
            END_ASSIGNMENT,
            json!({ "input": { "assignmentId": assignment, "expectedVersion": version, "endedAt": "2025-03-01T00:00:00Z", "reason": "REQUEST_WITHDRAWN" } }),
        )
        .await;
    assert_refused(
        &answer,
        "endGuardianAssignment",
        &[("BEFORE_PRECEDING_EVENT", "input.endedAt")],
    );
    assert_eq!(child_state(&app, &token, &child).await, before);
    assert_eq!(before["guardianAssignments"][0]["status"], "REQUESTED");
    let requested_at = before["guardianAssignments"][0]["requestedAt"]
        .as_str()
        .expect("requestedAt");
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(requested_at).ok(),
        chrono::DateTime::parse_from_rfc3339(REQUESTED_AT).ok()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_open_request_for_the_same_service_is_refused_but_another_service_is_not() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    fixtures::guardian_request(&app, &token, &child).await;
    let before = child_state(&app, &token, &child).await;

    for role in ["DIRECT_WORKER", "REGIONAL_PRACTICE_COORDINATOR"] {
        let answer = app
            .graphql(
                &token,
                REQUEST_GUARDIAN,
                json!({ "input": { "childId": child, "service": "ICTG", "role": role, "requestedAt": "2025-03-05T09:00:00Z" } }),
            )
            .await;
        assert_refused(
            &answer,
            "requestGuardian",
            &[("OPEN_ASSIGNMENT_EXISTS", "input.service")],
        );
    }
    assert_eq!(child_state(&app, &token, &child).await, before);

    let answer = app
        .graphql(
            &token,
            REQUEST_GUARDIAN,
            json!({ "input": { "childId": child, "service": "GUARDIANSHIP_SCOTLAND", "role": "GUARDIAN", "requestedAt": "2025-03-05T09:00:00Z" } }),
        )
        .await;
    answer.assert_ok();
    assert_eq!(
        answer.user_error_codes("requestGuardian"),
        Vec::<String>::new(),
        "{}",
        answer.body
    );
    let after = child_state(&app, &token, &child).await;
    assert_eq!(
        after["guardianAssignments"].as_array().map(Vec::len),
        Some(2)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_the_guardianship_service_does_not_offer_is_refused() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let before = child_state(&app, &token, &child).await;
    for (service, role) in [
        ("ICTG", "GUARDIAN"),
        ("GUARDIANSHIP_SCOTLAND", "DIRECT_WORKER"),
        ("NI_INDEPENDENT_GUARDIAN", "POST_18_WORKER"),
    ] {
        let answer = app
            .graphql(
                &token,
                REQUEST_GUARDIAN,
                json!({ "input": { "childId": child, "service": service, "role": role, "requestedAt": REQUESTED_AT } }),
            )
            .await;
        assert_refused(
            &answer,
            "requestGuardian",
            &[("ROLE_NOT_OFFERED_BY_SERVICE", "input.role")],
        );
    }
    assert_eq!(child_state(&app, &token, &child).await, before);

    // Nor can the role be changed to one the service lacks when the guardian is assigned.
    let (assignment, version) = fixtures::guardian_request(&app, &token, &child).await;
    let before = child_state(&app, &token, &child).await;
    let answer = app
        .graphql(
            &token,
            ASSIGN_GUARDIAN,
            json!({ "input": { "assignmentId": assignment, "expectedVersion": version, "assignedAt": "2025-03-06T09:00:00Z", "role": "GUARDIAN" } }),
        )
        .await;
    assert_refused(
        &answer,
        "assignGuardian",
        &[("ROLE_NOT_OFFERED_BY_SERVICE", "input.role")],
    );
    assert_eq!(child_state(&app, &token, &child).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assign_guardian_with_a_stale_expected_version_is_refused() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let (assignment, version) = fixtures::guardian_request(&app, &token, &child).await;
    let before = child_state(&app, &token, &child).await;
    for stale in [version + 1, version - 1] {
        let answer = app
            .graphql(
                &token,
                ASSIGN_GUARDIAN,
                json!({ "input": { "assignmentId": assignment, "expectedVersion": stale, "assignedAt": "2025-03-06T09:00:00Z" } }),
            )
            .await;
        assert_refused(
            &answer,
            "assignGuardian",
            &[("STALE_VERSION", "input.expectedVersion")],
        );
    }
    assert_eq!(child_state(&app, &token, &child).await, before);

    // With the current version it goes through, and then that version is stale in turn.
    let answer = app
        .graphql(
            &token,
            ASSIGN_GUARDIAN,
            json!({ "input": { "assignmentId": assignment, "expectedVersion": version, "assignedAt": "2025-03-06T09:00:00Z" } }),
        )
        .await;
    answer.assert_ok();
    assert_eq!(
        answer.user_error_codes("assignGuardian"),
        Vec::<String>::new(),
        "{}",
        answer.body
    );
    assert_eq!(answer.data("/assignGuardian/assignment/status"), "ASSIGNED");
    let before = child_state(&app, &token, &child).await;
    let answer = app
        .graphql(
            &token,
            END_ASSIGNMENT,
            json!({ "input": { "assignmentId": assignment, "expectedVersion": version, "endedAt": "2025-04-06T09:00:00Z", "reason": "SUPPORT_COMPLETED" } }),
        )
        .await;
    assert_refused(
        &answer,
        "endGuardianAssignment",
        &[("STALE_VERSION", "input.expectedVersion")],
    );
    assert_eq!(child_state(&app, &token, &child).await, before);
}

// ---------------------------------------------------------------------------------------------
// Outcome measurements
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rating_outside_the_frameworks_scale_is_refused() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let answer = app
        .graphql(
            &token,
            "{ outcomeFramework { scale { value } } }",
            json!({}),
        )
        .await;
    answer.assert_ok();
    let values: Vec<i64> = answer
        .data("/outcomeFramework/scale")
        .as_array()
        .expect("scale")
        .iter()
        .map(|level| level["value"].as_i64().expect("value"))
        .collect();
    let (lowest, highest) = (
        values.iter().min().copied().expect("a scale"),
        values.iter().max().copied().expect("a scale"),
    );
    let before = child_state(&app, &token, &child).await;

    for (young_person, practitioner, expected) in [
        (
            highest + 1,
            highest,
            vec![("RATING_OUT_OF_SCALE", "input.youngPersonRating")],
        ),
        (
            lowest,
            lowest - 1,
            vec![("RATING_OUT_OF_SCALE", "input.practitionerRating")],
        ),
        (
            1000,
            -1000,
            vec![
                ("RATING_OUT_OF_SCALE", "input.youngPersonRating"),
                ("RATING_OUT_OF_SCALE", "input.practitionerRating"),
            ],
        ),
    ] {
        let mut input = measurement_input(&child);
        input["youngPersonRating"] = json!(young_person);
        input["practitionerRating"] = json!(practitioner);
        let answer = app
            .graphql(&token, RECORD_MEASUREMENT, json!({ "input": input }))
            .await;
        assert_refused(&answer, "recordOutcomeMeasurement", &expected);
    }
    assert_eq!(
        child_state(&app, &token, &child).await,
        before,
        "a refused measurement was written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outcome_key_the_framework_does_not_have_is_refused() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let before = child_state(&app, &token, &child).await;
    for key in ["being_happy", "", "Being_Listened_To"] {
        let mut input = measurement_input(&child);
        input["outcomeKey"] = json!(key);
        let answer = app
            .graphql(&token, RECORD_MEASUREMENT, json!({ "input": input }))
            .await;
        assert_refused(
            &answer,
            "recordOutcomeMeasurement",
            &[("UNKNOWN_OUTCOME", "input.outcomeKey")],
        );
    }
    assert_eq!(
        child_state(&app, &token, &child).await,
        before,
        "a refused measurement was written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_young_persons_own_words_or_rating_need_their_participation() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let before = child_state(&app, &token, &child).await;

    let mut input = measurement_input(&child);
    input["youngPersonParticipated"] = json!(false);
    input["youngPersonRating"] = Value::Null;
    input["youngPersonWords"] = json!("I want to stay at my school");
    let answer = app
        .graphql(&token, RECORD_MEASUREMENT, json!({ "input": input }))
        .await;
    assert_refused(
        &answer,
        "recordOutcomeMeasurement",
        &[("PARTICIPATION_REQUIRED", "input.youngPersonWords")],
    );

    let mut input = measurement_input(&child);
    input["youngPersonParticipated"] = json!(false);
    input["youngPersonWords"] = json!("I want to stay at my school");
    let answer = app
        .graphql(&token, RECORD_MEASUREMENT, json!({ "input": input }))
        .await;
    assert_refused(
        &answer,
        "recordOutcomeMeasurement",
        &[
            ("PARTICIPATION_REQUIRED", "input.youngPersonRating"),
            ("PARTICIPATION_REQUIRED", "input.youngPersonWords"),
        ],
    );
    assert_eq!(
        child_state(&app, &token, &child).await,
        before,
        "a refused measurement was written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_measurement_that_was_already_corrected_cannot_be_corrected_again() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let original = fixtures::measurement(&app, &token, &child, json!({})).await;
    let correction = fixtures::measurement(
        &app,
        &token,
        &child,
        json!({ "supersedesId": original, "youngPersonRating": 4 }),
    )
    .await;
    let before = child_state(&app, &token, &child).await;
    assert_eq!(
        before["outcomeMeasurements"]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    let answer = app
        .graphql(
            &token,
            RECORD_MEASUREMENT,
            json!({ "input": {
                "childId": child,
                "outcomeKey": "being_safe_and_feeling_safe",
                "observedAt": "2025-04-01T10:00:00Z",
                "youngPersonParticipated": true,
                "youngPersonRating": 5,
                "supersedesId": original
            } }),
        )
        .await;
    assert_refused(
        &answer,
        "recordOutcomeMeasurement",
        &[("ALREADY_SUPERSEDED", "input.supersedesId")],
    );
    let after = child_state(&app, &token, &child).await;
    assert_eq!(after, before, "a refused correction was written");
    let original_now = after["outcomeMeasurements"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|m| m["id"] == original.as_str())
        .cloned()
        .expect("the original is kept");
    assert_eq!(original_now["supersededById"], correction.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correction_of_a_measurement_that_does_not_exist_is_refused_on_the_field() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let before = child_state(&app, &token, &child).await;
    // A measurement id that names nothing, and an id of another type.
    for supersedes in [missing_id("OutcomeMeasurement"), child.clone()] {
        let mut input = measurement_input(&child);
        input["supersedesId"] = json!(supersedes);
        let answer = app
            .graphql(&token, RECORD_MEASUREMENT, json!({ "input": input }))
            .await;
        assert_refused(
            &answer,
            "recordOutcomeMeasurement",
            &[("NOT_FOUND", "input.supersedesId")],
        );
    }
    assert_eq!(
        child_state(&app, &token, &child).await,
        before,
        "a refused measurement was written"
    );
}

// ---------------------------------------------------------------------------------------------
// Malformed requests: GraphQL errors
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_global_id_is_bad_user_input_in_queries_and_mutations() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let malformed = [
        "".to_owned(),
        "!!!".to_owned(),
        "not-an-id".to_owned(),
        URL_SAFE_NO_PAD.encode("Child:not-a-uuid"),
        URL_SAFE_NO_PAD.encode(format!("Robot:{}", uuid::Uuid::new_v4())),
        URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().to_string()),
    ];
    for id in &malformed {
        for query in [
            "query($id: ID!) { child(id: $id) { id } }",
            "query($id: ID!) { node(id: $id) { id } }",
            "query($id: ID!) { referral(id: $id) { id } }",
            "query($id: ID!) { guardianAssignment(id: $id) { id } }",
            "query($id: ID!) { outcomeMeasurement(id: $id) { id } }",
            "query($id: ID!) { nodes(ids: [$id]) { id } }",
        ] {
            let answer = app.graphql(&token, query, json!({ "id": id })).await;
            assert_graphql_error(&answer, "BAD_USER_INPUT");
        }
        let answer = app
            .graphql(
                &token,
                UPDATE_CHILD,
                json!({ "input": { "childId": id, "expectedVersion": 1, "gender": "MALE" } }),
            )
            .await;
        assert_graphql_error(&answer, "BAD_USER_INPUT");
        let answer = app
            .graphql(
                &token,
                RECORD_RG,
                json!({ "input": { "referralId": id, "expectedVersion": 1, "outcome": "POSITIVE", "decidedAt": "2025-03-06T12:00:00Z" } }),
            )
            .await;
        assert_graphql_error(&answer, "BAD_USER_INPUT");
    }
    assert_eq!(children_count(&app, &token).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_page_size_must_be_between_1_and_100() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    for first in [0, 101, -1, 1000] {
        let answer = app
            .graphql(
                &token,
                "query($first: Int!) { children(first: $first) { totalCount } }",
                json!({ "first": first }),
            )
            .await;
        assert_graphql_error(&answer, "BAD_USER_INPUT");
        // The nested connections have the same bounds.
        let answer = app
            .graphql(
                &token,
                "query($id: ID!, $first: Int!) { child(id: $id) { referrals(first: $first) { nodes { id } } } }",
                json!({ "id": child, "first": first }),
            )
            .await;
        assert_graphql_error(&answer, "BAD_USER_INPUT");
    }
    // A page size too large even to plan is refused before it runs (the complexity limit).
    let answer = app
        .graphql(
            &token,
            "query($first: Int!) { children(first: $first) { totalCount } }",
            json!({ "first": i32::MAX }),
        )
        .await;
    assert_clean(&answer);
    assert!(!answer.error_codes().is_empty(), "{}", answer.body);
    assert!(answer.body["data"].is_null(), "{}", answer.body);
    for first in [1, 100] {
        let answer = app
            .graphql(
                &token,
                "query($first: Int!) { children(first: $first) { totalCount } }",
                json!({ "first": first }),
            )
            .await;
        answer.assert_ok();
        assert_eq!(answer.data("/children/totalCount"), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_garbage_after_cursor_is_bad_user_input() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let garbage = [
        "garbage!".to_owned(),
        "x".to_owned(),
        String::new(),
        URL_SAFE_NO_PAD.encode("short"),
        child.clone(),
    ];
    for after in &garbage {
        let answer = app
            .graphql(
                &token,
                "query($after: String) { children(first: 10, after: $after) { totalCount nodes { id } } }",
                json!({ "after": after }),
            )
            .await;
        assert_graphql_error(&answer, "BAD_USER_INPUT");
        let answer = app
            .graphql(
                &token,
                "query($id: ID!, $after: String) { child(id: $id) { outcomeMeasurements(first: 10, after: $after) { nodes { id } } } }",
                json!({ "id": child, "after": after }),
            )
            .await;
        assert_graphql_error(&answer, "BAD_USER_INPUT");
    }
    // A cursor the server handed out works.
    let answer = app
        .graphql(
            &token,
            "{ children(first: 1) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await;
    answer.assert_ok();
    let cursor = answer.text("/children/pageInfo/endCursor");
    let answer = app
        .graphql(
            &token,
            "query($after: String) { children(first: 10, after: $after) { nodes { id } } }",
            json!({ "after": cursor }),
        )
        .await;
    answer.assert_ok();
    assert_eq!(answer.data("/children/nodes"), &json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_enum_value_or_a_wrongly_typed_variable_is_a_validation_error_not_a_crash() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let before = child_state(&app, &token, &child).await;
    let cases = [
        (
            UPDATE_CHILD,
            json!({ "input": { "childId": child, "expectedVersion": 1, "gender": "ROBOT" } }),
        ),
        (
            UPDATE_CHILD,
            json!({ "input": { "childId": child, "expectedVersion": "one", "gender": "MALE" } }),
        ),
        (
            UPDATE_CHILD,
            json!({ "input": { "childId": child, "expectedVersion": 1, "dateOfBirth": "2010-13-45" } }),
        ),
        (
            UPDATE_CHILD,
            json!({ "input": { "childId": child, "gender": "MALE" } }),
        ),
        (
            "query($first: Int!) { children(first: $first) { totalCount } }",
            json!({ "first": "ten" }),
        ),
        ("{ children(first: \"ten\") { totalCount } }", json!({})),
        (
            "{ children(first: 10) { totalCount noSuchField } }",
            json!({}),
        ),
        (
            REQUEST_GUARDIAN,
            json!({ "input": { "childId": child, "service": "ICTG", "role": "DIRECT_WORKER", "requestedAt": "yesterday" } }),
        ),
        (
            SUBMIT_REFERRAL,
            json!({ "input": {
                "childId": child,
                "referredAt": REFERRED_AT,
                "firstResponder": { "organisationType": "POLICE", "organisationName": "Metropolitan Police Service" },
                "exploitationTypes": ["PICKPOCKETING"],
                "exploitationLocation": "UK",
                "competentAuthority": "SCA"
            } }),
        ),
    ];
    for (query, variables) in cases {
        let answer = app.graphql(&token, query, variables).await;
        assert_clean(&answer);
        let errors = answer.body["errors"].as_array().map(Vec::len).unwrap_or(0);
        assert!(errors > 0, "no error for {query}: {}", answer.body);
        assert!(
            answer.body.get("data").is_none_or(Value::is_null),
            "data despite a validation error: {}",
            answer.body
        );
    }
    assert_eq!(child_state(&app, &token, &child).await, before);
    assert_eq!(children_count(&app, &token).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mutation_on_a_well_formed_id_that_names_nothing_is_not_found() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    // A real referral id where a child id is expected names no child either.
    let child = fixtures::child(&app, &token, "LC1").await;
    let (referral, _) = fixtures::referral(&app, &token, &child).await;
    let before = child_state(&app, &token, &child).await;

    for (missing_child, missing_referral, missing_assignment) in [
        (
            missing_id("Child"),
            missing_id("NrmReferral"),
            missing_id("GuardianAssignment"),
        ),
        (referral.clone(), child.clone(), referral.clone()),
    ] {
        let attempts = [
            (
                UPDATE_CHILD,
                json!({ "childId": missing_child, "expectedVersion": 1, "gender": "MALE" }),
            ),
            (SUBMIT_REFERRAL, referral_input(&missing_child)),
            (
                RECORD_RG,
                json!({ "referralId": missing_referral, "expectedVersion": 1, "outcome": "POSITIVE", "decidedAt": "2025-03-06T12:00:00Z" }),
            ),
            (
                RECORD_CG,
                json!({ "referralId": missing_referral, "expectedVersion": 1, "outcome": "POSITIVE", "decidedAt": "2025-03-06T12:00:00Z" }),
            ),
            (
                REQUEST_RECONSIDERATION,
                json!({ "referralId": missing_referral, "expectedVersion": 1, "requestedAt": "2025-03-06T12:00:00Z" }),
            ),
            (
                WITHDRAW,
                json!({ "referralId": missing_referral, "expectedVersion": 1, "withdrawnAt": "2025-03-06T12:00:00Z" }),
            ),
            (
                REQUEST_GUARDIAN,
                json!({ "childId": missing_child, "service": "ICTG", "role": "DIRECT_WORKER", "requestedAt": REQUESTED_AT }),
            ),
            (
                ASSIGN_GUARDIAN,
                json!({ "assignmentId": missing_assignment, "expectedVersion": 1, "assignedAt": "2025-03-06T12:00:00Z" }),
            ),
            (
                END_ASSIGNMENT,
                json!({ "assignmentId": missing_assignment, "expectedVersion": 1, "endedAt": "2025-03-06T12:00:00Z", "reason": "OTHER" }),
            ),
            (RECORD_MEASUREMENT, measurement_input(&missing_child)),
        ];
        for (query, input) in attempts {
            let answer = app.graphql(&token, query, json!({ "input": input })).await;
            assert_graphql_error(&answer, "NOT_FOUND");
        }
    }
    assert_eq!(child_state(&app, &token, &child).await, before);
    assert_eq!(children_count(&app, &token).await, 1);
}

// ---------------------------------------------------------------------------------------------
// More rules, and the same rules under concurrency
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_devolved_decision_panel_cannot_take_a_child_within_100_days_of_their_18th_birthday() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    // Turns 18 on 1 May 2025, 59 days after the referral on 3 March 2025.
    let answer = app
        .graphql(
            &token,
            REGISTER_CHILD,
            json!({ "input": { "localChildId": "LC1", "dateOfBirth": "2007-05-01" } }),
        )
        .await;
    answer.assert_ok();
    let child = answer.text("/registerChild/child/id");
    let before = child_state(&app, &token, &child).await;
    let mut input = referral_input(&child);
    input["competentAuthority"] = json!("DDM_PANEL");
    let answer = app
        .graphql(&token, SUBMIT_REFERRAL, json!({ "input": input }))
        .await;
    assert_refused(
        &answer,
        "submitReferral",
        &[(
            "NOT_ELIGIBLE_FOR_DEVOLVED_DECISION",
            "input.competentAuthority",
        )],
    );
    assert_eq!(
        child_state(&app, &token, &child).await,
        before,
        "a refused referral was written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_measurement_must_record_something_use_known_indicators_and_correct_the_same_child_and_outcome(
) {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let other = fixtures::child(&app, &token, "LC2").await;
    let original = fixtures::measurement(&app, &token, &child, json!({})).await;
    let before = (
        child_state(&app, &token, &child).await,
        child_state(&app, &token, &other).await,
    );

    let mut nothing = measurement_input(&child);
    nothing["youngPersonRating"] = Value::Null;
    nothing["practitionerRating"] = Value::Null;
    nothing["youngPersonWords"] = json!("   ");
    let mut unknown_indicator = measurement_input(&child);
    unknown_indicator["indicatorsMet"] = json!(["no_such_indicator"]);
    let mut too_long = measurement_input(&child);
    too_long["youngPersonWords"] = json!("a".repeat(4001));
    too_long["practitionerNote"] = json!("b".repeat(4001));
    let mut future = measurement_input(&child);
    future["observedAt"] = json!(format!("{}T10:00:00Z", date_in_days(2)));
    // A correction of `child`'s measurement recorded against another child, or another outcome.
    let mut other_child = measurement_input(&other);
    other_child["outcomeKey"] = json!("being_safe_and_feeling_safe");
    other_child["supersedesId"] = json!(original);
    let mut other_outcome = measurement_input(&child);
    other_outcome["supersedesId"] = json!(original);

    let cases = [
        (
            nothing,
            vec![("NOTHING_RECORDED", "input.youngPersonRating")],
        ),
        (
            unknown_indicator,
            vec![("UNKNOWN_INDICATOR", "input.indicatorsMet")],
        ),
        (
            too_long,
            vec![
                ("TOO_LONG", "input.youngPersonWords"),
                ("TOO_LONG", "input.practitionerNote"),
            ],
        ),
        (future, vec![("IN_FUTURE", "input.observedAt")]),
        (
            other_child,
            vec![("SUPERSEDED_MISMATCH", "input.supersedesId")],
        ),
        (
            other_outcome,
            vec![("SUPERSEDED_MISMATCH", "input.supersedesId")],
        ),
    ];
    for (input, expected) in cases {
        let answer = app
            .graphql(&token, RECORD_MEASUREMENT, json!({ "input": input }))
            .await;
        assert_refused(&answer, "recordOutcomeMeasurement", &expected);
    }
    let after = (
        child_state(&app, &token, &child).await,
        child_state(&app, &token, &other).await,
    );
    assert_eq!(after, before, "a refused measurement was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assigning_an_assigned_guardian_or_ending_an_ended_assignment_is_refused() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let (assignment, version) = fixtures::guardian_request(&app, &token, &child).await;
    let answer = app
        .graphql(
            &token,
            ASSIGN_GUARDIAN,
            json!({ "input": { "assignmentId": assignment, "expectedVersion": version, "assignedAt": "2025-03-06T09:00:00Z" } }),
        )
        .await;
    answer.assert_ok();
    let version = answer
        .data("/assignGuardian/assignment/version")
        .as_i64()
        .expect("version");
    let before = child_state(&app, &token, &child).await;
    let answer = app
        .graphql(
            &token,
            ASSIGN_GUARDIAN,
            json!({ "input": { "assignmentId": assignment, "expectedVersion": version, "assignedAt": "2025-03-07T09:00:00Z" } }),
        )
        .await;
    assert_refused(
        &answer,
        "assignGuardian",
        &[("ALREADY_ASSIGNED", "input.assignmentId")],
    );
    assert_eq!(child_state(&app, &token, &child).await, before);

    let answer = app
        .graphql(
            &token,
            END_ASSIGNMENT,
            json!({ "input": { "assignmentId": assignment, "expectedVersion": version, "endedAt": "2025-05-01T09:00:00Z", "reason": "SUPPORT_COMPLETED" } }),
        )
        .await;
    answer.assert_ok();
    let version = answer
        .data("/endGuardianAssignment/assignment/version")
        .as_i64()
        .expect("version");
    let before = child_state(&app, &token, &child).await;
    let answer = app
        .graphql(
            &token,
            END_ASSIGNMENT,
            json!({ "input": { "assignmentId": assignment, "expectedVersion": version, "endedAt": "2025-05-02T09:00:00Z", "reason": "OTHER" } }),
        )
        .await;
    assert_refused(
        &answer,
        "endGuardianAssignment",
        &[("ALREADY_ENDED", "input.assignmentId")],
    );
    let answer = app
        .graphql(
            &token,
            ASSIGN_GUARDIAN,
            json!({ "input": { "assignmentId": assignment, "expectedVersion": version, "assignedAt": "2025-05-02T09:00:00Z" } }),
        )
        .await;
    assert_refused(
        &answer,
        "assignGuardian",
        &[("ALREADY_ENDED", "input.assignmentId")],
    );
    assert_eq!(child_state(&app, &token, &child).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_refuses_more_than_100_ids_at_once() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let ids: Vec<String> = (0..101).map(|_| missing_id("Child")).collect();
    let answer = app
        .graphql(
            &token,
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": ids }),
        )
        .await;
    assert_graphql_error(&answer, "BAD_USER_INPUT");
    let answer = app
        .graphql(
            &token,
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": ids[..100] }),
        )
        .await;
    answer.assert_ok();
    assert_eq!(answer.data("/nodes").as_array().map(Vec::len), Some(100));
}

/// PostgreSQL cannot store U+0000 in text; the API must refuse it (or drop it) rather than pass it
/// on and fail.
const NUL_BUG: &str = "BUG: free text containing U+0000 (NUL) passes validation and reaches PostgreSQL, which \
cannot store NUL in text, so the mutation fails with an INTERNAL error instead of a userError on the field";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nul_character_in_the_first_responders_name_is_a_user_error_not_an_internal_error() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let before = child_state(&app, &token, &child).await;
    let mut referral = referral_input(&child);
    referral["firstResponder"]["organisationName"] = json!("Metropolitan\u{0}Police");
    let answer = app
        .graphql(&token, SUBMIT_REFERRAL, json!({ "input": referral }))
        .await;
    assert!(
        !answer.error_codes().contains(&"INTERNAL".to_owned()),
        "{NUL_BUG}: {}",
        answer.body
    );
    assert_refused(
        &answer,
        "submitReferral",
        &[("INVALID_FORMAT", "input.firstResponder.organisationName")],
    );
    assert_eq!(child_state(&app, &token, &child).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nul_character_in_a_young_persons_words_or_a_note_is_a_user_error_not_an_internal_error()
{
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let before = child_state(&app, &token, &child).await;
    for field in ["youngPersonWords", "practitionerNote"] {
        let mut measurement = measurement_input(&child);
        measurement[field] = json!("I feel\u{0} safe");
        let answer = app
            .graphql(&token, RECORD_MEASUREMENT, json!({ "input": measurement }))
            .await;
        assert!(
            !answer.error_codes().contains(&"INTERNAL".to_owned()),
            "{NUL_BUG}: {}",
            answer.body
        );
        let path = format!("input.{field}");
        assert_refused(
            &answer,
            "recordOutcomeMeasurement",
            &[("INVALID_FORMAT", path.as_str())],
        );
    }
    assert_eq!(child_state(&app, &token, &child).await, before);
}

/// Sends `attempts` copies of the same mutation at once; returns the answers.
async fn all_at_once(app: &TestApp, token: &str, query: &str, input: &Value) -> Vec<Answer> {
    let send = || app.graphql(token, query, json!({ "input": input }));
    let (a, b, c, d, e, f) = tokio::join!(send(), send(), send(), send(), send(), send());
    vec![a, b, c, d, e, f]
}

/// Of simultaneous identical mutations, exactly one went through and every other was refused with
/// `code` on `field` — none with an internal error.
#[track_caller]
fn assert_one_wins(answers: &[Answer], mutation: &str, code: &str, field: &str) {
    let mut written = 0;
    for answer in answers {
        assert_clean(answer);
        assert!(answer.body.get("errors").is_none(), "{}", answer.body);
        if answer.user_error_codes(mutation).is_empty() {
            written += 1;
        } else {
            assert_refused(answer, mutation, &[(code, field)]);
        }
    }
    assert_eq!(written, 1, "{answers:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simultaneous_registrations_of_one_local_child_id_keep_one_child_and_refuse_the_rest() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let input = json!({ "localChildId": "RACE1", "dateOfBirth": "2010-05-01" });
    let answers = all_at_once(&app, &token, REGISTER_CHILD, &input).await;
    assert_one_wins(
        &answers,
        "registerChild",
        "DUPLICATE_LOCAL_CHILD_ID",
        "input.localChildId",
    );
    assert_eq!(children_count(&app, &token).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simultaneous_guardian_requests_for_one_service_keep_one_and_refuse_the_rest() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let input = json!({ "childId": child, "service": "ICTG", "role": "DIRECT_WORKER", "requestedAt": REQUESTED_AT });
    let answers = all_at_once(&app, &token, REQUEST_GUARDIAN, &input).await;
    assert_one_wins(
        &answers,
        "requestGuardian",
        "OPEN_ASSIGNMENT_EXISTS",
        "input.service",
    );
    let state = child_state(&app, &token, &child).await;
    assert_eq!(
        state["guardianAssignments"].as_array().map(Vec::len),
        Some(1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simultaneous_corrections_of_one_measurement_keep_one_and_refuse_the_rest() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let original = fixtures::measurement(&app, &token, &child, json!({})).await;
    let input = json!({
        "childId": child,
        "outcomeKey": "being_safe_and_feeling_safe",
        "observedAt": "2025-04-01T10:00:00Z",
        "youngPersonParticipated": true,
        "youngPersonRating": 2,
        "supersedesId": original
    });
    let answers = all_at_once(&app, &token, RECORD_MEASUREMENT, &input).await;
    assert_one_wins(
        &answers,
        "recordOutcomeMeasurement",
        "ALREADY_SUPERSEDED",
        "input.supersedesId",
    );
    let state = child_state(&app, &token, &child).await;
    assert_eq!(
        state["outcomeMeasurements"]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simultaneous_changes_from_one_version_let_one_through_and_refuse_the_rest_as_stale() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let (referral, version) = fixtures::referral(&app, &token, &child).await;

    let input = json!({ "childId": child, "expectedVersion": 1, "gender": "FEMALE" });
    let answers = all_at_once(&app, &token, UPDATE_CHILD, &input).await;
    assert_one_wins(
        &answers,
        "updateChild",
        "STALE_VERSION",
        "input.expectedVersion",
    );

    let input = json!({ "referralId": referral, "expectedVersion": version, "outcome": "POSITIVE", "decidedAt": "2025-03-06T12:00:00Z" });
    let answers = all_at_once(&app, &token, RECORD_RG, &input).await;
    assert_one_wins(
        &answers,
        "recordReasonableGroundsDecision",
        "STALE_VERSION",
        "input.expectedVersion",
    );

    let state = child_state(&app, &token, &child).await;
    assert_eq!(state["version"], 2);
    assert_eq!(state["referrals"]["nodes"][0]["version"], version + 1);
    assert_eq!(
        state["referrals"]["nodes"][0]["timeline"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

/// The mutation was refused with exactly one userError, on `field` (whatever its code), and no
/// GraphQL error.
#[track_caller]
fn assert_refused_on_field(answer: &Answer, mutation: &str, field: &str) {
    assert_clean(answer);
    assert!(answer.body.get("errors").is_none(), "{}", answer.body);
    let errors = answer
        .data(&format!("/{mutation}/userErrors"))
        .as_array()
        .expect("userErrors");
    let expected: Vec<&str> = field.split('.').collect();
    assert_eq!(errors.len(), 1, "{}", answer.body);
    assert_eq!(errors[0]["field"], json!(expected), "{}", answer.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_date_of_birth_outside_the_storable_range_is_a_user_error_not_an_internal_error() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let answer = app
        .graphql(
            &token,
            REGISTER_CHILD,
            json!({ "input": { "localChildId": "LC1", "dateOfBirth": "-5000-01-01" } }),
        )
        .await;
    assert!(
        !answer.error_codes().contains(&"INTERNAL".to_owned()),
        "{}",
        answer.body
    );
    assert_refused_on_field(&answer, "registerChild", "input.dateOfBirth");
    assert_eq!(children_count(&app, &token).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_referral_time_outside_the_storable_range_is_a_user_error_not_an_internal_error() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "LC1").await;
    let before = child_state(&app, &token, &child).await;
    let mut input = referral_input(&child);
    input["referredAt"] = json!("-5000-01-01T00:00:00Z");
    let answer = app
        .graphql(&token, SUBMIT_REFERRAL, json!({ "input": input }))
        .await;
    assert!(
        !answer.error_codes().contains(&"INTERNAL".to_owned()),
        "{}",
        answer.body
    );
    assert_refused_on_field(&answer, "submitReferral", "input.referredAt");
    assert_eq!(child_state(&app, &token, &child).await, before);
}
