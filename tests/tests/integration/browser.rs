//! The sign-up / log-in page in a real headless Chromium (via chromedriver): sign up, the
//! duplicate and weak-password messages, log in, who is logged in, log out; and, logged in,
//! changing the password and deleting the account. A screenshot of every step lands in
//! `target/browser-screenshots/`. Skipped (loudly; failing on CI) without
//! `/usr/bin/chromium` and `/usr/bin/chromedriver` (`just system-deps` installs them).

use std::path::PathBuf;

use authport_testkit::webdriver::Browser;
use authport_testkit::{STRONG_PASSWORD, TestApp, unique_email};

/// The password the account test changes to.
const NEW_PASSWORD: &str = "Battery-Staple-4";

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

/// Logs in through the form and waits until the page shows who is logged in.
async fn log_in(browser: &Browser, email: &str, password: &str) {
    browser.fill("#login-email", email).await;
    browser.fill("#login-password", password).await;
    browser.click("#login-submit").await;
    browser.wait_text("#who", "the logged-in user", |t| t == email).await;
}

/// Logged in: change the password (weak, wrong, right) and delete the account (cancelled, wrong
/// password, right one). Their messages show by their forms (`#change-status`,
/// `#delete-status`), the deletion's at the top (`#status`). A separate app and address from the
/// test above: every request here spends the address's rate-limit budget (10 at once), and the
/// two flows together would exceed it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn change_the_password_and_delete_the_account_in_a_real_browser() {
    let Some(browser) = Browser::start().await else { return };
    let app = TestApp::on_memory().spawn().await;
    let shots = screenshot_dir();
    let email = unique_email("browser-account");

    browser.goto(&app.url("/")).await;
    browser.wait_text("#policy-rules", "the policy hints", |t| t.contains("at least 8 characters")).await;
    browser.fill("#signup-email", &email).await;
    browser.fill("#signup-password", STRONG_PASSWORD).await;
    browser.click("#signup-submit").await;
    browser.wait_text("#status", "the sign-up confirmation", |t| t.contains("Account created")).await;
    log_in(&browser, &email, STRONG_PASSWORD).await;

    // The logged-in view: the policy hints for the new password; the delete confirmation closed.
    let hints = browser.text("#change-policy-rules").await;
    for rule in ["at least 8 characters", "upper-case", "lower-case", "digit", "symbol"] {
        assert!(hints.contains(rule), "new-password hint for {rule} missing: {hints}");
    }
    assert_eq!(browser.text("#delete-form").await, "", "the delete confirmation starts closed");
    browser.screenshot(&shots, "09-account").await;

    // A weak new password: every broken rule listed, as at sign-up.
    browser.fill("#change-current", STRONG_PASSWORD).await;
    browser.fill("#change-new", "abc").await;
    browser.click("#change-submit").await;
    let weak = browser.wait_text("#change-status", "the weak-password message", |t| t.contains("too weak")).await;
    for rule in ["at least 8 characters", "upper-case", "digit", "symbol"] {
        assert!(weak.contains(rule), "weak-password message lacks {rule:?}: {weak}");
    }
    assert_eq!(browser.attribute("#change-status", "data-code").await.as_deref(), Some("weak_password"));
    browser.screenshot(&shots, "10-change-weak-password").await;

    // A wrong current password.
    browser.fill("#change-current", "Wrong-Horse-9").await;
    browser.fill("#change-new", NEW_PASSWORD).await;
    browser.click("#change-submit").await;
    browser
        .wait_text("#change-status", "the wrong-password message", |t| t.contains("current password is incorrect"))
        .await;
    assert_eq!(browser.attribute("#change-status", "data-code").await.as_deref(), Some("invalid_credentials"));
    assert_eq!(browser.text("#who").await, email, "still logged in");
    browser.screenshot(&shots, "11-change-wrong-password").await;

    // The right one: confirmed, still logged in, the fields emptied, nothing persisted.
    browser.fill("#change-current", STRONG_PASSWORD).await;
    browser.fill("#change-new", NEW_PASSWORD).await;
    browser.click("#change-submit").await;
    browser
        .wait_text("#change-status", "the password-change confirmation", |t| t.contains("password has been changed"))
        .await;
    assert_eq!(browser.attribute("#change-status", "data-code").await.as_deref(), Some(""));
    assert_eq!(browser.text("#who").await, email, "still logged in after the change");
    let fields = browser
        .execute(
            "return [document.getElementById('change-current').value, \
             document.getElementById('change-new').value, \
             localStorage.length, sessionStorage.length, document.cookie];",
        )
        .await;
    assert_eq!(fields, serde_json::json!(["", "", 0, 0, ""]), "no password left in the form, nothing persisted");
    browser.screenshot(&shots, "12-password-changed").await;

    // Log out (with the new tokens) and in again with the new password.
    browser.click("#logout").await;
    browser.wait_text("#status", "the log-out confirmation", |t| t.contains("logged out")).await;
    log_in(&browser, &email, NEW_PASSWORD).await;
    browser.screenshot(&shots, "13-logged-in-with-new-password").await;

    // Delete: the first button only opens the confirmation, which says what will happen.
    let status_before = browser.text("#status").await;
    browser.click("#delete-start").await;
    let warning = browser.wait_text("#delete-form", "the delete confirmation", |t| t.contains("permanently")).await;
    assert!(warning.contains(&email) && warning.contains("cannot be undone"), "{warning}");
    assert_eq!(browser.attribute("#delete-start", "aria-expanded").await.as_deref(), Some("true"));
    browser.screenshot(&shots, "14-delete-confirmation").await;

    // Cancel: closed again, nothing else happened.
    browser.fill("#delete-password", NEW_PASSWORD).await;
    browser.click("#delete-cancel").await;
    assert_eq!(browser.text("#delete-form").await, "", "the confirmation closes");
    assert_eq!(browser.text("#delete-start").await, "Delete account…", "the first button is back");
    assert_eq!(browser.attribute("#delete-start", "aria-expanded").await.as_deref(), Some("false"));
    assert_eq!(browser.text("#status").await, status_before, "no request, no message");
    assert_eq!(browser.text("#delete-status").await, "", "no message by the form either");
    assert_eq!(browser.text("#who").await, email, "still logged in after cancelling");
    browser.screenshot(&shots, "15-delete-cancelled").await;

    // Again, with a wrong password: the error, still logged in, the confirmation still open.
    browser.click("#delete-start").await;
    assert_eq!(
        browser.execute("return document.getElementById('delete-password').value;").await,
        "",
        "cancelling forgot the password"
    );
    browser.fill("#delete-password", "Wrong-Horse-9").await;
    browser.click("#delete-confirm").await;
    browser.wait_text("#delete-status", "the wrong-password message", |t| t.contains("has not been deleted")).await;
    assert_eq!(browser.attribute("#delete-status", "data-code").await.as_deref(), Some("invalid_credentials"));
    assert_eq!(browser.text("#who").await, email, "still logged in after a wrong password");
    assert!(browser.text("#delete-form").await.contains("permanently"), "the confirmation stays open");
    browser.screenshot(&shots, "16-delete-wrong-password").await;

    // The right password: deleted, logged out.
    browser.fill("#delete-password", NEW_PASSWORD).await;
    browser.click("#delete-confirm").await;
    let deleted = browser.wait_text("#status", "the deletion confirmation", |t| t.contains("has been deleted")).await;
    assert!(deleted.contains(&email), "{deleted}");
    assert_eq!(browser.text("#who").await, "", "the user is gone from the page");
    assert!(browser.text("#login-heading").await.contains("Log in"), "the forms are back");
    browser.screenshot(&shots, "17-account-deleted").await;

    // The account is gone: its password no longer logs in.
    browser.fill("#login-email", &email).await;
    browser.fill("#login-password", NEW_PASSWORD).await;
    browser.click("#login-submit").await;
    browser.wait_text("#status", "the invalid-credentials message", |t| t.contains("incorrect")).await;
    assert_eq!(browser.attribute("#status", "data-code").await.as_deref(), Some("invalid_credentials"));
    assert_eq!(browser.text("#who").await, "", "not logged in");
    browser.screenshot(&shots, "18-deleted-account-log-in").await;

    browser.quit().await;
    app.stop().await;
}
