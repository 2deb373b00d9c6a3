//! Loads what a page of children's (or a child's) selection asks for before the children's
//! resolvers run: the children and every relation under them in one statement (issue #15), so
//! the resolvers find everything in the request's loader caches.
//!
//! DataLoaders alone batch by time window, and async-graphql polls at most 32 list items per
//! pass, so on a slow machine a 50-child page could split into several batches. Reading the
//! selection up front makes the statement count depend on the query's shape only.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::Hash;
use std::sync::Arc;

use async_graphql::context::SelectionField;
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use async_graphql::{Context, Lookahead, Value};
use stable_futures_domain::child::Child;
use stable_futures_domain::ids::{ChildId, MeasurementId, ReferralId};
use stable_futures_domain::outcomes::OutcomeMeasurement;
use stable_futures_domain::principal::{Principal, Scope};
use stable_futures_persistence::{
    ChildTree, MeasurementFilter, NestedPage, Page, PersistenceError, TreePlan,
};
use tracing::Instrument as _;
use uuid::Uuid;

use super::errors::ApiError;
use super::ids;
use super::loaders::{batch_span, Loaders, MeasurementPageKey, PageKey};
use super::reads::Gate;

/// Loads `keys` at once into `loader`'s request cache. The keys are all known here, so waiting
/// out the loader's batching window (as `load_many` does) would only add latency: about a
/// millisecond per relation, most of a small page's time.
async fn load_now<K, L>(
    loader: &DataLoader<L, HashMapCache>,
    keys: impl IntoIterator<Item = K>,
) -> Result<HashMap<K, L::Value>, ApiError>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    L: Loader<K, Error = Arc<PersistenceError>>,
{
    let keys: Vec<K> = keys
        .into_iter()
        .collect::<HashSet<K>>()
        .into_iter()
        .collect();
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let span = batch_span::<L>();
    let values = loader.loader().load(&keys).instrument(span).await?;
    loader
        .feed_many(values.iter().map(|(k, v)| (k.clone(), v.clone())))
        .await;
    Ok(values)
}

/// The object selections of a connection: `nodes { … }` and `edges { node { … } }`.
fn node_selections<'a>(connection: &Lookahead<'a>) -> [Lookahead<'a>; 2] {
    [
        connection.field("nodes"),
        connection.field("edges").field("node"),
    ]
}

