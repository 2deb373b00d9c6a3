//! What an operation costs, in the points of the complexity limit (`SF_MAX_QUERY_COMPLEXITY`):
//! every field 1 plus what it selects, and a page (a field with `first`) `first` times what it
//! selects. The *requested* cost is the engine's own complexity of the document, known before
//! it runs; the *actual* cost applies the same rules to the answer, a page counting the items it
//! returned instead of `first`, so it is never more than the requested cost.
//!
//! The engine computes complexity during validation and shows it only to an extension, and an
//! extension would cost every field of every request; so the rules are applied here, from the
//! schema's SDL, and a test holds them to the engine's (`cost/tests.rs`).

#[cfg(test)]
mod tests;

use std::collections::HashMap;

use async_graphql::parser::types::{
    BaseType, ExecutableDocument, OperationType, Selection, SelectionSet, TypeKind,
    TypeSystemDefinition, VariableDefinition,
};
use async_graphql::{Name, Positioned, Value, Variables};

/// What costs of a field depend on.
#[derive(Debug, Clone)]
struct FieldCost {
    /// The named type the field returns (its innermost, for lists).
    type_name: String,
    /// A page: a field of an object type with a `first: Int!` argument.
    paged: bool,
}

/// The fields of every object and interface type, and the root types.
#[derive(Debug, Clone)]
pub struct CostModel {
    fields: HashMap<String, HashMap<String, FieldCost>>,
    query: String,
    mutation: String,
    subscription: String,
}

/// An operation's requested and actual cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    pub requested: usize,
    pub actual: usize,
}

/// Fragments spread into fragments are expanded per use, as the engine does; the document
/// limits bound their nesting, and this bounds the walk whatever the limits say.
const MOST_NESTING: usize = 64;

