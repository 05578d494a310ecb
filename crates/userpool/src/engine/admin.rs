//! The engine's management operations: pools, app clients and users as an administrator sees
//! them (Cognito's CreateUserPool … AdminUserGlobalSignOut). Input shapes are checked by the
//! inbound face (lengths, patterns, required members); the rules are here.

use std::collections::BTreeMap;

use authport_domain::PasswordPolicy;
use rand::Rng as _;
use rand::seq::SliceRandom as _;
use secrecy::SecretString;

use super::{PoolError, UserPools};
use crate::model::{
    AppClient, ClientId, DeliveryMedium, ExplicitAuthFlow, Message, MessageKind, Pool, PoolId, PoolUser, UserStatus,
    UsernameAttribute, Validity, generate_client_secret,
};
use crate::store::{InsertError, PoolStore};

/// The attributes every pool has (Cognito's standard attributes); `sub` is the user's id and
/// cannot be set.
pub const STANDARD_ATTRIBUTES: [&str; 20] = [
    "address",
    "birthdate",
    "email",
    "email_verified",
    "family_name",
    "gender",
    "given_name",
    "locale",
    "middle_name",
    "name",
    "nickname",
    "phone_number",
    "phone_number_verified",
    "picture",
    "preferred_username",
    "profile",
    "updated_at",
    "website",
    "zoneinfo",
    "sub",
];

/// Cognito's default invitation text.
const INVITATION: &str = "Your username is {username} and temporary password is {####}.";

/// A pool's settings as CreateUserPool (or UpdateUserPool, which resets what it omits) gives them.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub policy: PasswordPolicy,
    pub temporary_password_validity_days: u32,
    pub allow_admin_create_user_only: bool,
    /// Where SignUp sends the confirmation code (none: an administrator confirms).
    pub auto_verified_attributes: Vec<UsernameAttribute>,
}

impl Default for PoolSettings {
    /// Cognito's defaults.
    fn default() -> Self {
        Self {
            policy: PasswordPolicy::COGNITO_DEFAULT,
            temporary_password_validity_days: Pool::DEFAULT_TEMPORARY_PASSWORD_VALIDITY_DAYS,
            allow_admin_create_user_only: false,
            auto_verified_attributes: Vec::new(),
        }
    }
}

/// A new pool.
#[derive(Debug, Clone)]
pub struct NewPool {
    pub name: String,
    /// The region its id names.
    pub region: String,
    pub settings: PoolSettings,
    /// `UsernameConfiguration.CaseSensitive` (fixed once the pool exists).
    pub case_sensitive: bool,
    /// `UsernameAttributes` (fixed once the pool exists).
    pub username_attributes: Vec<UsernameAttribute>,
}

/// An app client's settings as CreateUserPoolClient (or UpdateUserPoolClient, which resets what
/// it omits) gives them.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    pub name: String,
    pub explicit_auth_flows: Vec<ExplicitAuthFlow>,
    pub prevent_user_existence_errors: bool,
    pub access_token_validity: Validity,
    pub id_token_validity: Validity,
    pub refresh_token_validity: Validity,
    pub auth_session_validity_minutes: u32,
    pub enable_token_revocation: bool,
}

impl ClientSettings {
    /// Cognito's defaults for a client created through the API: SRP, refresh and custom auth;
    /// `PreventUserExistenceErrors` LEGACY; one-hour access and id tokens, 30-day refresh tokens.
    pub fn cognito_defaults(name: String) -> Self {
        Self {
            name,
            explicit_auth_flows: vec![
                ExplicitAuthFlow::AllowRefreshTokenAuth,
                ExplicitAuthFlow::AllowUserSrpAuth,
                ExplicitAuthFlow::AllowCustomAuth,
            ],
            prevent_user_existence_errors: false,
            access_token_validity: AppClient::DEFAULT_ACCESS_TOKEN_VALIDITY,
            id_token_validity: AppClient::DEFAULT_ID_TOKEN_VALIDITY,
            refresh_token_validity: AppClient::DEFAULT_REFRESH_TOKEN_VALIDITY,
            auth_session_validity_minutes: AppClient::DEFAULT_AUTH_SESSION_VALIDITY_MINUTES,
            enable_token_revocation: true,
        }
    }
}

