//! Handlers: wire types in, use case, wire types out. Failures become [`ApiError`] rejections.

use std::sync::Arc;

use authport_domain::{AuthService, AuthenticatedUser, ChallengeSession, TokenSet};
use secrecy::ExposeSecret as _;
use warp::http::{StatusCode, header};
use warp::{Rejection, Reply, reply};

use super::dto::{
    CredentialsRequest, Health, Jwk, Jwks, MeResponse, NewPasswordRequest, RefreshRequest, RefreshResponse,
    SignUpResponse, TokenResponse,
};
use super::openapi::{BackendErrors, BodyErrors};
use super::problem::{ApiError, Problem};
use crate::verifier::AccessTokenVerifier;

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
pub async fn sign_up(body: CredentialsRequest, service: AuthService) -> Result<impl Reply, Rejection> {
    let user = service.sign_up(&body.email, body.password).await.map_err(ApiError::from)?;
    Ok(reply::with_status(reply::json(&SignUpResponse::from(&user)), StatusCode::CREATED))
}

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
pub async fn log_in(body: CredentialsRequest, service: AuthService) -> Result<impl Reply, Rejection> {
    let tokens = service.log_in(&body.email, body.password).await.map_err(ApiError::from)?;
    Ok(token_reply(&tokens))
}

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
pub async fn complete_new_password(body: NewPasswordRequest, service: AuthService) -> Result<impl Reply, Rejection> {
    let session = ChallengeSession::new(body.session.expose_secret());
    let tokens =
        service.complete_new_password(&body.email, session, body.new_password).await.map_err(ApiError::from)?;
    Ok(token_reply(&tokens))
}

fn token_reply(tokens: &TokenSet) -> impl Reply + use<> {
    no_store(reply::json(&TokenResponse::from(tokens)))
}

/// RFC 6749 §5.1: token responses (and whatever else carries a user's data) must not be cached.
fn no_store(reply: impl Reply) -> impl Reply {
    reply::with_header(reply::with_header(reply, header::CACHE_CONTROL, "no-store"), header::PRAGMA, "no-cache")
}

#[utoipa::path(
    post,
    path = "/v1/token/refresh",
    tag = "v1",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New access and id tokens (`Cache-Control: no-store`)", body = RefreshResponse),
        BodyErrors,
        (status = 401, description = "`invalid_token`: unknown, expired or revoked refresh token", body = Problem, content_type = "application/problem+json"),
        BackendErrors,
    )
)]
pub async fn refresh(body: RefreshRequest, service: AuthService) -> Result<impl Reply, Rejection> {
    let tokens = service.refresh(body.refresh_token).await.map_err(ApiError::from)?;
    Ok(no_store(reply::json(&RefreshResponse::from(&tokens))))
}

#[utoipa::path(
    post,
    path = "/v1/logout",
    tag = "v1",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Every refresh token of the user is revoked"),
        (status = 401, description = "`invalid_token` (with `WWW-Authenticate: Bearer`)", body = Problem, content_type = "application/problem+json"),
        BackendErrors,
    )
)]
pub async fn log_out(user: AuthenticatedUser, service: AuthService) -> Result<impl Reply, Rejection> {
    service.log_out(&user).await.map_err(ApiError::from)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The e-mail address is the token's user name: authport creates every user with the
/// normalised address as its name, on every backend.
#[utoipa::path(
    get,
    path = "/v1/me",
    tag = "v1",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Who the access token belongs to", body = MeResponse),
        (status = 401, description = "`invalid_token` (with `WWW-Authenticate: Bearer`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`backend_unavailable`: the verification keys cannot be fetched", body = Problem, content_type = "application/problem+json"),
    )
)]
pub fn me(user: AuthenticatedUser) -> impl Reply {
    let body = reply::json(&MeResponse { sub: user.id.as_str(), email: &user.username });
    reply::with_header(body, header::CACHE_CONTROL, "no-store")
}

#[utoipa::path(
    get,
    path = "/.well-known/jwks.json",
    tag = "operations",
    responses(
        (status = 200, description = "The RSA keys that verify the tokens", body = Jwks),
        (status = 503, description = "`backend_unavailable`: the keys cannot be fetched", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn jwks(verifier: Arc<AccessTokenVerifier>) -> Result<impl Reply, Rejection> {
    let keys = verifier.published_keys().await.map_err(ApiError::from)?;
    let body = Jwks { keys: keys.iter().map(Jwk::from).collect() };
    Ok(reply::with_header(reply::json(&body), header::CACHE_CONTROL, "public, max-age=300"))
}

#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "Liveness", body = Health))
)]
pub fn healthz() -> impl Reply {
    reply::json(&Health { status: "ok" })
}
