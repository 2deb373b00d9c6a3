//! The Stable Futures domain: children who may have been trafficked or exploited, their National
//! Referral Mechanism referrals and decisions, independent guardian assignments and outcome
//! measurements against the young-people-defined Positive Outcomes Framework.
//!
//! Pure Rust: no IO, no clock (callers pass `now`), no database, no web framework. Values are
//! validated when they are built (`parse`), so a value of a domain type is valid by construction.

#[macro_use]
mod macros;

pub mod audit;
pub mod calendar;
pub mod change;
pub mod child;
pub mod disclosure;
pub mod documents;
pub mod error;
pub mod fields;
pub mod guardian;
pub mod idempotency;
pub mod ids;
pub mod local_authority;
pub mod outcome_profile;
pub mod outcomes;
pub mod principal;
pub mod referral;
pub mod reports;
pub mod transfer;
pub mod worklist;

pub use error::{ErrorCode, FieldError, FieldErrors};
