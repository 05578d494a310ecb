//! The local `IdentityProvider` adapter: authport's `/v1` API as the default pool and app client
//! of the user-pool engine. The engine's answers are mapped onto the port's errors here, and
//! only here.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use authport_domain::{
    AuthenticatedUser, BackendError, ChallengeSession, ChangePasswordError, DeleteAccountError, Email,
    IdentityProvider, LogInError, NewPassword, NewPasswordError, Password, PasswordPolicy, RefreshError, RefreshToken,
    RefreshedTokens, RsaPublicKey, SignUpError, TokenAudience, TokenSet, User, UserId,
};

use crate::clock::{Clock, SystemClock};
use crate::engine::{IssuedTokens, PoolError, PoolSetupError, SignIn, TokenUser, UserPools};
use crate::hashing::{HashCost, HashLimits};
use crate::model::{AppClient, ClientId, ExplicitAuthFlow, InvalidId, Pool, PoolId, TimeUnit, Validity};
use crate::store::{PoolStore, StoreError};

/// Settings of the local provider: the default pool's and client's, owned by the flags.
#[derive(Debug, Clone)]
pub struct LocalConfig {
    /// The default pool's id in Cognito's format, by which the Cognito API addresses it.
    pub pool_id: String,
    /// `iss` of every token.
    pub issuer: String,
    /// `client_id` (access token) and `aud` (id token): the default client's id.
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
    /// The time tokens are issued at and expire by.
    pub clock: Arc<dyn Clock>,
}

impl LocalConfig {
    pub const DEFAULT_POOL_ID: &str = "us-east-1_authport0";
    pub const DEFAULT_ISSUER: &str = "http://127.0.0.1:3000";
    pub const DEFAULT_CLIENT_ID: &str = "authport-local";
    pub const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(3600);
    pub const DEFAULT_REFRESH_TOKEN_TTL: Duration = Duration::from_secs(30 * 86_400);
    /// The default pool's and client's name.
    const NAME: &str = "authport";

    /// The default pool: case-insensitive, the normalised e-mail address as user name — the pool
    /// authport's Cognito backend expects.
    fn pool(&self, id: PoolId) -> Pool {
        let now = self.clock.now();
        Pool {
            id,
            name: Self::NAME.to_owned(),
            policy: self.policy,
            temporary_password_validity_days: Pool::DEFAULT_TEMPORARY_PASSWORD_VALIDITY_DAYS,
            case_sensitive: false,
            username_attributes: Vec::new(),
            allow_admin_create_user_only: false,
            auto_verified_attributes: Vec::new(),
            issuer: self.issuer.clone(),
            created_at: now,
            last_modified_at: now,
        }
    }

    /// The default client: the admin flows authport's Cognito backend uses, no secret.
    fn client(&self, id: ClientId, pool_id: PoolId) -> AppClient {
        let now = self.clock.now();
        let seconds = |ttl: Duration| Validity::new(ttl.as_secs(), TimeUnit::Seconds);
        AppClient {
            id,
            pool_id,
            name: Self::NAME.to_owned(),
            secret: None,
            explicit_auth_flows: vec![
                ExplicitAuthFlow::AllowAdminUserPasswordAuth,
                ExplicitAuthFlow::AllowRefreshTokenAuth,
            ],
            prevent_user_existence_errors: true,
            access_token_validity: seconds(self.access_token_ttl),
            id_token_validity: seconds(self.access_token_ttl),
            refresh_token_validity: seconds(self.refresh_token_ttl),
            auth_session_validity_minutes: AppClient::DEFAULT_AUTH_SESSION_VALIDITY_MINUTES,
            enable_token_revocation: true,
            created_at: now,
            last_modified_at: now,
        }
    }
}

