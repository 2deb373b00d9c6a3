//! NRM referrals: submission, the decision state machine and the values derived from its dates.

mod common;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use common::{
    at, child, child_born, codes, date, days, england_and_wales, minutes, now, referral_draft,
    seconds, submitted_at,
};
use stable_futures_domain::calendar::BankHolidays;
use stable_futures_domain::child::Child;
use stable_futures_domain::error::{ErrorCode, FieldError};
use stable_futures_domain::ids::ReferralId;
use stable_futures_domain::referral::{
    CompetentAuthority, Decision, DecisionOutcome, ExploitationLocation, ExploitationType,
    FirstResponderType, NrmReferral, ReferralDraft, ReferralEvent, ReferralEventKind,
    ReferralStatus,
};

use ErrorCode as E;
use ReferralStatus as S;

// ---------------------------------------------------------------------------------------------
// The timeline every state-machine test starts from.

fn referred() -> DateTime<Utc> {
    at(2025, 3, 3, 10, 0)
}
fn withdrawn_early() -> DateTime<Utc> {
    at(2025, 3, 4, 10, 0)
}
fn rg_decided() -> DateTime<Utc> {
    at(2025, 3, 6, 15, 0)
}
fn rg_reconsideration_requested() -> DateTime<Utc> {
    at(2025, 3, 20, 9, 0)
}
fn cg_decided() -> DateTime<Utc> {
    at(2025, 9, 1, 12, 0)
}
fn cg_reconsideration_requested() -> DateTime<Utc> {
    at(2025, 9, 15, 12, 0)
}
/// After every event of every stage, before `now()`.
fn later() -> DateTime<Utc> {
    at(2025, 12, 1, 12, 0)
}

/// Where a referral can stand: its status, and whether a reconsideration is awaited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Submitted,
    RgPositive,
    RgNegative,
    RgNegativeAwaitingReconsideration,
    CgPositive,
    CgNegative,
    CgNegativeAwaitingReconsideration,
    Withdrawn,
}

impl Stage {
    const ALL: [Stage; 8] = [
        Stage::Submitted,
        Stage::RgPositive,
        Stage::RgNegative,
        Stage::RgNegativeAwaitingReconsideration,
        Stage::CgPositive,
        Stage::CgNegative,
        Stage::CgNegativeAwaitingReconsideration,
        Stage::Withdrawn,
    ];

    /// The actions, after submission, that bring a referral to this stage.
    fn history(self) -> Vec<(Action, DateTime<Utc>)> {
        use Action::*;
        match self {
            Stage::Submitted => vec![],
            Stage::RgPositive => vec![(PositiveRg, rg_decided())],
            Stage::RgNegative => vec![(NegativeRg, rg_decided())],
            Stage::RgNegativeAwaitingReconsideration => vec![
                (NegativeRg, rg_decided()),
                (Reconsider, rg_reconsideration_requested()),
            ],
            Stage::CgPositive => vec![(PositiveRg, rg_decided()), (PositiveCg, cg_decided())],
            Stage::CgNegative => vec![(PositiveRg, rg_decided()), (NegativeCg, cg_decided())],
            Stage::CgNegativeAwaitingReconsideration => vec![
                (PositiveRg, rg_decided()),
                (NegativeCg, cg_decided()),
                (Reconsider, cg_reconsideration_requested()),
            ],
            Stage::Withdrawn => vec![(Withdraw, withdrawn_early())],
        }
    }

    fn referral(self) -> NrmReferral {
        let mut referral = submitted_at(referred());
        for (action, instant) in self.history() {
            action
                .apply(&mut referral, instant, now())
                .unwrap_or_else(|error| panic!("setting up {self:?}: {action:?} refused: {error}"));
        }
        referral
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    PositiveRg,
    NegativeRg,
    PositiveCg,
    NegativeCg,
    Reconsider,
    Withdraw,
}

impl Action {
    const ALL: [Action; 6] = [
        Action::PositiveRg,
        Action::NegativeRg,
        Action::PositiveCg,
        Action::NegativeCg,
        Action::Reconsider,
        Action::Withdraw,
    ];

    fn apply(
        self,
        referral: &mut NrmReferral,
        instant: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<ReferralEvent, FieldError> {
        match self {
            Action::PositiveRg => {
                referral.record_reasonable_grounds(DecisionOutcome::Positive, instant, now)
            }
            Action::NegativeRg => {
                referral.record_reasonable_grounds(DecisionOutcome::Negative, instant, now)
            }
            Action::PositiveCg => {
                referral.record_conclusive_grounds(DecisionOutcome::Positive, instant, now)
            }
            Action::NegativeCg => {
                referral.record_conclusive_grounds(DecisionOutcome::Negative, instant, now)
            }
            Action::Reconsider => referral.request_reconsideration(instant, now),
            Action::Withdraw => referral.withdraw(instant, now),
        }
    }

    /// The input field holding the action's instant.
    fn instant_field(self) -> &'static str {
        match self {
            Action::PositiveRg | Action::NegativeRg | Action::PositiveCg | Action::NegativeCg => {
                "decidedAt"
            }
            Action::Reconsider => "requestedAt",
            Action::Withdraw => "withdrawnAt",
        }
    }

    fn outcome(self) -> Option<DecisionOutcome> {
        match self {
            Action::PositiveRg | Action::PositiveCg => Some(DecisionOutcome::Positive),
            Action::NegativeRg | Action::NegativeCg => Some(DecisionOutcome::Negative),
            Action::Reconsider | Action::Withdraw => None,
        }
    }

