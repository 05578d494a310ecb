//! Handlers: wire types in, use case, wire types out. Failures become [`ApiError`] rejections.

use std::sync::Arc;

use authport_domain::{AuthService, AuthenticatedUser, ChallengeSession, TokenSet};
use secrecy::ExposeSecret as _;
use warp::http::{StatusCode, header};
use warp::{Rejection, Reply, reply};

use super::dto::{
    CredentialsRequest, Jwk, Jwks, MeResponse, NewPasswordRequest, RefreshRequest, RefreshResponse, SignUpResponse,
    TokenResponse,
};
use super::problem::ApiError;
use crate::verifier::AccessTokenVerifier;

pub async fn sign_up(body: CredentialsRequest, service: AuthService) -> Result<impl Reply, Rejection> {
    let user = service.sign_up(&body.email, body.password).await.map_err(ApiError::from)?;
    Ok(reply::with_status(reply::json(&SignUpResponse::from(&user)), StatusCode::CREATED))
}

pub async fn log_in(body: CredentialsRequest, service: AuthService) -> Result<impl Reply, Rejection> {
    let tokens = service.log_in(&body.email, body.password).await.map_err(ApiError::from)?;
    Ok(token_reply(&tokens))
}

pub async fn complete_new_password(body: NewPasswordRequest, service: AuthService) -> Result<impl Reply, Rejection> {
    let session = ChallengeSession::new(body.session.expose_secret());
    let tokens =
        service.complete_new_password(&body.email, session, body.new_password).await.map_err(ApiError::from)?;
    Ok(token_reply(&tokens))
}

/// RFC 6749 §5.1: token responses must not be cached.
fn token_reply(tokens: &TokenSet) -> impl Reply + use<> {
    let body = reply::json(&TokenResponse::from(tokens));
    reply::with_header(reply::with_header(body, header::CACHE_CONTROL, "no-store"), header::PRAGMA, "no-cache")
}

pub async fn refresh(body: RefreshRequest, service: AuthService) -> Result<impl Reply, Rejection> {
    let tokens = service.refresh(body.refresh_token).await.map_err(ApiError::from)?;
    let body = reply::json(&RefreshResponse::from(&tokens));
    Ok(reply::with_header(reply::with_header(body, header::CACHE_CONTROL, "no-store"), header::PRAGMA, "no-cache"))
}

pub async fn log_out(user: AuthenticatedUser, service: AuthService) -> Result<impl Reply, Rejection> {
    service.log_out(&user).await.map_err(ApiError::from)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The e-mail address is the token's user name: authport creates every user with the
/// normalised address as its name, on every backend.
pub fn me(user: AuthenticatedUser) -> impl Reply {
    let body = reply::json(&MeResponse { sub: user.id.as_str(), email: &user.username });
    reply::with_header(body, header::CACHE_CONTROL, "no-store")
}

pub async fn jwks(verifier: Arc<AccessTokenVerifier>) -> Result<impl Reply, Rejection> {
    let keys = verifier.published_keys().await.map_err(ApiError::from)?;
    let body = Jwks { keys: keys.iter().map(Jwk::from).collect() };
    Ok(reply::with_header(reply::json(&body), header::CACHE_CONTROL, "public, max-age=300"))
}

pub fn healthz() -> impl Reply {
    reply::json(&serde_json::json!({ "status": "ok" }))
}
