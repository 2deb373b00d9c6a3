//! Transfers (issue #17): a child moves from Islington to Camden with everything recorded about
//! them — through the real server, with each side's own token. Before acceptance the receiver
//! sees only the offer's summary; afterwards the sender finds nothing of the child, exactly as
//! for an id that never existed; both feeds and both audit trails say what happened.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use stable_futures_test_support::fixtures::{self, REGISTER_CHILD};
use stable_futures_test_support::{Answer, TestApp, CAMDEN, ISLINGTON, UNSERVED};

const GLASGOW: &str = "S12000049";

const OFFER: &str = "mutation($input: OfferTransferInput!) { offerTransfer(input: $input) {
    transfer { id status version reason responsibilityFrom note childId
               fromLocalAuthority { code name } toLocalAuthority { code name }
               childSummary { ageInYears ageDisputed hasOpenReferrals hasOpenGuardianAssignments } }
    userErrors { field message code } } }";
const ACCEPT: &str = "mutation($input: AcceptTransferInput!) { acceptTransfer(input: $input) {
    transfer { id status version endedAt timeline { status at } child { id localChildId } }
    possibleDuplicate { id localChildId }
    userErrors { field message code } } }";
const DECLINE: &str = "mutation($input: DeclineTransferInput!) { declineTransfer(input: $input) {
    transfer { id status version declineNote timeline { status } } userErrors { field message code } } }";
const WITHDRAW: &str =
    "mutation($input: WithdrawTransferInput!) { withdrawTransfer(input: $input) {
    transfer { id status version } userErrors { field message code } } }";
const INCOMING: &str = "query($status: [TransferStatus!]) { incomingTransfers(first: 50, status: $status) {
    nodes { id status version reason note childId child { id }
            fromLocalAuthority { code name } toLocalAuthority { code }
            childSummary { ageInYears ageDisputed hasOpenReferrals hasOpenGuardianAssignments } } } }";
const OUTGOING: &str =
    "{ outgoingTransfers(first: 50) { nodes { id status version declineNote child { id } } } }";
const TRANSFER_NODE: &str =
    "query($id: ID!) { node(id: $id) { __typename ... on Transfer { id status version } } }";
const CHILD_RECORD: &str = "query($id: ID!) { child(id: $id) {
    id localChildId version localAuthority { code } recordedByLocalAuthority { code name }
    referrals(first: 10) { nodes { id status recordedByLocalAuthority { code } timeline { kind } } }
    guardianAssignments { id status endReason recordedByLocalAuthority { code } }
    outcomeMeasurements(first: 10) { nodes { id frameworkVersion youngPersonWords recordedByLocalAuthority { code } } }
} }";
const EVERY_ID: &str = "query($child: ID!, $referral: ID!, $assignment: ID!, $measurement: ID!) {
    child(id: $child) { id } referral(id: $referral) { id }
    guardianAssignment(id: $assignment) { id } outcomeMeasurement(id: $measurement) { id }
    nodes(ids: [$child, $referral, $assignment, $measurement]) { id }
    children(first: 10) { totalCount }
}";
const FEED: &str = "{ changes(first: 100) { nodes { kind entityId childId } } }";
const AUDIT: &str = "{ auditEvents(first: 100) { nodes { action childId operation actingLocalAuthority { code } } } }";
const UPDATE_CHILD: &str = "mutation($input: UpdateChildInput!) { updateChild(input: $input) { child { id version } userErrors { field code } } }";
const ERASE: &str = "mutation($input: EraseChildInput!) { eraseChild(input: $input) { erasedChildId userErrors { field code } } }";

/// An Islington child with an NHS number of their own, a referral, an ICTG request and a
/// measurement.
#[derive(Debug, Clone)]
struct Records {
    child: String,
    referral: String,
    assignment: String,
    measurement: String,
}

impl Records {
    fn variables(&self) -> Value {
        json!({ "child": self.child, "referral": self.referral, "assignment": self.assignment, "measurement": self.measurement })
    }

    fn ids(&self) -> BTreeSet<String> {
        [
            &self.child,
            &self.referral,
            &self.assignment,
            &self.measurement,
        ]
        .into_iter()
        .cloned()
        .collect()
    }
}

async fn child_with_records(app: &TestApp, token: &str, local_id: &str, nhs: &str) -> Records {
    let answer = app
        .graphql(
            token,
            REGISTER_CHILD,
            json!({ "input": { "localChildId": local_id, "dateOfBirth": "2010-05-01", "nhsNumber": nhs } }),
        )
        .await;
    answer.assert_no_user_errors("registerChild");
    let child = answer.text("/registerChild/child/id");
    let (referral, _) = fixtures::referral(app, token, &child).await;
    let (assignment, _) = fixtures::guardian_request(app, token, &child).await;
    let measurement = fixtures::measurement(app, token, &child, json!({})).await;
    Records {
        child,
        referral,
        assignment,
        measurement,
    }
}

fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

async fn offer(app: &TestApp, token: &str, child: &str, to: &str, extra: Value) -> Answer {
    let mut input = json!({
        "childId": child, "toLocalAuthority": to, "reason": "NATIONAL_TRANSFER_SCHEME",
        "responsibilityFrom": today(), "note": "Allocated under the scheme; placement arranged",
    });
    if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
        input.extend(extra.clone());
    }
    app.graphql(token, OFFER, json!({ "input": input })).await
}

/// Offers `child` and returns the transfer's id (version 1).
async fn offered(app: &TestApp, token: &str, child: &str, to: &str) -> String {
    let answer = offer(app, token, child, to, json!({})).await;
    answer.assert_no_user_errors("offerTransfer");
    answer.text("/offerTransfer/transfer/id")
}

