//! Loads what a page of children's selection asks for, one statement per relation, before the
//! children's resolvers run; they then find everything in the request's loader caches.
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
use stable_futures_domain::principal::Scope;
use stable_futures_persistence::PersistenceError;
use tracing::Instrument as _;
use uuid::Uuid;

use super::errors::ApiError;
use super::ids;
use super::loaders::{batch_span, MeasurementPageKey, PageKey};
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

pub async fn children_page(
    ctx: &Context<'_>,
    gate: &Gate<'_>,
    children: &[Child],
) -> Result<(), ApiError> {
    let loaders = gate.loaders();
    let request = gate.request();
    let ids: Vec<ChildId> = children.iter().map(|child| child.id).collect();
    loaders
        .children
        .feed_many(
            children
                .iter()
                .map(|child| (child.id, child.clone()))
                .collect::<Vec<_>>(),
        )
        .await;
    let look = ctx.look_ahead();
    let objects = node_selections(&look);

    let allowed = |scope: Scope| request.principal().has(scope);
    for object in &objects {
        // A relation the token may not read is not loaded at all: its resolver refuses it
        // before any IO, and so does this.
        let referrals = if allowed(Scope::ReferralsRead) {
            object.field("referrals").selection_fields()
        } else {
            Vec::new()
        };
        for field in referrals {
            let Some(args) = page_args(&field) else {
                continue;
            };
            let keys: Vec<PageKey<ReferralId>> = ids
                .iter()
                .map(|child| PageKey {
                    child: *child,
                    first: args.first,
                    after: args.after.map(ReferralId),
                })
                .collect();
            let pages = load_now(&loaders.child_referrals, keys).await?;
            let referrals = node_selections(&Lookahead::from(field));
            if selects(&referrals, "timeline") {
                let referral_ids: Vec<ReferralId> = pages
                    .values()
                    .flat_map(|page| page.items.iter().map(|r| r.id))
                    .collect();
                load_now(&loaders.timelines, referral_ids).await?;
            }
        }
        for field in object.field("guardianAssignments").selection_fields() {
            load_now(&loaders.child_assignments, ids.iter().copied()).await?;
            if Lookahead::from(field)
                .field("daysFromReferralToAssignment")
                .exists()
            {
                load_now(&loaders.first_referrals, ids.iter().copied()).await?;
            }
        }
        let measurements = if allowed(Scope::OutcomesRead) {
            object.field("outcomeMeasurements").selection_fields()
        } else {
            Vec::new()
        };
        for field in measurements {
            let Some(args) = page_args(&field) else {
                continue;
            };
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
            let measurements = node_selections(&Lookahead::from(field));
            if selects(&measurements, "supersededById") {
                let measurement_ids: Vec<MeasurementId> = pages
                    .values()
                    .flat_map(|page| page.items.iter().map(|m| m.id))
                    .collect();
                load_now(&loaders.superseded_by, measurement_ids).await?;
            }
            if selects(&measurements, "outcome") {
                let versions: BTreeSet<String> = pages
                    .values()
                    .flat_map(|page| page.items.iter().map(|m| m.framework_version.clone()))
                    .collect();
                load_now(&loaders.frameworks, versions).await?;
            }
        }
    }
    Ok(())
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
    Ok(())
}
