//! The worklist's rules, kind by kind: when an item appears, when it is due, and that it leaves
//! when the work is done.

mod common;

use chrono::{DateTime, NaiveDate, Utc};
use common::{at, child, child_born, date, england_and_wales, measurement_of, now, referral_draft};
use stable_futures_domain::child::Child;
use stable_futures_domain::guardian::{GuardianAssignment, GuardianRole, GuardianService};
use stable_futures_domain::ids::{AssignmentId, ChildId, ReferralId};
use stable_futures_domain::outcomes::OutcomeMeasurement;
use stable_futures_domain::referral::{CompetentAuthority, DecisionOutcome, NrmReferral};
use stable_futures_domain::worklist::{
    incoming_transfer_item, work_items, worklist, ChildRecords, WorkItem, WorkItemKind,
    WorklistSettings,
};

fn referral_of(child: &Child, referred_at: DateTime<Utc>) -> NrmReferral {
    let (referral, _) = NrmReferral::submit(
        ReferralId::generate(),
        child,
        referral_draft(referred_at),
        england_and_wales(),
        now(),
    )
    .expect("valid referral");
    referral
}

fn request(
    child: &Child,
    service: GuardianService,
    requested_at: DateTime<Utc>,
) -> GuardianAssignment {
    let role = if service == GuardianService::Ictg {
        GuardianRole::DirectWorker
    } else {
        GuardianRole::Guardian
    };
    GuardianAssignment::request(
        AssignmentId::generate(),
        child.id,
        service,
        role,
        requested_at,
        &[],
        now(),
    )
    .expect("valid request")
}

fn measurement(
    child_id: ChildId,
    observed_at: DateTime<Utc>,
    participated: bool,
) -> OutcomeMeasurement {
    let rating = participated.then_some(3);
    measurement_of(
        child_id,
        "csf-pof-summary-2022",
        "being_listened_to",
        observed_at,
        rating,
        Some(3),
    )
}

struct Case {
    child: Child,
    referrals: Vec<NrmReferral>,
    assignments: Vec<GuardianAssignment>,
    measurements: Vec<OutcomeMeasurement>,
    settings: WorklistSettings,
}

impl Case {
    fn new(child: Child) -> Self {
        Self {
            child,
            referrals: Vec::new(),
            assignments: Vec::new(),
            measurements: Vec::new(),
            settings: WorklistSettings::default(),
        }
    }

    fn records(&self) -> ChildRecords<'_> {
        ChildRecords {
            child: &self.child,
            referrals: &self.referrals,
            assignments: &self.assignments,
            measurements: &self.measurements,
        }
    }

    fn all(&self) -> Vec<WorkItem> {
        work_items(self.records(), GuardianService::Ictg, &self.settings)
    }

    fn on(&self, today: NaiveDate) -> Vec<WorkItem> {
        worklist(self.records(), today, GuardianService::Ictg, &self.settings)
    }

    fn kinds_on(&self, today: NaiveDate) -> Vec<WorkItemKind> {
        self.on(today).iter().map(|item| item.kind).collect()
    }

    fn item(&self, kind: WorkItemKind) -> Option<WorkItem> {
        self.all().into_iter().find(|item| item.kind == kind)
    }
}

#[test]
fn reasonable_grounds_is_overdue_the_day_after_five_working_days() {
    let mut case = Case::new(child());
    // Thursday 17 April 2025: Good Friday and Easter Monday follow.
    case.referrals
        .push(referral_of(&case.child, at(2025, 4, 17, 10, 0)));
    let item = case
        .item(WorkItemKind::ReasonableGroundsOverdue)
        .expect("an undecided referral has an item");
    assert_eq!(item.due_on, date(2025, 4, 28));
    assert_eq!(item.listed_from, date(2025, 4, 29));
    assert_eq!(item.referral_id, Some(case.referrals[0].id));
    assert!(!case
        .kinds_on(date(2025, 4, 28))
        .contains(&WorkItemKind::ReasonableGroundsOverdue));
    assert!(case
        .kinds_on(date(2025, 4, 29))
        .contains(&WorkItemKind::ReasonableGroundsOverdue));
    assert_eq!(
        case.on(date(2025, 5, 1))
            .iter()
            .find(|i| i.kind == WorkItemKind::ReasonableGroundsOverdue)
            .map(|i| i.overdue_by_days(date(2025, 5, 1))),
        Some(3)
    );

    case.referrals[0]
        .record_reasonable_grounds(DecisionOutcome::Positive, at(2025, 5, 2, 9, 0), now())
        .expect("decided");
    assert_eq!(case.item(WorkItemKind::ReasonableGroundsOverdue), None);
}

