//! Rules the database itself enforces, checked against a real PostgreSQL: row-level security as
//! the second wall between local authorities, the server role's limits, and schema hygiene.

use std::collections::BTreeSet;

use chrono::Utc;
use diesel::sql_types::{BigInt, Text};
use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use stable_futures_domain::audit::AuditContext;
use stable_futures_persistence::migrations::run_migrations;
use stable_futures_persistence::testing::TestDatabase;
use stable_futures_persistence::{Database, PoolSettings};

mod common;

use common::{audit, draft, register, setup, tenant, CAMDEN, ISLINGTON};

/// Tables that belong to a local authority (carry `local_authority`) and tables of reference data
/// shared by all. Every table in the schema must be in one list or the other.
const TENANT_TABLES: &[&str] = &[
    "audit_events",
    "changes",
    "children",
    "guardian_assignments",
    "idempotency_keys",
    "nrm_referrals",
    "outcome_measurements",
    "referral_events",
    "worklist_settings",
];
/// Shared by the two parties of each row (a transfer: sending and receiving authority), with no
/// single `local_authority`: row-level security forced, every policy comparing with the
/// transaction's authority.
const TWO_PARTY_TABLES: &[&str] = &["transfers"];
const REFERENCE_TABLES: &[&str] = &[
    "__diesel_schema_migrations",
    "bank_holiday_coverage",
    "bank_holidays",
    "local_authorities",
    "outcome_frameworks",
    "trusted_documents",
];

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

