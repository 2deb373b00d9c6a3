//! A highly available PostgreSQL of one test's own (issue #19): etcd and three PostgreSQL 15
//! nodes managed by Patroni on loopback ports, synchronous replication on — what a council runs
//! when one database server is not enough. Debian's `patroni` and `etcd-server` (`.ci/run`
//! installs them). Everything it started is stopped, and its folder removed, when it is dropped.
//!
//! The settings are those of `deploy/patroni/` (a documented example for councils not on
//! Kubernetes), with a short `ttl` so that a failover takes seconds, not half a minute.

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::{geteuid, Pid, User};
use serde_json::Value;

/// Test-only passwords of a throwaway cluster on loopback ports.
const SUPERUSER_PASSWORD: &str = "patroni-test-superuser";
const REPLICATION_PASSWORD: &str = "patroni-test-replication";
const BIN_DIR: &str = "/usr/lib/postgresql/15/bin";
/// Bootstrapping three nodes (initdb, two base backups) on a shared two-core machine.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(240);

/// One PostgreSQL node and the Patroni that manages it.
#[derive(Debug)]
pub struct PatroniNode {
    pub name: String,
    pub pg_port: u16,
    api_port: u16,
    data_dir: PathBuf,
    config: PathBuf,
    patroni: Option<Child>,
}

/// The running cluster.
#[derive(Debug)]
pub struct PatroniCluster {
    root: PathBuf,
    etcd: Option<Child>,
    pub nodes: Vec<PatroniNode>,
    client: reqwest::Client,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

/// The OS user PostgreSQL, Patroni and etcd run as: `postgres` when we are root (PostgreSQL
/// refuses to run as root), else ourselves.
fn run_as() -> Option<(u32, u32)> {
    if !geteuid().is_root() {
        return None;
    }
    let user = User::from_name("postgres")
        .ok()
        .flatten()
        .expect("an OS user `postgres` (Debian's postgresql package makes it)");
    Some((user.uid.as_raw(), user.gid.as_raw()))
}

fn chown(path: &Path) {
    if let Some((uid, gid)) = run_as() {
        std::os::unix::fs::chown(path, Some(uid), Some(gid))
            .unwrap_or_else(|error| panic!("chown {}: {error}", path.display()));
    }
}

fn spawn(program: &str, args: &[&str], root: &Path, log: &Path) -> Child {
    let out = std::fs::File::create(log).expect("a log file");
    let err = out.try_clone().expect("a log file");
    chown(log);
    let mut command = Command::new(program);
    command
        .args(args)
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    if let Some((uid, gid)) = run_as() {
        command.uid(uid).gid(gid);
    }
    command.spawn().unwrap_or_else(|error| {
        panic!("could not start {program} (install Debian's patroni and etcd-server): {error}")
    })
}

impl PatroniCluster {
    /// Starts etcd and `nodes` Patroni nodes and waits until one leads and the others stream
    /// from it, one of them as the synchronous standby.
    pub async fn start(nodes: usize) -> PatroniCluster {
        Self::start_with(nodes, None).await
    }

