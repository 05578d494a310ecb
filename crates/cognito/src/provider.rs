//! [`CognitoIdentityProvider`]: the [`IdentityProvider`] port over Cognito's admin API.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use authport_domain::{
    AccessToken, AuthenticatedUser, BackendError, BoxError, ChallengeSession, Email, IdToken, IdentityProvider,
    LogInError, NewPassword, NewPasswordError, Password, PasswordPolicy, RefreshError, RefreshToken, RefreshedTokens,
    RsaPublicKey, SignUpError, TokenAudience, TokenSet, User, UserId, WeakPassword,
};
use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader, Region};
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::operation::RequestId as _;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, AuthenticationResultType, ChallengeNameType, MessageActionType, UserType,
};
use secrecy::SecretString;
use tracing::Instrument as _;

use crate::error::{AwsError, log_in_error, new_password_error, refresh_error, sign_up_error};
use crate::jwks::{self, JwksSource};
use crate::policy;
use crate::refresh_token;
use crate::secret_hash::secret_hash;
use crate::sessions::{Owner, SessionOwners};
use crate::settings::{CognitoSettings, CognitoSetupError};

/// Cognito's length limits on a challenge `Session` (API reference of `RespondToAuthChallenge`).
const SESSION_LEN: std::ops::RangeInclusive<usize> = 20..=2048;

/// The production identity backend: an AWS Cognito user pool, through the admin API.
///
/// Cheap to share: the SDK client is built once and every call goes through it.
#[derive(Debug, Clone)]
pub struct CognitoIdentityProvider {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: Client,
    user_pool_id: String,
    client_id: String,
    client_secret: Option<SecretString>,
    policy: PasswordPolicy,
    jwks: JwksSource,
    sessions: SessionOwners,
    /// `iss` of the pool's tokens.
    issuer: String,
    /// When `DescribeUserPool` last answered (readiness is cached for [`READY_CACHE_TTL`]).
    ready_at: std::sync::Mutex<Option<std::time::Instant>>,
}

/// How long a successful readiness check (`DescribeUserPool`) is reused.
const READY_CACHE_TTL: Duration = Duration::from_secs(5);

impl CognitoIdentityProvider {
    /// Builds the SDK client (explicit region, optional endpoint, operation/attempt/connect
    /// timeouts, standard retries) and reads the pool's password policy with
    /// `DescribeUserPool`, so a wrong pool, region or credential fails start-up.
    pub async fn connect(settings: CognitoSettings) -> Result<Self, CognitoSetupError> {
        Self::connect_with(settings, |loader| loader).await
    }

