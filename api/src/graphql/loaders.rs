//! Per-request DataLoaders: each batches one lookup shape into one SQL statement with
//! `= ANY($1)`, so a page of children with their referrals, guardians and measurements costs the
//! same number of statements for 5 children as for 50.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use chrono::{DateTime, Utc};
use stable_futures_domain::child::Child;
use stable_futures_domain::guardian::GuardianAssignment;
use stable_futures_domain::ids::{AssignmentId, ChildId, MeasurementId, ReferralId, TransferId};
use stable_futures_domain::local_authority::{LocalAuthority, LocalAuthorityCode};
use stable_futures_domain::outcomes::{OutcomeFramework, OutcomeMeasurement};
use stable_futures_domain::referral::{NrmReferral, ReferralEvent};
use stable_futures_domain::transfer::Transfer;
use stable_futures_persistence::{MeasurementFilter, Page, PersistenceError, TenantDb};
use tracing::Instrument as _;

type LoadResult<K, V> = Result<HashMap<K, V>, Arc<PersistenceError>>;

/// A page request for a child's nested connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageKey<After> {
    pub child: ChildId,
    pub first: usize,
    pub after: Option<After>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MeasurementPageKey {
    pub page: PageKey<MeasurementId>,
    pub include_superseded: bool,
}

/// Groups page keys that share their paging arguments: each group is one statement.
fn groups<K: Copy, G: Eq + std::hash::Hash>(
    keys: &[K],
    group: impl Fn(&K) -> G,
) -> HashMap<G, Vec<K>> {
    let mut groups: HashMap<G, Vec<K>> = HashMap::new();
    for key in keys {
        groups.entry(group(key)).or_default().push(*key);
    }
    groups
}

pub struct Loaders {
    pub children: DataLoader<ChildLoader, HashMapCache>,
    pub referrals: DataLoader<ReferralLoader, HashMapCache>,
    pub assignments: DataLoader<AssignmentLoader, HashMapCache>,
    pub measurements: DataLoader<MeasurementLoader, HashMapCache>,
    pub child_referrals: DataLoader<ChildReferralsLoader, HashMapCache>,
    pub timelines: DataLoader<TimelineLoader, HashMapCache>,
    pub child_assignments: DataLoader<ChildAssignmentsLoader, HashMapCache>,
    pub child_measurements: DataLoader<ChildMeasurementsLoader, HashMapCache>,
    pub first_referrals: DataLoader<FirstReferralLoader, HashMapCache>,
    pub superseded_by: DataLoader<SupersededByLoader, HashMapCache>,
    pub frameworks: DataLoader<FrameworkLoader, HashMapCache>,
    pub transfers: DataLoader<TransferLoader, HashMapCache>,
    pub authorities: DataLoader<AuthorityLoader, HashMapCache>,
}

impl std::fmt::Debug for Loaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Loaders")
    }
}

/// How long a loader collects keys before it queries. Pages of children do not depend on it (see
/// `prefetch`); other lists (`nodes`) batch within this window.
const BATCH_WINDOW: std::time::Duration = std::time::Duration::from_millis(1);

fn loader<L>(inner: L) -> DataLoader<L, HashMapCache>
where
    L: Send + Sync + 'static,
{
    // The cache lives as long as the request: a value loaded once (a child reached from several
    // referrals) is not loaded again, and nothing outlives the caller's request.
    DataLoader::with_cache(
        inner,
        move |future| {
            // A child of the resolver that asked first: the batch runs on its own task, which
            // would otherwise start a trace of its own.
            let span = batch_span::<L>();
            tokio::spawn(future.instrument(span));
        },
        HashMapCache::default(),
    )
    .delay(BATCH_WINDOW)
}

/// The span of one batch of loader `L` (one statement, or one per paging group).
pub fn batch_span<L>() -> tracing::Span {
    let name = std::any::type_name::<L>()
        .rsplit("::")
        .next()
        .unwrap_or_default();
    tracing::info_span!(
        "graphql.dataloader.batch",
        otel.name = %format!("DataLoader {name}"),
        graphql.dataloader.name = name,
    )
}

