//! Rate limits on sign-up and log-in (per client IP, per normalised e-mail), on the memory
//! backend: the limits live in the HTTP edge, the same for every backend. Every case runs with
//! the budgets in the process and with them in a (private) Redis: the same answers, including
//! `Retry-After`.

use authport_testkit::redis::RedisServer;
use authport_testkit::{STRONG_PASSWORD, TestApp, problem, unique_email};
use serde_json::{Value, json};

/// Where a case's app keeps its budgets.
enum Store {
    Memory,
    Redis(RedisServer),
}

/// `mod <store> { #[tokio::test] async fn <case>() }` for both stores.
macro_rules! on_both_stores {
    ($($case:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $case() {
                    super::$case(&super::Store::Memory).await;
                }
            )*
        }
        mod redis {
            $(
                #[tokio::test]
                async fn $case() {
                    let Some(redis) = authport_testkit::redis::RedisServer::start() else { return };
                    super::$case(&super::Store::Redis(redis)).await;
                }
            )*
        }
    };
}

on_both_stores! {
    password_checks_of_account_changes_spend_the_addresses_log_in_budget,
    per_ip_limit_answers_429_with_retry_after_on_signup_and_login,
    per_email_limit_is_on_the_normalised_address_and_leaves_other_addresses_alone,
    forwarded_for_is_ignored_without_trusted_proxy,
    forwarded_for_from_a_trusted_proxy_names_the_client,
}

async fn app(store: &Store, extra: &[&str]) -> TestApp {
    let app = TestApp::on_memory().args(extra);
    match store {
        Store::Memory => app.spawn().await,
        // Closed, with room to answer: a failing Redis cannot pass for one that limits.
        Store::Redis(redis) => {
            let store = ["--rate-limit-store", &redis.url(), "--rate-limit-store-failure", "closed"];
            app.args(&store).args(&["--rate-limit-store-timeout-ms", "1000"]).spawn().await
        }
    }
}

/// A 429 problem with a `Retry-After` of whole seconds within `max_secs`.
async fn assert_too_many(response: reqwest::Response, max_secs: u64) {
    let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (status, body) = problem(response).await;
    assert_eq!((status, body["code"].as_str()), (429, Some("too_many_requests")), "{body}");
    let secs: u64 = retry_after.expect("Retry-After").parse().expect("whole seconds");
    assert!((1..=max_secs).contains(&secs), "Retry-After {secs}");
}

async fn log_in_from(app: &TestApp, email: &str, forwarded_for: Option<&str>) -> reqwest::Response {
    let mut request = app.client.post(app.url("/v1/login")).json(&json!({ "email": email, "password": "Wr0ng-pass!" }));
    if let Some(hops) = forwarded_for {
        request = request.header("x-forwarded-for", hops);
    }
    request.send().await.expect("request sent")
}

async fn per_ip_limit_answers_429_with_retry_after_on_signup_and_login(store: &Store) {
    // 3 at once, then one per 20 s.
    let app = app(store, &["--rate-limit-ip-per-minute", "3"]).await;
    assert_eq!(app.sign_up(&unique_email("ip"), STRONG_PASSWORD).await.status(), 201);
    assert_eq!(app.log_in(&unique_email("ip"), STRONG_PASSWORD).await.status(), 401);
    // Malformed attempts count as well: the address's budget is spent before the body is read.
    assert_eq!(app.post_json("/v1/login", &json!({ "email": 1 })).await.status(), 400);
    assert_too_many(app.sign_up(&unique_email("ip"), STRONG_PASSWORD).await, 20).await;
    assert_too_many(app.log_in(&unique_email("ip"), STRONG_PASSWORD).await, 20).await;
    // Other routes are not limited.
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.post_json("/v1/token/refresh", &json!({ "refresh_token": "x" })).await.status(), 401);
    app.stop().await;
}

