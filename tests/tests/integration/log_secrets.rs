//! Passwords and tokens never reach the logs: the real `authport` binary, at `RUST_LOG=trace`
//! and `--log-format json`, goes through sign-up, a log-in with a wrong password, log-in,
//! refresh, `/v1/me`, log-out, a password change (a wrong current password first) and the
//! account's deletion; then no secret (nor a distinctive piece of one) may occur in
//! anything it wrote — while the audit lines of those steps must (so the capture is real).

use std::time::{Duration, Instant};

use authport_testkit::process::AuthportProcess;
use authport_testkit::unique_email;
use serde_json::{Value, json};

const PASSWORD: &str = "Logged-Never-Pa55word";
const WRONG_PASSWORD: &str = "Wrong-Guess-Pa55word";
const CHANGED_PASSWORD: &str = "Changed-Later-Pa55word";

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
    let change = |current: &str| {
        let body = json!({ "current_password": current, "new_password": CHANGED_PASSWORD });
        client.post(format!("{base}/v1/password")).bearer_auth(&access_token).json(&body).send()
    };
    assert_eq!(change(WRONG_PASSWORD).await.expect("change").status(), 401);
    let response = change(PASSWORD).await.expect("change");
    assert_eq!(response.status(), 200);
    let changed: Value = response.json().await.expect("tokens");
    let deleted = client
        .delete(format!("{base}/v1/me"))
        .bearer_auth(&access_token)
        .json(&json!({ "password": CHANGED_PASSWORD }))
        .send()
        .await
        .expect("delete");
    assert_eq!(deleted.status(), 204);

    // The log is read by a thread: wait for the last step's line.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !process.logs().iter().any(|line| line.contains("account deleted")) && Instant::now() < deadline {
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
        "password change refused: invalid credentials",
        "password changed, other sessions revoked",
        "account deleted",
    ] {
        assert!(text.contains(message), "audit line {message:?} missing from the log:\n{text}");
    }
    assert!(
        logs.iter().filter_map(|line| serde_json::from_str::<Value>(line).ok()).any(|e| e["level"] == "TRACE"),
        "RUST_LOG=trace produced no TRACE line, so the capture proves nothing"
    );

    let mut secrets =
        vec![PASSWORD.to_owned(), WRONG_PASSWORD.to_owned(), CHANGED_PASSWORD.to_owned(), refresh_token, access_token];
    for set in [&tokens, &refreshed, &changed] {
        for key in ["access_token", "id_token"] {
            secrets.push(set[key].as_str().expect("token").to_owned());
        }
    }
    // Distinctive pieces of the passwords too (a partial or escaped echo).
    secrets.extend(["Never-Pa55", "Guess-Pa55", "Later-Pa55"].map(str::to_owned));
    for secret in &secrets {
        for fragment in fragments(secret) {
            assert!(!text.contains(&fragment), "the log contains a secret fragment {fragment:?}:\n{text}");
        }
    }
    assert!(!text.contains(&email), "the full e-mail address is logged (only the masked form may be)");
}

/// The same for the Cognito API: a pool and a client with a secret, a user with a temporary
/// password, a wrong password, the NEW_PASSWORD_REQUIRED challenge and its session, tokens, a
/// refresh — none of the passwords, the session, the client secret or the tokens is logged,
/// while each call's line is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_of_the_cognito_api_is_ever_logged_even_at_trace() {
    use aws_sdk_cognitoidentityprovider::types::{
        AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType, MessageActionType,
    };
    let args: Vec<String> =
        ["--backend", "memory", "--hash-cost", "insecure-fast-for-tests", "--cognito-api-listen", "127.0.0.1:0"]
            .into_iter()
            .map(str::to_owned)
            .collect();
    let process = AuthportProcess::start_with_log_filter(&args, "trace").await;
    let endpoint = format!("http://{}", process.cognito_api_addr().expect("the Cognito API listens"));
    let cognito = authport_testkit::moto::client(&endpoint);
    let pool = cognito.create_user_pool().pool_name("secrets").send().await.expect("pool");
    let pool_id = pool.user_pool().and_then(|p| p.id()).expect("id").to_owned();
    let client = cognito
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("secrets")
        .generate_secret(true)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .expect("client");
    let client = client.user_pool_client().expect("client");
    let (client_id, secret) =
        (client.client_id().expect("id").to_owned(), client.client_secret().expect("secret").to_owned());
    let username = "log-secrets-user";
    let hash = authport_userpool::engine::auth::secret_hash(&secret, username, &client_id);
    let temporary = "Temporary-Never-Pa55";
    cognito
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username(username)
        .temporary_password(temporary)
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .expect("user");
    let sign_in = |password: &str| {
        cognito
            .admin_initiate_auth()
            .user_pool_id(&pool_id)
            .client_id(&client_id)
            .auth_flow(AuthFlowType::AdminUserPasswordAuth)
            .auth_parameters("USERNAME", username)
            .auth_parameters("PASSWORD", password)
            .auth_parameters("SECRET_HASH", &hash)
            .send()
    };
    sign_in(WRONG_PASSWORD).await.expect_err("a wrong password");
    let challenged = sign_in(temporary).await.expect("challenged");
    let session = challenged.session().expect("session").to_owned();
    let answered = cognito
        .admin_respond_to_auth_challenge()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(&session)
        .challenge_responses("USERNAME", username)
        .challenge_responses("NEW_PASSWORD", PASSWORD)
        .challenge_responses("SECRET_HASH", &hash)
        .send()
        .await
        .expect("tokens");
    let tokens = answered.authentication_result().expect("tokens");
    let refresh_token = tokens.refresh_token().expect("refresh token").to_owned();
    let refreshed = cognito
        .admin_initiate_auth()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", &refresh_token)
        .auth_parameters("SECRET_HASH", &hash)
        .send()
        .await
        .expect("refreshed");

    let deadline = Instant::now() + Duration::from_secs(10);
    let calls = |logs: &[String]| logs.iter().filter(|line| line.contains("Cognito API call")).count();
    while calls(&process.logs()) < 7 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let logs = process.logs();
    drop(process);
    let text = logs.join("\n");
    assert!(calls(&logs) >= 7, "a line per call:\n{text}");
    let refreshed = refreshed.authentication_result().expect("tokens");
    let mut secrets = vec![
        PASSWORD.to_owned(),
        WRONG_PASSWORD.to_owned(),
        temporary.to_owned(),
        session,
        secret,
        hash,
        refresh_token,
    ];
    for token in [tokens.access_token(), tokens.id_token(), refreshed.access_token(), refreshed.id_token()] {
        secrets.push(token.expect("token").to_owned());
    }
    secrets.extend(["Never-Pa55", "Guess-Pa55"].map(str::to_owned));
    for secret in &secrets {
        for fragment in fragments(secret) {
            assert!(!text.contains(&fragment), "the log contains a secret fragment {fragment:?}:\n{text}");
        }
    }
}
