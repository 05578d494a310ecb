//! # Cognito's own wire protocol (inbound adapter)
//!
//! The local backends' user-pool engine answering AWS SDKs as Cognito does: AWS JSON 1.1
//! (`POST /`, `X-Amz-Target: AWSCognitoIdentityProviderService.<Action>`), Cognito's request
//! and response shapes, errors exactly as Cognito sends them, and each pool's JWKS at
//! `GET /<poolId>/.well-known/jwks.json`. It serves its own listener (`--cognito-api-listen`),
//! none of the `/v1` edge's CSP, rate limits or problem documents.
//!
//! **Signatures are not verified**: the endpoint is for development and tests, and refuses a
//! non-loopback address unless `--cognito-api-allow-non-loopback` says otherwise. The region of
//! a new pool is the request's credential scope's (else `us-east-1`).
//!
//! - `wire`: the protocol — target, body, validation, the one mapping of engine errors;
//! - `shapes`: Cognito's response shapes from the engine's model;
//! - `actions`: one function per action of the admin (signed) API;
//! - `public`: one function per action of the public API (unsigned, or authorised by the
//!   user's access token), whose calls name an app client rather than a pool;
//! - `operations`: every Cognito action, to tell "unsupported" from "unknown";
//! - `tester`: what testers need beyond Cognito's API (reset, messages, a test clock) under
//!   `/_authport/`, and `seed`: the seed file of pools, clients and users with fixed ids.

mod actions;
mod operations;
mod public;
pub mod seed;
mod shapes;
mod tester;
mod wire;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use authport_userpool::clock::AdjustableClock;
use authport_userpool::engine::emulator::Seed;
use authport_userpool::model::PoolId;
use authport_userpool::{PoolStore, UserPools};
use bytes::Bytes;
use warp::Filter;
use warp::http::{HeaderMap, StatusCode};
use warp::reply::Response;

use self::actions::Answer;
use self::wire::{TARGET_PREFIX, WireError};

/// The largest request body read (Cognito's requests are small; a bigger one is refused).
pub const MAX_BODY: u64 = 1 << 20;
/// The region of pools created by requests that name none.
const DEFAULT_REGION: &str = "us-east-1";

/// The engine behind the API, and how it names new pools' issuers.
#[derive(Debug)]
pub struct Api<S> {
    pub engine: Arc<UserPools<S>>,
    /// The base of new pools' issuers (`<base>/<poolId>`); Cognito's when `None`.
    pub issuer_base: Option<String>,
    /// The seed file's pools, clients and users, applied at start and after every reset.
    pub seed: Option<Seed>,
    /// The engine's clock when `--cognito-api-test-clock` lets testers move it.
    pub test_clock: Option<Arc<AdjustableClock>>,
}

impl<S> Api<S> {
    /// The API over `engine`, with Cognito's issuers, no seed and the engine's own clock.
    pub fn new(engine: Arc<UserPools<S>>) -> Self {
        Self { engine, issuer_base: None, seed: None, test_clock: None }
    }
}

/// Applies the seed (if any): what it created, kept and found in conflict (logged, the stored
/// version winning).
pub async fn apply_seed<S: PoolStore>(api: &Api<S>) -> Result<serde_json::Value, WireError> {
    let Some(seed) = &api.seed else { return Ok(serde_json::json!({})) };
    let outcome = api.engine.apply_seed(seed, api.issuer_base.as_deref()).await?;
    for conflict in &outcome.conflicts {
        tracing::warn!(conflict, "the seed file and the store disagree: the stored version is kept");
    }
    tracing::info!(
        created = outcome.created.len(),
        kept = outcome.kept.len(),
        conflicts = outcome.conflicts.len(),
        "the seed file is applied"
    );
    Ok(serde_json::json!({ "Created": outcome.created, "Kept": outcome.kept, "Conflicts": outcome.conflicts }))
}

/// The region in a SigV4 `Authorization` header's credential scope
/// (`Credential=<key>/<date>/<region>/cognito-idp/aws4_request`).
fn region_of(headers: &HeaderMap) -> Option<String> {
    let authorization = headers.get("authorization")?.to_str().ok()?;
    let scope = authorization.split("Credential=").nth(1)?.split([',', ' ']).next()?;
    let region = scope.split('/').nth(2)?;
    let valid = !region.is_empty() && region.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    valid.then(|| region.to_owned())
}

