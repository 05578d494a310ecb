//! authport's Cognito API (`--cognito-api-listen`) through the unmodified Rust AWS SDK, on the
//! memory and the PostgreSQL engine: pools and clients, users, the tutorial's flow, the default
//! pool shared with `/v1`, the 64-way race; and bad input answered in Cognito's error shape.

use std::net::SocketAddr;

use authport_testkit::postgres::TestDatabase;
use authport_testkit::{STRONG_PASSWORD, TestApp, unique_email};
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata as _;
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType, MessageActionType, PasswordPolicyType, UserPoolPolicyType,
    UserStatusType, UsernameConfigurationType,
};
use serde_json::Value;

use crate::cognito_sdk::{REGION, attribute, pair, refusal, sdk};

/// An app serving the Cognito API on `store` (`memory`, or a fresh PostgreSQL database).
async fn app(store: &str) -> Option<TestApp> {
    let args = ["--cognito-api-listen", "127.0.0.1:0", "--issuer", "http://authport.test"];
    Some(match store {
        "memory" => TestApp::on_memory().args(&args).spawn().await,
        _ => TestApp::on_database(&TestDatabase::create().await?).args(&args).spawn().await,
    })
}

/// A pool (case-insensitive user names) and a client allowing the admin flows.
async fn pool_and_client(cognito: &Client) -> (String, String) {
    let pool = cognito
        .create_user_pool()
        .pool_name("tests")
        .username_configuration(UsernameConfigurationType::builder().case_sensitive(false).build().expect("config"))
        .send()
        .await
        .expect("pool");
    let pool_id = pool.user_pool().and_then(|p| p.id()).expect("pool id").to_owned();
    let client = cognito
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .expect("client");
    (pool_id, client.user_pool_client().and_then(|c| c.client_id()).expect("client id").to_owned())
}

async fn jwks(app: &TestApp, pool_id: &str) -> Value {
    let url = format!("http://{}/{pool_id}/.well-known/jwks.json", app.cognito_api.expect("Cognito API"));
    app.client.get(url).send().await.expect("sent").json().await.expect("JWKS")
}

