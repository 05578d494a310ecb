//! A minimal W3C WebDriver client for the browser test: chromedriver + headless Chromium
//! (Debian's `chromium` and `chromium-driver`), over the suite's own `reqwest`.
//!
//! A crate like `thirtyfour` would do the same, but pulls a second `reqwest` (0.13) and turns
//! on `serde_json/preserve_order`, which would split the feature set of `cargo build --bin
//! authport` from `cargo test --workspace` and make `just test` build the server stack twice.

use std::net::TcpListener;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

use crate::skip_or_fail;

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The key under which W3C WebDriver returns an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
/// How long the `wait_*` helpers poll before failing.
const WAIT: Duration = Duration::from_secs(10);

/// A running chromedriver with one headless Chromium session; both end on drop.
#[derive(Debug)]
pub struct Browser {
    /// `None` once stopped.
    driver: Option<Child>,
    base: String,
    client: reqwest::Client,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver on a free loopback port and opens a session, or returns `None`
    /// (after [`skip_or_fail`]) when Chromium or chromedriver is not installed.
    pub async fn start() -> Option<Self> {
        for binary in [CHROMIUM, CHROMEDRIVER] {
            if !Path::new(binary).exists() {
                skip_or_fail("Chromium + chromedriver", &format!("{binary} is missing; run `just system-deps`"));
                return None;
            }
        }
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        let driver = Command::new(CHROMEDRIVER)
            .args([format!("--port={port}"), "--allowed-ips=127.0.0.1".to_owned()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group, with the Chromium it starts: see `stop_driver`.
            .process_group(0)
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().expect("temp profile dir");
        let mut browser = Self {
            driver: Some(driver),
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
            _profile: profile,
        };
        browser.wait_for_driver().await;
        browser.open_session().await;
        Some(browser)
    }

    async fn wait_for_driver(&self) {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(response) = self.client.get(format!("{}/status", self.base)).send().await
                && response.status().is_success()
            {
                return;
            }
            assert!(Instant::now() < deadline, "chromedriver did not start within {WAIT:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn open_session(&mut self) {
        let profile = self._profile.path().to_str().expect("utf-8 temp path").to_owned();
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1000,760",
        ]
        .into_iter()
        .map(str::to_owned)
        .chain([format!("--user-data-dir={profile}")])
        .collect::<Vec<_>>();
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
        }}});
        let session = self.command(reqwest::Method::POST, "/session", Some(capabilities)).await;
        let id = session["sessionId"].as_str().expect("session id").to_owned();
        self.base = format!("{}/session/{id}", self.base);
    }

    /// One WebDriver command; panics with the driver's error on failure.
    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.client.request(method.clone(), format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
        let status = response.status();
        let answer: Value = response.json().await.expect("WebDriver answers JSON");
        assert!(status.is_success(), "WebDriver {method} {path}: {status} {answer}");
        answer["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.command(reqwest::Method::POST, "/url", Some(json!({ "url": url }))).await;
    }

    async fn try_find(&self, css: &str) -> Option<String> {
        let response = self
            .client
            .post(format!("{}/element", self.base))
            .json(&json!({ "using": "css selector", "value": css }))
            .send()
            .await
            .ok()?;
        let answer: Value = response.json().await.ok()?;
        answer["value"][ELEMENT_KEY].as_str().map(str::to_owned)
    }

    /// The element matching `css`, waiting for it to appear.
    pub async fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(id) = self.try_find(css).await {
                return id;
            }
            assert!(Instant::now() < deadline, "no element {css:?} within {WAIT:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Replaces the value of the input `css` with `text`.
    pub async fn fill(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.command(reqwest::Method::POST, &format!("/element/{id}/clear"), Some(json!({}))).await;
        self.command(reqwest::Method::POST, &format!("/element/{id}/value"), Some(json!({ "text": text }))).await;
    }

    pub async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.command(reqwest::Method::POST, &format!("/element/{id}/click"), Some(json!({}))).await;
    }

    /// The rendered (visible) text of `css`.
    pub async fn text(&self, css: &str) -> String {
        let id = self.find(css).await;
        self.command(reqwest::Method::GET, &format!("/element/{id}/text"), None).await.as_str().unwrap_or("").to_owned()
    }

    pub async fn attribute(&self, css: &str, name: &str) -> Option<String> {
        let id = self.find(css).await;
        self.command(reqwest::Method::GET, &format!("/element/{id}/attribute/{name}"), None)
            .await
            .as_str()
            .map(str::to_owned)
    }

    /// Waits until the text of `css` satisfies `done`, and returns it.
    pub async fn wait_text(&self, css: &str, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let text = self.text(css).await;
            if done(&text) {
                return text;
            }
            assert!(Instant::now() < deadline, "{css:?} never showed {what}; last text: {text:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Runs `script` (a function body) in the page and returns its result.
    pub async fn execute(&self, script: &str) -> Value {
        self.command(reqwest::Method::POST, "/execute/sync", Some(json!({ "script": script, "args": [] }))).await
    }

    /// Saves a PNG of the viewport as `<dir>/<name>.png`.
    pub async fn screenshot(&self, dir: &Path, name: &str) -> PathBuf {
        let png = self.command(reqwest::Method::GET, "/screenshot", None).await;
        let bytes = base64::engine::general_purpose::STANDARD.decode(png.as_str().expect("base64")).expect("PNG");
        std::fs::create_dir_all(dir).expect("screenshot dir");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, bytes).expect("write screenshot");
        path
    }

    /// Closes the session (the browser exits) and stops chromedriver.
    pub async fn quit(mut self) {
        let _ = self.client.delete(&self.base).send().await;
        self.stop_driver();
    }

    /// Kills chromedriver's process group: chromedriver and any Chromium it left behind (a
    /// failed test never closes its session).
    fn stop_driver(&mut self) {
        if let Some(mut driver) = self.driver.take() {
            let group = format!("-{}", driver.id());
            let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
            let _ = driver.kill();
            let _ = driver.wait();
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.stop_driver();
    }
}
