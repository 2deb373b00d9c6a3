//! The README's worked example, end to end: register a child, submit a referral, record the
//! Reasonable Grounds decision, request and assign a guardian, record a measurement, and read it
//! all back in one nested query.

use serde_json::json;
use stable_futures_test_support::fixtures::{
    self, REGISTER_CHILD, REQUEST_GUARDIAN, SUBMIT_REFERRAL,
};
use stable_futures_test_support::{TestApp, ISLINGTON};

const READ_BACK: &str = r#"
query ChildRecord($id: ID!) {
  child(id: $id) {
    localChildId dateOfBirth ageDisputed nationalities interpreterRequired version
    referrals(first: 10) {
      nodes {
        status exploitationTypes countyLines exploitationLocation competentAuthority
        firstResponder { organisationType organisationName }
        reasonableGrounds { outcome decidedAt }
        conclusiveGrounds { outcome decidedAt }
        recoveryPeriodEndsOn daysToReasonableGrounds reasonableGroundsWithinTarget
        timeline { kind at outcome }
        version
      }
      pageInfo { hasNextPage }
    }
    guardianAssignments { service role status requestedAt assignedAt daysToAssignment daysFromReferralToAssignment version }
    outcomeMeasurements(first: 10) {
      nodes {
        outcome { key title } observedAt youngPersonParticipated youngPersonRating youngPersonWords
        practitionerRating practitionerNote
      }
    }
  }
}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worked_example_reads_back_everything_it_wrote() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);

    let registered = app
        .graphql(
            &token,
            REGISTER_CHILD,
            json!({ "input": {
                "localChildId": "LL0012345",
                "nhsNumber": "943 476 5919",
                "dateOfBirth": "2010-05-01",
                "dateOfBirthEstimated": true,
                "ageDisputed": true,
                "nationalities": ["vnm"],
                "languages": ["vi"],
                "interpreterRequired": true
            } }),
        )
        .await;
    registered.assert_ok();
    let child_id = registered.text("/registerChild/child/id");

    let submitted = app
        .graphql(
            &token,
            SUBMIT_REFERRAL,
            json!({ "input": {
                "childId": child_id,
                "referredAt": "2025-03-03T09:00:00Z",
                "firstResponder": { "organisationType": "LOCAL_AUTHORITY", "organisationName": "Islington Children's Services" },
                "exploitationTypes": ["LABOUR", "CRIMINAL"],
                "countyLines": true,
                "exploitationLocation": "UK_AND_OVERSEAS",
                "competentAuthority": "SCA"
            } }),
        )
        .await;
    submitted.assert_ok();
    assert_eq!(
        submitted.data("/submitReferral/referral/status"),
        "SUBMITTED"
    );
    let referral_id = submitted.text("/submitReferral/referral/id");

    // Referred Monday 3 March 2025; decided Monday 10 March: 5 working days, within target.
    let decided = app
        .graphql(
            &token,
            "mutation($input: RecordReasonableGroundsDecisionInput!) { recordReasonableGroundsDecision(input: $input) { referral { status version } userErrors { code } } }",
            json!({ "input": { "referralId": referral_id, "expectedVersion": 1, "outcome": "POSITIVE", "decidedAt": "2025-03-10T15:00:00Z" } }),
        )
        .await;
    decided.assert_ok();
    assert_eq!(
        decided.data("/recordReasonableGroundsDecision/referral/status"),
        "RG_POSITIVE"
    );
    assert_eq!(
        decided.data("/recordReasonableGroundsDecision/referral/version"),
        2
    );

    let requested = app
        .graphql(
            &token,
            REQUEST_GUARDIAN,
            json!({ "input": { "childId": child_id, "service": "ICTG", "role": "DIRECT_WORKER", "requestedAt": "2025-03-04T09:00:00Z" } }),
        )
        .await;
    requested.assert_ok();
    let assignment_id = requested.text("/requestGuardian/assignment/id");
    let assigned = app
        .graphql(
            &token,
            "mutation($input: AssignGuardianInput!) { assignGuardian(input: $input) { assignment { status } userErrors { code } } }",
            json!({ "input": { "assignmentId": assignment_id, "expectedVersion": 1, "assignedAt": "2025-03-12T11:00:00Z" } }),
        )
        .await;
    assigned.assert_ok();
    assert_eq!(
        assigned.data("/assignGuardian/assignment/status"),
        "ASSIGNED"
    );

    let measured = app
        .graphql(
            &token,
            "mutation($input: RecordOutcomeMeasurementInput!) { recordOutcomeMeasurement(input: $input) { measurement { id } userErrors { code } } }",
            json!({ "input": {
                "childId": child_id,
                "outcomeKey": "being_listened_to",
                "observedAt": "2025-04-01T10:00:00Z",
                "youngPersonParticipated": true,
                "youngPersonRating": 4,
                "youngPersonWords": "My guardian listens to me",
                "practitionerRating": 3,
                "practitionerNote": "Settling in well"
            } }),
        )
        .await;
    measured.assert_ok();
    assert_eq!(
        measured.user_error_codes("recordOutcomeMeasurement"),
        Vec::<String>::new()
    );

    let read = app
        .graphql(&token, READ_BACK, json!({ "id": child_id }))
        .await;
    read.assert_ok();
    let child = read.data("/child");
    assert_eq!(child["localChildId"], "LL0012345");
    assert_eq!(child["dateOfBirth"], "2010-05-01");
    assert_eq!(child["ageDisputed"], true);
    assert_eq!(child["nationalities"], json!(["VNM"]));
    assert_eq!(child["interpreterRequired"], true);

    let referral = &child["referrals"]["nodes"][0];
    assert_eq!(referral["status"], "RG_POSITIVE");
    assert_eq!(referral["exploitationTypes"], json!(["LABOUR", "CRIMINAL"]));
    assert_eq!(referral["countyLines"], true);
    assert_eq!(
        referral["firstResponder"]["organisationName"],
        "Islington Children's Services"
    );
    assert_eq!(referral["reasonableGrounds"]["outcome"], "POSITIVE");
    assert_eq!(referral["conclusiveGrounds"], serde_json::Value::Null);
    assert_eq!(referral["daysToReasonableGrounds"], 7);
    assert_eq!(referral["reasonableGroundsWithinTarget"], true);
    assert_eq!(referral["recoveryPeriodEndsOn"], "2025-04-09");
    assert_eq!(
        referral["timeline"],
        json!([
            { "kind": "SUBMITTED", "at": "2025-03-03T09:00:00+00:00", "outcome": null },
            { "kind": "REASONABLE_GROUNDS_DECISION", "at": "2025-03-10T15:00:00+00:00", "outcome": "POSITIVE" }
        ])
    );
    assert_eq!(child["referrals"]["pageInfo"]["hasNextPage"], false);

    let assignment = &child["guardianAssignments"][0];
    assert_eq!(assignment["status"], "ASSIGNED");
    assert_eq!(assignment["daysToAssignment"], 8);
    assert_eq!(assignment["daysFromReferralToAssignment"], 9);

    let measurement = &child["outcomeMeasurements"]["nodes"][0];
    assert_eq!(
        measurement["outcome"],
        json!({ "key": "being_listened_to", "title": "Being listened to" })
    );
    assert_eq!(measurement["youngPersonRating"], 4);
    assert_eq!(measurement["youngPersonWords"], "My guardian listens to me");
    assert_eq!(measurement["practitionerNote"], "Settling in well");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correction_supersedes_without_overwriting() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "C1").await;
    let first = fixtures::measurement(&app, &token, &child, json!({})).await;
    let correction = fixtures::measurement(
        &app,
        &token,
        &child,
        json!({ "youngPersonRating": 4, "supersedesId": first }),
    )
    .await;

    let query = "query($id: ID!) { child(id: $id) {
        current: outcomeMeasurements(first: 10) { nodes { id youngPersonRating supersedesId } }
        history: outcomeMeasurements(first: 10, includeSuperseded: true) { nodes { id youngPersonRating supersededById } }
    } }";
    let read = app.graphql(&token, query, json!({ "id": child })).await;
    read.assert_ok();
    assert_eq!(
        read.data("/child/current/nodes"),
        &json!([{ "id": correction, "youngPersonRating": 4, "supersedesId": first }])
    );
    assert_eq!(
        read.data("/child/history/nodes"),
        &json!([
            { "id": first, "youngPersonRating": 3, "supersededById": correction },
            { "id": correction, "youngPersonRating": 4, "supersededById": null }
        ])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_page_through_with_cursors() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let mut registered = Vec::new();
    for n in 0..5 {
        registered.push(fixtures::child(&app, &token, &format!("P{n}")).await);
    }
    let query = "query($after: String) { children(first: 2, after: $after) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }";
    let mut seen = Vec::new();
    let mut after = serde_json::Value::Null;
    loop {
        let page = app.graphql(&token, query, json!({ "after": after })).await;
        page.assert_ok();
        assert_eq!(page.data("/children/totalCount"), 5);
        for edge in page.data("/children/edges").as_array().expect("edges") {
            seen.push(edge["node"]["id"].as_str().expect("id").to_owned());
        }
        if page.data("/children/pageInfo/hasNextPage") == false {
            break;
        }
        after = page.data("/children/pageInfo/endCursor").clone();
    }
    assert_eq!(seen, registered);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_child_changes_only_what_it_names_and_bumps_the_version() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "U1").await;
    let update = "mutation($input: UpdateChildInput!) { updateChild(input: $input) { child { version localChildId nhsNumber interpreterRequired languages } userErrors { code } } }";
    let answer = app
        .graphql(
            &token,
            update,
            json!({ "input": { "childId": child, "expectedVersion": 1, "interpreterRequired": true, "languages": ["ti"], "nhsNumber": null } }),
        )
        .await;
    answer.assert_ok();
    assert_eq!(
        answer.data("/updateChild/child"),
        &json!({ "version": 2, "localChildId": "U1", "nhsNumber": null, "interpreterRequired": true, "languages": ["ti"] })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeliness_is_measured_to_the_first_decision_and_the_reconsidered_one_shown_beside_it() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "FIRST01").await;
    // Thursday 17 April 2025: Good Friday and Easter Monday follow, so five working days end on
    // Monday 28 April.
    let (referral, version) =
        fixtures::referral_at(&app, &token, &child, "2025-04-17T10:00:00Z").await;
    let decide = |version: i64, outcome: &str, at: &str| json!({ "input": { "referralId": referral, "expectedVersion": version, "outcome": outcome, "decidedAt": at } });
    let negative = app
        .graphql(
            &token,
            fixtures::RECORD_RG,
            decide(version, "NEGATIVE", "2025-04-24T10:00:00Z"),
        )
        .await;
    negative.assert_ok();
    let version = negative
        .data("/recordReasonableGroundsDecision/referral/version")
        .as_i64()
        .expect("version");
    let asked = app
        .graphql(
            &token,
            "mutation($input: RequestReconsiderationInput!) { requestReconsideration(input: $input) { referral { version } userErrors { code } } }",
            json!({ "input": { "referralId": referral, "expectedVersion": version, "requestedAt": "2025-05-01T10:00:00Z" } }),
        )
        .await;
    asked.assert_ok();
    let version = asked
        .data("/requestReconsideration/referral/version")
        .as_i64()
        .expect("version");
    app.graphql(
        &token,
        fixtures::RECORD_RG,
        decide(version, "POSITIVE", "2025-06-02T10:00:00Z"),
    )
    .await
    .assert_ok();

    let answer = app
        .graphql(
            &token,
            "query($id: ID!) { referral(id: $id) { status reasonableGroundsDueOn
                firstReasonableGrounds { outcome decidedAt } reasonableGrounds { outcome decidedAt }
                daysToReasonableGrounds reasonableGroundsWithinTarget recoveryPeriodEndsOn } }",
            json!({ "id": referral }),
        )
        .await;
    answer.assert_ok();
    assert_eq!(
        answer.data("/referral"),
        &json!({
            "status": "RG_POSITIVE",
            "reasonableGroundsDueOn": "2025-04-28",
            "firstReasonableGrounds": { "outcome": "NEGATIVE", "decidedAt": "2025-04-24T10:00:00+00:00" },
            "reasonableGrounds": { "outcome": "POSITIVE", "decidedAt": "2025-06-02T10:00:00+00:00" },
            "daysToReasonableGrounds": 7,
            "reasonableGroundsWithinTarget": true,
            "recoveryPeriodEndsOn": "2025-07-02"
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outcome_profile_shows_first_and_latest_readings_and_respects_corrections() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "PROFILE1").await;
    let reading = |at: &str, rating: i64, participated: bool| {
        let mut extra = json!({ "outcomeKey": "being_listened_to", "observedAt": at, "practitionerRating": 3,
            "youngPersonParticipated": participated, "youngPersonRating": rating });
        if !participated {
            extra["youngPersonRating"] = json!(null);
            extra["youngPersonWords"] = json!(null);
        }
        extra
    };
    fixtures::measurement(
        &app,
        &token,
        &child,
        reading("2025-03-01T10:00:00Z", 2, true),
    )
    .await;
    let wrong = fixtures::measurement(
        &app,
        &token,
        &child,
        reading("2025-06-01T10:00:00Z", 1, true),
    )
    .await;
    // The June reading is corrected: the profile shows the correction, never the corrected one.
    let mut correction = reading("2025-06-01T10:00:00Z", 4, true);
    correction["supersedesId"] = json!(wrong);
    fixtures::measurement(&app, &token, &child, correction).await;
    fixtures::measurement(
        &app,
        &token,
        &child,
        reading("2025-05-01T10:00:00Z", 0, false),
    )
    .await;

    let answer = app
        .graphql(
            &token,
            r#"query($id: ID!) { child(id: $id) {
                outcomeProfile { principleArticle outcomeKey outcomeTitle measurementCount
                  youngPersonParticipatedCount youngPersonChange practitionerChange
                  first { observedOn youngPersonRating } latest { observedOn youngPersonRating } }
                outcomeProfileChart(compare: FIRST_AND_LATEST) { comparison svg textAlternative } } }"#,
            json!({ "id": child }),
        )
        .await;
    answer.assert_ok();
    assert_eq!(
        answer.data("/child/outcomeProfile"),
        &json!([{
            "principleArticle": 12,
            "outcomeKey": "being_listened_to",
            "outcomeTitle": "Being listened to",
            "measurementCount": 3,
            "youngPersonParticipatedCount": 2,
            "youngPersonChange": 2,
            "practitionerChange": 0,
            "first": { "observedOn": "2025-03-01", "youngPersonRating": 2 },
            "latest": { "observedOn": "2025-06-01", "youngPersonRating": 4 }
        }])
    );
    let svg = answer.text("/child/outcomeProfileChart/svg");
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    assert!(svg.contains("<title") && svg.contains("<desc"));
    assert!(
        !svg.contains("PROFILE1") && !svg.contains("2025"),
        "no identifiers or dates"
    );
    assert_eq!(
        answer.text("/child/outcomeProfileChart/textAlternative"),
        "Article 12: Participation: the right to be heard\n- Being listened to: young person 2 then 4; practitioner 3 then 3\n"
    );
}
