use async_graphql::{Interface, ID};

use super::child::Child;
use super::guardian_assignment::GuardianAssignment;
use super::nrm_referral::NrmReferral;
use super::outcome_measurement::OutcomeMeasurement;

/// An object with an opaque global id, fetchable with `node(id:)`.
#[derive(Debug, Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Child(Child),
    NrmReferral(NrmReferral),
    GuardianAssignment(GuardianAssignment),
    OutcomeMeasurement(OutcomeMeasurement),
}
