//! `stable-futures documents add | list | remove`: the real binary registering a client's
//! manifest of trusted documents, and a server in production mode refusing anything else.

use std::path::PathBuf;
use std::process::Output;

use serde_json::json;
use stable_futures_domain::documents::DocumentId;
use stable_futures_persistence::testing::TestDatabase;
use stable_futures_test_support::process::{self, ServerProcess, ISLINGTON};

use crate::SERVER;

const CHILDREN: &str = "query Children { children(first: 3) { nodes { id } } }";
const VIEWER: &str = "query Who { viewer { subject } }";

fn documents(database: &TestDatabase, args: &[&str]) -> Output {
    std::process::Command::new(SERVER)
        .arg("documents")
        .args(args)
        .args(["--owner-database-url", &database.owner_url])
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("the binary runs")
}

fn manifest(content: &serde_json::Value) -> PathBuf {
    let path = std::env::temp_dir().join(format!("sf-manifest-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&path, content.to_string()).expect("write the manifest");
    path
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn apollo(operations: &[(&str, &str)]) -> serde_json::Value {
    json!({
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": operations.iter().map(|(id, body)| json!({
            "id": id.trim_start_matches("sha256:"), "name": "x", "type": "query", "body": body,
        })).collect::<Vec<_>>(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manifest_is_registered_whole_or_not_at_all_and_then_only_it_runs() {
    let database = process::database().await;
    let children = DocumentId::of(CHILDREN);
    let viewer = DocumentId::of(VIEWER);

    // One document that does not validate: nothing registered, and the refusal says which.
    let bad = manifest(&apollo(&[
        (children.as_str(), CHILDREN),
        (
            DocumentId::of("query Nope { nope }").as_str(),
            "query Nope { nope }",
        ),
    ]));
    let refused = documents(
        &database,
        &["add", "--client", "mosaic", bad.to_str().unwrap()],
    );
    assert!(!refused.status.success());
    let stderr = text(&refused.stderr);
    assert!(stderr.contains("nothing registered"), "{stderr}");
    assert!(stderr.contains("operation 1"), "{stderr}");
    let listed = documents(&database, &["list"]);
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    assert_eq!(text(&listed.stdout), "");

    // An id that is not its text's hash: refused too.
    let lying = manifest(&json!({ viewer.as_str(): CHILDREN }));
    let refused = documents(
        &database,
        &["add", "--client", "mosaic", lying.to_str().unwrap()],
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("SHA-256"),
        "{}",
        text(&refused.stderr)
    );

    // A good one, twice: the second adds nothing.
    let good = manifest(&json!({ children.as_str(): CHILDREN, viewer.as_str(): VIEWER }));
    for expected in ["2 new of 2", "0 new of 2"] {
        let added = documents(
            &database,
            &["add", "--client", "mosaic", good.to_str().unwrap()],
        );
        assert!(added.status.success(), "{}", text(&added.stderr));
        assert!(
            text(&added.stdout).contains(expected),
            "{}",
            text(&added.stdout)
        );
    }
    assert_eq!(text(&documents(&database, &["list"]).stdout), "mosaic\t2\n");

    let server = ServerProcess::builder(SERVER, &database)
        .env("SF_TRUSTED_DOCUMENTS", "registered")
        .start()
        .await;
    let now = jsonwebtoken::get_current_timestamp();
    let token = process::token_with_claims(&json!({
        "iss": process::ISSUER, "aud": process::AUDIENCE, "sub": "process-test-worker",
        "iat": now, "exp": now + 600, "la": ISLINGTON, "azp": "mosaic",
        "scope": process::all_scopes().join(" "),
    }));
    let by_id: serde_json::Value = reqwest::Client::new()
        .post(server.url("/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "documentId": children.as_str() }))
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("JSON");
    assert!(by_id.get("errors").is_none(), "{by_id}");
    assert_eq!(by_id["data"]["children"]["nodes"], json!([]));
    let (_, _, unregistered) = server
        .graphql(&token, "{ viewer { client } }", json!({}))
        .await;
    assert_eq!(
        process::error_codes(&unregistered),
        vec!["PERSISTED_QUERY_NOT_FOUND"]
    );
    let (_, _, registered_text) = server.graphql(&token, VIEWER, json!({})).await;
    assert_eq!(
        registered_text["data"]["viewer"]["subject"],
        "process-test-worker"
    );

    // Removed: the registry is empty (a replica that used a document keeps it until restarted).
    let removed = documents(&database, &["remove", "--client", "mosaic"]);
    assert!(text(&removed.stdout).contains("2 document(s) of mosaic removed"));
    assert_eq!(text(&documents(&database, &["list"]).stdout), "");
    for path in [bad, lying, good] {
        let _ = std::fs::remove_file(path);
    }
}
