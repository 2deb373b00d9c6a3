//! The embedded default: a private PostgreSQL under the data directory, migrated, with a login
//! role for the server and the demo authorities.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use rand::distr::{Alphanumeric, SampleString};
use stable_futures_persistence::demo::register_demo_authorities;
use stable_futures_persistence::embedded::{EmbeddedError, EmbeddedOptions, EmbeddedPostgres};
use stable_futures_persistence::migrations::{
    create_database_if_missing, provision_server_role, run_migrations,
};
use stable_futures_persistence::{AsyncConnection, AsyncPgConnection};

/// Name of the database inside the private cluster.
const DATABASE: &str = "stable_futures";
/// Login role the development server connects as.
const SERVER_ROLE: &str = "stable_futures_server";

/// A running private database.
#[derive(Debug)]
pub struct EmbeddedDatabase {
    pub postgres: EmbeddedPostgres,
    /// As the server's role (no ownership, row-level security applies).
    pub app_url: String,
    /// As the superuser that owns the schema.
    pub owner_url: String,
}

fn start_cluster(root: PathBuf) -> Result<EmbeddedPostgres, EmbeddedError> {
    EmbeddedPostgres::start(EmbeddedOptions {
        root,
        ephemeral: false,
        port: None,
    })
}

/// Where the cluster lives when the data directory cannot be reached by the `postgres` user
/// (running as root in a home directory that others cannot enter).
fn fallback_root(data_dir: &Path) -> PathBuf {
    use sha2::{Digest, Sha256};
    let absolute = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    let digest = Sha256::digest(absolute.to_string_lossy().as_bytes());
    std::env::temp_dir().join(format!("stable-futures-{}", &hex::encode(digest)[..16]))
}

/// Starts (creating on first use) the private cluster for `data_dir`, migrates it and prepares
/// the server's login role.
pub async fn start(data_dir: &Path) -> anyhow::Result<EmbeddedDatabase> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let root = data_dir.to_path_buf();
    let postgres = match tokio::task::spawn_blocking(move || start_cluster(root)).await? {
        Ok(postgres) => postgres,
        Err(EmbeddedError::NotTraversable { dir }) => {
            let fallback = fallback_root(data_dir);
            tracing::warn!(
                unreachable = %dir.display(),
                cluster = %fallback.display(),
                "the postgres user cannot reach the data directory; keeping the cluster elsewhere"
            );
            tokio::task::spawn_blocking(move || start_cluster(fallback)).await??
        }
        Err(error) => return Err(error.into()),
    };
    let mut admin = AsyncPgConnection::establish(&postgres.superuser_url("postgres")).await?;
    create_database_if_missing(&mut admin, DATABASE).await?;
    let owner_url = postgres.superuser_url(DATABASE);
    run_migrations(&owner_url).await?;
    let password = server_password(data_dir)?;
    provision_server_role(&mut admin, SERVER_ROLE, &password).await?;
    let mut owner = AsyncPgConnection::establish(&owner_url).await?;
    register_demo_authorities(&mut owner).await?;
    let app_url = format!(
        "postgres://{SERVER_ROLE}:{password}@127.0.0.1:{}/{DATABASE}",
        postgres.port()
    );
    Ok(EmbeddedDatabase {
        postgres,
        app_url,
        owner_url,
    })
}

fn server_password(data_dir: &Path) -> anyhow::Result<String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = data_dir.join("server-role-password");
    if let Ok(text) = std::fs::read_to_string(&path) {
        return Ok(text.trim().to_owned());
    }
    let password = Alphanumeric.sample_string(&mut rand::rng(), 32);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)?;
    file.write_all(password.as_bytes())?;
    Ok(password)
}
