//! The HTTP conformance suite: the cases that reach the backend, each run against every
//! backend (memory, PostgreSQL, Cognito on moto, and Cognito on authport's own Cognito API with
//! either engine), black-box through the HTTP API with the same assertions everywhere. Cases that never reach an adapter run once, in `edge.rs`; the port
//! itself is specified by the contract suite (`contract.rs`).
//!
//! A new case is an `async fn(&TestApp)` here and one line in the `suite!` list at the end.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use authport_testkit::tokens::{self, verify};
use authport_testkit::{STRONG_PASSWORD, TestApp, problem, sign_up_outcomes, unique_email};
use serde_json::{Value, json};

/// A running case.
pub(crate) type CaseFuture<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;
/// A case, callable on any app.
pub(crate) type Case = for<'a> fn(&'a TestApp) -> CaseFuture<'a>;

/// `mod <backend> { #[tokio::test] async fn <case>() }` for every backend × case, and [`ALL`].
macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        suite!(@backend memory, Memory, $($case),*);
        suite!(@backend postgres, Postgres, $($case),*);
        suite!(@backend cognito, Cognito, $($case),*);
        // The Cognito backend on authport's own Cognito API, on either engine (dogfooding).
        suite!(@backend cognito_on_authport_memory, CognitoOnAuthportMemory, $($case),*);
        suite!(@backend cognito_on_authport_postgres, CognitoOnAuthportPostgres, $($case),*);
        /// Every case with its name, for a run on one more backend (`localstack.rs`).
        pub(crate) const ALL: &[(&str, Case)] = &[$((stringify!($case), |app| Box::pin($case(app)))),*];
    };
    (@backend $module:ident, $backend:ident, $($case:ident),*) => {
        mod $module {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let backend = authport_testkit::Backend::$backend;
                    let Some(app) = authport_testkit::TestApp::spawn(backend).await else { return };
                    super::$case(&app).await;
                    app.stop().await;
                }
            )*
        }
    };
}

suite! {
    readyz_answers_ready_with_the_backend,
    sign_up_creates_a_user_with_the_normalised_email,
    duplicate_sign_up_is_user_exists,
    duplicate_differing_only_in_case_is_user_exists,
    concurrent_duplicate_sign_ups_create_exactly_one_user,
    log_in_issues_tokens_that_verify_against_the_jwks,
    log_in_ignores_email_case,
    wrong_password_and_unknown_user_are_indistinguishable,
    new_password_with_a_bogus_session_is_invalid_session,
    refresh_issues_tokens_that_pass_me,
    me_answers_who_is_logged_in,
    log_out_revokes_refresh_tokens,
    invalid_refresh_tokens_are_invalid_token,
    me_rejects_every_kind_of_bad_token,
    password_policy_is_published,
    a_password_change_replaces_the_password_and_ends_every_other_session,
    a_password_change_is_refused_for_a_weak_password_or_a_wrong_current_one,
    a_deleted_account_cannot_log_in_and_its_address_is_free,
    account_changes_need_a_valid_access_token,
}

/// The readiness probe asks the backend itself (memory: always; PostgreSQL: `SELECT 1`;
/// Cognito: `DescribeUserPool`).
pub async fn readyz_answers_ready_with_the_backend(app: &TestApp) {
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("JSON");
    let rate_limits = "in_process"; // the suite's apps keep their budgets in the process
    assert_eq!(body, json!({ "status": "ready", "backend": app.backend().name(), "rate_limits": rate_limits }));
}

pub async fn sign_up_creates_a_user_with_the_normalised_email(app: &TestApp) {
    let email = unique_email("Signup");
    let response = app.sign_up(&format!("  {}  ", email.to_uppercase()), STRONG_PASSWORD).await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["email"], email.to_lowercase());
    assert!(body["user_id"].as_str().is_some_and(|id| !id.is_empty()), "{body}");
}

