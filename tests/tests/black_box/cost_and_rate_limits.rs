//! Each answer's cost (`extensions.cost`, Shopify's shape), the client's bucket of points per
//! authority (`Query.rateLimit`, GitHub's), and `RATE_LIMITED` with `Retry-After` when it is
//! spent.

use serde_json::json;
use stable_futures_api::config::{LimitsConfig, Mode};
use stable_futures_domain::principal::Scope;
use stable_futures_test_support::{fixtures, TestApp, CAMDEN, ISLINGTON};

/// 5 × (nodes 1 + id 1 + localChildId 1) = 15 requested.
const PAGE: &str = "query Page { children(first: 5) { nodes { id localChildId } } }";

#[tokio::test]
async fn every_answer_says_what_it_cost_and_what_is_left() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    fixtures::child(&app, &token, "COST01").await;
    fixtures::child(&app, &token, "COST02").await;

    let answer = app.graphql(&token, PAGE, json!({})).await;
    answer.assert_ok();
    let cost = &answer.body["extensions"]["cost"];
    assert_eq!(cost["requestedQueryCost"], 15, "{}", answer.body);
    // Two children came back: 2 × 3.
    assert_eq!(cost["actualQueryCost"], 6);
    let limits = LimitsConfig::default();
    assert_eq!(
        cost["throttleStatus"]["maximumAvailable"],
        limits.rate_limit_points
    );
    assert_eq!(
        cost["throttleStatus"]["restoreRate"],
        limits.rate_limit_restore_per_second
    );
    let available = cost["throttleStatus"]["currentlyAvailable"]
        .as_u64()
        .expect("a number");
    assert!(available < u64::from(limits.rate_limit_points));
    assert!(
        available >= u64::from(limits.rate_limit_points) - 15 - 30,
        "{available}"
    );

    // `rateLimit` costs 1 + its 3 fields, and reports the charge it is part of.
    let status = app
        .graphql(
            &token,
            "{ rateLimit { cost limit remaining restoreRate resetAt } }",
            json!({}),
        )
        .await;
    status.assert_ok();
    assert_eq!(status.data("/rateLimit/cost"), &json!(6));
    assert_eq!(
        status.data("/rateLimit/limit"),
        &json!(limits.rate_limit_points)
    );
    assert_eq!(
        status.body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"],
        *status.data("/rateLimit/remaining")
    );
    assert!(status.data("/rateLimit/resetAt").is_string());

    // A mutation is priced too; a refused one costs what it was charged.
    let write = app
        .graphql(
            &token,
            fixtures::REGISTER_CHILD,
            json!({ "input": { "localChildId": "COST03", "dateOfBirth": "2010-05-01" } }),
        )
        .await;
    write.assert_ok();
    assert!(write.body["extensions"]["cost"]["requestedQueryCost"].as_u64() > Some(1));
}

#[tokio::test]
async fn a_spent_bucket_refuses_with_retry_after_and_spares_other_buckets() {
    let app = TestApp::spawn_with_settings(
        Mode::Development,
        None,
        LimitsConfig {
            rate_limit_points: 40,
            rate_limit_restore_per_second: 1,
            ..LimitsConfig::default()
        },
    )
    .await;
    let islington = app.token_of_client(ISLINGTON, "mosaic", Scope::ALL);
    app.graphql(&islington, PAGE, json!({})).await.assert_ok();
    app.graphql(&islington, PAGE, json!({})).await.assert_ok();
    // 30 of 40 spent (and at most a second's point back): 15 more do not fit.
    let refused = app.graphql(&islington, PAGE, json!({})).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(refused.error_codes(), vec!["RATE_LIMITED"]);
    assert!(refused.body.get("data").is_none(), "{}", refused.body);
    let retry_after: u64 = refused
        .headers
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=6).contains(&retry_after), "{retry_after}");
    let cost = &refused.body["errors"][0]["extensions"]["cost"];
    assert_eq!(cost["requestedQueryCost"], 15);
    assert!(cost["throttleStatus"]["currentlyAvailable"].as_u64() < Some(15));

    // A cheaper operation still fits.
    app.graphql(
        &islington,
        "{ viewer { localAuthority { code } } }",
        json!({}),
    )
    .await
    .assert_ok();
    // The same client in another authority, and another client, have their own buckets.
    let camden = app.token_of_client(CAMDEN, "mosaic", Scope::ALL);
    app.graphql(&camden, PAGE, json!({})).await.assert_ok();
    let other = app.token_of_client(ISLINGTON, "eclipse", Scope::ALL);
    app.graphql(&other, PAGE, json!({})).await.assert_ok();
}

#[tokio::test]
async fn without_a_rate_limit_answers_still_say_their_cost() {
    let app = TestApp::spawn_with_settings(
        Mode::Development,
        None,
        LimitsConfig {
            rate_limit_points: 0,
            ..LimitsConfig::default()
        },
    )
    .await;
    let token = app.token_all(ISLINGTON);
    for _ in 0..3 {
        let answer = app.graphql(&token, &format!("{PAGE} "), json!({})).await;
        answer.assert_ok();
        let cost = &answer.body["extensions"]["cost"];
        assert_eq!(cost["requestedQueryCost"], 15);
        // No child yet: the empty page costs its `nodes` field alone.
        assert_eq!(cost["actualQueryCost"], 1);
        assert!(cost.get("throttleStatus").is_none(), "{cost}");
    }
    let status = app
        .graphql(&token, "{ rateLimit { cost } }", json!({}))
        .await;
    status.assert_ok();
    assert!(status.data("/rateLimit").is_null());
}
