//! The worklist's SQL against its oracle: on thousands of children with random histories in an
//! authority of each nation, the rows the SQL lists (page by page through its cursors) are
//! exactly the items the domain's rules give, on days chosen for their edges: weekends, bank
//! holidays of each nation, the changes to and from British Summer Time, birthdays, and with
//! default and random settings, kind filters and `dueBefore`. Seeds are fixed: a failure
//! reproduces.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeDelta, TimeZone, Utc};
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
use stable_futures_domain::principal::{Principal, Scope};
use stable_futures_domain::referral::{
    CompetentAuthority, DecisionOutcome, ExploitationLocation, ExploitationType,
    FirstResponderType, NrmReferral, ReferralDraft,
};
use stable_futures_domain::worklist::{
    worklist as oracle, ChildRecords, WorkItemKind, WorklistSettings,
};
use stable_futures_persistence::paging::Cursor;
use stable_futures_persistence::read_model::{worklist, WorklistKey, WorklistQuery, WorklistRow};
use stable_futures_persistence::testing::TestDatabase;
use stable_futures_persistence::{Database, Histories, PoolSettings, TenantDb};

/// An authority of each nation, with its children count.
const AUTHORITIES: &[(&str, usize)] = &[
    ("E09000019", 800),
    ("W06000015", 300),
    ("S12000036", 500),
    ("N09000003", 400),
];

/// When the histories were written: every event lies before it.
fn written_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0)
        .single()
        .expect("instant")
}

