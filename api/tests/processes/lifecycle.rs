//! The process's life: health checks, and graceful shutdown on SIGTERM and SIGINT — stop
//! accepting connections at once, let requests already in flight finish, but never wait longer
//! than `SF_SHUTDOWN_GRACE_SECONDS`, then exit by itself.
//!
//! A request is kept in flight for as long as a test needs by holding an `ACCESS EXCLUSIVE` lock
//! on `children` as the schema owner: the server's `children` query waits on it inside
//! PostgreSQL, and the test knows it is waiting from `pg_locks`, not from a sleep.

use std::time::{Duration, Instant};

use crate::SERVER;
use serde_json::json;
use stable_futures_test_support::process;
use stable_futures_test_support::process::{
    assert_ok, at, refuses_connections, token_all, Reply, ServerProcess, TableLock, ISLINGTON,
};
use tokio::task::JoinHandle;

const REGISTER_CHILD: &str = "mutation($input: RegisterChildInput!) { registerChild(input: $input) { child { id } userErrors { code } } }";
const CHILDREN: &str = "{ children(first: 10) { nodes { localChildId } } }";

/// Time for a loaded machine to deliver a signal and close a listening socket.
const STOP_ACCEPTING_WITHIN: Duration = Duration::from_secs(5);
/// Time for the in-flight request to be seen waiting on the lock.
const WAITER_WITHIN: Duration = Duration::from_secs(15);

type InFlight = JoinHandle<Result<Reply, reqwest::Error>>;

/// Returns once the request is known to wait on `lock` inside PostgreSQL; panics with what
/// became of it otherwise.
async fn wait_until_blocked(
    lock: &TableLock<'_>,
    in_flight: &mut InFlight,
    server: &ServerProcess,
) {
    if lock.wait_for_waiter(WAITER_WITHIN).await {
        return;
    }
    let outcome = if in_flight.is_finished() {
        format!("it ended: {:?}", in_flight.await)
    } else {
        "it is still pending".to_owned()
    };
    panic!(
        "the children query was not seen waiting on the lock within {WAITER_WITHIN:?}; {outcome}\n{}",
        server.logs_text()
    );
}

