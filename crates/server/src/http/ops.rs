//! Operational endpoints (the readiness probe), the rate-limit filter and request ids.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use authport_domain::{AuthService, BackendError};
use warp::http::{HeaderMap, HeaderValue};
use warp::reply::Response;
use warp::{Filter, Rejection, Reply, reply};

use super::dto::CredentialsRequest;
use super::filters;
use super::problem::{self, ApiError};
use crate::limits::{RateLimits, retry_after_secs};

/// `GET /readyz`: 200 only when the backend answered ([`AuthService::ready`]); otherwise
/// `503 backend_unavailable` — also when the backend failed in an unexpected way, since a
/// probe only asks "send traffic here or not". `/healthz` stays the liveness probe.
pub async fn readyz(service: AuthService) -> Result<impl Reply, Rejection> {
    match service.ready().await {
        Ok(()) => Ok(reply::json(&serde_json::json!({ "status": "ready", "backend": service.backend_name() }))),
        Err(BackendError::Unexpected(err)) => Err(ApiError::Backend(BackendError::Unavailable(err)).into()),
        Err(err) => Err(ApiError::Backend(err).into()),
    }
}

/// Rate limits of the credential endpoints: the client IP's budget is spent before the body is
/// read (malformed attempts count too), then the normalised e-mail's. Over a limit:
/// `429 too_many_requests` with `Retry-After` (seconds until governor would allow the next one).
pub fn limited_credentials(
    limits: Arc<RateLimits>,
) -> impl Filter<Extract = (CredentialsRequest,), Error = Rejection> + Clone {
    let ip_limits = Arc::clone(&limits);
    warp::addr::remote()
        .and(warp::header::headers_cloned())
        .and_then(move |peer: Option<SocketAddr>, headers: HeaderMap| {
            let limits = Arc::clone(&ip_limits);
            async move {
                let forwarded_for = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
                let ip = limits.client_ip(peer, forwarded_for);
                limits.check_ip(ip).map_err(|wait| {
                    tracing::info!(client_ip = ?ip, "rate limit: too many attempts from this address");
                    too_many(wait)
                })
            }
        })
        .untuple_one()
        .and(filters::json_body::<CredentialsRequest>())
        .and_then(move |body: CredentialsRequest| {
            let limits = Arc::clone(&limits);
            async move {
                limits.check_email(&body.email).map_err(|wait| {
                    tracing::info!("rate limit: too many attempts for one e-mail address");
                    too_many(wait)
                })?;
                Ok::<_, Rejection>(body)
            }
        })
}

/// Answered exactly like a throttling backend: `429 too_many_requests` with `Retry-After`.
fn too_many(wait: Duration) -> Rejection {
    ApiError::Backend(BackendError::RateLimited { retry_after: Some(retry_after_secs(wait)) }).into()
}

/// Longest `X-Request-Id` taken from a client.
const MAX_REQUEST_ID_LEN: usize = 128;

/// The client's `X-Request-Id` when it is 1..=128 visible ASCII characters, else a new UUID.
fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|id| (1..=MAX_REQUEST_ID_LEN).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)
}

/// Wraps every route: takes or makes the request id, records it on the request's span (so
/// every log line of the request carries it), answers every rejection as a problem with a
/// `request_id` member, and echoes the id in the `X-Request-Id` header of every answer.
/// Replaces a plain `.recover(problem::recover)`.
pub fn with_request_id<F, R>(inner: F) -> impl Filter<Extract = (Response,), Error = Infallible> + Clone
where
    F: Filter<Extract = (R,), Error = Rejection> + Clone + Send + Sync + 'static,
    R: Reply,
{
    let outcome = inner
        .map(|reply: R| Ok::<Response, Rejection>(reply.into_response()))
        .or_else(|rejection: Rejection| async move { Ok::<_, Infallible>((Err::<Response, Rejection>(rejection),)) });
    warp::header::headers_cloned()
        .and(warp::method())
        .and(warp::path::full())
        .map(|headers: HeaderMap, method: warp::http::Method, path: warp::path::FullPath| {
            let id = request_id(&headers);
            tracing::Span::current().record("request_id", id.as_str());
            (id, method, path, std::time::Instant::now())
        })
        .and(outcome)
        .map(|(id, method, path, started): Started, outcome: Result<Response, Rejection>| {
            let mut response = outcome.unwrap_or_else(|rejection| problem::rejection_response(&rejection, Some(&id)));
            crate::metrics::record_request(
                method.as_str(),
                path.as_str(),
                response.status().as_u16(),
                started.elapsed(),
            );
            if let Ok(value) = HeaderValue::from_str(&id) {
                response.headers_mut().insert("x-request-id", value);
            }
            response
        })
}

type Started = (String, warp::http::Method, warp::path::FullPath, std::time::Instant);

/// `GET /metrics`: Prometheus text exposition.
pub fn metrics() -> impl Reply {
    let handle = crate::metrics::handle();
    handle.run_upkeep();
    reply::with_header(handle.render(), "content-type", "text/plain; version=0.0.4; charset=utf-8")
}

/// The span of one request (warp's `trace::request` fields plus `request_id`, recorded by
/// [`with_request_id`]).
pub fn request_span(info: warp::trace::Info<'_>) -> tracing::Span {
    let span = tracing::info_span!(
        "request",
        method = %info.method(),
        path = %info.path(),
        request_id = tracing::field::Empty,
    );
    tracing::debug!(parent: &span, "received request");
    span
}
