use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, Object, ID};
use stable_futures_domain::child::LocalChildId;
use stable_futures_domain::ids::{AssignmentId, ChildId, MeasurementId, ReferralId};
use stable_futures_domain::principal::Scope;

use super::audit::{self, FieldsClass};
use super::context::{request, RequestContext};
use super::errors::ApiError;
use super::guard::permit;
use super::ids::{self, NodeKind};
use super::prefetch;
use super::types::audit_event::AuditEvent;
use super::types::change::Change;
use super::types::child::Child;
use super::types::children_connection_fields::ChildrenConnectionFields;
use super::types::guardian_assignment::GuardianAssignment;
use super::types::node::Node;
use super::types::nrm_referral::NrmReferral;
use super::types::outcome_framework::OutcomeFramework;
use super::types::outcome_measurement::OutcomeMeasurement;
use super::types::viewer::Viewer;

/// Most ids `nodes(ids:)` takes at once.
const MAX_NODES: usize = 100;

#[derive(Debug, Default)]
pub struct QueryRoot;

pub(crate) async fn load_node(request: &RequestContext, id: &ID) -> Result<Option<Node>, ApiError> {
    let (kind, uuid) = ids::decode_any(id)?;
    let loaders = &request.loaders;
    let node = match kind {
        NodeKind::Child => {
            request.require(Scope::ChildrenRead)?;
            loaders
                .children
                .load_one(ChildId(uuid))
                .await?
                .map(|c| Node::Child(Child(c)))
        }
        NodeKind::NrmReferral => {
            request.require(Scope::ReferralsRead)?;
            loaders
                .referrals
                .load_one(ReferralId(uuid))
                .await?
                .map(|r| Node::NrmReferral(NrmReferral(r)))
        }
        NodeKind::GuardianAssignment => {
            request.require(Scope::GuardiansRead)?;
            loaders
                .assignments
                .load_one(AssignmentId(uuid))
                .await?
                .map(|a| Node::GuardianAssignment(GuardianAssignment(a)))
        }
        NodeKind::OutcomeMeasurement => {
            request.require(Scope::OutcomesRead)?;
            loaders
                .measurements
                .load_one(MeasurementId(uuid))
                .await?
                .map(|m| Node::OutcomeMeasurement(OutcomeMeasurement(m)))
        }
    };
    match &node {
        Some(Node::Child(c)) => request.audit.read(Some(c.0.id), FieldsClass::Identifiers),
        Some(Node::NrmReferral(r)) => request
            .audit
            .read(Some(r.0.child_id), FieldsClass::Referral),
        Some(Node::GuardianAssignment(a)) => request
            .audit
            .read(Some(a.0.child_id), FieldsClass::Guardian),
        Some(Node::OutcomeMeasurement(m)) => request
            .audit
            .read(Some(m.0.child_id), FieldsClass::Outcomes),
        None => {}
    }
    Ok(node)
}

#[Object(name = "Query")]
impl QueryRoot {
    /// Who is calling, for which local authority, with which scopes.
    async fn viewer(&self) -> Viewer {
        Viewer
    }

