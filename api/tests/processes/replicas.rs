//! Two replicas, one database: two `stable-futures serve` processes on the same PostgreSQL
//! database serve the same data. A write through one is read through the other at once, a version
//! read from one guards an update through the other, and a stale version is refused whichever
//! process last wrote — the proof that nothing essential lives in process memory, so the service
//! can run as several replicas behind a load balancer.

use crate::SERVER;
use serde_json::{json, Value};
use stable_futures_test_support::process;
use stable_futures_test_support::process::{
    assert_ok, at, referral_input, text_at, token_all, user_error_codes, ServerProcess, CAMDEN,
    ISLINGTON,
};

const REGISTER_CHILD: &str = "mutation($input: RegisterChildInput!) { registerChild(input: $input) { child { id version localChildId } userErrors { field message code } } }";
const UPDATE_CHILD: &str = "mutation($input: UpdateChildInput!) { updateChild(input: $input) { child { id version gender interpreterRequired } userErrors { field message code } } }";
const SUBMIT_REFERRAL: &str = "mutation($input: SubmitReferralInput!) { submitReferral(input: $input) { referral { id version status } userErrors { field message code } } }";
const RECORD_RG: &str = "mutation($input: RecordReasonableGroundsDecisionInput!) { recordReasonableGroundsDecision(input: $input) { referral { id version status } userErrors { field message code } } }";

/// Everything the comparison covers: the child's own fields and its referral with the decision.
const CHILD: &str = "query($id: ID!) { child(id: $id) {
    id localChildId nhsNumber dateOfBirth dateOfBirthEstimated ageDisputed gender nationalities
    languages interpreterRequired version createdAt updatedAt localAuthority { code }
    referrals(first: 10) { nodes {
        id status version referredAt exploitationTypes countyLines
        reasonableGrounds { outcome decidedAt } recoveryPeriodEndsOn daysToReasonableGrounds
    } }
} }";
const CHILDREN: &str =
    "{ children(first: 100) { totalCount nodes { id localChildId version localAuthority { code } } } }";
const REFERRAL: &str = "query($id: ID!) { referral(id: $id) { id status version } }";

const LOCAL_CHILD_ID: &str = "REPLICA1";

/// Registers a child, submits a referral and records a positive Reasonable Grounds decision, all
/// through `server`; returns the child's and the referral's ids.
async fn child_with_decided_referral(server: &ServerProcess, token: &str) -> (String, String) {
    let registered = server
        .graphql(
            token,
            REGISTER_CHILD,
            json!({ "input": {
                "localChildId": LOCAL_CHILD_ID,
                "nhsNumber": "943 476 5919",
                "dateOfBirth": "2010-05-01",
                "ageDisputed": true,
                "nationalities": ["VNM"],
                "languages": ["vi"],
                "interpreterRequired": true
            } }),
        )
        .await;
    assert_ok(&registered);
    assert_eq!(
        user_error_codes(&registered.2, "registerChild"),
        Vec::<String>::new()
    );
    assert_eq!(at(&registered.2, "/data/registerChild/child/version"), 1);
    let child = text_at(&registered.2, "/data/registerChild/child/id");

    let submitted = server
        .graphql(
            token,
            SUBMIT_REFERRAL,
            json!({ "input": referral_input(&child) }),
        )
        .await;
    assert_ok(&submitted);
    assert_eq!(
        user_error_codes(&submitted.2, "submitReferral"),
        Vec::<String>::new()
    );
    let referral = text_at(&submitted.2, "/data/submitReferral/referral/id");

    let decided = server
        .graphql(
            token,
            RECORD_RG,
            json!({ "input": { "referralId": referral, "expectedVersion": 1, "outcome": "POSITIVE", "decidedAt": "2025-03-10T15:00:00Z" } }),
        )
        .await;
    assert_ok(&decided);
    assert_eq!(
        user_error_codes(&decided.2, "recordReasonableGroundsDecision"),
        Vec::<String>::new()
    );
    assert_eq!(
        at(
            &decided.2,
            "/data/recordReasonableGroundsDecision/referral/status"
        ),
        "RG_POSITIVE"
    );
    (child, referral)
}

