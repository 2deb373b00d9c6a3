//! A small synthetic dataset for the development server: clearly fictional, never real children.

mod cohort;

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use diesel_async::AsyncPgConnection;
use stable_futures_domain::audit::AuditContext;
use stable_futures_domain::child::{ChildDraft, Gender, ImmigrationStatus, LocalChildId};
use stable_futures_domain::guardian::{GuardianRequest, GuardianRole, GuardianService};
use stable_futures_domain::local_authority::{LocalAuthority, LocalAuthorityCode};
use stable_futures_domain::outcomes::MeasurementDraft;
use stable_futures_domain::principal::{Principal, Scope};
use stable_futures_domain::referral::{
    CompetentAuthority, DecisionOutcome, ExploitationLocation, ExploitationType,
    FirstResponderType, ReferralDraft,
};

use stable_futures_domain::transfer::{TransferOffer, TransferReason};

use crate::database::Database;
use crate::error::{PersistenceError, Result};
use crate::local_authorities::upsert_local_authority;
use crate::transfers::TransferDirection;

/// The local authorities of the demo dataset.
pub const DEMO_AUTHORITIES: [(&str, &str); 2] =
    [("E09000019", "Islington"), ("E09000007", "Camden")];

/// Registers the demo local authorities. Needs the owner's connection.
pub async fn register_demo_authorities(owner: &mut AsyncPgConnection) -> Result<()> {
    for (code, name) in DEMO_AUTHORITIES {
        let code = LocalAuthorityCode::parse(code).map_err(|_| PersistenceError::NotFound)?;
        upsert_local_authority(
            owner,
            &LocalAuthority {
                code,
                name: name.to_owned(),
            },
        )
        .await?;
    }
    Ok(())
}

const TURNING_18_ID: &str = "DEMO0005";

