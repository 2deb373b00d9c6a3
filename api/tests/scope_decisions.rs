//! Every field of the schema has a scope decision, and each decision is enforced where the field
//! is resolved. A new field without a decision fails this test; the black-box tests in
//! `tests/tests/black_box/scopes.rs` check the refusals over HTTP.

use std::collections::{BTreeMap, BTreeSet};

use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};

/// What a field needs beyond what its parent needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    /// Any valid token (the caller's own identity, reference data).
    AnyToken,
    /// This scope, checked in the resolver before any IO.
    Scope(&'static str),
}

use Decision::{AnyToken, Scope};

/// Fields that need a scope of their own, or any token at the root. Every other field of an
/// object type belongs to a type listed in `PARENT_SCOPED_TYPES`.
const FIELD_DECISIONS: &[(&str, &str, Decision)] = &[
    ("Query", "viewer", AnyToken),
    ("Query", "outcomeFramework", AnyToken),
    // node/nodes check the scope of the type the id names.
    ("Query", "node", Scope("<type of the id>")),
    ("Query", "nodes", Scope("<type of the id>")),
    ("Query", "child", Scope("children:read")),
    ("Query", "childByLocalId", Scope("children:read")),
    ("Query", "children", Scope("children:read")),
    ("Query", "referral", Scope("referrals:read")),
    ("Query", "guardianAssignment", Scope("guardians:read")),
    ("Query", "outcomeMeasurement", Scope("outcomes:read")),
    ("Query", "auditEvents", Scope("audit:read")),
    // The feed's entries hold ids only; `Change.entity` checks the scope of the entity's type.
    ("Query", "changes", Scope("children:read")),
    ("Query", "changesEndCursor", Scope("children:read")),
    ("Change", "entity", Scope("<type of the id>")),
    ("Subscription", "changes", Scope("children:read")),
    ("Mutation", "eraseChild", Scope("children:erase")),
    ("Mutation", "registerChild", Scope("children:write")),
    ("Mutation", "updateChild", Scope("children:write")),
    ("Mutation", "submitReferral", Scope("referrals:write")),
    (
        "Mutation",
        "recordReasonableGroundsDecision",
        Scope("referrals:write"),
    ),
    (
        "Mutation",
        "recordConclusiveGroundsDecision",
        Scope("referrals:write"),
    ),
    (
        "Mutation",
        "requestReconsideration",
        Scope("referrals:write"),
    ),
    ("Mutation", "withdrawReferral", Scope("referrals:write")),
    ("Mutation", "requestGuardian", Scope("guardians:write")),
    ("Mutation", "assignGuardian", Scope("guardians:write")),
    (
        "Mutation",
        "endGuardianAssignment",
        Scope("guardians:write"),
    ),
    (
        "Mutation",
        "recordOutcomeMeasurement",
        Scope("outcomes:write"),
    ),
    ("Child", "referrals", Scope("referrals:read")),
    ("Child", "guardianAssignments", Scope("guardians:read")),
    ("Child", "outcomeMeasurements", Scope("outcomes:read")),
    ("NrmReferral", "child", Scope("children:read")),
    ("GuardianAssignment", "child", Scope("children:read")),
    (
        "GuardianAssignment",
        "daysFromReferralToAssignment",
        Scope("referrals:read"),
    ),
    ("OutcomeMeasurement", "child", Scope("children:read")),
    (
        "OutcomeMeasurement",
        "youngPersonWords",
        Scope("sensitive:read"),
    ),
    (
        "OutcomeMeasurement",
        "practitionerNote",
        Scope("sensitive:read"),
    ),
];

/// Types whose remaining fields are covered by the scope that let the caller reach the object.
const PARENT_SCOPED_TYPES: &[&str] = &[
    "AuditEvent",
    "AuditEventConnection",
    "AuditEventEdge",
    "Change",
    "ChangeConnection",
    "ChangeEdge",
    "ChangeNotification",
    "Child",
    "ChildConnection",
    "ChildEdge",
    "Decision",
    "FirstResponder",
    "GuardianAssignment",
    "Indicator",
    "LocalAuthority",
    "Node",
    "NrmReferral",
    "NrmReferralConnection",
    "NrmReferralEdge",
    "Outcome",
    "OutcomeFramework",
    "OutcomeMeasurement",
    "OutcomeMeasurementConnection",
    "OutcomeMeasurementEdge",
    "PageInfo",
    "Principle",
    "RatingLevel",
    "ReferralTimelineEvent",
    "UserError",
    "Viewer",
    "AssignGuardianPayload",
    "EndGuardianAssignmentPayload",
    "EraseChildPayload",
    "RecordConclusiveGroundsDecisionPayload",
    "RecordOutcomeMeasurementPayload",
    "RecordReasonableGroundsDecisionPayload",
    "RegisterChildPayload",
    "RequestGuardianPayload",
    "RequestReconsiderationPayload",
    "SubmitReferralPayload",
    "UpdateChildPayload",
    "WithdrawReferralPayload",
];

