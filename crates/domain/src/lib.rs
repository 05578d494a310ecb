//! # authport-domain — the hexagon's core
//!
//! Everything authport *means*, with nothing it merely *uses*: no HTTP, no serde, no AWS, no SQL.
//!
//! - [`model`]: value types that can only hold valid values ([`Email`], [`NewPassword`],
//!   [`UserId`], tokens) and the [`PasswordPolicy`].
//! - [`port`]: the [`IdentityProvider`] port every backend adapter implements, with one error
//!   enum per operation ([`SignUpError`], [`LogInError`]) whose docs say which variant an adapter
//!   MUST return in which case.
//! - [`service`]: the sign-up / log-in use cases ([`AuthService`]): parsing, policy checks,
//!   duplicate-user handling and logging, the same for every backend.

pub mod model;
pub mod port;
pub mod service;

pub use model::email::{Email, EmailError};
pub use model::password::{NewPassword, Password, PasswordPolicy, PolicyRule, WeakPassword};
pub use model::token::{
    AccessToken, AuthenticatedUser, ChallengeSession, IdToken, RefreshToken, RefreshedTokens, TokenSet,
};
pub use model::user::{User, UserId};
pub use port::{
    BackendError, BoxError, ChangePasswordError, DeleteAccountError, IdentityProvider, LogInError, NewPasswordError,
    RefreshError, RsaPublicKey, SignUpError, TokenAudience,
};
pub use service::AuthService;
