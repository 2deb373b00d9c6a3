//! Failover (issue #19): two replicas of the production server run against a Patroni cluster of
//! three PostgreSQL nodes with synchronous replication, through a `DATABASE_URL` that names every
//! node (`target_session_attrs=read-write`), under keyed write load. The leader is killed — its
//! Patroni and its postmaster, SIGKILL — and later an operator's planned switchover hands over to
//! another node. Throughout: every write a client was told of is stored exactly once, no server
//! exits, a client is told only `SERVICE_UNAVAILABLE` (503, `Retry-After`) while there is no
//! primary and is told at once, the servers find each new primary by themselves, and a
//! subscription held across both receives every change once, in order.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use stable_futures_persistence::testing::TestDatabase;
use stable_futures_test_support::fixtures;
use stable_futures_test_support::patroni::PatroniCluster;
use stable_futures_test_support::process::{
    assert_ok, error_codes, text_at, token_all, user_error_codes, ServerProcess, ISLINGTON,
};

use crate::interop::{send, subscribe, Socket};
use crate::SERVER;

const FEED: &str = "query($after: String) { changes(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { cursor } } }";

/// Reads a `changes` subscription until it closes, recording each entry's cursor; fails on an
/// error entry (a subscription must ride out a failover, not end with one).
async fn follow(mut socket: Socket, delivered: Arc<Mutex<Vec<String>>>) {
    use futures::StreamExt as _;
    use tokio_tungstenite::tungstenite::Message;
    while let Some(Ok(message)) = socket.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        let value: serde_json::Value = serde_json::from_str(&text).expect("JSON message");
        match value["type"].as_str() {
            Some("ping") => send(&mut socket, json!({ "type": "pong" })).await,
            Some("next") => {
                assert!(value["payload"]["errors"].is_null(), "{value}");
                let cursor = value["payload"]["data"]["changes"]["cursor"]
                    .as_str()
                    .expect("a cursor")
                    .to_owned();
                delivered.lock().expect("delivered").push(cursor);
            }
            Some("pong") => {}
            _ => panic!("the subscription ended: {value}"),
        }
    }
}

const WRITERS: usize = 6;
/// A request while there is no primary must be answered at once, not after a timeout.
const ANSWERED_WITHIN: Duration = Duration::from_secs(5);
/// Patroni's `ttl` is 10 s: a failover must be over well within a minute.
const FAILOVER_WITHIN: Duration = Duration::from_secs(60);

