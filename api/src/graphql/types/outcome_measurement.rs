use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};
use stable_futures_domain::outcomes;
use stable_futures_domain::principal::Scope;

use super::child::Child;
use super::outcome::Outcome;
use crate::graphql::audit::{self, FieldsClass};
use crate::graphql::context::request;
use crate::graphql::errors::ApiError;
use crate::graphql::guard::permit;
use crate::graphql::ids::{self, NodeKind};

/// One observation of one outcome for one child. Never changed: a correction is a new
/// measurement that supersedes this one.
#[derive(Debug, Clone)]
pub struct OutcomeMeasurement(pub outcomes::OutcomeMeasurement);

#[Object]
impl OutcomeMeasurement {
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::OutcomeMeasurement, self.0.id.0)
    }

    async fn child(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Child>> {
        if !permit(ctx, Scope::ChildrenRead)? {
            return Ok(None);
        }
        let child = request(ctx)?
            .loaders
            .children
            .load_one(self.0.child_id)
            .await
            .map_err(ApiError::from)?;
        if child.is_some() {
            audit::read(ctx, self.0.child_id, FieldsClass::Identifiers);
        }
        Ok(child.map(Child))
    }

    /// The outcome observed, from the framework version the measurement was recorded against.
    async fn outcome(&self, ctx: &Context<'_>) -> async_graphql::Result<Outcome> {
        let framework = request(ctx)?
            .loaders
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
        if !permit(ctx, Scope::SensitiveRead)? {
            return Ok(None);
        }
        audit::read(ctx, self.0.child_id, FieldsClass::SensitiveText);
        Ok(self.0.young_person_words.as_deref())
    }

    /// The practitioner's rating, on the framework's scale.
    async fn practitioner_rating(&self) -> Option<i32> {
        self.0.practitioner_rating
    }

    /// The practitioner's note. Needs the `sensitive:read` scope.
    async fn practitioner_note(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        if !permit(ctx, Scope::SensitiveRead)? {
            return Ok(None);
        }
        audit::read(ctx, self.0.child_id, FieldsClass::SensitiveText);
        Ok(self.0.practitioner_note.as_deref())
    }

    /// Keys of the outcome's indicators observed as met.
    async fn indicators_met(&self) -> &[String] {
        &self.0.indicators_met
    }

    /// The measurement this one corrects.
    async fn supersedes_id(&self) -> Option<ID> {
        self.0
            .supersedes
            .map(|id| ids::encode(NodeKind::OutcomeMeasurement, id.0))
    }

    /// The measurement that corrects this one, if it has been corrected.
    async fn superseded_by_id(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ID>> {
        let by = request(ctx)?
            .loaders
            .superseded_by
            .load_one(self.0.id)
            .await
            .map_err(ApiError::from)?;
        Ok(by
            .flatten()
            .map(|id| ids::encode(NodeKind::OutcomeMeasurement, id.0)))
    }
}