    /// [`Self::connect`], with a hook on the AWS configuration before it is loaded, e.g. to
    /// set a credentials provider or an HTTP client (emulator tests use
    /// `|loader| loader.test_credentials()`). Settings win over what the hook sets for region,
    /// endpoint, timeouts and retries.
    pub async fn connect_with(
        settings: CognitoSettings,
        customize: impl FnOnce(ConfigLoader) -> ConfigLoader,
    ) -> Result<Self, CognitoSetupError> {
        settings.validate()?;
        let timeouts = TimeoutConfig::builder()
            .operation_timeout(settings.operation_timeout)
            .operation_attempt_timeout(settings.attempt_timeout)
            .connect_timeout(settings.connect_timeout.min(settings.attempt_timeout))
            .build();
        // A pool lives in the region its id names: prefer that to the environment's guess
        // (which may end in a slow instance-metadata lookup).
        let region = RegionProviderChain::first_try(settings.region.clone().map(Region::new))
            .or_else(settings.pool_region().map(|r| Region::new(r.to_owned())))
            .or_default_provider();
        let mut loader = customize(aws_config::defaults(BehaviorVersion::latest()))
            .region(region)
            .timeout_config(timeouts)
            .retry_config(RetryConfig::standard().with_max_attempts(settings.max_attempts));
        if let Some(endpoint) = &settings.endpoint_url {
            loader = loader.endpoint_url(endpoint);
        }
        let sdk_config = loader.load().await;
        let region = sdk_config.region().ok_or(CognitoSetupError::NoRegion)?.to_string();
        if settings.pool_region().is_some_and(|pool_region| pool_region != region) {
            tracing::warn!(%region, user_pool_id = %settings.user_pool_id, "the region differs from the pool id's prefix");
        }
        // `endpoint_url()` also reflects AWS_ENDPOINT_URL, which aws-config reads itself.
        let endpoint = sdk_config.endpoint_url().map(str::to_owned);
        let client = Client::new(&sdk_config);

        let described =
            client.describe_user_pool().user_pool_id(&settings.user_pool_id).send().await.map_err(|err| {
                CognitoSetupError::DescribeUserPool {
                    user_pool_id: settings.user_pool_id.clone(),
                    source: Box::new(AwsError::from_sdk("DescribeUserPool", err)),
                }
            })?;
        let pool_policy = described.user_pool().and_then(|p| p.policies()).and_then(|p| p.password_policy());
        if pool_policy.is_none() {
            tracing::warn!("DescribeUserPool returned no password policy; using Cognito's default policy");
        }
        let policy = policy::from_pool(pool_policy);

        let http = reqwest::Client::builder()
            .timeout(settings.operation_timeout)
            .connect_timeout(settings.connect_timeout)
            .user_agent(concat!("authport-cognito/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(CognitoSetupError::HttpClient)?;
        let jwks_url = settings
            .jwks_url
            .clone()
            .unwrap_or_else(|| jwks::default_url(endpoint.as_deref(), &region, &settings.user_pool_id));

        // Cognito's issuer is always the AWS address, also behind a custom endpoint (moto does the same).
        let issuer = settings
            .issuer
            .clone()
            .unwrap_or_else(|| format!("https://cognito-idp.{region}.amazonaws.com/{}", settings.user_pool_id));
        tracing::info!(
            user_pool_id = %settings.user_pool_id,
            %region,
            %issuer,
            endpoint = endpoint.as_deref().unwrap_or("AWS"),
            jwks_url = %jwks_url,
            client_secret = settings.client_secret.is_some(),
            ?policy,
            "Cognito user pool ready; its password policy is the domain policy"
        );
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                user_pool_id: settings.user_pool_id,
                client_id: settings.client_id,
                client_secret: settings.client_secret,
                policy,
                jwks: JwksSource::new(http, jwks_url, settings.jwks_cache_ttl),
                sessions: SessionOwners::default(),
                issuer,
                ready_at: std::sync::Mutex::new(Some(std::time::Instant::now())),
            }),
        })
    }

    /// The pool's password policy as read at start-up: the domain policy on this backend.
    pub fn password_policy(&self) -> &PasswordPolicy {
        &self.inner.policy
    }

    /// Where the signing keys are fetched from.
    pub fn jwks_url(&self) -> &str {
        self.inner.jwks.url()
    }
}

#[async_trait]
impl IdentityProvider for CognitoIdentityProvider {
    fn name(&self) -> &'static str {
        "cognito"
    }

    /// Runs on its own task: if the caller goes away (client disconnect) between the two
    /// calls, the sign-up still completes or compensates, so no half-created user is left.
    async fn create_user(&self, email: &Email, password: &NewPassword) -> Result<User, SignUpError> {
        let inner = Arc::clone(&self.inner);
        let (email, password) = (email.clone(), password.clone());
        tokio::spawn(async move { inner.create_user(&email, &password).await }.instrument(tracing::Span::current()))
            .await
            .map_err(|err| SignUpError::Backend(BackendError::Unexpected(Box::new(err))))?
    }

    async fn authenticate(&self, email: &Email, password: &Password) -> Result<TokenSet, LogInError> {
        self.inner.authenticate(email, password).await
    }

    async fn complete_new_password(
        &self,
        email: &Email,
        session: &ChallengeSession,
        new_password: &NewPassword,
    ) -> Result<TokenSet, NewPasswordError> {
        self.inner.complete_new_password(email, session, new_password).await
    }

    async fn refresh(&self, refresh_token: &RefreshToken) -> Result<RefreshedTokens, RefreshError> {
        self.inner.refresh(refresh_token).await
    }

    async fn log_out(&self, user: &AuthenticatedUser) -> Result<(), BackendError> {
        self.inner.log_out(user).await
    }

    async fn signing_keys(&self) -> Result<Vec<RsaPublicKey>, BackendError> {
        self.inner.jwks.keys().await
    }

    fn token_audience(&self) -> TokenAudience {
        TokenAudience { issuer: self.inner.issuer.clone(), client_id: self.inner.client_id.clone() }
    }

    /// `DescribeUserPool` (read-only, needs no more permissions than start-up), a success
    /// reused for [`READY_CACHE_TTL`]; failures are not cached.
    async fn ready(&self) -> Result<(), BackendError> {
        let fresh = |at: &Option<std::time::Instant>| at.is_some_and(|at| at.elapsed() < READY_CACHE_TTL);
        if fresh(&self.inner.ready_at.lock().unwrap_or_else(std::sync::PoisonError::into_inner)) {
            return Ok(());
        }
        self.inner
            .client
            .describe_user_pool()
            .user_pool_id(&self.inner.user_pool_id)
            .send()
            .await
            .map_err(|err| AwsError::from_sdk("DescribeUserPool", err).into_failure())?;
        *self.inner.ready_at.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some(std::time::Instant::now());
        Ok(())
    }
}

