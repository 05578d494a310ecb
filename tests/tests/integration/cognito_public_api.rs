//! Cognito's public API (the calls an app makes without AWS credentials, naming only its app
//! client) and the tester endpoints under `/_authport/`, through the unmodified Rust AWS SDK on
//! the memory and the PostgreSQL engine. Every case is a row of the fidelity table in
//! `docs/cognito-api.md`; the pools, clients and users come from `tests/fixtures/cognito-seed.json`.

use authport_testkit::postgres::TestDatabase;
use authport_testkit::{TestApp, repo_root, unique_email};
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput;
use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ChallengeNameType, UserStatusType};
use serde_json::{Value, json};

use crate::cognito_sdk::{attribute, pair, refusal, sdk};

/// The seed file's pool, clients and users.
const POOL: &str = "eu-west-1_Seeded001";
const WEB: &str = "shopweb";
const BACKEND: &str = "shopbackend";
const BACKEND_SECRET: &str = "shopbackendsecret0123456789";
const ANN_PASSWORD: &str = "Seeded-pass-1";
/// Meets the seeded pool's policy (10 characters, a digit).
const PASSWORD: &str = "Sh0pping-list";

fn seed_file() -> String {
    repo_root().join("tests/fixtures/cognito-seed.json").display().to_string()
}

/// An app serving the Cognito API with the seed file and the test clock, on `store` (`memory`,
/// or a fresh PostgreSQL database).
async fn app(store: &str) -> Option<TestApp> {
    let seed = seed_file();
    let args = ["--cognito-api-listen", "127.0.0.1:0", "--cognito-seed", &seed, "--cognito-api-test-clock"];
    Some(match store {
        "memory" => TestApp::on_memory().args(&args).spawn().await,
        _ => TestApp::on_database(&TestDatabase::create().await?).args(&args).spawn().await,
    })
}

/// Cognito's SECRET_HASH: Base64(HMAC-SHA256(secret, username + client id)).
fn secret_hash(username: &str, client_id: &str, secret: &str) -> String {
    authport_testkit::tokens::secret_hash(username, client_id, secret)
}

