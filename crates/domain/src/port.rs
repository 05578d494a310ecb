//! The **port**: what authport needs from an identity backend.
//!
//! Adapters live in other crates (`authport-userpool`: memory / PostgreSQL, `authport-cognito`:
//! AWS Cognito). The executable specification of this trait is the contract suite,
//! `authport_testkit::contract::clauses`: every MUST clause below names the test that checks
//! it (as `contract: <name>`), and every adapter runs them all (`tests/tests/integration/contract.rs`).

use std::time::Duration;

use async_trait::async_trait;

use crate::model::email::{Email, EmailError};
use crate::model::password::{NewPassword, Password, PasswordPolicy, WeakPassword};
use crate::model::token::{AuthenticatedUser, ChallengeSession, RefreshToken, RefreshedTokens, TokenSet};
use crate::model::user::User;

/// An error from a backend's internals, kept for logs and never shown to clients.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An identity backend. Object safe: the server holds an `Arc<dyn IdentityProvider>`.
#[async_trait]
pub trait IdentityProvider: Send + Sync + 'static {
    /// A short name for logs and metrics: `memory`, `postgres`, `cognito`.
    fn name(&self) -> &'static str;

    /// The password policy this backend enforces (its configured one, or a Cognito pool's own).
    /// The use cases check every new password against it before the backend sees it, so a weak
    /// password gets the same answer from every backend.
    fn password_policy(&self) -> PasswordPolicy;

    /// Creates a confirmed user who can log in at once with `password`
    /// (contract: `a_new_user_can_log_in_at_once`).
    ///
    /// Adapters MUST return:
    /// - [`SignUpError::UserExists`] when a user with this (normalised, so case-insensitive)
    ///   e-mail already exists (contract: `a_duplicate_is_user_exists`) — decided atomically by
    ///   the backend (unique constraint, map entry, Cognito's own check), never by a separate
    ///   look-up first, so that of N concurrent calls for one address exactly one succeeds
    ///   (contract: `of_concurrent_duplicates_exactly_one_is_created`);
    /// - [`SignUpError::WeakPassword`] only when the backend's *own* policy rejects a password
    ///   the domain policy accepted (Cognito's `InvalidPasswordException`), and never
    ///   [`SignUpError::InvalidEmail`]: the e-mail is already parsed
    ///   (contract: `a_password_meeting_the_policy_is_created_or_refused_as_weak`);
    /// - [`SignUpError::Backend`] with [`BackendError::RateLimited`] when the backend throttles,
    ///   [`BackendError::Unavailable`] when it cannot be reached or times out,
    ///   [`BackendError::Unexpected`] for anything else (contract:
    ///   `backend_failures_are_classified`, `an_unreachable_backend_is_unavailable`).
    ///
    /// On any error no user may be left behind: a retry must be able to succeed
    /// (contract: `a_failed_sign_up_leaves_no_user_behind`).
    async fn create_user(&self, email: &Email, password: &NewPassword) -> Result<User, SignUpError>;

    /// Checks the credentials and issues tokens.
    ///
    /// Adapters MUST return [`LogInError::InvalidCredentials`] both for an unknown e-mail
    /// and for a wrong password (contract: `unknown_user_and_wrong_password_are_invalid_credentials`),
    /// and MUST make the two cases indistinguishable in timing, e.g. by verifying a dummy hash
    /// for unknown users (contract: `unknown_user_and_wrong_password_cost_the_same`);
    /// [`LogInError::PasswordChangeRequired`] when the user must replace a temporary password
    /// (contract: `a_temporary_password_is_replaced_through_its_challenge`);
    /// [`LogInError::Backend`] as for [`IdentityProvider::create_user`].
    async fn authenticate(&self, email: &Email, password: &Password) -> Result<TokenSet, LogInError>;

    /// Answers a `NEW_PASSWORD_REQUIRED` challenge from [`IdentityProvider::authenticate`]:
    /// sets `new_password` as the user's permanent password and issues tokens.
    ///
    /// Adapters MUST return [`NewPasswordError::InvalidSession`] when `session` is unknown,
    /// expired, spent or belongs to another user (contract: `an_unknown_or_foreign_session_is_invalid`);
    /// [`NewPasswordError::WeakPassword`] when the backend's own policy rejects the password
    /// (contract: `a_temporary_password_is_replaced_through_its_challenge`); the rest as for
    /// [`IdentityProvider::create_user`].
    async fn complete_new_password(
        &self,
        email: &Email,
        session: &ChallengeSession,
        new_password: &NewPassword,
    ) -> Result<TokenSet, NewPasswordError>;

    /// Exchanges a refresh token for new access and id tokens.
    ///
    /// Adapters MUST return [`RefreshError::InvalidToken`] for a token they did not issue, or
    /// that expired, was revoked by [`IdentityProvider::log_out`], or whose user is gone
    /// (contract: `refresh_refuses_tokens_not_issued_expired_revoked_or_orphaned`).
    async fn refresh(&self, refresh_token: &RefreshToken) -> Result<RefreshedTokens, RefreshError>;

    /// Replaces the password of `user` — the subject of a verified access token — after checking
    /// `current`, revokes every refresh token the user holds (every other session: a user who
    /// changes their password fears someone else is logged in), and logs the user in again.
    ///
    /// Adapters MUST return:
    /// - [`ChangePasswordError::InvalidCredentials`] when `current` is not the user's password,
    ///   counted by the backend's own lock-out as a failed log-in is, and when the user is gone
    ///   (contract: `a_wrong_current_password_changes_nothing`);
    /// - [`ChangePasswordError::WeakPassword`] only when the backend's own policy refuses a
    ///   password the domain policy accepted;
    /// - on success, the new password alone logs in (contract: `a_changed_password_replaces_the_old_one`),
    ///   every refresh token issued before is revoked, and the returned tokens work
    ///   (contract: `a_password_change_revokes_every_other_session`);
    /// - [`ChangePasswordError::Backend`] as for [`IdentityProvider::create_user`].
    async fn change_password(
        &self,
        user: &AuthenticatedUser,
        current: &Password,
        new_password: &NewPassword,
    ) -> Result<TokenSet, ChangePasswordError>;

    /// Deletes `user` after checking `password` (re-authentication: a stolen access token alone
    /// must not close an account).
    ///
    /// Adapters MUST return [`DeleteAccountError::InvalidCredentials`] for a wrong password
    /// (counted by the lock-out) and when the user is gone (contract:
    /// `a_wrong_password_deletes_nothing`); on success the user is gone with every refresh token
    /// of theirs, a log-in is [`LogInError::InvalidCredentials`], and the address can be signed up
    /// again (contract: `a_deleted_account_is_gone_and_its_address_free`);
    /// [`DeleteAccountError::Backend`] as for [`IdentityProvider::create_user`].
    async fn delete_user(&self, user: &AuthenticatedUser, password: &Password) -> Result<(), DeleteAccountError>;

    /// Revokes every refresh token of `user` (a global sign-out), and no one else's
    /// (contract: `log_out_revokes_every_refresh_token_of_the_user`). MUST be idempotent
    /// (contract: `log_out_is_idempotent`).
    async fn log_out(&self, user: &AuthenticatedUser) -> Result<(), BackendError>;

    /// The public keys that verify the tokens this backend issues (published as a JWKS;
    /// contract: `the_signing_keys_verify_the_tokens`). Adapters whose keys are the backend's
    /// MUST fetch them on every call, with no stale answer when that fails (contract:
    /// `an_unreachable_backend_is_unavailable`): callers cache.
    async fn signing_keys(&self) -> Result<Vec<RsaPublicKey>, BackendError>;

    /// The `iss` and `client_id` this backend's access tokens carry
    /// (contract: `tokens_carry_the_token_audience`).
    fn token_audience(&self) -> TokenAudience;

    /// Whether the backend can serve requests now (the readiness probe, `GET /readyz`).
    ///
    /// Adapters MUST answer from a real round trip to their backend (or a recent one: a cached
    /// success of at most a few seconds is fine, so a probe storm does not become a backend
    /// load), bounded by the same timeouts as every other call, and MUST NOT change any data
    /// (contract: `ready_answers_and_changes_no_data`). `Ok(())` when the backend answered;
    /// [`BackendError::Unavailable`] when it cannot be reached or timed out;
    /// [`BackendError::RateLimited`] / [`BackendError::Unexpected`] as for
    /// [`IdentityProvider::create_user`]. Backends without a remote part (memory) are always
    /// ready.
    async fn ready(&self) -> Result<(), BackendError>;
}

