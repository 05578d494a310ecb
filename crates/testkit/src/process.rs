//! authport as a real operating-system process: the `authport` binary built next to the test
//! executable (`cargo build --bin authport`; `just test` does it first).

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

/// How long a process may take to log "authport listening".
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The `authport` binary: `$AUTHPORT_BIN`, or `target/<profile>/authport` next to the test
/// executable (`target/<profile>/deps/<test>`).
///
/// # Panics
/// When the binary does not exist, with the command that builds it.
pub fn authport_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("AUTHPORT_BIN") {
        return PathBuf::from(bin);
    }
    let exe = std::env::current_exe().expect("path of the test executable");
    let profile_dir = exe.parent().and_then(Path::parent).expect("test executable lives in target/<profile>/deps");
    let bin = profile_dir.join(format!("authport{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "the authport binary is missing at {}: run `cargo build --bin authport` before these tests (`just test` does)",
        bin.display()
    );
    bin
}

/// A running `authport` child process; killed (SIGKILL) when dropped.
#[derive(Debug)]
pub struct AuthportProcess {
    child: Child,
    addr: SocketAddr,
    logs: Arc<Mutex<Vec<String>>>,
}

impl AuthportProcess {
    /// Starts `authport <args> --listen 127.0.0.1:0 --log-format json` and waits until it
    /// listens (its address is read from the "authport listening" log line).
    ///
    /// # Panics
    /// When the process cannot start or exits (or stays silent) before listening.
    pub async fn start(args: &[String]) -> Self {
        Self::start_with_log_filter(args, "info,warp=warn").await
    }

    /// Like [`AuthportProcess::start`], logging at `rust_log` (a `RUST_LOG` filter, e.g. `trace`).
    ///
    /// # Panics
    /// As [`AuthportProcess::start`].
    pub async fn start_with_log_filter(args: &[String], rust_log: &str) -> Self {
        Self::start_binary(&authport_binary(), args, rust_log).await
    }

    /// Like [`AuthportProcess::start_with_log_filter`], for the binary at `bin`.
    ///
    /// # Panics
    /// As [`AuthportProcess::start`].
    pub async fn start_binary(bin: &Path, args: &[String], rust_log: &str) -> Self {
        let mut child = Command::new(bin)
            .args(args)
            .args(["--listen", "127.0.0.1:0", "--log-format", "json"])
            .env("RUST_LOG", rust_log)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let pid = child.id();
        let stderr = child.stderr.take().expect("piped stderr");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = tokio::sync::oneshot::channel::<SocketAddr>();
        let sink = Arc::clone(&logs);
        // Drains stderr for the whole life of the process (a full pipe would block it).
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                eprintln!("[authport {pid}] {line}");
                if let Some(addr) = listening_address(&line)
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(addr);
                }
                sink.lock().expect("log buffer").push(line);
            }
        });
        let addr = match tokio::time::timeout(START_TIMEOUT, rx).await {
            Ok(Ok(addr)) => addr,
            outcome => {
                let _ = child.kill();
                let status = child.wait().ok();
                let logs = logs.lock().expect("log buffer").join("\n");
                panic!(
                    "authport {args:?} did not start listening ({}; exit status {status:?}); its log:\n{logs}",
                    if outcome.is_err() { "timed out" } else { "it exited" }
                );
            }
        };
        Self { child, addr, logs }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where its Cognito API listens (logged before "authport listening"), if it serves one.
    pub fn cognito_api_addr(&self) -> Option<SocketAddr> {
        self.logs().iter().find_map(|line| logged_address(line, "Cognito API listening"))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Every log line (JSON) written so far.
    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().expect("log buffer").clone()
    }

    /// SIGKILL: no graceful shutdown, nothing flushed — what a crash looks like.
    pub fn kill(mut self) -> ExitStatus {
        self.kill_and_wait()
    }

    fn kill_and_wait(&mut self) -> ExitStatus {
        let _ = self.child.kill();
        self.child.wait().expect("wait for authport")
    }
}

impl Drop for AuthportProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.kill_and_wait();
        }
    }
}

fn listening_address(line: &str) -> Option<SocketAddr> {
    logged_address(line, "authport listening")
}

/// The `address` of the log line whose message starts with `message`.
fn logged_address(line: &str, message: &str) -> Option<SocketAddr> {
    let event: Value = serde_json::from_str(line).ok()?;
    if !event["message"].as_str()?.starts_with(message) {
        return None;
    }
    event["address"].as_str()?.parse().ok()
}

/// Runs `authport <args>` to completion (e.g. `migrate`), returning its status and log.
pub async fn run_to_completion(args: Vec<String>) -> (ExitStatus, String) {
    let bin = authport_binary();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(&bin)
            .args(&args)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .env("RUST_BACKTRACE", "0")
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()))
    })
    .await
    .expect("authport run");
    let log = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status, log)
}
