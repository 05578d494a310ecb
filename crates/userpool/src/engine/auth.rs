//! The admin auth flows as Cognito answers them: AdminInitiateAuth (ADMIN_USER_PASSWORD_AUTH,
//! the legacy ADMIN_NO_SRP_AUTH, REFRESH_TOKEN_AUTH / REFRESH_TOKEN) and
//! AdminRespondToAuthChallenge (NEW_PASSWORD_REQUIRED), with the client's ExplicitAuthFlows and
//! SECRET_HASH checked first. Flows authport does not implement are refused by name — never
//! answered with tokens.

use std::borrow::Cow;
use std::collections::BTreeMap;

use aws_lc_rs::hmac;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use secrecy::ExposeSecret as _;

use super::{IssuedTokens, PoolError, SignIn, UserPools};
use crate::model::{AppClient, ClientId, ExplicitAuthFlow, Pool, PoolId};
use crate::store::PoolStore;

/// Cognito's `AuthFlowType` values.
pub const AUTH_FLOWS: [&str; 8] = [
    "USER_SRP_AUTH",
    "REFRESH_TOKEN_AUTH",
    "REFRESH_TOKEN",
    "CUSTOM_AUTH",
    "ADMIN_NO_SRP_AUTH",
    "USER_PASSWORD_AUTH",
    "ADMIN_USER_PASSWORD_AUTH",
    "USER_AUTH",
];

/// Cognito's `ChallengeNameType` values.
pub const CHALLENGE_NAMES: [&str; 14] = [
    "SMS_MFA",
    "EMAIL_OTP",
    "SOFTWARE_TOKEN_MFA",
    "SELECT_MFA_TYPE",
    "MFA_SETUP",
    "PASSWORD_VERIFIER",
    "CUSTOM_CHALLENGE",
    "SELECT_CHALLENGE",
    "DEVICE_SRP_AUTH",
    "DEVICE_PASSWORD_VERIFIER",
    "ADMIN_NO_SRP_AUTH",
    "NEW_PASSWORD_REQUIRED",
    "SMS_OTP",
    "PASSWORD",
];

pub(super) fn invalid(message: impl Into<String>) -> PoolError {
    PoolError::InvalidParameter(message.into())
}

pub(super) fn unsupported_by_authport(what: &str) -> PoolError {
    invalid(format!("authport does not implement {what}: it answers no tokens for it"))
}

pub(super) fn required<'a>(parameters: &'a BTreeMap<String, String>, name: &str) -> Result<&'a str, PoolError> {
    parameters.get(name).map(String::as_str).ok_or_else(|| invalid(format!("Missing required parameter {name}")))
}

/// Checks the SECRET_HASH a request carries against the client's secret: required when the
/// client has one, refused when it has none. `username` is what the hash was made with.
pub(super) fn check_secret_hash(
    client: &AppClient,
    username: &str,
    secret_hash: Option<&str>,
    mismatch: fn(&ClientId) -> String,
) -> Result<(), PoolError> {
    match (&client.secret, secret_hash) {
        (None, None) => Ok(()),
        (None, Some(_)) => {
            Err(invalid(format!("App client {} is not configured for secret but secret hash was received", client.id)))
        }
        (Some(_), None) => Err(PoolError::NotAuthorized(Cow::Owned(format!(
            "Client {} is configured with secret but SECRET_HASH was not received",
            client.id
        )))),
        (Some(secret), Some(hash)) => {
            let key = hmac::Key::new(hmac::HMAC_SHA256, secret.expose_secret().as_bytes());
            let message = format!("{username}{}", client.id);
            let valid = STANDARD.decode(hash).is_ok_and(|tag| hmac::verify(&key, message.as_bytes(), &tag).is_ok());
            if valid { Ok(()) } else { Err(PoolError::NotAuthorized(Cow::Owned(mismatch(&client.id)))) }
        }
    }
}

/// The `USERNAME` and the `other` parameter of a sign-in step, once its SECRET_HASH (made with
/// that user name) checked out.
pub(super) fn user_and<'a>(
    client: &AppClient,
    parameters: &'a BTreeMap<String, String>,
    other: &str,
) -> Result<(&'a str, &'a str), PoolError> {
    let username = required(parameters, "USERNAME")?;
    let value = required(parameters, other)?;
    check_secret_hash(client, username, parameters.get("SECRET_HASH").map(String::as_str), unable_to_verify)?;
    Ok((username, value))
}

pub(super) fn unable_to_verify(client: &ClientId) -> String {
    format!("Unable to verify secret hash for client {client}")
}

fn refresh_mismatch(client: &ClientId) -> String {
    format!("SecretHash does not match for the client: {client}")
}

