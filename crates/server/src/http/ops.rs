//! Operational endpoints (the readiness probe) and the rate-limit filter.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use authport_domain::{AuthService, BackendError};
use warp::http::HeaderMap;
use warp::{Filter, Rejection, Reply, reply};

use super::dto::CredentialsRequest;
use super::filters;
use super::problem::ApiError;
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
