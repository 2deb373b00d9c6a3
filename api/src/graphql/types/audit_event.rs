use async_graphql::{Object, ID};
use chrono::{DateTime, Utc};
use stable_futures_domain::audit;

use crate::graphql::enums::{AuditAction, AuditFieldsClass, ErasureReason};
use crate::graphql::ids::{self, NodeKind};

/// One entry of the local authority's audit trail: who read or changed which child's data, what
/// kind of data, when, under which trace id and for which declared purpose. Entries are never
/// changed or removed, and hold no values and no request variables.
#[derive(Debug, Clone)]
pub struct AuditEvent(pub audit::AuditEvent);

#[Object]
impl AuditEvent {
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }

    /// The token's subject: the user or service account in the case system.
    async fn subject(&self) -> &str {
        &self.0.subject
    }

    /// The case-system client the token was issued to, when the identity provider said.
    async fn client(&self) -> Option<&str> {
        self.0.client.as_deref()
    }

    /// The child whose data was read or changed; null for operations on no particular child
    /// (reading the audit trail).
    async fn child_id(&self) -> Option<ID> {
        self.0
            .child_id
            .map(|child| ids::encode(NodeKind::Child, child.0))
    }

    async fn action(&self) -> AuditAction {
        self.0.action.into()
    }

    /// The GraphQL operation name, or the root field(s) of an anonymous operation.
    async fn operation(&self) -> &str {
        &self.0.operation
    }

    /// The kinds of data touched.
    async fn fields_classes(&self) -> Vec<AuditFieldsClass> {
        self.0
            .fields_classes
            .iter()
            .map(|class| (*class).into())
            .collect()
    }

    /// The W3C trace id of the request (from its `traceparent` header, or one the server made).
    async fn trace_id(&self) -> Option<&str> {
        self.0.trace_id.as_deref()
    }

    /// The purpose the caller declared in the `X-Purpose` header.
    async fn purpose(&self) -> Option<&str> {
        self.0.purpose.as_deref()
    }

    /// The trusted document (`sha256:…`) the request sent, by its id or as a registered text;
    /// null for a document sent as unregistered text.
    async fn document_id(&self) -> Option<&str> {
        self.0.document_id.as_deref()
    }

    /// The authority whose caller acted, when it is not this trail's own: the other party of a
    /// transfer, on `TRANSFER` entries (a receiving authority accepting, declining).
    async fn acting_local_authority(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<Option<super::local_authority::LocalAuthority>> {
        let Some(code) = &self.0.acting_local_authority else {
            return Ok(None);
        };
        Ok(Some(super::local_authority::LocalAuthority(
            crate::graphql::reads::local_authority(ctx, code).await?,
        )))
    }

    /// Why the child was erased; set for `ERASE` entries only.
    async fn erasure_reason(&self) -> Option<ErasureReason> {
        self.0.erasure_reason.map(Into::into)
    }
}