/// A young person about to turn 18 (dated from today), referred three days ago, whose last
/// three measurements were made without them: with the children above, the worklist shows an
/// item of every kind.
async fn load_turning_18(
    db: &crate::database::TenantDb,
    framework: &stable_futures_domain::outcomes::OutcomeFramework,
    now: DateTime<Utc>,
    audit: &AuditContext,
) -> Result<()> {
    let today = stable_futures_domain::calendar::uk_date(now);
    let date_of_birth = today
        .checked_sub_months(chrono::Months::new(18 * 12))
        .and_then(|date| date.checked_add_days(chrono::Days::new(40)));
    let details = ChildDraft {
        local_child_id: TURNING_18_ID.to_owned(),
        date_of_birth,
        gender: Some(Gender::Female),
        nationalities: vec!["VNM".to_owned()],
        languages: vec!["vi".to_owned()],
        interpreter_required: true,
        immigration_status: Some(ImmigrationStatus::AsylumClaimPending),
        ..ChildDraft::default()
    }
    .validate(today)
    .map_err(PersistenceError::Invalid)?;
    let child = db.register_child(details, now, audit, None).await?;
    db.submit_referral(
        child.id,
        ReferralDraft {
            referred_at: now - Duration::days(3),
            first_responder_type: FirstResponderType::LocalAuthority,
            first_responder_name: "Demo children's services".to_owned(),
            county_lines: false,
            exploitation_types: vec![ExploitationType::Labour],
            exploitation_location: ExploitationLocation::Uk,
            competent_authority: CompetentAuthority::Sca,
        },
        now,
        audit,
        None,
    )
    .await?;
    for (k, outcome) in framework.outcomes().take(3).enumerate() {
        db.record_measurement(
            child.id,
            MeasurementDraft {
                outcome_key: outcome.key.clone(),
                observed_at: now - Duration::days(2)
                    + Duration::minutes(i64::try_from(k).unwrap_or(0)),
                young_person_participated: false,
                young_person_rating: None,
                young_person_words: None,
                practitioner_rating: Some(2),
                practitioner_note: None,
                indicators_met: Vec::new(),
                supersedes: None,
            },
            now,
            audit,
            None,
        )
        .await?;
    }
    Ok(())
}

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 10, 0, 0)
        .single()
        .unwrap_or_else(Utc::now)
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Loads the synthetic children of each demo authority unless that authority already has
/// children. Local child ids start with `DEMO` so that nobody mistakes them for real records.
pub async fn load_demo_data(database: &Database) -> Result<()> {
    let now = Utc::now();
    for (index, (code, _)) in DEMO_AUTHORITIES.iter().enumerate() {
        let db = database.for_principal(Arc::new(demo_principal(code)?));
        let audit = AuditContext::new("load-demo-data", None, None);
        let framework = database.current_framework().await?;
        // Added to the demo data later than the others: loaded into older data directories too.
        let turning_18 = LocalChildId::parse(TURNING_18_ID).map_err(PersistenceError::from)?;
        if db.child_by_local_id(&turning_18).await?.is_none() {
            load_turning_18(&db, &framework, now, &audit).await?;
        }
        cohort::load(&db, &framework, &audit).await?;
        // The first four children (with the one above, and the cohort, loaded afterwards into
        // older data directories).
        if db
            .child_by_local_id(&LocalChildId::parse("DEMO0001").map_err(PersistenceError::from)?)
            .await?
            .is_some()
        {
            continue;
        }
        let offset = i32::try_from(index).unwrap_or(0);
        let children = [
            (
                "DEMO0001",
                date(2010, 3, 14),
                false,
                vec!["VNM"],
                vec!["vi"],
                true,
                Some(ImmigrationStatus::UnaccompaniedAsylumSeekingChild),
            ),
            (
                "DEMO0002",
                date(2009, 11, 2),
                true,
                vec!["ALB"],
                vec!["sq"],
                true,
                Some(ImmigrationStatus::AsylumClaimPending),
            ),
            (
                "DEMO0003",
                date(2011, 6, 30),
                false,
                vec!["GBR"],
                vec!["en"],
                false,
                Some(ImmigrationStatus::BritishOrIrishCitizen),
            ),
            (
                "DEMO0004",
                date(2012 - offset, 1, 9),
                false,
                vec!["ERI"],
                vec!["ti"],
                true,
                Some(ImmigrationStatus::RefugeeStatus),
            ),
        ];
        for (n, (local_id, dob, disputed, nationalities, languages, interpreter, immigration)) in
            children.into_iter().enumerate()
        {
            let details = ChildDraft {
                local_child_id: local_id.to_owned(),
                date_of_birth: dob,
                date_of_birth_estimated: disputed,
                age_disputed: disputed,
                gender: Some(if n % 2 == 0 {
                    Gender::Male
                } else {
                    Gender::Female
                }),
                nationalities: nationalities.into_iter().map(str::to_owned).collect(),
                languages: languages.into_iter().map(str::to_owned).collect(),
                interpreter_required: interpreter,
                immigration_status: immigration,
                ..ChildDraft::default()
            }
            .validate(now.date_naive())
            .map_err(PersistenceError::Invalid)?;
            let child = db.register_child(details, now, &audit, None).await?;
            let referred_at = at(2025, 9, 1 + u32::try_from(n).unwrap_or(0) * 3);
            let types = match n {
                0 => vec![ExploitationType::Labour],
                1 => vec![ExploitationType::Sexual],
                2 => vec![ExploitationType::Criminal],
                _ => vec![
                    ExploitationType::DomesticServitude,
                    ExploitationType::Labour,
                ],
            };
            let referral = db
                .submit_referral(
                    child.id,
                    ReferralDraft {
                        referred_at,
                        first_responder_type: FirstResponderType::LocalAuthority,
                        first_responder_name: "Demo children's services".to_owned(),
                        county_lines: n == 2,
                        exploitation_types: types,
                        exploitation_location: ExploitationLocation::UkAndOverseas,
                        competent_authority: if n == 2 {
                            CompetentAuthority::DdmPanel
                        } else {
                            CompetentAuthority::Sca
                        },
                    },
                    now,
                    &audit,
                    None,
                )
                .await?;
            if n < 3 {
                let outcome = if n == 1 {
                    DecisionOutcome::Negative
                } else {
                    DecisionOutcome::Positive
                };
                let decided_at =
                    referred_at + Duration::days(4 + i64::try_from(n).unwrap_or(0) * 3);
                let updated = db
                    .transition_referral(referral.id, referral.version, now, &audit, move |r| {
                        r.record_reasonable_grounds(outcome, decided_at, now)
                    })
                    .await?;
                if n == 1 {
                    // New evidence after the negative decision: waiting for the reconsidered one.
                    let asked_at = decided_at + Duration::days(10);
                    db.transition_referral(updated.id, updated.version, now, &audit, move |r| {
                        r.request_reconsideration(asked_at, now)
                    })
                    .await?;
                }
                if n == 0 {
                    let cg_at = decided_at + Duration::days(120);
                    db.transition_referral(updated.id, updated.version, now, &audit, move |r| {
                        r.record_conclusive_grounds(DecisionOutcome::Positive, cg_at, now)
                    })
                    .await?;
                }
            }
            if n != 2 {
                let requested_at = referred_at + Duration::days(1);
                let assignment = db
                    .request_guardian(
                        child.id,
                        GuardianRequest {
                            service: GuardianService::Ictg,
                            role: GuardianRole::DirectWorker,
                            requested_at,
                        },
                        now,
                        &audit,
                        None,
                    )
                    .await?;
                if n == 0 || n == 3 {
                    let assigned_at =
                        requested_at + Duration::days(6 + i64::try_from(n).unwrap_or(0));
                    db.change_assignment(
                        assignment.id,
                        assignment.version,
                        now,
                        &audit,
                        move |a| a.assign(assigned_at, None, now),
                    )
                    .await?;
                }
            }
            for (k, outcome) in framework.outcomes().take(3).enumerate() {
                let k = i32::try_from(k).unwrap_or(0);
                db.record_measurement(
                    child.id,
                    MeasurementDraft {
                        outcome_key: outcome.key.clone(),
                        observed_at: referred_at + Duration::days(30),
                        young_person_participated: true,
                        young_person_rating: Some(2 + k % 3),
                        young_person_words: Some(
                            "Synthetic demo text: not a real young person's words.".to_owned(),
                        ),
                        practitioner_rating: Some(3),
                        practitioner_note: Some("Synthetic demo note.".to_owned()),
                        indicators_met: Vec::new(),
                        supersedes: None,
                    },
                    now,
                    &audit,
                    None,
                )
                .await?;
            }
        }
    }
    load_transfers(database, now).await?;
    load_offer_to_islington(database, now).await
}