/// `GET` or `POST` on the tester endpoints: status and JSON body.
async fn tester(app: &TestApp, method: &str, path_and_query: &str, body: Option<Value>) -> (u16, Value) {
    let url = format!("http://{}{path_and_query}", app.cognito_api.expect("Cognito API"));
    let request = match method {
        "GET" => app.client.get(url),
        _ => app.client.post(url).json(&body.unwrap_or_else(|| json!({}))),
    };
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

/// The code of the last message to `username` in the seeded pool.
async fn last_code(app: &TestApp, username: &str) -> String {
    let (status, body) =
        tester(app, "GET", &format!("/_authport/messages?pool={POOL}&username={username}"), None).await;
    assert_eq!(status, 200, "{body}");
    let messages = body["Messages"].as_array().expect("messages");
    let last = messages.last().unwrap_or_else(|| panic!("no message to {username}: {body}"));
    let code = last["Code"].as_str().expect("code").to_owned();
    assert!(last["Message"].as_str().expect("text").contains(&code), "{last}");
    code
}

async fn password_log_in(cognito: &Client, username: &str, password: &str) -> InitiateAuthOutput {
    cognito
        .initiate_auth()
        .client_id(WEB)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .expect("logged in")
}

fn access_token(output: &InitiateAuthOutput) -> String {
    output.authentication_result().and_then(|r| r.access_token()).expect("access token").to_owned()
}

fn refresh_token(output: &InitiateAuthOutput) -> String {
    output.authentication_result().and_then(|r| r.refresh_token()).expect("refresh token").to_owned()
}

/// A user signed up through SignUp, confirmed with the code from the messages endpoint.
async fn signed_up_user(app: &TestApp, cognito: &Client, tag: &str) -> String {
    let username = format!("{tag}-{}", uuid::Uuid::new_v4().simple());
    let email = unique_email(tag);
    cognito
        .sign_up()
        .client_id(WEB)
        .username(&username)
        .password(PASSWORD)
        .user_attributes(attribute("email", &email))
        .send()
        .await
        .expect("signed up");
    let code = last_code(app, &username).await;
    cognito
        .confirm_sign_up()
        .client_id(WEB)
        .username(&username)
        .confirmation_code(code)
        .send()
        .await
        .expect("confirmed");
    username
}

/// SignUp → the code in the messages endpoint → ConfirmSignUp → log-in → GetUser, with each
/// refusal on the way as Cognito answers it.
async fn sign_up_is_confirmed_by_the_code_sent(app: &TestApp) {
    let cognito = sdk(app.cognito_api.expect("Cognito API"));
    let username = format!("cat-{}", uuid::Uuid::new_v4().simple());
    let email = unique_email("cat");
    let sign_up = || cognito.sign_up().client_id(WEB).username(&username).user_attributes(attribute("email", &email));
    assert_eq!(
        refusal(sign_up().password("short1").send().await.expect_err("weak")),
        pair("InvalidPasswordException", "Password did not conform with policy: Password not long enough")
    );
    let signed_up = sign_up().password(PASSWORD).send().await.expect("signed up");
    assert!(!signed_up.user_confirmed());
    assert!(uuid::Uuid::parse_str(signed_up.user_sub()).is_ok(), "{}", signed_up.user_sub());
    let delivery = signed_up.code_delivery_details().expect("a code was sent");
    assert_eq!(
        (delivery.destination(), delivery.delivery_medium().map(|m| m.as_str()), delivery.attribute_name()),
        (Some(format!("{}***@e***", &email[..1]).as_str()), Some("EMAIL"), Some("email"))
    );
    assert_eq!(
        refusal(sign_up().password(PASSWORD).send().await.expect_err("duplicate")),
        pair("UsernameExistsException", "User already exists")
    );
    let log_in = || {
        cognito
            .initiate_auth()
            .client_id(WEB)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", &username)
            .auth_parameters("PASSWORD", PASSWORD)
    };
    assert_eq!(
        refusal(log_in().send().await.expect_err("unconfirmed")),
        pair("UserNotConfirmedException", "User is not confirmed.")
    );
    let confirm = |code: &str| cognito.confirm_sign_up().client_id(WEB).username(&username).confirmation_code(code);
    assert_eq!(
        refusal(confirm("000000").send().await.expect_err("wrong code")),
        pair("CodeMismatchException", "Invalid verification code provided, please try again.")
    );
    let code = last_code(app, &username).await;
    assert_eq!(code.len(), 6, "{code}");
    cognito.resend_confirmation_code().client_id(WEB).username(&username).send().await.expect("resent");
    let resent = last_code(app, &username).await;
    confirm(&resent).send().await.expect("confirmed");
    assert_eq!(
        refusal(confirm(&resent).send().await.expect_err("confirmed already")),
        pair("NotAuthorizedException", "User cannot be confirm. Current status is CONFIRMED")
    );

    let logged_in = log_in().send().await.expect("logged in");
    let result = logged_in.authentication_result().expect("tokens");
    assert_eq!((result.token_type(), result.expires_in()), (Some("Bearer"), 3600));
    let user = cognito.get_user().access_token(access_token(&logged_in)).send().await.expect("GetUser");
    assert_eq!(user.username(), username);
    let attributes: Vec<(&str, &str)> =
        user.user_attributes().iter().map(|a| (a.name(), a.value().unwrap_or_default())).collect();
    assert!(attributes.contains(&("email", email.as_str())), "{attributes:?}");
    assert!(attributes.contains(&("email_verified", "true")), "the code verified the address: {attributes:?}");

    let admin_flow = cognito
        .initiate_auth()
        .client_id(WEB)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", &username)
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await;
    assert_eq!(
        refusal(admin_flow.expect_err("an admin flow")),
        pair("InvalidParameterException", "Initiate Auth method not supported.")
    );
    let unknown_client = cognito.sign_up().client_id("nosuchclient").username("x").password(PASSWORD).send().await;
    assert_eq!(
        refusal(unknown_client.expect_err("unknown client")),
        pair("ResourceNotFoundException", "User pool client nosuchclient does not exist.")
    );
}

/// A client with a secret: SignUp and InitiateAuth need the SECRET_HASH, and a wrong one is
/// refused.
async fn a_client_secret_is_asked_for(app: &TestApp) {
    let cognito = sdk(app.cognito_api.expect("Cognito API"));
    let username = format!("dog-{}", uuid::Uuid::new_v4().simple());
    let sign_up = || {
        cognito
            .sign_up()
            .client_id(BACKEND)
            .username(&username)
            .password(PASSWORD)
            .user_attributes(attribute("email", "dog@example.com"))
    };
    // The SecretHash member of SignUp and its kin is "unable to verify" when missing or wrong…
    let unable = pair("NotAuthorizedException", &format!("Unable to verify secret hash for client {BACKEND}"));
    assert_eq!(refusal(sign_up().send().await.expect_err("no hash")), unable);
    assert_eq!(refusal(sign_up().secret_hash("d3Jvbmc=").send().await.expect_err("wrong hash")), unable);
    let hash = secret_hash(&username, BACKEND, BACKEND_SECRET);
    sign_up().secret_hash(&hash).send().await.expect("signed up");
    let code = last_code(app, &username).await;
    cognito
        .confirm_sign_up()
        .client_id(BACKEND)
        .username(&username)
        .confirmation_code(code)
        .secret_hash(&hash)
        .send()
        .await
        .expect("confirmed");
    let log_in = |hash: Option<&str>| {
        let call = cognito
            .initiate_auth()
            .client_id(BACKEND)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", &username)
            .auth_parameters("PASSWORD", PASSWORD);
        match hash {
            Some(hash) => call.auth_parameters("SECRET_HASH", hash),
            None => call,
        }
    };
    // …while a missing SECRET_HASH of AuthParameters is named.
    let missing = format!("Client {BACKEND} is configured with secret but SECRET_HASH was not received");
    assert_eq!(refusal(log_in(None).send().await.expect_err("no hash")), pair("NotAuthorizedException", &missing));
    assert_eq!(refusal(log_in(Some("d3Jvbmc=")).send().await.expect_err("wrong hash")), unable);
    let tokens = log_in(Some(&hash)).send().await.expect("logged in");
    assert!(tokens.authentication_result().and_then(|r| r.access_token()).is_some());
}

/// GlobalSignOut and RevokeToken revoke the access tokens of the log-ins they end, and their
/// refresh tokens; a refresh before that answers new tokens.
async fn signing_out_revokes_access_and_refresh_tokens(app: &TestApp) {
    let cognito = sdk(app.cognito_api.expect("Cognito API"));
    let username = signed_up_user(app, &cognito, "eel").await;
    let first = password_log_in(&cognito, &username, PASSWORD).await;
    let refresh = |token: String| {
        cognito
            .initiate_auth()
            .client_id(WEB)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", token)
            .send()
    };
    let refreshed = refresh(refresh_token(&first)).await.expect("refreshed");
    let result = refreshed.authentication_result().expect("tokens");
    assert!(result.refresh_token().is_none(), "a refresh keeps its refresh token");
    let refreshed_access = result.access_token().expect("access token").to_owned();
    let second = password_log_in(&cognito, &username, PASSWORD).await;

    cognito.global_sign_out().access_token(access_token(&first)).send().await.expect("signed out");
    for access in [access_token(&first), refreshed_access, access_token(&second)] {
        assert_eq!(
            refusal(cognito.get_user().access_token(access).send().await.expect_err("revoked")),
            pair("NotAuthorizedException", "Access Token has been revoked")
        );
    }
    assert_eq!(
        refusal(refresh(refresh_token(&first)).await.expect_err("revoked")),
        pair("NotAuthorizedException", "Refresh Token has been revoked")
    );

    let third = password_log_in(&cognito, &username, PASSWORD).await;
    let fourth = password_log_in(&cognito, &username, PASSWORD).await;
    cognito.revoke_token().client_id(WEB).token(refresh_token(&third)).send().await.expect("revoked");
    assert_eq!(
        refusal(cognito.get_user().access_token(access_token(&third)).send().await.expect_err("revoked")),
        pair("NotAuthorizedException", "Access Token has been revoked")
    );
    assert_eq!(
        refusal(refresh(refresh_token(&third)).await.expect_err("revoked")),
        pair("NotAuthorizedException", "Refresh Token has been revoked")
    );
    cognito.get_user().access_token(access_token(&fourth)).send().await.expect("another log-in stays");
    let access_as_refresh = cognito.revoke_token().client_id(WEB).token(access_token(&fourth)).send().await;
    assert_eq!(refusal(access_as_refresh.expect_err("an access token")).0, "UnsupportedTokenTypeException");
    assert_eq!(
        refusal(cognito.get_user().access_token("not-a-token").send().await.expect_err("junk")),
        pair("NotAuthorizedException", "Invalid Access Token")
    );
}

/// ChangePassword (Cognito's: other sessions stay), UpdateUserAttributes and DeleteUser with the
/// user's own access token.
async fn the_user_changes_their_password_and_deletes_their_account(app: &TestApp) {
    let cognito = sdk(app.cognito_api.expect("Cognito API"));
    let username = signed_up_user(app, &cognito, "fox").await;
    let other_session = password_log_in(&cognito, &username, PASSWORD).await;
    let access = access_token(&password_log_in(&cognito, &username, PASSWORD).await);
    let change = |previous: &str, proposed: &str| {
        cognito.change_password().access_token(&access).previous_password(previous).proposed_password(proposed).send()
    };
    assert_eq!(
        refusal(change("Wr0ng-password", "N3w-password!").await.expect_err("wrong")),
        pair("NotAuthorizedException", "Incorrect username or password.")
    );
    assert_eq!(
        refusal(change(PASSWORD, "n3w").await.expect_err("weak")),
        pair("InvalidPasswordException", "Password did not conform with policy: Password not long enough")
    );
    change(PASSWORD, "N3w-password!").await.expect("changed");
    cognito.get_user().access_token(access_token(&other_session)).send().await.expect("other sessions stay");
    let old = cognito
        .initiate_auth()
        .client_id(WEB)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", &username)
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await;
    assert_eq!(
        refusal(old.expect_err("old password")),
        pair("NotAuthorizedException", "Incorrect username or password.")
    );
    password_log_in(&cognito, &username, "N3w-password!").await;

    cognito
        .update_user_attributes()
        .access_token(&access)
        .user_attributes(attribute("name", "Fox"))
        .send()
        .await
        .expect("updated");
    let user = cognito.get_user().access_token(&access).send().await.expect("GetUser");
    assert!(user.user_attributes().iter().any(|a| a.name() == "name" && a.value() == Some("Fox")));

    cognito.delete_user().access_token(&access).send().await.expect("deleted");
    assert_eq!(
        refusal(cognito.get_user().access_token(&access).send().await.expect_err("gone")),
        pair("UserNotFoundException", "User does not exist.")
    );
    let gone = cognito
        .initiate_auth()
        .client_id(WEB)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", &username)
        .auth_parameters("PASSWORD", "N3w-password!")
        .send()
        .await;
    assert_eq!(refusal(gone.expect_err("deleted")), pair("UserNotFoundException", "User does not exist."));
}

/// ForgotPassword → the code in the messages endpoint → ConfirmForgotPassword, with the policy
/// and the code checked.
async fn a_forgotten_password_is_reset_with_the_code_sent(app: &TestApp) {
    let cognito = sdk(app.cognito_api.expect("Cognito API"));
    let forgot = cognito.forgot_password().client_id(WEB).username("ann").send().await.expect("code sent");
    let delivery = forgot.code_delivery_details().expect("delivery");
    assert_eq!((delivery.destination(), delivery.attribute_name()), (Some("a***@e***"), Some("email")));
    let confirm = |code: &str, password: &str| {
        cognito
            .confirm_forgot_password()
            .client_id(WEB)
            .username("ann")
            .confirmation_code(code)
            .password(password)
            .send()
    };
    let code = last_code(app, "ann").await;
    assert_eq!(
        refusal(confirm(&code, "weak").await.expect_err("weak")),
        pair("InvalidPasswordException", "Password did not conform with policy: Password not long enough")
    );
    assert_eq!(
        refusal(confirm("123", PASSWORD).await.expect_err("wrong code")),
        pair("CodeMismatchException", "Invalid verification code provided, please try again.")
    );
    confirm(&code, PASSWORD).await.expect("reset");
    password_log_in(&cognito, "ann", PASSWORD).await;
    let unknown = cognito.forgot_password().client_id(WEB).username("nobody").send().await;
    assert_eq!(
        refusal(unknown.expect_err("unknown")),
        pair("UserNotFoundException", "Username/client id combination not found.")
    );
}

/// A seeded user with a temporary password answers NEW_PASSWORD_REQUIRED on InitiateAuth, and
/// RespondToAuthChallenge sets the new one.
async fn a_temporary_password_is_replaced_through_the_challenge(app: &TestApp) {
    let cognito = sdk(app.cognito_api.expect("Cognito API"));
    let challenged = cognito
        .initiate_auth()
        .client_id(WEB)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "bob")
        .auth_parameters("PASSWORD", "Temporary-pass-1")
        .send()
        .await
        .expect("challenged");
    assert_eq!(challenged.challenge_name(), Some(&ChallengeNameType::NewPasswordRequired));
    let answer = |password: &str| {
        cognito
            .respond_to_auth_challenge()
            .client_id(WEB)
            .challenge_name(ChallengeNameType::NewPasswordRequired)
            .session(challenged.session().expect("session"))
            .challenge_responses("USERNAME", "bob")
            .challenge_responses("NEW_PASSWORD", password)
            .send()
    };
    assert_eq!(refusal(answer("weak").await.expect_err("weak")).0, "InvalidPasswordException");
    let answered = answer(PASSWORD).await.expect("answered");
    assert!(answered.authentication_result().and_then(|r| r.access_token()).is_some());
    let bob = cognito.admin_get_user().user_pool_id(POOL).username("bob").send().await.expect("bob");
    assert_eq!(bob.user_status(), Some(&UserStatusType::Confirmed));
}

