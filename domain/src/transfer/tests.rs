//! The transfer's lifecycle as a table: every status against every action by every party.

use chrono::{Duration, TimeZone, Utc};

use super::*;

fn code(text: &str) -> LocalAuthorityCode {
    LocalAuthorityCode::parse(text).expect("a code")
}

const ISLINGTON: &str = "E09000019";
const CAMDEN: &str = "E09000007";
const GLASGOW: &str = "S12000049";
const BELFAST: &str = "N09000003";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 10, 0, 0)
        .single()
        .expect("a time")
}

fn offer(
    to: &str,
    reason: TransferReason,
    note: Option<&str>,
    days_from_today: i64,
) -> TransferOffer {
    TransferOffer {
        child_id: ChildId::generate(),
        to: code(to),
        reason,
        responsibility_from: uk_date(now()) + Duration::days(days_from_today),
        note: note.map(str::to_owned),
    }
}

fn summary() -> TransferChildSummary {
    TransferChildSummary {
        age_years: 16,
        age_disputed: false,
        open_referrals: true,
        open_guardian_assignments: false,
    }
}

/// The step taken, or a panic.
fn taken(acted: Result<Acted, FieldErrors>) -> Transfer {
    match acted.expect("acted") {
        Acted::Taken(transfer, _) => *transfer,
        Acted::AlreadyTaken => panic!("taken already"),
    }
}

fn offered() -> Transfer {
    let (transfer, event) = Transfer::offer(
        TransferId::generate(),
        &code(ISLINGTON),
        offer(CAMDEN, TransferReason::NationalTransferScheme, None, 7),
        summary(),
        |_| true,
        false,
        now(),
    )
    .expect("a valid offer");
    assert_eq!(event.status, TransferStatus::Offered);
    assert_eq!(event.transfer_id, transfer.id);
    transfer
}

fn codes(errors: &FieldErrors) -> Vec<(String, ErrorCode)> {
    errors.0.iter().map(|e| (e.field.clone(), e.code)).collect()
}

#[test]
fn an_offer_names_another_served_authority_a_date_near_today_and_why() {
    let transfer = offered();
    assert_eq!(transfer.status, TransferStatus::Offered);
    assert_eq!(transfer.version, 1);
    assert_eq!(
        (transfer.from.as_str(), transfer.to.as_str()),
        (ISLINGTON, CAMDEN)
    );
    assert_eq!(transfer.ended_at, None);

    let refused = |offer: TransferOffer, served: bool, open: bool| {
        let errors = Transfer::offer(
            TransferId::generate(),
            &code(ISLINGTON),
            offer,
            summary(),
            |_| served,
            open,
            now(),
        )
        .expect_err("refused");
        codes(&errors)
    };
    let ok = |offer: TransferOffer| {
        Transfer::offer(
            TransferId::generate(),
            &code(ISLINGTON),
            offer,
            summary(),
            |_| true,
            false,
            now(),
        )
        .is_ok()
    };
    let nts = TransferReason::NationalTransferScheme;
    assert_eq!(
        refused(offer(ISLINGTON, nts, None, 0), true, false),
        vec![("toLocalAuthority".to_owned(), ErrorCode::OutOfRange)]
    );
    assert_eq!(
        refused(offer(CAMDEN, nts, None, 0), false, false),
        vec![("toLocalAuthority".to_owned(), ErrorCode::NotFound)]
    );
    assert_eq!(
        refused(offer(CAMDEN, nts, None, 0), true, true),
        vec![("childId".to_owned(), ErrorCode::InvalidTransition)]
    );
    // Another reason must be said; blank is not said.
    assert_eq!(
        refused(
            offer(CAMDEN, TransferReason::Other, Some("  "), 0),
            true,
            false
        ),
        vec![("note".to_owned(), ErrorCode::Required)]
    );
    assert!(ok(offer(
        CAMDEN,
        TransferReason::Other,
        Some("kinship care"),
        0
    )));
    let long = "x".repeat(MAX_NOTE_CHARS + 1);
    assert_eq!(
        refused(offer(CAMDEN, nts, Some(&long), 0), true, false),
        vec![("note".to_owned(), ErrorCode::TooLong)]
    );
    assert!(ok(offer(CAMDEN, nts, Some(&"x".repeat(MAX_NOTE_CHARS)), 0)));
    // The date of responsibility: at the bounds and one day past them.
    assert!(ok(offer(CAMDEN, nts, None, -MOST_DAYS_BACKDATED)));
    assert!(ok(offer(CAMDEN, nts, None, MOST_DAYS_AHEAD)));
    for days in [-MOST_DAYS_BACKDATED - 1, MOST_DAYS_AHEAD + 1] {
        assert_eq!(
            refused(offer(CAMDEN, nts, None, days), true, false),
            vec![("responsibilityFrom".to_owned(), ErrorCode::OutOfRange)],
            "{days}"
        );
    }
    // Everything wrong at once is said at once.
    assert_eq!(
        refused(
            offer(ISLINGTON, TransferReason::Other, None, 400),
            true,
            true
        )
        .len(),
        4
    );
}

