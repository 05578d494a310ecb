//! The HTTP edge (warp): filters decide *which* request, handlers decide *what* happens,
//! [`problem`] decides how every failure is answered.

mod dto;
mod filters;
mod handlers;
mod openapi;
mod page;
mod problem;

// Readiness probe.
mod ops;

use std::sync::Arc;

use authport_domain::AuthService;
use warp::Filter;
use warp::http::Method;

use crate::limits::RateLimits;
use crate::verifier::AccessTokenVerifier;

/// Largest request body accepted (bytes).
pub const MAX_BODY_BYTES: u64 = 16 * 1024;

/// Every `(method, path)` that [`routes`] answers, as the OpenAPI document must list it
/// (`openapi.rs` checks the two agree; see there how to document a new route).
pub const ROUTES: &[(&str, &str)] = &[
    ("POST", "/v1/signup"),
    ("POST", "/v1/login"),
    ("POST", "/v1/login/new-password"),
    ("POST", "/v1/token/refresh"),
    ("POST", "/v1/logout"),
    ("GET", "/v1/me"),
    ("GET", "/.well-known/jwks.json"),
    ("GET", "/v1/password-policy"),
    ("GET", "/healthz"),
    ("GET", "/openapi.json"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/"),
    ("GET", "/app.js"),
    ("GET", "/app.css"),
];

/// Every route of API v1 plus the operational endpoints, with one `recover` at the end.
pub fn routes(
    service: AuthService,
    verifier: Arc<AccessTokenVerifier>,
    limits: Arc<RateLimits>,
) -> impl Filter<Extract = (impl warp::Reply,), Error = std::convert::Infallible> + Clone {
    let password_policy = page::password_policy(service.clone());
    let with_service = filters::with_service(service);

    let signup = warp::path!("v1" / "signup")
        .and(filters::method(Method::POST))
        .and(ops::limited_credentials(Arc::clone(&limits)))
        .and(with_service.clone())
        .and_then(handlers::sign_up);

    let login = warp::path!("v1" / "login")
        .and(filters::method(Method::POST))
        .and(ops::limited_credentials(limits))
        .and(with_service.clone())
        .and_then(handlers::log_in);

    let new_password = warp::path!("v1" / "login" / "new-password")
        .and(filters::method(Method::POST))
        .and(filters::json_body())
        .and(with_service.clone())
        .and_then(handlers::complete_new_password);

    let refresh = warp::path!("v1" / "token" / "refresh")
        .and(filters::method(Method::POST))
        .and(filters::json_body())
        .and(with_service.clone())
        .and_then(handlers::refresh);

    let logout = warp::path!("v1" / "logout")
        .and(filters::method(Method::POST))
        .and(filters::authenticated(Arc::clone(&verifier)))
        .and(with_service.clone())
        .and_then(handlers::log_out);

    let me = warp::path!("v1" / "me")
        .and(filters::method(Method::GET))
        .and(filters::authenticated(Arc::clone(&verifier)))
        .map(handlers::me);

    let jwks = warp::path!(".well-known" / "jwks.json")
        .and(filters::method(Method::GET))
        .and(filters::with_verifier(verifier))
        .and_then(handlers::jwks);

    let healthz = warp::path!("healthz").and(filters::method(Method::GET)).map(handlers::healthz);
    let metrics = warp::path!("metrics").and(filters::method(Method::GET)).map(ops::metrics);
    let readyz = warp::path!("readyz").and(filters::method(Method::GET)).and(with_service).and_then(ops::readyz);

    let openapi_doc = bytes::Bytes::from(openapi::document().to_json().expect("the OpenAPI document serialises"));
    let openapi = warp::path!("openapi.json").and(filters::method(Method::GET)).map(move || {
        let mut response = warp::reply::Response::new(openapi_doc.clone().into());
        response
            .headers_mut()
            .insert(warp::http::header::CONTENT_TYPE, warp::http::HeaderValue::from_static("application/json"));
        response
    });

    signup
        .or(login)
        .or(new_password)
        .or(refresh)
        .or(logout)
        .or(me)
        .or(jwks)
        .or(readyz)
        .or(metrics)
        .or(openapi)
        .or(healthz)
        .or(password_policy)
        .or(page::routes())
        .with(warp::wrap_fn(ops::with_request_id))
        .with(page::security_headers())
        .with(warp::trace(ops::request_span))
}
