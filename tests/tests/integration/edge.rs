//! HTTP behaviour of the edge itself — routing, bodies, headers, request ids, the page, the
//! password-policy answers of the domain — that never reaches an adapter, so it runs once, on
//! the memory backend. What reaches the backend is in `conformance.rs`, run on every backend.

use authport_testkit::{STRONG_PASSWORD, TestApp, problem, unique_email};
use serde_json::json;

/// Spawns a memory-backed app, runs `case` on it, stops it.
macro_rules! edge_cases {
    ($($case:ident),* $(,)?) => {
        mod on_memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let app = authport_testkit::TestApp::on_memory().spawn().await;
                    super::$case(&app).await;
                    app.stop().await;
                }
            )*
        }
    };
}

edge_cases! {
    healthz_answers_ok,
    request_ids_are_echoed_and_in_every_problem,
    weak_password_lists_every_violated_rule,
    invalid_email_is_rejected,
    malformed_bodies_are_malformed_request,
    oversized_body_is_payload_too_large,
    non_json_content_type_is_unsupported_media_type,
    unknown_route_is_not_found_and_wrong_method_is_not_allowed,
    security_headers_are_on_every_response,
    sign_up_page_is_served_without_inline_script,
}

async fn healthz_answers_ok(app: &TestApp) {
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
}

/// `X-Request-Id`: a sane one is echoed, an insane or missing one replaced by a fresh UUID; the
/// id is in the header of every answer and the `request_id` member of every problem.
async fn request_ids_are_echoed_and_in_every_problem(app: &TestApp) {
    let header = |r: &reqwest::Response| {
        r.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned).expect("X-Request-Id")
    };
    let given = "trace-4711/abc:DEF";
    let ok = app.client.get(app.url("/healthz")).header("x-request-id", given).send().await.expect("sent");
    assert_eq!(header(&ok), given);

    let generated = app.get("/healthz").await;
    assert!(uuid::Uuid::parse_str(&header(&generated)).is_ok(), "{}", header(&generated));

    let too_long = "x".repeat(129);
    for bad in [too_long.as_str(), "has space", "tab\there"] {
        let r = app.client.get(app.url("/healthz")).header("x-request-id", bad).send().await.expect("sent");
        assert!(uuid::Uuid::parse_str(&header(&r)).is_ok(), "{bad:?} replaced, got {}", header(&r));
    }

    // Problems, from a handler (409 at the second sign-up) and from routing (404).
    let email = unique_email("rid");
    assert_eq!(app.sign_up(&email, STRONG_PASSWORD).await.status(), 201);
    let conflict = app
        .client
        .post(app.url("/v1/signup"))
        .header("x-request-id", "dup-1")
        .json(&json!({ "email": email, "password": STRONG_PASSWORD }))
        .send()
        .await
        .expect("sent");
    assert_eq!(header(&conflict), "dup-1");
    let (status, body) = problem(conflict).await;
    assert_eq!((status, body["request_id"].as_str()), (409, Some("dup-1")), "{body}");

    let missing = app.get("/no/such/route").await;
    let id = header(&missing);
    let (status, body) = problem(missing).await;
    assert_eq!((status, body["request_id"].as_str()), (404, Some(id.as_str())), "{body}");
}

async fn weak_password_lists_every_violated_rule(app: &TestApp) {
    let cases: [(&str, &[&str]); 5] = [
        ("abc", &["min_length", "uppercase", "digit", "symbol"]),
        ("", &["min_length", "lowercase", "uppercase", "digit", "symbol"]),
        ("ALLUPPERCASE1!", &["lowercase"]),
        ("Abcdefgh!", &["digit"]),
        (" Abcdefg1", &["symbol", "no_surrounding_whitespace"]),
    ];
    for (password, expected) in cases {
        let (status, body) = problem(app.sign_up(&unique_email("weak"), password).await).await;
        assert_eq!((status, body["code"].as_str()), (422, Some("weak_password")), "{body}");
        let rules: Vec<&str> =
            body["violations"].as_array().expect("violations").iter().filter_map(|v| v["rule"].as_str()).collect();
        assert_eq!(rules, expected, "password {password:?}");
    }
    let too_long = format!("Aa1!{}", "x".repeat(253));
    let (status, body) = problem(app.sign_up(&unique_email("long"), &too_long).await).await;
    assert_eq!((status, body["violations"][0]["rule"].as_str()), (422, Some("max_length")), "{body}");
}

