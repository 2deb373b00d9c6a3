//! Opaque global ids (`Node.id`) and connection cursors.
//!
//! A global id is the base64url text `<TypeName>:<uuid>`: opaque to callers, but it names the
//! type, so `node(id:)` knows what to load and an id of one type is never taken for another.

use async_graphql::ID;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use stable_futures_domain::change::EntityType;
use uuid::Uuid;

use super::errors::ApiError;

/// The types that have global ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Child,
    NrmReferral,
    GuardianAssignment,
    OutcomeMeasurement,
    Transfer,
}

impl NodeKind {
    fn name(self) -> &'static str {
        match self {
            NodeKind::Child => "Child",
            NodeKind::NrmReferral => "NrmReferral",
            NodeKind::GuardianAssignment => "GuardianAssignment",
            NodeKind::OutcomeMeasurement => "OutcomeMeasurement",
            NodeKind::Transfer => "Transfer",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        [
            NodeKind::Child,
            NodeKind::NrmReferral,
            NodeKind::GuardianAssignment,
            NodeKind::OutcomeMeasurement,
            NodeKind::Transfer,
        ]
        .into_iter()
        .find(|kind| kind.name() == name)
    }
}

impl From<EntityType> for NodeKind {
    fn from(entity: EntityType) -> Self {
        match entity {
            EntityType::Child => NodeKind::Child,
            EntityType::NrmReferral => NodeKind::NrmReferral,
            EntityType::GuardianAssignment => NodeKind::GuardianAssignment,
            EntityType::OutcomeMeasurement => NodeKind::OutcomeMeasurement,
            EntityType::Transfer => NodeKind::Transfer,
        }
    }
}

pub fn encode(kind: NodeKind, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name())))
}

/// Reads any global id. A malformed one is the caller's mistake (`BAD_USER_INPUT`).
pub fn decode_any(id: &ID) -> Result<(NodeKind, Uuid), ApiError> {
    let malformed = || ApiError::BadUserInput("not a valid id".to_owned());
    let bytes = URL_SAFE_NO_PAD
        .decode(id.as_str())
        .map_err(|_| malformed())?;
    let text = String::from_utf8(bytes).map_err(|_| malformed())?;
    let (name, uuid) = text.split_once(':').ok_or_else(malformed)?;
    let kind = NodeKind::from_name(name).ok_or_else(malformed)?;
    let uuid = Uuid::parse_str(uuid).map_err(|_| malformed())?;
    Ok((kind, uuid))
}

/// Reads a global id that must be of `kind`. An id of another type is treated like an id that
/// does not exist.
pub fn decode(id: &ID, kind: NodeKind) -> Result<Option<Uuid>, ApiError> {
    let (found, uuid) = decode_any(id)?;
    Ok((found == kind).then_some(uuid))
}

/// Like [`decode`], for mutation inputs: an id of another type is `NOT_FOUND`.
pub fn require(id: &ID, kind: NodeKind) -> Result<Uuid, ApiError> {
    decode(id, kind)?.ok_or(ApiError::NotFound)
}

pub fn cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

pub fn decode_cursor(cursor: Option<&str>) -> Result<Option<Uuid>, ApiError> {
    cursor
        .map(|text| {
            URL_SAFE_NO_PAD
                .decode(text)
                .ok()
                .and_then(|bytes| Uuid::from_slice(&bytes).ok())
                .ok_or_else(|| ApiError::BadUserInput("not a valid cursor".to_owned()))
        })
        .transpose()
}

/// The cursor of an entry in a sequence (the audit trail), from its sequence number.
pub fn sequence_cursor(sequence: i64) -> String {
    URL_SAFE_NO_PAD.encode(sequence.to_be_bytes())
}

pub fn decode_sequence_cursor(cursor: Option<&str>) -> Result<Option<i64>, ApiError> {
    cursor
        .map(|text| {
            URL_SAFE_NO_PAD
                .decode(text)
                .ok()
                .and_then(|bytes| <[u8; 8]>::try_from(bytes.as_slice()).ok())
                .map(i64::from_be_bytes)
                .ok_or_else(|| ApiError::BadUserInput("not a valid cursor".to_owned()))
        })
        .transpose()
}

/// Checks `first` against the page size bounds.
pub fn page_size(first: i32) -> Result<usize, ApiError> {
    if (1..=100).contains(&first) {
        Ok(usize::try_from(first).unwrap_or(1))
    } else {
        Err(ApiError::BadUserInput(
            "first must be between 1 and 100".to_owned(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_keep_their_type() {
        let uuid = Uuid::now_v7();
        let id = encode(NodeKind::NrmReferral, uuid);
        assert_eq!(decode(&id, NodeKind::NrmReferral).ok(), Some(Some(uuid)));
        assert_eq!(decode(&id, NodeKind::Child).ok(), Some(None));
        assert!(matches!(
            require(&id, NodeKind::Child),
            Err(ApiError::NotFound)
        ));
    }

    #[test]
    fn malformed_ids_and_cursors_are_bad_input() {
        for text in ["", "!!!", "Q2hpbGQ", "Q2hpbGQ6bm90LWEtdXVpZA"] {
            assert!(
                matches!(
                    decode_any(&ID(text.to_owned())),
                    Err(ApiError::BadUserInput(_))
                ),
                "{text}"
            );
        }
        assert!(decode_cursor(Some("x")).is_err());
        let uuid = Uuid::now_v7();
        assert_eq!(decode_cursor(Some(&cursor(uuid))).ok(), Some(Some(uuid)));
        assert_eq!(
            decode_sequence_cursor(Some(&sequence_cursor(42))).ok(),
            Some(Some(42))
        );
        assert!(decode_sequence_cursor(Some(&cursor(uuid))).is_err());
    }

    #[test]
    fn page_size_bounds() {
        assert!(page_size(0).is_err());
        assert!(page_size(101).is_err());
        assert_eq!(page_size(100).ok(), Some(100));
        assert_eq!(page_size(1).ok(), Some(1));
    }
}
