//! AWS's browser library `amazon-cognito-identity-js` (`tests/browser-sdk/`), with its defaults,
//! in a real headless Chromium against authport's Cognito API and the seeded pool: sign up with
//! an e-mail address, confirm with the code Cognito would have e-mailed (read from the tester
//! endpoint), a wrong password, then log in — USER_SRP_AUTH answered by PASSWORD_VERIFIER — and
//! read the user's attributes; and the seed file's users through the same exchange. The page is
//! served from an origin of its own, so every call is a real cross-origin request with its CORS
//! preflight, and the page reads only the headers the API exposes. Screenshots land in
//! `target/browser-screenshots/`. Skipped (loudly; failing on CI) without Chromium, chromedriver
//! or the npm package (`scripts/install-test-tools.sh`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use authport_testkit::webdriver::Browser;
use authport_testkit::{TestApp, repo_root, skip_or_fail, unique_email};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The seed file's pool and its public web client (which allows ALLOW_USER_SRP_AUTH).
const POOL: &str = "eu-west-1_Seeded001";
const WEB: &str = "shopweb";
/// Meets the seeded pool's policy (10 characters, a digit).
const PASSWORD: &str = "Sh0pping-list";
const BUNDLE: &str = "node_modules/amazon-cognito-identity-js/dist/amazon-cognito-identity.min.js";

fn page_dir() -> PathBuf {
    repo_root().join("tests/browser-sdk")
}

fn screenshot_dir() -> PathBuf {
    repo_root().join("target/browser-screenshots")
}

/// A static file server for the page and the library's bundle, on a loopback port of its own:
/// another origin than the Cognito API's. Stops accepting on drop.
struct PageServer {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl PageServer {
    async fn start(dir: &Path) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("page server binds");
        let addr = listener.local_addr().expect("page server address");
        let files = warp::fs::dir(dir.to_path_buf());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let service = TowerToHyperService::new(warp::service(files.clone()));
                tokio::spawn(async move {
                    let _ =
                        auto::Builder::new(TokioExecutor::new()).serve_connection(TokioIo::new(stream), service).await;
                });
            }
        });
        Self { addr, task }
    }
}

impl Drop for PageServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The code of the last CONFIRMATION_CODE message Cognito would have sent `username`.
async fn confirmation_code(app: &TestApp, username: &str) -> String {
    let url = format!("http://{}/_authport/messages", app.cognito_api.expect("Cognito API"));
    let answer: Value = app
        .client
        .get(url)
        .query(&[("pool", POOL), ("username", username)])
        .send()
        .await
        .expect("messages")
        .json()
        .await
        .expect("messages JSON");
    let last = answer["Messages"]
        .as_array()
        .and_then(|messages| messages.iter().rev().find(|m| m["Kind"] == "CONFIRMATION_CODE"))
        .unwrap_or_else(|| panic!("no CONFIRMATION_CODE message to {username}: {answer}"));
    let code = last["Code"].as_str().expect("a code").to_owned();
    assert!(last["Message"].as_str().is_some_and(|m| m.contains(&code)), "the message carries its code: {last}");
    code
}

/// The page's status once its action has answered: neither the previous action's nor the "…"
/// an action shows while its calls are in flight.
async fn outcome(browser: &Browser, what: &str, previous: &str) -> String {
    browser.wait_text("#status", what, |t| !t.is_empty() && t != "…" && t != previous).await
}

/// The Cognito calls the page's last action made (recorded by its wrapped `fetch`).
async fn calls(browser: &Browser) -> Vec<Value> {
    let calls = browser.execute("return window.cognitoCalls;").await;
    calls.as_array().cloned().unwrap_or_default()
}

fn targets(calls: &[Value]) -> Vec<&str> {
    calls.iter().map(|c| c["target"].as_str().unwrap_or("")).collect()
}

/// Chromium, an app serving the Cognito API with the seed file, and the page's own server; `None`
/// (after [`skip_or_fail`]) when the browser or the npm package is missing.
async fn start() -> Option<(Browser, TestApp, PageServer)> {
    if !page_dir().join(BUNDLE).is_file() {
        skip_or_fail("amazon-cognito-identity-js", "run scripts/install-test-tools.sh (needs npm)");
        return None;
    }
    let browser = Browser::start().await?;
    let seed = repo_root().join("tests/fixtures/cognito-seed.json").display().to_string();
    let app =
        TestApp::on_memory().args(&["--cognito-api-listen", "127.0.0.1:0", "--cognito-seed", &seed]).spawn().await;
    let pages = PageServer::start(&page_dir()).await;
    Some((browser, app, pages))
}

