//! Names and settings the launcher's parts share: what lives under a cluster root, and the
//! bootstrap superuser.

use std::time::Duration;

pub(super) const DATA_DIR: &str = "pg";

pub(super) const CREDENTIALS_FILE: &str = "pg-credentials";

pub(super) const LOG_FILE: &str = "pg.log";

pub(super) const LOCK_FILE: &str = "pg.lock";

/// Written into ephemeral roots so `sweep_leftovers` can tell that the process
/// that owned a root is gone even after its server shut down cleanly (which
/// removes `postmaster.pid`), as happens when the owner is SIGKILLed.
pub(super) const OWNER_FILE: &str = "owner.pid";

pub(super) const SUPERUSER: &str = "postgres";

pub(super) const LOG_TAIL_LINES: usize = 20;

pub(super) const POLL_INTERVAL: Duration = Duration::from_millis(10);
