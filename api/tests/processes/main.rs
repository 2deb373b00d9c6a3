//! Tests of the real `stable-futures` binary as OS processes, and of the committed schema: one
//! test binary, so the harness and the api crate are linked once.

mod database_restart;
mod documents;
mod failover;
mod import;
mod interop;
mod lifecycle;
mod oidc_provider;
mod pool;
mod replicas;
mod schema_sdl;
mod telemetry;

/// The server binary Cargo built for these tests.
const SERVER: &str = env!("CARGO_BIN_EXE_stable-futures");
