//! [`TestApp`]: one authport on 127.0.0.1:0 — in this process (`Application::build`, the
//! zero-to-production `spawn_app`) or as the real binary — on a chosen backend.
//!
//! ```ignore
//! let Some(app) = TestApp::spawn(Backend::Postgres).await else { return };  // a fresh database
//! let sibling = TestApp::on_database(app.database().unwrap()).spawn().await; // the same one
//! let limited = TestApp::on_memory().args(&["--rate-limit-ip-per-minute", "3"]).spawn().await;
//! let child = TestApp::on_database(&db).via(proxy.addr()).process().spawn().await;
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use authport_server::Application;
use authport_server::config::Cli;
use clap::Parser as _;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::moto::{self, MotoPool};
use crate::postgres::TestDatabase;
use crate::process::AuthportProcess;

/// The backends authport can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Memory,
    /// A PostgreSQL database (by default a fresh one per app, on `DATABASE_URL`).
    Postgres,
    /// A Cognito user pool (by default a fresh one per app, on the moto emulator).
    Cognito,
    /// The Cognito backend on a pool of authport's own Cognito API, its engine in memory…
    CognitoOnAuthportMemory,
    /// …or in PostgreSQL (the dogfooding rows).
    CognitoOnAuthportPostgres,
}

impl Backend {
    /// The name the server reports for it (`/readyz`, logs, metrics).
    pub fn name(self) -> &'static str {
        match self {
            Self::Memory => "memory",
            Self::Postgres => "postgres",
            Self::Cognito | Self::CognitoOnAuthportMemory | Self::CognitoOnAuthportPostgres => "cognito",
        }
    }

    /// The engine of authport's Cognito API under a dogfooding row.
    pub fn emulator_engine(self) -> Option<crate::emulator::Engine> {
        match self {
            Self::CognitoOnAuthportMemory => Some(crate::emulator::Engine::Memory),
            Self::CognitoOnAuthportPostgres => Some(crate::emulator::Engine::Postgres),
            _ => None,
        }
    }
}

/// What an app runs on, kept alive as long as the app.
#[derive(Debug, Clone)]
enum Resources {
    Memory,
    Database(Arc<TestDatabase>),
    /// A pool of moto's (`emulator: None`) or of authport's own Cognito API.
    Pool {
        pool: MotoPool,
        with_secret: bool,
        emulator: Option<crate::emulator::Engine>,
    },
}

/// How to start a [`TestApp`]: made by [`TestApp::on_memory`], [`TestApp::on_database`],
/// [`TestApp::on_pool`] or [`TestApp::fresh`].
#[derive(Debug, Clone)]
#[must_use = "an app starts with `spawn()`"]
pub struct AppBuilder {
    resources: Resources,
    args: Vec<String>,
    via: Option<SocketAddr>,
    database_url: Option<String>,
    process: bool,
}

impl AppBuilder {
    /// Extra command-line arguments. Rate limits are off unless given here.
    pub fn args(mut self, extra: &[&str]) -> Self {
        self.args.extend(extra.iter().map(|s| (*s).to_owned()));
        self
    }

    /// Reaches the database or the Cognito endpoint through `addr` (a [`crate::proxy::TcpProxy`]).
    pub fn via(mut self, addr: SocketAddr) -> Self {
        self.via = Some(addr);
        self
    }

    /// Connects to the database with this URL (e.g. one carrying a password) instead of its own.
    pub fn database_url(mut self, url: String) -> Self {
        self.database_url = Some(url);
        self
    }

    /// Runs the real `authport` binary as a child process (see [`crate::process`]).
    pub fn process(mut self) -> Self {
        self.process = true;
        self
    }

    /// Uses the pool's app client with a secret (Cognito only).
    pub fn secret_client(mut self) -> Self {
        if let Resources::Pool { with_secret, .. } = &mut self.resources {
            *with_secret = true;
        }
        self
    }

    /// Starts the app and waits until it listens.
    pub async fn spawn(self) -> TestApp {
        let mut args = self.backend_args();
        args.extend(["--hash-cost", "insecure-fast-for-tests"].map(str::to_owned));
        // PostgreSQL apps take their signing key from the database, shared by all of them; the
        // others get the harness's, which also exercises `--signing-key-file`.
        if matches!(self.resources, Resources::Memory) {
            let key_file = signing_key_file().to_str().expect("utf-8 temp path").to_owned();
            args.extend(["--signing-key-file".to_owned(), key_file]);
        }
        args.extend(self.args);
        for flag in ["--rate-limit-ip-per-minute", "--rate-limit-email-per-minute"] {
            // The suites fire dozens of attempts from 127.0.0.1 within seconds.
            if !args.iter().any(|a| a == flag || a.starts_with(&format!("{flag}="))) {
                args.extend([flag.to_owned(), "0".to_owned()]);
            }
        }
        let (addr, cognito_api, running) = if self.process {
            let process = AuthportProcess::start(&args).await;
            (process.addr(), process.cognito_api_addr(), Running::Process(process))
        } else {
            spawn_in_process(args).await
        };
        TestApp { addr, cognito_api, client: reqwest::Client::new(), running: Some(running), resources: self.resources }
    }

    fn backend_args(&self) -> Vec<String> {
        let strings = |args: &[&str]| args.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        match &self.resources {
            Resources::Memory => strings(&["--backend", "memory"]),
            Resources::Database(db) => {
                let url = match (&self.database_url, self.via) {
                    (Some(url), _) => url.clone(),
                    (None, Some(addr)) => db.url_via(addr),
                    (None, None) => db.url(),
                };
                strings(&["--backend", "postgres", "--database-url", &url])
            }
            Resources::Pool { pool, with_secret, .. } => {
                let endpoint = self.via.map_or_else(|| pool.endpoint.clone(), |addr| format!("http://{addr}"));
                pool.authport_args(&endpoint, *with_secret)
            }
        }
    }
}

