//! Inputs of the transfer mutations.

use async_graphql::{InputObject, ID};

use crate::graphql::enums::TransferReason;
use crate::graphql::scalars::Date;

/// Offers one of the authority's children to another authority.
#[derive(Debug, InputObject)]
pub struct OfferTransferInput {
    pub child_id: ID,
    /// The GSS code of the receiving authority (one the service serves, not this one).
    pub to_local_authority: String,
    pub reason: TransferReason,
    /// The UK date from which the receiving authority is responsible: from 90 days ago to a
    /// year ahead.
    pub responsibility_from: Date,
    /// What the receiving authority should know to decide (at most 1,000 characters; required
    /// for `OTHER`). Free text: shown only with `sensitive:read`, never logged.
    pub note: Option<String>,
    /// Makes a retry safe, as for every create: the same key and input within 24 hours answers
    /// with the transfer offered the first time.
    pub idempotency_key: Option<String>,
}

/// Accepts an offer made to this authority.
#[derive(Debug, InputObject)]
pub struct AcceptTransferInput {
    pub transfer_id: ID,
    /// The `version` read; a retry with the same version after a lost answer is answered as the
    /// first attempt was.
    pub expected_version: i32,
    /// The child's id in this authority's case system.
    pub local_child_id: String,
    /// Accept although this authority already holds a child with the same NHS number or Home
    /// Office reference (a first attempt answers `POSSIBLE_DUPLICATE` with that child): both
    /// records are kept. Default false.
    #[graphql(default = false)]
    pub allow_duplicate: bool,
}

/// Declines an offer made to this authority.
#[derive(Debug, InputObject)]
pub struct DeclineTransferInput {
    pub transfer_id: ID,
    pub expected_version: i32,
    /// Why (required, at most 1,000 characters): shown to the sending authority with
    /// `sensitive:read`.
    pub note: String,
}

/// Withdraws an offer this authority made, before the receiving authority answers.
#[derive(Debug, InputObject)]
pub struct WithdrawTransferInput {
    pub transfer_id: ID,
    pub expected_version: i32,
}
