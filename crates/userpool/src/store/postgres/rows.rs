//! Rows of the pool tables and their conversion to and from the engine's model. The only place
//! that knows the column names; a row the model cannot read is [`StoreError::Other`].

use std::collections::BTreeMap;
use std::time::SystemTime;

use authport_domain::PasswordPolicy;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret as _, SecretString};

use crate::model::{
    AppClient, ChallengeName, ClientId, CodePurpose, DeliveryMedium, ExplicitAuthFlow, Message, MessageKind,
    PendingCode, Pool, PoolId, PoolUser, StoredRefreshToken, StoredSession, TimeUnit, UserStatus, UsernameAttribute,
    Validity,
};
use crate::store::StoreError;

pub(super) fn unreadable(what: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("a stored row is unreadable: {what}").into())
}

pub(super) fn timestamp(time: SystemTime) -> DateTime<Utc> {
    DateTime::<Utc>::from(time)
}

fn time(at: DateTime<Utc>) -> SystemTime {
    SystemTime::from(at)
}

fn pool_id(id: &str) -> Result<PoolId, StoreError> {
    PoolId::parse(id).map_err(unreadable)
}

fn client_id(id: &str) -> Result<ClientId, StoreError> {
    // Ids of default clients come from a flag and may hold characters Cognito's do not.
    ClientId::configured(id).map_err(unreadable)
}

fn count(value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(unreadable)
}

