//! Every field of the live schema, held to its scope and to the audit trail by execution.
//!
//! For each field of each object type the schema exports, a query reaches one object of that type
//! on real data (a child with a decided referral, an assigned guardian and a measurement with the
//! young person's words), selects the field, and runs once with every scope and once with each
//! scope taken away. The field must be answered (no error) when every scope it and its route
//! need is held, and refused with `FORBIDDEN` when one is missing; whenever it is answered, the
//! audit trail must hold a `READ` row of the right class for the child whose data it answered,
//! and when it is refused, no row of the class it would have read.
//!
//! A new type fails until it has a route here, and a new field until its scope and the data it
//! reads are stated; a resolver that skips its scope check or its audit note fails the run.

use std::collections::{BTreeMap, BTreeSet};

use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};
use serde_json::json;
use stable_futures_domain::principal::Scope;
use stable_futures_test_support::fixtures::{self, RECORD_RG};
use stable_futures_test_support::{Answer, TestApp, ISLINGTON};

/// The kinds of data the audit trail names (`AuditFieldsClass`).
const IDENTIFIERS: &str = "IDENTIFIERS";
const REFERRAL: &str = "REFERRAL";
const GUARDIAN: &str = "GUARDIAN";
const OUTCOMES: &str = "OUTCOMES";
const SENSITIVE: &str = "SENSITIVE_TEXT";
const AUDIT: &str = "AUDIT";
const AGGREGATE: &str = "AGGREGATE";
const TRANSFER: &str = "TRANSFER";
const TRANSFERS_READ: &[&str] = &["transfers:read"];
const NRM_TIMELINESS: &str =
    r#"reports { nrmTimeliness(from: "2020-01-01", to: "2029-12-31", groupBy: [COUNTY_LINES]) {"#;
const NRM_TIMELINESS_ROWS: &str = r#"reports { nrmTimeliness(from: "2020-01-01", to: "2029-12-31", groupBy: [COUNTY_LINES]) { rows {"#;
const NRM_TIMELINESS_CELLS: &str = r#"reports { nrmTimeliness(from: "2020-01-01", to: "2029-12-31", groupBy: [COUNTY_LINES]) { rows { referrals {"#;
const GUARDIAN_TIMELINESS: &str = r#"reports { guardianTimeliness(from: "2020-01-01", to: "2029-12-31", groupBy: [GUARDIAN_ROLE]) {"#;
const GUARDIAN_TIMELINESS_ROWS: &str = r#"reports { guardianTimeliness(from: "2020-01-01", to: "2029-12-31", groupBy: [GUARDIAN_ROLE]) { rows {"#;
const OUTCOMES_REPORT: &str =
    r#"reports { outcomes(from: "2020-01-01", to: "2029-12-31", groupBy: [AGE_BAND]) {"#;
const OUTCOMES_ROWS: &str =
    r#"reports { outcomes(from: "2020-01-01", to: "2029-12-31", groupBy: [AGE_BAND]) { rows {"#;
const OUTCOME_CHANGES: &str = r#"reports { outcomes(from: "2020-01-01", to: "2029-12-31", groupBy: [AGE_BAND]) { rows { outcomes {"#;
const RATING_CHANGES: &str = r#"reports { outcomes(from: "2020-01-01", to: "2029-12-31", groupBy: [AGE_BAND]) { rows { outcomes { youngPerson {"#;

/// How a query reaches one object of a type: the text around the selection, the scopes the way
/// there needs, and what reading the way there records (`"child"` for the fixture's child, `""`
/// for no particular child).
struct Route {
    ty: &'static str,
    open: &'static str,
    close: &'static str,
    scopes: &'static [&'static str],
    reads: &'static [(&'static str, &'static str)],
}

const fn route(
    ty: &'static str,
    open: &'static str,
    close: &'static str,
    scopes: &'static [&'static str],
    reads: &'static [(&'static str, &'static str)],
) -> Route {
    Route {
        ty,
        open,
        close,
        scopes,
        reads,
    }
}

const CHILD_READ: &[&str] = &["children:read"];
const REFERRALS_READ: &[&str] = &["referrals:read"];
const CHILD_AND_REFERRALS: &[&str] = &["children:read", "referrals:read"];
const CHILD_AND_OUTCOMES: &[&str] = &["children:read", "outcomes:read"];

