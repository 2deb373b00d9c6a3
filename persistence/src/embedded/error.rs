//! What can go wrong finding, initialising or starting the cluster.

use std::io;
use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::Duration;

/// Errors from discovering, initialising or starting the cluster.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error(
        "no PostgreSQL server binaries (postgres + initdb) found; searched {searched:?}; \
         set PG_BINDIR to the directory that contains them"
    )]
    NoServerBinaries { searched: Vec<PathBuf> },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },
    #[error("initdb failed ({status}):\n{stderr_tail}")]
    InitDb {
        status: ExitStatus,
        stderr_tail: String,
    },
    #[error("PostgreSQL exited during startup; last log lines:\n{log_tail}")]
    Start { log_tail: String },
    #[error(
        "running as root, but there is no `postgres` OS user to run PostgreSQL as \
         (initdb and postgres refuse to run as root)"
    )]
    NoPostgresUser,
    #[error(
        "the `postgres` OS user cannot traverse {dir}, so it cannot reach the cluster directory; \
         use a root under a world-traversable directory such as /tmp"
    )]
    NotTraversable { dir: PathBuf },
    #[error("a PostgreSQL server (pid {pid}) is already running on this data directory")]
    AlreadyRunning { pid: i32 },
    #[error(
        "the cluster exists but its credentials file {path} is missing or empty; \
         remove the cluster root to reinitialise it"
    )]
    MissingCredentials { path: PathBuf },
    #[error("PostgreSQL did not become ready within {0:?}")]
    Timeout(Duration),
}

impl EmbeddedError {
    pub(super) fn io(context: impl Into<String>) -> impl FnOnce(io::Error) -> EmbeddedError {
        let context = context.into();
        move |source| EmbeddedError::Io { context, source }
    }
}
