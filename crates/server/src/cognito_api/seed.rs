//! The seed file (`--cognito-seed`): pools, app clients and users with fixed ids, in the members
//! of Cognito's own requests so that nothing new has to be learnt — a pool is a CreateUserPool
//! request with an `Id`, a client a CreateUserPoolClient request with a `ClientId` (and, for a
//! client with a secret, its `ClientSecret`), a user a `Username` with a `Password` (or a
//! `TemporaryPassword`) and `UserAttributes`:
//!
//! ```json
//! { "UserPools": [ { "Id": "eu-west-1_Shop00001", "PoolName": "shop",
//!     "Clients": [ { "ClientId": "shopweb", "ClientName": "web",
//!                    "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] } ],
//!     "Users": [ { "Username": "ann", "Password": "Correct-Horse-1",
//!                  "UserAttributes": [ { "Name": "email", "Value": "ann@example.com" } ] } ] } ] }
//! ```
//!
//! A member the file does not know is refused (a typo would otherwise pass unnoticed), and so is
//! every value CreateUserPool or CreateUserPoolClient would refuse, with the same message.

use std::path::Path;

use anyhow::{Context as _, bail};
use authport_userpool::engine::emulator::{Seed, SeedClient, SeedPool, SeedUser};
use authport_userpool::model::{ClientId, PoolId};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::actions::{AttributeIn, ClientRequest, PoolRequest, attribute_pairs, new_client, new_pool};
use super::wire::Checks;

const POOL_MEMBERS: [&str; 9] = [
    "Id",
    "PoolName",
    "Policies",
    "UsernameAttributes",
    "UsernameConfiguration",
    "AutoVerifiedAttributes",
    "AdminCreateUserConfig",
    "Clients",
    "Users",
];
const CLIENT_MEMBERS: [&str; 12] = [
    "ClientId",
    "ClientName",
    "ClientSecret",
    "ExplicitAuthFlows",
    "PreventUserExistenceErrors",
    "EnableTokenRevocation",
    "AuthSessionValidity",
    "AccessTokenValidity",
    "IdTokenValidity",
    "RefreshTokenValidity",
    "TokenValidityUnits",
    "GenerateSecret",
];

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct SeedFile {
    user_pools: Vec<Map<String, Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct UserIn {
    username: String,
    password: Option<String>,
    temporary_password: Option<String>,
    user_attributes: Option<Vec<AttributeIn>>,
}

/// Reads and checks the seed file at `path`.
pub fn read(path: &Path) -> anyhow::Result<Seed> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read the seed file {}", path.display()))?;
    parse(&text).with_context(|| format!("the seed file {} is not valid", path.display()))
}

/// Checks a seed file's text.
pub fn parse(text: &str) -> anyhow::Result<Seed> {
    let file: SeedFile = serde_json::from_str(text)?;
    let pools = file
        .user_pools
        .into_iter()
        .enumerate()
        .map(|(n, pool)| seed_pool(pool).with_context(|| format!("UserPools[{n}]")));
    Ok(Seed { pools: pools.collect::<anyhow::Result<_>>()? })
}

fn known_members(object: &Map<String, Value>, known: &[&str]) -> anyhow::Result<()> {
    match object.keys().find(|key| !known.contains(&key.as_str())) {
        Some(unknown) => bail!("unknown member {unknown:?} (known: {})", known.join(", ")),
        None => Ok(()),
    }
}

fn seed_pool(mut object: Map<String, Value>) -> anyhow::Result<SeedPool> {
    known_members(&object, &POOL_MEMBERS)?;
    let id = object.remove("Id").context("a pool needs its \"Id\"")?;
    let id = id.as_str().context("\"Id\" is a string")?;
    let id = PoolId::parse(id).context("\"Id\" is a user pool id: <region>_<letters and digits>")?;
    let region = id.to_string().rsplit_once('_').map(|(region, _)| region.to_owned()).unwrap_or_default();
    let clients = take_list(&mut object, "Clients")?;
    let users = take_list(&mut object, "Users")?;
    let request: PoolRequest = serde_json::from_value(Value::Object(object))?;
    let new = new_pool(request, &region).map_err(|err| anyhow::anyhow!(err.message))?;
    let clients = clients.into_iter().enumerate().map(|(n, c)| seed_client(c).with_context(|| format!("Clients[{n}]")));
    let users = users.into_iter().enumerate().map(|(n, u)| seed_user(u).with_context(|| format!("Users[{n}]")));
    Ok(SeedPool {
        id,
        new,
        clients: clients.collect::<anyhow::Result<_>>()?,
        users: users.collect::<anyhow::Result<_>>()?,
    })
}

fn take_list(object: &mut Map<String, Value>, member: &str) -> anyhow::Result<Vec<Value>> {
    match object.remove(member) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => bail!("{member:?} is a list"),
    }
}

