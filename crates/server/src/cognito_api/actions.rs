//! One function per Cognito action: read the request (its members checked as Cognito checks
//! them), ask the engine, shape the answer. The rules are the engine's.

use std::collections::BTreeMap;

use authport_domain::PasswordPolicy;
use authport_userpool::engine::admin::{ClientSettings, MessageAction, NewPool, NewUser, PoolSettings};
use authport_userpool::engine::auth::{AUTH_FLOWS, CHALLENGE_NAMES};
use authport_userpool::engine::users::UserFilter;
use authport_userpool::model::{
    AppClient, ClientId, DeliveryMedium, ExplicitAuthFlow, Pool, PoolId, TimeUnit, UsernameAttribute, Validity,
};
use authport_userpool::{PoolStore, SignIn};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Api;
use super::shapes::{
    AdminGetUserResponse, AuthResponse, AuthenticationResultType, UserPoolClientDescription, UserPoolClientType,
    UserPoolDescriptionType, UserPoolType, UserType,
};
use super::wire::{Checks, WireError, parse};

/// What an action answers: the JSON body of a 200.
pub type Answer = Result<Value, WireError>;

pub(super) fn to_value(shape: impl serde::Serialize) -> Answer {
    serde_json::to_value(shape).map_err(|err| {
        tracing::error!(error = %err, "a Cognito API answer could not be serialised");
        WireError::internal()
    })
}

pub(super) fn empty() -> Answer {
    Ok(json!({}))
}

/// The pool id a request names (already checked against Cognito's pattern).
pub(super) fn pool_id(raw: &str) -> Result<PoolId, WireError> {
    PoolId::parse(raw).map_err(|e| WireError::invalid_parameter(e.to_string()))
}

pub(super) fn client_id(raw: &str) -> Result<ClientId, WireError> {
    ClientId::parse(raw).map_err(|e| WireError::invalid_parameter(e.to_string()))
}

/// A page of `items` (sorted by `key`) of at most `max`, after the one `next_token` names.
pub(super) fn page<T>(
    items: Vec<T>,
    key: impl Fn(&T) -> String,
    max: usize,
    next_token: Option<&str>,
) -> Result<(Vec<T>, Option<String>), WireError> {
    let after = match next_token {
        None => None,
        Some(token) => {
            let decoded = URL_SAFE_NO_PAD.decode(token).ok().and_then(|bytes| String::from_utf8(bytes).ok());
            Some(decoded.ok_or_else(|| WireError::invalid_parameter("Invalid pagination token"))?)
        }
    };
    let mut rest: Vec<T> = items.into_iter().filter(|item| after.as_ref().is_none_or(|a| key(item) > *a)).collect();
    let next = (rest.len() > max).then(|| URL_SAFE_NO_PAD.encode(key(&rest[max - 1])));
    rest.truncate(max);
    Ok((rest, next))
}

