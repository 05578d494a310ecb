//! Operations: liveness and readiness probes, Prometheus metrics, and this API's OpenAPI document.

use std::sync::Arc;

use authport_domain::{AuthService, BackendError};
use bytes::Bytes;
use warp::http::{HeaderValue, Method, header};
use warp::{Filter as _, Rejection, Reply as _, reply};

use super::dto::{Health, Ready};
use super::filters::{self, method};
use super::problem::{ApiError, Problem};
use super::{AppState, Route, openapi, route_group};
use crate::limits::RateLimits;

route_group!(readyz, metrics, openapi_json, healthz);

/// Liveness: the process serves HTTP.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "Liveness", body = Health))
)]
fn healthz(_: &AppState) -> Route {
    warp::path!("healthz")
        .and(method(Method::GET))
        .map(|| reply::json(&Health { status: "ok" }).into_response())
        .boxed()
}

/// Readiness: ready only when the backend answers.
///
/// `503 backend_unavailable` otherwise — also when the backend failed in an unexpected way,
/// since a probe only asks "send traffic here or not".
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "The backend answered", body = Ready),
        (status = 503, description = "`backend_unavailable`: the backend does not answer",
         body = Problem, content_type = "application/problem+json"),
    )
)]
fn readyz(state: &AppState) -> Route {
    warp::path!("readyz")
        .and(method(Method::GET))
        .and(filters::service(state))
        .and(filters::limits(state))
        .and_then(|service: AuthService, limits: Arc<RateLimits>| async move {
            match service.ready().await {
                Ok(()) => {
                    let rate_limits = limits.store_status().as_str();
                    Ok(reply::json(&Ready { status: "ready", backend: service.backend_name(), rate_limits })
                        .into_response())
                }
                Err(BackendError::Unexpected(err)) => Err(ApiError::Backend(BackendError::Unavailable(err)).into()),
                Err(err) => Err::<_, Rejection>(ApiError::Backend(err).into()),
            }
        })
        .boxed()
}

/// Prometheus metrics.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format 0.0.4",
               content_type = "text/plain; version=0.0.4; charset=utf-8", body = String))
)]
fn metrics(_: &AppState) -> Route {
    warp::path!("metrics")
        .and(method(Method::GET))
        .map(|| {
            let handle = crate::metrics::handle();
            handle.run_upkeep();
            let text = reply::with_header(handle.render(), "content-type", "text/plain; version=0.0.4; charset=utf-8");
            text.into_response()
        })
        .boxed()
}

/// This document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "operations",
    responses((status = 200, description = "This OpenAPI document", content_type = "application/json", body = Object))
)]
fn openapi_json(_: &AppState) -> Route {
    let document = Bytes::from(openapi::document().to_json().expect("the OpenAPI document serialises"));
    warp::path!("openapi.json")
        .and(method(Method::GET))
        .map(move || {
            let mut response = reply::Response::new(document.clone().into());
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        })
        .boxed()
}
