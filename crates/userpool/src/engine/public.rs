//! Cognito's public API: the calls an app makes without AWS credentials, naming only its app
//! client — SignUp and its confirmation by code, InitiateAuth and RespondToAuthChallenge, the
//! forgotten-password reset, RevokeToken — and those authorised by the user's access token
//! (GetUser, UpdateUserAttributes, ChangePassword, DeleteUser, GlobalSignOut).
//!
//! Codes are sent as Cognito would send them: recorded as messages (authport delivers no e-mail
//! or SMS), kept on the user as a hash, single use, expiring, and spent after
//! [`MAX_CODE_ATTEMPTS`] wrong tries.

use std::collections::BTreeMap;
use std::time::Duration;

use rand::Rng as _;

use super::admin::{check_attributes, stored_username};
use super::auth::{check_secret_hash, invalid, unable_to_verify, unsupported_by_authport};
use super::{PoolError, SignIn, UserPools, not_authorized};
use crate::claims::AccessClaims;
use crate::model::{
    AppClient, ClientId, CodePurpose, DeliveryMedium, ExplicitAuthFlow, Message, MessageKind, PendingCode, Pool,
    PoolUser, UserStatus,
};
use crate::store::PoolStore;
use crate::tokens::{hash_refresh_token, unverified_access_claims};

/// How long a sign-up confirmation code stays valid.
pub const SIGN_UP_CODE_VALIDITY: Duration = Duration::from_secs(24 * 3600);
/// How long a password-reset code stays valid.
pub const RESET_CODE_VALIDITY: Duration = Duration::from_secs(3600);
/// Wrong codes tried before the code is spent (a new one must be requested).
pub const MAX_CODE_ATTEMPTS: u32 = 5;

/// Cognito's default verification message.
const VERIFICATION_MESSAGE: &str = "Your verification code is {####}. ";
/// Cognito's default message of ForgotPassword's code.
const RESET_MESSAGE: &str = "Your password reset code is {####}. ";

/// Where a code went (`CodeDeliveryDetailsType`), the destination masked as Cognito masks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeDelivery {
    pub destination: String,
    pub medium: DeliveryMedium,
    /// `email` or `phone_number`.
    pub attribute: &'static str,
}

/// A SignUp request.
#[derive(Debug, Clone)]
pub struct SignUp {
    pub username: String,
    pub password: String,
    pub attributes: Vec<(String, String)>,
    pub secret_hash: Option<String>,
}

/// What SignUp created.
#[derive(Debug)]
pub struct SignedUp {
    pub user: PoolUser,
    /// Where the confirmation code went; `None` when the pool verifies nothing automatically
    /// (an administrator confirms the user).
    pub delivery: Option<CodeDelivery>,
}

/// `a***@e***`: the first character of the address and of its domain, as Cognito shows them.
pub fn mask_email(address: &str) -> String {
    let (local, domain) = address.split_once('@').unwrap_or((address, ""));
    let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    format!("{}***@{}***", first(local), first(domain))
}

/// `+*******1234`: the last four digits of the number.
pub fn mask_phone(number: &str) -> String {
    let digits: Vec<char> = number.chars().collect();
    let keep = digits.len().saturating_sub(4);
    let tail: String = digits[keep..].iter().collect();
    format!("+{}{tail}", "*".repeat(keep.saturating_sub(1)))
}

/// The medium of an attribute that can be verified by a code.
fn verifiable(attribute: &str) -> Result<DeliveryMedium, PoolError> {
    match attribute {
        "email" => Ok(DeliveryMedium::Email),
        "phone_number" => Ok(DeliveryMedium::Sms),
        other => Err(invalid(format!("Invalid attribute name {other}: only email and phone_number can be verified"))),
    }
}

fn attribute_of(medium: DeliveryMedium) -> &'static str {
    match medium {
        DeliveryMedium::Email => "email",
        DeliveryMedium::Sms => "phone_number",
    }
}

