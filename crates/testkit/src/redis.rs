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
    extra: Vec<String>,
    /// The CA (PEM) of a TLS server's certificate.
    ca: Option<std::path::PathBuf>,
}

/// Whether `program` runs here; if not, [`skip_or_fail`].
fn installed(program: &str) -> bool {
    let found = Command::new(program).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
    if !found {
        skip_or_fail(program, "it is not installed (`just system-deps`)");
    }
    found
}

impl RedisServer {
    /// Starts a Redis on a free port of 127.0.0.1, or returns `None` (after [`skip_or_fail`])
    /// when `redis-server` is not installed.
    pub fn start() -> Option<Self> {
        installed(REDIS_SERVER).then(|| Self::started(&[]))
    }

    /// A server with `args` added to its command line.
    fn started(args: &[&str]) -> Self {
        let addr = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port");
        let extra = args.iter().map(|a| (*a).to_owned()).collect();
        let mut server = Self { addr, child: None, dir: tempfile::tempdir().expect("temp dir"), extra, ca: None };
        server.start_again();
        server
    }

    /// A Redis that speaks TLS only, its certificate (for `127.0.0.1`) issued by a CA made for
    /// it ([`RedisServer::ca_file`]); or `None` (after [`skip_or_fail`]) without `redis-server`
    /// or `openssl`.
    pub fn start_tls() -> Option<Self> {
        if !installed(REDIS_SERVER) || !installed("openssl") {
            return None;
        }
        let addr = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port");
        let dir = tempfile::tempdir().expect("temp dir");
        let openssl = |args: &str| {
            let args: Vec<&str> = args.split_whitespace().collect();
            let status = Command::new("openssl").args(&args).current_dir(dir.path()).stderr(Stdio::null()).status();
            assert!(status.is_ok_and(|s| s.success()), "openssl {args:?}");
        };
        std::fs::write(dir.path().join("san.ext"), "subjectAltName=IP:127.0.0.1\n").expect("write");
        openssl("req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 1 -subj /CN=authport-test-CA");
        openssl("req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1");
        openssl(
            "x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 1 -extfile san.ext",
        );
        let file = |name: &str| dir.path().join(name).to_str().expect("utf-8 path").to_owned();
        let extra = vec![
            "--tls-port".to_owned(),
            addr.port().to_string(),
            "--tls-cert-file".to_owned(),
            file("server.crt"),
            "--tls-key-file".to_owned(),
            file("server.key"),
            "--tls-ca-cert-file".to_owned(),
            file("ca.crt"),
            "--tls-auth-clients".to_owned(),
            "no".to_owned(),
        ];
        let ca = Some(dir.path().join("ca.crt"));
        let mut server = Self { addr, child: None, dir, extra, ca };
        server.start_again();
        Some(server)
    }

    /// The CA file of a TLS server.
    pub fn ca_file(&self) -> Option<&std::path::Path> {
        self.ca.as_deref()
    }

    /// `redis://127.0.0.1:<port>` (`rediss://` for a TLS server).
    pub fn url(&self) -> String {
        let scheme = if self.ca.is_some() { "rediss" } else { "redis" };
        format!("{scheme}://{}", self.addr)
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
        // A TLS server's plain port is off (0); its TLS port is in `extra`.
        let port = if self.ca.is_some() { "0".to_owned() } else { self.addr.port().to_string() };
        let child = Command::new(REDIS_SERVER)
            .args(["--bind", "127.0.0.1", "--port", &port])
            .args(["--save", "", "--appendonly", "no", "--protected-mode", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .args(&self.extra)
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

    /// Answers PING (a TLS server: accepts connections).
    fn answers(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)) else { return false };
        if self.ca.is_some() {
            return true;
        }
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

/// A Redis Cluster of three masters (no replicas) on free ports of 127.0.0.1, its 16384 slots
/// spread over them by `redis-cli --cluster create`.
#[derive(Debug)]
pub struct RedisCluster {
    nodes: Vec<RedisServer>,
}

impl RedisCluster {
    /// Starts the cluster and waits until it is `ok`, or returns `None` (after [`skip_or_fail`])
    /// when `redis-server` or `redis-cli` is not installed.
    ///
    /// # Panics
    /// When the cluster does not form within a few seconds.
    pub fn start() -> Option<Self> {
        if !installed(REDIS_SERVER) || !installed("redis-cli") {
            return None;
        }
        // The bus port defaults to port + 10000, which does not exist for a free port above
        // 55535, so each node gets a free bus port of its own.
        let nodes: Vec<RedisServer> = (0..3)
            .map(|_| {
                let bus = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port");
                let bus = bus.port().to_string();
                RedisServer::started(&[
                    "--cluster-enabled",
                    "yes",
                    "--cluster-node-timeout",
                    "2000",
                    "--cluster-port",
                    &bus,
                ])
            })
            .collect();
        let addrs: Vec<String> = nodes.iter().map(|n| n.addr.to_string()).collect();
        let created = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addrs)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("redis-cli runs");
        assert!(created.success(), "redis-cli --cluster create {addrs:?}");
        let deadline = Instant::now() + START_TIMEOUT;
        for node in &nodes {
            loop {
                let info = Command::new("redis-cli")
                    .args(["-h", "127.0.0.1", "-p", &node.addr.port().to_string(), "cluster", "info"])
                    .output()
                    .expect("redis-cli runs");
                if String::from_utf8_lossy(&info.stdout).contains("cluster_state:ok") {
                    break;
                }
                assert!(Instant::now() < deadline, "the cluster on {addrs:?} is not ok");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Some(Self { nodes })
    }

    /// `redis-cluster://127.0.0.1:<port>,…`: every node.
    pub fn url(&self) -> String {
        let nodes: Vec<String> = self.nodes.iter().map(|n| n.addr.to_string()).collect();
        format!("redis-cluster://{}", nodes.join(","))
    }
}
