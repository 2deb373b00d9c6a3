//! Tenancy: a token for Islington can never read or change Camden's children, referrals, guardian
//! assignments or measurements through any path, and whatever it tries is answered exactly as for
//! an id that does not exist — so it cannot even learn that Camden's record is there.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use stable_futures_test_support::fixtures::{
    self, RECORD_MEASUREMENT, RECORD_RG, REGISTER_CHILD, REQUEST_GUARDIAN, SUBMIT_REFERRAL,
};
use stable_futures_test_support::{Answer, TestApp, CAMDEN, ISLINGTON};

const UPDATE_CHILD: &str = "mutation($input: UpdateChildInput!) { updateChild(input: $input) { child { id version localChildId } userErrors { field message code } } }";
const RECORD_CG: &str = "mutation($input: RecordConclusiveGroundsDecisionInput!) { recordConclusiveGroundsDecision(input: $input) { referral { id version status } userErrors { field message code } } }";
const REQUEST_RECONSIDERATION: &str = "mutation($input: RequestReconsiderationInput!) { requestReconsideration(input: $input) { referral { id version status } userErrors { field message code } } }";
const WITHDRAW: &str = "mutation($input: WithdrawReferralInput!) { withdrawReferral(input: $input) { referral { id version status } userErrors { field message code } } }";
const ASSIGN_GUARDIAN: &str = "mutation($input: AssignGuardianInput!) { assignGuardian(input: $input) { assignment { id version status } userErrors { field message code } } }";
const END_ASSIGNMENT: &str = "mutation($input: EndGuardianAssignmentInput!) { endGuardianAssignment(input: $input) { assignment { id version status } userErrors { field message code } } }";

/// Everything about a child and the three kinds of record hanging off it, plus each record read
/// on its own: Camden reads this before and after Islington's attempts.
const STATE: &str = "query($child: ID!, $referral: ID!, $assignment: ID!, $measurement: ID!) {
    child(id: $child) {
        id localChildId upn nhsNumber dateOfBirth gender nationalities languages version updatedAt
        localAuthority { code }
        referrals(first: 100) { nodes { id status version } }
        guardianAssignments { id status version }
        outcomeMeasurements(first: 100, includeSuperseded: true) { nodes { id supersedesId supersededById } }
    }
    referral(id: $referral) {
        id status version reconsiderationPending withdrawnAt
        reasonableGrounds { outcome decidedAt } conclusiveGrounds { outcome decidedAt }
        timeline { kind at outcome }
        child { id }
    }
    guardianAssignment(id: $assignment) { id status version role assignedAt endedAt endReason child { id } }
    outcomeMeasurement(id: $measurement) {
        id frameworkVersion youngPersonRating youngPersonWords supersedesId supersededById child { id }
    }
}";

const NODE: &str = "query($id: ID!) { node(id: $id) { __typename id } }";
const NODES: &str = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }";
const CHILD: &str = "query($id: ID!) { child(id: $id) { id localChildId } }";
const CHILD_BY_LOCAL_ID: &str = "query($localChildId: String!) { childByLocalId(localChildId: $localChildId) { id localChildId localAuthority { code } } }";
const REFERRAL: &str = "query($id: ID!) { referral(id: $id) { id status version } }";
const ASSIGNMENT: &str = "query($id: ID!) { guardianAssignment(id: $id) { id status version } }";
const MEASUREMENT: &str = "query($id: ID!) { outcomeMeasurement(id: $id) { id youngPersonWords } }";
const CHILDREN: &str =
    "{ children(first: 100) { totalCount nodes { id localChildId localAuthority { code } } } }";

const CAMDEN_LOCAL_ID: &str = "CAM0001";
const ISLINGTON_LOCAL_ID: &str = "ISL0001";

/// Camden's records (built with Camden's token) and one Islington child.
#[derive(Debug)]
struct Tenants {
    camden_child: String,
    camden_referral: String,
    camden_assignment: String,
    camden_measurement: String,
    islington_child: String,
}

impl Tenants {
    fn camden_ids(&self) -> Vec<(&'static str, String)> {
        vec![
            ("Child", self.camden_child.clone()),
            ("NrmReferral", self.camden_referral.clone()),
            ("GuardianAssignment", self.camden_assignment.clone()),
            ("OutcomeMeasurement", self.camden_measurement.clone()),
        ]
    }

