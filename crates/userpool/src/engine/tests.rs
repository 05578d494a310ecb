//! The engine's fidelity rows that need the clock moved or a pool of their own: each test pins a
//! row of docs/cognito-api.md (the wire tests pin the same rows through an SDK).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::admin::{ClientSettings, NewPool, NewUser, PoolSettings};
use super::auth::secret_hash;
use super::*;
use crate::MemoryStore;
use crate::clock::ManualClock;
use crate::model::{ExplicitAuthFlow, UserStatus};

const PASSWORD: &str = "Corr3ct-horse";

struct Fixture {
    engine: UserPools<MemoryStore>,
    clock: ManualClock,
    pool: PoolId,
    client: AppClient,
}

async fn fixture(case_sensitive: bool, tweak: impl FnOnce(&mut ClientSettings), secret: bool) -> Fixture {
    let clock = ManualClock::at(SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000));
    let limits = HashLimits { concurrency: 2, queue: 64 };
    let engine =
        UserPools::new(Arc::new(MemoryStore::new()), HashCost::InsecureFastForTests, limits, Arc::new(clock.clone()))
            .await
            .expect("engine");
    let new = NewPool {
        name: "fidelity".to_owned(),
        region: "eu-west-1".to_owned(),
        settings: PoolSettings::default(),
        case_sensitive,
        username_attributes: Vec::new(),
    };
    let pool = engine.create_pool(new, None).await.expect("pool").id;
    let mut settings = ClientSettings::cognito_defaults("app".to_owned());
    settings.explicit_auth_flows =
        vec![ExplicitAuthFlow::AllowAdminUserPasswordAuth, ExplicitAuthFlow::AllowRefreshTokenAuth];
    tweak(&mut settings);
    let client = engine.create_client(&pool, settings, secret).await.expect("client");
    Fixture { engine, clock, pool, client }
}

fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

impl Fixture {
    async fn user(&self, username: &str, temporary: &str) {
        let new = NewUser {
            username: username.to_owned(),
            attributes: vec![("email".to_owned(), "ann@example.com".to_owned())],
            temporary_password: Some(temporary.to_owned()),
            message_action: Some(super::admin::MessageAction::Suppress),
            delivery: Vec::new(),
        };
        self.engine.admin_create_user(&self.pool, new).await.expect("created");
    }

    async fn confirmed(&self, username: &str) {
        self.user(username, "Temp0rary-pass").await;
        self.engine.admin_set_user_password(&self.pool, username, PASSWORD, true).await.expect("permanent");
    }

    async fn sign_in(&self, username: &str, password: &str) -> Result<SignIn, PoolError> {
        let parameters = params(&[("USERNAME", username), ("PASSWORD", password)]);
        self.engine.admin_initiate_auth(&self.pool, &self.client.id, "ADMIN_USER_PASSWORD_AUTH", &parameters).await
    }
}

fn refused(outcome: Result<SignIn, PoolError>) -> (String, String) {
    let err = outcome.expect_err("refused");
    (err.exception().to_owned(), err.to_string())
}

fn tokens(outcome: Result<SignIn, PoolError>) -> IssuedTokens {
    match outcome.expect("signed in") {
        SignIn::Tokens(tokens) => tokens,
        SignIn::Challenge { challenge, .. } => panic!("challenged: {challenge:?}"),
        SignIn::PasswordVerifier(_) => panic!("challenged: PASSWORD_VERIFIER"),
    }
}

fn pair(exception: &str, message: &str) -> (String, String) {
    (exception.to_owned(), message.to_owned())
}

#[tokio::test]
async fn a_case_insensitive_pool_has_one_user_per_name_whatever_its_case() {
    let insensitive = fixture(false, |_| {}, false).await;
    insensitive.confirmed("Ann").await;
    let new = NewUser {
        username: "ANN".to_owned(),
        attributes: Vec::new(),
        temporary_password: None,
        message_action: None,
        delivery: Vec::new(),
    };
    let err = insensitive.engine.admin_create_user(&insensitive.pool, new.clone()).await.expect_err("duplicate");
    assert_eq!((err.exception(), err.to_string().as_str()), ("UsernameExistsException", "User account already exists"));
    tokens(insensitive.sign_in("aNN", PASSWORD).await);

    let sensitive = fixture(true, |_| {}, false).await;
    sensitive.confirmed("Ann").await;
    sensitive.engine.admin_create_user(&sensitive.pool, new).await.expect("another user");
    assert_eq!(refused(sensitive.sign_in("ann", PASSWORD).await).0, "UserNotFoundException");
}