#[test]
fn the_reasonable_grounds_item_is_due_on_the_referrals_due_date() {
    let child = child();
    let mut draft = referral_draft(at(2025, 3, 3, 9, 0));
    draft.competent_authority = CompetentAuthority::DdmPanel;
    let (panel, _) = NrmReferral::submit(
        ReferralId::generate(),
        &child,
        draft,
        england_and_wales(),
        now(),
    )
    .expect("eligible");
    let mut case = Case::new(child);
    case.referrals.push(panel);
    // 23:30 UTC on 30 June is 00:30 on 1 July in London: due five working days after 1 July.
    case.referrals
        .push(referral_of(&case.child, at(2025, 6, 30, 23, 30)));
    let due: Vec<NaiveDate> = case
        .all()
        .iter()
        .filter(|item| item.kind == WorkItemKind::ReasonableGroundsOverdue)
        .map(|item| item.due_on)
        .collect();
    assert_eq!(due, [date(2025, 4, 17), date(2025, 7, 8)]);
}

#[test]
fn a_guardian_is_due_to_be_requested_from_the_nations_service() {
    let mut case = Case::new(child());
    case.referrals
        .push(referral_of(&case.child, at(2025, 3, 3, 9, 0)));
    case.referrals
        .push(referral_of(&case.child, at(2025, 2, 3, 9, 0)));
    let item = case
        .item(WorkItemKind::GuardianNotRequested)
        .expect("no guardian requested");
    assert_eq!(item.due_on, date(2025, 2, 8), "from the earliest referral");
    assert_eq!(item.listed_from, item.due_on);
    assert_eq!(item.referral_id, Some(case.referrals[1].id));

    // A request to another nation's service does not count.
    case.assignments.push(request(
        &case.child,
        GuardianService::GuardianshipScotland,
        at(2025, 2, 4, 9, 0),
    ));
    assert!(case.item(WorkItemKind::GuardianNotRequested).is_some());
    case.assignments.push(request(
        &case.child,
        GuardianService::Ictg,
        at(2025, 2, 4, 9, 0),
    ));
    assert_eq!(case.item(WorkItemKind::GuardianNotRequested), None);
}

#[test]
fn withdrawn_referrals_need_no_guardian() {
    let mut case = Case::new(child());
    let mut referral = referral_of(&case.child, at(2025, 3, 3, 9, 0));
    referral
        .withdraw(at(2025, 3, 4, 9, 0), now())
        .expect("withdrawn");
    case.referrals.push(referral);
    assert_eq!(
        case.all(),
        Vec::new(),
        "a withdrawn referral leaves no work"
    );
}

#[test]
fn a_request_is_due_to_be_assigned_and_leaves_when_assigned() {
    let mut case = Case::new(child());
    case.referrals
        .push(referral_of(&case.child, at(2025, 3, 3, 9, 0)));
    case.assignments.push(request(
        &case.child,
        GuardianService::Ictg,
        at(2025, 3, 4, 9, 0),
    ));
    let item = case
        .item(WorkItemKind::GuardianNotAssigned)
        .expect("unassigned");
    assert_eq!(item.due_on, date(2025, 3, 14));
    assert_eq!(item.assignment_id, Some(case.assignments[0].id));
    case.assignments[0]
        .assign(at(2025, 3, 10, 9, 0), None, now())
        .expect("assigned");
    assert_eq!(case.item(WorkItemKind::GuardianNotAssigned), None);
}