    /// [`PatroniCluster::start`], the standbys applying each commit `apply_delay` after it
    /// (`recovery_min_apply_delay`): a standby that lags, as a busy one does, so that a test can
    /// tell a read that waited for a write from one that did not.
    pub async fn start_with(nodes: usize, apply_delay: Option<Duration>) -> PatroniCluster {
        let root = std::env::temp_dir().join(format!(
            "sf-patroni-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&root).expect("a scratch folder");
        chown(&root);
        let (client_port, peer_port) = (free_port(), free_port());
        let etcd_data = root.join("etcd");
        let etcd = spawn(
            "etcd",
            &[
                "--name",
                "e1",
                "--data-dir",
                etcd_data.to_str().expect("a path"),
                "--listen-client-urls",
                &format!("http://127.0.0.1:{client_port}"),
                "--advertise-client-urls",
                &format!("http://127.0.0.1:{client_port}"),
                "--listen-peer-urls",
                &format!("http://127.0.0.1:{peer_port}"),
                "--initial-advertise-peer-urls",
                &format!("http://127.0.0.1:{peer_port}"),
                "--initial-cluster",
                &format!("e1=http://127.0.0.1:{peer_port}"),
            ],
            &root,
            &root.join("etcd.log"),
        );
        let mut cluster = PatroniCluster {
            root: root.clone(),
            etcd: Some(etcd),
            nodes: Vec::new(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(2))
                .build()
                .expect("an HTTP client"),
        };
        for n in 1..=nodes {
            let node = PatroniNode {
                name: format!("node{n}"),
                pg_port: free_port(),
                api_port: free_port(),
                data_dir: root.join(format!("data{n}")),
                config: root.join(format!("node{n}.yml")),
                patroni: None,
            };
            std::fs::write(
                &node.config,
                node_config(&node, &root, client_port, apply_delay),
            )
            .expect("a Patroni config");
            chown(&node.config);
            cluster.nodes.push(node);
        }
        for index in 0..cluster.nodes.len() {
            cluster.start_node(index);
        }
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            let members = cluster.members().await;
            let leading = members
                .iter()
                .filter(|m| m["role"] == "leader" && m["state"] == "running")
                .count();
            let synchronous = members.iter().any(|m| m["role"] == "sync_standby");
            let following = members
                .iter()
                .filter(|m| {
                    m["role"] != "leader"
                        && ["running", "streaming"].contains(&m["state"].as_str().unwrap_or(""))
                })
                .count();
            if leading == 1 && synchronous && following + 1 == nodes {
                return cluster;
            }
            assert!(
                Instant::now() < deadline,
                "the Patroni cluster did not come up within {STARTUP_TIMEOUT:?}: {members:?}\n{}",
                cluster.logs()
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    fn start_node(&mut self, index: usize) {
        let node = &self.nodes[index];
        let log = self.root.join(format!("{}.log", node.name));
        let child = spawn(
            "patroni",
            &[node.config.to_str().expect("a path")],
            &self.root,
            &log,
        );
        self.nodes[index].patroni = Some(child);
    }

    /// `postgres://superuser:password@host:port,host:port,…`: the superuser on every node.
    pub fn admin_base(&self) -> String {
        format!(
            "postgres://postgres:{SUPERUSER_PASSWORD}@{}",
            self.address()
        )
    }

    /// Every node, as libpq lists several hosts: `127.0.0.1:5501,127.0.0.1:5502,…`.
    pub fn address(&self) -> String {
        self.nodes
            .iter()
            .map(|node| format!("127.0.0.1:{}", node.pg_port))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The members as Patroni's REST API lists them (name, role, state, lag), from any node
    /// that answers.
    pub async fn members(&self) -> Vec<Value> {
        for node in &self.nodes {
            let url = format!("http://127.0.0.1:{}/cluster", node.api_port);
            if let Ok(response) = self.client.get(&url).send().await {
                if let Ok(body) = response.json::<Value>().await {
                    if let Some(members) = body["members"].as_array() {
                        return members.clone();
                    }
                }
            }
        }
        Vec::new()
    }

    /// The index of the node that leads now, if one does.
    pub async fn leader(&self) -> Option<usize> {
        let members = self.members().await;
        let name = members
            .iter()
            .find(|m| m["role"] == "leader" && m["state"] == "running")?["name"]
            .as_str()?
            .to_owned();
        self.nodes.iter().position(|node| node.name == name)
    }

    /// Waits until a node other than `not` leads, and returns it.
    pub async fn wait_for_leader_other_than(&self, not: usize, timeout: Duration) -> usize {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(leader) = self.leader().await.filter(|leader| *leader != not) {
                return leader;
            }
            assert!(
                Instant::now() < deadline,
                "no new leader within {timeout:?}: {:?}",
                self.members().await
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits until node `index` is the synchronous standby (after a failover, a surviving
    /// replica first follows the new leader's timeline).
    pub async fn wait_for_synchronous_standby(&self, index: usize, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let members = self.members().await;
            let ready = members.iter().any(|m| {
                m["name"] == self.nodes[index].name.as_str()
                    && m["role"] == "sync_standby"
                    && ["running", "streaming"].contains(&m["state"].as_str().unwrap_or(""))
            });
            if ready {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not become the synchronous standby within {timeout:?}: {members:?}",
                self.nodes[index].name
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// SIGKILL to node `index`'s Patroni and then to its postmaster: the machine as good as
    /// gone, with nobody to hand over.
    pub fn kill(&mut self, index: usize) {
        let node = &mut self.nodes[index];
        if let Some(mut patroni) = node.patroni.take() {
            let _ = patroni.kill();
            let _ = patroni.wait();
        }
        if let Some(pid) = postmaster_pid(&node.data_dir) {
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
    }

    /// A planned switchover from the leader to `candidate`, as an operator runs it.
    pub fn switchover(&self, leader: usize, candidate: usize) {
        let output = Command::new("patronictl")
            .args([
                "-c",
                self.nodes[candidate].config.to_str().expect("a path"),
                "switchover",
                "--leader",
                &self.nodes[leader].name,
                "--candidate",
                &self.nodes[candidate].name,
                "--force",
            ])
            .current_dir(&self.root)
            .output()
            .expect("patronictl runs");
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        // patronictl exits 0 when the leader refuses, too: its words say which.
        assert!(
            output.status.success() && said.contains("Successfully switched over"),
            "patronictl switchover failed: {said}"
        );
    }

    /// Runs `sql` on node `index` as the superuser with `psql`; what it printed (unaligned,
    /// tuples only).
    pub fn psql(&self, index: usize, sql: &str) -> String {
        let output = Command::new("psql")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.nodes[index].pg_port.to_string(),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-At",
                "-c",
                sql,
            ])
            .env("PGPASSWORD", SUPERUSER_PASSWORD)
            .output()
            .expect("psql runs");
        assert!(
            output.status.success(),
            "psql failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// The tails of every log, for a failure's message.
    pub fn logs(&self) -> String {
        let mut logs = String::new();
        let mut names = vec!["etcd".to_owned()];
        names.extend(self.nodes.iter().map(|node| node.name.clone()));
        for name in names {
            let text =
                std::fs::read_to_string(self.root.join(format!("{name}.log"))).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(20).collect();
            logs.push_str(&format!("--- {name}.log\n"));
            for line in tail.into_iter().rev() {
                logs.push_str(line);
                logs.push('\n');
            }
        }
        logs
    }
}

fn postmaster_pid(data_dir: &Path) -> Option<i32> {
    std::fs::read_to_string(data_dir.join("postmaster.pid"))
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()
}

impl Drop for PatroniCluster {
    fn drop(&mut self) {
        // Patroni stops its PostgreSQL when told to stop (SIGTERM); one killed earlier left
        // nothing, and a postmaster left running is killed by its pid.
        for node in &mut self.nodes {
            if let Some(patroni) = &node.patroni {
                let _ = kill(Pid::from_raw(patroni.id() as i32), Signal::SIGTERM);
            }
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        for node in &mut self.nodes {
            if let Some(mut patroni) = node.patroni.take() {
                while Instant::now() < deadline && matches!(patroni.try_wait(), Ok(None)) {
                    std::thread::sleep(Duration::from_millis(100));
                }
                let _ = patroni.kill();
                let _ = patroni.wait();
            }
            if let Some(pid) = postmaster_pid(&node.data_dir) {
                let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
            }
        }
        if let Some(mut etcd) = self.etcd.take() {
            let _ = etcd.kill();
            let _ = etcd.wait();
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// One node's Patroni settings (see `deploy/patroni/patroni.yml` for the documented example).
fn node_config(
    node: &PatroniNode,
    root: &Path,
    etcd_port: u16,
    apply_delay: Option<Duration>,
) -> String {
    let delay = apply_delay.map_or(0, |delay| delay.as_millis());
    format!(
        r#"scope: stable-futures-test
name: {name}
restapi:
  listen: 127.0.0.1:{api}
  connect_address: 127.0.0.1:{api}
etcd3:
  hosts: 127.0.0.1:{etcd_port}
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 2
    retry_timeout: 5
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        wal_log_hints: "on"
        max_connections: 100
  initdb:
    - encoding: UTF8
    - auth: scram-sha-256
  pg_hba:
    - local all all trust
    - host replication replicator 127.0.0.1/32 scram-sha-256
    - host all all 127.0.0.1/32 scram-sha-256
postgresql:
  listen: 127.0.0.1:{pg}
  connect_address: 127.0.0.1:{pg}
  data_dir: {data}
  bin_dir: {BIN_DIR}
  pgpass: {root}/pgpass-{name}
  authentication:
    superuser:
      username: postgres
      password: {SUPERUSER_PASSWORD}
    replication:
      username: replicator
      password: {REPLICATION_PASSWORD}
  parameters:
    unix_socket_directories: {root}
    fsync: "on"
    recovery_min_apply_delay: {delay}ms
"#,
        name = node.name,
        api = node.api_port,
        pg = node.pg_port,
        data = node.data_dir.display(),
        root = root.display(),
    )
}