    /// Any object by its global id; null if it does not exist or is not the caller's.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        Ok(load_node(request(ctx)?, &id).await?)
    }

    /// Several objects by global id (at most 100), in the order asked; null for each that does
    /// not exist or is not the caller's.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(ApiError::BadUserInput(format!("at most {MAX_NODES} ids at once")).into());
        }
        let request = request(ctx)?;
        let lookups = ids.iter().map(|id| load_node(request, id));
        let nodes = futures::future::try_join_all(lookups).await?;
        Ok(nodes)
    }

    /// A child by global id; null if not found.
    async fn child(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Child>> {
        if !permit(ctx, Scope::ChildrenRead)? {
            return Ok(None);
        }
        let Some(uuid) = ids::decode(&id, NodeKind::Child)? else {
            return Ok(None);
        };
        let child = request(ctx)?
            .loaders
            .children
            .load_one(ChildId(uuid))
            .await
            .map_err(ApiError::from)?;
        if let Some(child) = &child {
            audit::read(ctx, child.id, FieldsClass::Identifiers);
        }
        Ok(child.map(Child))
    }

    /// A child by the case system's own id; null if not found.
    async fn child_by_local_id(
        &self,
        ctx: &Context<'_>,
        local_child_id: String,
    ) -> async_graphql::Result<Option<Child>> {
        if !permit(ctx, Scope::ChildrenRead)? {
            return Ok(None);
        }
        let local_child_id = LocalChildId::parse(&local_child_id)
            .map_err(|error| ApiError::BadUserInput(error.message))?;
        let child = request(ctx)?
            .db
            .child_by_local_id(&local_child_id)
            .await
            .map_err(ApiError::from)?;
        if let Some(child) = &child {
            audit::read(ctx, child.id, FieldsClass::Identifiers);
        }
        Ok(child.map(Child))
    }

    /// The local authority's children, oldest record first. `first` is 1 to 100.
    #[graphql(complexity = "usize::try_from(first).unwrap_or(1).max(1) * child_complexity")]
    async fn children(
        &self,
        ctx: &Context<'_>,
        first: i32,
        after: Option<String>,
    ) -> async_graphql::Result<
        Option<Connection<String, Child, ChildrenConnectionFields, EmptyFields>>,
    > {
        if !permit(ctx, Scope::ChildrenRead)? {
            return Ok(None);
        }
        let first = ids::page_size(first)?;
        let after = ids::decode_cursor(after.as_deref())?.map(ChildId);
        let request = request(ctx)?;
        let page = request
            .db
            .children_page(first, after)
            .await
            .map_err(ApiError::from)?;
        prefetch::children_page(ctx, request, &page.items).await?;
        let look = ctx.look_ahead();
        if look.field("nodes").exists() || look.field("edges").exists() {
            for child in &page.items {
                request.audit.read(Some(child.id), FieldsClass::Identifiers);
            }
        }
        let mut connection = Connection::with_additional_fields(
            after.is_some(),
            page.has_next_page,
            ChildrenConnectionFields,
        );
        for child in page.items {
            connection
                .edges
                .push(Edge::new(ids::cursor(child.id.0), Child(child)));
        }
        Ok(Some(connection))
    }

    /// A referral by global id; null if not found.
    async fn referral(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<NrmReferral>> {
        if !permit(ctx, Scope::ReferralsRead)? {
            return Ok(None);
        }
        let Some(uuid) = ids::decode(&id, NodeKind::NrmReferral)? else {
            return Ok(None);
        };
        let referral = request(ctx)?
            .loaders
            .referrals
            .load_one(ReferralId(uuid))
            .await
            .map_err(ApiError::from)?;
        if let Some(referral) = &referral {
            audit::read(ctx, referral.child_id, FieldsClass::Referral);
        }
        Ok(referral.map(NrmReferral))
    }

    /// A guardian assignment by global id; null if not found.
    async fn guardian_assignment(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<GuardianAssignment>> {
        if !permit(ctx, Scope::GuardiansRead)? {
            return Ok(None);
        }
        let Some(uuid) = ids::decode(&id, NodeKind::GuardianAssignment)? else {
            return Ok(None);
        };
        let assignment = request(ctx)?
            .loaders
            .assignments
            .load_one(AssignmentId(uuid))
            .await
            .map_err(ApiError::from)?;
        if let Some(assignment) = &assignment {
            audit::read(ctx, assignment.child_id, FieldsClass::Guardian);
        }
        Ok(assignment.map(GuardianAssignment))
    }

    /// An outcome measurement by global id; null if not found.
    async fn outcome_measurement(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<OutcomeMeasurement>> {
        if !permit(ctx, Scope::OutcomesRead)? {
            return Ok(None);
        }
        let Some(uuid) = ids::decode(&id, NodeKind::OutcomeMeasurement)? else {
            return Ok(None);
        };
        let measurement = request(ctx)?
            .loaders
            .measurements
            .load_one(MeasurementId(uuid))
            .await
            .map_err(ApiError::from)?;
        if let Some(measurement) = &measurement {
            audit::read(ctx, measurement.child_id, FieldsClass::Outcomes);
        }
        Ok(measurement.map(OutcomeMeasurement))
    }

    /// Every change to the local authority's records, oldest first, in the order the changes
    /// committed: creations, updates, state changes, assignments, measurements and erasures.
    /// Start without `after`, then pass the last `cursor` you processed; following the cursors
    /// gives each change exactly once, never skipping one that commits late. An empty page
    /// means you are up to date: keep your cursor and ask again (or subscribe to `changes`).
    /// Needs the `children:read` scope.
    #[graphql(complexity = "usize::try_from(first).unwrap_or(1).max(1) * child_complexity")]
    async fn changes(
        &self,
        ctx: &Context<'_>,
        first: i32,
        after: Option<String>,
    ) -> async_graphql::Result<Option<Connection<String, Change, EmptyFields, EmptyFields>>> {
        if !permit(ctx, Scope::ChildrenRead)? {
            return Ok(None);
        }
        let first = ids::page_size(first)?;
        let after = ids::decode_sequence_cursor(after.as_deref())?;
        let page = request(ctx)?
            .db
            .changes(after, first)
            .await
            .map_err(ApiError::from)?;
        let mut connection = Connection::new(after.is_some(), page.has_next_page);
        for change in &page.items {
            let change = Change::from(change);
            connection
                .edges
                .push(Edge::new(change.announced.cursor.clone(), change));
        }
        Ok(Some(connection))
    }

    /// The cursor of the newest change in the feed now (null while there is none). Before an
    /// initial load with `children`, note it; after the load, follow `changes(after:)` from it,
    /// and nothing that changed during the load is missed. Needs the `children:read` scope.
    async fn changes_end_cursor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        if !permit(ctx, Scope::ChildrenRead)? {
            return Ok(None);
        }
        let position = request(ctx)?
            .db
            .latest_change_position()
            .await
            .map_err(ApiError::from)?;
        Ok(position.map(ids::sequence_cursor))
    }

    /// The local authority's audit trail, newest first: who read or changed which child's data,
    /// when and why. `childId` narrows it to one child. Needs the `audit:read` scope. Reading the
    /// trail is itself recorded (as a read of no particular child).
    #[graphql(complexity = "usize::try_from(first).unwrap_or(1).max(1) * child_complexity")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        first: i32,
        after: Option<String>,
        child_id: Option<ID>,
    ) -> async_graphql::Result<Option<Connection<String, AuditEvent, EmptyFields, EmptyFields>>>
    {
        if !permit(ctx, Scope::AuditRead)? {
            return Ok(None);
        }
        let first = ids::page_size(first)?;
        let before = ids::decode_sequence_cursor(after.as_deref())?;
        let request = request(ctx)?;
        request.audit.read(None, FieldsClass::Audit);
        let child = match &child_id {
            Some(id) => match ids::decode(id, NodeKind::Child)? {
                Some(uuid) => Some(ChildId(uuid)),
                // An id of another type names no child, so no entries.
                None => return Ok(Some(Connection::new(false, false))),
            },
            None => None,
        };
        let page = request
            .db
            .audit_events(first, before, child)
            .await
            .map_err(ApiError::from)?;
        let mut connection = Connection::new(before.is_some(), page.has_next_page);
        for event in page.items {
            connection
                .edges
                .push(Edge::new(ids::sequence_cursor(event.id), AuditEvent(event)));
        }
        Ok(Some(connection))
    }

    /// The outcome framework new measurements are recorded against.
    async fn outcome_framework(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<OutcomeFramework> {
        let framework = request(ctx)?
            .db
            .current_framework()
            .await
            .map_err(ApiError::from)?;
        Ok(OutcomeFramework(framework))
    }
}
