//! The use cases: what happens on sign-up, log-in and the session lifecycle, whatever the backend.

use std::sync::Arc;

use secrecy::{ExposeSecret as _, SecretString};

use crate::model::email::Email;
use crate::model::password::{Password, PasswordPolicy};
use crate::model::token::{AuthenticatedUser, ChallengeSession, RefreshToken, RefreshedTokens, TokenSet};
use crate::model::user::User;
use crate::port::{
    BackendError, ChangePasswordError, DeleteAccountError, IdentityProvider, LogInError, NewPasswordError,
    RefreshError, RsaPublicKey, SignUpError, TokenAudience,
};

/// Longest refresh token passed on to a backend (Cognito's are ~1.8 kB); longer ones are invalid.
const MAX_REFRESH_TOKEN_LEN: usize = 8 * 1024;

/// The application service the inbound (HTTP) edge calls.
///
/// Checks every new password against the backend's policy *before* the backend is called, so
/// that every backend validates identically.
#[derive(Clone)]
pub struct AuthService {
    provider: Arc<dyn IdentityProvider>,
}

impl std::fmt::Debug for AuthService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthService").field("backend", &self.provider.name()).finish_non_exhaustive()
    }
}

impl AuthService {
    pub fn new(provider: Arc<dyn IdentityProvider>) -> Self {
        Self { provider }
    }

