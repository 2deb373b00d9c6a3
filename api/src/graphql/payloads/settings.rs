//! Payloads of the settings mutations.

use crate::graphql::types::worklist_settings::WorklistSettings;

payload!(
    /// Result of `updateWorklistSettings`.
    UpdateWorklistSettingsPayload,
    settings,
    WorklistSettings
);