fn small(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

fn small_count(value: i32) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(unreadable)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct PoolRow {
    pub id: String,
    pub name: String,
    pub min_password_length: i32,
    pub require_lowercase: bool,
    pub require_uppercase: bool,
    pub require_digit: bool,
    pub require_symbol: bool,
    pub temporary_password_validity_days: i32,
    pub case_sensitive: bool,
    pub username_attributes: Vec<String>,
    pub allow_admin_create_user_only: bool,
    pub auto_verified_attributes: Vec<String>,
    pub issuer: String,
    pub created_at: DateTime<Utc>,
    pub last_modified_at: DateTime<Utc>,
}

pub(super) const POOL_COLUMNS: &str = "id, name, min_password_length, require_lowercase, require_uppercase, \
    require_digit, require_symbol, temporary_password_validity_days, case_sensitive, username_attributes, \
    allow_admin_create_user_only, auto_verified_attributes, issuer, created_at, last_modified_at";

fn attribute_names(attributes: &[UsernameAttribute]) -> Vec<String> {
    attributes.iter().map(|a| a.as_str().to_owned()).collect()
}

fn attributes_named(names: &[String]) -> Result<Vec<UsernameAttribute>, StoreError> {
    names.iter().map(|a| UsernameAttribute::parse(a).ok_or_else(|| unreadable(format!("attribute {a:?}")))).collect()
}

impl PoolRow {
    pub fn from_model(pool: &Pool) -> Self {
        Self {
            id: pool.id.to_string(),
            name: pool.name.clone(),
            min_password_length: i32::try_from(pool.policy.min_length).unwrap_or(i32::MAX),
            require_lowercase: pool.policy.require_lowercase,
            require_uppercase: pool.policy.require_uppercase,
            require_digit: pool.policy.require_digit,
            require_symbol: pool.policy.require_symbol,
            temporary_password_validity_days: small(pool.temporary_password_validity_days),
            case_sensitive: pool.case_sensitive,
            username_attributes: attribute_names(&pool.username_attributes),
            allow_admin_create_user_only: pool.allow_admin_create_user_only,
            auto_verified_attributes: attribute_names(&pool.auto_verified_attributes),
            issuer: pool.issuer.clone(),
            created_at: timestamp(pool.created_at),
            last_modified_at: timestamp(pool.last_modified_at),
        }
    }

    pub fn into_model(self) -> Result<Pool, StoreError> {
        Ok(Pool {
            id: pool_id(&self.id)?,
            name: self.name,
            policy: PasswordPolicy {
                min_length: usize::try_from(self.min_password_length).map_err(unreadable)?,
                require_lowercase: self.require_lowercase,
                require_uppercase: self.require_uppercase,
                require_digit: self.require_digit,
                require_symbol: self.require_symbol,
            },
            temporary_password_validity_days: small_count(self.temporary_password_validity_days)?,
            case_sensitive: self.case_sensitive,
            username_attributes: attributes_named(&self.username_attributes)?,
            allow_admin_create_user_only: self.allow_admin_create_user_only,
            auto_verified_attributes: attributes_named(&self.auto_verified_attributes)?,
            issuer: self.issuer,
            created_at: time(self.created_at),
            last_modified_at: time(self.last_modified_at),
        })
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct ClientRow {
    pub id: String,
    pub pool_id: String,
    pub name: String,
    pub secret: Option<String>,
    pub explicit_auth_flows: Vec<String>,
    pub prevent_user_existence_errors: bool,
    pub access_token_validity: i64,
    pub access_token_unit: String,
    pub id_token_validity: i64,
    pub id_token_unit: String,
    pub refresh_token_validity: i64,
    pub refresh_token_unit: String,
    pub auth_session_validity_minutes: i32,
    pub enable_token_revocation: bool,
    pub created_at: DateTime<Utc>,
    pub last_modified_at: DateTime<Utc>,
}

pub(super) const CLIENT_COLUMNS: &str = "id, pool_id, name, secret, explicit_auth_flows, \
    prevent_user_existence_errors, access_token_validity, access_token_unit, id_token_validity, id_token_unit, \
    refresh_token_validity, refresh_token_unit, auth_session_validity_minutes, enable_token_revocation, \
    created_at, last_modified_at";

fn validity(amount: i64, unit: &str) -> Result<Validity, StoreError> {
    let unit = TimeUnit::parse(unit).ok_or_else(|| unreadable(format!("time unit {unit:?}")))?;
    Ok(Validity::new(count(amount)?, unit))
}

fn amount(validity: Validity) -> i64 {
    i64::try_from(validity.amount).unwrap_or(i64::MAX)
}

impl ClientRow {
    pub fn from_model(client: &AppClient) -> Self {
        Self {
            id: client.id.to_string(),
            pool_id: client.pool_id.to_string(),
            name: client.name.clone(),
            secret: client.secret.as_ref().map(|s| s.expose_secret().to_owned()),
            explicit_auth_flows: client.explicit_auth_flows.iter().map(|f| f.as_str().to_owned()).collect(),
            prevent_user_existence_errors: client.prevent_user_existence_errors,
            access_token_validity: amount(client.access_token_validity),
            access_token_unit: client.access_token_validity.unit.as_str().to_owned(),
            id_token_validity: amount(client.id_token_validity),
            id_token_unit: client.id_token_validity.unit.as_str().to_owned(),
            refresh_token_validity: amount(client.refresh_token_validity),
            refresh_token_unit: client.refresh_token_validity.unit.as_str().to_owned(),
            auth_session_validity_minutes: small(client.auth_session_validity_minutes),
            enable_token_revocation: client.enable_token_revocation,
            created_at: timestamp(client.created_at),
            last_modified_at: timestamp(client.last_modified_at),
        }
    }

    pub fn into_model(self) -> Result<AppClient, StoreError> {
        let explicit_auth_flows = self
            .explicit_auth_flows
            .iter()
            .map(|f| ExplicitAuthFlow::parse(f).ok_or_else(|| unreadable(format!("auth flow {f:?}"))))
            .collect::<Result<_, _>>()?;
        Ok(AppClient {
            id: client_id(&self.id)?,
            pool_id: pool_id(&self.pool_id)?,
            name: self.name,
            secret: self.secret.map(SecretString::from),
            explicit_auth_flows,
            prevent_user_existence_errors: self.prevent_user_existence_errors,
            access_token_validity: validity(self.access_token_validity, &self.access_token_unit)?,
            id_token_validity: validity(self.id_token_validity, &self.id_token_unit)?,
            refresh_token_validity: validity(self.refresh_token_validity, &self.refresh_token_unit)?,
            auth_session_validity_minutes: small_count(self.auth_session_validity_minutes)?,
            enable_token_revocation: self.enable_token_revocation,
            created_at: time(self.created_at),
            last_modified_at: time(self.last_modified_at),
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(super) struct UserRow {
    pub pool_id: String,
    pub sub: uuid::Uuid,
    pub username: String,
    pub username_key: String,
    /// The jsonb object, as text.
    pub attributes: String,
    pub status: String,
    pub enabled: bool,
    pub password_hash: String,
    pub password_set_at: DateTime<Utc>,
    pub failed_sign_ins: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub last_modified_at: DateTime<Utc>,
    pub revision: i64,
    pub code_purpose: Option<String>,
    pub code_hash: Option<String>,
    pub code_medium: Option<String>,
    pub code_expires_at: Option<DateTime<Utc>>,
    pub code_failed_attempts: i32,
    pub srp_salt: Option<Vec<u8>>,
    pub srp_verifier: Option<Vec<u8>>,
}

pub(super) const USER_COLUMNS: &str = "pool_id, sub, username, username_key, attributes::text AS attributes, \
    status, enabled, password_hash, password_set_at, failed_sign_ins, locked_until, created_at, last_modified_at, \
    revision, code_purpose, code_hash, code_medium, code_expires_at, code_failed_attempts, srp_salt, srp_verifier";

impl UserRow {
    pub fn from_model(user: &PoolUser) -> Result<Self, StoreError> {
        let code = user.pending_code.as_ref();
        Ok(Self {
            pool_id: user.pool_id.to_string(),
            sub: user.sub,
            username: user.username.clone(),
            username_key: user.username_key.clone(),
            attributes: serde_json::to_string(&user.attributes).map_err(|e| StoreError::Other(Box::new(e)))?,
            status: user.status.as_str().to_owned(),
            enabled: user.enabled,
            password_hash: user.password_hash.clone(),
            password_set_at: timestamp(user.password_set_at),
            failed_sign_ins: small(user.failed_sign_ins),
            locked_until: user.locked_until.map(timestamp),
            created_at: timestamp(user.created_at),
            last_modified_at: timestamp(user.last_modified_at),
            revision: user.revision,
            code_purpose: code.map(|c| c.purpose.as_str().to_owned()),
            code_hash: code.map(|c| c.code_hash.clone()),
            code_medium: code.map(|c| c.medium.as_str().to_owned()),
            code_expires_at: code.map(|c| timestamp(c.expires_at)),
            code_failed_attempts: code.map_or(0, |c| small(c.failed_attempts)),
            srp_salt: user.srp.as_ref().map(|v| v.salt.clone()),
            srp_verifier: user.srp.as_ref().map(|v| v.verifier.clone()),
        })
    }

    pub fn into_model(self) -> Result<PoolUser, StoreError> {
        let attributes: BTreeMap<String, String> = serde_json::from_str(&self.attributes).map_err(unreadable)?;
        let pending_code = match (self.code_purpose, self.code_hash, self.code_medium, self.code_expires_at) {
            (Some(purpose), Some(code_hash), Some(medium), Some(expires_at)) => Some(PendingCode {
                purpose: CodePurpose::parse(&purpose).ok_or_else(|| unreadable(format!("code purpose {purpose:?}")))?,
                code_hash,
                medium: DeliveryMedium::parse(&medium).ok_or_else(|| unreadable(format!("code medium {medium:?}")))?,
                expires_at: time(expires_at),
                failed_attempts: small_count(self.code_failed_attempts)?,
            }),
            _ => None,
        };
        Ok(PoolUser {
            pool_id: pool_id(&self.pool_id)?,
            sub: self.sub,
            username: self.username,
            username_key: self.username_key,
            attributes,
            status: UserStatus::parse(&self.status).ok_or_else(|| unreadable(format!("status {:?}", self.status)))?,
            enabled: self.enabled,
            password_hash: self.password_hash,
            password_set_at: time(self.password_set_at),
            failed_sign_ins: small_count(self.failed_sign_ins)?,
            locked_until: self.locked_until.map(time),
            pending_code,
            srp: match (self.srp_salt, self.srp_verifier) {
                (Some(salt), Some(verifier)) => Some(crate::srp::Verifier { salt, verifier }),
                _ => None,
            },
            created_at: time(self.created_at),
            last_modified_at: time(self.last_modified_at),
            revision: self.revision,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(super) struct SessionRow {
    pub token_hash: String,
    pub pool_id: String,
    pub client_id: String,
    pub sub: uuid::Uuid,
    pub challenge: String,
    pub expires_at: DateTime<Utc>,
    pub srp_key: Option<Vec<u8>>,
}

impl SessionRow {
    pub fn into_model(self) -> Result<StoredSession, StoreError> {
        Ok(StoredSession {
            token_hash: self.token_hash,
            pool_id: pool_id(&self.pool_id)?,
            client_id: client_id(&self.client_id)?,
            sub: self.sub,
            challenge: ChallengeName::parse(&self.challenge)
                .ok_or_else(|| unreadable(format!("challenge {:?}", self.challenge)))?,
            expires_at: time(self.expires_at),
            srp_key: match self.srp_key {
                Some(key) => Some(key.try_into().map_err(|_| unreadable("an SRP key of another length"))?),
                None => None,
            },
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(super) struct RefreshTokenRow {
    pub token_hash: String,
    pub pool_id: String,
    pub client_id: String,
    pub sub: uuid::Uuid,
    pub origin_jti: String,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub(super) const REFRESH_TOKEN_COLUMNS: &str =
    "token_hash, pool_id, client_id, sub, origin_jti, expires_at, revoked_at";

impl RefreshTokenRow {
    pub fn into_model(self) -> Result<StoredRefreshToken, StoreError> {
        Ok(StoredRefreshToken {
            token_hash: self.token_hash,
            pool_id: pool_id(&self.pool_id)?,
            client_id: client_id(&self.client_id)?,
            sub: self.sub,
            origin_jti: self.origin_jti,
            expires_at: time(self.expires_at),
            revoked_at: self.revoked_at.map(time),
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(super) struct MessageRow {
    pub pool_id: String,
    pub username: String,
    pub kind: String,
    pub medium: String,
    pub destination: String,
    pub body: String,
    pub code: String,
    pub created_at: DateTime<Utc>,
}

impl MessageRow {
    pub fn into_model(self) -> Result<Message, StoreError> {
        Ok(Message {
            pool_id: pool_id(&self.pool_id)?,
            username: self.username,
            kind: MessageKind::parse(&self.kind).ok_or_else(|| unreadable(format!("message kind {:?}", self.kind)))?,
            medium: DeliveryMedium::parse(&self.medium)
                .ok_or_else(|| unreadable(format!("delivery medium {:?}", self.medium)))?,
            destination: self.destination,
            body: self.body,
            code: self.code,
            created_at: time(self.created_at),
        })
    }
}
