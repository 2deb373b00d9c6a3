//! What is checked before an operation runs: document size, syntax, depth, breadth and aliases,
//! and whether the caller may introspect.

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType,
};
use async_graphql::Positioned;
use stable_futures_domain::principal::Scope;

use super::documents::Registered;
use super::state::Inner;
use crate::config::Mode;
use crate::graphql::errors::ApiError;
use crate::graphql::limits::{self, DocumentFacts, DocumentLimits, LimitExceeded};

/// Introspection (`__schema`, `__type`) is for development mode, or for a token with the
/// `schema:introspect` scope.
/// Whether a caller holding `scopes` may introspect the schema.
pub(super) fn introspection_allowed(mode: Mode, has: impl Fn(Scope) -> bool) -> bool {
    mode == Mode::Development || has(Scope::SchemaIntrospect)
}

/// The error of a refused operation (answered with no data).
pub(super) fn refused(error: &ApiError) -> async_graphql::ServerError {
    let mut refusal = async_graphql::ServerError::new(error.message(), None);
    refusal.extensions = async_graphql::ErrorExtensions::extend(error).extensions;
    refusal
}

/// A parse error without the excerpt of the document the engine would quote: the kind of error
/// and where.
fn syntax_error(error: async_graphql::parser::Error) -> async_graphql::ServerError {
    let message = match &error {
        async_graphql::parser::Error::Syntax { message, .. } => {
            let expected = message
                .lines()
                .last()
                .map(|line| line.trim().trim_start_matches('=').trim())
                .unwrap_or_default();
            format!("syntax error: {expected}")
        }
        other => other.to_string(),
    };
    let mut server_error = async_graphql::ServerError::new(message, None);
    server_error.locations = error.positions().collect();
    server_error
}

/// A document's text parsed and checked against the document limits.
pub(super) fn prepare_document(
    limits: &DocumentLimits,
    text: &str,
) -> Result<(ExecutableDocument, DocumentFacts), async_graphql::ServerError> {
    let document = async_graphql::parser::parse_query(text).map_err(syntax_error)?;
    let facts = limits::check(&document, limits)
        .map_err(|exceeded| refused(&ApiError::BadUserInput(exceeded.message())))?;
    Ok((document, facts))
}

/// Size, syntax, document limits and introspection, before anything runs. The document is parsed
/// once: the engine reuses it. A registered document was parsed and checked when it was first
/// looked up, and is not again.
pub(super) fn admit(
    state: &Inner,
    may_introspect: bool,
    mut request: async_graphql::Request,
    registered: Option<&Registered>,
) -> Result<(async_graphql::Request, Operation), async_graphql::ServerError> {
    let (document, facts) = match registered {
        Some(registered) => {
            if request.query.is_empty() {
                request.query.clone_from(&registered.body);
            }
            (registered.document.clone(), registered.facts)
        }
        None => {
            // Checked before parsing; the variables are bounded by the body limit.
            if request.query.len() > state.max_document_bytes {
                let exceeded = LimitExceeded::DocumentSize(state.max_document_bytes);
                return Err(refused(&ApiError::BadUserInput(exceeded.message())));
            }
            prepare_document(&state.document_limits, &request.query)?
        }
    };
    let selected = selected(&document, request.operation_name.as_deref());
    let operation = Operation::of(selected);
    if let Some((_, definition)) = selected {
        missing_variable(definition, &request.variables)?;
    }
    request.set_parsed_query(document);
    if !may_introspect {
        if facts.introspection {
            return Err(refused(&ApiError::Forbidden(
                Scope::SchemaIntrospect.as_str(),
            )));
        }
        request = request.disable_introspection();
    }
    Ok((request, operation))
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