const ROUTES: &[Route] = &[
    route("Query", "", "", &[], &[]),
    route("Viewer", "viewer {", "}", &[], &[]),
    // The caller's own bucket of points: no child's data, no scope.
    route("RateLimit", "rateLimit {", "}", &[], &[]),
    route(
        "LocalAuthority",
        "viewer { localAuthority {",
        "} }",
        &[],
        &[],
    ),
    route(
        "Node",
        r#"node(id: "$CHILD") {"#,
        "}",
        CHILD_READ,
        &[("child", IDENTIFIERS)],
    ),
    route(
        "Child",
        r#"child(id: "$CHILD") {"#,
        "}",
        CHILD_READ,
        &[("child", IDENTIFIERS)],
    ),
    route(
        "ChildConnection",
        "children(first: 5) {",
        "}",
        CHILD_READ,
        &[],
    ),
    route(
        "ChildEdge",
        "children(first: 5) { edges {",
        "} }",
        CHILD_READ,
        &[("child", IDENTIFIERS)],
    ),
    route(
        "PageInfo",
        "children(first: 5) { pageInfo {",
        "} }",
        CHILD_READ,
        &[("child", IDENTIFIERS)],
    ),
    route(
        "NrmReferral",
        r#"referral(id: "$REFERRAL") {"#,
        "}",
        REFERRALS_READ,
        &[("child", REFERRAL)],
    ),
    route(
        "NrmReferralConnection",
        r#"child(id: "$CHILD") { referrals(first: 5) {"#,
        "} }",
        CHILD_AND_REFERRALS,
        &[("child", IDENTIFIERS), ("child", REFERRAL)],
    ),
    route(
        "NrmReferralEdge",
        r#"child(id: "$CHILD") { referrals(first: 5) { edges {"#,
        "} } }",
        CHILD_AND_REFERRALS,
        &[("child", IDENTIFIERS), ("child", REFERRAL)],
    ),
    route(
        "Decision",
        r#"referral(id: "$REFERRAL") { reasonableGrounds {"#,
        "} }",
        REFERRALS_READ,
        &[("child", REFERRAL)],
    ),
    route(
        "FirstResponder",
        r#"referral(id: "$REFERRAL") { firstResponder {"#,
        "} }",
        REFERRALS_READ,
        &[("child", REFERRAL)],
    ),
    route(
        "ReferralTimelineEvent",
        r#"referral(id: "$REFERRAL") { timeline {"#,
        "} }",
        REFERRALS_READ,
        &[("child", REFERRAL)],
    ),
    route(
        "GuardianAssignment",
        r#"guardianAssignment(id: "$ASSIGNMENT") {"#,
        "}",
        &["guardians:read"],
        &[("child", GUARDIAN)],
    ),
    route(
        "OutcomeMeasurement",
        r#"outcomeMeasurement(id: "$MEASUREMENT") {"#,
        "}",
        &["outcomes:read"],
        &[("child", OUTCOMES)],
    ),
    route(
        "OutcomeMeasurementConnection",
        r#"child(id: "$CHILD") { outcomeMeasurements(first: 5) {"#,
        "} }",
        CHILD_AND_OUTCOMES,
        &[("child", IDENTIFIERS), ("child", OUTCOMES)],
    ),
    route(
        "OutcomeMeasurementEdge",
        r#"child(id: "$CHILD") { outcomeMeasurements(first: 5) { edges {"#,
        "} } }",
        CHILD_AND_OUTCOMES,
        &[("child", IDENTIFIERS), ("child", OUTCOMES)],
    ),
    route(
        "OutcomeProfileEntry",
        r#"child(id: "$CHILD") { outcomeProfile {"#,
        "} }",
        CHILD_AND_OUTCOMES,
        &[("child", IDENTIFIERS), ("child", OUTCOMES)],
    ),
    route(
        "OutcomeReading",
        r#"child(id: "$CHILD") { outcomeProfile { latest {"#,
        "} } }",
        CHILD_AND_OUTCOMES,
        &[("child", IDENTIFIERS), ("child", OUTCOMES)],
    ),
    route(
        "OutcomeProfileChart",
        r#"child(id: "$CHILD") { outcomeProfileChart {"#,
        "} }",
        CHILD_AND_OUTCOMES,
        &[("child", IDENTIFIERS), ("child", OUTCOMES)],
    ),
    route("OutcomeFramework", "outcomeFramework {", "}", &[], &[]),
    route(
        "Principle",
        "outcomeFramework { principles {",
        "} }",
        &[],
        &[],
    ),
    route(
        "Outcome",
        "outcomeFramework { principles { outcomes {",
        "} } }",
        &[],
        &[],
    ),
    route(
        "Indicator",
        "outcomeFramework { principles { outcomes { indicators {",
        "} } } }",
        &[],
        &[],
    ),
    route("RatingLevel", "outcomeFramework { scale {", "} }", &[], &[]),
    route(
        "AuditEventConnection",
        "auditEvents(first: 5) {",
        "}",
        &["audit:read"],
        &[("", AUDIT)],
    ),
    route(
        "AuditEventEdge",
        "auditEvents(first: 5) { edges {",
        "} }",
        &["audit:read"],
        &[("", AUDIT)],
    ),
    route(
        "AuditEvent",
        "auditEvents(first: 5) { nodes {",
        "} }",
        &["audit:read"],
        &[("", AUDIT)],
    ),
    // The fixture's child is offered to Camden: Islington's outgoing transfer.
    route(
        "TransferConnection",
        "outgoingTransfers(first: 5) {",
        "}",
        TRANSFERS_READ,
        &[("child", TRANSFER)],
    ),
    route(
        "TransferEdge",
        "outgoingTransfers(first: 5) { edges {",
        "} }",
        TRANSFERS_READ,
        &[("child", TRANSFER)],
    ),
    route(
        "Transfer",
        r#"node(id: "$TRANSFER") { ... on Transfer {"#,
        "} }",
        TRANSFERS_READ,
        &[("child", TRANSFER)],
    ),
    route(
        "TransferChildSummary",
        "outgoingTransfers(first: 5) { nodes { childSummary {",
        "} } }",
        TRANSFERS_READ,
        &[("child", TRANSFER)],
    ),
    route(
        "TransferEvent",
        "outgoingTransfers(first: 5) { nodes { timeline {",
        "} } }",
        TRANSFERS_READ,
        &[("child", TRANSFER)],
    ),
    route(
        "ChangeConnection",
        "changes(first: 10) {",
        "}",
        CHILD_READ,
        &[],
    ),
    route(
        "ChangeEdge",
        "changes(first: 10) { edges {",
        "} }",
        CHILD_READ,
        &[],
    ),
    route(
        "Change",
        "changes(first: 10) { nodes {",
        "} }",
        CHILD_READ,
        &[],
    ),
    // The fixture's referral has a positive reasonable-grounds decision long ago and no
    // conclusive one: its recovery period has ended, an item of that kind.
    route(
        "GuardianAssignmentConnection",
        "guardianAssignments(first: 5) {",
        "}",
        &["guardians:read"],
        &[("child", GUARDIAN)],
    ),
    route(
        "GuardianAssignmentEdge",
        "guardianAssignments(first: 5) { edges {",
        "} }",
        &["guardians:read"],
        &[("child", GUARDIAN)],
    ),
    route(
        "WorkItemConnection",
        "worklist(first: 10, kinds: [RECOVERY_PERIOD_ENDING]) {",
        "}",
        CHILD_AND_REFERRALS,
        &[("child", REFERRAL)],
    ),
    route(
        "WorkItemEdge",
        "worklist(first: 10, kinds: [RECOVERY_PERIOD_ENDING]) { edges {",
        "} }",
        CHILD_AND_REFERRALS,
        &[("child", REFERRAL)],
    ),
    route(
        "WorkItem",
        "worklist(first: 10, kinds: [RECOVERY_PERIOD_ENDING]) { nodes {",
        "} }",
        CHILD_AND_REFERRALS,
        &[("child", REFERRAL)],
    ),
    route("Reports", "reports {", "}", &[], &[]),
    route(
        "NrmTimelinessReport",
        NRM_TIMELINESS,
        "} }",
        &["reports:read"],
        &[("", AGGREGATE)],
    ),
    route(
        "NrmTimelinessRow",
        NRM_TIMELINESS_ROWS,
        "} } }",
        &["reports:read"],
        &[("", AGGREGATE)],
    ),
    route(
        "ReportValue",
        NRM_TIMELINESS_CELLS,
        "} } } }",
        &["reports:read"],
        &[("", AGGREGATE)],
    ),
    route(
        "GuardianTimelinessReport",
        GUARDIAN_TIMELINESS,
        "} }",
        &["reports:read"],
        &[("", AGGREGATE)],
    ),
    route(
        "GuardianTimelinessRow",
        GUARDIAN_TIMELINESS_ROWS,
        "} } }",
        &["reports:read"],
        &[("", AGGREGATE)],
    ),
    route(
        "OutcomesReport",
        OUTCOMES_REPORT,
        "} }",
        &["reports:read"],
        &[("", AGGREGATE)],
    ),
    route(
        "OutcomesRow",
        OUTCOMES_ROWS,
        "} } }",
        &["reports:read"],
        &[("", AGGREGATE)],
    ),
    route(
        "OutcomeChangeRow",
        OUTCOME_CHANGES,
        "} } } }",
        &["reports:read"],
        &[("", AGGREGATE)],
    ),
    route(
        "RatingChange",
        RATING_CHANGES,
        "} } } } }",
        &["reports:read"],
        &[("", AGGREGATE)],
    ),
    route(
        "WorklistSettings",
        "worklistSettings {",
        "}",
        CHILD_READ,
        &[],
    ),
];

