//! Whether a server still runs on a data directory: `postmaster.pid` and `/proc`.

use std::fs;
use std::io;
use std::path::Path;

use nix::errno::Errno;
use nix::sys::signal::kill;
use nix::unistd::Pid;

use super::error::EmbeddedError;

/// Removes a `postmaster.pid` left by a server that is gone, so a reused pid
/// cannot make the new server believe the old one still runs.
pub(super) fn clear_stale_pid_file(data_dir: &Path) -> Result<(), EmbeddedError> {
    let pid_file = data_dir.join("postmaster.pid");
    let Ok(contents) = fs::read_to_string(&pid_file) else {
        return Ok(());
    };
    if let Some(pid) = parse_pid_file(&contents).pid {
        if is_live_postgres(pid, Some(data_dir)) {
            return Err(EmbeddedError::AlreadyRunning { pid });
        }
    }
    // Deleting the file also disables postgres's own shared-memory interlock,
    // which guards against backends that outlived a crashed postmaster; do
    // that check here instead.
    if let Some(pid) = orphaned_backend(data_dir) {
        return Err(EmbeddedError::AlreadyRunning { pid });
    }
    tracing::debug!(path = %pid_file.display(), "removing stale postmaster.pid");
    match fs::remove_file(&pid_file) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(EmbeddedError::Io {
            context: format!("remove {}", pid_file.display()),
            source,
        }),
    }
}

pub(super) struct PidFile {
    pub(super) pid: Option<i32>,
    pub(super) ready: bool,
}

/// PostgreSQL ≥ 10 writes the pid on line 1 and the status on line 8.
pub(super) fn parse_pid_file(contents: &str) -> PidFile {
    let mut lines = contents.lines();
    let pid = lines.next().and_then(|line| line.trim().parse().ok());
    let ready = lines.nth(6).is_some_and(|line| line.trim() == "ready");
    PidFile { pid, ready }
}

pub(super) fn is_alive(pid: i32) -> bool {
    // EPERM means the process exists but belongs to someone else.
    !matches!(kill(Pid::from_raw(pid), None), Err(Errno::ESRCH))
}

pub(super) fn is_postgres_comm(pid: i32) -> Option<bool> {
    let comm = fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    Some(matches!(comm.trim(), "postgres" | "postmaster"))
}

/// Whether `pid` is a running postgres process, and (when `data_dir` is given
/// and the process's cwd is readable) one serving that directory. Where the
/// system cannot tell us, assume it is, since a false "dead" could let two
/// servers share a data directory.
pub(super) fn is_live_postgres(pid: i32, data_dir: Option<&Path>) -> bool {
    if pid <= 0 || !is_alive(pid) {
        return false;
    }
    if is_postgres_comm(pid) == Some(false) {
        return false;
    }
    match (data_dir, fs::read_link(format!("/proc/{pid}/cwd"))) {
        (Some(data_dir), Ok(cwd)) => same_dir(&cwd, data_dir),
        _ => true,
    }
}

pub(super) fn same_dir(a: &Path, b: &Path) -> bool {
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    canonical(a) == canonical(b)
}

/// A postgres process whose working directory is `data_dir`; every server
/// process chdirs into its data directory.
pub(super) fn orphaned_backend(data_dir: &Path) -> Option<i32> {
    let data_dir = data_dir.canonicalize().ok()?;
    fs::read_dir("/proc").ok()?.flatten().find_map(|entry| {
        let pid: i32 = entry.file_name().to_str()?.parse().ok()?;
        let cwd = fs::read_link(entry.path().join("cwd")).ok()?;
        (cwd == data_dir && is_postgres_comm(pid) == Some(true)).then_some(pid)
    })
}