#[test]
fn the_lifecycle_table() {
    use TransferAction::*;
    use TransferStatus::*;
    let later = now() + Duration::hours(1);
    let islington = code(ISLINGTON);
    let camden = code(CAMDEN);
    let elsewhere = code(GLASGOW);
    for status in TransferStatus::ALL {
        for action in [Accept, Decline, Withdraw] {
            for by in [&islington, &camden, &elsewhere] {
                let transfer = Transfer {
                    status: *status,
                    ..offered()
                };
                let result = transfer.act(action, by, 1, Some("a reason".into()), later);
                let party = match action {
                    Accept | Decline => &camden,
                    Withdraw => &islington,
                };
                match result {
                    Ok(Acted::AlreadyTaken) => panic!("{status:?} {action:?}: not a retry"),
                    Ok(Acted::Taken(done, event)) => {
                        assert_eq!((*status, by), (Offered, party), "{action:?}");
                        assert_eq!(done.status, action.outcome());
                        assert_eq!(event.status, action.outcome());
                        assert_eq!(event.at, later);
                        assert_eq!(done.version, 2);
                        assert_eq!(done.ended_at, Some(later));
                        assert_eq!(done.decline_note.is_some(), action == Decline);
                        assert_eq!((done.id, done.child_id), (transfer.id, transfer.child_id));
                    }
                    Err(errors) => {
                        let expected = if by != party {
                            ErrorCode::NotFound
                        } else {
                            assert_ne!(*status, Offered, "{action:?} by its party");
                            ErrorCode::InvalidTransition
                        };
                        assert_eq!(
                            errors.0.iter().map(|e| e.code).collect::<Vec<_>>(),
                            vec![expected],
                            "{status:?} {action:?} by {by:?}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn an_action_needs_the_version_read_a_time_after_the_offer_and_a_decline_its_reason() {
    let transfer = offered();
    let camden = code(CAMDEN);
    let later = now() + Duration::minutes(5);
    let errors = transfer
        .act(TransferAction::Accept, &camden, 2, None, later)
        .expect_err("stale");
    assert_eq!(
        codes(&errors),
        vec![("expectedVersion".to_owned(), ErrorCode::StaleVersion)]
    );
    let errors = transfer
        .act(TransferAction::Decline, &camden, 1, Some(" ".into()), later)
        .expect_err("no reason");
    assert_eq!(
        codes(&errors),
        vec![("note".to_owned(), ErrorCode::Required)]
    );
    let declined = taken(transfer.act(
        TransferAction::Decline,
        &camden,
        1,
        Some(" no placement ".into()),
        later,
    ));
    assert_eq!(declined.decline_note.as_deref(), Some("no placement"));
    let errors = transfer
        .act(
            TransferAction::Accept,
            &camden,
            1,
            None,
            now() - Duration::seconds(1),
        )
        .expect_err("before the offer");
    assert_eq!(
        codes(&errors),
        vec![("transferId".to_owned(), ErrorCode::BeforePrecedingEvent)]
    );
    // At the very moment of the offer is not before it.
    assert!(transfer
        .act(TransferAction::Accept, &camden, 1, None, now())
        .is_ok());
    let errors = transfer
        .act(
            TransferAction::Accept,
            &camden,
            1,
            Some("x".repeat(MAX_NOTE_CHARS + 1)),
            later,
        )
        .expect_err("too long");
    assert_eq!(
        codes(&errors),
        vec![("note".to_owned(), ErrorCode::TooLong)]
    );
}

#[test]
fn a_guardian_continues_within_one_service_only() {
    let continues = |from: &str, to: &str| guardian_continues(&code(from), &code(to));
    assert!(continues(ISLINGTON, CAMDEN));
    assert!(continues(ISLINGTON, "W06000015"));
    assert!(continues(GLASGOW, "S12000036"));
    assert!(!continues(ISLINGTON, GLASGOW));
    assert!(!continues(GLASGOW, ISLINGTON));
    assert!(!continues(ISLINGTON, BELFAST));
    assert!(!continues(BELFAST, GLASGOW));
}

#[test]
fn the_same_step_asked_again_is_answered_without_a_second_step() {
    let camden = code(CAMDEN);
    let islington = code(ISLINGTON);
    let later = now() + Duration::minutes(5);
    let transfer = offered();
    let accepted = taken(transfer.act(TransferAction::Accept, &camden, 1, None, later));
    // The retry carries the version it read before the first attempt.
    assert_eq!(
        accepted.act(
            TransferAction::Accept,
            &camden,
            1,
            None,
            later + Duration::seconds(3)
        ),
        Ok(Acted::AlreadyTaken)
    );
    // Not a retry: the version after the step, another step, another party.
    let code_of = |acted: Result<Acted, FieldErrors>| {
        acted
            .expect_err("refused")
            .0
            .iter()
            .map(|e| e.code)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        code_of(accepted.act(TransferAction::Accept, &camden, 2, None, later)),
        vec![ErrorCode::InvalidTransition]
    );
    assert_eq!(
        code_of(accepted.act(
            TransferAction::Decline,
            &camden,
            1,
            Some("no".into()),
            later
        )),
        vec![ErrorCode::StaleVersion, ErrorCode::InvalidTransition]
    );
    assert_eq!(
        code_of(accepted.act(TransferAction::Accept, &islington, 1, None, later)),
        vec![ErrorCode::NotFound]
    );
    assert_eq!(
        code_of(accepted.act(TransferAction::Accept, &camden, 0, None, later)),
        vec![ErrorCode::StaleVersion, ErrorCode::InvalidTransition]
    );
    let withdrawn = taken(transfer.act(TransferAction::Withdraw, &islington, 1, None, later));
    assert_eq!(
        withdrawn.act(TransferAction::Withdraw, &islington, 1, None, later),
        Ok(Acted::AlreadyTaken)
    );
    assert_eq!(
        transfer
            .act(TransferAction::Withdraw, &islington, i32::MAX, None, later)
            .map(|_| ()),
        Err(FieldErrors::from(FieldError::new(
            "expectedVersion",
            ErrorCode::StaleVersion,
            "the transfer changed since it was read"
        )))
    );
}

#[test]
fn the_timeline_is_the_offer_then_how_it_ended() {
    let transfer = offered();
    let statuses = |t: &Transfer| {
        t.timeline()
            .iter()
            .map(|e| (e.status, e.at, e.transfer_id))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        statuses(&transfer),
        vec![(TransferStatus::Offered, now(), transfer.id)]
    );
    let later = now() + Duration::days(2);
    let declined = taken(transfer.act(
        TransferAction::Decline,
        &code(CAMDEN),
        1,
        Some("no placement".into()),
        later,
    ));
    assert_eq!(
        statuses(&declined),
        vec![
            (TransferStatus::Offered, now(), transfer.id),
            (TransferStatus::Declined, later, transfer.id)
        ]
    );
    assert!(transfer.is_party(&code(ISLINGTON)));
    assert!(transfer.is_party(&code(CAMDEN)));
    assert!(!transfer.is_party(&code(GLASGOW)));
}