async fn accept(
    app: &TestApp,
    token: &str,
    transfer: &str,
    version: i64,
    local_id: &str,
    allow_duplicate: bool,
) -> Answer {
    app.graphql(
        token,
        ACCEPT,
        json!({ "input": { "transferId": transfer, "expectedVersion": version, "localChildId": local_id, "allowDuplicate": allow_duplicate } }),
    )
    .await
}

async fn withdraw(app: &TestApp, token: &str, transfer: &str, version: i64) -> Answer {
    app.graphql(
        token,
        WITHDRAW,
        json!({ "input": { "transferId": transfer, "expectedVersion": version } }),
    )
    .await
}

async fn erase(app: &TestApp, token: &str, child: &str, version: i64, reason: &str) -> Answer {
    app.graphql(
        token,
        ERASE,
        json!({ "input": { "childId": child, "expectedVersion": version, "reason": reason } }),
    )
    .await
}

fn kinds_of(feed: &Answer) -> Vec<(String, String)> {
    feed.data("/changes/nodes")
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| {
            (
                n["kind"].as_str().unwrap_or("").to_owned(),
                n["entityId"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// The answer to reading every one of `records` by id, as a `(child, referral, assignment,
/// measurement, nodes, children count)` shape: all null / empty when the caller holds none.
async fn sees(app: &TestApp, token: &str, records: &Records) -> Value {
    let answer = app.graphql(token, EVERY_ID, records.variables()).await;
    answer.assert_ok();
    answer.body["data"].clone()
}

fn sees_nothing(seen: &Value) -> bool {
    seen["child"].is_null()
        && seen["referral"].is_null()
        && seen["guardianAssignment"].is_null()
        && seen["outcomeMeasurement"].is_null()
        && seen["nodes"]
            .as_array()
            .is_some_and(|n| n.iter().all(Value::is_null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_moves_to_camden_with_everything_recorded_about_them() {
    let app = TestApp::spawn().await;
    let (islington, camden) = (app.token_all(ISLINGTON), app.token_all(CAMDEN));
    let records = child_with_records(&app, &islington, "ISL0100", "9434765870").await;

    let answer = offer(&app, &islington, &records.child, CAMDEN, json!({})).await;
    answer.assert_ok();
    let transfer = answer.data("/offerTransfer/transfer").clone();
    assert_eq!(transfer["status"], "OFFERED");
    assert_eq!(
        transfer["fromLocalAuthority"],
        json!({ "code": ISLINGTON, "name": "Islington" })
    );
    assert_eq!(
        transfer["toLocalAuthority"],
        json!({ "code": CAMDEN, "name": "Camden" })
    );
    assert_eq!(transfer["childId"], records.child.as_str());
    let born_2010 = chrono::Utc::now()
        .date_naive()
        .years_since(chrono::NaiveDate::from_ymd_opt(2010, 5, 1).expect("date"));
    assert_eq!(
        transfer["childSummary"],
        json!({ "ageInYears": born_2010, "ageDisputed": false, "hasOpenReferrals": true, "hasOpenGuardianAssignments": true })
    );
    let transfer_id = transfer["id"].as_str().expect("id").to_owned();

    // Camden sees the offer and its summary, not the child.
    let incoming = app
        .graphql(&camden, INCOMING, json!({ "status": ["OFFERED"] }))
        .await;
    incoming.assert_ok();
    let listed = incoming.data("/incomingTransfers/nodes/0").clone();
    assert_eq!(listed["id"], transfer_id.as_str());
    assert_eq!(listed["child"], Value::Null);
    assert_eq!(
        listed["note"],
        "Allocated under the scheme; placement arranged"
    );
    assert_eq!(listed["childSummary"], transfer["childSummary"]);
    assert!(sees_nothing(&sees(&app, &camden, &records).await));
    // Islington lists it as outgoing; neither lists the other direction.
    let outgoing = app.graphql(&islington, OUTGOING, json!({})).await;
    assert_eq!(
        outgoing.data("/outgoingTransfers/nodes/0/id"),
        transfer_id.as_str()
    );
    let none = app.graphql(&islington, INCOMING, json!({})).await;
    assert_eq!(none.data("/incomingTransfers/nodes"), &json!([]));

    let accepted = accept(&app, &camden, &transfer_id, 1, "CAM0100", false).await;
    accepted.assert_no_user_errors("acceptTransfer");
    assert_eq!(accepted.data("/acceptTransfer/transfer/status"), "ACCEPTED");
    assert_eq!(accepted.data("/acceptTransfer/transfer/version"), 2);
    assert_eq!(
        accepted.data("/acceptTransfer/transfer/child"),
        &json!({ "id": records.child, "localChildId": "CAM0100" })
    );
    let timeline: Vec<&str> = accepted
        .data("/acceptTransfer/transfer/timeline")
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|e| e["status"].as_str())
        .collect();
    assert_eq!(timeline, ["OFFERED", "ACCEPTED"]);

    // Camden holds the child and every record, each saying where it was recorded.
    let record = app
        .graphql(&camden, CHILD_RECORD, json!({ "id": records.child }))
        .await;
    record.assert_ok();
    let child = record.data("/child");
    assert_eq!(child["localChildId"], "CAM0100");
    assert_eq!(child["localAuthority"]["code"], CAMDEN);
    assert_eq!(
        child["recordedByLocalAuthority"],
        json!({ "code": ISLINGTON, "name": "Islington" })
    );
    let referral = &child["referrals"]["nodes"][0];
    assert_eq!(referral["id"], records.referral.as_str());
    assert_eq!(referral["recordedByLocalAuthority"]["code"], ISLINGTON);
    assert_eq!(
        referral["timeline"],
        json!([{ "kind": "SUBMITTED" }, { "kind": "TRANSFERRED" }])
    );
    // Within England an ICTG assignment continues.
    let assignment = &child["guardianAssignments"][0];
    assert_eq!(
        (assignment["id"].as_str(), assignment["status"].as_str()),
        (Some(records.assignment.as_str()), Some("REQUESTED"))
    );
    assert_eq!(assignment["recordedByLocalAuthority"]["code"], ISLINGTON);
    let measurement = &child["outcomeMeasurements"]["nodes"][0];
    assert_eq!(measurement["id"], records.measurement.as_str());
    assert_eq!(
        measurement["youngPersonWords"],
        "I feel safer where I live now"
    );
    assert!(measurement["frameworkVersion"]
        .as_str()
        .is_some_and(|v| !v.is_empty()));
    assert_eq!(measurement["recordedByLocalAuthority"]["code"], ISLINGTON);
    // A record Camden makes now is Camden's own.
    let new_measurement = fixtures::measurement(
        &app,
        &camden,
        &records.child,
        json!({ "observedAt": "2025-05-01T10:00:00Z" }),
    )
    .await;
    let record = app
        .graphql(&camden, CHILD_RECORD, json!({ "id": records.child }))
        .await;
    let own = record
        .data("/child/outcomeMeasurements/nodes")
        .as_array()
        .expect("nodes")
        .iter()
        .find(|m| m["id"] == new_measurement.as_str())
        .expect("the new measurement")
        .clone();
    assert_eq!(own["recordedByLocalAuthority"]["code"], CAMDEN);

    // Islington finds nothing: the same answer as for ids that never existed.
    let after = sees(&app, &islington, &records).await;
    assert!(sees_nothing(&after), "{after}");
    assert_eq!(after["children"]["totalCount"], 0);
    let missing = Records {
        child: fixtures_missing("Child"),
        referral: fixtures_missing("NrmReferral"),
        assignment: fixtures_missing("GuardianAssignment"),
        measurement: fixtures_missing("OutcomeMeasurement"),
    };
    let never = sees(&app, &islington, &missing).await;
    assert_eq!(after, never);
    let write = app
        .graphql(&islington, UPDATE_CHILD, json!({ "input": { "childId": records.child, "expectedVersion": 1, "interpreterRequired": true } }))
        .await;
    assert_eq!(write.error_codes(), ["NOT_FOUND"], "{}", write.body);
    // The transfer itself stays with both parties.
    let node = app
        .graphql(&islington, TRANSFER_NODE, json!({ "id": transfer_id }))
        .await;
    assert_eq!(node.data("/node/status"), "ACCEPTED");

    // Feeds: Islington's ends with the offer, its acceptance and TRANSFERRED_OUT; Camden's with
    // the offer, its acceptance, then TRANSFERRED_IN for the child and each record.
    let islington_feed = kinds_of(&app.graphql(&islington, FEED, json!({})).await);
    let tail: Vec<(String, String)> = islington_feed[islington_feed.len() - 3..].to_vec();
    assert_eq!(
        tail,
        vec![
            ("CREATED".to_owned(), transfer_id.clone()),
            ("STATE_CHANGED".to_owned(), transfer_id.clone()),
            ("TRANSFERRED_OUT".to_owned(), records.child.clone()),
        ]
    );
    let camden_feed = kinds_of(&app.graphql(&camden, FEED, json!({})).await);
    assert_eq!(camden_feed[0], ("CREATED".to_owned(), transfer_id.clone()));
    assert_eq!(
        camden_feed[1],
        ("STATE_CHANGED".to_owned(), transfer_id.clone())
    );
    assert_eq!(
        camden_feed[2],
        ("TRANSFERRED_IN".to_owned(), records.child.clone())
    );
    let arrived: BTreeSet<String> = camden_feed[2..6]
        .iter()
        .map(|(kind, id)| {
            assert_eq!(kind, "TRANSFERRED_IN");
            id.clone()
        })
        .collect();
    assert_eq!(arrived, records.ids());
    assert_eq!(camden_feed[6].0, "MEASURED");

    // Audit: each step in both trails, the other authority's step naming who acted.
    let steps = |answer: &Answer| -> Vec<(String, Option<String>)> {
        answer
            .data("/auditEvents/nodes")
            .as_array()
            .expect("nodes")
            .iter()
            .filter(|e| e["action"] == "TRANSFER")
            .map(|e| {
                assert_eq!(e["childId"], records.child.as_str());
                (
                    e["operation"].as_str().unwrap_or("").to_owned(),
                    e["actingLocalAuthority"]["code"]
                        .as_str()
                        .map(str::to_owned),
                )
            })
            .collect()
    };
    let islington_steps = steps(&app.graphql(&islington, AUDIT, json!({})).await);
    let camden_steps = steps(&app.graphql(&camden, AUDIT, json!({})).await);
    let operation = |answer: &Answer| answer.body.to_string();
    assert_eq!(islington_steps.len(), 2, "{}", operation(&accepted));
    assert!(
        islington_steps.contains(&("acceptTransfer".to_owned(), Some(CAMDEN.to_owned()))),
        "{islington_steps:?}"
    );
    assert!(
        islington_steps
            .iter()
            .any(|(op, acting)| op != "acceptTransfer" && acting.is_none()),
        "{islington_steps:?}"
    );
    assert_eq!(camden_steps.len(), 2);
    assert!(
        camden_steps.contains(&("acceptTransfer".to_owned(), None)),
        "{camden_steps:?}"
    );
    assert!(
        camden_steps
            .iter()
            .any(|(op, acting)| op != "acceptTransfer" && acting.as_deref() == Some(ISLINGTON)),
        "{camden_steps:?}"
    );
}

fn fixtures_missing(type_name: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("{type_name}:{}", uuid::Uuid::new_v4()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_into_scotland_ends_the_ictg_assignment_and_the_scottish_authority_requests_its_own()
{
    let app = TestApp::spawn().await;
    app.database.serve(GLASGOW, "Glasgow City").await;
    let (islington, glasgow) = (app.token_all(ISLINGTON), app.token_all(GLASGOW));
    let records = child_with_records(&app, &islington, "ISL0200", "9434765870").await;
    let transfer = offered(&app, &islington, &records.child, GLASGOW).await;
    let accepted = accept(&app, &glasgow, &transfer, 1, "GLA0200", false).await;
    accepted.assert_no_user_errors("acceptTransfer");
    let record = app
        .graphql(&glasgow, CHILD_RECORD, json!({ "id": records.child }))
        .await;
    record.assert_ok();
    let assignment = record.data("/child/guardianAssignments/0");
    assert_eq!(assignment["status"], "ENDED");
    assert_eq!(assignment["endReason"], "MOVED_OUT_OF_AREA");
    // Glasgow's own service is open to it.
    let request = app
        .graphql(
            &glasgow,
            fixtures::REQUEST_GUARDIAN,
            json!({ "input": { "childId": records.child, "service": "GUARDIANSHIP_SCOTLAND", "role": "GUARDIAN", "requestedAt": "2025-06-01T09:00:00Z" } }),
        )
        .await;
    request.assert_no_user_errors("requestGuardian");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offer_that_cannot_be_made_is_refused_and_says_why() {
    let app = TestApp::spawn().await;
    let (islington, camden) = (app.token_all(ISLINGTON), app.token_all(CAMDEN));
    let records = child_with_records(&app, &islington, "ISL0300", "9434765870").await;
    let codes = |answer: &Answer| {
        answer.assert_ok();
        answer
            .data("/offerTransfer/userErrors")
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| {
                // The path to the field, starting with `input`.
                let field = e["field"].as_array().and_then(|path| path.last());
                (
                    field.and_then(Value::as_str).unwrap_or("").to_owned(),
                    e["code"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    let one = |field: &str, code: &str| vec![(field.to_owned(), code.to_owned())];
    assert_eq!(
        codes(&offer(&app, &islington, &records.child, ISLINGTON, json!({})).await),
        one("toLocalAuthority", "OUT_OF_RANGE")
    );
    assert_eq!(
        codes(&offer(&app, &islington, &records.child, UNSERVED, json!({})).await),
        one("toLocalAuthority", "NOT_FOUND")
    );
    assert_eq!(
        codes(&offer(&app, &islington, &records.child, "Camden", json!({})).await),
        one("toLocalAuthority", "INVALID_FORMAT")
    );
    assert_eq!(
        codes(
            &offer(
                &app,
                &islington,
                &records.child,
                CAMDEN,
                json!({ "reason": "OTHER", "note": "  " })
            )
            .await
        ),
        one("note", "REQUIRED")
    );
    assert_eq!(
        codes(
            &offer(
                &app,
                &islington,
                &records.child,
                CAMDEN,
                json!({ "responsibilityFrom": "2020-01-01" })
            )
            .await
        ),
        one("responsibilityFrom", "OUT_OF_RANGE")
    );
    // One offer waiting per child.
    offered(&app, &islington, &records.child, CAMDEN).await;
    assert_eq!(
        codes(&offer(&app, &islington, &records.child, CAMDEN, json!({})).await),
        one("childId", "INVALID_TRANSITION")
    );
    // Another authority's child is not there to offer.
    let camdens = fixtures::child(&app, &camden, "CAM0300").await;
    let answer = offer(&app, &islington, &camdens, CAMDEN, json!({})).await;
    assert_eq!(answer.error_codes(), ["NOT_FOUND"], "{}", answer.body);
    // Without the scope nothing is written.
    let unscoped = app.token(
        ISLINGTON,
        &[stable_futures_domain::principal::Scope::ChildrenRead],
    );
    let answer = offer(&app, &unscoped, &records.child, CAMDEN, json!({})).await;
    assert_eq!(answer.error_codes(), ["FORBIDDEN"], "{}", answer.body);
    let outgoing = app.graphql(&islington, OUTGOING, json!({})).await;
    assert_eq!(
        outgoing
            .data("/outgoingTransfers/nodes")
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_party_takes_only_its_own_steps_and_a_third_authority_sees_nothing() {
    let app = TestApp::spawn().await;
    app.database.serve(GLASGOW, "Glasgow City").await;
    let (islington, camden, glasgow) = (
        app.token_all(ISLINGTON),
        app.token_all(CAMDEN),
        app.token_all(GLASGOW),
    );
    let records = child_with_records(&app, &islington, "ISL0400", "9434765870").await;
    let transfer = offered(&app, &islington, &records.child, CAMDEN).await;

    // Glasgow: not a party, the transfer does not exist for it.
    let node = app
        .graphql(&glasgow, TRANSFER_NODE, json!({ "id": transfer }))
        .await;
    node.assert_ok();
    assert_eq!(node.data("/node"), &Value::Null);
    let steps = [
        (
            ACCEPT,
            json!({ "transferId": transfer, "expectedVersion": 1, "localChildId": "GLA1" }),
        ),
        (
            DECLINE,
            json!({ "transferId": transfer, "expectedVersion": 1, "note": "no" }),
        ),
        (
            WITHDRAW,
            json!({ "transferId": transfer, "expectedVersion": 1 }),
        ),
    ];
    for (mutation, input) in &steps {
        let answer = app
            .graphql(&glasgow, mutation, json!({ "input": input }))
            .await;
        assert_eq!(answer.error_codes(), ["NOT_FOUND"], "{}", answer.body);
    }
    // The sender may not accept or decline its own offer; the receiver may not withdraw it.
    for (token, (mutation, input)) in [
        (&islington, &steps[0]),
        (&islington, &steps[1]),
        (&camden, &steps[2]),
    ] {
        let answer = app
            .graphql(token, mutation, json!({ "input": input }))
            .await;
        assert_eq!(answer.error_codes(), ["NOT_FOUND"], "{}", answer.body);
    }
    // A decline says why.
    let answer = app
        .graphql(
            &camden,
            DECLINE,
            json!({ "input": { "transferId": transfer, "expectedVersion": 1, "note": " " } }),
        )
        .await;
    assert_eq!(
        answer.user_error_codes("declineTransfer"),
        ["REQUIRED"],
        "{}",
        answer.body
    );
    let answer = app
        .graphql(&camden, DECLINE, json!({ "input": { "transferId": transfer, "expectedVersion": 1, "note": "No placement available this month" } }))
        .await;
    answer.assert_ok();
    assert_eq!(answer.data("/declineTransfer/transfer/status"), "DECLINED");
    // The sender reads why; the transfer is over: neither step is possible any more.
    let outgoing = app.graphql(&islington, OUTGOING, json!({})).await;
    assert_eq!(
        outgoing.data("/outgoingTransfers/nodes/0/declineNote"),
        "No placement available this month"
    );
    assert_eq!(
        outgoing.data("/outgoingTransfers/nodes/0/child/id"),
        records.child.as_str()
    );
    let again = withdraw(&app, &islington, &transfer, 2).await;
    assert_eq!(
        again.user_error_codes("withdrawTransfer"),
        ["INVALID_TRANSITION"],
        "{}",
        again.body
    );
    let late = accept(&app, &camden, &transfer, 2, "CAM0400", false).await;
    assert_eq!(
        late.user_error_codes("acceptTransfer"),
        ["INVALID_TRANSITION"],
        "{}",
        late.body
    );
    // A new offer may follow a declined one; the sender withdraws it.
    let second = offered(&app, &islington, &records.child, CAMDEN).await;
    let stale = withdraw(&app, &islington, &second, 7).await;
    assert_eq!(
        stale.user_error_codes("withdrawTransfer"),
        ["STALE_VERSION"],
        "{}",
        stale.body
    );
    let withdrawn = withdraw(&app, &islington, &second, 1).await;
    assert_eq!(
        withdrawn.data("/withdrawTransfer/transfer/status"),
        "WITHDRAWN"
    );
    // Islington still holds the child throughout.
    assert!(!sees_nothing(&sees(&app, &islington, &records).await));
    assert!(sees_nothing(&sees(&app, &camden, &records).await));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retried_steps_are_answered_as_the_first_and_happen_once() {
    let app = TestApp::spawn().await;
    let (islington, camden) = (app.token_all(ISLINGTON), app.token_all(CAMDEN));
    let records = child_with_records(&app, &islington, "ISL0500", "9434765870").await;
    let key = json!({ "idempotencyKey": "0b4f7c1e-offer-0500" });
    let first = offer(&app, &islington, &records.child, CAMDEN, key.clone()).await;
    let second = offer(&app, &islington, &records.child, CAMDEN, key).await;
    assert_eq!(
        first.data("/offerTransfer/transfer/id"),
        second.data("/offerTransfer/transfer/id")
    );
    let transfer = first.text("/offerTransfer/transfer/id");

    let accepted = accept(&app, &camden, &transfer, 1, "CAM0500", false).await;
    let retried = accept(&app, &camden, &transfer, 1, "CAM0500", false).await;
    retried.assert_no_user_errors("acceptTransfer");
    assert_eq!(
        accepted.data("/acceptTransfer/transfer/id"),
        retried.data("/acceptTransfer/transfer/id")
    );
    assert_eq!(retried.data("/acceptTransfer/transfer/version"), 2);
    // Once in each feed.
    let camden_feed = kinds_of(&app.graphql(&camden, FEED, json!({})).await);
    let arrivals = camden_feed
        .iter()
        .filter(|(kind, id)| kind == "TRANSFERRED_IN" && *id == records.child)
        .count();
    assert_eq!(arrivals, 1, "{camden_feed:?}");
    let islington_feed = kinds_of(&app.graphql(&islington, FEED, json!({})).await);
    assert_eq!(
        islington_feed
            .iter()
            .filter(|(kind, _)| kind == "TRANSFERRED_OUT")
            .count(),
        1
    );
    assert_eq!(
        islington_feed
            .iter()
            .filter(|(kind, id)| kind == "CREATED" && *id == transfer)
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_the_receiver_already_holds_is_named_and_moves_only_when_asked_to() {
    let app = TestApp::spawn().await;
    let (islington, camden) = (app.token_all(ISLINGTON), app.token_all(CAMDEN));
    let records = child_with_records(&app, &islington, "ISL0600", "9434765870").await;
    let existing = app
        .graphql(&camden, REGISTER_CHILD, json!({ "input": { "localChildId": "CAM0600", "dateOfBirth": "2010-05-01", "nhsNumber": "9434765870" } }))
        .await
        .text("/registerChild/child/id");
    let transfer = offered(&app, &islington, &records.child, CAMDEN).await;

    let answer = accept(&app, &camden, &transfer, 1, "CAM0601", false).await;
    answer.assert_ok();
    assert_eq!(
        answer.user_error_codes("acceptTransfer"),
        ["POSSIBLE_DUPLICATE"],
        "{}",
        answer.body
    );
    assert_eq!(
        answer.data("/acceptTransfer/possibleDuplicate/id"),
        existing.as_str()
    );
    assert_eq!(answer.data("/acceptTransfer/transfer"), &Value::Null);
    // Nothing moved.
    assert!(!sees_nothing(&sees(&app, &islington, &records).await));
    let incoming = app
        .graphql(&camden, INCOMING, json!({ "status": ["OFFERED"] }))
        .await;
    assert_eq!(incoming.data("/incomingTransfers/nodes/0/version"), 1);
    // The receiver's own local id is its own: a clash is said, and nothing moves either.
    let clash = accept(&app, &camden, &transfer, 1, "CAM0600", true).await;
    assert_eq!(
        clash.user_error_codes("acceptTransfer"),
        ["DUPLICATE_LOCAL_CHILD_ID"],
        "{}",
        clash.body
    );
    assert!(!sees_nothing(&sees(&app, &islington, &records).await));
    // Chosen explicitly: both records are kept.
    let kept = accept(&app, &camden, &transfer, 1, "CAM0601", true).await;
    kept.assert_no_user_errors("acceptTransfer");
    let children = app
        .graphql(&camden, "{ children(first: 10) { totalCount } }", json!({}))
        .await;
    assert_eq!(children.data("/children/totalCount"), 2);
    assert!(sees_nothing(&sees(&app, &islington, &records).await));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acceptance_racing_the_senders_writes_loses_none_of_them() {
    let app = TestApp::spawn().await;
    let (islington, camden) = (app.token_all(ISLINGTON), app.token_all(CAMDEN));
    let records = child_with_records(&app, &islington, "ISL0700", "9434765870").await;
    let transfer = offered(&app, &islington, &records.child, CAMDEN).await;

    // Islington keeps recording measurements while Camden accepts.
    let writer = {
        let (app_url, token, child) = (
            app.url("/graphql"),
            islington.clone(),
            records.child.clone(),
        );
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut acknowledged = Vec::new();
            let mut refused = 0;
            for n in 0..40 {
                let body = json!({ "query": fixtures::RECORD_MEASUREMENT, "variables": { "input": {
                    "childId": child, "outcomeKey": "being_safe_and_feeling_safe",
                    "observedAt": format!("2025-04-{:02}T10:00:00Z", n % 28 + 1),
                    "youngPersonParticipated": false, "practitionerRating": 3,
                } } });
                let answer: Value = client
                    .post(&app_url)
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .expect("sent")
                    .json()
                    .await
                    .expect("json");
                match answer
                    .pointer("/data/recordOutcomeMeasurement/measurement/id")
                    .and_then(Value::as_str)
                {
                    Some(id) => acknowledged.push(id.to_owned()),
                    None => {
                        let codes = stable_futures_test_support::process::error_codes(&answer);
                        assert_eq!(codes, ["NOT_FOUND"], "{answer}");
                        refused += 1;
                    }
                }
            }
            (acknowledged, refused)
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    let accepted = accept(&app, &camden, &transfer, 1, "CAM0700", false).await;
    accepted.assert_no_user_errors("acceptTransfer");
    let (acknowledged, refused) = writer.await.expect("writer");
    assert_eq!(acknowledged.len() + refused, 40);
    // Every measurement Islington was told was recorded moved with the child, exactly once.
    let answer = app
        .graphql(&camden, "query($id: ID!) { child(id: $id) { outcomeMeasurements(first: 100) { nodes { id } } } }", json!({ "id": records.child }))
        .await;
    let held: Vec<String> = answer
        .data("/child/outcomeMeasurements/nodes")
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["id"].as_str().map(str::to_owned))
        .collect();
    let held_set: BTreeSet<&String> = held.iter().collect();
    assert_eq!(held_set.len(), held.len(), "no record twice");
    for id in &acknowledged {
        assert!(held_set.contains(id), "acknowledged measurement {id} lost");
    }
    assert_eq!(
        held.len(),
        acknowledged.len() + 1,
        "the fixture's and the acknowledged ones, nothing else"
    );
    // Once moved, every later write is refused as for a child that never existed.
    let late = fixtures_try_measurement(&app, &islington, &records.child).await;
    assert_eq!(late, ["NOT_FOUND"]);
}

async fn fixtures_try_measurement(app: &TestApp, token: &str, child: &str) -> Vec<String> {
    app.graphql(
        token,
        fixtures::RECORD_MEASUREMENT,
        json!({ "input": { "childId": child, "outcomeKey": "being_safe_and_feeling_safe", "observedAt": "2025-04-01T10:00:00Z", "youngPersonParticipated": false, "practitionerRating": 2 } }),
    )
    .await
    .error_codes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transferred_child_is_erased_by_the_authority_that_holds_them() {
    let app = TestApp::spawn().await;
    let (islington, camden) = (app.token_all(ISLINGTON), app.token_all(CAMDEN));
    let records = child_with_records(&app, &islington, "ISL0800", "9434765870").await;
    let transfer = offered(&app, &islington, &records.child, CAMDEN).await;
    accept(&app, &camden, &transfer, 1, "CAM0800", false)
        .await
        .assert_ok();

    // The sender cannot erase what it no longer holds.
    let refused = erase(&app, &islington, &records.child, 2, "ERASURE_REQUEST").await;
    assert_eq!(refused.error_codes(), ["NOT_FOUND"], "{}", refused.body);
    assert!(!sees_nothing(&sees(&app, &camden, &records).await));

    let erased = erase(&app, &camden, &records.child, 2, "ERASURE_REQUEST").await;
    erased.assert_no_user_errors("eraseChild");
    assert!(sees_nothing(&sees(&app, &camden, &records).await));
    // The transfer, whose notes may describe the child, is gone for both parties.
    for token in [&islington, &camden] {
        let node = app
            .graphql(token, TRANSFER_NODE, json!({ "id": transfer }))
            .await;
        assert_eq!(node.data("/node"), &Value::Null);
    }
    assert_eq!(
        app.graphql(&islington, OUTGOING, json!({}))
            .await
            .data("/outgoingTransfers/nodes"),
        &json!([])
    );
    assert_eq!(
        app.graphql(&camden, INCOMING, json!({}))
            .await
            .data("/incomingTransfers/nodes"),
        &json!([])
    );
    // The feeds keep their entries, as ids.
    let feed = kinds_of(&app.graphql(&camden, FEED, json!({})).await);
    assert_eq!(
        feed.last(),
        Some(&("ERASED".to_owned(), records.child.clone()))
    );
    // The authority the child came from was told to archive on TRANSFERRED_OUT; the receiver's
    // later erasure adds nothing to its feed.
    let sender_feed = kinds_of(&app.graphql(&islington, FEED, json!({})).await);
    assert_eq!(
        sender_feed.last(),
        Some(&("TRANSFERRED_OUT".to_owned(), records.child.clone()))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authority_offered_a_child_is_told_when_the_sender_erases_them() {
    let app = TestApp::spawn().await;
    let (islington, camden) = (app.token_all(ISLINGTON), app.token_all(CAMDEN));
    let records = child_with_records(&app, &islington, "ISL0900", "9434765870").await;
    // One offer declined, then a second one waiting: Camden has seen both notes.
    let declined = offered(&app, &islington, &records.child, CAMDEN).await;
    let answer = app
        .graphql(
            &camden,
            DECLINE,
            json!({ "input": { "transferId": declined, "expectedVersion": 1, "note": "No placement available this month" } }),
        )
        .await;
    answer.assert_no_user_errors("declineTransfer");
    let waiting = offered(&app, &islington, &records.child, CAMDEN).await;
    let camden_before = kinds_of(&app.graphql(&camden, FEED, json!({})).await).len();

    let erased = erase(&app, &islington, &records.child, 1, "RECORDED_IN_ERROR").await;
    erased.assert_no_user_errors("eraseChild");

    // Camden's feed says ERASED for each transfer it was offered, naming the child, so its case
    // system drops the offers it stored; neither is listed any more.
    let feed = app.graphql(&camden, FEED, json!({})).await;
    let nodes = feed.data("/changes/nodes").as_array().expect("nodes");
    let told: BTreeSet<(String, String, String)> = nodes[camden_before..]
        .iter()
        .map(|n| {
            (
                n["kind"].as_str().unwrap_or("").to_owned(),
                n["entityId"].as_str().unwrap_or("").to_owned(),
                n["childId"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String, String)> = [&declined, &waiting]
        .into_iter()
        .map(|t| ("ERASED".to_owned(), t.clone(), records.child.clone()))
        .collect();
    assert_eq!(told, expected);
    assert_eq!(nodes.len(), camden_before + 2);
    assert_eq!(
        app.graphql(&camden, INCOMING, json!({}))
            .await
            .data("/incomingTransfers/nodes"),
        &json!([])
    );
    // Camden's trail says who erased them; Islington's holds its own erasure too.
    let erasure_steps = |answer: &Answer| -> Vec<Option<String>> {
        answer
            .data("/auditEvents/nodes")
            .as_array()
            .expect("nodes")
            .iter()
            .filter(|e| e["action"] == "TRANSFER" && e["operation"] == "eraseChild")
            .map(|e| {
                assert_eq!(e["childId"], records.child.as_str());
                e["actingLocalAuthority"]["code"]
                    .as_str()
                    .map(str::to_owned)
            })
            .collect()
    };
    assert_eq!(
        erasure_steps(&app.graphql(&camden, AUDIT, json!({})).await),
        vec![Some(ISLINGTON.to_owned()); 2]
    );
    let islington_trail = app.graphql(&islington, AUDIT, json!({})).await;
    assert_eq!(erasure_steps(&islington_trail), vec![None, None]);
    assert!(islington_trail
        .data("/auditEvents/nodes")
        .as_array()
        .expect("nodes")
        .iter()
        .any(|e| e["action"] == "ERASE" && e["childId"] == records.child.as_str()));
    // Islington's own feed ends with the child's ERASED entry.
    let own = kinds_of(&app.graphql(&islington, FEED, json!({})).await);
    assert_eq!(
        own.last(),
        Some(&("ERASED".to_owned(), records.child.clone()))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acceptance_racing_a_withdrawal_lets_exactly_one_of_them_happen() {
    let app = TestApp::spawn().await;
    let (islington, camden) = (app.token_all(ISLINGTON), app.token_all(CAMDEN));
    for n in 0..6 {
        let records =
            child_with_records(&app, &islington, &format!("ISL09{n:02}"), "9434765870").await;
        let transfer = offered(&app, &islington, &records.child, CAMDEN).await;
        let withdraw = withdraw(&app, &islington, &transfer, 1);
        let local_id = format!("CAM09{n:02}");
        // Earlier rounds left Camden a child with the same NHS number: both kept.
        let accept = accept(&app, &camden, &transfer, 1, &local_id, true);
        let (withdrawn, accepted) = tokio::join!(withdraw, accept);
        withdrawn.assert_ok();
        accepted.assert_ok();
        let withdrawn_errors = withdrawn.user_error_codes("withdrawTransfer");
        let accepted_errors = accepted.user_error_codes("acceptTransfer");
        let won = [withdrawn_errors.is_empty(), accepted_errors.is_empty()];
        assert_eq!(
            won.iter().filter(|w| **w).count(),
            1,
            "{} {}",
            withdrawn.body,
            accepted.body
        );
        // The loser read version 1 of a transfer that is at version 2 and no longer offered.
        let lost = if won[0] {
            accepted_errors
        } else {
            withdrawn_errors
        };
        assert_eq!(lost, ["STALE_VERSION", "INVALID_TRANSITION"]);
        // Whoever won, the child is held by exactly one authority.
        let held_by_islington = !sees_nothing(&sees(&app, &islington, &records).await);
        let held_by_camden = !sees_nothing(&sees(&app, &camden, &records).await);
        assert_eq!((held_by_islington, held_by_camden), (won[0], won[1]));
    }
}

const OFFERS_TO_ANSWER: &str =
    "query($kinds: [WorkItemKind!]) { worklist(first: 50, kinds: $kinds) { nodes {
    kind dueOn overdueByDays explanation child { id } referral { id } assignment { id }
    transfer { id status reason childSummary { ageInYears } } } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offer_waits_on_the_receivers_worklist_until_it_is_answered() {
    use stable_futures_domain::principal::Scope;
    let app = TestApp::spawn().await;
    let (islington, camden) = (app.token_all(ISLINGTON), app.token_all(CAMDEN));
    let records = child_with_records(&app, &islington, "ISL1000", "9434765870").await;
    let in_a_fortnight = (chrono::Utc::now().date_naive() + chrono::Days::new(14)).to_string();
    let answer = offer(
        &app,
        &islington,
        &records.child,
        CAMDEN,
        json!({ "responsibilityFrom": in_a_fortnight }),
    )
    .await;
    let transfer = answer.text("/offerTransfer/transfer/id");
    let kinds = json!({ "kinds": ["TRANSFER_OFFER_WAITING"] });

    // Camden's list: the offer, due by the day responsibility would pass; not the child.
    let listed = app.graphql(&camden, OFFERS_TO_ANSWER, kinds.clone()).await;
    listed.assert_ok();
    let nodes = listed.data("/worklist/nodes").as_array().expect("nodes");
    assert_eq!(nodes.len(), 1, "{}", listed.body);
    let item = &nodes[0];
    assert_eq!(item["kind"], "TRANSFER_OFFER_WAITING");
    assert_eq!(item["dueOn"], in_a_fortnight.as_str());
    assert_eq!(item["overdueByDays"], 0);
    assert_eq!(item["child"], Value::Null);
    assert_eq!(item["referral"], Value::Null);
    assert_eq!(item["assignment"], Value::Null);
    assert_eq!(item["transfer"]["id"], transfer.as_str());
    assert_eq!(item["transfer"]["status"], "OFFERED");
    assert_eq!(item["transfer"]["reason"], "NATIONAL_TRANSFER_SCHEME");
    assert!(item["explanation"]
        .as_str()
        .is_some_and(|text| text.contains("due in 14 days")));
    // Listed among every kind too; never on the sender's list.
    let all = app.graphql(&camden, OFFERS_TO_ANSWER, json!({})).await;
    assert!(all
        .data("/worklist/nodes")
        .as_array()
        .expect("nodes")
        .iter()
        .any(|n| n["transfer"]["id"] == transfer.as_str()));
    let senders = app
        .graphql(&islington, OFFERS_TO_ANSWER, kinds.clone())
        .await;
    assert_eq!(senders.data("/worklist/nodes"), &json!([]));
    // Listing it is a read of the transfer, audited for the child in Camden's trail.
    let trail = app.graphql(&camden, AUDIT, json!({})).await;
    assert!(trail
        .data("/auditEvents/nodes")
        .as_array()
        .expect("nodes")
        .iter()
        .any(|e| e["action"] == "READ" && e["childId"] == records.child.as_str()));

    // A token without transfers:read is not listed it, and may not ask for it.
    let no_transfers = app.token(CAMDEN, &[Scope::ChildrenRead, Scope::ReferralsRead]);
    let quiet = app
        .graphql(&no_transfers, OFFERS_TO_ANSWER, json!({}))
        .await;
    quiet.assert_ok();
    assert_eq!(quiet.data("/worklist/nodes"), &json!([]));
    let refused = app
        .graphql(&no_transfers, OFFERS_TO_ANSWER, kinds.clone())
        .await;
    assert_eq!(refused.error_codes(), ["FORBIDDEN"], "{}", refused.body);

    // Answered, it leaves the list.
    accept(&app, &camden, &transfer, 1, "CAM1000", false)
        .await
        .assert_ok();
    let after = app.graphql(&camden, OFFERS_TO_ANSWER, kinds).await;
    assert_eq!(after.data("/worklist/nodes"), &json!([]), "{}", after.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erasing_a_child_who_came_back_tells_the_authority_they_were_offered_to_and_no_other() {
    let app = TestApp::spawn().await;
    let (islington, camden) = (app.token_all(ISLINGTON), app.token_all(CAMDEN));
    let records = child_with_records(&app, &islington, "ISL1100", "9434765870").await;
    // Islington → Camden, accepted; Camden → Islington, accepted: the child is Islington's again.
    let out = offered(&app, &islington, &records.child, CAMDEN).await;
    accept(&app, &camden, &out, 1, "CAM1100", false)
        .await
        .assert_ok();
    let back = offered(&app, &camden, &records.child, ISLINGTON).await;
    let returned = accept(&app, &islington, &back, 1, "ISL1101", false).await;
    returned.assert_no_user_errors("acceptTransfer");
    let camden_before = kinds_of(&app.graphql(&camden, FEED, json!({})).await).len();

    let erased = erase(&app, &islington, &records.child, 3, "ERASURE_REQUEST").await;
    erased.assert_no_user_errors("eraseChild");
    // Camden was sent the child by Islington's offer: told, for that transfer only (its own
    // offer back disclosed nothing of Islington's to it).
    let feed = kinds_of(&app.graphql(&camden, FEED, json!({})).await);
    assert_eq!(feed[camden_before..], [("ERASED".to_owned(), out.clone())]);
}
