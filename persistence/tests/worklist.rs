//! The worklist's SQL against its oracle: on thousands of children with random histories in an
//! authority of each nation, the rows the SQL lists (page by page through its cursors) are
//! exactly the items the domain's rules give, on days chosen for their edges: weekends, bank
//! holidays of each nation, the changes to and from British Summer Time, birthdays, and with
//! default and random settings, kind filters and `dueBefore`. Seeds are fixed: a failure
//! reproduces.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{Datelike, Days, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use stable_futures_domain::guardian::{GuardianAssignment, GuardianService};
use stable_futures_domain::ids::ChildId;
use stable_futures_domain::local_authority::LocalAuthorityCode;
use stable_futures_domain::outcomes::OutcomeMeasurement;
use stable_futures_domain::principal::{Principal, Scope};
use stable_futures_domain::referral::NrmReferral;
use stable_futures_domain::worklist::{
    worklist as oracle, ChildRecords, WorkItemKind, WorklistSettings,
};
use stable_futures_persistence::paging::Cursor;
use stable_futures_persistence::read_model::{worklist, WorklistKey, WorklistQuery, WorklistRow};
use stable_futures_persistence::testing::TestDatabase;
use stable_futures_persistence::{Database, Histories, PoolSettings, TenantDb};

mod common;

use common::histories::{current, days, histories, written_at, Authority};

/// An authority of each nation, with its children count.
const AUTHORITIES: &[(&str, usize)] = &[
    ("E09000019", 800),
    ("W06000015", 300),
    ("S12000036", 500),
    ("N09000003", 400),
];

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
        authority.insert(&tenant(&pool, &authority.code)).await;
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
    // The data must exercise every rule, or agreement proves little. (Offers waiting are not a
    // child's records: the next test compares them.)
    let every: BTreeSet<String> = WorkItemKind::ALL
        .iter()
        .filter(|kind| **kind != WorkItemKind::TransferOfferWaiting)
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

