//! Hostile input through HTTP (memory backend): each row gets its documented 4xx
//! `application/problem+json` answer, and the server keeps serving (`/healthz` after every row).
//!
//! Decisions this table pins down (README, "Hostile input"):
//! - a body that is not UTF-8, not JSON, nested deeper than serde_json's limit (128), or has a
//!   duplicate member is `400 malformed_request` — never a 5xx, never a stack overflow;
//! - a body over 16 KiB is `413 payload_too_large`, before any parsing: counted while it
//!   arrives, and read to its end (up to 4 MiB, else cut off) so that the client gets the answer;
//! - control characters (NUL included) in an e-mail address and addresses over 254 characters
//!   are `422 invalid_email`;
//! - e-mail addresses are compared after trimming and lower-casing only: `Ann@Example.com`
//!   is `ann@example.com`, but a look-alike with a Cyrillic `а` (U+0430) is a *different*
//!   address — a distinct user, which can never log in as the Latin one.

use authport_testkit::{STRONG_PASSWORD, TestApp, problem, unique_email};
use serde_json::json;

/// One hostile request: raw body bytes and content type.
struct Row {
    name: &'static str,
    path: &'static str,
    content_type: &'static str,
    body: Vec<u8>,
    status: u16,
    code: &'static str,
}

fn credentials(email: &str, password: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({ "email": email, "password": password })).expect("json")
}