fn delivery_to(medium: DeliveryMedium, destination: &str) -> CodeDelivery {
    let destination = match medium {
        DeliveryMedium::Email => mask_email(destination),
        DeliveryMedium::Sms => mask_phone(destination),
    };
    CodeDelivery { destination, medium, attribute: attribute_of(medium) }
}

/// Where the pool sends `user`'s confirmation code: the phone number when the pool verifies
/// it and the user has one, else the e-mail address likewise.
fn confirmation_medium(pool: &Pool, user: &PoolUser) -> Option<DeliveryMedium> {
    use crate::model::UsernameAttribute;
    let verified = |attribute| pool.auto_verified_attributes.contains(&attribute);
    if verified(UsernameAttribute::PhoneNumber) && user.attribute("phone_number").is_some() {
        Some(DeliveryMedium::Sms)
    } else if verified(UsernameAttribute::Email) && user.attribute("email").is_some() {
        Some(DeliveryMedium::Email)
    } else {
        None
    }
}

/// Where a password-reset code goes: a verified phone number, else a verified e-mail address.
fn recovery_medium(user: &PoolUser) -> Option<DeliveryMedium> {
    let verified = |attribute: &str| user.attribute(&format!("{attribute}_verified")) == Some("true");
    if verified("phone_number") && user.attribute("phone_number").is_some() {
        Some(DeliveryMedium::Sms)
    } else if verified("email") && user.attribute("email").is_some() {
        Some(DeliveryMedium::Email)
    } else {
        None
    }
}

/// What answers for a user who does not exist when the client prevents user existence errors:
/// a delivery that looks like one, so that the answer tells nothing.
fn simulated_delivery(username: &str) -> CodeDelivery {
    if username.contains('@') {
        delivery_to(DeliveryMedium::Email, username)
    } else {
        CodeDelivery { destination: "+*******0000".to_owned(), medium: DeliveryMedium::Sms, attribute: "phone_number" }
    }
}

/// Checks a request's `SecretHash` member (SignUp, the code calls): a missing one is refused
/// like a wrong one, unlike a missing SECRET_HASH auth parameter.
fn check_secret_hash_member(client: &AppClient, username: &str, secret_hash: Option<&str>) -> Result<(), PoolError> {
    if client.secret.is_some() && secret_hash.is_none() {
        return Err(PoolError::NotAuthorized(unable_to_verify(&client.id).into()));
    }
    check_secret_hash(client, username, secret_hash, unable_to_verify)
}

fn code_hash(user: &PoolUser, code: &str) -> String {
    hash_refresh_token(&format!("{}:{code}", user.sub))
}

fn new_code() -> String {
    format!("{:06}", rand::thread_rng().gen_range(0..1_000_000))
}

impl<S: PoolStore> UserPools<S> {
    /// The app client a public call names, and its pool.
    pub async fn client_and_pool(&self, id: &ClientId) -> Result<(Pool, AppClient), PoolError> {
        let default = self.defaults.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        if let Some((pool, client)) = default.filter(|(_, client)| &client.id == id) {
            return Ok((pool, client));
        }
        let client = self.store.client(id).await?.ok_or_else(|| PoolError::no_such_client(id))?;
        let pool = self.pool(&client.pool_id).await?;
        Ok((pool, client))
    }

    /// The user a public call names; `unknown` is the answer when there is none.
    async fn named_user(&self, pool: &Pool, username: &str, unknown: PoolError) -> Result<PoolUser, PoolError> {
        match self.find_user(pool, username).await {
            Err(PoolError::UserNotFound) => Err(unknown),
            other => other,
        }
    }

    /// The answer for an unknown user of a call with a code: as for a wrong code when the
    /// client prevents user existence errors.
    fn unknown_user(client: &AppClient, prevented: PoolError) -> PoolError {
        if client.prevent_user_existence_errors { prevented } else { PoolError::UserNotFoundForClient }
    }

