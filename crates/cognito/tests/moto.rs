//! The adapter against moto 5.2.5, the Cognito emulator (see scripts/MOTO_NOTES.md).
//!
//! Starts `<workspace>/.venv/bin/moto_server` on a free loopback port (install it with
//! `scripts/install-moto.sh`); without it every test here is skipped with a message.
//! Each test uses its own pool.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use authport_cognito::{CognitoIdentityProvider, CognitoSettings};
use authport_domain::{
    BackendError, ChallengeSession, Email, IdentityProvider, LogInError, NewPassword, NewPasswordError, Password,
    PasswordPolicy, PolicyRule, SignUpError,
};
use aws_config::BehaviorVersion;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, ExplicitAuthFlowsType, MessageActionType, PasswordPolicyType, UserPoolPolicyType,
    UsernameAttributeType,
};
use secrecy::SecretString;

/// A moto server this test started; stopped (by its own handle) when dropped.
struct Moto {
    child: Child,
    endpoint: String,
    _log: PathBuf,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_moto() -> Option<Moto> {
    let server = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/moto_server");
    if !server.exists() {
        eprintln!("SKIPPED: moto is not installed (run scripts/install-moto.sh)");
        return None;
    }
    let log =
        std::env::temp_dir().join(format!("authport-cognito-moto-{}-{:?}.log", std::process::id(), Instant::now()));
    let stderr = std::fs::File::create(&log).expect("moto log file");
    // moto logs every request on stderr: a file, never an unread pipe (MOTO_NOTES.md).
    let child = Command::new(server)
        .args(["-H", "127.0.0.1", "-p", "0"])
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("moto starts");
    let mut moto = Moto { child, endpoint: String::new(), _log: log.clone() };
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if let Some(url) = text.lines().find_map(|l| l.split("Running on ").nth(1)) {
            moto.endpoint = url.trim().to_owned();
            return Some(moto);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("moto did not start: {}", std::fs::read_to_string(&log).unwrap_or_default());
}

async fn admin(moto: &Moto) -> Client {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .test_credentials()
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(&moto.endpoint)
        .load()
        .await;
    Client::new(&config)
}

struct Pool {
    id: String,
    client_id: String,
    client_secret: String,
}

/// An e-mail pool with all five policy fields (moto enforces omitted ones differently) and a
/// client with a secret.
async fn pool(admin: &Client, policy: &PasswordPolicy) -> Pool {
    let password_policy = PasswordPolicyType::builder()
        .minimum_length(i32::try_from(policy.min_length).expect("length"))
        .require_lowercase(policy.require_lowercase)
        .require_uppercase(policy.require_uppercase)
        .require_numbers(policy.require_digit)
        .require_symbols(policy.require_symbol)
        .build();
    let created = admin
        .create_user_pool()
        .pool_name("authport-test")
        .username_attributes(UsernameAttributeType::Email)
        .policies(UserPoolPolicyType::builder().password_policy(password_policy).build())
        .send()
        .await
        .expect("pool");
    let id = created.user_pool().and_then(|p| p.id()).expect("pool id").to_owned();
    let client = admin
        .create_user_pool_client()
        .user_pool_id(&id)
        .client_name("authport")
        .generate_secret(true)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .expect("client");
    let client = client.user_pool_client().expect("client");
    Pool {
        id,
        client_id: client.client_id().expect("client id").to_owned(),
        client_secret: client.client_secret().expect("client secret").to_owned(),
    }
}

async fn adapter(moto: &Moto, pool: &Pool) -> CognitoIdentityProvider {
    let mut settings = CognitoSettings::new(&pool.id, &pool.client_id);
    settings.client_secret = Some(SecretString::from(pool.client_secret.clone()));
    settings.endpoint_url = Some(moto.endpoint.clone());
    settings.region = Some("us-east-1".into());
    settings.max_attempts = 1;
    CognitoIdentityProvider::connect_with(settings, |loader| loader.test_credentials()).await.expect("connect")
}

fn email(s: &str) -> Email {
    Email::parse(s).expect("email")
}

fn strong(policy: &PasswordPolicy, s: &str) -> NewPassword {
    policy.check(SecretString::from(s)).expect("meets the policy")
}

fn password(s: &str) -> Password {
    Password::parse(SecretString::from(s)).expect("password")
}

macro_rules! setup {
    ($policy:expr) => {{
        let Some(moto) = start_moto() else { return };
        let admin = admin(&moto).await;
        let pool = pool(&admin, &$policy).await;
        let cognito = adapter(&moto, &pool).await;
        (moto, admin, pool, cognito)
    }};
}

#[tokio::test]
async fn the_pools_policy_becomes_the_domain_policy() {
    let policy = PasswordPolicy {
        min_length: 10,
        require_lowercase: true,
        require_uppercase: false,
        require_digit: true,
        require_symbol: false,
    };
    let (_moto, _admin, _pool, cognito) = setup!(policy);
    assert_eq!(cognito.password_policy(), &policy);
}

#[tokio::test]
async fn sign_up_then_log_in_and_duplicates_are_refused() {
    let policy = PasswordPolicy::default();
    let (_moto, admin, pool, cognito) = setup!(policy);
    let ann = email("ann@example.com");
    let user = cognito.create_user(&ann, &strong(&policy, "Str0ng-pass")).await.expect("created");
    // The user is CONFIRMED, and the id is the `sub`.
    let got = admin.admin_get_user().user_pool_id(&pool.id).username("ann@example.com").send().await.expect("user");
    assert_eq!(got.user_status().map(|s| s.as_str()), Some("CONFIRMED"));
    let sub = got.user_attributes().iter().find(|a| a.name() == "sub").and_then(|a| a.value());
    assert_eq!(Some(user.id.as_str()), sub);

    let tokens = cognito.authenticate(&ann, &password("Str0ng-pass")).await.expect("logged in");
    assert_eq!(tokens.expires_in, Duration::from_secs(3600));
    assert!(!tokens.refresh_token.expose().is_empty());

    // The domain lower-cases e-mails: moto itself would take `ANN@…` as another user (MOTO_NOTES.md c).
    let err = cognito.create_user(&email("ANN@Example.com"), &strong(&policy, "Str0ng-pass")).await;
    assert!(matches!(err, Err(SignUpError::UserExists)), "{err:?}");
}

/// moto answers an unknown user with UserNotFoundException and a wrong password with
/// NotAuthorizedException (whose message is the user name); Cognito with
/// PreventUserExistenceErrors answers NotAuthorized to both. authport: one answer.
#[tokio::test]
async fn unknown_user_and_wrong_password_are_the_same_answer() {
    let policy = PasswordPolicy::default();
    let (_moto, _admin, _pool, cognito) = setup!(policy);
    cognito.create_user(&email("ann@example.com"), &strong(&policy, "Str0ng-pass")).await.expect("created");
    let wrong = cognito.authenticate(&email("ann@example.com"), &password("Wr0ng-pass")).await;
    let unknown = cognito.authenticate(&email("nobody@example.com"), &password("Str0ng-pass")).await;
    assert!(matches!(wrong, Err(LogInError::InvalidCredentials)), "{wrong:?}");
    assert!(matches!(unknown, Err(LogInError::InvalidCredentials)), "{unknown:?}");
}

/// moto rejects passwords of 99 or more characters (Cognito accepts 256): the pool's own
/// rejection is a weak password, the half-created user is deleted, and a retry succeeds.
#[tokio::test]
async fn a_password_the_pool_refuses_is_weak_and_leaves_no_user_behind() {
    let policy = PasswordPolicy::default();
    let (_moto, admin, pool, cognito) = setup!(policy);
    let long = format!("Aa1!{}", "x".repeat(100));
    let err = cognito.create_user(&email("ann@example.com"), &strong(&policy, &long)).await;
    let Err(SignUpError::WeakPassword(weak)) = err else { panic!("{err:?}") };
    assert_eq!(weak.violations.first(), Some(&PolicyRule::MinLength(8)));
    let gone = admin.admin_get_user().user_pool_id(&pool.id).username("ann@example.com").send().await;
    assert!(gone.is_err(), "the user was deleted again");
    cognito.create_user(&email("ann@example.com"), &strong(&policy, "Str0ng-pass")).await.expect("retry succeeds");
}

/// A user created outside authport with a temporary password must choose a new one.
/// moto does not bind the session to its user and answers a used session with
/// ResourceNotFoundException; authport answers InvalidSession to both, like Cognito.
#[tokio::test]
async fn a_temporary_password_must_be_replaced_with_the_users_own_session() {
    let policy = PasswordPolicy::default();
    let (_moto, admin, pool, cognito) = setup!(policy);
    for user in ["tmp@example.com", "bob@example.com"] {
        admin
            .admin_create_user()
            .user_pool_id(&pool.id)
            .username(user)
            .temporary_password("Temp0rary!")
            .message_action(MessageActionType::Suppress)
            .user_attributes(AttributeType::builder().name("email").value(user).build().expect("attribute"))
            .send()
            .await
            .expect("temporary user");
    }
    let err = cognito.authenticate(&email("tmp@example.com"), &password("Temp0rary!")).await;
    let Err(LogInError::PasswordChangeRequired { session }) = err else { panic!("{err:?}") };

    // Bob answering tmp's challenge: moto would set Bob's password.
    let foreign =
        cognito.complete_new_password(&email("bob@example.com"), &session, &strong(&policy, "B0b-new-pass")).await;
    assert!(matches!(foreign, Err(NewPasswordError::InvalidSession)), "{foreign:?}");
    let bob = cognito.authenticate(&email("bob@example.com"), &password("B0b-new-pass")).await;
    assert!(matches!(bob, Err(LogInError::InvalidCredentials)), "Bob's password is unchanged: {bob:?}");

    let bogus = ChallengeSession::new("00000000-0000-0000-0000-000000000000");
    let err = cognito.complete_new_password(&email("tmp@example.com"), &bogus, &strong(&policy, "N3w-password")).await;
    assert!(matches!(err, Err(NewPasswordError::InvalidSession)), "{err:?}");

    let tokens =
        cognito.complete_new_password(&email("tmp@example.com"), &session, &strong(&policy, "N3w-password")).await;
    assert!(!tokens.expect("tokens").access_token.expose().is_empty());
    let reused =
        cognito.complete_new_password(&email("tmp@example.com"), &session, &strong(&policy, "N3w-password2")).await;
    assert!(matches!(reused, Err(NewPasswordError::InvalidSession)), "{reused:?}");
    cognito.authenticate(&email("tmp@example.com"), &password("N3w-password")).await.expect("new password works");
}

#[tokio::test]
async fn signing_keys_are_the_pools_jwks() {
    let policy = PasswordPolicy::default();
    let (_moto, _admin, _pool, cognito) = setup!(policy);
    let keys = cognito.signing_keys().await.expect("jwks");
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].kid, "dummy");
    assert_eq!(keys[0].e, "AQAB");
}

