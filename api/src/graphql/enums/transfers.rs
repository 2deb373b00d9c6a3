//! Enums of transfers between local authorities.

/// Why a child moves to another local authority.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stable_futures_domain::transfer::TransferReason")]
pub enum TransferReason {
    /// The National Transfer Scheme for unaccompanied children.
    NationalTransferScheme,
    /// The child's care placement moves to the other authority's area.
    PlacementMove,
    /// The child's family moves.
    FamilyMove,
    /// Another reason, which the offer's `note` must give.
    Other,
}

/// Where a transfer stands.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "stable_futures_domain::transfer::TransferStatus")]
pub enum TransferStatus {
    /// Offered, awaiting the receiving authority's answer.
    Offered,
    /// Accepted: the child and their records are the receiving authority's.
    Accepted,
    /// Declined by the receiving authority (`declineNote` says why).
    Declined,
    /// Withdrawn by the sending authority before an answer.
    Withdrawn,
}
