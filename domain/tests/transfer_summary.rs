//! What the receiving authority sees of a child before it accepts: age, whether a referral awaits
//! a decision, whether a guardian is requested or assigned — from the child's records.

mod common;

use common::{child_born, date, now, submitted_at};
use stable_futures_domain::guardian::{
    AssignmentEndReason, GuardianAssignment, GuardianRole, GuardianService,
};
use stable_futures_domain::ids::AssignmentId;
use stable_futures_domain::referral::{NrmReferral, ReferralStatus};
use stable_futures_domain::transfer::TransferChildSummary;

fn referral_in(status: ReferralStatus, reconsideration_asked: bool) -> NrmReferral {
    NrmReferral {
        status,
        reconsideration_requested_at: reconsideration_asked.then(now),
        ..submitted_at(now())
    }
}

#[test]
fn age_is_whole_years_on_the_day_and_a_dispute_is_said() {
    let child = child_born(date(2010, 6, 15), false);
    let age = |day| TransferChildSummary::of(&child, &[], &[], day).age_years;
    assert_eq!(age(date(2026, 6, 14)), 15);
    assert_eq!(age(date(2026, 6, 15)), 16);
    assert_eq!(age(date(2026, 12, 31)), 16);
    assert_eq!(age(date(2027, 1, 1)), 16);
    // Born on 29 February: a year older on 1 March in a year without one.
    let leapling = child_born(date(2008, 2, 29), true);
    assert_eq!(leapling.age_on(date(2026, 2, 28)), 17);
    assert_eq!(leapling.age_on(date(2026, 3, 1)), 18);
    let summary = TransferChildSummary::of(&leapling, &[], &[], date(2026, 3, 1));
    assert!(summary.age_disputed);
    assert!(!summary.open_referrals);
    assert!(!summary.open_guardian_assignments);
}

#[test]
fn a_referral_is_open_while_it_awaits_a_decision() {
    let child = child_born(date(2010, 6, 15), false);
    let open = |referral: NrmReferral| {
        TransferChildSummary::of(&child, &[referral], &[], date(2026, 6, 1)).open_referrals
    };
    assert!(open(referral_in(ReferralStatus::Submitted, false)));
    assert!(open(referral_in(ReferralStatus::RgPositive, false)));
    assert!(!open(referral_in(ReferralStatus::RgNegative, false)));
    assert!(open(referral_in(ReferralStatus::RgNegative, true)));
    assert!(!open(referral_in(ReferralStatus::CgNegative, false)));
    assert!(open(referral_in(ReferralStatus::CgNegative, true)));
    assert!(!open(referral_in(ReferralStatus::CgPositive, false)));
    assert!(!open(referral_in(ReferralStatus::Withdrawn, false)));
    // One open among closed ones is enough.
    let referrals = [
        referral_in(ReferralStatus::Withdrawn, false),
        referral_in(ReferralStatus::Submitted, false),
    ];
    assert!(TransferChildSummary::of(&child, &referrals, &[], date(2026, 6, 1)).open_referrals);
}

#[test]
fn a_guardian_is_open_until_the_assignment_ends() {
    let child = child_born(date(2010, 6, 15), false);
    let mut assignment = GuardianAssignment::request(
        AssignmentId::generate(),
        child.id,
        GuardianService::Ictg,
        GuardianRole::DirectWorker,
        now(),
        &[],
        now(),
    )
    .expect("a request");
    let open = |assignment: &GuardianAssignment| {
        TransferChildSummary::of(
            &child,
            &[],
            std::slice::from_ref(assignment),
            date(2026, 6, 1),
        )
        .open_guardian_assignments
    };
    assert!(open(&assignment));
    assignment.assign(now(), None, now()).expect("assigned");
    assert!(open(&assignment));
    assignment
        .end(now(), AssignmentEndReason::SupportCompleted, now())
        .expect("ended");
    assert!(!open(&assignment));
}
