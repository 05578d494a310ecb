//! `GET /metrics`: Prometheus text with requests by route template and status, latency
//! histograms and the outcomes of sign-up, log-in, password changes and account deletions.

use authport_testkit::{STRONG_PASSWORD, TestApp, unique_email};

#[tokio::test]
async fn metrics_count_requests_latency_and_auth_outcomes() {
    let app = TestApp::on_memory().spawn().await;
    let email = unique_email("metrics");
    assert_eq!(app.sign_up(&email, STRONG_PASSWORD).await.status(), 201);
    assert_eq!(app.log_in(&email, STRONG_PASSWORD).await.status(), 200);
    assert_eq!(app.log_in(&email, "Wr0ng-pass!").await.status(), 401);
    assert_eq!(app.get("/no/such/path/4711").await.status(), 404);
    let tokens: serde_json::Value = app.log_in(&email, STRONG_PASSWORD).await.json().await.expect("tokens");
    let access = tokens["access_token"].as_str().expect("access token");
    let change = serde_json::json!({ "current_password": STRONG_PASSWORD, "new_password": "Battery-Staple-4" });
    let changed = app.client.post(app.url("/v1/password")).bearer_auth(access).json(&change).send().await;
    assert_eq!(changed.expect("sent").status(), 200);
    let delete = serde_json::json!({ "password": "Wr0ng-pass!" });
    let refused = app.client.delete(app.url("/v1/me")).bearer_auth(access).json(&delete).send().await;
    assert_eq!(refused.expect("sent").status(), 401);

    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/plain")),
        "text exposition"
    );
    let text = response.text().await.expect("text");
    for expected in [
        r#"http_requests_total{method="POST",route="/v1/signup",status="201"}"#,
        r#"http_requests_total{method="POST",route="/v1/login",status="200"}"#,
        r#"http_requests_total{method="POST",route="/v1/login",status="401"}"#,
        r#"http_requests_total{method="GET",route="other",status="404"}"#,
        r#"http_request_duration_seconds_bucket{method="POST",route="/v1/login",le="0.1"}"#,
        r#"authport_auth_attempts_total{operation="signup",outcome="success"}"#,
        r#"authport_auth_attempts_total{operation="login",outcome="success"}"#,
        r#"authport_auth_attempts_total{operation="login",outcome="invalid_credentials"}"#,
        r#"authport_auth_attempts_total{operation="change_password",outcome="success"}"#,
        r#"authport_auth_attempts_total{operation="delete_account",outcome="invalid_credentials"}"#,
        r#"http_requests_total{method="DELETE",route="/v1/me",status="401"}"#,
        "authport_hash_in_flight ",
        "authport_hash_waiting ",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    assert!(!text.contains("/no/such/path"), "raw paths never become labels");
    app.stop().await;
}
