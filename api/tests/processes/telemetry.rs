//! Telemetry of the real binary, received by real OTLP receivers: the span tree of a nested read
//! and of a mutation, their attributes, the caller's `traceparent` honoured, parameterised SQL —
//! and that a distinctive name, phrase, local id and date of birth sent by the caller appear in no
//! exported span, event or attribute, in no metric and in no log line.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::SERVER;
use fake_opentelemetry_collector::{ExportedSpan, FakeCollectorServer};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message as _;
use serde_json::{json, Value};
use stable_futures_test_support::process;
use stable_futures_test_support::process::{
    assert_ok, referral_input, text_at, token_all, user_error_codes, ServerProcess, ISLINGTON,
};

/// What a caller sends that must never leave the process in telemetry.
const NAME: &str = "Zephyrine Quillfeather";
const PHRASE: &str = "kept safe at Marigold Lodge";
const LOCAL_ID: &str = "ZQ778899";
const DATE_OF_BIRTH: &str = "2011-07-23";
const FORBIDDEN: &[&str] = &[
    "Zephyrine",
    "Quillfeather",
    "Marigold",
    LOCAL_ID,
    DATE_OF_BIRTH,
    // The NHS number the child is registered with.
    "9434765919",
];

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_SPAN_ID: &str = "00f067aa0ba902b7";

const REGISTER: &str = "mutation Register($input: RegisterChildInput!) { registerChild(input: $input) { child { id } userErrors { code } } }";
const PAGE: &str = "query Page { children(first: 10) { nodes { id localChildId dateOfBirth referrals(first: 5) { nodes { id status timeline { kind } } } guardianAssignments { id } outcomeMeasurements(first: 5) { nodes { id youngPersonWords outcome { key } } } } } }";

fn record_with_literals(child_id: &str) -> String {
    // The caller's words written into the document itself, not into variables.
    format!(
        r#"mutation Record {{ recordOutcomeMeasurement(input: {{ childId: "{child_id}", outcomeKey: "being_safe_and_feeling_safe", observedAt: "2025-04-01T10:00:00Z", youngPersonParticipated: true, youngPersonRating: 4, youngPersonWords: "{NAME} said she is {PHRASE}" }}) {{ measurement {{ id }} userErrors {{ code }} }} }}"#
    )
}

fn traceparent() -> String {
    format!("00-{TRACE_ID}-{PARENT_SPAN_ID}-01")
}

/// Drives a registration (values in variables), a measurement (values as literals) and the nested
/// page read (under the caller's `traceparent`); returns the page's response headers.
async fn drive(server: &ServerProcess) -> reqwest::header::HeaderMap {
    let token = token_all(ISLINGTON);
    let registered = server
        .graphql(
            &token,
            REGISTER,
            json!({ "input": {
                "localChildId": LOCAL_ID,
                "dateOfBirth": DATE_OF_BIRTH,
                "nhsNumber": "9434765919",
            } }),
        )
        .await;
    assert_ok(&registered);
    assert_eq!(
        user_error_codes(&registered.2, "registerChild"),
        Vec::<String>::new()
    );
    let child = text_at(&registered.2, "/data/registerChild/child/id");
    let referred = server
        .graphql(
            &token,
            "mutation Refer($input: SubmitReferralInput!) { submitReferral(input: $input) { referral { id } userErrors { code } } }",
            json!({ "input": referral_input(&child) }),
        )
        .await;
    assert_ok(&referred);
    assert_eq!(
        user_error_codes(&referred.2, "submitReferral"),
        Vec::<String>::new()
    );
    let recorded = server
        .graphql(&token, &record_with_literals(&child), json!({}))
        .await;
    assert_ok(&recorded);
    assert_eq!(
        user_error_codes(&recorded.2, "recordOutcomeMeasurement"),
        Vec::<String>::new()
    );

    let page = reqwest::Client::new()
        .post(server.url("/graphql"))
        .bearer_auth(&token)
        .header("traceparent", traceparent())
        .json(&json!({ "query": PAGE }))
        .send()
        .await
        .expect("page answered");
    assert_eq!(page.status(), 200);
    let headers = page.headers().clone();
    let body: Value = page.json().await.expect("JSON");
    // The page really carries the values that must not reach telemetry.
    let text = body.to_string();
    assert!(text.contains(LOCAL_ID) && text.contains(PHRASE), "{text}");
    headers
}

