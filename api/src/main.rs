//! `stable-futures`: the server and its administrative commands.

// `documents add` validates documents by running the schema's stream, whose futures nest deeper
// than the compiler's default layout depth in a release build.
#![recursion_limit = "256"]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context as _};
use clap::{Parser, Subcommand};
use stable_futures_api::auth::{DevKey, DEV_CLIENT};
use stable_futures_api::config::{DataDirConfig, ServeConfig};
use stable_futures_domain::audit::AuditContext;
use stable_futures_domain::documents::read_manifest;
use stable_futures_domain::local_authority::{LocalAuthority, LocalAuthorityCode};
use stable_futures_domain::outcomes::OutcomeFramework;
use stable_futures_domain::principal::{Principal, Scope};
use stable_futures_domain::worklist::WorklistSettingsChange;
use stable_futures_persistence::migrations::run_migrations;
use stable_futures_persistence::{
    add_trusted_documents, count_trusted_documents, load_framework, remove_trusted_documents,
    upsert_local_authority, AsyncConnection, AsyncPgConnection, Database, PersistenceError,
    PoolSettings,
};

/// The server allocates and frees many small values per request (the GraphQL value tree, rows,
/// strings); glibc's allocator took about a quarter of its CPU time under load (issue #15's
/// profile). mimalloc v2 answers the page about a quarter faster and holds about 20 MiB more
/// (decision 0016, docs/performance.md).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(name = "stable-futures", version, about = "Stable Futures GraphQL API")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once at start
enum Command {
    /// Run the server. Without DATABASE_URL: a private PostgreSQL under the data directory,
    /// development mode, synthetic demo data and GraphiQL.
    Serve(ServeConfig),
    /// Apply pending database migrations (as the schema owner) and exit.
    Migrate(OwnerDatabase),
    /// Print a development token signed with the data directory's development key.
    Token {
        /// Local authority GSS code, e.g. E09000019.
        #[arg(long, required_unless_present = "la_set", conflicts_with = "la_set")]
        la: Option<String>,
        /// Comma-separated GSS codes, for a token of reports across authorities (`la_set`; give
        /// it `--scope reports:aggregate`).
        #[arg(long, value_delimiter = ',')]
        la_set: Option<Vec<String>>,
        /// Space-separated scopes. Default: all scopes.
        #[arg(long)]
        scope: Option<String>,
        /// Lifetime in seconds (at most 30 days).
        #[arg(long, default_value_t = 3600)]
        ttl: u64,
        #[arg(long, default_value = "developer")]
        subject: String,
        /// The case-system client the token is for (`azp`): idempotency keys and the limit of
        /// subscription connections belong to it. Give two clients different names to try them
        /// apart.
        #[arg(long, default_value = DEV_CLIENT)]
        client: String,
        #[arg(long, env = "SF_JWT_AUDIENCE", default_value = "stable-futures")]
        audience: String,
        #[command(flatten)]
        data: DataDirConfig,
    },
    /// Add or rename a local authority the service serves.
    AddLocalAuthority {
        /// GSS code, e.g. E09000019.
        code: String,
        name: String,
        #[command(flatten)]
        database: OwnerDatabase,
    },
    /// Load an outcome framework version from a JSON file.
    LoadFramework {
        file: PathBuf,
        /// Record new measurements against this version from now on.
        #[arg(long)]
        make_current: bool,
        #[command(flatten)]
        database: OwnerDatabase,
    },
    /// Show a local authority's worklist settings, or change them (the same change as the
    /// `updateWorklistSettings` mutation, audited as the subject `stable-futures-cli`).
    WorklistSettings {
        /// Local authority GSS code, e.g. E09000019.
        #[arg(long)]
        la: String,
        #[arg(long)]
        guardian_request_days: Option<i64>,
        #[arg(long)]
        guardian_assignment_days: Option<i64>,
        #[arg(long)]
        measurement_interval_days: Option<i64>,
        #[arg(long)]
        young_person_view_window: Option<i64>,
        #[arg(long)]
        turning_18_days: Option<i64>,
        #[arg(long)]
        recovery_period_ending_days: Option<i64>,
        #[arg(long)]
        reconsideration_waiting_days: Option<i64>,
        #[command(flatten)]
        database: OwnerDatabase,
    },
    /// Trusted documents: the operations a client registers before it sends them (by id, or as
    /// their exact text). With SF_TRUSTED_DOCUMENTS=registered, nothing else runs.
    Documents {
        #[command(subcommand)]
        action: DocumentsAction,
    },
    /// Import children from an extract of the case system: the Standard Safeguarding Dataset's
    /// ssd_person, ssd_linked_identifiers, ssd_immigration_status and ssd_assessment_factors
    /// tables as CSV, or registerChild inputs as JSONL (docs/import.md). Only children flagged by
    /// assessment factor 12A, 24A or 9A (or a UASC status) are imported; running it again
    /// changes nothing. Exits with status 1 if any row was refused.
    Import {
        /// Local authority GSS code, e.g. E09000019.
        #[arg(long)]
        la: String,
        /// The extract's files (CSV tables, known by their header; `*.jsonl`).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        database: OwnerDatabase,
    },
    /// Print the GraphQL schema (SDL).
    Schema {
        /// The schema a token for reports across authorities (`la_set`) is answered from.
        #[arg(long)]
        aggregate: bool,
    },
}