impl Inner {
    fn secret_hash(&self, username: &str) -> Option<String> {
        self.client_secret.as_ref().map(|secret| secret_hash(secret, username, &self.client_id))
    }

    fn weak(&self, password: &NewPassword) -> WeakPassword {
        policy::explain_rejection(&self.policy, password.expose())
    }

    /// AdminCreateUser (confirmed e-mail, no invitation, no temporary password), then
    /// AdminSetUserPassword(Permanent) so the user is CONFIRMED; compensates on failure.
    async fn create_user(&self, email: &Email, password: &NewPassword) -> Result<User, SignUpError> {
        let username = email.as_str();
        let created = self
            .client
            .admin_create_user()
            .user_pool_id(&self.user_pool_id)
            .username(username)
            .user_attributes(attribute("email", username)?)
            .user_attributes(attribute("email_verified", "true")?)
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .map_err(|err| sign_up_error(AwsError::from_sdk("AdminCreateUser", err), || self.weak(password)))?;
        let Some(id) = created.user().and_then(user_id) else {
            self.delete_half_created(username).await;
            let request_id = created.request_id().unwrap_or("none");
            return Err(SignUpError::Backend(BackendError::Unexpected(
                format!("AdminCreateUser returned no user id (request id {request_id})").into(),
            )));
        };
        let set = self
            .client
            .admin_set_user_password()
            .user_pool_id(&self.user_pool_id)
            .username(username)
            .password(password.expose())
            .permanent(true)
            .send()
            .await;
        if let Err(err) = set {
            let err = AwsError::from_sdk("AdminSetUserPassword", err);
            self.delete_half_created(username).await;
            return Err(sign_up_error(err, || self.weak(password)));
        }
        Ok(User { id, email: email.clone() })
    }

    /// Compensation: removes a user whose password could not be set, so a retry can succeed.
    async fn delete_half_created(&self, username: &str) {
        let deleted = self.client.admin_delete_user().user_pool_id(&self.user_pool_id).username(username).send().await;
        match deleted {
            Ok(_) => tracing::info!("sign-up failed after AdminCreateUser; the new user was deleted again"),
            Err(err) => {
                let err = AwsError::from_sdk("AdminDeleteUser", err);
                tracing::error!(
                    code = err.code(),
                    request_id = err.request_id(),
                    error = %err,
                    "COMPENSATION FAILED: a user without a password is left in the pool and blocks sign-up \
                     for this address until deleted (AdminDeleteUser)"
                );
            }
        }
    }