/// Opens the page on the seeded pool and web client, once the library has loaded.
async fn open_page(browser: &Browser, app: &TestApp, pages: &PageServer) {
    let endpoint = format!("http://{}/", app.cognito_api.expect("Cognito API"));
    let page = reqwest::Url::parse_with_params(
        &format!("http://{}/index.html", pages.addr),
        &[("pool", POOL), ("client", WEB), ("endpoint", endpoint.as_str())],
    )
    .expect("page URL");
    browser.goto(page.as_str()).await;
    browser.wait_text("#ready", "the library loaded", |t| t == "ready").await;
    let origin = browser.text("#origin").await;
    assert!(!endpoint.starts_with(&origin), "the page ({origin}) must be cross-origin to the Cognito API ({endpoint})");
}

/// Asserts that the log-in went USER_SRP_AUTH → PASSWORD_VERIFIER (no Session, Cognito's five
/// parameters) → its answer; returns the answer's call.
fn assert_srp_exchange(calls: &[Value]) -> &Value {
    assert_eq!(targets(calls).get(..2), Some(&["InitiateAuth", "RespondToAuthChallenge"][..]), "{calls:?}");
    let (initiate, respond) = (&calls[0], &calls[1]);
    assert_eq!(initiate["authFlow"], "USER_SRP_AUTH", "{initiate}");
    assert_eq!(initiate["status"], 200, "{initiate}");
    assert_eq!(initiate["challenge"], "PASSWORD_VERIFIER", "{initiate}");
    assert_eq!(
        initiate["challengeParameters"],
        serde_json::json!(["SALT", "SECRET_BLOCK", "SRP_B", "USERNAME", "USER_ID_FOR_SRP"]),
        "{initiate}"
    );
    assert_eq!(initiate["session"], false, "Cognito's PASSWORD_VERIFIER carries no Session: {initiate}");
    assert_eq!(respond["answered"], "PASSWORD_VERIFIER", "{respond}");
    respond
}