const MOVED_ID: &str = "DEMO0010";
const MOVED_ID_IN_CAMDEN: &str = "DEMO0110";
const OFFERED_ID: &str = "DEMO0002";
const OFFERED_TO_ISLINGTON_ID: &str = "DEMO0003";

fn demo_principal(code: &str) -> Result<Principal> {
    Ok(Principal {
        subject: "demo-data-loader".to_owned(),
        client: None,
        local_authority: LocalAuthorityCode::parse(code).map_err(|_| PersistenceError::NotFound)?,
        scopes: Scope::ALL.iter().copied().collect::<BTreeSet<_>>(),
    })
}

/// Two transfers from Islington to Camden, so that GraphiQL shows both ends of one: a child who
/// moved with their referral, guardian request and a measurement (Camden holds them as
/// `DEMO0110`, each record saying Islington recorded it), and an offer of `DEMO0002` still
/// waiting for Camden's answer. Loaded once: not again when Islington has offered any.
async fn load_transfers(database: &Database, now: DateTime<Utc>) -> Result<()> {
    let (islington_code, _) = DEMO_AUTHORITIES[0];
    let (camden_code, _) = DEMO_AUTHORITIES[1];
    let islington = database.for_principal(Arc::new(demo_principal(islington_code)?));
    let camden = database.for_principal(Arc::new(demo_principal(camden_code)?));
    let audit = AuditContext::new("load-demo-data", None, None);
    let offered_before = islington
        .transfers_page(TransferDirection::Outgoing, None, 1, None)
        .await?;
    if !offered_before.items.is_empty() {
        return Ok(());
    }
    let camden_code = camden.principal().local_authority.clone();

    let details = ChildDraft {
        local_child_id: MOVED_ID.to_owned(),
        date_of_birth: date(2009, 8, 21),
        gender: Some(Gender::Male),
        nationalities: vec!["AFG".to_owned()],
        languages: vec!["ps".to_owned()],
        interpreter_required: true,
        immigration_status: Some(ImmigrationStatus::UnaccompaniedAsylumSeekingChild),
        ..ChildDraft::default()
    }
    .validate(now.date_naive())
    .map_err(PersistenceError::Invalid)?;
    let child = islington.register_child(details, now, &audit, None).await?;
    let referred_at = now - Duration::days(20);
    islington
        .submit_referral(
            child.id,
            ReferralDraft {
                referred_at,
                first_responder_type: FirstResponderType::LocalAuthority,
                first_responder_name: "Demo children's services".to_owned(),
                county_lines: false,
                exploitation_types: vec![ExploitationType::Labour],
                exploitation_location: ExploitationLocation::UkAndOverseas,
                competent_authority: CompetentAuthority::Sca,
            },
            now,
            &audit,
            None,
        )
        .await?;
    islington
        .request_guardian(
            child.id,
            GuardianRequest {
                service: GuardianService::Ictg,
                role: GuardianRole::DirectWorker,
                requested_at: referred_at + Duration::days(1),
            },
            now,
            &audit,
            None,
        )
        .await?;
    let framework = database.current_framework().await?;
    if let Some(outcome) = framework.outcomes().next() {
        islington
            .record_measurement(
                child.id,
                MeasurementDraft {
                    outcome_key: outcome.key.clone(),
                    observed_at: referred_at + Duration::days(7),
                    young_person_participated: true,
                    young_person_rating: Some(3),
                    young_person_words: Some(
                        "Synthetic demo text: not a real young person's words.".to_owned(),
                    ),
                    practitioner_rating: Some(3),
                    practitioner_note: None,
                    indicators_met: Vec::new(),
                    supersedes: None,
                },
                now,
                &audit,
                None,
            )
            .await?;
    }
    let moved = islington
        .offer_transfer(
            TransferOffer {
                child_id: child.id,
                to: camden_code.clone(),
                reason: TransferReason::NationalTransferScheme,
                responsibility_from: stable_futures_domain::calendar::uk_date(now),
                note: Some(
                    "Synthetic demo note: allocated under the National Transfer Scheme.".to_owned(),
                ),
            },
            now,
            &audit,
            None,
        )
        .await?;
    camden
        .accept_transfer(
            moved.id,
            moved.version,
            LocalChildId::parse(MOVED_ID_IN_CAMDEN).map_err(PersistenceError::from)?,
            false,
            now,
            &audit,
        )
        .await?;

    let waiting = islington
        .child_by_local_id(&LocalChildId::parse(OFFERED_ID).map_err(PersistenceError::from)?)
        .await?;
    if let Some(waiting) = waiting {
        islington
            .offer_transfer(
                TransferOffer {
                    child_id: waiting.id,
                    to: camden_code,
                    reason: TransferReason::PlacementMove,
                    responsibility_from: stable_futures_domain::calendar::uk_date(now)
                        + Duration::days(14),
                    note: Some(
                        "Synthetic demo note: the foster placement moves to Camden.".to_owned(),
                    ),
                },
                now,
                &audit,
                None,
            )
            .await?;
    }
    Ok(())
}

