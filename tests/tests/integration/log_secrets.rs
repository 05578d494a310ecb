//! Passwords and tokens never reach the logs: the real `authport` binary, at `RUST_LOG=trace`
//! and `--log-format json`, goes through sign-up, a log-in with a wrong password, log-in,
//! refresh, `/v1/me` and log-out; then no secret (nor a distinctive piece of one) may occur in
//! anything it wrote — while the audit lines of those steps must (so the capture is real).

use std::time::{Duration, Instant};

use authport_testkit::process::AuthportProcess;
use authport_testkit::unique_email;
use serde_json::{Value, json};

const PASSWORD: &str = "Logged-Never-Pa55word";
const WRONG_PASSWORD: &str = "Wrong-Guess-Pa55word";

/// The secret itself and its distinctive pieces: each JWT segment but the (shared) header,
/// and the middle of opaque strings.
fn fragments(secret: &str) -> Vec<String> {
    let mut out = vec![secret.to_owned()];
    let segments: Vec<&str> = secret.split('.').collect();
    if segments.len() == 3 {
        out.extend(segments[1..].iter().map(|s| (*s).to_owned()));
    }
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() >= 24 {
        let mid = chars.len() / 2;
        out.push(chars[mid - 8..mid + 8].iter().collect());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_password_or_token_is_ever_logged_even_at_trace() {
    let args: Vec<String> =
        ["--backend", "memory", "--hash-cost", "insecure-fast-for-tests"].into_iter().map(str::to_owned).collect();
    let process = AuthportProcess::start_with_log_filter(&args, "trace").await;
    let base = format!("http://{}", process.addr());
    let client = reqwest::Client::new();
    let email = unique_email("log-secrets");
    let post = |path: &str, body: Value| client.post(format!("{base}{path}")).json(&body).send();

    let response = post("/v1/signup", json!({ "email": email, "password": PASSWORD })).await.expect("sign-up");
    assert_eq!(response.status(), 201);
    let response = post("/v1/login", json!({ "email": email, "password": WRONG_PASSWORD })).await.expect("log-in");
    assert_eq!(response.status(), 401);
    let response = post("/v1/login", json!({ "email": email, "password": PASSWORD })).await.expect("log-in");
    assert_eq!(response.status(), 200);
    let tokens: Value = response.json().await.expect("tokens");
    let refresh_token = tokens["refresh_token"].as_str().expect("refresh token").to_owned();
    let response = post("/v1/token/refresh", json!({ "refresh_token": refresh_token })).await.expect("refresh");
    assert_eq!(response.status(), 200);
    let refreshed: Value = response.json().await.expect("tokens");
    let access_token = refreshed["access_token"].as_str().expect("access token").to_owned();
    let response = client.get(format!("{base}/v1/me")).bearer_auth(&access_token).send().await.expect("me");
    assert_eq!(response.status(), 200);
    let response = client.post(format!("{base}/v1/logout")).bearer_auth(&access_token).send().await.expect("logout");
    assert_eq!(response.status(), 204);

    // The log is read by a thread: wait for the last step's line.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !process.logs().iter().any(|line| line.contains("user logged out")) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let logs = process.logs();
    drop(process);
    let text = logs.join("\n");

    for message in [
        "user signed up",
        "log-in refused: invalid credentials",
        "user logged in",
        "tokens refreshed",
        "user logged out",
    ] {
        assert!(text.contains(message), "audit line {message:?} missing from the log:\n{text}");
    }
    assert!(
        logs.iter().filter_map(|line| serde_json::from_str::<Value>(line).ok()).any(|e| e["level"] == "TRACE"),
        "RUST_LOG=trace produced no TRACE line, so the capture proves nothing"
    );

    let mut secrets = vec![PASSWORD.to_owned(), WRONG_PASSWORD.to_owned(), refresh_token, access_token];
    for set in [&tokens, &refreshed] {
        for key in ["access_token", "id_token"] {
            secrets.push(set[key].as_str().expect("token").to_owned());
        }
    }
    // Distinctive pieces of the passwords too (a partial or escaped echo).
    secrets.extend(["Never-Pa55", "Guess-Pa55"].map(str::to_owned));
    for secret in &secrets {
        for fragment in fragments(secret) {
            assert!(!text.contains(&fragment), "the log contains a secret fragment {fragment:?}:\n{text}");
        }
    }
    assert!(!text.contains(&email), "the full e-mail address is logged (only the masked form may be)");
}