pub async fn duplicate_sign_up_is_user_exists(app: &TestApp) {
    let email = unique_email("dup");
    assert_eq!(app.sign_up(&email, STRONG_PASSWORD).await.status(), 201);
    let (status, body) = problem(app.sign_up(&email, "Another-Pass-1").await).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("user_exists")), "{body}");
}

pub async fn duplicate_differing_only_in_case_is_user_exists(app: &TestApp) {
    let email = unique_email("case");
    assert_eq!(app.sign_up(&email, STRONG_PASSWORD).await.status(), 201);
    let (status, body) = problem(app.sign_up(&email.to_uppercase(), STRONG_PASSWORD).await).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("user_exists")), "{body}");
}

pub async fn concurrent_duplicate_sign_ups_create_exactly_one_user(app: &TestApp) {
    let email = unique_email("race");
    let attempts = (0..64).map(|i| {
        // Mixed case: the race must also be decided on the normalised address.
        let variant = if i % 2 == 0 { email.clone() } else { email.to_uppercase() };
        async move { app.sign_up(&variant, STRONG_PASSWORD).await }
    });
    let by_status = sign_up_outcomes(futures::future::join_all(attempts).await).await;
    assert_eq!(by_status, HashMap::from([(201, 1), (409, 63)]));
    assert_eq!(app.log_in(&email, STRONG_PASSWORD).await.status(), 200, "the one user can log in");
}

pub async fn log_in_issues_tokens_that_verify_against_the_jwks(app: &TestApp) {
    let email = unique_email("login");
    let created: Value = app.sign_up(&email, STRONG_PASSWORD).await.json().await.expect("json");
    let response = app.log_in(&email, STRONG_PASSWORD).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let tokens: Value = response.json().await.expect("json");
    assert_eq!(tokens["token_type"], "Bearer");
    let expires_in = tokens["expires_in"].as_u64().expect("expires_in");
    assert!(expires_in > 0);
    assert!(tokens["refresh_token"].as_str().is_some_and(|t| t.len() >= 32), "{tokens}");

    let jwks: Value = app.get("/.well-known/jwks.json").await.json().await.expect("jwks");
    let access: Value = verify(tokens["access_token"].as_str().expect("access"), &jwks, None);
    let id: Value = verify(tokens["id_token"].as_str().expect("id"), &jwks, None);

    for claims in [&access, &id] {
        assert_eq!(claims["sub"], created["user_id"], "{claims}");
        assert!(claims["iss"].as_str().is_some_and(|iss| !iss.is_empty()), "{claims}");
        for time in ["auth_time", "iat", "exp"] {
            assert!(claims[time].is_u64(), "{time}: {claims}");
        }
        let lifetime = claims["exp"].as_u64().unwrap_or(0) - claims["iat"].as_u64().unwrap_or(0);
        assert_eq!(lifetime, expires_in, "{claims}");
    }
    assert_eq!(access["iss"], id["iss"]);
    assert_eq!(access["token_use"], "access");
    assert!(access["client_id"].as_str().is_some_and(|c| !c.is_empty()), "{access}");
    assert!(access["scope"].is_string() && access["jti"].is_string(), "{access}");
    assert_eq!(access["username"], email);
    assert_eq!(id["token_use"], "id");
    assert_eq!(id["aud"], access["client_id"]);
    assert_eq!(id["email"], email);
    // Real Cognito: JSON `true`. moto 5.2.5 writes the attribute's string form `"true"`; the
    // adapter passes signed tokens through untouched, so accept both (moto difference, this case).
    assert!(id["email_verified"] == true || id["email_verified"] == "true", "{id}");
    assert_eq!(id["cognito:username"], email);
}

pub async fn log_in_ignores_email_case(app: &TestApp) {
    let email = unique_email("mixed");
    assert_eq!(app.sign_up(&email, STRONG_PASSWORD).await.status(), 201);
    assert_eq!(app.log_in(&format!(" {} ", email.to_uppercase()), STRONG_PASSWORD).await.status(), 200);
}

