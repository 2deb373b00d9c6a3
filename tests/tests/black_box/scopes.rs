//! Scopes: a field the token has no scope for is refused with FORBIDDEN on that field (its data
//! null), even when the token has every other scope; the scope alone (with what the path to the
//! field needs) is enough. A refused mutation writes nothing.
//!
//! One test per row of each table, so a failing row names itself.

use serde_json::{json, Value};
use stable_futures_domain::principal::Scope;
use stable_futures_test_support::fixtures::{self, RECORD_RG};
use stable_futures_test_support::{Answer, TestApp, ISLINGTON};

use Scope::{
    ChildrenRead, ChildrenWrite, GuardiansRead, GuardiansWrite, OutcomesRead, OutcomesWrite,
    ReferralsRead, ReferralsWrite, SensitiveRead,
};

const LOCAL_ID: &str = "SCOPE1";

/// One child with one of everything, built with an all-scopes token.
struct World {
    app: TestApp,
    /// Variables every read query may use: `$child $localId $referral $assignment $measurement`.
    variables: Value,
}

const ASSIGN_GUARDIAN: &str = "mutation($input: AssignGuardianInput!) { assignGuardian(input: $input) { assignment { id version } userErrors { code } } }";

async fn world() -> World {
    let app = TestApp::spawn().await;
    let all = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &all, LOCAL_ID).await;
    let (referral, _) = fixtures::referral(&app, &all, &child).await;
    let (assignment, version) = fixtures::guardian_request(&app, &all, &child).await;
    let assigned = app
        .graphql(
            &all,
            ASSIGN_GUARDIAN,
            json!({ "input": { "assignmentId": assignment, "expectedVersion": version, "assignedAt": "2025-03-10T09:00:00Z" } }),
        )
        .await;
    assigned.assert_ok();
    assert_eq!(
        assigned.user_error_codes("assignGuardian"),
        Vec::<String>::new()
    );
    let measurement = fixtures::measurement(
        &app,
        &all,
        &child,
        json!({ "practitionerRating": 4, "practitionerNote": "Settled well in the new placement" }),
    )
    .await;
    World {
        app,
        variables: json!({
            "child": child,
            "localId": LOCAL_ID,
            "referral": referral,
            "assignment": assignment,
            "measurement": measurement,
        }),
    }
}

/// Every scope but `scope`.
fn all_but(scope: Scope) -> Vec<Scope> {
    Scope::ALL.iter().copied().filter(|s| *s != scope).collect()
}

/// The variables `query` declares, from those of the world.
fn variables_for(query: &str, all: &Value) -> Value {
    let mut variables = serde_json::Map::new();
    for (name, value) in all.as_object().expect("variables") {
        if query.contains(&format!("${name}:")) {
            variables.insert(name.clone(), value.clone());
        }
    }
    Value::Object(variables)
}

fn error_paths(answer: &Answer) -> Vec<(String, Value)> {
    answer.body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["extensions"]["code"]
                            .as_str()
                            .unwrap_or("<none>")
                            .to_owned(),
                        e["path"].clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

// ----- Reads -----------------------------------------------------------------------------------

/// A field guarded by `scope`.
struct Read {
    query: &'static str,
    /// The scope the field needs.
    scope: Scope,
    /// What the whole query needs with the field allowed (includes `scope`).
    needs: &'static [Scope],
    /// The path of the refused field, as in the error (digits are list indexes).
    path: &'static [&'static str],
}

fn json_path(path: &[&str]) -> Value {
    path.iter()
        .map(|p| {
            p.parse::<u64>()
                .map_or_else(|_| json!(p), |index| json!(index))
        })
        .collect()
}

/// The value of the field at `path` in `data`: `None` if the field (or an ancestor) is absent.
fn field_at<'a>(answer: &'a Answer, path: &[&str]) -> Option<&'a Value> {
    answer.body.pointer(&format!("/data/{}", path.join("/")))
}