/// `name=value` lines of the attributes the page shows.
async fn shown_attributes(browser: &Browser) -> Vec<String> {
    browser.text("#attributes").await.lines().map(str::to_owned).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amazon_cognito_identity_js_signs_up_confirms_logs_in_with_srp_and_reads_attributes_in_a_real_browser() {
    let Some((browser, app, pages)) = start().await else { return };
    let shots = screenshot_dir();
    let username = format!("browser-{}", uuid::Uuid::new_v4().simple());
    let email = unique_email("browser-sdk");
    open_page(&browser, &app, &pages).await;
    browser.screenshot(&shots, "sdk-01-page").await;

    // Sign up: the pool auto-verifies e-mail, so the code goes to the address.
    browser.fill("#username", &username).await;
    browser.fill("#email", &email).await;
    browser.fill("#password", PASSWORD).await;
    browser.click("#signup").await;
    let signed_up = outcome(&browser, "the sign-up", "").await;
    let masked = format!("{}***@e***", &email[..1]);
    assert_eq!(signed_up, format!("Signed up {username} (confirmed: false); code sent by EMAIL to {masked}"));
    assert_eq!(targets(&calls(&browser).await), ["SignUp"]);
    browser.screenshot(&shots, "sdk-02-signed-up").await;

    // Confirm with the code the user would have read in the e-mail.
    let code = confirmation_code(&app, &username).await;
    browser.fill("#code", &code).await;
    browser.click("#confirm").await;
    let confirmed = outcome(&browser, "the confirmation", &signed_up).await;
    assert_eq!(confirmed, "Confirmed: SUCCESS");
    assert_eq!(targets(&calls(&browser).await), ["ConfirmSignUp"]);
    browser.screenshot(&shots, "sdk-03-confirmed").await;

    // A wrong password: the SRP exchange runs, and the password claim is refused.
    browser.fill("#password", "Wrong-pass-9").await;
    browser.click("#login").await;
    let refused = outcome(&browser, "the wrong-password refusal", &confirmed).await;
    assert_eq!(refused, "NotAuthorizedException: Incorrect username or password.");
    assert_eq!(browser.attribute("#status", "data-code").await.as_deref(), Some("NotAuthorizedException"));
    let wrong = calls(&browser).await;
    assert_eq!(targets(&wrong).len(), 2, "nothing after the refused claim: {wrong:?}");
    let claim = assert_srp_exchange(&wrong);
    assert_eq!(claim["status"], 400, "{claim}");
    // Only an exposed header can be read cross-origin.
    assert!(
        claim["errorType"].as_str().is_some_and(|t| t.starts_with("NotAuthorizedException")),
        "x-amzn-ErrorType readable by the page: {claim}"
    );
    browser.screenshot(&shots, "sdk-04-wrong-password").await;

    // Log in (USER_SRP_AUTH, the library's default) and read the attributes.
    browser.fill("#password", PASSWORD).await;
    browser.click("#login").await;
    let logged_in = outcome(&browser, "the log-in", &refused).await;
    assert_eq!(logged_in, format!("Logged in as {username}"));
    let attributes = shown_attributes(&browser).await;
    assert!(attributes.contains(&format!("email={email}")), "the e-mail shown: {attributes:?}");
    assert!(attributes.contains(&"email_verified=true".to_owned()), "the address verified by its code: {attributes:?}");
    assert!(attributes.iter().any(|a| a.starts_with("sub=")), "the sub shown: {attributes:?}");
    browser.screenshot(&shots, "sdk-05-logged-in").await;

    let log_in = calls(&browser).await;
    assert_eq!(targets(&log_in), ["InitiateAuth", "RespondToAuthChallenge", "GetUser"], "{log_in:?}");
    let respond = assert_srp_exchange(&log_in);
    assert_eq!(respond["tokens"], true, "{respond}");
    for call in &log_in {
        assert_eq!(call["status"], 200, "{call}");
        // Only an exposed header can be read cross-origin.
        assert!(call["requestId"].as_str().is_some_and(|id| !id.is_empty()), "x-amzn-RequestId readable: {call}");
    }

    browser.quit().await;
    drop(pages);
    app.stop().await;
}

/// The seed file's users log in through SRP too: their verifiers are written when the seed sets
/// their passwords.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeded_users_log_in_with_srp_through_amazon_cognito_identity_js_in_a_real_browser() {
    let Some((browser, app, pages)) = start().await else { return };
    let shots = screenshot_dir();
    open_page(&browser, &app, &pages).await;

    // ann has a permanent password: tokens, then her seeded attributes.
    browser.fill("#username", "ann").await;
    browser.fill("#password", "Seeded-pass-1").await;
    browser.click("#login").await;
    let logged_in = outcome(&browser, "ann's log-in", "").await;
    assert_eq!(logged_in, "Logged in as ann");
    let attributes = shown_attributes(&browser).await;
    assert!(attributes.contains(&"email=ann@example.com".to_owned()), "{attributes:?}");
    assert!(attributes.contains(&"email_verified=true".to_owned()), "{attributes:?}");
    let ann = calls(&browser).await;
    assert_eq!(assert_srp_exchange(&ann)["tokens"], true, "{ann:?}");
    browser.screenshot(&shots, "sdk-06-seeded-ann").await;

    // bob's is temporary: the password claim is answered by NEW_PASSWORD_REQUIRED.
    browser.fill("#username", "bob").await;
    browser.fill("#password", "Temporary-pass-1").await;
    browser.click("#login").await;
    let challenged = outcome(&browser, "bob's challenge", &logged_in).await;
    assert_eq!(challenged, "A new password is required");
    let bob = calls(&browser).await;
    let respond = assert_srp_exchange(&bob);
    assert_eq!(respond["challenge"], "NEW_PASSWORD_REQUIRED", "{bob:?}");
    assert_eq!(respond["session"], true, "NEW_PASSWORD_REQUIRED carries a Session: {bob:?}");
    browser.screenshot(&shots, "sdk-07-seeded-bob").await;

    browser.quit().await;
    drop(pages);
    app.stop().await;
}