    pub fn backend_name(&self) -> &'static str {
        self.provider.name()
    }

    /// The backend's password policy.
    pub fn password_policy(&self) -> PasswordPolicy {
        self.provider.password_policy()
    }

    /// The issuer and client that access tokens of the active backend carry.
    pub fn token_audience(&self) -> TokenAudience {
        self.provider.token_audience()
    }

    /// Signs a user up: the e-mail is parsed and normalised, the password checked against the
    /// policy (e-mail errors win when both are bad), then the backend creates the user.
    /// Duplicates — including concurrent ones and ones differing only in case — come back as
    /// [`SignUpError::UserExists`] from the backend's atomic check.
    #[tracing::instrument(name = "sign_up", skip_all, fields(backend = self.provider.name()))]
    pub async fn sign_up(&self, raw_email: &str, raw_password: SecretString) -> Result<User, SignUpError> {
        let email = Email::parse(raw_email)?;
        let password = self.password_policy().check(raw_password)?;
        let result = self.provider.create_user(&email, &password).await;
        match &result {
            Ok(user) => tracing::info!(target: "audit", user_id = %user.id, email = %email.masked(), "user signed up"),
            Err(SignUpError::UserExists) => {
                tracing::info!(target: "audit", email = %email.masked(), "sign-up refused: user exists")
            }
            // The backend's own policy is stricter than the one authport enforces: configuration
            // drift worth a warning, not a server error.
            Err(SignUpError::WeakPassword(weak)) => {
                tracing::warn!(email = %email.masked(), ?weak, "backend rejected a password the local policy accepted")
            }
            Err(SignUpError::Backend(err)) => self.backend_failed(err),
            Err(SignUpError::InvalidEmail(_)) => {}
        }
        result
    }

    /// Logs a user in. Anything that cannot be a valid credential (malformed e-mail, empty or
    /// over-long password) is answered as [`LogInError::InvalidCredentials`] without calling
    /// the backend: those checks depend only on the input, so they reveal nothing.
    #[tracing::instrument(name = "log_in", skip_all, fields(backend = self.provider.name()))]
    pub async fn log_in(&self, raw_email: &str, raw_password: SecretString) -> Result<TokenSet, LogInError> {
        let (Ok(email), Some(password)) = (Email::parse(raw_email), Password::parse(raw_password)) else {
            tracing::info!(target: "audit", "log-in refused: malformed credentials");
            return Err(LogInError::InvalidCredentials);
        };
        let result = self.provider.authenticate(&email, &password).await;
        match &result {
            Ok(_) => tracing::info!(target: "audit", email = %email.masked(), "user logged in"),
            Err(LogInError::InvalidCredentials) => {
                tracing::info!(target: "audit", email = %email.masked(), "log-in refused: invalid credentials")
            }
            Err(LogInError::PasswordChangeRequired { .. }) => {
                tracing::info!(email = %email.masked(), "log-in needs a new password (challenge issued)")
            }
            Err(LogInError::Backend(err)) => self.backend_failed(err),
        }
        result
    }

    /// Completes a `NEW_PASSWORD_REQUIRED` challenge: the new password must meet the policy.
    #[tracing::instrument(name = "complete_new_password", skip_all, fields(backend = self.provider.name()))]
    pub async fn complete_new_password(
        &self,
        raw_email: &str,
        session: ChallengeSession,
        raw_new_password: SecretString,
    ) -> Result<TokenSet, NewPasswordError> {
        let email = Email::parse(raw_email)?;
        let password = self.password_policy().check(raw_new_password)?;
        let result = self.provider.complete_new_password(&email, &session, &password).await;
        match &result {
            Ok(_) => tracing::info!(target: "audit", email = %email.masked(), "new password set, user logged in"),
            Err(NewPasswordError::InvalidSession) => {
                tracing::info!(email = %email.masked(), "new password refused: invalid session")
            }
            Err(NewPasswordError::WeakPassword(weak)) => {
                tracing::warn!(email = %email.masked(), ?weak, "backend rejected a password the local policy accepted")
            }
            Err(NewPasswordError::Backend(err)) => self.backend_failed(err),
            Err(NewPasswordError::InvalidEmail(_)) => {}
        }
        result
    }

    /// Exchanges a refresh token for new access and id tokens.
    #[tracing::instrument(name = "refresh", skip_all, fields(backend = self.provider.name()))]
    pub async fn refresh(&self, raw_token: SecretString) -> Result<RefreshedTokens, RefreshError> {
        let raw = raw_token.expose_secret();
        if raw.is_empty() || raw.len() > MAX_REFRESH_TOKEN_LEN {
            tracing::info!("refresh refused: malformed token");
            return Err(RefreshError::InvalidToken);
        }
        let result = self.provider.refresh(&RefreshToken::new(raw)).await;
        match &result {
            Ok(_) => tracing::info!("tokens refreshed"),
            Err(RefreshError::InvalidToken) => tracing::info!("refresh refused: invalid, expired or revoked token"),
            Err(RefreshError::Backend(err)) => self.backend_failed(err),
        }
        result
    }

    /// Logs `user` out everywhere: every refresh token of theirs stops working.
    #[tracing::instrument(name = "log_out", skip_all, fields(backend = self.provider.name(), user_id = %user.id))]
    pub async fn log_out(&self, user: &AuthenticatedUser) -> Result<(), BackendError> {
        let result = self.provider.log_out(user).await;
        match &result {
            Ok(()) => tracing::info!(target: "audit", email = %masked(user), "user logged out"),
            Err(err) => self.backend_failed(err),
        }
        result
    }

    /// Changes the password of `user` (the subject of a verified access token): the new one must
    /// meet the policy (checked first, without a backend call), the current one must be the
    /// user's; every other session of the user ends, and a fresh token set is returned.
    #[tracing::instrument(name = "change_password", skip_all, fields(backend = self.provider.name(), user_id = %user.id))]
    pub async fn change_password(
        &self,
        user: &AuthenticatedUser,
        raw_current: SecretString,
        raw_new: SecretString,
    ) -> Result<TokenSet, ChangePasswordError> {
        let email = masked(user);
        let new_password = self.password_policy().check(raw_new)?;
        let Some(current) = Password::parse(raw_current) else {
            tracing::info!(target: "audit", email = %email, "password change refused: invalid credentials");
            return Err(ChangePasswordError::InvalidCredentials);
        };
        let result = self.provider.change_password(user, &current, &new_password).await;
        match &result {
            Ok(_) => tracing::info!(target: "audit", email = %email, "password changed, other sessions revoked"),
            Err(ChangePasswordError::InvalidCredentials) => {
                tracing::info!(target: "audit", email = %email, "password change refused: invalid credentials")
            }
            Err(ChangePasswordError::WeakPassword(weak)) => {
                tracing::warn!(email = %email, ?weak, "backend rejected a password the local policy accepted")
            }
            Err(ChangePasswordError::Backend(err)) => self.backend_failed(err),
        }
        result
    }

    /// Deletes the account of `user` once `raw_password` proves it is theirs.
    #[tracing::instrument(name = "delete_account", skip_all, fields(backend = self.provider.name(), user_id = %user.id))]
    pub async fn delete_account(
        &self,
        user: &AuthenticatedUser,
        raw_password: SecretString,
    ) -> Result<(), DeleteAccountError> {
        let email = masked(user);
        let Some(password) = Password::parse(raw_password) else {
            tracing::info!(target: "audit", email = %email, "account deletion refused: invalid credentials");
            return Err(DeleteAccountError::InvalidCredentials);
        };
        let result = self.provider.delete_user(user, &password).await;
        match &result {
            Ok(()) => tracing::info!(target: "audit", email = %email, "account deleted"),
            Err(DeleteAccountError::InvalidCredentials) => {
                tracing::info!(target: "audit", email = %email, "account deletion refused: invalid credentials")
            }
            Err(DeleteAccountError::Backend(err)) => self.backend_failed(err),
        }
        result
    }

    pub async fn signing_keys(&self) -> Result<Vec<RsaPublicKey>, BackendError> {
        self.provider.signing_keys().await.inspect_err(|err| self.backend_failed(err))
    }

    /// Whether the backend answers now (the readiness probe).
    pub async fn ready(&self) -> Result<(), BackendError> {
        self.provider.ready().await.inspect_err(|err| self.backend_failed(err))
    }
}

