//! Operational endpoints: the readiness probe.

use authport_domain::{AuthService, BackendError};
use warp::{Rejection, Reply, reply};

use super::problem::ApiError;

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