/// Every incoming transfer of `db`'s authority, by pages.
async fn incoming_transfers(db: &TenantDb) -> Vec<stable_futures_domain::transfer::Transfer> {
    let mut transfers = Vec::new();
    let mut after = None;
    loop {
        let page = db
            .transfers_page(
                stable_futures_persistence::TransferDirection::Incoming,
                None,
                100,
                after,
            )
            .await
            .expect("transfers");
        after = page.items.last().map(|t| t.id);
        transfers.extend(page.items);
        if !page.has_next_page {
            return transfers;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offers_waiting_for_an_answer_are_listed_for_the_receiver_as_the_domain_rule_says() {
    use stable_futures_domain::audit::AuditContext;
    use stable_futures_domain::child::LocalChildId;
    use stable_futures_domain::transfer::{TransferAction, TransferOffer, TransferReason};
    use stable_futures_domain::worklist::incoming_transfer_item;
    use stable_futures_persistence::Acceptance;

    let database = TestDatabase::serving_two_authorities().await;
    let pool = Database::connect(&database.app_url, &PoolSettings::default())
        .await
        .expect("server role connects");
    let islington = LocalAuthorityCode::parse("E09000019").expect("code");
    let camden = LocalAuthorityCode::parse("E09000007").expect("code");
    let (sender, receiver) = (tenant(&pool, &islington), tenant(&pool, &camden));
    let authority = histories(77, islington.as_str(), 120);
    authority.insert(&sender).await;
    let audit = AuditContext::new("oracle", None, None);
    let mut rng = StdRng::seed_from_u64(77);
    let offer = |child, offered_at: chrono::DateTime<Utc>, days: i64| {
        let today = stable_futures_domain::calendar::uk_date(offered_at);
        let responsibility_from = today + chrono::Duration::days(days);
        let (sender, audit, camden) = (&sender, &audit, camden.clone());
        async move {
            sender
                .offer_transfer(
                    TransferOffer {
                        child_id: child,
                        to: camden,
                        reason: TransferReason::NationalTransferScheme,
                        responsibility_from,
                        note: None,
                    },
                    offered_at,
                    audit,
                    None,
                )
                .await
                .expect("offered")
        }
    };
    for (n, child) in authority.children.iter().enumerate() {
        // Offered at any hour of the last 60 days, and every seventh at 23:30 UTC in October's
        // British Summer Time (already the next day in the UK), responsibility from 90 days
        // back to 200 ahead.
        let offered_at = if n % 7 == 0 {
            chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 10, 1 + (n as u32 / 7) % 20, 23, 30, 0)
                .single()
                .expect("instant")
        } else {
            written_at()
                - chrono::Duration::minutes(rng.random_range(0..60 * 24 * 60))
                - chrono::Duration::days(1)
        };
        let transfer = offer(child.id, offered_at, rng.random_range(-90..=200)).await;
        let answered_at = offered_at + chrono::Duration::hours(1);
        match n % 5 {
            0 => {
                let accepted = receiver
                    .accept_transfer(
                        transfer.id,
                        transfer.version,
                        LocalChildId::parse(&format!("CAM{n:05}")).expect("id"),
                        true,
                        answered_at,
                        &audit,
                    )
                    .await
                    .expect("accepted");
                assert!(matches!(accepted, Acceptance::Accepted(_)));
            }
            1 | 2 => {
                let (action, by, note) = if n % 5 == 1 {
                    (
                        TransferAction::Decline,
                        &receiver,
                        Some("No placement".to_owned()),
                    )
                } else {
                    (TransferAction::Withdraw, &sender, None)
                };
                by.end_transfer(
                    transfer.id,
                    action,
                    transfer.version,
                    note,
                    answered_at,
                    &audit,
                )
                .await
                .expect("ended");
                // Some are offered again, and wait.
                if n % 3 == 0 {
                    offer(child.id, answered_at, rng.random_range(-90..=200)).await;
                }
            }
            _ => {}
        }
    }

    let transfers = incoming_transfers(&receiver).await;
    let waiting = transfers
        .iter()
        .filter_map(|t| incoming_transfer_item(t, &camden))
        .count();
    assert!(waiting > 40, "only {waiting} offers waiting");
    let only_offers = Some(vec![WorkItemKind::TransferOfferWaiting]);
    let mut days_with_items = 0;
    // Every day offers were made on (an item is listed from the UK day of its offer), and beyond.
    for (n, today) in (-70i64..=1).chain([30, 400]).enumerate() {
        let today = written_at().date_naive() + chrono::Duration::days(today);
        let due_before = (n % 2 == 1).then(|| today + Days::new(rng.random_range(0..120)));
        let query = WorklistQuery {
            today,
            service: GuardianService::Ictg,
            settings: WorklistSettings::default(),
            kinds: only_offers.clone(),
            due_before,
        };
        let mut want: Vec<WorklistKey> = transfers
            .iter()
            .filter_map(|t| incoming_transfer_item(t, &camden))
            .filter(|item| item.listed_from <= today)
            .filter(|item| due_before.is_none_or(|before| item.due_on < before))
            .map(|item| {
                (
                    item.due_on,
                    item.kind.as_str().to_owned(),
                    item.child_id.0,
                    item.transfer_id.expect("a transfer").0,
                )
            })
            .collect();
        want.sort();
        let got = listed(&receiver, &query, 37).await;
        assert_eq!(
            got.iter().map(WorklistRow::key).collect::<Vec<_>>(),
            want,
            "{today}"
        );
        assert!(got
            .iter()
            .all(|row| row.referral_id.is_none() && row.assignment_id.is_none()));
        days_with_items += usize::from(!want.is_empty());
        if n % 10 != 0 {
            continue;
        }
        // The same rows among every kind, in the same order.
        let every_kind = WorklistQuery {
            kinds: None,
            ..query.clone()
        };
        let among_all: Vec<WorklistKey> = listed(&receiver, &every_kind, 13)
            .await
            .iter()
            .filter(|row| row.kind == WorkItemKind::TransferOfferWaiting)
            .map(WorklistRow::key)
            .collect();
        assert_eq!(among_all, want, "{today}, every kind");
        // Never on the sender's list.
        assert_eq!(listed(&sender, &query, 50).await, [], "{today}");
    }
    assert!(
        days_with_items >= 50,
        "only {days_with_items} days list offers"
    );
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
    // Camden holds one child who moved from Islington and has one offer waiting, Islington one
    // offer from Camden; loading again (a restart on the same data directory) adds none again.
    load_demo_data(&pool).await.expect("demo data loads again");
    let camden = LocalAuthorityCode::parse(DEMO_AUTHORITIES[1].0).expect("code");
    let incoming = tenant(&pool, &camden)
        .transfers_page(
            stable_futures_persistence::TransferDirection::Incoming,
            None,
            10,
            None,
        )
        .await
        .expect("transfers");
    let statuses: Vec<&str> = incoming.items.iter().map(|t| t.status.as_str()).collect();
    assert_eq!(statuses, ["ACCEPTED", "OFFERED"]);
    let islington = LocalAuthorityCode::parse(DEMO_AUTHORITIES[0].0).expect("code");
    let to_islington = tenant(&pool, &islington)
        .transfers_page(
            stable_futures_persistence::TransferDirection::Incoming,
            None,
            10,
            None,
        )
        .await
        .expect("transfers");
    let statuses: Vec<&str> = to_islington
        .items
        .iter()
        .map(|t| t.status.as_str())
        .collect();
    assert_eq!(statuses, ["OFFERED"]);
    let moved = tenant(&pool, &camden)
        .child(incoming.items[0].child_id)
        .await
        .expect("read")
        .expect("Camden holds the child who moved");
    assert_eq!(
        moved
            .recorded_by_local_authority
            .as_ref()
            .map(|c| c.as_str()),
        Some(DEMO_AUTHORITIES[0].0)
    );
}