/// AdminCreateUser's `MessageAction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageAction {
    /// Send no invitation.
    Suppress,
    /// Send the invitation again to an existing user (with a new temporary password).
    Resend,
}

/// An AdminCreateUser request.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub attributes: Vec<(String, String)>,
    /// The temporary password; Cognito generates one when absent.
    pub temporary_password: Option<String>,
    pub message_action: Option<MessageAction>,
    /// Where the invitation goes (Cognito's default: SMS).
    pub delivery: Vec<DeliveryMedium>,
}

fn refuse_default(pool: &PoolId) -> PoolError {
    PoolError::InvalidParameter(format!(
        "{pool} is authport's default pool, the /v1 API's: its settings and its app client come from authport's \
         command-line flags, so this API may manage its users but cannot change or delete it"
    ))
}

/// Checks attribute names and values as Cognito's schema does for a pool without custom
/// attributes.
pub(super) fn check_attributes(attributes: &[(String, String)]) -> Result<(), PoolError> {
    for (name, value) in attributes {
        if name == "sub" {
            return Err(PoolError::InvalidParameter("Cannot modify an immutable attribute: sub".to_owned()));
        }
        if !STANDARD_ATTRIBUTES.contains(&name.as_str()) {
            return Err(PoolError::InvalidParameter(format!(
                "Attributes did not conform to the schema: {name}: Attribute does not exist in the schema.\n"
            )));
        }
        if name.ends_with("_verified") && value != "true" && value != "false" {
            return Err(PoolError::InvalidParameter(format!(
                "Attributes did not conform to the schema: {name}: The attribute value is not a valid boolean.\n"
            )));
        }
    }
    Ok(())
}

/// The user name a new user is stored under. A pool whose users sign in with their e-mail
/// address (or phone number) makes that the key, sets it as the attribute, and names the user by
/// their `sub` (`None` here), as Cognito does.
pub(super) fn stored_username(
    pool: &Pool,
    username: &str,
    attributes: &mut BTreeMap<String, String>,
) -> Result<Option<String>, PoolError> {
    match pool.username_attributes.first().copied() {
        Some(UsernameAttribute::Email) if !username.contains('@') => {
            Err(PoolError::InvalidParameter("Username should be an email.".to_owned()))
        }
        Some(UsernameAttribute::PhoneNumber) if !username.starts_with('+') && !username.contains('@') => {
            Err(PoolError::InvalidParameter("Username should be either an email or a phone number.".to_owned()))
        }
        Some(_) => {
            let attribute = if username.contains('@') { "email" } else { "phone_number" };
            attributes.insert(attribute.to_owned(), username.to_owned());
            Ok(None)
        }
        None => Ok(Some(username.to_owned())),
    }
}

/// A password that meets `policy`: at least 12 characters, a character of every class it asks for.
fn generate_password(policy: &PasswordPolicy) -> String {
    const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGITS: &[u8] = b"23456789";
    const SYMBOLS: &[u8] = b"^$*.[]{}()?!@#%&/,><:;|_~";
    let mut rng = rand::thread_rng();
    let mut pick = |set: &[u8]| char::from(set[rng.gen_range(0..set.len())]);
    let mut chars = vec![pick(LOWER), pick(UPPER), pick(DIGITS), pick(SYMBOLS)];
    let all: Vec<u8> = [LOWER, UPPER, DIGITS, SYMBOLS].concat();
    while chars.len() < policy.min_length.max(12) {
        chars.push(pick(&all));
    }
    chars.shuffle(&mut rand::thread_rng());
    chars.into_iter().collect()
}