async fn check_read(case: Read) {
    assert!(
        case.needs.contains(&case.scope),
        "table row must need its scope"
    );
    let world = world().await;
    let app = &world.app;
    let variables = variables_for(case.query, &world.variables);

    // Every other scope: refused on that field, and nothing of it returned.
    let refused = app
        .graphql(
            &app.token(ISLINGTON, &all_but(case.scope)),
            case.query,
            variables.clone(),
        )
        .await;
    assert_eq!(refused.status, 200, "{}", refused.body);
    assert_eq!(
        error_paths(&refused),
        vec![("FORBIDDEN".to_owned(), json_path(case.path))],
        "refused without {}: {}",
        case.scope.as_str(),
        refused.body
    );
    assert!(
        field_at(&refused, case.path).is_none_or(Value::is_null),
        "refused field has data: {}",
        refused.body
    );

    // Exactly what it needs: answered.
    let allowed = app
        .graphql(&app.token(ISLINGTON, case.needs), case.query, variables)
        .await;
    allowed.assert_ok();
    assert!(
        field_at(&allowed, case.path).is_some_and(|value| !value.is_null()),
        "allowed field has no data: {}",
        allowed.body
    );
}

macro_rules! read_tests {
    ($($(#[$meta:meta])* $name:ident: $case:expr;)*) => {$(
        $(#[$meta])*
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            check_read($case).await;
        }
    )*};
}

read_tests! {
    query_child_needs_children_read: Read {
        query: "query($child: ID!) { child(id: $child) { id localChildId } }",
        scope: ChildrenRead, needs: &[ChildrenRead], path: &["child"],
    };
    query_child_by_local_id_needs_children_read: Read {
        query: "query($localId: String!) { childByLocalId(localChildId: $localId) { id localChildId } }",
        scope: ChildrenRead, needs: &[ChildrenRead], path: &["childByLocalId"],
    };
    query_children_needs_children_read: Read {
        query: "{ children(first: 10) { totalCount nodes { id } } }",
        scope: ChildrenRead, needs: &[ChildrenRead], path: &["children"],
    };
    query_referral_needs_referrals_read: Read {
        query: "query($referral: ID!) { referral(id: $referral) { id status } }",
        scope: ReferralsRead, needs: &[ReferralsRead], path: &["referral"],
    };
    child_referrals_needs_referrals_read: Read {
        query: "query($child: ID!) { child(id: $child) { id referrals(first: 10) { nodes { id status } } } }",
        scope: ReferralsRead, needs: &[ChildrenRead, ReferralsRead], path: &["child", "referrals"],
    };
    query_guardian_assignment_needs_guardians_read: Read {
        query: "query($assignment: ID!) { guardianAssignment(id: $assignment) { id status } }",
        scope: GuardiansRead, needs: &[GuardiansRead], path: &["guardianAssignment"],
    };
    child_guardian_assignments_needs_guardians_read: Read {
        query: "query($child: ID!) { child(id: $child) { id guardianAssignments { id status } } }",
        scope: GuardiansRead, needs: &[ChildrenRead, GuardiansRead], path: &["child", "guardianAssignments"],
    };
    query_outcome_measurement_needs_outcomes_read: Read {
        query: "query($measurement: ID!) { outcomeMeasurement(id: $measurement) { id youngPersonRating } }",
        scope: OutcomesRead, needs: &[OutcomesRead], path: &["outcomeMeasurement"],
    };
    child_outcome_measurements_needs_outcomes_read: Read {
        query: "query($child: ID!) { child(id: $child) { id outcomeMeasurements(first: 10) { nodes { id } } } }",
        scope: OutcomesRead, needs: &[ChildrenRead, OutcomesRead], path: &["child", "outcomeMeasurements"],
    };
    measurement_young_person_words_needs_sensitive_read: Read {
        query: "query($measurement: ID!) { outcomeMeasurement(id: $measurement) { id youngPersonWords } }",
        scope: SensitiveRead, needs: &[OutcomesRead, SensitiveRead],
        path: &["outcomeMeasurement", "youngPersonWords"],
    };
    measurement_practitioner_note_needs_sensitive_read: Read {
        query: "query($measurement: ID!) { outcomeMeasurement(id: $measurement) { id practitionerNote } }",
        scope: SensitiveRead, needs: &[OutcomesRead, SensitiveRead],
        path: &["outcomeMeasurement", "practitionerNote"],
    };
    child_measurements_young_person_words_needs_sensitive_read: Read {
        query: "query($child: ID!) { child(id: $child) { outcomeMeasurements(first: 10) { edges { node { youngPersonWords } } } } }",
        scope: SensitiveRead, needs: &[ChildrenRead, OutcomesRead, SensitiveRead],
        path: &["child", "outcomeMeasurements", "edges", "0", "node", "youngPersonWords"],
    };
    node_child_needs_children_read: Read {
        query: "query($child: ID!) { node(id: $child) { id ... on Child { localChildId } } }",
        scope: ChildrenRead, needs: &[ChildrenRead], path: &["node"],
    };
    node_referral_needs_referrals_read: Read {
        query: "query($referral: ID!) { node(id: $referral) { id ... on NrmReferral { status } } }",
        scope: ReferralsRead, needs: &[ReferralsRead], path: &["node"],
    };
    node_guardian_assignment_needs_guardians_read: Read {
        query: "query($assignment: ID!) { node(id: $assignment) { id ... on GuardianAssignment { status } } }",
        scope: GuardiansRead, needs: &[GuardiansRead], path: &["node"],
    };
    node_outcome_measurement_needs_outcomes_read: Read {
        query: "query($measurement: ID!) { node(id: $measurement) { id ... on OutcomeMeasurement { youngPersonRating } } }",
        scope: OutcomesRead, needs: &[OutcomesRead], path: &["node"],
    };
    node_outcome_measurement_words_need_sensitive_read: Read {
        query: "query($measurement: ID!) { node(id: $measurement) { id ... on OutcomeMeasurement { youngPersonWords } } }",
        scope: SensitiveRead, needs: &[OutcomesRead, SensitiveRead],
        path: &["node", "youngPersonWords"],
    };
    nodes_child_needs_children_read: Read {
        query: "query($child: ID!) { nodes(ids: [$child]) { id } }",
        scope: ChildrenRead, needs: &[ChildrenRead], path: &["nodes"],
    };
    referral_child_needs_children_read: Read {
        query: "query($referral: ID!) { referral(id: $referral) { id child { id } } }",
        scope: ChildrenRead, needs: &[ReferralsRead, ChildrenRead], path: &["referral", "child"],
    };
    guardian_assignment_child_needs_children_read: Read {
        query: "query($assignment: ID!) { guardianAssignment(id: $assignment) { id child { id } } }",
        scope: ChildrenRead, needs: &[GuardiansRead, ChildrenRead],
        path: &["guardianAssignment", "child"],
    };
    guardian_assignment_days_from_referral_needs_referrals_read: Read {
        query: "query($assignment: ID!) { guardianAssignment(id: $assignment) { id daysFromReferralToAssignment } }",
        scope: ReferralsRead, needs: &[GuardiansRead, ReferralsRead],
        path: &["guardianAssignment", "daysFromReferralToAssignment"],
    };
    outcome_measurement_child_needs_children_read: Read {
        query: "query($measurement: ID!) { outcomeMeasurement(id: $measurement) { id child { id } } }",
        scope: ChildrenRead, needs: &[OutcomesRead, ChildrenRead],
        path: &["outcomeMeasurement", "child"],
    };
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_sensitive_read_the_rest_of_a_measurement_is_still_readable() {
    let world = world().await;
    let app = &world.app;
    let query = "query($measurement: ID!) { outcomeMeasurement(id: $measurement) {
        id frameworkVersion youngPersonParticipated youngPersonRating practitionerRating indicatorsMet
        outcome { key } youngPersonWords practitionerNote } }";
    let answer = app
        .graphql(
            &app.token(ISLINGTON, &[OutcomesRead]),
            query,
            variables_for(query, &world.variables),
        )
        .await;
    assert_eq!(answer.status, 200);
    let mut errors = error_paths(&answer);
    errors.sort_by_key(|(_, path)| path.to_string());
    assert_eq!(
        errors,
        vec![
            (
                "FORBIDDEN".to_owned(),
                json!(["outcomeMeasurement", "practitionerNote"])
            ),
            (
                "FORBIDDEN".to_owned(),
                json!(["outcomeMeasurement", "youngPersonWords"])
            ),
        ],
        "{}",
        answer.body
    );
    let measurement = answer.data("/outcomeMeasurement");
    assert_eq!(measurement["id"], world.variables["measurement"]);
    assert_eq!(measurement["youngPersonParticipated"], json!(true));
    assert_eq!(measurement["youngPersonRating"], json!(3));
    assert_eq!(measurement["practitionerRating"], json!(4));
    assert_eq!(
        measurement["outcome"]["key"],
        json!("being_safe_and_feeling_safe")
    );
    assert_eq!(measurement["youngPersonWords"], Value::Null);
    assert_eq!(measurement["practitionerNote"], Value::Null);
    // The words never appear anywhere in the answer.
    assert!(
        !answer.body.to_string().contains("safer where I live"),
        "{}",
        answer.body
    );
    assert!(
        !answer.body.to_string().contains("Settled well"),
        "{}",
        answer.body
    );

    let sensitive = app
        .graphql(
            &app.token(ISLINGTON, &[OutcomesRead, SensitiveRead]),
            query,
            variables_for(query, &world.variables),
        )
        .await;
    sensitive.assert_ok();
    assert_eq!(
        sensitive.data("/outcomeMeasurement/youngPersonWords"),
        &json!("I feel safer where I live now")
    );
    assert_eq!(
        sensitive.data("/outcomeMeasurement/practitionerNote"),
        &json!("Settled well in the new placement")
    );
}

