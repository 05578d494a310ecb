//! Reusable filters: state, the authenticated user, method matching that answers 405 properly,
//! JSON bodies, the peer address.

use std::net::SocketAddr;
use std::sync::Arc;

use authport_domain::{AuthService, AuthenticatedUser};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use warp::http::{HeaderMap, Method, header};
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

use super::problem::ApiError;
use super::{AppState, MAX_BODY_BYTES};
use crate::limits::RateLimits;
use crate::serve::PeerAddr;
use crate::verifier::{AccessTokenVerifier, VerifyError};

/// Hands the use cases to a handler.
pub fn service(
    state: &AppState,
) -> impl Filter<Extract = (AuthService,), Error = std::convert::Infallible> + Clone + use<> {
    let service = state.service.clone();
    warp::any().map(move || service.clone())
}

/// Hands the rate limits to a handler.
pub fn limits(
    state: &AppState,
) -> impl Filter<Extract = (Arc<RateLimits>,), Error = std::convert::Infallible> + Clone + use<> {
    let limits = Arc::clone(&state.limits);
    warp::any().map(move || Arc::clone(&limits))
}

/// The address of the connection's peer (the client, or the proxy in front of it).
pub fn peer_addr() -> impl Filter<Extract = (Option<SocketAddr>,), Error = std::convert::Infallible> + Clone {
    warp::ext::optional::<PeerAddr>().map(|peer: Option<PeerAddr>| peer.map(|PeerAddr(addr)| addr))
}

/// Requires a valid access token (`Authorization: Bearer <token>`) and extracts its user.
/// Add `.and(authenticated(state))` to any route to protect it.
pub fn authenticated(
    state: &AppState,
) -> impl Filter<Extract = (AuthenticatedUser,), Error = Rejection> + Clone + use<> {
    let verifier = Arc::clone(&state.verifier);
    warp::header::optional::<String>("authorization").and_then(move |header: Option<String>| {
        let verifier: Arc<AccessTokenVerifier> = Arc::clone(&verifier);
        async move {
            let token = header
                .as_deref()
                .and_then(|value| value.split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, token)| token.trim())
                .filter(|token| !token.is_empty())
                .ok_or_else(|| warp::reject::custom(ApiError::InvalidToken))?;
            verifier.verify(token).await.map_err(|err| match err {
                VerifyError::Invalid(reason) => {
                    tracing::debug!(%reason, "access token refused");
                    warp::reject::custom(ApiError::InvalidToken)
                }
                VerifyError::KeysUnavailable(err) => warp::reject::custom(ApiError::Backend(err)),
            })
        }
    })
}

/// RFC 6749 §5.1: token responses (and whatever else carries a user's data) must not be cached.
pub fn no_store(reply: impl Reply) -> Response {
    let reply = warp::reply::with_header(reply, header::CACHE_CONTROL, "no-store");
    warp::reply::with_header(reply, header::PRAGMA, "no-cache").into_response()
}

/// Matches `expected`, or rejects with a 405 that names the allowed method.
///
/// warp's own method filters reject with a generic "method not allowed" that loses against
/// other routes' rejections in odd ways; this custom rejection carries the `Allow` value and
/// outranks "not found" deterministically (a route whose path matched always wins).
pub fn method(expected: Method) -> impl Filter<Extract = (), Error = Rejection> + Clone {
    let allow = match expected {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        // Routes are built once, at start-up.
        ref other => Box::leak(other.to_string().into_boxed_str()),
    };
    method_among(expected, allow)
}

/// [`method`] for a path that answers several methods (each in a route of its own): the 405
/// names them all, e.g. `Allow: GET, DELETE`. A method another route of the path answers is
/// left to that route (not found here), so that its own refusal is the answer.
pub fn method_among(expected: Method, allow: &'static str) -> impl Filter<Extract = (), Error = Rejection> + Clone {
    warp::method()
        .and_then(move |actual: Method| {
            let expected = expected.clone();
            async move {
                if actual == expected {
                    Ok(())
                } else if allow.split(", ").any(|other| other == actual.as_str()) {
                    Err(warp::reject::not_found())
                } else {
                    Err(warp::reject::custom(ApiError::MethodNotAllowed { allow }))
                }
            }
        })
        .untuple_one()
}