    fn state_variables(&self) -> Value {
        json!({
            "child": self.camden_child,
            "referral": self.camden_referral,
            "assignment": self.camden_assignment,
            "measurement": self.camden_measurement,
        })
    }
}

/// Camden: a child, a referral with a positive Reasonable Grounds decision (version 2), an open
/// ICTG request (version 1) and a measurement. Islington: one child of its own.
async fn tenants(app: &TestApp) -> Tenants {
    let camden = app.token_all(CAMDEN);
    let camden_child = fixtures::child(app, &camden, CAMDEN_LOCAL_ID).await;
    let (camden_referral, version) = fixtures::referral(app, &camden, &camden_child).await;
    let answer = app
        .graphql(
            &camden,
            RECORD_RG,
            json!({ "input": { "referralId": camden_referral, "expectedVersion": version, "outcome": "POSITIVE", "decidedAt": "2025-03-06T12:00:00Z" } }),
        )
        .await;
    answer.assert_ok();
    assert_eq!(
        answer.user_error_codes("recordReasonableGroundsDecision"),
        Vec::<String>::new(),
        "{}",
        answer.body
    );
    let (camden_assignment, _) = fixtures::guardian_request(app, &camden, &camden_child).await;
    let camden_measurement = fixtures::measurement(app, &camden, &camden_child, json!({})).await;
    let islington_child = fixtures::child(app, &app.token_all(ISLINGTON), ISLINGTON_LOCAL_ID).await;
    Tenants {
        camden_child,
        camden_referral,
        camden_assignment,
        camden_measurement,
        islington_child,
    }
}

/// A well-formed global id of `type_name` that names nothing.
fn missing_id(type_name: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{type_name}:{}", uuid::Uuid::new_v4()))
}