// ---------------------------------------------------------------------------------------------
// Pools

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PasswordPolicyIn {
    minimum_length: Option<i64>,
    require_uppercase: Option<bool>,
    require_lowercase: Option<bool>,
    require_numbers: Option<bool>,
    require_symbols: Option<bool>,
    temporary_password_validity_days: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PoliciesIn {
    password_policy: Option<PasswordPolicyIn>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AdminCreateUserConfigIn {
    allow_admin_create_user_only: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UsernameConfigurationIn {
    case_sensitive: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct PoolRequest {
    pool_name: Option<String>,
    user_pool_id: Option<String>,
    policies: Option<PoliciesIn>,
    admin_create_user_config: Option<AdminCreateUserConfigIn>,
    username_attributes: Option<Vec<String>>,
    username_configuration: Option<UsernameConfigurationIn>,
    auto_verified_attributes: Option<Vec<String>>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

/// The settings a CreateUserPool or UpdateUserPool asks for; what it omits is Cognito's default.
fn pool_settings(checks: &mut Checks, request: &PoolRequest) -> PoolSettings {
    let mut settings = PoolSettings::default();
    if let Some(policy) = request.policies.as_ref().and_then(|p| p.password_policy.as_ref()) {
        checks.range(policy.minimum_length, "policies.passwordPolicy.minimumLength", 6, 99);
        checks.range(
            policy.temporary_password_validity_days,
            "policies.passwordPolicy.temporaryPasswordValidityDays",
            0,
            365,
        );
        settings.policy = PasswordPolicy {
            min_length: policy.minimum_length.and_then(|n| usize::try_from(n).ok()).unwrap_or(8),
            require_uppercase: policy.require_uppercase.unwrap_or(false),
            require_lowercase: policy.require_lowercase.unwrap_or(false),
            require_digit: policy.require_numbers.unwrap_or(false),
            require_symbol: policy.require_symbols.unwrap_or(false),
        };
        settings.temporary_password_validity_days = policy
            .temporary_password_validity_days
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(Pool::DEFAULT_TEMPORARY_PASSWORD_VALIDITY_DAYS);
    }
    settings.allow_admin_create_user_only =
        request.admin_create_user_config.as_ref().and_then(|c| c.allow_admin_create_user_only).unwrap_or(false);
    let verified = request.auto_verified_attributes.iter().flatten();
    for attribute in verified.clone() {
        checks.one_of(Some(attribute), "autoVerifiedAttributes.member", &["phone_number", "email"]);
    }
    settings.auto_verified_attributes = verified.filter_map(|a| UsernameAttribute::parse(a)).collect();
    settings
}

/// The pool a CreateUserPool request (or a seed file's pool) asks for, its members checked.
pub(super) fn new_pool(request: PoolRequest, region: &str) -> Result<NewPool, WireError> {
    let mut checks = Checks::default();
    checks.name(&request.pool_name, "poolName", true);
    let settings = pool_settings(&mut checks, &request);
    let attributes = request.username_attributes.clone().unwrap_or_default();
    for attribute in &attributes {
        checks.one_of(Some(attribute), "usernameAttributes.member", &["phone_number", "email"]);
    }
    checks.finish()?;
    Ok(NewPool {
        name: request.pool_name.unwrap_or_default(),
        region: region.to_owned(),
        settings,
        // Through the API, a pool without UsernameConfiguration is case-sensitive.
        case_sensitive: request.username_configuration.and_then(|c| c.case_sensitive).unwrap_or(true),
        username_attributes: attributes.iter().filter_map(|a| UsernameAttribute::parse(a)).collect(),
    })
}

pub async fn create_user_pool<S: PoolStore>(api: &Api<S>, body: &[u8], region: &str) -> Answer {
    let new = new_pool(parse(body)?, region)?;
    let pool = api.engine.create_pool(new, api.issuer_base.as_deref()).await?;
    to_value(json!({ "UserPool": UserPoolType::from(&pool) }))
}

fn required_pool(checks: &mut Checks, value: &Option<String>) {
    checks.pool_id(value);
}

pub async fn describe_user_pool<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request: PoolRequest = parse(body)?;
    let mut checks = Checks::default();
    required_pool(&mut checks, &request.user_pool_id);
    checks.finish()?;
    let pool = api.engine.describe_pool(&pool_id(request.user_pool_id.as_deref().unwrap_or_default())?).await?;
    to_value(json!({ "UserPool": UserPoolType::from(&pool) }))
}

pub async fn update_user_pool<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request: PoolRequest = parse(body)?;
    let mut checks = Checks::default();
    required_pool(&mut checks, &request.user_pool_id);
    let settings = pool_settings(&mut checks, &request);
    checks.finish()?;
    api.engine.update_pool(&pool_id(request.user_pool_id.as_deref().unwrap_or_default())?, settings).await?;
    empty()
}

pub async fn delete_user_pool<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request: PoolRequest = parse(body)?;
    let mut checks = Checks::default();
    required_pool(&mut checks, &request.user_pool_id);
    checks.finish()?;
    api.engine.delete_pool(&pool_id(request.user_pool_id.as_deref().unwrap_or_default())?).await?;
    empty()
}

pub async fn list_user_pools<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request: PoolRequest = parse(body)?;
    let mut checks = Checks::default();
    checks.required(&request.max_results, "maxResults");
    checks.range(request.max_results, "maxResults", 1, 60);
    checks.finish()?;
    let max = request.max_results.and_then(|n| usize::try_from(n).ok()).unwrap_or(60);
    let pools = api.engine.list_pools().await?;
    let (pools, next) = page(pools, |p| p.id.to_string(), max, request.next_token.as_deref())?;
    let pools: Vec<UserPoolDescriptionType> = pools.iter().map(UserPoolDescriptionType::from).collect();
    to_value(match next {
        Some(next) => json!({ "UserPools": pools, "NextToken": next }),
        None => json!({ "UserPools": pools }),
    })
}

// ---------------------------------------------------------------------------------------------
// App clients

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TokenValidityUnitsIn {
    access_token: Option<String>,
    id_token: Option<String>,
    refresh_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ClientRequest {
    user_pool_id: Option<String>,
    client_id: Option<String>,
    client_name: Option<String>,
    pub(super) generate_secret: Option<bool>,
    refresh_token_validity: Option<i64>,
    access_token_validity: Option<i64>,
    id_token_validity: Option<i64>,
    token_validity_units: Option<TokenValidityUnitsIn>,
    explicit_auth_flows: Option<Vec<String>>,
    prevent_user_existence_errors: Option<String>,
    enable_token_revocation: Option<bool>,
    auth_session_validity: Option<i64>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

const TIME_UNITS: [&str; 4] = ["seconds", "minutes", "hours", "days"];

/// A token validity as requested: the amount in its unit (default `unit`), or `default` when
/// no amount is given; refused outside `min..=max`.
fn validity(
    checks: &mut Checks,
    amount: Option<i64>,
    unit: Option<&String>,
    member: &str,
    (default, default_unit): (Validity, TimeUnit),
    (min, max): (std::time::Duration, std::time::Duration),
    what: &str,
) -> Result<Validity, WireError> {
    checks.one_of(unit.map(String::as_str), &format!("tokenValidityUnits.{member}"), &TIME_UNITS);
    checks.range(amount, member, 1, 315_360_000);
    let Some(amount) = amount.and_then(|a| u64::try_from(a).ok()) else { return Ok(default) };
    let unit = unit.and_then(|u| TimeUnit::parse(u)).unwrap_or(default_unit);
    let validity = Validity::new(amount, unit);
    if (min..=max).contains(&validity.duration()) {
        Ok(validity)
    } else {
        Err(WireError::invalid_parameter(what.to_owned()))
    }
}

/// The settings a CreateUserPoolClient or UpdateUserPoolClient asks for; what it omits is
/// Cognito's default.
fn client_settings(checks: &mut Checks, request: &ClientRequest, name: String) -> Result<ClientSettings, WireError> {
    use std::time::Duration;
    let mut settings = ClientSettings::cognito_defaults(name);
    let units = request.token_validity_units.as_ref();
    let (minute, day) = (Duration::from_secs(60), Duration::from_secs(86_400));
    settings.access_token_validity = validity(
        checks,
        request.access_token_validity,
        units.and_then(|u| u.access_token.as_ref()),
        "accessToken",
        (settings.access_token_validity, TimeUnit::Hours),
        (5 * minute, day),
        "Invalid range for token validity: access token validity must be between 5 minutes and 1 day.",
    )?;
    settings.id_token_validity = validity(
        checks,
        request.id_token_validity,
        units.and_then(|u| u.id_token.as_ref()),
        "idToken",
        (settings.id_token_validity, TimeUnit::Hours),
        (5 * minute, day),
        "Invalid range for token validity: ID token validity must be between 5 minutes and 1 day.",
    )?;
    settings.refresh_token_validity = validity(
        checks,
        request.refresh_token_validity,
        units.and_then(|u| u.refresh_token.as_ref()),
        "refreshToken",
        (settings.refresh_token_validity, TimeUnit::Days),
        (60 * minute, 3650 * day),
        "Invalid range for token validity: refresh token validity must be between 60 minutes and 10 years.",
    )?;
    if let Some(flows) = &request.explicit_auth_flows {
        let names: Vec<&str> = ExplicitAuthFlow::ALL.iter().map(|f| f.as_str()).collect();
        for flow in flows {
            checks.one_of(Some(flow), "explicitAuthFlows.member", &names);
        }
        let parsed: Vec<ExplicitAuthFlow> = flows.iter().filter_map(|f| ExplicitAuthFlow::parse(f)).collect();
        let legacy = parsed.iter().filter(|f| !f.as_str().starts_with("ALLOW_")).count();
        if legacy > 0 && legacy < parsed.len() {
            return Err(WireError::invalid_parameter(
                "ExplicitAuthFlows cannot mix the legacy values (ADMIN_NO_SRP_AUTH, USER_PASSWORD_AUTH, \
                 CUSTOM_AUTH_FLOW_ONLY) with the ALLOW_ values.",
            ));
        }
        settings.explicit_auth_flows = parsed;
    }
    checks.one_of(
        request.prevent_user_existence_errors.as_deref(),
        "preventUserExistenceErrors",
        &["LEGACY", "ENABLED"],
    );
    settings.prevent_user_existence_errors = request.prevent_user_existence_errors.as_deref() == Some("ENABLED");
    checks.range(request.auth_session_validity, "authSessionValidity", 3, 15);
    if let Some(minutes) = request.auth_session_validity.and_then(|m| u32::try_from(m).ok()) {
        settings.auth_session_validity_minutes = minutes;
    }
    settings.enable_token_revocation = request.enable_token_revocation.unwrap_or(true);
    Ok(settings)
}

fn required_client(checks: &mut Checks, request: &ClientRequest) {
    checks.pool_id(&request.user_pool_id);
    checks.client_id(&request.client_id);
}

fn client_answer(client: &AppClient) -> Answer {
    to_value(json!({ "UserPoolClient": UserPoolClientType::from(client) }))
}

/// The settings of a new client (CreateUserPoolClient's, or a seed file's), its name checked.
pub(super) fn new_client(checks: &mut Checks, request: &ClientRequest) -> Result<ClientSettings, WireError> {
    checks.name(&request.client_name, "clientName", true);
    client_settings(checks, request, request.client_name.clone().unwrap_or_default())
}

pub async fn create_user_pool_client<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request: ClientRequest = parse(body)?;
    let mut checks = Checks::default();
    checks.pool_id(&request.user_pool_id);
    let settings = new_client(&mut checks, &request)?;
    checks.finish()?;
    let pool = pool_id(request.user_pool_id.as_deref().unwrap_or_default())?;
    let client = api.engine.create_client(&pool, settings, request.generate_secret.unwrap_or(false)).await?;
    client_answer(&client)
}

pub async fn describe_user_pool_client<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request: ClientRequest = parse(body)?;
    let mut checks = Checks::default();
    required_client(&mut checks, &request);
    checks.finish()?;
    let (pool, client) = (
        pool_id(request.user_pool_id.as_deref().unwrap_or_default())?,
        client_id(request.client_id.as_deref().unwrap_or_default())?,
    );
    client_answer(&api.engine.describe_client(&pool, &client).await?)
}

pub async fn update_user_pool_client<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request: ClientRequest = parse(body)?;
    let mut checks = Checks::default();
    required_client(&mut checks, &request);
    checks.name(&request.client_name, "clientName", false);
    let (pool, client) = (
        pool_id(request.user_pool_id.as_deref().unwrap_or_default()),
        client_id(request.client_id.as_deref().unwrap_or_default()),
    );
    checks.finish()?;
    let (pool, client) = (pool?, client?);
    let name = match &request.client_name {
        Some(name) => name.clone(),
        None => api.engine.describe_client(&pool, &client).await?.name,
    };
    let mut checks = Checks::default();
    let settings = client_settings(&mut checks, &request, name)?;
    checks.finish()?;
    client_answer(&api.engine.update_client(&pool, &client, settings).await?)
}

