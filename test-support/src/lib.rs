//! The two HTTP test harnesses, dev-only: [`TestApp`] (here) serves the real router in the test's
//! process on a real port with its own database and real tokens; [`process`] runs the real
//! binary as OS processes, for what only a process shows (signals, replicas, its output);
//! [`patroni`] runs a highly available PostgreSQL (etcd and Patroni) for failover tests;
//! [`oidc_provider`] runs a real OpenID Provider (Node.js) for the token verifier's tests.

pub mod oidc_provider;
pub mod patroni;
pub mod process;
mod tenants;

use std::collections::BTreeSet;
use std::net::SocketAddr;

use serde_json::{json, Value};
use stable_futures_api::auth::{DevKey, TokenVerifier, DEV_CLIENT};
use stable_futures_api::config::{LimitsConfig, Mode};
use stable_futures_api::http::{router, AppSettings};
use stable_futures_domain::local_authority::LocalAuthorityCode;
use stable_futures_domain::principal::Scope;
use stable_futures_persistence::testing::TestDatabase;
use stable_futures_persistence::{Database, PoolSettings};

pub use tenants::{AUDIENCE, CAMDEN, ISLINGTON, UNSERVED};

/// A running server for one test.
#[derive(Debug)]
pub struct TestApp {
    pub address: SocketAddr,
    pub database: TestDatabase,
    pub key: DevKey,
    client: reqwest::Client,
}

/// What the server answered.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    /// `data` at a JSON pointer, e.g. `/registerChild/child/id`.
    pub fn data(&self, pointer: &str) -> &Value {
        self.body
            .pointer(&format!("/data{pointer}"))
            .unwrap_or_else(|| panic!("no data at {pointer} in {}", self.body))
    }

    /// The string in `data` at a JSON pointer (an id, typically).
    #[track_caller]
    pub fn text(&self, pointer: &str) -> String {
        match self.data(pointer).as_str() {
            Some(text) => text.to_owned(),
            None => panic!("no string at {pointer} in {}", self.body),
        }
    }

    /// `extensions.code` of every error.
    pub fn error_codes(&self) -> Vec<String> {
        process::error_codes(&self.body)
    }

    /// Codes of the `userErrors` of mutation `name`.
    pub fn user_error_codes(&self, name: &str) -> Vec<String> {
        self.data(&format!("/{name}/userErrors"))
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e["code"].as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Fails, showing the answer, unless mutation `name` answered without errors of any kind.
    pub fn assert_no_user_errors(&self, name: &str) {
        self.assert_ok();
        assert_eq!(
            self.user_error_codes(name),
            Vec::<String>::new(),
            "{}",
            self.body
        );
    }

    pub fn sql_statements(&self) -> usize {
        self.headers
            .get("x-sql-statements")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no statement count header"))
    }

    #[track_caller]
    pub fn assert_ok(&self) -> &Self {
        assert_eq!(self.status, 200, "{}", self.body);
        assert!(
            self.body.get("errors").is_none(),
            "unexpected errors: {}",
            self.body
        );
        self
    }
}