fn rows() -> Vec<Row> {
    let fresh = || unique_email("hostile");
    let mut invalid_utf8 = br#"{"email":"ann@example.com","password":"Correct-Horse-9"#.to_vec();
    invalid_utf8.extend([0xff, 0xfe, 0xc3]);
    invalid_utf8.extend(br#""}"#);
    let nul_in_email = fresh().replacen('@', "\u{0}@", 1);
    let long_email = format!("{}@example.com", "a".repeat(10 * 1024));
    let huge_password = format!("Aa1-{}", "x".repeat(1024 * 1024));
    let raw_nul_in_string = {
        let mut body = br#"{"email":"ann@example.com","password":"Correct-"#.to_vec();
        body.push(0);
        body.extend(br#"Horse-9"}"#);
        body
    };
    vec![
        Row {
            name: "invalid UTF-8 in the body",
            path: "/v1/signup",
            content_type: "application/json",
            body: invalid_utf8,
            status: 400,
            code: "malformed_request",
        },
        Row {
            name: "raw NUL byte inside a JSON string",
            path: "/v1/signup",
            content_type: "application/json",
            body: raw_nul_in_string,
            status: 400,
            code: "malformed_request",
        },
        Row {
            name: "escaped NUL in the e-mail",
            path: "/v1/signup",
            content_type: "application/json",
            body: credentials(&nul_in_email, STRONG_PASSWORD),
            status: 422,
            code: "invalid_email",
        },
        Row {
            name: "escaped NUL in the log-in e-mail",
            path: "/v1/login",
            content_type: "application/json",
            body: credentials(&nul_in_email, STRONG_PASSWORD),
            status: 401,
            code: "invalid_credentials",
        },
        Row {
            name: "10 kB e-mail",
            path: "/v1/signup",
            content_type: "application/json",
            body: credentials(&long_email, STRONG_PASSWORD),
            status: 422,
            code: "invalid_email",
        },
        Row {
            name: "1 MB password",
            path: "/v1/signup",
            content_type: "application/json",
            body: credentials(&fresh(), &huge_password),
            status: 413,
            code: "payload_too_large",
        },
        Row {
            name: "1 MB password at log-in",
            path: "/v1/login",
            content_type: "application/json",
            body: credentials(&fresh(), &huge_password),
            status: 413,
            code: "payload_too_large",
        },
        Row {
            name: "10 000 nested arrays",
            path: "/v1/signup",
            content_type: "application/json",
            body: "[".repeat(10_000).into_bytes(),
            status: 400,
            code: "malformed_request",
        },
        Row {
            name: "10 000 nested objects",
            path: "/v1/login",
            content_type: "application/json",
            body: r#"{"a":"#.repeat(2_000).into_bytes(),
            status: 400,
            code: "malformed_request",
        },
        Row {
            name: "wrong content type",
            path: "/v1/signup",
            content_type: "text/plain",
            body: credentials(&fresh(), STRONG_PASSWORD),
            status: 415,
            code: "unsupported_media_type",
        },
        Row {
            name: "form-encoded body",
            path: "/v1/login",
            content_type: "application/x-www-form-urlencoded",
            body: b"email=ann%40example.com&password=x".to_vec(),
            status: 415,
            code: "unsupported_media_type",
        },
        Row {
            name: "duplicate JSON keys",
            path: "/v1/signup",
            content_type: "application/json",
            body: format!(r#"{{"email":"{}","email":"{}","password":"{STRONG_PASSWORD}"}}"#, fresh(), fresh())
                .into_bytes(),
            status: 400,
            code: "malformed_request",
        },
        Row {
            name: "duplicate refresh_token keys",
            path: "/v1/token/refresh",
            content_type: "application/json",
            body: br#"{"refresh_token":"a","refresh_token":"b"}"#.to_vec(),
            status: 400,
            code: "malformed_request",
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_request_gets_its_documented_problem_and_the_server_keeps_serving() {
    let app = TestApp::on_memory().spawn().await;
    for row in rows() {
        let response = app
            .client
            .post(app.url(row.path))
            .header("content-type", row.content_type)
            .body(row.body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", row.name));
        let (status, body) = problem(response).await;
        assert_eq!((status, body["code"].as_str().unwrap_or_default()), (row.status, row.code), "{}: {body}", row.name);
        assert_eq!(app.get("/healthz").await.status(), 200, "not serving after: {}", row.name);
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn look_alike_emails_are_distinct_users_and_case_variants_collide() {
    let app = TestApp::on_memory().spawn().await;
    let local = format!("ann{}", uuid::Uuid::new_v4().simple());
    let latin = format!("{local}@example.com");
    // U+0430 CYRILLIC SMALL LETTER A instead of the Latin 'a'.
    let cyrillic = format!("\u{430}{}@example.com", &local[1..]);
    assert_ne!(latin, cyrillic);

    let response = app.sign_up(&latin, STRONG_PASSWORD).await;
    assert_eq!(response.status(), 201);
    let latin_user: serde_json::Value = response.json().await.expect("json");

    // Case variants are the same user.
    let (status, body) = problem(app.sign_up(&latin.to_uppercase(), "Other-Horse-9").await).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("user_exists")), "{body}");

    // The look-alike is a different address: a different user, not a collision.
    let other_password = "Cyrillic-Horse-7";
    let response = app.sign_up(&cyrillic, other_password).await;
    assert_eq!(response.status(), 201, "look-alike sign-up");
    let cyrillic_user: serde_json::Value = response.json().await.expect("json");
    assert_eq!(cyrillic_user["email"], cyrillic);
    assert_ne!(cyrillic_user["user_id"], latin_user["user_id"]);

    // Neither password opens the other account.
    let (status, _) = problem(app.log_in(&cyrillic, STRONG_PASSWORD).await).await;
    assert_eq!(status, 401);
    let (status, _) = problem(app.log_in(&latin, other_password).await).await;
    assert_eq!(status, 401);
    assert_eq!(app.log_in(&latin, STRONG_PASSWORD).await.status(), 200);
    assert_eq!(app.log_in(&cyrillic, other_password).await.status(), 200);
    assert_eq!(app.get("/healthz").await.status(), 200);
    app.stop().await;
}

/// A password is opaque: an escaped NUL (`\u0000`) in it is one more character, hashed like
/// any other — it neither truncates the password nor breaks the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nul_in_a_password_is_just_a_character() {
    let app = TestApp::on_memory().spawn().await;
    let email = unique_email("nul-password");
    let password = "Correct-Horse-9\u{0}tail";
    assert_eq!(app.sign_up(&email, password).await.status(), 201);
    assert_eq!(app.log_in(&email, password).await.status(), 200);
    for truncated in ["Correct-Horse-9", "Correct-Horse-9\u{0}"] {
        let (status, body) = problem(app.log_in(&email, truncated).await).await;
        assert_eq!((status, body["code"].as_str()), (401, Some("invalid_credentials")), "{truncated:?}");
    }
    assert_eq!(app.get("/healthz").await.status(), 200);
    app.stop().await;
}

/// Header injection through `X-Request-Id`: whatever a client sends, an echoed request id is
/// 1..=128 visible ASCII characters (a hostile one is replaced), no header is smuggled into the
/// answer, and the server keeps serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_request_ids_are_never_echoed_or_smuggled() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    let app = TestApp::on_memory().spawn().await;
    let long = "r".repeat(10 * 1024);
    let hostile: [&[u8]; 4] = [long.as_bytes(), b"id with spaces", b"\xff\xfe-obs-text", b"id\tx"];
    for value in hostile {
        let header = reqwest::header::HeaderValue::from_bytes(value).expect("a legal header value");
        let response = app.client.get(app.url("/healthz")).header("x-request-id", header).send().await.expect("sent");
        assert_eq!(response.status(), 200, "{:?}", String::from_utf8_lossy(value));
        if let Some(echoed) = response.headers().get("x-request-id") {
            let echoed = echoed.as_bytes();
            assert_ne!(echoed, value, "a hostile request id was echoed");
            assert!((1..=128).contains(&echoed.len()) && echoed.iter().all(u8::is_ascii_graphic), "{echoed:?}");
        }
    }

    // Raw bytes no client library would send: a bare CR or LF inside the value.
    for injected in ["abc\rSet-Cookie: pwned=1", "abc\nSet-Cookie: pwned=1"] {
        let mut stream = tokio::net::TcpStream::connect(app.addr).await.expect("connect");
        let request = format!(
            "GET /healthz HTTP/1.1\r\nHost: {}\r\nX-Request-Id: {injected}\r\nConnection: close\r\n\r\n",
            app.addr
        );
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
        let answer = String::from_utf8_lossy(&answer).to_ascii_lowercase();
        let head = answer.split("\r\n\r\n").next().unwrap_or_default();
        assert!(!head.contains("pwned"), "a header was smuggled into the answer: {head}");
        assert!(
            head.starts_with("http/1.1 200") || head.starts_with("http/1.1 400") || head.is_empty(),
            "{injected:?}: {head}"
        );
        assert_eq!(app.get("/healthz").await.status(), 200, "not serving after {injected:?}");
    }
    app.stop().await;
}
