//! Test harness of the conformance suite: spawns authport in-process on 127.0.0.1:0 with a
//! chosen backend and talks to it over real HTTP, like any client would.
//!
//! Backends that need a real component (PostgreSQL, the moto Cognito emulator) are skipped
//! with one loud line when it is missing — and fail instead when `CI=true`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::OnceLock;

use authport_server::Application;
use authport_server::config::Cli;
use clap::Parser as _;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A password that satisfies Cognito's default policy.
pub const STRONG_PASSWORD: &str = "Correct-Horse-9";

/// The backends the conformance suite runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Memory,
}

/// Extra resources a backend needs for one test (a database, a user pool); dropped with the app.
pub type BackendGuard = Box<dyn std::any::Any + Send>;

/// The command-line arguments that select `backend`, or `None` (after [`skip_or_fail`]) when
/// its real component is not available here.
async fn backend_args(backend: Backend) -> Option<(Vec<String>, Option<BackendGuard>)> {
    match backend {
        Backend::Memory => Some((vec!["--backend".into(), "memory".into()], None)),
    }
}

/// Skips a test that needs an unavailable component — loudly, and never on CI.
///
/// # Panics
/// When `CI=true`: on CI every component must be there, so a skip would hide a failure.
pub fn skip_or_fail(component: &str, why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{component} is required when CI=true, but: {why}");
    }
    eprintln!("!!! SKIPPED: {component} unavailable ({why}); set it up to run these tests (CI=true makes this fatal)");
}

/// One running authport.
pub struct TestApp {
    pub addr: SocketAddr,
    pub backend: Backend,
    pub client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    _guard: Option<BackendGuard>,
}

impl std::fmt::Debug for TestApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestApp").field("addr", &self.addr).field("backend", &self.backend).finish_non_exhaustive()
    }
}

impl TestApp {
    /// Spawns authport on `backend`, or returns `None` when the backend is unavailable here.
    pub async fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, &[]).await
    }

    /// Like [`TestApp::spawn`], with extra command-line arguments.
    pub async fn spawn_with(backend: Backend, extra: &[&str]) -> Option<Self> {
        let (mut args, guard) = backend_args(backend).await?;
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        Some(Self::spawn_args(backend, args, guard).await)
    }

    async fn spawn_args(backend: Backend, backend_args: Vec<String>, guard: Option<BackendGuard>) -> Self {
        let key_file = signing_key_file().to_str().expect("utf-8 temp path").to_owned();
        let mut args: Vec<String> = ["authport", "--listen", "127.0.0.1:0", "--hash-cost", "insecure-fast-for-tests"]
            .into_iter()
            .map(str::to_owned)
            .collect();
        args.extend(["--signing-key-file".to_owned(), key_file]);
        args.extend(backend_args);
        let cli = Cli::try_parse_from(&args).unwrap_or_else(|e| panic!("bad test arguments {args:?}: {e}"));
        init_test_logging();
        let app = Application::build(cli.config).await.expect("authport starts");
        let addr = app.local_addr();
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async move {
            let _ = rx.await;
        }));
        Self { addr, backend, client: reqwest::Client::new(), shutdown: Some(tx), server: Some(server), _guard: guard }
    }

    /// Stops the server gracefully and waits until it has stopped.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task");
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client.post(self.url(path)).json(body).send().await.expect("request sent")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request sent")
    }

    pub async fn sign_up(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_json("/v1/signup", &json!({ "email": email, "password": password })).await
    }

    pub async fn log_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_json("/v1/login", &json!({ "email": email, "password": password })).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Logs go through the test harness's capture (shown only for failing tests).
fn init_test_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,warp=warn"));
    let _already_set = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
}

/// A fresh address per call, so tests never collide on a shared backend.
pub fn unique_email(tag: &str) -> String {
    format!("{tag}-{}@example.com", uuid::Uuid::new_v4().simple())
}

/// One RSA key per test process (key generation is slow); written to a temporary PEM file so
/// the servers also exercise `--signing-key-file`.
fn signing_key_file() -> &'static PathBuf {
    static KEY: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &KEY.get_or_init(|| {
        let key = authport_fake::SigningKey::generate().expect("RSA key");
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("signing-key.pem");
        std::fs::write(&path, key.pem()).expect("write key");
        (dir, path)
    })
    .1
}

/// Reads a response as a problem document, checking the media type on the way.
pub async fn problem(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(content_type, "application/problem+json", "status {status}");
    let body: Value = response.json().await.expect("problem body is JSON");
    assert_eq!(body["status"], status, "{body}");
    assert!(body["title"].is_string() && body["type"].is_string() && body["detail"].is_string(), "{body}");
    (status, body)
}
