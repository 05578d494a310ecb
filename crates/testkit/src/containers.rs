//! Cognito emulators in Docker containers, through testcontainers (the project's integration-test
//! tool): LocalStack Pro when `LOCALSTACK_AUTH_TOKEN` is set (LocalStack's Cognito is paid-only),
//! otherwise moto's own image.
//!
//! Docker is optional here, also on CI (which has none): [`docker_engine`] finds out quickly
//! whether an engine answers, *before* testcontainers is asked to start anything (testcontainers
//! would otherwise fail slowly, or panic, without one).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use testcontainers::core::{IntoContainerPort as _, WaitFor};
use testcontainers::runners::AsyncRunner as _;
use testcontainers::{ContainerAsync, GenericImage, ImageExt as _};
use testcontainers_modules::localstack::LocalStackPro;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};

/// The moto image: the version `scripts/install-moto.sh` pins and `scripts/MOTO_NOTES.md` describes.
pub const MOTO_IMAGE: (&str, &str) = ("motoserver/moto", "5.2.5");
const MOTO_PORT: u16 = 5000;
const LOCALSTACK_PORT: u16 = 4566;

/// How long the engine may take to answer a ping before it counts as absent.
const PING_TIMEOUT: Duration = Duration::from_secs(2);
/// Image pull and start-up (LocalStack Pro is a large image).
const STARTUP_TIMEOUT: Duration = Duration::from_secs(300);
/// How long the emulator's port may take to answer after the container reports ready.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// Where a Docker engine answered `GET /_ping`, or why none did.
///
/// The host is looked up the way testcontainers 0.27 does without its `properties-config`
/// feature: `DOCKER_HOST`, else the first of `/var/run/docker.sock`,
/// `$XDG_RUNTIME_DIR/.docker/run/docker.sock`, `$HOME/.docker/run/docker.sock` and
/// `$HOME/.docker/desktop/docker.sock` that exists. So the engine probed is the one
/// testcontainers would use. Takes at most [`PING_TIMEOUT`]; never panics.
pub async fn docker_engine() -> Result<String, String> {
    let host = match std::env::var("DOCKER_HOST").ok().filter(|h| !h.trim().is_empty()) {
        Some(host) => host,
        None => {
            let candidates = default_sockets();
            let Some(socket) = candidates.iter().find(|p| p.exists()) else {
                let tried: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
                return Err(format!("DOCKER_HOST is unset and there is no socket at {}", tried.join(", ")));
            };
            format!("unix://{}", socket.display())
        }
    };
    match tokio::time::timeout(PING_TIMEOUT, ping(&host)).await {
        Ok(Ok(())) => Ok(host),
        Ok(Err(why)) => Err(format!("no Docker engine at {host}: {why}")),
        Err(_) => Err(format!("no answer from the Docker engine at {host} within {PING_TIMEOUT:?}")),
    }
}

