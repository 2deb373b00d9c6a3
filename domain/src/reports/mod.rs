//! Reports: what the research asks to be measured, computed from the records as plain
//! aggregates. Each report is a pure function of the records, the period and the day it is run,
//! so the SQL that serves it can be tested against it; disclosure control
//! (`crate::disclosure`) is applied to its counts before they leave the service.

mod dimensions;
mod nrm_timeliness;
mod publish;
mod statistics;

pub use dimensions::{age_band, AgeBand, Dimension, GroupKey, MAX_DIMENSIONS};
pub use nrm_timeliness::{
    control_nrm_timeliness, nrm_timeliness, ControlledNrmTimelinessRow, NrmTimelinessRow, Period,
    ReferralOfChild,
};
pub use publish::{Cell, Grouped, Rollup};
pub use statistics::{median, percentile};