fn selects(objects: &[Lookahead<'_>], name: &str) -> bool {
    objects.iter().any(|object| object.field(name).exists())
}

#[derive(Debug, Clone, Copy)]
struct PageArgs {
    first: usize,
    after: Option<Uuid>,
    include_superseded: bool,
}

/// The paging arguments of one occurrence of a nested connection field, or `None` if they are
/// invalid (the field's own resolver will report that).
fn page_args(field: &SelectionField<'_>) -> Option<PageArgs> {
    let mut args = PageArgs {
        first: 0,
        after: None,
        include_superseded: false,
    };
    for (name, value) in field.arguments().ok()? {
        match (name.as_str(), value) {
            ("first", Value::Number(n)) => {
                args.first = ids::page_size(i32::try_from(n.as_i64()?).ok()?).ok()?
            }
            ("after", Value::String(cursor)) => {
                args.after = ids::decode_cursor(Some(&cursor)).ok()?
            }
            ("includeSuperseded", Value::Boolean(flag)) => args.include_superseded = flag,
            _ => {}
        }
    }
    (args.first > 0).then_some(args)
}

/// The fields of a child's selection that read its relations (only those the token may read:
/// a relation it may not read is not loaded at all, and its resolver refuses it before any IO).
struct Relations<'a> {
    referrals: Vec<(SelectionField<'a>, PageArgs)>,
    assignments: Vec<SelectionField<'a>>,
    measurements: Vec<(SelectionField<'a>, PageArgs)>,
}

impl<'a> Relations<'a> {
    fn of(objects: &[Lookahead<'a>], principal: &Principal) -> Self {
        let fields = |name: &str, scope: Scope| -> Vec<SelectionField<'a>> {
            if !principal.has(scope) {
                return Vec::new();
            }
            objects
                .iter()
                .flat_map(|object| object.field(name).selection_fields())
                .collect()
        };
        let paged = |fields: Vec<SelectionField<'a>>| {
            fields
                .into_iter()
                .filter_map(|field| page_args(&field).map(|args| (field, args)))
                .collect()
        };
        Self {
            referrals: paged(fields("referrals", Scope::ReferralsRead)),
            assignments: fields("guardianAssignments", Scope::GuardiansRead),
            measurements: paged(fields("outcomeMeasurements", Scope::OutcomesRead)),
        }
    }

    /// What one statement reads under each child: every relation's first occurrence (a query
    /// rarely asks for a relation twice, under aliases with other arguments; the others are
    /// loaded by [`Relations::load_the_rest`]).
    fn plan(&self) -> TreePlan {
        let referrals = self.referrals.first();
        let measurements = self.measurements.first();
        TreePlan {
            referrals: referrals.map(|(_, args)| args.page_of(ReferralId)),
            timelines: referrals.is_some_and(|(field, _)| {
                selects(&node_selections(&Lookahead::from(*field)), "timeline")
            }),
            assignments: !self.assignments.is_empty(),
            first_referral_dates: self.assignments.iter().any(|field| {
                Lookahead::from(*field)
                    .field("daysFromReferralToAssignment")
                    .exists()
            }),
            measurements: measurements
                .map(|(_, args)| (args.page_of(MeasurementId), measurement_filter(args))),
            superseded_by: measurements.is_some_and(|(field, _)| {
                selects(&node_selections(&Lookahead::from(*field)), "supersededById")
            }),
        }
    }

    /// Loads, one statement per relation, the occurrences `planned` left out (other arguments).
    async fn load_the_rest(
        &self,
        planned: TreePlan,
        loaders: &Loaders,
        ids: &[ChildId],
    ) -> Result<(), ApiError> {
        for (field, args) in self.referrals.iter().skip(1) {
            if Some(args.page_of(ReferralId)) == planned.referrals {
                continue;
            }
            let keys: Vec<PageKey<ReferralId>> = ids
                .iter()
                .map(|child| PageKey {
                    child: *child,
                    first: args.first,
                    after: args.after.map(ReferralId),
                })
                .collect();
            let pages = load_now(&loaders.child_referrals, keys).await?;
            if selects(&node_selections(&Lookahead::from(*field)), "timeline") {
                let referral_ids: Vec<ReferralId> = pages
                    .values()
                    .flat_map(|page| page.items.iter().map(|r| r.id))
                    .collect();
                load_now(&loaders.timelines, referral_ids).await?;
            }
        }
        for (field, args) in self.measurements.iter().skip(1) {
            let filter = measurement_filter(args);
            if Some((args.page_of(MeasurementId), filter)) == planned.measurements {
                continue;
            }
            let keys: Vec<MeasurementPageKey> = ids
                .iter()
                .map(|child| MeasurementPageKey {
                    page: PageKey {
                        child: *child,
                        first: args.first,
                        after: args.after.map(MeasurementId),
                    },
                    include_superseded: args.include_superseded,
                })
                .collect();
            let pages = load_now(&loaders.child_measurements, keys).await?;
            if selects(&node_selections(&Lookahead::from(*field)), "supersededById") {
                let measurement_ids: Vec<MeasurementId> = pages
                    .values()
                    .flat_map(|page| page.items.iter().map(|m| m.id))
                    .collect();
                load_now(&loaders.superseded_by, measurement_ids).await?;
            }
            let pages: Vec<Arc<Page<OutcomeMeasurement>>> = pages.into_values().collect();
            load_frameworks(loaders, field, &pages).await?;
        }
        Ok(())
    }
}

impl PageArgs {
    fn page_of<After>(&self, id: impl Fn(Uuid) -> After) -> NestedPage<After> {
        NestedPage {
            first: self.first,
            after: self.after.map(id),
        }
    }
}

fn measurement_filter(args: &PageArgs) -> MeasurementFilter {
    if args.include_superseded {
        MeasurementFilter::All
    } else {
        MeasurementFilter::Current
    }
}

/// The frameworks a page of measurements names, if the selection asks for their `outcome`.
async fn load_frameworks(
    loaders: &Loaders,
    field: &SelectionField<'_>,
    pages: &[Arc<Page<OutcomeMeasurement>>],
) -> Result<(), ApiError> {
    if !selects(&node_selections(&Lookahead::from(*field)), "outcome") {
        return Ok(());
    }
    let versions: BTreeSet<String> = pages
        .iter()
        .flat_map(|page| page.items.iter().map(|m| m.framework_version.clone()))
        .collect();
    load_now(&loaders.frameworks, versions).await?;
    Ok(())
}

/// The span of one read of children's trees: what it reads (relations' names, no values).
fn tree_span(plan: &TreePlan) -> tracing::Span {
    let relations: Vec<&str> = [
        (plan.referrals.is_some(), "referrals"),
        (plan.referrals.is_some() && plan.timelines, "timelines"),
        (plan.assignments, "guardianAssignments"),
        (plan.first_referral_dates, "firstReferralDates"),
        (plan.measurements.is_some(), "outcomeMeasurements"),
        (
            plan.measurements.is_some() && plan.superseded_by,
            "supersededBy",
        ),
    ]
    .into_iter()
    .filter_map(|(read, name)| read.then_some(name))
    .collect();
    tracing::info_span!(
        "graphql.prefetch",
        otel.name = "Prefetch ChildTrees",
        graphql.prefetch.relations = %relations.join(","),
    )
}

/// Puts what one statement read under each child into the request's loader caches, under the
/// keys the relations' resolvers will ask for; returns the children.
async fn feed(
    loaders: &Loaders,
    relations: &Relations<'_>,
    plan: TreePlan,
    trees: Vec<ChildTree>,
) -> Result<Vec<Child>, ApiError> {
    let mut children = Vec::with_capacity(trees.len());
    let mut referral_pages = Vec::new();
    let mut timelines = Vec::new();
    let mut assignments = Vec::new();
    let mut first_referrals = Vec::new();
    let mut measurement_pages = Vec::new();
    let mut superseded_by = Vec::new();
    for tree in trees {
        let child = tree.child.id;
        if let (Some(page), Some(args)) = (tree.referrals, plan.referrals) {
            let key = PageKey {
                child,
                first: args.first,
                after: args.after,
            };
            referral_pages.push((key, Arc::new(page)));
        }
        timelines.extend(
            tree.timelines
                .into_iter()
                .flatten()
                .map(|(referral, events)| (referral, Arc::new(events))),
        );
        if let Some(list) = tree.assignments {
            assignments.push((child, Arc::new(list)));
        }
        if let Some(date) = tree.first_referral_date {
            first_referrals.push((child, date));
        }
        if let (Some(page), Some((args, filter))) = (tree.measurements, plan.measurements) {
            let key = MeasurementPageKey {
                page: PageKey {
                    child,
                    first: args.first,
                    after: args.after,
                },
                include_superseded: filter == MeasurementFilter::All,
            };
            measurement_pages.push((key, Arc::new(page)));
        }
        superseded_by.extend(tree.superseded_by.into_iter().flatten());
        children.push(tree.child);
    }
    if let Some((field, _)) = relations.measurements.first() {
        let pages: Vec<Arc<Page<OutcomeMeasurement>>> = measurement_pages
            .iter()
            .map(|(_, page)| page.clone())
            .collect();
        load_frameworks(loaders, field, &pages).await?;
    }
    loaders
        .children
        .feed_many(children.iter().map(|child| (child.id, child.clone())))
        .await;
    loaders.child_referrals.feed_many(referral_pages).await;
    loaders.timelines.feed_many(timelines).await;
    loaders.child_assignments.feed_many(assignments).await;
    loaders.first_referrals.feed_many(first_referrals).await;
    loaders
        .child_measurements
        .feed_many(measurement_pages)
        .await;
    loaders.superseded_by.feed_many(superseded_by).await;
    Ok(children)
}

/// The authority's page of children (in id order) with everything their selection asks for
/// loaded: one statement for the page and each relation's first occurrence.
pub async fn children_page(
    ctx: &Context<'_>,
    gate: &Gate<'_>,
    first: usize,
    after: Option<ChildId>,
) -> Result<Page<Child>, ApiError> {
    let look = ctx.look_ahead();
    let relations = Relations::of(&node_selections(&look), gate.request().principal());
    let plan = relations.plan();
    let page = gate
        .db()
        .children_page_trees(first, after, plan)
        .instrument(tree_span(&plan))
        .await?;
    let children = feed(gate.loaders(), &relations, plan, page.items).await?;
    let ids: Vec<ChildId> = children.iter().map(|child| child.id).collect();
    relations.load_the_rest(plan, gate.loaders(), &ids).await?;
    Ok(Page {
        items: children,
        has_next_page: page.has_next_page,
    })
}

/// Loads what the selection asks for under children already listed (a filtered list): one
/// statement for each relation's first occurrence together.
pub async fn listed_children(
    ctx: &Context<'_>,
    gate: &Gate<'_>,
    children: &[Child],
) -> Result<(), ApiError> {
    let look = ctx.look_ahead();
    let relations = Relations::of(&node_selections(&look), gate.request().principal());
    let plan = relations.plan();
    let ids: Vec<ChildId> = children.iter().map(|child| child.id).collect();
    if plan != TreePlan::default() && !ids.is_empty() {
        let trees = gate
            .db()
            .child_trees(&ids, plan)
            .instrument(tree_span(&plan))
            .await?;
        feed(gate.loaders(), &relations, plan, trees).await?;
    }
    relations.load_the_rest(plan, gate.loaders(), &ids).await
}

/// The caller's child with this id, with everything the field's selection asks for under it
/// loaded, in one statement.
pub async fn child(
    ctx: &Context<'_>,
    gate: &Gate<'_>,
    id: ChildId,
) -> Result<Option<Child>, ApiError> {
    let relations = Relations::of(&[ctx.look_ahead()], gate.request().principal());
    let plan = relations.plan();
    let trees = gate
        .db()
        .child_trees(&[id], plan)
        .instrument(tree_span(&plan))
        .await?;
    let children = feed(gate.loaders(), &relations, plan, trees).await?;
    relations.load_the_rest(plan, gate.loaders(), &[id]).await?;
    Ok(children.into_iter().next())
}

/// Loads the children, referrals and assignments a worklist page's selection asks for, one
/// statement each, before the items' resolvers run (and only those the token may read).
pub async fn worklist_page(
    ctx: &Context<'_>,
    gate: &Gate<'_>,
    rows: &[stable_futures_persistence::read_model::WorklistRow],
) -> Result<(), ApiError> {
    let loaders = gate.loaders();
    let allowed = |scope: Scope| gate.request().principal().has(scope);
    let look = ctx.look_ahead();
    let objects = node_selections(&look);
    if selects(&objects, "child") && allowed(Scope::ChildrenRead) {
        load_now(&loaders.children, rows.iter().map(|row| row.child_id)).await?;
    }
    if selects(&objects, "referral") && allowed(Scope::ReferralsRead) {
        load_now(
            &loaders.referrals,
            rows.iter().filter_map(|row| row.referral_id),
        )
        .await?;
    }
    if selects(&objects, "assignment") && allowed(Scope::GuardiansRead) {
        load_now(
            &loaders.assignments,
            rows.iter().filter_map(|row| row.assignment_id),
        )
        .await?;
    }
    if selects(&objects, "transfer") && allowed(Scope::TransfersRead) {
        load_now(
            &loaders.transfers,
            rows.iter().filter_map(|row| row.transfer_id),
        )
        .await?;
    }
    Ok(())
}
