//! Logs, traces and metrics.
//!
//! - **Logs**: JSON lines on stdout in production (level, target, message, the OpenTelemetry trace
//!   and span ids), readable text in development. Filtered by `RUST_LOG` (default `info`).
//! - **Traces**: `tracing` spans bridged to OpenTelemetry, exported over OTLP when
//!   `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, with
//!   `OTEL_EXPORTER_OTLP_PROTOCOL` `grpc` or `http/protobuf` (the default). Without an endpoint the
//!   spans still exist — they give the logs and the `x-trace-id` header their ids — but go nowhere.
//!   `OTEL_SDK_DISABLED=true` removes them altogether.
//! - **Metrics**: OpenTelemetry instruments ([`metrics`]), read by a Prometheus registry for
//!   `/metrics` and, with an endpoint, pushed over OTLP.
//!
//! Nothing that identifies a child is recorded anywhere: no variables, no documents with their
//! literal values, no bound SQL values, no database error messages, no panic messages.

pub mod http;
pub mod metrics;

use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context as _;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{MetricExporter, SpanExporter};
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::Mode;

/// Whether spans leave the process: the costlier attributes (the operation's document without
/// its literals) are only built then.
static EXPORTING: AtomicBool = AtomicBool::new(false);

pub fn exporting() -> bool {
    EXPORTING.load(Ordering::Relaxed)
}

/// The service's name unless `OTEL_SERVICE_NAME` says otherwise.
const SERVICE_NAME: &str = "stable-futures";

/// The installed providers, flushed and shut down by [`Telemetry::shutdown`].
pub struct Telemetry {
    tracer: Option<SdkTracerProvider>,
    meter: SdkMeterProvider,
    registry: prometheus::Registry,
}

impl std::fmt::Debug for Telemetry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Telemetry")
            .field("tracing", &self.tracer.is_some())
            .field("exporting", &exporting())
            .finish_non_exhaustive()
    }
}

/// The OTLP transport named by `OTEL_EXPORTER_OTLP_{TRACES_,METRICS_,}PROTOCOL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    Grpc,
    HttpProtobuf,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// Whether `signal` (`TRACES`, `METRICS`) has an endpoint, and over which transport.
fn otlp(signal: &str) -> anyhow::Result<Option<Transport>> {
    let endpoint = env(&format!("OTEL_EXPORTER_OTLP_{signal}_ENDPOINT"))
        .or_else(|| env("OTEL_EXPORTER_OTLP_ENDPOINT"));
    if endpoint.is_none() {
        return Ok(None);
    }
    let protocol = env(&format!("OTEL_EXPORTER_OTLP_{signal}_PROTOCOL"))
        .or_else(|| env("OTEL_EXPORTER_OTLP_PROTOCOL"));
    match protocol.as_deref() {
        None | Some("http/protobuf") => Ok(Some(Transport::HttpProtobuf)),
        Some("grpc") => Ok(Some(Transport::Grpc)),
        Some(other) => anyhow::bail!(
            "OTEL_EXPORTER_OTLP_PROTOCOL {other:?} is not supported: use grpc or http/protobuf"
        ),
    }
}

fn resource() -> Resource {
    let builder = Resource::builder();
    let builder = if env("OTEL_SERVICE_NAME").is_some() {
        builder
    } else {
        builder.with_service_name(SERVICE_NAME)
    };
    builder
        .with_attribute(opentelemetry::KeyValue::new(
            "service.version",
            env!("CARGO_PKG_VERSION"),
        ))
        .build()
}

fn tracer_provider(resource: Resource) -> anyhow::Result<SdkTracerProvider> {
    let builder = SdkTracerProvider::builder().with_resource(resource);
    let builder = match otlp("TRACES")? {
        None => builder,
        Some(transport) => {
            let exporter = match transport {
                Transport::Grpc => SpanExporter::builder().with_tonic().build(),
                Transport::HttpProtobuf => SpanExporter::builder().with_http().build(),
            }
            .context("building the OTLP span exporter")?;
            EXPORTING.store(true, Ordering::Relaxed);
            builder.with_batch_exporter(exporter)
        }
    };
    Ok(builder.build())
}