async fn register(server: &ServerProcess, token: &str, local_child_id: &str) {
    let answer = server
        .graphql(
            token,
            REGISTER_CHILD,
            json!({ "input": { "localChildId": local_child_id, "dateOfBirth": "2010-05-01" } }),
        )
        .await;
    assert_ok(&answer);
    assert_eq!(at(&answer.2, "/data/registerChild/userErrors"), &json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_and_ready_answer_200_on_a_migrated_database() {
    let database = process::database().await;
    let server = ServerProcess::start(SERVER, &database).await;

    // Without a token: a load balancer or kubelet has none.
    let (status, headers, _) = server.get("/health/live").await;
    assert_eq!(status, 200);
    // A cached "healthy" must not outlive the process.
    assert_eq!(headers["cache-control"], "no-store");
    let (status, _, body) = server.get("/health/ready").await;
    assert_eq!(status, 200, "{body}\n{}", server.logs_text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_refuses_new_connections_and_lets_the_request_in_flight_finish() {
    let database = process::database().await;
    // A grace far beyond what the test needs: the request must finish because it is let finish,
    // not because the bound happened to be long enough.
    let server = ServerProcess::builder(SERVER, &database)
        .shutdown_grace_seconds(60)
        .start()
        .await;
    let token = token_all(ISLINGTON);
    register(&server, &token, "INFLIGHT1").await;

    let lock = TableLock::take(&database, "children").await;
    let mut in_flight = tokio::spawn(server.graphql_request(&token, CHILDREN, json!({})));
    wait_until_blocked(&lock, &mut in_flight, &server).await;

    server.sigterm();
    assert!(
        refuses_connections(server.address, STOP_ACCEPTING_WITHIN).await,
        "still accepting connections {STOP_ACCEPTING_WITHIN:?} after SIGTERM\n{}",
        server.logs_text()
    );
    assert!(!in_flight.is_finished(), "the blocked request ended early");
    assert_eq!(
        server.try_exit_status(),
        None,
        "exited with a request in flight\n{}",
        server.logs_text()
    );

    lock.release().await;
    let answer = tokio::time::timeout(Duration::from_secs(20), in_flight)
        .await
        .expect("the in-flight request finished once the lock was released")
        .expect("request task")
        .unwrap_or_else(|error| {
            panic!(
                "the in-flight request got no answer: {error:?}\n{}",
                server.logs_text()
            )
        });
    assert_ok(&answer);
    assert_eq!(
        at(&answer.2, "/data/children/nodes"),
        &json!([{ "localChildId": "INFLIGHT1" }])
    );

    let status = server.wait_exit(Duration::from_secs(15)).await;
    let status = status.unwrap_or_else(|| {
        panic!(
            "still running 15 s after its last request\n{}",
            server.logs_text()
        )
    });
    assert!(status.success(), "{status}\n{}", server.logs_text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_exits_within_the_grace_period_even_if_a_request_never_finishes() {
    let database = process::database().await;
    let server = ServerProcess::builder(SERVER, &database)
        .shutdown_grace_seconds(2)
        .start()
        .await;
    let token = token_all(ISLINGTON);

    let lock = TableLock::take(&database, "children").await;
    let mut in_flight = tokio::spawn(server.graphql_request(&token, CHILDREN, json!({})));
    wait_until_blocked(&lock, &mut in_flight, &server).await;

    let signalled = Instant::now();
    server.sigterm();
    // 2 s of grace, and 6 s for a loaded machine to stop the runtime and the pool.
    let status = server.wait_exit(Duration::from_secs(8)).await;
    let elapsed = signalled.elapsed();
    let status = status.unwrap_or_else(|| {
        panic!(
            "still running 8 s after SIGTERM with SF_SHUTDOWN_GRACE_SECONDS=2\n{}",
            server.logs_text()
        )
    });
    // It waited for the request (graceful), and then stopped waiting (bounded).
    assert!(
        elapsed >= Duration::from_millis(1500),
        "exited {elapsed:?} after SIGTERM: it did not wait for the request in flight\n{}",
        server.logs_text()
    );
    // Exited by itself, not killed by the signal's default action.
    assert!(status.code().is_some(), "{status}\n{}", server.logs_text());
    // The lock is still held: the request cannot have been answered with data.
    let answer = tokio::time::timeout(Duration::from_secs(5), in_flight)
        .await
        .expect("the abandoned request's connection is closed when the process exits")
        .expect("request task");
    assert!(
        !matches!(&answer, Ok((200, _, body)) if body.get("data").is_some_and(|d| !d.is_null())),
        "a request blocked on the lock was answered with data: {answer:?}"
    );
    lock.release().await;
}

/// SIGINT (Ctrl-C) and SIGTERM end the process the same way: it stops accepting, closes idle
/// keep-alive connections rather than waiting on them, and exits successfully.
async fn an_idle_server_exits_successfully_on(signal: nix::sys::signal::Signal) {
    let database = process::database().await;
    let server = ServerProcess::builder(SERVER, &database)
        .shutdown_grace_seconds(30)
        .start()
        .await;
    // Leaves a keep-alive connection open in the harness's client.
    let answer = server
        .graphql(&token_all(ISLINGTON), CHILDREN, json!({}))
        .await;
    assert_ok(&answer);
    assert_eq!(at(&answer.2, "/data/children/nodes"), &json!([]));

    server.signal(signal);
    // Far below the 30 s grace: an idle connection must not hold the shutdown up.
    let status = server
        .wait_exit(Duration::from_secs(10))
        .await
        .unwrap_or_else(|| {
            panic!(
                "still running 10 s after {signal} with nothing in flight\n{}",
                server.logs_text()
            )
        });
    assert!(status.success(), "{status}\n{}", server.logs_text());
    assert!(refuses_connections(server.address, Duration::from_secs(1)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_stops_an_idle_server_cleanly() {
    an_idle_server_exits_successfully_on(nix::sys::signal::Signal::SIGINT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_an_idle_server_cleanly() {
    an_idle_server_exits_successfully_on(nix::sys::signal::Signal::SIGTERM).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_answers_503_while_the_database_lacks_a_migration_the_binary_has() {
    let database = process::database().await;
    let server = ServerProcess::start(SERVER, &database).await;
    let newest = database
        .owner_query("SELECT max(version) FROM __diesel_schema_migrations")
        .await;
    let newest = newest.first().expect("a migration was applied").clone();
    assert!(!newest.is_empty(), "no migration recorded");

    database
        .owner_execute(&format!(
            "DELETE FROM __diesel_schema_migrations WHERE version = '{newest}'"
        ))
        .await;
    // A cached check may take a moment to notice; 10 s is more than any sensible cache.
    assert!(
        ready_becomes(&server, 503, Duration::from_secs(10)).await,
        "/health/ready still 200 with migration {newest} missing\n{}",
        server.logs_text()
    );
    // Liveness is about the process: restarting it would not add the migration.
    assert_eq!(server.get("/health/live").await.0, 200);

    database
        .owner_execute(&format!(
            "INSERT INTO __diesel_schema_migrations (version) VALUES ('{newest}')"
        ))
        .await;
    assert!(
        ready_becomes(&server, 200, Duration::from_secs(10)).await,
        "/health/ready did not recover once migration {newest} was back\n{}",
        server.logs_text()
    );
}

async fn ready_becomes(server: &ServerProcess, wanted: u16, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if server.get("/health/ready").await.0 == wanted {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
