use async_graphql::{InputObject, ID};

use crate::graphql::enums::ErasureReason;

/// A child to erase, with everything recorded about them.
#[derive(Debug, InputObject)]
pub struct EraseChildInput {
    pub child_id: ID,
    /// The child's `version` you last read; the erasure is refused with STALE_VERSION if it
    /// changed since (so nobody erases a record they have not seen as it is).
    pub expected_version: i32,
    pub reason: ErasureReason,
}