    /// The user a code is to be sent to; for an unknown one, when the client prevents user
    /// existence errors, the simulated delivery to answer with.
    async fn user_to_send_to(
        &self,
        client: &AppClient,
        pool: &Pool,
        username: &str,
    ) -> Result<Result<PoolUser, CodeDelivery>, PoolError> {
        match self.find_user(pool, username).await {
            Ok(user) => Ok(Ok(user)),
            Err(PoolError::UserNotFound) if client.prevent_user_existence_errors => {
                Ok(Err(simulated_delivery(username)))
            }
            Err(PoolError::UserNotFound) => Err(PoolError::UserNotFoundForClient),
            Err(other) => Err(other),
        }
    }

    /// Gives `user` a new code for `purpose`, sent by `medium`: stored as a hash, recorded as
    /// the message Cognito would send.
    async fn send_code(
        &self,
        pool: &Pool,
        user: PoolUser,
        purpose: CodePurpose,
        medium: DeliveryMedium,
    ) -> Result<CodeDelivery, PoolError> {
        let code = new_code();
        let (validity, kind, template) = match purpose {
            CodePurpose::SignUp => (SIGN_UP_CODE_VALIDITY, MessageKind::ConfirmationCode, VERIFICATION_MESSAGE),
            CodePurpose::PasswordReset => (RESET_CODE_VALIDITY, MessageKind::PasswordResetCode, RESET_MESSAGE),
            CodePurpose::AttributeVerification => {
                (SIGN_UP_CODE_VALIDITY, MessageKind::AttributeVerificationCode, VERIFICATION_MESSAGE)
            }
        };
        let expires_at = self.clock.now() + validity;
        let hash = code_hash(&user, &code);
        let user = self
            .update_user(user, |user| {
                user.pending_code =
                    Some(PendingCode { purpose, code_hash: hash.clone(), medium, expires_at, failed_attempts: 0 });
                Ok(())
            })
            .await?;
        self.record_code(pool, &user, kind, medium, (&template.replace("{####}", &code), &code)).await
    }

    async fn record_code(
        &self,
        pool: &Pool,
        user: &PoolUser,
        kind: MessageKind,
        medium: DeliveryMedium,
        (body, code): (&str, &str),
    ) -> Result<CodeDelivery, PoolError> {
        let destination = user.attribute(attribute_of(medium)).unwrap_or_default().to_owned();
        let message = Message {
            pool_id: pool.id.clone(),
            username: user.username.clone(),
            kind,
            medium,
            destination: destination.clone(),
            body: body.to_owned(),
            code: code.to_owned(),
            created_at: self.clock.now(),
        };
        self.store.record_message(&message).await?;
        Ok(delivery_to(medium, &destination))
    }

    /// Checks `code` against the user's pending code for `purpose`: a wrong one counts, and
    /// after [`MAX_CODE_ATTEMPTS`] the code is spent. The user with the code still pending.
    async fn check_code(&self, user: PoolUser, purpose: CodePurpose, code: &str) -> Result<PoolUser, PoolError> {
        let now = self.clock.now();
        let Some(pending) = user.pending_code.clone().filter(|p| p.purpose == purpose) else {
            return Err(PoolError::CodeMismatch);
        };
        if pending.failed_attempts >= MAX_CODE_ATTEMPTS {
            return Err(PoolError::LimitExceeded);
        }
        if pending.code_hash != code_hash(&user, code) {
            self.update_user(user, |user| {
                if let Some(pending) = user.pending_code.as_mut().filter(|p| p.purpose == purpose) {
                    pending.failed_attempts += 1;
                }
                Ok(())
            })
            .await?;
            return Err(PoolError::CodeMismatch);
        }
        if pending.expires_at <= now {
            return Err(PoolError::ExpiredCode);
        }
        Ok(user)
    }

