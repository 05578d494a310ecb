//! Access-token verification: one code path for every backend.
//!
//! Rules: signature checked with the JWKS key named by `kid`; `alg` pinned to RS256 (so `none`
//! and HS* never pass); `exp` / `nbf` with a small leeway; `iss` equal to the backend's issuer;
//! `token_use == "access"`; `client_id` equal to the backend's app client. Keys are cached and
//! re-fetched from the backend when an unknown `kid` shows up — at most once per
//! [`REFETCH_INTERVAL`], so a flood of forged `kid`s cannot hammer the backend. A failed fetch
//! is "backend unavailable" (503), never "invalid token" for everyone.
//!
//! Tokens that passed are remembered (by SHA-256, at most [`VERIFIED_CAPACITY`]) until their
//! `exp` (plus leeway): a client that sends its token again skips the RSA verification
//! (the `verify` criterion bench and figure 3 of docs/benchmarks.md), as API gateways' JWT
//! caches do. Every check but the expiry is a function of the token and the keys, so a remembered
//! verdict stays right until the keys change: each verdict carries the key generation it was
//! reached with, and a successful key fetch starts a new generation (and forgets them all).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use authport_domain::{AuthService, AuthenticatedUser, BackendError, RsaPublicKey, UserId};
use authport_userpool::claims::{self, AccessClaims};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header, get_current_timestamp};
use quick_cache::sync::Cache;
use sha2::{Digest as _, Sha256};
use tokio::sync::RwLock;

/// Minimum time between two key fetches triggered by unknown `kid`s.
pub const REFETCH_INTERVAL: Duration = Duration::from_secs(30);
/// Clock skew tolerated on `exp` / `nbf` / `iat`.
pub const LEEWAY_SECS: u64 = 30;
/// Minimum time between two key fetches after a failed one (until then: 503).
pub const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(5);

/// How many verified access tokens are remembered (~150 bytes each).
pub const VERIFIED_CAPACITY: usize = 10_000;

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

struct KeyCache {
    published: Vec<RsaPublicKey>,
    keys: HashMap<String, Arc<DecodingKey>>,
    /// Last successful fetch.
    fetched_at: Option<Instant>,
    /// Last fetch attempt, and whether it failed: every fetch — for an unknown `kid` or for the
    /// published JWKS — is rate-limited from here, so neither forged `kid`s nor an outage make
    /// authport hammer the backend.
    attempted_at: Option<Instant>,
    last_failed: bool,
}

