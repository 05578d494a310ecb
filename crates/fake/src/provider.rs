use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use authport_domain::{
    AccessToken, AuthenticatedUser, BackendError, BoxError, ChallengeSession, Email, IdToken, IdentityProvider,
    LogInError, NewPassword, NewPasswordError, Password, PasswordPolicy, RefreshError, RefreshToken, RefreshedTokens,
    RsaPublicKey, SignUpError, TokenAudience, TokenSet, User, UserId,
};

use crate::hashing::{HashCost, HashLimits, PasswordHasher};
use crate::store::{InsertUserError, StoreError, StoredRefreshToken, StoredUser, UserStore};
use crate::tokens::{SigningKey, TokenIssuer, hash_refresh_token, new_refresh_token};

/// Settings of the fake provider.
#[derive(Debug, Clone)]
pub struct FakeConfig {
    /// `iss` of every token.
    pub issuer: String,
    /// `client_id` (access token) and `aud` (id token).
    pub client_id: String,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// The policy every new password must meet.
    pub policy: PasswordPolicy,
    pub hash_cost: HashCost,
    /// Bounds of the argon2 pool (running and waiting computations).
    pub hash_limits: HashLimits,
    /// A configured signing key (PEM); otherwise the store's shared key, created on first use.
    pub signing_key_pem: Option<String>,
}

impl FakeConfig {
    pub const DEFAULT_ISSUER: &str = "http://127.0.0.1:3000";
    pub const DEFAULT_CLIENT_ID: &str = "authport-local";
    pub const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(3600);
    pub const DEFAULT_REFRESH_TOKEN_TTL: Duration = Duration::from_secs(30 * 86_400);
}

impl Default for FakeConfig {
    /// Cognito's defaults (one-hour access tokens, 30-day refresh tokens, its password policy),
    /// OWASP's argon2id cost, a hashing slot per core, a signing key from the store.
    fn default() -> Self {
        Self {
            issuer: Self::DEFAULT_ISSUER.to_owned(),
            client_id: Self::DEFAULT_CLIENT_ID.to_owned(),
            access_token_ttl: Self::DEFAULT_ACCESS_TOKEN_TTL,
            refresh_token_ttl: Self::DEFAULT_REFRESH_TOKEN_TTL,
            policy: PasswordPolicy::default(),
            hash_cost: HashCost::Owasp,
            hash_limits: HashLimits::for_this_machine(),
            signing_key_pem: None,
        }
    }
}

