//! The database handles: the pool ([`Database`]) and the tenant-scoped handle ([`TenantDb`])
//! that every query of a local authority's data runs through. Below every per-entity module:
//! nothing here knows of children, referrals or the change feed.

mod audit_writer;
mod connection;
mod pool;
mod tenant;
mod wal;

pub use audit_writer::AuditEntry;
pub use connection::StatementCounter;
pub use pool::{Database, PoolSettings};
pub use tenant::TenantDb;
pub(crate) use tenant::{Work, CHANNEL};
pub use wal::WalPosition;
