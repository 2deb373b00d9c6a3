//! A cohort of 24 synthetic referrals made through 2025, so that the reports show figures and
//! not only `c`: varied first responders and competent authorities, most decided within days,
//! some concluded, some still waiting; guardians requested for all, most assigned within a
//! fortnight, some later, some still awaited; and three outcomes measured twice for most, the
//! young person's ratings mostly rising.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use stable_futures_domain::audit::AuditContext;
use stable_futures_domain::child::{Child, ChildDraft, Gender, LocalChildId};
use stable_futures_domain::guardian::{GuardianRequest, GuardianRole, GuardianService};
use stable_futures_domain::outcomes::{MeasurementDraft, OutcomeFramework};
use stable_futures_domain::referral::{
    CompetentAuthority, DecisionOutcome, ExploitationLocation, ExploitationType,
    FirstResponderType, ReferralDraft,
};

use crate::database::TenantDb;
use crate::error::{PersistenceError, Result};

/// The first of the cohort: its presence says the cohort is loaded.
pub(super) const FIRST_ID: &str = "DEMO1001";

const SIZE: u32 = 24;

/// Loads the cohort unless its first child is there, then its guardians and measurements unless
/// its first child has a guardian request (they came later: older data directories get them
/// too).
pub(super) async fn load(
    db: &TenantDb,
    framework: &OutcomeFramework,
    audit: &AuditContext,
) -> Result<()> {
    let first = LocalChildId::parse(FIRST_ID).map_err(PersistenceError::from)?;
    if db.child_by_local_id(&first).await?.is_none() {
        load_referrals(db, audit).await?;
    }
    let Some(first) = db.child_by_local_id(&first).await? else {
        return Ok(());
    };
    let requested = db.assignments_for_children(&[first.id]).await?;
    if requested.get(&first.id).is_some_and(|a| !a.is_empty()) {
        return Ok(());
    }
    for n in 0..SIZE {
        let id =
            LocalChildId::parse(&format!("DEMO{}", 1001 + n)).map_err(PersistenceError::from)?;
        if let Some(child) = db.child_by_local_id(&id).await? {
            load_follow_up(db, framework, audit, &child, n).await?;
        }
    }
    Ok(())
}

/// The child's guardian and measurements, `n` varying them.
async fn load_follow_up(
    db: &TenantDb,
    framework: &OutcomeFramework,
    audit: &AuditContext,
    child: &Child,
    n: u32,
) -> Result<()> {
    let now = Utc::now();
    let referred_at = referred_at(n)?;
    let requested_at = referred_at + Duration::days(1 + i64::from(n % 3));
    let assignment = db
        .request_guardian(
            child.id,
            GuardianRequest {
                service: GuardianService::Ictg,
                role: if n % 5 == 1 {
                    GuardianRole::RegionalPractitioner
                } else {
                    GuardianRole::DirectWorker
                },
                requested_at,
            },
            now,
            audit,
            None,
        )
        .await?;
    // Three still waiting; most assigned in 4 to 10 days, one in four later (up to 5 weeks).
    if n % 8 != 6 {
        let days = if n % 4 == 3 {
            14 + i64::from(n)
        } else {
            4 + i64::from(n % 7)
        };
        let assigned_at = requested_at + Duration::days(days);
        if assigned_at < now {
            db.change_assignment(assignment.id, assignment.version, now, audit, move |a| {
                a.assign(assigned_at, None, now)
            })
            .await?;
        }
    }
    // Three outcomes, a month and five months after the referral; the young person's rating
    // rises for most, stays for some, falls for a few; one in five not measured.
    if n % 5 == 4 {
        return Ok(());
    }
    for (k, outcome) in framework.outcomes().take(3).enumerate() {
        let k = u32::try_from(k).unwrap_or(0);
        let first = 2 + i32::try_from((n + k) % 2).unwrap_or(0);
        let change = match (n + k) % 6 {
            0..=2 => 1,
            3 => 2,
            4 => 0,
            _ => -1,
        };
        for (days, rating, practitioner) in
            [(30, first, 3), (150, first + change, 3 + change.signum())]
        {
            let observed_at = referred_at + Duration::days(days) + Duration::minutes(i64::from(k));
            if observed_at >= now {
                continue;
            }
            let took_part = (n + k) % 7 != 3;
            db.record_measurement(
                child.id,
                MeasurementDraft {
                    outcome_key: outcome.key.clone(),
                    observed_at,
                    young_person_participated: took_part,
                    young_person_rating: took_part.then_some(rating.clamp(1, 5)),
                    young_person_words: None,
                    practitioner_rating: Some(practitioner.clamp(1, 5)),
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
    }
    Ok(())
}

fn referred_at(n: u32) -> Result<chrono::DateTime<Utc>> {
    Utc.with_ymd_and_hms(2025, 1 + n % 10, 2 + n % 25, 10, 0, 0)
        .single()
        .ok_or(PersistenceError::NotFound)
}

/// The cohort's children and referrals.
async fn load_referrals(db: &TenantDb, audit: &AuditContext) -> Result<()> {
    let now = Utc::now();
    for n in 0..SIZE {
        let born = NaiveDate::from_ymd_opt(
            2008 + i32::try_from(n % 7).unwrap_or(0),
            1 + n % 12,
            1 + n % 27,
        );
        let details = ChildDraft {
            local_child_id: format!("DEMO{}", 1001 + n),
            date_of_birth: born,
            age_disputed: n % 9 == 4,
            gender: Some(if n % 2 == 0 {
                Gender::Male
            } else {
                Gender::Female
            }),
            ..ChildDraft::default()
        }
        .validate_at(now)
        .map_err(PersistenceError::Invalid)?;
        let child = db.register_child(details, now, audit, None).await?;
        let referred_at = referred_at(n)?;
        let (responder, name) = match n % 3 {
            0 => (FirstResponderType::Police, "Demo police"),
            1 => (
                FirstResponderType::LocalAuthority,
                "Demo children's services",
            ),
            _ => (FirstResponderType::BorderForce, "Demo border force"),
        };
        let referral = db
            .submit_referral(
                child.id,
                ReferralDraft {
                    referred_at,
                    first_responder_type: responder,
                    first_responder_name: name.to_owned(),
                    exploitation_types: vec![if n % 4 == 0 {
                        ExploitationType::Sexual
                    } else {
                        ExploitationType::Criminal
                    }],
                    county_lines: false,
                    exploitation_location: ExploitationLocation::Uk,
                    competent_authority: if n % 8 == 7 {
                        CompetentAuthority::Ieca
                    } else {
                        CompetentAuthority::Sca
                    },
                },
                now,
                audit,
                None,
            )
            .await?;
        // Four wait for their first decision; the others are decided 3 to 9 days on, one in six
        // negative; a third of the positive ones concluded months later.
        if n % 6 == 5 {
            continue;
        }
        let outcome = if n % 6 == 2 {
            DecisionOutcome::Negative
        } else {
            DecisionOutcome::Positive
        };
        let decided_at = referred_at + Duration::days(3 + i64::from(n % 7));
        let decided = db
            .transition_referral(referral.id, referral.version, now, audit, move |r| {
                r.record_reasonable_grounds(outcome, decided_at, now)
            })
            .await?;
        if outcome == DecisionOutcome::Positive && n % 3 == 0 {
            let concluded_at = decided_at + Duration::days(90 + i64::from(n * 5));
            if concluded_at < now {
                db.transition_referral(decided.id, decided.version, now, audit, move |r| {
                    r.record_conclusive_grounds(DecisionOutcome::Positive, concluded_at, now)
                })
                .await?;
            }
        }
    }
    Ok(())
}
