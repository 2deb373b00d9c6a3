//! `POST /graphql`: a caller identified, their operations admitted, run and measured.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_graphql::parser::types::ExecutableDocument;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use opentelemetry::KeyValue;
use stable_futures_domain::audit::AuditContext;
use stable_futures_domain::local_authority::LocalAuthority;
use stable_futures_domain::principal::{AggregatePrincipal, Principal};
use stable_futures_persistence::StatementCounter;
use tracing::Instrument as _;

use super::admission::{admit, introspection_allowed, Admitted, Operation};
use super::body::{is_json, requests_of, Requests};
use super::budget::Charge;
use super::documents::{Incoming, Registered};
use super::identity::{bearer, identify_any, AnyCaller, Refusal};
use super::media::{negotiate, ResponseMedia};
use super::parsing::refused;
use super::responses::{
    answer, overloaded, says_unavailable, unauthenticated, unavailable,
    RETRY_AFTER_UNAVAILABLE_SECONDS,
};
use super::state::{AppState, Inner};
use crate::caller::{Correlation, RequestContext, CONSISTENCY_HEADER};
use crate::graphql::aggregate::AggregateRequest;
use crate::graphql::cost::{cost_extension, CostModel, RateLimitStatus, Throttle};
use crate::graphql::errors::ApiError;
use crate::telemetry::http::RequestTrace;
use crate::telemetry::metrics::metrics;

const POST_JSON: &str = "send operations as POST with Content-Type: application/json";
const ACCEPTABLE: &str =
    "answers are application/graphql-response+json or application/json: accept one of them";

pub(super) async fn graphql(
    State(state): State<AppState>,
    Extension(RequestTrace(trace_id)): Extension<RequestTrace>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let state = &state.0;
    let correlation = Correlation::from_headers(&headers, trace_id);
    if !is_json(&headers) {
        let error = ApiError::BadUserInput(POST_JSON.into());
        return answer(StatusCode::UNSUPPORTED_MEDIA_TYPE, &error);
    }
    let Some(media) = negotiate(&headers) else {
        let error = ApiError::BadUserInput(ACCEPTABLE.into());
        return answer(StatusCode::NOT_ACCEPTABLE, &error);
    };
    let caller = match identify_any(state, bearer(&headers)).await {
        Ok(caller) => caller,
        Err(Refusal::Unauthenticated(reason)) => return unauthenticated(&reason),
        Err(Refusal::Unavailable(error)) => return unavailable(&error),
    };
    let _turn = match state.load.enter(&caller.load_key()).await {
        Ok(turn) => turn,
        Err(overload) => return overloaded(overload, state.load.retry_after_seconds()),
    };
    // A JSON object is one operation. A JSON array is a batch, refused unless batching is
    // configured (SF_MAX_BATCH); serde's positional form of a request is never accepted.
    let requests = match requests_of(&body, state.max_batch) {
        Ok(requests) => requests,
        // Not a well-formed GraphQL-over-HTTP request: 400 in either media type.
        Err(message) => {
            let refusal = answer(StatusCode::BAD_REQUEST, &ApiError::BadUserInput(message));
            return in_media(refusal, media);
        }
    };
    let mut statements = 0;
    let mut retry_after = None;
    let mut http = match requests {
        Requests::One(incoming) => {
            let ran = execute_for(state, &correlation, &caller, *incoming).await;
            statements += ran.statements;
            retry_after = ran.retry_after;
            let database_unavailable = says_unavailable(&ran.response);
            let consistency = ran
                .response
                .extensions
                .get("consistencyToken")
                .and_then(|token| match token {
                    async_graphql::Value::String(token) => HeaderValue::from_str(token).ok(),
                    _ => None,
                });
            let mut answer = graphql_answer(media, ran.response);
            if let Some(token) = consistency {
                answer.headers_mut().insert(CONSISTENCY_HEADER, token);
            }
            match retry_after {
                // Out of points: 429, whichever media type, as for any rate limit.
                Some(_) => with_status(answer, StatusCode::TOO_MANY_REQUESTS),
                // The database could not take it (a restart, a failover): 503, so that every
                // client and proxy knows to retry, and when.
                None if database_unavailable => {
                    retry_after = Some(Duration::from_secs(RETRY_AFTER_UNAVAILABLE_SECONDS));
                    with_status(answer, StatusCode::SERVICE_UNAVAILABLE)
                }
                None => answer,
            }
        }
        Requests::Batch(batch) => {
            // One after the other, each with its own request context and loaders.
            let mut responses = Vec::with_capacity(batch.len());
            for incoming in batch {
                let ran = execute_for(state, &correlation, &caller, incoming).await;
                statements += ran.statements;
                retry_after = retry_after.max(ran.retry_after);
                responses.push(ran.response);
            }
            in_media(Json(responses).into_response(), media)
        }
    };
    if let Some(wait) = retry_after {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        if let Ok(value) = HeaderValue::from_str(&seconds.max(1).to_string()) {
            http.headers_mut().insert(header::RETRY_AFTER, value);
        }
    }
    if state.expose_statement_count {
        if let Ok(value) = HeaderValue::from_str(&statements.to_string()) {
            http.headers_mut().insert("x-sql-statements", value);
        }
    }
    http
}

