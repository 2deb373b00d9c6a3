//! The cost model against the engine: the engine's own complexity (its `Analyzer` extension)
//! of handwritten documents and of random ones drawn from the schema.

use std::collections::HashMap;

use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
use async_graphql::{Schema, Variables};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use super::*;
use crate::config::LimitsConfig;
use crate::graphql::{mutations, query, spans, subscription, AppSchema};

fn analysed_schema() -> AppSchema {
    Schema::build(
        spans::RootFields(query::QueryRoot::default()),
        spans::RootFields(mutations::MutationRoot::default()),
        subscription::SubscriptionRoot,
    )
    .extension(async_graphql::extensions::Analyzer)
    .finish()
}

fn model() -> CostModel {
    CostModel::from_sdl(&crate::graphql::build_schema(&LimitsConfig::default(), true).sdl())
        .expect("the schema's SDL")
}

/// The engine's complexity, or `None` when the document does not validate.
async fn engine(
    schema: &AppSchema,
    document: &str,
    variables: &serde_json::Value,
) -> Option<usize> {
    let mut request =
        async_graphql::Request::new(document).variables(Variables::from_json(variables.clone()));
    // The engine validates (and counts) the whole document whichever operation runs, but
    // refuses to choose one itself.
    if document.contains("query One") {
        request = request.operation_name("One");
    }
    let response = schema.execute(request).await;
    response
        .extensions
        .get("analyzer")
        .and_then(|analyzer| match analyzer {
            Value::Object(fields) => fields.get("complexity").cloned(),
            _ => None,
        })
        .and_then(|complexity| match complexity {
            Value::Number(number) => number.as_u64().and_then(|n| usize::try_from(n).ok()),
            _ => None,
        })
}

fn ours(model: &CostModel, document: &str, variables: &serde_json::Value) -> usize {
    let parsed = async_graphql::parser::parse_query(document).expect("parses");
    model.requested(&parsed, &Variables::from_json(variables.clone()))
}

#[tokio::test]
async fn the_requested_cost_is_the_engines_complexity() {
    let schema = analysed_schema();
    let model = model();
    let cases = [
        ("{ __typename }", json!({})),
        ("{ children(first: 50) { nodes { id localChildId } pageInfo { hasNextPage endCursor } } }", json!({})),
        ("query($n: Int!) { children(first: $n) { nodes { id referrals(first: 3) { nodes { id status } } } } }", json!({"n": 20})),
        ("query($n: Int! = 7) { children(first: $n) { nodes { id } } }", json!({})),
        ("query($n: Int!) { children(first: $n) { nodes { id } } }", json!({"n": -4})),
        ("query { children(first: 0) { nodes { id } } }", json!({})),
        ("query { a: children(first: 2) { nodes { id } } b: children(first: 9) { totalCount } }", json!({})),
        ("query { children(first: 3) { ...Page } } fragment Page on ChildConnection { nodes { ...Ids } } fragment Ids on Child { id localChildId }", json!({})),
        ("query { node(id: \"x\") { id ... on Child { referrals(first: 4) { nodes { id } } } } }", json!({})),
        ("query One { children(first: 2) { nodes { id } } } query Two { auditEvents(first: 5) { nodes { action } } }", json!({})),
        ("{ __schema { types { name fields { name } } } }", json!({})),
        ("mutation($input: RegisterChildInput!) { registerChild(input: $input) { child { id referrals(first: 2) { nodes { id } } } userErrors { field code } } }", json!({"input": {"localChildId": "A1", "dateOfBirth": "2010-01-01"}})),
        ("query { children(first: 5) @skip(if: true) { nodes { id } } }", json!({})),
    ];
    for (document, variables) in cases {
        let expected = engine(&schema, document, &variables).await;
        assert!(expected.is_some(), "the engine validates {document}");
        assert_eq!(
            Some(ours(&model, document, &variables)),
            expected,
            "{document}"
        );
    }
}

