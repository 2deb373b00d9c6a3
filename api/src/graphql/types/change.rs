use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};
use stable_futures_domain::change;

use crate::graphql::context::request;
use crate::graphql::enums::ChangeKind;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::query::load_node;
use crate::graphql::types::node::Node;

/// One committed change to the local authority's records, in the change feed (`changes`).
#[derive(Debug, Clone)]
pub struct Change(pub change::Change);

/// The global id of a changed record.
pub fn entity_id(change: &change::Change) -> ID {
    use change::ChangedEntity;
    match change.entity {
        ChangedEntity::Child(id) => ids::encode(NodeKind::Child, id.0),
        ChangedEntity::NrmReferral(id) => ids::encode(NodeKind::NrmReferral, id.0),
        ChangedEntity::GuardianAssignment(id) => ids::encode(NodeKind::GuardianAssignment, id.0),
        ChangedEntity::OutcomeMeasurement(id) => ids::encode(NodeKind::OutcomeMeasurement, id.0),
    }
}

#[Object]
impl Change {
    /// This change's place in the feed: pass it as `after` to read what came after it.
    async fn cursor(&self) -> String {
        ids::sequence_cursor(self.0.position)
    }

    async fn kind(&self) -> ChangeKind {
        self.0.kind.into()
    }

    /// The changed record as it is now (it may have changed again since: later entries say so).
    /// Null once the record is erased. Reading it needs the scope its type needs (a `FORBIDDEN`
    /// error otherwise) and is audited like any read.
    async fn entity(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Node>> {
        Ok(load_node(request(ctx)?, &entity_id(&self.0)).await?)
    }

    /// The global id of the changed record, also after it is erased.
    async fn entity_id(&self) -> ID {
        entity_id(&self.0)
    }

    /// The child the record belongs to (the record itself when it is a child). After an
    /// `ERASED` entry, delete every record of this child.
    async fn child_id(&self) -> ID {
        ids::encode(NodeKind::Child, self.0.child_id.0)
    }

    /// When the change was made (its transaction's start).
    async fn changed_at(&self) -> DateTime<Utc> {
        self.0.changed_at
    }
}
