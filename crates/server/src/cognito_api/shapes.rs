//! Cognito's response shapes, with Cognito's member names (botocore's `service-2.json`), built
//! from the engine's model. Timestamps are epoch seconds.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use authport_userpool::IssuedTokens;
use authport_userpool::engine::public::CodeDelivery;
use authport_userpool::model::{AppClient, Pool, PoolUser};
use secrecy::ExposeSecret as _;
use serde::Serialize;

/// The account id in ARNs: authport has no AWS account.
const ACCOUNT: &str = "000000000000";

pub fn epoch(time: SystemTime) -> f64 {
    time.duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or_default()
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PasswordPolicyType {
    pub minimum_length: usize,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
    pub temporary_password_validity_days: u32,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Policies {
    pub password_policy: PasswordPolicyType,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AdminCreateUserConfig {
    pub allow_admin_create_user_only: bool,
    pub unused_account_validity_days: u32,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UsernameConfiguration {
    pub case_sensitive: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserPoolType {
    pub id: String,
    pub name: String,
    pub arn: String,
    pub policies: Policies,
    pub deletion_protection: &'static str,
    pub lambda_config: BTreeMap<String, String>,
    pub creation_date: f64,
    pub last_modified_date: f64,
    pub mfa_configuration: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub username_attributes: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub auto_verified_attributes: Vec<&'static str>,
    pub admin_create_user_config: AdminCreateUserConfig,
    pub username_configuration: UsernameConfiguration,
    pub user_pool_tier: &'static str,
}

impl From<&Pool> for UserPoolType {
    fn from(pool: &Pool) -> Self {
        let policy = &pool.policy;
        Self {
            id: pool.id.to_string(),
            name: pool.name.clone(),
            arn: format!("arn:aws:cognito-idp:{}:{ACCOUNT}:userpool/{}", pool.id.region(), pool.id),
            policies: Policies {
                password_policy: PasswordPolicyType {
                    minimum_length: policy.min_length,
                    require_uppercase: policy.require_uppercase,
                    require_lowercase: policy.require_lowercase,
                    require_numbers: policy.require_digit,
                    require_symbols: policy.require_symbol,
                    temporary_password_validity_days: pool.temporary_password_validity_days,
                },
            },
            deletion_protection: "INACTIVE",
            lambda_config: BTreeMap::new(),
            creation_date: epoch(pool.created_at),
            last_modified_date: epoch(pool.last_modified_at),
            mfa_configuration: "OFF",
            username_attributes: pool.username_attributes.iter().map(|a| a.as_str()).collect(),
            auto_verified_attributes: pool.auto_verified_attributes.iter().map(|a| a.as_str()).collect(),
            admin_create_user_config: AdminCreateUserConfig {
                allow_admin_create_user_only: pool.allow_admin_create_user_only,
                unused_account_validity_days: pool.temporary_password_validity_days,
            },
            username_configuration: UsernameConfiguration { case_sensitive: pool.case_sensitive },
            user_pool_tier: "ESSENTIALS",
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserPoolDescriptionType {
    pub id: String,
    pub name: String,
    pub lambda_config: BTreeMap<String, String>,
    pub last_modified_date: f64,
    pub creation_date: f64,
}

impl From<&Pool> for UserPoolDescriptionType {
    fn from(pool: &Pool) -> Self {
        Self {
            id: pool.id.to_string(),
            name: pool.name.clone(),
            lambda_config: BTreeMap::new(),
            last_modified_date: epoch(pool.last_modified_at),
            creation_date: epoch(pool.created_at),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TokenValidityUnitsType {
    pub access_token: &'static str,
    pub id_token: &'static str,
    pub refresh_token: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserPoolClientType {
    pub user_pool_id: String,
    pub client_name: String,
    pub client_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    pub last_modified_date: f64,
    pub creation_date: f64,
    pub refresh_token_validity: u64,
    pub access_token_validity: u64,
    pub id_token_validity: u64,
    pub token_validity_units: TokenValidityUnitsType,
    pub explicit_auth_flows: Vec<&'static str>,
    pub allowed_o_auth_flows_user_pool_client: bool,
    pub prevent_user_existence_errors: &'static str,
    pub enable_token_revocation: bool,
    pub enable_propagate_additional_user_context_data: bool,
    pub auth_session_validity: u32,
}

impl From<&AppClient> for UserPoolClientType {
    fn from(client: &AppClient) -> Self {
        Self {
            user_pool_id: client.pool_id.to_string(),
            client_name: client.name.clone(),
            client_id: client.id.to_string(),
            client_secret: client.secret.as_ref().map(|s| s.expose_secret().to_owned()),
            last_modified_date: epoch(client.last_modified_at),
            creation_date: epoch(client.created_at),
            refresh_token_validity: client.refresh_token_validity.amount,
            access_token_validity: client.access_token_validity.amount,
            id_token_validity: client.id_token_validity.amount,
            token_validity_units: TokenValidityUnitsType {
                access_token: client.access_token_validity.unit.as_str(),
                id_token: client.id_token_validity.unit.as_str(),
                refresh_token: client.refresh_token_validity.unit.as_str(),
            },
            explicit_auth_flows: client.explicit_auth_flows.iter().map(|f| f.as_str()).collect(),
            allowed_o_auth_flows_user_pool_client: false,
            prevent_user_existence_errors: if client.prevent_user_existence_errors { "ENABLED" } else { "LEGACY" },
            enable_token_revocation: client.enable_token_revocation,
            enable_propagate_additional_user_context_data: false,
            auth_session_validity: client.auth_session_validity_minutes,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserPoolClientDescription {
    pub client_id: String,
    pub user_pool_id: String,
    pub client_name: String,
}

impl From<&AppClient> for UserPoolClientDescription {
    fn from(client: &AppClient) -> Self {
        Self {
            client_id: client.id.to_string(),
            user_pool_id: client.pool_id.to_string(),
            client_name: client.name.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeType {
    pub name: String,
    pub value: String,
}

/// The user's attributes as Cognito lists them: `sub` first, then the rest by name.
pub fn attributes(user: &PoolUser) -> Vec<AttributeType> {
    let sub = AttributeType { name: "sub".to_owned(), value: user.sub.to_string() };
    std::iter::once(sub)
        .chain(user.attributes.iter().map(|(name, value)| AttributeType { name: name.clone(), value: value.clone() }))
        .collect()
}

/// AdminCreateUser's `User`, and each of ListUsers' `Users`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserType {
    pub username: String,
    pub attributes: Vec<AttributeType>,
    pub user_create_date: f64,
    pub user_last_modified_date: f64,
    pub enabled: bool,
    pub user_status: &'static str,
}

impl From<&PoolUser> for UserType {
    fn from(user: &PoolUser) -> Self {
        Self {
            username: user.username.clone(),
            attributes: attributes(user),
            user_create_date: epoch(user.created_at),
            user_last_modified_date: epoch(user.last_modified_at),
            enabled: user.enabled,
            user_status: user.status.as_str(),
        }
    }
}

/// AdminGetUser's answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AdminGetUserResponse {
    pub username: String,
    pub user_attributes: Vec<AttributeType>,
    pub user_create_date: f64,
    pub user_last_modified_date: f64,
    pub enabled: bool,
    pub user_status: &'static str,
}

impl From<&PoolUser> for AdminGetUserResponse {
    fn from(user: &PoolUser) -> Self {
        Self {
            username: user.username.clone(),
            user_attributes: attributes(user),
            user_create_date: epoch(user.created_at),
            user_last_modified_date: epoch(user.last_modified_at),
            enabled: user.enabled,
            user_status: user.status.as_str(),
        }
    }
}

/// GetUser's answer (no dates, status or Enabled: those are the admin view's).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetUserResponse {
    pub username: String,
    pub user_attributes: Vec<AttributeType>,
}

impl From<&PoolUser> for GetUserResponse {
    fn from(user: &PoolUser) -> Self {
        Self { username: user.username.clone(), user_attributes: attributes(user) }
    }
}

/// Where a code went.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CodeDeliveryDetailsType {
    pub destination: String,
    pub delivery_medium: &'static str,
    pub attribute_name: &'static str,
}

impl From<&CodeDelivery> for CodeDeliveryDetailsType {
    fn from(delivery: &CodeDelivery) -> Self {
        Self {
            destination: delivery.destination.clone(),
            delivery_medium: delivery.medium.as_str(),
            attribute_name: delivery.attribute,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AuthenticationResultType {
    pub access_token: String,
    pub expires_in: u64,
    pub token_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub id_token: String,
}

impl From<IssuedTokens> for AuthenticationResultType {
    fn from(tokens: IssuedTokens) -> Self {
        Self {
            access_token: tokens.access_token.expose().to_owned(),
            expires_in: tokens.expires_in.as_secs(),
            token_type: "Bearer",
            refresh_token: tokens.refresh_token.map(|t| t.expose().to_owned()),
            id_token: tokens.id_token.expose().to_owned(),
        }
    }
}

/// The answer of the auth calls: (Admin)InitiateAuth and (Admin)RespondToAuthChallenge.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AuthResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenge_name: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    pub challenge_parameters: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authentication_result: Option<AuthenticationResultType>,
}
