//! The engine's answers that are not a success: Cognito's exceptions, each with the exact
//! message Cognito sends (docs/cognito-api.md lists them with their sources). The wire face maps
//! them to `__type` / `message` in one place, the `/v1` adapter to the domain's errors in another.

use std::borrow::Cow;

use authport_domain::{BoxError, PolicyRule, WeakPassword};

use crate::hashing::HashError;
use crate::store::StoreError;

/// `NotAuthorizedException` messages.
pub mod not_authorized {
    /// A wrong password; also an unknown user when the client prevents user existence errors.
    pub const INCORRECT_CREDENTIALS: &str = "Incorrect username or password.";
    pub const USER_DISABLED: &str = "User is disabled.";
    /// A sign-in during a lock-out (no trailing period).
    pub const PASSWORD_ATTEMPTS_EXCEEDED: &str = "Password attempts exceeded";
    pub const TEMPORARY_PASSWORD_EXPIRED: &str =
        "Temporary password has expired and must be reset by an administrator.";
    /// A challenge session that is unknown, spent, of another user or client.
    pub const INVALID_SESSION: &str = "Invalid session for the user.";
    pub const SESSION_EXPIRED: &str = "Invalid session for the user, session is expired.";
    pub const INVALID_REFRESH_TOKEN: &str = "Invalid Refresh Token.";
    pub const REFRESH_TOKEN_REVOKED: &str = "Refresh Token has been revoked";
    /// An access token that is not one of the pool's (malformed, tampered, another key's).
    pub const INVALID_ACCESS_TOKEN: &str = "Invalid Access Token";
    pub const ACCESS_TOKEN_EXPIRED: &str = "Access Token has expired";
    /// An access token whose log-in was signed out or whose refresh token was revoked.
    pub const ACCESS_TOKEN_REVOKED: &str = "Access Token has been revoked";
    pub const SIGN_UP_NOT_PERMITTED: &str = "SignUp is not permitted for this user pool";
}

