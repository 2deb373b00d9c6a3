//! Interoperation across replicas (issue #6), with the real binary: idempotent creates through
//! two server processes on one database, the change feed over HTTP (erasure included), and the
//! `changes` subscription over `graphql-transport-ws`, delivered to a subscriber on one process
//! for a write through the other, resumable from a cursor, confined to its local authority and
//! closed when its token expires.

use std::time::{Duration, Instant};

use crate::SERVER;
use futures::{SinkExt as _, StreamExt as _};
use serde_json::{json, Value};
use stable_futures_domain::documents::{DocumentId, TrustedDocument};
use stable_futures_persistence::{add_trusted_documents, AsyncConnection as _, AsyncPgConnection};
use stable_futures_test_support::process;
use stable_futures_test_support::process::{
    assert_ok, at, text_at, token, token_all, user_error_codes, ServerProcess, CAMDEN, ISLINGTON,
};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const REGISTER_CHILD: &str = "mutation($input: RegisterChildInput!) { registerChild(input: $input) { child { id version } userErrors { field code } } }";
const RECORD: &str = "mutation($input: RecordOutcomeMeasurementInput!) { recordOutcomeMeasurement(input: $input) { measurement { id } userErrors { field code } } }";
const ERASE: &str = "mutation($input: EraseChildInput!) { eraseChild(input: $input) { erasedChildId userErrors { field code } } }";
const FEED: &str = "query($after: String) { changes(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { cursor kind entityId childId changedAt entity { id } } } }";
const SUBSCRIBE: &str =
    "subscription($after: String) { changes(after: $after) { cursor kind entityId childId } }";

/// How long a notification may take before the test gives up on it.
const DELIVERY: Duration = Duration::from_secs(10);

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

fn child_input(local_id: &str, key: Option<&str>) -> Value {
    json!({ "input": {
        "localChildId": local_id,
        "dateOfBirth": "2011-02-03",
        "idempotencyKey": key,
    } })
}

async fn register(server: &ServerProcess, token: &str, local_id: &str) -> String {
    let reply = server
        .graphql(token, REGISTER_CHILD, child_input(local_id, None))
        .await;
    assert_ok(&reply);
    text_at(&reply.2, "/data/registerChild/child/id")
}

pub(crate) async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .expect("sent");
}

/// The next protocol message other than a ping (answered) or pong, or `None` when the server
/// closed the connection (with its close frame).
pub(crate) async fn next_message(
    socket: &mut Socket,
) -> Result<Value, Option<(CloseCode, String)>> {
    loop {
        let message = tokio::time::timeout(DELIVERY, socket.next())
            .await
            .expect("a message in time");
        match message {
            Some(Ok(Message::Text(text))) => {
                let value: Value = serde_json::from_str(&text).expect("JSON message");
                match value["type"].as_str() {
                    Some("ping") => send(socket, json!({ "type": "pong" })).await,
                    Some("pong") => {}
                    _ => return Ok(value),
                }
            }
            Some(Ok(Message::Close(frame))) => {
                return Err(frame.map(|frame| (frame.code, frame.reason.to_string())));
            }
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return Err(None),
        }
    }
}

/// Opens a connection, authenticates with `token` and subscribes to `changes` after `after`.
pub(crate) async fn subscribe(server: &ServerProcess, token: &str, after: Option<&str>) -> Socket {
    let mut socket = connect(server, token).await;
    let ack = next_message(&mut socket).await.expect("acknowledged");
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    send(
        &mut socket,
        json!({ "id": "feed", "type": "subscribe", "payload": {
            "query": SUBSCRIBE, "variables": { "after": after } } }),
    )
    .await;
    socket
}

async fn connect(server: &ServerProcess, token: &str) -> Socket {
    let mut request = server
        .url("/graphql/ws")
        .replacen("http://", "ws://", 1)
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    let (mut socket, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("WebSocket connected");
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        "graphql-transport-ws"
    );
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } }),
    )
    .await;
    socket
}

