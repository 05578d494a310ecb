//! Account self-service: changing the password (every other session ends) and deleting the
//! account (after the password again). Both take the access token *and* the password, and spend
//! the per-address log-in budget as a log-in does, so they cannot be used to guess passwords
//! faster than `/v1/login` allows.

use authport_domain::{AuthService, AuthenticatedUser};
use warp::http::{Method, StatusCode};
use warp::{Filter as _, Rejection, Reply as _, reply};

use super::dto::{ChangePasswordRequest, DeleteAccountRequest, TokenResponse};
use super::filters::{self, method};
use super::openapi::{BackendErrors, BodyErrors};
use super::problem::{ApiError, Problem};
use super::{AppState, Route, route_group};

route_group!(change_password, delete_account);

/// The methods `/v1/me` answers (`GET` in `session.rs`).
pub(super) const ME_METHODS: &str = "GET, DELETE";

/// Changes the password: the current one is checked, the new one must meet the policy, every
/// other session of the user ends (their refresh tokens stop working), and a fresh token set is
/// returned.
///
/// Access tokens issued before stay valid until they expire: they are stateless JWTs, as
/// Cognito's are.
#[utoipa::path(
    post,
    path = "/v1/password",
    tag = "v1",
    security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 200, description = "The new password is set; new tokens (`Cache-Control: no-store`)", body = TokenResponse),
        BodyErrors,
        (status = 401, description = "`invalid_token` (with `WWW-Authenticate: Bearer`), or `invalid_credentials`: the current password is wrong", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`weak_password` with `violations`", body = Problem, content_type = "application/problem+json"),
        BackendErrors,
    )
)]
fn change_password(state: &AppState) -> Route {
    warp::path!("v1" / "password")
        .and(method(Method::POST))
        .and(super::auth::limited_user(state))
        .and(filters::json_body())
        .and(filters::service(state))
        .and_then(|user: AuthenticatedUser, body: ChangePasswordRequest, service: AuthService| async move {
            let tokens = service
                .change_password(&user, body.current_password, body.new_password)
                .await
                .map_err(ApiError::from)?;
            Ok::<_, Rejection>(filters::no_store(reply::json(&TokenResponse::from(&tokens))))
        })
        .boxed()
}

/// Deletes the account, with every session of it, once the password proves it is the user's;
/// the address can be signed up again.
///
/// An access token issued before stays valid for `GET /v1/me` until it expires (stateless JWTs);
/// nothing else accepts it: its user is gone.
#[utoipa::path(
    delete,
    path = "/v1/me",
    tag = "v1",
    security(("bearer" = [])),
    request_body = DeleteAccountRequest,
    responses(
        (status = 204, description = "The account is deleted"),
        BodyErrors,
        (status = 401, description = "`invalid_token` (with `WWW-Authenticate: Bearer`), or `invalid_credentials`: the password is wrong", body = Problem, content_type = "application/problem+json"),
        BackendErrors,
    )
)]
fn delete_account(state: &AppState) -> Route {
    warp::path!("v1" / "me")
        .and(filters::method_among(Method::DELETE, ME_METHODS))
        .and(super::auth::limited_user(state))
        .and(filters::json_body())
        .and(filters::service(state))
        .and_then(|user: AuthenticatedUser, body: DeleteAccountRequest, service: AuthService| async move {
            service.delete_account(&user, body.password).await.map_err(ApiError::from)?;
            Ok::<_, Rejection>(StatusCode::NO_CONTENT.into_response())
        })
        .boxed()
}