#[test]
fn a_measurement_is_due_while_work_is_open() {
    let mut case = Case::new(child());
    assert_eq!(
        case.item(WorkItemKind::MeasurementDue),
        None,
        "no work, no item"
    );
    case.referrals
        .push(referral_of(&case.child, at(2025, 3, 3, 9, 0)));
    assert_eq!(
        case.item(WorkItemKind::MeasurementDue).map(|i| i.due_on),
        Some(date(2025, 6, 1)),
        "90 days after the referral when nothing was measured"
    );
    case.measurements
        .push(measurement(case.child.id, at(2025, 4, 1, 10, 0), true));
    case.measurements
        .push(measurement(case.child.id, at(2025, 3, 20, 10, 0), true));
    assert_eq!(
        case.item(WorkItemKind::MeasurementDue).map(|i| i.due_on),
        Some(date(2025, 6, 30)),
        "90 days after the latest measurement"
    );
    case.referrals[0]
        .withdraw(at(2025, 4, 2, 9, 0), now())
        .expect("withdrawn");
    assert_eq!(case.item(WorkItemKind::MeasurementDue), None);
    case.assignments.push(request(
        &case.child,
        GuardianService::Ictg,
        at(2025, 4, 3, 9, 0),
    ));
    assert!(
        case.item(WorkItemKind::MeasurementDue).is_some(),
        "an open guardian request is open work"
    );
}

#[test]
fn the_young_persons_view_is_missing_after_the_window_without_them() {
    let mut case = Case::new(child());
    case.referrals
        .push(referral_of(&case.child, at(2025, 3, 3, 9, 0)));
    let id = case.child.id;
    case.measurements
        .push(measurement(id, at(2025, 3, 10, 9, 0), true));
    case.measurements
        .push(measurement(id, at(2025, 3, 11, 9, 0), false));
    case.measurements
        .push(measurement(id, at(2025, 3, 12, 9, 0), false));
    assert_eq!(
        case.item(WorkItemKind::YoungPersonViewMissing),
        None,
        "two of three"
    );
    case.measurements
        .push(measurement(id, at(2025, 3, 13, 9, 0), false));
    let item = case
        .item(WorkItemKind::YoungPersonViewMissing)
        .expect("three without the young person");
    assert_eq!(item.due_on, date(2025, 3, 13));
    case.measurements
        .push(measurement(id, at(2025, 3, 14, 9, 0), true));
    assert_eq!(case.item(WorkItemKind::YoungPersonViewMissing), None);
    case.settings.young_person_view_window = 0;
    case.measurements
        .push(measurement(id, at(2025, 3, 15, 9, 0), false));
    assert_eq!(
        case.item(WorkItemKind::YoungPersonViewMissing),
        None,
        "a window of 0 turns the kind off"
    );
}

#[test]
fn turning_18_is_listed_from_d_days_before_the_birthday() {
    let mut case = Case::new(child_born(date(2008, 9, 1), true));
    case.referrals
        .push(referral_of(&case.child, at(2026, 3, 2, 9, 0)));
    let item = case.item(WorkItemKind::Turning18).expect("undecided");
    assert_eq!(item.due_on, date(2026, 9, 1));
    assert_eq!(item.listed_from, date(2026, 6, 3));
    assert!(!case
        .kinds_on(date(2026, 6, 2))
        .contains(&WorkItemKind::Turning18));
    assert!(case
        .kinds_on(date(2026, 6, 3))
        .contains(&WorkItemKind::Turning18));
    case.referrals[0]
        .record_reasonable_grounds(DecisionOutcome::Negative, at(2026, 3, 5, 9, 0), now())
        .expect("decided");
    assert_eq!(
        case.item(WorkItemKind::Turning18),
        None,
        "a final negative decision"
    );
    case.referrals[0]
        .request_reconsideration(at(2026, 3, 9, 9, 0), now())
        .expect("asked");
    assert!(
        case.item(WorkItemKind::Turning18).is_some(),
        "a reconsideration is awaited: undecided again"
    );
}