impl CostModel {
    /// The model of the schema whose SDL is `sdl`.
    pub fn from_sdl(sdl: &str) -> Result<Self, async_graphql::parser::Error> {
        let document = async_graphql::parser::parse_schema(sdl)?;
        let mut model = CostModel {
            fields: HashMap::new(),
            query: "Query".to_owned(),
            mutation: "Mutation".to_owned(),
            subscription: "Subscription".to_owned(),
        };
        for definition in document.definitions {
            match definition {
                TypeSystemDefinition::Schema(schema) => {
                    let schema = schema.node;
                    if let Some(query) = schema.query {
                        model.query = query.node.to_string();
                    }
                    if let Some(mutation) = schema.mutation {
                        model.mutation = mutation.node.to_string();
                    }
                    if let Some(subscription) = schema.subscription {
                        model.subscription = subscription.node.to_string();
                    }
                }
                TypeSystemDefinition::Type(definition) => {
                    let definition = definition.node;
                    let (fields, object) = match definition.kind {
                        TypeKind::Object(object) => (object.fields, true),
                        TypeKind::Interface(interface) => (interface.fields, false),
                        _ => continue,
                    };
                    let fields = fields
                        .into_iter()
                        .map(|field| {
                            let field = field.node;
                            let paged = object
                                && field.arguments.iter().any(|argument| {
                                    argument.node.name.node == "first"
                                        && argument.node.ty.node.to_string() == "Int!"
                                });
                            let cost = FieldCost {
                                type_name: named_type(&field.ty.node.base),
                                paged,
                            };
                            (field.name.node.to_string(), cost)
                        })
                        .collect();
                    model
                        .fields
                        .insert(definition.name.node.to_string(), fields);
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        Ok(model)
    }

    /// The engine's complexity of `document` (all its operations, as the engine counts them).
    pub fn requested(&self, document: &ExecutableDocument, variables: &Variables) -> usize {
        document
            .operations
            .iter()
            .map(|(_, operation)| {
                let walk = Walk {
                    model: self,
                    document,
                    variables,
                    definitions: &operation.node.variable_definitions,
                };
                walk.requested(
                    &operation.node.selection_set.node,
                    Some(self.root(operation.node.ty)),
                    0,
                )
            })
            .fold(0, usize::saturating_add)
    }

    /// The same rules over `data`, the answer to the operation named `operation_name` (or the
    /// document's only one), a page counting the items it returned.
    pub fn actual(
        &self,
        document: &ExecutableDocument,
        operation_name: Option<&str>,
        data: &Value,
    ) -> usize {
        let variables = Variables::default();
        let operation = match operation_name {
            Some(name) => document
                .operations
                .iter()
                .find(|(candidate, _)| candidate.is_some_and(|candidate| candidate == name)),
            None => document.operations.iter().next(),
        };
        let Some((_, operation)) = operation else {
            return 0;
        };
        let walk = Walk {
            model: self,
            document,
            variables: &variables,
            definitions: &operation.node.variable_definitions,
        };
        walk.actual(
            &operation.node.selection_set.node,
            Some(self.root(operation.node.ty)),
            data,
            0,
        )
    }

    fn root(&self, kind: OperationType) -> &str {
        match kind {
            OperationType::Query => &self.query,
            OperationType::Mutation => &self.mutation,
            OperationType::Subscription => &self.subscription,
        }
    }

    fn field(&self, parent: Option<&str>, name: &str) -> Option<&FieldCost> {
        self.fields.get(parent?)?.get(name)
    }
}

fn named_type(base: &BaseType) -> String {
    match base {
        BaseType::Named(name) => name.to_string(),
        BaseType::List(inner) => named_type(&inner.base),
    }
}

/// One operation's walk: the document for its fragments, the request's variables for `first`.
struct Walk<'a> {
    model: &'a CostModel,
    document: &'a ExecutableDocument,
    variables: &'a Variables,
    definitions: &'a [Positioned<VariableDefinition>],
}

impl Walk<'_> {
    /// A page's `first` as the engine reads it: at least 1.
    fn first(&self, field: &async_graphql::parser::types::Field) -> usize {
        let Some((_, value)) = field
            .arguments
            .iter()
            .find(|(name, _)| name.node == "first")
        else {
            return 1;
        };
        let value = value
            .node
            .clone()
            .into_const_with(|variable| self.variable(&variable).ok_or(()))
            .ok();
        match value {
            Some(Value::Number(number)) => number
                .as_i64()
                .and_then(|first| usize::try_from(first).ok())
                .unwrap_or(1)
                .max(1),
            _ => 1,
        }
    }

    fn variable(&self, name: &Name) -> Option<Value> {
        if let Some(value) = self.variables.get(name) {
            return Some(value.clone());
        }
        self.definitions
            .iter()
            .find(|definition| definition.node.name.node == *name)
            .and_then(|definition| definition.node.default_value.as_ref())
            .map(|default| default.node.clone())
    }

    /// The selections of `set` on `parent`, each fragment spread expanded where it is used;
    /// each field is visited with its depth (fields and fragments below the operation).
    fn each<'s>(
        &'s self,
        set: &'s SelectionSet,
        parent: Option<&'s str>,
        depth: usize,
        visit: &mut dyn FnMut(
            &'s Positioned<async_graphql::parser::types::Field>,
            Option<&'s str>,
            usize,
        ),
    ) {
        if depth > MOST_NESTING {
            return;
        }
        for selection in &set.items {
            match &selection.node {
                // The engine does not visit `__typename` (it is no type's field): it costs
                // nothing.
                Selection::Field(field) if field.node.name.node == "__typename" => {}
                Selection::Field(field) => visit(field, parent, depth),
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) =
                        self.document.fragments.get(&spread.node.fragment_name.node)
                    {
                        let on = fragment.node.type_condition.node.on.node.as_str();
                        self.each(
                            &fragment.node.selection_set.node,
                            Some(on),
                            depth + 1,
                            visit,
                        );
                    }
                }
                Selection::InlineFragment(inline) => {
                    let on = inline
                        .node
                        .type_condition
                        .as_ref()
                        .map(|condition| condition.node.on.node.as_str())
                        .or(parent);
                    self.each(&inline.node.selection_set.node, on, depth + 1, visit);
                }
            }
        }
    }

    fn requested(&self, set: &SelectionSet, parent: Option<&str>, depth: usize) -> usize {
        let mut total = 0usize;
        self.each(set, parent, depth, &mut |field, parent, depth| {
            let cost = self.model.field(parent, field.node.name.node.as_str());
            let children = self.requested(
                &field.node.selection_set.node,
                cost.map(|cost| cost.type_name.as_str()),
                depth + 1,
            );
            let own = match cost {
                Some(cost) if cost.paged => self.first(&field.node).saturating_mul(children),
                _ => children.saturating_add(1),
            };
            total = total.saturating_add(own);
        });
        total
    }

    fn actual(
        &self,
        set: &SelectionSet,
        parent: Option<&str>,
        data: &Value,
        depth: usize,
    ) -> usize {
        let Value::Object(answered) = data else {
            return 0;
        };
        let mut total = 0usize;
        self.each(set, parent, depth, &mut |field, parent, depth| {
            let key = field.node.response_key().node.as_str();
            let Some(value) = answered.get(key) else {
                return;
            };
            let cost = self.model.field(parent, field.node.name.node.as_str());
            let child_type = cost.map(|cost| cost.type_name.as_str());
            let children = self.answered(&field.node.selection_set.node, child_type, value, depth);
            let own = match (cost, value) {
                (_, Value::Null) => 1,
                (Some(cost), _) if cost.paged => {
                    items_returned(value).max(1).saturating_mul(children)
                }
                _ => children.saturating_add(1),
            };
            total = total.saturating_add(own);
        });
        total
    }

    /// What a field's value costs: an object its selections, a list its costliest item (the
    /// engine counts a list's selections once).
    fn answered(
        &self,
        set: &SelectionSet,
        parent: Option<&str>,
        value: &Value,
        depth: usize,
    ) -> usize {
        match value {
            Value::List(items) => items
                .iter()
                .map(|item| self.answered(set, parent, item, depth))
                .max()
                .unwrap_or(0),
            Value::Object(_) => self.actual(set, parent, value, depth + 1),
            _ => 0,
        }
    }
}

