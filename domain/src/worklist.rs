//! What is due for a child, and when: the rules of the worklist, as one pure function of a
//! child's records, today's UK date, the authority's calendar and its settings.
//!
//! The service answers worklists with SQL over stored due dates; this function is the oracle the
//! SQL is tested against, and the statement of the rules:
//!
//! | kind | for | due on | on the list from |
//! |---|---|---|---|
//! | reasonable grounds overdue | a referral with no decision yet | its stored due date: 5 working days after referral in the nation's calendar, a DDM panel 45 calendar days (`referral::reasonable_grounds_due_on`) | the day after |
//! | guardian not requested | a child with a referral not withdrawn and no request ever made to the nation's service | earliest such referral + `guardian_request_days` | the due day |
//! | guardian not assigned | a request not yet taken up | request + `guardian_assignment_days` | the due day |
//! | measurement due | a child with an open referral or guardian | latest measurement (else the start of the open work) + `measurement_interval_days` | the due day |
//! | young person's view missing | a child with open work whose last `young_person_view_window` measurements were all made without the young person | the latest of them | the due day |
//! | turning 18 | an undecided referral of a young person | the 18th birthday (from the recorded, possibly estimated, date of birth) | `turning_18_days` before |
//! | recovery period ending | a positive reasonable-grounds decision without a conclusive one | the end of the recovery period | `recovery_period_ending_days` before |
//! | reconsideration waiting | a reconsideration asked for and not decided | request + `reconsideration_waiting_days` | the due day |
//! | transfer offer waiting | a transfer offered to the authority, not yet answered (the child is still the sender's) | the offer's `responsibility_from`: the day the authority would become responsible | the day offered |
//!
//! A referral is *undecided* while it is neither withdrawn nor conclusively decided, and a
//! negative decision counts as final unless a reconsideration of it is awaited. An item leaves the
//! list when the work is done: the decision, request, assignment or measurement is recorded.

use chrono::{Days, NaiveDate};

use crate::audit::FieldsClass;
use crate::calendar::uk_date;
use crate::child::Child;
use crate::error::{ErrorCode, FieldError, FieldErrors};
use crate::guardian::{AssignmentStatus, GuardianAssignment, GuardianService};
use crate::ids::{AssignmentId, ChildId, ReferralId, TransferId};
use crate::local_authority::LocalAuthorityCode;
use crate::outcomes::OutcomeMeasurement;
use crate::principal::Scope;
use crate::referral::{NrmReferral, ReferralStatus};
use crate::transfer::{Transfer, TransferStatus};

string_enum! {
    /// What is due.
    pub enum WorkItemKind {
        ReasonableGroundsOverdue => "REASONABLE_GROUNDS_OVERDUE",
        GuardianNotRequested => "GUARDIAN_NOT_REQUESTED",
        GuardianNotAssigned => "GUARDIAN_NOT_ASSIGNED",
        MeasurementDue => "MEASUREMENT_DUE",
        YoungPersonViewMissing => "YOUNG_PERSON_VIEW_MISSING",
        Turning18 => "TURNING_18",
        RecoveryPeriodEnding => "RECOVERY_PERIOD_ENDING",
        ReconsiderationWaiting => "RECONSIDERATION_WAITING",
        TransferOfferWaiting => "TRANSFER_OFFER_WAITING",
    }
}

