//! What a report's rows can be grouped by, and each record's value in each.

use chrono::NaiveDate;

use crate::child::Child;
use crate::guardian::GuardianAssignment;
use crate::referral::{Decision, NrmReferral};

/// At most this many dimensions in one `groupBy`: beyond two, most cells are small enough to be
/// suppressed, and the table says nothing.
pub const MAX_DIMENSIONS: usize = 2;

string_enum! {
    /// A grouping of a report's rows. Each report groups by some of them.
    pub enum Dimension {
        /// Each kind of exploitation on the referral (a referral of two kinds is in both rows).
        ExploitationType => "EXPLOITATION_TYPE",
        CountyLines => "COUNTY_LINES",
        /// The child's age band on the report's day for the record (referral, request, first
        /// measurement).
        AgeBand => "AGE_BAND",
        CompetentAuthority => "COMPETENT_AUTHORITY",
        FirstResponderType => "FIRST_RESPONDER_TYPE",
        /// The child's first recorded nationality (`UNKNOWN` without one).
        Nationality => "NATIONALITY",
        /// The child's recorded gender (`NOT_RECORDED` without one).
        Gender => "GENDER",
        /// The guardianship service asked.
        GuardianService => "GUARDIAN_SERVICE",
        /// The guardian role asked for.
        GuardianRole => "GUARDIAN_ROLE",
        /// The current reasonable-grounds decision on the child's first referral.
        ReasonableGroundsOutcome => "REASONABLE_GROUNDS_OUTCOME",
        /// The conclusive-grounds decision on the child's first referral.
        ConclusiveGroundsOutcome => "CONCLUSIVE_GROUNDS_OUTCOME",
        /// Whether the child's first guardian was assigned, and within the authority's threshold.
        GuardianAssigned => "GUARDIAN_ASSIGNED",
        /// The local authority whose record it is: reports across authorities only.
        LocalAuthority => "LOCAL_AUTHORITY",
    }
}

string_enum! {
    /// An age band on a day, as the Home Office and DfE publish them; a disputed age is its own
    /// band (the recorded date of birth is not the age then).
    pub enum AgeBand {
        Under10 => "UNDER_10",
        From10To13 => "10_TO_13",
        From14To15 => "14_TO_15",
        From16To17 => "16_TO_17",
        Adult => "18_AND_OVER",
        Disputed => "DISPUTED",
    }
}

/// The child's age band on `day`, from the recorded (possibly estimated) date of birth.
pub fn age_band(child: &Child, day: NaiveDate) -> AgeBand {
    if child.details.age_disputed {
        return AgeBand::Disputed;
    }
    match child.age_on(day) {
        i32::MIN..=9 => AgeBand::Under10,
        10..=13 => AgeBand::From10To13,
        14..=15 => AgeBand::From14To15,
        16..=17 => AgeBand::From16To17,
        _ => AgeBand::Adult,
    }
}

/// A row's values in the report's dimensions, in the order of its `groupBy`.
pub type GroupKey = Vec<String>;

/// What a report counts, with what its dimensions are read from.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub child: &'a Child,
    /// The referral counted, or for a report of children, the child's first.
    pub referral: Option<&'a NrmReferral>,
    /// The guardian request counted, or for a report of children, the child's first.
    pub assignment: Option<&'a GuardianAssignment>,
    /// The authority's threshold for assigning a guardian, in days from the request.
    pub guardian_threshold_days: u32,
    /// The day the child's age band is taken on.
    pub on: NaiveDate,
}

/// A guardian assigned within `threshold_days` of the request (UK dates).
pub fn assigned_within(assignment: &GuardianAssignment, threshold_days: u32) -> bool {
    assignment
        .days_to_assignment()
        .is_some_and(|days| days <= i64::from(threshold_days))
}

fn decision_value(decision: Option<Decision>, referral: Option<&NrmReferral>) -> &'static str {
    match (referral, decision) {
        (None, _) => "NO_REFERRAL",
        (Some(_), None) => "NOT_DECIDED",
        (Some(_), Some(decision)) => decision.outcome.as_str(),
    }
}

