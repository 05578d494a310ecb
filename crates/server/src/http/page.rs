//! The sign-up / log-in page (`GET /`, with its script and style sheet as separate files so
//! the CSP can forbid inline script) and `GET /v1/password-policy` for its hints.

use authport_domain::AuthService;
use authport_domain::model::password::{COGNITO_SYMBOLS, MAX_PASSWORD_CHARS};
use serde::Serialize;
use warp::http::header::{self, HeaderValue};
use warp::http::{Method, StatusCode};
use warp::{Filter as _, Reply as _};

use super::filters::{self, method};
use super::{AppState, Route, route_group};

route_group!(password_policy, index, app_js, app_css);

const INDEX_HTML: &str = include_str!("../../assets/index.html");
const APP_JS: &str = include_str!("../../assets/app.js");
const APP_CSS: &str = include_str!("../../assets/app.css");

/// The sign-up / log-in page.
#[utoipa::path(get, path = "/", tag = "page",
    responses((status = 200, description = "The page", content_type = "text/html", body = String)))]
fn index(_: &AppState) -> Route {
    warp::path::end().and(method(Method::GET)).map(|| asset(INDEX_HTML, "text/html")).boxed()
}

/// The page's script.
#[utoipa::path(get, path = "/app.js", tag = "page",
    responses((status = 200, description = "The page's script", content_type = "text/javascript", body = String)))]
fn app_js(_: &AppState) -> Route {
    warp::path!("app.js").and(method(Method::GET)).map(|| asset(APP_JS, "text/javascript")).boxed()
}

/// The page's style sheet.
#[utoipa::path(get, path = "/app.css", tag = "page",
    responses((status = 200, description = "The page's style sheet", content_type = "text/css", body = String)))]
fn app_css(_: &AppState) -> Route {
    warp::path!("app.css").and(method(Method::GET)).map(|| asset(APP_CSS, "text/css")).boxed()
}

fn asset(body: &'static str, media_type: &'static str) -> warp::reply::Response {
    let mut response = warp::reply::with_status(body, StatusCode::OK).into_response();
    let headers = response.headers_mut();
    let content_type = format!("{media_type}; charset=utf-8");
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(&content_type).expect("static media type"));
    // Small and embedded: always revalidate, so a new binary's page is used at once.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The active backend's password policy, for client-side hints.
#[utoipa::path(
    get,
    path = "/v1/password-policy",
    tag = "v1",
    responses((status = 200, description = "The active backend's password policy, for client-side hints", body = PasswordPolicyResponse))
)]
fn password_policy(state: &AppState) -> Route {
    warp::path!("v1" / "password-policy")
        .and(method(Method::GET))
        .and(filters::service(state))
        .map(|service: AuthService| {
            let policy = service.password_policy();
            warp::reply::json(&PasswordPolicyResponse {
                min_length: policy.min_length,
                max_length: MAX_PASSWORD_CHARS,
                require_lowercase: policy.require_lowercase,
                require_uppercase: policy.require_uppercase,
                require_digit: policy.require_digit,
                require_symbol: policy.require_symbol,
                symbols: COGNITO_SYMBOLS,
            })
            .into_response()
        })
        .boxed()
}

/// `200` of `GET /v1/password-policy`. `symbols` is Cognito's set; its space counts only
/// inside a password, which must not begin or end with white space.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct PasswordPolicyResponse {
    min_length: usize,
    max_length: usize,
    require_lowercase: bool,
    require_uppercase: bool,
    require_digit: bool,
    require_symbol: bool,
    symbols: &'static str,
}
