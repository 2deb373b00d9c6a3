//! Independent guardians: which roles each service has, and a request's life from requested to
//! assigned to ended.

mod common;

use chrono::{DateTime, Utc};
use common::{at, days, minutes, now, seconds};
use stable_futures_domain::error::{ErrorCode, FieldError};
use stable_futures_domain::guardian::{
    AssignmentEndReason, AssignmentStatus, GuardianAssignment, GuardianRole, GuardianService,
};
use stable_futures_domain::ids::{AssignmentId, ChildId};

use ErrorCode as E;
use GuardianRole as R;
use GuardianService as G;

fn requested() -> DateTime<Utc> {
    at(2025, 3, 4, 9, 0)
}
fn assigned() -> DateTime<Utc> {
    at(2025, 3, 11, 14, 0)
}
fn later() -> DateTime<Utc> {
    at(2025, 12, 1, 12, 0)
}

fn request_for(
    service: GuardianService,
    role: GuardianRole,
    open: &[GuardianService],
) -> Result<GuardianAssignment, FieldError> {
    GuardianAssignment::request(
        AssignmentId::generate(),
        ChildId::generate(),
        service,
        role,
        requested(),
        open,
        now(),
    )
}

/// An open ICTG request for a direct worker.
fn requested_assignment() -> GuardianAssignment {
    request_for(G::Ictg, R::DirectWorker, &[]).expect("valid request")
}

fn assigned_assignment() -> GuardianAssignment {
    let mut assignment = requested_assignment();
    assignment
        .assign(assigned(), None, now())
        .expect("valid assignment");
    assignment
}

fn code_and_field(error: &FieldError) -> (&str, ErrorCode) {
    (error.field.as_str(), error.code)
}

/// Which roles each service has: ICTG its four, Scotland and Northern Ireland a single guardian role.
fn compatibility_table() -> Vec<(GuardianService, GuardianRole, bool)> {
    vec![
        (G::Ictg, R::DirectWorker, true),
        (G::Ictg, R::RegionalPracticeCoordinator, true),
        (G::Ictg, R::RegionalPractitioner, true),
        (G::Ictg, R::Post18Worker, true),
        (G::Ictg, R::Guardian, false),
        (G::GuardianshipScotland, R::DirectWorker, false),
        (
            G::GuardianshipScotland,
            R::RegionalPracticeCoordinator,
            false,
        ),
        (G::GuardianshipScotland, R::RegionalPractitioner, false),
        (G::GuardianshipScotland, R::Post18Worker, false),
        (G::GuardianshipScotland, R::Guardian, true),
        (G::NiIndependentGuardian, R::DirectWorker, false),
        (
            G::NiIndependentGuardian,
            R::RegionalPracticeCoordinator,
            false,
        ),
        (G::NiIndependentGuardian, R::RegionalPractitioner, false),
        (G::NiIndependentGuardian, R::Post18Worker, false),
        (G::NiIndependentGuardian, R::Guardian, true),
    ]
}

#[test]
fn compatibility_table_covers_every_service_and_role_exactly_once() {
    let table = compatibility_table();
    assert_eq!(table.len(), G::ALL.len() * R::ALL.len());
    for service in G::ALL {
        for role in R::ALL {
            let rows = table
                .iter()
                .filter(|(s, r, _)| s == service && r == role)
                .count();
            assert_eq!(rows, 1, "{service} × {role}");
        }
    }
}

#[test]
fn each_service_offers_exactly_its_own_roles() {
    for (service, role, offered) in compatibility_table() {
        assert_eq!(service.offers(role), offered, "{service} × {role}");
    }
}

#[test]
fn a_request_is_accepted_only_for_a_role_the_service_offers() {
    for (service, role, offered) in compatibility_table() {
        let result = request_for(service, role, &[]);
        if offered {
            let assignment = result.unwrap_or_else(|error| panic!("{service} × {role}: {error}"));
            assert_eq!((assignment.service, assignment.role), (service, role));
        } else {
            let error = result.expect_err(&format!("{service} × {role}"));
            assert_eq!(
                code_and_field(&error),
                ("role", E::RoleNotOfferedByService),
                "{service} × {role}"
            );
        }
    }
}

