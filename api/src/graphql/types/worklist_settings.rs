//! An authority's worklist thresholds.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};
use stable_futures_persistence::VersionedSettings;

/// The local authority's worklist thresholds, in days (and a count of measurements). No statute
/// sets most of them ("as soon as reasonably practicable"), so each authority sets its own with
/// `updateWorklistSettings`; until then the documented defaults apply (version 0).
#[derive(Debug, SimpleObject)]
pub struct WorklistSettings {
    /// Days after a child's referral by which a guardian should have been requested (default 5).
    pub guardian_request_days: i32,
    /// Days after a request by which a guardian should have been assigned (default 10).
    pub guardian_assignment_days: i32,
    /// Days between outcome measurements while work is open (default 90).
    pub measurement_interval_days: i32,
    /// How many of the latest measurements, all without the young person, make an item
    /// (default 3).
    pub young_person_view_window: i32,
    /// Days before an 18th birthday from which an undecided referral is listed (default 90).
    #[graphql(name = "turning18Days")]
    pub turning_18_days: i32,
    /// Days before the recovery period ends from which it is listed (default 7).
    pub recovery_period_ending_days: i32,
    /// Days after a reconsideration request by which a decision is expected (default 30).
    pub reconsideration_waiting_days: i32,
    /// 0 while the defaults apply; send it back as `expectedVersion` to change them.
    pub version: i32,
    /// When they were last changed; null for the defaults.
    pub updated_at: Option<DateTime<Utc>>,
}

fn days(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

impl From<VersionedSettings> for WorklistSettings {
    fn from(stored: VersionedSettings) -> Self {
        let s = stored.settings;
        Self {
            guardian_request_days: days(s.guardian_request_days),
            guardian_assignment_days: days(s.guardian_assignment_days),
            measurement_interval_days: days(s.measurement_interval_days),
            young_person_view_window: days(s.young_person_view_window),
            turning_18_days: days(s.turning_18_days),
            recovery_period_ending_days: days(s.recovery_period_ending_days),
            reconsideration_waiting_days: days(s.reconsideration_waiting_days),
            version: stored.version,
            updated_at: stored.updated_at,
        }
    }
}