/// Pools and clients: Cognito's id formats, what was set read back, updates resetting what they
/// omit, deletes, lists, and the answers for what is gone.
async fn pools_and_clients_round_trip(app: &TestApp) {
    let cognito = sdk(app.cognito_api.expect("Cognito API"));
    let policy = PasswordPolicyType::builder()
        .minimum_length(12)
        .require_numbers(true)
        .temporary_password_validity_days(3)
        .build();
    let created = cognito
        .create_user_pool()
        .pool_name("round trip")
        .policies(UserPoolPolicyType::builder().password_policy(policy).build())
        .send()
        .await
        .expect("created");
    let pool = created.user_pool().expect("pool");
    let pool_id = pool.id().expect("id").to_owned();
    let (region, suffix) = pool_id.split_once('_').expect("<region>_<suffix>");
    assert_eq!(region, REGION, "the region of the request's credential scope");
    assert!(suffix.len() == 9 && suffix.chars().all(|c| c.is_ascii_alphanumeric()), "{pool_id}");
    assert_eq!(pool.arn(), Some(format!("arn:aws:cognito-idp:{REGION}:000000000000:userpool/{pool_id}").as_str()));
    let described = cognito.describe_user_pool().user_pool_id(&pool_id).send().await.expect("described");
    let password_policy =
        described.user_pool().and_then(|p| p.policies()).and_then(|p| p.password_policy()).expect("policy");
    assert_eq!(
        (password_policy.minimum_length(), password_policy.require_numbers(), password_policy.require_symbols()),
        (Some(12), true, false)
    );
    assert_eq!(password_policy.temporary_password_validity_days(), 3);
    let case_sensitive = described.user_pool().and_then(|p| p.username_configuration()).map(|c| c.case_sensitive());
    assert_eq!(case_sensitive, Some(true), "through the API, case-sensitive unless asked otherwise");

    cognito.update_user_pool().user_pool_id(&pool_id).send().await.expect("updated");
    let described = cognito.describe_user_pool().user_pool_id(&pool_id).send().await.expect("described");
    let password_policy =
        described.user_pool().and_then(|p| p.policies()).and_then(|p| p.password_policy()).expect("policy");
    assert_eq!(password_policy.minimum_length(), Some(8), "an update resets what it omits");

    let listed = cognito.list_user_pools().max_results(60).send().await.expect("listed");
    assert!(listed.user_pools().iter().any(|p| p.id() == Some(pool_id.as_str())));

    let client = cognito
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("web")
        .generate_secret(true)
        .send()
        .await
        .expect("client");
    let client = client.user_pool_client().expect("client");
    let client_id = client.client_id().expect("id").to_owned();
    assert!(
        client_id.len() == 26 && client_id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
        "{client_id}"
    );
    assert_eq!(client.client_secret().map(str::len), Some(51));
    let flows: Vec<&str> = client.explicit_auth_flows().iter().map(|f| f.as_str()).collect();
    assert_eq!(flows, ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"], "Cognito's defaults");
    assert_eq!(client.prevent_user_existence_errors().map(|p| p.as_str()), Some("LEGACY"));
    assert_eq!((client.access_token_validity(), client.refresh_token_validity()), (Some(60), 30));
    let updated = cognito
        .update_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .access_token_validity(2)
        .send()
        .await
        .expect("updated");
    let updated = updated.user_pool_client().expect("client");
    assert_eq!(
        (
            updated.client_name(),
            updated.access_token_validity(),
            updated.token_validity_units().and_then(|u| u.access_token()).map(|u| u.as_str())
        ),
        (Some("web"), Some(2), Some("hours"))
    );
    let clients = cognito.list_user_pool_clients().user_pool_id(&pool_id).send().await.expect("listed");
    assert_eq!(clients.user_pool_clients().len(), 1);

    cognito.delete_user_pool_client().user_pool_id(&pool_id).client_id(&client_id).send().await.expect("deleted");
    let err = cognito
        .describe_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .send()
        .await
        .expect_err("gone");
    assert_eq!(
        refusal(err),
        pair("ResourceNotFoundException", &format!("User pool client {client_id} does not exist."))
    );
    cognito.delete_user_pool().user_pool_id(&pool_id).send().await.expect("deleted");
    let err = cognito.describe_user_pool().user_pool_id(&pool_id).send().await.expect_err("gone");
    assert_eq!(refusal(err), pair("ResourceNotFoundException", &format!("User pool {pool_id} does not exist.")));
}

/// The tutorial's flow: AdminCreateUser (SUPPRESS, the user's password as the temporary one),
/// AdminInitiateAuth with ADMIN_NO_SRP_AUTH answered by NEW_PASSWORD_REQUIRED, answered by
/// AdminRespondToAuthChallenge; the tokens verify against the pool's JWKS (two keys: one for
/// access tokens, one for id tokens) with Cognito's issuer; a refresh keeps the refresh token;
/// a global sign-out revokes it.
async fn the_tutorials_flow(app: &TestApp) {
    let cognito = sdk(app.cognito_api.expect("Cognito API"));
    let pool = cognito.create_user_pool().pool_name("tutorial").send().await.expect("pool");
    let pool_id = pool.user_pool().and_then(|p| p.id()).expect("id").to_owned();
    let client = cognito
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("tutorial")
        .explicit_auth_flows(ExplicitAuthFlowsType::AdminNoSrpAuth)
        .send()
        .await
        .expect("client");
    let client_id = client.user_pool_client().and_then(|c| c.client_id()).expect("id").to_owned();
    let email = unique_email("tutorial");
    let created = cognito
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username(&email)
        .temporary_password(STRONG_PASSWORD)
        .message_action(MessageActionType::Suppress)
        .user_attributes(attribute("email", &email))
        .send()
        .await
        .expect("created");
    assert_eq!(created.user().and_then(|u| u.user_status()), Some(&UserStatusType::ForceChangePassword));

    let challenged = cognito
        .admin_initiate_auth()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .auth_flow(AuthFlowType::AdminNoSrpAuth)
        .auth_parameters("USERNAME", &email)
        .auth_parameters("PASSWORD", STRONG_PASSWORD)
        .send()
        .await
        .expect("challenged");
    assert_eq!(challenged.challenge_name(), Some(&ChallengeNameType::NewPasswordRequired));
    let parameters = challenged.challenge_parameters().expect("parameters");
    assert_eq!(parameters.get("USER_ID_FOR_SRP"), Some(&email));
    assert_eq!(parameters.get("requiredAttributes").map(String::as_str), Some("[]"));
    let answered = cognito
        .admin_respond_to_auth_challenge()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(challenged.session().expect("session"))
        .challenge_responses("USERNAME", &email)
        .challenge_responses("NEW_PASSWORD", "N3w-Passw0rd!")
        .send()
        .await
        .expect("answered");
    let result = answered.authentication_result().expect("tokens");
    assert_eq!((result.token_type(), result.expires_in()), (Some("Bearer"), 3600));

    let keys = jwks(app, &pool_id).await;
    assert_eq!(keys["keys"].as_array().map(Vec::len), Some(2), "{keys}");
    let issuer = format!("https://cognito-idp.{REGION}.amazonaws.com/{pool_id}");
    let access: Value = authport_testkit::tokens::verify(result.access_token().expect("access"), &keys, Some(&issuer));
    let id: Value = authport_testkit::tokens::verify(result.id_token().expect("id"), &keys, Some(&issuer));
    assert_eq!(
        (access["client_id"].as_str(), id["aud"].as_str()),
        (Some(client_id.as_str()), Some(client_id.as_str()))
    );
    let kid = |token: &str| jsonwebtoken::decode_header(token).expect("header").kid;
    assert_ne!(kid(result.access_token().expect("access")), kid(result.id_token().expect("id")), "two keys");

    let refresh_token = result.refresh_token().expect("refresh token").to_owned();
    let refresh = || {
        cognito
            .admin_initiate_auth()
            .user_pool_id(&pool_id)
            .client_id(&client_id)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", &refresh_token)
            .send()
    };
    let err = refresh().await.expect_err("the client does not allow refreshes");
    assert_eq!(refusal(err), pair("InvalidParameterException", "Auth flow not enabled for this client"));
    let (pool_id, client_id) = pool_and_client(&cognito).await;
    cognito
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username(&email)
        .temporary_password(STRONG_PASSWORD)
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .expect("created");
    cognito
        .admin_set_user_password()
        .user_pool_id(&pool_id)
        .username(&email)
        .password(STRONG_PASSWORD)
        .permanent(true)
        .send()
        .await
        .expect("set");
    let signed_in = cognito
        .admin_initiate_auth()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", email.to_uppercase())
        .auth_parameters("PASSWORD", STRONG_PASSWORD)
        .send()
        .await
        .expect("signed in, the user name in another case");
    let refresh_token = signed_in.authentication_result().and_then(|r| r.refresh_token()).expect("refresh").to_owned();
    let refresh = || {
        cognito
            .admin_initiate_auth()
            .user_pool_id(&pool_id)
            .client_id(&client_id)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", &refresh_token)
            .send()
    };
    let refreshed = refresh().await.expect("refreshed");
    let result = refreshed.authentication_result().expect("tokens");
    assert!(result.access_token().is_some() && result.refresh_token().is_none(), "no new refresh token");
    cognito.admin_user_global_sign_out().user_pool_id(&pool_id).username(&email).send().await.expect("signed out");
    assert_eq!(
        refusal(refresh().await.expect_err("revoked")),
        pair("NotAuthorizedException", "Refresh Token has been revoked")
    );
}

/// Users as an administrator manages them, with Cognito's answers for what cannot be done.
async fn users_are_managed(app: &TestApp) {
    let cognito = sdk(app.cognito_api.expect("Cognito API"));
    let (pool_id, client_id) = pool_and_client(&cognito).await;
    let create = |name: &str| {
        cognito
            .admin_create_user()
            .user_pool_id(&pool_id)
            .username(name)
            .temporary_password(STRONG_PASSWORD)
            .message_action(MessageActionType::Suppress)
            .user_attributes(attribute("email", "ann@example.com"))
            .send()
    };
    create("Ann").await.expect("created");
    assert_eq!(
        refusal(create("ANN").await.expect_err("duplicate")),
        pair("UsernameExistsException", "User account already exists")
    );
    let user = cognito.admin_get_user().user_pool_id(&pool_id).username("ann").send().await.expect("user");
    assert_eq!((user.username(), user.enabled()), ("Ann", true));
    let names: Vec<&str> = user.user_attributes().iter().map(|a| a.name()).collect();
    assert_eq!(names, ["sub", "email"]);

    cognito
        .admin_update_user_attributes()
        .user_pool_id(&pool_id)
        .username("Ann")
        .user_attributes(attribute("name", "Ann A."))
        .send()
        .await
        .expect("updated");
    let err = cognito
        .admin_update_user_attributes()
        .user_pool_id(&pool_id)
        .username("Ann")
        .user_attributes(attribute("custom:tier", "gold"))
        .send()
        .await
        .expect_err("not in the schema");
    assert_eq!(refusal(err).0, "InvalidParameterException");
    let err = cognito
        .admin_set_user_password()
        .user_pool_id(&pool_id)
        .username("Ann")
        .password("weak")
        .permanent(true)
        .send()
        .await
        .expect_err("weak");
    assert_eq!(
        refusal(err),
        pair("InvalidPasswordException", "Password did not conform with policy: Password not long enough")
    );
    cognito
        .admin_set_user_password()
        .user_pool_id(&pool_id)
        .username("Ann")
        .password(STRONG_PASSWORD)
        .permanent(true)
        .send()
        .await
        .expect("set");
    let user = cognito.admin_get_user().user_pool_id(&pool_id).username("Ann").send().await.expect("user");
    assert_eq!(user.user_status(), Some(&UserStatusType::Confirmed));
    let err =
        cognito.admin_confirm_sign_up().user_pool_id(&pool_id).username("Ann").send().await.expect_err("confirmed");
    assert_eq!(refusal(err), pair("NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED"));

    let sign_in = |password: &str| {
        cognito
            .admin_initiate_auth()
            .user_pool_id(&pool_id)
            .client_id(&client_id)
            .auth_flow(AuthFlowType::AdminUserPasswordAuth)
            .auth_parameters("USERNAME", "Ann")
            .auth_parameters("PASSWORD", password)
            .send()
    };
    cognito.admin_disable_user().user_pool_id(&pool_id).username("Ann").send().await.expect("disabled");
    assert_eq!(
        refusal(sign_in(STRONG_PASSWORD).await.expect_err("disabled")),
        pair("NotAuthorizedException", "User is disabled.")
    );
    cognito.admin_enable_user().user_pool_id(&pool_id).username("Ann").send().await.expect("enabled");
    sign_in(STRONG_PASSWORD).await.expect("signed in");
    assert_eq!(
        refusal(sign_in("Wr0ng-password").await.expect_err("wrong")),
        pair("NotAuthorizedException", "Incorrect username or password.")
    );

    cognito.admin_delete_user().user_pool_id(&pool_id).username("Ann").send().await.expect("deleted");
    let err = cognito.admin_get_user().user_pool_id(&pool_id).username("Ann").send().await.expect_err("gone");
    assert_eq!(refusal(err), pair("UserNotFoundException", "User does not exist."));
    assert_eq!(
        refusal(sign_in(STRONG_PASSWORD).await.expect_err("gone")),
        pair("UserNotFoundException", "User does not exist.")
    );
}

/// The `/v1` API's users are the default pool's: each face sees the other's, and the default
/// pool's settings are the flags' (the Cognito API refuses to change or delete it).
async fn the_default_pool_is_the_v1_apis(app: &TestApp) {
    let cognito = sdk(app.cognito_api.expect("Cognito API"));
    let pool_id = authport_userpool::LocalConfig::DEFAULT_POOL_ID;
    let client_id = authport_userpool::LocalConfig::DEFAULT_CLIENT_ID;
    let signed_up = unique_email("v1");
    assert_eq!(app.sign_up(&signed_up, STRONG_PASSWORD).await.status(), 201);
    let user = cognito
        .admin_get_user()
        .user_pool_id(pool_id)
        .username(signed_up.to_uppercase())
        .send()
        .await
        .expect("the /v1 user");
    assert_eq!((user.username(), user.user_status()), (signed_up.as_str(), Some(&UserStatusType::Confirmed)));

    let created = unique_email("admin");
    cognito
        .admin_create_user()
        .user_pool_id(pool_id)
        .username(&created)
        .temporary_password("Temp0rary-pass")
        .message_action(MessageActionType::Suppress)
        .user_attributes(attribute("email", &created))
        .send()
        .await
        .expect("created");
    let response = app.log_in(&created, "Temp0rary-pass").await;
    assert_eq!(response.status(), 403, "a temporary password through /v1");
    assert_eq!(authport_testkit::problem(response).await.1["code"], "password_change_required");
    cognito
        .admin_set_user_password()
        .user_pool_id(pool_id)
        .username(&created)
        .password(STRONG_PASSWORD)
        .permanent(true)
        .send()
        .await
        .expect("set");
    assert_eq!(app.log_in(&created, STRONG_PASSWORD).await.status(), 200);

    let refused = refusal(cognito.delete_user_pool().user_pool_id(pool_id).send().await.expect_err("the default pool"));
    assert_eq!(refused.0, "InvalidParameterException");
    assert!(refused.1.contains("default pool"), "{}", refused.1);
    let refused = refusal(cognito.update_user_pool().user_pool_id(pool_id).send().await.expect_err("the default pool"));
    assert_eq!(refused.0, "InvalidParameterException");
    // (The default client id, `authport-local`, is not even a valid Cognito client id.)
    let refused = refusal(
        cognito
            .delete_user_pool_client()
            .user_pool_id(pool_id)
            .client_id(client_id)
            .send()
            .await
            .expect_err("the default client"),
    );
    assert_eq!(refused.0, "InvalidParameterException");
    let described = cognito.describe_user_pool().user_pool_id(pool_id).send().await.expect("described");
    assert_eq!(described.user_pool().and_then(|p| p.username_configuration()).map(|c| c.case_sensitive()), Some(false));
}

/// 64 concurrent AdminCreateUser of one user name: exactly one is created.
async fn of_64_concurrent_creations_one_wins(app: &TestApp) {
    let cognito = sdk(app.cognito_api.expect("Cognito API"));
    let (pool_id, _) = pool_and_client(&cognito).await;
    let attempts = (0..64).map(|i| {
        let name = if i % 2 == 0 { "racer".to_owned() } else { "RACER".to_owned() };
        cognito
            .admin_create_user()
            .user_pool_id(&pool_id)
            .username(name)
            .temporary_password(STRONG_PASSWORD)
            .message_action(MessageActionType::Suppress)
            .send()
    });
    let outcomes = futures::future::join_all(attempts).await;
    let created = outcomes.iter().filter(|o| o.is_ok()).count();
    let exists =
        outcomes.into_iter().filter_map(Result::err).filter(|e| e.code() == Some("UsernameExistsException")).count();
    assert_eq!((created, exists), (1, 63));
}

on_both_engines!(
    pools_and_clients_round_trip,
    the_tutorials_flow,
    users_are_managed,
    the_default_pool_is_the_v1_apis,
    of_64_concurrent_creations_one_wins,
);

/// Sends the head of a `length`-byte request and reads the answer: status, head, JSON body.
async fn oversized(addr: SocketAddr, length: usize) -> (u16, String, Value) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: AWSCognitoIdentityProviderService.DescribeUserPool\r\nContent-Length: {length}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("head sent");
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let read = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut buf)).await;
        let n = read.expect("an answer within 10 s").expect("read");
        received.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&received).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n")
            && let Ok(json) = serde_json::from_str::<Value>(body)
        {
            let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status line");
            return (status, head.to_owned(), json);
        }
        assert!(n > 0, "the connection closed before a whole answer: {text}");
    }
}