async fn read_child(server: &ServerProcess, token: &str, id: &str) -> Value {
    let answer = server.graphql(token, CHILD, json!({ "id": id })).await;
    assert_ok(&answer);
    at(&answer.2, "/data/child").clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_through_one_replica_is_read_and_guarded_through_the_other() {
    let database = process::database().await;
    let (a, b) = tokio::join!(
        ServerProcess::start(SERVER, &database),
        ServerProcess::start(SERVER, &database)
    );
    assert_ne!(a.address, b.address);
    let islington = token_all(ISLINGTON);

    let (child, referral) = child_with_decided_referral(&a, &islington).await;

    // Read through B, with no request to B before: the record, its referral and the decision.
    let through_b = read_child(&b, &islington, &child).await;
    assert_eq!(through_b["id"], child.as_str());
    assert_eq!(through_b["localChildId"], LOCAL_CHILD_ID);
    assert_eq!(through_b["nhsNumber"], "9434765919");
    assert_eq!(through_b["dateOfBirth"], "2010-05-01");
    assert_eq!(through_b["ageDisputed"], true);
    assert_eq!(through_b["nationalities"], json!(["VNM"]));
    assert_eq!(through_b["interpreterRequired"], true);
    assert_eq!(through_b["localAuthority"]["code"], ISLINGTON);
    assert_eq!(through_b["version"], 1);
    let referral_b = &through_b["referrals"]["nodes"][0];
    assert_eq!(referral_b["id"], referral.as_str());
    assert_eq!(referral_b["status"], "RG_POSITIVE");
    assert_eq!(referral_b["version"], 2);
    assert_eq!(referral_b["reasonableGrounds"]["outcome"], "POSITIVE");
    assert_eq!(referral_b["daysToReasonableGrounds"], 7);
    // Field for field what A answers: neither process adds, drops or reshapes anything.
    assert_eq!(read_child(&a, &islington, &child).await, through_b);

    // The list through B holds exactly A's write.
    let page = b.graphql(&islington, CHILDREN, json!({})).await;
    assert_ok(&page);
    assert_eq!(at(&page.2, "/data/children/totalCount"), 1);
    assert_eq!(
        at(&page.2, "/data/children/nodes"),
        &json!([{ "id": child, "localChildId": LOCAL_CHILD_ID, "version": 1, "localAuthority": { "code": ISLINGTON } }])
    );

    // Uniqueness is the database's, not a process's: B refuses A's local id.
    let duplicate = b
        .graphql(
            &islington,
            REGISTER_CHILD,
            json!({ "input": { "localChildId": LOCAL_CHILD_ID, "dateOfBirth": "2011-01-01" } }),
        )
        .await;
    assert_ok(&duplicate);
    assert_eq!(
        user_error_codes(&duplicate.2, "registerChild"),
        ["DUPLICATE_LOCAL_CHILD_ID"]
    );

    // An update through B with the version read through A.
    let version_from_a = read_child(&a, &islington, &child).await["version"].clone();
    assert_eq!(version_from_a, 1);
    let updated = b
        .graphql(
            &islington,
            UPDATE_CHILD,
            json!({ "input": { "childId": child, "expectedVersion": version_from_a, "gender": "MALE", "interpreterRequired": false } }),
        )
        .await;
    assert_ok(&updated);
    assert_eq!(
        user_error_codes(&updated.2, "updateChild"),
        Vec::<String>::new()
    );
    assert_eq!(at(&updated.2, "/data/updateChild/child/version"), 2);

    // A, which last saw version 1, is refused with that version and writes nothing.
    let stale = a
        .graphql(
            &islington,
            UPDATE_CHILD,
            json!({ "input": { "childId": child, "expectedVersion": version_from_a, "gender": "FEMALE" } }),
        )
        .await;
    assert_ok(&stale);
    assert_eq!(user_error_codes(&stale.2, "updateChild"), ["STALE_VERSION"]);
    assert_eq!(
        at(&stale.2, "/data/updateChild/userErrors/0/field"),
        &json!(["input", "expectedVersion"])
    );
    assert_eq!(at(&stale.2, "/data/updateChild/child"), &Value::Null);

    // Both replicas now show B's change and nothing of A's refused one.
    let after_a = read_child(&a, &islington, &child).await;
    assert_eq!(after_a["version"], 2);
    assert_eq!(after_a["gender"], "MALE");
    assert_eq!(after_a["interpreterRequired"], false);
    assert_eq!(read_child(&b, &islington, &child).await, after_a);

    // With the current version, A's update goes through.
    let current = a
        .graphql(
            &islington,
            UPDATE_CHILD,
            json!({ "input": { "childId": child, "expectedVersion": 2, "gender": "FEMALE" } }),
        )
        .await;
    assert_ok(&current);
    assert_eq!(at(&current.2, "/data/updateChild/child/version"), 3);
    assert_eq!(read_child(&b, &islington, &child).await["gender"], "FEMALE");

    // Camden sees none of it, through either replica, by any path.
    let camden = token_all(CAMDEN);
    for server in [&a, &b] {
        let answer = server.graphql(&camden, CHILD, json!({ "id": child })).await;
        assert_ok(&answer);
        assert_eq!(at(&answer.2, "/data/child"), &Value::Null);
        let answer = server
            .graphql(&camden, REFERRAL, json!({ "id": referral }))
            .await;
        assert_ok(&answer);
        assert_eq!(at(&answer.2, "/data/referral"), &Value::Null);
        let answer = server.graphql(&camden, CHILDREN, json!({})).await;
        assert_ok(&answer);
        assert_eq!(at(&answer.2, "/data/children/totalCount"), 0);
        assert_eq!(at(&answer.2, "/data/children/nodes"), &json!([]));
        let answer = server
            .graphql(
                &camden,
                UPDATE_CHILD,
                json!({ "input": { "childId": child, "expectedVersion": 3, "gender": "MALE" } }),
            )
            .await;
        // Answered as for an id that names nothing: a NOT_FOUND error, no payload.
        assert_eq!(answer.0, 200, "{}", answer.2);
        assert_eq!(
            process::error_codes(&answer.2),
            ["NOT_FOUND"],
            "{}",
            answer.2
        );
        assert_eq!(answer.2["data"], Value::Null, "{}", answer.2);
    }
    assert_eq!(read_child(&a, &islington, &child).await["version"], 3);
}
