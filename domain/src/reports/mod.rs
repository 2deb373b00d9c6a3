//! Reports: what the research asks to be measured, computed from the records as plain
//! aggregates. Each report is a pure function of the records, the period and the day it is run,
//! so the SQL that serves it can be tested against it; disclosure control
//! (`crate::disclosure`) is applied to its counts before they leave the service.

mod dimensions;
mod guardian_timeliness;
mod nrm_timeliness;
mod outcomes;
mod publish;
mod statistics;

pub use dimensions::{
    age_band, assigned_within, check_group_by, groups_of, AgeBand, Dimension, GroupByError,
    GroupKey, Subject, MAX_DIMENSIONS,
};
pub use guardian_timeliness::{
    control_guardian_timeliness, guardian_timeliness, ControlledGuardianTimelinessRow,
    GuardianTimelinessRow, RequestOfChild, GUARDIAN_TIMELINESS_GROUPS,
};
pub use nrm_timeliness::{
    control_nrm_timeliness, nrm_timeliness, ControlledNrmTimelinessRow, NrmTimelinessRow, Period,
    ReferralOfChild, NRM_TIMELINESS_GROUPS,
};
pub use outcomes::{
    control_outcomes, describe_outcome, outcomes, Changes, ControlledChanges, ControlledOutcome,
    ControlledOutcomesRow, DescribedOutcome, MeasuredChild, OutcomeChanges, OutcomeRef,
    OutcomesRow, OUTCOMES_GROUPS,
};
pub use publish::{rows_are_totals, with_totals_rounded, Cell, Grouped, Rollup, Totalled};
pub use statistics::{median, percentile};