#[tokio::test]
async fn unknown_users_are_answered_as_the_client_prevents_existence_errors() {
    let legacy = fixture(true, |_| {}, false).await;
    legacy.confirmed("ann").await;
    assert_eq!(
        refused(legacy.sign_in("ann", "Wr0ng-password").await),
        pair("NotAuthorizedException", "Incorrect username or password.")
    );
    assert_eq!(
        refused(legacy.sign_in("nobody", PASSWORD).await),
        pair("UserNotFoundException", "User does not exist.")
    );

    let enabled = fixture(true, |c| c.prevent_user_existence_errors = true, false).await;
    enabled.confirmed("ann").await;
    let wrong = refused(enabled.sign_in("ann", "Wr0ng-password").await);
    assert_eq!(wrong, pair("NotAuthorizedException", "Incorrect username or password."));
    assert_eq!(refused(enabled.sign_in("nobody", PASSWORD).await), wrong);
}

#[tokio::test]
async fn every_password_set_meets_the_policy() {
    let f = fixture(true, |_| {}, false).await;
    let weak = "Sh0rt!";
    let new = NewUser {
        username: "ann".to_owned(),
        attributes: Vec::new(),
        temporary_password: Some("weak".to_owned()),
        message_action: Some(super::admin::MessageAction::Suppress),
        delivery: Vec::new(),
    };
    let err = f.engine.admin_create_user(&f.pool, new).await.expect_err("weak temporary password");
    assert_eq!(err.to_string(), "Password did not conform with policy: Password not long enough");
    f.user("ann", "Temp0rary-pass").await;
    let err = f.engine.admin_set_user_password(&f.pool, "ann", "nouppercase1!", true).await.expect_err("weak");
    assert_eq!(err.to_string(), "Password did not conform with policy: Password must have uppercase characters");
    let SignIn::Challenge { session, .. } = f.sign_in("ann", "Temp0rary-pass").await.expect("challenge") else {
        panic!("no challenge")
    };
    let answer = params(&[("USERNAME", "ann"), ("NEW_PASSWORD", weak)]);
    let err = f
        .engine
        .admin_respond_to_auth_challenge(&f.pool, &f.client.id, "NEW_PASSWORD_REQUIRED", Some(&session), &answer)
        .await
        .expect_err("weak answer");
    assert_eq!(err.exception(), "InvalidPasswordException");
    let answer = params(&[("USERNAME", "ann"), ("NEW_PASSWORD", PASSWORD)]);
    let answered = f
        .engine
        .admin_respond_to_auth_challenge(&f.pool, &f.client.id, "NEW_PASSWORD_REQUIRED", Some(&session), &answer)
        .await;
    answered.expect("the session survives a refused password");
}

#[tokio::test]
async fn flows_are_checked_against_the_client_and_the_api() {
    let f = fixture(true, |c| c.explicit_auth_flows = vec![ExplicitAuthFlow::AllowUserPasswordAuth], false).await;
    f.confirmed("ann").await;
    assert_eq!(
        refused(f.sign_in("ann", PASSWORD).await),
        pair("InvalidParameterException", "Auth flow not enabled for this client")
    );
    let parameters = params(&[("USERNAME", "ann"), ("PASSWORD", PASSWORD)]);
    for flow in ["USER_PASSWORD_AUTH", "USER_SRP_AUTH"] {
        let outcome = f.engine.admin_initiate_auth(&f.pool, &f.client.id, flow, &parameters).await;
        assert_eq!(
            refused(outcome),
            pair("InvalidParameterException", "Initiate Auth method not supported."),
            "{flow}"
        );
    }
    for flow in ["CUSTOM_AUTH", "USER_AUTH"] {
        let (exception, message) =
            refused(f.engine.admin_initiate_auth(&f.pool, &f.client.id, flow, &parameters).await);
        assert_eq!(exception, "InvalidParameterException");
        assert!(message.starts_with("authport does not implement the") && message.contains(flow), "{message}");
    }
    let legacy = fixture(true, |c| c.explicit_auth_flows = vec![ExplicitAuthFlow::AdminNoSrpAuth], false).await;
    legacy.confirmed("ann").await;
    tokens(legacy.sign_in("ann", PASSWORD).await);
}