/// Verifies access tokens against a backend's keys, issuer and client.
pub struct AccessTokenVerifier {
    service: AuthService,
    validation: Validation,
    client_id: String,
    cache: RwLock<KeyCache>,
    /// Tokens that passed every check, by SHA-256: the user, `exp` and the key generation.
    verified: Cache<[u8; 32], (AuthenticatedUser, u64, u64)>,
    /// Bumped by every successful key fetch.
    key_generation: AtomicU64,
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
            cache: RwLock::new(KeyCache {
                published: Vec::new(),
                keys: HashMap::new(),
                fetched_at: None,
                attempted_at: None,
                last_failed: false,
            }),
            verified: Cache::new(VERIFIED_CAPACITY),
            key_generation: AtomicU64::new(0),
        }
    }

    pub async fn verify(&self, token: &str) -> Result<AuthenticatedUser, VerifyError> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        // Read before verifying: a verdict reached while the keys change is filed under the
        // old generation, so it is never served.
        let generation = self.key_generation.load(Ordering::Acquire);
        if let Some((user, exp, reached_with)) = self.verified.get(&digest) {
            // jsonwebtoken's own rule: expired once `exp < now - leeway`.
            if reached_with == generation && get_current_timestamp() <= exp.saturating_add(LEEWAY_SECS) {
                return Ok(user);
            }
            self.verified.remove(&digest);
        }
        let (user, exp) = self.verify_signature_and_claims(token).await?;
        self.verified.insert(digest, (user.clone(), exp, generation));
        Ok(user)
    }

    /// Every check, without the memory of verified tokens; also returns the token's `exp`.
    pub async fn verify_signature_and_claims(&self, token: &str) -> Result<(AuthenticatedUser, u64), VerifyError> {
        let header = decode_header(token).map_err(|e| VerifyError::Invalid(format!("header: {e}")))?;
        if header.alg != Algorithm::RS256 {
            return Err(VerifyError::Invalid(format!("algorithm {:?} not allowed", header.alg)));
        }
        let kid = header.kid.ok_or_else(|| VerifyError::Invalid("no kid".into()))?;
        let key = self.key(&kid).await?;
        let claims = decode::<AccessClaims>(token, &key, &self.validation)
            .map_err(|e| VerifyError::Invalid(e.to_string()))?
            .claims;
        if claims.token_use != claims::ACCESS {
            return Err(VerifyError::Invalid(format!("token_use {:?}", claims.token_use)));
        }
        if claims.client_id != self.client_id {
            return Err(VerifyError::Invalid("client_id mismatch".into()));
        }
        let id = UserId::parse(claims.sub).ok_or_else(|| VerifyError::Invalid("empty sub".into()))?;
        Ok((AuthenticatedUser { id, username: claims.username }, claims.exp))
    }

    /// The key for `kid`: from the cache (a shared read lock, the hot path), else after
    /// fetching the backend's keys (rate-limited, see [`Self::refetch`]).
    async fn key(&self, kid: &str) -> Result<Arc<DecodingKey>, VerifyError> {
        if let Some(key) = self.cache.read().await.keys.get(kid) {
            return Ok(Arc::clone(key));
        }
        let mut cache = self.cache.write().await;
        if !cache.keys.contains_key(kid) {
            // Not fetched by another request while this one waited for the lock.
            self.refetch(&mut cache).await.map_err(VerifyError::KeysUnavailable)?;
        }
        cache.keys.get(kid).cloned().ok_or_else(|| VerifyError::Invalid(format!("unknown kid {kid:?}")))
    }

    /// The keys to publish as the JWKS: cached for [`JWKS_MAX_AGE`]; when a re-fetch fails,
    /// the keys fetched before are served.
    pub async fn published_keys(&self) -> Result<Vec<RsaPublicKey>, BackendError> {
        let mut cache = self.cache.write().await;
        if cache.fetched_at.is_some_and(|at| at.elapsed() < JWKS_MAX_AGE) {
            return Ok(cache.published.clone());
        }
        match self.refetch(&mut cache).await {
            Ok(()) => Ok(cache.published.clone()),
            Err(_) if !cache.published.is_empty() => Ok(cache.published.clone()),
            Err(err) => Err(err),
        }
    }

    /// Fetches the backend's keys into `cache`, unless the last attempt was less than
    /// [`REFETCH_INTERVAL`] ago (then the cache stays as it is) or failed less than
    /// [`RETRY_AFTER_FAILURE`] ago (then the keys are still unavailable).
    async fn refetch(&self, cache: &mut KeyCache) -> Result<(), BackendError> {
        let wait = if cache.last_failed { RETRY_AFTER_FAILURE } else { REFETCH_INTERVAL };
        if cache.attempted_at.is_some_and(|at| at.elapsed() < wait) {
            return match cache.last_failed {
                true => Err(BackendError::Unavailable("the token signing keys could not be fetched".into())),
                false => Ok(()),
            };
        }
        cache.attempted_at = Some(Instant::now());
        match self.service.signing_keys().await {
            Ok(keys) => {
                cache.keys = decoding_keys(&keys);
                self.key_generation.fetch_add(1, Ordering::AcqRel);
                self.verified.clear(); // verdicts were reached with the keys known before
                cache.published = keys;
                cache.fetched_at = cache.attempted_at;
                cache.last_failed = false;
                Ok(())
            }
            Err(err) => {
                cache.last_failed = true;
                Err(err)
            }
        }
    }
}