/// Who may be in an access token: its issuer and app client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenAudience {
    pub issuer: String,
    pub client_id: String,
}

/// An RSA public key as published in a JWKS: `n` and `e` are base64url (no padding),
/// big-endian, as RFC 7518 §6.3.1 specifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsaPublicKey {
    pub kid: String,
    pub n: String,
    pub e: String,
}

/// What can go wrong with *any* backend call, whatever the operation. Adapters classify their
/// failures once into this; every operation's error wraps it.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The backend throttled the request; retry after the given delay if known.
    #[error("the identity backend is throttling requests")]
    RateLimited { retry_after: Option<Duration> },
    /// The backend could not be reached in time (connection refused, timeouts, pool exhausted).
    #[error("the identity backend is unavailable")]
    Unavailable(#[source] BoxError),
    /// Anything else; details are logged, never returned to clients.
    #[error("unexpected identity backend failure")]
    Unexpected(#[source] BoxError),
}

/// Sign-up failures, from the use case and from adapters.
#[derive(Debug, thiserror::Error)]
pub enum SignUpError {
    /// The e-mail address is not acceptable (produced by the use case only).
    #[error(transparent)]
    InvalidEmail(#[from] EmailError),
    /// The password breaks the policy; every violated rule is listed.
    #[error(transparent)]
    WeakPassword(#[from] WeakPassword),
    /// A user with this e-mail address (compared case-insensitively) already exists.
    #[error("a user with this e-mail address already exists")]
    UserExists,
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// Log-in failures, from the use case and from adapters.
#[derive(Debug, thiserror::Error)]
pub enum LogInError {
    /// Unknown user or wrong password — deliberately the same variant.
    #[error("invalid e-mail or password")]
    InvalidCredentials,
    /// The user holds a temporary password and must choose a new one; `session` answers
    /// the challenge.
    #[error("the user must set a new password")]
    PasswordChangeRequired { session: ChallengeSession },
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// Failures answering a new-password challenge.
#[derive(Debug, thiserror::Error)]
pub enum NewPasswordError {
    /// The e-mail address is not acceptable (produced by the use case only).
    #[error(transparent)]
    InvalidEmail(#[from] EmailError),
    #[error(transparent)]
    WeakPassword(#[from] WeakPassword),
    /// The challenge session is unknown, expired, used or not this user's.
    #[error("the challenge session is invalid or expired")]
    InvalidSession,
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// Failures changing a password.
#[derive(Debug, thiserror::Error)]
pub enum ChangePasswordError {
    /// The current password is wrong (or the user no longer exists) — a failed log-in.
    #[error("invalid e-mail or password")]
    InvalidCredentials,
    /// The new password breaks the policy; every violated rule is listed.
    #[error(transparent)]
    WeakPassword(#[from] WeakPassword),
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// Failures deleting an account.
#[derive(Debug, thiserror::Error)]
pub enum DeleteAccountError {
    /// The password is wrong (or the user no longer exists) — a failed log-in.
    #[error("invalid e-mail or password")]
    InvalidCredentials,
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// Failures exchanging a refresh token.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// Unknown, expired or revoked refresh token (also: its user no longer exists).
    #[error("the refresh token is invalid, expired or revoked")]
    InvalidToken,
    #[error(transparent)]
    Backend(#[from] BackendError),
}