#[tokio::test]
async fn a_client_with_a_secret_wants_its_hash_on_every_flow() {
    let f = fixture(true, |_| {}, true).await;
    let f = &f;
    f.confirmed("ann").await;
    let id = f.client.id.to_string();
    let secret = f.client.secret.as_ref().map(|s| secrecy::ExposeSecret::expose_secret(s).to_owned()).expect("secret");
    assert_eq!(
        refused(f.sign_in("ann", PASSWORD).await),
        pair(
            "NotAuthorizedException",
            &format!("Client {id} is configured with secret but SECRET_HASH was not received")
        )
    );
    let sign_in = |hash: String| {
        let parameters = params(&[("USERNAME", "ann"), ("PASSWORD", PASSWORD), ("SECRET_HASH", &hash)]);
        async move { f.engine.admin_initiate_auth(&f.pool, &f.client.id, "ADMIN_USER_PASSWORD_AUTH", &parameters).await }
    };
    assert_eq!(
        refused(sign_in(secret_hash("not-the-secret", "ann", &id)).await),
        pair("NotAuthorizedException", &format!("Unable to verify secret hash for client {id}"))
    );
    let issued = tokens(sign_in(secret_hash(&secret, "ann", &id)).await);
    let refresh = issued.refresh_token.expect("refresh token");
    let refresh_with = |hash: Option<String>| {
        let mut parameters = params(&[("REFRESH_TOKEN", refresh.expose())]);
        if let Some(hash) = hash {
            parameters.insert("SECRET_HASH".to_owned(), hash);
        }
        async move { f.engine.admin_initiate_auth(&f.pool, &f.client.id, "REFRESH_TOKEN_AUTH", &parameters).await }
    };
    assert_eq!(
        refused(refresh_with(Some(secret_hash(&secret, "bob", &id))).await),
        pair("NotAuthorizedException", &format!("SecretHash does not match for the client: {id}"))
    );
    tokens(refresh_with(Some(secret_hash(&secret, "ann", &id))).await);

    let plain = fixture(true, |_| {}, false).await;
    plain.confirmed("ann").await;
    let parameters = params(&[("USERNAME", "ann"), ("PASSWORD", PASSWORD), ("SECRET_HASH", "aGFzaA==")]);
    let outcome =
        plain.engine.admin_initiate_auth(&plain.pool, &plain.client.id, "ADMIN_USER_PASSWORD_AUTH", &parameters).await;
    let message = format!("App client {} is not configured for secret but secret hash was received", plain.client.id);
    assert_eq!(refused(outcome), pair("InvalidParameterException", &message));
}

#[tokio::test]
async fn a_disabled_user_cannot_sign_in_or_refresh() {
    let f = fixture(true, |_| {}, false).await;
    f.confirmed("ann").await;
    let refresh = tokens(f.sign_in("ann", PASSWORD).await).refresh_token.expect("refresh token");
    f.engine.admin_set_enabled(&f.pool, "ann", false).await.expect("disabled");
    assert_eq!(refused(f.sign_in("ann", PASSWORD).await), pair("NotAuthorizedException", "User is disabled."));
    let err = f.engine.refresh(&f.pool, &f.client.id, refresh.expose()).await.expect_err("refused");
    assert_eq!(err.to_string(), "Refresh Token has been revoked", "disabling revoked the user's tokens");
    f.engine.admin_set_enabled(&f.pool, "ann", true).await.expect("enabled");
    tokens(f.sign_in("ann", PASSWORD).await);
}

#[tokio::test]
async fn repeated_failures_lock_the_user_out_for_a_doubling_while() {
    let f = fixture(true, |_| {}, false).await;
    f.confirmed("ann").await;
    for _ in 0..5 {
        assert_eq!(refused(f.sign_in("ann", "Wr0ng-password").await).1, "Incorrect username or password.");
    }
    let exceeded = pair("NotAuthorizedException", "Password attempts exceeded");
    assert_eq!(refused(f.sign_in("ann", PASSWORD).await), exceeded, "locked for 1 s after the fifth");
    f.clock.advance(Duration::from_secs(1));
    assert_eq!(refused(f.sign_in("ann", "Wr0ng-password").await).1, "Incorrect username or password.");
    f.clock.advance(Duration::from_millis(1999));
    assert_eq!(refused(f.sign_in("ann", PASSWORD).await), exceeded, "locked for 2 s after the sixth");
    f.clock.advance(Duration::from_millis(1));
    tokens(f.sign_in("ann", PASSWORD).await);
    for _ in 0..5 {
        refused(f.sign_in("ann", "Wr0ng-password").await);
    }
    f.clock.advance(Duration::from_secs(15 * 60));
    refused(f.sign_in("ann", "Wr0ng-password").await);
    tokens(f.sign_in("ann", PASSWORD).await); // 15 quiet minutes: that failure was the first again
}

#[tokio::test]
async fn a_temporary_password_expires_after_the_pools_validity() {
    let f = fixture(true, |_| {}, false).await;
    f.user("ann", "Temp0rary-pass").await;
    f.clock.advance(Duration::from_secs(7 * 86_400 - 1));
    assert!(matches!(f.sign_in("ann", "Temp0rary-pass").await, Ok(SignIn::Challenge { .. })));
    f.clock.advance(Duration::from_secs(1));
    let expired = "Temporary password has expired and must be reset by an administrator.";
    assert_eq!(refused(f.sign_in("ann", "Temp0rary-pass").await), pair("NotAuthorizedException", expired));
}

