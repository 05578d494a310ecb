//! Test harness of the conformance suite: spawns authport in-process on 127.0.0.1:0 with a
//! chosen backend and talks to it over real HTTP, like any client would.
//!
//! Backends that need a real component (PostgreSQL, the moto Cognito emulator) are skipped
//! with one loud line when it is missing — and fail instead when `CI=true`.

pub mod moto;

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use authport_server::Application;
use authport_server::config::Cli;
use clap::Parser as _;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub mod cases;
#[cfg(feature = "containers")]
pub mod containers;
pub mod forge;
pub mod postgres;
pub mod process;
pub mod proxy;
pub mod webdriver;

use crate::postgres::TestDatabase;
use crate::process::AuthportProcess;

/// A password that satisfies Cognito's default policy.
pub const STRONG_PASSWORD: &str = "Correct-Horse-9";

/// The backends the conformance suite runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Memory,
    /// A fresh PostgreSQL database per app (`DATABASE_URL`, default the local server).
    Postgres,
    /// A fresh user pool per app on the moto Cognito emulator (see [`moto`]).
    Cognito,
}

/// Extra resources a backend needs for one test (a database, a user pool); dropped with the app.
pub type BackendGuard = Box<dyn std::any::Any + Send>;

/// The command-line arguments that select `backend`, or `None` (after [`skip_or_fail`]) when
/// its real component is not available here.
async fn backend_args(backend: Backend) -> Option<(Vec<String>, Option<BackendGuard>)> {
    match backend {
        Backend::Memory => Some((vec!["--backend".into(), "memory".into()], None)),
        Backend::Postgres => {
            let db = TestDatabase::create().await?;
            Some((postgres_args(&db.url()), Some(Box::new(db))))
        }
        Backend::Cognito => {
            let pool = moto::test_pool().await?;
            Some((cognito_args(&pool, false), None))
        }
    }
}

/// Arguments for the Cognito backend on `pool`, using its secret-less or its secret client.
pub fn cognito_args(pool: &moto::MotoPool, with_secret: bool) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "--backend".into(),
        "cognito".into(),
        "--user-pool-id".into(),
        pool.pool_id.clone(),
        "--cognito-endpoint".into(),
        pool.endpoint.clone(),
        "--aws-region".into(),
        moto::REGION.into(),
        "--client-id".into(),
    ];
    if with_secret {
        args.extend([pool.secret_client_id.clone(), "--client-secret".into(), pool.client_secret.clone()]);
    } else {
        args.push(pool.client_id.clone());
    }
    args
}

fn postgres_args(url: &str) -> Vec<String> {
    vec!["--backend".into(), "postgres".into(), "--database-url".into(), url.into()]
}

/// Skips a test that needs an unavailable component — loudly, and never on CI.
///
/// # Panics
/// When `CI=true`: on CI every component must be there, so a skip would hide a failure.
pub fn skip_or_fail(component: &str, why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{component} is required when CI=true, but: {why}");
    }
    // Straight to the process's stderr: `eprintln!` would be captured, and shown only for
    // failing tests, which would make a skip silent.
    let _ = writeln!(
        std::io::stderr(),
        "!!! SKIPPED: {component} unavailable ({why}); set it up to run these tests (CI=true makes this fatal)"
    );
}

/// One running authport.
pub struct TestApp {
    pub addr: SocketAddr,
    pub backend: Backend,
    pub client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    /// Set when authport runs as a child process (killed on drop, before the guard goes).
    process: Option<AuthportProcess>,
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

    /// An in-process authport with exactly these backend arguments, e.g. [`cognito_args`] for a
    /// pool of the caller's own (which the caller keeps alive).
    pub async fn spawn_with_backend_args(backend: Backend, backend_args: Vec<String>) -> Self {
        Self::spawn_args(backend, backend_args, None).await
    }

