//! authport's Cognito API beside the free Cognito emulators, each its own process on loopback:
//! the release `authport` serving its Cognito API (memory backend, test hashing, as integration
//! tests run it), moto (`.venv`, `scripts/install-moto.sh`), cognito-local (npm,
//! `crates/bench/peers/cognito-local`) and fakecloud (crates.io, `just bench-fakecloud-install`).
//! A peer that is not installed is left out of the figures with one loud line.
//!
//! Each is started several times to time its start-up (spawn → first answered ListUserPools);
//! the last start stays up, is measured idle (RSS), and then serves the sequential boto3 client
//! of `crates/bench/peers/boto3_tutorial_flows.py`.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use hyper::StatusCode;
use serde_json::json;
use tokio::process::{Child, Command};

use crate::Args;
use crate::flows::FlowRun;
use crate::load::{Call, Connection};

/// The Cognito endpoints compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    Authport,
    Moto,
    CognitoLocal,
    Fakecloud,
}

impl Peer {
    pub const ALL: [Self; 4] = [Self::Authport, Self::Moto, Self::CognitoLocal, Self::Fakecloud];

    pub fn name(self) -> &'static str {
        match self {
            Self::Authport => "authport (Cognito API, memory, test hashing)",
            Self::Moto => "moto",
            Self::CognitoLocal => "cognito-local",
            Self::Fakecloud => "fakecloud",
        }
    }

    /// The command that serves Cognito's API on `port`, its working directory `dir`; or why
    /// this peer is not installed here.
    fn command(self, bench: &Args, port: u16, dir: &Path) -> Result<Command, String> {
        let listen = format!("127.0.0.1:{port}");
        let root = authport_testkit::repo_root();
        let installed = |path: PathBuf, how: &str| {
            if path.exists() { Ok(path) } else { Err(format!("{} not found ({how})", path.display())) }
        };
        let mut command = match self {
            Self::Authport => {
                let mut command = Command::new(&bench.authport_bin);
                command.args(["--backend", "memory", "--hash-cost", "insecure-fast-for-tests", "--listen"]);
                command.args(["127.0.0.1:0", "--cognito-api-listen", &listen]).env("RUST_LOG", "warn");
                command
            }
            Self::Moto => {
                let server = installed(root.join(".venv/bin/moto_server"), "scripts/install-moto.sh")?;
                let mut command = Command::new(server);
                command.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
                command
            }
            Self::CognitoLocal => {
                let start = installed(
                    root.join("crates/bench/peers/cognito-local/node_modules/cognito-local/lib/bin/start.js"),
                    "`npm ci --prefix crates/bench/peers/cognito-local`, which `just bench` runs",
                )?;
                let mut command = Command::new("node");
                // It keeps its pools as files under `.cognito/` of its working directory.
                command.arg(start).env("HOST", "127.0.0.1").env("PORT", port.to_string());
                command
            }
            Self::Fakecloud => {
                let binary =
                    installed(root.join("target/bench-peers/bin/fakecloud"), "`just bench-fakecloud-install`")?;
                let mut command = Command::new(binary);
                command.args(["--addr", &listen, "--log-level", "warn"]);
                command
            }
        };
        command
            .current_dir(dir)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        Ok(command)
    }
}

/// A running peer.
#[derive(Debug)]
pub struct PeerProcess {
    pub peer: Peer,
    pub addr: SocketAddr,
    /// From spawning the process to its first answered call.
    pub started_in: Duration,
    child: Child,
    _dir: tempfile::TempDir,
}