// ----- Mutations -------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Mutation {
    RegisterChild,
    UpdateChild,
    SubmitReferral,
    RecordReasonableGroundsDecision,
    RecordConclusiveGroundsDecision,
    RequestReconsideration,
    WithdrawReferral,
    RequestGuardian,
    AssignGuardian,
    EndGuardianAssignment,
    RecordOutcomeMeasurement,
}

impl Mutation {
    fn field(self) -> &'static str {
        match self {
            Mutation::RegisterChild => "registerChild",
            Mutation::UpdateChild => "updateChild",
            Mutation::SubmitReferral => "submitReferral",
            Mutation::RecordReasonableGroundsDecision => "recordReasonableGroundsDecision",
            Mutation::RecordConclusiveGroundsDecision => "recordConclusiveGroundsDecision",
            Mutation::RequestReconsideration => "requestReconsideration",
            Mutation::WithdrawReferral => "withdrawReferral",
            Mutation::RequestGuardian => "requestGuardian",
            Mutation::AssignGuardian => "assignGuardian",
            Mutation::EndGuardianAssignment => "endGuardianAssignment",
            Mutation::RecordOutcomeMeasurement => "recordOutcomeMeasurement",
        }
    }

    fn scope(self) -> Scope {
        match self {
            Mutation::RegisterChild | Mutation::UpdateChild => ChildrenWrite,
            Mutation::SubmitReferral
            | Mutation::RecordReasonableGroundsDecision
            | Mutation::RecordConclusiveGroundsDecision
            | Mutation::RequestReconsideration
            | Mutation::WithdrawReferral => ReferralsWrite,
            Mutation::RequestGuardian
            | Mutation::AssignGuardian
            | Mutation::EndGuardianAssignment => GuardiansWrite,
            Mutation::RecordOutcomeMeasurement => OutcomesWrite,
        }
    }

    fn operation(self) -> String {
        let field = self.field();
        let mut input_type = field[..1].to_uppercase();
        input_type.push_str(&field[1..]);
        format!("mutation($input: {input_type}Input!) {{ {field}(input: $input) {{ userErrors {{ field message code }} }} }}")
    }

    /// Builds what the mutation acts on (with an all-scopes token) and returns a valid input.
    async fn prepare(self, app: &TestApp) -> Value {
        let all = app.token_all(ISLINGTON);
        if let Mutation::RegisterChild = self {
            return json!({ "localChildId": "NEWCHILD1", "dateOfBirth": "2011-02-03" });
        }
        let child = fixtures::child(app, &all, "PREP1").await;
        match self {
            Mutation::RegisterChild => unreachable!(),
            Mutation::UpdateChild => {
                json!({ "childId": child, "expectedVersion": child_version(app, &child).await, "gender": "FEMALE" })
            }
            Mutation::SubmitReferral => json!({
                "childId": child,
                "referredAt": "2025-03-03T09:00:00Z",
                "firstResponder": { "organisationType": "LOCAL_AUTHORITY", "organisationName": "Islington Council" },
                "exploitationTypes": ["LABOUR"],
                "exploitationLocation": "UK",
                "competentAuthority": "SCA",
            }),
            Mutation::RecordReasonableGroundsDecision => {
                let (referral, version) = fixtures::referral(app, &all, &child).await;
                json!({ "referralId": referral, "expectedVersion": version, "outcome": "POSITIVE", "decidedAt": "2025-03-07T10:00:00Z" })
            }
            Mutation::RecordConclusiveGroundsDecision => {
                let (referral, version) = fixtures::referral(app, &all, &child).await;
                let version =
                    decide_reasonable_grounds(app, &all, &referral, version, "POSITIVE").await;
                json!({ "referralId": referral, "expectedVersion": version, "outcome": "POSITIVE", "decidedAt": "2025-06-02T10:00:00Z" })
            }
            Mutation::RequestReconsideration => {
                let (referral, version) = fixtures::referral(app, &all, &child).await;
                let version =
                    decide_reasonable_grounds(app, &all, &referral, version, "NEGATIVE").await;
                json!({ "referralId": referral, "expectedVersion": version, "requestedAt": "2025-03-20T10:00:00Z" })
            }
            Mutation::WithdrawReferral => {
                let (referral, version) = fixtures::referral(app, &all, &child).await;
                json!({ "referralId": referral, "expectedVersion": version, "withdrawnAt": "2025-03-05T10:00:00Z" })
            }
            Mutation::RequestGuardian => json!({
                "childId": child, "service": "ICTG", "role": "DIRECT_WORKER", "requestedAt": "2025-03-04T09:00:00Z",
            }),
            Mutation::AssignGuardian => {
                let (assignment, version) = fixtures::guardian_request(app, &all, &child).await;
                json!({ "assignmentId": assignment, "expectedVersion": version, "assignedAt": "2025-03-10T09:00:00Z" })
            }
            Mutation::EndGuardianAssignment => {
                let (assignment, version) = fixtures::guardian_request(app, &all, &child).await;
                json!({ "assignmentId": assignment, "expectedVersion": version, "endedAt": "2025-03-11T09:00:00Z", "reason": "REQUEST_WITHDRAWN" })
            }
            Mutation::RecordOutcomeMeasurement => json!({
                "childId": child,
                "outcomeKey": "being_safe_and_feeling_safe",
                "observedAt": "2025-04-01T10:00:00Z",
                "youngPersonParticipated": true,
                "youngPersonRating": 2,
            }),
        }
    }
}

