//! Cursors of filtered and ordered lists: the key of the last row and a fingerprint of the list
//! (authority, filter, order), so a cursor sent with another list is refused as
//! `BAD_USER_INPUT` rather than silently continuing a different one.

use sha2::{Digest, Sha256};
use stable_futures_domain::principal::Principal;
use stable_futures_persistence::paging::{
    decode_list_cursor, encode_list_cursor, ListKey, OrderValueKind,
};

use super::errors::ApiError;

/// The fingerprint of the list `description` (its filter and order, spelled out) of the
/// principal's authority.
pub fn fingerprint(principal: &Principal, description: &str) -> i64 {
    let mut hasher = Sha256::new();
    hasher.update(principal.local_authority.as_str());
    hasher.update(b"|");
    hasher.update(description);
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

pub fn encode(key: ListKey, list: i64) -> String {
    encode_list_cursor(key, list).into_string()
}

/// The key of `after`, which must be a cursor of the list `list`.
pub fn decode(
    after: Option<&str>,
    kind: OrderValueKind,
    list: i64,
) -> Result<Option<ListKey>, ApiError> {
    after
        .map(|text| {
            decode_list_cursor(text, kind, list).ok_or_else(|| {
                ApiError::BadUserInput(
                    "this cursor belongs to another list (another filter, order or authority): start again without after".to_owned(),
                )
            })
        })
        .transpose()
}
