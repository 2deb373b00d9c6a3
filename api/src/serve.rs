//! `stable-futures serve`.

use std::collections::BTreeSet;
use std::future::IntoFuture as _;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{bail, Context as _};
use stable_futures_domain::local_authority::LocalAuthorityCode;
use stable_futures_domain::principal::Scope;
use stable_futures_persistence::demo::{load_demo_data, DEMO_AUTHORITIES};
use stable_futures_persistence::{Database, PoolSettings};

use crate::auth::{self, AuthoritySourceConfig, DevKey, IssuerConfig, TokenVerifier, DEV_CLIENT};
use crate::config::{AuthConfig, Listen, Mode, ServeConfig};
use crate::dev;
use crate::http::{router, AppSettings};
use tokio_util::sync::CancellationToken;

/// Lifetime of the token printed at start in development.
const DEV_TOKEN_TTL_SECONDS: u64 = 8 * 3600;

pub async fn run(config: ServeConfig) -> anyhow::Result<()> {
    let mode = config.effective_mode();
    let telemetry = crate::telemetry::init(mode)?;
    auth::check_crypto_provider()?;

    let (database_url, embedded) = match &config.database_url {
        Some(url) => (url.clone(), None),
        None if mode == Mode::Production => bail!("production mode needs DATABASE_URL"),
        None => {
            let embedded = dev::start(&config.data.data_dir)
                .await
                .context("starting the private PostgreSQL")?;
            (embedded.app_url.clone(), Some(embedded))
        }
    };
    let settings = PoolSettings {
        max_size: config.db_pool_size,
        audit_gather: Duration::from_micros(config.audit_gather_micros),
        ..PoolSettings::default()
    };
    let mut database = Database::connect(&database_url, &settings)
        .await
        .context("connecting to the database")?;
    if let Some(read_url) = &config.database_read_url {
        database = database
            .with_standbys(
                read_url,
                &settings,
                Duration::from_millis(config.read_consistency_wait_ms),
            )
            .await
            .context("connecting to the standbys (DATABASE_READ_URL)")?;
    }
    let _pool_gauges = crate::telemetry::metrics::observe_pool(&database);
    if embedded.is_some() && config.demo_data {
        load_demo_data(&database)
            .await
            .context("loading the demo dataset")?;
    }

    let audience = &config.auth.jwt_audience;
    let leeway = config.auth.jwt_leeway_seconds;
    let (verifier, dev_key) = match mode {
        Mode::Production => (production_verifier(&config.auth).await?, None),
        Mode::Development => {
            let key = DevKey::load_or_create(&config.data.data_dir)?;
            (
                TokenVerifier::development(&key, audience, leeway)?,
                Some(key),
            )
        }
    };

    // One shutdown for the process, handed to each listener: cancelled at SIGTERM or Ctrl-C.
    let shutdown = CancellationToken::new();
    let app = router(
        database.clone(),
        verifier,
        AppSettings {
            mode,
            limits: config.limits.clone(),
            expose_statement_count: config.expose_statement_count,
            shutdown: shutdown.clone(),
        },
    );
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let address = listener.local_addr()?;
    tracing::info!(%address, mode = ?mode, "listening");

    if let Some(key) = &dev_key {
        let (code, name) = DEMO_AUTHORITIES[0];
        let local_authority =
            LocalAuthorityCode::parse(code).map_err(|e| anyhow::anyhow!(e.message))?;
        let scopes: BTreeSet<Scope> = Scope::ALL.iter().copied().collect();
        let token = key.issue(
            audience,
            "developer",
            DEV_CLIENT,
            &local_authority,
            &scopes,
            DEV_TOKEN_TTL_SECONDS,
        )?;
        #[allow(clippy::print_stdout)]
        {
            println!();
            println!("Stable Futures API (development mode, synthetic demo data)");
            println!("  GraphiQL:  http://{address}/#token={token}");
            println!("  Endpoint:  POST http://{address}/graphql");
            println!("  Token for {name} ({code}), all scopes, valid 8 hours:");
            println!("  {token}");
            println!(
                "  More tokens: stable-futures token --la E09000007 --scope \"children:read\""
            );
            println!();
        }
    }

    let metrics = match config.metrics_listen {
        Listen::Off => None,
        Listen::At(address) => Some(
            serve_metrics(address, telemetry.registry(), shutdown.clone())
                .await
                .with_context(|| format!("cannot listen for metrics on {address}"))?,
        ),
    };
    let mut server = tokio::spawn(
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown.clone().cancelled_owned())
            .into_future(),
    );
    let grace = Duration::from_secs(config.shutdown_grace_seconds);
    tokio::select! {
        finished = &mut server => finished?.context("serving")?,
        () = shutdown_signal() => {
            // From here on no connection is accepted; requests in flight get `grace` to finish.
            // Subscribers are told to go elsewhere at once.
            shutdown.cancel();
            match tokio::time::timeout(grace, &mut server).await {
                Ok(finished) => finished?.context("serving")?,
                Err(_) => {
                    tracing::warn!(
                        grace_seconds = grace.as_secs(),
                        "requests still in flight at the end of the shutdown grace period were abandoned"
                    );
                    server.abort();
                }
            }
        }
    }
    tracing::info!("stopped serving requests");
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    database.close();
    drop(database);
    // The exporters flush synchronously.
    tokio::task::spawn_blocking(move || telemetry.shutdown()).await?;
    if let Some(embedded) = embedded {
        tokio::task::spawn_blocking(move || embedded.postgres.stop()).await?;
    }
    Ok(())
}