/// ListUsers: `=` and `^=` filters on searchable attributes, pages of `Limit`.
async fn users_are_listed_by_filter_and_page(app: &TestApp) {
    let cognito = sdk(app.cognito_api.expect("Cognito API"));
    for name in ["lynx-a", "lynx-b", "lynx-c"] {
        cognito
            .admin_create_user()
            .user_pool_id(POOL)
            .username(name)
            .user_attributes(attribute("email", &format!("{name}@zoo.example")))
            .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
            .send()
            .await
            .expect("created");
    }
    let list = |filter: &str| cognito.list_users().user_pool_id(POOL).filter(filter);
    let names = |users: &[aws_sdk_cognitoidentityprovider::types::UserType]| -> Vec<String> {
        users.iter().filter_map(|u| u.username().map(str::to_owned)).collect()
    };
    let exact = list("email = \"lynx-b@zoo.example\"").send().await.expect("listed");
    assert_eq!(names(exact.users()), ["lynx-b"]);
    let prefix = list("username ^= \"lynx-\"").send().await.expect("listed");
    assert_eq!(names(prefix.users()), ["lynx-a", "lynx-b", "lynx-c"]);
    let first = list("username ^= \"lynx-\"").limit(2).send().await.expect("page 1");
    assert_eq!(names(first.users()), ["lynx-a", "lynx-b"]);
    let token = first.pagination_token().expect("more");
    let second = list("username ^= \"lynx-\"").limit(2).pagination_token(token).send().await.expect("page 2");
    assert_eq!((names(second.users()), second.pagination_token()), (vec!["lynx-c".to_owned()], None));
    assert_eq!(
        refusal(list("nickname = \"x\"").send().await.expect_err("not searchable")),
        pair("InvalidParameterException", "Invalid search attribute: nickname")
    );
}