#[tokio::test]
async fn a_challenge_session_is_single_use_and_expires() {
    let f = fixture(true, |_| {}, false).await;
    let f = &f;
    f.user("ann", "Temp0rary-pass").await;
    let challenge = || async {
        match f.sign_in("ann", "Temp0rary-pass").await.expect("challenge") {
            SignIn::Challenge { session, user, .. } => {
                assert_eq!((user.username.as_str(), user.status), ("ann", UserStatus::ForceChangePassword));
                session
            }
            other => panic!("{other:?} for a temporary password"),
        }
    };
    let answer = |session: String| async move {
        let responses = params(&[("USERNAME", "ann"), ("NEW_PASSWORD", PASSWORD)]);
        f.engine
            .admin_respond_to_auth_challenge(&f.pool, &f.client.id, "NEW_PASSWORD_REQUIRED", Some(&session), &responses)
            .await
    };
    let late = challenge().await;
    f.clock.advance(Duration::from_secs(3 * 60));
    let err = answer(late).await.expect_err("expired");
    assert_eq!(err.to_string(), "Invalid session for the user, session is expired.");
    let session = challenge().await;
    answer(session.clone()).await.expect("answered");
    let err = answer(session).await.expect_err("used twice");
    assert_eq!(
        (err.exception(), err.to_string().as_str()),
        ("NotAuthorizedException", "Invalid session for the user.")
    );
}

#[tokio::test]
async fn refresh_keeps_the_refresh_token_and_a_global_sign_out_revokes_it() {
    let f = fixture(true, |_| {}, false).await;
    f.confirmed("ann").await;
    let refresh = tokens(f.sign_in("ann", PASSWORD).await).refresh_token.expect("refresh token");
    let parameters = params(&[("REFRESH_TOKEN", refresh.expose())]);
    let refreshed = tokens(f.engine.admin_initiate_auth(&f.pool, &f.client.id, "REFRESH_TOKEN", &parameters).await);
    assert!(refreshed.refresh_token.is_none(), "Cognito returns no new refresh token");
    f.engine.admin_user_global_sign_out(&f.pool, "ann").await.expect("signed out");
    let err = f.engine.admin_initiate_auth(&f.pool, &f.client.id, "REFRESH_TOKEN_AUTH", &parameters).await;
    assert_eq!(refused(err), pair("NotAuthorizedException", "Refresh Token has been revoked"));
    let garbage = params(&[("REFRESH_TOKEN", "garbage")]);
    let err = f.engine.admin_initiate_auth(&f.pool, &f.client.id, "REFRESH_TOKEN_AUTH", &garbage).await;
    assert_eq!(refused(err), pair("NotAuthorizedException", "Invalid Refresh Token."));
}

#[tokio::test]
async fn access_and_id_tokens_of_a_new_pool_are_signed_by_two_keys() {
    let f = fixture(true, |_| {}, false).await;
    assert_eq!(f.engine.public_keys(&f.pool).await.expect("keys").len(), 2);
    let pool = f.engine.describe_pool(&f.pool).await.expect("pool");
    assert_eq!(pool.issuer, format!("https://cognito-idp.eu-west-1.amazonaws.com/{}", pool.id));
    assert_eq!(pool.id.region(), "eu-west-1");
}

