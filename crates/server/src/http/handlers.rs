//! Handlers: wire types in, use case, wire types out. Failures become [`ApiError`] rejections.

use authport_domain::AuthService;
use warp::http::{StatusCode, header};
use warp::{Rejection, Reply, reply};

use super::dto::{CredentialsRequest, Jwk, Jwks, SignUpResponse, TokenResponse};
use super::problem::ApiError;

pub async fn sign_up(body: CredentialsRequest, service: AuthService) -> Result<impl Reply, Rejection> {
    let user = service.sign_up(&body.email, body.password).await.map_err(ApiError::from)?;
    Ok(reply::with_status(reply::json(&SignUpResponse::from(&user)), StatusCode::CREATED))
}

pub async fn log_in(body: CredentialsRequest, service: AuthService) -> Result<impl Reply, Rejection> {
    let tokens = service.log_in(&body.email, body.password).await.map_err(ApiError::from)?;
    // RFC 6749 §5.1: token responses must not be cached.
    Ok(reply::with_header(
        reply::with_header(reply::json(&TokenResponse::from(&tokens)), header::CACHE_CONTROL, "no-store"),
        header::PRAGMA,
        "no-cache",
    ))
}

pub async fn jwks(service: AuthService) -> Result<impl Reply, Rejection> {
    let keys = service.signing_keys().await.map_err(ApiError::from)?;
    let body = Jwks { keys: keys.iter().map(Jwk::from).collect() };
    Ok(reply::with_header(reply::json(&body), header::CACHE_CONTROL, "public, max-age=300"))
}

pub fn healthz() -> impl Reply {
    reply::json(&serde_json::json!({ "status": "ok" }))
}