fn seed_client(value: Value) -> anyhow::Result<SeedClient> {
    let Value::Object(mut object) = value else { bail!("a client is an object") };
    known_members(&object, &CLIENT_MEMBERS)?;
    let id = object.remove("ClientId").context("a client needs its \"ClientId\"")?;
    let id = ClientId::parse(id.as_str().context("\"ClientId\" is a string")?)
        .context("\"ClientId\" is 1–128 letters, digits, _ or +")?;
    let secret = match object.remove("ClientSecret") {
        None => None,
        Some(Value::String(secret)) => {
            let ok = (1..=64).contains(&secret.len())
                && secret.chars().all(|c| c.is_ascii_alphanumeric() || "+/=_".contains(c));
            if !ok {
                bail!("\"ClientSecret\" is 1–64 letters, digits, +, /, = or _");
            }
            Some(SecretString::from(secret))
        }
        Some(_) => bail!("\"ClientSecret\" is a string"),
    };
    let request: ClientRequest = serde_json::from_value(Value::Object(object))?;
    if request.generate_secret == Some(true) {
        bail!("a seeded client's secret is fixed: give it as \"ClientSecret\" rather than \"GenerateSecret\"");
    }
    let mut checks = Checks::default();
    let settings = new_client(&mut checks, &request).map_err(|err| anyhow::anyhow!(err.message))?;
    checks.finish().map_err(|err| anyhow::anyhow!(err.message))?;
    Ok(SeedClient { id, secret, settings })
}

fn seed_user(value: Value) -> anyhow::Result<SeedUser> {
    let user: UserIn = serde_json::from_value(value)?;
    let mut checks = Checks::default();
    checks.username(&Some(user.username.clone()), "username");
    let attributes = attribute_pairs(&mut checks, user.user_attributes.as_ref(), "userAttributes");
    checks.finish().map_err(|err| anyhow::anyhow!(err.message))?;
    let (password, temporary) = match (user.password, user.temporary_password) {
        (Some(password), None) => (password, false),
        (None, Some(password)) => (password, true),
        _ => bail!("a user has either a \"Password\" (CONFIRMED) or a \"TemporaryPassword\" (FORCE_CHANGE_PASSWORD)"),
    };
    Ok(SeedUser { username: user.username, password: SecretString::from(password), temporary, attributes })
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret as _;

    use super::*;

    const SEED: &str = r#"{ "UserPools": [ {
        "Id": "eu-west-1_Shop00001", "PoolName": "shop",
        "Policies": { "PasswordPolicy": { "MinimumLength": 12 } },
        "UsernameAttributes": ["email"],
        "Clients": [
            { "ClientId": "shopweb", "ClientName": "web", "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"] },
            { "ClientId": "shopbackend", "ClientName": "backend", "ClientSecret": "s3cr3t" } ],
        "Users": [
            { "Username": "ann@example.com", "Password": "Correct-Horse-1" },
            { "Username": "bob@example.com", "TemporaryPassword": "Temporary-Pass-1",
              "UserAttributes": [ { "Name": "name", "Value": "Bob" } ] } ] } ] }"#;

    #[test]
    fn a_seed_names_pools_clients_and_users_in_cognitos_own_members() {
        let seed = parse(SEED).expect("valid");
        let [pool] = seed.pools.as_slice() else { panic!("one pool") };
        assert_eq!(pool.id.to_string(), "eu-west-1_Shop00001");
        assert_eq!((pool.new.name.as_str(), pool.new.region.as_str()), ("shop", "eu-west-1"));
        assert_eq!(pool.new.settings.policy.min_length, 12);
        assert!(pool.new.case_sensitive, "as CreateUserPool without UsernameConfiguration");
        let ids: Vec<String> = pool.clients.iter().map(|c| c.id.to_string()).collect();
        assert_eq!(ids, ["shopweb", "shopbackend"]);
        assert!(pool.clients[0].secret.is_none());
        assert_eq!(pool.clients[1].secret.as_ref().map(|s| s.expose_secret().to_owned()).as_deref(), Some("s3cr3t"));
        assert_eq!((pool.users[0].temporary, pool.users[1].temporary), (false, true));
        assert_eq!(pool.users[1].attributes, [("name".to_owned(), "Bob".to_owned())]);
    }

    #[test]
    fn a_seed_is_refused_with_where_and_why() {
        let refused = |text: &str| format!("{:#}", parse(text).expect_err("refused"));
        let pool = |members: &str| {
            format!(r#"{{ "UserPools": [ {{ "Id": "eu-west-1_Shop00001", "PoolName": "p"{members} }} ] }}"#)
        };
        assert!(refused(&pool(r#", "PoolNmae": "typo""#)).contains("UserPools[0]: unknown member \"PoolNmae\""));
        assert!(refused(r#"{ "UserPools": [ { "PoolName": "p" } ] }"#).contains("needs its \"Id\""));
        assert!(refused(r#"{ "UserPools": [ { "Id": "nounderscore", "PoolName": "p" } ] }"#).contains("user pool id"));
        let policy = pool(r#", "Policies": { "PasswordPolicy": { "MinimumLength": 3 } }"#);
        assert!(refused(&policy).contains("minimumLength"), "{}", refused(&policy));
        let flows = pool(r#", "Clients": [ { "ClientId": "c", "ClientName": "c", "ExplicitAuthFlows": ["NOPE"] } ]"#);
        assert!(refused(&flows).contains("Clients[0]"), "{}", refused(&flows));
        let generated = pool(r#", "Clients": [ { "ClientId": "c", "ClientName": "c", "GenerateSecret": true } ]"#);
        assert!(refused(&generated).contains("ClientSecret"));
        let both = pool(r#", "Users": [ { "Username": "u", "Password": "a", "TemporaryPassword": "b" } ]"#);
        assert!(refused(&both).contains("Users[0]: a user has either"));
        assert!(refused(r#"{ "Pools": [] }"#).contains("unknown field"));
    }
}