async fn child_version(app: &TestApp, child: &str) -> i64 {
    let answer = app
        .graphql(
            &app.token_all(ISLINGTON),
            "query($id: ID!) { child(id: $id) { version } }",
            json!({ "id": child }),
        )
        .await;
    answer.assert_ok();
    answer.data("/child/version").as_i64().expect("version")
}

async fn decide_reasonable_grounds(
    app: &TestApp,
    token: &str,
    referral: &str,
    version: i64,
    outcome: &str,
) -> i64 {
    let answer = app
        .graphql(
            token,
            RECORD_RG,
            json!({ "input": { "referralId": referral, "expectedVersion": version, "outcome": outcome, "decidedAt": "2025-03-07T10:00:00Z" } }),
        )
        .await;
    answer.assert_ok();
    assert_eq!(
        answer.user_error_codes("recordReasonableGroundsDecision"),
        Vec::<String>::new()
    );
    answer
        .data("/recordReasonableGroundsDecision/referral/version")
        .as_i64()
        .expect("version")
}

/// Everything the tenant has, read with an all-scopes token: any write changes it.
const SNAPSHOT: &str = r"{
  children(first: 20) {
    totalCount
    nodes {
      id localChildId version gender
      referrals(first: 10) { nodes { id version status reconsiderationPending withdrawnAt timeline { kind at } } }
      guardianAssignments { id version status assignedAt endedAt }
      outcomeMeasurements(first: 10, includeSuperseded: true) { nodes { id } }
    }
  }
}";

