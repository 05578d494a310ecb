//! What the adapter needs to know, and what can go wrong at start-up.

use std::time::Duration;

use authport_domain::BoxError;
use secrecy::{ExposeSecret as _, SecretString};

/// Settings of [`crate::CognitoIdentityProvider::connect`]. Credentials are not here: they
/// come from the standard AWS chain (environment, profile, web identity, ECS, IMDS).
///
/// The default has no pool and no app client (which [`CognitoSettings::new`] names): it does not
/// validate until both are set.
#[derive(Debug, Clone)]
pub struct CognitoSettings {
    /// The user pool, e.g. `eu-west-1_AbCdEf123`.
    pub user_pool_id: String,
    /// The app client that may use `ADMIN_USER_PASSWORD_AUTH`.
    pub client_id: String,
    /// The app client's secret, if it has one: then every call carries a `SECRET_HASH`.
    pub client_secret: Option<SecretString>,
    /// AWS region [default: the region the pool id starts with, else the standard AWS chain].
    pub region: Option<String>,
    /// Endpoint of an emulator or proxy [default: the standard chain (`AWS_ENDPOINT_URL…`),
    /// then AWS's regional endpoint].
    pub endpoint_url: Option<String>,
    /// Where the pool's signing keys are [default: `<endpoint>/<pool id>/.well-known/jwks.json`,
    /// endpoint being `https://cognito-idp.<region>.amazonaws.com` or the custom one].
    pub jwks_url: Option<String>,
    /// `iss` of the pool's tokens [default: `https://cognito-idp.<region>.amazonaws.com/<pool id>`,
    /// which is also what moto and LocalStack put in their tokens].
    pub issuer: Option<String>,
    /// Limit for one operation, retries included (the SDK has no default).
    pub operation_timeout: Duration,
    /// Limit for one attempt of an operation.
    pub attempt_timeout: Duration,
    /// Limit for establishing a connection.
    pub connect_timeout: Duration,
    /// Attempts per operation in the standard retry mode (1 = no retries).
    pub max_attempts: u32,
    /// How long a successful readiness check (`DescribeUserPool`) is reused, so that a storm of
    /// probes is not a storm of Cognito calls.
    pub readiness_reuse: Duration,
}

impl Default for CognitoSettings {
    fn default() -> Self {
        Self {
            user_pool_id: String::new(),
            client_id: String::new(),
            client_secret: None,
            region: None,
            endpoint_url: None,
            jwks_url: None,
            issuer: None,
            operation_timeout: Self::DEFAULT_OPERATION_TIMEOUT,
            attempt_timeout: Self::DEFAULT_ATTEMPT_TIMEOUT,
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            max_attempts: Self::DEFAULT_MAX_ATTEMPTS,
            readiness_reuse: Self::DEFAULT_READINESS_REUSE,
        }
    }
}

impl CognitoSettings {
    pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(5);
    pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
    pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;
    pub const MAX_ATTEMPTS_LIMIT: u32 = 10;
    pub const DEFAULT_READINESS_REUSE: Duration = Duration::from_secs(5);

    /// Settings for a pool and app client, everything else at its default.
    pub fn new(user_pool_id: impl Into<String>, client_id: impl Into<String>) -> Self {
        Self { user_pool_id: user_pool_id.into(), client_id: client_id.into(), ..Self::default() }
    }

