//! The pool's signing keys, fetched over HTTPS from its JWKS URL on every call: the one cache
//! of keys is the caller's (authport's token verifier), as the port asks.

use authport_domain::{BackendError, BoxError, RsaPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

/// Where a pool's JWKS is published: `<base>/<pool id>/.well-known/jwks.json`, the base being
/// the custom endpoint when there is one (moto serves the JWKS there, MOTO_NOTES.md g) and
/// Cognito's regional endpoint otherwise.
pub(crate) fn default_url(endpoint_url: Option<&str>, region: &str, user_pool_id: &str) -> String {
    let base = match endpoint_url {
        Some(endpoint) => endpoint.trim_end_matches('/').to_owned(),
        None => format!("https://cognito-idp.{region}.amazonaws.com"),
    };
    format!("{base}/{user_pool_id}/.well-known/jwks.json")
}

/// Where the keys are, and the client that fetches them.
#[derive(Debug)]
pub(crate) struct JwksSource {
    http: reqwest::Client,
    url: String,
}

/// Why a fetch failed: the caller decides between "unavailable" and "unexpected".
#[derive(Debug, thiserror::Error)]
enum FetchError {
    #[error("cannot reach the JWKS at {url}")]
    Unreachable { url: String, source: reqwest::Error },
    #[error("the JWKS at {url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("the JWKS at {url} is not a JSON Web Key Set")]
    Malformed { url: String, source: BoxError },
    #[error("the JWKS at {url} holds no usable RSA signing key")]
    NoKeys { url: String },
}

impl FetchError {
    fn into_domain(self) -> BackendError {
        let unavailable = match &self {
            Self::Unreachable { .. } => true,
            Self::Status { status, .. } => *status == 429 || *status >= 500,
            Self::Malformed { .. } | Self::NoKeys { .. } => false,
        };
        if unavailable { BackendError::Unavailable(Box::new(self)) } else { BackendError::Unexpected(Box::new(self)) }
    }
}

impl JwksSource {
    pub(crate) fn new(http: reqwest::Client, url: String) -> Self {
        Self { http, url }
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The pool's RSA signing keys, fetched now.
    pub(crate) async fn keys(&self) -> Result<Vec<RsaPublicKey>, BackendError> {
        let keys = self.fetch().await.map_err(FetchError::into_domain)?;
        tracing::debug!(url = %self.url, keys = keys.len(), "JWKS fetched");
        Ok(keys)
    }

    async fn fetch(&self) -> Result<Vec<RsaPublicKey>, FetchError> {
        let url = || self.url.clone();
        let response =
            self.http.get(&self.url).send().await.map_err(|source| FetchError::Unreachable { url: url(), source })?;
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::Status { url: url(), status: status.as_u16() });
        }
        let body = response.bytes().await.map_err(|source| FetchError::Unreachable { url: url(), source })?;
        let keys = parse(&body).map_err(|source| FetchError::Malformed { url: url(), source })?;
        if keys.is_empty() {
            return Err(FetchError::NoKeys { url: url() });
        }
        Ok(keys)
    }
}

#[derive(Debug, Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Debug, Deserialize)]
struct Jwk {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default, rename = "use")]
    use_: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
}

/// The RSA signing keys of a JWKS document. Keys of other types, encryption keys and keys
/// without a `kid` or with a malformed modulus or exponent are skipped (and logged).
fn parse(body: &[u8]) -> Result<Vec<RsaPublicKey>, BoxError> {
    let jwks: Jwks = serde_json::from_slice(body)?;
    Ok(jwks.keys.into_iter().filter_map(rsa_signing_key).collect())
}

fn rsa_signing_key(jwk: Jwk) -> Option<RsaPublicKey> {
    if jwk.kty != "RSA" || jwk.use_.as_deref().is_some_and(|u| u != "sig") {
        return None;
    }
    let is_base64url = |v: &str| !v.is_empty() && URL_SAFE_NO_PAD.decode(v).is_ok();
    match (jwk.kid, jwk.n, jwk.e) {
        (Some(kid), Some(n), Some(e)) if !kid.is_empty() && is_base64url(&n) && is_base64url(&e) => {
            Some(RsaPublicKey { kid, n, e })
        }
        (kid, ..) => {
            tracing::warn!(?kid, "skipping a malformed RSA key in the JWKS");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::TcpListener;

    use super::*;

    const MOTO_LIKE: &str = r#"{"keys":[
        {"kty":"RSA","alg":"RS256","use":"sig","kid":"dummy","e":"AQAB","n":"j1pT3xKb"},
        {"kty":"EC","crv":"P-256","kid":"ec","x":"AA","y":"AA"},
        {"kty":"RSA","use":"enc","kid":"enc","e":"AQAB","n":"AAAA"},
        {"kty":"RSA","kid":"bad","e":"AQAB","n":"not base64url!"},
        {"kty":"RSA","e":"AQAB","n":"AAAA"}
    ]}"#;

    #[test]
    fn urls_follow_cognito_and_the_custom_endpoint() {
        assert_eq!(
            default_url(None, "eu-west-1", "eu-west-1_Abc"),
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc/.well-known/jwks.json"
        );
        assert_eq!(
            default_url(Some("http://127.0.0.1:5000/"), "us-east-1", "us-east-1_x"),
            "http://127.0.0.1:5000/us-east-1_x/.well-known/jwks.json"
        );
    }

    #[test]
    fn keeps_only_well_formed_rsa_signing_keys() {
        let keys = parse(MOTO_LIKE.as_bytes()).expect("parses");
        assert_eq!(keys, vec![RsaPublicKey { kid: "dummy".into(), n: "j1pT3xKb".into(), e: "AQAB".into() }]);
        assert!(parse(b"<html>").is_err());
        assert!(parse(br#"{"keys":[]}"#).expect("parses").is_empty());
    }

    /// Serves `answers` in order, one per connection, then closes; returns the URL.
    async fn serve(answers: Vec<(u16, &'static str)>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            for (status, body) in answers {
                let (mut socket, _) = listener.accept().await.expect("accept");
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let reply = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(reply.as_bytes()).await;
            }
        });
        format!("http://{addr}/pool/.well-known/jwks.json")
    }

    fn source(url: String) -> JwksSource {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(2)).build().expect("client");
        JwksSource::new(http, url)
    }

    /// No cache here: a failure after a success is the failure (the verifier keeps serving the
    /// keys it has).
    #[tokio::test]
    async fn fetches_on_every_call() {
        let jwks = source(serve(vec![(200, MOTO_LIKE), (503, "{}")]).await);
        assert_eq!(jwks.keys().await.expect("fetched").len(), 1);
        assert!(matches!(jwks.keys().await, Err(BackendError::Unavailable(_))));
    }

    #[tokio::test]
    async fn failures_are_mapped() {
        let unreachable = {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("addr");
            drop(listener);
            format!("http://{addr}/jwks.json")
        };
        let err = source(unreachable).keys().await.expect_err("closed port");
        assert!(matches!(err, BackendError::Unavailable(_)), "{err:?}");

        let err = source(serve(vec![(502, "{}")]).await).keys().await.expect_err("502");
        assert!(matches!(err, BackendError::Unavailable(_)), "{err:?}");

        for (status, body) in [(404, "{}"), (200, "not json"), (200, r#"{"keys":[]}"#)] {
            let err = source(serve(vec![(status, body)]).await).keys().await.expect_err(body);
            assert!(matches!(err, BackendError::Unexpected(_)), "{status} {body}: {err:?}");
        }
    }
}
