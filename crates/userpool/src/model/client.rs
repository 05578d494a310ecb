//! An app client of a pool: which auth flows it allows, its secret, its tokens' lifetimes.

use std::time::{Duration, SystemTime};

use secrecy::SecretString;

use super::ids::{ClientId, PoolId};

/// One value of Cognito's `ExplicitAuthFlows`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExplicitAuthFlow {
    AllowAdminUserPasswordAuth,
    AllowUserPasswordAuth,
    AllowUserSrpAuth,
    AllowRefreshTokenAuth,
    AllowCustomAuth,
    AllowUserAuth,
    /// Legacy names, still accepted by Cognito.
    AdminNoSrpAuth,
    UserPasswordAuth,
    CustomAuthFlowOnly,
}

impl ExplicitAuthFlow {
    pub const ALL: [Self; 9] = [
        Self::AllowAdminUserPasswordAuth,
        Self::AllowUserPasswordAuth,
        Self::AllowUserSrpAuth,
        Self::AllowRefreshTokenAuth,
        Self::AllowCustomAuth,
        Self::AllowUserAuth,
        Self::AdminNoSrpAuth,
        Self::UserPasswordAuth,
        Self::CustomAuthFlowOnly,
    ];

    /// Cognito's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AllowAdminUserPasswordAuth => "ALLOW_ADMIN_USER_PASSWORD_AUTH",
            Self::AllowUserPasswordAuth => "ALLOW_USER_PASSWORD_AUTH",
            Self::AllowUserSrpAuth => "ALLOW_USER_SRP_AUTH",
            Self::AllowRefreshTokenAuth => "ALLOW_REFRESH_TOKEN_AUTH",
            Self::AllowCustomAuth => "ALLOW_CUSTOM_AUTH",
            Self::AllowUserAuth => "ALLOW_USER_AUTH",
            Self::AdminNoSrpAuth => "ADMIN_NO_SRP_AUTH",
            Self::UserPasswordAuth => "USER_PASSWORD_AUTH",
            Self::CustomAuthFlowOnly => "CUSTOM_AUTH_FLOW_ONLY",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|flow| flow.as_str() == name)
    }
}

/// The unit a token validity is counted in (`TokenValidityUnits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    Seconds,
    Minutes,
    Hours,
    Days,
}

impl TimeUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Seconds => "seconds",
            Self::Minutes => "minutes",
            Self::Hours => "hours",
            Self::Days => "days",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        [Self::Seconds, Self::Minutes, Self::Hours, Self::Days].into_iter().find(|unit| unit.as_str() == name)
    }

    fn seconds(self) -> u64 {
        match self {
            Self::Seconds => 1,
            Self::Minutes => 60,
            Self::Hours => 3600,
            Self::Days => 86_400,
        }
    }
}

/// A token lifetime as the client was configured with it: an amount and its unit, kept so that
/// DescribeUserPoolClient answers what was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub amount: u64,
    pub unit: TimeUnit,
}

impl Validity {
    pub const fn new(amount: u64, unit: TimeUnit) -> Self {
        Self { amount, unit }
    }

    pub fn duration(self) -> Duration {
        Duration::from_secs(self.amount.saturating_mul(self.unit.seconds()))
    }
}

/// An app client's settings.
#[derive(Debug, Clone)]
pub struct AppClient {
    pub id: ClientId,
    pub pool_id: PoolId,
    pub name: String,
    /// When set, every call naming this client must carry a SECRET_HASH made with it.
    pub secret: Option<SecretString>,
    pub explicit_auth_flows: Vec<ExplicitAuthFlow>,
    /// `PreventUserExistenceErrors = ENABLED`: an unknown user is answered like a wrong password.
    pub prevent_user_existence_errors: bool,
    pub access_token_validity: Validity,
    pub id_token_validity: Validity,
    pub refresh_token_validity: Validity,
    /// Minutes a challenge session may be answered in (`AuthSessionValidity`, 3–15).
    pub auth_session_validity_minutes: u32,
    pub enable_token_revocation: bool,
    pub created_at: SystemTime,
    pub last_modified_at: SystemTime,
}

impl AppClient {
    /// Cognito's defaults: one-hour access and id tokens, 30-day refresh tokens, 3-minute sessions.
    pub const DEFAULT_ACCESS_TOKEN_VALIDITY: Validity = Validity::new(60, TimeUnit::Minutes);
    pub const DEFAULT_ID_TOKEN_VALIDITY: Validity = Validity::new(60, TimeUnit::Minutes);
    pub const DEFAULT_REFRESH_TOKEN_VALIDITY: Validity = Validity::new(30, TimeUnit::Days);
    pub const DEFAULT_AUTH_SESSION_VALIDITY_MINUTES: u32 = 3;

    /// Whether the client allows a flow, under its current or its legacy name.
    pub fn allows(&self, current: ExplicitAuthFlow, legacy: Option<ExplicitAuthFlow>) -> bool {
        self.explicit_auth_flows.iter().any(|flow| *flow == current || Some(*flow) == legacy)
    }

    pub fn auth_session_validity(&self) -> Duration {
        Duration::from_secs(u64::from(self.auth_session_validity_minutes) * 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flows_and_units_have_cognitos_names() {
        for flow in ExplicitAuthFlow::ALL {
            assert_eq!(ExplicitAuthFlow::parse(flow.as_str()), Some(flow));
        }
        assert_eq!(ExplicitAuthFlow::parse("ALLOW_EVERYTHING"), None);
        assert_eq!(TimeUnit::parse("days"), Some(TimeUnit::Days));
        assert_eq!(Validity::new(30, TimeUnit::Days).duration(), Duration::from_secs(30 * 86_400));
        assert_eq!(AppClient::DEFAULT_ACCESS_TOKEN_VALIDITY.duration(), Duration::from_secs(3600));
    }
}
