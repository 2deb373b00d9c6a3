//! A query holds one pooled connection for all its reads (decision 0008). Nothing it reads may
//! need a second one: with more concurrent queries than connections, a query waiting for a
//! second connection while holding its first would wait for the others, which wait for it.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::SERVER;
use stable_futures_test_support::process;
use stable_futures_test_support::process::{
    assert_ok, text_at, token_all, ServerProcess, ISLINGTON,
};

const PAGE: &str = "query Page { outcomeFramework { version } children(first: 10) { totalCount nodes { id referrals(first: 5) { nodes { id timeline { kind } } } guardianAssignments { id daysFromReferralToAssignment } outcomeMeasurements(first: 5) { nodes { id supersededById outcome { key } } } } } }";

async fn with_two_connections(
    database: &stable_futures_persistence::testing::TestDatabase,
) -> ServerProcess {
    ServerProcess::builder(SERVER, database)
        .env("SF_DB_POOL_SIZE", "2")
        .start()
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_concurrent_queries_than_connections_all_answer() {
    let database = process::database().await;
    let server = with_two_connections(&database).await;
    let token = token_all(ISLINGTON);
    let registered = server
        .graphql(
            &token,
            "mutation($input: RegisterChildInput!) { registerChild(input: $input) { child { id } } }",
            json!({ "input": { "localChildId": "POOL1", "dateOfBirth": "2010-05-01" } }),
        )
        .await;
    assert_ok(&registered);
    let child = text_at(&registered.2, "/data/registerChild/child/id");
    let measured = server
        .graphql(
            &token,
            "mutation($input: RecordOutcomeMeasurementInput!) { recordOutcomeMeasurement(input: $input) { measurement { id } } }",
            json!({ "input": { "childId": child, "outcomeKey": "being_safe_and_feeling_safe", "observedAt": "2025-04-01T10:00:00Z", "youngPersonParticipated": true, "youngPersonRating": 3 } }),
        )
        .await;
    assert_ok(&measured);

    let started = Instant::now();
    let queries: Vec<_> = (0..12)
        .map(|_| tokio::spawn(server.graphql_request(&token, PAGE, json!({}))))
        .collect();
    for query in queries {
        let reply = query.await.expect("task").expect("answered");
        assert_ok(&reply);
        assert_eq!(
            reply.2["data"]["children"]["nodes"][0]["outcomeMeasurements"]["nodes"][0]["outcome"]
                ["key"],
            "being_safe_and_feeling_safe"
        );
    }
    // Well under the pool's 5 s wait for a connection: nobody waited for one that never came.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "12 queries on 2 connections took {:?}",
        started.elapsed()
    );
}

/// The pool hands out a connection without a test query first (docs/performance.md), so it must
/// know by itself when the database has closed one: after a restart or failover every pooled
/// connection is gone, and no request may fail for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_the_database_closed_are_not_handed_out() {
    let database = process::database().await;
    let server = with_two_connections(&database).await;
    let token = token_all(ISLINGTON);
    // Both connections opened and back in the pool.
    let queries: Vec<_> = (0..4)
        .map(|_| tokio::spawn(server.graphql_request(&token, PAGE, json!({}))))
        .collect();
    for query in queries {
        assert_ok(&query.await.expect("task").expect("answered"));
    }

    let terminated = database
        .owner_query(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid() \
             AND usename <> current_user",
        )
        .await;
    let terminated: u32 = terminated[0].parse().expect("a count");
    assert!(terminated >= 1, "no server connection to close");
    tokio::time::sleep(Duration::from_millis(300)).await;

    for _ in 0..4 {
        assert_ok(&server.graphql(&token, PAGE, json!({})).await);
    }
}