/// The next change the subscription delivers.
async fn next_change(socket: &mut Socket) -> Value {
    let message = next_message(socket)
        .await
        .unwrap_or_else(|closed| panic!("closed: {closed:?}"));
    assert_eq!(message["type"], "next", "{message}");
    assert!(message["payload"]["errors"].is_null(), "{message}");
    message["payload"]["data"]["changes"].clone()
}

/// True when nothing (other than keep-alives) arrives within `quiet`.
async fn silent_for(socket: &mut Socket, quiet: Duration) -> bool {
    tokio::time::timeout(quiet, next_message(socket))
        .await
        .is_err()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_through_one_replica_reaches_subscribers_on_the_other_in_order_and_resumably() {
    let database = process::database().await;
    let (first, second) = tokio::join!(
        ServerProcess::start(SERVER, &database),
        ServerProcess::start(SERVER, &database)
    );
    let islington = token_all(ISLINGTON);
    let camden = token_all(CAMDEN);

    let mut subscriber = subscribe(&first, &islington, None).await;
    let mut camden_subscriber = subscribe(&first, &camden, None).await;
    // Subscribed: nothing yet.
    assert!(silent_for(&mut subscriber, Duration::from_millis(300)).await);

    let mut latencies = Vec::new();
    let mut delivered = Vec::new();
    for n in 0..5 {
        let sent = Instant::now();
        let child = register(&second, &islington, &format!("LIVE{n}")).await;
        let change = next_change(&mut subscriber).await;
        latencies.push(sent.elapsed());
        assert_eq!(change["kind"], "CREATED");
        assert_eq!(change["entityId"], child.as_str());
        assert_eq!(change["childId"], child.as_str());
        delivered.push(change);
    }
    latencies.sort();
    println!(
        "write through one replica to its notification on the other: median {:?}, max {:?}",
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1]
    );
    // Another authority's subscriber heard none of it, and hears its own.
    assert!(silent_for(&mut camden_subscriber, Duration::from_millis(300)).await);
    let camden_child = register(&second, &camden, "LIVEC").await;
    assert_eq!(
        next_change(&mut camden_subscriber).await["entityId"],
        camden_child.as_str()
    );
    assert!(silent_for(&mut subscriber, Duration::from_millis(300)).await);

    // The subscription and the feed agree, cursor for cursor.
    let feed = first.graphql(&islington, FEED, json!({})).await;
    assert_ok(&feed);
    let nodes = at(&feed.2, "/data/changes/nodes")
        .as_array()
        .expect("nodes");
    let cursors = |changes: &[Value]| -> Vec<String> {
        changes
            .iter()
            .map(|c| c["cursor"].as_str().expect("cursor").to_owned())
            .collect()
    };
    assert_eq!(cursors(nodes), cursors(&delivered));

    // Disconnected after the second change, the subscriber misses nothing written meanwhile.
    drop(subscriber);
    let later = register(&second, &islington, "LIVE5").await;
    let mut resumed = subscribe(&second, &islington, delivered[1]["cursor"].as_str()).await;
    for expected in &delivered[2..] {
        assert_eq!(
            next_change(&mut resumed).await["cursor"],
            expected["cursor"]
        );
    }
    assert_eq!(next_change(&mut resumed).await["entityId"], later.as_str());
}