/// The SECRET_HASH of `username` for a client with `secret`: base64(HMAC-SHA256(secret,
/// username + client id)), as the SDKs compute it.
pub fn secret_hash(secret: &str, username: &str, client_id: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    STANDARD.encode(hmac::sign(&key, format!("{username}{client_id}").as_bytes()))
}

impl<S: PoolStore> UserPools<S> {
    /// AdminInitiateAuth.
    pub async fn admin_initiate_auth(
        &self,
        pool_id: &PoolId,
        client_id: &ClientId,
        flow: &str,
        parameters: &BTreeMap<String, String>,
    ) -> Result<SignIn, PoolError> {
        let pool = self.pool(pool_id).await?;
        let client = self.client_of(&pool, client_id).await?;
        match flow {
            "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => {
                let allowed =
                    client.allows(ExplicitAuthFlow::AllowAdminUserPasswordAuth, Some(ExplicitAuthFlow::AdminNoSrpAuth));
                if !allowed {
                    return Err(invalid("Auth flow not enabled for this client"));
                }
                self.password_flow(&pool, &client, parameters).await
            }
            "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => self.refresh_flow(&pool, &client, parameters).await,
            "USER_PASSWORD_AUTH" | "USER_SRP_AUTH" => Err(invalid("Initiate Auth method not supported.")),
            "CUSTOM_AUTH" | "USER_AUTH" => Err(unsupported_by_authport(&format!("the {flow} flow"))),
            other => Err(invalid(format!("Initiate Auth method not supported: {other}"))),
        }
    }

    /// AdminRespondToAuthChallenge (NEW_PASSWORD_REQUIRED): `USERNAME` and `NEW_PASSWORD`, the
    /// SECRET_HASH for a client with a secret, and `userAttributes.<name>` to set.
    pub async fn admin_respond_to_auth_challenge(
        &self,
        pool_id: &PoolId,
        client_id: &ClientId,
        challenge: &str,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
    ) -> Result<IssuedTokens, PoolError> {
        let pool = self.pool(pool_id).await?;
        let client = self.client_of(&pool, client_id).await?;
        self.respond_to_challenge(&pool, &client, challenge, session, responses).await
    }

    /// Answers `challenge` (NEW_PASSWORD_REQUIRED, the one authport issues) for either API.
    pub(super) async fn respond_to_challenge(
        &self,
        pool: &Pool,
        client: &AppClient,
        challenge: &str,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
    ) -> Result<IssuedTokens, PoolError> {
        if challenge != "NEW_PASSWORD_REQUIRED" {
            return Err(unsupported_by_authport(&format!("the {challenge} challenge")));
        }
        let username = required(responses, "USERNAME")?;
        let new_password = required(responses, "NEW_PASSWORD")?;
        check_secret_hash(client, username, responses.get("SECRET_HASH").map(String::as_str), unable_to_verify)?;
        let session = session.ok_or_else(|| invalid("Missing required parameter Session"))?;
        let attributes: Vec<(String, String)> = responses
            .iter()
            .filter_map(|(name, value)| name.strip_prefix("userAttributes.").map(|n| (n.to_owned(), value.clone())))
            .collect();
        super::admin::check_attributes(&attributes)?;
        self.answer_new_password_with(&pool.id, &client.id, session, username, new_password, attributes).await
    }

    /// A password sign-in (USERNAME, PASSWORD and SECRET_HASH) for either API, once the client
    /// was found to allow it.
    pub(super) async fn password_flow(
        &self,
        pool: &Pool,
        client: &AppClient,
        parameters: &BTreeMap<String, String>,
    ) -> Result<SignIn, PoolError> {
        let (username, password) = user_and(client, parameters, "PASSWORD")?;
        self.sign_in_with_password(&pool.id, &client.id, username, password).await
    }

    /// A refresh (REFRESH_TOKEN_AUTH / REFRESH_TOKEN) for either API.
    pub(super) async fn refresh_flow(
        &self,
        pool: &Pool,
        client: &AppClient,
        parameters: &BTreeMap<String, String>,
    ) -> Result<SignIn, PoolError> {
        if !client.allows(ExplicitAuthFlow::AllowRefreshTokenAuth, None) {
            return Err(invalid("Auth flow not enabled for this client"));
        }
        let token = required(parameters, "REFRESH_TOKEN")?;
        let secret_hash = parameters.get("SECRET_HASH").map(String::as_str);
        let tokens = self
            .refresh_checked(&pool.id, &client.id, token, |user| {
                check_secret_hash(client, &user.username, secret_hash, refresh_mismatch)
            })
            .await?;
        Ok(SignIn::Tokens(tokens))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_hash_is_the_sdks() {
        // boto3 / amazon-cognito-identity-js compute base64(HMAC-SHA256(secret, username + client id)).
        assert_eq!(secret_hash("secret", "ann", "client"), "1KBhTmaloN8gn8mYFOpcHRnT/Jn7qaddEv2E6vNUy30=");
    }
}