impl WorkItemKind {
    /// The scopes a caller needs to see items of this kind: an item shows that the record it is
    /// about exists, so it needs the scope of that record. Turning 18 is about an undecided
    /// referral; a guardian not requested shows a referral and the absence of a request.
    pub fn scopes(self) -> &'static [Scope] {
        match self {
            WorkItemKind::ReasonableGroundsOverdue
            | WorkItemKind::Turning18
            | WorkItemKind::RecoveryPeriodEnding
            | WorkItemKind::ReconsiderationWaiting => &[Scope::ReferralsRead],
            WorkItemKind::GuardianNotRequested => &[Scope::ReferralsRead, Scope::GuardiansRead],
            WorkItemKind::GuardianNotAssigned => &[Scope::GuardiansRead],
            WorkItemKind::MeasurementDue | WorkItemKind::YoungPersonViewMissing => {
                &[Scope::OutcomesRead]
            }
            WorkItemKind::TransferOfferWaiting => &[Scope::TransfersRead],
        }
    }

    /// What the audit trail records as read when an item of this kind is listed.
    pub fn classes(self) -> &'static [FieldsClass] {
        match self {
            WorkItemKind::ReasonableGroundsOverdue
            | WorkItemKind::RecoveryPeriodEnding
            | WorkItemKind::ReconsiderationWaiting => &[FieldsClass::Referral],
            // Derived from the date of birth.
            WorkItemKind::Turning18 => &[FieldsClass::Referral, FieldsClass::Identifiers],
            WorkItemKind::GuardianNotRequested => &[FieldsClass::Referral, FieldsClass::Guardian],
            WorkItemKind::GuardianNotAssigned => &[FieldsClass::Guardian],
            WorkItemKind::MeasurementDue | WorkItemKind::YoungPersonViewMissing => {
                &[FieldsClass::Outcomes]
            }
            // Reading the offer, as `incomingTransfers` does.
            WorkItemKind::TransferOfferWaiting => &[FieldsClass::Transfer],
        }
    }

    /// What the item asks of the team, in words a worklist can show as they are. Says nothing
    /// about the child beyond what the kind and the dates say.
    pub fn explanation(self, due_on: NaiveDate, today: NaiveDate) -> String {
        let when = match (today - due_on).num_days() {
            days if days > 1 => format!("{days} days overdue"),
            1 => "1 day overdue".to_owned(),
            0 => "due today".to_owned(),
            -1 => "due tomorrow".to_owned(),
            days => format!("due in {} days", -days),
        };
        let what = match self {
            WorkItemKind::ReasonableGroundsOverdue => {
                "No reasonable-grounds decision yet; the target is 5 working days from referral (45 days for a devolved panel)"
            }
            WorkItemKind::GuardianNotRequested => {
                "No independent guardian requested for a child with a referral"
            }
            WorkItemKind::GuardianNotAssigned => "A guardian was requested but not yet assigned",
            WorkItemKind::MeasurementDue => "An outcome measurement is due",
            WorkItemKind::YoungPersonViewMissing => {
                "The latest outcome measurements were recorded without the young person"
            }
            WorkItemKind::Turning18 => {
                "The young person turns 18 with a referral undecided: their consent to continue in the NRM is needed"
            }
            WorkItemKind::RecoveryPeriodEnding => {
                "The recovery period ends without a conclusive-grounds decision"
            }
            WorkItemKind::ReconsiderationWaiting => "A reconsideration was requested and is not yet decided",
            WorkItemKind::TransferOfferWaiting => {
                "A child's transfer to this authority awaits an answer; it is due by the day responsibility would pass"
            }
        };
        format!("{what} ({when}, {due_on}).")
    }
}

/// An authority's thresholds. No statute sets most of them ("as soon as reasonably
/// practicable"), so each authority sets its own; the defaults are a starting point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorklistSettings {
    /// Days after a child's referral by which a guardian should have been requested.
    pub guardian_request_days: u32,
    /// Days after a request by which a guardian should have been assigned.
    pub guardian_assignment_days: u32,
    /// Days between outcome measurements while work is open.
    pub measurement_interval_days: u32,
    /// How many of the latest measurements without the young person make an item.
    pub young_person_view_window: u32,
    /// Days before an 18th birthday from which an undecided referral is listed.
    pub turning_18_days: u32,
    /// Days before the recovery period ends from which it is listed.
    pub recovery_period_ending_days: u32,
    /// Days after a reconsideration request by which a decision is expected.
    pub reconsideration_waiting_days: u32,
}

impl Default for WorklistSettings {
    fn default() -> Self {
        Self {
            guardian_request_days: 5,
            guardian_assignment_days: 10,
            measurement_interval_days: 90,
            young_person_view_window: 3,
            turning_18_days: 90,
            recovery_period_ending_days: 7,
            reconsideration_waiting_days: 30,
        }
    }
}

/// A change to an authority's settings: the fields given replace the current ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorklistSettingsChange {
    pub guardian_request_days: Option<i64>,
    pub guardian_assignment_days: Option<i64>,
    pub measurement_interval_days: Option<i64>,
    pub young_person_view_window: Option<i64>,
    pub turning_18_days: Option<i64>,
    pub recovery_period_ending_days: Option<i64>,
    pub reconsideration_waiting_days: Option<i64>,
}

/// The bounds of each setting (the database checks the same): wide enough for any policy, narrow
/// enough that a typing mistake cannot empty a list (a window of 0) or flood it.
pub const SETTING_BOUNDS: [(&str, u32, u32); 7] = [
    ("guardianRequestDays", 0, 365),
    ("guardianAssignmentDays", 0, 365),
    ("measurementIntervalDays", 1, 730),
    ("youngPersonViewWindow", 1, 20),
    ("turning18Days", 0, 730),
    ("recoveryPeriodEndingDays", 0, 365),
    ("reconsiderationWaitingDays", 0, 365),
];

