//! Random but reproducible histories of an authority's children (referrals through every
//! decision, guardian requests, measurements and corrections), made by the domain's own rules,
//! for holding SQL to the domain's definitions.

use std::collections::HashSet;

use chrono::{DateTime, Days, NaiveDate, TimeDelta, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use stable_futures_domain::calendar::BankHolidays;
use stable_futures_domain::child::{Child, ChildDraft};
use stable_futures_domain::guardian::{
    AssignmentEndReason, GuardianAssignment, GuardianRole, GuardianService,
};
use stable_futures_domain::ids::{AssignmentId, ChildId, MeasurementId, ReferralId};
use stable_futures_domain::local_authority::LocalAuthorityCode;
use stable_futures_domain::outcomes::{OutcomeFramework, OutcomeMeasurement};
use stable_futures_domain::referral::{
    CompetentAuthority, DecisionOutcome, ExploitationLocation, ExploitationType,
    FirstResponderType, NrmReferral, ReferralDraft,
};
use stable_futures_persistence::{Histories, TenantDb};

/// When the histories were written: every event lies before it.
pub fn written_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0)
        .single()
        .expect("instant")
}

/// The days the lists are compared on.
pub fn days() -> Vec<NaiveDate> {
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
    vec![
        date(2026, 3, 29),  // British Summer Time begins (a Sunday)
        date(2026, 3, 30),  // the Monday after
        date(2025, 10, 26), // British Summer Time ends
        date(2025, 12, 25), // Christmas
        date(2026, 1, 2),   // a bank holiday in Scotland only
        date(2026, 3, 17),  // St Patrick's Day: Northern Ireland only
        date(2026, 7, 13),  // the Twelfth's holiday in Northern Ireland
        date(2026, 8, 3),   // Scotland's summer bank holiday
        date(2026, 6, 6),   // a Saturday
        date(2026, 11, 30), // the day the histories were written
    ]
}

pub struct Authority {
    pub code: LocalAuthorityCode,
    pub children: Vec<Child>,
    pub referrals: Vec<NrmReferral>,
    pub assignments: Vec<GuardianAssignment>,
    pub measurements: Vec<OutcomeMeasurement>,
}

impl Authority {
    /// Writes these histories through `db` (the authority's tenant handle), as rows.
    pub async fn insert(&self, db: &TenantDb) {
        db.insert_histories_for_tests(Histories {
            children: &self.children,
            referrals: &self.referrals,
            assignments: &self.assignments,
            measurements: &self.measurements,
            written_at: written_at(),
        })
        .await
        .expect("histories inserted");
    }
}

pub fn instant_between(rng: &mut StdRng, from: DateTime<Utc>, to: DateTime<Utc>) -> DateTime<Utc> {
    let span = (to - from).num_minutes().max(1);
    from + TimeDelta::minutes(rng.random_range(0..span))
}

/// Somewhere in the hours around midnight UK time now and then: the UK date and the UTC date
/// differ there in summer.
pub fn event_after(rng: &mut StdRng, after: DateTime<Utc>, max_days: i64) -> DateTime<Utc> {
    let at = after + TimeDelta::minutes(rng.random_range(1..max_days.max(1) * 24 * 60));
    if rng.random_bool(0.2) {
        let day = at.date_naive();
        let near_midnight = day.and_hms_opt(22, 30, 0).expect("time").and_utc()
            + TimeDelta::minutes(rng.random_range(0..120));
        if near_midnight > after {
            return near_midnight;
        }
    }
    at
}

pub fn child(
    rng: &mut StdRng,
    code: &LocalAuthorityCode,
    n: usize,
    born: Option<NaiveDate>,
) -> Child {
    // Born 1999-2020, now and then on 29 February.
    let date_of_birth = if let Some(born) = born {
        born
    } else if rng.random_bool(0.05) {
        let year = [2004, 2008, 2012][rng.random_range(0..3)];
        NaiveDate::from_ymd_opt(year, 2, 29).expect("leap day")
    } else {
        NaiveDate::from_ymd_opt(1999, 1, 1).expect("date")
            + Days::new(rng.random_range(0..(21 * 365)))
    };
    let details = ChildDraft {
        local_child_id: format!("W{n}"),
        date_of_birth: Some(date_of_birth),
        age_disputed: rng.random_bool(0.2),
        ..ChildDraft::default()
    }
    .validate_at(written_at())
    .expect("valid child");
    Child {
        recorded_by_local_authority: None,
        id: ChildId::generate(),
        local_authority: code.clone(),
        details,
        version: 1,
        created_at: written_at(),
        updated_at: written_at(),
    }
}