#[test]
fn the_recovery_period_ending_is_listed_e_days_before() {
    let mut case = Case::new(child());
    case.referrals
        .push(referral_of(&case.child, at(2025, 3, 3, 9, 0)));
    case.referrals[0]
        .record_reasonable_grounds(DecisionOutcome::Positive, at(2025, 3, 6, 9, 0), now())
        .expect("decided");
    let item = case
        .item(WorkItemKind::RecoveryPeriodEnding)
        .expect("positive RG, no CG");
    assert_eq!(item.due_on, date(2025, 4, 5));
    assert_eq!(item.listed_from, date(2025, 3, 29));
    case.referrals[0]
        .record_conclusive_grounds(DecisionOutcome::Positive, at(2025, 5, 6, 9, 0), now())
        .expect("decided");
    assert_eq!(case.item(WorkItemKind::RecoveryPeriodEnding), None);
}

#[test]
fn a_reconsideration_waits_r_days() {
    let mut case = Case::new(child());
    case.referrals
        .push(referral_of(&case.child, at(2025, 3, 3, 9, 0)));
    case.referrals[0]
        .record_reasonable_grounds(DecisionOutcome::Negative, at(2025, 3, 6, 9, 0), now())
        .expect("decided");
    assert_eq!(case.item(WorkItemKind::ReconsiderationWaiting), None);
    case.referrals[0]
        .request_reconsideration(at(2025, 3, 10, 9, 0), now())
        .expect("asked");
    let item = case
        .item(WorkItemKind::ReconsiderationWaiting)
        .expect("awaited");
    assert_eq!(item.due_on, date(2025, 4, 9));
    case.referrals[0]
        .record_reasonable_grounds(DecisionOutcome::Positive, at(2025, 3, 20, 9, 0), now())
        .expect("reconsidered");
    assert_eq!(case.item(WorkItemKind::ReconsiderationWaiting), None);
}

#[test]
fn the_list_is_most_overdue_first() {
    let mut case = Case::new(child());
    case.referrals
        .push(referral_of(&case.child, at(2025, 3, 3, 9, 0)));
    case.assignments.push(request(
        &case.child,
        GuardianService::Ictg,
        at(2025, 3, 4, 9, 0),
    ));
    let list = case.on(date(2025, 12, 1));
    let due: Vec<NaiveDate> = list.iter().map(|item| item.due_on).collect();
    let mut sorted = due.clone();
    sorted.sort();
    assert_eq!(due, sorted);
    assert_eq!(
        list.iter().map(|item| item.kind).collect::<Vec<_>>(),
        [
            WorkItemKind::ReasonableGroundsOverdue,
            WorkItemKind::GuardianNotAssigned,
            WorkItemKind::MeasurementDue,
        ]
    );
    assert_eq!(list[0].overdue_by_days(date(2025, 3, 1)), 0, "not yet due");
}

#[test]
fn each_kind_needs_the_scopes_of_the_records_it_shows_and_is_audited_as_their_class() {
    use stable_futures_domain::audit::FieldsClass as C;
    use stable_futures_domain::principal::Scope as S;
    let expected: [(WorkItemKind, &[S], &[C]); 9] = [
        (
            WorkItemKind::ReasonableGroundsOverdue,
            &[S::ReferralsRead],
            &[C::Referral],
        ),
        (
            WorkItemKind::GuardianNotRequested,
            &[S::ReferralsRead, S::GuardiansRead],
            &[C::Referral, C::Guardian],
        ),
        (
            WorkItemKind::GuardianNotAssigned,
            &[S::GuardiansRead],
            &[C::Guardian],
        ),
        (
            WorkItemKind::MeasurementDue,
            &[S::OutcomesRead],
            &[C::Outcomes],
        ),
        (
            WorkItemKind::YoungPersonViewMissing,
            &[S::OutcomesRead],
            &[C::Outcomes],
        ),
        (
            WorkItemKind::Turning18,
            &[S::ReferralsRead],
            &[C::Referral, C::Identifiers],
        ),
        (
            WorkItemKind::RecoveryPeriodEnding,
            &[S::ReferralsRead],
            &[C::Referral],
        ),
        (
            WorkItemKind::ReconsiderationWaiting,
            &[S::ReferralsRead],
            &[C::Referral],
        ),
        (
            WorkItemKind::TransferOfferWaiting,
            &[S::TransfersRead],
            &[C::Transfer],
        ),
    ];
    assert_eq!(expected.len(), WorkItemKind::ALL.len());
    for (kind, scopes, classes) in expected {
        assert_eq!(kind.scopes(), scopes, "{kind}");
        assert_eq!(kind.classes(), classes, "{kind}");
    }
}