async fn snapshot(app: &TestApp) -> Value {
    let answer = app
        .graphql(&app.token_all(ISLINGTON), SNAPSHOT, json!({}))
        .await;
    answer.assert_ok();
    answer.data("").clone()
}

async fn check_mutation(mutation: Mutation) {
    let app = TestApp::spawn().await;
    let input = mutation.prepare(&app).await;
    let operation = mutation.operation();
    let before = snapshot(&app).await;

    // Every other scope: refused, and nothing written.
    let refused = app
        .graphql(
            &app.token(ISLINGTON, &all_but(mutation.scope())),
            &operation,
            json!({ "input": input }),
        )
        .await;
    assert_eq!(refused.status, 200, "{}", refused.body);
    assert_eq!(
        error_paths(&refused),
        vec![("FORBIDDEN".to_owned(), json!([mutation.field()]))],
        "refused without {}: {}",
        mutation.scope().as_str(),
        refused.body
    );
    assert_eq!(refused.body["data"], Value::Null, "{}", refused.body);
    assert_eq!(
        snapshot(&app).await,
        before,
        "a refused {} wrote something",
        mutation.field()
    );

    // The write scope alone: written.
    let allowed = app
        .graphql(
            &app.token(ISLINGTON, &[mutation.scope()]),
            &operation,
            json!({ "input": input }),
        )
        .await;
    allowed.assert_ok();
    assert_eq!(
        allowed.user_error_codes(mutation.field()),
        Vec::<String>::new(),
        "{}",
        allowed.body
    );
    assert_ne!(
        snapshot(&app).await,
        before,
        "{} wrote nothing",
        mutation.field()
    );
}