impl PeerProcess {
    /// Starts `peer` on a free loopback port and waits for its first answer to ListUserPools,
    /// polled as fast as the machine allows (a refused connection is retried after 1 ms).
    pub async fn start(peer: Peer, bench: &Args) -> anyhow::Result<Result<Self, String>> {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?.port();
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let dir = tempfile::tempdir()?;
        let mut command = match peer.command(bench, port, dir.path()) {
            Ok(command) => command,
            Err(why) => return Ok(Err(why)),
        };
        let list = Call::cognito("ListUserPools", &json!({ "MaxResults": 1 }));
        let spawned = Instant::now();
        let mut child = command.spawn().with_context(|| format!("starting {}", peer.name()))?;
        let deadline = spawned + Duration::from_secs(60);
        let mut last = String::from("no answer");
        loop {
            if let Some(status) = child.try_wait()? {
                anyhow::bail!("{} exited with {status} before answering ({last})", peer.name());
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "{} did not answer ListUserPools within 60 s ({last})",
                peer.name()
            );
            match Connection::open(addr).await {
                Ok(mut connection) => match connection.send(&list).await {
                    Ok((StatusCode::OK, _)) => break,
                    Ok((status, body)) => last = format!("{status}: {}", String::from_utf8_lossy(&body)),
                    Err(e) => last = e.to_string(),
                },
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let started_in = spawned.elapsed();
        Ok(Ok(Self { peer, addr, started_in, child, _dir: dir }))
    }

    /// The resident memory of the process and everything it started, in KiB.
    pub fn rss_kib(&self) -> anyhow::Result<u64> {
        let pid = self.child.id().context("the peer has exited")?;
        let mut total = 0;
        for pid in process_tree(pid) {
            total += crate::scenarios::proc_status_kib(pid, "VmRSS")?;
        }
        Ok(total)
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// One run of the sequential boto3 client: `Ok` with the flows it timed, `Err` with the call
    /// the peer could not answer as Cognito does (a finding, not a failure of the bench).
    pub async fn boto3_run(&self, bench: &Args) -> anyhow::Result<Result<FlowRun, String>> {
        let root = authport_testkit::repo_root();
        let output = Command::new(root.join(".venv/bin/python"))
            .arg(root.join("crates/bench/peers/boto3_tutorial_flows.py"))
            .args(["--seconds", &bench.boto3_seconds.to_string(), "--warm-up", &bench.boto3_warm_up.to_string()])
            .env("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", format!("http://{}", self.addr))
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .await
            .context("running the boto3 client (.venv/bin/python: scripts/install-moto.sh)")?;
        anyhow::ensure!(
            output.status.success(),
            "the boto3 client failed against {}: {}",
            self.peer.name(),
            String::from_utf8_lossy(&output.stderr)
        );
        let answer: serde_json::Value = serde_json::from_slice(&output.stdout)
            .with_context(|| format!("the boto3 client's answer: {}", String::from_utf8_lossy(&output.stdout)))?;
        if let Some(error) = answer["error"].as_str() {
            return Ok(Err(error.to_owned()));
        }
        let flows = answer["flows"].as_u64().context("flows")? as usize;
        let seconds = answer["seconds"].as_f64().context("seconds")?;
        Ok(Ok(FlowRun { flows, elapsed: Duration::from_secs_f64(seconds) }))
    }
}

/// `pid` and its descendants (read from /proc).
fn process_tree(pid: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let child: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // The fourth field, after the parenthesised command name (which may hold spaces).
            let ppid = stat.rsplit_once(')')?.1.split_whitespace().nth(1)?.parse().ok()?;
            Some((child, ppid))
        })
        .collect();
    let mut tree = vec![pid];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(parents.iter().filter(|(_, ppid)| *ppid == parent).map(|(child, _)| *child));
        i += 1;
    }
    tree
}

/// CPU time (user + system) a process has used so far, from /proc/<pid>/stat.
pub fn cpu_time(pid: u32) -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let fields: Vec<&str> = stat.rsplit_once(')').context("/proc/<pid>/stat")?.1.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of stat(5), the 12th and 13th after the name.
    let ticks: u64 = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
    let per_second = rustix::param::clock_ticks_per_second();
    Ok(Duration::from_secs_f64(ticks as f64 / per_second as f64))
}

/// What one peer measured.
#[derive(Debug)]
pub struct PeerFigures {
    pub peer: Peer,
    /// Why it was not measured (not installed, or it never answered).
    pub missing: Option<String>,
    pub startups: Vec<Duration>,
    pub idle_rss_kib: u64,
    /// The sequential boto3 runs, or the call it could not answer.
    pub boto3: Result<Vec<FlowRun>, String>,
}

impl PeerFigures {
    pub fn median_startup(&self) -> Option<Duration> {
        let mut sorted = self.startups.clone();
        sorted.sort();
        sorted.get(sorted.len() / 2).copied()
    }

    pub fn boto3_per_second(&self) -> Option<f64> {
        let runs = self.boto3.as_ref().ok().filter(|runs| !runs.is_empty())?;
        let flows: usize = runs.iter().map(|r| r.flows).sum();
        Some(flows as f64 / runs.iter().map(|r| r.elapsed.as_secs_f64()).sum::<f64>())
    }
}