pub async fn delete_user_pool_client<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request: ClientRequest = parse(body)?;
    let mut checks = Checks::default();
    required_client(&mut checks, &request);
    checks.finish()?;
    let (pool, client) = (
        pool_id(request.user_pool_id.as_deref().unwrap_or_default())?,
        client_id(request.client_id.as_deref().unwrap_or_default())?,
    );
    api.engine.delete_client(&pool, &client).await?;
    empty()
}

pub async fn list_user_pool_clients<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request: ClientRequest = parse(body)?;
    let mut checks = Checks::default();
    checks.pool_id(&request.user_pool_id);
    checks.range(request.max_results, "maxResults", 1, 60);
    checks.finish()?;
    let max = request.max_results.and_then(|n| usize::try_from(n).ok()).unwrap_or(60);
    let clients = api.engine.list_clients(&pool_id(request.user_pool_id.as_deref().unwrap_or_default())?).await?;
    let (clients, next) = page(clients, |c| c.id.to_string(), max, request.next_token.as_deref())?;
    let clients: Vec<UserPoolClientDescription> = clients.iter().map(UserPoolClientDescription::from).collect();
    to_value(match next {
        Some(next) => json!({ "UserPoolClients": clients, "NextToken": next }),
        None => json!({ "UserPoolClients": clients }),
    })
}