#[tokio::test]
async fn an_invitation_is_recorded_unless_suppressed() {
    let f = fixture(true, |_| {}, false).await;
    let new = |name: &str, action| NewUser {
        username: name.to_owned(),
        attributes: vec![("email".to_owned(), format!("{name}@example.com"))],
        temporary_password: None,
        message_action: action,
        delivery: vec![crate::model::DeliveryMedium::Email],
    };
    f.engine
        .admin_create_user(&f.pool, new("quiet", Some(super::admin::MessageAction::Suppress)))
        .await
        .expect("quiet");
    f.engine.admin_create_user(&f.pool, new("ann", None)).await.expect("invited");
    let messages = f.engine.recorded_messages(Some(&f.pool), None).await.expect("messages");
    assert_eq!(messages.len(), 1, "{messages:?}");
    let invitation = &messages[0];
    assert_eq!((invitation.username.as_str(), invitation.destination.as_str()), ("ann", "ann@example.com"));
    let temporary = invitation.body.rsplit(' ').next().and_then(|p| p.strip_suffix('.')).expect("the password");
    assert!(invitation.body.starts_with("Your username is ann and temporary password is "), "{}", invitation.body);
    assert!(
        matches!(f.sign_in("ann", temporary).await, Ok(SignIn::Challenge { .. })),
        "the invitation's password works"
    );

    f.engine.admin_create_user(&f.pool, new("ann", Some(super::admin::MessageAction::Resend))).await.expect("resent");
    let messages = f.engine.recorded_messages(Some(&f.pool), None).await.expect("messages");
    let again = messages[1].body.rsplit(' ').next().and_then(|p| p.strip_suffix('.')).expect("the password");
    assert_ne!(again, temporary, "a new temporary password");
    assert!(matches!(f.sign_in("ann", again).await, Ok(SignIn::Challenge { .. })));
    assert_eq!(refused(f.sign_in("ann", temporary).await).1, "Incorrect username or password.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_failures_each_count_towards_the_lock_out() {
    let f = fixture(true, |_| {}, false).await;
    f.confirmed("ann").await;
    let attempts = (0..5).map(|_| f.sign_in("ann", "Wr0ng-password"));
    for outcome in futures::future::join_all(attempts).await {
        assert_eq!(refused(outcome).1, "Incorrect username or password.");
    }
    assert_eq!(refused(f.sign_in("ann", PASSWORD).await).1, "Password attempts exceeded", "all five counted");
}

#[tokio::test]
async fn a_failed_sign_in_before_the_challenge_leaves_it_answerable() {
    let f = fixture(true, |_| {}, false).await;
    f.user("ann", "Temp0rary-pass").await;
    refused(f.sign_in("ann", "Wr0ng-password").await);
    let SignIn::Challenge { session, .. } = f.sign_in("ann", "Temp0rary-pass").await.expect("challenge") else {
        panic!("no challenge")
    };
    let answer = params(&[("USERNAME", "ann"), ("NEW_PASSWORD", PASSWORD)]);
    f.engine
        .admin_respond_to_auth_challenge(&f.pool, &f.client.id, "NEW_PASSWORD_REQUIRED", Some(&session), &answer)
        .await
        .expect("answered");
}

/// The code of the last message sent to the pool.
async fn last_code(f: &Fixture) -> String {
    let messages = f.engine.recorded_messages(Some(&f.pool), None).await.expect("messages");
    let message = messages.last().expect("a message");
    assert!(message.body.contains(&message.code), "the text carries the code");
    message.code.clone()
}

async fn self_service_fixture() -> Fixture {
    let f = fixture(false, |s| s.explicit_auth_flows.push(ExplicitAuthFlow::AllowUserPasswordAuth), false).await;
    let settings = PoolSettings {
        auto_verified_attributes: vec![crate::model::UsernameAttribute::Email],
        ..PoolSettings::default()
    };
    f.engine.update_pool(&f.pool, settings).await.expect("auto-verified e-mail");
    f
}

#[tokio::test]
async fn a_self_service_sign_up_is_confirmed_by_its_code_and_its_tokens_are_revocable() {
    use super::public::SignUp;
    let f = self_service_fixture().await;
    let request = SignUp {
        username: "ann".to_owned(),
        password: PASSWORD.to_owned(),
        attributes: vec![("email".to_owned(), "ann@example.com".to_owned())],
        secret_hash: None,
    };
    let signed_up = f.engine.sign_up(&f.client.id, request.clone()).await.expect("signed up");
    let delivery = signed_up.delivery.expect("a code was sent");
    assert_eq!((delivery.destination.as_str(), delivery.attribute), ("a***@e***", "email"));
    let duplicate = f.engine.sign_up(&f.client.id, request).await.expect_err("duplicate");
    assert_eq!(duplicate.exception(), "UsernameExistsException");
    let password_flow = |password: &str| params(&[("USERNAME", "ann"), ("PASSWORD", password)]);
    let unconfirmed = f.engine.initiate_auth(&f.client.id, "USER_PASSWORD_AUTH", &password_flow(PASSWORD)).await;
    assert_eq!(unconfirmed.expect_err("unconfirmed").exception(), "UserNotConfirmedException");
    let code = last_code(&f).await;
    let wrong = f.engine.confirm_sign_up(&f.client.id, "ann", "000000x", None).await.expect_err("wrong code");
    assert_eq!(wrong.to_string(), "Invalid verification code provided, please try again.");
    f.engine.confirm_sign_up(&f.client.id, "ann", &code, None).await.expect("confirmed");
    let again = f.engine.confirm_sign_up(&f.client.id, "ann", &code, None).await.expect_err("confirmed already");
    assert_eq!(again.to_string(), "User cannot be confirm. Current status is CONFIRMED");
    let SignIn::Tokens(tokens) =
        f.engine.initiate_auth(&f.client.id, "USER_PASSWORD_AUTH", &password_flow(PASSWORD)).await.expect("signed in")
    else {
        panic!("challenged")
    };
    let access = tokens.access_token.expose().to_owned();
    let user = f.engine.get_user(&access).await.expect("GetUser");
    assert_eq!(user.attribute("email_verified"), Some("true"), "the code verified the address");
    let admin_flow = f.engine.initiate_auth(&f.client.id, "ADMIN_USER_PASSWORD_AUTH", &password_flow(PASSWORD)).await;
    assert_eq!(admin_flow.expect_err("admin flow").to_string(), "Initiate Auth method not supported.");
    // ChangePassword keeps the other sessions; GlobalSignOut revokes them and their access tokens.
    let wrong = f.engine.change_password(&access, "Not-the-pass1", "N3w-password!").await.expect_err("wrong");
    assert_eq!(wrong.to_string(), "Incorrect username or password.");
    f.engine.change_password(&access, PASSWORD, "N3w-password!").await.expect("changed");
    f.engine.get_user(&access).await.expect("still signed in");
    f.engine.global_sign_out_with_token(&access).await.expect("signed out");
    let revoked = f.engine.get_user(&access).await.expect_err("revoked");
    assert_eq!(revoked.to_string(), "Access Token has been revoked");
    let refresh = tokens.refresh_token.expect("refresh token");
    let refreshed = f.engine.refresh(&f.pool, &f.client.id, refresh.expose()).await.expect_err("revoked");
    assert_eq!(refreshed.to_string(), "Refresh Token has been revoked");
    assert_eq!(f.engine.get_user("not.a.token").await.expect_err("junk").to_string(), "Invalid Access Token");
}

#[tokio::test]
async fn expired_access_tokens_and_codes_are_refused_and_a_forgotten_password_is_reset() {
    let f = self_service_fixture().await;
    f.confirmed("ann").await;
    let SignIn::Tokens(tokens) = f.sign_in("ann", PASSWORD).await.expect("signed in") else { panic!("challenged") };
    // RevokeToken revokes the refresh token's log-in, access token included.
    let refresh = tokens.refresh_token.expect("refresh token");
    let access = tokens.access_token.expose().to_owned();
    let access_type = f.engine.revoke_token(&f.client.id, &access, None).await.expect_err("an access token");
    assert_eq!(access_type.exception(), "UnsupportedTokenTypeException");
    f.engine.revoke_token(&f.client.id, refresh.expose(), None).await.expect("revoked");
    assert_eq!(f.engine.get_user(&access).await.expect_err("revoked").to_string(), "Access Token has been revoked");
    let SignIn::Tokens(tokens) = f.sign_in("ann", PASSWORD).await.expect("signed in") else { panic!("challenged") };
    f.clock.advance(Duration::from_secs(3601));
    let expired = f.engine.get_user(tokens.access_token.expose()).await.expect_err("expired");
    assert_eq!(expired.to_string(), "Access Token has expired");
    let unverified = f.engine.forgot_password(&f.client.id, "ann", None).await.expect_err("no verified address");
    assert_eq!(unverified.exception(), "InvalidParameterException");
    f.engine
        .admin_update_user_attributes(&f.pool, "ann", vec![("email_verified".to_owned(), "true".to_owned())])
        .await
        .expect("verified");
    f.engine.forgot_password(&f.client.id, "ann", None).await.expect("code sent");
    let code = last_code(&f).await;
    let weak = f.engine.confirm_forgot_password(&f.client.id, "ann", &code, "weak", None).await.expect_err("weak");
    assert_eq!(weak.exception(), "InvalidPasswordException");
    f.clock.advance(Duration::from_secs(3601));
    let late = f.engine.confirm_forgot_password(&f.client.id, "ann", &code, "N3w-password!", None).await;
    assert_eq!(late.expect_err("expired").to_string(), "Invalid code provided, please request a code again.");
    f.engine.forgot_password(&f.client.id, "ann", None).await.expect("a new code");
    let code = last_code(&f).await;
    for _ in 0..super::public::MAX_CODE_ATTEMPTS {
        let wrong = f.engine.confirm_forgot_password(&f.client.id, "ann", "1", "N3w-password!", None).await;
        assert_eq!(wrong.expect_err("wrong").exception(), "CodeMismatchException");
    }
    let spent = f.engine.confirm_forgot_password(&f.client.id, "ann", &code, "N3w-password!", None).await;
    assert_eq!(spent.expect_err("spent").exception(), "LimitExceededException");
    f.engine.forgot_password(&f.client.id, "ann", None).await.expect("another code");
    let code = last_code(&f).await;
    f.engine.confirm_forgot_password(&f.client.id, "ann", &code, "N3w-password!", None).await.expect("reset");
    assert!(matches!(f.sign_in("ann", "N3w-password!").await, Ok(SignIn::Tokens(_))));
    let unknown = f.engine.forgot_password(&f.client.id, "nobody", None).await.expect_err("unknown");
    assert_eq!(unknown.to_string(), "Username/client id combination not found.");
}

/// Plays amazon-cognito-identity-js's `authenticateUser` (USER_SRP_AUTH) with `password`: the
/// challenge, then the answer to it.
async fn srp_log_in(f: &Fixture, username: &str, password: &str) -> Result<SignIn, PoolError> {
    use crate::srp::test_client;
    use base64::Engine as _;
    let small_a = test_client::small_a();
    let srp_a = test_client::public_a_hex(&small_a);
    let challenge = f
        .engine
        .initiate_auth(&f.client.id, "USER_SRP_AUTH", &params(&[("USERNAME", username), ("SRP_A", &srp_a)]))
        .await?;
    let SignIn::PasswordVerifier(challenge) = challenge else { panic!("no PASSWORD_VERIFIER: {challenge:?}") };
    let block = base64::engine::general_purpose::STANDARD.decode(&challenge.secret_block).expect("base64");
    let timestamp = "Thu Dec 3 14:08:27 UTC 2026";
    let pool_name = f.pool.as_str().split('_').nth(1).expect("pool name");
    let signature = test_client::signature(
        pool_name,
        &challenge.user_id_for_srp,
        password,
        &small_a,
        (&challenge.salt, &challenge.srp_b),
        &block,
        timestamp,
    );
    let answer = params(&[
        ("USERNAME", &challenge.user_id_for_srp),
        ("PASSWORD_CLAIM_SECRET_BLOCK", &challenge.secret_block),
        ("PASSWORD_CLAIM_SIGNATURE", &signature),
        ("TIMESTAMP", timestamp),
    ]);
    f.engine.respond_to_auth_challenge(&f.client.id, "PASSWORD_VERIFIER", None, &answer).await
}

async fn srp_fixture(prevent_existence_errors: bool) -> Fixture {
    fixture(
        false,
        |s| {
            s.explicit_auth_flows.push(ExplicitAuthFlow::AllowUserSrpAuth);
            s.prevent_user_existence_errors = prevent_existence_errors;
        },
        false,
    )
    .await
}

#[tokio::test]
async fn srp_proves_the_password_and_ends_as_a_password_log_in() {
    let f = srp_fixture(false).await;
    f.confirmed("ann").await;
    let issued = tokens(srp_log_in(&f, "ann", PASSWORD).await);
    assert_eq!(f.engine.get_user(issued.access_token.expose()).await.expect("GetUser").username, "ann");
    assert_eq!(
        refused(srp_log_in(&f, "ann", "Wr0ng-password").await),
        pair("NotAuthorizedException", "Incorrect username or password.")
    );
    // A temporary password: NEW_PASSWORD_REQUIRED, as after a password log-in.
    f.user("bob", "Temp0rary-pass").await;
    assert!(matches!(srp_log_in(&f, "bob", "Temp0rary-pass").await, Ok(SignIn::Challenge { .. })));
    // Every password set makes a verifier: the new one logs in, the old one no longer.
    f.engine.admin_set_user_password(&f.pool, "ann", "N3w-password!", true).await.expect("set");
    tokens(srp_log_in(&f, "ann", "N3w-password!").await);
    refused(srp_log_in(&f, "ann", PASSWORD).await);
    assert_eq!(
        refused(srp_log_in(&f, "nobody", PASSWORD).await),
        pair("UserNotFoundException", "User does not exist.")
    );
}

#[tokio::test]
async fn wrong_srp_proofs_count_towards_the_lock_out() {
    let f = srp_fixture(false).await;
    f.confirmed("ann").await;
    for _ in 0..5 {
        refused(srp_log_in(&f, "ann", "Wr0ng-password").await);
    }
    assert_eq!(refused(srp_log_in(&f, "ann", PASSWORD).await).1, "Password attempts exceeded");
}

#[tokio::test]
async fn an_srp_challenge_is_single_use_and_its_timestamp_is_checked() {
    use crate::srp::test_client;
    let f = srp_fixture(false).await;
    f.confirmed("ann").await;
    let small_a = test_client::small_a();
    let srp_a = test_client::public_a_hex(&small_a);
    let start = params(&[("USERNAME", "ann"), ("SRP_A", &srp_a)]);
    let Ok(SignIn::PasswordVerifier(challenge)) = f.engine.initiate_auth(&f.client.id, "USER_SRP_AUTH", &start).await
    else {
        panic!("no challenge")
    };
    let answer = |timestamp: &str| {
        params(&[
            ("USERNAME", "ann"),
            ("PASSWORD_CLAIM_SECRET_BLOCK", &challenge.secret_block),
            ("PASSWORD_CLAIM_SIGNATURE", "AAAA"),
            ("TIMESTAMP", timestamp),
        ])
    };
    let f = &f;
    let respond = |answer: BTreeMap<String, String>| async move {
        f.engine.respond_to_auth_challenge(&f.client.id, "PASSWORD_VERIFIER", None, &answer).await
    };
    let malformed = respond(answer("2026-12-03T14:08:27Z")).await;
    assert_eq!(
        refused(malformed),
        pair("InvalidParameterException", "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.")
    );
    refused(respond(answer("Thu Dec 3 14:08:27 UTC 2026")).await);
    assert_eq!(
        refused(respond(answer("Thu Dec 3 14:08:27 UTC 2026")).await).1,
        "Invalid session for the user.",
        "spent"
    );
    // The block is no NEW_PASSWORD_REQUIRED session either.
    let other = f.engine.answer_new_password(&f.pool, &f.client.id, &challenge.secret_block, "ann", PASSWORD).await;
    assert_eq!(other.expect_err("not its session").to_string(), "Invalid session for the user.");
    let bad_a =
        f.engine.initiate_auth(&f.client.id, "USER_SRP_AUTH", &params(&[("USERNAME", "ann"), ("SRP_A", "0")])).await;
    assert_eq!(refused(bad_a).0, "InvalidParameterException");
}

#[tokio::test]
async fn unknown_users_and_users_without_a_verifier_get_a_challenge_they_cannot_answer() {
    let f = srp_fixture(true).await;
    assert_eq!(refused(srp_log_in(&f, "nobody", PASSWORD).await).1, "Incorrect username or password.");
    // An unknown name keeps its salt, as a real user does; another name gets another.
    let salt = |name: &'static str| {
        let f = &f;
        async move {
            let start = params(&[("USERNAME", name), ("SRP_A", "ab12")]);
            match f.engine.initiate_auth(&f.client.id, "USER_SRP_AUTH", &start).await {
                Ok(SignIn::PasswordVerifier(challenge)) => challenge.salt,
                other => panic!("no decoy challenge: {other:?}"),
            }
        }
    };
    assert_eq!(salt("nobody").await, salt("nobody").await);
    assert_ne!(salt("nobody").await, salt("somebody").await);
    f.confirmed("ann").await;
    // A password set before verifiers were kept: SRP fails until a password log-in makes one.
    let mut user = f.engine.store().user(&f.pool, "ann").await.expect("read").expect("ann");
    user.srp = None;
    assert!(f.engine.store().update_user(&user).await.expect("written"));
    assert_eq!(refused(srp_log_in(&f, "ann", PASSWORD).await).1, "Incorrect username or password.");
    tokens(f.sign_in("ann", PASSWORD).await);
    tokens(srp_log_in(&f, "ann", PASSWORD).await);
}

