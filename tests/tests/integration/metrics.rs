//! `GET /metrics`: Prometheus text with requests by route template and status, latency
//! histograms and sign-up / log-in outcomes.

use authport_testkit::{STRONG_PASSWORD, TestApp, unique_email};

#[tokio::test]
async fn metrics_count_requests_latency_and_auth_outcomes() {
    let app = TestApp::on_memory().spawn().await;
    let email = unique_email("metrics");
    assert_eq!(app.sign_up(&email, STRONG_PASSWORD).await.status(), 201);
    assert_eq!(app.log_in(&email, STRONG_PASSWORD).await.status(), 200);
    assert_eq!(app.log_in(&email, "Wr0ng-pass!").await.status(), 401);
    assert_eq!(app.get("/no/such/path/4711").await.status(), 404);

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
        "authport_hash_in_flight ",
        "authport_hash_waiting ",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    assert!(!text.contains("/no/such/path"), "raw paths never become labels");
    app.stop().await;
}
