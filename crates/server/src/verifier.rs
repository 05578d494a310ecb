//! Access-token verification: one code path for every backend.
//!
//! Rules: signature checked with the JWKS key named by `kid`; `alg` pinned to RS256 (so `none`
//! and HS* never pass); `exp` / `nbf` with a small leeway; `iss` equal to the backend's issuer;
//! `token_use == "access"`; `client_id` equal to the backend's app client. Keys are cached and
//! re-fetched from the backend when an unknown `kid` shows up — at most once per
//! [`REFETCH_INTERVAL`], so a flood of forged `kid`s cannot hammer the backend. A failed fetch
//! is "backend unavailable" (503), never "invalid token" for everyone.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use authport_domain::{AuthService, AuthenticatedUser, BackendError, RsaPublicKey, UserId};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;
use tokio::sync::Mutex;

/// Minimum time between two key fetches triggered by unknown `kid`s.
pub const REFETCH_INTERVAL: Duration = Duration::from_secs(30);
/// Clock skew tolerated on `exp` / `nbf` / `iat`.
pub const LEEWAY_SECS: u64 = 30;

/// How long the published JWKS (`/.well-known/jwks.json`) is served from the cache.
pub const JWKS_MAX_AGE: Duration = Duration::from_secs(300);

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// Not a valid access token of this backend (any reason: logged at debug, answered 401).
    #[error("invalid access token: {0}")]
    Invalid(String),
    /// The signing keys could not be fetched.
    #[error("token signing keys unavailable")]
    KeysUnavailable(#[source] BackendError),
}

#[derive(Debug, Deserialize)]
struct AccessClaims {
    sub: String,
    token_use: String,
    client_id: String,
    username: Option<String>,
    #[serde(rename = "cognito:username")]
    cognito_username: Option<String>,
}

struct KeyCache {
    published: Vec<RsaPublicKey>,
    keys: HashMap<String, DecodingKey>,
    fetched_at: Option<Instant>,
}

impl KeyCache {
    fn store(&mut self, keys: Vec<RsaPublicKey>) {
        self.keys = decoding_keys(&keys);
        self.published = keys;
        self.fetched_at = Some(Instant::now());
    }
}

/// Verifies access tokens against a backend's keys, issuer and client.
pub struct AccessTokenVerifier {
    service: AuthService,
    validation: Validation,
    client_id: String,
    cache: Mutex<KeyCache>,
}

impl std::fmt::Debug for AccessTokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessTokenVerifier").field("client_id", &self.client_id).finish_non_exhaustive()
    }
}

impl AccessTokenVerifier {
    /// A verifier for the tokens of `service`'s backend (its issuer, client and keys).
    pub fn new(service: AuthService) -> Self {
        let audience = service.token_audience();
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[audience.issuer.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.validate_aud = false; // Cognito access tokens carry `client_id`, not `aud`.
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        Self {
            service,
            validation,
            client_id: audience.client_id,
            cache: Mutex::new(KeyCache { published: Vec::new(), keys: HashMap::new(), fetched_at: None }),
        }
    }

    pub async fn verify(&self, token: &str) -> Result<AuthenticatedUser, VerifyError> {
        let header = decode_header(token).map_err(|e| VerifyError::Invalid(format!("header: {e}")))?;
        if header.alg != Algorithm::RS256 {
            return Err(VerifyError::Invalid(format!("algorithm {:?} not allowed", header.alg)));
        }
        let kid = header.kid.ok_or_else(|| VerifyError::Invalid("no kid".into()))?;
        let key = self.key(&kid).await?;
        let claims = decode::<AccessClaims>(token, &key, &self.validation)
            .map_err(|e| VerifyError::Invalid(e.to_string()))?
            .claims;
        if claims.token_use != "access" {
            return Err(VerifyError::Invalid(format!("token_use {:?}", claims.token_use)));
        }
        if claims.client_id != self.client_id {
            return Err(VerifyError::Invalid("client_id mismatch".into()));
        }
        let username = claims.username.or(claims.cognito_username).unwrap_or_else(|| claims.sub.clone());
        let id = UserId::parse(claims.sub).ok_or_else(|| VerifyError::Invalid("empty sub".into()))?;
        Ok(AuthenticatedUser { id, username })
    }

    /// The key for `kid`, fetching the backend's keys when the cache has none or lacks `kid`
    /// (rate-limited by [`REFETCH_INTERVAL`]).
    async fn key(&self, kid: &str) -> Result<DecodingKey, VerifyError> {
        let mut cache = self.cache.lock().await;
        if let Some(key) = cache.keys.get(kid) {
            return Ok(key.clone());
        }
        let may_fetch = cache.fetched_at.is_none_or(|at| at.elapsed() >= REFETCH_INTERVAL);
        if !may_fetch {
            return Err(VerifyError::Invalid(format!("unknown kid {kid:?}")));
        }
        let keys = self.service.signing_keys().await.map_err(VerifyError::KeysUnavailable)?;
        cache.store(keys);
        cache.keys.get(kid).cloned().ok_or_else(|| VerifyError::Invalid(format!("unknown kid {kid:?}")))
    }

    /// The keys to publish as the JWKS: cached for [`JWKS_MAX_AGE`]; when a re-fetch fails,
    /// the keys fetched before are served.
    pub async fn published_keys(&self) -> Result<Vec<RsaPublicKey>, BackendError> {
        let mut cache = self.cache.lock().await;
        if cache.fetched_at.is_some_and(|at| at.elapsed() < JWKS_MAX_AGE) {
            return Ok(cache.published.clone());
        }
        match self.service.signing_keys().await {
            Ok(keys) => {
                cache.store(keys);
                Ok(cache.published.clone())
            }
            Err(_) if !cache.published.is_empty() => Ok(cache.published.clone()),
            Err(err) => Err(err),
        }
    }
}

fn decoding_keys(keys: &[RsaPublicKey]) -> HashMap<String, DecodingKey> {
    keys.iter()
        .filter_map(|k| match DecodingKey::from_rsa_components(&k.n, &k.e) {
            Ok(key) => Some((k.kid.clone(), key)),
            Err(err) => {
                tracing::warn!(kid = %k.kid, %err, "ignoring unusable signing key");
                None
            }
        })
        .collect()
}