pub async fn wrong_password_and_unknown_user_are_indistinguishable(app: &TestApp) {
    let email = unique_email("known");
    assert_eq!(app.sign_up(&email, STRONG_PASSWORD).await.status(), 201);
    // Every answer carries its own request id; everything else must be identical.
    let without_request_id = |(status, mut body): (u16, Value)| {
        assert!(body.as_object_mut().and_then(|b| b.remove("request_id")).is_some(), "{body}");
        (status, body)
    };
    let wrong_password = without_request_id(problem(app.log_in(&email, "Correct-Horse-8").await).await);
    let unknown_user = without_request_id(problem(app.log_in(&unique_email("ghost"), STRONG_PASSWORD).await).await);
    let malformed = without_request_id(problem(app.log_in("not-an-email", STRONG_PASSWORD).await).await);
    assert_eq!(wrong_password.0, 401);
    assert_eq!(wrong_password.1["code"], "invalid_credentials");
    assert_eq!(wrong_password, unknown_user, "same status and body");
    assert_eq!(wrong_password, malformed, "same status and body");
}

pub async fn new_password_with_a_bogus_session_is_invalid_session(app: &TestApp) {
    let email = unique_email("challenge");
    assert_eq!(app.sign_up(&email, STRONG_PASSWORD).await.status(), 201);
    let body = json!({ "email": email, "session": "bogus-session", "new_password": "Brand-New-Pass-1" });
    let (status, answer) = problem(app.post_json("/v1/login/new-password", &body).await).await;
    assert_eq!((status, answer["code"].as_str()), (401, Some("invalid_session")), "{answer}");
    let weak = json!({ "email": email, "session": "bogus-session", "new_password": "weak" });
    let (status, answer) = problem(app.post_json("/v1/login/new-password", &weak).await).await;
    assert_eq!((status, answer["code"].as_str()), (422, Some("weak_password")), "{answer}");
}

/// Signs up a fresh user and logs in: `(email, user_id, token response)`.
async fn logged_in_user(app: &TestApp, tag: &str) -> (String, String, Value) {
    let email = unique_email(tag);
    let created = app.sign_up(&email, STRONG_PASSWORD).await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.expect("json");
    let response = app.log_in(&email, STRONG_PASSWORD).await;
    assert_eq!(response.status(), 200);
    let tokens: Value = response.json().await.expect("json");
    (email, created["user_id"].as_str().expect("user_id").to_owned(), tokens)
}

async fn me_with(app: &TestApp, authorization: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url("/v1/me"));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    request.send().await.expect("sent")
}

/// `/v1/me` must refuse: 401 `invalid_token` with a Bearer challenge.
async fn assert_refused(app: &TestApp, authorization: Option<&str>, why: &str) {
    let response = me_with(app, authorization).await;
    let challenge = response.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (status, body) = problem(response).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("invalid_token")), "{why}: {body}");
    assert!(challenge.is_some_and(|c| c.starts_with("Bearer")), "{why}: WWW-Authenticate Bearer");
}

pub async fn refresh_issues_tokens_that_pass_me(app: &TestApp) {
    let (email, user_id, tokens) = logged_in_user(app, "refresh").await;
    let body = json!({ "refresh_token": tokens["refresh_token"] });
    let response = app.post_json("/v1/token/refresh", &body).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let refreshed: Value = response.json().await.expect("json");
    assert_eq!(refreshed["token_type"], "Bearer");
    assert!(refreshed["expires_in"].as_u64().is_some_and(|s| s > 0), "{refreshed}");
    assert!(refreshed["id_token"].is_string(), "{refreshed}");
    let access = refreshed["access_token"].as_str().expect("access_token");
    let me = me_with(app, Some(&format!("Bearer {access}"))).await;
    assert_eq!(me.status(), 200);
    let me: Value = me.json().await.expect("json");
    assert_eq!(me, json!({ "sub": user_id, "email": email }));
}