// ---------------------------------------------------------------------------------------------
// Users

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct AttributeIn {
    name: Option<String>,
    value: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UserRequest {
    user_pool_id: Option<String>,
    username: Option<String>,
    user_attributes: Option<Vec<AttributeIn>>,
    temporary_password: Option<String>,
    message_action: Option<String>,
    desired_delivery_mediums: Option<Vec<String>>,
    password: Option<String>,
    permanent: Option<bool>,
}

/// The pool and user a request names, checked.
fn user_target(checks: &mut Checks, request: &UserRequest) {
    checks.pool_id(&request.user_pool_id);
    checks.username(&request.username, "username");
}

fn target(request: &UserRequest) -> Result<(PoolId, &str), WireError> {
    Ok((pool_id(request.user_pool_id.as_deref().unwrap_or_default())?, request.username.as_deref().unwrap_or_default()))
}

pub(super) fn attribute_pairs(
    checks: &mut Checks,
    attributes: Option<&Vec<AttributeIn>>,
    member: &str,
) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for attribute in attributes.into_iter().flatten() {
        let name = checks.required(&attribute.name, &format!("{member}.member.name"));
        checks.length(name.map(String::as_str), &format!("{member}.member.name"), 1, 32, false);
        checks.length(attribute.value.as_deref(), &format!("{member}.member.value"), 0, 2048, true);
        if let Some(name) = name {
            pairs.push((name.clone(), attribute.value.clone().unwrap_or_default()));
        }
    }
    pairs
}

