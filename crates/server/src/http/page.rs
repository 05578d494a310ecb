//! The sign-up / log-in page (`GET /`, with its script and style sheet as separate files so
//! the CSP can forbid inline script), `GET /v1/password-policy` for its hints, and the security
//! headers every response carries.

use authport_domain::AuthService;
use authport_domain::model::password::{COGNITO_SYMBOLS, MAX_PASSWORD_CHARS};
use serde::Serialize;
use warp::http::header::{self, HeaderMap, HeaderValue};
use warp::http::{Method, StatusCode};
use warp::{Filter, Rejection, Reply};

use super::filters;

const INDEX_HTML: &str = include_str!("../../assets/index.html");
const APP_JS: &str = include_str!("../../assets/app.js");
const APP_CSS: &str = include_str!("../../assets/app.css");

/// The page may load its own script, style sheet and API only; no inline script, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Headers set on every response, errors included (applied around the whole route tree).
pub fn security_headers() -> warp::filters::reply::WithHeaders {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    warp::reply::with::headers(headers)
}

/// `GET /`, `GET /app.js`, `GET /app.css`: the embedded page.
pub fn routes() -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let index = warp::path::end().and(filters::method(Method::GET)).map(|| asset(INDEX_HTML, "text/html"));
    let js = warp::path!("app.js").and(filters::method(Method::GET)).map(|| asset(APP_JS, "text/javascript"));
    let css = warp::path!("app.css").and(filters::method(Method::GET)).map(|| asset(APP_CSS, "text/css"));
    index.or(js).or(css)
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

/// `GET /v1/password-policy`: the active backend's policy, for client-side hints.
pub fn password_policy(service: AuthService) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    warp::path!("v1" / "password-policy").and(filters::method(Method::GET)).and(filters::with_service(service)).map(
        |service: AuthService| {
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
        },
    )
}

/// Documents `GET /v1/password-policy` (the route itself is [`password_policy`]).
#[utoipa::path(
    get,
    path = "/v1/password-policy",
    tag = "v1",
    responses((status = 200, description = "The active backend's password policy, for client-side hints", body = PasswordPolicyResponse))
)]
#[allow(dead_code, reason = "only documents the route; the route itself is `password_policy`")]
pub(super) fn password_policy_doc() {}

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
