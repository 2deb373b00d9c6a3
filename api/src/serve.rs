//! `stable-futures serve`.

use std::collections::BTreeSet;

use anyhow::{bail, Context as _};
use stable_futures_domain::local_authority::LocalAuthorityCode;
use stable_futures_domain::principal::Scope;
use stable_futures_persistence::demo::{load_demo_data, DEMO_AUTHORITIES};
use stable_futures_persistence::{Database, PoolSettings};

use crate::auth::{self, DevKey, TokenVerifier};
use crate::config::{Mode, ServeConfig};
use crate::dev;
use crate::http::{router, AppSettings};

/// Lifetime of the token printed at start in development.
const DEV_TOKEN_TTL_SECONDS: u64 = 8 * 3600;

pub async fn run(config: ServeConfig) -> anyhow::Result<()> {
    let mode = config.effective_mode();
    crate::telemetry::init(mode);
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
        ..PoolSettings::default()
    };
    let database = Database::connect(&database_url, &settings)
        .await
        .context("connecting to the database")?;
    if embedded.is_some() && config.demo_data {
        load_demo_data(&database)
            .await
            .context("loading the demo dataset")?;
    }

    let audience = &config.auth.jwt_audience;
    let leeway = config.auth.jwt_leeway_seconds;
    let (verifier, dev_key) = match mode {
        Mode::Production => {
            let jwks = config.auth.jwks_file.as_ref().context(
                "production mode needs SF_JWKS_FILE (the identity provider's public keys)",
            )?;
            let issuer = config
                .auth
                .jwt_issuer
                .as_ref()
                .context("production mode needs SF_JWT_ISSUER")?;
            (
                TokenVerifier::from_jwks_file(jwks, issuer, audience, leeway)?,
                None,
            )
        }
        Mode::Development => {
            let key = DevKey::load_or_create(&config.data.data_dir)?;
            (
                TokenVerifier::development(&key, audience, leeway)?,
                Some(key),
            )
        }
    };

    let app = router(
        database.clone(),
        verifier,
        AppSettings {
            mode,
            limits: config.limits.clone(),
            expose_statement_count: config.expose_statement_count,
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

    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving")?;
    tracing::info!("stopped accepting requests");
    if let Some(embedded) = embedded {
        drop(database);
        tokio::task::spawn_blocking(move || embedded.postgres.stop()).await?;
    }
    Ok(())
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
