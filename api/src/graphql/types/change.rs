use async_graphql::{ComplexObject, Context, SimpleObject};
use stable_futures_domain::change;

use crate::graphql::types::change_notification::ChangeNotification;
use crate::graphql::types::node::{load_node, Node};

/// One committed change to the local authority's records, in the change feed (`changes`): what
/// the subscription announces, and the record as it is now.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct Change {
    #[graphql(flatten)]
    pub announced: ChangeNotification,
}

impl From<&change::Change> for Change {
    fn from(change: &change::Change) -> Self {
        Self {
            announced: change.into(),
        }
    }
}

#[ComplexObject]
impl Change {
    /// The changed record as it is now (it may have changed again since: later entries say so).
    /// Null once the record is erased. Reading it needs the scope its type needs (a `FORBIDDEN`
    /// error otherwise) and is audited like any read.
    async fn entity(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Node>> {
        Ok(load_node(ctx, &self.announced.entity_id).await?)
    }
}
