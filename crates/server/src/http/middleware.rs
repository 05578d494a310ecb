//! What happens around every route: the request id, answering rejections as problems, the
//! security headers, the request's metrics and its log line.

use std::convert::Infallible;
use std::time::Instant;

use warp::http::header::{self, HeaderMap, HeaderValue};
use warp::http::{Method, StatusCode};
use warp::path::FullPath;
use warp::reply::Response;
use warp::{Filter, Rejection};

use super::problem;

/// The page may load its own script, style sheet and API only; no inline script, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Longest `X-Request-Id` taken from a client.
const MAX_REQUEST_ID_LEN: usize = 128;

/// Wraps every route: takes or makes the request id and records it on the request's span (so
/// every log line of the request carries it), answers every rejection as a problem with a
/// `request_id` member, and on every answer sets `X-Request-Id` and the security headers,
/// records the request's metrics and logs its outcome — 2xx/3xx at DEBUG, 4xx at INFO with the
/// problem's `code`, 5xx at ERROR with the cause (which is never sent).
pub fn wrap<F>(routes: F) -> impl Filter<Extract = (Response,), Error = Infallible> + Clone
where
    F: Filter<Extract = (Response,), Error = Rejection> + Clone + Send + Sync + 'static,
{
    let outcome = routes
        .map(Ok::<Response, Rejection>)
        .or_else(|rejection: Rejection| async move { Ok::<_, Infallible>((Err::<Response, Rejection>(rejection),)) });
    warp::header::headers_cloned()
        .and(warp::method())
        .and(warp::path::full())
        .map(|headers: HeaderMap, method: Method, path: FullPath| {
            let id = request_id(&headers);
            tracing::Span::current().record("request_id", id.as_str());
            Started { id, method, path, at: Instant::now() }
        })
        .and(outcome)
        .map(|started: Started, outcome: Result<Response, Rejection>| {
            let mut response = match outcome {
                Ok(response) => {
                    log_answer(response.status(), None);
                    response
                }
                Err(rejection) => {
                    let (response, failure) = problem::rejection_response(&rejection, &started.id);
                    log_answer(response.status(), Some(&failure));
                    response
                }
            };
            let status = response.status().as_u16();
            crate::metrics::record_request(
                started.method.as_str(),
                started.path.as_str(),
                status,
                started.at.elapsed(),
            );
            let headers = response.headers_mut();
            if let Ok(value) = HeaderValue::from_str(&started.id) {
                headers.insert("x-request-id", value);
            }
            add_security_headers(headers);
            response
        })
}

/// What is known about a request before its route runs.
struct Started {
    id: String,
    method: Method,
    path: FullPath,
    at: Instant,
}

/// The client's `X-Request-Id` when it is 1..=128 visible ASCII characters, else a new UUID.
fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|id| (1..=MAX_REQUEST_ID_LEN).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)
}

/// The request's one log line (inside its span: method, path and request id come with it).
fn log_answer(status: StatusCode, failure: Option<&problem::Failure>) {
    let code = failure.map(|f| f.code);
    let status = status.as_u16();
    match status {
        500.. => {
            let cause = failure.and_then(|f| f.cause.as_deref());
            tracing::error!(status, code, cause, "request failed")
        }
        400..=499 => tracing::info!(status, code, "request refused"),
        _ => tracing::debug!(status, "request served"),
    }
}

/// Headers set on every response, errors included.
fn add_security_headers(headers: &mut HeaderMap) {
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
}