/// The fake identity provider over a [`UserStore`].
#[derive(Debug)]
pub struct FakeIdentityProvider<S> {
    store: Arc<S>,
    policy: PasswordPolicy,
    hasher: PasswordHasher,
    tokens: Arc<TokenIssuer>,
    refresh_ttl: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum FakeSetupError {
    #[error("cannot prepare password hashing")]
    Hashing(#[source] BoxError),
    #[error(transparent)]
    Key(#[from] crate::tokens::SigningKeyError),
    #[error("the signing key generation task failed")]
    KeyGeneration(#[source] tokio::task::JoinError),
    #[error("cannot read or store the signing key")]
    Store(#[from] StoreError),
}

impl<S: UserStore> FakeIdentityProvider<S> {
    pub async fn new(store: Arc<S>, config: FakeConfig) -> Result<Self, FakeSetupError> {
        if config.hash_cost == HashCost::InsecureFastForTests {
            tracing::warn!("INSECURE password hashing parameters in use (tests only): never use them in production");
        }
        let hasher =
            PasswordHasher::new(config.hash_cost, config.hash_limits).await.map_err(FakeSetupError::Hashing)?;
        let key = match config.signing_key_pem {
            Some(pem) => SigningKey::from_pem(&pem)?,
            None => match store.existing_signing_key_pem().await? {
                Some(pem) => SigningKey::from_pem(&pem)?,
                None => {
                    let candidate = tokio::task::spawn_blocking(SigningKey::generate)
                        .await
                        .map_err(FakeSetupError::KeyGeneration)??;
                    SigningKey::from_pem(&store.signing_key_pem(candidate.pem().to_owned()).await?)?
                }
            },
        };
        tracing::info!(kid = %key.public_key().kid, "token signing key ready");
        let tokens = Arc::new(TokenIssuer::new(key, config.issuer, config.client_id, config.access_token_ttl));
        Ok(Self { store, policy: config.policy, hasher, tokens, refresh_ttl: config.refresh_token_ttl })
    }
}

impl<S> FakeIdentityProvider<S> {
    /// argon2 verifications performed so far (real and dummy), for metrics and tests.
    pub fn password_verifications(&self) -> u64 {
        self.hasher.verifications()
    }

    /// argon2 computations running now.
    pub fn hashes_in_flight(&self) -> usize {
        self.hasher.in_flight()
    }

    /// Calls waiting for an argon2 slot now.
    pub fn hashes_waiting(&self) -> usize {
        self.hasher.waiting()
    }
}

impl From<StoreError> for BackendError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable(e) => BackendError::Unavailable(e),
            StoreError::Other(e) => BackendError::Unexpected(e),
        }
    }
}

fn unexpected(err: impl Into<BoxError>) -> BackendError {
    BackendError::Unexpected(err.into())
}

impl<S> FakeIdentityProvider<S> {
    /// Access and id token for `user`, minted on the (lower-priority) hashing threads: two RSA
    /// signatures would otherwise hold a reactor thread for a millisecond or more, delaying
    /// every request queued behind them.
    async fn mint(&self, user: &User) -> Result<(AccessToken, IdToken), BackendError> {
        let (tokens, user) = (Arc::clone(&self.tokens), user.clone());
        self.hasher.run_cpu_bound(move || tokens.mint(&user)).await?.map_err(unexpected)
    }
}

#[async_trait]
impl<S: UserStore> IdentityProvider for FakeIdentityProvider<S> {
    fn name(&self) -> &'static str {
        self.store.name()
    }

    fn password_policy(&self) -> PasswordPolicy {
        self.policy
    }

    async fn create_user(&self, email: &Email, password: &NewPassword) -> Result<User, SignUpError> {
        let password_hash = self.hasher.hash(password.expose()).await.map_err(BackendError::from)?;
        let id = UserId::parse(uuid::Uuid::new_v4().to_string()).ok_or_else(|| unexpected("empty uuid"))?;
        let row = StoredUser { id: id.clone(), email: email.clone(), password_hash };
        match self.store.insert_user(row).await {
            Ok(()) => Ok(User { id, email: email.clone() }),
            Err(InsertUserError::Duplicate) => Err(SignUpError::UserExists),
            Err(InsertUserError::Store(err)) => Err(BackendError::from(err).into()),
        }
    }

    async fn authenticate(&self, email: &Email, password: &Password) -> Result<TokenSet, LogInError> {
        let user = self.store.find_user_by_email(email).await.map_err(BackendError::from)?;
        // Unknown users verify against the dummy hash: same work, same answer as a wrong password.
        let hash = user.as_ref().map(|u| u.password_hash.as_str());
        let valid = self.hasher.verify(password.expose(), hash).await.map_err(BackendError::from)?;
        let Some(user) = user.filter(|_| valid) else {
            return Err(LogInError::InvalidCredentials);
        };
        let user = User { id: user.id, email: user.email };
        let (access_token, id_token) = self.mint(&user).await?;
        let (refresh_token, token_hash) = new_refresh_token();
        let stored = StoredRefreshToken {
            token_hash,
            user_id: user.id.clone(),
            expires_at: SystemTime::now() + self.refresh_ttl,
        };
        self.store.insert_refresh_token(stored).await.map_err(BackendError::from)?;
        Ok(TokenSet { access_token, id_token, refresh_token, expires_in: self.tokens.access_ttl() })
    }

    /// The fake backends create every user with a permanent password, so they never issue a
    /// challenge and no session can be valid.
    async fn complete_new_password(
        &self,
        _email: &Email,
        _session: &ChallengeSession,
        _new_password: &NewPassword,
    ) -> Result<TokenSet, NewPasswordError> {
        Err(NewPasswordError::InvalidSession)
    }

    async fn refresh(&self, refresh_token: &RefreshToken) -> Result<RefreshedTokens, RefreshError> {
        let token_hash = hash_refresh_token(refresh_token.expose());
        let owner = self.store.refresh_token_owner(&token_hash, SystemTime::now()).await.map_err(BackendError::from)?;
        let Some(user) = owner else {
            return Err(RefreshError::InvalidToken);
        };
        let (access_token, id_token) = self.mint(&user).await?;
        Ok(RefreshedTokens { access_token, id_token, expires_in: self.tokens.access_ttl() })
    }

    async fn log_out(&self, user: &AuthenticatedUser) -> Result<(), BackendError> {
        let revoked = self.store.revoke_refresh_tokens(&user.id, SystemTime::now()).await?;
        tracing::debug!(revoked, "refresh tokens revoked");
        Ok(())
    }

    async fn signing_keys(&self) -> Result<Vec<RsaPublicKey>, BackendError> {
        Ok(vec![self.tokens.public_key().clone()])
    }

    fn token_audience(&self) -> TokenAudience {
        self.tokens.audience()
    }

    async fn ready(&self) -> Result<(), BackendError> {
        Ok(self.store.ping().await?)
    }
}

#[cfg(test)]
mod tests {
    use authport_domain::{AuthService, LogInError};
    use secrecy::SecretString;