impl<S: PoolStore> UserPools<S> {
    /// CreateUserPool: a new pool with an id in Cognito's format, issuing tokens as
    /// `<issuer_base>/<id>` (Cognito's `https://cognito-idp.<region>.amazonaws.com` by default).
    pub async fn create_pool(&self, new: NewPool, issuer_base: Option<&str>) -> Result<Pool, PoolError> {
        for _ in 0..4 {
            let id = PoolId::generate(&new.region).map_err(|e| PoolError::InvalidParameter(e.to_string()))?;
            let pool = self.pool_from(id, &new, issuer_base);
            match self.store.insert_pool(&pool).await {
                Ok(()) => return Ok(pool),
                Err(InsertError::Duplicate) => {} // a random id taken: draw again
                Err(InsertError::NoSuchPool) => return Err(PoolError::Internal("a pool has no owner".into())),
                Err(InsertError::Store(err)) => return Err(err.into()),
            }
        }
        Err(PoolError::Internal("no free pool id after four draws".into()))
    }

    /// The pool `new` asks for, under `id`.
    pub(super) fn pool_from(&self, id: PoolId, new: &NewPool, issuer_base: Option<&str>) -> Pool {
        let now = self.clock.now();
        let base =
            issuer_base.map_or_else(|| format!("https://cognito-idp.{}.amazonaws.com", new.region), str::to_owned);
        Pool {
            issuer: format!("{}/{id}", base.trim_end_matches('/')),
            id,
            name: new.name.clone(),
            policy: new.settings.policy,
            temporary_password_validity_days: new.settings.temporary_password_validity_days,
            case_sensitive: new.case_sensitive,
            username_attributes: new.username_attributes.clone(),
            allow_admin_create_user_only: new.settings.allow_admin_create_user_only,
            auto_verified_attributes: new.settings.auto_verified_attributes.clone(),
            created_at: now,
            last_modified_at: now,
        }
    }

    /// DescribeUserPool.
    pub async fn describe_pool(&self, id: &PoolId) -> Result<Pool, PoolError> {
        self.pool(id).await
    }

    /// ListUserPools: every pool, ordered by id.
    pub async fn list_pools(&self) -> Result<Vec<Pool>, PoolError> {
        Ok(self.store.pools().await?)
    }

    /// UpdateUserPool: replaces the settings (what the request omits is reset to Cognito's
    /// defaults, as Cognito does); the default pool refuses.
    pub async fn update_pool(&self, id: &PoolId, settings: PoolSettings) -> Result<(), PoolError> {
        if self.is_default_pool(id) {
            return Err(refuse_default(id));
        }
        let pool = self.pool(id).await?;
        let updated = Pool {
            policy: settings.policy,
            temporary_password_validity_days: settings.temporary_password_validity_days,
            allow_admin_create_user_only: settings.allow_admin_create_user_only,
            auto_verified_attributes: settings.auto_verified_attributes,
            last_modified_at: self.clock.now(),
            ..pool
        };
        if self.store.update_pool(&updated).await? { Ok(()) } else { Err(PoolError::no_such_pool(id)) }
    }

    /// DeleteUserPool, with everything in it; the default pool refuses.
    pub async fn delete_pool(&self, id: &PoolId) -> Result<(), PoolError> {
        if self.is_default_pool(id) {
            return Err(refuse_default(id));
        }
        if self.store.delete_pool(id).await? {
            self.keys.forget(id);
            Ok(())
        } else {
            Err(PoolError::no_such_pool(id))
        }
    }

    /// CreateUserPoolClient: a 26-character id, and a secret when `generate_secret`.
    pub async fn create_client(
        &self,
        pool_id: &PoolId,
        settings: ClientSettings,
        generate_secret: bool,
    ) -> Result<AppClient, PoolError> {
        let pool = self.pool(pool_id).await?;
        let client =
            self.client_from(ClientId::generate(), &pool, settings, generate_secret.then(generate_client_secret));
        match self.store.insert_client(&client).await {
            Ok(()) => Ok(client),
            Err(InsertError::NoSuchPool) => Err(PoolError::no_such_pool(pool_id)),
            Err(InsertError::Duplicate) => Err(PoolError::Internal("a random client id was taken".into())),
            Err(InsertError::Store(err)) => Err(err.into()),
        }
    }

