//! The public API's actions: unsigned calls that name only the app client (SignUp, the code
//! calls, InitiateAuth, RespondToAuthChallenge, RevokeToken) and those authorised by the user's
//! access token (GetUser, UpdateUserAttributes, ChangePassword, DeleteUser, GlobalSignOut).
//! One function per action, as in `actions`; the rules are the engine's.

use std::collections::BTreeMap;

use authport_userpool::PoolStore;
use authport_userpool::engine::auth::{AUTH_FLOWS, CHALLENGE_NAMES};
use authport_userpool::engine::public::SignUp;
use serde::Deserialize;
use serde_json::json;

use super::Api;
use super::actions::{Answer, AttributeIn, attribute_pairs, client_id, empty, sign_in_answer, to_value};
use super::shapes::{CodeDeliveryDetailsType, GetUserResponse};
use super::wire::{Checks, parse};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PublicRequest {
    client_id: Option<String>,
    secret_hash: Option<String>,
    username: Option<String>,
    password: Option<String>,
    user_attributes: Option<Vec<AttributeIn>>,
    confirmation_code: Option<String>,
    auth_flow: Option<String>,
    auth_parameters: Option<BTreeMap<String, String>>,
    challenge_name: Option<String>,
    session: Option<String>,
    challenge_responses: Option<BTreeMap<String, String>>,
    token: Option<String>,
    client_secret: Option<String>,
    access_token: Option<String>,
    previous_password: Option<String>,
    proposed_password: Option<String>,
    attribute_name: Option<String>,
    code: Option<String>,
}

impl PublicRequest {
    fn client(&self) -> Result<authport_userpool::model::ClientId, super::wire::WireError> {
        client_id(self.client_id.as_deref().unwrap_or_default())
    }

    fn username(&self) -> &str {
        self.username.as_deref().unwrap_or_default()
    }

    fn access_token(&self) -> &str {
        self.access_token.as_deref().unwrap_or_default()
    }
}

/// `SecretHashType`: 1–128 (sensitive).
fn secret_hash(checks: &mut Checks, value: &Option<String>) {
    checks.length(value.as_deref(), "secretHash", 1, 128, true);
}

/// `ConfirmationCodeType`: `[\S]+`, 1–2048.
fn confirmation_code(checks: &mut Checks, value: &Option<String>) {
    code_member(checks, value, "confirmationCode");
}

fn code_member(checks: &mut Checks, value: &Option<String>, member: &str) {
    let value = checks.required(value, member).map(String::as_str);
    checks.length(value, member, 1, 2048, false);
    checks.pattern(value, member, r"[\S]+", false, |v| !v.contains(char::is_whitespace));
}

/// `TokenModelType`: `[A-Za-z0-9-_=.]+` (sensitive).
fn access_token(checks: &mut Checks, value: &Option<String>) {
    let value = checks.required(value, "accessToken").map(String::as_str);
    checks.pattern(value, "accessToken", "[A-Za-z0-9-_=.]+", true, |v| {
        v.chars().all(|c| c.is_ascii_alphanumeric() || "-_=.".contains(c))
    });
}

/// A request whose one member is the access token.
fn token_only(body: &[u8]) -> Result<PublicRequest, super::wire::WireError> {
    let request: PublicRequest = parse(body)?;
    let mut checks = Checks::default();
    access_token(&mut checks, &request.access_token);
    checks.finish()?;
    Ok(request)
}

/// A client and a user name, both required, and the optional secret hash.
fn client_and_user(checks: &mut Checks, request: &PublicRequest) {
    checks.client_id(&request.client_id);
    secret_hash(checks, &request.secret_hash);
    checks.username(&request.username, "username");
}

fn delivery_answer(delivery: &authport_userpool::engine::public::CodeDelivery) -> Answer {
    to_value(json!({ "CodeDeliveryDetails": CodeDeliveryDetailsType::from(delivery) }))
}

pub async fn sign_up<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request: PublicRequest = parse(body)?;
    let mut checks = Checks::default();
    client_and_user(&mut checks, &request);
    checks.password(&request.password, "password", true);
    let attributes = attribute_pairs(&mut checks, request.user_attributes.as_ref(), "userAttributes");
    checks.finish()?;
    let client = request.client()?;
    let signed_up = api
        .engine
        .sign_up(
            &client,
            SignUp {
                username: request.username().to_owned(),
                password: request.password.clone().unwrap_or_default(),
                attributes,
                secret_hash: request.secret_hash.clone(),
            },
        )
        .await?;
    let mut answer = json!({ "UserConfirmed": false, "UserSub": signed_up.user.sub.to_string() });
    if let Some(delivery) = &signed_up.delivery {
        answer["CodeDeliveryDetails"] = to_value(CodeDeliveryDetailsType::from(delivery))?;
    }
    Ok(answer)
}

pub async fn confirm_sign_up<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request: PublicRequest = parse(body)?;
    let mut checks = Checks::default();
    client_and_user(&mut checks, &request);
    confirmation_code(&mut checks, &request.confirmation_code);
    checks.finish()?;
    let code = request.confirmation_code.as_deref().unwrap_or_default();
    api.engine.confirm_sign_up(&request.client()?, request.username(), code, request.secret_hash.as_deref()).await?;
    empty()
}

pub async fn resend_confirmation_code<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request: PublicRequest = parse(body)?;
    let mut checks = Checks::default();
    client_and_user(&mut checks, &request);
    checks.finish()?;
    let delivery = api
        .engine
        .resend_confirmation_code(&request.client()?, request.username(), request.secret_hash.as_deref())
        .await?;
    delivery_answer(&delivery)
}

