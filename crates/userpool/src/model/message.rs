//! A message Cognito would have sent (an invitation with a temporary password, …), recorded
//! instead of sent: authport delivers no e-mail or SMS.

use std::time::SystemTime;

use super::ids::PoolId;

/// How a message would have been delivered (`DeliveryMediumType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryMedium {
    Email,
    Sms,
}

impl DeliveryMedium {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "EMAIL",
            Self::Sms => "SMS",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        [Self::Email, Self::Sms].into_iter().find(|medium| medium.as_str() == name)
    }
}

/// What a message is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// AdminCreateUser's invitation, with the temporary password.
    Invitation,
    /// SignUp's (or ResendConfirmationCode's) code, for ConfirmSignUp.
    ConfirmationCode,
    /// ForgotPassword's code, for ConfirmForgotPassword.
    PasswordResetCode,
    /// UpdateUserAttributes' (or GetUserAttributeVerificationCode's) code, for
    /// VerifyUserAttribute.
    AttributeVerificationCode,
}

impl MessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invitation => "INVITATION",
            Self::ConfirmationCode => "CONFIRMATION_CODE",
            Self::PasswordResetCode => "PASSWORD_RESET_CODE",
            Self::AttributeVerificationCode => "ATTRIBUTE_VERIFICATION_CODE",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        [Self::Invitation, Self::ConfirmationCode, Self::PasswordResetCode, Self::AttributeVerificationCode]
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub pool_id: PoolId,
    pub username: String,
    pub kind: MessageKind,
    pub medium: DeliveryMedium,
    /// The e-mail address or phone number.
    pub destination: String,
    pub body: String,
    /// The code or temporary password the body carries, for testers to read without parsing.
    pub code: String,
    pub created_at: SystemTime,
}