    /// The client `settings` ask for, under `id`.
    pub(super) fn client_from(
        &self,
        id: ClientId,
        pool: &Pool,
        settings: ClientSettings,
        secret: Option<SecretString>,
    ) -> AppClient {
        let now = self.clock.now();
        AppClient {
            id,
            pool_id: pool.id.clone(),
            name: settings.name,
            secret,
            explicit_auth_flows: settings.explicit_auth_flows,
            prevent_user_existence_errors: settings.prevent_user_existence_errors,
            access_token_validity: settings.access_token_validity,
            id_token_validity: settings.id_token_validity,
            refresh_token_validity: settings.refresh_token_validity,
            auth_session_validity_minutes: settings.auth_session_validity_minutes,
            enable_token_revocation: settings.enable_token_revocation,
            created_at: now,
            last_modified_at: now,
        }
    }

    /// DescribeUserPoolClient.
    pub async fn describe_client(&self, pool_id: &PoolId, client_id: &ClientId) -> Result<AppClient, PoolError> {
        let pool = self.pool(pool_id).await?;
        self.client_of(&pool, client_id).await
    }

    /// ListUserPoolClients: the pool's clients, ordered by id.
    pub async fn list_clients(&self, pool_id: &PoolId) -> Result<Vec<AppClient>, PoolError> {
        let pool = self.pool(pool_id).await?;
        Ok(self.store.clients(&pool.id).await?)
    }

    /// UpdateUserPoolClient (what the request omits is reset to Cognito's defaults); the
    /// default client refuses.
    pub async fn update_client(
        &self,
        pool_id: &PoolId,
        client_id: &ClientId,
        settings: ClientSettings,
    ) -> Result<AppClient, PoolError> {
        if self.is_default_pool(pool_id) && self.is_default_client(client_id) {
            return Err(refuse_default(pool_id));
        }
        let client = self.describe_client(pool_id, client_id).await?;
        let updated = AppClient {
            name: settings.name,
            explicit_auth_flows: settings.explicit_auth_flows,
            prevent_user_existence_errors: settings.prevent_user_existence_errors,
            access_token_validity: settings.access_token_validity,
            id_token_validity: settings.id_token_validity,
            refresh_token_validity: settings.refresh_token_validity,
            auth_session_validity_minutes: settings.auth_session_validity_minutes,
            enable_token_revocation: settings.enable_token_revocation,
            last_modified_at: self.clock.now(),
            ..client
        };
        if self.store.update_client(&updated).await? { Ok(updated) } else { Err(PoolError::no_such_client(client_id)) }
    }

    /// DeleteUserPoolClient, with its sessions and refresh tokens; the default client refuses.
    pub async fn delete_client(&self, pool_id: &PoolId, client_id: &ClientId) -> Result<(), PoolError> {
        if self.is_default_pool(pool_id) && self.is_default_client(client_id) {
            return Err(refuse_default(pool_id));
        }
        let client = self.describe_client(pool_id, client_id).await?;
        if self.store.delete_client(&client.id).await? { Ok(()) } else { Err(PoolError::no_such_client(client_id)) }
    }

    /// The user a request names: by user name (its key in this pool) or, in a pool whose users
    /// sign in with an alias, by the `sub` Cognito made their user name.
    pub async fn find_user(&self, pool: &Pool, username: &str) -> Result<PoolUser, PoolError> {
        if let Some(user) = self.store.user(&pool.id, &pool.username_key(username)).await? {
            return Ok(user);
        }
        if let Ok(sub) = uuid::Uuid::parse_str(username)
            && let Some(user) = self.store.user_by_sub(&pool.id, &sub).await?
        {
            return Ok(user);
        }
        Err(PoolError::UserNotFound)
    }