/// The days the lists are compared on.
fn days() -> Vec<NaiveDate> {
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

struct Authority {
    code: LocalAuthorityCode,
    children: Vec<Child>,
    referrals: Vec<NrmReferral>,
    assignments: Vec<GuardianAssignment>,
    measurements: Vec<OutcomeMeasurement>,
}

fn instant_between(rng: &mut StdRng, from: DateTime<Utc>, to: DateTime<Utc>) -> DateTime<Utc> {
    let span = (to - from).num_minutes().max(1);
    from + TimeDelta::minutes(rng.random_range(0..span))
}

/// Somewhere in the hours around midnight UK time now and then: the UK date and the UTC date
/// differ there in summer.
fn event_after(rng: &mut StdRng, after: DateTime<Utc>, max_days: i64) -> DateTime<Utc> {
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

fn child(rng: &mut StdRng, code: &LocalAuthorityCode, n: usize, born: Option<NaiveDate>) -> Child {
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
        id: ChildId::generate(),
        local_authority: code.clone(),
        details,
        version: 1,
        created_at: written_at(),
        updated_at: written_at(),
    }
}

fn referral(
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

fn assignments(
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

fn measurements(
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

fn histories(seed: u64, code: &str, count: usize) -> Authority {
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

fn current(measurements: &[OutcomeMeasurement]) -> Vec<OutcomeMeasurement> {
    let corrected: HashSet<MeasurementId> =
        measurements.iter().filter_map(|m| m.supersedes).collect();
    measurements
        .iter()
        .filter(|m| !corrected.contains(&m.id))
        .cloned()
        .collect()
}

/// What the domain's rules list for the authority, in the SQL's order.
fn expected(authority: &Authority, query: &WorklistQuery) -> Vec<WorklistKey> {
    let mut keys = Vec::new();
    for child in &authority.children {
        let of_child = |id: ChildId| id == child.id;
        let referrals: Vec<NrmReferral> = authority
            .referrals
            .iter()
            .filter(|r| of_child(r.child_id))
            .cloned()
            .collect();
        let assignments: Vec<GuardianAssignment> = authority
            .assignments
            .iter()
            .filter(|a| of_child(a.child_id))
            .cloned()
            .collect();
        let measurements: Vec<OutcomeMeasurement> = current(
            &authority
                .measurements
                .iter()
                .filter(|m| of_child(m.child_id))
                .cloned()
                .collect::<Vec<_>>(),
        );
        let records = ChildRecords {
            child,
            referrals: &referrals,
            assignments: &assignments,
            measurements: &measurements,
        };
        for item in oracle(records, query.today, query.service, &query.settings) {
            if query
                .kinds
                .as_ref()
                .is_some_and(|k| !k.contains(&item.kind))
            {
                continue;
            }
            if query.due_before.is_some_and(|before| item.due_on >= before) {
                continue;
            }
            let subject = item
                .referral_id
                .map(|id| id.0)
                .or(item.assignment_id.map(|id| id.0))
                .unwrap_or(uuid::Uuid::nil());
            keys.push((
                item.due_on,
                item.kind.as_str().to_owned(),
                child.id.0,
                subject,
            ));
        }
    }
    keys.sort();
    keys
}

/// Every row, `first` at a time, each page continuing from the cursor text of the last row.
async fn listed(db: &TenantDb, query: &WorklistQuery, first: usize) -> Vec<WorklistRow> {
    let mut rows = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let key = after
            .as_deref()
            .map(|text| Cursor::decode::<WorklistKey>(text).expect("our own cursor"));
        let page = worklist(db, query, first, key).await.expect("worklist");
        let has_next = page.has_next_page;
        after = page.items.last().map(|row| row.cursor().into_string());
        rows.extend(page.items);
        if !has_next {
            return rows;
        }
    }
}

fn tenant(pool: &Database, code: &LocalAuthorityCode) -> TenantDb {
    pool.for_principal(Arc::new(Principal {
        subject: "oracle".into(),
        client: None,
        local_authority: code.clone(),
        scopes: Scope::ALL.iter().copied().collect::<BTreeSet<_>>(),
    }))
}

fn random_settings(rng: &mut StdRng) -> WorklistSettings {
    WorklistSettings {
        guardian_request_days: rng.random_range(0..30),
        guardian_assignment_days: rng.random_range(0..30),
        measurement_interval_days: rng.random_range(1..200),
        young_person_view_window: rng.random_range(1..5),
        turning_18_days: rng.random_range(0..400),
        recovery_period_ending_days: rng.random_range(0..40),
        reconsideration_waiting_days: rng.random_range(0..60),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sql_worklist_lists_exactly_what_the_domain_rules_give() {
    let database = TestDatabase::create().await;
    for (code, _) in AUTHORITIES {
        database
            .owner_execute(&format!(
                "INSERT INTO local_authorities (code, name) VALUES ('{code}', 'Oracle {code}')"
            ))
            .await;
    }
    let pool = Database::connect(&database.app_url, &PoolSettings::default())
        .await
        .expect("server role connects");
    let mut authorities = Vec::new();
    for (seed, (code, count)) in AUTHORITIES.iter().enumerate() {
        let authority = histories(1_000 + seed as u64, code, *count);
        tenant(&pool, &authority.code)
            .insert_histories_for_tests(Histories {
                children: &authority.children,
                referrals: &authority.referrals,
                assignments: &authority.assignments,
                measurements: &authority.measurements,
                written_at: written_at(),
            })
            .await
            .expect("histories inserted");
        authorities.push(authority);
    }

    let mut rng = StdRng::seed_from_u64(7);
    let mut compared = 0;
    let mut kinds_seen: BTreeSet<String> = BTreeSet::new();
    for authority in &authorities {
        let db = tenant(&pool, &authority.code);
        let service = GuardianService::of_nation(authority.code.nation());
        for (n, today) in days().into_iter().enumerate() {
            let settings = if n % 3 == 0 {
                random_settings(&mut rng)
            } else {
                WorklistSettings::default()
            };
            let kinds = (n % 4 == 1).then(|| {
                WorkItemKind::ALL
                    .iter()
                    .copied()
                    .filter(|_| rng.random_bool(0.5))
                    .collect::<Vec<_>>()
            });
            let due_before = (n % 5 == 2).then(|| today - Days::new(rng.random_range(0..60)));
            let query = WorklistQuery {
                today,
                service,
                settings,
                kinds,
                due_before,
            };
            let want = expected(authority, &query);
            let got: Vec<WorklistKey> = listed(&db, &query, 97)
                .await
                .iter()
                .map(WorklistRow::key)
                .collect();
            if got != want {
                let missing: Vec<_> = want.iter().filter(|k| !got.contains(k)).take(5).collect();
                let extra: Vec<_> = got.iter().filter(|k| !want.contains(k)).take(5).collect();
                panic!(
                    "{} on {today} ({query:?}): SQL {} rows, domain {}; missing {missing:?}; extra {extra:?}",
                    authority.code.as_str(),
                    got.len(),
                    want.len()
                );
            }
            kinds_seen.extend(got.iter().map(|key| key.1.clone()));
            compared += got.len();
        }
    }
    // The data must exercise every rule, or agreement proves little.
    let every: BTreeSet<String> = WorkItemKind::ALL
        .iter()
        .map(|kind| kind.as_str().to_owned())
        .collect();
    assert_eq!(kinds_seen, every, "every kind appears somewhere");
    assert!(compared > 10_000, "only {compared} items compared");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_authoritys_work_never_appears() {
    let database = TestDatabase::serving_two_authorities().await;
    let pool = Database::connect(&database.app_url, &PoolSettings::default())
        .await
        .expect("server role connects");
    let islington = LocalAuthorityCode::parse("E09000019").expect("code");
    let camden = LocalAuthorityCode::parse("E09000007").expect("code");
    let mut theirs = histories(42, camden.as_str(), 200);
    theirs.code = camden.clone();
    tenant(&pool, &camden)
        .insert_histories_for_tests(Histories {
            children: &theirs.children,
            referrals: &theirs.referrals,
            assignments: &theirs.assignments,
            measurements: &theirs.measurements,
            written_at: written_at(),
        })
        .await
        .expect("inserted");
    let query = WorklistQuery {
        today: written_at().date_naive(),
        service: GuardianService::Ictg,
        settings: WorklistSettings::default(),
        kinds: None,
        due_before: None,
    };
    assert!(!listed(&tenant(&pool, &camden), &query, 50).await.is_empty());
    assert_eq!(listed(&tenant(&pool, &islington), &query, 50).await, []);
}

#[test]
fn the_days_compared_include_weekend_and_holiday_edges() {
    // Guards the choice of days above against an edit that loses its edges.
    let days = days();
    assert!(days.iter().any(|d| d.weekday() == chrono::Weekday::Sat));
    assert!(days.iter().any(|d| d.weekday() == chrono::Weekday::Sun));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_dataset_shows_an_item_of_every_kind_in_each_demo_authority() {
    use stable_futures_persistence::demo::{load_demo_data, DEMO_AUTHORITIES};
    use stable_futures_persistence::AsyncConnection;
    let database = TestDatabase::create().await;
    let mut owner = stable_futures_persistence::AsyncPgConnection::establish(&database.owner_url)
        .await
        .expect("owner connects");
    stable_futures_persistence::demo::register_demo_authorities(&mut owner)
        .await
        .expect("demo authorities");
    let pool = Database::connect(&database.app_url, &PoolSettings::default())
        .await
        .expect("server role connects");
    load_demo_data(&pool).await.expect("demo data loads");
    for (code, _) in DEMO_AUTHORITIES {
        let code = LocalAuthorityCode::parse(code).expect("code");
        let query = WorklistQuery {
            today: stable_futures_domain::calendar::uk_date(Utc::now()),
            service: GuardianService::of_nation(code.nation()),
            settings: WorklistSettings::default(),
            kinds: None,
            due_before: None,
        };
        let kinds: BTreeSet<WorkItemKind> = listed(&tenant(&pool, &code), &query, 100)
            .await
            .iter()
            .map(|row| row.kind)
            .collect();
        assert_eq!(
            kinds,
            WorkItemKind::ALL.iter().copied().collect::<BTreeSet<_>>(),
            "{}",
            code.as_str()
        );
    }
}
