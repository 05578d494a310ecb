//! A user of a pool, and the challenge sessions and refresh tokens issued to users.

use std::collections::BTreeMap;
use std::time::SystemTime;

use super::ids::{ClientId, PoolId};
use super::message::DeliveryMedium;

/// Cognito's `UserStatusType` values that authport's flows produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    /// Signed up, not yet confirmed.
    Unconfirmed,
    Confirmed,
    /// Holds a temporary password: signing in answers NEW_PASSWORD_REQUIRED.
    ForceChangePassword,
    /// An administrator asked for a password reset.
    ResetRequired,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unconfirmed => "UNCONFIRMED",
            Self::Confirmed => "CONFIRMED",
            Self::ForceChangePassword => "FORCE_CHANGE_PASSWORD",
            Self::ResetRequired => "RESET_REQUIRED",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        [Self::Unconfirmed, Self::Confirmed, Self::ForceChangePassword, Self::ResetRequired]
            .into_iter()
            .find(|status| status.as_str() == name)
    }
}

/// A user as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolUser {
    pub pool_id: PoolId,
    /// The immutable id (`sub`), a UUID.
    pub sub: uuid::Uuid,
    /// As given when the user was created.
    pub username: String,
    /// What the user name is unique under ([`super::Pool::username_key`]).
    pub username_key: String,
    /// The user's attributes but `sub` (which is [`PoolUser::sub`]).
    pub attributes: BTreeMap<String, String>,
    pub status: UserStatus,
    pub enabled: bool,
    /// argon2id PHC string.
    pub password_hash: String,
    /// When the current password was set (a temporary one expires from here).
    pub password_set_at: SystemTime,
    /// Failed sign-ins in a row (Cognito locks the user out for a while after five).
    pub failed_sign_ins: u32,
    pub locked_until: Option<SystemTime>,
    /// The code the user was last sent (to confirm the sign-up, or to reset the password).
    pub pending_code: Option<PendingCode>,
    /// The SRP verifier of the password (USER_SRP_AUTH), made whenever a password is set;
    /// `None` for a password set before authport kept verifiers, until its next password log-in.
    pub srp: Option<crate::srp::Verifier>,
    pub created_at: SystemTime,
    pub last_modified_at: SystemTime,
    /// Bumped by the store on every update: an update names the revision it read, so that two
    /// concurrent changes cannot silently overwrite each other.
    pub revision: i64,
}

impl PoolUser {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).map(String::as_str)
    }
}

/// What a code sent to a user is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodePurpose {
    /// ConfirmSignUp's code.
    SignUp,
    /// ConfirmForgotPassword's code.
    PasswordReset,
    /// VerifyUserAttribute's code, for the attribute of its medium. It takes the place of any
    /// other code pending (a user has one at a time).
    AttributeVerification,
}

impl CodePurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignUp => "SIGN_UP",
            Self::PasswordReset => "PASSWORD_RESET",
            Self::AttributeVerification => "ATTRIBUTE_VERIFICATION",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        [Self::SignUp, Self::PasswordReset, Self::AttributeVerification]
            .into_iter()
            .find(|purpose| purpose.as_str() == name)
    }
}

/// A code sent to the user and not yet used: only its hash is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCode {
    pub purpose: CodePurpose,
    /// SHA-256 (hex) of the user's sub and the code.
    pub code_hash: String,
    /// Where it went: a confirmation by it verifies that attribute.
    pub medium: DeliveryMedium,
    pub expires_at: SystemTime,
    /// Wrong codes tried so far; too many spend the code.
    pub failed_attempts: u32,
}

/// The challenges authport issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeName {
    NewPasswordRequired,
    /// USER_SRP_AUTH's challenge: prove the password with the session's SRP key.
    PasswordVerifier,
}

impl ChallengeName {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NewPasswordRequired => "NEW_PASSWORD_REQUIRED",
            Self::PasswordVerifier => "PASSWORD_VERIFIER",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        [Self::NewPasswordRequired, Self::PasswordVerifier].into_iter().find(|c| c.as_str() == name)
    }
}

/// A challenge session as stored: only the SHA-256 of the opaque session string the client holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub token_hash: String,
    pub pool_id: PoolId,
    pub client_id: ClientId,
    pub sub: uuid::Uuid,
    pub challenge: ChallengeName,
    pub expires_at: SystemTime,
    /// A PASSWORD_VERIFIER challenge's SRP key, masked with a key only the client's copy of the
    /// session (its secret block) gives: the store alone cannot answer the challenge.
    pub srp_key: Option<[u8; 16]>,
}

/// What taking a session found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TakenSession {
    /// The session exists and this call is the first to use it.
    First(StoredSession),
    /// The session exists but was used before.
    AlreadyUsed(StoredSession),
    Unknown,
}

/// A refresh token as stored: only its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRefreshToken {
    pub token_hash: String,
    pub pool_id: PoolId,
    pub client_id: ClientId,
    pub sub: uuid::Uuid,
    /// The log-in this token continues: the `origin_jti` of every access and id token minted
    /// from it, so that revoking the token revokes them too.
    pub origin_jti: String,
    pub expires_at: SystemTime,
    pub revoked_at: Option<SystemTime>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_challenges_have_cognitos_names() {
        for status in
            [UserStatus::Unconfirmed, UserStatus::Confirmed, UserStatus::ForceChangePassword, UserStatus::ResetRequired]
        {
            assert_eq!(UserStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(UserStatus::parse("ARCHIVED"), None);
        assert_eq!(ChallengeName::parse("NEW_PASSWORD_REQUIRED"), Some(ChallengeName::NewPasswordRequired));
        for purpose in [CodePurpose::SignUp, CodePurpose::PasswordReset] {
            assert_eq!(CodePurpose::parse(purpose.as_str()), Some(purpose));
        }
    }
}
