//! A user pool: its rules for passwords and user names, and the issuer of its tokens.

use std::time::SystemTime;

use authport_domain::PasswordPolicy;

use super::ids::PoolId;

/// An e-mail address or a phone number: what a user may sign in with besides the user name
/// (Cognito's `UsernameAttributes`), or an attribute a code verifies (`AutoVerifiedAttributes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UsernameAttribute {
    Email,
    PhoneNumber,
}

impl UsernameAttribute {
    /// Cognito's wire name (`email`, `phone_number`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::PhoneNumber => "phone_number",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "email" => Some(Self::Email),
            "phone_number" => Some(Self::PhoneNumber),
            _ => None,
        }
    }
}

/// A user pool's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    pub id: PoolId,
    pub name: String,
    /// Checked on every password the pool sets: a user's own, a temporary one, an admin's.
    pub policy: PasswordPolicy,
    /// Days a temporary password can be used to sign in (Cognito's default: 7).
    pub temporary_password_validity_days: u32,
    /// `UsernameConfiguration.CaseSensitive`: when false, `Ann` and `ann` are one user.
    pub case_sensitive: bool,
    pub username_attributes: Vec<UsernameAttribute>,
    /// `AdminCreateUserConfig.AllowAdminCreateUserOnly`: no self-service sign-up.
    pub allow_admin_create_user_only: bool,
    /// `AutoVerifiedAttributes`: where SignUp sends the code that confirms the user (and
    /// verifies that attribute).
    pub auto_verified_attributes: Vec<UsernameAttribute>,
    /// `iss` of the pool's tokens.
    pub issuer: String,
    pub created_at: SystemTime,
    pub last_modified_at: SystemTime,
}

impl Pool {
    /// Cognito's default temporary password validity.
    pub const DEFAULT_TEMPORARY_PASSWORD_VALIDITY_DAYS: u32 = 7;

    /// The key a user name is unique under in this pool: itself, or its lower-case form when
    /// the pool is case-insensitive.
    pub fn username_key(&self, username: &str) -> String {
        if self.case_sensitive { username.to_owned() } else { username.to_lowercase() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(case_sensitive: bool) -> Pool {
        Pool {
            id: PoolId::parse("us-east-1_test12345").expect("id"),
            name: "p".to_owned(),
            policy: PasswordPolicy::default(),
            temporary_password_validity_days: 7,
            case_sensitive,
            username_attributes: vec![],
            allow_admin_create_user_only: false,
            auto_verified_attributes: vec![],
            issuer: "https://issuer.test".to_owned(),
            created_at: SystemTime::UNIX_EPOCH,
            last_modified_at: SystemTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_case_insensitive_pool_keys_user_names_by_their_lower_case() {
        assert_eq!(pool(false).username_key("Ann@Example.COM"), "ann@example.com");
        assert_eq!(pool(true).username_key("Ann@Example.COM"), "Ann@Example.COM");
    }

    #[test]
    fn username_attributes_have_cognitos_names() {
        for attribute in [UsernameAttribute::Email, UsernameAttribute::PhoneNumber] {
            assert_eq!(UsernameAttribute::parse(attribute.as_str()), Some(attribute));
        }
        assert_eq!(UsernameAttribute::parse("preferred_username"), None);
    }
}