fn meter_provider(
    resource: Resource,
    registry: &prometheus::Registry,
) -> anyhow::Result<SdkMeterProvider> {
    let prometheus = opentelemetry_prometheus::exporter()
        .with_registry(registry.clone())
        .without_target_info()
        .build()
        .context("building the Prometheus exporter")?;
    let builder = SdkMeterProvider::builder()
        .with_resource(resource)
        .with_reader(prometheus);
    let builder = match otlp("METRICS")? {
        None => builder,
        Some(transport) => {
            let exporter = match transport {
                Transport::Grpc => MetricExporter::builder().with_tonic().build(),
                Transport::HttpProtobuf => MetricExporter::builder().with_http().build(),
            }
            .context("building the OTLP metric exporter")?;
            // The interval comes from OTEL_METRIC_EXPORT_INTERVAL (default 60 s).
            builder.with_reader(PeriodicReader::builder(exporter).build())
        }
    };
    Ok(builder.build())
}

/// Libraries whose own spans and events would only describe the exporters themselves (and, sent
/// through the exporter, feed back into it).
const NOISY_TARGETS: &[&str] = &[
    "h2",
    "hyper",
    "hyper_util",
    "tonic",
    "tower",
    "reqwest",
    "opentelemetry",
    "opentelemetry_sdk",
    "opentelemetry_otlp",
];

/// Installs logging, tracing and metrics for the process. Call once, first thing.
pub fn init(mode: Mode) -> anyhow::Result<Telemetry> {
    let resource = resource();
    let registry = prometheus::Registry::new();
    let meter = meter_provider(resource.clone(), &registry)?;
    opentelemetry::global::set_meter_provider(meter.clone());
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());

    let tracing_disabled = env("OTEL_SDK_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let tracer = if tracing_disabled {
        None
    } else {
        Some(tracer_provider(resource)?)
    };
    let spans = tracer.as_ref().map(|provider| {
        let mut targets = Targets::new().with_default(LevelFilter::INFO);
        for target in NOISY_TARGETS {
            targets = targets.with_target(*target, LevelFilter::OFF);
        }
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer(SERVICE_NAME))
            .with_location(false)
            .with_threads(false)
            .with_filter(targets)
    });

    let log_filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = match mode {
        Mode::Production => json_subscriber::fmt::layer()
            .with_current_span(false)
            .with_span_list(false)
            .with_opentelemetry_ids(true)
            .with_filter(log_filter)
            .boxed(),
        Mode::Development => tracing_subscriber::fmt::layer()
            .compact()
            .with_filter(log_filter)
            .boxed(),
    };
    let result = tracing_subscriber::registry()
        .with(spans)
        .with(logs)
        .try_init();
    // A second initialisation (tests) keeps the first subscriber, and its panic hook.
    if result.is_ok() {
        // The default hook prints the panic's message, which can quote a value (an `unwrap` on
        // an error prints the error): log where it happened, not what it said.
        std::panic::set_hook(Box::new(|info| {
            let location = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            tracing::error!(%location, "panic");
        }));
    }
    Ok(Telemetry {
        tracer,
        meter,
        registry,
    })
}

impl Telemetry {
    /// The registry `/metrics` is read from.
    pub fn registry(&self) -> prometheus::Registry {
        self.registry.clone()
    }

    /// Sends what is still buffered and stops the exporters. Blocks (the SDK flushes
    /// synchronously): run it off the async runtime's worker threads.
    pub fn shutdown(self) {
        if let Some(tracer) = self.tracer {
            if let Err(error) = tracer.shutdown() {
                tracing::warn!(error = %error, "flushing spans at shutdown failed");
            }
        }
        if let Err(error) = self.meter.shutdown() {
            tracing::warn!(error = %error, "flushing metrics at shutdown failed");
        }
    }
}

/// `/metrics`: the registry in Prometheus' text format.
pub fn prometheus_text(registry: &prometheus::Registry) -> String {
    use prometheus::Encoder as _;
    let mut buffer = Vec::new();
    let encoder = prometheus::TextEncoder::new();
    if let Err(error) = encoder.encode(&registry.gather(), &mut buffer) {
        tracing::warn!(error = %error, "encoding metrics failed");
    }
    String::from_utf8(buffer).unwrap_or_default()
}
