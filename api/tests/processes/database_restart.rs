//! PostgreSQL killed (SIGKILL) and, later, stopped and started again, under write load, while
//! the production server runs against it through `DATABASE_URL`: the server stays up, answers
//! every request while the database is gone with a clean error (no hang to a timeout), says it
//! is not ready, recovers by itself when the database is back, and writers that retry with
//! their idempotency keys end with every write exactly once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use stable_futures_persistence::testing::RestartableCluster;
use stable_futures_test_support::fixtures;
use stable_futures_test_support::process::{
    assert_ok, error_codes, text_at, token_all, user_error_codes, ServerProcess, ISLINGTON,
};

use crate::SERVER;

const WRITERS: usize = 4;
const WRITES_EACH: usize = 40;
/// A request while the database is gone must fail fast, not wait out a timeout.
const CLEAN_FAILURE_WITHIN: Duration = Duration::from_secs(5);

/// Waits until `acknowledged` reaches `count` (the writers are well under way).
async fn until_acknowledged(acknowledged: &AtomicUsize, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.load(Ordering::SeqCst) < count {
        assert!(Instant::now() < deadline, "the writers made no progress");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_retried_with_their_keys_across_a_killed_and_a_restarted_database_land_once() {
    let (cluster, database) = RestartableCluster::start().await;
    let cluster = Arc::new(std::sync::Mutex::new(cluster));
    let server = Arc::new(ServerProcess::start(SERVER, &database).await);
    let token = token_all(ISLINGTON);
    let registered = server
        .graphql(
            &token,
            "mutation($input: RegisterChildInput!) { registerChild(input: $input) { child { id } } }",
            json!({ "input": { "localChildId": "RESTART1", "dateOfBirth": "2010-05-01" } }),
        )
        .await;
    assert_ok(&registered);
    let child = text_at(&registered.2, "/data/registerChild/child/id");

    let acknowledged = Arc::new(AtomicUsize::new(0));
    let mut writers = tokio::task::JoinSet::new();
    for writer in 0..WRITERS {
        let (server, token, child) = (Arc::clone(&server), token.clone(), child.clone());
        let acknowledged = Arc::clone(&acknowledged);
        writers.spawn(async move {
            let mut failures = Vec::new();
            for n in 0..WRITES_EACH {
                let input = fixtures::keyed_measurement(
                    &child,
                    &format!("restart-{writer}-{n}"),
                    1 + n % 5,
                );
                let deadline = Instant::now() + Duration::from_secs(120);
                loop {
                    assert!(
                        Instant::now() < deadline,
                        "write {writer}-{n} never succeeded"
                    );
                    let sent = Instant::now();
                    let reply = server
                        .graphql_request(&token, fixtures::RECORD_MEASUREMENT, input.clone())
                        .await
                        .expect("an HTTP answer, even while the database is gone");
                    let (status, headers, body) = &reply;
                    if *status == 200 && body["errors"].is_null() {
                        assert_eq!(
                            user_error_codes(body, "recordOutcomeMeasurement"),
                            Vec::<String>::new(),
                            "a retry with its key is the same write"
                        );
                        acknowledged.fetch_add(1, Ordering::SeqCst);
                        break;
                    }
                    let retry_after = headers
                        .get("retry-after")
                        .and_then(|value| value.to_str().ok())
                        .and_then(|value| value.parse::<u64>().ok());
                    failures.push((*status, error_codes(body), retry_after, sent.elapsed()));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            failures
        });
    }

    // Killed as a crash would end it, while the writes run.
    until_acknowledged(&acknowledged, 20).await;
    cluster.lock().expect("cluster").kill();
    let killed_at = Instant::now();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (ready, _, _) = server.get("/health/ready").await;
    assert_ne!(ready, 200, "ready without a database");
    let restart = Arc::clone(&cluster);
    tokio::task::spawn_blocking(move || restart.lock().expect("cluster").restart())
        .await
        .expect("restarted");
    let before = acknowledged.load(Ordering::SeqCst);
    until_acknowledged(&acknowledged, before + 5).await;
    let recovered_in = killed_at.elapsed();

    // Stopped and started again (a restart for maintenance), while the writes still run.
    let stop = Arc::clone(&cluster);
    tokio::task::spawn_blocking(move || {
        let mut cluster = stop.lock().expect("cluster");
        cluster.stop();
        std::thread::sleep(Duration::from_millis(1000));
        cluster.restart();
    })
    .await
    .expect("restarted");

    let mut failures = Vec::new();
    while let Some(result) = writers.join_next().await {
        failures.extend(result.expect("a writer"));
    }
    assert!(
        failures.len() >= 2,
        "the database went away twice and no request felt it: the test would show nothing"
    );
    for (status, codes, retry_after, took) in &failures {
        // Retryable, and said to be: a client cannot mistake it for a bug.
        assert!(
            *status == 503
                && !codes.is_empty()
                && codes.iter().all(|code| code == "SERVICE_UNAVAILABLE")
                && retry_after.is_some_and(|seconds| seconds >= 1),
            "a clean, retryable error while the database was gone: {status} {codes:?} Retry-After {retry_after:?}"
        );
        assert!(
            *took < CLEAN_FAILURE_WITHIN,
            "a request waited {took:?} for a database that was gone"
        );
    }
    assert!(
        server.try_exit_status().is_none(),
        "the server stays up:\n{}",
        server.logs_text()
    );
    // Not a bug: warned about, not logged as an internal error per request.
    let logs = server.logs_text();
    assert!(!logs.contains("internal error"), "{logs}");
    assert!(logs.contains("database unavailable"), "{logs}");

    // Exactly once each: as many measurements as keys.
    let stored = database
        .owner_query("SELECT count(*) FROM outcome_measurements")
        .await;
    assert_eq!(
        stored,
        [(WRITERS * WRITES_EACH).to_string()],
        "{} failed attempts",
        failures.len()
    );
    let keys = database
        .owner_query("SELECT count(DISTINCT key) FROM idempotency_keys")
        .await;
    assert_eq!(keys, [(WRITERS * WRITES_EACH).to_string()]);
    // Ready again, and a read (with its audit rows, the shared writer's) answers.
    let (ready, _, _) = server.get("/health/ready").await;
    assert_eq!(ready, 200);
    let read = server
        .graphql(
            &token,
            "{ children(first: 1) { nodes { localChildId } } }",
            json!({}),
        )
        .await;
    assert_ok(&read);
    eprintln!(
        "{} failed attempts while the database was away; writes again {recovered_in:?} after the kill",
        failures.len()
    );
}