#[derive(Debug, Subcommand)]
enum DocumentsAction {
    /// Register a manifest's documents for a client (Apollo's persisted-query manifest, or a
    /// JSON object of `sha256:…` id to text). Every document is checked first (its id is its
    /// text's SHA-256; it parses, keeps the limits and validates against the schema); a manifest
    /// with any document refused registers nothing. Registering again is harmless.
    Add {
        /// The client the documents are for: the `azp` (or `client_id`) of its tokens.
        #[arg(long)]
        client: String,
        manifest: PathBuf,
        #[command(flatten)]
        limits: stable_futures_api::config::LimitsConfig,
        #[command(flatten)]
        database: OwnerDatabase,
    },
    /// How many documents each client has registered.
    List {
        #[command(flatten)]
        database: OwnerDatabase,
    },
    /// Remove every document of a client (to retire it, or to register a new manifest whole).
    /// Replicas keep a document they have already used until they restart.
    Remove {
        #[arg(long)]
        client: String,
        #[command(flatten)]
        database: OwnerDatabase,
    },
}

#[derive(Debug, clap::Args)]
struct OwnerDatabase {
    /// PostgreSQL URL of the schema owner. Unset: the private database of the data directory.
    #[arg(long, env = "SF_MIGRATION_DATABASE_URL", hide_env_values = true)]
    owner_database_url: Option<String>,
    #[command(flatten)]
    data: DataDirConfig,
}