/// One operation's answer in `media`. A request error (nothing ran: no `data`, and no error at a
/// field's path) has no `data` entry, as GraphQL asks of an error raised before execution; with
/// `application/graphql-response+json` it is a 400, as the GraphQL-over-HTTP specification asks,
/// and with `application/json` a 200, as legacy clients expect.
fn graphql_answer(media: ResponseMedia, response: async_graphql::Response) -> Response {
    let request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty());
    // An answer is serialised straight from the engine's value; only a request error's (small)
    // goes through a JSON value to lose its `data` entry.
    let body = if request_error {
        serde_json::to_value(&response).and_then(|mut body| {
            if let Some(object) = body.as_object_mut() {
                object.remove("data");
            }
            serde_json::to_vec(&body)
        })
    } else {
        serde_json::to_vec(&response)
    };
    let body = match body {
        Ok(body) => body,
        Err(error) => {
            return answer(
                StatusCode::INTERNAL_SERVER_ERROR,
                &ApiError::internal(&error),
            )
        }
    };
    let status = match (media, request_error) {
        (ResponseMedia::GraphqlResponseJson, true) => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    in_media((status, body).into_response(), media)
}

fn with_status(response: Response, status: StatusCode) -> Response {
    let (mut parts, body) = response.into_parts();
    parts.status = status;
    Response::from_parts(parts, body)
}

/// `response`, labelled as `media`.
fn in_media(mut response: Response, media: ResponseMedia) -> Response {
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(media.content_type()),
    );
    response
}

/// Runs one operation for `caller` in the schema of its kind.
async fn execute_for(
    state: &Inner,
    correlation: &Correlation,
    caller: &AnyCaller,
    incoming: Incoming,
) -> Ran {
    let registered = match state
        .documents
        .resolve(
            &state.database,
            &state.document_limits,
            caller.client(),
            &incoming,
        )
        .await
    {
        Ok(registered) => registered,
        Err(refusal) => return Ran::refused(refusal_response(refusal).0),
    };
    run_for(
        state,
        correlation,
        caller,
        incoming.request,
        registered.as_deref(),
    )
    .await
}

/// Runs one operation for `caller` in the schema of its kind, its document given (`registered`)
/// or its text to parse. The service's own documents (a report export's) come here directly:
/// they are no client's to register.
pub(super) async fn run_for(
    state: &Inner,
    correlation: &Correlation,
    caller: &AnyCaller,
    request: async_graphql::Request,
    registered: Option<&Registered>,
) -> Ran {
    let budget_key = caller.load_key();
    match caller {
        AnyCaller::Tenant(caller) => {
            execute_one(
                state,
                correlation,
                caller.principal.clone(),
                caller.local_authority.clone(),
                request,
                registered,
                &budget_key,
            )
            .await
        }
        AnyCaller::Aggregate(principal) => {
            execute_aggregate(
                state,
                correlation,
                principal.clone(),
                request,
                registered,
                &budget_key,
            )
            .await
        }
    }
}

/// One operation run (or refused): its response, the SQL statements it ran and, when its
/// client's bucket held too few points, when to retry.
#[derive(Debug)]
pub(super) struct Ran {
    pub response: async_graphql::Response,
    pub statements: usize,
    pub retry_after: Option<Duration>,
}

impl Ran {
    fn refused(response: async_graphql::Response) -> Self {
        Self {
            response,
            statements: 0,
            retry_after: None,
        }
    }
}

/// An admitted operation charged to its client's bucket: the request for the engine (with the
/// charge in its data, for `Query.rateLimit`), its span, and what prices its answer.
struct Charged {
    request: async_graphql::Request,
    span: tracing::Span,
    pricing: Pricing,
}

