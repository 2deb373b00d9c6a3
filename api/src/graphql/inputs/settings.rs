//! Inputs of the settings mutations.

use async_graphql::InputObject;
use stable_futures_domain::worklist::WorklistSettingsChange;

/// A change to the authority's worklist thresholds: the fields given replace the current
/// values, the others stay.
#[derive(Debug, InputObject)]
pub struct UpdateWorklistSettingsInput {
    /// The `version` of the settings as last read (0 for the defaults).
    pub expected_version: i32,
    /// 0 to 365.
    pub guardian_request_days: Option<i64>,
    /// 0 to 365.
    pub guardian_assignment_days: Option<i64>,
    /// 1 to 730.
    pub measurement_interval_days: Option<i64>,
    /// 1 to 20 measurements.
    pub young_person_view_window: Option<i64>,
    /// 0 to 730.
    #[graphql(name = "turning18Days")]
    pub turning_18_days: Option<i64>,
    /// 0 to 365.
    pub recovery_period_ending_days: Option<i64>,
    /// 0 to 365.
    pub reconsideration_waiting_days: Option<i64>,
}

impl From<&UpdateWorklistSettingsInput> for WorklistSettingsChange {
    fn from(input: &UpdateWorklistSettingsInput) -> Self {
        Self {
            guardian_request_days: input.guardian_request_days,
            guardian_assignment_days: input.guardian_assignment_days,
            measurement_interval_days: input.measurement_interval_days,
            young_person_view_window: input.young_person_view_window,
            turning_18_days: input.turning_18_days,
            recovery_period_ending_days: input.recovery_period_ending_days,
            reconsideration_waiting_days: input.reconsideration_waiting_days,
        }
    }
}