    /// The pool a request names and the user it names in it.
    async fn pool_and_user(&self, pool_id: &PoolId, username: &str) -> Result<(Pool, PoolUser), PoolError> {
        let pool = self.pool(pool_id).await?;
        let user = self.find_user(&pool, username).await?;
        Ok((pool, user))
    }

    /// AdminCreateUser: a user in FORCE_CHANGE_PASSWORD with the given or a generated temporary
    /// password (meeting the policy); unless suppressed, the invitation is recorded.
    pub async fn admin_create_user(&self, pool_id: &PoolId, new: NewUser) -> Result<PoolUser, PoolError> {
        let pool = self.pool(pool_id).await?;
        check_attributes(&new.attributes)?;
        let temporary = new.temporary_password.clone().unwrap_or_else(|| generate_password(&pool.policy));
        let mut attributes: BTreeMap<String, String> = new.attributes.iter().cloned().collect();
        let username = stored_username(&pool, &new.username, &mut attributes)?;
        if new.message_action == Some(MessageAction::Resend) {
            return self.resend_invitation(&pool, &new, &temporary).await;
        }
        let created = self
            .create_user(
                &pool,
                username.as_deref(),
                &new.username,
                attributes,
                &temporary,
                UserStatus::ForceChangePassword,
                |_| (),
            )
            .await?;
        if new.message_action != Some(MessageAction::Suppress) {
            self.record_invitation(&pool, &created, &new.delivery, &temporary).await?;
        }
        Ok(created)
    }

    async fn resend_invitation(&self, pool: &Pool, new: &NewUser, temporary: &str) -> Result<PoolUser, PoolError> {
        Self::check_policy(pool, temporary)?;
        let user = self.find_user(pool, &new.username).await?;
        if user.status != UserStatus::ForceChangePassword {
            return Err(PoolError::UnsupportedUserState(
                "Resend not possible. User status is not FORCE_CHANGE_PASSWORD.".to_owned(),
            ));
        }
        let secrets = self.password_secrets(pool, &user.username, temporary).await?;
        let now = self.clock.now();
        let user = self
            .update_user(user, |user| {
                secrets.apply_to(user);
                user.password_set_at = now;
                Ok(())
            })
            .await?;
        self.record_invitation(pool, &user, &new.delivery, temporary).await?;
        Ok(user)
    }

    async fn record_invitation(
        &self,
        pool: &Pool,
        user: &PoolUser,
        delivery: &[DeliveryMedium],
        temporary: &str,
    ) -> Result<(), PoolError> {
        let body = INVITATION.replace("{username}", &user.username).replace("{####}", temporary);
        let mediums = if delivery.is_empty() { &[DeliveryMedium::Sms][..] } else { delivery };
        for medium in mediums {
            let attribute = match medium {
                DeliveryMedium::Email => "email",
                DeliveryMedium::Sms => "phone_number",
            };
            let Some(destination) = user.attribute(attribute) else { continue };
            let message = Message {
                pool_id: pool.id.clone(),
                username: user.username.clone(),
                kind: MessageKind::Invitation,
                medium: *medium,
                destination: destination.to_owned(),
                body: body.clone(),
                code: temporary.to_owned(),
                created_at: self.clock.now(),
            };
            self.store.record_message(&message).await?;
        }
        Ok(())
    }

    /// AdminSetUserPassword: a permanent password confirms the user; a temporary one puts them
    /// in FORCE_CHANGE_PASSWORD with a fresh validity. The policy applies to both.
    pub async fn admin_set_user_password(
        &self,
        pool_id: &PoolId,
        username: &str,
        password: &str,
        permanent: bool,
    ) -> Result<(), PoolError> {
        let pool = self.pool(pool_id).await?;
        Self::check_policy(&pool, password)?;
        let user = self.find_user(&pool, username).await?;
        let secrets = self.password_secrets(&pool, &user.username, password).await?;
        let now = self.clock.now();
        self.update_user(user, |user| {
            secrets.apply_to(user);
            user.password_set_at = now;
            user.status = if permanent { UserStatus::Confirmed } else { UserStatus::ForceChangePassword };
            user.failed_sign_ins = 0;
            user.locked_until = None;
            Ok(())
        })
        .await
        .map(drop)
    }