const OFFER: &str = "mutation($input: OfferTransferInput!) { offerTransfer(input: $input) { transfer { id version } userErrors { field code } } }";
const ACCEPT: &str = "mutation($input: AcceptTransferInput!) { acceptTransfer(input: $input) { transfer { id status } userErrors { field code } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_reaches_both_authorities_subscribers_through_the_other_replica() {
    let database = process::database().await;
    let (first, second) = tokio::join!(
        ServerProcess::start(SERVER, &database),
        ServerProcess::start(SERVER, &database)
    );
    let (islington, camden) = (token_all(ISLINGTON), token_all(CAMDEN));
    let child = register(&second, &islington, "MOVE1").await;
    let islington_end = at(
        &first.graphql(&islington, FEED, json!({})).await.2,
        "/data/changes/pageInfo/endCursor",
    )
    .as_str()
    .map(str::to_owned);
    let mut sender = subscribe(&first, &islington, islington_end.as_deref()).await;
    let mut receiver = subscribe(&first, &camden, None).await;
    assert!(silent_for(&mut receiver, Duration::from_millis(300)).await);

    let offered = second
        .graphql(
            &islington,
            OFFER,
            json!({ "input": { "childId": child, "toLocalAuthority": CAMDEN, "reason": "FAMILY_MOVE",
                               "responsibilityFrom": chrono::Utc::now().date_naive().to_string() } }),
        )
        .await;
    assert_ok(&offered);
    let transfer = text_at(&offered.2, "/data/offerTransfer/transfer/id");
    for socket in [&mut sender, &mut receiver] {
        let change = next_change(socket).await;
        assert_eq!(
            (change["kind"].as_str(), change["entityId"].as_str()),
            (Some("CREATED"), Some(transfer.as_str()))
        );
        assert_eq!(change["childId"], child.as_str());
    }
    let accepted = second
        .graphql(
            &camden,
            ACCEPT,
            json!({ "input": { "transferId": transfer, "expectedVersion": 1, "localChildId": "CAMMOVE1" } }),
        )
        .await;
    assert_ok(&accepted);
    assert_eq!(
        user_error_codes(&accepted.2, "acceptTransfer"),
        Vec::<String>::new()
    );
    let kinds = |socket_changes: Vec<Value>| -> Vec<(String, String)> {
        socket_changes
            .iter()
            .map(|c| {
                (
                    c["kind"].as_str().unwrap_or("").to_owned(),
                    c["entityId"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    };
    let mut to_sender = Vec::new();
    for _ in 0..2 {
        to_sender.push(next_change(&mut sender).await);
    }
    assert_eq!(
        kinds(to_sender),
        [
            ("STATE_CHANGED".to_owned(), transfer.clone()),
            ("TRANSFERRED_OUT".to_owned(), child.clone())
        ]
    );
    let mut to_receiver = Vec::new();
    for _ in 0..2 {
        to_receiver.push(next_change(&mut receiver).await);
    }
    assert_eq!(
        kinds(to_receiver),
        [
            ("STATE_CHANGED".to_owned(), transfer.clone()),
            ("TRANSFERRED_IN".to_owned(), child.clone())
        ]
    );
    assert!(silent_for(&mut sender, Duration::from_millis(300)).await);
    assert!(silent_for(&mut receiver, Duration::from_millis(300)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_ends_with_its_token_and_needs_a_valid_one() {
    let database = process::database().await;
    // Two seconds of clock-skew leeway: the connection must outlive `exp` by exactly that, as a
    // request with the same token would still be accepted.
    let server = ServerProcess::builder(SERVER, &database)
        .env("SF_JWT_LEEWAY_SECONDS", "2")
        .start()
        .await;

    let now = jsonwebtoken::get_current_timestamp();
    let short = process::token_with_claims(&json!({
        "iss": process::ISSUER, "aud": process::AUDIENCE, "sub": "short-lived",
        "iat": now, "exp": now + 1, "la": ISLINGTON, "scope": "children:read",
    }));
    let started = Instant::now();
    let mut socket = subscribe(&server, &short, None).await;
    let closed = match next_message(&mut socket).await {
        Ok(message) => panic!("nothing to deliver, got {message}"),
        Err(closed) => closed,
    };
    assert_eq!(
        closed.map(|(code, _)| u16::from(code)),
        Some(4401),
        "closed as unauthorised when the token expired"
    );
    // `exp` is whole seconds, so `exp` + leeway lies between 2 and 3 s after `started`.
    assert!(
        (Duration::from_secs(2)..Duration::from_secs(7)).contains(&started.elapsed()),
        "closed {:?} after subscribing; the leeway keeps it open past exp",
        started.elapsed()
    );

    // A bad token is refused at connection_init (4403, the protocol's "forbidden").
    let mut refused = connect(&server, "not-a-token").await;
    let closed = next_message(&mut refused).await.expect_err("closed");
    assert_eq!(closed.map(|(code, _)| u16::from(code)), Some(4403));

    // Without children:read the subscription is refused; the connection stays usable.
    let mut unscoped = subscribe(&server, &token(ISLINGTON, &["outcomes:read"]), None).await;
    let refusal = next_message(&mut unscoped).await.expect("an answer");
    assert_eq!(refusal["type"], "next", "{refusal}");
    assert!(refusal["payload"]["data"].is_null(), "{refusal}");
    assert_eq!(
        refusal["payload"]["errors"][0]["extensions"]["code"],
        "FORBIDDEN"
    );
    let completed = next_message(&mut unscoped).await.expect("an answer");
    assert_eq!(completed["type"], "complete", "{completed}");

    // Subscriptions are not served over POST.
    let posted = server
        .graphql(&token_all(ISLINGTON), SUBSCRIBE, json!({}))
        .await;
    assert!(posted.2["data"].is_null(), "{:?}", posted.2);
    assert!(!process::error_codes(&posted.2).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_retried_through_two_replicas_happens_once() {
    let database = process::database().await;
    let (first, second) = tokio::join!(
        ServerProcess::start(SERVER, &database),
        ServerProcess::start(SERVER, &database)
    );
    let islington = token_all(ISLINGTON);
    let attempts: Vec<_> = (0..6)
        .map(|n| {
            let server = if n % 2 == 0 { &first } else { &second };
            tokio::spawn(server.graphql_request(
                &islington,
                REGISTER_CHILD,
                child_input("RETRY1", Some("5b0e2d9c-retry-1")),
            ))
        })
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    for attempt in attempts {
        let reply = attempt.await.expect("task").expect("answered");
        assert_ok(&reply);
        assert_eq!(
            user_error_codes(&reply.2, "registerChild"),
            Vec::<String>::new()
        );
        ids.insert(text_at(&reply.2, "/data/registerChild/child/id"));
    }
    assert_eq!(ids.len(), 1, "one child for six attempts: {ids:?}");
    let feed = second.graphql(&islington, FEED, json!({})).await;
    assert_eq!(
        at(&feed.2, "/data/changes/nodes")
            .as_array()
            .expect("nodes")
            .len(),
        1
    );

    // The same key for another input is refused; a malformed key is the input's problem.
    let conflict = first
        .graphql(
            &islington,
            REGISTER_CHILD,
            child_input("RETRY2", Some("5b0e2d9c-retry-1")),
        )
        .await;
    assert_eq!(
        user_error_codes(&conflict.2, "registerChild"),
        ["IDEMPOTENCY_CONFLICT"]
    );
    let malformed = first
        .graphql(
            &islington,
            REGISTER_CHILD,
            child_input("RETRY2", Some("has space")),
        )
        .await;
    assert_eq!(
        user_error_codes(&malformed.2, "registerChild"),
        ["INVALID_FORMAT"]
    );
    // The same input with its fields in another order and a null left out is the same input.
    let reordered = second
        .graphql(
            &islington,
            REGISTER_CHILD,
            json!({ "input": {
                "idempotencyKey": "5b0e2d9c-retry-1",
                "dateOfBirth": "2011-02-03",
                "upn": null,
                "localChildId": "RETRY1",
            } }),
        )
        .await;
    assert_eq!(
        text_at(&reordered.2, "/data/registerChild/child/id"),
        ids.into_iter().next().expect("the id")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erased_child_leaves_an_erasure_entry_without_data() {
    let database = process::database().await;
    let server = ServerProcess::start(SERVER, &database).await;
    let islington = token_all(ISLINGTON);
    let child = register(&server, &islington, "ERASE1").await;
    let measured = server
        .graphql(
            &islington,
            RECORD,
            json!({ "input": { "childId": child, "outcomeKey": "being_safe_and_feeling_safe",
                "observedAt": "2025-04-01T10:00:00Z", "youngPersonParticipated": true,
                "youngPersonRating": 3, "idempotencyKey": "m-1" } }),
        )
        .await;
    assert_ok(&measured);
    let measurement = text_at(&measured.2, "/data/recordOutcomeMeasurement/measurement/id");

    // Erasure needs its own scope, and the version the caller last read.
    let without_scope = server
        .graphql(
            &token(ISLINGTON, &["children:read", "children:write"]),
            ERASE,
            json!({ "input": { "childId": child, "expectedVersion": 1, "reason": "ERASURE_REQUEST" } }),
        )
        .await;
    assert_eq!(process::error_codes(&without_scope.2), ["FORBIDDEN"]);
    let stale = server
        .graphql(
            &islington,
            ERASE,
            json!({ "input": { "childId": child, "expectedVersion": 7, "reason": "ERASURE_REQUEST" } }),
        )
        .await;
    assert_eq!(user_error_codes(&stale.2, "eraseChild"), ["STALE_VERSION"]);
    let from_camden = server
        .graphql(
            &token_all(CAMDEN),
            ERASE,
            json!({ "input": { "childId": child, "expectedVersion": 1, "reason": "ERASURE_REQUEST" } }),
        )
        .await;
    assert_eq!(process::error_codes(&from_camden.2), ["NOT_FOUND"]);

    let erased = server
        .graphql(
            &islington,
            ERASE,
            json!({ "input": { "childId": child, "expectedVersion": 1, "reason": "ERASURE_REQUEST" } }),
        )
        .await;
    assert_ok(&erased);
    assert_eq!(
        at(&erased.2, "/data/eraseChild/erasedChildId"),
        child.as_str()
    );

    let feed = server.graphql(&islington, FEED, json!({})).await;
    assert_ok(&feed);
    let nodes = at(&feed.2, "/data/changes/nodes")
        .as_array()
        .expect("nodes");
    let kinds: Vec<&str> = nodes
        .iter()
        .map(|n| n["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds, ["CREATED", "MEASURED", "ERASED"]);
    assert_eq!(nodes[1]["entityId"], measurement.as_str());
    for node in nodes {
        assert!(node["entity"].is_null(), "erased records are gone: {node}");
        assert_eq!(node["childId"], child.as_str());
    }
    let trail = server
        .graphql(
            &islington,
            "query($child: ID) { auditEvents(first: 10, childId: $child) { nodes { action erasureReason } } }",
            json!({ "child": child }),
        )
        .await;
    assert_eq!(
        at(&trail.2, "/data/auditEvents/nodes/0"),
        &json!({ "action": "ERASE", "erasureReason": "ERASURE_REQUEST" })
    );
    // The end of the feed is one question away, and paging from a cursor works.
    let end = server
        .graphql(&islington, "{ changesEndCursor }", json!({}))
        .await;
    assert_eq!(at(&end.2, "/data/changesEndCursor"), &nodes[2]["cursor"]);
    let camden_end = server
        .graphql(&token_all(CAMDEN), "{ changesEndCursor }", json!({}))
        .await;
    assert!(at(&camden_end.2, "/data/changesEndCursor").is_null());
    // Another authority's feed is its own.
    let after_first = server
        .graphql(&islington, FEED, json!({ "after": nodes[0]["cursor"] }))
        .await;
    assert_eq!(
        at(&after_first.2, "/data/changes/nodes")
            .as_array()
            .expect("nodes")
            .len(),
        2
    );
    let camden_feed = server.graphql(&token_all(CAMDEN), FEED, json!({})).await;
    assert_eq!(at(&camden_feed.2, "/data/changes/nodes"), &json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribers_are_told_to_go_elsewhere_when_a_replica_stops() {
    let database = process::database().await;
    // A grace far longer than a loaded CI machine's shutdown, so that exiting well inside it
    // shows an open subscription does not hold the process.
    let server = ServerProcess::builder(SERVER, &database)
        .shutdown_grace_seconds(120)
        .start()
        .await;
    let mut socket = subscribe(&server, &token_all(ISLINGTON), None).await;
    assert!(silent_for(&mut socket, Duration::from_millis(200)).await);
    server.sigterm();
    let closed = next_message(&mut socket).await.expect_err("closed");
    assert_eq!(
        closed.map(|(code, _)| u16::from(code)),
        Some(1001),
        "going away"
    );
    // Half the grace: a process held open by its subscriber would still be running.
    assert!(
        server.wait_exit(Duration::from_secs(60)).await.is_some(),
        "the process waited out its grace for an open subscription"
    );
}

/// A write whose request is abandoned halfway (here: it outlives the request timeout while a
/// table lock holds it up) still runs to its commit. Dropped halfway instead, it would leave a
/// pooled connection idle in an open transaction, holding its authority's feed lock, and every
/// later write of that authority would wait for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_whose_request_is_abandoned_still_ends_its_transaction() {
    let database = process::database().await;
    let server = ServerProcess::builder(SERVER, &database)
        .env("SF_REQUEST_TIMEOUT_SECONDS", "1")
        .start()
        .await;
    let islington = token_all(ISLINGTON);
    let child = register(&server, &islington, "ABANDON1").await;
    let measure = |key: &str| {
        json!({ "input": { "childId": child, "outcomeKey": "being_safe_and_feeling_safe",
            "observedAt": "2025-04-01T10:00:00Z", "youngPersonParticipated": true,
            "youngPersonRating": 3, "idempotencyKey": key } })
    };

    let lock = process::TableLock::take(&database, "outcome_measurements").await;
    let abandoned = server
        .graphql(&islington, RECORD, measure("abandoned-1"))
        .await;
    assert_eq!(
        abandoned.0, 408,
        "timed out while held up: {:?}",
        abandoned.2
    );
    assert!(lock.wait_for_waiter(Duration::from_secs(5)).await);
    lock.release().await;

    let idle_in_transaction = "SELECT count(*) FROM pg_stat_activity \
        WHERE datname = current_database() AND state LIKE 'idle in transaction%'";
    let deadline = Instant::now() + Duration::from_secs(5);
    while database.owner_query(idle_in_transaction).await != ["0"] {
        assert!(
            Instant::now() < deadline,
            "a connection was left idle in an open transaction"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The abandoned write committed (its retry with the same key answers with it), and the
    // authority's next write is not held up.
    let started = Instant::now();
    let retried = server
        .graphql(&islington, RECORD, measure("abandoned-1"))
        .await;
    assert_ok(&retried);
    let next = server.graphql(&islington, RECORD, measure("next-1")).await;
    assert_ok(&next);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let feed = server.graphql(&islington, FEED, json!({})).await;
    let kinds: Vec<&str> = at(&feed.2, "/data/changes/nodes")
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds, ["CREATED", "MEASURED", "MEASURED"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_connection_runs_a_bounded_number_of_subscriptions() {
    let database = process::database().await;
    let server = ServerProcess::start(SERVER, &database).await;
    let islington = token_all(ISLINGTON);
    let child = register(&server, &islington, "MANY1").await;
    let mut socket = connect(&server, &islington).await;
    assert_eq!(
        next_message(&mut socket).await.expect("ack")["type"],
        "connection_ack"
    );
    let subscribe =
        |id: String| json!({ "id": id, "type": "subscribe", "payload": { "query": SUBSCRIBE } });
    // Each subscription starts with the change already in the feed.
    for n in 0..20 {
        send(&mut socket, subscribe(format!("s{n}"))).await;
        let first = next_message(&mut socket).await.expect("a change");
        assert_eq!(first["id"], format!("s{n}"));
        assert_eq!(
            first["payload"]["data"]["changes"]["entityId"],
            child.as_str()
        );
    }
    send(&mut socket, subscribe("s20".into())).await;
    let refused = next_message(&mut socket).await.expect("an answer");
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["id"], "s20");
    assert_eq!(refused["payload"][0]["extensions"]["code"], "RATE_LIMITED");

    // Ending one makes room for another; the connection stayed usable.
    send(&mut socket, json!({ "id": "s0", "type": "complete" })).await;
    send(&mut socket, subscribe("s21".into())).await;
    let mut admitted = next_message(&mut socket).await.expect("an answer");
    if admitted["id"] == "s0" {
        // The server acknowledges the end of s0 first.
        assert_eq!(admitted["type"], "complete", "{admitted}");
        admitted = next_message(&mut socket).await.expect("a change");
    }
    assert_eq!(admitted["id"], "s21", "{admitted}");
    assert_eq!(admitted["type"], "next");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_holds_a_bounded_number_of_connections() {
    let database = process::database().await;
    let server = ServerProcess::builder(SERVER, &database)
        .env("SF_MAX_SUBSCRIPTION_CONNECTIONS", "2")
        .start()
        .await;
    let as_client = |la: &str, azp: &str, sub: &str| {
        let now = jsonwebtoken::get_current_timestamp();
        process::token_with_claims(&json!({
            "iss": process::ISSUER, "aud": process::AUDIENCE, "sub": sub, "azp": azp,
            "iat": now, "exp": now + 600, "la": la, "scope": "children:read",
        }))
    };
    let acknowledged = |socket: Result<Value, Option<(CloseCode, String)>>| {
        let ack = socket.expect("acknowledged");
        assert_eq!(ack["type"], "connection_ack", "{ack}");
    };
    let mosaic = as_client(ISLINGTON, "mosaic", "worker-1");
    let mut first = connect(&server, &mosaic).await;
    acknowledged(next_message(&mut first).await);
    let mut second = connect(&server, &mosaic).await;
    acknowledged(next_message(&mut second).await);

    // A third, even from another user of the same client, is over the limit.
    let mut third = connect(&server, &as_client(ISLINGTON, "mosaic", "worker-2")).await;
    let closed = next_message(&mut third).await.expect_err("closed");
    let (code, reason) = closed.expect("a close frame");
    assert_eq!(u16::from(code), 1008, "{reason}");
    assert!(reason.contains("too many"), "{reason}");

    // Other clients, and the same client for another authority, are counted apart.
    let mut eclipse = connect(&server, &as_client(ISLINGTON, "eclipse", "worker-1")).await;
    acknowledged(next_message(&mut eclipse).await);
    let mut camden = connect(&server, &as_client(CAMDEN, "mosaic", "worker-1")).await;
    acknowledged(next_message(&mut camden).await);

    // A closed connection gives its place back (once the server has seen it go).
    first.close(None).await.expect("closed");
    drop(first);
    let deadline = Instant::now() + DELIVERY;
    loop {
        let mut again = connect(&server, &mosaic).await;
        match next_message(&mut again).await {
            Ok(ack) => {
                assert_eq!(ack["type"], "connection_ack", "{ack}");
                break;
            }
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(closed) => panic!("the place was not given back: {closed:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn where_only_registered_documents_run_a_subscription_must_be_one() {
    let database = process::database().await;
    let mut owner = AsyncPgConnection::establish(&database.owner_url)
        .await
        .expect("owner connection");
    // The process tests' tokens name no client: the registry is the subject's.
    let registered: Vec<TrustedDocument> = [SUBSCRIBE, REGISTER_CHILD]
        .iter()
        .map(|body| TrustedDocument {
            id: DocumentId::of(body),
            body: (*body).to_owned(),
        })
        .collect();
    add_trusted_documents(&mut owner, "process-test-worker", &registered)
        .await
        .expect("register");
    let server = ServerProcess::builder(SERVER, &database)
        .env("SF_TRUSTED_DOCUMENTS", "registered")
        .start()
        .await;
    let islington = token_all(ISLINGTON);
    let mut socket = connect(&server, &islington).await;
    assert_eq!(
        next_message(&mut socket).await.expect("ack")["type"],
        "connection_ack"
    );
    let other = SUBSCRIBE.replace("cursor kind", "cursor");
    assert_ne!(other, SUBSCRIBE);
    send(
        &mut socket,
        json!({ "id": "other", "type": "subscribe", "payload": { "query": other } }),
    )
    .await;
    let refused = next_message(&mut socket).await.expect("an answer");
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["id"], "other");
    assert_eq!(
        refused["payload"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );
    // The registered text subscribes; the connection stayed usable.
    send(
        &mut socket,
        json!({ "id": "feed", "type": "subscribe", "payload": { "query": SUBSCRIBE } }),
    )
    .await;
    let child = register(&server, &islington, "DOCS1").await;
    let change = next_change(&mut socket).await;
    assert_eq!(change["entityId"], child.as_str());
}
