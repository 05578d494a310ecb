//! The request time limit (`--request-timeout-ms`), as a decorator on the port: every backend
//! call of a request — the only part of a request that can take long — gets at most that long,
//! then fails with [`BackendError::Unavailable`] (answered `503 backend_unavailable`). Dropping
//! the call is safe: the Cognito sign-up finishes or compensates on its own task, and an
//! argon2 computation keeps its hashing slot until it is done.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use authport_domain::{
    AuthenticatedUser, BackendError, ChallengeSession, ChangePasswordError, DeleteAccountError, Email,
    IdentityProvider, LogInError, NewPassword, NewPasswordError, Password, PasswordPolicy, RefreshError, RefreshToken,
    RefreshedTokens, RsaPublicKey, SignUpError, TokenAudience, TokenSet, User,
};

/// An [`IdentityProvider`] whose calls give up after `limit`.
pub struct TimeLimited {
    inner: Arc<dyn IdentityProvider>,
    limit: Duration,
}

impl std::fmt::Debug for TimeLimited {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimeLimited").field("backend", &self.inner.name()).field("limit", &self.limit).finish()
    }
}

impl TimeLimited {
    pub fn new(inner: Arc<dyn IdentityProvider>, limit: Duration) -> Self {
        Self { inner, limit }
    }

    async fn limit<T, E: From<BackendError>>(&self, call: impl Future<Output = Result<T, E>>) -> Result<T, E> {
        match tokio::time::timeout(self.limit, call).await {
            Ok(result) => result,
            Err(_elapsed) => Err(BackendError::Unavailable(
                format!("the request time limit ({} ms) ran out", self.limit.as_millis()).into(),
            )
            .into()),
        }
    }
}

#[async_trait]
impl IdentityProvider for TimeLimited {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn password_policy(&self) -> PasswordPolicy {
        self.inner.password_policy()
    }

    async fn create_user(&self, email: &Email, password: &NewPassword) -> Result<User, SignUpError> {
        self.limit(self.inner.create_user(email, password)).await
    }

    async fn authenticate(&self, email: &Email, password: &Password) -> Result<TokenSet, LogInError> {
        self.limit(self.inner.authenticate(email, password)).await
    }

    async fn complete_new_password(
        &self,
        email: &Email,
        session: &ChallengeSession,
        new_password: &NewPassword,
    ) -> Result<TokenSet, NewPasswordError> {
        self.limit(self.inner.complete_new_password(email, session, new_password)).await
    }

    async fn refresh(&self, refresh_token: &RefreshToken) -> Result<RefreshedTokens, RefreshError> {
        self.limit(self.inner.refresh(refresh_token)).await
    }

    async fn change_password(
        &self,
        user: &AuthenticatedUser,
        current: &Password,
        new_password: &NewPassword,
    ) -> Result<TokenSet, ChangePasswordError> {
        self.limit(self.inner.change_password(user, current, new_password)).await
    }

    async fn delete_user(&self, user: &AuthenticatedUser, password: &Password) -> Result<(), DeleteAccountError> {
        self.limit(self.inner.delete_user(user, password)).await
    }

    async fn log_out(&self, user: &AuthenticatedUser) -> Result<(), BackendError> {
        self.limit(self.inner.log_out(user)).await
    }

    async fn signing_keys(&self) -> Result<Vec<RsaPublicKey>, BackendError> {
        self.limit(self.inner.signing_keys()).await
    }

    fn token_audience(&self) -> TokenAudience {
        self.inner.token_audience()
    }

    async fn ready(&self) -> Result<(), BackendError> {
        self.limit(self.inner.ready()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A backend that never answers.
    struct Silent;

    #[async_trait]
    impl IdentityProvider for Silent {
        fn name(&self) -> &'static str {
            "silent"
        }
        fn password_policy(&self) -> PasswordPolicy {
            PasswordPolicy::default()
        }
        async fn create_user(&self, _: &Email, _: &NewPassword) -> Result<User, SignUpError> {
            std::future::pending().await
        }
        async fn authenticate(&self, _: &Email, _: &Password) -> Result<TokenSet, LogInError> {
            std::future::pending().await
        }
        async fn complete_new_password(
            &self,
            _: &Email,
            _: &ChallengeSession,
            _: &NewPassword,
        ) -> Result<TokenSet, NewPasswordError> {
            std::future::pending().await
        }
        async fn refresh(&self, _: &RefreshToken) -> Result<RefreshedTokens, RefreshError> {
            std::future::pending().await
        }
        async fn change_password(
            &self,
            _: &AuthenticatedUser,
            _: &Password,
            _: &NewPassword,
        ) -> Result<TokenSet, ChangePasswordError> {
            std::future::pending().await
        }
        async fn delete_user(&self, _: &AuthenticatedUser, _: &Password) -> Result<(), DeleteAccountError> {
            std::future::pending().await
        }
        async fn log_out(&self, _: &AuthenticatedUser) -> Result<(), BackendError> {
            std::future::pending().await
        }
        async fn signing_keys(&self) -> Result<Vec<RsaPublicKey>, BackendError> {
            std::future::pending().await
        }
        fn token_audience(&self) -> TokenAudience {
            TokenAudience { issuer: "iss".into(), client_id: "client".into() }
        }
        async fn ready(&self) -> Result<(), BackendError> {
            std::future::pending().await
        }
    }

    /// Paused clock: the time limit elapses without waiting for it.
    #[tokio::test(start_paused = true)]
    async fn a_silent_backend_is_unavailable_after_the_limit() {
        let limited = TimeLimited::new(Arc::new(Silent), Duration::from_secs(15));
        let email = Email::parse("ann@example.com").expect("email");
        let password = Password::parse(secrecy::SecretString::from("Str0ng-pass")).expect("password");
        let err = limited.authenticate(&email, &password).await.expect_err("times out");
        assert!(matches!(err, LogInError::Backend(BackendError::Unavailable(_))), "{err:?}");
        assert!(matches!(limited.ready().await, Err(BackendError::Unavailable(_))));
        assert!(matches!(limited.signing_keys().await, Err(BackendError::Unavailable(_))));
        assert_eq!(limited.name(), "silent");
    }
}
