use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::user::UserId;

macro_rules! secret_token {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name(SecretString);

        impl $name {
            pub fn new(raw: impl Into<String>) -> Self {
                Self(SecretString::from(raw.into()))
            }

            pub fn expose(&self) -> &str {
                self.0.expose_secret()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([REDACTED])"))
            }
        }
    };
}

secret_token!(
    /// A signed JWT with `token_use = "access"`.
    AccessToken
);
secret_token!(
    /// A signed JWT with `token_use = "id"`.
    IdToken
);
secret_token!(
    /// An opaque refresh token; backends store only a hash of it.
    RefreshToken
);
secret_token!(
    /// The opaque session a backend hands out with an authentication challenge.
    ChallengeSession
);

/// What a refresh yields: new access and id tokens (the refresh token stays the same).
#[derive(Debug, Clone)]
pub struct RefreshedTokens {
    pub access_token: AccessToken,
    pub id_token: IdToken,
    /// Lifetime of the access token.
    pub expires_in: Duration,
}

/// The subject of a verified access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatedUser {
    /// The `sub` claim.
    pub id: UserId,
    /// The backend's user name (`username` claim): the normalised e-mail on every backend
    /// authport creates users on.
    pub username: String,
}

/// What a successful log-in yields.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access_token: AccessToken,
    pub id_token: IdToken,
    pub refresh_token: RefreshToken,
    /// Lifetime of the access token.
    pub expires_in: Duration,
}