/// Types reached only through a mutation or the subscription, checked by the tests that name
/// them; each payload's entity is one of the routed types above, and the mutations' scopes are
/// checked below.
const NOT_ROUTED: &[(&str, &str)] = &[
    (
        "Mutation",
        "every field checked by mutations_need_their_scope",
    ),
    (
        "Subscription",
        "changes: refused without children:read in api/tests (interop)",
    ),
    (
        "ChangeNotification",
        "the subscription's entries: ids and kinds, no child data",
    ),
    ("UserError", "mutation payloads only"),
    ("RegisterChildPayload", "mutation payload"),
    ("UpdateChildPayload", "mutation payload"),
    ("EraseChildPayload", "mutation payload"),
    ("SubmitReferralPayload", "mutation payload"),
    ("RecordReasonableGroundsDecisionPayload", "mutation payload"),
    ("RecordConclusiveGroundsDecisionPayload", "mutation payload"),
    ("RequestReconsiderationPayload", "mutation payload"),
    ("WithdrawReferralPayload", "mutation payload"),
    ("RequestGuardianPayload", "mutation payload"),
    ("AssignGuardianPayload", "mutation payload"),
    ("EndGuardianAssignmentPayload", "mutation payload"),
    ("RecordOutcomeMeasurementPayload", "mutation payload"),
    ("UpdateWorklistSettingsPayload", "mutation payload"),
    ("RecordHomeOfficeReferencePayload", "mutation payload"),
    ("OfferTransferPayload", "mutation payload"),
    ("AcceptTransferPayload", "mutation payload"),
    ("DeclineTransferPayload", "mutation payload"),
    ("WithdrawTransferPayload", "mutation payload"),
];

