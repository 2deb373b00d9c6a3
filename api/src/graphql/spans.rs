//! What happens at each root field, without an engine extension: a span for it (where a query or
//! mutation does its IO; nested fields reach the database through DataLoader batches, which have
//! spans of their own), and its name in the request's audit log. Only the field's name, path and
//! parent type are recorded — never its arguments.
//!
//! [`RootFields`] wraps the query and mutation roots. An async-graphql extension with a
//! `resolve` hook would do the same, but the engine then sends every field of every answer
//! through its extension chain: about a fifth of the nested page's CPU (docs/performance.md).

use std::borrow::Cow;

use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::{resolve_container, ContainerType};
use async_graphql::{
    Context, ContextSelectionSet, ObjectType, OutputType, Positioned, ServerResult, Value,
};
use tracing::Instrument as _;

use super::audit;

/// A root type (`T`) whose fields are traced and noted for the audit trail.
#[derive(Debug, Default)]
pub struct RootFields<T>(pub T);

impl<T: ObjectType> OutputType for RootFields<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        _field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        resolve_container(ctx, self).await
    }
}

impl<T: ObjectType> ContainerType for RootFields<T> {
    fn is_empty() -> bool {
        T::is_empty()
    }

    async fn resolve_field(&self, ctx: &Context<'_>) -> ServerResult<Option<Value>> {
        let name = ctx.item.node.name.node.as_str();
        if let Ok(log) = audit::log(ctx) {
            log.root_field(name);
        }
        let span = tracing::info_span!(
            "graphql.resolve",
            otel.name = %format!("{}.{name}", T::type_name()),
            graphql.field.name = name,
            graphql.field.path = ctx.item.node.response_key().node.as_str(),
            graphql.field.parent_type = %T::type_name(),
            otel.status_code = tracing::field::Empty,
        );
        let result = self.0.resolve_field(ctx).instrument(span.clone()).await;
        if result.is_err() {
            span.record("otel.status_code", "ERROR");
        }
        result
    }
}

impl<T: ObjectType> ObjectType for RootFields<T> {}
