//! Sign-up, log-in and the new-password challenge: the routes that take credentials.

use std::net::SocketAddr;

use authport_domain::{AuthService, AuthenticatedUser, BackendError, ChallengeSession};
use secrecy::ExposeSecret as _;
use warp::http::{HeaderMap, Method, StatusCode};
use warp::{Filter as _, Rejection, Reply as _, reply};

use super::dto::{CredentialsRequest, NewPasswordRequest, SignUpResponse, TokenResponse};
use super::filters::{self, method};
use super::openapi::{BackendErrors, BodyErrors};
use super::problem::{ApiError, Problem};
use super::{AppState, Route, route_group};
use crate::limits::{RateLimits, Refused, retry_after_secs};

route_group!(sign_up, log_in, complete_new_password);

/// Creates a confirmed user who can log in at once.
#[utoipa::path(
    post,
    path = "/v1/signup",
    tag = "v1",
    request_body = CredentialsRequest,
    responses(
        (status = 201, description = "The user was created", body = SignUpResponse),
        BodyErrors,
        (status = 409, description = "`user_exists`: the (normalised) e-mail address is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_email`, or `weak_password` with `violations`", body = Problem, content_type = "application/problem+json"),
        BackendErrors,
    )
)]
fn sign_up(state: &AppState) -> Route {
    warp::path!("v1" / "signup")
        .and(method(Method::POST))
        .and(limited_credentials(state))
        .and(filters::service(state))
        .and_then(|body: CredentialsRequest, service: AuthService| async move {
            let user = service.sign_up(&body.email, body.password).await.map_err(ApiError::from)?;
            let created = reply::with_status(reply::json(&SignUpResponse::from(&user)), StatusCode::CREATED);
            Ok::<_, Rejection>(created.into_response())
        })
        .boxed()
}

/// Checks the credentials and issues tokens.
#[utoipa::path(
    post,
    path = "/v1/login",
    tag = "v1",
    request_body = CredentialsRequest,
    responses(
        (status = 200, description = "Tokens (`Cache-Control: no-store`)", body = TokenResponse),
        BodyErrors,
        (status = 401, description = "`invalid_credentials`: the same for an unknown user and a wrong password", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`password_change_required`, with `session`", body = Problem, content_type = "application/problem+json"),
        BackendErrors,
    )
)]
fn log_in(state: &AppState) -> Route {
    warp::path!("v1" / "login")
        .and(method(Method::POST))
        .and(limited_credentials(state))
        .and(filters::service(state))
        .and_then(|body: CredentialsRequest, service: AuthService| async move {
            let tokens = service.log_in(&body.email, body.password).await.map_err(ApiError::from)?;
            Ok::<_, Rejection>(filters::no_store(reply::json(&TokenResponse::from(&tokens))))
        })
        .boxed()
}

/// Answers a `password_change_required` log-in with the user's new password.
#[utoipa::path(
    post,
    path = "/v1/login/new-password",
    tag = "v1",
    request_body = NewPasswordRequest,
    responses(
        (status = 200, description = "Tokens (`Cache-Control: no-store`)", body = TokenResponse),
        BodyErrors,
        (status = 401, description = "`invalid_session`: the challenge session is invalid or expired", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_email`, or `weak_password` with `violations`", body = Problem, content_type = "application/problem+json"),
        BackendErrors,
    )
)]
fn complete_new_password(state: &AppState) -> Route {
    warp::path!("v1" / "login" / "new-password")
        .and(method(Method::POST))
        .and(filters::json_body())
        .and(filters::service(state))
        .and_then(|body: NewPasswordRequest, service: AuthService| async move {
            let session = ChallengeSession::new(body.session.expose_secret());
            let tokens =
                service.complete_new_password(&body.email, session, body.new_password).await.map_err(ApiError::from)?;
            Ok::<_, Rejection>(filters::no_store(reply::json(&TokenResponse::from(&tokens))))
        })
        .boxed()
}

/// The credentials of a sign-up or log-in, within the rate limits: the client IP's budget is
/// spent before the body is read (malformed attempts count too), then the normalised e-mail's.
/// Over a limit: `429 too_many_requests` with `Retry-After` (seconds until the next attempt
/// would be allowed).
fn limited_credentials(
    state: &AppState,
) -> impl warp::Filter<Extract = (CredentialsRequest,), Error = Rejection> + Clone + use<> {
    let limits = state.limits.clone();
    limited_ip(state).and(filters::json_body::<CredentialsRequest>()).and_then(move |body: CredentialsRequest| {
        let limits = limits.clone();
        async move {
            check_email(&limits, &body.email).await?;
            Ok::<_, Rejection>(body)
        }
    })
}

/// The user of the request's access token, within the same budgets as a log-in: the client
/// IP's (spent before the token is looked at), then the token's address's — so that a request
/// that checks a password (a change, a deletion) guesses no faster than `/v1/login`.
pub(super) fn limited_user(
    state: &AppState,
) -> impl warp::Filter<Extract = (AuthenticatedUser,), Error = Rejection> + Clone + use<> {
    let limits = state.limits.clone();
    limited_ip(state).and(filters::authenticated(state)).and_then(move |user: AuthenticatedUser| {
        let limits = limits.clone();
        async move {
            check_email(&limits, &user.username).await?;
            Ok::<_, Rejection>(user)
        }
    })
}

/// Spends the client IP's budget.
fn limited_ip(state: &AppState) -> impl warp::Filter<Extract = (), Error = Rejection> + Clone + use<> {
    let limits = state.limits.clone();
    filters::peer_addr()
        .and(warp::header::headers_cloned())
        .and_then(move |peer: Option<SocketAddr>, headers: HeaderMap| {
            let limits = limits.clone();
            async move {
                let forwarded_for = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
                let ip = limits.client_ip(peer, forwarded_for);
                limits.check_ip(ip).await.map_err(|refused| {
                    if let Refused::TooMany(_) = refused {
                        tracing::info!(client_ip = ?ip, "rate limit: too many attempts from this address");
                    }
                    refusal(refused)
                })
            }
        })
        .untuple_one()
}

/// Spends the (normalised) address's budget.
async fn check_email(limits: &RateLimits, email: &str) -> Result<(), Rejection> {
    limits.check_email(email).await.map_err(|refused| {
        if let Refused::TooMany(_) = refused {
            tracing::info!("rate limit: too many attempts for one e-mail address");
        }
        refusal(refused)
    })
}

/// Over a limit: answered exactly like a throttling backend (`429 too_many_requests` with
/// `Retry-After`). The shared limits failing under the `closed` policy: `503 backend_unavailable`.
fn refusal(refused: Refused) -> Rejection {
    let err = match refused {
        Refused::TooMany(wait) => BackendError::RateLimited { retry_after: Some(retry_after_secs(wait)) },
        Refused::StoreUnavailable => BackendError::Unavailable("the rate-limit store fails (policy: closed)".into()),
    };
    ApiError::Backend(err).into()
}
