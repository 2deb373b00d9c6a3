//! A document's text made into what the engine runs: parsed and checked against the document
//! limits, or refused with an error that names the problem and never quotes the document.

use async_graphql::parser::types::ExecutableDocument;

use crate::graphql::errors::ApiError;
use crate::graphql::limits::{self, DocumentFacts, DocumentLimits};

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
