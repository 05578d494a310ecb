//! The log an operator reads: the real `authport` binary at `--log-format json`. A refused
//! request (a duplicate sign-up, a wrong password, an unknown path) is one INFO line with its
//! problem `code` and no warning; a failed one (the database away: 503) is one ERROR line with
//! the cause; every line of a request carries its request id.

use std::time::{Duration, Instant};

use authport_testkit::postgres::{TcpProxy, TestDatabase};
use authport_testkit::process::AuthportProcess;
use authport_testkit::{STRONG_PASSWORD, TestApp, unique_email};
use serde_json::{Value, json};

/// The JSON log lines of `logs` that `keep` selects.
fn events(logs: &[String], keep: impl Fn(&Value) -> bool) -> Vec<Value> {
    logs.iter().filter_map(|line| serde_json::from_str::<Value>(line).ok()).filter(|e| keep(e)).collect()
}

/// Waits until the log has a line with `message` (a thread reads the process's log).
async fn wait_for(logs: impl Fn() -> Vec<String>, message: &str, count: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let lines = logs();
        if lines.iter().filter(|l| l.contains(message)).count() >= count || Instant::now() > deadline {
            return lines;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_requests_are_info_lines_with_their_code() {
    let args: Vec<String> =
        ["--backend", "memory", "--hash-cost", "insecure-fast-for-tests"].into_iter().map(str::to_owned).collect();
    let process = AuthportProcess::start(&args).await;
    let (client, base) = (reqwest::Client::new(), format!("http://{}", process.addr()));
    let email = unique_email("logs");
    let credentials = json!({ "email": email, "password": STRONG_PASSWORD });
    let statuses = [
        client.post(format!("{base}/v1/signup")).json(&credentials).send().await.expect("sent").status(),
        client.post(format!("{base}/v1/signup")).json(&credentials).send().await.expect("sent").status(),
        client
            .post(format!("{base}/v1/login"))
            .json(&json!({ "email": email, "password": "Wrong-Horse-9" }))
            .send()
            .await
            .expect("sent")
            .status(),
        client.get(format!("{base}/no/such/path")).send().await.expect("sent").status(),
    ];
    assert_eq!(statuses.map(|s| s.as_u16()), [201, 409, 401, 404]);

    let logs = wait_for(|| process.logs(), "request refused", 3).await;
    let refused = events(&logs, |e| e["message"] == "request refused");
    let codes: Vec<(&str, u64, &str)> = refused
        .iter()
        .map(|e| {
            (e["level"].as_str().unwrap_or(""), e["status"].as_u64().unwrap_or(0), e["code"].as_str().unwrap_or(""))
        })
        .collect();
    assert_eq!(codes, [("INFO", 409, "user_exists"), ("INFO", 401, "invalid_credentials"), ("INFO", 404, "not_found")]);
    for event in &refused {
        assert!(event["span"]["request_id"].is_string(), "the line carries its request id: {event}");
    }
    // (Start-up warns about the test-only hashing cost: that is no request's.)
    let alarms = events(&logs, |e| e["span"]["name"] == "request" && (e["level"] == "WARN" || e["level"] == "ERROR"));
    assert!(alarms.is_empty(), "refused requests are no warnings: {alarms:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_request_is_an_error_line_with_the_cause() {
    let Some(db) = TestDatabase::create().await else { return };
    let mut proxy = TcpProxy::start(db.server_addr().await).await;
    let timeouts = ["--database-acquire-timeout-ms", "500"];
    let app = TestApp::on_database(&db).via(proxy.addr()).args(&timeouts).process().spawn().await;
    proxy.stop().await;
    assert_eq!(app.sign_up(&unique_email("down"), STRONG_PASSWORD).await.status(), 503);

    let logs = wait_for(|| app.process_logs(), "request failed", 1).await;
    let failed = events(&logs, |e| e["message"] == "request failed");
    assert_eq!(failed.len(), 1, "{logs:#?}");
    let event = &failed[0];
    assert_eq!((event["level"].as_str(), event["status"].as_u64()), (Some("ERROR"), Some(503)), "{event}");
    assert_eq!(event["code"], "backend_unavailable", "{event}");
    let cause = event["cause"].as_str().unwrap_or_default();
    assert!(cause.contains("unavailable") && cause.len() > "unavailable".len(), "the cause, with its source: {event}");
    let errors = events(&logs, |e| e["level"] == "ERROR");
    assert_eq!(errors.len(), 1, "one ERROR line for one failed request: {errors:#?}");
    app.stop().await;
}