/// Fields a random document may select: no argument it must be given, but `first`.
struct Fields {
    by_type: HashMap<String, Vec<(String, String, bool)>>,
}

fn selectable_fields(sdl: &str) -> Fields {
    let document = async_graphql::parser::parse_schema(sdl).expect("SDL");
    let mut by_type = HashMap::new();
    for definition in document.definitions {
        let TypeSystemDefinition::Type(definition) = definition else {
            continue;
        };
        let fields = match definition.node.kind {
            TypeKind::Object(object) => object.fields,
            TypeKind::Interface(interface) => interface.fields,
            _ => continue,
        };
        let usable = fields
            .into_iter()
            .filter_map(|field| {
                let field = field.node;
                let mut paged = false;
                for argument in &field.arguments {
                    let argument = &argument.node;
                    if argument.name.node == "first" {
                        paged = true;
                    } else if !argument.ty.node.nullable && argument.default_value.is_none() {
                        return None;
                    }
                }
                Some((
                    field.name.node.to_string(),
                    named_type(&field.ty.node.base),
                    paged,
                ))
            })
            .collect::<Vec<_>>();
        by_type.insert(definition.node.name.node.to_string(), usable);
    }
    Fields { by_type }
}

fn random_selection(fields: &Fields, on: &str, depth: usize, rng: &mut StdRng, out: &mut String) {
    let Some(candidates) = fields.by_type.get(on).filter(|fields| !fields.is_empty()) else {
        return;
    };
    let count = rng.random_range(1..=3);
    for _ in 0..count {
        let (name, type_name, paged) = &candidates[rng.random_range(0..candidates.len())];
        let composite = fields.by_type.contains_key(type_name);
        if composite && depth >= 4 {
            continue;
        }
        if rng.random_bool(0.2) {
            out.push_str(&format!("a{}: ", rng.random_range(0..1000)));
        }
        out.push_str(name);
        if *paged {
            let first = if rng.random_bool(0.5) {
                "$first".to_owned()
            } else {
                rng.random_range(-2..60).to_string()
            };
            out.push_str(&format!("(first: {first})"));
        }
        if composite {
            out.push_str(" { __typename ");
            random_selection(fields, type_name, depth + 1, rng, out);
            out.push_str(" }");
        }
        out.push(' ');
    }
}

#[tokio::test]
async fn random_documents_cost_what_the_engine_says() {
    let schema = analysed_schema();
    let sdl = crate::graphql::build_schema(&LimitsConfig::default(), true).sdl();
    let model = CostModel::from_sdl(&sdl).expect("SDL");
    let fields = selectable_fields(&sdl);
    let mut rng = StdRng::seed_from_u64(16);
    let mut validated = 0;
    for _ in 0..300 {
        let mut selection = String::new();
        random_selection(&fields, "Query", 0, &mut rng, &mut selection);
        let body = if selection.contains("$first") {
            format!("query($first: Int! = 5) {{ {selection} }}")
        } else {
            format!("{{ {selection} }}")
        };
        let variables = if rng.random_bool(0.5) {
            json!({"first": rng.random_range(0..40)})
        } else {
            json!({})
        };
        let Some(expected) = engine(&schema, &body, &variables).await else {
            continue;
        };
        validated += 1;
        assert_eq!(
            ours(&model, &body, &variables),
            expected,
            "{body} {variables}"
        );
    }
    // Most documents must reach the comparison, or the test proves little.
    assert!(validated > 200, "only {validated} of 300 validated");
}