impl Loaders {
    pub fn new(db: &TenantDb) -> Self {
        Self {
            children: loader(ChildLoader(db.clone())),
            referrals: loader(ReferralLoader(db.clone())),
            assignments: loader(AssignmentLoader(db.clone())),
            measurements: loader(MeasurementLoader(db.clone())),
            child_referrals: loader(ChildReferralsLoader(db.clone())),
            timelines: loader(TimelineLoader(db.clone())),
            child_assignments: loader(ChildAssignmentsLoader(db.clone())),
            child_measurements: loader(ChildMeasurementsLoader(db.clone())),
            first_referrals: loader(FirstReferralLoader(db.clone())),
            superseded_by: loader(SupersededByLoader(db.clone())),
            frameworks: loader(FrameworkLoader(db.clone())),
            transfers: loader(TransferLoader(db.clone())),
            authorities: loader(AuthorityLoader(db.clone())),
        }
    }
}

macro_rules! loader {
    ($(#[$meta:meta])* $name:ident, $handle:ty) => {
        $(#[$meta])*
        #[derive(Debug)]
        pub struct $name($handle);
    };
}

loader!(ChildLoader, TenantDb);
loader!(ReferralLoader, TenantDb);
loader!(AssignmentLoader, TenantDb);
loader!(MeasurementLoader, TenantDb);
loader!(ChildReferralsLoader, TenantDb);
loader!(TimelineLoader, TenantDb);
loader!(ChildAssignmentsLoader, TenantDb);
loader!(ChildMeasurementsLoader, TenantDb);
loader!(FirstReferralLoader, TenantDb);
loader!(SupersededByLoader, TenantDb);
loader!(
    /// Frameworks by version: reference data, shared by all tenants (read through the tenant's
    /// handle so that a query reads them in its one transaction).
    FrameworkLoader,
    TenantDb
);

loader!(TransferLoader, TenantDb);
loader!(
    /// Local authorities by code: reference data (another authority's name).
    AuthorityLoader,
    TenantDb
);

impl Loader<TransferId> for TransferLoader {
    type Value = Transfer;
    type Error = Arc<PersistenceError>;

    async fn load(&self, keys: &[TransferId]) -> LoadResult<TransferId, Transfer> {
        self.0.transfers_by_ids(keys).await.map_err(Arc::new)
    }
}

impl Loader<LocalAuthorityCode> for AuthorityLoader {
    type Value = LocalAuthority;
    type Error = Arc<PersistenceError>;

    async fn load(
        &self,
        keys: &[LocalAuthorityCode],
    ) -> LoadResult<LocalAuthorityCode, LocalAuthority> {
        self.0.local_authorities_named(keys).await.map_err(Arc::new)
    }
}

impl Loader<ChildId> for ChildLoader {
    type Value = Child;
    type Error = Arc<PersistenceError>;

    async fn load(&self, keys: &[ChildId]) -> LoadResult<ChildId, Child> {
        self.0.children_by_ids(keys).await.map_err(Arc::new)
    }
}

impl Loader<ReferralId> for ReferralLoader {
    type Value = NrmReferral;
    type Error = Arc<PersistenceError>;

    async fn load(&self, keys: &[ReferralId]) -> LoadResult<ReferralId, NrmReferral> {
        self.0.referrals_by_ids(keys).await.map_err(Arc::new)
    }
}

impl Loader<AssignmentId> for AssignmentLoader {
    type Value = GuardianAssignment;
    type Error = Arc<PersistenceError>;

    async fn load(&self, keys: &[AssignmentId]) -> LoadResult<AssignmentId, GuardianAssignment> {
        self.0.assignments_by_ids(keys).await.map_err(Arc::new)
    }
}

impl Loader<MeasurementId> for MeasurementLoader {
    type Value = OutcomeMeasurement;
    type Error = Arc<PersistenceError>;

    async fn load(&self, keys: &[MeasurementId]) -> LoadResult<MeasurementId, OutcomeMeasurement> {
        self.0.measurements_by_ids(keys).await.map_err(Arc::new)
    }
}

impl Loader<PageKey<ReferralId>> for ChildReferralsLoader {
    type Value = Arc<Page<NrmReferral>>;
    type Error = Arc<PersistenceError>;

    async fn load(
        &self,
        keys: &[PageKey<ReferralId>],
    ) -> LoadResult<PageKey<ReferralId>, Arc<Page<NrmReferral>>> {
        let mut result = HashMap::new();
        for ((first, after), keys) in groups(keys, |key| (key.first, key.after)) {
            let children: Vec<ChildId> = keys.iter().map(|key| key.child).collect();
            let pages = self
                .0
                .referrals_for_children(&children, first, after)
                .await
                .map_err(Arc::new)?;
            for (child, page) in pages {
                result.insert(
                    PageKey {
                        child,
                        first,
                        after,
                    },
                    Arc::new(page),
                );
            }
        }
        Ok(result)
    }
}

impl Loader<ReferralId> for TimelineLoader {
    type Value = Arc<Vec<ReferralEvent>>;
    type Error = Arc<PersistenceError>;

    async fn load(&self, keys: &[ReferralId]) -> LoadResult<ReferralId, Arc<Vec<ReferralEvent>>> {
        let mut timelines = self.0.referral_timelines(keys).await.map_err(Arc::new)?;
        // Every key gets an answer, so the request's cache never asks twice for the same key.
        Ok(keys
            .iter()
            .map(|id| (*id, Arc::new(timelines.remove(id).unwrap_or_default())))
            .collect())
    }
}

impl Loader<ChildId> for ChildAssignmentsLoader {
    type Value = Arc<Vec<GuardianAssignment>>;
    type Error = Arc<PersistenceError>;

    async fn load(&self, keys: &[ChildId]) -> LoadResult<ChildId, Arc<Vec<GuardianAssignment>>> {
        let by_child = self
            .0
            .assignments_for_children(keys)
            .await
            .map_err(Arc::new)?;
        Ok(by_child
            .into_iter()
            .map(|(id, list)| (id, Arc::new(list)))
            .collect())
    }
}

impl Loader<MeasurementPageKey> for ChildMeasurementsLoader {
    type Value = Arc<Page<OutcomeMeasurement>>;
    type Error = Arc<PersistenceError>;

    async fn load(
        &self,
        keys: &[MeasurementPageKey],
    ) -> LoadResult<MeasurementPageKey, Arc<Page<OutcomeMeasurement>>> {
        let mut result = HashMap::new();
        for ((first, after, include_superseded), keys) in groups(keys, |key| {
            (key.page.first, key.page.after, key.include_superseded)
        }) {
            let children: Vec<ChildId> = keys.iter().map(|key| key.page.child).collect();
            let filter = if include_superseded {
                MeasurementFilter::All
            } else {
                MeasurementFilter::Current
            };
            let pages = self
                .0
                .measurements_for_children(&children, first, after, filter)
                .await
                .map_err(Arc::new)?;
            for (child, page) in pages {
                let key = MeasurementPageKey {
                    page: PageKey {
                        child,
                        first,
                        after,
                    },
                    include_superseded,
                };
                result.insert(key, Arc::new(page));
            }
        }
        Ok(result)
    }
}

impl Loader<ChildId> for FirstReferralLoader {
    type Value = Option<DateTime<Utc>>;
    type Error = Arc<PersistenceError>;

    async fn load(&self, keys: &[ChildId]) -> LoadResult<ChildId, Option<DateTime<Utc>>> {
        let dates = self.0.first_referral_dates(keys).await.map_err(Arc::new)?;
        Ok(keys
            .iter()
            .map(|id| (*id, dates.get(id).copied()))
            .collect())
    }
}

impl Loader<MeasurementId> for SupersededByLoader {
    type Value = Option<MeasurementId>;
    type Error = Arc<PersistenceError>;

    async fn load(
        &self,
        keys: &[MeasurementId],
    ) -> LoadResult<MeasurementId, Option<MeasurementId>> {
        let by = self
            .0
            .superseding_measurements(keys)
            .await
            .map_err(Arc::new)?;
        Ok(keys.iter().map(|id| (*id, by.get(id).copied())).collect())
    }
}

impl Loader<String> for FrameworkLoader {
    type Value = Arc<OutcomeFramework>;
    type Error = Arc<PersistenceError>;

    async fn load(&self, keys: &[String]) -> LoadResult<String, Arc<OutcomeFramework>> {
        let mut result = HashMap::new();
        for version in keys {
            if let Some(framework) = self.0.framework(version).await.map_err(Arc::new)? {
                result.insert(version.clone(), framework);
            }
        }
        Ok(result)
    }
}
