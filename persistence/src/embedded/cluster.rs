//! Setting up a cluster root: its directory and permissions, and `initdb`.

use std::fs;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use nix::unistd::geteuid;
use rand::distr::Alphanumeric;
use rand::Rng;

use super::credentials::{write_private, TempFile};
use super::error::EmbeddedError;
use super::layout::{CREDENTIALS_FILE, DATA_DIR, LOG_TAIL_LINES, SUPERUSER};
use super::log::tail_lines;
use super::os_user::{chown_to, configure_child, RunAs};

pub(super) const PASSWORD_LEN: usize = 32;

/// Creates the root and returns it canonicalised, so paths handed to the
/// server and recorded in `postmaster.pid` compare equal to ours.
pub(super) fn prepare_root(root: &Path, run_as: Option<RunAs>) -> Result<PathBuf, EmbeddedError> {
    if !root.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o755)
            .create(root)
            .map_err(EmbeddedError::io(format!("create {}", root.display())))?;
        // The umask may have stripped bits the postgres user needs.
        fs::set_permissions(root, fs::Permissions::from_mode(0o755))
            .map_err(EmbeddedError::io(format!("chmod {}", root.display())))?;
    }
    let root = root
        .canonicalize()
        .map_err(EmbeddedError::io(format!("resolve {}", root.display())))?;
    if let Some(run_as) = run_as {
        // A root we own but created elsewhere (say by a harness using 0700)
        // only needs search permission for the postgres user, not listing.
        if let Ok(meta) = fs::metadata(&root) {
            if meta.uid() == geteuid().as_raw() && meta.mode() & 0o001 == 0 {
                let mode = (meta.mode() & 0o7777) | 0o001;
                fs::set_permissions(&root, fs::Permissions::from_mode(mode))
                    .map_err(EmbeddedError::io(format!("chmod {}", root.display())))?;
            }
        }
        check_traversable(&root, run_as)?;
    }
    Ok(root)
}

/// initdb only reports an unreachable data directory as a bare "Permission
/// denied"; checking up front lets the caller fall back to another location.
pub(super) fn check_traversable(root: &Path, run_as: RunAs) -> Result<(), EmbeddedError> {
    for dir in root.ancestors() {
        let meta =
            fs::metadata(dir).map_err(EmbeddedError::io(format!("stat {}", dir.display())))?;
        // Only the most specific permission class applies, as in the kernel.
        // Supplementary groups do not count: std drops them when it switches
        // to the postgres user.
        let mode = meta.mode();
        let searchable = if meta.uid() == run_as.uid.as_raw() {
            mode & 0o100 != 0
        } else if meta.gid() == run_as.gid.as_raw() {
            mode & 0o010 != 0
        } else {
            mode & 0o001 != 0
        };
        if !searchable {
            return Err(EmbeddedError::NotTraversable {
                dir: dir.to_path_buf(),
            });
        }
    }
    Ok(())
}

/// Runs initdb and returns the new superuser password.
pub(super) fn init_cluster(
    root: &Path,
    bin_dir: &Path,
    run_as: Option<RunAs>,
    ephemeral: bool,
) -> Result<String, EmbeddedError> {
    let data_dir = root.join(DATA_DIR);
    let password: String = rand::rng()
        .sample_iter(Alphanumeric)
        .take(PASSWORD_LEN)
        .map(char::from)
        .collect();

    let pwfile = TempFile(root.join(format!(".pwfile-{}", uuid::Uuid::new_v4().simple())));
    write_private(&pwfile.0, &password)?;
    chown_to(&pwfile.0, run_as)?;

    let mut outcome = None;
    for locale in ["C.UTF-8", "C"] {
        // Without PG_VERSION whatever is here is an interrupted initdb, which
        // initdb itself would refuse to reuse.
        if data_dir.exists() {
            fs::remove_dir_all(&data_dir)
                .map_err(EmbeddedError::io(format!("remove {}", data_dir.display())))?;
        }
        // The root stays owned by the invoking user, so the postgres user
        // could not create this directory itself.
        fs::DirBuilder::new()
            .mode(0o700)
            .create(&data_dir)
            .map_err(EmbeddedError::io(format!("create {}", data_dir.display())))?;
        chown_to(&data_dir, run_as)?;

        let mut command = Command::new(bin_dir.join("initdb"));
        command
            .arg("-D")
            .arg(&data_dir)
            .args(["-U", SUPERUSER, "--auth=scram-sha-256"])
            .arg(format!("--pwfile={}", pwfile.0.display()))
            .args(["-E", "UTF8"])
            .arg(format!("--locale={locale}"))
            .arg("--no-instructions");
        if ephemeral {
            // The server runs with fsync=off for ephemeral clusters anyway.
            command.arg("--no-sync");
        }
        configure_child(&mut command, root, run_as);
        let output = command
            .stdin(Stdio::null())
            .output()
            .map_err(EmbeddedError::io(format!(
                "run {}",
                bin_dir.join("initdb").display()
            )))?;
        if output.status.success() {
            outcome = None;
            break;
        }
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let locale_problem = stderr.to_lowercase().contains("locale");
        outcome = Some(EmbeddedError::InitDb {
            status: output.status,
            stderr_tail: tail_lines(&stderr, LOG_TAIL_LINES),
        });
        if !locale_problem {
            break;
        }
        tracing::debug!(locale, "initdb rejected the locale, retrying with C");
    }
    drop(pwfile);
    if let Some(error) = outcome {
        return Err(error);
    }

    // Written only after initdb succeeded: a credentials file next to a
    // cluster is then a sign that the cluster was fully initialised.
    let credentials = root.join(CREDENTIALS_FILE);
    let staging = root.join(format!("{CREDENTIALS_FILE}.tmp"));
    write_private(&staging, &password)?;
    fs::rename(&staging, &credentials).map_err(EmbeddedError::io(format!(
        "write {}",
        credentials.display()
    )))?;
    Ok(password)
}
