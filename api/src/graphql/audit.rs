//! The audit trail of child-level data.
//!
//! - **Writes**: every mutation passes [`for_write`]'s [`AuditContext`] to persistence, which
//!   writes the audit row in the same transaction as the change (a refused write writes none).
//! - **Reads**: resolvers that hand out a child's data call [`read`] with the child and the kind of
//!   data ([`FieldsClass`]); the request's [`AuditLog`] collects them, and [`audited`] writes them
//!   as one `READ` row per child, in one statement, when the operation has run. If that write
//!   fails the caller gets an `INTERNAL` error instead of the data.
//!
//! Rows name the operation (its name, or its root fields), never its variables or the values.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, PoisonError};

use async_graphql::{Context, ErrorExtensions, Response, ServerError};
use axum::http::HeaderMap;
pub use stable_futures_domain::audit::FieldsClass;
use stable_futures_domain::audit::{AuditContext, InvalidPurpose, Purpose, TraceId};
use stable_futures_domain::ids::ChildId;
use stable_futures_persistence::AuditEntry;

use super::context::{request, RequestContext};
use super::errors::ApiError;

/// The header a caller declares the purpose of a request in.
pub const PURPOSE_HEADER: &str = "x-purpose";

/// The W3C trace context header.
pub const TRACEPARENT_HEADER: &str = "traceparent";

/// What the HTTP request says about its correlation: the incoming trace id and the declared
/// purpose. (A `purpose` token claim could be read here too once tokens carry one.)
#[derive(Debug, Clone)]
pub struct Correlation {
    pub trace_id: Option<TraceId>,
    pub purpose: Result<Option<Purpose>, InvalidPurpose>,
}

impl Default for Correlation {
    /// No trace id (the server makes one) and no declared purpose.
    fn default() -> Self {
        Self {
            trace_id: None,
            purpose: Ok(None),
        }
    }
}

impl Correlation {
    /// The request's trace id (its server span's, see `telemetry::http`, which honours the
    /// caller's `traceparent`) and `X-Purpose` (a malformed one refuses the operation; more than
    /// one is malformed).
    pub fn from_headers(headers: &HeaderMap, trace_id: TraceId) -> Self {
        let trace_id = Some(trace_id);
        let mut purposes = headers.get_all(PURPOSE_HEADER).iter();
        let purpose = match (purposes.next(), purposes.next()) {
            (None, _) => Ok(None),
            (Some(value), None) => value
                .to_str()
                .map_err(|_| InvalidPurpose)
                .and_then(Purpose::parse),
            (Some(_), Some(_)) => Err(InvalidPurpose),
        };
        Self { trace_id, purpose }
    }
}

/// A new trace id, for requests that arrive without one.
pub fn new_trace_id() -> TraceId {
    let text = uuid::Uuid::new_v4().simple().to_string();
    // 32 lower-case hex digits with a fixed version digit: never all zero.
    TraceId::parse(&text).unwrap_or_else(|| unreachable!("a v4 uuid is a valid trace id"))
}

#[derive(Debug, Default)]
struct State {
    operation_name: Option<String>,
    root_fields: Vec<String>,
    reads: BTreeMap<Option<ChildId>, BTreeSet<FieldsClass>>,
}

/// What one request has read so far, and under which operation.
#[derive(Debug, Default)]
pub struct AuditLog(Mutex<State>);

impl AuditLog {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // Nothing panics while holding the lock; a poisoned log is still a complete log.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Notes that `class` data of `child` (or of no child) was handed out.
    pub fn read(&self, child: Option<ChildId>, class: FieldsClass) {
        self.state().reads.entry(child).or_default().insert(class);
    }

    fn begin(&self, operation_name: Option<&str>) {
        self.state().operation_name = operation_name.map(str::to_owned);
    }

    /// Notes a root field of the operation: the operation's name in the trail when it has none.
    pub fn root_field(&self, name: &str) {
        let mut state = self.state();
        if !state.root_fields.iter().any(|field| field == name) {
            state.root_fields.push(name.to_owned());
        }
    }

    /// The operation's name, or its root fields when it has none.
    fn operation(&self) -> String {
        let state = self.state();
        state
            .operation_name
            .clone()
            .unwrap_or_else(|| state.root_fields.join(","))
    }

    fn operation_name(&self) -> Option<String> {
        self.state().operation_name.clone()
    }

    fn take_reads(&self) -> Vec<AuditEntry> {
        std::mem::take(&mut self.state().reads)
            .into_iter()
            .collect()
    }
}

/// Notes that a resolver handed out `class` data of `child`.
pub fn read(ctx: &Context<'_>, child: ChildId, class: FieldsClass) {
    if let Ok(request) = request(ctx) {
        request.audit.read(Some(child), class);
    }
}

/// The audit context of the mutation being resolved: the operation's name, or this root field's.
pub fn for_write(ctx: &Context<'_>) -> Result<AuditContext, ApiError> {
    let request = request(ctx)?;
    let operation = request
        .audit
        .operation_name()
        .unwrap_or_else(|| ctx.field().name().to_owned());
    Ok(request.audit_context(&operation))
}

/// A response with only `error`, and no data.
pub fn only_error(error: &ApiError) -> Response {
    let mut server_error = ServerError::new(error.message(), None);
    server_error.extensions = error.extend().extensions;
    Response::from_errors(vec![server_error])
}

/// Runs `operation` (named `operation_name`, as resolved from its document) for `request` and
/// writes what it read to the audit trail before the response is released; in a query, the rows
/// are part of its one transaction, committed here. If that fails the caller gets an `INTERNAL`
/// error instead of the data.
///
/// This is plain code around the execution rather than an async-graphql extension: any
/// extension sends every field of every answer through the engine's extension chain, which cost
/// the nested page about a fifth of its CPU (docs/performance.md).
pub async fn audited(
    request: &RequestContext,
    operation_name: Option<&str>,
    operation: impl std::future::Future<Output = Response>,
) -> Response {
    if let Err(invalid) = &request.purpose {
        return only_error(&ApiError::BadUserInput(invalid.to_string()));
    }
    request.audit.begin(operation_name);
    let response = operation.await;
    let reads = request.audit.take_reads();
    if reads.is_empty() {
        return response;
    }
    let audit = request.audit_context(&request.audit.operation());
    let recorded = match request.db.record_reads(&audit, reads).await {
        Ok(()) => request.db.commit_shared().await,
        Err(error) => Err(error),
    };
    match recorded {
        Ok(()) => response,
        // The data was read but could not be accounted for: it is not handed out. The failure is
        // logged once, with its correlation id, by `ApiError::internal`.
        Err(error) => only_error(&ApiError::internal(&error)),
    }
}
