//! The running cluster: start (initialise if needed, lock the root, launch on a free port), its
//! URL, and stop.

use std::fmt;
use std::fs::{self, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::Child;

use fs2::FileExt;

use super::binaries::find_server_binaries;
use super::cluster::{init_cluster, prepare_root};
use super::credentials::{percent_encode, read_credentials};
use super::error::EmbeddedError;
use super::layout::{DATA_DIR, LOCK_FILE, LOG_FILE, OWNER_FILE, SUPERUSER};
use super::os_user::{run_as, RunAs};
use super::pid::clear_stale_pid_file;
use super::process::{launch, pick_free_port, terminate, Launch, LaunchPlan};
use super::sweep::remove_dir_all_retrying;

/// Where and how to run the cluster.
#[derive(Debug, Clone)]
pub struct EmbeddedOptions {
    /// Directory that holds the cluster (`<root>/pg`) and its credentials (`<root>/pg-credentials`).
    pub root: PathBuf,
    /// Remove `root` entirely when the cluster stops (tests).
    pub ephemeral: bool,
    /// Listen on this port, and fail if it is taken; `None`: any free port. A cluster restarted
    /// under a running server must come back where the server looks for it.
    pub port: Option<u16>,
}

/// A running private cluster. Stopping (explicitly or on drop) shuts it down.
pub struct EmbeddedPostgres {
    root: PathBuf,
    data_dir: PathBuf,
    bin_dir: PathBuf,
    port: u16,
    password: String,
    pub(super) child: Option<Child>,
    /// `Some` until the ephemeral root has been removed, so drop after `stop` is a no-op.
    ephemeral_root: Option<PathBuf>,
}

impl fmt::Debug for EmbeddedPostgres {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmbeddedPostgres")
            .field("root", &self.root)
            .field("port", &self.port)
            .field("bin_dir", &self.bin_dir)
            .field("pid", &self.child.as_ref().map(Child::id))
            .field("ephemeral", &self.ephemeral_root.is_some())
            .finish_non_exhaustive()
    }
}

impl EmbeddedPostgres {
    /// Initialises the cluster if needed, starts it and waits until it accepts connections.
    pub fn start(options: EmbeddedOptions) -> Result<EmbeddedPostgres, EmbeddedError> {
        let bin_dir = find_server_binaries()?;
        let run_as = run_as()?;
        let root_existed = options.root.exists();
        let result = start_in(&options, &bin_dir, run_as);
        if options.ephemeral {
            let keep = root_existed || matches!(result, Err(EmbeddedError::AlreadyRunning { .. }));
            if result.is_err() && !keep {
                remove_dir_all_retrying(&options.root);
            }
        }
        let (root, port, password, child) = result?;
        Ok(EmbeddedPostgres {
            data_dir: root.join(DATA_DIR),
            ephemeral_root: options.ephemeral.then(|| root.clone()),
            root,
            bin_dir,
            port,
            password,
            child: Some(child),
        })
    }

    /// URL for the bootstrap superuser, e.g. `postgres://postgres:<pw>@127.0.0.1:<port>/<database>`.
    pub fn superuser_url(&self, database: &str) -> String {
        format!(
            "postgres://{SUPERUSER}:{}@127.0.0.1:{}/{}",
            self.password,
            self.port,
            percent_encode(database)
        )
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    /// Fast shutdown (SIGINT), wait for exit (bounded, then SIGQUIT/kill), remove root if ephemeral.
    pub fn stop(mut self) {
        self.shutdown();
    }

    /// SIGKILL to the postmaster, as a crash of the machine's PostgreSQL would end it: no
    /// shutdown checkpoint, connections cut without a word (its backends exit when they notice).
    /// The root stays, so the cluster can be started again on it (crash recovery then replays the
    /// WAL); an ephemeral root is still removed.
    pub fn kill(mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(mut child) = self.child.take() {
            terminate(&mut child);
        }
        if let Some(root) = self.ephemeral_root.take() {
            remove_dir_all_retrying(&root);
        }
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Ports are picked by binding port 0 and releasing it, so another process can
/// grab the port before the server binds it; a few retries make that harmless.
pub(super) const PORT_ATTEMPTS: usize = 5;

pub(super) fn start_in(
    options: &EmbeddedOptions,
    bin_dir: &Path,
    run_as: Option<RunAs>,
) -> Result<(PathBuf, u16, String, Child), EmbeddedError> {
    let root = prepare_root(&options.root, run_as)?;
    let data_dir = root.join(DATA_DIR);

    // Serialises initdb and startup between processes sharing a root; after
    // that, postmaster.pid is the interlock. Released when `lock_file` drops.
    let lock_path = root.join(LOCK_FILE);
    let lock_file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&lock_path)
        .map_err(EmbeddedError::io(format!("open {}", lock_path.display())))?;
    lock_file
        .lock_exclusive()
        .map_err(EmbeddedError::io(format!("lock {}", lock_path.display())))?;

    // Before anything is written, so a root that belongs to a running server
    // is left exactly as it was.
    clear_stale_pid_file(&data_dir)?;

    if options.ephemeral {
        let owner = root.join(OWNER_FILE);
        fs::write(&owner, format!("{}\n", std::process::id()))
            .map_err(EmbeddedError::io(format!("write {}", owner.display())))?;
    }

    let password = if data_dir.join("PG_VERSION").is_file() {
        read_credentials(&root)?
    } else {
        init_cluster(&root, bin_dir, run_as, options.ephemeral)?
    };

    let log_path = root.join(LOG_FILE);
    let plan = LaunchPlan {
        bin_dir,
        root: &root,
        data_dir: &data_dir,
        log_path: &log_path,
        run_as,
        ephemeral: options.ephemeral,
    };
    if let Some(port) = options.port {
        return match launch(&plan, port)? {
            Launch::Ready(child) => Ok((root, port, password, child)),
            Launch::Failed { log_tail, .. } => Err(EmbeddedError::Start { log_tail }),
        };
    }
    let mut last_failure = None;
    for attempt in 1..=PORT_ATTEMPTS {
        let port = pick_free_port()?;
        match launch(&plan, port)? {
            Launch::Ready(child) => return Ok((root, port, password, child)),
            Launch::Failed {
                log_tail,
                port_taken,
            } if port_taken => {
                tracing::debug!(
                    port,
                    attempt,
                    "embedded PostgreSQL lost its port race, retrying"
                );
                last_failure = Some(log_tail);
            }
            Launch::Failed { log_tail, .. } => return Err(EmbeddedError::Start { log_tail }),
        }
    }
    Err(EmbeddedError::Start {
        log_tail: last_failure.unwrap_or_default(),
    })
}