    /// SignUp: an UNCONFIRMED user with the password (which must meet the policy) and, when the
    /// pool verifies an attribute the user has, a confirmation code sent to it.
    pub async fn sign_up(&self, client_id: &ClientId, request: SignUp) -> Result<SignedUp, PoolError> {
        let (pool, client) = self.client_and_pool(client_id).await?;
        check_secret_hash_member(&client, &request.username, request.secret_hash.as_deref())?;
        if pool.allow_admin_create_user_only {
            return Err(PoolError::not_authorized(not_authorized::SIGN_UP_NOT_PERMITTED));
        }
        check_attributes(&request.attributes)?;
        let mut attributes: BTreeMap<String, String> = request.attributes.into_iter().collect();
        let username = stored_username(&pool, &request.username, &mut attributes)?;
        let user = self
            .create_user(
                &pool,
                username.as_deref(),
                &request.username,
                attributes,
                &request.password,
                UserStatus::Unconfirmed,
                |_| (),
            )
            .await
            .map_err(|err| match err {
                // SignUp words it otherwise than AdminCreateUser.
                PoolError::UsernameExists if username.is_none() && request.username.contains('@') => {
                    PoolError::UsernameTaken("An account with the given email already exists.")
                }
                PoolError::UsernameExists => PoolError::UsernameTaken("User already exists"),
                other => other,
            })?;
        let delivery = match confirmation_medium(&pool, &user) {
            Some(medium) => Some(self.send_code(&pool, user.clone(), CodePurpose::SignUp, medium).await?),
            None => None,
        };
        Ok(SignedUp { user, delivery })
    }

    /// ConfirmSignUp: the code SignUp sent confirms the user and verifies where it went.
    pub async fn confirm_sign_up(
        &self,
        client_id: &ClientId,
        username: &str,
        code: &str,
        secret_hash: Option<&str>,
    ) -> Result<(), PoolError> {
        let (pool, client) = self.client_and_pool(client_id).await?;
        check_secret_hash_member(&client, username, secret_hash)?;
        let user = self.named_user(&pool, username, Self::unknown_user(&client, PoolError::CodeMismatch)).await?;
        if user.status != UserStatus::Unconfirmed {
            // Sic: Cognito's text says "confirm".
            return Err(PoolError::NotAuthorized(
                format!("User cannot be confirm. Current status is {}", user.status.as_str()).into(),
            ));
        }
        let user = self.check_code(user, CodePurpose::SignUp, code).await?;
        self.update_user(user, |user| {
            if let Some(pending) = user.pending_code.take() {
                user.attributes.insert(format!("{}_verified", attribute_of(pending.medium)), "true".to_owned());
            }
            user.status = UserStatus::Confirmed;
            Ok(())
        })
        .await
        .map(drop)
    }

    /// ResendConfirmationCode: a new code for an UNCONFIRMED user (the previous one no longer
    /// confirms).
    pub async fn resend_confirmation_code(
        &self,
        client_id: &ClientId,
        username: &str,
        secret_hash: Option<&str>,
    ) -> Result<CodeDelivery, PoolError> {
        let (pool, client) = self.client_and_pool(client_id).await?;
        check_secret_hash_member(&client, username, secret_hash)?;
        let user = match self.user_to_send_to(&client, &pool, username).await? {
            Ok(user) => user,
            Err(simulated) => return Ok(simulated),
        };
        if user.status != UserStatus::Unconfirmed {
            return Err(invalid("User is already confirmed."));
        }
        let medium = confirmation_medium(&pool, &user)
            .ok_or_else(|| PoolError::not_authorized("Cannot resend codes. Auto verification not turned on."))?;
        self.send_code(&pool, user, CodePurpose::SignUp, medium).await
    }

    /// ForgotPassword: a reset code to the user's verified phone number or e-mail address.
    pub async fn forgot_password(
        &self,
        client_id: &ClientId,
        username: &str,
        secret_hash: Option<&str>,
    ) -> Result<CodeDelivery, PoolError> {
        let (pool, client) = self.client_and_pool(client_id).await?;
        check_secret_hash_member(&client, username, secret_hash)?;
        let user = match self.user_to_send_to(&client, &pool, username).await? {
            Ok(user) => user,
            Err(simulated) => return Ok(simulated),
        };
        if !user.enabled {
            return Err(PoolError::not_authorized(not_authorized::USER_DISABLED));
        }
        let medium = recovery_medium(&user).ok_or_else(|| {
            invalid("Cannot reset password for the user as there is no registered/verified email or phone_number")
        })?;
        self.send_code(&pool, user, CodePurpose::PasswordReset, medium).await
    }