impl Default for LocalConfig {
    /// Cognito's defaults (one-hour access tokens, 30-day refresh tokens, its password policy),
    /// OWASP's argon2id cost, a hashing slot per core, a signing key from the store.
    fn default() -> Self {
        Self {
            pool_id: Self::DEFAULT_POOL_ID.to_owned(),
            issuer: Self::DEFAULT_ISSUER.to_owned(),
            client_id: Self::DEFAULT_CLIENT_ID.to_owned(),
            access_token_ttl: Self::DEFAULT_ACCESS_TOKEN_TTL,
            refresh_token_ttl: Self::DEFAULT_REFRESH_TOKEN_TTL,
            policy: PasswordPolicy::default(),
            hash_cost: HashCost::Owasp,
            hash_limits: HashLimits::for_this_machine(),
            signing_key_pem: None,
            clock: Arc::new(SystemClock),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LocalSetupError {
    #[error(transparent)]
    Engine(#[from] PoolSetupError),
    #[error("the default pool's settings are invalid")]
    Id(#[from] InvalidId),
}

/// The local identity provider: the `/v1` API's pool and client of a [`UserPools`] engine.
#[derive(Debug)]
pub struct LocalIdentityProvider<S> {
    engine: Arc<UserPools<S>>,
    pool_id: PoolId,
    client_id: ClientId,
    policy: PasswordPolicy,
    audience: TokenAudience,
}

impl<S: PoolStore> LocalIdentityProvider<S> {
    /// An engine over `store` with the default pool of `config` installed.
    pub async fn new(store: Arc<S>, config: LocalConfig) -> Result<Self, LocalSetupError> {
        let engine = UserPools::new(store, config.hash_cost, config.hash_limits, Arc::clone(&config.clock)).await?;
        Self::over(Arc::new(engine), config).await
    }

    /// The default pool of `config`, installed in `engine` (which other faces may share).
    pub async fn over(engine: Arc<UserPools<S>>, config: LocalConfig) -> Result<Self, LocalSetupError> {
        let pool_id = PoolId::parse(&config.pool_id)?;
        let client_id = ClientId::configured(&config.client_id)?;
        let pool = config.pool(pool_id.clone());
        let client = config.client(client_id.clone(), pool_id.clone());
        engine.install_default_pool(&pool, &client, config.signing_key_pem.as_deref()).await?;
        let audience = TokenAudience { issuer: config.issuer, client_id: config.client_id };
        Ok(Self { engine, pool_id, client_id, policy: config.policy, audience })
    }

    /// The engine behind the default pool.
    pub fn engine(&self) -> &Arc<UserPools<S>> {
        &self.engine
    }

    pub fn pool_id(&self) -> &PoolId {
        &self.pool_id
    }
}

impl<S: PoolStore> LocalIdentityProvider<S> {
    /// argon2 verifications performed so far (real and dummy), for metrics and tests.
    pub fn password_verifications(&self) -> u64 {
        self.engine.password_verifications()
    }

    /// argon2 computations running now.
    pub fn hashes_in_flight(&self) -> usize {
        self.engine.hashes_in_flight()
    }

    /// Calls waiting for an argon2 slot now.
    pub fn hashes_waiting(&self) -> usize {
        self.engine.hashes_waiting()
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

/// The port's view of an engine answer that no operation expects: the backend failed.
///
/// | engine | port |
/// |---|---|
/// | store unreachable, hashing overloaded | `Unavailable` |
/// | any other store, hashing or signing failure; an answer the operation cannot give | `Unexpected` |
fn backend(err: PoolError) -> BackendError {
    match err {
        PoolError::Store(err) => err.into(),
        PoolError::Hashing(err) => err.into(),
        other => BackendError::Unexpected(Box::new(other)),
    }
}

fn token_set(tokens: IssuedTokens) -> Result<TokenSet, BackendError> {
    let refresh_token = tokens.refresh_token.ok_or_else(|| BackendError::Unexpected("no refresh token".into()))?;
    Ok(TokenSet {
        access_token: tokens.access_token,
        id_token: tokens.id_token,
        refresh_token,
        expires_in: tokens.expires_in,
    })
}

/// The attributes of a user the `/v1` API creates: their address, verified (authport does not
/// send e-mail; the address is the user's own word, as on the Cognito backend).
fn email_attributes(email: &Email) -> BTreeMap<String, String> {
    BTreeMap::from([("email".to_owned(), email.as_str().to_owned()), ("email_verified".to_owned(), "true".to_owned())])
}

#[async_trait]
impl<S: PoolStore> IdentityProvider for LocalIdentityProvider<S> {
    fn name(&self) -> &'static str {
        self.engine.store().name()
    }

    fn password_policy(&self) -> PasswordPolicy {
        self.policy
    }

    async fn create_user(&self, email: &Email, password: &NewPassword) -> Result<User, SignUpError> {
        let created = self
            .engine
            .create_confirmed_user(&self.pool_id, email.as_str(), email_attributes(email), password.expose())
            .await;
        match created {
            Ok(user) => {
                let id =
                    UserId::parse(user.sub.to_string()).ok_or_else(|| BackendError::Unexpected("empty sub".into()))?;
                Ok(User { id, email: email.clone() })
            }
            Err(PoolError::UsernameExists) => Err(SignUpError::UserExists),
            Err(PoolError::InvalidPassword(weak)) => Err(SignUpError::WeakPassword(weak)),
            Err(other) => Err(backend(other).into()),
        }
    }

    async fn authenticate(&self, email: &Email, password: &Password) -> Result<TokenSet, LogInError> {
        let signed_in =
            self.engine.sign_in_with_password(&self.pool_id, &self.client_id, email.as_str(), password.expose()).await;
        match signed_in {
            Ok(SignIn::Tokens(tokens)) => Ok(token_set(tokens)?),
            Ok(SignIn::Challenge { session, .. }) => {
                Err(LogInError::PasswordChangeRequired { session: ChallengeSession::new(session) })
            }
            Ok(SignIn::PasswordVerifier(_)) => {
                Err(backend(PoolError::Internal("a password log-in answered an SRP challenge".into())).into())
            }
            // As on the Cognito backend: whatever keeps the user out is invalid credentials.
            Err(
                PoolError::NotAuthorized(_)
                | PoolError::UserNotFound
                | PoolError::UserNotConfirmed
                | PoolError::PasswordResetRequired,
            ) => Err(LogInError::InvalidCredentials),
            Err(other) => Err(backend(other).into()),
        }
    }

    async fn complete_new_password(
        &self,
        email: &Email,
        session: &ChallengeSession,
        new_password: &NewPassword,
    ) -> Result<TokenSet, NewPasswordError> {
        let answered = self
            .engine
            .answer_new_password(
                &self.pool_id,
                &self.client_id,
                session.expose(),
                email.as_str(),
                new_password.expose(),
            )
            .await;
        match answered {
            Ok(tokens) => Ok(token_set(tokens)?),
            Err(PoolError::InvalidPassword(weak)) => Err(NewPasswordError::WeakPassword(weak)),
            Err(PoolError::NotAuthorized(_) | PoolError::UserNotFound) => Err(NewPasswordError::InvalidSession),
            Err(other) => Err(backend(other).into()),
        }
    }

    async fn refresh(&self, refresh_token: &RefreshToken) -> Result<RefreshedTokens, RefreshError> {
        match self.engine.refresh(&self.pool_id, &self.client_id, refresh_token.expose()).await {
            Ok(tokens) => Ok(RefreshedTokens {
                access_token: tokens.access_token,
                id_token: tokens.id_token,
                expires_in: tokens.expires_in,
            }),
            Err(PoolError::NotAuthorized(_) | PoolError::UserNotFound) => Err(RefreshError::InvalidToken),
            Err(other) => Err(backend(other).into()),
        }
    }

    async fn change_password(
        &self,
        user: &AuthenticatedUser,
        current: &Password,
        new_password: &NewPassword,
    ) -> Result<TokenSet, ChangePasswordError> {
        let Ok(sub) = uuid::Uuid::parse_str(user.id.as_str()) else {
            return Err(ChangePasswordError::InvalidCredentials); // no user this engine made
        };
        let named = TokenUser { username: &user.username, sub: &sub };
        let replaced = self
            .engine
            .replace_password(&self.pool_id, &self.client_id, named, current.expose(), new_password.expose())
            .await;
        match replaced {
            Ok(tokens) => Ok(token_set(tokens)?),
            Err(PoolError::InvalidPassword(weak)) => Err(ChangePasswordError::WeakPassword(weak)),
            Err(PoolError::NotAuthorized(_) | PoolError::UserNotFound) => Err(ChangePasswordError::InvalidCredentials),
            Err(other) => Err(backend(other).into()),
        }
    }

    async fn delete_user(&self, user: &AuthenticatedUser, password: &Password) -> Result<(), DeleteAccountError> {
        let Ok(sub) = uuid::Uuid::parse_str(user.id.as_str()) else {
            return Err(DeleteAccountError::InvalidCredentials);
        };
        let named = TokenUser { username: &user.username, sub: &sub };
        match self.engine.delete_account(&self.pool_id, named, password.expose()).await {
            Ok(()) => Ok(()),
            Err(PoolError::NotAuthorized(_) | PoolError::UserNotFound) => Err(DeleteAccountError::InvalidCredentials),
            Err(other) => Err(backend(other).into()),
        }
    }

    async fn log_out(&self, user: &AuthenticatedUser) -> Result<(), BackendError> {
        let Ok(sub) = uuid::Uuid::parse_str(user.id.as_str()) else {
            return Ok(()); // not a sub this engine hands out: no tokens to revoke
        };
        let revoked = self.engine.global_sign_out(&self.pool_id, &sub).await.map_err(backend)?;
        tracing::debug!(revoked, "refresh tokens revoked");
        Ok(())
    }

    /// The default pool's keys, which the engine holds from start-up on (no store call).
    async fn signing_keys(&self) -> Result<Vec<RsaPublicKey>, BackendError> {
        self.engine.public_keys(&self.pool_id).await.map_err(backend)
    }

    fn token_audience(&self) -> TokenAudience {
        self.audience.clone()
    }

    async fn ready(&self) -> Result<(), BackendError> {
        Ok(self.engine.ping().await?)
    }
}

#[cfg(test)]
mod tests {
    use authport_domain::{AuthService, LogInError};
    use secrecy::SecretString;

    use super::*;
    use crate::MemoryStore;

    fn test_config() -> LocalConfig {
        LocalConfig {
            hash_cost: HashCost::InsecureFastForTests,
            hash_limits: HashLimits { concurrency: 2, queue: 16 },
            ..LocalConfig::default()
        }
    }

    async fn provider() -> Arc<LocalIdentityProvider<MemoryStore>> {
        Arc::new(LocalIdentityProvider::new(Arc::new(MemoryStore::new()), test_config()).await.expect("provider"))
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
        let provider = Arc::new(LocalIdentityProvider::new(store.clone(), test_config()).await.expect("provider"));
        let service = AuthService::new(provider);
        service.sign_up("ann@example.com", secret("Str0ng-pass")).await.expect("signed up");
        let tokens = service.log_in("ann@example.com", secret("Str0ng-pass")).await.expect("tokens");
        let stored = store.refresh_token_hashes();
        assert_eq!(stored, vec![crate::tokens::hash_refresh_token(tokens.refresh_token.expose())]);
        assert!(!stored[0].contains(tokens.refresh_token.expose()));
    }
}