/// Raw requests the SDKs never send: each a clear 4xx in Cognito's error shape, and the server
/// serves on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_answered_in_cognitos_error_shape() {
    let Some(app) = app("memory").await else { return };
    let url = format!("http://{}/", app.cognito_api.expect("Cognito API"));
    let call = |target: &str, body: Vec<u8>| {
        app.client
            .post(&url)
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", format!("AWSCognitoIdentityProviderService.{target}"))
            .body(body)
            .send()
    };
    let answer = |response: reqwest::Response| async move {
        let status = response.status().as_u16();
        let error_type = response.headers().get("x-amzn-errortype").and_then(|v| v.to_str().ok()).map(str::to_owned);
        assert!(response.headers().contains_key("x-amzn-requestid"));
        (status, error_type, response.json::<Value>().await.expect("a JSON error"))
    };
    let (status, error_type, body) = answer(call("DescribeUserPool", b"{not json".to_vec()).await.expect("sent")).await;
    assert_eq!(
        (status, error_type.as_deref(), body["__type"].as_str()),
        (400, Some("SerializationException:"), Some("SerializationException"))
    );
    assert!(body["Message"].is_string(), "{body}");
    let (status, _, body) =
        answer(call("DescribeUserPool", br#"{"UserPoolId": 7}"#.to_vec()).await.expect("sent")).await;
    assert_eq!(
        (status, body["__type"].as_str(), body["Message"].as_str()),
        (400, Some("SerializationException"), Some("Unexpected field type"))
    );
    let (status, _, body) = answer(call("DescribeUserPool", b"{}".to_vec()).await.expect("sent")).await;
    assert_eq!((status, body["__type"].as_str()), (400, Some("InvalidParameterException")));
    assert_eq!(
        body["message"],
        "1 validation error detected: Value null at 'userPoolId' failed to satisfy constraint: Member must not be null"
    );
    let (status, _, body) = answer(call("NoSuchAction", b"{}".to_vec()).await.expect("sent")).await;
    assert_eq!((status, body["__type"].as_str()), (400, Some("UnknownOperationException")));
    let (status, _, body) =
        answer(call("AdminAddUserToGroup", br#"{"UserPoolId":"us-east-1_authport0"}"#.to_vec()).await.expect("sent"))
            .await;
    assert_eq!((status, body["__type"].as_str()), (400, Some("UnsupportedOperationException")));
    assert!(body["message"].as_str().is_some_and(|m| m.contains("AdminAddUserToGroup")), "{body}");
    // A body over the limit is refused from its Content-Length, before it is sent.
    let (status, head, body) = oversized(app.cognito_api.expect("Cognito API"), 2 << 20).await;
    assert_eq!((status, body["__type"].as_str()), (413, Some("SerializationException")), "{head}");
    assert!(head.to_ascii_lowercase().contains("connection: close"), "{head}");
    let (status, _, body) =
        answer(call("DescribeUserPool", br#"{"UserPoolId":"us-east-1_authport0"}"#.to_vec()).await.expect("sent"))
            .await;
    assert_eq!((status, body["UserPool"]["Id"].as_str()), (200, Some("us-east-1_authport0")), "still serving");

    let metrics = app.get("/metrics").await.text().await.expect("metrics");
    assert!(
        metrics.contains(r#"authport_cognito_api_calls_total{action="DescribeUserPool",outcome="ok"}"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"authport_cognito_api_calls_total{action="unknown",outcome="UnknownOperationException"}"#)
    );
    app.stop().await;
}

/// The Cognito API verifies no signatures: it refuses to start on a non-loopback address unless
/// told to, and serves only the local backends.
#[tokio::test]
async fn the_cognito_api_starts_only_where_it_is_safe() {
    use clap::Parser as _;
    let build = |args: &[&str]| {
        let argv =
            [&["authport", "--listen", "127.0.0.1:0", "--hash-cost", "insecure-fast-for-tests"][..], args].concat();
        let cli = authport_server::config::Cli::try_parse_from(argv).expect("arguments");
        authport_server::startup::Application::build(cli.config)
    };
    let err = build(&["--cognito-api-listen", "0.0.0.0:0"]).await.expect_err("not loopback");
    assert!(format!("{err:#}").contains("--cognito-api-allow-non-loopback"), "{err:#}");
    let err = build(&["--cognito-api-listen", "127.0.0.1:0", "--backend", "cognito"])
        .await
        .expect_err("not on the Cognito backend");
    assert!(format!("{err:#}").contains("local backends"), "{err:#}");
    let app = build(&["--cognito-api-listen", "127.0.0.1:0"]).await.expect("loopback");
    assert!(app.cognito_api_addr().is_some_and(|a| a.ip().is_loopback() && a.port() != 0));
}
