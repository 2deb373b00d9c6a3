//! Reads that answer with plain result rows rather than domain entities: lists, counts and
//! aggregates for worklists and reports.
//!
//! How a read-model query is written:
//!
//! - It is a function taking the tenant-scoped handle, `&TenantDb`, so no query runs without a
//!   principal, and it runs inside [`TenantDb`]'s transaction, which sets the local authority
//!   for row-level security. It still filters on `local_authority = current_local_authority()`
//!   itself: the filter lets PostgreSQL use the authority-leading indexes, and row-level security
//!   is the second guard, not the only one.
//! - Its SQL is a `'static` text run through `prepared_sql` (kept prepared per connection), or
//!   diesel's query builder; never text assembled from values.
//! - It reads into a row struct private to this crate (`QueryableByName`/`Queryable`) and
//!   converts each row into a plain public result struct of domain ids and values (`ChildId`,
//!   `DateTime<Utc>`, counts): no diesel type reaches the API, and no half-filled domain entity
//!   pretends to be a whole one.
//! - A list is ordered by a unique key (a composite one ends with the row's id, so ties have an
//!   order), takes `first` and `after` (the decoded key of the last row the caller has), reads
//!   one row more than `first` ([`paging::lookahead_limit`]) and answers a
//!   [`paging::Page`] ([`paging::Page::from_lookahead`]); each result row gives its own
//!   [`paging::Cursor`], which the API hands out as an opaque string and decodes with
//!   [`paging::Cursor::decode`] into the key type the query names.
//! - Reads of a child's data are recorded in the audit trail by the caller, as every read is
//!   (the API's read gate), with the children the page answered.
//! - It has a test against real PostgreSQL that shows another authority's rows never appear.
//!
//! [`TenantDb`]: crate::database::TenantDb
//! [`paging::lookahead_limit`]: crate::paging::lookahead_limit
//! [`paging::Page`]: crate::paging::Page
//! [`paging::Page::from_lookahead`]: crate::paging::Page::from_lookahead
//! [`paging::Cursor`]: crate::paging::Cursor
//! [`paging::Cursor::decode`]: crate::paging::Cursor::decode

mod reasonable_grounds;

pub use reasonable_grounds::{
    open_referrals_without_reasonable_grounds, AwaitingReasonableGrounds,
    AwaitingReasonableGroundsKey,
};
mod worklist;

pub use worklist::{worklist, WorklistKey, WorklistQuery, WorklistRow};