/// Runs a request that names a user and answers nothing.
async fn on_user<F>(body: &[u8], act: F) -> Answer
where
    F: AsyncFnOnce(PoolId, String) -> Result<(), authport_userpool::PoolError>,
{
    let request: UserRequest = parse(body)?;
    let mut checks = Checks::default();
    user_target(&mut checks, &request);
    checks.finish()?;
    let (pool, username) = target(&request)?;
    act(pool, username.to_owned()).await?;
    empty()
}

pub async fn admin_create_user<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request: UserRequest = parse(body)?;
    let mut checks = Checks::default();
    user_target(&mut checks, &request);
    checks.password(&request.temporary_password, "temporaryPassword", false);
    checks.one_of(request.message_action.as_deref(), "messageAction", &["RESEND", "SUPPRESS"]);
    for medium in request.desired_delivery_mediums.iter().flatten() {
        checks.one_of(Some(medium), "desiredDeliveryMediums.member", &["SMS", "EMAIL"]);
    }
    let attributes = attribute_pairs(&mut checks, request.user_attributes.as_ref(), "userAttributes");
    checks.finish()?;
    let (pool, username) = target(&request)?;
    let new = NewUser {
        username: username.to_owned(),
        attributes,
        temporary_password: request.temporary_password.clone(),
        message_action: match request.message_action.as_deref() {
            Some("SUPPRESS") => Some(MessageAction::Suppress),
            Some("RESEND") => Some(MessageAction::Resend),
            _ => None,
        },
        delivery: request.desired_delivery_mediums.iter().flatten().filter_map(|m| DeliveryMedium::parse(m)).collect(),
    };
    let user = api.engine.admin_create_user(&pool, new).await?;
    to_value(json!({ "User": UserType::from(&user) }))
}