/// Runs `action`.
async fn dispatch<S: PoolStore>(api: &Api<S>, action: &str, body: &[u8], headers: &HeaderMap) -> Answer {
    match action {
        "CreateUserPool" => {
            let region = region_of(headers).unwrap_or_else(|| DEFAULT_REGION.to_owned());
            actions::create_user_pool(api, body, &region).await
        }
        "DescribeUserPool" => actions::describe_user_pool(api, body).await,
        "UpdateUserPool" => actions::update_user_pool(api, body).await,
        "DeleteUserPool" => actions::delete_user_pool(api, body).await,
        "ListUserPools" => actions::list_user_pools(api, body).await,
        "CreateUserPoolClient" => actions::create_user_pool_client(api, body).await,
        "DescribeUserPoolClient" => actions::describe_user_pool_client(api, body).await,
        "UpdateUserPoolClient" => actions::update_user_pool_client(api, body).await,
        "DeleteUserPoolClient" => actions::delete_user_pool_client(api, body).await,
        "ListUserPoolClients" => actions::list_user_pool_clients(api, body).await,
        "AdminCreateUser" => actions::admin_create_user(api, body).await,
        "AdminSetUserPassword" => actions::admin_set_user_password(api, body).await,
        "AdminGetUser" => actions::admin_get_user(api, body).await,
        "AdminDeleteUser" => actions::admin_delete_user(api, body).await,
        "AdminDisableUser" => actions::admin_disable_user(api, body).await,
        "AdminEnableUser" => actions::admin_enable_user(api, body).await,
        "AdminConfirmSignUp" => actions::admin_confirm_sign_up(api, body).await,
        "AdminUpdateUserAttributes" => actions::admin_update_user_attributes(api, body).await,
        "AdminUserGlobalSignOut" => actions::admin_user_global_sign_out(api, body).await,
        "AdminInitiateAuth" => actions::admin_initiate_auth(api, body).await,
        "AdminRespondToAuthChallenge" => actions::admin_respond_to_auth_challenge(api, body).await,
        "ListUsers" => actions::list_users(api, body).await,
        "SignUp" => public::sign_up(api, body).await,
        "ConfirmSignUp" => public::confirm_sign_up(api, body).await,
        "ResendConfirmationCode" => public::resend_confirmation_code(api, body).await,
        "ForgotPassword" => public::forgot_password(api, body).await,
        "ConfirmForgotPassword" => public::confirm_forgot_password(api, body).await,
        "InitiateAuth" => public::initiate_auth(api, body).await,
        "RespondToAuthChallenge" => public::respond_to_auth_challenge(api, body).await,
        "RevokeToken" => public::revoke_token(api, body).await,
        "GetUser" => public::get_user(api, body).await,
        "UpdateUserAttributes" => public::update_user_attributes(api, body).await,
        "ChangePassword" => public::change_password(api, body).await,
        "DeleteUser" => public::delete_user(api, body).await,
        "GlobalSignOut" => public::global_sign_out(api, body).await,
        "GetUserAttributeVerificationCode" => public::get_user_attribute_verification_code(api, body).await,
        "VerifyUserAttribute" => public::verify_user_attribute(api, body).await,
        known if operations::ALL.binary_search(&known).is_ok() => Err(WireError::client(
            "UnsupportedOperationException",
            format!("authport does not implement the Cognito action {known}"),
        )),
        _ => Err(unknown_operation()),
    }
}

fn unknown_operation() -> WireError {
    WireError::client(
        "UnknownOperationException",
        "The action or operation requested is invalid. Verify that the action is typed correctly.",
    )
}