async fn count_as_server(app_url: &str, tenant: Option<&str>, sql: &str) -> i64 {
    let mut conn = AsyncPgConnection::establish(app_url)
        .await
        .expect("server role");
    diesel::sql_query("BEGIN")
        .execute(&mut conn)
        .await
        .expect("begin");
    if let Some(tenant) = tenant {
        diesel::sql_query("SELECT set_config('app.local_authority', $1, true)")
            .bind::<Text, _>(tenant)
            .execute(&mut conn)
            .await
            .expect("set tenant");
    }
    let rows: Vec<Count> = diesel::sql_query(sql).load(&mut conn).await.expect("count");
    rows[0].count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_level_security_hides_other_tenants_even_from_a_query_without_a_filter() {
    let (database, pool) = setup().await;
    register(&tenant(&pool, ISLINGTON), "I1").await;
    register(&tenant(&pool, ISLINGTON), "I2").await;
    register(&tenant(&pool, CAMDEN), "C1").await;

    let unfiltered = "SELECT count(*) AS count FROM children";
    assert_eq!(
        count_as_server(&database.app_url, Some(ISLINGTON), unfiltered).await,
        2
    );
    assert_eq!(
        count_as_server(&database.app_url, Some(CAMDEN), unfiltered).await,
        1
    );
    assert_eq!(
        count_as_server(&database.app_url, None, unfiltered).await,
        0,
        "no tenant set: no rows"
    );
    // The owner (superuser here) sees all three: the rows exist, RLS is what hides them.
    assert_eq!(
        database.owner_query("SELECT count(*) FROM children").await,
        ["3"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_level_security_refuses_writes_into_or_across_another_tenant() {
    let (database, pool) = setup().await;
    let camden_child = register(&tenant(&pool, CAMDEN), "C1").await;
    let mut conn = AsyncPgConnection::establish(&database.app_url)
        .await
        .expect("server role");
    diesel::sql_query("BEGIN")
        .execute(&mut conn)
        .await
        .expect("begin");
    diesel::sql_query("SELECT set_config('app.local_authority', $1, true)")
        .bind::<Text, _>(ISLINGTON)
        .execute(&mut conn)
        .await
        .expect("tenant");
    let updated =
        diesel::sql_query("UPDATE children SET interpreter_required = true WHERE id = $1")
            .bind::<diesel::sql_types::Uuid, _>(camden_child.id.0)
            .execute(&mut conn)
            .await
            .expect("update runs");
    assert_eq!(updated, 0, "another tenant's row is invisible to UPDATE");
    let insert = diesel::sql_query(
        "INSERT INTO children (id, local_authority, local_child_id, date_of_birth, date_of_birth_estimated, \
         age_disputed, nationalities, languages, interpreter_required, version, created_at, updated_at) \
         VALUES (gen_random_uuid(), 'E09000007', 'X1', '2010-01-01', false, false, '{}', '{}', false, 1, now(), now())",
    )
    .execute(&mut conn)
    .await;
    let message = insert
        .expect_err("inserting a row for another tenant is refused")
        .to_string();
    assert!(message.contains("row-level security"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenant_handles_never_return_another_tenants_rows() {
    let (_database, pool) = setup().await;
    let islington = tenant(&pool, ISLINGTON);
    let camden_child = register(&tenant(&pool, CAMDEN), "C1").await;
    assert!(islington
        .child(camden_child.id)
        .await
        .expect("query")
        .is_none());
    let same_local_id = register(&islington, "C1").await;
    assert_ne!(
        same_local_id.id, camden_child.id,
        "local ids are unique per authority only"
    );
    assert_eq!(islington.count_children().await.expect("count"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_table_is_classified_and_every_tenant_table_forces_a_policy() {
    let database = TestDatabase::create().await;
    let tables = database
        .owner_query(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
        )
        .await;
    let known: BTreeSet<&str> = TENANT_TABLES
        .iter()
        .chain(TWO_PARTY_TABLES)
        .chain(REFERENCE_TABLES)
        .copied()
        .collect();
    for table in &tables {
        assert!(
            known.contains(table.as_str()),
            "table {table} is neither a tenant table nor reference data: classify it in this test"
        );
    }
    let with_tenant_column = database
        .owner_query(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' \
             AND column_name = 'local_authority' ORDER BY table_name",
        )
        .await;
    assert_eq!(
        with_tenant_column, TENANT_TABLES,
        "tenant tables are exactly those with local_authority"
    );
    for table in TENANT_TABLES {
        let rls = database
            .owner_query(&format!(
                "SELECT relrowsecurity::text || ',' || relforcerowsecurity::text FROM pg_class WHERE oid = 'public.{table}'::regclass"
            ))
            .await;
        assert_eq!(
            rls,
            ["true,true"],
            "{table} must enable and force row-level security"
        );
        let policies = database
            .owner_query(&format!(
                "SELECT count(*) FROM pg_policies WHERE schemaname = 'public' AND tablename = '{table}' \
                 AND qual LIKE '%current_local_authority()%' AND with_check LIKE '%current_local_authority()%'"
            ))
            .await;
        assert_eq!(
            policies,
            ["1"],
            "{table} needs a tenant policy for reads and writes"
        );
    }
    for table in TWO_PARTY_TABLES {
        let rls = database
            .owner_query(&format!(
                "SELECT relrowsecurity::text || ',' || relforcerowsecurity::text FROM pg_class WHERE oid = 'public.{table}'::regclass"
            ))
            .await;
        assert_eq!(
            rls,
            ["true,true"],
            "{table} must enable and force row-level security"
        );
        let unscoped = database
            .owner_query(&format!(
                "SELECT policyname FROM pg_policies WHERE schemaname = 'public' AND tablename = '{table}' \
                 AND coalesce(qual, '') NOT LIKE '%current_local_authority()%' \
                 AND coalesce(with_check, '') NOT LIKE '%current_local_authority()%'"
            ))
            .await;
        assert_eq!(
            unscoped,
            Vec::<String>::new(),
            "every policy of {table} names the caller's authority"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_foreign_key_is_indexed() {
    let database = TestDatabase::create().await;
    // Foreign keys with no index led by their first column. (Composite keys pair an id with
    // `local_authority`; an index led by the id already finds the few matching rows.)
    let unindexed = database
        .owner_query(
            "SELECT c.conrelid::regclass::text || '.' || c.conname FROM pg_constraint c \
             WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace AND NOT EXISTS ( \
               SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])",
        )
        .await;
    assert_eq!(unindexed, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_role_owns_nothing_cannot_bypass_security_and_cannot_rewrite_history() {
    let database = TestDatabase::create().await;
    let mut conn = AsyncPgConnection::establish(&database.app_url)
        .await
        .expect("server role");
    let me: Vec<Name> = diesel::sql_query("SELECT current_user::text AS name")
        .load(&mut conn)
        .await
        .expect("whoami");
    let role = &me[0].name;
    let flags = database
        .owner_query(&format!(
            "SELECT rolsuper::text || ',' || rolbypassrls::text FROM pg_roles WHERE rolname = '{role}'"
        ))
        .await;
    assert_eq!(flags, ["false,false"]);
    let owned = database
        .owner_query(&format!(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner \
             WHERE c.relnamespace = 'public'::regnamespace AND pg_has_role('{role}', r.oid, 'MEMBER')"
        ))
        .await;
    assert_eq!(owned, ["0"], "the server role must own no table");
    for (table, privilege, allowed) in [
        ("referral_events", "UPDATE", false),
        ("referral_events", "DELETE", false),
        ("outcome_measurements", "UPDATE", false),
        ("outcome_measurements", "DELETE", false),
        ("audit_events", "UPDATE", false),
        ("audit_events", "DELETE", false),
        ("audit_events", "TRUNCATE", false),
        // The feed is append-only; erasure goes through `erase_child`, never a DELETE.
        ("changes", "UPDATE", false),
        ("changes", "DELETE", false),
        ("changes", "INSERT", true),
        ("children", "DELETE", false),
        ("nrm_referrals", "DELETE", false),
        ("local_authorities", "INSERT", false),
        ("outcome_frameworks", "INSERT", false),
        ("children", "INSERT", true),
        ("outcome_measurements", "INSERT", true),
        ("audit_events", "INSERT", true),
        ("audit_events", "SELECT", true),
    ] {
        let granted = database
            .owner_query(&format!(
                "SELECT has_table_privilege('{role}', '{table}', '{privilege}')::text"
            ))
            .await;
        assert_eq!(granted, [allowed.to_string()], "{privilege} on {table}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_are_idempotent_and_a_framework_is_current() {
    let database = TestDatabase::create().await;
    let applied = run_migrations(&database.owner_url)
        .await
        .expect("migrate again");
    assert!(
        applied.is_empty(),
        "a migrated database has nothing pending: {applied:?}"
    );
    let current = database
        .owner_query("SELECT version FROM outcome_frameworks WHERE is_current")
        .await;
    assert_eq!(current, ["csf-pof-summary-2022.1"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_trail_is_written_with_each_change_and_the_server_role_cannot_rewrite_it() {
    let (database, pool) = setup().await;
    let child = register(&tenant(&pool, ISLINGTON), "I1").await;
    let rows_for_child = format!(
        "SELECT action || ' ' || operation || ' ' || array_to_string(fields_class, ',') \
         FROM audit_events WHERE child_id = '{}'",
        child.id
    );
    assert_eq!(
        database.owner_query(&rows_for_child).await,
        ["CREATE persistenceTests IDENTIFIERS"],
        "registering a child writes its audit row in the same transaction"
    );
    for sql in [
        "UPDATE audit_events SET purpose = 'rewritten'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ] {
        // A connection of its own for each attempt: a refused statement aborts a transaction.
        let mut conn = AsyncPgConnection::establish(&database.app_url)
            .await
            .expect("server role");
        diesel::sql_query("SELECT set_config('app.local_authority', $1, false)")
            .bind::<Text, _>(ISLINGTON)
            .execute(&mut conn)
            .await
            .expect("tenant");
        let message = diesel::sql_query(sql)
            .execute(&mut conn)
            .await
            .expect_err("the server role may not rewrite the audit trail")
            .to_string();
        assert!(message.contains("permission denied"), "{sql}: {message}");
    }
    assert_eq!(
        database.owner_query(&rows_for_child).await,
        ["CREATE persistenceTests IDENTIFIERS"]
    );
}

/// A query's shared transaction that is never committed (a request that panicked or was
/// cancelled) must not reach the next caller: its connection, still inside the transaction with
/// the tenant set, is discarded by the pool instead of reused.
#[tokio::test]
async fn an_abandoned_shared_transaction_never_reaches_the_next_caller() {
    let (database, _) = setup().await;
    let pool = Database::connect(
        &database.app_url,
        &PoolSettings {
            max_size: 1,
            ..PoolSettings::default()
        },
    )
    .await
    .expect("pool of one");
    let islington = tenant(&pool, ISLINGTON);
    register(&islington, "ABANDON1").await;

    let shared = tenant(&pool, ISLINGTON).sharing_one_transaction();
    assert_eq!(shared.count_children().await.expect("count"), 1);
    // The only connection is now inside the shared transaction.
    let in_transaction = format!(
        "SELECT count(*)::text FROM pg_stat_activity WHERE datname = '{}' AND state LIKE 'idle in transaction%'",
        database.name
    );
    assert_eq!(database.owner_query(&in_transaction).await, ["1"]);
    drop(shared);

    // Camden gets the pool's one connection: a fresh one, outside any transaction, with no
    // tenant set — so it sees none of Islington's children.
    let camden = tenant(&pool, CAMDEN);
    assert_eq!(camden.count_children().await.expect("count"), 0);
    // Reused, the old connection would still be "idle in transaction" (Camden's work nested in
    // Islington's transaction as a savepoint); discarded, it is gone.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while database.owner_query(&in_transaction).await != ["0"] {
        assert!(
            std::time::Instant::now() < deadline,
            "a connection is still inside the abandoned transaction"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let camden_shared = tenant(&pool, CAMDEN).sharing_one_transaction();
    assert_eq!(camden_shared.count_children().await.expect("count"), 0);
    camden_shared.commit_shared().await.expect("commit");
    // And a committed shared transaction gives its connection back for reuse.
    assert_eq!(islington.count_children().await.expect("count"), 1);
}

/// Parsed frameworks are kept by version, but which version is current is asked each time: a
/// framework an administrator makes current while servers run is the one the next measurement
/// is recorded against.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_framework_made_current_while_running_is_used_by_the_next_measurement() {
    use stable_futures_domain::outcomes::OutcomeFramework;
    let (database, pool) = setup().await;
    let db = tenant(&pool, ISLINGTON);
    let child = register(&db, "F1").await;
    let audit = AuditContext::new("databaseRules", None, None);
    let shipped = OutcomeFramework::default_catalogue();
    let dropped = shipped.outcomes().next().expect("an outcome").key.clone();
    let kept = shipped.outcomes().last().expect("an outcome").key.clone();
    let first = db
        .record_measurement(child.id, draft(&dropped), Utc::now(), &audit, None)
        .await
        .expect("recorded against the shipped framework");
    assert_eq!(first.framework_version, shipped.version);

    let mut next = shipped.clone();
    next.version = "test-next-1".into();
    for principle in &mut next.principles {
        principle.outcomes.retain(|outcome| outcome.key != dropped);
    }
    let mut owner = AsyncPgConnection::establish(&database.owner_url)
        .await
        .expect("owner");
    stable_futures_persistence::load_framework(&mut owner, &next, true)
        .await
        .expect("new framework loaded and made current");

    assert_eq!(
        pool.current_framework().await.expect("current").version,
        "test-next-1"
    );
    let second = db
        .record_measurement(child.id, draft(&kept), Utc::now(), &audit, None)
        .await
        .expect("recorded against the new framework");
    assert_eq!(second.framework_version, "test-next-1");
    let refused = db
        .record_measurement(child.id, draft(&dropped), Utc::now(), &audit, None)
        .await;
    assert!(
        refused.is_err(),
        "an outcome the current framework no longer has is refused: {refused:?}"
    );
    // The earlier measurement still reads its own version's outcome.
    let old = db
        .framework(&shipped.version)
        .await
        .expect("read")
        .expect("stored");
    assert!(old.outcomes().any(|outcome| outcome.key == dropped));
}

/// Runs `sql` as the server's role in a transaction for `tenant`: PostgreSQL's message if it
/// fails.
async fn as_server(database: &TestDatabase, tenant: &str, sql: &str) -> Option<String> {
    database
        .app_query_error(&format!(
            "BEGIN; SELECT set_config('app.local_authority', '{tenant}', true); {sql}; COMMIT"
        ))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_move_function_moves_a_child_and_only_for_the_receiver_of_an_offer() {
    use stable_futures_domain::local_authority::LocalAuthorityCode;
    use stable_futures_domain::transfer::{TransferOffer, TransferReason};
    let (database, pool) = setup().await;
    let islington = tenant(&pool, ISLINGTON);
    let child = register(&islington, "I1").await;
    let transfer = islington
        .offer_transfer(
            TransferOffer {
                child_id: child.id,
                to: LocalAuthorityCode::parse(CAMDEN).expect("code"),
                reason: TransferReason::FamilyMove,
                responsibility_from: Utc::now().date_naive(),
                note: None,
            },
            Utc::now(),
            &audit(),
            None,
        )
        .await
        .expect("offered");
    let (child_id, transfer_id) = (child.id.0, transfer.id.0);
    let refused = |message: Option<String>, what: &str| {
        let message = message.unwrap_or_else(|| panic!("{what}: allowed"));
        assert!(
            message.contains("row-level security") || message.contains("transfer not found"),
            "{what}: {message}"
        );
    };
    // Neither party moves a row by hand, nor fakes the state the move function keys on.
    refused(
        as_server(
            &database,
            ISLINGTON,
            &format!("UPDATE children SET local_authority = '{CAMDEN}' WHERE id = '{child_id}'"),
        )
        .await,
        "the sender moving the child",
    );
    for status in ["ACCEPTED", "MOVING", "OFFERED"] {
        refused(
            as_server(&database, CAMDEN, &format!("UPDATE transfers SET status = '{status}', ended_at = CASE WHEN '{status}' = 'ACCEPTED' THEN now() END WHERE id = '{transfer_id}'")).await,
            status,
        );
    }
    // The sender cannot accept its own offer; a third authority cannot see it to record a step.
    refused(
        as_server(&database, ISLINGTON, &format!("SELECT accept_transfer('{transfer_id}', 'X1', true, false, now(), '{{TRANSFER}}', 's', NULL, 'op', NULL, NULL, NULL)")).await,
        "the sender accepting",
    );
    refused(
        as_server(&database, "S12000049", &format!("SELECT record_transfer_step('{transfer_id}', 'STATE_CHANGED', '{{TRANSFER}}', 's', NULL, 'op', NULL, NULL, NULL)")).await,
        "a third authority recording a step",
    );
    // An offer of another authority's child is refused at the row.
    let camden_child = register(&tenant(&pool, CAMDEN), "C1").await;
    refused(
        as_server(&database, ISLINGTON, &format!(
            "INSERT INTO transfers VALUES (gen_random_uuid(), '{}', '{ISLINGTON}', '{CAMDEN}', 'FAMILY_MOVE', current_date, NULL, 15, false, false, false, 'OFFERED', 1, now(), NULL, NULL, now(), now())",
            camden_child.id.0
        )).await,
        "offering another authority's child",
    );
    // Nothing moved; the receiver's own transaction, through the function, moves it.
    assert_eq!(
        database
            .owner_query(&format!(
                "SELECT local_authority FROM children WHERE id = '{child_id}'"
            ))
            .await,
        [ISLINGTON]
    );
    assert_eq!(
        as_server(&database, CAMDEN, &format!("SELECT accept_transfer('{transfer_id}', 'C9', true, false, now(), '{{TRANSFER}}', 's', NULL, 'op', NULL, NULL, NULL)")).await,
        None
    );
    assert_eq!(
        database.owner_query(&format!("SELECT local_authority || ',' || recorded_by_local_authority FROM children WHERE id = '{child_id}'")).await,
        [format!("{CAMDEN},{ISLINGTON}")]
    );
    // The move never leaves a transfer MOVING.
    assert_eq!(
        database
            .owner_query("SELECT count(*) FROM transfers WHERE status = 'MOVING'")
            .await,
        ["0"]
    );
}

#[derive(QueryableByName)]
struct Backends {
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Integer>)]
    pids: Vec<i32>,
}

/// The server role's sessions in the test's database, as the owner sees them.
async fn app_backends(owner: &mut AsyncPgConnection) -> Vec<i32> {
    diesel::sql_query(
        "SELECT coalesce(array_agg(pid ORDER BY pid), '{}') AS pids FROM pg_stat_activity \
         WHERE datname = current_database() AND usename <> current_user \
           AND backend_type = 'client backend'",
    )
    .get_result::<Backends>(owner)
    .await
    .expect("pg_stat_activity")
    .pids
}

/// A backend keeps the plans it made (foreign-key checks' among them) for its session's life:
/// a connection past `max_connection_age` is replaced rather than handed out again, and one
/// younger is reused.
#[tokio::test]
async fn a_connection_past_its_age_is_replaced_and_a_younger_one_reused() {
    let (database, _) = setup().await;
    let mut owner = AsyncPgConnection::establish(&database.owner_url)
        .await
        .expect("owner connects");
    let sessions = |max_connection_age| {
        let url = database.app_url.clone();
        async move {
            Database::connect(
                &url,
                &PoolSettings {
                    max_size: 1,
                    max_connection_age,
                    ..PoolSettings::default()
                },
            )
            .await
            .expect("pool of one")
        }
    };

    let young = sessions(std::time::Duration::from_secs(3600)).await;
    young.ping().await.expect("ping");
    let first = app_backends(&mut owner).await;
    assert_eq!(first.len(), 1, "{first:?}");
    young.ping().await.expect("ping");
    assert_eq!(app_backends(&mut owner).await, first);
    drop(young);

    let aged = sessions(std::time::Duration::ZERO).await;
    aged.ping().await.expect("ping");
    let mut seen = BTreeSet::new();
    for _ in 0..3 {
        aged.ping().await.expect("ping");
        // The closed session may take a moment to leave pg_stat_activity.
        let mut now = app_backends(&mut owner).await;
        for _ in 0..50 {
            if now.len() == 1 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            now = app_backends(&mut owner).await;
        }
        assert_eq!(now.len(), 1, "one session at a time: {now:?}");
        assert!(
            seen.insert(now[0]),
            "a session was reused: {now:?} after {seen:?}"
        );
    }
}