#[test]
fn the_actual_cost_counts_what_a_page_returned() {
    let model = model();
    let document = async_graphql::parser::parse_query(
        "query Page { children(first: 5) { nodes { id referrals(first: 3) { nodes { id } } } totalCount } }",
    )
    .expect("parses");
    let variables = Variables::default();
    // 5 × (nodes: 1 + id 1 + referrals 3 × (nodes 1 + id 1) = 8, totalCount 1) = 45
    assert_eq!(model.requested(&document, &variables), 45);
    let data = Value::from_json(json!({
        "children": {
            "nodes": [
                { "id": "a", "referrals": { "nodes": [{ "id": "r1" }, { "id": "r2" }] } },
                { "id": "b", "referrals": { "nodes": [] } },
            ],
            "totalCount": 2,
        }
    }))
    .expect("value");
    // 2 × (nodes: 1 + id 1 + referrals 2 × (nodes 1 + id 1) = 6, totalCount 1) = 14
    assert_eq!(model.actual(&document, Some("Page"), &data), 14);
    assert_eq!(model.actual(&document, None, &data), 14);
    assert_eq!(model.actual(&document, Some("Other"), &data), 0);
    // Nothing answered (a refused field): it costs what was resolved, the field itself.
    let refused = Value::from_json(json!({ "children": null })).expect("value");
    assert_eq!(model.actual(&document, None, &refused), 1);
    let empty =
        Value::from_json(json!({ "children": { "nodes": [], "totalCount": 0 } })).expect("value");
    // An empty page costs as one item would: 1 × (nodes 1, totalCount 1).
    assert_eq!(model.actual(&document, None, &empty), 2);
}

#[tokio::test]
async fn the_actual_cost_is_never_more_than_the_requested() {
    let model = model();
    let mut rng = StdRng::seed_from_u64(61);
    let document = async_graphql::parser::parse_query(
        "query { children(first: 4) { nodes { id guardianAssignments { id } referrals(first: 2) { nodes { id } pageInfo { hasNextPage } } } } }",
    )
    .expect("parses");
    let variables = Variables::default();
    let requested = model.requested(&document, &variables);
    for _ in 0..100 {
        let children: Vec<serde_json::Value> = (0..rng.random_range(0..=4))
            .map(|_| {
                let referrals: Vec<serde_json::Value> = (0..rng.random_range(0..=2))
                    .map(|_| json!({"id": "r"}))
                    .collect();
                let assignments: Vec<serde_json::Value> = (0..rng.random_range(0..=3))
                    .map(|_| json!({"id": "g"}))
                    .collect();
                json!({"id": "c", "guardianAssignments": assignments, "referrals": {"nodes": referrals, "pageInfo": {"hasNextPage": false}}})
            })
            .collect();
        let data = Value::from_json(json!({"children": {"nodes": children}})).expect("value");
        let actual = model.actual(&document, None, &data);
        assert!(actual <= requested, "{actual} > {requested}");
        assert!(actual >= 1);
    }
}

#[test]
fn pages_are_object_fields_with_first_int_and_interfaces_keep_their_types() {
    let model = CostModel::from_sdl(
        "type Query { item: Item! named: Named! limited(limit: Int!): [Item!]! texts(first: String): [Item!]! }
         interface Named { name: String! related: Page! }
         type Item implements Named { name: String! related: Page! pages(first: Int!): Page! }
         type Page { nodes(first: Int!): [Item!]! total: Int! }
         schema { query: Query }",
    )
    .expect("SDL");
    let cost = |document: &str| {
        let parsed = async_graphql::parser::parse_query(document).expect("parses");
        model.requested(&parsed, &Variables::default())
    };
    // Only `first: Int!` on an object type's field multiplies.
    assert_eq!(cost("{ limited(limit: 10) { name } }"), 2);
    assert_eq!(cost("{ texts(first: \"10\") { name } }"), 2);
    assert_eq!(cost("{ item { pages(first: 10) { total } } }"), 11);
    // A field of an interface keeps its type, so the pages below it still multiply…
    assert_eq!(
        cost("{ named { related { nodes(first: 4) { name } } } }"),
        6
    );
    // …but a field of an interface is never a page itself (the engine's rule).
    assert_eq!(cost("{ named { name } }"), 2);
}