pub async fn forgot_password<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request: PublicRequest = parse(body)?;
    let mut checks = Checks::default();
    client_and_user(&mut checks, &request);
    checks.finish()?;
    let delivery =
        api.engine.forgot_password(&request.client()?, request.username(), request.secret_hash.as_deref()).await?;
    delivery_answer(&delivery)
}

pub async fn confirm_forgot_password<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request: PublicRequest = parse(body)?;
    let mut checks = Checks::default();
    client_and_user(&mut checks, &request);
    confirmation_code(&mut checks, &request.confirmation_code);
    checks.password(&request.password, "password", true);
    checks.finish()?;
    api.engine
        .confirm_forgot_password(
            &request.client()?,
            request.username(),
            request.confirmation_code.as_deref().unwrap_or_default(),
            request.password.as_deref().unwrap_or_default(),
            request.secret_hash.as_deref(),
        )
        .await?;
    empty()
}

pub async fn initiate_auth<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request: PublicRequest = parse(body)?;
    let mut checks = Checks::default();
    checks.client_id(&request.client_id);
    checks.required(&request.auth_flow, "authFlow");
    checks.one_of(request.auth_flow.as_deref(), "authFlow", &AUTH_FLOWS);
    checks.finish()?;
    let parameters = request.auth_parameters.clone().unwrap_or_default();
    let flow = request.auth_flow.as_deref().unwrap_or_default();
    sign_in_answer(api.engine.initiate_auth(&request.client()?, flow, &parameters).await?)
}

pub async fn respond_to_auth_challenge<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request: PublicRequest = parse(body)?;
    let mut checks = Checks::default();
    checks.client_id(&request.client_id);
    checks.required(&request.challenge_name, "challengeName");
    checks.one_of(request.challenge_name.as_deref(), "challengeName", &CHALLENGE_NAMES);
    checks.length(request.session.as_deref(), "session", 20, 2048, false);
    checks.finish()?;
    let responses = request.challenge_responses.clone().unwrap_or_default();
    let challenge = request.challenge_name.as_deref().unwrap_or_default();
    sign_in_answer(
        api.engine
            .respond_to_auth_challenge(&request.client()?, challenge, request.session.as_deref(), &responses)
            .await?,
    )
}

pub async fn revoke_token<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request: PublicRequest = parse(body)?;
    let mut checks = Checks::default();
    checks.required(&request.token, "token");
    checks.client_id(&request.client_id);
    checks.length(request.client_secret.as_deref(), "clientSecret", 1, 64, true);
    checks.finish()?;
    let token = request.token.as_deref().unwrap_or_default();
    api.engine.revoke_token(&request.client()?, token, request.client_secret.as_deref()).await?;
    empty()
}

pub async fn get_user<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request = token_only(body)?;
    to_value(GetUserResponse::from(&api.engine.get_user(request.access_token()).await?))
}

pub async fn update_user_attributes<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request: PublicRequest = parse(body)?;
    let mut checks = Checks::default();
    checks.required(&request.user_attributes, "userAttributes");
    let attributes = attribute_pairs(&mut checks, request.user_attributes.as_ref(), "userAttributes");
    access_token(&mut checks, &request.access_token);
    checks.finish()?;
    let deliveries = api.engine.update_user_attributes(request.access_token(), attributes).await?;
    if deliveries.is_empty() {
        return empty();
    }
    let deliveries: Vec<CodeDeliveryDetailsType> = deliveries.iter().map(CodeDeliveryDetailsType::from).collect();
    to_value(json!({ "CodeDeliveryDetailsList": deliveries }))
}

/// The `AttributeName` of an attribute-verification request.
fn attribute_name(checks: &mut Checks, value: &Option<String>) {
    checks.required(value, "attributeName");
    checks.length(value.as_deref(), "attributeName", 1, 32, false);
}

pub async fn get_user_attribute_verification_code<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request: PublicRequest = parse(body)?;
    let mut checks = Checks::default();
    access_token(&mut checks, &request.access_token);
    attribute_name(&mut checks, &request.attribute_name);
    checks.finish()?;
    let attribute = request.attribute_name.as_deref().unwrap_or_default();
    let delivery = api.engine.get_user_attribute_verification_code(request.access_token(), attribute).await?;
    to_value(json!({ "CodeDeliveryDetails": CodeDeliveryDetailsType::from(&delivery) }))
}

pub async fn verify_user_attribute<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request: PublicRequest = parse(body)?;
    let mut checks = Checks::default();
    access_token(&mut checks, &request.access_token);
    attribute_name(&mut checks, &request.attribute_name);
    code_member(&mut checks, &request.code, "code");
    checks.finish()?;
    let (attribute, code) =
        (request.attribute_name.as_deref().unwrap_or_default(), request.code.as_deref().unwrap_or_default());
    api.engine.verify_user_attribute(request.access_token(), attribute, code).await?;
    empty()
}

pub async fn change_password<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request: PublicRequest = parse(body)?;
    let mut checks = Checks::default();
    checks.password(&request.previous_password, "previousPassword", false);
    checks.password(&request.proposed_password, "proposedPassword", true);
    access_token(&mut checks, &request.access_token);
    checks.finish()?;
    let previous = request.previous_password.as_deref().unwrap_or_default();
    let proposed = request.proposed_password.as_deref().unwrap_or_default();
    api.engine.change_password(request.access_token(), previous, proposed).await?;
    empty()
}

pub async fn delete_user<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request = token_only(body)?;
    api.engine.delete_user(request.access_token()).await?;
    empty()
}

pub async fn global_sign_out<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request = token_only(body)?;
    api.engine.global_sign_out_with_token(request.access_token()).await?;
    empty()
}
