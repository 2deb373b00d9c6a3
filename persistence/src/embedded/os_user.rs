//! Which OS user runs initdb and postgres: ourselves, or `postgres` when we are root (both
//! refuse to run as root).

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

use nix::unistd::{geteuid, Gid, Uid, User};

use super::error::EmbeddedError;
use super::layout::SUPERUSER;

/// The OS identity initdb/postgres run as when we are root.
#[derive(Clone, Copy)]
pub(super) struct RunAs {
    pub(super) uid: Uid,
    pub(super) gid: Gid,
}

pub(super) fn run_as() -> Result<Option<RunAs>, EmbeddedError> {
    if !geteuid().is_root() {
        return Ok(None);
    }
    let user = User::from_name(SUPERUSER)
        .map_err(|errno| EmbeddedError::Io {
            context: "look up the `postgres` OS user".into(),
            source: errno.into(),
        })?
        .ok_or(EmbeddedError::NoPostgresUser)?;
    Ok(Some(RunAs {
        uid: user.uid,
        gid: user.gid,
    }))
}

pub(super) fn chown_to(path: &Path, run_as: Option<RunAs>) -> Result<(), EmbeddedError> {
    if let Some(run_as) = run_as {
        std::os::unix::fs::chown(path, Some(run_as.uid.as_raw()), Some(run_as.gid.as_raw()))
            .map_err(EmbeddedError::io(format!("chown {}", path.display())))?;
    }
    Ok(())
}

/// Settings shared by every child we start.
pub(super) fn configure_child(command: &mut Command, root: &Path, run_as: Option<RunAs>) {
    // Our own working directory (often /root) may be closed to the postgres
    // user, and initdb/postgres fail or warn when they cannot resolve it.
    command.current_dir(root);
    if let Some(run_as) = run_as {
        command.uid(run_as.uid.as_raw()).gid(run_as.gid.as_raw());
    }
}
