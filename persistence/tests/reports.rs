//! The reports' SQL against their oracle, the domain's definitions: on random histories of
//! several authorities (every decision and its timing, children of every age), what the report
//! functions return for one authority and for several, at every grouping, is exactly what the
//! domain computes from the same records. And a transaction of a reader across authorities can
//! call the report functions and read no row.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::NaiveDate;
use common::histories::{current, histories, written_at, Authority};
use stable_futures_domain::child::Child;
use stable_futures_domain::guardian::GuardianAssignment;
use stable_futures_domain::ids::ChildId;
use stable_futures_domain::outcomes::{OutcomeFramework, OutcomeMeasurement};
use stable_futures_domain::principal::{Principal, Scope};
use stable_futures_domain::reports::{
    guardian_timeliness, nrm_timeliness, outcomes, Dimension, GuardianTimelinessRow, MeasuredChild,
    NrmTimelinessRow, OutcomesRow, Period, ReferralOfChild, RequestOfChild, Rollup,
};
use stable_futures_domain::worklist::{WorklistSettings, WorklistSettingsChange};
use stable_futures_persistence::testing::TestDatabase;
use stable_futures_persistence::{Database, PoolSettings, TenantDb};

const AUTHORITIES: &[(&str, usize)] = &[("E09000019", 300), ("W06000015", 200), ("S12000036", 150)];

fn tenant(pool: &Database, authority: &Authority) -> TenantDb {
    pool.for_principal(Arc::new(Principal {
        subject: "oracle".into(),
        client: None,
        local_authority: authority.code.clone(),
        scopes: Scope::ALL.iter().copied().collect::<BTreeSet<_>>(),
    }))
}

fn audit() -> stable_futures_domain::audit::AuditContext {
    stable_futures_domain::audit::AuditContext::new("oracle", None, None)
}

/// A reader across `authorities`.
fn reader(pool: &Database, authorities: &[&Authority]) -> stable_futures_persistence::AggregateDb {
    pool.for_authorities(Arc::new(
        stable_futures_domain::principal::AggregatePrincipal {
            subject: "evaluator".into(),
            client: None,
            local_authorities: authorities.iter().map(|a| a.code.clone()).collect(),
            scopes: BTreeSet::from([Scope::ReportsAggregate]),
        },
    ))
}

async fn seeded() -> (TestDatabase, Database, Vec<Authority>) {
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
        let authority = histories(7_000 + seed as u64, code, *count);
        authority.insert(&tenant(&pool, &authority)).await;
        authorities.push(authority);
    }
    (database, pool, authorities)
}

/// The domain's report over the authorities' records, at every grouping.
fn oracle(
    authorities: &[&Authority],
    period: Period,
    today: NaiveDate,
    group_by: &[Dimension],
) -> Rollup<NrmTimelinessRow> {
    let children: HashMap<ChildId, &Child> = authorities
        .iter()
        .flat_map(|authority| authority.children.iter().map(|child| (child.id, child)))
        .collect();
    let records: Vec<ReferralOfChild<'_>> = authorities
        .iter()
        .flat_map(|authority| authority.referrals.iter())
        .map(|referral| ReferralOfChild {
            referral,
            child: children[&referral.child_id],
        })
        .collect();
    Rollup::compute(group_by, |dimensions| {
        nrm_timeliness(&records, period, today, dimensions)
    })
}

