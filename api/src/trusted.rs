//! Checks a client's manifest of trusted documents before it is registered: every document must
//! parse, keep the document limits and validate against the schema (the authority's, or the one
//! for reports across authorities), so a registered document fails only at what a request adds:
//! its variables and its token's scopes.

use futures::StreamExt as _;
use stable_futures_domain::documents::TrustedDocument;

use crate::config::LimitsConfig;
use crate::graphql::aggregate::build_aggregate_schema;
use crate::graphql::build_schema;
use crate::graphql::limits::{self, DocumentLimits};

/// Why a document of a manifest cannot be registered: its position and the reasons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub index: usize,
    pub reasons: Vec<String>,
}

/// Checks every document; returns those refused (none: the manifest may be registered).
pub async fn check_manifest(documents: &[TrustedDocument], limits: &LimitsConfig) -> Vec<Refused> {
    let schema = build_schema(limits, true);
    let aggregate = build_aggregate_schema(limits, true);
    let document_limits = DocumentLimits::from(limits);
    let mut refused = Vec::new();
    for (index, document) in documents.iter().enumerate() {
        let reasons = match check_one(&document.body, limits, &document_limits) {
            Err(reason) => vec![reason],
            Ok(operation) => {
                let tenant = validation_errors(schema.clone(), &document.body, &operation).await;
                if tenant.is_empty() {
                    continue;
                }
                let across = validation_errors(aggregate.clone(), &document.body, &operation).await;
                if across.is_empty() {
                    continue;
                }
                tenant
            }
        };
        refused.push(Refused { index, reasons });
    }
    refused
}

/// Parses a document and checks its limits; returns the name of an operation to validate it by
/// (the engine validates the whole document whichever it runs, but asks for a name when there
/// are several).
fn check_one(
    body: &str,
    limits: &LimitsConfig,
    document_limits: &DocumentLimits,
) -> Result<Option<String>, String> {
    if body.len() > limits.max_document_bytes {
        return Err(format!(
            "larger than the limit of {} bytes",
            limits.max_document_bytes
        ));
    }
    let document =
        async_graphql::parser::parse_query(body).map_err(|error| format!("syntax: {error}"))?;
    limits::check(&document, document_limits).map_err(|exceeded| exceeded.message())?;
    Ok(match document.operations {
        async_graphql::parser::types::DocumentOperations::Single(_) => None,
        async_graphql::parser::types::DocumentOperations::Multiple(operations) => {
            operations.keys().next().map(ToString::to_string)
        }
    })
}

/// The schema's validation errors for `body`. The document is run with no caller and no
/// database: validation comes first, and without a caller every field is refused before it
/// could read or write anything, so what is left without a path is validation's.
async fn validation_errors<Q, M, S>(
    schema: async_graphql::Schema<Q, M, S>,
    body: &str,
    operation: &Option<String>,
) -> Vec<String>
where
    Q: async_graphql::ObjectType + 'static,
    M: async_graphql::ObjectType + 'static,
    S: async_graphql::SubscriptionType + 'static,
{
    let mut request = async_graphql::Request::new(body);
    if let Some(operation) = operation {
        request = request.operation_name(operation);
    }
    let first = schema.execute_stream(request).next().await;
    first
        .map(|response| {
            response
                .errors
                .into_iter()
                .filter(|error| error.path.is_empty())
                .map(|error| error.message)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use stable_futures_domain::documents::DocumentId;

    use super::*;

    fn document(body: &str) -> TrustedDocument {
        TrustedDocument {
            id: DocumentId::of(body),
            body: body.to_owned(),
        }
    }

    #[tokio::test]
    async fn registers_only_documents_the_schema_would_run() {
        let documents = [
            document("query Children { children(first: 2) { nodes { id localChildId } } }"),
            document("query Unknown { children(first: 2) { nodes { noSuchField } } }"),
            document("query Broken { children("),
            document(
                "mutation Register($input: RegisterChildInput!) { registerChild(input: $input) { child { id } } }",
            ),
            document("subscription Changes { changes { __typename } }"),
            document("query Aggregate { reports { nrmTimeliness(from: \"2026-01-01\", to: \"2026-06-30\") { __typename } } }"),
            document("query One { __typename } query Two { nope }"),
        ];
        let refused = check_manifest(&documents, &LimitsConfig::default()).await;
        let indexes: Vec<usize> = refused.iter().map(|refused| refused.index).collect();
        assert_eq!(indexes, vec![1, 2, 6], "{refused:?}");
        assert!(refused.iter().all(|refused| !refused.reasons.is_empty()));
        assert!(refused[1].reasons[0].starts_with("syntax"), "{refused:?}");
    }

    #[tokio::test]
    async fn refuses_documents_over_the_limits() {
        let limits = LimitsConfig {
            max_aliases: 1,
            ..LimitsConfig::default()
        };
        let aliased = document("query A { a: __typename b: __typename }");
        let refused = check_manifest(std::slice::from_ref(&aliased), &limits).await;
        assert_eq!(refused.len(), 1);
        assert!(check_manifest(&[aliased], &LimitsConfig::default())
            .await
            .is_empty());
        let small = LimitsConfig {
            max_document_bytes: 10,
            ..LimitsConfig::default()
        };
        assert_eq!(
            check_manifest(&[document("query A { __typename }")], &small)
                .await
                .len(),
            1
        );
    }
}
