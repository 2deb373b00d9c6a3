//! A cohort of 24 synthetic referrals made through 2025, so that the reports show figures and
//! not only `c`: varied first responders and competent authorities, most decided within days,
//! some concluded, some still waiting.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use stable_futures_domain::audit::AuditContext;
use stable_futures_domain::child::{ChildDraft, Gender, LocalChildId};
use stable_futures_domain::referral::{
    CompetentAuthority, DecisionOutcome, ExploitationLocation, ExploitationType,
    FirstResponderType, ReferralDraft,
};

use crate::database::TenantDb;
use crate::error::{PersistenceError, Result};

/// The first of the cohort: its presence says the cohort is loaded.
pub(super) const FIRST_ID: &str = "DEMO1001";

const SIZE: u32 = 24;

/// Loads the cohort unless its first child is there.
pub(super) async fn load(db: &TenantDb, audit: &AuditContext) -> Result<()> {
    let first = LocalChildId::parse(FIRST_ID).map_err(PersistenceError::from)?;
    if db.child_by_local_id(&first).await?.is_some() {
        return Ok(());
    }
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
        let referred_at = Utc
            .with_ymd_and_hms(2025, 1 + n % 10, 2 + n % 25, 10, 0, 0)
            .single()
            .ok_or(PersistenceError::NotFound)?;
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