    /// ConfirmForgotPassword: ForgotPassword's code sets a new password (which must meet the
    /// policy); the user is CONFIRMED and no longer locked out.
    pub async fn confirm_forgot_password(
        &self,
        client_id: &ClientId,
        username: &str,
        code: &str,
        password: &str,
        secret_hash: Option<&str>,
    ) -> Result<(), PoolError> {
        let (pool, client) = self.client_and_pool(client_id).await?;
        check_secret_hash_member(&client, username, secret_hash)?;
        Self::check_policy(&pool, password)?;
        let user = self.named_user(&pool, username, Self::unknown_user(&client, PoolError::CodeMismatch)).await?;
        let user = self.check_code(user, CodePurpose::PasswordReset, code).await?;
        let secrets = self.password_secrets(&pool, &user.username, password).await?;
        let now = self.clock.now();
        self.update_user(user, |user| {
            user.pending_code = None;
            secrets.apply_to(user);
            user.password_set_at = now;
            user.status = UserStatus::Confirmed;
            user.failed_sign_ins = 0;
            user.locked_until = None;
            Ok(())
        })
        .await
        .map(drop)
    }

    /// InitiateAuth: USER_PASSWORD_AUTH and the refresh flows; the admin flows belong to
    /// AdminInitiateAuth, and flows authport does not implement are refused by name.
    pub async fn initiate_auth(
        &self,
        client_id: &ClientId,
        flow: &str,
        parameters: &BTreeMap<String, String>,
    ) -> Result<SignIn, PoolError> {
        let (pool, client) = self.client_and_pool(client_id).await?;
        match flow {
            "USER_PASSWORD_AUTH" => {
                if !client.allows(ExplicitAuthFlow::AllowUserPasswordAuth, Some(ExplicitAuthFlow::UserPasswordAuth)) {
                    return Err(invalid("USER_PASSWORD_AUTH flow not enabled for this client"));
                }
                self.password_flow(&pool, &client, parameters).await
            }
            "USER_SRP_AUTH" => {
                // Clients on the legacy flow names always allow SRP.
                let legacy = client.explicit_auth_flows.iter().all(|f| !f.as_str().starts_with("ALLOW_"));
                if !legacy && !client.allows(ExplicitAuthFlow::AllowUserSrpAuth, None) {
                    return Err(invalid("USER_SRP_AUTH flow not enabled for this client"));
                }
                self.srp_flow(&pool, &client, parameters).await
            }
            "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => self.refresh_flow(&pool, &client, parameters).await,
            "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => Err(invalid("Initiate Auth method not supported.")),
            "CUSTOM_AUTH" | "USER_AUTH" => Err(unsupported_by_authport(&format!("the {flow} flow"))),
            other => Err(invalid(format!("Initiate Auth method not supported: {other}"))),
        }
    }

    /// RespondToAuthChallenge: NEW_PASSWORD_REQUIRED, or USER_SRP_AUTH's PASSWORD_VERIFIER.
    pub async fn respond_to_auth_challenge(
        &self,
        client_id: &ClientId,
        challenge: &str,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
    ) -> Result<SignIn, PoolError> {
        let (pool, client) = self.client_and_pool(client_id).await?;
        if challenge == "PASSWORD_VERIFIER" {
            return self.answer_password_verifier(&pool, &client, responses).await;
        }
        Ok(SignIn::Tokens(self.respond_to_challenge(&pool, &client, challenge, session, responses).await?))
    }