/// `GET /metrics` in Prometheus' text format, on its own listener.
async fn serve_metrics(
    address: SocketAddr,
    registry: prometheus::Registry,
    shutdown: CancellationToken,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let listener = tokio::net::TcpListener::bind(address).await?;
    let address = listener.local_addr()?;
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let registry = registry.clone();
            async move {
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8",
                    )],
                    crate::telemetry::prometheus_text(&registry),
                )
            }
        }),
    );
    tracing::info!(%address, "metrics listening");
    Ok(tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await;
        if let Err(error) = served {
            tracing::error!(error = %error, "the metrics listener failed");
        }
    }))
}

/// The trusted issuers of a production server: from `SF_TRUSTED_ISSUERS_FILE`, or the single
/// issuer of `SF_JWT_ISSUER` (its keys from `SF_JWKS_FILE`, `SF_JWKS_URL` or OpenID discovery).
async fn production_verifier(auth: &AuthConfig) -> anyhow::Result<TokenVerifier> {
    let issuers = match &auth.trusted_issuers_file {
        Some(path) => auth::read_issuers_file(path)?,
        None => {
            let issuer = auth
                .jwt_issuer
                .clone()
                .context("production mode needs SF_TRUSTED_ISSUERS_FILE or SF_JWT_ISSUER")?;
            vec![IssuerConfig {
                issuer,
                audience: None,
                jwks_file: auth.jwks_file.clone(),
                jwks_url: auth.jwks_url.clone(),
                local_authorities: auth.jwt_local_authorities.clone(),
                // Reports across authorities need an issuer trusted for them explicitly, in
                // SF_TRUSTED_ISSUERS_FILE.
                aggregate_local_authorities: Vec::new(),
                scope_claims: auth.jwt_scope_claims.clone(),
                scope_names: auth.jwt_scope_names.iter().cloned().collect(),
                client_claims: auth.jwt_client_claims.clone(),
                local_authority: AuthoritySourceConfig {
                    claim: auth.jwt_local_authority_claim.clone(),
                    fixed: auth.jwt_local_authority.clone(),
                    ..AuthoritySourceConfig::default()
                },
            }]
        }
    };
    Ok(TokenVerifier::from_issuers(
        &issuers,
        &auth.jwt_audience,
        auth.jwt_leeway_seconds,
        Duration::from_secs(auth.jwks_min_refresh_seconds),
    )
    .await?)
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