/// Replaces every occurrence of the string `from` in `value` by `to`.
fn replace_id(value: &Value, from: &str, to: &str) -> Value {
    match value {
        Value::String(text) if text == from => Value::String(to.to_owned()),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| replace_id(item, from, to))
                .collect(),
        ),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(key, item)| (key.clone(), replace_id(item, from, to)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The answers are indistinguishable: same status and the same body.
#[track_caller]
fn assert_same_answer(foreign: &Answer, missing: &Answer, what: &str) {
    assert_eq!(foreign.status, 200, "{what}: {}", foreign.body);
    // The bucket's points left differ from one request to the next; what each cost must not.
    let without_bucket = |body: &Value| {
        let mut body = body.clone();
        let throttle = body
            .pointer_mut("/extensions/cost")
            .and_then(Value::as_object_mut)
            .and_then(|cost| cost.remove("throttleStatus"));
        assert!(throttle.is_some(), "{what}: no bucket in {body}");
        body
    };
    assert_eq!(
        (foreign.status, without_bucket(&foreign.body)),
        (missing.status, without_bucket(&missing.body)),
        "{what}: Camden's record answered differently from a missing one"
    );
}

async fn camden_state(app: &TestApp, tenants: &Tenants) -> Value {
    let answer = app
        .graphql(&app.token_all(CAMDEN), STATE, tenants.state_variables())
        .await;
    answer.assert_ok();
    answer.body["data"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn camden_reads_its_own_child_referral_guardian_request_and_measurement_through_every_path() {
    let app = TestApp::spawn().await;
    let tenants = tenants(&app).await;
    let camden = app.token_all(CAMDEN);

    let state = camden_state(&app, &tenants).await;
    assert_eq!(state["child"]["id"], tenants.camden_child.as_str());
    assert_eq!(state["child"]["localAuthority"]["code"], CAMDEN);
    assert_eq!(
        state["child"]["referrals"]["nodes"][0]["id"],
        tenants.camden_referral.as_str()
    );
    assert_eq!(
        state["child"]["guardianAssignments"][0]["id"],
        tenants.camden_assignment.as_str()
    );
    assert_eq!(
        state["child"]["outcomeMeasurements"]["nodes"][0]["id"],
        tenants.camden_measurement.as_str()
    );
    assert_eq!(state["referral"]["status"], "RG_POSITIVE");
    assert_eq!(state["referral"]["version"], 2);
    assert_eq!(
        state["referral"]["child"]["id"],
        tenants.camden_child.as_str()
    );
    assert_eq!(state["guardianAssignment"]["status"], "REQUESTED");
    assert_eq!(state["guardianAssignment"]["version"], 1);
    assert_eq!(
        state["outcomeMeasurement"]["child"]["id"],
        tenants.camden_child.as_str()
    );
    assert_eq!(
        state["outcomeMeasurement"]["youngPersonWords"],
        "I feel safer where I live now"
    );

    for (type_name, id) in tenants.camden_ids() {
        let answer = app.graphql(&camden, NODE, json!({ "id": id })).await;
        answer.assert_ok();
        assert_eq!(answer.data("/node/__typename"), type_name);
        assert_eq!(answer.data("/node/id"), id.as_str());
    }
    let ids: Vec<String> = tenants.camden_ids().into_iter().map(|(_, id)| id).collect();
    let answer = app.graphql(&camden, NODES, json!({ "ids": ids })).await;
    answer.assert_ok();
    let found: Vec<&str> = answer
        .data("/nodes")
        .as_array()
        .expect("nodes")
        .iter()
        .map(|node| node["id"].as_str().expect("a node"))
        .collect();
    assert_eq!(found, ids.iter().map(String::as_str).collect::<Vec<_>>());

    let answer = app
        .graphql(
            &camden,
            CHILD_BY_LOCAL_ID,
            json!({ "localChildId": CAMDEN_LOCAL_ID }),
        )
        .await;
    answer.assert_ok();
    assert_eq!(
        answer.data("/childByLocalId/id"),
        tenants.camden_child.as_str()
    );

    let answer = app.graphql(&camden, CHILDREN, json!({})).await;
    answer.assert_ok();
    assert_eq!(answer.data("/children/totalCount"), 1);
    assert_eq!(
        answer.data("/children/nodes/0/id"),
        tenants.camden_child.as_str()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn islington_reads_camdens_records_by_id_as_null_exactly_like_missing_ids() {
    let app = TestApp::spawn().await;
    let tenants = tenants(&app).await;
    let islington = app.token_all(ISLINGTON);

    // The same queries do find Islington's own child, so a null below means "not yours".
    let answer = app
        .graphql(&islington, CHILD, json!({ "id": tenants.islington_child }))
        .await;
    answer.assert_ok();
    assert_eq!(answer.data("/child/id"), tenants.islington_child.as_str());
    let answer = app
        .graphql(&islington, NODE, json!({ "id": tenants.islington_child }))
        .await;
    answer.assert_ok();
    assert_eq!(answer.data("/node/id"), tenants.islington_child.as_str());

    let by_type = [
        (CHILD, "/child", tenants.camden_child.clone(), "Child"),
        (
            REFERRAL,
            "/referral",
            tenants.camden_referral.clone(),
            "NrmReferral",
        ),
        (
            ASSIGNMENT,
            "/guardianAssignment",
            tenants.camden_assignment.clone(),
            "GuardianAssignment",
        ),
        (
            MEASUREMENT,
            "/outcomeMeasurement",
            tenants.camden_measurement.clone(),
            "OutcomeMeasurement",
        ),
    ];
    for (query, pointer, camden_id, type_name) in &by_type {
        for query in [*query, NODE] {
            let foreign = app
                .graphql(&islington, query, json!({ "id": camden_id }))
                .await;
            foreign.assert_ok();
            let field = if query == NODE { "/node" } else { *pointer };
            assert!(
                foreign.data(field).is_null(),
                "Islington read Camden's {type_name}: {}",
                foreign.body
            );
            let missing = app
                .graphql(&islington, query, json!({ "id": missing_id(type_name) }))
                .await;
            assert_same_answer(&foreign, &missing, &format!("{type_name} via {query}"));
        }
    }

    // Several at once: Islington's own child is found, each of Camden's is null, as missing ids are.
    let mut ids = vec![tenants.islington_child.clone()];
    ids.extend(tenants.camden_ids().into_iter().map(|(_, id)| id));
    let answer = app.graphql(&islington, NODES, json!({ "ids": ids })).await;
    answer.assert_ok();
    let nodes = answer.data("/nodes").as_array().expect("nodes").clone();
    assert_eq!(nodes.len(), 5, "{}", answer.body);
    assert_eq!(nodes[0]["id"], tenants.islington_child.as_str());
    assert!(
        nodes[1..].iter().all(Value::is_null),
        "Islington read Camden's records: {}",
        answer.body
    );
    let mut missing = vec![tenants.islington_child.clone()];
    missing.extend(
        tenants
            .camden_ids()
            .into_iter()
            .map(|(type_name, _)| missing_id(type_name)),
    );
    let missing = app
        .graphql(&islington, NODES, json!({ "ids": missing }))
        .await;
    assert_same_answer(&answer, &missing, "nodes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn islington_cannot_find_camdens_child_by_camdens_local_id() {
    let app = TestApp::spawn().await;
    let tenants = tenants(&app).await;
    let islington = app.token_all(ISLINGTON);

    let foreign = app
        .graphql(
            &islington,
            CHILD_BY_LOCAL_ID,
            json!({ "localChildId": CAMDEN_LOCAL_ID }),
        )
        .await;
    foreign.assert_ok();
    assert!(
        foreign.data("/childByLocalId").is_null(),
        "{}",
        foreign.body
    );
    let missing = app
        .graphql(
            &islington,
            CHILD_BY_LOCAL_ID,
            json!({ "localChildId": "NOSUCH0001" }),
        )
        .await;
    assert_same_answer(&foreign, &missing, "childByLocalId");

    let own = app
        .graphql(
            &islington,
            CHILD_BY_LOCAL_ID,
            json!({ "localChildId": ISLINGTON_LOCAL_ID }),
        )
        .await;
    own.assert_ok();
    assert_eq!(
        own.data("/childByLocalId/id"),
        tenants.islington_child.as_str()
    );

    // Camden's local ids do not even count against Islington's: Islington may use the same one,
    // and then finds its own child by it, never Camden's.
    let answer = app
        .graphql(
            &islington,
            REGISTER_CHILD,
            json!({ "input": { "localChildId": CAMDEN_LOCAL_ID, "dateOfBirth": "2012-02-02" } }),
        )
        .await;
    answer.assert_ok();
    assert_eq!(
        answer.user_error_codes("registerChild"),
        Vec::<String>::new(),
        "{}",
        answer.body
    );
    let islington_twin = answer.text("/registerChild/child/id");
    assert_ne!(islington_twin, tenants.camden_child);
    let answer = app
        .graphql(
            &islington,
            CHILD_BY_LOCAL_ID,
            json!({ "localChildId": CAMDEN_LOCAL_ID }),
        )
        .await;
    answer.assert_ok();
    assert_eq!(answer.data("/childByLocalId/id"), islington_twin.as_str());
    assert_eq!(
        answer.data("/childByLocalId/localAuthority/code"),
        ISLINGTON
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn islington_lists_and_counts_only_its_own_children() {
    let app = TestApp::spawn().await;
    let tenants = tenants(&app).await;
    let islington = app.token_all(ISLINGTON);
    let second = fixtures::child(&app, &islington, "ISL0002").await;

    let answer = app.graphql(&islington, CHILDREN, json!({})).await;
    answer.assert_ok();
    assert_eq!(answer.data("/children/totalCount"), 2, "{}", answer.body);
    let mut listed: Vec<&str> = answer
        .data("/children/nodes")
        .as_array()
        .expect("nodes")
        .iter()
        .map(|child| {
            assert_eq!(
                child["localAuthority"]["code"], ISLINGTON,
                "{}",
                answer.body
            );
            child["id"].as_str().expect("id")
        })
        .collect();
    listed.sort_unstable();
    let mut expected = vec![tenants.islington_child.as_str(), second.as_str()];
    expected.sort_unstable();
    assert_eq!(listed, expected);

    // Paging after a cursor made from Camden's child does not reveal it either.
    let camden_cursor = {
        let answer = app
            .graphql(
                &app.token_all(CAMDEN),
                "{ children(first: 1) { edges { cursor } } }",
                json!({}),
            )
            .await;
        answer.assert_ok();
        answer.text("/children/edges/0/cursor")
    };
    let answer = app
        .graphql(
            &islington,
            "query($after: String) { children(first: 100, after: $after) { nodes { id } } }",
            json!({ "after": camden_cursor }),
        )
        .await;
    answer.assert_ok();
    let paged: Vec<&str> = answer
        .data("/children/nodes")
        .as_array()
        .expect("nodes")
        .iter()
        .map(|child| child["id"].as_str().expect("id"))
        .collect();
    assert!(
        !paged.contains(&tenants.camden_child.as_str()),
        "{}",
        answer.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_islington_mutation_on_camdens_records_fails_exactly_like_a_missing_id_and_changes_nothing(
) {
    let app = TestApp::spawn().await;
    let tenants = tenants(&app).await;
    let islington = app.token_all(ISLINGTON);
    let camden_before = camden_state(&app, &tenants).await;
    let islington_child_before = {
        let answer = app
            .graphql(
                &islington,
                "query($id: ID!) { child(id: $id) { version outcomeMeasurements(first: 100, includeSuperseded: true) { nodes { id } } } }",
                json!({ "id": tenants.islington_child }),
            )
            .await;
        answer.assert_ok();
        answer.body.clone()
    };

    // Each input is valid in every other respect, with Camden's current versions: were the
    // record visible, the change would go through (or fail for a reason that reveals it).
    let attempts: Vec<(&str, &str, &str, &str, Value)> = vec![
        (
            "updateChild",
            UPDATE_CHILD,
            "Child",
            tenants.camden_child.as_str(),
            json!({ "childId": tenants.camden_child, "expectedVersion": 1, "gender": "FEMALE", "localChildId": "TAKEN1" }),
        ),
        (
            "submitReferral",
            SUBMIT_REFERRAL,
            "Child",
            tenants.camden_child.as_str(),
            json!({
                "childId": tenants.camden_child,
                "referredAt": "2025-05-01T09:00:00Z",
                "firstResponder": { "organisationType": "LOCAL_AUTHORITY", "organisationName": "Islington Children's Services" },
                "exploitationTypes": ["LABOUR"],
                "exploitationLocation": "UK",
                "competentAuthority": "SCA"
            }),
        ),
        (
            "recordReasonableGroundsDecision",
            RECORD_RG,
            "NrmReferral",
            tenants.camden_referral.as_str(),
            json!({ "referralId": tenants.camden_referral, "expectedVersion": 2, "outcome": "NEGATIVE", "decidedAt": "2025-03-07T12:00:00Z" }),
        ),
        (
            "recordConclusiveGroundsDecision",
            RECORD_CG,
            "NrmReferral",
            tenants.camden_referral.as_str(),
            json!({ "referralId": tenants.camden_referral, "expectedVersion": 2, "outcome": "NEGATIVE", "decidedAt": "2025-06-01T12:00:00Z" }),
        ),
        (
            "requestReconsideration",
            REQUEST_RECONSIDERATION,
            "NrmReferral",
            tenants.camden_referral.as_str(),
            json!({ "referralId": tenants.camden_referral, "expectedVersion": 2, "requestedAt": "2025-03-10T12:00:00Z" }),
        ),
        (
            "withdrawReferral",
            WITHDRAW,
            "NrmReferral",
            tenants.camden_referral.as_str(),
            json!({ "referralId": tenants.camden_referral, "expectedVersion": 2, "withdrawnAt": "2025-03-10T12:00:00Z" }),
        ),
        (
            "requestGuardian",
            REQUEST_GUARDIAN,
            "Child",
            tenants.camden_child.as_str(),
            json!({ "childId": tenants.camden_child, "service": "NI_INDEPENDENT_GUARDIAN", "role": "GUARDIAN", "requestedAt": "2025-03-05T09:00:00Z" }),
        ),
        (
            "requestGuardian (open service)",
            REQUEST_GUARDIAN,
            "Child",
            tenants.camden_child.as_str(),
            json!({ "childId": tenants.camden_child, "service": "ICTG", "role": "DIRECT_WORKER", "requestedAt": "2025-03-05T09:00:00Z" }),
        ),
        (
            "assignGuardian",
            ASSIGN_GUARDIAN,
            "GuardianAssignment",
            tenants.camden_assignment.as_str(),
            json!({ "assignmentId": tenants.camden_assignment, "expectedVersion": 1, "assignedAt": "2025-03-05T09:00:00Z" }),
        ),
        (
            "endGuardianAssignment",
            END_ASSIGNMENT,
            "GuardianAssignment",
            tenants.camden_assignment.as_str(),
            json!({ "assignmentId": tenants.camden_assignment, "expectedVersion": 1, "endedAt": "2025-03-05T09:00:00Z", "reason": "REQUEST_WITHDRAWN" }),
        ),
        (
            "recordOutcomeMeasurement",
            RECORD_MEASUREMENT,
            "Child",
            tenants.camden_child.as_str(),
            json!({
                "childId": tenants.camden_child,
                "outcomeKey": "being_believed",
                "observedAt": "2025-04-02T10:00:00Z",
                "youngPersonParticipated": true,
                "youngPersonRating": 2
            }),
        ),
        (
            "recordOutcomeMeasurement (correcting Camden's measurement)",
            RECORD_MEASUREMENT,
            "OutcomeMeasurement",
            tenants.camden_measurement.as_str(),
            json!({
                "childId": tenants.islington_child,
                "outcomeKey": "being_safe_and_feeling_safe",
                "observedAt": "2025-04-02T10:00:00Z",
                "youngPersonParticipated": true,
                "youngPersonRating": 2,
                "supersedesId": tenants.camden_measurement
            }),
        ),
    ];

    for (what, query, type_name, camden_id, input) in &attempts {
        let foreign = app
            .graphql(&islington, query, json!({ "input": input }))
            .await;
        let missing_input = replace_id(input, camden_id, &missing_id(type_name));
        assert_ne!(&missing_input, input);
        let missing = app
            .graphql(&islington, query, json!({ "input": missing_input }))
            .await;
        assert_same_answer(&foreign, &missing, what);
        // And what both say is "not found", as a GraphQL error or on the supersedesId field.
        let codes = foreign.error_codes();
        let not_found_field = foreign
            .body
            .pointer("/data/recordOutcomeMeasurement/userErrors")
            .and_then(Value::as_array)
            .is_some_and(|errors| {
                errors.len() == 1
                    && errors[0]["code"] == "NOT_FOUND"
                    && errors[0]["field"] == json!(["input", "supersedesId"])
            });
        assert!(
            codes == ["NOT_FOUND"] || (codes.is_empty() && not_found_field),
            "{what}: {}",
            foreign.body
        );
    }

    assert_eq!(
        camden_state(&app, &tenants).await,
        camden_before,
        "Islington changed Camden's data"
    );
    let islington_child_after = app
        .graphql(
            &islington,
            "query($id: ID!) { child(id: $id) { version outcomeMeasurements(first: 100, includeSuperseded: true) { nodes { id } } } }",
            json!({ "id": tenants.islington_child }),
        )
        .await;
    assert_eq!(
        islington_child_after.body, islington_child_before,
        "a refused correction was written"
    );
    // Camden can still make the changes Islington could not, with the same versions.
    let answer = app
        .graphql(
            &app.token_all(CAMDEN),
            WITHDRAW,
            json!({ "input": { "referralId": tenants.camden_referral, "expectedVersion": 2, "withdrawnAt": "2025-03-10T12:00:00Z" } }),
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn islington_may_use_camdens_local_child_id_when_updating_its_own_child() {
    let app = TestApp::spawn().await;
    let tenants = tenants(&app).await;
    let islington = app.token_all(ISLINGTON);
    let camden_before = camden_state(&app, &tenants).await;
    // A DUPLICATE_LOCAL_CHILD_ID here would tell Islington that Camden has a child with this id.
    let answer = app
        .graphql(
            &islington,
            UPDATE_CHILD,
            json!({ "input": { "childId": tenants.islington_child, "expectedVersion": 1, "localChildId": CAMDEN_LOCAL_ID } }),
        )
        .await;
    answer.assert_ok();
    assert_eq!(
        answer.user_error_codes("updateChild"),
        Vec::<String>::new(),
        "{}",
        answer.body
    );
    assert_eq!(
        answer.data("/updateChild/child/localChildId"),
        CAMDEN_LOCAL_ID
    );
    assert_eq!(camden_state(&app, &tenants).await, camden_before);
}
