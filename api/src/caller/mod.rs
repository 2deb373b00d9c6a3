//! Who is calling: the principal and its tenant handle, the declared purpose, the trace id, and
//! (for subscriptions) the connection. Everything that needs to know the caller — the audit
//! trail, scope guards, subscriptions, telemetry, the HTTP layer — depends on this module, and it
//! depends on none of them.

pub mod correlation;
pub mod subscriber;

use std::sync::Arc;

use async_graphql::Context;
use chrono::{DateTime, Utc};
use stable_futures_domain::audit::{AuditContext, InvalidPurpose, Purpose, TraceId};
use stable_futures_domain::documents::DocumentId;
use stable_futures_domain::local_authority::LocalAuthority;
use stable_futures_domain::principal::{Principal, Scope};
use stable_futures_persistence::{Database, TenantDb};

pub use correlation::{
    new_trace_id, Correlation, ReadAfter, CONSISTENCY_HEADER, PURPOSE_HEADER, TRACEPARENT_HEADER,
};
pub use subscriber::Subscriber;

use crate::graphql::errors::ApiError;

/// Everything one request knows about its caller: who calls, for which local authority, the
/// request's clock reading and correlation. Built per request and dropped with it, so nothing
/// kept here can reach another caller. It holds no database handle: reads of a child's data go
/// through `graphql::reads`, writes through `graphql::writes`.
#[derive(Debug)]
pub struct RequestContext {
    principal: Arc<Principal>,
    pub local_authority: LocalAuthority,
    /// One clock reading per request, so every rule in it sees the same "now".
    pub now: DateTime<Utc>,
    /// The request's trace id for the audit trail: its server span's (which continues the
    /// caller's `traceparent`).
    pub trace_id: TraceId,
    /// The purpose the caller declared (`X-Purpose`); a malformed one refuses the operation.
    pub purpose: Result<Option<Purpose>, InvalidPurpose>,
    /// The trusted document the request sent, named on its audit rows.
    pub document_id: Option<DocumentId>,
    /// Which data a query may read (from a standby, a write's consistency token).
    pub read_after: ReadAfter,
}

impl RequestContext {
    pub fn new(principal: Principal, local_authority: LocalAuthority) -> Self {
        Self {
            principal: Arc::new(principal),
            local_authority,
            now: Utc::now(),
            trace_id: new_trace_id(),
            purpose: Ok(None),
            document_id: None,
            read_after: ReadAfter::Anything,
        }
    }

    /// Takes the trace id and declared purpose of the HTTP request (see
    /// [`Correlation::from_headers`]).
    pub fn with_correlation(mut self, correlation: Correlation) -> Self {
        if let Some(trace_id) = correlation.trace_id {
            self.trace_id = trace_id;
        }
        self.purpose = correlation.purpose;
        self.read_after = correlation.read_after;
        self
    }

    /// Names the trusted document the request sent.
    pub fn with_document(mut self, document_id: Option<DocumentId>) -> Self {
        self.document_id = document_id;
        self
    }

    /// What this request's audit rows share, for `operation`.
    pub fn audit_context(&self, operation: &str) -> AuditContext {
        AuditContext::new(
            operation,
            Some(self.trace_id.clone()),
            self.purpose.clone().ok().flatten(),
        )
        .with_document(self.document_id.clone())
    }

    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// The caller's tenant handle on `database`. A query's runs all its reads (and its audit
    /// rows) in one transaction (`one_transaction`, see `TenantDb::sharing_one_transaction`),
    /// committed when the operation has run; a mutation's each write in its own.
    pub fn tenant_db(&self, database: &Database, one_transaction: bool) -> TenantDb {
        let db = database.for_principal(Arc::clone(&self.principal));
        if !one_transaction {
            return db;
        }
        // A query reads from a standby, when there are any: one that has the caller's write if
        // it named one, and the primary if it named one badly.
        let db = db.sharing_one_transaction();
        match self.read_after {
            ReadAfter::Anything => db.reading_from_standby(None),
            ReadAfter::Write(position) => db.reading_from_standby(Some(position)),
            ReadAfter::Everything => db,
        }
    }

    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.principal().has(scope) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(scope.as_str()))
        }
    }
}

/// The request context of a resolver. (It is shared with the HTTP handler, which writes the
/// audit rows once the operation has run.)
pub fn request<'a>(ctx: &Context<'a>) -> Result<&'a RequestContext, ApiError> {
    ctx.data::<Arc<RequestContext>>()
        .map(|request| &**request)
        .map_err(|_| ApiError::Unauthenticated)
}

/// Who is calling: the request's principal, or a subscription connection's (whose context is the
/// connection's, not a request's).
pub fn principal<'a>(ctx: &Context<'a>) -> Result<&'a Principal, ApiError> {
    match request(ctx) {
        Ok(request) => Ok(request.principal()),
        Err(unauthenticated) => ctx
            .data::<Subscriber>()
            .map(|subscriber| subscriber.db.principal())
            .map_err(|_| unauthenticated),
    }
}
