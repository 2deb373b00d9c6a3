//! What is checked before an operation runs: document size, syntax, depth, breadth and aliases,
//! and whether the caller may introspect.

use std::sync::Arc;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType,
};
use async_graphql::Positioned;
use stable_futures_domain::principal::Scope;

use super::documents::Registered;
use super::parsing::{prepare_document, refused};
use super::state::Inner;
use crate::config::Mode;
use crate::graphql::cost::CostModel;
use crate::graphql::errors::ApiError;
use crate::graphql::limits::LimitExceeded;

/// Introspection (`__schema`, `__type`) is for development mode, or for a token with the
/// `schema:introspect` scope.
/// Whether a caller holding `scopes` may introspect the schema.
pub(super) fn introspection_allowed(mode: Mode, has: impl Fn(Scope) -> bool) -> bool {
    mode == Mode::Development || has(Scope::SchemaIntrospect)
}

/// Size, syntax, document limits and introspection, before anything runs. The document is parsed
/// once: the engine reuses it. A registered document was parsed and checked when it was first
/// looked up, and is not again.
pub(super) fn admit(
    state: &Inner,
    may_introspect: bool,
    mut request: async_graphql::Request,
    registered: Option<&Registered>,
    costs: &CostModel,
) -> Result<Admitted, async_graphql::ServerError> {
    let (document, facts) = match registered {
        Some(registered) => {
            if request.query.is_empty() {
                request.query.clone_from(&registered.body);
            }
            (Arc::clone(&registered.document), registered.facts)
        }
        None => {
            // Checked before parsing; the variables are bounded by the body limit.
            if request.query.len() > state.max_document_bytes {
                let exceeded = LimitExceeded::DocumentSize(state.max_document_bytes);
                return Err(refused(&ApiError::BadUserInput(exceeded.message())));
            }
            let (document, facts) = prepare_document(&state.document_limits, &request.query)?;
            (Arc::new(document), facts)
        }
    };
    let selected = selected(&document, request.operation_name.as_deref());
    let operation = Operation::of(selected);
    if let Some((_, definition)) = selected {
        missing_variable(definition, &request.variables)?;
    }
    let requested_cost = costs.requested(&document, &request.variables);
    // The engine takes its own copy; this one stays to price the answer.
    request.set_parsed_query((*document).clone());
    if !may_introspect {
        if facts.introspection {
            return Err(refused(&ApiError::Forbidden(
                Scope::SchemaIntrospect.as_str(),
            )));
        }
        request = request.disable_introspection();
    }
    Ok(Admitted {
        request,
        operation,
        document,
        requested_cost,
    })
}

/// An operation let in: the request for the engine, what traces say of it, its document and
/// its requested cost.
#[derive(Debug)]
pub(super) struct Admitted {
    pub request: async_graphql::Request,
    pub operation: Operation,
    pub document: Arc<ExecutableDocument>,
    pub requested_cost: usize,
}

/// The operation `requested` (by name) of `document`, or its only one, with its name.
fn selected<'d>(
    document: &'d ExecutableDocument,
    requested: Option<&str>,
) -> Option<(Option<&'d str>, &'d Positioned<OperationDefinition>)> {
    match (&document.operations, requested) {
        (DocumentOperations::Single(definition), _) => Some((None, definition)),
        (DocumentOperations::Multiple(operations), Some(requested)) => operations
            .get_key_value(requested)
            .map(|(name, definition)| (Some(name.as_str()), definition)),
        (DocumentOperations::Multiple(operations), None) => {
            let mut all = operations.iter();
            match (all.next(), all.next()) {
                (Some((name, definition)), None) => Some((Some(name.as_str()), definition)),
                _ => None,
            }
        }
    }
}

/// A variable of a non-null type with no default that the request gives no value: a request
/// error before anything runs, as GraphQL's variable coercion says (the engine would only notice
/// at the field that reads it, and answer `data` with a field error).
fn missing_variable(
    definition: &Positioned<OperationDefinition>,
    variables: &async_graphql::Variables,
) -> Result<(), async_graphql::ServerError> {
    for variable in &definition.node.variable_definitions {
        let variable = &variable.node;
        let given = variables
            .get(variable.name.node.as_str())
            .is_some_and(|value| *value != async_graphql::Value::Null);
        if !variable.var_type.node.nullable && variable.default_value.is_none() && !given {
            let mut error = refused(&ApiError::BadUserInput(format!(
                "variable ${} of type {} needs a value",
                variable.name.node, variable.var_type.node
            )));
            error.locations = vec![variable.name.pos];
            return Err(error);
        }
    }
    Ok(())
}

/// What traces and metrics say of an operation: its type and name, never its variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Operation {
    pub kind: &'static str,
    pub name: Option<String>,
}

impl Operation {
    /// The operation [`selected`] of a document; `query` if there is no such operation (the
    /// engine then refuses the request).
    fn of(selected: Option<(Option<&str>, &Positioned<OperationDefinition>)>) -> Self {
        let (name, definition) = match selected {
            Some((name, definition)) => (name, Some(definition)),
            None => (None, None),
        };
        let kind = match definition.map(|d| d.node.ty) {
            Some(OperationType::Mutation) => "mutation",
            Some(OperationType::Subscription) => "subscription",
            Some(OperationType::Query) | None => "query",
        };
        Self {
            kind,
            name: name.map(str::to_owned),
        }
    }
}
