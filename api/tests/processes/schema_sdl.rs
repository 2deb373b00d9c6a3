//! `schema.graphql` is the contract case systems code against: it must be exactly what the code
//! serves. Regenerate with `UPDATE_SCHEMA=1 cargo test -p stable-futures-api --test processes schema_sdl`
//! and review the diff (a removal or rename needs a deprecation first).

#[test]
fn committed_schema_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema.graphql");
    let generated = stable_futures_api::graphql::sdl();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).expect("write schema.graphql");
    }
    let committed = std::fs::read_to_string(&path).expect("schema.graphql exists");
    assert!(
        committed == generated,
        "schema.graphql is out of date: run UPDATE_SCHEMA=1 cargo test -p stable-futures-api --test processes schema_sdl"
    );
}

/// The schema a reader across authorities is answered from, committed beside the other.
#[test]
fn committed_aggregate_schema_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema-aggregate.graphql");
    let generated = stable_futures_api::graphql::aggregate::aggregate_sdl();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).expect("write schema-aggregate.graphql");
    }
    let committed = std::fs::read_to_string(&path).expect("schema-aggregate.graphql exists");
    assert!(
        committed == generated,
        "schema-aggregate.graphql is out of date: run UPDATE_SCHEMA=1 cargo test -p stable-futures-api --test processes schema_sdl"
    );
    // Reports and nothing that leads to a record.
    for absent in [
        "type Child ",
        "type NrmReferral ",
        "type Mutation",
        "auditEvents",
        "node(",
    ] {
        assert!(
            !generated.contains(absent),
            "the aggregate schema has {absent:?}"
        );
    }
}

#[test]
fn the_contract_names_are_present() {
    let sdl = stable_futures_api::graphql::sdl();
    for needle in [
        "viewer: Viewer!",
        "node(id: ID!): Node",
        "nodes(ids: [ID!]!): [Node]!",
        "child(id: ID!): Child",
        "childByLocalId(localChildId: String!): Child",
        // Optional arguments may be added (filter, orderBy); none may be removed.
        "children(first: Int!, after: String, filter: ChildFilter, orderBy: ChildOrder): ChildConnection",
        "childByIdentifier(type: ChildIdentifierType!, value: String!): Child",
        "referrals(first: Int!, after: String, filter: ReferralFilter, orderBy: ReferralOrder): NrmReferralConnection",
        "guardianAssignments(first: Int!, after: String, filter: GuardianAssignmentFilter, orderBy: GuardianAssignmentOrder): GuardianAssignmentConnection",
        "worklistSettings: WorklistSettings",
        "updateWorklistSettings(input: UpdateWorklistSettingsInput!): UpdateWorklistSettingsPayload!",
        "recordHomeOfficeReference(input: RecordHomeOfficeReferenceInput!): RecordHomeOfficeReferencePayload!",
        "enum WorkItemKind {",
        "TURNING_18",
        "referral(id: ID!): NrmReferral",
        "outcomeFramework: OutcomeFramework!",
        "registerChild(input: RegisterChildInput!): RegisterChildPayload!",
        "updateChild(input: UpdateChildInput!): UpdateChildPayload!",
        "submitReferral(input: SubmitReferralInput!): SubmitReferralPayload!",
        "recordReasonableGroundsDecision(input: RecordReasonableGroundsDecisionInput!)",
        "recordConclusiveGroundsDecision(input: RecordConclusiveGroundsDecisionInput!)",
        "requestReconsideration(input: RequestReconsiderationInput!)",
        "withdrawReferral(input: WithdrawReferralInput!)",
        "requestGuardian(input: RequestGuardianInput!)",
        "assignGuardian(input: AssignGuardianInput!)",
        "endGuardianAssignment(input: EndGuardianAssignmentInput!)",
        "recordOutcomeMeasurement(input: RecordOutcomeMeasurementInput!)",
        "enum ExploitationType {",
        "enum GuardianRole {",
        "POST_18_WORKER",
        "UK_AND_OVERSEAS",
        "DDM_PANEL",
        "NI_INDEPENDENT_GUARDIAN",
    ] {
        assert!(sdl.contains(needle), "schema lacks {needle:?}");
    }
}
