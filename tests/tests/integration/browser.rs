//! The sign-up / log-in page in a real headless Chromium (via chromedriver): sign up, the
//! duplicate and weak-password messages, log in, who is logged in, log out. A screenshot of
//! every step lands in `target/browser-screenshots/`. Skipped (loudly; failing on CI) without
//! `/usr/bin/chromium` and `/usr/bin/chromedriver` (`just system-deps` installs them).

use std::path::PathBuf;

use authport_testkit::webdriver::Browser;
use authport_testkit::{STRONG_PASSWORD, TestApp, unique_email};

fn screenshot_dir() -> PathBuf {
    authport_testkit::repo_root().join("target/browser-screenshots")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_log_in_and_log_out_in_a_real_browser() {
    let Some(browser) = Browser::start().await else { return };
    let app = TestApp::on_memory().spawn().await;
    let shots = screenshot_dir();
    let email = unique_email("browser");

    // The page, with the policy hints fetched from /v1/password-policy.
    browser.goto(&app.url("/")).await;
    browser.wait_text("#policy-rules", "the policy hints", |t| t.contains("at least 8 characters")).await;
    let hints = browser.text("#policy-rules").await;
    for rule in ["upper-case", "lower-case", "digit", "symbol"] {
        assert!(hints.contains(rule), "hint for {rule} missing: {hints}");
    }
    browser.screenshot(&shots, "01-page").await;

    // Sign up.
    browser.fill("#signup-email", &email).await;
    browser.fill("#signup-password", STRONG_PASSWORD).await;
    browser.screenshot(&shots, "02-signup-filled").await;
    browser.click("#signup-submit").await;
    browser.wait_text("#status", "the sign-up confirmation", |t| t.contains("Account created")).await;
    browser.screenshot(&shots, "03-signed-up").await;

    // The same address again: the duplicate message.
    browser.fill("#signup-email", &email).await;
    browser.fill("#signup-password", STRONG_PASSWORD).await;
    browser.click("#signup-submit").await;
    browser.wait_text("#status", "the duplicate message", |t| t.contains("already exists")).await;
    assert_eq!(browser.attribute("#status", "data-code").await.as_deref(), Some("user_exists"));
    browser.screenshot(&shots, "04-duplicate").await;

    // A weak password: every broken rule listed.
    browser.fill("#signup-email", &unique_email("browser-weak")).await;
    browser.fill("#signup-password", "abc").await;
    browser.click("#signup-submit").await;
    let weak = browser.wait_text("#status", "the weak-password message", |t| t.contains("too weak")).await;
    for rule in ["at least 8 characters", "upper-case", "digit", "symbol"] {
        assert!(weak.contains(rule), "weak-password message lacks {rule:?}: {weak}");
    }
    assert_eq!(browser.attribute("#status", "data-code").await.as_deref(), Some("weak_password"));
    browser.screenshot(&shots, "05-weak-password").await;

    // A wrong password: invalid credentials.
    browser.fill("#login-email", &email).await;
    browser.fill("#login-password", "Wrong-Horse-9").await;
    browser.click("#login-submit").await;
    browser.wait_text("#status", "the invalid-credentials message", |t| t.contains("incorrect")).await;
    assert_eq!(browser.attribute("#status", "data-code").await.as_deref(), Some("invalid_credentials"));
    browser.screenshot(&shots, "06-invalid-credentials").await;

    // Log in: the page shows who is logged in (from /v1/me).
    browser.fill("#login-password", STRONG_PASSWORD).await;
    browser.click("#login-submit").await;
    browser.wait_text("#who", "the logged-in user", |t| t == email).await;
    assert_eq!(browser.text("#signup-heading").await, "", "the forms are hidden while logged in");
    browser.screenshot(&shots, "07-logged-in").await;
    // Tokens live in the page's memory only.
    let storage = browser.execute("return [localStorage.length, sessionStorage.length, document.cookie];").await;
    assert_eq!(storage, serde_json::json!([0, 0, ""]), "nothing persisted in the browser");

    // Log out.
    browser.click("#logout").await;
    browser.wait_text("#status", "the log-out confirmation", |t| t.contains("logged out")).await;
    assert_eq!(browser.text("#who").await, "", "the user is gone from the page");
    assert!(browser.text("#login-heading").await.contains("Log in"), "the forms are back");
    browser.screenshot(&shots, "08-logged-out").await;

    browser.quit().await;
    app.stop().await;
}