/// An offer the other way, Camden's `DEMO0003` to Islington, waiting: the worklist of the
/// token GraphiQL opens with (Islington's) then lists an offer to answer
/// (`TRANSFER_OFFER_WAITING`). Added to the demo data later than the others: loaded into older
/// data directories too, once (not when Camden has offered any).
async fn load_offer_to_islington(database: &Database, now: DateTime<Utc>) -> Result<()> {
    let (islington_code, _) = DEMO_AUTHORITIES[0];
    let (camden_code, _) = DEMO_AUTHORITIES[1];
    let camden = database.for_principal(Arc::new(demo_principal(camden_code)?));
    let offered_before = camden
        .transfers_page(TransferDirection::Outgoing, None, 1, None)
        .await?;
    if !offered_before.items.is_empty() {
        return Ok(());
    }
    let child = camden
        .child_by_local_id(
            &LocalChildId::parse(OFFERED_TO_ISLINGTON_ID).map_err(PersistenceError::from)?,
        )
        .await?;
    let Some(child) = child else {
        return Ok(());
    };
    camden
        .offer_transfer(
            TransferOffer {
                child_id: child.id,
                to: LocalAuthorityCode::parse(islington_code).map_err(PersistenceError::from)?,
                reason: TransferReason::FamilyMove,
                responsibility_from: stable_futures_domain::calendar::uk_date(now)
                    + Duration::days(7),
                note: Some("Synthetic demo note: the family moves to Islington.".to_owned()),
            },
            now,
            &AuditContext::new("load-demo-data", None, None),
            None,
        )
        .await?;
    Ok(())
}