/// What an answer's `extensions.cost` is made of.
struct Pricing {
    operation: Operation,
    document: Arc<ExecutableDocument>,
    requested_cost: usize,
    throttle: Option<Throttle>,
}

/// Charges an admitted operation's requested cost to `key`'s bucket, or refuses it when the
/// bucket holds too little.
fn charge(
    state: &Inner,
    key: &str,
    admitted: Admitted,
    registered: Option<&Registered>,
) -> Result<Charged, Box<Ran>> {
    let Admitted {
        request,
        operation,
        document,
        requested_cost,
    } = admitted;
    // The engine refuses an operation over the complexity limit before any field runs: it is
    // answered as too complex, not charged.
    let charge = if requested_cost > state.max_complexity {
        Charge::Unlimited
    } else {
        state.budget.charge(key, requested_cost)
    };
    let throttle = match charge {
        Charge::Unlimited => None,
        Charge::Charged(throttle) => Some(throttle),
        Charge::Refused {
            throttle,
            retry_after,
        } => {
            let mut refusal = refused(&ApiError::OverBudget);
            let extensions = refusal.extensions.get_or_insert_with(Default::default);
            extensions.set("cost", cost_extension(requested_cost, None, Some(throttle)));
            let (response, _) = refusal_response(refusal);
            return Err(Box::new(Ran {
                response,
                statements: 0,
                retry_after: Some(retry_after),
            }));
        }
    };
    let request = match throttle {
        Some(throttle) => request.data(RateLimitStatus {
            cost: requested_cost,
            throttle,
            at: chrono::Utc::now(),
        }),
        None => request,
    };
    let span = operation_span(&operation, &request, registered);
    Ok(Charged {
        request,
        span,
        pricing: Pricing {
            operation,
            document,
            requested_cost,
            throttle,
        },
    })
}

/// The response with its `extensions.cost`: the requested cost, the actual (the same rules over
/// the answer) and the bucket.
fn priced(
    mut response: async_graphql::Response,
    costs: &CostModel,
    pricing: &Pricing,
) -> async_graphql::Response {
    let actual = costs.actual(
        &pricing.document,
        pricing.operation.name.as_deref(),
        &response.data,
    );
    response.extensions.insert(
        "cost".to_owned(),
        cost_extension(pricing.requested_cost, Some(actual), pricing.throttle),
    );
    response
}

/// The span of one operation: its type and name, its trusted document's id, and its document
/// without literals when spans leave the process (never its variables). A registered document
/// is named by its id instead.
fn operation_span(
    operation: &Operation,
    request: &async_graphql::Request,
    registered: Option<&Registered>,
) -> tracing::Span {
    // Only worth building when spans leave the process.
    let document = (registered.is_none() && crate::telemetry::exporting())
        .then(|| crate::graphql::document::without_literals(&request.query))
        .flatten();
    tracing::info_span!(
        "graphql.operation",
        otel.name = %match &operation.name {
            Some(name) => format!("{} {name}", operation.kind),
            None => operation.kind.to_owned(),
        },
        graphql.operation.type = operation.kind,
        graphql.operation.name = operation.name.as_deref(),
        graphql.document = document.as_deref(),
        graphql.document.id = registered.map(|registered| registered.id.as_str()),
        otel.status_code = tracing::field::Empty,
    )
}

/// Runs one operation of a reader across authorities, in the aggregate schema, in its own span.
/// Returns the response and how many SQL statements it ran.
async fn execute_aggregate(
    state: &Inner,
    correlation: &Correlation,
    principal: AggregatePrincipal,
    request: async_graphql::Request,
    registered: Option<&Registered>,
    budget_key: &str,
) -> Ran {
    let may_introspect = introspection_allowed(state.mode, |scope| principal.has(scope));
    let admitted = match admit(
        state,
        may_introspect,
        request,
        registered,
        &state.aggregate_costs,
    ) {
        Ok(admitted) => admitted,
        Err(refusal) => return Ran::refused(refusal_response(refusal).0),
    };
    let purpose = match &correlation.purpose {
        Ok(purpose) => purpose.clone(),
        Err(invalid) => {
            let error = ApiError::BadUserInput(invalid.to_string());
            return Ran::refused(with_codes(async_graphql::Response::from_errors(vec![
                refused(&error),
            ])));
        }
    };
    let Charged {
        request,
        span,
        pricing,
    } = match charge(state, budget_key, admitted, registered) {
        Ok(charged) => charged,
        Err(refusal) => return *refusal,
    };
    let operation = &pricing.operation;
    let context = Arc::new(AggregateRequest {
        principal: Arc::new(principal),
        now: chrono::Utc::now(),
        audit: AuditContext::new(
            operation.name.as_deref().unwrap_or("anonymous"),
            correlation.trace_id.clone(),
            purpose,
        )
        .with_document(registered.map(|registered| registered.id.clone())),
        database: state.database.clone(),
        statements: Arc::new(StatementCounter::default()),
    });
    let statements = Arc::clone(&context.statements);
    let response = state
        .aggregate_schema
        .execute(request.data(context))
        .instrument(span.clone())
        .await;
    let response = with_codes(response);
    if response.is_err() {
        span.record("otel.status_code", "ERROR");
    }
    count_errors(&response);
    let response = priced(response, &state.aggregate_costs, &pricing);
    Ran {
        response,
        statements: statements.get(),
        retry_after: None,
    }
}