/// Receives spans until `done` holds for everything received, or the timeout.
async fn collect_spans(
    collector: &mut FakeCollectorServer,
    timeout: Duration,
    done: impl Fn(&[ExportedSpan]) -> bool,
) -> Vec<ExportedSpan> {
    let deadline = Instant::now() + timeout;
    let mut spans = Vec::new();
    while Instant::now() < deadline && !done(&spans) {
        // Drained continually: the receiver's channel is small and blocks the exporter when full.
        spans.extend(
            collector
                .exported_spans(1, Duration::from_millis(200))
                .await,
        );
    }
    spans
}

/// An attribute's value as text. The receiver keeps values in their `Debug` form
/// (`Some(AnyValue { value: Some(StringValue("POST")) })`).
fn attr(span: &ExportedSpan, key: &str) -> String {
    let raw = span
        .attributes
        .get(key)
        .unwrap_or_else(|| panic!("no {key} on {span:#?}"));
    let value = raw
        .strip_prefix("Some(AnyValue { value: Some(")
        .and_then(|rest| rest.strip_suffix(") })"))
        .unwrap_or(raw);
    if let Some(text) = value
        .strip_prefix("StringValue(")
        .and_then(|rest| rest.strip_suffix(')'))
    {
        return serde_json::from_str(text).unwrap_or_else(|_| text.to_owned());
    }
    value
        .split_once('(')
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .unwrap_or(value)
        .to_owned()
}

fn named<'a>(spans: &'a [ExportedSpan], name: &str) -> Vec<&'a ExportedSpan> {
    spans.iter().filter(|span| span.name == name).collect()
}

fn children_of<'a>(spans: &'a [ExportedSpan], parent: &ExportedSpan) -> Vec<&'a ExportedSpan> {
    spans
        .iter()
        .filter(|span| span.parent_span_id == parent.span_id && span.trace_id == parent.trace_id)
        .collect()
}

fn descendants<'a>(spans: &'a [ExportedSpan], root: &ExportedSpan) -> Vec<&'a ExportedSpan> {
    let mut found = Vec::new();
    let mut frontier = vec![root];
    while let Some(parent) = frontier.pop() {
        for child in children_of(spans, parent) {
            found.push(child);
            frontier.push(child);
        }
    }
    found
}