impl WorklistSettings {
    /// These settings with `change` applied, or every out-of-range value named at once.
    pub fn apply(self, change: &WorklistSettingsChange) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut values = [
            (change.guardian_request_days, self.guardian_request_days),
            (
                change.guardian_assignment_days,
                self.guardian_assignment_days,
            ),
            (
                change.measurement_interval_days,
                self.measurement_interval_days,
            ),
            (
                change.young_person_view_window,
                self.young_person_view_window,
            ),
            (change.turning_18_days, self.turning_18_days),
            (
                change.recovery_period_ending_days,
                self.recovery_period_ending_days,
            ),
            (
                change.reconsideration_waiting_days,
                self.reconsideration_waiting_days,
            ),
        ];
        for ((given, current), (field, low, high)) in values.iter_mut().zip(SETTING_BOUNDS) {
            let Some(given) = *given else { continue };
            match u32::try_from(given) {
                Ok(value) if (low..=high).contains(&value) => *current = value,
                _ => errors.push(FieldError::new(
                    field,
                    ErrorCode::OutOfRange,
                    format!("must be from {low} to {high}"),
                )),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let [a, b, c, d, e, f, g] = values.map(|(_, value)| value);
        Ok(Self {
            guardian_request_days: a,
            guardian_assignment_days: b,
            measurement_interval_days: c,
            young_person_view_window: d,
            turning_18_days: e,
            recovery_period_ending_days: f,
            reconsideration_waiting_days: g,
        })
    }
}

/// One thing due for one child.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct WorkItem {
    pub due_on: NaiveDate,
    pub kind: WorkItemKind,
    pub child_id: ChildId,
    pub referral_id: Option<ReferralId>,
    pub assignment_id: Option<AssignmentId>,
    pub transfer_id: Option<TransferId>,
    /// The first day the item is on the list.
    pub listed_from: NaiveDate,
}

impl WorkItem {
    /// Days past the due date on `today`; 0 until then.
    pub fn overdue_by_days(&self, today: NaiveDate) -> i64 {
        (today - self.due_on).num_days().max(0)
    }
}

/// A child's records, as the worklist reads them.
#[derive(Debug, Clone, Copy)]
pub struct ChildRecords<'a> {
    pub child: &'a Child,
    pub referrals: &'a [NrmReferral],
    pub assignments: &'a [GuardianAssignment],
    /// Current measurements (corrections replace what they correct).
    pub measurements: &'a [OutcomeMeasurement],
}

/// Whether a referral still waits for a decision that ends it.
pub fn is_undecided(referral: &NrmReferral) -> bool {
    match referral.status {
        ReferralStatus::Submitted | ReferralStatus::RgPositive => true,
        ReferralStatus::RgNegative | ReferralStatus::CgNegative => {
            referral.reconsideration_pending()
        }
        ReferralStatus::CgPositive | ReferralStatus::Withdrawn => false,
    }
}

fn earliest<'a>(referrals: impl Iterator<Item = &'a NrmReferral>) -> Option<&'a NrmReferral> {
    referrals.min_by_key(|referral| (referral.referred_at, referral.id))
}

fn plus_days(date: NaiveDate, days: u32) -> NaiveDate {
    date.checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX)
}

fn minus_days(date: NaiveDate, days: u32) -> NaiveDate {
    date.checked_sub_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MIN)
}

