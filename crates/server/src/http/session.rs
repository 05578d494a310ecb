//! A logged-in session: refreshing its tokens, logging out, who is logged in, and the keys that
//! verify its tokens.

use std::sync::Arc;

use authport_domain::{AuthService, AuthenticatedUser};
use warp::http::{Method, StatusCode, header};
use warp::{Filter as _, Rejection, Reply as _, reply};

use super::dto::{Jwk, Jwks, MeResponse, RefreshRequest, RefreshResponse};
use super::filters::{self, method};
use super::openapi::{BackendErrors, BodyErrors};
use super::problem::{ApiError, Problem};
use super::{AppState, Route, route_group};
use crate::verifier::JWKS_MAX_AGE;

route_group!(refresh, log_out, me, jwks);

/// Exchanges a refresh token for new access and id tokens.
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
fn refresh(state: &AppState) -> Route {
    warp::path!("v1" / "token" / "refresh")
        .and(method(Method::POST))
        .and(filters::json_body())
        .and(filters::service(state))
        .and_then(|body: RefreshRequest, service: AuthService| async move {
            let tokens = service.refresh(body.refresh_token).await.map_err(ApiError::from)?;
            Ok::<_, Rejection>(filters::no_store(reply::json(&RefreshResponse::from(&tokens))))
        })
        .boxed()
}

/// Logs the user out everywhere: every refresh token of theirs is revoked.
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
fn log_out(state: &AppState) -> Route {
    warp::path!("v1" / "logout")
        .and(method(Method::POST))
        .and(filters::authenticated(state))
        .and(filters::service(state))
        .and_then(|user: AuthenticatedUser, service: AuthService| async move {
            service.log_out(&user).await.map_err(ApiError::from)?;
            Ok::<_, Rejection>(StatusCode::NO_CONTENT.into_response())
        })
        .boxed()
}

/// Who the access token belongs to.
///
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
fn me(state: &AppState) -> Route {
    warp::path!("v1" / "me")
        .and(filters::method_among(Method::GET, super::account::ME_METHODS))
        .and(filters::authenticated(state))
        .map(|user: AuthenticatedUser| {
            let body = reply::json(&MeResponse { sub: user.id.as_str(), email: &user.username });
            reply::with_header(body, header::CACHE_CONTROL, "no-store").into_response()
        })
        .boxed()
}

/// The RSA keys that verify the tokens (a JSON Web Key Set).
#[utoipa::path(
    get,
    path = "/.well-known/jwks.json",
    tag = "operations",
    responses(
        (status = 200, description = "The RSA keys that verify the tokens", body = Jwks),
        (status = 503, description = "`backend_unavailable`: the keys cannot be fetched", body = Problem, content_type = "application/problem+json"),
    )
)]
fn jwks(state: &AppState) -> Route {
    let verifier = Arc::clone(&state.verifier);
    // Clients may keep the keys as long as the verifier serves them without asking the backend.
    let cache_control = format!("public, max-age={}", JWKS_MAX_AGE.as_secs());
    warp::path!(".well-known" / "jwks.json")
        .and(method(Method::GET))
        .and_then(move || {
            let (verifier, cache_control) = (Arc::clone(&verifier), cache_control.clone());
            async move {
                let keys = verifier.published_keys().await.map_err(ApiError::from)?;
                let body = Jwks { keys: keys.iter().map(Jwk::from).collect() };
                let cached = reply::with_header(reply::json(&body), header::CACHE_CONTROL, cache_control);
                Ok::<_, Rejection>(cached.into_response())
            }
        })
        .boxed()
}