/// The test clock: access tokens and codes expire when it is moved past their lifetime.
async fn the_test_clock_expires_tokens_and_codes(app: &TestApp) {
    let cognito = sdk(app.cognito_api.expect("Cognito API"));
    let (status, before) = tester(app, "GET", "/_authport/clock", None).await;
    assert_eq!((status, before["AheadSeconds"].as_f64()), (200, Some(0.0)), "{before}");
    let access = access_token(&password_log_in(&cognito, "ann", ANN_PASSWORD).await);
    cognito.forgot_password().client_id(WEB).username("ann").send().await.expect("code sent");
    let code = last_code(app, "ann").await;
    let (status, moved) = tester(app, "POST", "/_authport/clock", Some(json!({ "AdvanceSeconds": 3601 }))).await;
    assert_eq!((status, moved["AheadSeconds"].as_f64()), (200, Some(3601.0)), "{moved}");
    assert_eq!(
        refusal(cognito.get_user().access_token(&access).send().await.expect_err("expired")),
        pair("NotAuthorizedException", "Access Token has expired")
    );
    let late = cognito
        .confirm_forgot_password()
        .client_id(WEB)
        .username("ann")
        .confirmation_code(code)
        .password(PASSWORD)
        .send()
        .await;
    assert_eq!(
        refusal(late.expect_err("expired")),
        pair("ExpiredCodeException", "Invalid code provided, please request a code again.")
    );
    let (status, refused) = tester(app, "POST", "/_authport/clock", Some(json!({ "AdvanceSeconds": -5 }))).await;
    assert_eq!((status, refused["__type"].as_str()), (400, Some("InvalidParameterException")), "{refused}");
}

