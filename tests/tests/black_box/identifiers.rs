//! Matching a case system's record: `childByIdentifier` by each identifier, and the NRM's own
//! reference recorded on a referral.

use serde_json::{json, Value};
use stable_futures_domain::principal::Scope;
use stable_futures_test_support::fixtures;
use stable_futures_test_support::{Answer, TestApp, CAMDEN, ISLINGTON};

const BY_IDENTIFIER: &str = "query($type: ChildIdentifierType!, $value: String!) { childByIdentifier(type: $type, value: $value) { id localChildId } }";

const RECORD_REFERENCE: &str = "mutation($input: RecordHomeOfficeReferenceInput!) { recordHomeOfficeReference(input: $input) { referral { id version homeOfficeReference timeline { kind } } userErrors { field code } } }";

async fn find(app: &TestApp, token: &str, kind: &str, value: &str) -> Answer {
    app.graphql(
        token,
        BY_IDENTIFIER,
        json!({ "type": kind, "value": value }),
    )
    .await
}

async fn record(
    app: &TestApp,
    token: &str,
    referral: &str,
    version: i64,
    reference: &str,
) -> Answer {
    app.graphql(
        token,
        RECORD_REFERENCE,
        json!({ "input": { "referralId": referral, "expectedVersion": version, "homeOfficeReference": reference } }),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_is_found_by_each_identifier_and_only_in_its_own_authority() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    // The fixture child has NHS number 943 476 5919.
    let child = fixtures::child(&app, &token, "ID001").await;
    let (referral, version) = fixtures::referral(&app, &token, &child).await;
    let recorded = record(&app, &token, &referral, version, " NRM/2025/000123 ").await;
    recorded.assert_ok();
    assert_eq!(
        recorded.data("/recordHomeOfficeReference/referral/homeOfficeReference"),
        &json!("NRM/2025/000123")
    );
    assert_eq!(
        recorded.data("/recordHomeOfficeReference/referral/timeline"),
        &json!([{ "kind": "SUBMITTED" }]),
        "a reference is not a step of the lifecycle"
    );

    for (kind, value) in [
        ("NHS_NUMBER", "943 476 5919"),
        ("NHS_NUMBER", "9434765919"),
        ("LOCAL_CHILD_ID", "ID001"),
        ("HOME_OFFICE_REFERENCE", "NRM/2025/000123"),
    ] {
        let answer = find(&app, &token, kind, value).await;
        answer.assert_ok();
        assert_eq!(
            answer.data("/childByIdentifier/id"),
            &json!(child),
            "{kind} {value}"
        );
    }
    for (kind, value) in [
        ("NHS_NUMBER", "4010232137"),
        ("LOCAL_CHILD_ID", "ID999"),
        ("HOME_OFFICE_REFERENCE", "NRM/2025/000124"),
    ] {
        let answer = find(&app, &token, kind, value).await;
        answer.assert_ok();
        assert_eq!(
            answer.data("/childByIdentifier"),
            &Value::Null,
            "{kind} {value}"
        );
    }
    let camden = app.token_all(CAMDEN);
    for (kind, value) in [
        ("NHS_NUMBER", "9434765919"),
        ("HOME_OFFICE_REFERENCE", "NRM/2025/000123"),
    ] {
        let answer = find(&app, &camden, kind, value).await;
        answer.assert_ok();
        assert_eq!(
            answer.data("/childByIdentifier"),
            &Value::Null,
            "Camden {kind}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_identifiers_are_bad_user_input_and_a_reference_needs_referrals_read() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    for (kind, value) in [
        ("NHS_NUMBER", "123"),
        ("NHS_NUMBER", "9434765918"),
        ("UPN", "not a upn"),
        ("LOCAL_CHILD_ID", "has spaces in it"),
        ("HOME_OFFICE_REFERENCE", "NRM 2025"),
        ("HOME_OFFICE_REFERENCE", ""),
    ] {
        let answer = find(&app, &token, kind, value).await;
        assert_eq!(
            answer.error_codes(),
            ["BAD_USER_INPUT"],
            "{kind} {value:?}: {}",
            answer.body
        );
    }
    let answer = find(&app, &token, "PASSPORT", "123").await;
    assert_eq!(answer.error_codes(), ["BAD_USER_INPUT"], "{}", answer.body);

    let children_only = app.token(ISLINGTON, &[Scope::ChildrenRead]);
    let answer = find(&app, &children_only, "HOME_OFFICE_REFERENCE", "NRM1").await;
    assert_eq!(answer.error_codes(), ["FORBIDDEN"], "{}", answer.body);
    let answer = find(&app, &children_only, "LOCAL_CHILD_ID", "ID001").await;
    answer.assert_ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reference_is_versioned_unique_in_the_authority_and_in_the_change_feed() {
    let app = TestApp::spawn().await;
    let token = app.token_all(ISLINGTON);
    let first = fixtures::child(&app, &token, "ID002").await;
    let second = fixtures::child(&app, &token, "ID003").await;
    let (one, one_version) = fixtures::referral(&app, &token, &first).await;
    let (two, two_version) = fixtures::referral(&app, &token, &second).await;
    record(&app, &token, &one, one_version, "NRM-1")
        .await
        .assert_ok();

    let taken = record(&app, &token, &two, two_version, "NRM-1").await;
    assert_eq!(
        taken.data("/recordHomeOfficeReference/userErrors"),
        &json!([{ "field": ["input", "homeOfficeReference"], "code": "DUPLICATE_HOME_OFFICE_REFERENCE" }])
    );
    let stale = record(&app, &token, &one, one_version, "NRM-2").await;
    assert_eq!(
        stale.user_error_codes("recordHomeOfficeReference"),
        ["STALE_VERSION"]
    );
    let malformed = record(&app, &token, &two, two_version, "NRM 2").await;
    assert_eq!(
        malformed.data("/recordHomeOfficeReference/userErrors"),
        &json!([{ "field": ["input", "homeOfficeReference"], "code": "INVALID_FORMAT" }])
    );
    // Camden may use the same reference for its own referral.
    let camden = app.token_all(CAMDEN);
    let theirs = fixtures::child(&app, &camden, "ID002").await;
    let (their_referral, their_version) = fixtures::referral(&app, &camden, &theirs).await;
    record(&app, &camden, &their_referral, their_version, "NRM-1")
        .await
        .assert_ok();

    let feed = app
        .graphql(
            &token,
            "{ changes(first: 50) { nodes { kind entityId } } }",
            json!({}),
        )
        .await;
    let kinds: Vec<&Value> = feed
        .data("/changes/nodes")
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|change| change["entityId"] == json!(one))
        .map(|change| &change["kind"])
        .collect();
    assert_eq!(kinds, [&json!("CREATED"), &json!("UPDATED")]);
}