/// The items a page returned: its longest list (`nodes` or `edges`).
fn items_returned(page: &Value) -> usize {
    match page {
        Value::Object(fields) => fields
            .values()
            .map(|value| match value {
                Value::List(items) => items.len(),
                _ => 0,
            })
            .max()
            .unwrap_or(0),
        _ => 0,
    }
}

/// A client's bucket of points, as one request left it (Shopify's `throttleStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    /// The most points the bucket holds.
    pub maximum: u32,
    /// Points left after this request's charge.
    pub available: u32,
    /// Points restored per second.
    pub restore_rate: u32,
}

/// What a request was charged, for `Query.rateLimit` (in the request's data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitStatus {
    /// Points charged: the requested cost.
    pub cost: usize,
    pub throttle: Throttle,
    /// When the request was charged.
    pub at: chrono::DateTime<chrono::Utc>,
}

impl RateLimitStatus {
    /// When the bucket is full again if nothing more is charged.
    pub fn full_at(&self) -> chrono::DateTime<chrono::Utc> {
        let missing = self
            .throttle
            .maximum
            .saturating_sub(self.throttle.available);
        let millis = if self.throttle.restore_rate == 0 {
            0
        } else {
            (u64::from(missing) * 1000).div_ceil(u64::from(self.throttle.restore_rate))
        };
        self.at + chrono::Duration::milliseconds(i64::try_from(millis).unwrap_or(i64::MAX))
    }
}

/// `extensions.cost` of a response (Shopify's shape): the requested and actual cost and the
/// client's bucket, if a bucket is kept.
pub fn cost_extension(
    requested: usize,
    actual: Option<usize>,
    throttle: Option<Throttle>,
) -> Value {
    let mut cost = async_graphql::indexmap::IndexMap::new();
    cost.insert(Name::new("requestedQueryCost"), Value::from(requested));
    cost.insert(
        Name::new("actualQueryCost"),
        actual.map_or(Value::Null, Value::from),
    );
    if let Some(throttle) = throttle {
        let mut status = async_graphql::indexmap::IndexMap::new();
        status.insert(Name::new("maximumAvailable"), Value::from(throttle.maximum));
        status.insert(
            Name::new("currentlyAvailable"),
            Value::from(throttle.available),
        );
        status.insert(Name::new("restoreRate"), Value::from(throttle.restore_rate));
        cost.insert(Name::new("throttleStatus"), Value::Object(status));
    }
    Value::Object(cost)
}
