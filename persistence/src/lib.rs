//! PostgreSQL persistence for Stable Futures (diesel + diesel-async).
//!
//! Every query runs through a [`TenantDb`], built from a [`Principal`], inside a transaction that
//! sets the tenant for row-level security. Reference data (local authorities, outcome
//! frameworks) is read through [`Database`]. Diesel row types stay inside this crate: callers
//! get domain values, or, from [`read_model`], plain result rows of domain ids and values.
//! Lists page through [`paging`]. The modules form one-way layers (decision 0011;
//! `scripts/check-module-cycles.py persistence/src`).
//!
//! [`Principal`]: stable_futures_domain::principal::Principal

mod aggregate;
mod audit;
mod changes;
mod child_list;
mod child_trees;
mod children;
pub mod database;
pub mod demo;
mod documents;
pub mod embedded;
pub mod error;
mod framework_cache;
mod frameworks;
mod guardians;
mod idempotency;
mod local_authorities;
mod measurements;
pub mod migrations;
pub mod paging;
mod prepared;
pub mod read_model;
mod record_lists;
mod referrals;
mod report_reads;
mod settings;
mod transfer_steps;
mod transfers;
#[rustfmt::skip]
mod schema;
#[cfg(feature = "testing")]
mod seeding;
#[cfg(feature = "testing")]
pub mod testing;

pub use aggregate::AggregateDb;
pub use audit::AuditEntry;
pub use changes::ChangeListener;
pub use child_list::{ChildFilter, ChildIdentifier, ChildOrder, ChildOrderField};
pub use child_trees::{ChildTree, NestedPage, TreePlan};
pub use database::{Database, PoolSettings, StatementCounter, TenantDb, WalPosition};
pub use documents::{add_trusted_documents, count_trusted_documents, remove_trusted_documents};
pub use error::PersistenceError;
pub use frameworks::{ensure_current_framework, load_framework};
pub use local_authorities::upsert_local_authority;
pub use measurements::MeasurementFilter;
pub use paging::Page;
pub use record_lists::{
    AssignmentFilter, AssignmentOrder, AssignmentOrderField, ReferralFilter, ReferralOrder,
    ReferralOrderField,
};
#[cfg(feature = "testing")]
pub use seeding::Histories;
pub use settings::VersionedSettings;
pub use transfers::{Acceptance, TransferDirection};

pub use diesel_async::{AsyncConnection, AsyncPgConnection};
