//! [`CognitoIdentityProvider`]: the [`IdentityProvider`] port over Cognito's admin API. Set-up
//! is in `connect.rs`; the operations are in `sign_up.rs`, `log_in.rs` and `session.rs`.

use std::sync::Arc;

use async_trait::async_trait;
use authport_domain::{
    AuthenticatedUser, BackendError, ChallengeSession, ChangePasswordError, DeleteAccountError, Email,
    IdentityProvider, LogInError, NewPassword, NewPasswordError, Password, PasswordPolicy, RefreshError, RefreshToken,
    RefreshedTokens, RsaPublicKey, SignUpError, TokenAudience, TokenSet, User, WeakPassword,
};
use aws_sdk_cognitoidentityprovider::Client;
use secrecy::SecretString;
use tracing::Instrument as _;

use crate::challenge_owners::ChallengeOwners;
use crate::error::AwsError;
use crate::jwks::JwksSource;
use crate::policy;
use crate::readiness::Readiness;
use crate::secret_hash::secret_hash;

/// The production identity backend: an AWS Cognito user pool, through the admin API.
///
/// Cheap to share: the SDK client is built once and every call goes through it.
#[derive(Debug, Clone)]
pub struct CognitoIdentityProvider {
    pub(crate) inner: Arc<Inner>,
}

/// What every operation works with.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) client: Client,
    pub(crate) user_pool_id: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: Option<SecretString>,
    pub(crate) policy: PasswordPolicy,
    pub(crate) jwks: JwksSource,
    pub(crate) challenges: ChallengeOwners,
    /// `iss` of the pool's tokens.
    pub(crate) issuer: String,
    pub(crate) readiness: Readiness,
}

#[async_trait]
#[async_trait]
impl IdentityProvider for CognitoIdentityProvider {
    fn name(&self) -> &'static str {
        "cognito"
    }

    /// The pool's password policy, as read at start-up.
    fn password_policy(&self) -> PasswordPolicy {
        self.inner.policy
    }

    /// Runs on its own task: if the caller goes away (client disconnect) between the two
    /// calls, the sign-up still completes or compensates, so no half-created user is left.
    async fn create_user(&self, email: &Email, password: &NewPassword) -> Result<User, SignUpError> {
        let inner = Arc::clone(&self.inner);
        let (email, password) = (email.clone(), password.clone());
        tokio::spawn(async move { inner.create_user(&email, &password).await }.instrument(tracing::Span::current()))
            .await
            .map_err(|err| SignUpError::Backend(BackendError::Unexpected(Box::new(err))))?
    }

    async fn authenticate(&self, email: &Email, password: &Password) -> Result<TokenSet, LogInError> {
        self.inner.authenticate(email, password).await
    }

    async fn complete_new_password(
        &self,
        email: &Email,
        session: &ChallengeSession,
        new_password: &NewPassword,
    ) -> Result<TokenSet, NewPasswordError> {
        self.inner.complete_new_password(email, session, new_password).await
    }

    async fn refresh(&self, refresh_token: &RefreshToken) -> Result<RefreshedTokens, RefreshError> {
        self.inner.refresh(refresh_token).await
    }

    async fn change_password(
        &self,
        user: &AuthenticatedUser,
        current: &Password,
        new_password: &NewPassword,
    ) -> Result<TokenSet, ChangePasswordError> {
        self.inner.change_password(user, current, new_password).await
    }

    async fn delete_user(&self, user: &AuthenticatedUser, password: &Password) -> Result<(), DeleteAccountError> {
        self.inner.delete_user(user, password).await
    }

    async fn log_out(&self, user: &AuthenticatedUser) -> Result<(), BackendError> {
        self.inner.log_out(user).await
    }

    async fn signing_keys(&self) -> Result<Vec<RsaPublicKey>, BackendError> {
        self.inner.jwks.keys().await
    }

    fn token_audience(&self) -> TokenAudience {
        TokenAudience { issuer: self.inner.issuer.clone(), client_id: self.inner.client_id.clone() }
    }

    /// `DescribeUserPool`, a recent success reused (see `readiness.rs`).
    async fn ready(&self) -> Result<(), BackendError> {
        let describe = async {
            let described = self.inner.client.describe_user_pool().user_pool_id(&self.inner.user_pool_id).send().await;
            described.map(drop).map_err(|err| AwsError::from_sdk("DescribeUserPool", err).into_failure())
        };
        self.inner.readiness.check(describe).await
    }
}

impl Inner {
    /// The `SECRET_HASH` of `username`, when the app client has a secret.
    pub(crate) fn secret_hash(&self, username: &str) -> Option<String> {
        self.client_secret.as_ref().map(|secret| secret_hash(secret, username, &self.client_id))
    }

    /// Why the pool rejected `password` (see `policy::explain_rejection`).
    pub(crate) fn weak(&self, password: &NewPassword) -> WeakPassword {
        policy::explain_rejection(&self.policy, password.expose())
    }
}