    async fn authenticate(&self, email: &Email, password: &Password) -> Result<TokenSet, LogInError> {
        let username = email.as_str();
        let mut request = self
            .client
            .admin_initiate_auth()
            .user_pool_id(&self.user_pool_id)
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::AdminUserPasswordAuth)
            .auth_parameters("USERNAME", username)
            .auth_parameters("PASSWORD", password.expose());
        if let Some(hash) = self.secret_hash(username) {
            request = request.auth_parameters("SECRET_HASH", hash);
        }
        let answer = request.send().await.map_err(|err| log_in_error(AwsError::from_sdk("AdminInitiateAuth", err)))?;
        let request_id = answer.request_id().unwrap_or("none");
        match answer.challenge_name() {
            None => tokens(answer.authentication_result(), request_id, username)
                .map_err(|e| LogInError::from(BackendError::Unexpected(e))),
            Some(ChallengeNameType::NewPasswordRequired) => {
                let session = answer.session().filter(|s| !s.is_empty()).ok_or_else(|| {
                    LogInError::Backend(BackendError::Unexpected(
                        format!("NEW_PASSWORD_REQUIRED without a session (request id {request_id})").into(),
                    ))
                })?;
                self.sessions.remember(session, username);
                Err(LogInError::PasswordChangeRequired { session: ChallengeSession::new(session) })
            }
            // MFA and other challenges need flows authport does not offer.
            Some(other) => Err(LogInError::Backend(BackendError::Unexpected(
                format!("unsupported authentication challenge {other} (request id {request_id})").into(),
            ))),
        }
    }

    async fn complete_new_password(
        &self,
        email: &Email,
        session: &ChallengeSession,
        new_password: &NewPassword,
    ) -> Result<TokenSet, NewPasswordError> {
        let username = email.as_str();
        let session = session.expose();
        // Cognito rejects a Session outside 20..=2048 characters with InvalidParameterException
        // before looking at it; moto accepts any string and answers ResourceNotFoundException.
        // Neither is a server fault: both are an invalid session (test
        // `malformed_sessions_are_invalid_without_a_call`).
        if !SESSION_LEN.contains(&session.chars().count()) {
            return Err(NewPasswordError::InvalidSession);
        }
        if self.sessions.owner(session, username) == Owner::Other {
            tracing::info!("new password refused: the session was issued to another user");
            return Err(NewPasswordError::InvalidSession);
        }
        let mut request = self
            .client
            .admin_respond_to_auth_challenge()
            .user_pool_id(&self.user_pool_id)
            .client_id(&self.client_id)
            .challenge_name(ChallengeNameType::NewPasswordRequired)
            .session(session)
            .challenge_responses("USERNAME", username)
            .challenge_responses("NEW_PASSWORD", new_password.expose());
        if let Some(hash) = self.secret_hash(username) {
            request = request.challenge_responses("SECRET_HASH", hash);
        }
        let answer = match request.send().await {
            Ok(answer) => answer,
            Err(err) => {
                let err = new_password_error(AwsError::from_sdk("AdminRespondToAuthChallenge", err), || {
                    self.weak(new_password)
                });
                if matches!(err, NewPasswordError::InvalidSession) {
                    self.sessions.forget(session);
                }
                return Err(err);
            }
        };
        self.sessions.forget(session);
        let request_id = answer.request_id().unwrap_or("none");
        match answer.challenge_name() {
            None => tokens(answer.authentication_result(), request_id, username)
                .map_err(|e| NewPasswordError::from(BackendError::Unexpected(e))),
            Some(other) => Err(NewPasswordError::Backend(BackendError::Unexpected(
                format!("unsupported follow-up challenge {other} (request id {request_id})").into(),
            ))),
        }
    }

    /// AdminInitiateAuth `REFRESH_TOKEN_AUTH` (with `SECRET_HASH` over the user name carried in
    /// authport's refresh token, see `refresh_token.rs`).
    async fn refresh(&self, token: &RefreshToken) -> Result<RefreshedTokens, RefreshError> {
        let Some((username, cognito_token)) = refresh_token::unwrap(token) else {
            return Err(RefreshError::InvalidToken);
        };
        let mut request = self
            .client
            .admin_initiate_auth()
            .user_pool_id(&self.user_pool_id)
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", cognito_token);
        if let Some(hash) = self.secret_hash(&username) {
            request = request.auth_parameters("SECRET_HASH", hash);
        }
        let answer = request.send().await.map_err(|err| refresh_error(AwsError::from_sdk("AdminInitiateAuth", err)))?;
        let request_id = answer.request_id().unwrap_or("none");
        let (access_token, id_token, expires_in) =
            session_tokens(answer.authentication_result(), request_id).map_err(BackendError::Unexpected)?;
        Ok(RefreshedTokens { access_token: AccessToken::new(access_token), id_token, expires_in })
    }

    /// AdminUserGlobalSignOut: revokes every refresh token of the user. A user who no longer
    /// exists has nothing left to revoke.
    async fn log_out(&self, user: &AuthenticatedUser) -> Result<(), BackendError> {
        let signed_out = self
            .client
            .admin_user_global_sign_out()
            .user_pool_id(&self.user_pool_id)
            .username(&user.username)
            .send()
            .await;
        match signed_out {
            Ok(_) => Ok(()),
            Err(err) => {
                let err = AwsError::from_sdk("AdminUserGlobalSignOut", err);
                if err.code() == Some(crate::error::USER_NOT_FOUND) {
                    return Ok(());
                }
                Err(err.into_failure())
            }
        }
    }
}

fn attribute(name: &str, value: &str) -> Result<AttributeType, SignUpError> {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .map_err(|err| SignUpError::Backend(BackendError::Unexpected(Box::new(err))))
}

/// The user's `sub`; pools whose user names are e-mail addresses also return it as `Username`.
fn user_id(user: &UserType) -> Option<UserId> {
    let sub = user.attributes().iter().find(|a| a.name() == "sub").and_then(|a| a.value());
    sub.or(user.username()).and_then(UserId::parse)
}