pub async fn me_answers_who_is_logged_in(app: &TestApp) {
    let (email, user_id, tokens) = logged_in_user(app, "me").await;
    let access = tokens["access_token"].as_str().expect("access_token");
    // The scheme is case-insensitive (RFC 7235).
    for scheme in ["Bearer", "bearer"] {
        let response = me_with(app, Some(&format!("{scheme} {access}"))).await;
        assert_eq!(response.status(), 200, "{scheme}");
        let me: Value = response.json().await.expect("json");
        assert_eq!(me, json!({ "sub": user_id, "email": email }));
    }
}

pub async fn log_out_revokes_refresh_tokens(app: &TestApp) {
    let (_, _, tokens) = logged_in_user(app, "logout").await;
    let refresh = json!({ "refresh_token": tokens["refresh_token"] });
    assert_eq!(app.post_json("/v1/token/refresh", &refresh).await.status(), 200, "valid before log-out");

    let unauthenticated = app.client.post(app.url("/v1/logout")).send().await.expect("sent");
    assert_eq!(problem(unauthenticated).await.0, 401);
    let access = tokens["access_token"].as_str().expect("access_token");
    let response = app.client.post(app.url("/v1/logout")).bearer_auth(access).send().await.expect("sent");
    assert_eq!(response.status(), 204);

    let (status, body) = problem(app.post_json("/v1/token/refresh", &refresh).await).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("invalid_token")), "{body}");
}

pub async fn invalid_refresh_tokens_are_invalid_token(app: &TestApp) {
    for token in ["", "not-a-refresh-token", &"x".repeat(10_000)] {
        let (status, body) =
            problem(app.post_json("/v1/token/refresh", &json!({ "refresh_token": token })).await).await;
        assert_eq!((status, body["code"].as_str()), (401, Some("invalid_token")), "{body}");
    }
    let (status, body) = problem(app.post_json("/v1/token/refresh", &json!({ "token": "x" })).await).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("malformed_request")), "{body}");
}

/// Every verification rule, each broken alone: tokens are re-signed with the backend's own key
/// (a positive control proves that forging works), so each refusal has exactly one reason.
pub async fn me_rejects_every_kind_of_bad_token(app: &TestApp) {
    use authport_testkit::forge;

    let (_, _, tokens) = logged_in_user(app, "forged").await;
    let access = tokens["access_token"].as_str().expect("access_token");
    let id_token = tokens["id_token"].as_str().expect("id_token");
    let key = app.forging_key().await;
    assert_eq!(forge::kid(access), key.kid, "the harness found the backend's signing key");
    let claims: Value = tokens::claims(access);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs();
    let with = |field: &str, value: Value| {
        let mut claims = claims.clone();
        claims[field] = value;
        claims
    };

    // Positive control: the same claims re-signed with the backend's key are accepted.
    let control = key.sign(&claims);
    assert_eq!(me_with(app, Some(&format!("Bearer {control}"))).await.status(), 200, "control");

    assert_refused(app, None, "no Authorization header").await;
    assert_refused(app, Some("Basic YW5uOnB3"), "another scheme").await;
    assert_refused(app, Some("Bearer"), "no token").await;
    assert_refused(app, Some("Bearer not.a.jwt"), "not a JWT").await;
    assert_refused(app, Some(&format!("Bearer {access}x")), "tampered signature").await;
    let resigned = key.sign(&with("sub", json!("someone-else")));
    let mut parts: Vec<&str> = access.split('.').collect();
    parts[1] = resigned.split('.').nth(1).expect("payload");
    let swapped = parts.join(".");
    assert_refused(app, Some(&format!("Bearer {swapped}")), "payload swapped under a valid signature").await;
    let stranger = forge::stranger_key(&key.kid).sign(&claims);
    assert_refused(app, Some(&format!("Bearer {stranger}")), "signed by another key").await;
    assert_refused(app, Some(&format!("Bearer {}", forge::unsigned(&claims, &key.kid))), "alg none").await;
    let jwks: Value = app.get("/.well-known/jwks.json").await.json().await.expect("jwks");
    let n = jwks["keys"][0]["n"].as_str().expect("n");
    let hs = forge::hs256_with_public_key(&claims, &key.kid, n);
    assert_refused(app, Some(&format!("Bearer {hs}")), "HS256 with the public key").await;
    let expired = key.sign(&with("exp", json!(now - 600)));
    assert_refused(app, Some(&format!("Bearer {expired}")), "expired").await;
    let early = key.sign(&with("nbf", json!(now + 600)));
    assert_refused(app, Some(&format!("Bearer {early}")), "not yet valid").await;
    let foreign_issuer = key.sign(&with("iss", json!("https://issuer.invalid/pool")));
    assert_refused(app, Some(&format!("Bearer {foreign_issuer}")), "wrong issuer").await;
    let foreign_client = key.sign(&with("client_id", json!("another-client")));
    assert_refused(app, Some(&format!("Bearer {foreign_client}")), "wrong client").await;
    let id_use = key.sign(&with("token_use", json!("id")));
    assert_refused(app, Some(&format!("Bearer {id_use}")), "token_use id").await;
    assert_refused(app, Some(&format!("Bearer {id_token}")), "the id token itself").await;
    let unknown_kid = forge::ForgingKey { kid: "unknown-kid".into(), ..key.clone() }.sign(&claims);
    assert_refused(app, Some(&format!("Bearer {unknown_kid}")), "unknown kid").await;
}