/// Statistics compared to a millionth of a day (the SQL's are double precision).
fn same(sql: &NrmTimelinessRow, domain: &NrmTimelinessRow) -> bool {
    let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-6,
        (a, b) => a == b,
    };
    NrmTimelinessRow {
        median_days_to_reasonable_grounds: None,
        median_days_reasonable_to_conclusive: None,
        median_days_waiting_for_conclusive: None,
        ..sql.clone()
    } == NrmTimelinessRow {
        median_days_to_reasonable_grounds: None,
        median_days_reasonable_to_conclusive: None,
        median_days_waiting_for_conclusive: None,
        ..domain.clone()
    } && close(
        sql.median_days_to_reasonable_grounds,
        domain.median_days_to_reasonable_grounds,
    ) && close(
        sql.median_days_reasonable_to_conclusive,
        domain.median_days_reasonable_to_conclusive,
    ) && close(
        sql.median_days_waiting_for_conclusive,
        domain.median_days_waiting_for_conclusive,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sql_nrm_timeliness_report_is_the_domain_s_for_any_authorities_and_grouping() {
    let (_database, pool, authorities) = seeded().await;
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
    let periods = [
        Period {
            from: date(2025, 1, 1),
            to: date(2025, 12, 31),
        },
        Period {
            from: date(2024, 11, 1),
            to: date(2026, 11, 30),
        },
        // A single day at the change of British Summer Time.
        Period {
            from: date(2026, 3, 29),
            to: date(2026, 3, 29),
        },
    ];
    let groupings: &[&[Dimension]] = &[
        &[],
        &[Dimension::ExploitationType],
        &[Dimension::AgeBand, Dimension::Gender],
        &[Dimension::CountyLines, Dimension::CompetentAuthority],
        &[Dimension::FirstResponderType, Dimension::Nationality],
        &[Dimension::LocalAuthority, Dimension::ExploitationType],
        &[
            Dimension::LocalAuthority,
            Dimension::AgeBand,
            Dimension::ExploitationType,
        ],
    ];
    let sets: Vec<Vec<&Authority>> = vec![
        vec![&authorities[0]],
        vec![&authorities[1], &authorities[2]],
        authorities.iter().collect(),
    ];
    let today = written_at().date_naive();
    let (mut compared, mut referrals) = (0, 0);
    for set in &sets {
        let reader = reader(&pool, set);
        for period in periods {
            for group_by in groupings {
                let runs = reader
                    .nrm_timeliness_runs(&audit(), period.from, period.to, today, group_by)
                    .await
                    .expect("the report function runs");
                let sql = Rollup::from_runs(group_by.len(), runs);
                let domain = oracle(set, period, today, group_by);
                assert_eq!(
                    sql.rows().len(),
                    domain.rows().len(),
                    "{group_by:?} {period:?}"
                );
                for (sql, domain) in sql.rows().iter().zip(domain.rows()) {
                    assert!(
                        same(sql, domain),
                        "{group_by:?} {period:?}:\n sql    {sql:?}\n domain {domain:?}"
                    );
                    compared += 1;
                }
                if group_by.is_empty() {
                    referrals += domain.rows()[0].referrals;
                }
            }
        }
    }
    assert!(
        compared > 150 && referrals > 1_000,
        "{compared} rows compared, of {referrals} referrals"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_across_authorities_reaches_no_row() {
    let (database, _pool, _authorities) = seeded().await;
    // As deployments have it: `public` usable only by the roles granted it.
    database
        .owner_execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
        .await;
    // As the server's role, switched to the aggregate role as the server does for such a
    // token: every table refused, the report function answered.
    for statement in [
        "SELECT count(*)::text FROM children",
        "SELECT count(*)::text FROM nrm_referrals",
        "SELECT count(*)::text FROM guardian_assignments",
        "SELECT count(*)::text FROM outcome_measurements",
        "SELECT count(*)::text FROM referral_events",
        "SELECT count(*)::text FROM audit_events",
        "SELECT count(*)::text FROM changes",
    ] {
        let error = database
            .app_query_error(&format!(
                "BEGIN; SET LOCAL ROLE stable_futures_aggregate; {statement}; COMMIT"
            ))
            .await;
        assert!(
            error
                .as_deref()
                .is_some_and(|e| e.contains("permission denied")),
            "{statement}: {error:?}"
        );
    }
    let answered = database
        .app_query_error(
            "BEGIN; SET LOCAL ROLE stable_futures_aggregate; \
             SELECT * FROM report_nrm_timeliness(ARRAY['E09000019'], '2025-01-01', '2025-12-31', '2026-01-01', ARRAY['AGE_BAND']); COMMIT",
        )
        .await;
    assert_eq!(
        answered, None,
        "the report function is the aggregate role's"
    );
    // A tenant's own transaction cannot call the report functions: the aggregate role's
    // privileges are not inherited by the server's role.
    let tenant = database
        .app_query_error(
            "SELECT * FROM report_nrm_timeliness(ARRAY['E09000019','W06000015'], '2025-01-01', '2025-12-31', '2026-01-01', ARRAY[]::text[])",
        )
        .await;
    assert!(
        tenant
            .as_deref()
            .is_some_and(|e| e.contains("permission denied")),
        "{tenant:?}"
    );
    // Nor can the aggregate role read a row through a function it may call by leaving out the
    // grouping: the unknown dimension is refused, not interpolated.
    let injected = database
        .app_query_error(
            "BEGIN; SET LOCAL ROLE stable_futures_aggregate; \
             SELECT * FROM report_nrm_timeliness(ARRAY['E09000019'], '2025-01-01', '2025-12-31', '2026-01-01', ARRAY['r.child_id']); COMMIT",
        )
        .await;
    assert!(
        injected
            .as_deref()
            .is_some_and(|e| e.contains("unknown dimension")),
        "{injected:?}"
    );
}

/// The first referral (by when it was made) of each child of the authorities.
fn first_referrals<'a>(
    authorities: &[&'a Authority],
) -> HashMap<ChildId, &'a stable_futures_domain::referral::NrmReferral> {
    let mut first: HashMap<ChildId, &stable_futures_domain::referral::NrmReferral> = HashMap::new();
    for referral in authorities.iter().flat_map(|a| a.referrals.iter()) {
        let earlier = first
            .get(&referral.child_id)
            .is_none_or(|f| (referral.referred_at, referral.id) < (f.referred_at, f.id));
        if earlier {
            first.insert(referral.child_id, referral);
        }
    }
    first
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-6,
        (a, b) => a == b,
    }
}

fn same_guardian(sql: &GuardianTimelinessRow, domain: &GuardianTimelinessRow) -> bool {
    let counts = |r: &GuardianTimelinessRow| {
        (
            r.group.clone(),
            r.requests,
            r.assignments,
            r.due,
            r.assigned_within_threshold,
            r.open_requests,
        )
    };
    counts(sql) == counts(domain)
        && close(
            sql.median_days_request_to_assignment,
            domain.median_days_request_to_assignment,
        )
        && close(
            sql.median_days_referral_to_assignment,
            domain.median_days_referral_to_assignment,
        )
        && close(sql.median_days_open, domain.median_days_open)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sql_guardian_timeliness_report_is_the_domain_s_with_each_authority_s_threshold() {
    let (_database, pool, authorities) = seeded().await;
    // One authority judges promptness by 4 days; the others keep the default.
    let strict = &authorities[1];
    tenant(&pool, strict)
        .update_worklist_settings(
            WorklistSettingsChange {
                guardian_assignment_days: Some(4),
                ..WorklistSettingsChange::default()
            },
            0,
            chrono::Utc::now(),
            &stable_futures_domain::audit::AuditContext::new("oracle", None, None),
        )
        .await
        .expect("settings");
    let default = WorklistSettings::default().guardian_assignment_days;
    let threshold = |code: &stable_futures_domain::local_authority::LocalAuthorityCode| {
        if *code == strict.code {
            4
        } else {
            default
        }
    };
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
    let periods = [
        Period {
            from: date(2025, 1, 1),
            to: date(2025, 12, 31),
        },
        Period {
            from: date(2024, 11, 1),
            to: date(2026, 11, 30),
        },
    ];
    let groupings: &[&[Dimension]] = &[
        &[],
        &[Dimension::GuardianRole, Dimension::AgeBand],
        &[Dimension::GuardianService],
        &[Dimension::LocalAuthority, Dimension::GuardianRole],
    ];
    let today = written_at().date_naive();
    let (mut compared, mut requests) = (0, 0);
    for set in [
        vec![&authorities[1]],
        vec![&authorities[0], &authorities[2]],
        authorities.iter().collect::<Vec<_>>(),
    ] {
        let reader = reader(&pool, &set);
        let children: HashMap<ChildId, &Child> = set
            .iter()
            .flat_map(|a| a.children.iter().map(|child| (child.id, child)))
            .collect();
        let first = first_referrals(&set);
        let records: Vec<RequestOfChild<'_>> = set
            .iter()
            .flat_map(|a| a.assignments.iter())
            .map(|assignment| RequestOfChild {
                assignment,
                child: children[&assignment.child_id],
                first_referral: first.get(&assignment.child_id).copied(),
            })
            .collect();
        for period in periods {
            for group_by in groupings {
                let runs = reader
                    .guardian_timeliness_runs(
                        &audit(),
                        period.from,
                        period.to,
                        today,
                        group_by,
                        default,
                    )
                    .await
                    .expect("the report function runs");
                let sql = Rollup::from_runs(group_by.len(), runs);
                let domain = Rollup::compute(group_by, |dimensions| {
                    guardian_timeliness(&records, period, &threshold, today, dimensions)
                });
                assert_eq!(
                    sql.rows().len(),
                    domain.rows().len(),
                    "{group_by:?} {period:?}"
                );
                for (sql, domain) in sql.rows().iter().zip(domain.rows()) {
                    assert!(
                        same_guardian(sql, domain),
                        "{group_by:?} {period:?}:\n sql    {sql:?}\n domain {domain:?}"
                    );
                    compared += 1;
                }
                if group_by.is_empty() {
                    requests += domain.rows()[0].requests;
                }
            }
        }
    }
    assert!(
        compared > 50 && requests > 500,
        "{compared} rows compared, of {requests} requests"
    );
}

fn same_changes(
    sql: &stable_futures_domain::reports::Changes,
    domain: &stable_futures_domain::reports::Changes,
) -> bool {
    (sql.with_change, sql.improved, sql.same, sql.worse)
        == (
            domain.with_change,
            domain.improved,
            domain.same,
            domain.worse,
        )
        && close(sql.median_change, domain.median_change)
}

fn same_outcomes(sql: &OutcomesRow, domain: &OutcomesRow) -> bool {
    (
        &sql.group,
        sql.children_measured,
        sql.measurements,
        sql.young_person_took_part,
    ) == (
        &domain.group,
        domain.children_measured,
        domain.measurements,
        domain.young_person_took_part,
    ) && sql.outcomes.len() == domain.outcomes.len()
        && sql.outcomes.iter().zip(&domain.outcomes).all(
            |((sql_ref, sql), (domain_ref, domain))| {
                sql_ref == domain_ref
                    && (
                        sql.children,
                        sql.principle_article,
                        &sql.principle_title,
                        &sql.outcome_title,
                    ) == (
                        domain.children,
                        domain.principle_article,
                        &domain.principle_title,
                        &domain.outcome_title,
                    )
                    && same_changes(&sql.young_person, &domain.young_person)
                    && same_changes(&sql.practitioner, &domain.practitioner)
            },
        )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sql_outcomes_report_is_the_domain_s_for_any_authorities_and_grouping() {
    let (_database, pool, authorities) = seeded().await;
    // One authority judges a guardian prompt within 3 days; the others keep the default.
    let strict = &authorities[2];
    tenant(&pool, strict)
        .update_worklist_settings(
            WorklistSettingsChange {
                guardian_assignment_days: Some(3),
                ..WorklistSettingsChange::default()
            },
            0,
            chrono::Utc::now(),
            &audit(),
        )
        .await
        .expect("settings");
    let default = WorklistSettings::default().guardian_assignment_days;
    let threshold = |code: &stable_futures_domain::local_authority::LocalAuthorityCode| {
        if *code == strict.code {
            3
        } else {
            default
        }
    };
    let framework = OutcomeFramework::default_catalogue();
    let frameworks = |version: &str| (version == framework.version).then_some(&framework);
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
    let periods = [
        Period {
            from: date(2025, 1, 1),
            to: date(2025, 12, 31),
        },
        Period {
            from: date(2024, 11, 1),
            to: date(2026, 11, 30),
        },
    ];
    let groupings: &[&[Dimension]] = &[
        &[],
        &[
            Dimension::ReasonableGroundsOutcome,
            Dimension::GuardianAssigned,
        ],
        &[Dimension::ExploitationType, Dimension::AgeBand],
        &[
            Dimension::LocalAuthority,
            Dimension::ConclusiveGroundsOutcome,
        ],
    ];
    let (mut compared, mut children_seen) = (0, 0);
    for set in [
        vec![&authorities[2]],
        vec![&authorities[0], &authorities[1]],
        authorities.iter().collect::<Vec<_>>(),
    ] {
        let reader = reader(&pool, &set);
        let first = first_referrals(&set);
        let mut first_assignment: HashMap<ChildId, &GuardianAssignment> = HashMap::new();
        for assignment in set.iter().flat_map(|a| a.assignments.iter()) {
            let earlier = first_assignment
                .get(&assignment.child_id)
                .is_none_or(|f| (assignment.requested_at, assignment.id) < (f.requested_at, f.id));
            if earlier {
                first_assignment.insert(assignment.child_id, assignment);
            }
        }
        let measurements: HashMap<ChildId, Vec<OutcomeMeasurement>> = set
            .iter()
            .flat_map(|a| current(&a.measurements))
            .fold(HashMap::new(), |mut by_child, m| {
                by_child.entry(m.child_id).or_default().push(m);
                by_child
            });
        let empty = Vec::new();
        let records: Vec<MeasuredChild<'_>> = set
            .iter()
            .flat_map(|a| a.children.iter())
            .map(|child| MeasuredChild {
                child,
                first_referral: first.get(&child.id).copied(),
                first_assignment: first_assignment.get(&child.id).copied(),
                measurements: measurements.get(&child.id).unwrap_or(&empty),
            })
            .collect();
        for period in periods {
            for group_by in groupings {
                let runs = reader
                    .outcomes_runs(&audit(), period.from, period.to, group_by, default)
                    .await
                    .expect("the report function runs");
                let sql = Rollup::from_runs(group_by.len(), runs);
                let domain = Rollup::compute(group_by, |dimensions| {
                    outcomes(&records, period, &threshold, frameworks, dimensions)
                });
                assert_eq!(
                    sql.rows().len(),
                    domain.rows().len(),
                    "{group_by:?} {period:?}"
                );
                for (sql, domain) in sql.rows().iter().zip(domain.rows()) {
                    assert!(
                        same_outcomes(sql, domain),
                        "{group_by:?} {period:?}:\n sql    {sql:?}\n domain {domain:?}"
                    );
                    compared += 1;
                }
                if group_by.is_empty() {
                    children_seen += domain.rows()[0].children_measured;
                }
            }
        }
    }
    assert!(
        compared > 50 && children_seen > 500,
        "{compared} rows compared, of {children_seen} children measured"
    );
}
