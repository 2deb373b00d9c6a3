//! A private PostgreSQL cluster launched from the server's own binaries.
//!
//! Used by `stable-futures serve` in dev mode (no `DATABASE_URL`) with a
//! persistent root, and by the test harness with ephemeral roots. Everything
//! here is blocking and std-only on purpose: it runs once at startup (or from
//! `spawn_blocking`), and must keep working from `Drop`, where no async runtime
//! can be assumed.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use fs2::FileExt;
use nix::errno::Errno;
use nix::sys::prctl::set_pdeathsig;
use nix::sys::signal::{kill, Signal};
use nix::unistd::{geteuid, getpid, getppid, Gid, Pid, Uid, User};
use rand::distr::Alphanumeric;
use rand::Rng;

/// How long the server gets to report `ready` in `postmaster.pid`.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a fast shutdown may take before escalating to an immediate one.
const FAST_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(20);
/// How long an immediate shutdown may take before SIGKILL.
const IMMEDIATE_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);
/// Ports are picked by binding port 0 and releasing it, so another process can
/// grab the port before the server binds it; a few retries make that harmless.
const PORT_ATTEMPTS: usize = 5;
const POLL_INTERVAL: Duration = Duration::from_millis(10);
const LOG_TAIL_LINES: usize = 20;
/// A leftover root without a running server is only swept once it is this old,
/// because a fresh one may belong to a cluster that is still in `initdb`.
const SWEEP_MIN_AGE: Duration = Duration::from_secs(60 * 60);
const SUPERUSER: &str = "postgres";
const PASSWORD_LEN: usize = 32;

const DATA_DIR: &str = "pg";
const CREDENTIALS_FILE: &str = "pg-credentials";
const LOG_FILE: &str = "pg.log";
const LOCK_FILE: &str = "pg.lock";
/// Written into ephemeral roots so `sweep_leftovers` can tell that the process
/// that owned a root is gone even after its server shut down cleanly (which
/// removes `postmaster.pid`), as happens when the owner is SIGKILLed.
const OWNER_FILE: &str = "owner.pid";

/// Where and how to run the cluster.
#[derive(Debug, Clone)]
pub struct EmbeddedOptions {
    /// Directory that holds the cluster (`<root>/pg`) and its credentials (`<root>/pg-credentials`).
    pub root: PathBuf,
    /// Remove `root` entirely when the cluster stops (tests).
    pub ephemeral: bool,
}

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
    fn io(context: impl Into<String>) -> impl FnOnce(io::Error) -> EmbeddedError {
        let context = context.into();
        move |source| EmbeddedError::Io { context, source }
    }
}