#[test]
fn an_explanation_says_what_is_due_and_how_overdue_in_plain_words() {
    let due = date(2026, 3, 10);
    let cases = [
        (date(2026, 3, 8), "due in 2 days, 2026-03-10"),
        (date(2026, 3, 9), "due tomorrow, 2026-03-10"),
        (date(2026, 3, 10), "due today, 2026-03-10"),
        (date(2026, 3, 11), "1 day overdue, 2026-03-10"),
        (date(2026, 3, 12), "2 days overdue, 2026-03-10"),
        (date(2026, 4, 9), "30 days overdue, 2026-03-10"),
    ];
    for (today, when) in cases {
        let text = WorkItemKind::ReasonableGroundsOverdue.explanation(due, today);
        assert!(text.contains(&format!("({when}).")), "{today}: {text}");
        assert!(
            text.starts_with("No reasonable-grounds decision yet"),
            "{text}"
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    for kind in WorkItemKind::ALL {
        let text = kind.explanation(due, due);
        assert!(text.ends_with("(due today, 2026-03-10)."), "{kind}: {text}");
        assert!(seen.insert(text), "{kind} explains itself in its own words");
    }
}

#[test]
fn settings_change_only_the_fields_given_within_their_bounds() {
    use stable_futures_domain::error::ErrorCode;
    use stable_futures_domain::worklist::{WorklistSettingsChange, SETTING_BOUNDS};
    let defaults = WorklistSettings::default();
    assert_eq!(
        defaults.apply(&WorklistSettingsChange::default()),
        Ok(defaults),
        "an empty change changes nothing"
    );
    let changed = defaults
        .apply(&WorklistSettingsChange {
            guardian_request_days: Some(3),
            ..WorklistSettingsChange::default()
        })
        .expect("in bounds");
    assert_eq!(
        changed,
        WorklistSettings {
            guardian_request_days: 3,
            ..defaults
        }
    );
    // Each field at each side of each bound.
    let set = |field: usize, value: i64| {
        let mut change = WorklistSettingsChange::default();
        let slots = [
            &mut change.guardian_request_days,
            &mut change.guardian_assignment_days,
            &mut change.measurement_interval_days,
            &mut change.young_person_view_window,
            &mut change.turning_18_days,
            &mut change.recovery_period_ending_days,
            &mut change.reconsideration_waiting_days,
        ];
        *slots.into_iter().nth(field).expect("field") = Some(value);
        change
    };
    let read = |settings: WorklistSettings, field: usize| {
        [
            settings.guardian_request_days,
            settings.guardian_assignment_days,
            settings.measurement_interval_days,
            settings.young_person_view_window,
            settings.turning_18_days,
            settings.recovery_period_ending_days,
            settings.reconsideration_waiting_days,
        ][field]
    };
    for (field, (name, low, high)) in SETTING_BOUNDS.iter().enumerate() {
        for value in [*low, *high] {
            let applied = defaults
                .apply(&set(field, i64::from(value)))
                .expect("in bounds");
            assert_eq!(read(applied, field), value, "{name} = {value}");
        }
        for value in [i64::from(*low) - 1, i64::from(*high) + 1, -1, i64::MAX] {
            let errors = defaults
                .apply(&set(field, value))
                .expect_err("out of bounds");
            assert_eq!(errors.0.len(), 1, "{name} = {value}");
            assert_eq!(errors.0[0].field, *name);
            assert_eq!(errors.0[0].code, ErrorCode::OutOfRange);
        }
    }
    // Every problem at once, and nothing applied.
    let errors = defaults
        .apply(&WorklistSettingsChange {
            young_person_view_window: Some(0),
            measurement_interval_days: Some(1000),
            guardian_request_days: Some(3),
            ..WorklistSettingsChange::default()
        })
        .expect_err("two out of bounds");
    let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["measurementIntervalDays", "youngPersonViewWindow"]);
}

mod incoming_transfers {
    use super::*;
    use stable_futures_domain::ids::TransferId;
    use stable_futures_domain::local_authority::LocalAuthorityCode;
    use stable_futures_domain::transfer::{
        Transfer, TransferAction, TransferChildSummary, TransferOffer, TransferReason,
    };

    fn code(text: &str) -> LocalAuthorityCode {
        LocalAuthorityCode::parse(text).expect("GSS code")
    }

    /// Islington's offer to Camden of a child, made at `offered_at` (UK time 00:30 on 1 April:
    /// still 31 March in UTC), Camden responsible from `responsibility_from`.
    fn offer(offered_at: DateTime<Utc>, responsibility_from: NaiveDate) -> Transfer {
        let summary = TransferChildSummary {
            age_years: 15,
            age_disputed: false,
            open_referrals: true,
            open_guardian_assignments: false,
        };
        let (transfer, _) = Transfer::offer(
            TransferId::generate(),
            &code("E09000019"),
            TransferOffer {
                child_id: child().id,
                to: code("E09000007"),
                reason: TransferReason::FamilyMove,
                responsibility_from,
                note: None,
            },
            summary,
            |_| true,
            false,
            offered_at,
        )
        .expect("a valid offer");
        transfer
    }

    #[test]
    fn an_offer_waits_on_the_receivers_list_from_the_uk_day_offered_until_answered() {
        // 23:30 UTC on 31 March 2026 is 00:30 on 1 April in London (BST).
        let offered_at = at(2026, 3, 31, 23, 30);
        let transfer = offer(offered_at, date(2026, 4, 14));
        let item = incoming_transfer_item(&transfer, &code("E09000007")).expect("listed");
        assert_eq!(
            item,
            WorkItem {
                due_on: date(2026, 4, 14),
                kind: WorkItemKind::TransferOfferWaiting,
                child_id: transfer.child_id,
                referral_id: None,
                assignment_id: None,
                transfer_id: Some(transfer.id),
                listed_from: date(2026, 4, 1),
            }
        );
        assert_eq!(item.overdue_by_days(date(2026, 4, 13)), 0);
        assert_eq!(item.overdue_by_days(date(2026, 4, 16)), 2);
        // Backdated responsibility: overdue from the day it arrives.
        let late = offer(offered_at, date(2026, 3, 20));
        let item = incoming_transfer_item(&late, &code("E09000007")).expect("listed");
        assert_eq!(item.overdue_by_days(item.listed_from), 12);
    }

    #[test]
    fn only_the_receiver_lists_an_offer_and_only_while_it_waits() {
        let offered_at = at(2026, 3, 2, 10, 0);
        let transfer = offer(offered_at, date(2026, 3, 16));
        // Not the sender's work, nor a third authority's.
        assert_eq!(incoming_transfer_item(&transfer, &code("E09000019")), None);
        assert_eq!(incoming_transfer_item(&transfer, &code("E09000001")), None);
        let answered = |action, by: &str, note: Option<&str>| match transfer
            .act(action, &code(by), 1, note.map(str::to_owned), offered_at)
            .expect("a valid step")
        {
            stable_futures_domain::transfer::Acted::Taken(after, _) => *after,
            other => panic!("{other:?}"),
        };
        for ended in [
            answered(TransferAction::Accept, "E09000007", None),
            answered(TransferAction::Decline, "E09000007", Some("No placement")),
            answered(TransferAction::Withdraw, "E09000019", None),
        ] {
            assert_eq!(
                incoming_transfer_item(&ended, &code("E09000007")),
                None,
                "{:?}",
                ended.status
            );
        }
    }
}
