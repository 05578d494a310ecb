//! Private `redis-server`s for tests: each on a free loopback port of its own, keeping nothing on
//! disk, killed with its handle — and stopped, started again on the same port, paused (SIGSTOP)
//! or resumed by the fault tests. Tests that need one skip loudly without `redis-server` (and
//! fail when `CI=true`; `.ci/run` installs it).

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::skip_or_fail;

const REDIS_SERVER: &str = "redis-server";
/// How long a server may take to answer PING after it was started.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// One private Redis.
#[derive(Debug)]
pub struct RedisServer {
    addr: SocketAddr,
    /// `None` while stopped.
    child: Option<Child>,
    dir: tempfile::TempDir,
}

impl RedisServer {
    /// Starts a Redis on a free port of 127.0.0.1, or returns `None` (after [`skip_or_fail`])
    /// when `redis-server` is not installed.
    pub fn start() -> Option<Self> {
        if Command::new(REDIS_SERVER).arg("--version").stdout(Stdio::null()).status().is_err() {
            skip_or_fail("redis-server", "it is not installed (`just system-deps`)");
            return None;
        }
        let addr = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port");
        let mut server = Self { addr, child: None, dir: tempfile::tempdir().expect("temp dir") };
        server.start_again();
        Some(server)
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Kills the server (what an outage looks like: refused connections).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts a fresh, empty server on the same port, and waits until it answers.
    ///
    /// # Panics
    /// When it does not answer within a few seconds.
    pub fn start_again(&mut self) {
        self.stop();
        let child = Command::new(REDIS_SERVER)
            .args(["--bind", "127.0.0.1", "--port", &self.addr.port().to_string()])
            .args(["--save", "", "--appendonly", "no", "--protected-mode", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        let deadline = Instant::now() + START_TIMEOUT;
        while !self.answers() {
            assert!(Instant::now() < deadline, "redis-server on {} did not answer PING", self.addr);
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Freezes the server (SIGSTOP): connections stay open, nothing is answered.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Lets a paused server go on (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("a running server").id();
        let status = Command::new("kill").args([signal, &pid.to_string()]).status().expect("kill runs");
        assert!(status.success(), "kill {signal} {pid}");
    }

    fn answers(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)) else { return false };
        let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
        let mut pong = [0u8; 7];
        stream.write_all(b"PING\r\n").is_ok() && stream.read_exact(&mut pong).is_ok() && &pong == b"+PONG\r\n"
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