impl TestApp {
    /// A server on a random port with a fresh database that knows Islington and Camden.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(Mode::Development, None).await
    }

    /// Same, with a token verifier of the caller's choice (e.g. production keys).
    pub async fn spawn_with(mode: Mode, verifier: Option<TokenVerifier>) -> TestApp {
        Self::spawn_with_settings(mode, verifier, LimitsConfig::default()).await
    }

    /// Same, with request limits (batching, CORS, …) of the caller's choice.
    pub async fn spawn_with_settings(
        mode: Mode,
        verifier: Option<TokenVerifier>,
        limits: LimitsConfig,
    ) -> TestApp {
        let database = TestDatabase::serving_two_authorities().await;
        let pool = Database::connect(&database.app_url, &PoolSettings::default())
            .await
            .expect("connect as the server role");
        let key = DevKey::from_secret(&rand::random::<[u8; 32]>());
        let verifier = verifier
            .unwrap_or_else(|| TokenVerifier::development(&key, AUDIENCE, 30).expect("verifier"));
        let app = router(
            pool,
            verifier,
            AppSettings {
                mode,
                limits,
                expose_statement_count: true,
                shutdown: tokio_util::sync::CancellationToken::new(),
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        TestApp {
            address,
            database,
            key,
            client: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// A token for `la` with exactly `scopes`.
    pub fn token(&self, la: &str, scopes: &[Scope]) -> String {
        let scopes: BTreeSet<Scope> = scopes.iter().copied().collect();
        self.key
            .issue(
                AUDIENCE,
                "test-user",
                DEV_CLIENT,
                &LocalAuthorityCode::parse(la).expect("code"),
                &scopes,
                600,
            )
            .expect("token")
    }

    /// A token for `la` with exactly `scopes`, issued to the case system `client` (`azp`).
    pub fn token_of_client(&self, la: &str, client: &str, scopes: &[Scope]) -> String {
        let scopes: BTreeSet<Scope> = scopes.iter().copied().collect();
        self.key
            .issue(
                AUDIENCE,
                "test-user",
                client,
                &LocalAuthorityCode::parse(la).expect("code"),
                &scopes,
                600,
            )
            .expect("token")
    }

    /// A token for reports across `authorities` (`la_set`) with `scopes`.
    pub fn token_for_authorities(&self, authorities: &[&str], scopes: &[Scope]) -> String {
        let codes: Vec<LocalAuthorityCode> = authorities
            .iter()
            .map(|la| LocalAuthorityCode::parse(la).expect("code"))
            .collect();
        self.key
            .issue_for_authorities(
                AUDIENCE,
                "evaluator",
                DEV_CLIENT,
                &codes,
                &scopes.iter().copied().collect(),
                600,
            )
            .expect("token")
    }

    /// A token for `la` with every scope.
    pub fn token_all(&self, la: &str) -> String {
        self.token(la, Scope::ALL)
    }

    pub async fn graphql(&self, token: &str, query: &str, variables: Value) -> Answer {
        self.post(
            Some(token),
            "application/json",
            json!({ "query": query, "variables": variables }).to_string(),
        )
        .await
    }

    /// Every node of the connection at `root` of `query`, `first` at a time, each page's
    /// `after` the `endCursor` of the page before (the query takes `$first` and `$after`, and
    /// selects `nodes` and `pageInfo { hasNextPage endCursor }`).
    pub async fn every_node(
        &self,
        token: &str,
        query: &str,
        root: &str,
        variables: Value,
        first: usize,
    ) -> Vec<Value> {
        let mut nodes = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut page_variables = variables.clone();
            page_variables["first"] = json!(first);
            page_variables["after"] = json!(after);
            let answer = self.graphql(token, query, page_variables).await;
            answer.assert_ok();
            nodes.extend(
                answer
                    .data(&format!("/{root}/nodes"))
                    .as_array()
                    .expect("nodes")
                    .iter()
                    .cloned(),
            );
            let info = answer.data(&format!("/{root}/pageInfo"));
            if info["hasNextPage"] != json!(true) {
                return nodes;
            }
            after = info["endCursor"].as_str().map(str::to_owned);
        }
    }

    /// The latest `first` rows of the audit trail (`action childId operation fieldsClasses`),
    /// newest first.
    pub async fn audit_events(&self, token: &str, first: usize) -> Vec<Value> {
        let answer = self
            .graphql(
                token,
                "query($first: Int!) { auditEvents(first: $first) { nodes { action childId operation fieldsClasses } } }",
                json!({ "first": first }),
            )
            .await;
        answer.assert_ok();
        answer
            .data("/auditEvents/nodes")
            .as_array()
            .expect("nodes")
            .clone()
    }

    pub async fn post(&self, token: Option<&str>, content_type: &str, body: String) -> Answer {
        self.post_with(token, content_type, None, body).await
    }

    /// `POST /graphql` with a JSON `body` and `Accept: accept`.
    pub async fn post_accepting(&self, token: Option<&str>, accept: &str, body: String) -> Answer {
        self.post_with(token, "application/json", Some(accept), body)
            .await
    }

    async fn post_with(
        &self,
        token: Option<&str>,
        content_type: &str,
        accept: Option<&str>,
        body: String,
    ) -> Answer {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .header("content-type", content_type)
            .body(body);
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        Self::answer(response).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.get_with(path, None).await
    }

    /// `GET path` with the bearer token, if any; a body that is not JSON is kept as a string.
    pub async fn get_with(&self, path: &str, token: Option<&str>) -> Answer {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        Self::answer(response).await
    }

    async fn answer(response: reqwest::Response) -> Answer {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Answer {
            status,
            headers,
            body,
        }
    }
}

/// Ready-made operations for building fixtures through the API itself.
pub mod fixtures {
    use serde_json::{json, Value};

    use super::TestApp;

    pub const REGISTER_CHILD: &str = "mutation($input: RegisterChildInput!) { registerChild(input: $input) { child { id version localChildId } userErrors { field message code } } }";
    pub const SUBMIT_REFERRAL: &str = "mutation($input: SubmitReferralInput!) { submitReferral(input: $input) { referral { id version status } userErrors { field message code } } }";
    pub const RECORD_RG: &str = "mutation($input: RecordReasonableGroundsDecisionInput!) { recordReasonableGroundsDecision(input: $input) { referral { id version status } userErrors { field message code } } }";
    pub const REQUEST_GUARDIAN: &str = "mutation($input: RequestGuardianInput!) { requestGuardian(input: $input) { assignment { id version status } userErrors { field message code } } }";
    pub const RECORD_MEASUREMENT: &str = "mutation($input: RecordOutcomeMeasurementInput!) { recordOutcomeMeasurement(input: $input) { measurement { id } userErrors { field message code } } }";

    /// The variables of [`RECORD_MEASUREMENT`] for a measurement made under an idempotency key:
    /// what a writer retrying through failures sends again unchanged.
    pub fn keyed_measurement(child_id: &str, key: &str, rating: usize) -> Value {
        json!({ "input": {
            "childId": child_id,
            "outcomeKey": "being_safe_and_feeling_safe",
            "observedAt": "2025-04-01T10:00:00Z",
            "youngPersonParticipated": true,
            "youngPersonRating": rating,
            "idempotencyKey": key,
        } })
    }

    /// Registers a child and returns its global id.
    pub async fn child(app: &TestApp, token: &str, local_id: &str) -> String {
        let answer = app
            .graphql(
                token,
                REGISTER_CHILD,
                json!({ "input": { "localChildId": local_id, "dateOfBirth": "2010-05-01", "nhsNumber": "9434765919" } }),
            )
            .await;
        answer.assert_ok();
        assert_eq!(
            answer.user_error_codes("registerChild"),
            Vec::<String>::new()
        );
        answer.text("/registerChild/child/id")
    }

    /// Submits a referral and returns (id, version).
    pub async fn referral(app: &TestApp, token: &str, child_id: &str) -> (String, i64) {
        referral_at(app, token, child_id, "2025-03-03T09:00:00Z").await
    }

    /// Submits a referral made at `referred_at` and returns (id, version).
    pub async fn referral_at(
        app: &TestApp,
        token: &str,
        child_id: &str,
        referred_at: &str,
    ) -> (String, i64) {
        let answer = app
            .graphql(
                token,
                SUBMIT_REFERRAL,
                json!({ "input": {
                    "childId": child_id,
                    "referredAt": referred_at,
                    "firstResponder": { "organisationType": "POLICE", "organisationName": "Metropolitan Police Service" },
                    "exploitationTypes": ["CRIMINAL"],
                    "countyLines": true,
                    "exploitationLocation": "UK",
                    "competentAuthority": "SCA"
                } }),
            )
            .await;
        answer.assert_ok();
        let referral = answer.data("/submitReferral/referral");
        (
            referral["id"].as_str().expect("id").to_owned(),
            referral["version"].as_i64().expect("version"),
        )
    }

    /// Requests an ICTG direct worker; returns (id, version).
    pub async fn guardian_request(app: &TestApp, token: &str, child_id: &str) -> (String, i64) {
        let answer = app
            .graphql(
                token,
                REQUEST_GUARDIAN,
                json!({ "input": { "childId": child_id, "service": "ICTG", "role": "DIRECT_WORKER", "requestedAt": "2025-03-04T09:00:00Z" } }),
            )
            .await;
        answer.assert_ok();
        let assignment = answer.data("/requestGuardian/assignment");
        (
            assignment["id"].as_str().expect("id").to_owned(),
            assignment["version"].as_i64().expect("version"),
        )
    }

    /// Records a measurement; returns its id.
    pub async fn measurement(app: &TestApp, token: &str, child_id: &str, extra: Value) -> String {
        let mut input = json!({
            "childId": child_id,
            "outcomeKey": "being_safe_and_feeling_safe",
            "observedAt": "2025-04-01T10:00:00Z",
            "youngPersonParticipated": true,
            "youngPersonRating": 3,
            "youngPersonWords": "I feel safer where I live now",
        });
        if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
            input.extend(extra.clone());
        }
        let answer = app
            .graphql(token, RECORD_MEASUREMENT, json!({ "input": input }))
            .await;
        answer.assert_ok();
        assert_eq!(
            answer.user_error_codes("recordOutcomeMeasurement"),
            Vec::<String>::new()
        );
        answer.text("/recordOutcomeMeasurement/measurement/id")
    }
}