    /// RevokeToken: revokes the refresh token and the access tokens of its log-in. The client
    /// must be the one it was issued to and must authenticate with its secret when it has one.
    pub async fn revoke_token(
        &self,
        client_id: &ClientId,
        token: &str,
        client_secret: Option<&str>,
    ) -> Result<(), PoolError> {
        use secrecy::ExposeSecret as _;
        let (_, client) = self.client_and_pool(client_id).await?;
        match (&client.secret, client_secret) {
            (Some(secret), Some(given)) if secret.expose_secret() == given => {}
            (None, None) => {}
            _ => return Err(PoolError::Unauthorized("Client authentication failed.".to_owned())),
        }
        if !client.enable_token_revocation {
            return Err(PoolError::UnsupportedOperation("Token revocation is not enabled for this client.".to_owned()));
        }
        // A JWT (an access or id token); authport's refresh tokens are opaque, without dots.
        if token.split('.').count() == 3 {
            return Err(PoolError::UnsupportedTokenType("Only refresh tokens can be revoked.".to_owned()));
        }
        let hash = hash_refresh_token(token);
        match self.store.refresh_token(&hash).await? {
            Some(stored) if stored.client_id == client.id => {
                self.store.revoke_refresh_token(&hash, self.clock.now()).await?;
                Ok(())
            }
            // Another client's token, or none: nothing is revoked, and nothing is said
            // (RFC 7009, which Cognito's revocation follows).
            _ => Ok(()),
        }
    }

    /// The user an access token is for, after checking it as Cognito does: one of the pool's
    /// own, unexpired, its log-in not signed out or revoked.
    pub async fn authenticate(&self, access_token: &str) -> Result<(Pool, PoolUser, AccessClaims), PoolError> {
        let invalid_token = || PoolError::not_authorized(not_authorized::INVALID_ACCESS_TOKEN);
        let claims = unverified_access_claims(access_token).ok_or_else(invalid_token)?;
        let client_id = ClientId::configured(&claims.client_id).map_err(|_| invalid_token())?;
        let (pool, _) = match self.client_and_pool(&client_id).await {
            Ok(found) => found,
            Err(PoolError::ResourceNotFound(_)) => return Err(invalid_token()),
            Err(other) => return Err(other),
        };
        if claims.iss != pool.issuer {
            return Err(invalid_token());
        }
        let signer = self.keys.signer(self.store.as_ref(), &pool.id).await?;
        let claims = signer.verify_access(access_token).ok_or_else(invalid_token)?;
        let now = self.clock.now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs();
        if claims.exp <= now {
            return Err(PoolError::not_authorized(not_authorized::ACCESS_TOKEN_EXPIRED));
        }
        let sub = uuid::Uuid::parse_str(&claims.sub).map_err(|_| invalid_token())?;
        let user = self.store.user_by_sub(&pool.id, &sub).await?.ok_or(PoolError::UserNotFound)?;
        let origin = match claims.origin_jti.as_deref() {
            Some(origin) => self.store.refresh_token_by_origin(&pool.id, origin).await?,
            None => None,
        };
        if origin.is_none_or(|token| token.revoked_at.is_some() || token.sub != user.sub) {
            return Err(PoolError::not_authorized(not_authorized::ACCESS_TOKEN_REVOKED));
        }
        if !user.enabled {
            return Err(PoolError::not_authorized(not_authorized::USER_DISABLED));
        }
        Ok((pool, user, claims))
    }

    /// GetUser.
    pub async fn get_user(&self, access_token: &str) -> Result<PoolUser, PoolError> {
        Ok(self.authenticate(access_token).await?.1)
    }

    /// UpdateUserAttributes: sets the given attributes. A changed e-mail address or phone
    /// number is no longer verified; when the pool verifies it automatically, a code for
    /// VerifyUserAttribute goes to it (where each went is answered).
    pub async fn update_user_attributes(
        &self,
        access_token: &str,
        attributes: Vec<(String, String)>,
    ) -> Result<Vec<CodeDelivery>, PoolError> {
        use crate::model::UsernameAttribute;
        check_attributes(&attributes)?;
        let (pool, user, _) = self.authenticate(access_token).await?;
        let changed: Vec<DeliveryMedium> = [("email", DeliveryMedium::Email), ("phone_number", DeliveryMedium::Sms)]
            .into_iter()
            .filter(|(name, _)| attributes.iter().any(|(n, v)| n == name && user.attribute(name) != Some(v.as_str())))
            .map(|(_, medium)| medium)
            .collect();
        let user = self
            .update_user(user, |user| {
                for (name, value) in &attributes {
                    let changed = user.attribute(name) != Some(value.as_str());
                    if changed && (name == "email" || name == "phone_number") {
                        user.attributes.insert(format!("{name}_verified"), "false".to_owned());
                    }
                    user.attributes.insert(name.clone(), value.clone());
                }
                Ok(())
            })
            .await?;
        let verified = |medium| {
            let attribute =
                if medium == DeliveryMedium::Email { UsernameAttribute::Email } else { UsernameAttribute::PhoneNumber };
            pool.auto_verified_attributes.contains(&attribute)
        };
        let mut deliveries = Vec::new();
        let mut user = user;
        for medium in changed.into_iter().filter(|m| verified(*m)) {
            deliveries.push(self.send_code(&pool, user.clone(), CodePurpose::AttributeVerification, medium).await?);
            user = self.store.user_by_sub(&pool.id, &user.sub).await?.ok_or(PoolError::UserNotFound)?;
        }
        Ok(deliveries)
    }

