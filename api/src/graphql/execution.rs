//! Running one operation for one caller: the request's data (the caller, its audit log, its read
//! gate) is attached here and nowhere else, and what the operation read is written to the audit
//! trail before its answer is released.

use std::sync::Arc;

use async_graphql::Executor;

use super::audit::{only_error, AuditLog};
use super::errors::ApiError;
use stable_futures_persistence::Database;
use tracing::Instrument as _;

use super::reads::ReadState;
use super::writes::WriteState;
use crate::caller::RequestContext;

/// Runs `request` (an operation named `operation_name`, as resolved from its document) for
/// `context` on `database` and writes what it read to the audit trail before the response is
/// released: a query's reads share one transaction (`one_transaction`), ended here, and its
/// audit rows are committed by the shared writer with other requests' rows (decision 0006). If
/// they are not written the caller gets an `INTERNAL` error instead of the data. Also answers
/// how many SQL statements the operation ran on its own connection.
///
/// This is plain code around the execution rather than an async-graphql extension: any
/// extension sends every field of every answer through the engine's extension chain, which cost
/// the nested page about a fifth of its CPU (docs/performance.md).
/// The consistency token of a write whose position is unknown: not a position, so a read sending
/// it back reads from the primary (see `caller::ReadAfter::Everything`).
const READ_FROM_PRIMARY: &str = "primary";

pub async fn execute(
    schema: &impl Executor,
    request: async_graphql::Request,
    context: &Arc<RequestContext>,
    database: &Database,
    one_transaction: bool,
    operation_name: Option<&str>,
) -> (async_graphql::Response, usize) {
    if let Err(invalid) = &context.purpose {
        return (only_error(&ApiError::BadUserInput(invalid.to_string())), 0);
    }
    let db = context.tenant_db(database, one_transaction);
    let statements = db.statements().clone();
    let log = Arc::new(AuditLog::default());
    log.begin(operation_name);
    let request = request
        .data(Arc::clone(context))
        .data(Arc::clone(&log))
        .data(ReadState::new(&db))
        .data(WriteState::new(&db));
    let response = schema.execute(request).await;
    // A query's transaction only read (its audit rows go through the shared writer), so its
    // commit flushes nothing to disk; ending it before the audit flush frees the connection for
    // the next request while this one waits.
    if let Err(error) = db.commit_shared().in_current_span().await {
        tracing::warn!(error = %error, "ending a read transaction failed");
    }
    let mut response = audited(response, context, &db, &log).await;
    // A write's answer names where it ended in the primary's log: sent back with a read
    // (`X-Consistency-Token`), it makes a standby show the write.
    // A write whose position could not be learned (the primary went away just after its commit)
    // still gets a token: one that reads from the primary, which has everything.
    let token = match db.committed_position() {
        Some(position) => Some(position.to_string()),
        None if db.wrote() => Some(READ_FROM_PRIMARY.to_owned()),
        None => None,
    };
    if let Some(token) = token {
        response
            .extensions
            .insert("consistencyToken".to_owned(), token.into());
    }
    (response, statements.get())
}

async fn audited(
    response: async_graphql::Response,
    context: &RequestContext,
    db: &stable_futures_persistence::TenantDb,
    log: &AuditLog,
) -> async_graphql::Response {
    let reads = log.take_reads();
    if reads.is_empty() {
        return response;
    }
    let audit = context.audit_context(&log.operation());
    match db.record_reads(&audit, reads).in_current_span().await {
        Ok(()) => response,
        // The data was read but could not be accounted for: it is not handed out. The failure is
        // logged once, where it becomes the caller's error: a database gone for a moment (a
        // failover) is SERVICE_UNAVAILABLE, to retry; anything else INTERNAL.
        Err(error) => only_error(&ApiError::from(error)),
    }
}