impl OwnerDatabase {
    /// The owner URL, starting the private database if none is given. The returned guard keeps
    /// it running.
    async fn url(
        &self,
    ) -> anyhow::Result<(String, Option<stable_futures_api::dev::EmbeddedDatabase>)> {
        match &self.owner_database_url {
            Some(url) => Ok((url.clone(), None)),
            None => {
                let embedded = stable_futures_api::dev::start(&self.data.data_dir).await?;
                Ok((embedded.owner_url.clone(), Some(embedded)))
            }
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(config) => stable_futures_api::serve::run(config).await,
        Command::Migrate(database) => {
            let (url, _embedded) = database.url().await?;
            let applied = run_migrations(&url).await?;
            print_line(&format!(
                "applied {} migration(s): {}",
                applied.len(),
                applied.join(", ")
            ));
            Ok(())
        }
        Command::Token {
            la,
            la_set,
            scope,
            ttl,
            subject,
            client,
            audience,
            data,
        } => {
            if ttl == 0 || ttl > 30 * 24 * 3600 {
                bail!("--ttl must be between 1 second and 30 days");
            }
            let parse = |code: &str| {
                LocalAuthorityCode::parse(code).map_err(|e| anyhow::anyhow!(e.message))
            };
            let scopes: BTreeSet<Scope> = match scope {
                Some(text) => {
                    let unknown: Vec<&str> = text
                        .split_whitespace()
                        .filter(|s| Scope::parse(s).is_none())
                        .collect();
                    if !unknown.is_empty() {
                        bail!("unknown scope(s): {}", unknown.join(" "));
                    }
                    text.split_whitespace().filter_map(Scope::parse).collect()
                }
                None => Scope::ALL.iter().copied().collect(),
            };
            let key = DevKey::load_or_create(&data.data_dir)?;
            let token = match (la, la_set) {
                (Some(la), _) => {
                    key.issue(&audience, &subject, &client, &parse(&la)?, &scopes, ttl)?
                }
                (None, Some(set)) => {
                    let codes = set
                        .iter()
                        .map(|code| parse(code))
                        .collect::<Result<Vec<_>, _>>()?;
                    key.issue_for_authorities(&audience, &subject, &client, &codes, &scopes, ttl)?
                }
                (None, None) => bail!("--la or --la-set is needed"),
            };
            print_line(&token);
            Ok(())
        }
        Command::AddLocalAuthority {
            code,
            name,
            database,
        } => {
            let code = LocalAuthorityCode::parse(&code).map_err(|e| anyhow::anyhow!(e.message))?;
            let (url, _embedded) = database.url().await?;
            let mut conn = AsyncPgConnection::establish(&url).await?;
            upsert_local_authority(&mut conn, &LocalAuthority { code, name }).await?;
            Ok(())
        }
        Command::LoadFramework {
            file,
            make_current,
            database,
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let framework: OutcomeFramework =
                serde_json::from_str(&text).context("not a framework file")?;
            let framework = framework.validate()?;
            let (url, _embedded) = database.url().await?;
            let mut conn = AsyncPgConnection::establish(&url).await?;
            load_framework(&mut conn, &framework, make_current).await?;
            print_line(&format!("loaded framework {}", framework.version));
            Ok(())
        }
        Command::WorklistSettings {
            la,
            guardian_request_days,
            guardian_assignment_days,
            measurement_interval_days,
            young_person_view_window,
            turning_18_days,
            recovery_period_ending_days,
            reconsideration_waiting_days,
            database,
        } => {
            let change = WorklistSettingsChange {
                guardian_request_days,
                guardian_assignment_days,
                measurement_interval_days,
                young_person_view_window,
                turning_18_days,
                recovery_period_ending_days,
                reconsideration_waiting_days,
            };
            worklist_settings(&la, change, &database).await
        }
        Command::Documents { action } => documents(action).await,
        Command::Import {
            la,
            files,
            database,
        } => import(&la, &files, &database).await,
        Command::Schema { aggregate } => {
            print_line(&if aggregate {
                stable_futures_api::graphql::aggregate::aggregate_sdl()
            } else {
                stable_futures_api::graphql::sdl()
            });
            Ok(())
        }
    }
}

/// Prints an authority's worklist settings after applying `change` (if it changes anything).
async fn worklist_settings(
    la: &str,
    change: WorklistSettingsChange,
    database: &OwnerDatabase,
) -> anyhow::Result<()> {
    let local_authority = LocalAuthorityCode::parse(la).map_err(|e| anyhow::anyhow!(e.message))?;
    let (url, _embedded) = database.url().await?;
    let pool = Database::connect(&url, &PoolSettings::default()).await?;
    let db = pool.for_principal(Arc::new(Principal {
        subject: "stable-futures-cli".to_owned(),
        client: None,
        local_authority,
        scopes: BTreeSet::from([Scope::SettingsWrite]),
    }));
    let mut settings = db.worklist_settings().await?;
    if change != WorklistSettingsChange::default() {
        let audit = AuditContext::new("worklistSettingsCli", None, None);
        settings = match db
            .update_worklist_settings(change, settings.version, chrono::Utc::now(), &audit)
            .await
        {
            Ok(settings) => settings,
            Err(PersistenceError::Invalid(errors)) => {
                let problems: Vec<String> = errors
                    .0
                    .iter()
                    .map(|error| format!("{}: {}", error.field, error.message))
                    .collect();
                bail!("{}", problems.join("; "))
            }
            Err(error) => return Err(error.into()),
        };
    }
    let s = settings.settings;
    print_line(&format!(
        "version {}\nguardian-request-days {}\nguardian-assignment-days {}\nmeasurement-interval-days {}\nyoung-person-view-window {}\nturning-18-days {}\nrecovery-period-ending-days {}\nreconsideration-waiting-days {}",
        settings.version,
        s.guardian_request_days,
        s.guardian_assignment_days,
        s.measurement_interval_days,
        s.young_person_view_window,
        s.turning_18_days,
        s.recovery_period_ending_days,
        s.reconsideration_waiting_days,
    ));
    Ok(())
}

/// `stable-futures documents …`.
async fn documents(action: DocumentsAction) -> anyhow::Result<()> {
    match action {
        DocumentsAction::Add {
            client,
            manifest,
            limits,
            database,
        } => {
            let client = client.trim();
            if client.is_empty() || client.len() > 200 {
                bail!("--client must name the client (1 to 200 characters)");
            }
            let text = std::fs::read_to_string(&manifest)
                .with_context(|| format!("cannot read {}", manifest.display()))?;
            let documents = read_manifest(&text)?;
            let refused = stable_futures_api::trusted::check_manifest(&documents, &limits).await;
            if !refused.is_empty() {
                let lines: Vec<String> = refused
                    .iter()
                    .map(|refused| {
                        format!(
                            "operation {} ({}): {}",
                            refused.index,
                            documents[refused.index].id,
                            refused.reasons.join("; ")
                        )
                    })
                    .collect();
                bail!(
                    "nothing registered; {} of {} document(s) refused:\n{}",
                    refused.len(),
                    documents.len(),
                    lines.join("\n")
                );
            }
            let (url, _embedded) = database.url().await?;
            let mut conn = AsyncPgConnection::establish(&url).await?;
            let added = add_trusted_documents(&mut conn, client, &documents).await?;
            print_line(&format!(
                "{added} new of {} document(s) registered for {client}",
                documents.len()
            ));
            Ok(())
        }
        DocumentsAction::List { database } => {
            let (url, _embedded) = database.url().await?;
            let mut conn = AsyncPgConnection::establish(&url).await?;
            for (client, count) in count_trusted_documents(&mut conn).await? {
                print_line(&format!("{client}\t{count}"));
            }
            Ok(())
        }
        DocumentsAction::Remove { client, database } => {
            let (url, _embedded) = database.url().await?;
            let mut conn = AsyncPgConnection::establish(&url).await?;
            let removed = remove_trusted_documents(&mut conn, &client).await?;
            print_line(&format!("{removed} document(s) of {client} removed"));
            Ok(())
        }
    }
}

/// Imports an extract (see `stable_futures_api::import`), then prints the counts and how long
/// the writing took.
async fn import(la: &str, files: &[PathBuf], database: &OwnerDatabase) -> anyhow::Result<()> {
    let local_authority = LocalAuthorityCode::parse(la).map_err(|e| anyhow::anyhow!(e.message))?;
    let (url, _embedded) = database.url().await?;
    let pool = Database::connect(&url, &PoolSettings::default()).await?;
    let mut reporter = stable_futures_api::import::Reporter::to_stderr();
    let started = std::time::Instant::now();
    let summary = stable_futures_api::import::run(
        &pool,
        local_authority,
        files,
        chrono::Utc::now(),
        &mut reporter,
    )
    .await?;
    let seconds = started.elapsed().as_secs_f64();
    print_line(&summary.to_string());
    print_line(&format!(
        "took {seconds:.2} s ({:.0} children read per second)",
        summary.read as f64 / seconds.max(f64::EPSILON)
    ));
    if summary.refused_anything() {
        bail!(
            "{} child(ren) and {} other row(s) refused (each reported above)",
            summary.refused,
            summary.other_rows_refused
        );
    }
    Ok(())
}

#[allow(clippy::print_stdout)]
fn print_line(text: &str) {
    println!("{text}");
}