/// A reset empties one pool or everything and applies the seed again; the `/v1` default pool
/// stays, empty of users.
async fn a_reset_restores_the_seed(app: &TestApp) {
    let cognito = sdk(app.cognito_api.expect("Cognito API"));
    let username = signed_up_user(app, &cognito, "gnu").await;
    cognito.admin_delete_user().user_pool_id(POOL).username("ann").send().await.expect("ann deleted");
    let (status, reset) = tester(app, "POST", &format!("/_authport/reset?pool={POOL}"), None).await;
    assert_eq!(status, 200, "{reset}");
    assert_eq!(reset["Reset"], POOL);
    assert!(
        reset["Seed"]["Created"]
            .as_array()
            .expect("created")
            .iter()
            .any(|c| c.as_str() == Some(&format!("user ann of pool {POOL}"))),
        "{reset}"
    );
    let gone = cognito.admin_get_user().user_pool_id(POOL).username(&username).send().await;
    assert_eq!(refusal(gone.expect_err("reset")).0, "UserNotFoundException");
    password_log_in(&cognito, "ann", ANN_PASSWORD).await;
    let (_, messages) = tester(app, "GET", &format!("/_authport/messages?pool={POOL}"), None).await;
    assert_eq!(messages["Messages"], json!([]), "the pool's messages went too");

    let created = cognito.create_user_pool().pool_name("made in a test").send().await.expect("pool");
    let created = created.user_pool().and_then(|p| p.id()).expect("id").to_owned();
    assert_eq!(app.log_in("seeded@example.com", ANN_PASSWORD).await.status(), 200, "the seed names /v1 users too");
    let v1_user = unique_email("v1");
    assert_eq!(app.sign_up(&v1_user, authport_testkit::STRONG_PASSWORD).await.status(), 201);
    let (status, reset) = tester(app, "POST", "/_authport/reset", None).await;
    assert_eq!((status, reset["Reset"].as_str()), (200, Some("everything")), "{reset}");
    let gone = cognito.describe_user_pool().user_pool_id(&created).send().await;
    assert_eq!(refusal(gone.expect_err("deleted")).0, "ResourceNotFoundException");
    cognito.describe_user_pool_client().user_pool_id(POOL).client_id(WEB).send().await.expect("seeded again");
    assert_eq!(app.log_in(&v1_user, authport_testkit::STRONG_PASSWORD).await.status(), 401, "the /v1 pool is empty");
    assert_eq!(app.log_in("seeded@example.com", ANN_PASSWORD).await.status(), 200, "but for the seed's /v1 user");
    assert_eq!(app.sign_up(&v1_user, authport_testkit::STRONG_PASSWORD).await.status(), 201, "and works");

    let (status, unknown) = tester(app, "POST", "/_authport/reset?pool=eu-west-1_Nothing", None).await;
    assert_eq!((status, unknown["__type"].as_str()), (400, Some("ResourceNotFoundException")), "{unknown}");
}