    /// AdminGetUser.
    pub async fn admin_get_user(&self, pool_id: &PoolId, username: &str) -> Result<PoolUser, PoolError> {
        let pool = self.pool(pool_id).await?;
        self.find_user(&pool, username).await
    }

    /// AdminDeleteUser, with the user's sessions and refresh tokens.
    pub async fn admin_delete_user(&self, pool_id: &PoolId, username: &str) -> Result<(), PoolError> {
        let (pool, user) = self.pool_and_user(pool_id, username).await?;
        if self.store.delete_user(&pool.id, &user.sub).await? { Ok(()) } else { Err(PoolError::UserNotFound) }
    }

    /// AdminDisableUser / AdminEnableUser. Disabling also revokes the user's refresh tokens.
    pub async fn admin_set_enabled(&self, pool_id: &PoolId, username: &str, enabled: bool) -> Result<(), PoolError> {
        let (pool, user) = self.pool_and_user(pool_id, username).await?;
        let user = self
            .update_user(user, |user| {
                user.enabled = enabled;
                Ok(())
            })
            .await?;
        if !enabled {
            self.store.revoke_refresh_tokens(&pool.id, &user.sub, self.clock.now()).await?;
        }
        Ok(())
    }

    /// AdminConfirmSignUp: an UNCONFIRMED user becomes CONFIRMED.
    pub async fn admin_confirm_sign_up(&self, pool_id: &PoolId, username: &str) -> Result<(), PoolError> {
        let (_, user) = self.pool_and_user(pool_id, username).await?;
        self.update_user(user, |user| {
            if user.status != UserStatus::Unconfirmed {
                return Err(PoolError::NotAuthorized(
                    format!("User cannot be confirmed. Current status is {}", user.status.as_str()).into(),
                ));
            }
            user.status = UserStatus::Confirmed;
            Ok(())
        })
        .await
        .map(drop)
    }

    /// AdminUpdateUserAttributes: sets (or replaces) the given attributes.
    pub async fn admin_update_user_attributes(
        &self,
        pool_id: &PoolId,
        username: &str,
        attributes: Vec<(String, String)>,
    ) -> Result<(), PoolError> {
        let pool = self.pool(pool_id).await?;
        check_attributes(&attributes)?;
        let user = self.find_user(&pool, username).await?;
        self.update_user(user, |user| {
            for (name, value) in &attributes {
                user.attributes.insert(name.clone(), value.clone());
            }
            Ok(())
        })
        .await
        .map(drop)
    }

    /// AdminUserGlobalSignOut: revokes every refresh token of the user.
    pub async fn admin_user_global_sign_out(&self, pool_id: &PoolId, username: &str) -> Result<(), PoolError> {
        let (pool, user) = self.pool_and_user(pool_id, username).await?;
        self.store.revoke_refresh_tokens(&pool.id, &user.sub, self.clock.now()).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_meet_the_policy() {
        for policy in
            [PasswordPolicy::COGNITO_DEFAULT, PasswordPolicy { min_length: 30, ..PasswordPolicy::COGNITO_DEFAULT }]
        {
            for _ in 0..50 {
                let password = generate_password(&policy);
                assert!(policy.violations(&password).is_empty(), "{password}");
            }
        }
    }

    #[test]
    fn attributes_outside_the_schema_and_sub_are_refused() {
        assert!(
            check_attributes(&[("email".into(), "a@example.com".into()), ("email_verified".into(), "true".into())])
                .is_ok()
        );
        for (name, value) in [("sub", "x"), ("custom:tier", "gold"), ("email_verified", "yes")] {
            let err = check_attributes(&[(name.into(), value.into())]).expect_err(name);
            assert_eq!(err.exception(), "InvalidParameterException", "{name}");
        }
    }
}
