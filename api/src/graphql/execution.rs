//! Running one operation for one caller: the request's data (the caller, its audit log, its read
//! gate) is attached here and nowhere else, and what the operation read is written to the audit
//! trail before its answer is released.

use std::sync::Arc;

use async_graphql::Executor;

use super::audit::{only_error, AuditLog};
use super::errors::ApiError;
use super::reads::ReadState;
use crate::caller::RequestContext;

/// Runs `request` (an operation named `operation_name`, as resolved from its document) for
/// `context` and writes what it read to the audit trail before the response is released; in a
/// query, the rows are part of its one transaction, committed here. If that fails the caller gets
/// an `INTERNAL` error instead of the data.
///
/// This is plain code around the execution rather than an async-graphql extension: any
/// extension sends every field of every answer through the engine's extension chain, which cost
/// the nested page about a fifth of its CPU (docs/performance.md).
pub async fn execute(
    schema: &impl Executor,
    request: async_graphql::Request,
    context: &Arc<RequestContext>,
    operation_name: Option<&str>,
) -> async_graphql::Response {
    if let Err(invalid) = &context.purpose {
        return only_error(&ApiError::BadUserInput(invalid.to_string()));
    }
    let log = Arc::new(AuditLog::default());
    log.begin(operation_name);
    let request = request
        .data(Arc::clone(context))
        .data(Arc::clone(&log))
        .data(ReadState::new(&context.db));
    let response = schema.execute(request).await;
    let reads = log.take_reads();
    if reads.is_empty() {
        return response;
    }
    let audit = context.audit_context(&log.operation());
    let recorded = match context.db.record_reads(&audit, reads).await {
        Ok(()) => context.db.commit_shared().await,
        Err(error) => Err(error),
    };
    match recorded {
        Ok(()) => response,
        // The data was read but could not be accounted for: it is not handed out. The failure is
        // logged once, with its correlation id, by `ApiError::internal`.
        Err(error) => only_error(&ApiError::internal(&error)),
    }
}