/// The tokens of a successful authentication; all three are required. The refresh token is
/// handed out wrapped with the user's Cognito user name (see `refresh_token.rs`): the
/// access token's `username` claim, else the name the caller authenticated with.
fn tokens(result: Option<&AuthenticationResultType>, request_id: &str, username: &str) -> Result<TokenSet, BoxError> {
    let (access_token, id_token, expires_in) = session_tokens(result, request_id)?;
    let refresh_token = result
        .and_then(|r| r.refresh_token())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| missing("a refresh token", request_id))?;
    let cognito_username = refresh_token::username_claim(&access_token).unwrap_or_else(|| username.to_owned());
    Ok(TokenSet {
        refresh_token: refresh_token::wrap(&cognito_username, refresh_token),
        access_token: AccessToken::new(access_token),
        id_token,
        expires_in,
    })
}

/// Access token (raw), id token and lifetime of an authentication result, all required.
fn session_tokens(
    result: Option<&AuthenticationResultType>,
    request_id: &str,
) -> Result<(String, IdToken, Duration), BoxError> {
    let result = result.ok_or_else(|| missing("an authentication result", request_id))?;
    let non_empty = |t: Option<&str>| t.filter(|t| !t.is_empty()).map(str::to_owned);
    let expires_in =
        u64::try_from(result.expires_in()).ok().filter(|s| *s > 0).ok_or_else(|| missing("ExpiresIn", request_id))?;
    let access_token = non_empty(result.access_token()).ok_or_else(|| missing("an access token", request_id))?;
    let id_token = non_empty(result.id_token()).ok_or_else(|| missing("an id token", request_id))?;
    Ok((access_token, IdToken::new(id_token), Duration::from_secs(expires_in)))
}

fn missing(what: &str, request_id: &str) -> BoxError {
    format!("Cognito answered without {what} (request id {request_id})").into()
}

#[cfg(test)]
mod tests {
    use authport_domain::PolicyRule;
    use secrecy::SecretString;
    use serde_json::json;

    use super::*;
    use crate::scripted::{self, ScriptedCognito, ok};

    async fn connect(
        server: &ScriptedCognito,
        secret: Option<&str>,
    ) -> Result<CognitoIdentityProvider, CognitoSetupError> {
        connect_to(&server.url, secret).await
    }

    async fn connect_to(url: &str, secret: Option<&str>) -> Result<CognitoIdentityProvider, CognitoSetupError> {
        let mut settings = CognitoSettings::new("us-east-1_test", "client-1");
        settings.endpoint_url = Some(url.to_owned());
        settings.region = Some("us-east-1".into());
        settings.client_secret = secret.map(SecretString::from);
        settings.max_attempts = 1;
        settings.operation_timeout = Duration::from_millis(800);
        settings.attempt_timeout = Duration::from_millis(800);
        CognitoIdentityProvider::connect_with(settings, |l| l.test_credentials().empty_test_environment()).await
    }

    async fn provider(server: &ScriptedCognito) -> CognitoIdentityProvider {
        connect(server, None).await.expect("connect")
    }

    fn email(s: &str) -> Email {
        Email::parse(s).expect("email")
    }

    fn new_password(s: &str) -> NewPassword {
        PasswordPolicy::default().check(SecretString::from(s)).expect("strong")
    }

    fn password(s: &str) -> Password {
        Password::parse(SecretString::from(s)).expect("password")
    }

    fn session(s: &str) -> ChallengeSession {
        ChallengeSession::new(s)
    }

    #[tokio::test]
    async fn connect_reads_the_pools_password_policy() {
        let server = ScriptedCognito::start(|op, _| {
            (op == "DescribeUserPool").then(|| {
                ok(json!({"UserPool": {"Policies": {"PasswordPolicy": {
                    "MinimumLength": 12, "RequireUppercase": false, "RequireLowercase": true,
                    "RequireNumbers": true, "RequireSymbols": false
                }}}}))
            })
        })
        .await;
        let cognito = provider(&server).await;
        assert_eq!(
            cognito.password_policy(),
            &PasswordPolicy {
                min_length: 12,
                require_lowercase: true,
                require_uppercase: false,
                require_digit: true,
                require_symbol: false
            }
        );
        assert_eq!(server.body("DescribeUserPool"), json!({"UserPoolId": "us-east-1_test"}));
        assert_eq!(cognito.jwks_url(), format!("{}/us-east-1_test/.well-known/jwks.json", server.url));
    }