pub async fn admin_set_user_password<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request: UserRequest = parse(body)?;
    let mut checks = Checks::default();
    user_target(&mut checks, &request);
    checks.password(&request.password, "password", true);
    checks.finish()?;
    let (pool, username) = target(&request)?;
    let password = request.password.as_deref().unwrap_or_default();
    api.engine.admin_set_user_password(&pool, username, password, request.permanent.unwrap_or(false)).await?;
    empty()
}

pub async fn admin_get_user<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request: UserRequest = parse(body)?;
    let mut checks = Checks::default();
    user_target(&mut checks, &request);
    checks.finish()?;
    let (pool, username) = target(&request)?;
    to_value(AdminGetUserResponse::from(&api.engine.admin_get_user(&pool, username).await?))
}

pub async fn admin_delete_user<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    on_user(body, async |pool, username| api.engine.admin_delete_user(&pool, &username).await).await
}

pub async fn admin_disable_user<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    on_user(body, async |pool, username| api.engine.admin_set_enabled(&pool, &username, false).await).await
}

pub async fn admin_enable_user<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    on_user(body, async |pool, username| api.engine.admin_set_enabled(&pool, &username, true).await).await
}

pub async fn admin_confirm_sign_up<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    on_user(body, async |pool, username| api.engine.admin_confirm_sign_up(&pool, &username).await).await
}

pub async fn admin_user_global_sign_out<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    on_user(body, async |pool, username| api.engine.admin_user_global_sign_out(&pool, &username).await).await
}

pub async fn admin_update_user_attributes<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request: UserRequest = parse(body)?;
    let mut checks = Checks::default();
    user_target(&mut checks, &request);
    checks.required(&request.user_attributes, "userAttributes");
    let attributes = attribute_pairs(&mut checks, request.user_attributes.as_ref(), "userAttributes");
    checks.finish()?;
    let (pool, username) = target(&request)?;
    api.engine.admin_update_user_attributes(&pool, username, attributes).await?;
    empty()
}

// ---------------------------------------------------------------------------------------------
// Auth

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AuthRequest {
    user_pool_id: Option<String>,
    client_id: Option<String>,
    auth_flow: Option<String>,
    auth_parameters: Option<BTreeMap<String, String>>,
    challenge_name: Option<String>,
    session: Option<String>,
    challenge_responses: Option<BTreeMap<String, String>>,
}

fn auth_target(checks: &mut Checks, request: &AuthRequest) {
    checks.pool_id(&request.user_pool_id);
    checks.client_id(&request.client_id);
    checks.length(request.session.as_deref(), "session", 20, 2048, false);
}

pub(super) fn sign_in_answer(signed_in: SignIn) -> Answer {
    let response = match signed_in {
        SignIn::Tokens(tokens) => AuthResponse {
            authentication_result: Some(AuthenticationResultType::from(tokens)),
            ..AuthResponse::default()
        },
        SignIn::Challenge { challenge, session, user } => {
            let attributes: BTreeMap<&str, &str> =
                user.attributes.iter().map(|(name, value)| (name.as_str(), value.as_str())).collect();
            let parameters = BTreeMap::from([
                ("USER_ID_FOR_SRP".to_owned(), user.username.clone()),
                ("requiredAttributes".to_owned(), "[]".to_owned()),
                ("userAttributes".to_owned(), serde_json::to_string(&attributes).unwrap_or_default()),
            ]);
            AuthResponse {
                challenge_name: Some(challenge.as_str()),
                session: Some(session),
                challenge_parameters: parameters,
                authentication_result: None,
            }
        }
        // No session: the secret block is the challenge's state, as Cognito's.
        SignIn::PasswordVerifier(challenge) => AuthResponse {
            challenge_name: Some("PASSWORD_VERIFIER"),
            session: None,
            challenge_parameters: BTreeMap::from([
                ("SALT".to_owned(), challenge.salt),
                ("SECRET_BLOCK".to_owned(), challenge.secret_block),
                ("SRP_B".to_owned(), challenge.srp_b),
                ("USERNAME".to_owned(), challenge.user_id_for_srp.clone()),
                ("USER_ID_FOR_SRP".to_owned(), challenge.user_id_for_srp),
            ]),
            authentication_result: None,
        },
    };
    to_value(response)
}

