use std::fs;
use std::io::{self, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use nix::unistd::geteuid;

use super::binaries::find_server_binaries;
use super::cluster::PASSWORD_LEN;
use super::credentials::percent_encode;
use super::error::EmbeddedError;
use super::layout::{CREDENTIALS_FILE, DATA_DIR, OWNER_FILE};
use super::pid::{is_alive, parse_pid_file};
use super::server::{EmbeddedOptions, EmbeddedPostgres};
use super::sweep::sweep_leftovers;

/// Removes a persistent test root even when an assertion fails midway.
pub(super) struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

pub(super) fn fresh_root(prefix: &str) -> PathBuf {
    std::env::temp_dir().join(format!("{prefix}{}", uuid::Uuid::new_v4().simple()))
}

pub(super) fn accepts_connections(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok()
}

pub(super) fn psql(pg: &EmbeddedPostgres, sql: &str) -> String {
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
pub(super) fn embedded_finds_server_binaries() {
    let dir = find_server_binaries().expect("server binaries");
    assert!(dir.join("postgres").is_file(), "{dir:?} has no postgres");
    assert!(dir.join("initdb").is_file(), "{dir:?} has no initdb");
}

#[test]
pub(super) fn embedded_ephemeral_cluster_lifecycle() {
    let root = fresh_root("sf-embedded-test-");
    let started = Instant::now();
    // Started from a thread that exits right away: the server must outlive
    // it, which is what the dedicated spawner thread is for.
    let options = EmbeddedOptions {
        root: root.clone(),
        ephemeral: true,
        port: None,
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
pub(super) fn embedded_persistent_cluster_restarts_and_guards_its_data_dir() {
    let prefix = format!("sf-embedded-persist-{}-", std::process::id());
    let root = fresh_root(&prefix);
    let _cleanup = RemoveOnDrop(root.clone());
    let options = EmbeddedOptions {
        root: root.clone(),
        ephemeral: false,
        port: None,
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

pub(super) struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(super) const OWNER_ROOT_ENV: &str = "SF_EMBEDDED_TEST_OWNER_ROOT";

/// Runs in a child copy of the test binary, which the parent then SIGKILLs.
#[test]
pub(super) fn embedded_server_dies_with_its_owner() {
    if let Some(root) = std::env::var_os(OWNER_ROOT_ENV) {
        let pg = EmbeddedPostgres::start(EmbeddedOptions {
            root: root.into(),
            ephemeral: true,
            port: None,
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
pub(super) fn embedded_reports_untraversable_ancestor_when_root() {
    if !geteuid().is_root() {
        return;
    }
    let closed = fresh_root("sf-embedded-closed-");
    let _cleanup = RemoveOnDrop(closed.clone());
    fs::DirBuilder::new().mode(0o700).create(&closed).unwrap();
    let result = EmbeddedPostgres::start(EmbeddedOptions {
        root: closed.join("cluster"),
        ephemeral: true,
        port: None,
    });
    match result {
        Err(EmbeddedError::NotTraversable { dir }) => assert_eq!(dir, closed),
        other => panic!("expected NotTraversable, got {other:?}"),
    }
}

#[test]
pub(super) fn embedded_url_encodes_database_name() {
    assert_eq!(percent_encode("stable_futures"), "stable_futures");
    assert_eq!(percent_encode("a b/c"), "a%20b%2Fc");
}

#[test]
pub(super) fn embedded_parses_pid_file_status() {
    let ready = "123\n/d\n1\n5432\n\n127.0.0.1\n  1 2\nready   \n";
    let parsed = parse_pid_file(ready);
    assert_eq!(parsed.pid, Some(123));
    assert!(parsed.ready);
    assert!(!parse_pid_file("123\n/d\n1\n5432\n\n127.0.0.1\n  1 2\nstarting\n").ready);
    assert_eq!(parse_pid_file("").pid, None);
}