#[test]
fn a_walk_stops_at_its_nesting_bound_whatever_the_document() {
    // The parser bounds the nesting of one selection set; fragments spreading fragments nest
    // further, and a walk expands each where it is used, so it has a bound of its own.
    let model = model();
    let cost = |document: &str| {
        let parsed = async_graphql::parser::parse_query(document).expect("parses");
        model.requested(&parsed, &Variables::default())
    };
    let chain = |spreads: usize, innermost: &str| {
        let fragments: String = (0..spreads)
            .map(|n| format!("fragment F{n} on Query {{ ...F{} }} ", n + 1))
            .collect();
        format!("{{ ...F0 }} {fragments} fragment F{spreads} on Query {{ {innermost} }}")
    };
    // An unknown field costs 1: counted down to the bound, not below it.
    assert_eq!(cost(&chain(5, "b")), 1);
    assert_eq!(cost(&chain(MOST_NESTING - 1, "b")), 1);
    assert_eq!(cost(&chain(MOST_NESTING, "b")), 0);
    assert_eq!(cost(&chain(100, "b")), 0);
    // Inline fragments count towards it too.
    let inline = |levels: usize| format!("{} b {}", "... { ".repeat(levels), "} ".repeat(levels));
    assert_eq!(cost(&chain(MOST_NESTING - 5, &inline(3))), 1);
    assert_eq!(cost(&chain(MOST_NESTING - 5, &inline(6))), 0);
    // So do fields: six levels below the fifty-ninth spread reach past it.
    let fields = |levels: usize| format!("{} b {}", "a { ".repeat(levels), "} ".repeat(levels));
    assert_eq!(cost(&chain(MOST_NESTING - 5, &fields(3))), 4);
    assert_eq!(cost(&chain(MOST_NESTING - 5, &fields(6))), 5);
    // A fragment spreading itself (which validation refuses later) ends all the same.
    assert_eq!(cost("{ ...F } fragment F on Query { ...F }"), 0);
}

#[test]
fn the_actual_walk_keeps_the_same_bound() {
    let model = model();
    let chain = |spreads: usize, innermost: &str| {
        let fragments: String = (0..spreads)
            .map(|n| format!("fragment F{n} on Query {{ ...F{} }} ", n + 1))
            .collect();
        format!("{{ ...F0 }} {fragments} fragment F{spreads} on Query {{ {innermost} }}")
    };
    let actual = |document: &str, data: serde_json::Value| {
        let parsed = async_graphql::parser::parse_query(document).expect("parses");
        model.actual(&parsed, None, &Value::from_json(data).expect("value"))
    };
    assert_eq!(actual(&chain(MOST_NESTING - 1, "b"), json!({"b": 1})), 1);
    assert_eq!(actual(&chain(MOST_NESTING, "b"), json!({"b": 1})), 0);
    // Objects in the answer go one level deeper each: three of the four are within the bound.
    let nested = json!({"a": {"a": {"a": {"a": {"b": 1}}}}});
    assert_eq!(
        actual(
            &chain(MOST_NESTING - 3, "a { a { a { a { b } } } }"),
            nested.clone()
        ),
        3
    );
    assert_eq!(actual(&chain(1, "a { a { a { a { b } } } }"), nested), 5);
}

#[test]
fn a_bucket_is_full_again_when_its_missing_points_are_restored() {
    let at = chrono::DateTime::parse_from_rfc3339("2026-12-05T10:00:00Z")
        .expect("a time")
        .with_timezone(&chrono::Utc);
    let status = |available: u32, restore_rate: u32| RateLimitStatus {
        cost: 5,
        throttle: Throttle {
            maximum: 100,
            available,
            restore_rate,
        },
        at,
    };
    // 60 missing at 10 a second: 6 s.
    assert_eq!(status(40, 10).full_at(), at + chrono::Duration::seconds(6));
    // Rounded up to the millisecond: 1 missing at 3 a second.
    assert_eq!(
        status(99, 3).full_at(),
        at + chrono::Duration::milliseconds(334)
    );
    assert_eq!(status(100, 10).full_at(), at);
    // Nothing restores it: it is as full as it gets now.
    assert_eq!(status(40, 0).full_at(), at);
}
