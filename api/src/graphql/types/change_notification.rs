use async_graphql::{SimpleObject, ID};
use chrono::{DateTime, Utc};
use stable_futures_domain::change;

use crate::graphql::enums::ChangeKind;
use crate::graphql::ids::{self, NodeKind};

/// A change as the `changes` subscription announces it: what changed, not the record itself
/// (read it with `node(id: entityId)`, or page the feed with `changes`). The same entries, in
/// the same order, with the same cursors as `Query.changes`.
#[derive(Debug, Clone, SimpleObject)]
pub struct ChangeNotification {
    /// This change's place in the feed: pass it as `after` (to `changes`, or to the
    /// subscription) to continue after it.
    pub cursor: String,
    pub kind: ChangeKind,
    /// The global id of the changed record, also after it is erased.
    pub entity_id: ID,
    /// The child the record belongs to (the record itself when it is a child). After an
    /// `ERASED` entry, delete every record of this child.
    pub child_id: ID,
    /// When the change was made (its transaction's start).
    pub changed_at: DateTime<Utc>,
}

impl From<&change::Change> for ChangeNotification {
    fn from(change: &change::Change) -> Self {
        Self {
            cursor: ids::sequence_cursor(change.position),
            kind: change.kind.into(),
            entity_id: ids::encode(change.entity.entity_type().into(), change.entity.uuid()),
            child_id: ids::encode(NodeKind::Child, change.child_id.0),
            changed_at: change.changed_at,
        }
    }
}