/// Why a pool operation did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// `NotAuthorizedException`, with one of the [`not_authorized`] messages (or one naming
    /// the state that refused).
    #[error("{0}")]
    NotAuthorized(Cow<'static, str>),
    /// `UserNotFoundException`.
    #[error("User does not exist.")]
    UserNotFound,
    /// `UserNotFoundException` as the public API words it (it names no pool).
    #[error("Username/client id combination not found.")]
    UserNotFoundForClient,
    /// `CodeMismatchException`: a wrong confirmation or reset code.
    #[error("Invalid verification code provided, please try again.")]
    CodeMismatch,
    /// `ExpiredCodeException`.
    #[error("Invalid code provided, please request a code again.")]
    ExpiredCode,
    /// `LimitExceededException`: too many wrong codes.
    #[error("Attempt limit exceeded, please try after some time.")]
    LimitExceeded,
    /// `UnsupportedOperationException`.
    #[error("{0}")]
    UnsupportedOperation(String),
    /// `UnauthorizedException`: an app client's own authentication (its secret) failed.
    #[error("{0}")]
    Unauthorized(String),
    /// `UnsupportedTokenTypeException`.
    #[error("{0}")]
    UnsupportedTokenType(String),
    /// `UsernameExistsException`.
    #[error("User account already exists")]
    UsernameExists,
    /// A user name taken, in SignUp's words (which differ from AdminCreateUser's).
    #[error("{0}")]
    UsernameTaken(&'static str),
    /// `InvalidPasswordException`: the password breaks the pool's policy.
    #[error("Password did not conform with policy: {}", first_violation(.0))]
    InvalidPassword(WeakPassword),
    /// `UserNotConfirmedException`.
    #[error("User is not confirmed.")]
    UserNotConfirmed,
    /// `PasswordResetRequiredException`.
    #[error("Password reset required for the user")]
    PasswordResetRequired,
    /// `InvalidParameterException`.
    #[error("{0}")]
    InvalidParameter(String),
    /// `UnsupportedUserStateException`.
    #[error("{0}")]
    UnsupportedUserState(String),
    /// `ResourceNotFoundException`: no such pool or client.
    #[error("{0}")]
    ResourceNotFound(String),
    /// Password hashing is overloaded (`TooManyRequestsException`) or failed.
    #[error(transparent)]
    Hashing(HashError),
    /// The store failed; `InternalErrorException` on the wire, logged.
    #[error("the user store failed")]
    Store(#[from] StoreError),
    /// Anything else that went wrong inside (hashing, signing); `InternalErrorException`.
    #[error("internal failure")]
    Internal(#[source] BoxError),
}

impl PoolError {
    /// Cognito's exception name, the wire's `__type`.
    pub fn exception(&self) -> &'static str {
        match self {
            Self::NotAuthorized(_) => "NotAuthorizedException",
            Self::UserNotFound | Self::UserNotFoundForClient => "UserNotFoundException",
            Self::CodeMismatch => "CodeMismatchException",
            Self::ExpiredCode => "ExpiredCodeException",
            Self::LimitExceeded => "LimitExceededException",
            Self::UnsupportedOperation(_) => "UnsupportedOperationException",
            Self::UnsupportedTokenType(_) => "UnsupportedTokenTypeException",
            Self::Unauthorized(_) => "UnauthorizedException",
            Self::UsernameExists | Self::UsernameTaken(_) => "UsernameExistsException",
            Self::InvalidPassword(_) => "InvalidPasswordException",
            Self::UserNotConfirmed => "UserNotConfirmedException",
            Self::PasswordResetRequired => "PasswordResetRequiredException",
            Self::InvalidParameter(_) => "InvalidParameterException",
            Self::UnsupportedUserState(_) => "UnsupportedUserStateException",
            Self::ResourceNotFound(_) => "ResourceNotFoundException",
            Self::Hashing(HashError::Overloaded { .. }) => "TooManyRequestsException",
            Self::Hashing(HashError::Failed(_)) | Self::Store(_) | Self::Internal(_) => "InternalErrorException",
        }
    }

    pub(crate) fn not_authorized(message: &'static str) -> Self {
        Self::NotAuthorized(Cow::Borrowed(message))
    }

    pub(crate) fn no_such_pool(id: &impl std::fmt::Display) -> Self {
        Self::ResourceNotFound(format!("User pool {id} does not exist."))
    }

    pub(crate) fn no_such_client(id: &impl std::fmt::Display) -> Self {
        Self::ResourceNotFound(format!("User pool client {id} does not exist."))
    }
}

/// Cognito names one broken rule, the first it checks. (Surrounding white space never reaches
/// the policy on Cognito's wire: the request's pattern refuses it first.)
fn first_violation(weak: &WeakPassword) -> &'static str {
    let rank = |rule: &PolicyRule| match rule {
        PolicyRule::NoSurroundingWhitespace | PolicyRule::MinLength(_) | PolicyRule::MaxLength(_) => 0,
        PolicyRule::Lowercase => 1,
        PolicyRule::Uppercase => 2,
        PolicyRule::Digit => 3,
        PolicyRule::Symbol => 4,
    };
    match weak.violations.iter().min_by_key(|rule| rank(rule)) {
        Some(PolicyRule::MinLength(_)) => "Password not long enough",
        Some(PolicyRule::MaxLength(_)) => "Password is too long",
        Some(PolicyRule::NoSurroundingWhitespace) => "Password must not begin or end with white space",
        Some(PolicyRule::Lowercase) => "Password must have lowercase characters",
        Some(PolicyRule::Uppercase) => "Password must have uppercase characters",
        Some(PolicyRule::Digit) => "Password must have numeric characters",
        Some(PolicyRule::Symbol) | None => "Password must have symbol characters",
    }
}

#[cfg(test)]
mod tests {
    use authport_domain::PasswordPolicy;

    use super::*;

    fn weak(password: &str) -> PoolError {
        PoolError::InvalidPassword(WeakPassword { violations: PasswordPolicy::default().violations(password) })
    }

    #[test]
    fn an_invalid_password_names_the_first_rule_cognito_checks() {
        assert_eq!(weak("short").to_string(), "Password did not conform with policy: Password not long enough");
        assert_eq!(
            weak("ALLUPPER1!").to_string(),
            "Password did not conform with policy: Password must have lowercase characters"
        );
        assert_eq!(
            weak("alllower1!").to_string(),
            "Password did not conform with policy: Password must have uppercase characters"
        );
        assert_eq!(
            weak("NoDigits!!").to_string(),
            "Password did not conform with policy: Password must have numeric characters"
        );
        assert_eq!(
            weak("NoSymbol12").to_string(),
            "Password did not conform with policy: Password must have symbol characters"
        );
        assert_eq!(weak("x").exception(), "InvalidPasswordException");
    }
}