fn assert_nothing_forbidden(what: &str, text: &str) {
    for forbidden in FORBIDDEN {
        assert!(
            !text.contains(forbidden),
            "{forbidden:?} appears in {what}:\n{}",
            text.lines()
                .filter(|line| line.contains(forbidden))
                .take(5)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_metrics_and_logs_over_grpc_carry_no_personal_data() {
    let mut collector = FakeCollectorServer::start().await.expect("collector");
    let database = process::database().await;
    let server = ServerProcess::builder(SERVER, &database)
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &collector.endpoint())
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .env("OTEL_METRIC_EXPORT_INTERVAL", "500")
        .env("OTEL_SERVICE_NAME", "stable-futures-under-test")
        .start()
        .await;

    let headers = drive(&server).await;
    assert_eq!(
        headers.get("x-trace-id").and_then(|v| v.to_str().ok()),
        Some(TRACE_ID),
        "the response names the caller's trace"
    );
    // A refused token: its log line must carry the request's trace id.
    let refused = reqwest::Client::new()
        .post(server.url("/graphql"))
        .bearer_auth("not-a-token")
        .header(
            "traceparent",
            "00-11111111111111111111111111111111-2222222222222222-01",
        )
        .json(&json!({ "query": "{ viewer { subject } }" }))
        .send()
        .await
        .expect("answered");
    assert_eq!(refused.status(), 401);

    let spans = collect_spans(&mut collector, Duration::from_secs(20), |spans| {
        spans.iter().any(|s| s.name == "query Page")
            && spans.iter().any(|s| s.name == "mutation Record")
            && spans.iter().any(|s| s.name == "mutation Register")
            && spans
                .iter()
                .any(|s| s.trace_id == TRACE_ID && s.name == "POST /graphql")
            && spans.iter().any(|flush| {
                flush.name == "audit.flush"
                    && flush.links.iter().any(|link| {
                        spans.iter().any(|wait| {
                            wait.trace_id == TRACE_ID
                                && wait.name == "audit.write"
                                && wait.span_id == link.span_id
                        })
                    })
            })
    })
    .await;

    // The page: server span → operation → root field → DataLoader batches → statements.
    let server_span = spans
        .iter()
        .find(|s| s.trace_id == TRACE_ID && s.kind == "SPAN_KIND_SERVER")
        .unwrap_or_else(|| panic!("no server span in trace {TRACE_ID}: {spans:#?}"));
    assert_eq!(
        server_span.parent_span_id, PARENT_SPAN_ID,
        "continues the caller's span"
    );
    assert_eq!(server_span.name, "POST /graphql");
    assert_eq!(attr(server_span, "http.request.method"), "POST");
    assert_eq!(attr(server_span, "http.route"), "/graphql");
    assert_eq!(attr(server_span, "http.response.status_code"), "200");

    let operation = children_of(&spans, server_span)
        .into_iter()
        .find(|s| s.name == "query Page")
        .expect("the operation span is a child of the server span");
    assert_eq!(attr(operation, "graphql.operation.type"), "query");
    assert_eq!(attr(operation, "graphql.operation.name"), "Page");
    let document = &attr(operation, "graphql.document");
    assert!(
        document.contains("children(first: 0)") && document.contains("youngPersonWords"),
        "the document shows the shape without literals: {document}"
    );

    let root = children_of(&spans, operation)
        .into_iter()
        .find(|s| s.name == "Query.children")
        .expect("a span for the root field");
    assert_eq!(attr(root, "graphql.field.name"), "children");
    // The page and everything under it in one statement, in a span that names what it read.
    let prefetch = descendants(&spans, root)
        .into_iter()
        .find(|s| s.name == "Prefetch ChildTrees")
        .unwrap_or_else(|| panic!("no Prefetch ChildTrees under the root field: {spans:#?}"));
    assert_eq!(
        attr(prefetch, "graphql.prefetch.relations"),
        "referrals,timelines,guardianAssignments,outcomeMeasurements"
    );
    let reads: Vec<_> = children_of(&spans, prefetch)
        .into_iter()
        .filter(|s| s.kind == "SPAN_KIND_CLIENT")
        .collect();
    // (The request's transaction opens with its first statement, here.)
    let opening = |s: &&ExportedSpan| {
        s.name == "BEGIN" || attr(s, "db.query.text") == "SELECT set_config($1, $2, $3)"
    };
    let (opened, read): (Vec<&ExportedSpan>, Vec<&ExportedSpan>) =
        reads.into_iter().partition(opening);
    assert_eq!(opened.len(), 2, "{opened:#?}");
    assert!(
        matches!(read.as_slice(), [read] if read.name == "SELECT" && attr(read, "db.query.text").contains("$13")),
        "one parameterised SELECT: {read:#?}"
    );

    let statements: Vec<&ExportedSpan> = spans
        .iter()
        .filter(|s| s.trace_id == TRACE_ID && s.kind == "SPAN_KIND_CLIENT")
        .collect();
    assert_eq!(statements.len(), 4, "{statements:#?}");
    // A query's reads share one transaction.
    for bracket in ["BEGIN", "COMMIT"] {
        assert_eq!(
            statements.iter().filter(|s| s.name == bracket).count(),
            1,
            "one {bracket}: {statements:#?}"
        );
    }
    for statement in &statements {
        assert_eq!(attr(statement, "db.system.name"), "postgresql");
        assert_eq!(attr(statement, "db.namespace"), database.name);
        let text = &attr(statement, "db.query.text");
        assert!(!text.contains("binds"), "bound values in {text}");
        assert_eq!(
            attr(statement, "db.operation.name"),
            statement.name,
            "named by its operation"
        );
    }
    // The tenant is bound, not written into the SQL.
    assert!(statements
        .iter()
        .any(|s| attr(s, "db.query.text") == "SELECT set_config($1, $2, $3)"));
    // Its audit rows are written by the shared writer: the request waits in `audit.write`, and
    // the flush that wrote them follows from that span (a link), with its INSERT beneath it.
    let waits: Vec<&ExportedSpan> = spans
        .iter()
        .filter(|s| s.trace_id == TRACE_ID && s.name == "audit.write")
        .collect();
    assert!(!waits.is_empty(), "the request's wait for its audit rows");
    let flush = named(&spans, "audit.flush")
        .into_iter()
        .find(|flush| {
            flush
                .links
                .iter()
                .any(|link| waits.iter().any(|wait| wait.span_id == link.span_id))
        })
        .expect("a flush linked to the request's wait");
    let flushed: Vec<&ExportedSpan> = children_of(&spans, flush);
    assert!(
        flushed
            .iter()
            .any(|s| attr(s, "db.query.text").starts_with("INSERT INTO audit_events")),
        "{flushed:#?}"
    );
    assert!(
        flushed
            .iter()
            .all(|s| !attr(s, "db.query.text").contains(ISLINGTON)),
        "the flush binds the authority too"
    );
    assert!(
        statements
            .iter()
            .all(|s| !attr(s, "db.query.text").contains(ISLINGTON)),
        "the authority's code is a bound value"
    );

    // The mutation with literals: its document shows none, its INSERTs are parameterised.
    let record = named(&spans, "mutation Record")[0];
    assert_eq!(attr(record, "graphql.operation.type"), "mutation");
    let record_document = &attr(record, "graphql.document");
    assert!(
        record_document.contains("recordOutcomeMeasurement(input: {})"),
        "{record_document}"
    );
    let inserts: Vec<_> = descendants(&spans, record)
        .into_iter()
        .filter(|s| s.name == "INSERT")
        .collect();
    assert!(
        inserts
            .iter()
            .any(|s| attr(s, "db.query.text").contains("outcome_measurements")),
        "{inserts:#?}"
    );

    // Everything exported, as one text.
    let exported = serde_json::to_string_pretty(&spans).expect("spans serialise");
    assert_nothing_forbidden("the exported spans", &exported);

    // Metrics: over OTLP, and on /metrics.
    // Exports are periodic: the first may have left before the operations were measured (a busy
    // machine); every export until one carries them is kept and checked.
    let mut metrics = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline
        && !format!("{metrics:?}").contains("sf.graphql.operation.duration")
    {
        metrics.extend(collector.exported_metrics(1, Duration::from_secs(2)).await);
    }
    let metrics_text = format!("{metrics:?}");
    assert!(
        metrics_text.contains("sf.graphql.operation.duration"),
        "OTLP metrics: {metrics_text}"
    );
    assert_nothing_forbidden("the OTLP metrics", &metrics_text);
    let scraped = reqwest::get(server.metrics_url("/metrics"))
        .await
        .expect("metrics answered")
        .text()
        .await
        .expect("text");
    for expected in [
        "sf_graphql_operation_duration_seconds_count{graphql_document_id=\"(text)\",graphql_operation_name=\"Page\",graphql_operation_type=\"query\"",
        "sf_graphql_operation_duration_seconds_count{graphql_document_id=\"(text)\",graphql_operation_name=\"Register\",graphql_operation_type=\"mutation\"",
        "http_server_request_duration_seconds_count{http_request_method=\"POST\",http_response_status_code=\"401\",http_route=\"/graphql\"",
        "db_client_connection_max{",
        "db_client_connection_count{db_client_connection_state=\"idle\"",
        "sf_db_statements_per_request_count",
        "http_server_active_requests{",
    ] {
        assert!(scraped.contains(expected), "{expected} not in:\n{scraped}");
    }
    assert_nothing_forbidden("/metrics", &scraped);

    // Logs: JSON lines with level, target and, inside a request, its trace id.
    server.sigterm();
    assert!(server.wait_exit(Duration::from_secs(30)).await.is_some());
    let logs = server.logs();
    assert_nothing_forbidden("the logs", &logs.join("\n"));
    let lines: Vec<Value> = logs
        .iter()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|_| panic!("not a JSON log line: {line}"))
        })
        .collect();
    for line in &lines {
        assert!(
            line["level"].is_string() && line["target"].is_string(),
            "{line}"
        );
    }
    let refusal = lines
        .iter()
        .find(|line| line["fields"]["message"] == "token refused")
        .unwrap_or_else(|| panic!("no refusal logged: {logs:#?}"));
    assert_eq!(
        refusal["openTelemetry"]["traceId"], "11111111111111111111111111111111",
        "{refusal}"
    );
    assert!(refusal["openTelemetry"]["spanId"]
        .as_str()
        .is_some_and(|id| id.len() == 16));
}

