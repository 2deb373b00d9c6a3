//! Removing cluster roots that dead processes left behind.

use std::fs;
use std::io;
use std::path::Path;
use std::thread;
use std::time::{Duration, SystemTime};

use super::layout::{DATA_DIR, OWNER_FILE};
use super::pid::{is_alive, is_live_postgres, parse_pid_file};

/// A leftover root without a running server is only swept once it is this old,
/// because a fresh one may belong to a cluster that is still in `initdb`.
pub(super) const SWEEP_MIN_AGE: Duration = Duration::from_secs(60 * 60);

/// Removes cluster roots `parent/<prefix>*` left behind by processes that died
/// without stopping their cluster (e.g. a SIGKILLed test run). Roots with a
/// live server, or too young to judge, are kept. Errors are ignored: this is
/// best-effort housekeeping.
pub fn sweep_leftovers(parent: &Path, prefix: &str) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let is_candidate = entry
            .file_name()
            .to_str()
            .is_some_and(|name| name.starts_with(prefix))
            && entry.file_type().is_ok_and(|kind| kind.is_dir());
        if is_candidate && is_leftover(&entry.path()) {
            tracing::debug!(dir = %entry.path().display(), "sweeping leftover embedded PostgreSQL root");
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

pub(super) fn is_leftover(root: &Path) -> bool {
    let data_dir = root.join(DATA_DIR);
    let old_enough = fs::metadata(root)
        .and_then(|meta| meta.modified())
        .ok()
        .and_then(|modified| SystemTime::now().duration_since(modified).ok())
        .is_some_and(|age| age >= SWEEP_MIN_AGE);

    if let Ok(contents) = fs::read_to_string(data_dir.join("postmaster.pid")) {
        if let Some(pid) = parse_pid_file(&contents).pid {
            if is_live_postgres(pid, Some(&data_dir)) {
                return false;
            }
        }
    }
    // A postmaster.pid naming a dead process does not make a root a leftover by itself: initdb's
    // bootstrap and single-user backends write one and exit, step after step, while their owner
    // is alive and still initialising. Only the owner's death (or great age) does.
    let owner_gone = fs::read_to_string(root.join(OWNER_FILE))
        .ok()
        .and_then(|contents| contents.trim().parse::<i32>().ok())
        .is_some_and(|pid| pid > 0 && !is_alive(pid));
    owner_gone || old_enough
}

/// Backends of a SIGKILLed server may still be writing for a moment, which
/// makes `remove_dir_all` fail with ENOTEMPTY.
pub(crate) fn remove_dir_all_retrying(dir: &Path) {
    for _ in 0..10 {
        match fs::remove_dir_all(dir) {
            Ok(()) => return,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return,
            Err(_) => thread::sleep(Duration::from_millis(50)),
        }
    }
    if let Err(error) = fs::remove_dir_all(dir) {
        tracing::warn!(dir = %dir.display(), %error, "could not remove embedded PostgreSQL root");
    }
}