fn schema_fields() -> BTreeMap<String, BTreeSet<String>> {
    let sdl = stable_futures_api::graphql::sdl();
    let document = parse_schema(&sdl).expect("the exported SDL parses");
    let mut fields = BTreeMap::new();
    for definition in document.definitions {
        if let TypeSystemDefinition::Type(ty) = definition {
            let names: Option<BTreeSet<String>> = match &ty.node.kind {
                TypeKind::Object(object) => Some(
                    object
                        .fields
                        .iter()
                        .map(|f| f.node.name.node.to_string())
                        .collect(),
                ),
                TypeKind::Interface(interface) => Some(
                    interface
                        .fields
                        .iter()
                        .map(|f| f.node.name.node.to_string())
                        .collect(),
                ),
                _ => None,
            };
            if let Some(names) = names {
                fields.insert(ty.node.name.node.to_string(), names);
            }
        }
    }
    fields
}

#[test]
fn every_field_has_a_scope_decision() {
    let decided: BTreeSet<(&str, &str)> =
        FIELD_DECISIONS.iter().map(|(t, f, _)| (*t, *f)).collect();
    let mut undecided = Vec::new();
    for (ty, fields) in schema_fields() {
        for field in fields {
            let explicit = decided.contains(&(ty.as_str(), field.as_str()));
            if !explicit && !PARENT_SCOPED_TYPES.contains(&ty.as_str()) {
                undecided.push(format!("{ty}.{field}"));
            }
        }
    }
    assert!(
        undecided.is_empty(),
        "fields without a scope decision (add them to FIELD_DECISIONS or PARENT_SCOPED_TYPES): {undecided:?}"
    );
}

#[test]
fn no_decision_names_a_field_that_does_not_exist() {
    let fields = schema_fields();
    for (ty, field, _) in FIELD_DECISIONS {
        assert!(
            fields.get(*ty).is_some_and(|names| names.contains(*field)),
            "{ty}.{field} is decided but not in the schema"
        );
    }
    for ty in PARENT_SCOPED_TYPES {
        assert!(
            fields.contains_key(*ty),
            "{ty} is listed but not in the schema"
        );
    }
}

fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The resolver source of `Type.field`: the `fn` of that name in the file of the type (or of the
/// mutation group), up to the next resolver.
fn resolver_source(ty: &str, field: &str) -> Option<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/graphql");
    let files: Vec<std::path::PathBuf> = match ty {
        "Query" => vec![root.join("query.rs")],
        "Subscription" => vec![root.join("subscription.rs")],
        "Mutation" => std::fs::read_dir(root.join("mutations"))
            .ok()?
            .flatten()
            .map(|e| e.path())
            .collect(),
        other => vec![root
            .join("types")
            .join(format!("{}.rs", snake_case(other).trim_start_matches('_')))],
    };
    let needle = format!("fn {}(", snake_case(field));
    for file in files {
        let text = std::fs::read_to_string(&file).ok()?;
        if let Some(start) = text.find(&needle) {
            // Attributes sit just above the fn; the body runs until the next resolver.
            let from = text[..start].rfind("\n\n").unwrap_or(0);
            let rest = &text[start + needle.len()..];
            let end = rest
                .find("async fn ")
                .map_or(text.len(), |i| start + needle.len() + i);
            return Some(text[from..end].to_owned());
        }
    }
    None
}

#[test]
fn each_scope_decision_is_enforced_in_its_resolver() {
    for (ty, field, decision) in FIELD_DECISIONS {
        let Scope(scope) = decision else { continue };
        let source = resolver_source(ty, field)
            .unwrap_or_else(|| panic!("no resolver found for {ty}.{field}"));
        if scope.starts_with('<') {
            assert!(
                source.contains("load_node"),
                "{ty}.{field} must check the scope of the id's type"
            );
            continue;
        }
        let variant: String = scope
            .split([':', '_'])
            .map(|part| {
                let mut chars = part.chars();
                chars
                    .next()
                    .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            })
            .collect();
        let enforced = source.contains(&format!("permit(ctx, Scope::{variant})"))
            || source.contains(&format!("RequireScope(Scope::{variant})"));
        assert!(
            enforced,
            "{ty}.{field} must check {scope} (Scope::{variant}) in its resolver"
        );
    }
}
