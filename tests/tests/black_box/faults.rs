//! Database connections dropped under write load (as a PostgreSQL restart or failover drops
//! them): the server stays up, answers clean errors meanwhile, recovers by itself, and a client
//! that retries with its idempotency keys ends with every write exactly once.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use stable_futures_test_support::fixtures::{self, RECORD_MEASUREMENT};
use stable_futures_test_support::{TestApp, ISLINGTON};

const WRITERS: usize = 6;
const WRITES_EACH: usize = 25;

/// Ends every connection the server's role holds to this test's database (the server's pool,
/// its audit writer and its change listener), as a restart would.
async fn drop_connections(app: &TestApp) -> usize {
    let ended = app
        .database
        .owner_query(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = current_database() AND usename <> current_user",
        )
        .await;
    ended.first().and_then(|n| n.parse().ok()).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_retried_with_their_keys_through_dropped_connections_land_exactly_once() {
    let app = Arc::new(TestApp::spawn().await);
    let token = app.token_all(ISLINGTON);
    let child = fixtures::child(&app, &token, "FAULT1").await;

    let mut writers = tokio::task::JoinSet::new();
    for writer in 0..WRITERS {
        let (app, token, child) = (Arc::clone(&app), token.clone(), child.clone());
        writers.spawn(async move {
            let mut failures = Vec::new();
            for n in 0..WRITES_EACH {
                let input =
                    fixtures::keyed_measurement(&child, &format!("fault-{writer}-{n}"), 1 + n % 5);
                let mut attempts = 0;
                loop {
                    attempts += 1;
                    assert!(attempts <= 100, "write {writer}-{n} never succeeded");
                    let answer = app.graphql(&token, RECORD_MEASUREMENT, input.clone()).await;
                    if answer.status == 200 && answer.body["errors"].is_null() {
                        assert_eq!(
                            answer.user_error_codes("recordOutcomeMeasurement"),
                            Vec::<String>::new(),
                            "a retry with its key is the same write"
                        );
                        break;
                    }
                    // While connections are being dropped: a clean error, never a leak.
                    failures.push((answer.status, answer.error_codes()));
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
            failures
        });
    }
    // Drop every connection every 50 ms for as long as the writes run.
    let stop = tokio_util::sync::CancellationToken::new();
    let dropper = tokio::spawn({
        let (app, stop) = (Arc::clone(&app), stop.clone());
        async move {
            let mut ended = 0;
            while !stop.is_cancelled() {
                tokio::time::sleep(Duration::from_millis(50)).await;
                ended += drop_connections(&app).await;
            }
            ended
        }
    });
    let mut failures = Vec::new();
    while let Some(result) = writers.join_next().await {
        failures.extend(result.expect("a writer"));
    }
    stop.cancel();
    let ended = dropper.await.expect("the dropper");
    assert!(ended > 0, "no connection was there to end");
    assert!(
        !failures.is_empty(),
        "{ended} connections ended and no request felt it: the test would show nothing"
    );
    for (status, codes) in &failures {
        assert!(
            *status == 503 && codes.iter().all(|c| c == "SERVICE_UNAVAILABLE"),
            "a clean, retryable error while connections were dropped: {status} {codes:?}"
        );
    }

    // Exactly once each: as many measurements as keys, and each key's one.
    let stored = app
        .database
        .owner_query("SELECT count(*) FROM outcome_measurements")
        .await;
    assert_eq!(
        stored,
        [(WRITERS * WRITES_EACH).to_string()],
        "{} failed attempts",
        failures.len()
    );
    let keys = app
        .database
        .owner_query("SELECT count(DISTINCT key) FROM idempotency_keys")
        .await;
    assert_eq!(keys, [(WRITERS * WRITES_EACH).to_string()]);
    // And the server is itself again: a read answers.
    app.graphql(
        &token,
        "{ children(first: 1) { nodes { localChildId } } }",
        json!({}),
    )
    .await
    .assert_ok();
}
