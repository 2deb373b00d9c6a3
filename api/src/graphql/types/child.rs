use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};
use stable_futures_domain::child;
use stable_futures_domain::ids::{MeasurementId, ReferralId};
use stable_futures_domain::principal::Scope;

use super::guardian_assignment::GuardianAssignment;
use super::local_authority::LocalAuthority;
use super::nrm_referral::NrmReferral;
use super::outcome_measurement::OutcomeMeasurement;
use super::outcome_profile::{OutcomeProfileChart, OutcomeProfileEntry};
use crate::caller::request;
use crate::graphql::audit::FieldsClass;
use crate::graphql::chart::{outcome_profile_chart, ChartComparison};
use crate::graphql::enums::{CareStatus, Gender, ImmigrationStatus};
use crate::graphql::errors::ApiError;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::loaders::{Loaders, MeasurementPageKey, PageKey};
use crate::graphql::reads::{Audited, ChildData, Gate};
use crate::graphql::scalars::Date;

/// The most current measurements a profile is computed from: far more than a childhood of
/// quarterly readings of every outcome.
const PROFILE_MEASUREMENTS: usize = 10_000;

/// A child or young person known to a local authority's children's services.
#[derive(Debug, Clone)]
pub struct Child(child::Child);

impl ChildData for Child {
    type Value = child::Child;
    const SCOPE: Scope = Scope::ChildrenRead;
    const CLASS: FieldsClass = FieldsClass::Identifiers;
    const KIND: NodeKind = NodeKind::Child;

    fn child_of(value: &child::Child) -> stable_futures_domain::ids::ChildId {
        value.id
    }

    fn wrap(value: child::Child, _: Audited) -> Self {
        Self(value)
    }

    async fn load(loaders: &Loaders, id: uuid::Uuid) -> Result<Option<child::Child>, ApiError> {
        Ok(loaders
            .children
            .load_one(stable_futures_domain::ids::ChildId(id))
            .await?)
    }
}

impl Child {
    pub fn inner(&self) -> &child::Child {
        &self.0
    }

    /// The child's outcome profile and the rating scale it is drawn on, read through `gate`
    /// (opened with `outcomes:read`).
    async fn profile(
        &self,
        gate: &Gate<'_>,
    ) -> Result<
        (
            Vec<stable_futures_domain::outcome_profile::OutcomeProfileEntry>,
            (i32, i32),
        ),
        ApiError,
    > {
        let key = MeasurementPageKey {
            page: PageKey {
                child: self.0.id,
                first: PROFILE_MEASUREMENTS,
                after: None,
            },
            include_superseded: false,
        };
        let page = gate.loaders().child_measurements.load_one(key).await?;
        if page.as_ref().is_some_and(|page| page.has_next_page) {
            return Err(ApiError::internal(
                &"more current measurements than a profile reads",
            ));
        }
        // Borrowed from the loader's cache: the measurements hold the young person's words, which
        // a profile never needs a copy of.
        let measurements = page
            .as_deref()
            .map_or(&[][..], |page| page.items.as_slice());
        let versions: std::collections::BTreeSet<String> = measurements
            .iter()
            .map(|m| m.framework_version.clone())
            .collect();
        let frameworks = gate.loaders().frameworks.load_many(versions).await?;
        gate.note(Some(self.0.id), FieldsClass::Outcomes);
        let profile = stable_futures_domain::outcome_profile::outcome_profile(measurements, |v| {
            frameworks.get(v).map(|framework| &**framework)
        });
        // Every version measured shares the chart: its scale runs from the lowest to the highest
        // level any of them has (the shipped scale is 1 to 5).
        let levels = frameworks
            .values()
            .flat_map(|framework| framework.scale.iter().map(|level| level.value));
        let scale = levels.fold(None, |range: Option<(i32, i32)>, value| {
            Some(range.map_or((value, value), |(low, high)| {
                (low.min(value), high.max(value))
            }))
        });
        Ok((profile, scale.unwrap_or((1, 5))))
    }
}

