use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};
use stable_futures_domain::outcomes;
use stable_futures_domain::principal::Scope;

use super::child::Child;
use super::outcome::Outcome;
use crate::graphql::audit::FieldsClass;
use crate::graphql::errors::ApiError;
use crate::graphql::ids::{self, NodeKind};
use crate::graphql::loaders::Loaders;
use crate::graphql::reads::{self, Audited, ChildData, Gate};

/// One observation of one outcome for one child. Never changed: a correction is a new
/// measurement that supersedes this one.
#[derive(Debug, Clone)]
pub struct OutcomeMeasurement(outcomes::OutcomeMeasurement);

impl ChildData for OutcomeMeasurement {
    type Value = outcomes::OutcomeMeasurement;
    const SCOPE: Scope = Scope::OutcomesRead;
    const CLASS: FieldsClass = FieldsClass::Outcomes;
    const KIND: NodeKind = NodeKind::OutcomeMeasurement;

    fn child_of(value: &outcomes::OutcomeMeasurement) -> stable_futures_domain::ids::ChildId {
        value.child_id
    }

    fn wrap(value: outcomes::OutcomeMeasurement, _: Audited) -> Self {
        Self(value)
    }

    async fn load(
        loaders: &Loaders,
        id: uuid::Uuid,
    ) -> Result<Option<outcomes::OutcomeMeasurement>, ApiError> {
        Ok(loaders
            .measurements
            .load_one(stable_futures_domain::ids::MeasurementId(id))
            .await?)
    }
}

impl OutcomeMeasurement {
    pub fn inner(&self) -> &outcomes::OutcomeMeasurement {
        &self.0
    }
}

#[Object]
impl OutcomeMeasurement {
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::OutcomeMeasurement, self.0.id.0)
    }

    async fn child(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Child>> {
        reads::related(ctx, Some(self.0.child_id.0)).await
    }

    /// The outcome observed, from the framework version the measurement was recorded against.
    async fn outcome(&self, ctx: &Context<'_>) -> async_graphql::Result<Outcome> {
        let framework = Gate::require(ctx, Scope::OutcomesRead)?
            .loaders()
            .frameworks
            .load_one(self.0.framework_version.clone())
            .await
            .map_err(ApiError::from)?
            .ok_or(ApiError::NotFound)?;
        let outcome = framework
            .outcome(&self.0.outcome_key)
            .cloned()
            .ok_or(ApiError::NotFound)?;
        Ok(Outcome(outcome))
    }

    async fn framework_version(&self) -> &str {
        &self.0.framework_version
    }

    async fn observed_at(&self) -> DateTime<Utc> {
        self.0.observed_at
    }

    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }

    /// The token subject that recorded the measurement.
    async fn recorded_by(&self) -> &str {
        &self.0.recorded_by
    }

    /// Whether the young person took part in this measurement.
    async fn young_person_participated(&self) -> bool {
        self.0.young_person_participated
    }

    /// The young person's own rating, on the framework's scale.
    async fn young_person_rating(&self) -> Option<i32> {
        self.0.young_person_rating
    }

    /// The young person's own words. Needs the `sensitive:read` scope.
    async fn young_person_words(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        let Some(gate) = Gate::open(ctx, Scope::SensitiveRead)? else {
            return Ok(None);
        };
        gate.note(Some(self.0.child_id), FieldsClass::SensitiveText);
        Ok(self.0.young_person_words.as_deref())
    }

    /// The practitioner's rating, on the framework's scale.
    async fn practitioner_rating(&self) -> Option<i32> {
        self.0.practitioner_rating
    }

    /// The practitioner's note. Needs the `sensitive:read` scope.
    async fn practitioner_note(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        let Some(gate) = Gate::open(ctx, Scope::SensitiveRead)? else {
            return Ok(None);
        };
        gate.note(Some(self.0.child_id), FieldsClass::SensitiveText);
        Ok(self.0.practitioner_note.as_deref())
    }

    /// Keys of the outcome's indicators observed as met.
    async fn indicators_met(&self) -> &[String] {
        &self.0.indicators_met
    }

    /// The local authority that recorded it: this one, unless the child moved here from
    /// another with a transfer, bringing it with them.
    async fn recorded_by_local_authority(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<super::local_authority::LocalAuthority> {
        Ok(super::local_authority::LocalAuthority(
            reads::recorded_by(ctx, self.0.recorded_by_local_authority.as_ref()).await?,
        ))
    }

    /// The measurement this one corrects.
    async fn supersedes_id(&self) -> Option<ID> {
        self.0
            .supersedes
            .map(|id| ids::encode(NodeKind::OutcomeMeasurement, id.0))
    }

    /// The measurement that corrects this one, if it has been corrected.
    async fn superseded_by_id(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ID>> {
        let Some(gate) = Gate::open(ctx, Scope::OutcomesRead)? else {
            return Ok(None);
        };
        let by = gate
            .loaders()
            .superseded_by
            .load_one(self.0.id)
            .await
            .map_err(ApiError::from)?;
        Ok(by
            .flatten()
            .map(|id| ids::encode(NodeKind::OutcomeMeasurement, id.0)))
    }
}