/// `GET /v1/password-policy`: the active backend's policy, as the page's hints need it.
pub async fn password_policy_is_published(app: &TestApp) {
    let response = app.get("/v1/password-policy").await;
    assert_eq!(response.status(), 200);
    let policy: Value = response.json().await.expect("JSON");
    assert!(policy["min_length"].as_u64().is_some_and(|n| n >= 6), "{policy}");
    assert_eq!(policy["max_length"], 256, "{policy}");
    for rule in ["require_lowercase", "require_uppercase", "require_digit", "require_symbol"] {
        assert!(policy[rule].is_boolean(), "{rule}: {policy}");
    }
    let symbols = policy["symbols"].as_str().expect("symbols");
    assert!(symbols.contains('!') && symbols.contains('^'), "{policy}");
    // The published policy is the enforced one: a password built to its minimum is accepted.
    let min = usize::try_from(policy["min_length"].as_u64().unwrap_or(8)).unwrap_or(8);
    let password = format!("Aa1!{}", "x".repeat(min.saturating_sub(4)));
    let response = app.sign_up(&unique_email("policy"), &password).await;
    assert_eq!(response.status(), 201, "{password:?} meets the published policy");
}

async fn change_password(app: &TestApp, access: &str, current: &str, new: &str) -> reqwest::Response {
    let body = json!({ "current_password": current, "new_password": new });
    app.client.post(app.url("/v1/password")).bearer_auth(access).json(&body).send().await.expect("sent")
}

async fn delete_account(app: &TestApp, access: &str, password: &str) -> reqwest::Response {
    let body = json!({ "password": password });
    app.client.delete(app.url("/v1/me")).bearer_auth(access).json(&body).send().await.expect("sent")
}

async fn refresh_status(app: &TestApp, tokens: &Value) -> u16 {
    app.post_json("/v1/token/refresh", &json!({ "refresh_token": tokens["refresh_token"] })).await.status().as_u16()
}