    use super::*;
    use crate::MemoryStore;

    fn test_config() -> FakeConfig {
        FakeConfig {
            hash_cost: HashCost::InsecureFastForTests,
            hash_limits: HashLimits { concurrency: 2, queue: 16 },
            ..FakeConfig::default()
        }
    }

    async fn provider() -> Arc<FakeIdentityProvider<MemoryStore>> {
        Arc::new(FakeIdentityProvider::new(Arc::new(MemoryStore::new()), test_config()).await.expect("provider"))
    }

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    /// The timing defence, checked structurally rather than with a clock: an unknown user
    /// costs exactly one argon2 verification, like a wrong password does.
    #[tokio::test]
    async fn unknown_user_and_wrong_password_cost_one_verification_each() {
        let provider = provider().await;
        let service = AuthService::new(provider.clone());
        service.sign_up("ann@example.com", secret("Str0ng-pass")).await.expect("signed up");

        let before = provider.password_verifications();
        let err = service.log_in("ann@example.com", secret("Wr0ng-pass")).await.expect_err("wrong");
        assert!(matches!(err, LogInError::InvalidCredentials));
        assert_eq!(provider.password_verifications(), before + 1);

        let err = service.log_in("nobody@example.com", secret("Str0ng-pass")).await.expect_err("unknown");
        assert!(matches!(err, LogInError::InvalidCredentials));
        assert_eq!(provider.password_verifications(), before + 2);
    }

    #[tokio::test]
    async fn refresh_tokens_are_stored_only_as_hashes() {
        let store = Arc::new(MemoryStore::new());
        let provider = Arc::new(FakeIdentityProvider::new(store.clone(), test_config()).await.expect("provider"));
        let service = AuthService::new(provider);
        service.sign_up("ann@example.com", secret("Str0ng-pass")).await.expect("signed up");
        let tokens = service.log_in("ann@example.com", secret("Str0ng-pass")).await.expect("tokens");
        let stored = store.refresh_token_hashes();
        assert_eq!(stored, vec![crate::tokens::hash_refresh_token(tokens.refresh_token.expose())]);
        assert!(!stored[0].contains(tokens.refresh_token.expose()));
    }
}