    #[tokio::test]
    async fn connect_fails_clearly_without_the_pool_or_the_endpoint() {
        let server = ScriptedCognito::start(|op, _| {
            (op == "DescribeUserPool").then(|| scripted::error("ResourceNotFoundException"))
        })
        .await;
        let err = connect(&server, None).await.expect_err("no pool");
        assert!(matches!(err, CognitoSetupError::DescribeUserPool { .. }), "{err:?}");
        assert!(err.to_string().contains("us-east-1_test"), "{err}");
        let source = std::error::Error::source(&err).expect("source").to_string();
        assert!(source.contains("ResourceNotFoundException") && source.contains("req-DescribeUserPool"), "{source}");

        let closed = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            format!("http://{}", listener.local_addr().expect("addr"))
        };
        let err = connect_to(&closed, None).await.expect_err("closed port");
        assert!(matches!(err, CognitoSetupError::DescribeUserPool { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn sign_up_creates_a_confirmed_user_without_an_invitation() {
        let server = ScriptedCognito::start(|_, _| None).await;
        let user = provider(&server).await.create_user(&email("ann@example.com"), &new_password("Str0ng-pass")).await;
        let user = user.expect("created");
        assert_eq!(user.id.as_str(), "sub-1");
        assert_eq!(user.email.as_str(), "ann@example.com");
        assert_eq!(server.ops(), ["DescribeUserPool", "AdminCreateUser", "AdminSetUserPassword"]);
        assert_eq!(
            server.body("AdminCreateUser"),
            json!({
                "UserPoolId": "us-east-1_test",
                "Username": "ann@example.com",
                "UserAttributes": [{"Name": "email", "Value": "ann@example.com"}, {"Name": "email_verified", "Value": "true"}],
                "MessageAction": "SUPPRESS"
            })
        );
        assert_eq!(
            server.body("AdminSetUserPassword"),
            json!({"UserPoolId": "us-east-1_test", "Username": "ann@example.com", "Password": "Str0ng-pass", "Permanent": true})
        );
    }

    #[tokio::test]
    async fn sign_up_maps_duplicates_without_touching_the_existing_user() {
        for code in ["UsernameExistsException", "AliasExistsException"] {
            let server =
                ScriptedCognito::start(move |op, _| (op == "AdminCreateUser").then(|| scripted::error(code))).await;
            let err =
                provider(&server).await.create_user(&email("ann@example.com"), &new_password("Str0ng-pass")).await;
            assert!(matches!(err, Err(SignUpError::UserExists)), "{code}: {err:?}");
            assert_eq!(server.ops(), ["DescribeUserPool", "AdminCreateUser"], "{code}");
        }
    }

    #[tokio::test]
    async fn sign_up_deletes_the_new_user_when_its_password_cannot_be_set() {
        let cases = [
            ("InvalidPasswordException", "weak"),
            ("TooManyRequestsException", "throttled"),
            ("InternalErrorException", "unexpected"),
        ];
        for (code, expected) in cases {
            let server =
                ScriptedCognito::start(move |op, _| (op == "AdminSetUserPassword").then(|| scripted::error(code)))
                    .await;
            let err = provider(&server)
                .await
                .create_user(&email("ann@example.com"), &new_password("Str0ng-pass"))
                .await
                .expect_err(code);
            let got = match &err {
                SignUpError::WeakPassword(_) => "weak",
                SignUpError::Backend(BackendError::RateLimited { .. }) => "throttled",
                SignUpError::Backend(BackendError::Unexpected(_)) => "unexpected",
                _ => "other",
            };
            assert_eq!(got, expected, "{code}: {err:?}");
            assert_eq!(
                server.ops(),
                ["DescribeUserPool", "AdminCreateUser", "AdminSetUserPassword", "AdminDeleteUser"],
                "{code}"
            );
            assert_eq!(
                server.body("AdminDeleteUser"),
                json!({"UserPoolId": "us-east-1_test", "Username": "ann@example.com"})
            );
        }
    }

    #[tokio::test]
    async fn a_password_the_pool_rejects_for_its_own_reasons_is_still_weak() {
        let server = ScriptedCognito::start(|op, _| {
            (op == "AdminSetUserPassword").then(|| scripted::error("InvalidPasswordException"))
        })
        .await;
        let err = provider(&server).await.create_user(&email("ann@example.com"), &new_password("Str0ng-pass")).await;
        let Err(SignUpError::WeakPassword(weak)) = err else { panic!("{err:?}") };
        assert_eq!(weak.violations[0], PolicyRule::MinLength(8), "the policy's requirements: {weak:?}");
    }

    #[tokio::test]
    async fn log_in_uses_the_admin_password_flow_with_a_secret_hash() {
        let server = ScriptedCognito::start(|_, _| None).await;
        let cognito = connect(&server, Some("secret")).await.expect("connect");
        let tokens = cognito.authenticate(&email("ann@example.com"), &password("Str0ng-pass")).await.expect("tokens");
        assert_eq!(tokens.access_token.expose(), "access");
        assert_eq!(tokens.id_token.expose(), "id");
        // Handed out wrapped with the user name ("access" is no JWT: the log-in name is used).
        assert_eq!(refresh_token::unwrap(&tokens.refresh_token), Some(("ann@example.com".to_owned(), "refresh")));
        assert_eq!(tokens.expires_in, Duration::from_secs(3600));
        let expected_hash = secret_hash(&SecretString::from("secret"), "ann@example.com", "client-1");
        assert_eq!(
            server.body("AdminInitiateAuth"),
            json!({
                "UserPoolId": "us-east-1_test",
                "ClientId": "client-1",
                "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": "ann@example.com", "PASSWORD": "Str0ng-pass", "SECRET_HASH": expected_hash}
            })
        );
    }

    #[tokio::test]
    async fn refresh_uses_the_refresh_flow_with_a_secret_hash_over_the_wrapped_user_name() {
        let server = ScriptedCognito::start(|_, _| None).await;
        let cognito = connect(&server, Some("secret")).await.expect("connect");
        let wrapped = refresh_token::wrap("ann@example.com", "cognito-refresh");
        let tokens = cognito.refresh(&wrapped).await.expect("refreshed");
        assert_eq!(tokens.access_token.expose(), "access");
        let expected_hash = secret_hash(&SecretString::from("secret"), "ann@example.com", "client-1");
        assert_eq!(
            server.body("AdminInitiateAuth"),
            json!({
                "UserPoolId": "us-east-1_test",
                "ClientId": "client-1",
                "AuthFlow": "REFRESH_TOKEN_AUTH",
                "AuthParameters": {"REFRESH_TOKEN": "cognito-refresh", "SECRET_HASH": expected_hash}
            })
        );
        let err = cognito.refresh(&RefreshToken::new("not-wrapped")).await.expect_err("foreign");
        assert!(matches!(err, RefreshError::InvalidToken), "{err:?}");
    }

    #[tokio::test]
    async fn revoked_refresh_tokens_are_invalid_tokens() {
        let server = ScriptedCognito::start(|op, _| {
            (op == "AdminInitiateAuth").then(|| scripted::error("NotAuthorizedException"))
        })
        .await;
        let cognito = connect(&server, None).await.expect("connect");
        let err = cognito.refresh(&refresh_token::wrap("ann@example.com", "revoked")).await.expect_err("revoked");
        assert!(matches!(err, RefreshError::InvalidToken), "{err:?}");
    }

    #[tokio::test]
    async fn log_in_without_a_client_secret_sends_no_secret_hash() {
        let server = ScriptedCognito::start(|_, _| None).await;
        provider(&server).await.authenticate(&email("ann@example.com"), &password("x")).await.expect("tokens");
        assert_eq!(
            server.body("AdminInitiateAuth")["AuthParameters"],
            json!({"USERNAME": "ann@example.com", "PASSWORD": "x"})
        );
    }

    #[tokio::test]
    async fn unknown_user_and_wrong_password_are_the_same_answer() {
        for code in ["NotAuthorizedException", "UserNotFoundException"] {
            let server =
                ScriptedCognito::start(move |op, _| (op == "AdminInitiateAuth").then(|| scripted::error(code))).await;
            let err = provider(&server).await.authenticate(&email("ann@example.com"), &password("x")).await;
            assert!(matches!(err, Err(LogInError::InvalidCredentials)), "{code}: {err:?}");
        }
    }

    #[tokio::test]
    async fn throttling_and_timeouts_are_reported_as_such() {
        let server = ScriptedCognito::start(|op, _| {
            (op == "AdminInitiateAuth").then(|| scripted::error("TooManyRequestsException"))
        })
        .await;
        let err = provider(&server).await.authenticate(&email("ann@example.com"), &password("x")).await;
        assert!(matches!(err, Err(LogInError::Backend(BackendError::RateLimited { .. }))), "{err:?}");

        // An endpoint that accepts the call and never answers: the attempt timeout fires.
        let server = ScriptedCognito::start(|op, _| (op == "AdminInitiateAuth").then_some(None)).await;
        let started = std::time::Instant::now();
        let err = provider(&server).await.authenticate(&email("ann@example.com"), &password("x")).await;
        assert!(matches!(err, Err(LogInError::Backend(BackendError::Unavailable(_)))), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    }

    #[tokio::test]
    async fn a_temporary_password_asks_for_a_new_one_and_the_session_completes_it() {
        let session_id = "AYABeC0ffee-session-0123456789";
        let server = ScriptedCognito::start(move |op, _| {
            (op == "AdminInitiateAuth").then(|| {
                ok(json!({"ChallengeName": "NEW_PASSWORD_REQUIRED", "ChallengeParameters": {}, "Session": session_id}))
            })
        })
        .await;
        let cognito = connect(&server, Some("secret")).await.expect("connect");
        let err = cognito.authenticate(&email("ann@example.com"), &password("Temp0rary!")).await;
        let Err(LogInError::PasswordChangeRequired { session }) = err else { panic!("{err:?}") };
        assert_eq!(session.expose(), session_id);

        let tokens = cognito
            .complete_new_password(&email("ann@example.com"), &session, &new_password("N3w-password"))
            .await
            .expect("tokens");
        assert_eq!(tokens.access_token.expose(), "access");
        let expected_hash = secret_hash(&SecretString::from("secret"), "ann@example.com", "client-1");
        assert_eq!(
            server.body("AdminRespondToAuthChallenge"),
            json!({
                "UserPoolId": "us-east-1_test",
                "ClientId": "client-1",
                "ChallengeName": "NEW_PASSWORD_REQUIRED",
                "Session": session_id,
                "ChallengeResponses": {"USERNAME": "ann@example.com", "NEW_PASSWORD": "N3w-password", "SECRET_HASH": expected_hash}
            })
        );
    }

    /// moto sets the password of whichever USERNAME comes with a session (MOTO_NOTES.md e,
    /// `respond_to_auth_challenge` in moto's models.py); Cognito refuses a foreign session.
    #[tokio::test]
    async fn a_session_answered_for_another_user_is_invalid() {
        let session_id = "AYABeC0ffee-session-0123456789";
        let server = ScriptedCognito::start(move |op, _| {
            (op == "AdminInitiateAuth")
                .then(|| ok(json!({"ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": session_id})))
        })
        .await;
        let cognito = provider(&server).await;
        let err = cognito.authenticate(&email("ann@example.com"), &password("Temp0rary!")).await;
        let Err(LogInError::PasswordChangeRequired { session }) = err else { panic!("{err:?}") };
        let err =
            cognito.complete_new_password(&email("bob@example.com"), &session, &new_password("N3w-password")).await;
        assert!(matches!(err, Err(NewPasswordError::InvalidSession)), "{err:?}");
        assert!(!server.ops().contains(&"AdminRespondToAuthChallenge".to_owned()), "{:?}", server.ops());
    }

    #[tokio::test]
    async fn malformed_sessions_are_invalid_without_a_call() {
        let server = ScriptedCognito::start(|_, _| None).await;
        let cognito = provider(&server).await;
        for bad in [String::new(), "short".to_owned(), "x".repeat(2049)] {
            let err = cognito
                .complete_new_password(&email("ann@example.com"), &session(&bad), &new_password("N3w-password"))
                .await;
            assert!(matches!(err, Err(NewPasswordError::InvalidSession)), "{err:?}");
        }
        assert_eq!(server.ops(), ["DescribeUserPool"]);
    }

    #[tokio::test]
    async fn session_failures_map_to_invalid_session_and_weak_passwords_to_weak() {
        for (code, weak) in [
            ("NotAuthorizedException", false),
            ("ResourceNotFoundException", false),
            ("ExpiredCodeException", false),
            ("InvalidPasswordException", true),
        ] {
            let server = ScriptedCognito::start(move |op, _| {
                (op == "AdminRespondToAuthChallenge").then(|| scripted::error(code))
            })
            .await;
            let err = provider(&server)
                .await
                .complete_new_password(
                    &email("ann@example.com"),
                    &session("AYABeC0ffee-session-0123456789"),
                    &new_password("N3w-password"),
                )
                .await;
            if weak {
                assert!(matches!(err, Err(NewPasswordError::WeakPassword(_))), "{code}: {err:?}");
            } else {
                assert!(matches!(err, Err(NewPasswordError::InvalidSession)), "{code}: {err:?}");
            }
        }
    }
}
