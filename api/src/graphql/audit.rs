//! The audit trail of child-level data.
//!
//! - **Writes**: every mutation passes [`for_write`]'s [`AuditContext`] to persistence, which
//!   writes the audit row in the same transaction as the change (a refused write writes none).
//! - **Reads**: a child's data reaches a resolver only through [`super::reads`], which checks the
//!   scope and notes the read here as it hands the data out; [`super::execution`] writes the
//!   request's [`AuditLog`] as one `READ` row per child, in one statement, when the operation has
//!   run. If that write fails the caller gets an `INTERNAL` error instead of the data.
//!
//! Rows name the operation (its name, or its root fields), never its variables or the values.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::{Context, ErrorExtensions, Response, ServerError};
use stable_futures_domain::audit::AuditContext;
pub use stable_futures_domain::audit::FieldsClass;
use stable_futures_domain::ids::ChildId;
use stable_futures_persistence::AuditEntry;

use super::errors::ApiError;
use crate::caller::request;

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

    /// Notes that `class` data of `child` (or of no child) was handed out. Only the read gate
    /// (`super::reads`) calls this.
    pub(super) fn read(&self, child: Option<ChildId>, class: FieldsClass) {
        self.state().reads.entry(child).or_default().insert(class);
    }

    pub(super) fn begin(&self, operation_name: Option<&str>) {
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
    pub(super) fn operation(&self) -> String {
        let state = self.state();
        state
            .operation_name
            .clone()
            .unwrap_or_else(|| state.root_fields.join(","))
    }

    fn operation_name(&self) -> Option<String> {
        self.state().operation_name.clone()
    }

    pub(super) fn take_reads(&self) -> Vec<AuditEntry> {
        std::mem::take(&mut self.state().reads)
            .into_iter()
            .collect()
    }
}

/// The audit log of the request being resolved.
pub fn log<'a>(ctx: &Context<'a>) -> Result<&'a AuditLog, ApiError> {
    ctx.data::<Arc<AuditLog>>()
        .map(|log| &**log)
        .map_err(|_| ApiError::Unauthenticated)
}

/// The audit context of the mutation being resolved: the operation's name, or this root field's.
pub fn for_write(ctx: &Context<'_>) -> Result<AuditContext, ApiError> {
    let request = request(ctx)?;
    let operation = log(ctx)?
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