/// Every entry of the caller's change feed (its cursors), paged to the end, with `consistency`
/// (a write's token) when given.
async fn whole_feed(server: &ServerProcess, token: &str, consistency: Option<&str>) -> Vec<String> {
    let headers: Vec<(&str, &str)> = consistency
        .map(|token| vec![("x-consistency-token", token)])
        .unwrap_or_default();
    let mut feed = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = server
            .graphql_with(token, &headers, FEED, json!({ "after": after }))
            .await;
        assert_ok(&page);
        let changes = &page.2["data"]["changes"];
        feed.extend(
            changes["nodes"]
                .as_array()
                .expect("nodes")
                .iter()
                .filter_map(|n| n["cursor"].as_str().map(str::to_owned)),
        );
        if !changes["pageInfo"]["hasNextPage"]
            .as_bool()
            .unwrap_or(false)
        {
            return feed;
        }
        after = changes["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
}

/// One attempt at a write, as its client saw it.
#[derive(Debug, Clone)]
struct Attempt {
    sent: Instant,
    took: Duration,
    /// `None`: acknowledged.
    refused: Option<(u16, Vec<String>, Option<u64>)>,
}

/// How long clients were without a writable primary after `event`, as they saw it: from the
/// first attempt refused after the event to the first write acknowledged after that (zero if
/// none was refused).
fn unavailable_for(attempts: &[Attempt], event: Instant) -> Duration {
    let Some(first_refused) = attempts
        .iter()
        .filter(|a| a.sent >= event && a.refused.is_some())
        .map(|a| a.sent)
        .min()
    else {
        return Duration::ZERO;
    };
    attempts
        .iter()
        .filter(|a| a.sent >= first_refused && a.refused.is_none())
        .map(|a| a.sent + a.took - first_refused)
        .min()
        .unwrap_or(Duration::MAX)
}

/// Reads measurement `id` with the consistency token of the write that made it: it must be there
/// (retried while the database is unavailable, as any read).
async fn read_own_write(server: &ServerProcess, token: &str, id: &str, consistency: &str) {
    let deadline = Instant::now() + FAILOVER_WITHIN;
    loop {
        let (status, _, body) = server
            .graphql_with(
                token,
                &[("x-consistency-token", consistency)],
                "query($id: ID!) { outcomeMeasurement(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        if status == 503 {
            assert!(
                Instant::now() < deadline,
                "no answer for {id} within {FAILOVER_WITHIN:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        assert!(body["errors"].is_null(), "{body}");
        assert_eq!(
            body["data"]["outcomeMeasurement"]["id"], id,
            "a read with the write's token missed it"
        );
        return;
    }
}

async fn until(acknowledged: &AtomicUsize, count: usize, what: &str) {
    let deadline = Instant::now() + FAILOVER_WITHIN;
    while acknowledged.load(Ordering::SeqCst) < count {
        assert!(
            Instant::now() < deadline,
            "{what}: the writers made no progress"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_land_exactly_once_across_a_killed_leader_and_a_planned_switchover() {
    let started = Instant::now();
    let mut cluster = PatroniCluster::start(3).await;
    println!("Patroni cluster of 3 up in {:?}", started.elapsed());
    let database =
        TestDatabase::on_cluster_of_hosts(&cluster.admin_base(), &cluster.address()).await;
    // Queries read from whichever nodes are standbys at the time.
    let read_url = with_hosts(&database.app_url, &cluster.address(), "read-only");
    let servers = Arc::new([
        ServerProcess::builder(SERVER, &database)
            .env("DATABASE_READ_URL", &read_url)
            .start()
            .await,
        ServerProcess::builder(SERVER, &database)
            .env("DATABASE_READ_URL", &read_url)
            .start()
            .await,
    ]);
    let own_reads = Arc::new(AtomicUsize::new(0));
    let token = token_all(ISLINGTON);
    let registered = servers[0]
        .graphql(
            &token,
            "mutation($input: RegisterChildInput!) { registerChild(input: $input) { child { id } } }",
            json!({ "input": { "localChildId": "FAILOVER1", "dateOfBirth": "2010-05-01" } }),
        )
        .await;
    assert_ok(&registered);
    let child = text_at(&registered.2, "/data/registerChild/child/id");

    // A subscriber on one replica, held across both events.
    let delivered = Arc::new(Mutex::new(Vec::<String>::new()));
    let follower = tokio::spawn(follow(
        subscribe(&servers[0], &token, None).await,
        Arc::clone(&delivered),
    ));

    let acknowledged = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let attempts = Arc::new(Mutex::new(Vec::<Attempt>::new()));
    let mut writers = tokio::task::JoinSet::new();
    for writer in 0..WRITERS {
        let (servers, token, child) = (Arc::clone(&servers), token.clone(), child.clone());
        let own_reads = Arc::clone(&own_reads);
        let (acknowledged, stop, attempts) = (
            Arc::clone(&acknowledged),
            Arc::clone(&stop),
            Arc::clone(&attempts),
        );
        writers.spawn(async move {
            let mut keys = Vec::new();
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                let key = format!("failover-{writer}-{n}");
                let input = fixtures::keyed_measurement(&child, &key, 1 + n % 5);
                let deadline = Instant::now() + FAILOVER_WITHIN;
                // Each write through either replica, retried with its key until acknowledged.
                let mut attempt = 0;
                loop {
                    assert!(Instant::now() < deadline, "write {key} never succeeded");
                    let server = &servers[(writer + attempt) % 2];
                    attempt += 1;
                    let sent = Instant::now();
                    let (status, headers, body) = server
                        .graphql_request(&token, fixtures::RECORD_MEASUREMENT, input.clone())
                        .await
                        .expect("an HTTP answer, even without a primary");
                    let took = sent.elapsed();
                    if status == 200 && body["errors"].is_null() {
                        assert_eq!(
                            user_error_codes(&body, "recordOutcomeMeasurement"),
                            Vec::<String>::new(),
                            "a retry with its key is the same write"
                        );
                        attempts.lock().expect("attempts").push(Attempt {
                            sent,
                            took,
                            refused: None,
                        });
                        // The first writer reads each write back at once with its token, through
                        // the other replica, whichever nodes are standbys by then.
                        if writer == 0 {
                            let id =
                                text_at(&body, "/data/recordOutcomeMeasurement/measurement/id");
                            let consistency = headers
                                .get("x-consistency-token")
                                .and_then(|value| value.to_str().ok())
                                .expect("a consistency token")
                                .to_owned();
                            read_own_write(&servers[attempt % 2], &token, &id, &consistency).await;
                            own_reads.fetch_add(1, Ordering::SeqCst);
                        }
                        break;
                    }
                    let retry_after = headers
                        .get("retry-after")
                        .and_then(|value| value.to_str().ok())
                        .and_then(|value| value.parse().ok());
                    attempts.lock().expect("attempts").push(Attempt {
                        sent,
                        took,
                        refused: Some((status, error_codes(&body), retry_after)),
                    });
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                acknowledged.fetch_add(1, Ordering::SeqCst);
                keys.push(key);
                n += 1;
            }
            keys
        });
    }

    // (a) The leader's machine is gone: Patroni and PostgreSQL killed, nobody hands over.
    until(&acknowledged, 60, "before the kill").await;
    let first_leader = cluster.leader().await.expect("a leader");
    cluster.kill(first_leader);
    let killed_at = Instant::now();
    let second_leader = cluster
        .wait_for_leader_other_than(first_leader, FAILOVER_WITHIN)
        .await;
    let promoted_in = killed_at.elapsed();
    let before = acknowledged.load(Ordering::SeqCst);
    until(&acknowledged, before + 60, "after the kill").await;

    // (b) A planned switchover to the remaining node (the synchronous standby).
    let candidate = (0..cluster.nodes.len())
        .find(|n| *n != first_leader && *n != second_leader)
        .expect("a third node");
    cluster
        .wait_for_synchronous_standby(candidate, FAILOVER_WITHIN)
        .await;
    let switched_at = Instant::now();
    {
        let cluster = &cluster;
        tokio::task::block_in_place(|| cluster.switchover(second_leader, candidate));
    }
    let third_leader = cluster
        .wait_for_leader_other_than(second_leader, FAILOVER_WITHIN)
        .await;
    assert_eq!(third_leader, candidate, "the switchover's candidate leads");
    let before = acknowledged.load(Ordering::SeqCst);
    until(&acknowledged, before + 60, "after the switchover").await;
    stop.store(true, Ordering::SeqCst);

    let mut keys = BTreeSet::new();
    while let Some(written) = writers.join_next().await {
        keys.extend(written.expect("a writer"));
    }
    let attempts = attempts.lock().expect("attempts").clone();
    let refused: Vec<&Attempt> = attempts.iter().filter(|a| a.refused.is_some()).collect();
    assert!(
        !refused.is_empty(),
        "no request met a missing primary: the test would show nothing"
    );
    for attempt in &refused {
        let (status, codes, retry_after) = attempt.refused.as_ref().expect("refused");
        assert!(
            *status == 503
                && !codes.is_empty()
                && codes.iter().all(|code| code == "SERVICE_UNAVAILABLE")
                && retry_after.is_some_and(|seconds| seconds >= 1),
            "only a retryable answer while there is no primary: {status} {codes:?} Retry-After {retry_after:?}"
        );
        assert!(
            attempt.took < ANSWERED_WITHIN,
            "a request waited {:?} for a primary",
            attempt.took
        );
    }
    for server in servers.iter() {
        assert!(
            server.try_exit_status().is_none(),
            "a server exited:\n{}",
            server.logs_text()
        );
    }

    // Every acknowledged write exactly once, and nothing else.
    let stored = database
        .owner_query("SELECT count(*) FROM outcome_measurements")
        .await;
    assert_eq!(
        stored,
        [keys.len().to_string()],
        "{} refused attempts",
        refused.len()
    );
    let stored_keys = database
        .owner_query("SELECT count(DISTINCT key) FROM idempotency_keys")
        .await;
    assert_eq!(stored_keys, [keys.len().to_string()]);

    // The subscription delivered every entry of the feed, once each, in the feed's order.
    let feed = whole_feed(&servers[1], &token, None).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while delivered.lock().expect("delivered").len() < feed.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!follower.is_finished(), "the subscription ended");
    follower.abort();
    let delivered = delivered.lock().expect("delivered").clone();
    assert_eq!(delivered.len(), feed.len(), "every change, once");
    assert_eq!(delivered, feed, "in the feed's order");

    let after_kill = unavailable_for(&attempts, killed_at);
    let after_switchover = unavailable_for(&attempts, switched_at);
    let own = own_reads.load(Ordering::SeqCst);
    println!(
        "a subscription held across both delivered all {} changes once each, in order; {own} \
         reads with their write's consistency token (on whichever nodes were standbys) all \
         showed it",
        feed.len()
    );
    // The first writer's writes, each read back: fewer than the others', since each costs it a
    // read (tens of ms) and the phases end on a count of all writes.
    assert!(own >= 10, "only {own} reads of a write with its token");
    println!(
        "{} writes acknowledged, {} attempts refused (all 503 SERVICE_UNAVAILABLE); \
         without a writable primary as clients saw it: {after_kill:?} after the leader was \
         killed (Patroni promoted a standby in {promoted_in:?}), {after_switchover:?} after the \
         planned switchover",
        keys.len(),
        refused.len()
    );
    assert!(after_kill < FAILOVER_WITHIN && after_switchover < FAILOVER_WITHIN);
}

/// `url` with its hosts replaced by `hosts` and its session attributes by `attributes`.
fn with_hosts(url: &str, hosts: &str, attributes: &str) -> String {
    let (credentials, rest) = url.split_once('@').expect("user@hosts");
    let (_, path) = rest.split_once('/').expect("hosts/database");
    let database = path.split('?').next().expect("a database");
    format!("{credentials}@{hosts}/{database}?target_session_attrs={attributes}")
}

const CHILD_MEASUREMENTS: &str =
    "query($id: ID!) { child(id: $id) { outcomeMeasurements(first: 100) { nodes { id } } } }";
const RECORD: &str = "mutation($input: RecordOutcomeMeasurementInput!) { recordOutcomeMeasurement(input: $input) { measurement { id } userErrors { code } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_from_standbys_show_the_callers_own_writes_and_never_skip_a_change() {
    // Standbys that apply each commit a little late, as busy ones do.
    let cluster = PatroniCluster::start_with(3, Some(Duration::from_millis(150))).await;
    let database =
        TestDatabase::on_cluster_of_hosts(&cluster.admin_base(), &cluster.address()).await;
    let leader = cluster.leader().await.expect("a leader");
    let standbys: Vec<String> = (0..cluster.nodes.len())
        .filter(|n| *n != leader)
        .map(|n| format!("127.0.0.1:{}", cluster.nodes[n].pg_port))
        .collect();
    let read_url = with_hosts(&database.app_url, &standbys.join(","), "read-only");
    let server = ServerProcess::builder(SERVER, &database)
        .env("DATABASE_READ_URL", &read_url)
        .start()
        .await;
    let token = token_all(ISLINGTON);
    let registered = server
        .graphql(
            &token,
            "mutation($input: RegisterChildInput!) { registerChild(input: $input) { child { id } } }",
            json!({ "input": { "localChildId": "STANDBY1", "dateOfBirth": "2010-05-01" } }),
        )
        .await;
    assert_ok(&registered);
    let child = text_at(&registered.2, "/data/registerChild/child/id");

    // Without the token a read right after a write may miss it (the standbys lag) ...
    let mut missed = 0;
    for n in 0..10 {
        let written = server
            .graphql(
                &token,
                RECORD,
                json!({ "input": {
                "childId": child, "outcomeKey": "being_listened_to",
                "observedAt": "2025-04-01T10:00:00Z", "youngPersonParticipated": false,
                "practitionerRating": 1 + n % 5 } }),
            )
            .await;
        assert_ok(&written);
        let id = text_at(&written.2, "/data/recordOutcomeMeasurement/measurement/id");
        let read = server
            .graphql(&token, CHILD_MEASUREMENTS, json!({ "id": child }))
            .await;
        assert_ok(&read);
        let shown = read.2["data"]["child"]["outcomeMeasurements"]["nodes"]
            .as_array()
            .is_some_and(|nodes| nodes.iter().any(|node| node["id"] == id.as_str()));
        missed += usize::from(!shown);
    }
    assert!(
        missed > 0,
        "the standbys never lagged: the test below would show nothing"
    );

    // ... and with it, sent back at once, it always shows the write.
    let mut tokens = Vec::new();
    let mut waited = Vec::new();
    for n in 0..60 {
        let written = server
            .graphql(
                &token,
                RECORD,
                json!({ "input": {
                "childId": child, "outcomeKey": "being_safe_and_feeling_safe",
                "observedAt": "2025-04-01T10:00:00Z", "youngPersonParticipated": false,
                "practitionerRating": 1 + n % 5 } }),
            )
            .await;
        assert_ok(&written);
        let id = text_at(&written.2, "/data/recordOutcomeMeasurement/measurement/id");
        let header = written
            .1
            .get("x-consistency-token")
            .and_then(|value| value.to_str().ok())
            .expect("a write's answer carries its consistency token")
            .to_owned();
        assert_eq!(written.2["extensions"]["consistencyToken"], header.as_str());
        // Every other read sends a malformed token: it reads from the primary, so it sees it too.
        let sent = if n % 2 == 0 {
            header.clone()
        } else {
            "not-a-position".to_owned()
        };
        let began = Instant::now();
        let read = server
            .graphql_with(
                &token,
                &[("x-consistency-token", &sent)],
                CHILD_MEASUREMENTS,
                json!({ "id": child }),
            )
            .await;
        assert_ok(&read);
        let ids: Vec<&str> = read.2["data"]["child"]["outcomeMeasurements"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .filter_map(|node| node["id"].as_str())
            .collect();
        assert!(
            ids.contains(&id.as_str()),
            "read {n} with the write's token missed it"
        );
        if n % 2 == 0 {
            waited.push(began.elapsed());
        }
        tokens.push(header);
    }
    // A standby caught up with the token (150 ms late) rather than the read giving up on it
    // after SF_READ_CONSISTENCY_WAIT_MS (1 s) and going to the primary.
    waited.sort();
    let median = waited[waited.len() / 2];
    println!(
        "reads with a token took {median:?} (median), {:?} at most",
        waited[waited.len() - 1]
    );
    assert!(
        median < Duration::from_millis(800),
        "reads with a token waited {median:?}"
    );
    // The reads ran on the standbys: the server's role holds connections there.
    let on_standbys: usize = (0..cluster.nodes.len())
        .filter(|n| *n != leader)
        .map(|n| {
            cluster
                .psql(
                    n,
                    "SELECT count(*) FROM pg_stat_activity WHERE usename = 'sf_test_server'",
                )
                .trim()
                .parse::<usize>()
                .expect("a count")
        })
        .sum();
    assert!(on_standbys > 0, "no read reached a standby");

    // The feed, paged on a standby (no token) while writers commit, never skips a change that
    // commits late; once the writers are done it is read to its end with the newest token.
    let newest = Arc::new(Mutex::new(None::<String>));
    let mut writers = tokio::task::JoinSet::new();
    let server = Arc::new(server);
    for writer in 0..4 {
        let (server, token, child) = (Arc::clone(&server), token.clone(), child.clone());
        writers.spawn(async move {
            let mut last = None;
            for n in 0..40 {
                let key = format!("standby-{writer}-{n}");
                let input = fixtures::keyed_measurement(&child, &key, 1 + n % 5);
                let written = server
                    .graphql(&token, fixtures::RECORD_MEASUREMENT, input)
                    .await;
                assert_ok(&written);
                last = written
                    .1
                    .get("x-consistency-token")
                    .and_then(|value| value.to_str().ok())
                    .map(str::to_owned);
            }
            last
        });
    }
    let follower = {
        let (server, token, newest) = (Arc::clone(&server), token.clone(), Arc::clone(&newest));
        tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut after: Option<String> = None;
            let mut tokenless = 0;
            loop {
                let finished = newest.lock().expect("newest").clone();
                let headers: Vec<(&str, &str)> = match &finished {
                    Some(token) => vec![("x-consistency-token", token.as_str())],
                    None => Vec::new(),
                };
                let page = server
                    .graphql_with(&token, &headers, FEED, json!({ "after": after }))
                    .await;
                assert_ok(&page);
                let nodes = page.2["data"]["changes"]["nodes"]
                    .as_array()
                    .expect("nodes")
                    .clone();
                seen.extend(
                    nodes
                        .iter()
                        .filter_map(|n| n["cursor"].as_str().map(str::to_owned)),
                );
                after = seen.last().cloned();
                if finished.is_none() {
                    tokenless += 1;
                } else if nodes.is_empty() {
                    return (seen, tokenless);
                }
            }
        })
    };
    let mut last_tokens = Vec::new();
    while let Some(last) = writers.join_next().await {
        last_tokens.extend(last.expect("a writer"));
    }
    let newest_token = last_tokens
        .iter()
        .max_by_key(|token| stable_futures_persistence::WalPosition::parse(token))
        .cloned()
        .expect("a token");
    *newest.lock().expect("newest") = Some(newest_token.clone());
    let (followed, tokenless) = follower.await.expect("the follower");
    let feed = whole_feed(&server, &token, Some(&newest_token)).await;
    assert_eq!(
        feed.len(),
        1 + 10 + 60 + 160,
        "the child, 70 measurements and the writers' 160"
    );
    assert_eq!(
        followed, feed,
        "paged on a standby, the feed skipped or repeated a change"
    );
    println!(
        "reads on {} standbys applying 150 ms late: {missed} of 10 reads without a token missed \
         the write just made; 60 of 60 with its token showed it; the feed paged \
         on a standby ({tokenless} pages without a token) under 4 writers matched the primary's \
         ({} changes)",
        standbys.len(),
        feed.len()
    );
}
