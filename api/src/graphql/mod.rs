//! The GraphQL schema: types wrap domain values; a child's data reaches a resolver only through
//! the read gate (`reads`), which checks the scope and notes the read for the audit trail.

pub mod aggregate;
pub mod audit;
pub mod chart;
pub mod cost;
pub mod document;
pub mod enums;
pub mod errors;
pub mod execution;
pub mod guard;
pub mod idempotency;
pub mod ids;
pub mod inputs;
pub mod limits;
pub mod list_cursor;
pub mod loaders;
pub mod mutations;
#[macro_use]
pub mod payloads;
mod prefetch;
pub mod query;
pub mod reads;
pub mod scalars;
pub mod spans;
pub mod subscription;
pub mod types;
pub mod writes;

use async_graphql::Schema;

use crate::config::LimitsConfig;

pub type AppSchema = Schema<
    spans::RootFields<query::QueryRoot>,
    spans::RootFields<mutations::MutationRoot>,
    subscription::SubscriptionRoot,
>;

/// Builds the schema with the request limits. Introspection is for development only.
pub fn build_schema(limits: &LimitsConfig, introspection: bool) -> AppSchema {
    let mut builder = Schema::build(
        spans::RootFields(query::QueryRoot::default()),
        spans::RootFields(mutations::MutationRoot::default()),
        subscription::SubscriptionRoot,
    )
    .limit_depth(limits.max_query_depth)
    .limit_complexity(limits.max_query_complexity)
    .disable_suggestions();
    if !introspection {
        builder = builder.disable_introspection();
    }
    builder.finish()
}

/// The schema as SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    build_schema(&LimitsConfig::default(), true).sdl()
}
