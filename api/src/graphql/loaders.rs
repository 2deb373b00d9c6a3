//! Per-request DataLoaders: each batches one lookup shape into one SQL statement with
//! `= ANY($1)`, so a page of children with their referrals, guardians and measurements costs the
//! same number of statements for 5 children as for 50.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use chrono::{DateTime, Utc};
use stable_futures_domain::guardian::GuardianAssignment;
use stable_futures_domain::ids::{AssignmentId, ChildId, MeasurementId, ReferralId};
use stable_futures_domain::child::Child;
use stable_futures_domain::outcomes::{OutcomeFramework, OutcomeMeasurement};
use stable_futures_domain::referral::{NrmReferral, ReferralEvent};
use stable_futures_persistence::{Database, MeasurementFilter, Page, PersistenceError, TenantDb};

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
fn groups<K: Copy, G: Eq + std::hash::Hash>(keys: &[K], group: impl Fn(&K) -> G) -> HashMap<G, Vec<K>> {
    let mut groups: HashMap<G, Vec<K>> = HashMap::new();
    for key in keys {
        groups.entry(group(key)).or_default().push(*key);
    }
    groups
}

pub struct Loaders {
    pub children: DataLoader<ChildLoader>,
    pub referrals: DataLoader<ReferralLoader>,
    pub assignments: DataLoader<AssignmentLoader>,
    pub measurements: DataLoader<MeasurementLoader>,
    pub child_referrals: DataLoader<ChildReferralsLoader>,
    pub timelines: DataLoader<TimelineLoader>,
    pub child_assignments: DataLoader<ChildAssignmentsLoader>,
    pub child_measurements: DataLoader<ChildMeasurementsLoader>,
    pub first_referrals: DataLoader<FirstReferralLoader>,
    pub superseded_by: DataLoader<SupersededByLoader>,
    pub frameworks: DataLoader<FrameworkLoader>,
}

impl std::fmt::Debug for Loaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Loaders")
    }
}

impl Loaders {
    pub fn new(db: &TenantDb, database: &Database) -> Self {
        let spawn = |future| {
            tokio::spawn(future);
        };
        Self {
            children: DataLoader::new(ChildLoader(db.clone()), spawn),
            referrals: DataLoader::new(ReferralLoader(db.clone()), spawn),
            assignments: DataLoader::new(AssignmentLoader(db.clone()), spawn),
            measurements: DataLoader::new(MeasurementLoader(db.clone()), spawn),
            child_referrals: DataLoader::new(ChildReferralsLoader(db.clone()), spawn),
            timelines: DataLoader::new(TimelineLoader(db.clone()), spawn),
            child_assignments: DataLoader::new(ChildAssignmentsLoader(db.clone()), spawn),
            child_measurements: DataLoader::new(ChildMeasurementsLoader(db.clone()), spawn),
            first_referrals: DataLoader::new(FirstReferralLoader(db.clone()), spawn),
            superseded_by: DataLoader::new(SupersededByLoader(db.clone()), spawn),
            frameworks: DataLoader::new(FrameworkLoader(database.clone()), spawn),
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
    /// Frameworks by version: reference data, shared by all tenants.
    FrameworkLoader,
    Database
);

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

    async fn load(&self, keys: &[PageKey<ReferralId>]) -> LoadResult<PageKey<ReferralId>, Arc<Page<NrmReferral>>> {
        let mut result = HashMap::new();
        for ((first, after), keys) in groups(keys, |key| (key.first, key.after)) {
            let children: Vec<ChildId> = keys.iter().map(|key| key.child).collect();
            let pages = self.0.referrals_for_children(&children, first, after).await.map_err(Arc::new)?;
            for (child, page) in pages {
                result.insert(PageKey { child, first, after }, Arc::new(page));
            }
        }
        Ok(result)
    }
}

impl Loader<ReferralId> for TimelineLoader {
    type Value = Arc<Vec<ReferralEvent>>;
    type Error = Arc<PersistenceError>;

    async fn load(&self, keys: &[ReferralId]) -> LoadResult<ReferralId, Arc<Vec<ReferralEvent>>> {
        let timelines = self.0.referral_timelines(keys).await.map_err(Arc::new)?;
        Ok(timelines.into_iter().map(|(id, events)| (id, Arc::new(events))).collect())
    }
}

impl Loader<ChildId> for ChildAssignmentsLoader {
    type Value = Arc<Vec<GuardianAssignment>>;
    type Error = Arc<PersistenceError>;

    async fn load(&self, keys: &[ChildId]) -> LoadResult<ChildId, Arc<Vec<GuardianAssignment>>> {
        let by_child = self.0.assignments_for_children(keys).await.map_err(Arc::new)?;
        Ok(by_child.into_iter().map(|(id, list)| (id, Arc::new(list))).collect())
    }
}

impl Loader<MeasurementPageKey> for ChildMeasurementsLoader {
    type Value = Arc<Page<OutcomeMeasurement>>;
    type Error = Arc<PersistenceError>;

    async fn load(&self, keys: &[MeasurementPageKey]) -> LoadResult<MeasurementPageKey, Arc<Page<OutcomeMeasurement>>> {
        let mut result = HashMap::new();
        for ((first, after, include_superseded), keys) in
            groups(keys, |key| (key.page.first, key.page.after, key.include_superseded))
        {
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
                    page: PageKey { child, first, after },
                    include_superseded,
                };
                result.insert(key, Arc::new(page));
            }
        }
        Ok(result)
    }
}

impl Loader<ChildId> for FirstReferralLoader {
    type Value = DateTime<Utc>;
    type Error = Arc<PersistenceError>;

    async fn load(&self, keys: &[ChildId]) -> LoadResult<ChildId, DateTime<Utc>> {
        self.0.first_referral_dates(keys).await.map_err(Arc::new)
    }
}

impl Loader<MeasurementId> for SupersededByLoader {
    type Value = MeasurementId;
    type Error = Arc<PersistenceError>;

    async fn load(&self, keys: &[MeasurementId]) -> LoadResult<MeasurementId, MeasurementId> {
        self.0.superseding_measurements(keys).await.map_err(Arc::new)
    }
}

impl Loader<String> for FrameworkLoader {
    type Value = Arc<OutcomeFramework>;
    type Error = Arc<PersistenceError>;

    async fn load(&self, keys: &[String]) -> LoadResult<String, Arc<OutcomeFramework>> {
        let mut result = HashMap::new();
        for version in keys {
            if let Some(framework) = self.0.framework(version).await.map_err(Arc::new)? {
                result.insert(version.clone(), Arc::new(framework));
            }
        }
        Ok(result)
    }
}
