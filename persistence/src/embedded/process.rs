//! The postgres process: launching it on a port, waiting until it is ready, making it die with
//! its owner, and stopping it.

use std::fs::{self, OpenOptions};
use std::io;
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::prctl::set_pdeathsig;
use nix::sys::signal::{kill, Signal};
use nix::unistd::{getpid, getppid, Pid};

use super::error::EmbeddedError;
use super::layout::{LOG_TAIL_LINES, POLL_INTERVAL};
use super::log::{read_log_since, tail_lines};
use super::os_user::{configure_child, RunAs};
use super::pid::parse_pid_file;

/// How long the server gets to report `ready` in `postmaster.pid`.
pub(super) const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a fast shutdown may take before escalating to an immediate one.
pub(super) const FAST_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(20);

/// How long an immediate shutdown may take before SIGKILL.
pub(super) const IMMEDIATE_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

pub(super) fn pick_free_port() -> Result<u16, EmbeddedError> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(EmbeddedError::io("bind a probe socket on 127.0.0.1"))?;
    let port = listener
        .local_addr()
        .map_err(EmbeddedError::io("read the probe socket's port"))?
        .port();
    Ok(port)
}

pub(super) enum Launch {
    Ready(Child),
    Failed { log_tail: String, port_taken: bool },
}

pub(super) struct LaunchPlan<'a> {
    pub(super) bin_dir: &'a Path,
    pub(super) root: &'a Path,
    pub(super) data_dir: &'a Path,
    pub(super) log_path: &'a Path,
    pub(super) run_as: Option<RunAs>,
    pub(super) ephemeral: bool,
}

pub(super) fn launch(plan: &LaunchPlan<'_>, port: u16) -> Result<Launch, EmbeddedError> {
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
pub(super) fn die_with_parent(command: &mut Command) {
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

pub(super) struct SpawnRequest {
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
pub(super) static SPAWNER: Mutex<Option<mpsc::Sender<SpawnRequest>>> = Mutex::new(None);

pub(super) fn spawn_on_spawner_thread(command: Command) -> io::Result<Child> {
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
pub(super) fn terminate(child: &mut Child) {
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

pub(super) fn wait_with_timeout(child: &mut Child, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(_)) | Err(_) => return true,
            Ok(None) if Instant::now() >= deadline => return false,
            Ok(None) => thread::sleep(POLL_INTERVAL),
        }
    }
}