fn default_sockets() -> Vec<PathBuf> {
    let mut sockets = vec![PathBuf::from("/var/run/docker.sock")];
    if let Some(dir) = std::env::var_os("XDG_RUNTIME_DIR") {
        sockets.push(PathBuf::from(dir).join(".docker/run/docker.sock"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        let home = PathBuf::from(home);
        sockets.push(home.join(".docker/run/docker.sock"));
        sockets.push(home.join(".docker/desktop/docker.sock"));
    }
    sockets
}

async fn ping(host: &str) -> Result<(), String> {
    let (scheme, rest) = host.split_once("://").ok_or_else(|| format!("`{host}` has no scheme"))?;
    match scheme {
        #[cfg(unix)]
        "unix" => {
            let stream = tokio::net::UnixStream::connect(rest).await.map_err(|e| e.to_string())?;
            http_ping(stream).await
        }
        "tcp" | "http" | "https" => {
            let authority = rest.split('/').next().unwrap_or(rest);
            let stream = tokio::net::TcpStream::connect(authority).await.map_err(|e| e.to_string())?;
            let tls = scheme == "https" || std::env::var("DOCKER_TLS_VERIFY").is_ok_and(|v| v == "1");
            // A TLS engine accepting the connection is as far as a plain probe can go.
            if tls { Ok(()) } else { http_ping(stream).await }
        }
        other => Err(format!("the `{other}` scheme is not supported by these tests")),
    }
}

/// `GET /_ping` (Docker's liveness endpoint): the engine answers `200 OK`.
async fn http_ping(mut stream: impl AsyncRead + AsyncWrite + Unpin) -> Result<(), String> {
    stream
        .write_all(b"GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n")
        .await
        .map_err(|e| e.to_string())?;
    let mut answer = [0_u8; 64];
    let n = stream.read(&mut answer).await.map_err(|e| e.to_string())?;
    let status_line = String::from_utf8_lossy(&answer[..n]);
    let status_line = status_line.lines().next().unwrap_or_default();
    if status_line.starts_with("HTTP/1.") && status_line.contains(" 200") {
        Ok(())
    } else {
        Err(format!("unexpected answer to GET /_ping: {status_line:?}"))
    }
}

/// Which emulator runs in the container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emulator {
    LocalStackPro,
    Moto,
}

#[derive(Debug)]
enum Running {
    LocalStack(ContainerAsync<LocalStackPro>),
    Moto(ContainerAsync<GenericImage>),
}

/// A Cognito emulator in a container; removed by [`CognitoContainer::remove`] (or, failing
/// that, when dropped).
#[derive(Debug)]
pub struct CognitoContainer {
    pub emulator: Emulator,
    /// `http://127.0.0.1:<mapped port>` (or the remote engine's host).
    pub endpoint: String,
    container: Running,
}

impl CognitoContainer {
    /// LocalStack Pro when `LOCALSTACK_AUTH_TOKEN` is set, else moto. Call only after
    /// [`docker_engine`] found an engine.
    ///
    /// # Errors
    /// When the image cannot be pulled or the container does not become ready.
    pub async fn start() -> Result<Self, String> {
        let token = std::env::var("LOCALSTACK_AUTH_TOKEN").ok().filter(|t| !t.trim().is_empty());
        let (emulator, container, port) = match token {
            Some(token) => {
                let container = LocalStackPro::new(token)
                    .with_env_var("SERVICES", "cognito-idp")
                    .with_startup_timeout(STARTUP_TIMEOUT)
                    .start()
                    .await
                    .map_err(|e| format!("LocalStack Pro did not start: {e}"))?;
                (Emulator::LocalStackPro, Running::LocalStack(container), LOCALSTACK_PORT)
            }
            None => {
                let (name, tag) = MOTO_IMAGE;
                let container = GenericImage::new(name, tag)
                    .with_exposed_port(MOTO_PORT.tcp())
                    .with_wait_for(WaitFor::message_on_either_std("Running on"))
                    .with_startup_timeout(STARTUP_TIMEOUT)
                    .start()
                    .await
                    .map_err(|e| format!("{name}:{tag} did not start: {e}"))?;
                (Emulator::Moto, Running::Moto(container), MOTO_PORT)
            }
        };
        let (host, mapped) = match &container {
            Running::LocalStack(c) => (c.get_host().await, c.get_host_port_ipv4(port).await),
            Running::Moto(c) => (c.get_host().await, c.get_host_port_ipv4(port).await),
        };
        let host = host.map_err(|e| format!("container host: {e}"))?.to_string();
        let mapped = mapped.map_err(|e| format!("container port {port}: {e}"))?;
        // A local engine answers "localhost": name the IPv4 loopback outright.
        let host = if host == "localhost" { "127.0.0.1".to_owned() } else { host };
        let this = Self { emulator, endpoint: format!("http://{host}:{mapped}"), container };
        this.wait_until_serving().await?;
        Ok(this)
    }

    /// The log line can come before the port mapping forwards: poll until an HTTP answer.
    async fn wait_until_serving(&self) -> Result<(), String> {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(2)).build().map_err(|e| e.to_string())?;
        let probe = match self.emulator {
            Emulator::Moto => format!("{}/moto-api/", self.endpoint),
            Emulator::LocalStackPro => format!("{}/_localstack/health", self.endpoint),
        };
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            match client.get(&probe).send().await {
                Ok(answer) if answer.status().is_success() => return Ok(()),
                outcome if Instant::now() >= deadline => {
                    return Err(format!("{probe} did not answer 2xx within {READY_TIMEOUT:?}: {outcome:?}"));
                }
                _ => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }

    /// Stops and removes the container.
    pub async fn remove(self) {
        let removed = match self.container {
            Running::LocalStack(c) => c.rm().await,
            Running::Moto(c) => c.rm().await,
        };
        if let Err(e) = removed {
            eprintln!("warning: the {:?} container was not removed: {e}", self.emulator);
        }
    }
}