#[Object]
impl Child {
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::Child, self.0.id.0)
    }

    /// The local authority case system's own id for the child.
    async fn local_child_id(&self) -> &str {
        self.0.details.local_child_id.as_str()
    }

    /// Unique pupil number, or the census code (UN1–UN5) saying why it is not known.
    async fn upn(&self) -> Option<&str> {
        self.0.details.upn.as_ref().map(|upn| upn.as_str())
    }

    async fn nhs_number(&self) -> Option<&str> {
        self.0.details.nhs_number.as_ref().map(|n| n.as_str())
    }

    /// Date of birth, or the estimated date of birth (see `dateOfBirthEstimated`).
    async fn date_of_birth(&self) -> Date {
        Date(self.0.details.date_of_birth)
    }

    async fn date_of_birth_estimated(&self) -> bool {
        self.0.details.date_of_birth_estimated
    }

    /// The young person's age is disputed. They are treated as a child until decided otherwise.
    async fn age_disputed(&self) -> bool {
        self.0.details.age_disputed
    }

    async fn gender(&self) -> Option<Gender> {
        self.0.details.gender.map(Into::into)
    }

    /// ISO 3166-1 alpha-3 codes.
    async fn nationalities(&self) -> Vec<&str> {
        self.0
            .details
            .nationalities
            .iter()
            .map(|n| n.as_str())
            .collect()
    }

    /// ISO 639 codes of the languages the young person speaks.
    async fn languages(&self) -> Vec<&str> {
        self.0
            .details
            .languages
            .iter()
            .map(|l| l.as_str())
            .collect()
    }

    async fn interpreter_required(&self) -> bool {
        self.0.details.interpreter_required
    }

    async fn immigration_status(&self) -> Option<ImmigrationStatus> {
        self.0.details.immigration_status.map(Into::into)
    }

    async fn care_status(&self) -> Option<CareStatus> {
        self.0.details.care_status.map(Into::into)
    }

    /// The local authority responsible for the child.
    async fn local_authority(&self, ctx: &Context<'_>) -> async_graphql::Result<LocalAuthority> {
        Ok(LocalAuthority(request(ctx)?.local_authority.clone()))
    }

    /// The local authority that registered the child: this one, unless the child moved here from
    /// another with a transfer, bringing it with them.
    async fn recorded_by_local_authority(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<LocalAuthority> {
        Ok(LocalAuthority(
            crate::graphql::reads::recorded_by(ctx, self.0.recorded_by_local_authority.as_ref())
                .await?,
        ))
    }

    /// Changes with every update; pass it back as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// The child's NRM referrals, oldest first.
    #[graphql(complexity = "usize::try_from(first).unwrap_or(1).max(1) * child_complexity")]
    async fn referrals(
        &self,
        ctx: &Context<'_>,
        first: i32,
        after: Option<String>,
    ) -> async_graphql::Result<Option<Connection<String, NrmReferral, EmptyFields, EmptyFields>>>
    {
        let Some(gate) = Gate::open(ctx, Scope::ReferralsRead)? else {
            return Ok(None);
        };
        let first = ids::page_size(first)?;
        let after = ids::decode_cursor(after.as_deref())?.map(ReferralId);
        let key = PageKey {
            child: self.0.id,
            first,
            after,
        };
        let page = gate
            .loaders()
            .child_referrals
            .load_one(key)
            .await
            .map_err(ApiError::from)?;
        // That a child has no referrals is itself something read about the child.
        gate.note(Some(self.0.id), FieldsClass::Referral);
        let mut connection = Connection::new(
            after.is_some(),
            page.as_ref().is_some_and(|p| p.has_next_page),
        );
        for referral in page.iter().flat_map(|p| p.items.iter()) {
            connection.edges.push(Edge::new(
                ids::cursor(referral.id.0),
                gate.expose::<NrmReferral>(referral.clone())?,
            ));
        }
        Ok(Some(connection))
    }

    /// Independent guardian requests and assignments, oldest first.
    async fn guardian_assignments(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<GuardianAssignment>>> {
        let Some(gate) = Gate::open(ctx, Scope::GuardiansRead)? else {
            return Ok(None);
        };
        let list = gate
            .loaders()
            .child_assignments
            .load_one(self.0.id)
            .await
            .map_err(ApiError::from)?;
        gate.note(Some(self.0.id), FieldsClass::Guardian);
        Ok(Some(gate.expose_all::<GuardianAssignment>(
            list.iter().flat_map(|list| list.iter()).cloned(),
        )?))
    }

    /// The child's outcome profile: per outcome measured, the first and the latest current
    /// reading, the change between them, and how often the young person took part. Never one
    /// overall score. Needs the `outcomes:read` scope.
    async fn outcome_profile(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<OutcomeProfileEntry>>> {
        let Some(gate) = Gate::open(ctx, Scope::OutcomesRead)? else {
            return Ok(None);
        };
        let (profile, _) = self.profile(&gate).await?;
        Ok(Some(profile.into_iter().map(OutcomeProfileEntry).collect()))
    }

    /// The outcome profile as an SVG star chart (see `OutcomeProfileChart`). Needs the
    /// `outcomes:read` scope.
    async fn outcome_profile_chart(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "ChartComparison::FirstAndLatest")] compare: ChartComparison,
    ) -> async_graphql::Result<Option<OutcomeProfileChart>> {
        let Some(gate) = Gate::open(ctx, Scope::OutcomesRead)? else {
            return Ok(None);
        };
        let (profile, scale) = self.profile(&gate).await?;
        Ok(Some(OutcomeProfileChart {
            chart: outcome_profile_chart(&profile, scale, compare),
            comparison: compare,
        }))
    }

    /// Outcome measurements in the order they were recorded. Corrected measurements are left
    /// out unless `includeSuperseded` is true (the full history).
    #[graphql(complexity = "usize::try_from(first).unwrap_or(1).max(1) * child_complexity")]
    async fn outcome_measurements(
        &self,
        ctx: &Context<'_>,
        first: i32,
        after: Option<String>,
        #[graphql(default = false)] include_superseded: bool,
    ) -> async_graphql::Result<
        Option<Connection<String, OutcomeMeasurement, EmptyFields, EmptyFields>>,
    > {
        let Some(gate) = Gate::open(ctx, Scope::OutcomesRead)? else {
            return Ok(None);
        };
        let first = ids::page_size(first)?;
        let after = ids::decode_cursor(after.as_deref())?.map(MeasurementId);
        let key = MeasurementPageKey {
            page: PageKey {
                child: self.0.id,
                first,
                after,
            },
            include_superseded,
        };
        let page = gate
            .loaders()
            .child_measurements
            .load_one(key)
            .await
            .map_err(ApiError::from)?;
        gate.note(Some(self.0.id), FieldsClass::Outcomes);
        let mut connection = Connection::new(
            after.is_some(),
            page.as_ref().is_some_and(|p| p.has_next_page),
        );
        for measurement in page.iter().flat_map(|p| p.items.iter()) {
            connection.edges.push(Edge::new(
                ids::cursor(measurement.id.0),
                gate.expose::<OutcomeMeasurement>(measurement.clone())?,
            ));
        }
        Ok(Some(connection))
    }
}