pub fn referral(
    rng: &mut StdRng,
    child: &Child,
    holidays: &BankHolidays,
    from: DateTime<Utc>,
    waiting: bool,
) -> Option<NrmReferral> {
    let now = written_at();
    let referred_at = instant_between(rng, from, now);
    let competent_authority = match rng.random_range(0..10) {
        _ if waiting => CompetentAuthority::Sca,
        0 => CompetentAuthority::DdmPanel,
        1 => CompetentAuthority::Ieca,
        _ => CompetentAuthority::Sca,
    };
    let draft = ReferralDraft {
        referred_at,
        first_responder_type: FirstResponderType::LocalAuthority,
        first_responder_name: "Children's services".to_owned(),
        exploitation_types: vec![ExploitationType::Criminal],
        county_lines: false,
        exploitation_location: ExploitationLocation::Uk,
        competent_authority,
    };
    // A devolved panel refuses a young person near 18: such a referral is simply not made.
    let (mut referral, _) =
        NrmReferral::submit(ReferralId::generate(), child, draft, holidays, now).ok()?;
    if waiting {
        return Some(referral);
    }
    let mut last = referral.referred_at;
    let step = |rng: &mut StdRng, last: &mut DateTime<Utc>, days: i64| {
        let at = event_after(rng, *last, days);
        (at <= now).then(|| {
            *last = at;
            at
        })
    };
    match rng.random_range(0..10) {
        0..=2 => {} // waiting for reasonable grounds
        3 => {
            if let Some(at) = step(rng, &mut last, 30) {
                referral.withdraw(at, now).ok()?;
            }
        }
        _ => {
            let outcome = if rng.random_bool(0.75) {
                DecisionOutcome::Positive
            } else {
                DecisionOutcome::Negative
            };
            if let Some(at) = step(rng, &mut last, 12) {
                referral.record_reasonable_grounds(outcome, at, now).ok()?;
                if outcome == DecisionOutcome::Negative && rng.random_bool(0.6) {
                    if let Some(at) = step(rng, &mut last, 40) {
                        referral.request_reconsideration(at, now).ok()?;
                        if rng.random_bool(0.5) {
                            if let Some(at) = step(rng, &mut last, 40) {
                                let reconsidered = if rng.random_bool(0.5) {
                                    DecisionOutcome::Positive
                                } else {
                                    DecisionOutcome::Negative
                                };
                                referral
                                    .record_reasonable_grounds(reconsidered, at, now)
                                    .ok()?;
                            }
                        }
                    }
                }
                if referral.status == stable_futures_domain::referral::ReferralStatus::RgPositive
                    && rng.random_bool(0.4)
                {
                    if let Some(at) = step(rng, &mut last, 200) {
                        let outcome = if rng.random_bool(0.8) {
                            DecisionOutcome::Positive
                        } else {
                            DecisionOutcome::Negative
                        };
                        referral.record_conclusive_grounds(outcome, at, now).ok()?;
                        if outcome == DecisionOutcome::Negative && rng.random_bool(0.3) {
                            if let Some(at) = step(rng, &mut last, 40) {
                                referral.request_reconsideration(at, now).ok()?;
                            }
                        }
                    }
                }
                if rng.random_bool(0.05) {
                    if let Some(at) = step(rng, &mut last, 30) {
                        let _ = referral.withdraw(at, now);
                    }
                }
            }
        }
    }
    Some(referral)
}

pub fn assignments(
    rng: &mut StdRng,
    child: &Child,
    nation_service: GuardianService,
    from: DateTime<Utc>,
) -> Vec<GuardianAssignment> {
    let now = written_at();
    let mut made = Vec::new();
    let mut open: Vec<GuardianService> = Vec::new();
    for _ in 0..rng.random_range(0..3) {
        // Mostly the nation's own service; now and then another nation's (a child placed
        // across a border), which does not count as a request to this nation's service.
        let service = if rng.random_bool(0.85) {
            nation_service
        } else {
            GuardianService::ALL[rng.random_range(0..GuardianService::ALL.len())]
        };
        let role = if service == GuardianService::Ictg {
            GuardianRole::DirectWorker
        } else {
            GuardianRole::Guardian
        };
        let requested_at = instant_between(rng, from, now);
        let Ok(mut assignment) = GuardianAssignment::request(
            AssignmentId::generate(),
            child.id,
            service,
            role,
            requested_at,
            &open,
            now,
        ) else {
            continue;
        };
        if rng.random_bool(0.6) {
            let at = event_after(rng, requested_at, 20);
            if at <= now && assignment.assign(at, None, now).is_ok() && rng.random_bool(0.3) {
                let ended = event_after(rng, at, 200);
                if ended <= now {
                    let _ = assignment.end(ended, AssignmentEndReason::SupportCompleted, now);
                }
            }
        }
        if assignment.is_open() {
            open.push(service);
        }
        made.push(assignment);
    }
    made
}