/// Every item open for the child, listed or not yet, in no particular order. `service` is the
/// guardianship service of the authority's nation.
pub fn work_items(
    records: ChildRecords<'_>,
    service: GuardianService,
    settings: &WorklistSettings,
) -> Vec<WorkItem> {
    let child_id = records.child.id;
    let mut items = Vec::new();
    let item = |kind, due_on, listed_from, referral_id, assignment_id| WorkItem {
        due_on,
        kind,
        child_id,
        referral_id,
        assignment_id,
        transfer_id: None,
        listed_from,
    };

    for referral in records.referrals {
        if referral.status == ReferralStatus::Submitted {
            let due_on = referral.reasonable_grounds_due_on;
            items.push(item(
                WorkItemKind::ReasonableGroundsOverdue,
                due_on,
                plus_days(due_on, 1),
                Some(referral.id),
                None,
            ));
        }
        if let Some(requested_at) = referral.reconsideration_requested_at {
            let due_on = plus_days(uk_date(requested_at), settings.reconsideration_waiting_days);
            items.push(item(
                WorkItemKind::ReconsiderationWaiting,
                due_on,
                due_on,
                Some(referral.id),
                None,
            ));
        }
        if referral.status == ReferralStatus::RgPositive {
            if let Some(ends_on) = referral.recovery_period_ends_on() {
                items.push(item(
                    WorkItemKind::RecoveryPeriodEnding,
                    ends_on,
                    minus_days(ends_on, settings.recovery_period_ending_days),
                    Some(referral.id),
                    None,
                ));
            }
        }
    }

    let undecided = earliest(records.referrals.iter().filter(|r| is_undecided(r)));
    if let Some(referral) = undecided {
        let birthday = records.child.eighteenth_birthday();
        items.push(item(
            WorkItemKind::Turning18,
            birthday,
            minus_days(birthday, settings.turning_18_days),
            Some(referral.id),
            None,
        ));
    }

    let requested_from_service = records
        .assignments
        .iter()
        .any(|assignment| assignment.service == service);
    let not_withdrawn = earliest(
        records
            .referrals
            .iter()
            .filter(|r| r.status != ReferralStatus::Withdrawn),
    );
    if let (Some(referral), false) = (not_withdrawn, requested_from_service) {
        let due_on = plus_days(
            uk_date(referral.referred_at),
            settings.guardian_request_days,
        );
        items.push(item(
            WorkItemKind::GuardianNotRequested,
            due_on,
            due_on,
            Some(referral.id),
            None,
        ));
    }

    for assignment in records.assignments {
        if assignment.status == AssignmentStatus::Requested {
            let due_on = plus_days(
                uk_date(assignment.requested_at),
                settings.guardian_assignment_days,
            );
            items.push(item(
                WorkItemKind::GuardianNotAssigned,
                due_on,
                due_on,
                None,
                Some(assignment.id),
            ));
        }
    }

    // Open work starts with the earliest undecided referral or open guardian request.
    let open_since = records
        .referrals
        .iter()
        .filter(|r| is_undecided(r))
        .map(|r| r.referred_at)
        .chain(
            records
                .assignments
                .iter()
                .filter(|a| a.is_open())
                .map(|a| a.requested_at),
        )
        .min();
    if let Some(open_since) = open_since {
        let mut measurements: Vec<&OutcomeMeasurement> = records.measurements.iter().collect();
        measurements.sort_by_key(|m| (m.observed_at, m.id));
        let last_measured = measurements.last().map(|m| uk_date(m.observed_at));
        let due_on = plus_days(
            last_measured.unwrap_or_else(|| uk_date(open_since)),
            settings.measurement_interval_days,
        );
        items.push(item(
            WorkItemKind::MeasurementDue,
            due_on,
            due_on,
            None,
            None,
        ));

        let window = usize::try_from(settings.young_person_view_window).unwrap_or(usize::MAX);
        let latest = measurements.iter().rev().take(window);
        if window > 0
            && measurements.len() >= window
            && latest.clone().all(|m| !m.young_person_participated)
        {
            if let Some(due_on) = last_measured {
                items.push(item(
                    WorkItemKind::YoungPersonViewMissing,
                    due_on,
                    due_on,
                    None,
                    None,
                ));
            }
        }
    }
    items
}

/// The item a transfer makes on `receiver`'s list, listed or not yet: an offer to it waiting for
/// its answer. The child is still the sender's, so this is not one of `work_items`: the receiver
/// holds none of the child's records.
pub fn incoming_transfer_item(
    transfer: &Transfer,
    receiver: &LocalAuthorityCode,
) -> Option<WorkItem> {
    (transfer.status == TransferStatus::Offered && transfer.to == *receiver).then(|| WorkItem {
        due_on: transfer.responsibility_from,
        kind: WorkItemKind::TransferOfferWaiting,
        child_id: transfer.child_id,
        referral_id: None,
        assignment_id: None,
        transfer_id: Some(transfer.id),
        listed_from: uk_date(transfer.offered_at),
    })
}

/// The child's items on the list on `today`, most overdue first.
pub fn worklist(
    records: ChildRecords<'_>,
    today: NaiveDate,
    service: GuardianService,
    settings: &WorklistSettings,
) -> Vec<WorkItem> {
    let mut items: Vec<WorkItem> = work_items(records, service, settings)
        .into_iter()
        .filter(|item| item.listed_from <= today)
        .collect();
    items.sort();
    items
}
