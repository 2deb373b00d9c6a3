//! A span for each root field: where a query or mutation does its IO (nested fields reach the
//! database through DataLoader batches, which have spans of their own). Only the field's name,
//! path and parent type are recorded — never its arguments.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo,
};
use async_graphql::{ServerResult, Value};
use tracing::Instrument as _;

#[derive(Debug, Clone, Copy, Default)]
pub struct RootFieldSpans;

impl ExtensionFactory for RootFieldSpans {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RootFieldSpans)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for RootFieldSpans {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if info.path_node.parent.is_some() || info.is_for_introspection {
            return next.run(ctx, info).await;
        }
        let span = tracing::info_span!(
            "graphql.resolve",
            otel.name = %format!("{}.{}", info.parent_type, info.name),
            graphql.field.name = info.name,
            graphql.field.path = %info.path_node,
            graphql.field.parent_type = info.parent_type,
            otel.status_code = tracing::field::Empty,
        );
        let result = next.run(ctx, info).instrument(span.clone()).await;
        if result.is_err() {
            span.record("otel.status_code", "ERROR");
        }
        result
    }
}