/// A JSON request body of type `T`: `Content-Type` must be JSON, the body at most
/// [`MAX_BODY_BYTES`], and it must deserialize into `T` (else `400 malformed_request`).
pub fn json_body<T: DeserializeOwned + Send>() -> impl Filter<Extract = (T,), Error = Rejection> + Clone {
    warp::header::headers_cloned()
        .and_then(|headers: HeaderMap| async move { require_json(&headers) })
        .untuple_one()
        .and(limited_body(MAX_BODY_BYTES))
        .and_then(|body: Bytes| async move { parse_json(&body).map_err(warp::reject::custom) })
}

/// The most of a refused body that is still read (and thrown away) before answering `413`.
/// Closing a connection whose request is still arriving makes the kernel reset it, and a client
/// still sending then loses the `413` with the connection; up to this size the body is read so
/// that the client gets its answer. Bigger bodies are cut off at once.
const DRAINED_BODY_BYTES: u64 = 4 << 20;

/// The whole body, refusing more than `limit` bytes whether or not the client sent a
/// `Content-Length` (chunked bodies are counted as they arrive and cut off at the limit).
fn limited_body(limit: u64) -> impl Filter<Extract = (Bytes,), Error = Rejection> + Clone {
    warp::header::optional::<u64>("content-length").and(warp::body::stream()).and_then(
        move |declared: Option<u64>, stream| async move {
            match declared {
                Some(len) if len > DRAINED_BODY_BYTES => Err(warp::reject::custom(ApiError::PayloadTooLarge)),
                _ => collect_limited(stream, limit).await,
            }
        },
    )
}

/// Reads the body up to `limit` bytes; past it, reads on (discarding) up to
/// [`DRAINED_BODY_BYTES`] and refuses with `413`.
async fn collect_limited<S, B>(stream: S, limit: u64) -> Result<Bytes, Rejection>
where
    S: futures::Stream<Item = Result<B, warp::Error>>,
    B: bytes::Buf,
{
    use bytes::BufMut as _;
    use futures::TryStreamExt as _;
    let unreadable = || ApiError::MalformedRequest { detail: "the request body could not be read".to_owned() };
    let mut body = bytes::BytesMut::new();
    let mut seen: u64 = 0;
    let mut stream = std::pin::pin!(stream);
    while let Some(mut chunk) = stream.try_next().await.map_err(|_| warp::reject::custom(unreadable()))? {
        seen += chunk.remaining() as u64;
        if seen > DRAINED_BODY_BYTES {
            break;
        }
        if seen <= limit {
            body.put(chunk);
        } else {
            chunk.advance(chunk.remaining());
        }
    }
    if seen > limit {
        return Err(warp::reject::custom(ApiError::PayloadTooLarge));
    }
    Ok(body.freeze())
}

fn require_json(headers: &HeaderMap) -> Result<(), Rejection> {
    let is_json = headers
        .get(warp::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|essence| {
            let essence = essence.trim().to_ascii_lowercase();
            essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
        })
        .unwrap_or(false);
    if is_json { Ok(()) } else { Err(warp::reject::custom(ApiError::UnsupportedMediaType)) }
}

/// Parses JSON, describing failures without echoing any submitted value.
fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|err| {
        use serde_json::error::Category;
        let detail = match err.classify() {
            Category::Syntax | Category::Eof | Category::Io => "the request body is not valid JSON".to_owned(),
            Category::Data => {
                let msg = err.to_string();
                // serde's "missing field `x`" / "duplicate field `x`" name a field, never a value.
                if msg.starts_with("missing field") || msg.starts_with("duplicate field") {
                    msg.split(" at line").next().unwrap_or("invalid request body").to_owned()
                } else {
                    "a field of the request body has the wrong type".to_owned()
                }
            }
        };
        ApiError::MalformedRequest { detail }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::dto::CredentialsRequest;

    #[test]
    fn json_errors_never_echo_values() {
        let err = parse_json::<CredentialsRequest>(br#"{"email":"a@b.c","password":12345678}"#).expect_err("typed");
        let ApiError::MalformedRequest { detail } = err else { panic!() };
        assert!(!detail.contains("12345678"), "{detail}");
        let err = parse_json::<CredentialsRequest>(br#"{"email":"a@b.c"}"#).expect_err("missing");
        let ApiError::MalformedRequest { detail } = err else { panic!() };
        assert_eq!(detail, "missing field `password`");
    }
}
