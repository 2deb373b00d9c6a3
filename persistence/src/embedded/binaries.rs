//! Finding the PostgreSQL server binaries on this machine.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::error::EmbeddedError;

/// Locates a directory containing the `postgres` and `initdb` server binaries.
///
/// Order: `$PG_BINDIR`; `pg_config --bindir`; the directory of `initdb` on
/// `PATH`; the highest `/usr/lib/postgresql/<version>/bin`; `/usr/local/pgsql/bin`.
pub fn find_server_binaries() -> Result<PathBuf, EmbeddedError> {
    let mut searched = Vec::new();

    // An explicit override that is wrong should fail loudly rather than
    // silently pick some other installation.
    if let Some(dir) = std::env::var_os("PG_BINDIR").filter(|dir| !dir.is_empty()) {
        let dir = PathBuf::from(dir);
        if has_server_binaries(&dir) {
            return Ok(dir);
        }
        return Err(EmbeddedError::NoServerBinaries {
            searched: vec![dir],
        });
    }

    if let Some(pg_config) = find_on_path("pg_config") {
        let output = Command::new(&pg_config)
            .arg("--bindir")
            .stderr(Stdio::null())
            .output();
        if let Some(output) = output.ok().filter(|output| output.status.success()) {
            let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
            if has_server_binaries(&dir) {
                return Ok(dir);
            }
            searched.push(dir);
        }
    }

    if let Some(initdb) = find_on_path("initdb") {
        // Prefer the real installation directory over a directory of symlinks
        // (e.g. /usr/local/bin), since psql and friends live next to it.
        let candidates = [
            initdb
                .canonicalize()
                .ok()
                .and_then(|p| p.parent().map(Path::to_path_buf)),
            initdb.parent().map(Path::to_path_buf),
        ];
        for dir in candidates.into_iter().flatten() {
            if has_server_binaries(&dir) {
                return Ok(dir);
            }
            searched.push(dir);
        }
    }

    let debian = Path::new("/usr/lib/postgresql");
    let newest = fs::read_dir(debian).ok().and_then(|entries| {
        entries
            .flatten()
            .filter_map(|entry| {
                let version = parse_version(entry.file_name().to_str()?)?;
                let dir = entry.path().join("bin");
                has_server_binaries(&dir).then_some((version, dir))
            })
            .max_by(|a, b| a.0.cmp(&b.0))
    });
    if let Some((_, dir)) = newest {
        return Ok(dir);
    }
    searched.push(debian.join("*/bin"));

    let source_build = PathBuf::from("/usr/local/pgsql/bin");
    if has_server_binaries(&source_build) {
        return Ok(source_build);
    }
    searched.push(source_build);

    Err(EmbeddedError::NoServerBinaries { searched })
}

pub(super) fn parse_version(name: &str) -> Option<Vec<u32>> {
    name.split('.').map(|part| part.parse().ok()).collect()
}

pub(super) fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

pub(super) fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.mode() & 0o111 != 0)
}

pub(super) fn has_server_binaries(dir: &Path) -> bool {
    is_executable(&dir.join("postgres")) && is_executable(&dir.join("initdb"))
}