#[test]
fn an_assignment_may_change_the_role_only_to_one_the_service_offers() {
    for (service, role, offered) in compatibility_table() {
        let first_role = if service == G::Ictg {
            R::DirectWorker
        } else {
            R::Guardian
        };
        let mut assignment = request_for(service, first_role, &[]).expect("valid request");
        let before = assignment.clone();
        let result = assignment.assign(assigned(), Some(role), now());
        if offered {
            result.unwrap_or_else(|error| panic!("{service} × {role}: {error}"));
            assert_eq!(assignment.role, role);
            assert_eq!(assignment.status, AssignmentStatus::Assigned);
        } else {
            let error = result.expect_err(&format!("{service} × {role}"));
            assert_eq!(
                code_and_field(&error),
                ("role", E::RoleNotOfferedByService),
                "{service} × {role}"
            );
            assert_eq!(assignment, before, "a refused assignment changes nothing");
        }
    }
}

#[test]
fn assigning_without_a_role_keeps_the_role_requested() {
    let mut assignment = request_for(G::Ictg, R::RegionalPracticeCoordinator, &[]).expect("valid");
    assignment
        .assign(assigned(), None, now())
        .expect("assigned");
    assert_eq!(assignment.role, R::RegionalPracticeCoordinator);
}

#[test]
fn a_new_request_starts_requested_with_nothing_else_recorded() {
    let id = AssignmentId::generate();
    let child_id = ChildId::generate();
    let assignment = GuardianAssignment::request(
        id,
        child_id,
        G::GuardianshipScotland,
        R::Guardian,
        requested(),
        &[],
        now(),
    )
    .expect("valid");
    assert_eq!(
        assignment,
        GuardianAssignment {
            recorded_by_local_authority: None,
            id,
            child_id,
            service: G::GuardianshipScotland,
            role: R::Guardian,
            status: AssignmentStatus::Requested,
            requested_at: requested(),
            assigned_at: None,
            ended_at: None,
            end_reason: None,
            version: 1,
        }
    );
    assert!(assignment.is_open());
    assert_eq!(assignment.days_to_assignment(), None);
}

#[test]
fn a_child_has_at_most_one_open_request_or_assignment_per_service() {
    // (services already open for the child, service requested, accepted)
    let cases: Vec<(Vec<GuardianService>, GuardianService, bool)> = vec![
        (vec![], G::Ictg, true),
        (vec![G::Ictg], G::Ictg, false),
        (vec![G::GuardianshipScotland], G::Ictg, true),
        (
            vec![G::GuardianshipScotland, G::NiIndependentGuardian],
            G::Ictg,
            true,
        ),
        (vec![G::NiIndependentGuardian, G::Ictg], G::Ictg, false),
        (vec![G::Ictg], G::NiIndependentGuardian, true),
        (
            vec![G::NiIndependentGuardian],
            G::NiIndependentGuardian,
            false,
        ),
    ];
    for (open, service, accepted) in cases {
        let role = if service == G::Ictg {
            R::DirectWorker
        } else {
            R::Guardian
        };
        let result = request_for(service, role, &open);
        if accepted {
            assert!(result.is_ok(), "{service} with {open:?} open");
        } else {
            let error = result.expect_err(&format!("{service} with {open:?} open"));
            assert_eq!(code_and_field(&error), ("service", E::OpenAssignmentExists));
        }
    }
}

