//! # authport-cognito — the production identity backend
//!
//! [`CognitoIdentityProvider`] implements the domain's `IdentityProvider` port over an AWS
//! Cognito user pool, through the admin API of `aws-sdk-cognitoidentityprovider`:
//!
//! - sign-up: `AdminCreateUser` (user name = normalised e-mail, `email` + `email_verified`,
//!   no invitation) then `AdminSetUserPassword(Permanent)`, compensated by `AdminDeleteUser`;
//! - log-in: `AdminInitiateAuth` with `ADMIN_USER_PASSWORD_AUTH`; a user holding a temporary
//!   password gets a `NEW_PASSWORD_REQUIRED` challenge, answered with
//!   `AdminRespondToAuthChallenge`;
//! - refresh and log-out: `REFRESH_TOKEN_AUTH` and `AdminUserGlobalSignOut`;
//! - `SECRET_HASH` on every call that takes one when the app client has a secret;
//! - signing keys: the pool's JWKS, fetched on every call (the caller caches);
//! - at start-up, `DescribeUserPool`: the pool's password policy becomes the domain policy
//!   (`IdentityProvider::password_policy`), so every password is checked before Cognito sees
//!   it and all backends answer alike.
//!
//! The error mapping is documented (and tested) in `error.rs`. Where the moto emulator behaves
//! differently from Cognito and the adapter compensates, a comment names the difference and the
//! test that shows it.
//!
//! The app client must allow `ALLOW_ADMIN_USER_PASSWORD_AUTH` and `ALLOW_REFRESH_TOKEN_AUTH`;
//! the credentials need `cognito-idp:DescribeUserPool`, `AdminCreateUser`,
//! `AdminSetUserPassword`, `AdminDeleteUser`, `AdminInitiateAuth`,
//! `AdminRespondToAuthChallenge` and `AdminUserGlobalSignOut` on the pool.

mod account;
mod challenge_owners;
mod connect;
mod error;
mod jwks;
mod log_in;
mod policy;
mod provider;
mod readiness;
mod refresh_token;
#[cfg(test)]
mod scripted;
mod secret_hash;
mod session;
mod settings;
mod sign_up;
#[cfg(test)]
mod tests;
mod tokens;

pub use provider::CognitoIdentityProvider;
pub use secret_hash::secret_hash;
pub use settings::{CognitoSettings, CognitoSetupError};