    /// GetUserAttributeVerificationCode: a (new) code for the user's `email` or `phone_number`.
    pub async fn get_user_attribute_verification_code(
        &self,
        access_token: &str,
        attribute: &str,
    ) -> Result<CodeDelivery, PoolError> {
        let (pool, user, _) = self.authenticate(access_token).await?;
        let medium = verifiable(attribute)?;
        if user.attribute(attribute).is_none() {
            return Err(invalid(format!("There is no {attribute} attribute for this user")));
        }
        self.send_code(&pool, user, CodePurpose::AttributeVerification, medium).await
    }

    /// VerifyUserAttribute: the code last sent to the attribute verifies it.
    pub async fn verify_user_attribute(
        &self,
        access_token: &str,
        attribute: &str,
        code: &str,
    ) -> Result<(), PoolError> {
        let (_, user, _) = self.authenticate(access_token).await?;
        let medium = verifiable(attribute)?;
        if user
            .pending_code
            .as_ref()
            .is_some_and(|p| p.purpose == CodePurpose::AttributeVerification && p.medium != medium)
        {
            return Err(PoolError::CodeMismatch);
        }
        let user = self.check_code(user, CodePurpose::AttributeVerification, code).await?;
        self.update_user(user, |user| {
            user.pending_code = None;
            user.attributes.insert(format!("{attribute}_verified"), "true".to_owned());
            Ok(())
        })
        .await
        .map(drop)
    }

    /// ChangePassword: the previous password must be the user's (a wrong one counts towards
    /// the lock-out, like a failed sign-in) and the proposed one meet the policy. Other
    /// sessions stay signed in, as with Cognito.
    pub async fn change_password(&self, access_token: &str, previous: &str, proposed: &str) -> Result<(), PoolError> {
        let (pool, user, _) = self.authenticate(access_token).await?;
        Self::check_policy(&pool, proposed)?;
        let valid = self.hasher.verify(previous, Some(&user.password_hash)).await.map_err(super::hashing)?;
        let user = self.count_password_check(user, valid).await?;
        let secrets = self.password_secrets(&pool, &user.username, proposed).await?;
        let now = self.clock.now();
        self.update_user(user, |user| {
            secrets.apply_to(user);
            user.password_set_at = now;
            Ok(())
        })
        .await
        .map(drop)
    }

    /// DeleteUser: the user, with their sessions and tokens.
    pub async fn delete_user(&self, access_token: &str) -> Result<(), PoolError> {
        let (pool, user, _) = self.authenticate(access_token).await?;
        if self.store.delete_user(&pool.id, &user.sub).await? { Ok(()) } else { Err(PoolError::UserNotFound) }
    }

    /// GlobalSignOut: every refresh token of the user, and so every access token, is revoked.
    pub async fn global_sign_out_with_token(&self, access_token: &str) -> Result<(), PoolError> {
        let (pool, user, _) = self.authenticate(access_token).await?;
        self.store.revoke_refresh_tokens(&pool.id, &user.sub, self.clock.now()).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_are_masked_as_cognito_masks_them() {
        assert_eq!(mask_email("ann@example.com"), "a***@e***");
        assert_eq!(mask_phone("+15555550123"), "+*******0123");
        assert_eq!(new_code().len(), 6);
    }
}