    async fn spawn_args(backend: Backend, backend_args: Vec<String>, guard: Option<BackendGuard>) -> Self {
        let mut args: Vec<String> = ["authport", "--listen", "127.0.0.1:0", "--hash-cost", "insecure-fast-for-tests"]
            .into_iter()
            .map(str::to_owned)
            .collect();
        // PostgreSQL apps take their signing key from the database, shared by all of them.
        if backend != Backend::Postgres {
            let key_file = signing_key_file().to_str().expect("utf-8 temp path").to_owned();
            args.extend(["--signing-key-file".to_owned(), key_file]);
        }
        args.extend(backend_args);
        without_rate_limits_unless_given(&mut args);
        let cli = Cli::try_parse_from(&args).unwrap_or_else(|e| panic!("bad test arguments {args:?}: {e}"));
        init_test_logging();
        let app = Application::build(cli.config).await.expect("authport starts");
        let addr = app.local_addr();
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async move {
            let _ = rx.await;
        }));
        Self {
            addr,
            backend,
            client: reqwest::Client::new(),
            shutdown: Some(tx),
            server: Some(server),
            process: None,
            _guard: guard,
        }
    }

    /// The database of a PostgreSQL app (kept alive by every app on it and every handle).
    pub fn database(&self) -> Option<Arc<TestDatabase>> {
        self._guard.as_ref()?.downcast_ref::<Arc<TestDatabase>>().cloned()
    }

    /// Another in-process authport on the database of this (PostgreSQL) app.
    pub async fn spawn_sibling(&self) -> Self {
        Self::spawn_on(&self.database().expect("spawn_sibling needs a PostgreSQL app"), &[]).await
    }

    /// An in-process authport on `db`.
    pub async fn spawn_on(db: &Arc<TestDatabase>, extra: &[&str]) -> Self {
        Self::spawn_on_url(db, &db.url(), extra).await
    }

    /// An in-process authport on `db`, reached through `url` (a proxy, say).
    pub async fn spawn_on_url(db: &Arc<TestDatabase>, url: &str, extra: &[&str]) -> Self {
        let mut args = postgres_args(url);
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        Self::spawn_args(Backend::Postgres, args, Some(Box::new(Arc::clone(db)))).await
    }

    /// The real `authport` binary as a child process on `db` (see [`process::authport_binary`]).
    pub async fn spawn_process_on(db: &Arc<TestDatabase>, extra: &[&str]) -> Self {
        Self::spawn_process_on_url(db, &db.url(), extra).await
    }

    /// Like [`TestApp::spawn_process_on`], reaching the database through `url`.
    pub async fn spawn_process_on_url(db: &Arc<TestDatabase>, url: &str, extra: &[&str]) -> Self {
        let mut args = postgres_args(url);
        args.extend(["--hash-cost", "insecure-fast-for-tests"].map(str::to_owned));
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        without_rate_limits_unless_given(&mut args);
        let process = AuthportProcess::start(&args).await;
        Self {
            addr: process.addr(),
            backend: Backend::Postgres,
            client: reqwest::Client::new(),
            shutdown: None,
            server: None,
            process: Some(process),
            _guard: Some(Box::new(Arc::clone(db))),
        }
    }

    /// The log lines of a child-process app so far (empty for in-process apps).
    pub fn process_logs(&self) -> Vec<String> {
        self.process.as_ref().map(AuthportProcess::logs).unwrap_or_default()
    }

    /// Kills a child-process app with SIGKILL: a crash, nothing flushed or finished.
    pub fn kill(mut self) {
        let process = self.process.take().expect("kill needs a child-process app");
        process.kill();
    }

    /// Stops the server gracefully and waits until it has stopped.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task");
        }
        if let Some(process) = self.process.take() {
            process.kill();
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

/// The conformance cases fire dozens of attempts from 127.0.0.1 within seconds: apps run
/// without rate limits unless a test sets one (tests/tests/limits.rs does).
fn without_rate_limits_unless_given(args: &mut Vec<String>) {
    for flag in ["--rate-limit-ip-per-minute", "--rate-limit-email-per-minute"] {
        if !args.iter().any(|a| a == flag || a.starts_with(&format!("{flag}="))) {
            args.extend([flag.to_owned(), "0".to_owned()]);
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
pub(crate) fn signing_key_file() -> &'static PathBuf {
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

/// Counts the answers to a burst of sign-ups by status, checking on the way that every 409 is
/// a `user_exists` problem.
pub async fn sign_up_outcomes(responses: Vec<reqwest::Response>) -> std::collections::HashMap<u16, usize> {
    let mut by_status = std::collections::HashMap::new();
    for response in responses {
        let status = response.status().as_u16();
        if status == 409 {
            let (_, body) = problem(response).await;
            assert_eq!(body["code"], "user_exists", "{body}");
        }
        *by_status.entry(status).or_default() += 1;
    }
    by_status
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