impl Dimension {
    /// The subject's values in this dimension: several for a referral of several kinds of
    /// exploitation, one otherwise.
    pub fn values(self, subject: &Subject<'_>) -> Vec<String> {
        let child = subject.child;
        let referral = subject.referral;
        let one = |value: &str| vec![value.to_owned()];
        match self {
            Dimension::ExploitationType => match referral {
                Some(referral) => referral
                    .exploitation_types
                    .iter()
                    .map(|kind| kind.as_str().to_owned())
                    .collect(),
                None => one("NO_REFERRAL"),
            },
            Dimension::CountyLines => one(match referral {
                Some(referral) if referral.county_lines => "YES",
                Some(_) => "NO",
                None => "NO_REFERRAL",
            }),
            Dimension::AgeBand => one(age_band(child, subject.on).as_str()),
            Dimension::CompetentAuthority => one(referral.map_or("NO_REFERRAL", |referral| {
                referral.competent_authority.as_str()
            })),
            Dimension::FirstResponderType => one(referral.map_or("NO_REFERRAL", |referral| {
                referral.first_responder.organisation_type.as_str()
            })),
            Dimension::Nationality => one(child
                .details
                .nationalities
                .first()
                .map_or("UNKNOWN", |nationality| nationality.as_str())),
            Dimension::Gender => one(child
                .details
                .gender
                .map_or("NOT_RECORDED", |gender| gender.as_str())),
            Dimension::LocalAuthority => one(child.local_authority.as_str()),
            Dimension::GuardianService => one(subject
                .assignment
                .map_or("NO_REQUEST", |assignment| assignment.service.as_str())),
            Dimension::GuardianRole => one(subject
                .assignment
                .map_or("NO_REQUEST", |assignment| assignment.role.as_str())),
            Dimension::ReasonableGroundsOutcome => one(decision_value(
                referral.and_then(|referral| referral.reasonable_grounds),
                referral,
            )),
            Dimension::ConclusiveGroundsOutcome => one(decision_value(
                referral.and_then(|referral| referral.conclusive_grounds),
                referral,
            )),
            Dimension::GuardianAssigned => one(match subject.assignment {
                None => "NO_REQUEST",
                Some(assignment) if assignment.assigned_at.is_none() => "NOT_ASSIGNED",
                Some(assignment)
                    if assigned_within(assignment, subject.guardian_threshold_days) =>
                {
                    "WITHIN_THRESHOLD"
                }
                Some(_) => "AFTER_THRESHOLD",
            }),
        }
    }
}

/// Every combination of the subject's values in the dimensions (a referral of two kinds of
/// exploitation falls in two groups of that dimension).
pub fn groups_of(subject: &Subject<'_>, group_by: &[Dimension]) -> Vec<GroupKey> {
    let mut groups: Vec<GroupKey> = vec![Vec::new()];
    for dimension in group_by {
        let values = dimension.values(subject);
        groups = groups
            .into_iter()
            .flat_map(|group| {
                values.iter().map(move |value| {
                    let mut next = group.clone();
                    next.push(value.clone());
                    next
                })
            })
            .collect();
    }
    groups
}

/// Why a `groupBy` is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupByError {
    #[error("groupBy names a dimension twice")]
    Repeated,
    #[error("groupBy takes at most {MAX_DIMENSIONS} dimensions")]
    TooMany,
    #[error("this report does not group by {0}")]
    NotOffered(Dimension),
}

/// `group_by` if the report, grouping by `offered`, can group by it.
pub fn check_group_by(offered: &[Dimension], group_by: &[Dimension]) -> Result<(), GroupByError> {
    if let Some(dimension) = group_by.iter().find(|d| !offered.contains(d)) {
        return Err(GroupByError::NotOffered(*dimension));
    }
    let distinct: std::collections::BTreeSet<&Dimension> = group_by.iter().collect();
    if distinct.len() != group_by.len() {
        return Err(GroupByError::Repeated);
    }
    if group_by.len() > MAX_DIMENSIONS {
        return Err(GroupByError::TooMany);
    }
    Ok(())
}