/// The scopes a field needs beyond its route's, and what it reads beyond what its route read.
/// Every other field needs nothing more and reads nothing more.
/// What reading a field or route records: (`"child"` or `""`, the class).
type Reads = &'static [(&'static str, &'static str)];

const FIELDS: &[(&str, &str, &[&str], Reads)] = &[
    ("Query", "node", CHILD_READ, &[("child", IDENTIFIERS)]),
    ("Query", "nodes", CHILD_READ, &[("child", IDENTIFIERS)]),
    ("Query", "child", CHILD_READ, &[("child", IDENTIFIERS)]),
    (
        "Query",
        "childByLocalId",
        CHILD_READ,
        &[("child", IDENTIFIERS)],
    ),
    // Asked for `__typename` alone, a page hands out no child (see ChildConnection's fields).
    ("Query", "children", CHILD_READ, &[]),
    ("Query", "referral", REFERRALS_READ, &[("child", REFERRAL)]),
    (
        "Query",
        "guardianAssignment",
        &["guardians:read"],
        &[("child", GUARDIAN)],
    ),
    (
        "Query",
        "outcomeMeasurement",
        &["outcomes:read"],
        &[("child", OUTCOMES)],
    ),
    ("Query", "auditEvents", &["audit:read"], &[("", AUDIT)]),
    ("Query", "changes", CHILD_READ, &[]),
    ("Query", "changesEndCursor", CHILD_READ, &[]),
    (
        "Query",
        "worklist",
        CHILD_AND_REFERRALS,
        &[("child", REFERRAL)],
    ),
    ("Query", "worklistSettings", CHILD_READ, &[]),
    (
        "Reports",
        "nrmTimeliness",
        &["reports:read"],
        &[("", AGGREGATE)],
    ),
    (
        "Reports",
        "guardianTimeliness",
        &["reports:read"],
        &[("", AGGREGATE)],
    ),
    ("Reports", "outcomes", &["reports:read"], &[("", AGGREGATE)]),
    ("Query", "referrals", REFERRALS_READ, &[("child", REFERRAL)]),
    (
        "Query",
        "guardianAssignments",
        &["guardians:read"],
        &[("child", GUARDIAN)],
    ),
    (
        "Query",
        "childByIdentifier",
        CHILD_READ,
        &[("child", IDENTIFIERS)],
    ),
    ("WorkItem", "child", CHILD_READ, &[("child", IDENTIFIERS)]),
    ("ChildConnection", "nodes", &[], &[("child", IDENTIFIERS)]),
    ("ChildConnection", "edges", &[], &[("child", IDENTIFIERS)]),
    (
        "ChildConnection",
        "pageInfo",
        &[],
        &[("child", IDENTIFIERS)],
    ),
    ("Child", "referrals", REFERRALS_READ, &[("child", REFERRAL)]),
    (
        "Child",
        "guardianAssignments",
        &["guardians:read"],
        &[("child", GUARDIAN)],
    ),
    (
        "Child",
        "outcomeMeasurements",
        &["outcomes:read"],
        &[("child", OUTCOMES)],
    ),
    (
        "Child",
        "outcomeProfile",
        &["outcomes:read"],
        &[("child", OUTCOMES)],
    ),
    (
        "Child",
        "outcomeProfileChart",
        &["outcomes:read"],
        &[("child", OUTCOMES)],
    ),
    (
        "NrmReferral",
        "child",
        CHILD_READ,
        &[("child", IDENTIFIERS)],
    ),
    (
        "GuardianAssignment",
        "child",
        CHILD_READ,
        &[("child", IDENTIFIERS)],
    ),
    (
        "GuardianAssignment",
        "daysFromReferralToAssignment",
        REFERRALS_READ,
        &[("child", REFERRAL)],
    ),
    (
        "OutcomeMeasurement",
        "child",
        CHILD_READ,
        &[("child", IDENTIFIERS)],
    ),
    (
        "Query",
        "outgoingTransfers",
        TRANSFERS_READ,
        &[("child", TRANSFER)],
    ),
    // Nothing is offered to Islington: the list hands out no transfer.
    ("Query", "incomingTransfers", TRANSFERS_READ, &[]),
    ("Transfer", "child", CHILD_READ, &[("child", IDENTIFIERS)]),
    (
        "Transfer",
        "note",
        &["sensitive:read"],
        &[("child", SENSITIVE)],
    ),
    (
        "Transfer",
        "declineNote",
        &["sensitive:read"],
        &[("child", SENSITIVE)],
    ),
    (
        "OutcomeMeasurement",
        "youngPersonWords",
        &["sensitive:read"],
        &[("child", SENSITIVE)],
    ),
    (
        "OutcomeMeasurement",
        "practitionerNote",
        &["sensitive:read"],
        &[("child", SENSITIVE)],
    ),
    // The feed's first entries are the fixture's child, referral, assignment, measurement and
    // transfer: reading them needs each of their types' scopes.
    (
        "Change",
        "entity",
        &[
            "children:read",
            "referrals:read",
            "guardians:read",
            "outcomes:read",
            "transfers:read",
        ],
        &[
            ("child", IDENTIFIERS),
            ("child", REFERRAL),
            ("child", GUARDIAN),
            ("child", OUTCOMES),
            ("child", TRANSFER),
        ],
    ),
];