/// Runs one operation with its own request context, in its own span. Returns the response and
/// how many SQL statements it ran.
async fn execute_one(
    state: &Inner,
    correlation: &Correlation,
    principal: Principal,
    local_authority: LocalAuthority,
    request: async_graphql::Request,
    registered: Option<&Registered>,
    budget_key: &str,
) -> Ran {
    let started = Instant::now();
    let may_introspect = introspection_allowed(state.mode, |scope| principal.has(scope));
    let admitted = match admit(state, may_introspect, request, registered, &state.costs) {
        Ok(admitted) => admitted,
        Err(refusal) => return Ran::refused(refusal_response(refusal).0),
    };
    let Charged {
        request,
        span,
        pricing,
    } = match charge(state, budget_key, admitted, registered) {
        Ok(charged) => charged,
        Err(refusal) => return *refusal,
    };
    let operation = &pricing.operation;
    let context = Arc::new(
        RequestContext::new(principal, local_authority)
            .with_correlation(correlation.clone())
            .with_document(registered.map(|registered| registered.id.clone())),
    );
    let (response, statements) = crate::graphql::execution::execute(
        &state.schema,
        request,
        &context,
        &state.database,
        operation.kind == "query",
        operation.name.as_deref(),
    )
    .instrument(span.clone())
    .await;
    let response = with_codes(response);
    if response.is_err() {
        span.record("otel.status_code", "ERROR");
    }
    let metrics = metrics();
    count_errors(&response);
    metrics.operation_duration.record(
        started.elapsed().as_secs_f64(),
        &[
            KeyValue::new(
                "graphql.operation.name",
                metrics.operation_label(operation.name.as_deref()),
            ),
            KeyValue::new("graphql.operation.type", operation.kind),
            KeyValue::new(
                "graphql.document.id",
                metrics.document_label(registered.map(|registered| registered.id.as_str())),
            ),
        ],
    );
    metrics
        .statements
        .record(u64::try_from(statements).unwrap_or(u64::MAX), &[]);
    let response = priced(response, &state.costs, &pricing);
    Ran {
        response,
        statements,
        retry_after: None,
    }
}

/// The answer to an operation refused before it ran, counted.
fn refusal_response(refusal: async_graphql::ServerError) -> (async_graphql::Response, usize) {
    let refusal = with_codes(async_graphql::Response::from_errors(vec![refusal]));
    count_errors(&refusal);
    (refusal, 0)
}

/// Counts a response's errors by their `extensions.code` (every error has one: `with_codes`).
fn count_errors(response: &async_graphql::Response) {
    for error in &response.errors {
        let code = error
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"))
            .and_then(|code| match code {
                async_graphql::Value::String(code) => Some(code.clone()),
                async_graphql::Value::Enum(code) => Some(code.to_string()),
                _ => None,
            })
            .unwrap_or_else(|| "UNKNOWN".to_owned());
        metrics()
            .errors
            .add(1, &[KeyValue::new("error.code", code)]);
    }
}

/// Errors from the GraphQL engine itself (syntax, validation, depth and complexity limits) carry
/// no code; every error we answer with must have one.
fn with_codes(mut response: async_graphql::Response) -> async_graphql::Response {
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", "BAD_USER_INPUT");
        }
    }
    response
}

pub(super) async fn graphql_get() -> Response {
    let error = ApiError::BadUserInput(POST_JSON.into());
    let mut response = answer(StatusCode::METHOD_NOT_ALLOWED, &error);
    response.headers_mut().insert(
        header::ALLOW,
        HeaderValue::from_static(Method::POST.as_str()),
    );
    response
}