/// The self-service calls' refusals that depend on the pool's or the client's settings.
async fn the_pools_and_clients_settings_are_honoured(app: &TestApp) {
    let cognito = sdk(app.cognito_api.expect("Cognito API"));
    let admin_only = cognito
        .create_user_pool()
        .pool_name("admins only")
        .admin_create_user_config(
            aws_sdk_cognitoidentityprovider::types::AdminCreateUserConfigType::builder()
                .allow_admin_create_user_only(true)
                .build(),
        )
        .send()
        .await
        .expect("pool");
    let admin_only = admin_only.user_pool().and_then(|p| p.id()).expect("id").to_owned();
    let client = cognito.create_user_pool_client().user_pool_id(&admin_only).client_name("c").send().await;
    let client = client.expect("client").user_pool_client().and_then(|c| c.client_id()).expect("id").to_owned();
    let sign_up = cognito.sign_up().client_id(&client).username("eve").password(PASSWORD).send().await;
    assert_eq!(
        refusal(sign_up.expect_err("admins only")),
        pair("NotAuthorizedException", "SignUp is not permitted for this user pool")
    );
    // The client allows SRP and refresh only (the API's defaults).
    let password_flow = cognito
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "eve")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await;
    assert_eq!(
        refusal(password_flow.expect_err("not enabled")),
        pair("InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client")
    );

    let plain = cognito.create_user_pool().pool_name("no auto-verification").send().await.expect("pool");
    let plain = plain.user_pool().and_then(|p| p.id()).expect("id").to_owned();
    let client = cognito.create_user_pool_client().user_pool_id(&plain).client_name("c").send().await;
    let client = client.expect("client").user_pool_client().and_then(|c| c.client_id()).expect("id").to_owned();
    let signed_up = cognito.sign_up().client_id(&client).username("fay").password(PASSWORD).send().await;
    assert!(signed_up.expect("signed up").code_delivery_details().is_none(), "no code without auto-verification");
    let resend = cognito.resend_confirmation_code().client_id(&client).username("fay").send().await;
    assert_eq!(
        refusal(resend.expect_err("no auto-verification")),
        pair("NotAuthorizedException", "Cannot resend codes. Auto verification not turned on.")
    );
    cognito.revoke_token().client_id(WEB).token("not-a-refresh-token").send().await.expect("an unknown token: 200");
    let confirmed = cognito.resend_confirmation_code().client_id(WEB).username("ann").send().await;
    assert_eq!(
        refusal(confirmed.expect_err("confirmed")),
        pair("InvalidParameterException", "User is already confirmed.")
    );
}