/// The user's address as audit lines show it (masked).
fn masked(user: &AuthenticatedUser) -> String {
    Email::parse(&user.username).map(|e| e.masked()).unwrap_or_default()
}

/// Counts a backend failure as `authport_backend_errors_total{backend,kind}`.
fn count_backend_error(backend: &'static str, err: &BackendError) {
    let kind = match err {
        BackendError::RateLimited { .. } => "rate_limited",
        BackendError::Unavailable(_) => "unavailable",
        BackendError::Unexpected(_) => "unexpected",
    };
    metrics::counter!("authport_backend_errors_total", "backend" => backend, "kind" => kind).increment(1);
}

impl AuthService {
    /// Counts a backend failure; throttling is also logged, as the backend's own signal to an
    /// operator. The other failures become 5xx answers, which the HTTP edge logs with the cause.
    fn backend_failed(&self, err: &BackendError) {
        count_backend_error(self.provider.name(), err);
        if let BackendError::RateLimited { .. } = err {
            tracing::warn!(error = %err, "identity backend throttled the request");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Mutex;
    use std::time::Duration;

    use async_trait::async_trait;

    use super::*;
    use crate::model::password::{NewPassword, PolicyRule};
    use crate::model::token::{AccessToken, IdToken};
    use crate::model::user::UserId;

    /// A port double that records calls: enough to test the use cases in isolation.
    #[derive(Default)]
    struct RecordingProvider {
        users: Mutex<HashMap<String, String>>,
        calls: Mutex<usize>,
    }

    #[async_trait]
    impl IdentityProvider for RecordingProvider {
        fn name(&self) -> &'static str {
            "recording"
        }

        fn password_policy(&self) -> PasswordPolicy {
            PasswordPolicy::default()
        }

        async fn create_user(&self, email: &Email, password: &NewPassword) -> Result<User, SignUpError> {
            *self.calls.lock().expect("lock") += 1;
            let mut users = self.users.lock().expect("lock");
            if users.contains_key(email.as_str()) {
                return Err(SignUpError::UserExists);
            }
            users.insert(email.as_str().to_owned(), password.expose().to_owned());
            Ok(User { id: UserId::parse("id-1").expect("id"), email: email.clone() })
        }

        async fn authenticate(&self, email: &Email, password: &Password) -> Result<TokenSet, LogInError> {
            *self.calls.lock().expect("lock") += 1;
            match self.users.lock().expect("lock").get(email.as_str()) {
                Some(stored) if stored == password.expose() => Ok(TokenSet {
                    access_token: AccessToken::new("a"),
                    id_token: IdToken::new("i"),
                    refresh_token: RefreshToken::new("r"),
                    expires_in: Duration::from_secs(3600),
                }),
                _ => Err(LogInError::InvalidCredentials),
            }
        }

        async fn complete_new_password(
            &self,
            _: &Email,
            _: &ChallengeSession,
            _: &NewPassword,
        ) -> Result<TokenSet, NewPasswordError> {
            *self.calls.lock().expect("lock") += 1;
            Err(NewPasswordError::InvalidSession)
        }

        async fn refresh(&self, token: &RefreshToken) -> Result<RefreshedTokens, RefreshError> {
            *self.calls.lock().expect("lock") += 1;
            match token.expose() {
                "r" => Ok(RefreshedTokens {
                    access_token: AccessToken::new("a2"),
                    id_token: IdToken::new("i2"),
                    expires_in: Duration::from_secs(3600),
                }),
                _ => Err(RefreshError::InvalidToken),
            }
        }

        async fn change_password(
            &self,
            user: &AuthenticatedUser,
            current: &Password,
            new_password: &NewPassword,
        ) -> Result<TokenSet, ChangePasswordError> {
            *self.calls.lock().expect("lock") += 1;
            let email = Email::parse(&user.username).map_err(|_| ChangePasswordError::InvalidCredentials)?;
            let tokens =
                self.authenticate(&email, current).await.map_err(|_| ChangePasswordError::InvalidCredentials)?;
            self.users.lock().expect("lock").insert(user.username.clone(), new_password.expose().to_owned());
            Ok(tokens)
        }

        async fn delete_user(&self, user: &AuthenticatedUser, password: &Password) -> Result<(), DeleteAccountError> {
            *self.calls.lock().expect("lock") += 1;
            let mut users = self.users.lock().expect("lock");
            match users.get(&user.username) {
                Some(stored) if stored == password.expose() => {
                    users.remove(&user.username);
                    Ok(())
                }
                _ => Err(DeleteAccountError::InvalidCredentials),
            }
        }

        async fn log_out(&self, _: &AuthenticatedUser) -> Result<(), BackendError> {
            Ok(())
        }

        async fn signing_keys(&self) -> Result<Vec<RsaPublicKey>, BackendError> {
            Ok(vec![])
        }

        async fn ready(&self) -> Result<(), BackendError> {
            Ok(())
        }

        fn token_audience(&self) -> TokenAudience {
            TokenAudience { issuer: "iss".into(), client_id: "client".into() }
        }
    }

    fn service() -> (AuthService, Arc<RecordingProvider>) {
        let provider = Arc::new(RecordingProvider::default());
        (AuthService::new(provider.clone()), provider)
    }

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[tokio::test]
    async fn sign_up_normalises_the_email_before_the_backend_sees_it() {
        let (svc, provider) = service();
        let user = svc.sign_up("  Ann@Example.com ", secret("Str0ng-pass")).await.expect("created");
        assert_eq!(user.email.as_str(), "ann@example.com");
        assert!(provider.users.lock().expect("lock").contains_key("ann@example.com"));
    }

    #[tokio::test]
    async fn duplicates_differing_in_case_are_user_exists() {
        let (svc, _) = service();
        svc.sign_up("ann@example.com", secret("Str0ng-pass")).await.expect("created");
        let err = svc.sign_up("ANN@example.COM", secret("Str0ng-pass")).await.expect_err("dup");
        assert!(matches!(err, SignUpError::UserExists), "{err:?}");
    }

    #[tokio::test]
    async fn invalid_input_never_reaches_the_backend() {
        let (svc, provider) = service();
        let err = svc.sign_up("not-an-email", secret("Str0ng-pass")).await.expect_err("bad");
        assert!(matches!(err, SignUpError::InvalidEmail(_)), "{err:?}");
        let err = svc.sign_up("bad", secret("weak")).await.expect_err("bad");
        assert!(matches!(err, SignUpError::InvalidEmail(_)), "e-mail errors win: {err:?}");
        let err = svc.sign_up("ann@example.com", secret("weak")).await.expect_err("weak");
        let SignUpError::WeakPassword(weak) = err else { panic!("{err:?}") };
        assert!(weak.violations.contains(&PolicyRule::MinLength(8)));
        let err = svc.log_in("not-an-email", secret("x")).await.expect_err("bad");
        assert!(matches!(err, LogInError::InvalidCredentials));
        let err = svc.log_in("ann@example.com", secret("")).await.expect_err("bad");
        assert!(matches!(err, LogInError::InvalidCredentials));
        let err = svc.refresh(secret("")).await.expect_err("empty");
        assert!(matches!(err, RefreshError::InvalidToken));
        let err = svc.refresh(secret(&"x".repeat(MAX_REFRESH_TOKEN_LEN + 1))).await.expect_err("huge");
        assert!(matches!(err, RefreshError::InvalidToken));
        assert_eq!(*provider.calls.lock().expect("lock"), 0);
    }

    fn ann() -> AuthenticatedUser {
        AuthenticatedUser { id: UserId::parse("id-1").expect("id"), username: "ann@example.com".to_owned() }
    }

    #[tokio::test]
    async fn a_weak_new_password_or_a_malformed_current_one_never_reaches_the_backend() {
        let (svc, provider) = service();
        let weak = svc.change_password(&ann(), secret("Str0ng-pass"), secret("weak")).await.expect_err("weak");
        let ChangePasswordError::WeakPassword(weak) = weak else { panic!("{weak:?}") };
        assert!(weak.violations.contains(&PolicyRule::MinLength(8)), "every rule is listed: {weak:?}");
        let empty = svc.change_password(&ann(), secret(""), secret("N3w-password!")).await.expect_err("empty");
        assert!(matches!(empty, ChangePasswordError::InvalidCredentials), "{empty:?}");
        let empty = svc.delete_account(&ann(), secret("")).await.expect_err("empty");
        assert!(matches!(empty, DeleteAccountError::InvalidCredentials), "{empty:?}");
        assert_eq!(*provider.calls.lock().expect("lock"), 0);
    }

    #[tokio::test]
    async fn the_password_is_changed_and_the_account_deleted_by_the_backend() {
        let (svc, _) = service();
        svc.sign_up("ann@example.com", secret("Str0ng-pass")).await.expect("created");
        svc.change_password(&ann(), secret("Str0ng-pass"), secret("N3w-password!")).await.expect("changed");
        svc.log_in("ann@example.com", secret("N3w-password!")).await.expect("the new password");
        let wrong = svc.delete_account(&ann(), secret("Str0ng-pass")).await.expect_err("the old password");
        assert!(matches!(wrong, DeleteAccountError::InvalidCredentials));
        svc.delete_account(&ann(), secret("N3w-password!")).await.expect("deleted");
        svc.sign_up("ann@example.com", secret("Str0ng-pass")).await.expect("the address is free again");
    }

    #[tokio::test]
    async fn log_in_is_case_insensitive_on_the_email() {
        let (svc, _) = service();
        svc.sign_up("ann@example.com", secret("Str0ng-pass")).await.expect("created");
        svc.log_in(" ANN@EXAMPLE.COM", secret("Str0ng-pass")).await.expect("logged in");
        let err = svc.log_in("ann@example.com", secret("Str0ng-pasS")).await.expect_err("wrong");
        assert!(matches!(err, LogInError::InvalidCredentials));
    }
}