/// A span's trace id, and its name and attributes (in `Debug` form) by key.
type ReceivedSpan = (String, HashMap<String, String>);

/// Spans decoded from OTLP/HTTP protobuf posts, as a collector's HTTP receiver gets them.
#[derive(Debug, Clone, Default)]
struct HttpReceiver {
    spans: Arc<Mutex<Vec<ReceivedSpan>>>,
}

async fn receive(
    axum::extract::State(receiver): axum::extract::State<HttpReceiver>,
    body: axum::body::Bytes,
) -> axum::http::StatusCode {
    let Ok(request) = ExportTraceServiceRequest::decode(body) else {
        return axum::http::StatusCode::BAD_REQUEST;
    };
    let mut spans = receiver.spans.lock().unwrap_or_else(|e| e.into_inner());
    for resource in request.resource_spans {
        for scope in resource.scope_spans {
            for span in scope.spans {
                let attributes = span
                    .attributes
                    .iter()
                    .map(|kv| (kv.key.clone(), format!("{:?}", kv.value)))
                    .collect();
                spans.push((hex_of(&span.trace_id), attributes));
                let last = spans.len() - 1;
                spans[last].1.insert("name".into(), span.name.clone());
            }
        }
    }
    axum::http::StatusCode::OK
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_over_http_protobuf() {
    let receiver = HttpReceiver::default();
    let app = axum::Router::new()
        .route("/v1/traces", axum::routing::post(receive))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });

    let database = process::database().await;
    let server = ServerProcess::builder(SERVER, &database)
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &format!("http://{address}"))
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .start()
        .await;
    drive(&server).await;
    // Shutting down flushes whatever is still batched.
    server.sigterm();
    assert!(server.wait_exit(Duration::from_secs(30)).await.is_some());

    let spans = receiver
        .spans
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let page: Vec<_> = spans
        .iter()
        .filter(|(trace, _)| trace == TRACE_ID)
        .collect();
    assert!(
        page.iter().any(|(_, a)| a["name"] == "query Page"),
        "{page:#?}"
    );
    // BEGIN, the tenant setting, the page with everything under it and COMMIT (the framework
    // is cached; the audit rows are the shared writer's, in its trace).
    assert_eq!(
        page.iter()
            .filter(|(_, a)| a.contains_key("db.query.text"))
            .count(),
        4,
        "{page:#?}"
    );
    assert!(
        page.iter().any(|(_, a)| a["name"] == "audit.write"),
        "{page:#?}"
    );
    assert_nothing_forbidden("the spans sent over HTTP", &format!("{spans:?}"));
}