#[tokio::test]
async fn a_client_without_srp_refuses_it() {
    let f = fixture(false, |_| {}, false).await;
    f.confirmed("ann").await;
    let srp =
        f.engine.initiate_auth(&f.client.id, "USER_SRP_AUTH", &params(&[("USERNAME", "ann"), ("SRP_A", "ab")])).await;
    assert_eq!(refused(srp), pair("InvalidParameterException", "USER_SRP_AUTH flow not enabled for this client"));
}

#[tokio::test]
async fn expired_refresh_tokens_are_swept_as_new_ones_are_issued() {
    let f = fixture(false, |_| {}, false).await;
    f.confirmed("ann").await;
    let SignIn::Tokens(first) = f.sign_in("ann", PASSWORD).await.expect("signed in") else { panic!("challenged") };
    let first = first.refresh_token.expect("refresh token");
    // Past its 30 days and the day of grace after them.
    f.clock.advance(Duration::from_secs(32 * 86_400));
    let live: Vec<_> = (0..super::SWEEP_EVERY).map(|_| f.sign_in("ann", PASSWORD)).collect();
    for signed_in in futures::future::join_all(live).await {
        tokens(signed_in);
    }
    // The sweep runs in the background: wait for it, without a clock.
    let hash = crate::tokens::hash_refresh_token(first.expose());
    for _ in 0..1000 {
        if f.engine.store().refresh_token(&hash).await.expect("read").is_none() {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("the expired refresh token was never swept");
}