#[test]
fn instants_more_than_five_minutes_ahead_of_the_clock_are_in_the_future() {
    let far = now() + minutes(5) + seconds(1);
    let edge = now() + minutes(5);

    let result = GuardianAssignment::request(
        AssignmentId::generate(),
        ChildId::generate(),
        G::Ictg,
        R::DirectWorker,
        far,
        &[],
        now(),
    );
    assert_eq!(
        result.map_err(|e| (e.field, e.code)),
        Err(("requestedAt".to_owned(), E::InFuture))
    );
    let result = GuardianAssignment::request(
        AssignmentId::generate(),
        ChildId::generate(),
        G::Ictg,
        R::DirectWorker,
        edge,
        &[],
        now(),
    );
    assert!(result.is_ok(), "within the clock-skew allowance");

    let mut assignment = requested_assignment();
    let error = assignment
        .assign(far, None, now())
        .expect_err("future assignment");
    assert_eq!(code_and_field(&error), ("assignedAt", E::InFuture));
    assignment
        .assign(edge, None, now())
        .expect("within the allowance");

    let mut assignment = assigned_assignment();
    let error = assignment
        .end(far, AssignmentEndReason::SupportCompleted, now())
        .expect_err("future end");
    assert_eq!(code_and_field(&error), ("endedAt", E::InFuture));
    assignment
        .end(edge, AssignmentEndReason::SupportCompleted, now())
        .expect("within the allowance");
}

#[test]
fn a_guardian_cannot_be_assigned_before_the_request_but_may_be_at_the_same_instant() {
    for too_early in [requested() - seconds(1), requested() - days(3)] {
        let mut assignment = requested_assignment();
        let before = assignment.clone();
        let error = assignment
            .assign(too_early, None, now())
            .expect_err("before request");
        assert_eq!(
            code_and_field(&error),
            ("assignedAt", E::BeforePrecedingEvent),
            "{too_early}"
        );
        assert_eq!(assignment, before);
    }
    let mut assignment = requested_assignment();
    assignment
        .assign(requested(), None, now())
        .expect("same instant");
    assert_eq!(assignment.status, AssignmentStatus::Assigned);
    assert_eq!(assignment.assigned_at, Some(requested()));
    assert_eq!(assignment.days_to_assignment(), Some(0));
}

#[test]
fn assigning_twice_is_refused_as_already_assigned() {
    let mut assignment = assigned_assignment();
    let before = assignment.clone();
    let error = assignment
        .assign(later(), Some(R::RegionalPractitioner), now())
        .expect_err("second assignment");
    assert_eq!(code_and_field(&error), ("assignmentId", E::AlreadyAssigned));
    assert_eq!(assignment, before);
}

#[test]
fn an_ended_request_or_assignment_cannot_be_assigned() {
    for mut assignment in [requested_assignment(), assigned_assignment()] {
        assignment
            .end(
                at(2025, 4, 1, 9, 0),
                AssignmentEndReason::MovedOutOfArea,
                now(),
            )
            .expect("ended");
        let before = assignment.clone();
        let error = assignment
            .assign(later(), None, now())
            .expect_err("assign after end");
        assert_eq!(code_and_field(&error), ("assignmentId", E::AlreadyEnded));
        assert_eq!(assignment, before);
    }
}

#[test]
fn an_assignment_cannot_end_before_it_was_assigned_but_may_at_the_same_instant() {
    // After the request but before the assignment.
    for too_early in [assigned() - seconds(1), requested()] {
        let mut assignment = assigned_assignment();
        let before = assignment.clone();
        let error = assignment
            .end(too_early, AssignmentEndReason::SupportCompleted, now())
            .expect_err("end before assignment");
        assert_eq!(
            code_and_field(&error),
            ("endedAt", E::BeforePrecedingEvent),
            "{too_early}"
        );
        assert_eq!(assignment, before);
    }
    let mut assignment = assigned_assignment();
    assignment
        .end(assigned(), AssignmentEndReason::YoungPersonDeclined, now())
        .expect("same instant");
    assert_eq!(assignment.ended_at, Some(assigned()));
}

#[test]
fn ending_twice_is_refused_as_already_ended() {
    for mut assignment in [requested_assignment(), assigned_assignment()] {
        assignment
            .end(
                at(2025, 6, 1, 9, 0),
                AssignmentEndReason::ReachedAdulthood,
                now(),
            )
            .expect("first end");
        let before = assignment.clone();
        let error = assignment
            .end(later(), AssignmentEndReason::Other, now())
            .expect_err("second end");
        assert_eq!(code_and_field(&error), ("assignmentId", E::AlreadyEnded));
        assert_eq!(assignment, before);
    }
}