macro_rules! mutation_tests {
    ($($(#[$meta:meta])* $name:ident: $mutation:expr;)*) => {$(
        $(#[$meta])*
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            check_mutation($mutation).await;
        }
    )*};
}

mutation_tests! {
    register_child_needs_children_write: Mutation::RegisterChild;
    update_child_needs_children_write: Mutation::UpdateChild;
    submit_referral_needs_referrals_write: Mutation::SubmitReferral;
    record_reasonable_grounds_decision_needs_referrals_write: Mutation::RecordReasonableGroundsDecision;
    record_conclusive_grounds_decision_needs_referrals_write: Mutation::RecordConclusiveGroundsDecision;
    request_reconsideration_needs_referrals_write: Mutation::RequestReconsideration;
    withdraw_referral_needs_referrals_write: Mutation::WithdrawReferral;
    request_guardian_needs_guardians_write: Mutation::RequestGuardian;
    assign_guardian_needs_guardians_write: Mutation::AssignGuardian;
    end_guardian_assignment_needs_guardians_write: Mutation::EndGuardianAssignment;
    record_outcome_measurement_needs_outcomes_write: Mutation::RecordOutcomeMeasurement;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_with_no_scopes_can_still_ask_who_it_is_but_read_nothing() {
    let world = world().await;
    let app = &world.app;
    let token = app.token(ISLINGTON, &[]);
    let answer = app
        .graphql(&token, "{ viewer { subject scopes } }", json!({}))
        .await;
    answer.assert_ok();
    assert_eq!(answer.data("/viewer/scopes"), &json!([]));
    let query = "query($child: ID!, $referral: ID!, $assignment: ID!, $measurement: ID!) {
        child(id: $child) { id } referral(id: $referral) { id }
        guardianAssignment(id: $assignment) { id } outcomeMeasurement(id: $measurement) { id } }";
    let answer = app
        .graphql(&token, query, variables_for(query, &world.variables))
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.error_codes(),
        vec!["FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN"],
        "{}",
        answer.body
    );
    for field in [
        "child",
        "referral",
        "guardianAssignment",
        "outcomeMeasurement",
    ] {
        assert!(
            field_at(&answer, &[field]).is_none_or(Value::is_null),
            "{}",
            answer.body
        );
    }
}

// ----- The shape of a refusal (GraphQL spec, "Handling Field Errors") --------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_field_is_present_in_data_as_null_beside_what_was_allowed() {
    let world = world().await;
    let app = &world.app;
    let cases: [(&str, &[Scope], Value); 6] = [
        (
            "query($measurement: ID!) { outcomeMeasurement(id: $measurement) { id youngPersonWords } }",
            &[OutcomesRead],
            json!({ "outcomeMeasurement": { "id": world.variables["measurement"], "youngPersonWords": null } }),
        ),
        (
            "query($child: ID!) { child(id: $child) { id referrals(first: 10) { nodes { id } } } }",
            &[ChildrenRead],
            json!({ "child": { "id": world.variables["child"], "referrals": null } }),
        ),
        (
            "query($child: ID!) { child(id: $child) { id guardianAssignments { id } } }",
            &[ChildrenRead],
            json!({ "child": { "id": world.variables["child"], "guardianAssignments": null } }),
        ),
        (
            "query($referral: ID!) { referral(id: $referral) { id child { id } } }",
            &[ReferralsRead],
            json!({ "referral": { "id": world.variables["referral"], "child": null } }),
        ),
        (
            "query($child: ID!) { viewer { subject } child(id: $child) { id } }",
            &[],
            json!({ "viewer": { "subject": "test-user" }, "child": null }),
        ),
        (
            "query($child: ID!) { child(id: $child) { id } }",
            &[],
            json!({ "child": null }),
        ),
    ];
    let mut wrong = Vec::new();
    for (query, scopes, expected) in cases {
        let answer = app
            .graphql(
                &app.token(ISLINGTON, scopes),
                query,
                variables_for(query, &world.variables),
            )
            .await;
        assert_eq!(
            answer.error_codes(),
            vec!["FORBIDDEN"],
            "{query}: {}",
            answer.body
        );
        if answer.body["data"] != expected {
            wrong.push(format!(
                "{query}\n  expected data {expected}\n  got {}",
                answer.body["data"]
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
