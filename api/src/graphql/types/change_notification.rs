use async_graphql::{Object, ID};
use chrono::{DateTime, Utc};
use stable_futures_domain::change;

use crate::graphql::enums::ChangeKind;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::types::change::entity_id;

/// A change as the `changes` subscription announces it: what changed, not the record itself
/// (read it with `node(id: entityId)`, or page the feed with `changes`). The same entries, in
/// the same order, with the same cursors as `Query.changes`.
#[derive(Debug, Clone)]
pub struct ChangeNotification(pub change::Change);

#[Object]
impl ChangeNotification {
    /// This change's place in the feed: subscribe again (or query `changes`) with it as `after`
    /// to continue after it.
    async fn cursor(&self) -> String {
        ids::sequence_cursor(self.0.position)
    }

    async fn kind(&self) -> ChangeKind {
        self.0.kind.into()
    }

    /// The global id of the changed record.
    async fn entity_id(&self) -> ID {
        entity_id(&self.0)
    }

    /// The child the record belongs to (the record itself when it is a child).
    async fn child_id(&self) -> ID {
        ids::encode(NodeKind::Child, self.0.child_id.0)
    }

    /// When the change was made (its transaction's start).
    async fn changed_at(&self) -> DateTime<Utc> {
        self.0.changed_at
    }
}
