//! Under load: a request that finds every turn taken waits a bounded time and is answered 503
//! with `Retry-After`; a client already holding its share is answered 429 at once, and the
//! other clients' requests still get their turns and their data.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use stable_futures_api::config::{LimitsConfig, Mode};
use stable_futures_domain::principal::Scope;
use stable_futures_test_support::{fixtures, TestApp, ISLINGTON};

const PAGE: &str = "{ children(first: 5) { nodes { localChildId } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_capacity_requests_are_refused_quickly_and_no_client_takes_every_turn() {
    // Two turns, a client holds one at most, a request waits 2 s for a turn (long beside an
    // answer refused at once, even on a loaded machine).
    let limits = LimitsConfig {
        max_in_flight: 2,
        queue_wait_ms: 2000,
        client_share_percent: 50,
        ..LimitsConfig::default()
    };
    let app = Arc::new(TestApp::spawn_with_settings(Mode::Development, None, limits).await);
    let token = |client: &str| app.token_of_client(ISLINGTON, client, &[Scope::ChildrenRead]);
    fixtures::child(&app, &app.token_all(ISLINGTON), "LOAD01").await;

    // The children table locked: every read of it waits, holding its turn.
    let lock = app
        .database
        .owner_hold("LOCK TABLE children IN ACCESS EXCLUSIVE MODE")
        .await;
    let noisy = token("noisy-case-system");
    let first = tokio::spawn({
        let (app, noisy) = (Arc::clone(&app), noisy.clone());
        async move { app.graphql(&noisy, PAGE, json!({})).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;

    // The noisy client holds its share: its next request is refused at once.
    let started = Instant::now();
    let over_share = app.graphql(&noisy, PAGE, json!({})).await;
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "refused without waiting for a turn: {:?}",
        started.elapsed()
    );
    assert_eq!(over_share.status, 429, "{}", over_share.body);
    assert_eq!(over_share.error_codes(), ["RATE_LIMITED"]);
    assert_eq!(over_share.headers["retry-after"], "2");

    // Another case system still gets the second turn.
    let quiet = token("quiet-case-system");
    let second = tokio::spawn({
        let (app, quiet) = (Arc::clone(&app), quiet.clone());
        async move { app.graphql(&quiet, PAGE, json!({})).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Every turn taken: a third client waits its 2 s, then is told to come back.
    let started = Instant::now();
    let busy = app
        .graphql(&token("third-case-system"), PAGE, json!({}))
        .await;
    let waited = started.elapsed();
    assert_eq!(busy.status, 503, "{}", busy.body);
    assert_eq!(busy.error_codes(), ["SERVICE_UNAVAILABLE"]);
    assert_eq!(busy.headers["retry-after"], "2");
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_secs(10),
        "a bounded wait: {waited:?}"
    );

    // Once the database answers, the admitted requests get their data; nothing failed for any
    // other reason.
    lock.end().await;
    for admitted in [first, second] {
        let answer = admitted.await.expect("joined");
        answer.assert_ok();
        assert_eq!(
            answer.data("/children/nodes"),
            &json!([{ "localChildId": "LOAD01" }])
        );
    }
    // And the turns are given back.
    app.graphql(&noisy, PAGE, json!({})).await.assert_ok();
}