    /// Checks what can be checked without AWS.
    pub(crate) fn validate(&self) -> Result<(), CognitoSetupError> {
        let invalid = |msg: String| Err(CognitoSetupError::InvalidSettings(msg));
        if self.user_pool_id.trim().is_empty() {
            return invalid("the user pool id is required (--user-pool-id)".into());
        }
        if !self.user_pool_id.contains('_') {
            return invalid(format!("`{}` is not a user pool id (expected <region>_<id>)", self.user_pool_id));
        }
        if self.client_id.trim().is_empty() {
            return invalid("the app client id is required (--client-id)".into());
        }
        if self.client_secret.as_ref().is_some_and(|s| s.expose_secret().is_empty()) {
            return invalid("the client secret is empty (leave it unset for a client without a secret)".into());
        }
        if self.region.as_deref().is_some_and(|r| r.trim().is_empty()) {
            return invalid("the AWS region is empty".into());
        }
        for (what, url) in [("endpoint", &self.endpoint_url), ("JWKS", &self.jwks_url)] {
            if let Some(url) = url {
                match reqwest::Url::parse(url) {
                    Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => {}
                    _ => return invalid(format!("the {what} URL `{url}` is not an http(s) URL")),
                }
            }
        }
        if self.operation_timeout.is_zero() || self.attempt_timeout.is_zero() || self.connect_timeout.is_zero() {
            return invalid("timeouts must be positive".into());
        }
        if self.attempt_timeout > self.operation_timeout {
            return invalid(format!(
                "the attempt timeout ({:?}) exceeds the operation timeout ({:?})",
                self.attempt_timeout, self.operation_timeout
            ));
        }
        if !(1..=Self::MAX_ATTEMPTS_LIMIT).contains(&self.max_attempts) {
            return invalid(format!("max attempts must be within 1..={}", Self::MAX_ATTEMPTS_LIMIT));
        }
        Ok(())
    }

    /// The region a pool id names: `eu-west-1` for `eu-west-1_AbCdEf123`; `None` when the
    /// prefix is no AWS region name (some emulators use `local_…`).
    pub(crate) fn pool_region(&self) -> Option<&str> {
        let (region, _) = self.user_pool_id.split_once('_')?;
        let parts: Vec<&str> = region.split('-').collect();
        let looks_like_a_region = parts.len() >= 3
            && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
            && parts.last().is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()));
        looks_like_a_region.then_some(region)
    }
}

/// Why the adapter could not start.
#[derive(Debug, thiserror::Error)]
pub enum CognitoSetupError {
    #[error("invalid Cognito settings: {0}")]
    InvalidSettings(String),
    #[error("no AWS region: set --aws-region or AWS_REGION")]
    NoRegion,
    #[error("cannot build the HTTP client for the JWKS")]
    HttpClient(#[source] reqwest::Error),
    /// The pool could not be described: wrong pool id or region, no credentials or permission
    /// (`cognito-idp:DescribeUserPool`), or Cognito unreachable.
    #[error("cannot read the password policy of user pool {user_pool_id} (DescribeUserPool)")]
    DescribeUserPool {
        user_pool_id: String,
        #[source]
        source: BoxError,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> CognitoSettings {
        CognitoSettings::new("eu-west-1_AbCdEf123", "client")
    }

    #[test]
    fn defaults_are_valid() {
        settings().validate().expect("valid");
        assert_eq!(settings().pool_region(), Some("eu-west-1"));
        assert_eq!(CognitoSettings::new("us-gov-west-1_x", "c").pool_region(), Some("us-gov-west-1"));
        assert_eq!(CognitoSettings::new("local_abc", "c").pool_region(), None);
    }

    #[test]
    fn rejects_what_cannot_work() {
        type Edit = fn(&mut CognitoSettings);
        let cases: [(&str, Edit); 8] = [
            ("client secret", |s| s.client_secret = Some(SecretString::from(""))),
            ("pool id", |s| s.user_pool_id = String::new()),
            ("pool id", |s| s.user_pool_id = "no-underscore".into()),
            ("client id", |s| s.client_id = " ".into()),
            ("endpoint", |s| s.endpoint_url = Some("localhost:5000".into())),
            ("JWKS", |s| s.jwks_url = Some("ftp://x/jwks.json".into())),
            ("exceeds", |s| s.attempt_timeout = Duration::from_secs(10)),
            ("max attempts", |s| s.max_attempts = 0),
        ];
        for (needle, edit) in cases {
            let mut s = settings();
            edit(&mut s);
            let err = s.validate().expect_err(needle).to_string();
            assert!(err.contains(needle), "{err}");
        }
    }

    #[test]
    fn the_secret_stays_out_of_debug_output() {
        let mut s = settings();
        s.client_secret = Some(SecretString::from("top-secret-value"));
        assert!(!format!("{s:?}").contains("top-secret-value"));
    }
}