fn decoding_keys(keys: &[RsaPublicKey]) -> HashMap<String, Arc<DecodingKey>> {
    keys.iter()
        .filter_map(|k| match DecodingKey::from_rsa_components(&k.n, &k.e) {
            Ok(key) => Some((k.kid.clone(), Arc::new(key))),
            Err(err) => {
                tracing::warn!(kid = %k.kid, %err, "ignoring unusable signing key");
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use async_trait::async_trait;
    use authport_domain::{
        ChallengeSession, ChangePasswordError, DeleteAccountError, Email, IdentityProvider, LogInError, NewPassword,
        NewPasswordError, Password, PasswordPolicy, RefreshError, RefreshToken, RefreshedTokens, SignUpError,
        TokenAudience, TokenSet, User,
    };

    use super::*;

    /// A backend whose only working part is `signing_keys`, which counts its calls and can be
    /// switched off.
    #[derive(Default)]
    struct KeySource {
        fetches: AtomicUsize,
        down: AtomicBool,
    }

    #[async_trait]
    impl IdentityProvider for KeySource {
        fn name(&self) -> &'static str {
            "keys"
        }
        fn password_policy(&self) -> PasswordPolicy {
            PasswordPolicy::default()
        }
        async fn create_user(&self, _: &Email, _: &NewPassword) -> Result<User, SignUpError> {
            Err(BackendError::Unexpected("not used".into()).into())
        }
        async fn authenticate(&self, _: &Email, _: &Password) -> Result<TokenSet, LogInError> {
            Err(BackendError::Unexpected("not used".into()).into())
        }
        async fn complete_new_password(
            &self,
            _: &Email,
            _: &ChallengeSession,
            _: &NewPassword,
        ) -> Result<TokenSet, NewPasswordError> {
            Err(BackendError::Unexpected("not used".into()).into())
        }
        async fn refresh(&self, _: &RefreshToken) -> Result<RefreshedTokens, RefreshError> {
            Err(BackendError::Unexpected("not used".into()).into())
        }
        async fn change_password(
            &self,
            _: &AuthenticatedUser,
            _: &Password,
            _: &NewPassword,
        ) -> Result<TokenSet, ChangePasswordError> {
            Err(BackendError::Unexpected("not used".into()).into())
        }
        async fn delete_user(&self, _: &AuthenticatedUser, _: &Password) -> Result<(), DeleteAccountError> {
            Err(BackendError::Unexpected("not used".into()).into())
        }
        async fn log_out(&self, _: &AuthenticatedUser) -> Result<(), BackendError> {
            Err(BackendError::Unexpected("not used".into()))
        }
        async fn signing_keys(&self) -> Result<Vec<RsaPublicKey>, BackendError> {
            self.fetches.fetch_add(1, Ordering::SeqCst);
            if self.down.load(Ordering::SeqCst) {
                return Err(BackendError::Unavailable("down".into()));
            }
            Ok(vec![RsaPublicKey { kid: "k1".into(), n: "sXch".into(), e: "AQAB".into() }])
        }
        fn token_audience(&self) -> TokenAudience {
            TokenAudience { issuer: "iss".into(), client_id: "client".into() }
        }
        async fn ready(&self) -> Result<(), BackendError> {
            Ok(())
        }
    }

    fn verifier(source: &Arc<KeySource>) -> AccessTokenVerifier {
        let provider: Arc<dyn IdentityProvider> = source.clone();
        AccessTokenVerifier::new(AuthService::new(provider))
    }

    /// A remembered verdict is served only until `exp` + leeway; after that the token goes
    /// through every check again (this one fails them: it is no JWT at all).
    #[tokio::test]
    async fn a_remembered_token_is_refused_once_expired() {
        let verifier = verifier(&Arc::new(KeySource::default()));
        let token = "remembered.but.expired";
        let user = AuthenticatedUser { id: UserId::parse("u").expect("id"), username: "u".into() };
        let now = get_current_timestamp();
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        verifier.verified.insert(digest, (user.clone(), now - LEEWAY_SECS + 60, 0));
        assert_eq!(verifier.verify(token).await.expect("remembered and not expired"), user);
        verifier.verified.insert(digest, (user.clone(), now - LEEWAY_SECS - 1, 0));
        assert!(matches!(verifier.verify(token).await, Err(VerifyError::Invalid(_))));
        assert!(verifier.verified.get(&digest).is_none(), "the expired verdict is forgotten");
        // Reached with keys that have since been re-fetched: not served either.
        verifier.key_generation.fetch_add(1, Ordering::AcqRel);
        verifier.verified.insert(digest, (user, now + 600, 0));
        assert!(matches!(verifier.verify(token).await, Err(VerifyError::Invalid(_))));
    }

    #[tokio::test]
    async fn unknown_kids_trigger_at_most_one_fetch_per_interval() {
        let source = Arc::new(KeySource::default());
        let verifier = verifier(&source);
        assert!(verifier.key("k1").await.is_ok());
        for _ in 0..10 {
            assert!(matches!(verifier.key("forged").await, Err(VerifyError::Invalid(_))));
        }
        assert!(verifier.key("k1").await.is_ok());
        assert_eq!(source.fetches.load(Ordering::SeqCst), 1, "one fetch for the known and all forged kids");
    }

    #[tokio::test]
    async fn a_failed_fetch_is_unavailable_and_not_retried_at_once() {
        let source = Arc::new(KeySource::default());
        source.down.store(true, Ordering::SeqCst);
        let verifier = verifier(&source);
        for _ in 0..10 {
            assert!(matches!(verifier.key("k1").await, Err(VerifyError::KeysUnavailable(_))), "503, not 401");
        }
        assert!(verifier.published_keys().await.is_err());
        assert_eq!(source.fetches.load(Ordering::SeqCst), 1, "the outage is not hammered");
    }
}
