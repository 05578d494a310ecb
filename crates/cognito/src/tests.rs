//! The adapter's operations against a scripted stand-in for Cognito (`scripted.rs`): the calls
//! it makes, their parameters, the compensation, and how answers and failures are mapped.

use std::time::Duration;

use authport_domain::{
    BackendError, ChallengeSession, Email, IdentityProvider as _, LogInError, NewPassword, NewPasswordError, Password,
    PasswordPolicy, PolicyRule, RefreshError, RefreshToken, SignUpError,
};
use secrecy::SecretString;
use serde_json::json;

use crate::refresh_token;
use crate::scripted::{self, ScriptedCognito, ok};
use crate::secret_hash::secret_hash;
use crate::{CognitoIdentityProvider, CognitoSettings, CognitoSetupError};

async fn connect(server: &ScriptedCognito, secret: Option<&str>) -> Result<CognitoIdentityProvider, CognitoSetupError> {
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
    CognitoIdentityProvider::connect_with(settings, |l| l.test_credentials().empty_test_environment(), |c| c).await
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
        PasswordPolicy {
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
        let err = provider(&server).await.create_user(&email("ann@example.com"), &new_password("Str0ng-pass")).await;
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
            ScriptedCognito::start(move |op, _| (op == "AdminSetUserPassword").then(|| scripted::error(code))).await;
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
    let server =
        ScriptedCognito::start(|op, _| (op == "AdminInitiateAuth").then(|| scripted::error("NotAuthorizedException")))
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
    let err = cognito.complete_new_password(&email("bob@example.com"), &session, &new_password("N3w-password")).await;
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
        let server =
            ScriptedCognito::start(move |op, _| (op == "AdminRespondToAuthChallenge").then(|| scripted::error(code)))
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