async fn per_email_limit_is_on_the_normalised_address_and_leaves_other_addresses_alone(store: &Store) {
    let app = app(store, &["--rate-limit-email-per-minute", "2"]).await;
    let email = unique_email("victim");
    assert_eq!(app.sign_up(&email, STRONG_PASSWORD).await.status(), 201);
    assert_eq!(app.log_in(&email.to_uppercase(), "Wr0ng-pass!").await.status(), 401);
    // A third attempt on the same address, however it is spelt, is refused.
    assert_too_many(app.log_in(&format!("  {}  ", email.to_uppercase()), STRONG_PASSWORD).await, 30).await;
    assert_too_many(app.log_in(&email, STRONG_PASSWORD).await, 30).await;
    // Another address from the same client is unaffected.
    let other = unique_email("other");
    assert_eq!(app.sign_up(&other, STRONG_PASSWORD).await.status(), 201);
    assert_eq!(app.log_in(&other, STRONG_PASSWORD).await.status(), 200);
    // Addresses that do not parse fall back to the IP limit (off here): no 429.
    for _ in 0..5 {
        assert_eq!(app.log_in("not-an-address", STRONG_PASSWORD).await.status(), 401);
    }
    app.stop().await;
}

/// A password change or an account deletion checks the password: it spends the address's
/// log-in budget, so a stolen access token guesses no faster than `/v1/login`.
async fn password_checks_of_account_changes_spend_the_addresses_log_in_budget(store: &Store) {
    let app = app(store, &["--rate-limit-email-per-minute", "3"]).await;
    let email = unique_email("account");
    assert_eq!(app.sign_up(&email, STRONG_PASSWORD).await.status(), 201);
    let tokens: Value = app.log_in(&email, STRONG_PASSWORD).await.json().await.expect("tokens");
    let access = tokens["access_token"].as_str().expect("access token");
    let wrong = json!({ "current_password": "Wr0ng-pass!", "new_password": "Battery-Staple-4" });
    let change = app.client.post(app.url("/v1/password")).bearer_auth(access).json(&wrong).send().await.expect("sent");
    assert_eq!(change.status(), 401);
    let delete = app.client.delete(app.url("/v1/me")).bearer_auth(access).json(&json!({ "password": "Wr0ng-pass!" }));
    assert_too_many(delete.send().await.expect("sent"), 20).await;
    assert_too_many(app.log_in(&email, STRONG_PASSWORD).await, 20).await;
    app.stop().await;
}

async fn forwarded_for_is_ignored_without_trusted_proxy(store: &Store) {
    let app = app(store, &["--rate-limit-ip-per-minute", "2"]).await;
    assert_eq!(log_in_from(&app, &unique_email("a"), Some("1.1.1.1")).await.status(), 401);
    assert_eq!(log_in_from(&app, &unique_email("a"), Some("2.2.2.2")).await.status(), 401);
    // A client cannot buy a fresh budget by claiming another address.
    assert_too_many(log_in_from(&app, &unique_email("a"), Some("3.3.3.3")).await, 30).await;
    app.stop().await;
}

async fn forwarded_for_from_a_trusted_proxy_names_the_client(store: &Store) {
    let app = app(store, &["--rate-limit-ip-per-minute", "2", "--trusted-proxy", "127.0.0.1"]).await;
    for _ in 0..2 {
        assert_eq!(log_in_from(&app, &unique_email("a"), Some("1.1.1.1")).await.status(), 401);
    }
    assert_too_many(log_in_from(&app, &unique_email("a"), Some("1.1.1.1")).await, 30).await;
    // The right-most untrusted hop counts: a forged left-most hop does not help.
    assert_too_many(log_in_from(&app, &unique_email("a"), Some("9.9.9.9, 1.1.1.1")).await, 30).await;
    // Another client behind the same proxy has its own budget.
    assert_eq!(log_in_from(&app, &unique_email("b"), Some("2.2.2.2")).await.status(), 401);
    assert_eq!(log_in_from(&app, &unique_email("b"), Some("1.1.1.1, 2.2.2.2")).await.status(), 401);
    app.stop().await;
}