/// UpdateUserAttributes: a changed e-mail address is unverified and, the pool verifying e-mail
/// addresses, gets a code that VerifyUserAttribute takes; other attributes need none.
async fn a_changed_address_is_verified_by_the_code_sent(app: &TestApp) {
    let cognito = sdk(app.cognito_api.expect("Cognito API"));
    let access = access_token(&password_log_in(&cognito, "ann", ANN_PASSWORD).await);
    let updated = cognito
        .update_user_attributes()
        .access_token(&access)
        .user_attributes(attribute("email", "nan@example.org"))
        .send()
        .await
        .expect("updated");
    let sent: Vec<_> = updated
        .code_delivery_details_list()
        .iter()
        .map(|d| (d.destination().unwrap_or_default(), d.attribute_name().unwrap_or_default()))
        .collect();
    assert_eq!(sent, [("n***@e***", "email")]);
    let verified = || async {
        let user = cognito.get_user().access_token(&access).send().await.expect("GetUser");
        user.user_attributes().iter().find(|a| a.name() == "email_verified").and_then(|a| a.value()).map(str::to_owned)
    };
    assert_eq!(verified().await.as_deref(), Some("false"));
    let verify =
        |code: &str| cognito.verify_user_attribute().access_token(&access).attribute_name("email").code(code).send();
    assert_eq!(
        refusal(verify("000000").await.expect_err("wrong code")),
        pair("CodeMismatchException", "Invalid verification code provided, please try again.")
    );
    let (_, messages) = tester(app, "GET", &format!("/_authport/messages?pool={POOL}&username=ann"), None).await;
    assert_eq!(
        messages["Messages"].as_array().and_then(|m| m.last()).map(|m| m["Kind"].clone()),
        Some(json!("ATTRIBUTE_VERIFICATION_CODE"))
    );
    verify(&last_code(app, "ann").await).await.expect("verified");
    assert_eq!(verified().await.as_deref(), Some("true"));

    let named =
        cognito.update_user_attributes().access_token(&access).user_attributes(attribute("name", "Nan")).send().await;
    assert!(named.expect("updated").code_delivery_details_list().is_empty(), "no code for a name");
    let resent = cognito
        .get_user_attribute_verification_code()
        .access_token(&access)
        .attribute_name("email")
        .send()
        .await
        .expect("a new code");
    assert_eq!(resent.code_delivery_details().and_then(|d| d.destination()), Some("n***@e***"));
}

on_both_engines!(
    sign_up_is_confirmed_by_the_code_sent,
    a_client_secret_is_asked_for,
    signing_out_revokes_access_and_refresh_tokens,
    the_user_changes_their_password_and_deletes_their_account,
    a_forgotten_password_is_reset_with_the_code_sent,
    a_temporary_password_is_replaced_through_the_challenge,
    users_are_listed_by_filter_and_page,
    the_test_clock_expires_tokens_and_codes,
    a_reset_restores_the_seed,
    the_pools_and_clients_settings_are_honoured,
    a_changed_address_is_verified_by_the_code_sent,
);