    fn event(self, instant: DateTime<Utc>) -> ReferralEvent {
        let kind = match self {
            Action::PositiveRg | Action::NegativeRg => ReferralEventKind::ReasonableGroundsDecision,
            Action::PositiveCg | Action::NegativeCg => ReferralEventKind::ConclusiveGroundsDecision,
            Action::Reconsider => ReferralEventKind::ReconsiderationRequested,
            Action::Withdraw => ReferralEventKind::Withdrawn,
        };
        ReferralEvent {
            kind,
            at: instant,
            outcome: self.outcome(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Expect {
    Becomes(ReferralStatus),
    Refused(ErrorCode),
}

/// Every (stage × action) pair and what it leads to.
#[rustfmt::skip]
fn transition_table() -> Vec<(Stage, Action, Expect)> {
    use Action::*;
    use Expect::*;
    vec![
        (Stage::Submitted, PositiveRg, Becomes(S::RgPositive)),
        (Stage::Submitted, NegativeRg, Becomes(S::RgNegative)),
        (Stage::Submitted, PositiveCg, Refused(E::RequiresPositiveReasonableGrounds)),
        (Stage::Submitted, NegativeCg, Refused(E::RequiresPositiveReasonableGrounds)),
        (Stage::Submitted, Reconsider, Refused(E::InvalidTransition)),
        (Stage::Submitted, Withdraw, Becomes(S::Withdrawn)),
        //
        (Stage::RgPositive, PositiveRg, Refused(E::DecisionAlreadyRecorded)),
        (Stage::RgPositive, NegativeRg, Refused(E::DecisionAlreadyRecorded)),
        (Stage::RgPositive, PositiveCg, Becomes(S::CgPositive)),
        (Stage::RgPositive, NegativeCg, Becomes(S::CgNegative)),
        (Stage::RgPositive, Reconsider, Refused(E::InvalidTransition)),
        (Stage::RgPositive, Withdraw, Becomes(S::Withdrawn)),
        //
        (Stage::RgNegative, PositiveRg, Refused(E::DecisionAlreadyRecorded)),
        (Stage::RgNegative, NegativeRg, Refused(E::DecisionAlreadyRecorded)),
        (Stage::RgNegative, PositiveCg, Refused(E::RequiresPositiveReasonableGrounds)),
        (Stage::RgNegative, NegativeCg, Refused(E::RequiresPositiveReasonableGrounds)),
        (Stage::RgNegative, Reconsider, Becomes(S::RgNegative)),
        (Stage::RgNegative, Withdraw, Becomes(S::Withdrawn)),
        //
        (Stage::RgNegativeAwaitingReconsideration, PositiveRg, Becomes(S::RgPositive)),
        (Stage::RgNegativeAwaitingReconsideration, NegativeRg, Becomes(S::RgNegative)),
        (Stage::RgNegativeAwaitingReconsideration, PositiveCg, Refused(E::RequiresPositiveReasonableGrounds)),
        (Stage::RgNegativeAwaitingReconsideration, NegativeCg, Refused(E::RequiresPositiveReasonableGrounds)),
        (Stage::RgNegativeAwaitingReconsideration, Reconsider, Refused(E::InvalidTransition)),
        (Stage::RgNegativeAwaitingReconsideration, Withdraw, Becomes(S::Withdrawn)),
        //
        (Stage::CgPositive, PositiveRg, Refused(E::DecisionAlreadyRecorded)),
        (Stage::CgPositive, NegativeRg, Refused(E::DecisionAlreadyRecorded)),
        (Stage::CgPositive, PositiveCg, Refused(E::DecisionAlreadyRecorded)),
        (Stage::CgPositive, NegativeCg, Refused(E::DecisionAlreadyRecorded)),
        (Stage::CgPositive, Reconsider, Refused(E::InvalidTransition)),
        (Stage::CgPositive, Withdraw, Refused(E::InvalidTransition)),
        //
        (Stage::CgNegative, PositiveRg, Refused(E::DecisionAlreadyRecorded)),
        (Stage::CgNegative, NegativeRg, Refused(E::DecisionAlreadyRecorded)),
        (Stage::CgNegative, PositiveCg, Refused(E::DecisionAlreadyRecorded)),
        (Stage::CgNegative, NegativeCg, Refused(E::DecisionAlreadyRecorded)),
        (Stage::CgNegative, Reconsider, Becomes(S::CgNegative)),
        (Stage::CgNegative, Withdraw, Refused(E::InvalidTransition)),
        //
        (Stage::CgNegativeAwaitingReconsideration, PositiveRg, Refused(E::DecisionAlreadyRecorded)),
        (Stage::CgNegativeAwaitingReconsideration, NegativeRg, Refused(E::DecisionAlreadyRecorded)),
        (Stage::CgNegativeAwaitingReconsideration, PositiveCg, Becomes(S::CgPositive)),
        (Stage::CgNegativeAwaitingReconsideration, NegativeCg, Becomes(S::CgNegative)),
        (Stage::CgNegativeAwaitingReconsideration, Reconsider, Refused(E::InvalidTransition)),
        (Stage::CgNegativeAwaitingReconsideration, Withdraw, Refused(E::InvalidTransition)),
        //
        (Stage::Withdrawn, PositiveRg, Refused(E::InvalidTransition)),
        (Stage::Withdrawn, NegativeRg, Refused(E::InvalidTransition)),
        (Stage::Withdrawn, PositiveCg, Refused(E::InvalidTransition)),
        (Stage::Withdrawn, NegativeCg, Refused(E::InvalidTransition)),
        (Stage::Withdrawn, Reconsider, Refused(E::InvalidTransition)),
        (Stage::Withdrawn, Withdraw, Refused(E::InvalidTransition)),
    ]
}

// ---------------------------------------------------------------------------------------------
// The state machine.

#[test]
fn transition_table_covers_every_stage_and_action_exactly_once() {
    let table = transition_table();
    assert_eq!(table.len(), Stage::ALL.len() * Action::ALL.len());
    for stage in Stage::ALL {
        for action in Action::ALL {
            let rows = table
                .iter()
                .filter(|(s, a, _)| *s == stage && *a == action)
                .count();
            assert_eq!(rows, 1, "{stage:?} × {action:?}");
        }
    }
}

#[test]
fn every_stage_is_reached_with_the_status_and_pending_flag_it_names() {
    let cases = [
        (Stage::Submitted, S::Submitted, false),
        (Stage::RgPositive, S::RgPositive, false),
        (Stage::RgNegative, S::RgNegative, false),
        (
            Stage::RgNegativeAwaitingReconsideration,
            S::RgNegative,
            true,
        ),
        (Stage::CgPositive, S::CgPositive, false),
        (Stage::CgNegative, S::CgNegative, false),
        (
            Stage::CgNegativeAwaitingReconsideration,
            S::CgNegative,
            true,
        ),
        (Stage::Withdrawn, S::Withdrawn, false),
    ];
    for (stage, status, pending) in cases {
        let referral = stage.referral();
        assert_eq!(referral.status, status, "{stage:?}");
        assert_eq!(referral.reconsideration_pending(), pending, "{stage:?}");
    }
}

#[test]
fn every_action_in_every_stage_gives_the_specified_status_or_error() {
    for (stage, action, expected) in transition_table() {
        let mut referral = stage.referral();
        let before = referral.clone();
        let result = action.apply(&mut referral, later(), now());
        match expected {
            Expect::Becomes(status) => {
                let event = result
                    .unwrap_or_else(|error| panic!("{stage:?} × {action:?} refused: {error}"));
                assert_eq!(
                    event,
                    action.event(later()),
                    "{stage:?} × {action:?}: event"
                );
                assert_eq!(referral.status, status, "{stage:?} × {action:?}: status");
                assert_eq!(
                    referral.reconsideration_pending(),
                    action == Action::Reconsider,
                    "{stage:?} × {action:?}: a decision or withdrawal settles any reconsideration; a request opens one"
                );
                assert_eq!(referral.referred_at, before.referred_at);
                assert_eq!(
                    referral.version, before.version,
                    "the version is the store's business"
                );
            }
            Expect::Refused(code) => {
                let error = result.expect_err(&format!("{stage:?} × {action:?} should be refused"));
                assert_eq!(error.code, code, "{stage:?} × {action:?}: {error}");
                assert_eq!(error.field, "referralId", "{stage:?} × {action:?}");
                assert_eq!(
                    referral, before,
                    "{stage:?} × {action:?}: a refused action changes nothing"
                );
            }
        }
    }
}

#[test]
fn every_accepted_action_stores_its_instant_and_outcome_and_leaves_the_rest() {
    for (stage, action, expected) in transition_table() {
        if !matches!(expected, Expect::Becomes(_)) {
            continue;
        }
        let mut referral = stage.referral();
        let before = referral.clone();
        action
            .apply(&mut referral, later(), now())
            .expect("accepted");
        let decision = action.outcome().map(|outcome| Decision {
            outcome,
            decided_at: later(),
        });
        let context = format!("{stage:?} × {action:?}");
        match action {
            Action::PositiveRg | Action::NegativeRg => {
                assert_eq!(referral.reasonable_grounds, decision, "{context}");
                assert_eq!(
                    referral.conclusive_grounds, before.conclusive_grounds,
                    "{context}"
                );
                assert_eq!(referral.withdrawn_at, None, "{context}");
            }
            Action::PositiveCg | Action::NegativeCg => {
                assert_eq!(referral.conclusive_grounds, decision, "{context}");
                assert_eq!(
                    referral.reasonable_grounds, before.reasonable_grounds,
                    "{context}"
                );
                assert_eq!(referral.withdrawn_at, None, "{context}");
            }
            Action::Reconsider => {
                assert_eq!(
                    referral.reconsideration_requested_at,
                    Some(later()),
                    "{context}"
                );
                assert_eq!(
                    referral.reasonable_grounds, before.reasonable_grounds,
                    "{context}"
                );
                assert_eq!(
                    referral.conclusive_grounds, before.conclusive_grounds,
                    "{context}"
                );
            }
            Action::Withdraw => {
                assert_eq!(referral.withdrawn_at, Some(later()), "{context}");
                assert_eq!(referral.reconsideration_requested_at, None, "{context}");
                assert_eq!(
                    referral.reasonable_grounds, before.reasonable_grounds,
                    "{context}"
                );
                assert_eq!(
                    referral.conclusive_grounds, before.conclusive_grounds,
                    "{context}"
                );
            }
        }
    }
}

/// (stage, action, the instant of the event the action follows and may not predate)
fn preceding_event_table() -> Vec<(Stage, Action, DateTime<Utc>)> {
    use Action::*;
    vec![
        // A Reasonable Grounds decision follows the referral.
        (Stage::Submitted, PositiveRg, referred()),
        (Stage::Submitted, NegativeRg, referred()),
        // A Conclusive Grounds decision follows the Reasonable Grounds decision.
        (Stage::RgPositive, PositiveCg, rg_decided()),
        (Stage::RgPositive, NegativeCg, rg_decided()),
        // A reconsideration request follows the decision it reconsiders.
        (Stage::RgNegative, Reconsider, rg_decided()),
        (Stage::CgNegative, Reconsider, cg_decided()),
        // A reconsidered decision follows the request for reconsideration.
        (
            Stage::RgNegativeAwaitingReconsideration,
            PositiveRg,
            rg_reconsideration_requested(),
        ),
        (
            Stage::RgNegativeAwaitingReconsideration,
            NegativeRg,
            rg_reconsideration_requested(),
        ),
        (
            Stage::CgNegativeAwaitingReconsideration,
            PositiveCg,
            cg_reconsideration_requested(),
        ),
        (
            Stage::CgNegativeAwaitingReconsideration,
            NegativeCg,
            cg_reconsideration_requested(),
        ),
        // A withdrawal follows the latest event.
        (Stage::Submitted, Withdraw, referred()),
        (Stage::RgPositive, Withdraw, rg_decided()),
        (Stage::RgNegative, Withdraw, rg_decided()),
        (
            Stage::RgNegativeAwaitingReconsideration,
            Withdraw,
            rg_reconsideration_requested(),
        ),
    ]
}

#[test]
fn no_event_may_predate_the_event_it_follows() {
    for (stage, action, preceding) in preceding_event_table() {
        for too_early in [preceding - seconds(1), preceding - days(1)] {
            let mut referral = stage.referral();
            let before = referral.clone();
            let error = action
                .apply(&mut referral, too_early, now())
                .expect_err(&format!("{stage:?} × {action:?} at {too_early}"));
            assert_eq!(
                (error.field.as_str(), error.code),
                (action.instant_field(), E::BeforePrecedingEvent),
                "{stage:?} × {action:?} at {too_early}"
            );
            assert_eq!(
                referral, before,
                "{stage:?} × {action:?}: a refused action changes nothing"
            );
        }
    }
}

#[test]
fn an_event_at_the_same_instant_as_the_event_it_follows_is_accepted() {
    for (stage, action, preceding) in preceding_event_table() {
        let mut referral = stage.referral();
        let event = action
            .apply(&mut referral, preceding, now())
            .unwrap_or_else(|error| panic!("{stage:?} × {action:?} at {preceding}: {error}"));
        assert_eq!(event, action.event(preceding), "{stage:?} × {action:?}");
    }
}

#[test]
fn instants_up_to_five_minutes_ahead_of_the_clock_are_accepted_and_later_ones_are_in_the_future() {
    let accepted_pairs = transition_table()
        .into_iter()
        .filter(|(_, _, expected)| matches!(expected, Expect::Becomes(_)));
    for (stage, action, _) in accepted_pairs {
        let mut referral = stage.referral();
        let before = referral.clone();
        let error = action
            .apply(&mut referral, now() + minutes(5) + seconds(1), now())
            .expect_err(&format!(
                "{stage:?} × {action:?} beyond the clock-skew allowance"
            ));
        assert_eq!(
            (error.field.as_str(), error.code),
            (action.instant_field(), E::InFuture),
            "{stage:?} × {action:?}"
        );
        assert_eq!(
            referral, before,
            "{stage:?} × {action:?}: a refused action changes nothing"
        );

        for within_allowance in [now(), now() + seconds(1), now() + minutes(5)] {
            let mut referral = stage.referral();
            action
                .apply(&mut referral, within_allowance, now())
                .unwrap_or_else(|error| {
                    panic!("{stage:?} × {action:?} at {within_allowance}: {error}")
                });
        }
    }
}

#[test]
fn a_second_reasonable_grounds_decision_is_refused_as_already_recorded() {
    for first in [DecisionOutcome::Positive, DecisionOutcome::Negative] {
        for second in [DecisionOutcome::Positive, DecisionOutcome::Negative] {
            let mut referral = submitted_at(referred());
            referral
                .record_reasonable_grounds(first, rg_decided(), now())
                .expect("first RG");
            let error = referral
                .record_reasonable_grounds(second, later(), now())
                .expect_err("second RG");
            assert_eq!(
                error.code,
                E::DecisionAlreadyRecorded,
                "{first} then {second}"
            );
            assert_eq!(
                referral.reasonable_grounds,
                Some(Decision {
                    outcome: first,
                    decided_at: rg_decided()
                })
            );
        }
    }
}

#[test]
fn a_conclusive_grounds_decision_needs_a_positive_reasonable_grounds_decision() {
    for stage in [
        Stage::Submitted,
        Stage::RgNegative,
        Stage::RgNegativeAwaitingReconsideration,
    ] {
        for outcome in [DecisionOutcome::Positive, DecisionOutcome::Negative] {
            let mut referral = stage.referral();
            let error = referral
                .record_conclusive_grounds(outcome, later(), now())
                .expect_err("no positive RG");
            assert_eq!(
                error.code,
                E::RequiresPositiveReasonableGrounds,
                "{stage:?}, {outcome}"
            );
        }
    }
}

#[test]
fn a_negative_reasonable_grounds_decision_reconsidered_as_positive_becomes_rg_positive_and_clears_the_request(
) {
    let mut referral = Stage::RgNegativeAwaitingReconsideration.referral();
    let reconsidered_at = at(2025, 4, 2, 11, 0);
    let event = referral
        .record_reasonable_grounds(DecisionOutcome::Positive, reconsidered_at, now())
        .expect("reconsidered decision");
    assert_eq!(event, Action::PositiveRg.event(reconsidered_at));
    assert_eq!(referral.status, S::RgPositive);
    assert!(!referral.reconsideration_pending());
    assert_eq!(referral.reconsideration_requested_at, None);
    assert_eq!(
        referral.reasonable_grounds,
        Some(Decision {
            outcome: DecisionOutcome::Positive,
            decided_at: reconsidered_at
        })
    );
    assert_eq!(
        referral.recovery_period_ends_on(),
        Some(date(2025, 5, 2)),
        "the recovery period runs from the reconsidered positive decision"
    );

    // The Conclusive Grounds decision now follows the reconsidered decision, not the original.
    let between = reconsidered_at - seconds(1);
    assert!(between > rg_decided());
    let error = referral
        .record_conclusive_grounds(DecisionOutcome::Positive, between, now())
        .expect_err("CG before the reconsidered RG");
    assert_eq!(error.code, E::BeforePrecedingEvent);
    referral
        .record_conclusive_grounds(DecisionOutcome::Positive, reconsidered_at, now())
        .expect("CG at the reconsidered RG instant");
    assert_eq!(referral.status, S::CgPositive);
}

#[test]
fn a_negative_reasonable_grounds_decision_upheld_on_reconsideration_may_be_reconsidered_again() {
    let mut referral = Stage::RgNegativeAwaitingReconsideration.referral();
    let upheld_at = at(2025, 4, 2, 11, 0);
    referral
        .record_reasonable_grounds(DecisionOutcome::Negative, upheld_at, now())
        .expect("reconsidered decision");
    assert_eq!(referral.status, S::RgNegative);
    assert!(!referral.reconsideration_pending());

    let error = referral
        .request_reconsideration(upheld_at - seconds(1), now())
        .expect_err("a request cannot predate the decision it reconsiders");
    assert_eq!(error.code, E::BeforePrecedingEvent);
    referral
        .request_reconsideration(upheld_at, now())
        .expect("new evidence, new request");
    assert!(referral.reconsideration_pending());
}

#[test]
fn a_negative_conclusive_grounds_decision_reconsidered_is_replaced_by_the_new_decision() {
    for outcome in [DecisionOutcome::Positive, DecisionOutcome::Negative] {
        let mut referral = Stage::CgNegativeAwaitingReconsideration.referral();
        let reconsidered_at = at(2025, 11, 3, 14, 0);
        let event = referral
            .record_conclusive_grounds(outcome, reconsidered_at, now())
            .expect("reconsidered CG");
        assert_eq!(event.kind, ReferralEventKind::ConclusiveGroundsDecision);
        assert_eq!(event.outcome, Some(outcome));
        assert_eq!(
            referral.status,
            match outcome {
                DecisionOutcome::Positive => S::CgPositive,
                DecisionOutcome::Negative => S::CgNegative,
            }
        );
        assert!(!referral.reconsideration_pending());
        assert_eq!(
            referral.conclusive_grounds,
            Some(Decision {
                outcome,
                decided_at: reconsidered_at
            })
        );
        assert_eq!(
            referral.reasonable_grounds,
            Some(Decision {
                outcome: DecisionOutcome::Positive,
                decided_at: rg_decided()
            }),
            "the Reasonable Grounds decision is untouched"
        );
        // 6 March → 3 November 2025.
        assert_eq!(referral.days_reasonable_to_conclusive_grounds(), Some(242));
    }
}

#[test]
fn a_second_request_for_reconsideration_while_one_is_awaited_is_refused() {
    for (stage, first_request) in [
        (
            Stage::RgNegativeAwaitingReconsideration,
            rg_reconsideration_requested(),
        ),
        (
            Stage::CgNegativeAwaitingReconsideration,
            cg_reconsideration_requested(),
        ),
    ] {
        let mut referral = stage.referral();
        let error = referral
            .request_reconsideration(later(), now())
            .expect_err("double reconsideration");
        assert_eq!(
            (error.field.as_str(), error.code),
            ("referralId", E::InvalidTransition)
        );
        assert_eq!(
            referral.reconsideration_requested_at,
            Some(first_request),
            "{stage:?}"
        );
    }
}

#[test]
fn only_a_negative_decision_can_be_reconsidered() {
    for stage in [Stage::Submitted, Stage::RgPositive, Stage::CgPositive] {
        let mut referral = stage.referral();
        let error = referral
            .request_reconsideration(later(), now())
            .expect_err("nothing negative");
        assert_eq!(error.code, E::InvalidTransition, "{stage:?}");
        assert!(!referral.reconsideration_pending());
    }
}

#[test]
fn withdrawing_while_a_reconsideration_is_awaited_clears_the_request() {
    let mut referral = Stage::RgNegativeAwaitingReconsideration.referral();
    referral.withdraw(later(), now()).expect("withdrawal");
    assert_eq!(referral.status, S::Withdrawn);
    assert_eq!(referral.withdrawn_at, Some(later()));
    assert!(!referral.reconsideration_pending());
}

#[test]
fn a_referral_with_a_conclusive_grounds_decision_cannot_be_withdrawn() {
    for stage in [
        Stage::CgPositive,
        Stage::CgNegative,
        Stage::CgNegativeAwaitingReconsideration,
    ] {
        let mut referral = stage.referral();
        let error = referral.withdraw(later(), now()).expect_err("concluded");
        assert_eq!(error.code, E::InvalidTransition, "{stage:?}");
        assert_eq!(referral.withdrawn_at, None);
    }
}

#[test]
fn withdrawn_is_terminal_for_every_action_at_any_instant() {
    for action in Action::ALL {
        for instant in [withdrawn_early(), later(), now()] {
            let mut referral = Stage::Withdrawn.referral();
            let before = referral.clone();
            let error = action
                .apply(&mut referral, instant, now())
                .expect_err(&format!("{action:?} after withdrawal"));
            assert_eq!(
                (error.field.as_str(), error.code),
                ("referralId", E::InvalidTransition),
                "{action:?} at {instant}"
            );
            assert_eq!(referral, before);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// submit()

fn submit_for(
    child: &Child,
    draft: ReferralDraft,
) -> Result<NrmReferral, Vec<(String, ErrorCode)>> {
    NrmReferral::submit(
        ReferralId::generate(),
        child,
        draft,
        england_and_wales(),
        now(),
    )
    .map(|(referral, _event)| referral)
    .map_err(|errors| {
        codes(&errors)
            .into_iter()
            .map(|(f, c)| (f.to_owned(), c))
            .collect()
    })
}

fn errors_of(result: Result<NrmReferral, Vec<(String, ErrorCode)>>) -> Vec<(String, ErrorCode)> {
    match result {
        Ok(_) => Vec::new(),
        Err(errors) => errors,
    }
}

fn owned(errors: &[(&str, ErrorCode)]) -> Vec<(String, ErrorCode)> {
    errors.iter().map(|(f, c)| ((*f).to_owned(), *c)).collect()
}

#[test]
fn a_valid_submission_copies_the_draft_and_opens_the_timeline() {
    let child = child();
    let id = ReferralId::generate();
    let mut draft = referral_draft(referred());
    draft.first_responder_type = FirstResponderType::DesignatedNonGovernmentalOrganisation;
    draft.first_responder_name = "  Barnardo's  ".to_owned();
    draft.exploitation_types = vec![
        ExploitationType::Criminal,
        ExploitationType::Sexual,
        ExploitationType::Criminal,
    ];
    draft.exploitation_location = ExploitationLocation::UkAndOverseas;
    draft.competent_authority = CompetentAuthority::DdmPanel;

    let (referral, event) =
        NrmReferral::submit(id, &child, draft, england_and_wales(), now()).expect("valid");
    assert_eq!(referral.id, id);
    assert_eq!(referral.child_id, child.id);
    assert_eq!(referral.referred_at, referred());
    assert_eq!(
        referral.first_responder.organisation_type,
        FirstResponderType::DesignatedNonGovernmentalOrganisation
    );
    assert_eq!(
        referral.first_responder.organisation_name, "Barnardo's",
        "the name is trimmed"
    );
    assert_eq!(
        referral
            .exploitation_types
            .iter()
            .copied()
            .collect::<Vec<_>>(),
        [ExploitationType::Sexual, ExploitationType::Criminal],
        "duplicates collapse"
    );
    assert!(referral.county_lines);
    assert_eq!(
        referral.exploitation_location,
        ExploitationLocation::UkAndOverseas
    );
    assert_eq!(referral.competent_authority, CompetentAuthority::DdmPanel);
    assert_eq!(referral.status, S::Submitted);
    assert_eq!(referral.reasonable_grounds, None);
    assert_eq!(referral.conclusive_grounds, None);
    assert_eq!(referral.reconsideration_requested_at, None);
    assert_eq!(referral.withdrawn_at, None);
    assert_eq!(referral.version, 1);
    assert_eq!(
        event,
        ReferralEvent {
            kind: ReferralEventKind::Submitted,
            at: referred(),
            outcome: None
        }
    );
}

#[test]
fn submission_needs_at_least_one_exploitation_type() {
    let mut draft = referral_draft(referred());
    draft.exploitation_types = vec![];
    draft.county_lines = false;
    assert_eq!(
        errors_of(submit_for(&child(), draft)),
        owned(&[("exploitationTypes", E::Required)])
    );
}

#[test]
fn county_lines_is_accepted_only_with_criminal_exploitation() {
    for exploitation_type in ExploitationType::ALL.iter().copied() {
        for county_lines in [true, false] {
            let mut draft = referral_draft(referred());
            draft.exploitation_types = vec![exploitation_type];
            draft.county_lines = county_lines;
            let expected = if county_lines && exploitation_type != ExploitationType::Criminal {
                owned(&[("countyLines", E::CountyLinesRequiresCriminal)])
            } else {
                vec![]
            };
            assert_eq!(
                errors_of(submit_for(&child(), draft)),
                expected,
                "{exploitation_type}, county lines {county_lines}"
            );
        }
    }
    let mixed = [
        (
            vec![ExploitationType::Sexual, ExploitationType::Labour],
            true,
            false,
        ),
        (
            vec![ExploitationType::Sexual, ExploitationType::Criminal],
            true,
            true,
        ),
        (
            vec![ExploitationType::Unknown, ExploitationType::Criminal],
            true,
            true,
        ),
    ];
    for (types, county_lines, accepted) in mixed {
        let mut draft = referral_draft(referred());
        draft.exploitation_types = types.clone();
        draft.county_lines = county_lines;
        assert_eq!(submit_for(&child(), draft).is_ok(), accepted, "{types:?}");
    }
}

#[test]
fn county_lines_with_no_exploitation_types_reports_both_problems() {
    let mut draft = referral_draft(referred());
    draft.exploitation_types = vec![];
    draft.county_lines = true;
    assert_eq!(
        errors_of(submit_for(&child(), draft)),
        owned(&[
            ("exploitationTypes", E::Required),
            ("countyLines", E::CountyLinesRequiresCriminal)
        ])
    );
}

fn child_turning_18_on(birthday: NaiveDate, age_disputed: bool) -> Child {
    let born = date(birthday.year() - 18, birthday.month(), birthday.day());
    let child = child_born(born, age_disputed);
    assert_eq!(child.eighteenth_birthday(), birthday);
    child
}

#[test]
fn devolved_decision_panels_decide_only_for_children_more_than_100_days_from_18() {
    let referred = at(2025, 6, 2, 10, 0); // 2 June 2025 in the UK
    let referral_day = date(2025, 6, 2);
    // (days from referral to 18th birthday, age disputed, competent authority, accepted)
    let cases = [
        (365, false, CompetentAuthority::DdmPanel, true),
        (101, false, CompetentAuthority::DdmPanel, true),
        (100, false, CompetentAuthority::DdmPanel, false),
        (99, false, CompetentAuthority::DdmPanel, false),
        (1, false, CompetentAuthority::DdmPanel, false),
        (0, false, CompetentAuthority::DdmPanel, false),
        (-1, false, CompetentAuthority::DdmPanel, false),
        (-400, false, CompetentAuthority::DdmPanel, false),
        // Age disputed: presumed a child for protection, but the presumption does not prove
        // the 100-day margin; the recorded date of birth decides (decision 0010).
        (101, true, CompetentAuthority::DdmPanel, true),
        (100, true, CompetentAuthority::DdmPanel, false),
        (0, true, CompetentAuthority::DdmPanel, false),
        (-30, true, CompetentAuthority::DdmPanel, false),
        // The rule is about devolved panels only.
        (100, false, CompetentAuthority::Sca, true),
        (0, false, CompetentAuthority::Ieca, true),
    ];
    for (days_before_18, age_disputed, authority, accepted) in cases {
        let birthday = referral_day + days(days_before_18);
        let mut draft = referral_draft(referred);
        draft.competent_authority = authority;
        let expected = if accepted {
            vec![]
        } else {
            owned(&[("competentAuthority", E::NotEligibleForDevolvedDecision)])
        };
        assert_eq!(
            errors_of(submit_for(
                &child_turning_18_on(birthday, age_disputed),
                draft
            )),
            expected,
            "{days_before_18} days before 18, age disputed {age_disputed}, {authority}"
        );
    }
}

#[test]
fn devolved_decision_eligibility_counts_from_the_uk_date_of_referral() {
    // 23:30 UTC on 2 June is 00:30 BST on 3 June: the referral is dated 3 June.
    let referred = at(2025, 6, 2, 23, 30);
    for (birthday, accepted) in [(date(2025, 9, 11), false), (date(2025, 9, 12), true)] {
        let mut draft = referral_draft(referred);
        draft.competent_authority = CompetentAuthority::DdmPanel;
        assert_eq!(
            submit_for(&child_turning_18_on(birthday, false), draft).is_ok(),
            accepted,
            "18 on {birthday}"
        );
    }
}

#[test]
fn devolved_decision_eligibility_for_a_child_born_on_29_february() {
    // Born 29 February 2008: 18 on 1 March 2026, which is 100 days after 21 November 2025.
    let child = child_born(date(2008, 2, 29), false);
    for (referred, accepted) in [
        (at(2025, 11, 20, 12, 0), true),
        (at(2025, 11, 21, 12, 0), false),
    ] {
        let mut draft = referral_draft(referred);
        draft.competent_authority = CompetentAuthority::DdmPanel;
        assert_eq!(
            submit_for(&child, draft).is_ok(),
            accepted,
            "referred {referred}"
        );
    }
}

#[test]
fn the_first_responder_organisation_name_is_required_trimmed_and_at_most_200_characters() {
    let field = "firstResponder.organisationName";
    let cases: Vec<(String, Result<String, ErrorCode>)> = vec![
        (String::new(), Err(E::Required)),
        ("   ".to_owned(), Err(E::Required)),
        ("\t\n ".to_owned(), Err(E::Required)),
        ("NSPCC".to_owned(), Ok("NSPCC".to_owned())),
        ("  Migrant Help\n".to_owned(), Ok("Migrant Help".to_owned())),
        ("a".repeat(200), Ok("a".repeat(200))),
        (format!("   {}   ", "a".repeat(200)), Ok("a".repeat(200))),
        ("a".repeat(201), Err(E::TooLong)),
        // Characters, not bytes.
        ("é".repeat(200), Ok("é".repeat(200))),
        ("é".repeat(201), Err(E::TooLong)),
    ];
    for (name, expected) in cases {
        let mut draft = referral_draft(referred());
        draft.first_responder_name = name.clone();
        let result = submit_for(&child(), draft);
        match expected {
            Ok(kept) => assert_eq!(
                result.map(|r| r.first_responder.organisation_name),
                Ok(kept),
                "{name:?}"
            ),
            Err(code) => assert_eq!(errors_of(result), owned(&[(field, code)]), "{name:?}"),
        }
    }
}

#[test]
fn a_referral_instant_beyond_the_clock_skew_allowance_is_in_the_future() {
    for (referred_at, accepted) in [
        (now(), true),
        (now() + minutes(5), true),
        (now() + minutes(5) + seconds(1), false),
        (now() + days(1), false),
    ] {
        let result = submit_for(&child(), referral_draft(referred_at));
        let expected = if accepted {
            vec![]
        } else {
            owned(&[("referredAt", E::InFuture)])
        };
        assert_eq!(errors_of(result), expected, "{referred_at}");
    }
}

#[test]
fn submission_reports_every_problem_at_once() {
    let referred_at = now() + days(1);
    let child = child_turning_18_on(date(2026, 6, 12), false); // 10 days after the referral
    let mut draft = referral_draft(referred_at);
    draft.first_responder_name = "  ".to_owned();
    draft.exploitation_types = vec![];
    draft.county_lines = true;
    draft.competent_authority = CompetentAuthority::DdmPanel;
    assert_eq!(
        errors_of(submit_for(&child, draft)),
        owned(&[
            ("referredAt", E::InFuture),
            ("firstResponder.organisationName", E::Required),
            ("exploitationTypes", E::Required),
            ("countyLines", E::CountyLinesRequiresCriminal),
            ("competentAuthority", E::NotEligibleForDevolvedDecision),
        ])
    );
}

// ---------------------------------------------------------------------------------------------
// Derived values.

fn with_reasonable_grounds(
    referred_at: DateTime<Utc>,
    outcome: DecisionOutcome,
    decided_at: DateTime<Utc>,
) -> NrmReferral {
    with_reasonable_grounds_in(england_and_wales(), referred_at, outcome, decided_at)
}

fn with_reasonable_grounds_in(
    holidays: &BankHolidays,
    referred_at: DateTime<Utc>,
    outcome: DecisionOutcome,
    decided_at: DateTime<Utc>,
) -> NrmReferral {
    let (mut referral, _) = NrmReferral::submit(
        ReferralId::generate(),
        &child(),
        referral_draft(referred_at),
        holidays,
        now(),
    )
    .expect("valid referral");
    referral
        .record_reasonable_grounds(outcome, decided_at, now())
        .expect("valid RG decision");
    referral
}

#[test]
fn derived_values_are_absent_before_a_reasonable_grounds_decision() {
    let referral = submitted_at(referred());
    assert_eq!(referral.days_to_reasonable_grounds(), None);
    assert_eq!(referral.reasonable_grounds_within_target(), None);
    assert_eq!(referral.recovery_period_ends_on(), None);
    assert_eq!(referral.days_reasonable_to_conclusive_grounds(), None);
}

#[test]
fn days_to_reasonable_grounds_counts_uk_calendar_days() {
    // (referred, decided, days)
    let cases = [
        (at(2025, 3, 3, 10, 0), at(2025, 3, 3, 16, 0), 0),
        (at(2025, 3, 3, 10, 0), at(2025, 3, 4, 9, 0), 1),
        (at(2025, 3, 3, 10, 0), at(2025, 3, 10, 10, 0), 7),
        // Clocks go forward 30 March 2025: 23:30 UTC on the 29th is 23:30 GMT on the 29th, 23:30 UTC
        // on the 30th is 00:30 BST on the 31st. UTC dates would say 1.
        (at(2025, 3, 29, 23, 30), at(2025, 3, 30, 23, 30), 2),
        // Clocks go back 26 October 2025: 23:30 UTC on the 25th is 00:30 BST on the 26th, 23:30 UTC on
        // the 26th is 23:30 GMT on the 26th. UTC dates would say 1.
        (at(2025, 10, 25, 23, 30), at(2025, 10, 26, 23, 30), 0),
        // Both late in a BST evening.
        (at(2025, 7, 1, 23, 30), at(2025, 7, 2, 22, 59), 0),
        (at(2025, 7, 1, 22, 59), at(2025, 7, 1, 23, 0), 1),
    ];
    for (referred_at, decided_at, expected) in cases {
        let referral = with_reasonable_grounds(referred_at, DecisionOutcome::Positive, decided_at);
        assert_eq!(
            referral.days_to_reasonable_grounds(),
            Some(expected),
            "{referred_at} → {decided_at}"
        );
    }
}

#[test]
fn reasonable_grounds_within_target_means_at_most_five_working_days() {
    let weekends_only = BankHolidays::new([], date(2000, 1, 1), date(2030, 12, 31));
    // (referred, decided, within target counting bank holidays, within target counting weekends only)
    let cases = [
        (at(2025, 3, 3, 10, 0), at(2025, 3, 3, 17, 0), true, true), // same day
        (at(2025, 3, 3, 10, 0), at(2025, 3, 10, 16, 0), true, true), // Mon → Mon: 5
        (at(2025, 3, 3, 10, 0), at(2025, 3, 11, 9, 0), false, false), // Mon → Tue: 6
        (at(2025, 3, 8, 10, 0), at(2025, 3, 14, 16, 0), true, true), // Sat → Fri: 5
        (at(2025, 3, 8, 10, 0), at(2025, 3, 17, 9, 0), false, false), // Sat → Mon: 6
        // Easter 2025: Good Friday 18 April, Easter Monday 21 April.
        (at(2025, 4, 17, 10, 0), at(2025, 4, 28, 16, 0), true, false), // 5 working days
        (at(2025, 4, 17, 10, 0), at(2025, 4, 29, 9, 0), false, false), // 6
        // Christmas 2024: 25, 26 December and 1 January.
        (at(2024, 12, 24, 10, 0), at(2025, 1, 3, 16, 0), true, false),
        (at(2024, 12, 24, 10, 0), at(2025, 1, 6, 9, 0), false, false),
        // Christmas 2025: 25, 26 December and 1 January 2026.
        (at(2025, 12, 24, 10, 0), at(2026, 1, 5, 16, 0), true, false),
        (at(2025, 12, 24, 10, 0), at(2026, 1, 6, 9, 0), false, false),
        // UK dates in summer time: 22:59 UTC on Monday 9 June is 23:59 BST on the Monday (5 working
        // days), 23:00 UTC is midnight, Tuesday (6).
        (at(2025, 6, 2, 10, 0), at(2025, 6, 9, 22, 59), true, true),
        (at(2025, 6, 2, 10, 0), at(2025, 6, 9, 23, 0), false, false),
    ];
    for (referred_at, decided_at, within, within_weekends_only) in cases {
        let referral = with_reasonable_grounds(referred_at, DecisionOutcome::Negative, decided_at);
        assert_eq!(
            referral.reasonable_grounds_within_target(),
            Some(within),
            "{referred_at} → {decided_at}"
        );
        let counted_without_holidays = with_reasonable_grounds_in(
            &weekends_only,
            referred_at,
            DecisionOutcome::Negative,
            decided_at,
        );
        assert_eq!(
            counted_without_holidays.reasonable_grounds_within_target(),
            Some(within_weekends_only),
            "{referred_at} → {decided_at}, weekends only"
        );
    }
}

#[test]
fn recovery_period_ends_30_days_after_a_positive_decision_since_30_january_2023_and_45_before() {
    // (decided, outcome, last day of the recovery period)
    let cases = [
        (
            at(2023, 1, 30, 9, 0),
            DecisionOutcome::Positive,
            Some(date(2023, 3, 1)),
        ),
        (
            at(2023, 1, 30, 0, 0),
            DecisionOutcome::Positive,
            Some(date(2023, 3, 1)),
        ),
        (
            at(2023, 1, 29, 23, 59),
            DecisionOutcome::Positive,
            Some(date(2023, 3, 15)),
        ),
        (
            at(2023, 1, 29, 16, 0),
            DecisionOutcome::Positive,
            Some(date(2023, 3, 15)),
        ),
        (
            at(2022, 6, 1, 10, 0),
            DecisionOutcome::Positive,
            Some(date(2022, 7, 16)),
        ),
        (
            at(2025, 3, 6, 15, 0),
            DecisionOutcome::Positive,
            Some(date(2025, 4, 5)),
        ),
        // 23:30 UTC on 30 June 2024 is 00:30 BST on 1 July.
        (
            at(2024, 6, 30, 23, 30),
            DecisionOutcome::Positive,
            Some(date(2024, 7, 31)),
        ),
        (at(2025, 3, 6, 15, 0), DecisionOutcome::Negative, None),
        (at(2022, 6, 1, 10, 0), DecisionOutcome::Negative, None),
    ];
    for (decided_at, outcome, expected) in cases {
        let referral = with_reasonable_grounds(decided_at - days(2), outcome, decided_at);
        assert_eq!(
            referral.recovery_period_ends_on(),
            expected,
            "{outcome} at {decided_at}"
        );
    }
}

#[test]
fn days_from_reasonable_to_conclusive_grounds_counts_uk_calendar_days() {
    // (RG decided, CG decided, days)
    let cases = [
        (at(2025, 3, 6, 15, 0), at(2025, 3, 6, 15, 0), 0),
        (at(2025, 3, 6, 15, 0), at(2025, 9, 1, 12, 0), 179),
        (at(2023, 1, 10, 12, 0), at(2024, 8, 16, 12, 0), 584),
        // Across the start of summer time (see days_to_reasonable_grounds_counts_uk_calendar_days).
        (at(2025, 3, 29, 23, 30), at(2025, 3, 30, 23, 30), 2),
        (at(2025, 10, 25, 23, 30), at(2025, 10, 26, 23, 30), 0),
    ];
    for (rg_at, cg_at, expected) in cases {
        let mut referral = with_reasonable_grounds(rg_at, DecisionOutcome::Positive, rg_at);
        assert_eq!(
            referral.days_reasonable_to_conclusive_grounds(),
            None,
            "no CG yet"
        );
        referral
            .record_conclusive_grounds(DecisionOutcome::Negative, cg_at, now())
            .expect("valid CG");
        assert_eq!(
            referral.days_reasonable_to_conclusive_grounds(),
            Some(expected),
            "{rg_at} → {cg_at}"
        );
    }
}

#[test]
fn a_withdrawn_referral_has_no_recovery_period() {
    let mut referral = submitted_at(at(2025, 3, 3, 9, 0));
    referral
        .record_reasonable_grounds(DecisionOutcome::Positive, at(2025, 3, 6, 9, 0), now())
        .expect("decided");
    assert_eq!(referral.recovery_period_ends_on(), Some(date(2025, 4, 5)));
    referral
        .withdraw(at(2025, 3, 20, 9, 0), now())
        .expect("withdrawn");
    assert_eq!(referral.recovery_period_ends_on(), None);
}

#[test]
fn timeliness_is_measured_to_the_first_reasonable_grounds_decision() {
    // Negative on day 2 (within target), reconsidered and positive on day 40: the first decision
    // met the target; the current one is the reconsidered decision.
    let mut referral = with_reasonable_grounds(
        at(2025, 3, 3, 10, 0),
        DecisionOutcome::Negative,
        at(2025, 3, 5, 10, 0),
    );
    referral
        .request_reconsideration(at(2025, 3, 20, 10, 0), now())
        .expect("asked");
    referral
        .record_reasonable_grounds(DecisionOutcome::Positive, at(2025, 4, 12, 10, 0), now())
        .expect("reconsidered");
    let first = referral.first_reasonable_grounds.expect("kept");
    assert_eq!(first.outcome, DecisionOutcome::Negative);
    assert_eq!(first.decided_at, at(2025, 3, 5, 10, 0));
    assert_eq!(
        referral.reasonable_grounds.map(|d| d.outcome),
        Some(DecisionOutcome::Positive)
    );
    assert_eq!(referral.days_to_reasonable_grounds(), Some(2));
    assert_eq!(referral.reasonable_grounds_within_target(), Some(true));
    assert_eq!(referral.recovery_period_ends_on(), Some(date(2025, 5, 12)));
}

#[test]
fn the_due_date_is_five_working_days_or_45_days_for_a_devolved_panel() {
    let sca = submitted_at(at(2025, 4, 17, 10, 0));
    assert_eq!(
        sca.reasonable_grounds_due_on,
        date(2025, 4, 28),
        "over Easter"
    );
    let mut draft = referral_draft(at(2025, 3, 3, 9, 0));
    draft.competent_authority = CompetentAuthority::DdmPanel;
    let (panel, _) = NrmReferral::submit(
        ReferralId::generate(),
        &child(),
        draft,
        england_and_wales(),
        now(),
    )
    .expect("eligible");
    assert_eq!(panel.reasonable_grounds_due_on, date(2025, 4, 17));
    // A panel deciding on day 45 is within its target; on day 46 it is not.
    let mut on_time = panel.clone();
    on_time
        .record_reasonable_grounds(DecisionOutcome::Positive, at(2025, 4, 17, 16, 0), now())
        .expect("decided");
    assert_eq!(on_time.reasonable_grounds_within_target(), Some(true));
    let mut late = panel;
    late.record_reasonable_grounds(DecisionOutcome::Positive, at(2025, 4, 18, 9, 0), now())
        .expect("decided");
    assert_eq!(late.reasonable_grounds_within_target(), Some(false));
}

#[test]
fn a_referral_the_calendar_does_not_cover_is_refused_not_counted_on_weekends() {
    let short = BankHolidays::new([], date(2025, 1, 1), date(2025, 3, 5));
    let refused = NrmReferral::submit(
        ReferralId::generate(),
        &child(),
        referral_draft(at(2025, 3, 3, 9, 0)),
        &short,
        now(),
    );
    assert_eq!(
        refused.err().map(|errors| codes(&errors)
            .into_iter()
            .map(|(f, c)| (f.to_owned(), c))
            .collect::<Vec<_>>()),
        Some(vec![("referredAt".to_owned(), ErrorCode::OutOfRange)])
    );
}

#[test]
fn a_home_office_reference_is_letters_digits_slashes_and_dashes_up_to_30() {
    use stable_futures_domain::referral::HomeOfficeReference;
    for (text, stored) in [
        ("NRM/2025/000123", Some("NRM/2025/000123")),
        ("  nrm-1  ", Some("nrm-1")),
        ("A", Some("A")),
        (
            "123456789012345678901234567890",
            Some("123456789012345678901234567890"),
        ),
        ("1234567890123456789012345678901", None),
        ("", None),
        ("   ", None),
        ("NRM 2025", None),
        ("NRM_2025", None),
        ("NRMé", None),
    ] {
        let parsed = HomeOfficeReference::parse(text);
        assert_eq!(parsed.as_ref().ok().map(|r| r.as_str()), stored, "{text:?}");
        if let Err(error) = parsed {
            assert_eq!(error.field, "homeOfficeReference");
            assert_eq!(error.code, ErrorCode::InvalidFormat);
        }
    }
}
