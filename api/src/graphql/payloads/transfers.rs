//! Payloads of the transfer mutations.

use async_graphql::SimpleObject;

use crate::graphql::types::child::Child;
use crate::graphql::types::transfer::Transfer;
use crate::graphql::types::user_error::UserError;

payload!(
    /// Result of `offerTransfer`.
    OfferTransferPayload,
    transfer,
    Transfer
);

payload!(
    /// Result of `declineTransfer`.
    DeclineTransferPayload,
    transfer,
    Transfer
);

payload!(
    /// Result of `withdrawTransfer`.
    WithdrawTransferPayload,
    transfer,
    Transfer
);

/// Result of `acceptTransfer`.
#[derive(Debug, SimpleObject)]
pub struct AcceptTransferPayload {
    /// The accepted transfer; null when `userErrors` is not empty.
    pub transfer: Option<Transfer>,
    /// With a `POSSIBLE_DUPLICATE` error: the child this authority already holds with the same
    /// NHS number or Home Office reference (null without `children:read`). Nothing moved; accept
    /// again with `allowDuplicate: true` to keep both records.
    pub possible_duplicate: Option<Child>,
    /// Problems with the input. When not empty, nothing was written.
    pub user_errors: Vec<UserError>,
}