/// The new password alone logs in, the tokens returned work, and every other session's refresh
/// token is revoked; an access token from before stays valid for `/v1/me` until it expires
/// (stateless JWTs, as Cognito's).
pub async fn a_password_change_replaces_the_password_and_ends_every_other_session(app: &TestApp) {
    const NEW: &str = "Battery-Staple-4";
    let (email, user_id, first) = logged_in_user(app, "change").await;
    let other: Value = app.log_in(&email, STRONG_PASSWORD).await.json().await.expect("another session");
    let access = first["access_token"].as_str().expect("access_token");
    let response = change_password(app, access, STRONG_PASSWORD, NEW).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let changed: Value = response.json().await.expect("json");
    assert_eq!(changed["token_type"], "Bearer");
    let new_access = changed["access_token"].as_str().expect("access_token");
    let me: Value = me_with(app, Some(&format!("Bearer {new_access}"))).await.json().await.expect("json");
    assert_eq!(me, json!({ "sub": user_id, "email": email }));
    assert_eq!(refresh_status(app, &changed).await, 200, "the returned refresh token works");
    assert_eq!(refresh_status(app, &first).await, 401, "this session's old refresh token is revoked");
    assert_eq!(refresh_status(app, &other).await, 401, "the other session is revoked");
    let (status, body) = problem(app.log_in(&email, STRONG_PASSWORD).await).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("invalid_credentials")), "the old password: {body}");
    assert_eq!(app.log_in(&email, NEW).await.status(), 200, "the new password");
    assert_eq!(me_with(app, Some(&format!("Bearer {access}"))).await.status(), 200, "stateless until it expires");
}

/// A weak new password is `422 weak_password` listing every broken rule; a wrong current one is
/// `401 invalid_credentials`; neither changes anything.
pub async fn a_password_change_is_refused_for_a_weak_password_or_a_wrong_current_one(app: &TestApp) {
    let (email, _, tokens) = logged_in_user(app, "refused-change").await;
    let access = tokens["access_token"].as_str().expect("access_token");
    let (status, body) = problem(change_password(app, access, STRONG_PASSWORD, "weak").await).await;
    assert_eq!((status, body["code"].as_str()), (422, Some("weak_password")), "{body}");
    let rules: Vec<&str> =
        body["violations"].as_array().expect("violations").iter().filter_map(|v| v["rule"].as_str()).collect();
    for rule in ["min_length", "uppercase", "digit", "symbol"] {
        assert!(rules.contains(&rule), "{rule} in {rules:?}");
    }
    let (status, body) = problem(change_password(app, access, "Wr0ng-password!", "Battery-Staple-4").await).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("invalid_credentials")), "{body}");
    assert_eq!(refresh_status(app, &tokens).await, 200, "the session stays");
    assert_eq!(app.log_in(&email, STRONG_PASSWORD).await.status(), 200, "the password stays");
}

/// After `DELETE /v1/me` (with the password): log-in and refresh are refused, and the address
/// can be signed up again; a wrong password deletes nothing.
pub async fn a_deleted_account_cannot_log_in_and_its_address_is_free(app: &TestApp) {
    let (email, _, tokens) = logged_in_user(app, "delete").await;
    let access = tokens["access_token"].as_str().expect("access_token");
    let (status, body) = problem(delete_account(app, access, "Wr0ng-password!").await).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("invalid_credentials")), "{body}");
    assert_eq!(app.log_in(&email, STRONG_PASSWORD).await.status(), 200, "still there");
    assert_eq!(delete_account(app, access, STRONG_PASSWORD).await.status(), 204);
    let (status, body) = problem(app.log_in(&email, STRONG_PASSWORD).await).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("invalid_credentials")), "{body}");
    assert_eq!(refresh_status(app, &tokens).await, 401, "its sessions are gone");
    let (status, body) = problem(delete_account(app, access, STRONG_PASSWORD).await).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("invalid_credentials")), "already gone: {body}");
    assert_eq!(app.sign_up(&email, STRONG_PASSWORD).await.status(), 201, "the address is free");
}

/// Without a valid access token both are `401 invalid_token` with a Bearer challenge.
pub async fn account_changes_need_a_valid_access_token(app: &TestApp) {
    for token in ["", "not.a.token"] {
        for response in [
            change_password(app, token, STRONG_PASSWORD, "Battery-Staple-4").await,
            delete_account(app, token, STRONG_PASSWORD).await,
        ] {
            assert!(response.headers().get("www-authenticate").is_some(), "Bearer challenge");
            let (status, body) = problem(response).await;
            assert_eq!((status, body["code"].as_str()), (401, Some("invalid_token")), "{body}");
        }
    }
}