async fn invalid_email_is_rejected(app: &TestApp) {
    let too_long = format!("{}@example.com", "a".repeat(250));
    for email in ["", "not-an-email", "ann@", "@example.com", "ann smith@example.com", too_long.as_str()] {
        let (status, body) = problem(app.sign_up(email, STRONG_PASSWORD).await).await;
        assert_eq!((status, body["code"].as_str()), (422, Some("invalid_email")), "{email:?}: {body}");
    }
}

async fn malformed_bodies_are_malformed_request(app: &TestApp) {
    let bodies = [
        "{not json",
        "",
        "[]",
        r#"{"email":"a@example.com"}"#,
        r#"{"password":"Correct-Horse-9"}"#,
        r#"{"email":42,"password":"Correct-Horse-9"}"#,
        r#"{"email":"a@example.com","password":12345678}"#,
        r#"{"email":"a@example.com","email":"b@example.com","password":"Correct-Horse-9"}"#,
    ];
    for path in ["/v1/signup", "/v1/login"] {
        for body in bodies {
            let response = app
                .client
                .post(app.url(path))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .expect("sent");
            let (status, problem) = problem(response).await;
            assert_eq!((status, problem["code"].as_str()), (400, Some("malformed_request")), "{path} {body}");
            assert!(!problem["detail"].as_str().unwrap_or_default().contains("12345678"), "no echo: {problem}");
        }
    }
}

async fn oversized_body_is_payload_too_large(app: &TestApp) {
    let body = json!({ "email": unique_email("big"), "password": "x".repeat(20 * 1024) });
    let response = app.post_json("/v1/signup", &body).await;
    // The unread rest of the body makes the connection unusable: the server must say it closes it.
    assert_eq!(response.headers().get("connection").map(|v| v.as_bytes()), Some(&b"close"[..]));
    let (status, problem) = problem(response).await;
    assert_eq!((status, problem["code"].as_str()), (413, Some("payload_too_large")), "{problem}");
    assert_eq!(app.get("/healthz").await.status(), 200, "still serving");
}

async fn non_json_content_type_is_unsupported_media_type(app: &TestApp) {
    let response = app
        .client
        .post(app.url("/v1/signup"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("email=a%40example.com&password=Correct-Horse-9")
        .send()
        .await
        .expect("sent");
    let (status, body) = problem(response).await;
    assert_eq!((status, body["code"].as_str()), (415, Some("unsupported_media_type")), "{body}");
}

async fn unknown_route_is_not_found_and_wrong_method_is_not_allowed(app: &TestApp) {
    let (status, body) = problem(app.get("/v1/nope").await).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")), "{body}");
    for path in ["/v1/signup", "/v1/login"] {
        let response = app.get(path).await;
        assert_eq!(response.headers()["allow"], "POST");
        let (status, body) = problem(response).await;
        assert_eq!((status, body["code"].as_str()), (405, Some("method_not_allowed")), "{body}");
    }
    let response = app.client.delete(app.url("/healthz")).send().await.expect("sent");
    assert_eq!(response.headers()["allow"], "GET");
    assert_eq!(problem(response).await.0, 405);
}

/// The security headers every response carries, checked on a 200, a 404 and a 401.
async fn security_headers_are_on_every_response(app: &TestApp) {
    let expected = [
        (
            "content-security-policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
             form-action 'self'",
        ),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "DENY"),
    ];
    let responses = [
        (200, app.get("/").await),
        (200, app.get("/healthz").await),
        (404, app.get("/v1/nope").await),
        (401, app.get("/v1/me").await),
    ];
    for (status, response) in responses {
        assert_eq!(response.status(), status, "{}", response.url());
        for (name, value) in expected {
            assert_eq!(
                response.headers().get(name).and_then(|v| v.to_str().ok()),
                Some(value),
                "{name} on the {status} of {}",
                response.url()
            );
        }
    }
}

/// `GET /` is the sign-up / log-in page; its script is a separate file (the CSP forbids inline script).
async fn sign_up_page_is_served_without_inline_script(app: &TestApp) {
    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8");
    let html = response.text().await.expect("body");
    assert!(html.contains(r#"<script src="/app.js" defer></script>"#), "{html}");
    assert_eq!(html.matches("<script").count(), 1, "no inline script");
    assert!(!html.contains(" style=") && !html.contains("<style"), "no inline style");
    for (path, media_type) in [("/app.js", "text/javascript; charset=utf-8"), ("/app.css", "text/css; charset=utf-8")] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["content-type"], media_type, "{path}");
    }
}