pub async fn admin_initiate_auth<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request: AuthRequest = parse(body)?;
    let mut checks = Checks::default();
    auth_target(&mut checks, &request);
    checks.required(&request.auth_flow, "authFlow");
    checks.one_of(request.auth_flow.as_deref(), "authFlow", &AUTH_FLOWS);
    checks.finish()?;
    let pool = pool_id(request.user_pool_id.as_deref().unwrap_or_default())?;
    let client = client_id(request.client_id.as_deref().unwrap_or_default())?;
    let parameters = request.auth_parameters.unwrap_or_default();
    let flow = request.auth_flow.as_deref().unwrap_or_default();
    sign_in_answer(api.engine.admin_initiate_auth(&pool, &client, flow, &parameters).await?)
}

pub async fn admin_respond_to_auth_challenge<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request: AuthRequest = parse(body)?;
    let mut checks = Checks::default();
    auth_target(&mut checks, &request);
    checks.required(&request.challenge_name, "challengeName");
    checks.one_of(request.challenge_name.as_deref(), "challengeName", &CHALLENGE_NAMES);
    checks.finish()?;
    let pool = pool_id(request.user_pool_id.as_deref().unwrap_or_default())?;
    let client = client_id(request.client_id.as_deref().unwrap_or_default())?;
    let responses = request.challenge_responses.unwrap_or_default();
    let challenge = request.challenge_name.as_deref().unwrap_or_default();
    let tokens = api
        .engine
        .admin_respond_to_auth_challenge(&pool, &client, challenge, request.session.as_deref(), &responses)
        .await?;
    sign_in_answer(SignIn::Tokens(tokens))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListUsersRequest {
    user_pool_id: Option<String>,
    attributes_to_get: Option<Vec<String>>,
    limit: Option<i64>,
    pagination_token: Option<String>,
    filter: Option<String>,
}

pub async fn list_users<S: PoolStore>(api: &Api<S>, body: &[u8]) -> Answer {
    let request: ListUsersRequest = parse(body)?;
    let mut checks = Checks::default();
    checks.pool_id(&request.user_pool_id);
    checks.range(request.limit, "limit", 0, 60);
    checks.length(request.filter.as_deref(), "filter", 0, 256, false);
    checks.length(request.pagination_token.as_deref(), "paginationToken", 1, usize::MAX, false);
    checks.finish()?;
    let filter = UserFilter::parse(request.filter.as_deref().unwrap_or_default())?;
    let pool = pool_id(request.user_pool_id.as_deref().unwrap_or_default())?;
    let users = api.engine.list_users(&pool, filter.as_ref()).await?;
    let max = request.limit.and_then(|n| usize::try_from(n).ok()).filter(|n| *n > 0).unwrap_or(60);
    let (users, next) = page(users, |u| u.username_key.clone(), max, request.pagination_token.as_deref())?;
    let wanted = request.attributes_to_get.as_ref();
    let users: Vec<UserType> = users
        .iter()
        .map(|user| {
            let mut shaped = UserType::from(user);
            if let Some(wanted) = wanted {
                shaped.attributes.retain(|attribute| wanted.contains(&attribute.name));
            }
            shaped
        })
        .collect();
    to_value(match next {
        Some(next) => json!({ "Users": users, "PaginationToken": next }),
        None => json!({ "Users": users }),
    })
}