#[test]
fn a_request_never_taken_up_can_be_closed_but_not_before_it_was_made() {
    let mut assignment = requested_assignment();
    let error = assignment
        .end(
            requested() - seconds(1),
            AssignmentEndReason::RequestWithdrawn,
            now(),
        )
        .expect_err("before request");
    assert_eq!(code_and_field(&error), ("endedAt", E::BeforePrecedingEvent));

    assignment
        .end(requested(), AssignmentEndReason::RequestWithdrawn, now())
        .expect("closed at the request instant");
    assert_eq!(assignment.status, AssignmentStatus::Ended);
    assert_eq!(assignment.assigned_at, None);
    assert_eq!(assignment.ended_at, Some(requested()));
    assert_eq!(
        assignment.end_reason,
        Some(AssignmentEndReason::RequestWithdrawn)
    );
    assert_eq!(assignment.days_to_assignment(), None, "never assigned");
    assert!(!assignment.is_open());
}

#[test]
fn every_end_reason_is_recorded_as_given() {
    for reason in AssignmentEndReason::ALL.iter().copied() {
        let mut assignment = assigned_assignment();
        assignment.end(later(), reason, now()).expect("ended");
        assert_eq!(assignment.status, AssignmentStatus::Ended);
        assert_eq!(assignment.end_reason, Some(reason));
        assert_eq!(assignment.ended_at, Some(later()));
        assert_eq!(
            assignment.assigned_at,
            Some(assigned()),
            "the assignment instant is kept"
        );
        assert!(!assignment.is_open());
    }
}

#[test]
fn an_assigned_guardian_is_still_open() {
    let assignment = assigned_assignment();
    assert_eq!(assignment.status, AssignmentStatus::Assigned);
    assert!(assignment.is_open());
}

#[test]
fn days_to_assignment_counts_uk_calendar_days() {
    // (requested, assigned, days)
    let cases = [
        (at(2025, 3, 4, 9, 0), at(2025, 3, 4, 17, 0), 0),
        (at(2025, 3, 4, 9, 0), at(2025, 3, 11, 14, 0), 7),
        (at(2024, 12, 20, 9, 0), at(2025, 1, 6, 9, 0), 17),
        // 23:30 UTC 29 March is 23:30 GMT; 23:30 UTC 30 March is 00:30 BST on the 31st.
        (at(2025, 3, 29, 23, 30), at(2025, 3, 30, 23, 30), 2),
        // 23:30 UTC 25 October is 00:30 BST on the 26th; 23:30 UTC 26 October is 23:30 GMT.
        (at(2025, 10, 25, 23, 30), at(2025, 10, 26, 23, 30), 0),
        // In summer, 23:00 UTC is already the next UK day.
        (at(2025, 7, 1, 22, 59), at(2025, 7, 1, 23, 0), 1),
    ];
    for (requested_at, assigned_at, expected) in cases {
        let mut assignment = GuardianAssignment::request(
            AssignmentId::generate(),
            ChildId::generate(),
            G::Ictg,
            R::DirectWorker,
            requested_at,
            &[],
            now(),
        )
        .expect("valid request");
        assignment
            .assign(assigned_at, None, now())
            .expect("valid assignment");
        assert_eq!(
            assignment.days_to_assignment(),
            Some(expected),
            "{requested_at} → {assigned_at}"
        );
    }
}

#[test]
fn days_from_referral_to_assignment_counts_uk_calendar_days() {
    let assignment = assigned_assignment(); // assigned 11 March 2025, 14:00 UTC
    assert_eq!(
        assignment.days_from_referral_to_assignment(at(2025, 3, 3, 10, 0)),
        Some(8)
    );
    assert_eq!(
        assignment.days_from_referral_to_assignment(at(2025, 3, 11, 0, 0)),
        Some(0)
    );
    assert_eq!(
        assignment.days_from_referral_to_assignment(at(2025, 3, 12, 10, 0)),
        Some(-1)
    );
    assert_eq!(
        requested_assignment().days_from_referral_to_assignment(at(2025, 3, 3, 10, 0)),
        None
    );
}