/// Every process of a shared store applies the seed: what is stored wins, and a process whose
/// seed differs starts anyway, logging the conflict.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_sharing_a_database_apply_the_seed_once() {
    let Some(db) = TestDatabase::create().await else { return };
    let seed = seed_file();
    let args = ["--cognito-api-listen", "127.0.0.1:0", "--cognito-seed", &seed];
    let (first, second) =
        tokio::join!(TestApp::on_database(&db).args(&args).spawn(), TestApp::on_database(&db).args(&args).spawn());
    let cognito = sdk(second.cognito_api.expect("Cognito API"));
    password_log_in(&cognito, "ann", ANN_PASSWORD).await;
    let clients = cognito.list_user_pool_clients().user_pool_id(POOL).send().await.expect("clients");
    assert_eq!(clients.user_pool_clients().len(), 2);

    let changed = tempfile::NamedTempFile::new().expect("temp file");
    let text =
        std::fs::read_to_string(&seed).expect("seed").replace("\"PoolName\": \"shop\"", "\"PoolName\": \"other\"");
    std::fs::write(changed.path(), text).expect("written");
    let changed_path = changed.path().display().to_string();
    let third = TestApp::on_database(&db)
        .args(&["--cognito-api-listen", "127.0.0.1:0", "--cognito-seed", &changed_path])
        .process()
        .spawn()
        .await;
    let pool = sdk(third.cognito_api.expect("Cognito API")).describe_user_pool().user_pool_id(POOL).send().await;
    assert_eq!(pool.expect("pool").user_pool().and_then(|p| p.name()), Some("shop"), "what is stored wins");
    assert!(
        third.process_logs().iter().any(|line| line.contains("the seed file and the store disagree")),
        "the conflict is logged"
    );
    for app in [first, second, third] {
        app.stop().await;
    }
}

/// Without `--cognito-api-test-clock` the clock cannot be moved; a bad seed file stops the start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clock_needs_its_flag_and_a_bad_seed_stops_the_start() {
    let app = TestApp::on_memory().args(&["--cognito-api-listen", "127.0.0.1:0"]).spawn().await;
    let (status, body) = tester(&app, "POST", "/_authport/clock", Some(json!({ "AdvanceSeconds": 60 }))).await;
    assert_eq!(status, 404, "{body}");
    assert!(body["message"].as_str().expect("message").contains("--cognito-api-test-clock"), "{body}");
    let (status, messages) = tester(&app, "GET", "/_authport/messages", None).await;
    assert_eq!((status, messages), (200, json!({ "Messages": [] })));
    app.stop().await;

    let bad = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(bad.path(), r#"{ "UserPools": [ { "Id": "eu-west-1_Bad", "PoolNmae": "typo" } ] }"#)
        .expect("written");
    let (status, log) = authport_testkit::process::run_to_completion(vec![
        "--cognito-api-listen".into(),
        "127.0.0.1:0".into(),
        "--cognito-seed".into(),
        bad.path().display().to_string(),
    ])
    .await;
    assert!(!status.success());
    assert!(log.contains("unknown member \"PoolNmae\""), "{log}");
}

/// CORS as Cognito answers browsers: a preflight allows the headers and method asked for, and
/// every answer (errors too) lets any origin read it with the request id and error headers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browsers_may_call_the_api_from_any_origin() {
    let app = TestApp::on_memory().args(&["--cognito-api-listen", "127.0.0.1:0"]).spawn().await;
    let url = format!("http://{}/", app.cognito_api.expect("Cognito API"));
    let asked = "content-type,x-amz-target,x-amz-user-agent";
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "http://app.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", asked)
        .send()
        .await
        .expect("preflight");
    assert_eq!(preflight.status(), 200);
    let header = |response: &reqwest::Response, name: &str| {
        response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
    };
    assert_eq!(header(&preflight, "access-control-allow-origin"), "*");
    assert_eq!(header(&preflight, "access-control-allow-headers"), asked, "echoed as asked");
    assert_eq!(header(&preflight, "access-control-allow-methods"), "POST");
    assert_eq!(header(&preflight, "access-control-max-age"), "172800");
    assert!(preflight.headers().get("access-control-allow-credentials").is_none());
    assert_eq!(preflight.text().await.expect("body"), "");

    let exposed = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date";
    let call = |target: &str, body: &'static str| {
        app.client
            .post(&url)
            .header("origin", "http://app.example")
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", format!("AWSCognitoIdentityProviderService.{target}"))
            .body(body)
            .send()
    };
    let refused = call("GetUser", "{}").await.expect("sent");
    assert_eq!(refused.status(), 400);
    let listed = call("ListUserPools", r#"{"MaxResults": 1}"#).await.expect("sent");
    assert_eq!(listed.status(), 200);
    for response in [&refused, &listed] {
        assert_eq!(header(response, "access-control-allow-origin"), "*");
        assert_eq!(header(response, "access-control-expose-headers"), exposed);
    }
    app.stop().await;
}