pub fn measurements(
    rng: &mut StdRng,
    child: &Child,
    framework: &OutcomeFramework,
    from: DateTime<Utc>,
) -> Vec<OutcomeMeasurement> {
    let keys: Vec<String> = framework.outcomes().map(|o| o.key.clone()).collect();
    let mut made: Vec<OutcomeMeasurement> = Vec::new();
    let participation = rng.random_range(0.0..1.0);
    for _ in 0..rng.random_range(0..7) {
        let observed_at = instant_between(rng, from, written_at());
        let participated = rng.random_bool(participation);
        made.push(OutcomeMeasurement {
            recorded_by_local_authority: None,
            id: MeasurementId::generate(),
            child_id: child.id,
            framework_version: framework.version.clone(),
            outcome_key: keys[rng.random_range(0..keys.len())].clone(),
            observed_at,
            recorded_by: "oracle".to_owned(),
            recorded_at: observed_at,
            young_person_participated: participated,
            young_person_rating: participated.then_some(3),
            young_person_words: None,
            practitioner_rating: Some(3),
            practitioner_note: None,
            indicators_met: Vec::new(),
            supersedes: None,
        });
    }
    // Now and then a correction: it replaces the one it corrects (keeping its outcome).
    if !made.is_empty() && rng.random_bool(0.2) {
        let corrected = made[rng.random_range(0..made.len())].clone();
        let participated = !corrected.young_person_participated;
        made.push(OutcomeMeasurement {
            id: MeasurementId::generate(),
            supersedes: Some(corrected.id),
            observed_at: corrected.observed_at + TimeDelta::minutes(rng.random_range(-600..600)),
            young_person_participated: participated,
            young_person_rating: participated.then_some(4),
            ..corrected
        });
    }
    made
}

pub fn histories(seed: u64, code: &str, count: usize) -> Authority {
    let mut rng = StdRng::seed_from_u64(seed);
    let code = LocalAuthorityCode::parse(code).expect("code");
    let nation = code.nation();
    let holidays = BankHolidays::of(nation).expect("shipped calendar");
    let service = GuardianService::of_nation(nation);
    let framework = OutcomeFramework::default_catalogue();
    let mut authority = Authority {
        code: code.clone(),
        children: Vec::new(),
        referrals: Vec::new(),
        assignments: Vec::new(),
        measurements: Vec::new(),
    };
    let days = days();
    for n in 0..count {
        // The first few turn 18 the day before, on, or the day after a day the lists are compared
        // on, with a referral waiting for its decision.
        let edge = (n < 3 * days.len()).then(|| {
            let day = days[n % days.len()] + Days::new(1)
                - Days::new(u64::try_from(n / days.len()).unwrap_or(0));
            day.checked_sub_months(chrono::Months::new(18 * 12))
                .expect("a birth date")
        });
        let child = child(&mut rng, &code, n, edge);
        // Histories from two years back, so items of every age and kind exist on every day.
        let from = written_at() - TimeDelta::days(rng.random_range(30..730));
        if edge.is_some() {
            authority
                .referrals
                .extend(referral(&mut rng, &child, holidays, from, true));
        }
        for _ in 0..rng.random_range(0..4) {
            authority
                .referrals
                .extend(referral(&mut rng, &child, holidays, from, false));
        }
        authority
            .assignments
            .extend(assignments(&mut rng, &child, service, from));
        authority
            .measurements
            .extend(measurements(&mut rng, &child, &framework, from));
        authority.children.push(child);
    }
    authority
}

pub fn current(measurements: &[OutcomeMeasurement]) -> Vec<OutcomeMeasurement> {
    let corrected: HashSet<MeasurementId> =
        measurements.iter().filter_map(|m| m.supersedes).collect();
    measurements
        .iter()
        .filter(|m| !corrected.contains(&m.id))
        .cloned()
        .collect()
}
