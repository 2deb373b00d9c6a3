//! The Stable Futures GraphQL API: HTTP, authentication, the schema and the binary's commands.

pub mod auth;
pub mod authorities;
pub mod caller;
pub mod config;
pub mod dev;
pub mod graphql;
pub mod http;
pub mod import;
mod keyed_quota;
pub mod notifications;
pub mod serve;
pub mod telemetry;
pub mod trusted;
pub mod websocket;
