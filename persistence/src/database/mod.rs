//! The database handles: the pool ([`Database`]) and the tenant-scoped handle ([`TenantDb`])
//! that every query of a local authority's data runs through. Below every per-entity module:
//! nothing here knows of children, referrals or the change feed.

mod connection;
mod pool;
mod tenant;

pub use connection::StatementCounter;
pub(crate) use connection::{trace_own, untrace_own};
pub(crate) use pool::{database_name, establish_own};
pub use pool::{Database, PoolSettings};
pub use tenant::TenantDb;
pub(crate) use tenant::{Work, CHANNEL};
