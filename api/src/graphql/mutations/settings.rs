use async_graphql::{Context, Object};
use stable_futures_domain::principal::Scope;
use stable_futures_domain::worklist::WorklistSettingsChange;

use crate::caller::request;
use crate::graphql::guard::RequireScope;
use crate::graphql::inputs::UpdateWorklistSettingsInput;
use crate::graphql::payloads::{Payload, UpdateWorklistSettingsPayload};
use crate::graphql::types::worklist_settings::WorklistSettings;
use crate::graphql::writes;

#[derive(Debug, Default)]
pub struct SettingsMutations;

#[Object]
impl SettingsMutations {
    /// Changes the authority's worklist thresholds, at once and for every replica (no deploy).
    /// Audited as an `UPDATE` of class `SETTINGS`. A value out of range, or a stale
    /// `expectedVersion`, is a user error and changes nothing.
    #[graphql(guard = "RequireScope(Scope::SettingsWrite)")]
    async fn update_worklist_settings(
        &self,
        ctx: &Context<'_>,
        input: UpdateWorklistSettingsInput,
    ) -> async_graphql::Result<UpdateWorklistSettingsPayload> {
        let now = request(ctx)?.now;
        let change = WorklistSettingsChange::from(&input);
        let (db, audit) = writes::begin(ctx)?;
        let result = db
            .update_worklist_settings(change, input.expected_version, now, &audit)
            .await;
        Ok(UpdateWorklistSettingsPayload::from_result(
            result,
            WorklistSettings::from,
        )?)
    }
}