/// Arguments for fields that require them (`$…` names a fixture id).
const ARGUMENTS: &[(&str, &str, &str)] = &[
    ("Query", "node", r#"(id: "$CHILD")"#),
    ("Query", "nodes", r#"(ids: ["$CHILD"])"#),
    ("Query", "child", r#"(id: "$CHILD")"#),
    ("Query", "childByLocalId", r#"(localChildId: "SCOPE001")"#),
    (
        "Query",
        "childByIdentifier",
        r#"(type: LOCAL_CHILD_ID, value: "SCOPE001")"#,
    ),
    ("Query", "referral", r#"(id: "$REFERRAL")"#),
    ("Query", "guardianAssignment", r#"(id: "$ASSIGNMENT")"#),
    ("Query", "outcomeMeasurement", r#"(id: "$MEASUREMENT")"#),
    ("Query", "referrals", "(first: 5)"),
    (
        "Reports",
        "nrmTimeliness",
        r#"(from: "2020-01-01", to: "2029-12-31")"#,
    ),
    (
        "Reports",
        "guardianTimeliness",
        r#"(from: "2020-01-01", to: "2029-12-31")"#,
    ),
    (
        "Reports",
        "outcomes",
        r#"(from: "2020-01-01", to: "2029-12-31")"#,
    ),
    ("Query", "guardianAssignments", "(first: 5)"),
    ("Query", "incomingTransfers", "(first: 5)"),
    ("Query", "outgoingTransfers", "(first: 5)"),
    (
        "Query",
        "worklist",
        "(first: 10, kinds: [RECOVERY_PERIOD_ENDING])",
    ),
];

/// A field of an object or interface type: its name, whether its type is an object (needs a
/// selection), and whether it has a required argument.
#[derive(Debug)]
struct Field {
    name: String,
    object: bool,
    required_arguments: bool,
}

fn base_name(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(inner) => base_name(inner),
    }
}

/// The object and interface types of the live schema, with their fields.
fn schema_types() -> BTreeMap<String, Vec<Field>> {
    let sdl = stable_futures_api::graphql::sdl();
    let document = parse_schema(&sdl).expect("the exported SDL parses");
    let mut object_names = BTreeSet::new();
    for definition in &document.definitions {
        if let TypeSystemDefinition::Type(ty) = definition {
            if matches!(ty.node.kind, TypeKind::Object(_) | TypeKind::Interface(_)) {
                object_names.insert(ty.node.name.node.to_string());
            }
        }
    }
    let mut types = BTreeMap::new();
    for definition in document.definitions {
        let TypeSystemDefinition::Type(ty) = definition else {
            continue;
        };
        let fields = match &ty.node.kind {
            TypeKind::Object(object) => &object.fields,
            TypeKind::Interface(interface) => &interface.fields,
            _ => continue,
        };
        let fields = fields
            .iter()
            .map(|field| Field {
                name: field.node.name.node.to_string(),
                object: object_names.contains(base_name(&field.node.ty.node)),
                required_arguments: field.node.arguments.iter().any(|argument| {
                    !argument.node.ty.node.nullable && argument.node.default_value.is_none()
                }),
            })
            .collect();
        types.insert(ty.node.name.node.to_string(), fields);
    }
    types
}

struct Fixture {
    app: TestApp,
    ids: Vec<(&'static str, String)>,
    child_uuid: String,
}

impl Fixture {
    async fn new() -> Self {
        let app = TestApp::spawn().await;
        let token = app.token_all(ISLINGTON);
        let child = fixtures::child(&app, &token, "SCOPE001").await;
        let (referral, version) = fixtures::referral(&app, &token, &child).await;
        app.graphql(
            &token,
            RECORD_RG,
            json!({ "input": { "referralId": referral, "expectedVersion": version, "outcome": "POSITIVE", "decidedAt": "2025-03-06T10:00:00Z" } }),
        )
        .await
        .assert_ok();
        let (assignment, version) = fixtures::guardian_request(&app, &token, &child).await;
        app.graphql(
            &token,
            "mutation($input: AssignGuardianInput!) { assignGuardian(input: $input) { userErrors { code } } }",
            json!({ "input": { "assignmentId": assignment, "expectedVersion": version, "assignedAt": "2025-03-10T10:00:00Z" } }),
        )
        .await
        .assert_ok();
        let measurement = fixtures::measurement(
            &app,
            &token,
            &child,
            json!({ "practitionerRating": 3, "practitionerNote": "Settling in" }),
        )
        .await;
        let offered = app
            .graphql(
                &token,
                "mutation($input: OfferTransferInput!) { offerTransfer(input: $input) { transfer { id } } }",
                json!({ "input": { "childId": child, "toLocalAuthority": stable_futures_test_support::CAMDEN, "reason": "PLACEMENT_MOVE", "responsibilityFrom": chrono::Utc::now().date_naive().to_string(), "note": "The placement moves" } }),
            )
            .await;
        offered.assert_ok();
        let transfer = offered.text("/offerTransfer/transfer/id");
        let child_uuid = uuid_of(&child);
        Self {
            app,
            ids: vec![
                ("$CHILD", child),
                ("$REFERRAL", referral),
                ("$ASSIGNMENT", assignment),
                ("$MEASUREMENT", measurement),
                ("$TRANSFER", transfer),
            ],
            child_uuid,
        }
    }

    fn fill(&self, text: &str) -> String {
        self.ids
            .iter()
            .fold(text.to_owned(), |text, (name, id)| text.replace(name, id))
    }

    /// The `READ` rows each of `answers` left, as (child uuid or "", class), read in one
    /// statement (an owner connection costs more than the requests).
    async fn reads_of(&self, answers: &[Answer]) -> Vec<BTreeSet<(String, String)>> {
        let trace_ids: Vec<String> = answers
            .iter()
            .map(|answer| {
                let trace_id = answer
                    .headers
                    .get("x-trace-id")
                    .and_then(|value| value.to_str().ok())
                    .expect("every response names its trace id");
                assert!(trace_id.chars().all(|c| c.is_ascii_hexdigit()));
                format!("'{trace_id}'")
            })
            .collect();
        let rows = self
            .app
            .database
            .owner_query(&format!(
                "SELECT trace_id || '|' || coalesce(child_id::text, '') || '|' \
                 || array_to_string(fields_class, ',') \
                 FROM audit_events WHERE action = 'READ' AND trace_id IN ({})",
                trace_ids.join(",")
            ))
            .await;
        let mut reads = vec![BTreeSet::new(); answers.len()];
        for row in rows {
            let mut parts = row.splitn(3, '|');
            let (Some(trace_id), Some(child), Some(classes)) =
                (parts.next(), parts.next(), parts.next())
            else {
                panic!("trace|child|classes: {row}");
            };
            let index = trace_ids
                .iter()
                .position(|quoted| quoted.trim_matches('\'') == trace_id)
                .expect("a row of one of the requests");
            for class in classes.split(',').filter(|c| !c.is_empty()) {
                reads[index].insert((child.to_owned(), class.to_owned()));
            }
        }
        reads
    }

    fn expected(&self, reads: &[(&str, &str)]) -> BTreeSet<(String, String)> {
        reads
            .iter()
            .map(|(child, class)| {
                let child = if *child == "child" {
                    self.child_uuid.clone()
                } else {
                    String::new()
                };
                (child, (*class).to_owned())
            })
            .collect()
    }
}

fn uuid_of(global_id: &str) -> String {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(global_id)
        .expect("global id");
    let text = String::from_utf8(bytes).expect("utf-8");
    text.split_once(':').expect("Type:uuid").1.to_owned()
}

fn scopes_without(missing: Option<Scope>) -> Vec<Scope> {
    Scope::ALL
        .iter()
        .copied()
        .filter(|scope| Some(*scope) != missing)
        .collect()
}

/// The kind of data a read scope guards: without the scope, no row of that kind may appear.
fn class_guarded_by(scope: Scope) -> Option<&'static str> {
    match scope.as_str() {
        "children:read" => Some(IDENTIFIERS),
        "referrals:read" => Some(REFERRAL),
        "guardians:read" => Some(GUARDIAN),
        "outcomes:read" => Some(OUTCOMES),
        "sensitive:read" => Some(SENSITIVE),
        "audit:read" => Some(AUDIT),
        "transfers:read" => Some(TRANSFER),
        _ => None,
    }
}

fn forbidden(answer: &Answer) -> bool {
    answer.error_codes().iter().any(|code| code == "FORBIDDEN")
}

#[tokio::test]
async fn every_field_is_refused_without_its_scopes_and_audited_when_answered() {
    let types = schema_types();
    let routed: BTreeSet<&str> = ROUTES.iter().map(|route| route.ty).collect();
    let excused: BTreeSet<&str> = NOT_ROUTED.iter().map(|(ty, _)| *ty).collect();
    let unrouted: Vec<&String> = types
        .keys()
        .filter(|ty| !routed.contains(ty.as_str()) && !excused.contains(ty.as_str()))
        .collect();
    assert!(
        unrouted.is_empty(),
        "types without a route in this test (add one to ROUTES): {unrouted:?}"
    );
    let subscription: Vec<&str> = types["Subscription"]
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(
        subscription,
        ["changes"],
        "a new subscription field needs a scope test of its own"
    );
    let known: BTreeSet<(&str, &str)> = FIELDS.iter().map(|(t, f, _, _)| (*t, *f)).collect();
    for (ty, field) in &known {
        assert!(
            types
                .get(*ty)
                .is_some_and(|fields| fields.iter().any(|f| f.name == *field)),
            "FIELDS names {ty}.{field}, which the schema does not have"
        );
    }

    let fixture = Fixture::new().await;
    let mut checked = 0;
    let mut failures = Vec::new();
    for route in ROUTES {
        let fields = types
            .get(route.ty)
            .unwrap_or_else(|| panic!("{} is routed but not in the schema", route.ty));
        for field in fields {
            let (extra_scopes, field_reads) = FIELDS
                .iter()
                .find(|(t, f, _, _)| *t == route.ty && *f == field.name)
                .map_or((&[][..], &[][..]), |(_, _, scopes, reads)| {
                    (*scopes, *reads)
                });
            let arguments = ARGUMENTS
                .iter()
                .find(|(t, f, _)| *t == route.ty && *f == field.name)
                .map(|(_, _, arguments)| *arguments);
            let arguments = match (arguments, field.required_arguments) {
                (Some(arguments), _) => arguments.to_owned(),
                (None, true) => "(first: 5)".to_owned(),
                (None, false) => String::new(),
            };
            let selection = if field.object { " { __typename }" } else { "" };
            let query = fixture.fill(&format!(
                "{{ {} {}{arguments}{selection} {} }}",
                route.open, field.name, route.close
            ));
            let needed: BTreeSet<&str> = route
                .scopes
                .iter()
                .chain(extra_scopes.iter())
                .copied()
                .collect();
            let mut expected_reads = fixture.expected(route.reads);
            expected_reads.extend(fixture.expected(field_reads));

            let variants: Vec<Option<Scope>> = std::iter::once(None)
                .chain(Scope::ALL.iter().copied().map(Some))
                .collect();
            let runs = variants.iter().map(|missing| {
                let token = fixture.app.token(ISLINGTON, &scopes_without(*missing));
                let query = &query;
                let fixture = &fixture;
                async move { fixture.app.graphql(&token, query, json!({})).await }
            });
            let answers = futures::future::join_all(runs).await;
            let reads = fixture.reads_of(&answers).await;
            for ((missing, answer), reads) in variants.into_iter().zip(answers).zip(reads) {
                let refused_expected = missing.is_some_and(|scope| needed.contains(scope.as_str()));
                let label = format!(
                    "{}.{} without {}",
                    route.ty,
                    field.name,
                    missing.map_or("nothing", |scope| scope.as_str())
                );
                checked += 1;
                if refused_expected {
                    if !forbidden(&answer) {
                        failures.push(format!(
                            "{label}: answered, expected FORBIDDEN: {}",
                            answer.body
                        ));
                    }
                    // Whatever else was answered, nothing the missing scope guards was read.
                    let guarded = missing.and_then(class_guarded_by);
                    let leaked: Vec<_> = reads
                        .iter()
                        .filter(|(_, class)| Some(class.as_str()) == guarded)
                        .collect();
                    if !leaked.is_empty() {
                        failures.push(format!("{label}: refused, yet audited as read: {leaked:?}"));
                    }
                } else {
                    if !answer.error_codes().is_empty() || answer.body.get("data").is_none() {
                        failures.push(format!("{label}: expected an answer: {}", answer.body));
                        continue;
                    }
                    let missing_reads: Vec<_> = expected_reads.difference(&reads).collect();
                    if !missing_reads.is_empty() {
                        failures.push(format!(
                            "{label}: answered without audit rows {missing_reads:?} (found {reads:?})"
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 1000, "only {checked} checks ran");
}

/// Each mutation needs its write scope: without it the mutation is refused with `FORBIDDEN`
/// before it runs and nothing is written; with every scope it runs (input problems are
/// `userErrors`, not refusals).
const MUTATIONS: &[(&str, &str, &str)] = &[
    (
        "registerChild",
        "children:write",
        r#"{ localChildId: "SCOPE002", dateOfBirth: "2011-01-01" }"#,
    ),
    (
        "updateChild",
        "children:write",
        r#"{ childId: "$CHILD", expectedVersion: 99 }"#,
    ),
    (
        "eraseChild",
        "children:erase",
        r#"{ childId: "$CHILD", expectedVersion: 99, reason: RECORDED_IN_ERROR }"#,
    ),
    (
        "submitReferral",
        "referrals:write",
        r#"{ childId: "$CHILD", referredAt: "2099-01-01T00:00:00Z", firstResponder: { organisationType: POLICE, organisationName: "Police" }, exploitationTypes: [CRIMINAL], countyLines: false, exploitationLocation: UK, competentAuthority: SCA }"#,
    ),
    (
        "recordReasonableGroundsDecision",
        "referrals:write",
        r#"{ referralId: "$REFERRAL", expectedVersion: 99, outcome: POSITIVE, decidedAt: "2025-03-06T10:00:00Z" }"#,
    ),
    (
        "recordConclusiveGroundsDecision",
        "referrals:write",
        r#"{ referralId: "$REFERRAL", expectedVersion: 99, outcome: POSITIVE, decidedAt: "2025-06-06T10:00:00Z" }"#,
    ),
    (
        "requestReconsideration",
        "referrals:write",
        r#"{ referralId: "$REFERRAL", expectedVersion: 99, requestedAt: "2025-06-06T10:00:00Z" }"#,
    ),
    (
        "withdrawReferral",
        "referrals:write",
        r#"{ referralId: "$REFERRAL", expectedVersion: 99, withdrawnAt: "2025-06-06T10:00:00Z" }"#,
    ),
    (
        "requestGuardian",
        "guardians:write",
        r#"{ childId: "$CHILD", service: ICTG, role: DIRECT_WORKER, requestedAt: "2099-01-01T00:00:00Z" }"#,
    ),
    (
        "assignGuardian",
        "guardians:write",
        r#"{ assignmentId: "$ASSIGNMENT", expectedVersion: 99, assignedAt: "2025-03-12T11:00:00Z" }"#,
    ),
    (
        "endGuardianAssignment",
        "guardians:write",
        r#"{ assignmentId: "$ASSIGNMENT", expectedVersion: 99, endedAt: "2025-05-12T11:00:00Z", reason: OTHER }"#,
    ),
    (
        "recordOutcomeMeasurement",
        "outcomes:write",
        r#"{ childId: "$CHILD", outcomeKey: "being_listened_to", observedAt: "2099-01-01T00:00:00Z", youngPersonParticipated: false }"#,
    ),
    (
        "recordHomeOfficeReference",
        "referrals:write",
        r#"{ referralId: "$REFERRAL", expectedVersion: 99, homeOfficeReference: "NRM-2025-0001" }"#,
    ),
    (
        "updateWorklistSettings",
        "settings:write",
        r#"{ expectedVersion: 99, guardianRequestDays: 7 }"#,
    ),
    (
        "offerTransfer",
        "transfers:write",
        r#"{ childId: "$CHILD", toLocalAuthority: "E09000019", reason: OTHER, responsibilityFrom: "2099-01-01" }"#,
    ),
    (
        "acceptTransfer",
        "transfers:write",
        r#"{ transferId: "$TRANSFER", expectedVersion: 99, localChildId: "" }"#,
    ),
    (
        "declineTransfer",
        "transfers:write",
        r#"{ transferId: "$TRANSFER", expectedVersion: 99, note: " " }"#,
    ),
    (
        "withdrawTransfer",
        "transfers:write",
        r#"{ transferId: "$TRANSFER", expectedVersion: 99 }"#,
    ),
];

#[tokio::test]
async fn mutations_need_their_scope() {
    let types = schema_types();
    let listed: BTreeSet<&str> = MUTATIONS.iter().map(|(name, _, _)| *name).collect();
    let in_schema: BTreeSet<&str> = types["Mutation"].iter().map(|f| f.name.as_str()).collect();
    assert_eq!(listed, in_schema, "every mutation needs a row in MUTATIONS");

    let fixture = Fixture::new().await;
    let writes = "SELECT count(*) FROM audit_events WHERE action <> 'READ'";
    for (name, scope, input) in MUTATIONS {
        let query = fixture.fill(&format!(
            "mutation {{ {name}(input: {input}) {{ __typename }} }}"
        ));
        let scope = Scope::ALL
            .iter()
            .copied()
            .find(|s| s.as_str() == *scope)
            .expect("a known scope");
        let before = fixture.app.database.owner_query(writes).await;
        let refused = fixture
            .app
            .graphql(
                &fixture.app.token(ISLINGTON, &scopes_without(Some(scope))),
                &query,
                json!({}),
            )
            .await;
        assert!(
            forbidden(&refused),
            "{name} without {scope:?}: {}",
            refused.body
        );
        assert_eq!(
            fixture.app.database.owner_query(writes).await,
            before,
            "{name} refused, yet something was written"
        );
        let answered = fixture
            .app
            .graphql(&fixture.app.token_all(ISLINGTON), &query, json!({}))
            .await;
        assert!(
            answered.error_codes().is_empty(),
            "{name} with every scope: {}",
            answered.body
        );
    }
}

#[test]
fn every_fixture_id_is_used() {
    // The routes and arguments name the fixture's ids by these names: a typo would leave a
    // literal `$…` in a query, which the server answers with "not found" rather than a refusal.
    let names = [
        "$CHILD",
        "$REFERRAL",
        "$ASSIGNMENT",
        "$MEASUREMENT",
        "$TRANSFER",
    ];
    let texts = ROUTES
        .iter()
        .map(|route| route.open)
        .chain(ARGUMENTS.iter().map(|(_, _, a)| *a))
        .chain(MUTATIONS.iter().map(|(_, _, i)| *i));
    for text in texts {
        let mut rest = text;
        while let Some(at) = rest.find('$') {
            let name: String = rest[at..]
                .chars()
                .take_while(|c| *c == '$' || c.is_ascii_uppercase())
                .collect();
            assert!(
                names.contains(&name.as_str()),
                "unknown fixture id {name} in {text}"
            );
            rest = &rest[at + 1..];
        }
    }
}