/// A running private cluster. Stopping (explicitly or on drop) shuts it down.
pub struct EmbeddedPostgres {
    root: PathBuf,
    data_dir: PathBuf,
    bin_dir: PathBuf,
    port: u16,
    password: String,
    child: Option<Child>,
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

/// The OS identity initdb/postgres run as when we are root.
#[derive(Clone, Copy)]
struct RunAs {
    uid: Uid,
    gid: Gid,
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

fn start_in(
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

fn run_as() -> Result<Option<RunAs>, EmbeddedError> {
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

/// Creates the root and returns it canonicalised, so paths handed to the
/// server and recorded in `postmaster.pid` compare equal to ours.
fn prepare_root(root: &Path, run_as: Option<RunAs>) -> Result<PathBuf, EmbeddedError> {
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
fn check_traversable(root: &Path, run_as: RunAs) -> Result<(), EmbeddedError> {
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

fn chown_to(path: &Path, run_as: Option<RunAs>) -> Result<(), EmbeddedError> {
    if let Some(run_as) = run_as {
        std::os::unix::fs::chown(path, Some(run_as.uid.as_raw()), Some(run_as.gid.as_raw()))
            .map_err(EmbeddedError::io(format!("chown {}", path.display())))?;
    }
    Ok(())
}

/// Runs initdb and returns the new superuser password.
fn init_cluster(
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

fn read_credentials(root: &Path) -> Result<String, EmbeddedError> {
    let path = root.join(CREDENTIALS_FILE);
    match fs::read_to_string(&path) {
        Ok(contents) if !contents.trim().is_empty() => Ok(contents.trim().to_owned()),
        Ok(_) => Err(EmbeddedError::MissingCredentials { path }),
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            Err(EmbeddedError::MissingCredentials { path })
        }
        Err(source) => Err(EmbeddedError::Io {
            context: format!("read {}", path.display()),
            source,
        }),
    }
}

/// Creates (or replaces) a file that only its owner can read.
fn write_private(path: &Path, contents: &str) -> Result<(), EmbeddedError> {
    let context = || format!("write {}", path.display());
    let _ = fs::remove_file(path);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(EmbeddedError::io(context()))?;
    file.write_all(contents.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.sync_all())
        .map_err(EmbeddedError::io(context()))
}

/// Deletes the file when dropped, so the password never outlives initdb on disk
/// even when initdb fails.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// Settings shared by every child we start.
fn configure_child(command: &mut Command, root: &Path, run_as: Option<RunAs>) {
    // Our own working directory (often /root) may be closed to the postgres
    // user, and initdb/postgres fail or warn when they cannot resolve it.
    command.current_dir(root);
    if let Some(run_as) = run_as {
        command.uid(run_as.uid.as_raw()).gid(run_as.gid.as_raw());
    }
}

/// Removes a `postmaster.pid` left by a server that is gone, so a reused pid
/// cannot make the new server believe the old one still runs.
fn clear_stale_pid_file(data_dir: &Path) -> Result<(), EmbeddedError> {
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

struct PidFile {
    pid: Option<i32>,
    ready: bool,
}

/// PostgreSQL ≥ 10 writes the pid on line 1 and the status on line 8.
fn parse_pid_file(contents: &str) -> PidFile {
    let mut lines = contents.lines();
    let pid = lines.next().and_then(|line| line.trim().parse().ok());
    let ready = lines.nth(6).is_some_and(|line| line.trim() == "ready");
    PidFile { pid, ready }
}

fn is_alive(pid: i32) -> bool {
    // EPERM means the process exists but belongs to someone else.
    !matches!(kill(Pid::from_raw(pid), None), Err(Errno::ESRCH))
}

fn is_postgres_comm(pid: i32) -> Option<bool> {
    let comm = fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    Some(matches!(comm.trim(), "postgres" | "postmaster"))
}

/// Whether `pid` is a running postgres process, and (when `data_dir` is given
/// and the process's cwd is readable) one serving that directory. Where the
/// system cannot tell us, assume it is, since a false "dead" could let two
/// servers share a data directory.
fn is_live_postgres(pid: i32, data_dir: Option<&Path>) -> bool {
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

fn same_dir(a: &Path, b: &Path) -> bool {
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    canonical(a) == canonical(b)
}

/// A postgres process whose working directory is `data_dir`; every server
/// process chdirs into its data directory.
fn orphaned_backend(data_dir: &Path) -> Option<i32> {
    let data_dir = data_dir.canonicalize().ok()?;
    fs::read_dir("/proc").ok()?.flatten().find_map(|entry| {
        let pid: i32 = entry.file_name().to_str()?.parse().ok()?;
        let cwd = fs::read_link(entry.path().join("cwd")).ok()?;
        (cwd == data_dir && is_postgres_comm(pid) == Some(true)).then_some(pid)
    })
}

fn pick_free_port() -> Result<u16, EmbeddedError> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(EmbeddedError::io("bind a probe socket on 127.0.0.1"))?;
    let port = listener
        .local_addr()
        .map_err(EmbeddedError::io("read the probe socket's port"))?
        .port();
    Ok(port)
}

enum Launch {
    Ready(Child),
    Failed { log_tail: String, port_taken: bool },
}

struct LaunchPlan<'a> {
    bin_dir: &'a Path,
    root: &'a Path,
    data_dir: &'a Path,
    log_path: &'a Path,
    run_as: Option<RunAs>,
    ephemeral: bool,
}

fn launch(plan: &LaunchPlan<'_>, port: u16) -> Result<Launch, EmbeddedError> {
    let LaunchPlan {
        bin_dir,
        root,
        data_dir,
        log_path,
        run_as,
        ephemeral,
    } = *plan;
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o644)
        .open(log_path)
        .map_err(EmbeddedError::io(format!("open {}", log_path.display())))?;
    let log_offset = log
        .metadata()
        .map_err(EmbeddedError::io(format!("stat {}", log_path.display())))?
        .len();
    let stderr = log
        .try_clone()
        .map_err(EmbeddedError::io(format!("open {}", log_path.display())))?;

    let mut command = Command::new(bin_dir.join("postgres"));
    command.arg("-D").arg(data_dir);
    let mut settings = vec![
        "listen_addresses=127.0.0.1".to_owned(),
        format!("port={port}"),
        "unix_socket_directories=".to_owned(),
        "max_connections=200".to_owned(),
        "shared_buffers=128MB".to_owned(),
        "logging_collector=off".to_owned(),
    ];
    if ephemeral {
        // Crash safety is worthless for a cluster deleted at the end of the
        // test run, and skipping fsync makes migrations much faster.
        settings.extend(
            [
                "fsync=off",
                "synchronous_commit=off",
                "full_page_writes=off",
                // Every test database is copied from the template through the WAL; a small
                // ceiling makes checkpoints recycle it instead of keeping gigabytes on disk.
                "max_wal_size=256MB",
            ]
            .map(String::from),
        );
    }
    for setting in settings {
        command.arg("-c").arg(setting);
    }
    configure_child(&mut command, root, run_as);
    command
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(stderr)
        // Keeps a terminal's Ctrl-C away from the server: our process decides
        // when it stops, after in-flight requests have drained.
        .process_group(0);
    die_with_parent(&mut command);

    let mut child = spawn_on_spawner_thread(command).map_err(EmbeddedError::io(format!(
        "start {}",
        bin_dir.join("postgres").display()
    )))?;
    tracing::debug!(pid = child.id(), port, data_dir = %data_dir.display(), "started embedded PostgreSQL");

    let pid_file = data_dir.join("postmaster.pid");
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if let Ok(contents) = fs::read_to_string(&pid_file) {
            let status = parse_pid_file(&contents);
            if status.ready && status.pid == Some(child.id() as i32) {
                return Ok(Launch::Ready(child));
            }
        }
        match child.try_wait() {
            Ok(Some(_)) => {
                let text = read_log_since(log_path, log_offset);
                return Ok(Launch::Failed {
                    port_taken: text.contains("Address already in use"),
                    log_tail: tail_lines(&text, LOG_TAIL_LINES),
                });
            }
            Ok(None) => {}
            Err(source) => {
                terminate(&mut child);
                return Err(EmbeddedError::Io {
                    context: "wait for PostgreSQL".into(),
                    source,
                });
            }
        }
        if Instant::now() >= deadline {
            terminate(&mut child);
            let text = read_log_since(log_path, log_offset);
            tracing::warn!(log_tail = %tail_lines(&text, LOG_TAIL_LINES), "embedded PostgreSQL never became ready");
            return Err(EmbeddedError::Timeout(READY_TIMEOUT));
        }
        thread::sleep(POLL_INTERVAL);
    }
}

/// Arranges for the server to get a fast-shutdown signal when our process
/// dies, however it dies (SIGKILL, abort, panic=abort), so no orphaned server
/// keeps the port and data directory.
#[allow(unsafe_code)]
fn die_with_parent(command: &mut Command) {
    let parent = getpid();
    // SAFETY: the closure runs in the forked child between fork and exec, where
    // only async-signal-safe work is allowed. It makes two plain syscalls
    // (prctl, getppid) and builds errors from raw errno values, which does not
    // allocate; it takes no locks and touches no shared state. std applies
    // uid/gid before running it, which matters because a credential change
    // would clear the parent-death signal again.
    unsafe {
        command.pre_exec(move || {
            set_pdeathsig(Signal::SIGINT)?;
            // If we died between fork and prctl the signal will never come.
            if getppid() != parent {
                return Err(Errno::ESRCH.into());
            }
            Ok(())
        });
    }
}

struct SpawnRequest {
    command: Command,
    reply: mpsc::Sender<io::Result<Child>>,
}

/// Sender to the thread that forks every server.
///
/// PR_SET_PDEATHSIG fires when the *thread* that forked the child exits, not
/// the process. Spawning from the caller's thread would therefore kill the
/// server when a tokio blocking-pool thread retires or a test thread finishes.
/// One thread that lives as long as the process avoids that, and since it is
/// process plumbing rather than per-tenant or per-request state, a global is
/// the honest home for it. A Mutex (rather than a OnceLock) lets a failure to
/// create the thread surface as an error instead of a panic.
static SPAWNER: Mutex<Option<mpsc::Sender<SpawnRequest>>> = Mutex::new(None);

fn spawn_on_spawner_thread(command: Command) -> io::Result<Child> {
    let sender = {
        let mut guard = SPAWNER.lock().unwrap_or_else(PoisonError::into_inner);
        match guard.as_ref() {
            Some(sender) => sender.clone(),
            None => {
                let (sender, requests) = mpsc::channel::<SpawnRequest>();
                thread::Builder::new()
                    .name("embedded-pg-spawner".into())
                    .spawn(move || {
                        // Never ends: the static keeps a sender alive forever.
                        for mut request in requests {
                            let _ = request.reply.send(request.command.spawn());
                        }
                    })?;
                *guard = Some(sender.clone());
                sender
            }
        }
    };
    let gone = || io::Error::other("the embedded PostgreSQL spawner thread is gone");
    let (reply, response) = mpsc::channel();
    sender
        .send(SpawnRequest { command, reply })
        .map_err(|_| gone())?;
    response.recv().map_err(|_| gone())?
}

/// Fast shutdown, escalating to immediate shutdown and then SIGKILL.
fn terminate(child: &mut Child) {
    // The child is not reaped until `wait` succeeds, so its pid cannot have
    // been reused by the time we signal it.
    let pid = Pid::from_raw(child.id() as i32);
    for (signal, timeout) in [
        (Signal::SIGINT, FAST_SHUTDOWN_TIMEOUT),
        (Signal::SIGQUIT, IMMEDIATE_SHUTDOWN_TIMEOUT),
    ] {
        if kill(pid, signal).is_err() {
            break;
        }
        if wait_with_timeout(child, timeout) {
            return;
        }
        tracing::warn!(
            pid = child.id(),
            ?signal,
            "embedded PostgreSQL did not stop in time"
        );
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn wait_with_timeout(child: &mut Child, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(_)) | Err(_) => return true,
            Ok(None) if Instant::now() >= deadline => return false,
            Ok(None) => thread::sleep(POLL_INTERVAL),
        }
    }
}

/// Backends of a SIGKILLed server may still be writing for a moment, which
/// makes `remove_dir_all` fail with ENOTEMPTY.
fn remove_dir_all_retrying(dir: &Path) {
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

/// Reads what the server logged since `offset`, capped so a huge log from a
/// persistent cluster is never read whole.
fn read_log_since(path: &Path, offset: u64) -> String {
    const MAX: u64 = 64 * 1024;
    let Ok(mut file) = File::open(path) else {
        return String::new();
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let start = offset.max(len.saturating_sub(MAX));
    let mut bytes = Vec::new();
    if file.seek(SeekFrom::Start(start)).is_ok() {
        let _ = file.take(MAX).read_to_end(&mut bytes);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn tail_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

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

fn parse_version(name: &str) -> Option<Vec<u32>> {
    name.split('.').map(|part| part.parse().ok()).collect()
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.mode() & 0o111 != 0)
}

fn has_server_binaries(dir: &Path) -> bool {
    is_executable(&dir.join("postgres")) && is_executable(&dir.join("initdb"))
}

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

fn is_leftover(root: &Path) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{SocketAddr, TcpStream};

    /// Removes a persistent test root even when an assertion fails midway.
    struct RemoveOnDrop(PathBuf);

    impl Drop for RemoveOnDrop {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn fresh_root(prefix: &str) -> PathBuf {
        std::env::temp_dir().join(format!("{prefix}{}", uuid::Uuid::new_v4().simple()))
    }

    fn accepts_connections(port: u16) -> bool {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok()
    }

    fn psql(pg: &EmbeddedPostgres, sql: &str) -> String {
        let output = Command::new(pg.bin_dir().join("psql"))
            .arg(pg.superuser_url("postgres"))
            .args(["-X", "-tA", "-c", sql])
            .env_remove("PGPASSWORD")
            .env_remove("PGPASSFILE")
            .output()
            .expect("run psql");
        assert!(
            output.status.success(),
            "psql failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    #[test]
    fn embedded_finds_server_binaries() {
        let dir = find_server_binaries().expect("server binaries");
        assert!(dir.join("postgres").is_file(), "{dir:?} has no postgres");
        assert!(dir.join("initdb").is_file(), "{dir:?} has no initdb");
    }

    #[test]
    fn embedded_ephemeral_cluster_lifecycle() {
        let root = fresh_root("sf-embedded-test-");
        let started = Instant::now();
        // Started from a thread that exits right away: the server must outlive
        // it, which is what the dedicated spawner thread is for.
        let options = EmbeddedOptions {
            root: root.clone(),
            ephemeral: true,
        };
        let pg = thread::spawn(move || EmbeddedPostgres::start(options))
            .join()
            .unwrap()
            .expect("start ephemeral cluster");
        eprintln!("ephemeral cold start took {:?}", started.elapsed());
        thread::sleep(Duration::from_millis(200));

        let port = pg.port();
        assert!(accepts_connections(port));
        let url = pg.superuser_url("stable_futures");
        let prefix = "postgres://postgres:";
        let suffix = format!("@127.0.0.1:{port}/stable_futures");
        assert!(url.starts_with(prefix) && url.ends_with(&suffix), "{url}");
        let password = &url[prefix.len()..url.len() - suffix.len()];
        assert_eq!(password.len(), PASSWORD_LEN);
        assert!(password.chars().all(|c| c.is_ascii_alphanumeric()));
        assert!(
            !format!("{pg:?}").contains(password),
            "Debug leaks the password"
        );
        assert_eq!(psql(&pg, "select 1"), "1");
        assert_eq!(psql(&pg, "show fsync"), "off");

        let credentials = root.canonicalize().unwrap().join(CREDENTIALS_FILE);
        let mode = fs::metadata(&credentials).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(
            fs::metadata(&credentials).unwrap().uid(),
            geteuid().as_raw()
        );

        pg.stop();
        assert!(!root.exists(), "ephemeral root survived stop");
        assert!(
            !accepts_connections(port),
            "server still listening after stop"
        );
    }

    #[test]
    fn embedded_persistent_cluster_restarts_and_guards_its_data_dir() {
        let prefix = format!("sf-embedded-persist-{}-", std::process::id());
        let root = fresh_root(&prefix);
        let _cleanup = RemoveOnDrop(root.clone());
        let options = EmbeddedOptions {
            root: root.clone(),
            ephemeral: false,
        };

        let first = EmbeddedPostgres::start(options.clone()).expect("first start");
        let password = first.superuser_url("x");
        assert_eq!(
            psql(&first, "show fsync"),
            "on",
            "durable settings for persistent clusters"
        );
        psql(&first, "create table survives (id int)");

        match EmbeddedPostgres::start(options.clone()) {
            Err(EmbeddedError::AlreadyRunning { pid }) => {
                assert_eq!(pid, first.child.as_ref().unwrap().id() as i32)
            }
            other => panic!("expected AlreadyRunning, got {other:?}"),
        }
        sweep_leftovers(&std::env::temp_dir(), &prefix);
        assert!(root.exists(), "sweep removed a live cluster");
        first.stop();
        assert!(root.join(DATA_DIR).join("PG_VERSION").is_file());

        // A postmaster.pid naming a process that is gone must not block startup.
        let mut dead = Command::new("true").spawn().unwrap();
        let dead_pid = dead.id();
        dead.wait().unwrap();
        let pid_file = root.join(DATA_DIR).join("postmaster.pid");
        fs::write(
            &pid_file,
            format!("{dead_pid}\n{}\n", root.join(DATA_DIR).display()),
        )
        .unwrap();

        let second = EmbeddedPostgres::start(options).expect("restart");
        let url = second.superuser_url("x");
        let strip_port = |url: &str| url.rsplit_once(':').map(|(head, _)| head.to_owned());
        assert_eq!(
            strip_port(&url),
            strip_port(&password),
            "password reused across restarts"
        );
        assert_eq!(psql(&second, "select count(*) from survives"), "0");
        second.stop();
        assert!(root.exists(), "persistent root removed on stop");

        // Stopped cleanly, so no postmaster.pid and no owner marker: too young to sweep.
        sweep_leftovers(&std::env::temp_dir(), &prefix);
        assert!(root.exists());
        fs::write(root.join(OWNER_FILE), format!("{dead_pid}\n")).unwrap();
        sweep_leftovers(&std::env::temp_dir(), &prefix);
        assert!(!root.exists(), "sweep kept a root whose owner is gone");
    }

    struct KillOnDrop(Child);

    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    const OWNER_ROOT_ENV: &str = "SF_EMBEDDED_TEST_OWNER_ROOT";

    /// Runs in a child copy of the test binary, which the parent then SIGKILLs.
    #[test]
    fn embedded_server_dies_with_its_owner() {
        if let Some(root) = std::env::var_os(OWNER_ROOT_ENV) {
            let pg = EmbeddedPostgres::start(EmbeddedOptions {
                root: root.into(),
                ephemeral: true,
            })
            .expect("start cluster in owner process");
            let pid = pg.child.as_ref().unwrap().id();
            println!("READY {} {pid}", pg.port());
            io::stdout().flush().unwrap();
            loop {
                thread::sleep(Duration::from_secs(60));
            }
        }

        let prefix = format!("sf-embedded-owner-{}-", std::process::id());
        let root = fresh_root(&prefix);
        let _cleanup = RemoveOnDrop(root.clone());
        let owner = Command::new(std::env::current_exe().unwrap())
            .args([
                "embedded::tests::embedded_server_dies_with_its_owner",
                "--exact",
            ])
            .args(["--nocapture", "--test-threads=1"])
            .env(OWNER_ROOT_ENV, &root)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // A failed assertion must not leave the owner sleeping forever.
        let mut owner = KillOnDrop(owner);
        let mut stdout = io::BufReader::new(owner.0.stdout.take().unwrap());
        let (port, pid) = loop {
            let mut line = String::new();
            if io::BufRead::read_line(&mut stdout, &mut line).unwrap() == 0 {
                panic!("owner process exited before its cluster was ready");
            }
            // libtest prints the test name without a newline before our output.
            if let Some((_, rest)) = line.split_once("READY ") {
                let (port, pid) = rest.trim().split_once(' ').unwrap();
                break (port.parse::<u16>().unwrap(), pid.parse::<i32>().unwrap());
            }
        };
        assert!(accepts_connections(port));

        owner.0.kill().unwrap();
        owner.0.wait().unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        while is_alive(pid) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(50));
        }
        assert!(!is_alive(pid), "postgres outlived its SIGKILLed owner");
        assert!(!accepts_connections(port));

        assert!(root.exists(), "nobody was left to remove the root");
        sweep_leftovers(&std::env::temp_dir(), &prefix);
        assert!(!root.exists(), "sweep kept the root of a dead owner");
    }

    #[test]
    fn embedded_reports_untraversable_ancestor_when_root() {
        if !geteuid().is_root() {
            return;
        }
        let closed = fresh_root("sf-embedded-closed-");
        let _cleanup = RemoveOnDrop(closed.clone());
        fs::DirBuilder::new().mode(0o700).create(&closed).unwrap();
        let result = EmbeddedPostgres::start(EmbeddedOptions {
            root: closed.join("cluster"),
            ephemeral: true,
        });
        match result {
            Err(EmbeddedError::NotTraversable { dir }) => assert_eq!(dir, closed),
            other => panic!("expected NotTraversable, got {other:?}"),
        }
    }

    #[test]
    fn embedded_url_encodes_database_name() {
        assert_eq!(percent_encode("stable_futures"), "stable_futures");
        assert_eq!(percent_encode("a b/c"), "a%20b%2Fc");
    }

    #[test]
    fn embedded_parses_pid_file_status() {
        let ready = "123\n/d\n1\n5432\n\n127.0.0.1\n  1 2\nready   \n";
        let parsed = parse_pid_file(ready);
        assert_eq!(parsed.pid, Some(123));
        assert!(parsed.ready);
        assert!(!parse_pid_file("123\n/d\n1\n5432\n\n127.0.0.1\n  1 2\nstarting\n").ready);
        assert_eq!(parse_pid_file("").pid, None);
    }
}