/// How the app runs.
#[derive(Debug)]
enum Running {
    InProcess {
        shutdown: oneshot::Sender<()>,
        server: JoinHandle<()>,
    },
    /// Killed on drop, before the resources go.
    Process(AuthportProcess),
}

async fn spawn_in_process(args: Vec<String>) -> (SocketAddr, Option<SocketAddr>, Running) {
    let mut argv = vec!["authport".to_owned(), "--listen".to_owned(), "127.0.0.1:0".to_owned()];
    argv.extend(args);
    let cli = Cli::try_parse_from(&argv).unwrap_or_else(|e| panic!("bad test arguments {argv:?}: {e}"));
    // Logs go through the test harness's capture (shown only for failing tests).
    authport_server::telemetry::init_for_tests();
    let app = Application::build(cli.config).await.expect("authport starts");
    let (addr, cognito_api) = (app.local_addr(), app.cognito_api_addr());
    let (shutdown, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    (addr, cognito_api, Running::InProcess { shutdown, server })
}

/// One running authport.
pub struct TestApp {
    pub addr: SocketAddr,
    /// The Cognito API's address, when started with `--cognito-api-listen`.
    pub cognito_api: Option<SocketAddr>,
    pub client: reqwest::Client,
    /// `None` once stopped.
    running: Option<Running>,
    resources: Resources,
}

impl std::fmt::Debug for TestApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestApp").field("addr", &self.addr).field("backend", &self.backend()).finish_non_exhaustive()
    }
}

impl TestApp {
    /// An app on a fresh instance of `backend` (a database or a user pool of its own), or `None`
    /// when the backend's component is unavailable here (after [`crate::skip_or_fail`]).
    pub async fn spawn(backend: Backend) -> Option<Self> {
        Some(Self::fresh(backend).await?.spawn().await)
    }

    /// A builder on a fresh instance of `backend`, or `None` as for [`TestApp::spawn`].
    pub async fn fresh(backend: Backend) -> Option<AppBuilder> {
        Some(match backend {
            Backend::Memory => Self::on_memory(),
            Backend::Postgres => Self::on_database(&TestDatabase::create().await?),
            Backend::Cognito => Self::on_pool(&moto::test_pool().await?),
            Backend::CognitoOnAuthportMemory | Backend::CognitoOnAuthportPostgres => {
                let engine = backend.emulator_engine()?;
                let pool = crate::emulator::pool(engine).await?;
                Self::builder(Resources::Pool { pool, with_secret: false, emulator: Some(engine) })
            }
        })
    }

    pub fn on_memory() -> AppBuilder {
        Self::builder(Resources::Memory)
    }

    /// An app on `db` (shared with every other app on it).
    pub fn on_database(db: &Arc<TestDatabase>) -> AppBuilder {
        Self::builder(Resources::Database(Arc::clone(db)))
    }

    /// An app on `pool`, with its secret-less app client unless [`AppBuilder::secret_client`].
    pub fn on_pool(pool: &MotoPool) -> AppBuilder {
        Self::builder(Resources::Pool { pool: pool.clone(), with_secret: false, emulator: None })
    }

    fn builder(resources: Resources) -> AppBuilder {
        AppBuilder { resources, args: Vec::new(), via: None, database_url: None, process: false }
    }

    pub fn backend(&self) -> Backend {
        match self.resources {
            Resources::Memory => Backend::Memory,
            Resources::Database(_) => Backend::Postgres,
            Resources::Pool { emulator: None, .. } => Backend::Cognito,
            Resources::Pool { emulator: Some(crate::emulator::Engine::Memory), .. } => Backend::CognitoOnAuthportMemory,
            Resources::Pool { emulator: Some(crate::emulator::Engine::Postgres), .. } => {
                Backend::CognitoOnAuthportPostgres
            }
        }
    }

    /// The user pool of a Cognito app.
    pub fn pool(&self) -> Option<&MotoPool> {
        match &self.resources {
            Resources::Pool { pool, .. } => Some(pool),
            _ => None,
        }
    }

    /// The database of a PostgreSQL app.
    pub fn database(&self) -> Option<&Arc<TestDatabase>> {
        match &self.resources {
            Resources::Database(db) => Some(db),
            _ => None,
        }
    }

    /// The log lines of a child-process app so far (empty for in-process apps).
    pub fn process_logs(&self) -> Vec<String> {
        match &self.running {
            Some(Running::Process(process)) => process.logs(),
            _ => Vec::new(),
        }
    }

    /// Kills a child-process app with SIGKILL: a crash, nothing flushed or finished.
    ///
    /// # Panics
    /// For an in-process app.
    pub fn kill(mut self) {
        match self.running.take() {
            Some(Running::Process(process)) => {
                process.kill();
            }
            _ => panic!("kill needs a child-process app"),
        }
    }

    /// Stops the app (gracefully when in-process) and waits until it has stopped.
    pub async fn stop(mut self) {
        match self.running.take() {
            Some(Running::InProcess { shutdown, server }) => {
                let _ = shutdown.send(());
                server.await.expect("server task");
            }
            Some(Running::Process(process)) => {
                process.kill();
            }
            None => {}
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
        if let Some(Running::InProcess { shutdown, .. }) = self.running.take() {
            let _ = shutdown.send(());
        }
    }
}

/// One RSA key per test process (key generation is slow); written to a temporary PEM file so
/// the servers also exercise `--signing-key-file`.
pub(crate) fn signing_key_file() -> &'static PathBuf {
    static KEY: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &KEY.get_or_init(|| {
        let key = authport_userpool::SigningKey::generate().expect("RSA key");
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
