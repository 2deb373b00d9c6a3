//! The shared writer of reads' audit rows: concurrent requests' rows committed together, each
//! row as its own request said, each authority's under its own tenant setting; a failed flush
//! reported to every request in it, and the writer back by itself once the trail is writable
//! or on a new connection when its own was closed under it.

use std::collections::BTreeSet;
use std::sync::Arc;

use stable_futures_domain::audit::{AuditContext, FieldsClass, TraceId};
use stable_futures_domain::ids::ChildId;
use stable_futures_domain::local_authority::LocalAuthorityCode;
use stable_futures_domain::principal::{Principal, Scope};
use stable_futures_persistence::{Database, PersistenceError, TenantDb};

mod common;

use common::{setup, CAMDEN, ISLINGTON};

fn reader(pool: &Database, la: &str, subject: &str) -> TenantDb {
    pool.for_principal(Arc::new(Principal {
        subject: subject.to_owned(),
        client: Some(format!("client-{subject}")),
        local_authority: LocalAuthorityCode::parse(la).expect("code"),
        scopes: Scope::ALL.iter().copied().collect::<BTreeSet<_>>(),
    }))
}

fn trace(n: usize) -> TraceId {
    TraceId::parse(&format!("{:032x}", n + 1)).expect("a trace id")
}

fn entries(n: usize) -> Vec<(Option<ChildId>, BTreeSet<FieldsClass>)> {
    (0..n)
        .map(|_| {
            (
                Some(ChildId::generate()),
                [FieldsClass::Identifiers, FieldsClass::Outcomes].into(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_rows_are_committed_together_each_as_its_request_said() {
    let (database, pool) = setup().await;
    let requests = 60;
    let mut written = tokio::task::JoinSet::new();
    for n in 0..requests {
        let la = if n % 3 == 0 { CAMDEN } else { ISLINGTON };
        let db = reader(&pool, la, &format!("reader{n}"));
        written.spawn(async move {
            let audit = AuditContext::new(&format!("operation{n}"), Some(trace(n)), None);
            db.record_reads(&audit, entries(1 + n % 4)).await
        });
    }
    while let Some(result) = written.join_next().await {
        result.expect("joined").expect("written");
    }
    // Every row as its own request said it: authority, subject, client, operation, trace.
    let rows = database
        .owner_query(
            "SELECT local_authority || '|' || subject || '|' || client || '|' || operation || '|' \
               || trace_id || '|' || array_to_string(fields_class, ',') || '|' || action \
             FROM audit_events ORDER BY subject, id",
        )
        .await;
    let mut expected = Vec::new();
    for n in 0..requests {
        let la = if n % 3 == 0 { CAMDEN } else { ISLINGTON };
        for _ in 0..(1 + n % 4) {
            expected.push(format!(
                "{la}|reader{n}|client-reader{n}|operation{n}|{}|IDENTIFIERS,OUTCOMES|READ",
                trace(n).as_str()
            ));
        }
    }
    expected.sort();
    let mut rows = rows;
    rows.sort();
    assert_eq!(rows, expected);
    // Written in fewer transactions than requests: the rows of requests that arrived while a
    // flush was in progress went in the next one together.
    let transactions = database
        .owner_query("SELECT count(DISTINCT xmin::text) FROM audit_events")
        .await;
    let transactions: usize = transactions[0].parse().expect("a count");
    assert!(
        transactions < requests,
        "{transactions} transactions for {requests} requests"
    );
    // And flushes held both authorities' rows, each under its own tenant setting: row-level
    // security checks every row against the setting, so a setting left from the other
    // authority would have refused the flush.
    let mixed = database
        .owner_query(
            "SELECT count(*) FROM (SELECT xmin::text FROM audit_events GROUP BY 1 \
               HAVING count(DISTINCT local_authority) = 2) AS both_authorities",
        )
        .await;
    assert_ne!(mixed, ["0"], "no flush held both authorities' rows");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flush_that_fails_is_reported_to_its_requests_and_the_writer_recovers() {
    let (database, pool) = setup().await;
    let db = reader(&pool, ISLINGTON, "reader");
    let audit = AuditContext::new("Reading", None, None);
    database
        .owner_execute("REVOKE INSERT ON audit_events FROM stable_futures_app")
        .await;
    let refused = db.record_reads(&audit, entries(2)).await;
    assert!(
        matches!(refused, Err(PersistenceError::AuditUnwritten(_))),
        "{refused:?}"
    );
    // Its message names no value: only that the rows were not written and the kind of failure.
    let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.starts_with("the read's audit rows were not written"),
        "{message}"
    );

    database
        .owner_execute("GRANT INSERT ON audit_events TO stable_futures_app")
        .await;
    db.record_reads(&audit, entries(3))
        .await
        .expect("written again");
    // Its connection ended under it (a restart, a failover): the next flush connects anew.
    let ended = database
        .owner_query(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = current_database() AND usename <> current_user",
        )
        .await;
    assert_ne!(ended, ["0"], "the writer's connection was there to end");
    db.record_reads(&audit, entries(1))
        .await
        .expect("written on a new connection");
    let rows = database
        .owner_query("SELECT count(*) FROM audit_events")
        .await;
    assert_eq!(rows, ["4"], "the refused flush's 2 rows were not written");
    // Nothing written for an empty read, and no wait.
    db.record_reads(&audit, Vec::new())
        .await
        .expect("nothing to write");
}