#[tokio::test]
async fn a_stopped_emulator_is_backend_unavailable() {
    let policy = PasswordPolicy::default();
    let (moto, _admin, _pool, cognito) = setup!(policy);
    drop(moto);
    let err = cognito.authenticate(&email("ann@example.com"), &password("Str0ng-pass")).await;
    assert!(matches!(err, Err(LogInError::Backend(BackendError::Unavailable(_)))), "{err:?}");
    let err = cognito.create_user(&email("ann@example.com"), &strong(&policy, "Str0ng-pass")).await;
    assert!(matches!(err, Err(SignUpError::Backend(BackendError::Unavailable(_)))), "{err:?}");
}

/// Of concurrent sign-ups for one address exactly one succeeds (Cognito's own atomic check).
#[tokio::test]
async fn concurrent_sign_ups_for_one_address_create_one_user() {
    let policy = PasswordPolicy::default();
    let (_moto, _admin, _pool, cognito) = setup!(policy);
    let attempts = (0..8).map(|_| {
        let cognito = cognito.clone();
        let password = strong(&policy, "Str0ng-pass");
        tokio::spawn(async move { cognito.create_user(&email("race@example.com"), &password).await })
    });
    let results = join_all(attempts.collect()).await;
    let created = results.iter().filter(|r| r.is_ok()).count();
    let exists = results.iter().filter(|r| matches!(r, Err(SignUpError::UserExists))).count();
    assert_eq!((created, exists), (1, 7), "{results:?}");
    cognito.authenticate(&email("race@example.com"), &password("Str0ng-pass")).await.expect("the winner logs in");
}

async fn join_all<T: std::fmt::Debug>(handles: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut results = Vec::with_capacity(handles.len());
    for handle in handles {
        results.push(handle.await.expect("task"));
    }
    results
}
