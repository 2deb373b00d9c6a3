//! The service's metrics (RED, database pool, statements). Their attributes are bounded sets —
//! routes, methods, status codes, error codes, operation types and at most
//! [`MAX_OPERATION_NAMES`] operation names — so no caller can grow them without limit, and none
//! carries data.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock, PoisonError};

use opentelemetry::metrics::{Counter, Histogram, Meter, ObservableGauge, UpDownCounter};
use opentelemetry::KeyValue;
use stable_futures_persistence::Database;

/// Operation names are chosen by callers: the first this many distinct ones get their own
/// series, later ones are counted as [`OTHER_OPERATIONS`].
pub const MAX_OPERATION_NAMES: usize = 200;
pub const UNNAMED_OPERATION: &str = "(unnamed)";
pub const OTHER_OPERATIONS: &str = "(other)";
/// Most distinct trusted-document ids kept as an attribute value, for the same reason.
pub const MAX_DOCUMENT_IDS: usize = 500;
/// The document attribute of an operation sent as unregistered text.
pub const TEXT_DOCUMENT: &str = "(text)";

/// Seconds: from a fraction of a millisecond (a cached read) to the 30 s request limit.
const DURATION_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
    10.0, 30.0,
];

const STATEMENT_BUCKETS: &[f64] = &[0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0];

/// The instruments. Built from the global meter provider the first time they are used, so
/// [`crate::telemetry::init`] must run before (without it they record nothing).
#[derive(Debug)]
pub struct Metrics {
    pub http_duration: Histogram<f64>,
    pub http_active: UpDownCounter<i64>,
    pub operation_duration: Histogram<f64>,
    pub errors: Counter<u64>,
    pub statements: Histogram<u64>,
    operation_names: Mutex<HashSet<String>>,
    document_ids: Mutex<HashSet<String>>,
}

pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(|| Metrics::new(&meter()))
}

fn meter() -> Meter {
    opentelemetry::global::meter("stable-futures")
}

impl Metrics {
    fn new(meter: &Meter) -> Self {
        Self {
            http_duration: meter
                .f64_histogram("http.server.request.duration")
                .with_unit("s")
                .with_description("Duration of HTTP requests.")
                .with_boundaries(DURATION_BUCKETS.to_vec())
                .build(),
            http_active: meter
                .i64_up_down_counter("http.server.active_requests")
                .with_description("HTTP requests being served.")
                .build(),
            operation_duration: meter
                .f64_histogram("sf.graphql.operation.duration")
                .with_unit("s")
                .with_description("Duration of GraphQL operations, by operation name and type.")
                .with_boundaries(DURATION_BUCKETS.to_vec())
                .build(),
            errors: meter
                .u64_counter("sf.graphql.errors")
                .with_description("GraphQL errors answered, by extensions.code.")
                .build(),
            statements: meter
                .u64_histogram("sf.db.statements_per_request")
                .with_description("SQL statements one GraphQL operation ran.")
                .with_boundaries(STATEMENT_BUCKETS.to_vec())
                .build(),
            operation_names: Mutex::new(HashSet::new()),
            document_ids: Mutex::new(HashSet::new()),
        }
    }

    /// The trusted document's id to use as an attribute, while fewer than [`MAX_DOCUMENT_IDS`]
    /// have been seen; [`TEXT_DOCUMENT`] for an operation sent as unregistered text.
    pub fn document_label(&self, id: Option<&str>) -> String {
        bounded_label(&self.document_ids, id, TEXT_DOCUMENT, MAX_DOCUMENT_IDS)
    }

    /// The operation name to use as an attribute: the caller's, while fewer than
    /// [`MAX_OPERATION_NAMES`] have been seen.
    pub fn operation_label(&self, name: Option<&str>) -> String {
        bounded_label(
            &self.operation_names,
            name,
            UNNAMED_OPERATION,
            MAX_OPERATION_NAMES,
        )
    }
}

/// `value` while `seen` holds fewer than `most` values (or holds it), else [`OTHER_OPERATIONS`];
/// `absent` for none.
fn bounded_label(
    seen: &Mutex<HashSet<String>>,
    value: Option<&str>,
    absent: &str,
    most: usize,
) -> String {
    let Some(value) = value else {
        return absent.to_owned();
    };
    let mut seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
    if seen.contains(value) {
        return value.to_owned();
    }
    if seen.len() < most {
        seen.insert(value.to_owned());
        value.to_owned()
    } else {
        OTHER_OPERATIONS.to_owned()
    }
}

/// The pool's gauges, read when metrics are collected. Keep the value alive as long as the pool.
#[derive(Debug)]
pub struct PoolGauges {
    _count: ObservableGauge<u64>,
    _max: ObservableGauge<u64>,
    _pending: ObservableGauge<u64>,
    _replay_lag: Option<ObservableGauge<f64>>,
}

/// How often the standbys' replay lag is asked for (a query to a standby each time).
const REPLAY_LAG_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

pub fn observe_pool(database: &Database) -> PoolGauges {
    let meter = meter();
    // Reads from standbys may lag the primary by this much (those without a consistency token):
    // asked every few seconds by a task of its own, since a gauge's callback cannot wait.
    let replay_lag = database.has_standbys().then(|| {
        let lag_micros = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let (written, read) = (std::sync::Arc::clone(&lag_micros), lag_micros);
        let database = database.clone();
        tokio::spawn(async move {
            loop {
                if let Some(lag) = database.standby_replay_lag().await {
                    let micros = u64::try_from(lag.as_micros()).unwrap_or(u64::MAX);
                    written.store(micros, std::sync::atomic::Ordering::Relaxed);
                }
                tokio::time::sleep(REPLAY_LAG_EVERY).await;
            }
        });
        meter
            .f64_observable_gauge("db.standby.replay_lag")
            .with_unit("s")
            .with_description(
                "How far a standby's replay is behind the primary (reads without a consistency \
                 token may lag this much).",
            )
            .with_callback(move |observer| {
                let micros = read.load(std::sync::atomic::Ordering::Relaxed);
                observer.observe(micros as f64 / 1e6, &[]);
            })
            .build()
    });
    let count = database.clone();
    let max = database.clone();
    let pending = database.clone();
    PoolGauges {
        _count: meter
            .u64_observable_gauge("db.client.connection.count")
            .with_description("Connections in the pool, by state (idle or used).")
            .with_callback(move |observer| {
                let status = count.pool_status();
                let idle = u64::try_from(status.available).unwrap_or(0);
                let size = u64::try_from(status.size).unwrap_or(0);
                observer.observe(idle, &[KeyValue::new("db.client.connection.state", "idle")]);
                observer.observe(
                    size.saturating_sub(idle),
                    &[KeyValue::new("db.client.connection.state", "used")],
                );
            })
            .build(),
        _max: meter
            .u64_observable_gauge("db.client.connection.max")
            .with_description("Most connections the pool may open.")
            .with_callback(move |observer| {
                observer.observe(u64::try_from(max.pool_status().max_size).unwrap_or(0), &[]);
            })
            .build(),
        _pending: meter
            .u64_observable_gauge("db.client.connection.pending_requests")
            .with_description("Requests waiting for a connection.")
            .with_callback(move |observer| {
                observer.observe(
                    u64::try_from(pending.pool_status().waiting).unwrap_or(0),
                    &[],
                );
            })
            .build(),
        _replay_lag: replay_lag,
    }
}
