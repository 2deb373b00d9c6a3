//! Payloads of the outcome mutations.

use crate::graphql::types::outcome_measurement::OutcomeMeasurement;

payload!(
    /// Result of `recordOutcomeMeasurement`.
    RecordOutcomeMeasurementPayload,
    measurement,
    OutcomeMeasurement
);