/// One `POST /`: the action's answer, logged (target, outcome, request id — never a body) and
/// counted.
async fn call<S: PoolStore>(
    api: Arc<Api<S>>,
    target: Option<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Infallible> {
    let request_id = uuid::Uuid::new_v4().to_string();
    let started = Instant::now();
    let action = target.as_deref().and_then(|t| t.strip_prefix(TARGET_PREFIX));
    let answer = match action {
        Some(action) => dispatch(&api, action, &body, &headers).await,
        None => Err(unknown_operation()),
    };
    // Only actions of the model become metric labels.
    let label: &'static str =
        action.and_then(|a| operations::ALL.binary_search(&a).ok()).map_or("unknown", |i| operations::ALL[i]);
    let response = match answer {
        Ok(body) => {
            crate::metrics::cognito_api_call(label, "ok");
            tracing::info!(
                action = label,
                outcome = "ok",
                request_id,
                ms = started.elapsed().as_millis(),
                "Cognito API call"
            );
            wire::ok(&body, &request_id)
        }
        Err(err) => {
            crate::metrics::cognito_api_call(label, err.exception);
            if err.status.is_server_error() {
                tracing::error!(action = label, outcome = err.exception, request_id, "Cognito API call failed inside");
            } else {
                tracing::info!(action = label, outcome = err.exception, request_id, message = %err.message, "Cognito API call refused");
            }
            err.into_response(&request_id)
        }
    };
    Ok(response)
}

/// `GET /<poolId>/.well-known/jwks.json`: the pool's keys, as Cognito publishes them.
async fn jwks<S: PoolStore>(api: Arc<Api<S>>, pool: String) -> Result<Response, Infallible> {
    let request_id = uuid::Uuid::new_v4().to_string();
    let Ok(pool) = PoolId::parse(&pool) else {
        return Ok(
            WireError::client("ResourceNotFoundException", "User pool does not exist.").into_response(&request_id)
        );
    };
    match api.engine.public_keys(&pool).await {
        Ok(keys) => {
            let keys: Vec<_> = keys
                .iter()
                .map(|k| serde_json::json!({ "alg": "RS256", "e": k.e, "kid": k.kid, "kty": "RSA", "n": k.n, "use": "sig" }))
                .collect();
            let mut response = warp::reply::json(&serde_json::json!({ "keys": keys })).into_response();
            response.headers_mut().insert("cache-control", warp::http::HeaderValue::from_static("max-age=300"));
            Ok(response)
        }
        Err(err) => Ok(WireError::from(err).into_response(&request_id)),
    }
}

use warp::Reply as _;

/// The routes of the listener.
pub fn routes<S: PoolStore>(
    api: Arc<Api<S>>,
) -> impl Filter<Extract = (Response,), Error = Infallible> + Clone + Send + Sync + 'static {
    let with_api = {
        let api = Arc::clone(&api);
        warp::any().map(move || Arc::clone(&api))
    };
    let calls = warp::post()
        .and(warp::path::end())
        .and(with_api.clone())
        .and(warp::header::optional::<String>("x-amz-target"))
        .and(warp::header::headers_cloned())
        .and(warp::body::content_length_limit(MAX_BODY))
        .and(warp::body::bytes())
        .and_then(call);
    let tester = tester::routes(Arc::clone(&api));
    let preflight = warp::options().and(warp::header::headers_cloned()).map(preflight);
    let keys = warp::get()
        .and(with_api)
        .and(warp::path::param::<String>())
        .and(warp::path(".well-known"))
        .and(warp::path("jwks.json"))
        .and(warp::path::end())
        .and_then(jwks);
    let routes = preflight.or(calls).unify().or(keys).unify().or(tester).unify().recover(refused).unify();
    routes.map(with_cors)
}

/// What browsers read of every answer (Cognito's own lists): any origin may call, and read the
/// request id and the error headers. No credentials: the API takes none from cookies.
const EXPOSED_HEADERS: &str = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date";

fn with_cors(mut response: Response) -> Response {
    use warp::http::HeaderValue;
    let headers = response.headers_mut();
    headers.insert("access-control-allow-origin", HeaderValue::from_static("*"));
    headers.insert("access-control-expose-headers", HeaderValue::from_static(EXPOSED_HEADERS));
    response
}

/// A CORS preflight, answered as Cognito does: 200 with no body, the requested headers and
/// method allowed as asked, cached for two days.
fn preflight(request: HeaderMap) -> Response {
    use warp::http::HeaderValue;
    let request_id = uuid::Uuid::new_v4().to_string();
    let mut response = Response::new(String::new().into());
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert("x-amzn-RequestId", value);
    }
    if let Some(asked) = request.get("access-control-request-headers") {
        headers.insert("access-control-allow-headers", asked.clone());
    }
    let method = request.get("access-control-request-method").cloned().unwrap_or(HeaderValue::from_static("POST"));
    headers.insert("access-control-allow-methods", method);
    headers.insert("access-control-max-age", HeaderValue::from_static("172800"));
    response
}

/// What warp refused before an action ran, in Cognito's error shape.
async fn refused(rejection: warp::Rejection) -> Result<Response, Infallible> {
    let request_id = uuid::Uuid::new_v4().to_string();
    let err = if rejection.find::<warp::reject::PayloadTooLarge>().is_some() {
        let err = WireError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            ..WireError::serialization(format!("Request body is larger than {MAX_BODY} bytes"))
        };
        // The body is left unread, which makes the connection unusable: say so.
        let mut response = err.into_response(&request_id);
        response.headers_mut().insert("connection", warp::http::HeaderValue::from_static("close"));
        return Ok(response);
    } else if rejection.find::<warp::reject::LengthRequired>().is_some() {
        WireError { status: StatusCode::LENGTH_REQUIRED, ..WireError::serialization("Content-Length is required") }
    } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        WireError { status: StatusCode::METHOD_NOT_ALLOWED, ..unknown_operation() }
    } else {
        WireError { status: StatusCode::NOT_FOUND, ..unknown_operation() }
    };
    Ok(err.into_response(&request_id))
}

/// Serves the API on `listener` until `shutdown` resolves — what `--cognito-api-listen` runs,
/// for embedding authport's Cognito API in a test harness.
pub async fn serve<S: PoolStore>(
    api: Arc<Api<S>>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()>,
) {
    crate::serve::serve(listener, routes(api), shutdown).await;
}

/// Whether `addr` may serve an API that verifies no signatures without an explicit opt-in.
pub fn is_loopback(addr: SocketAddr) -> bool {
    addr.ip().is_loopback()
}
