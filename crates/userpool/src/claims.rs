//! The claims of access and id tokens, shaped as a Cognito user pool's, so that whatever verifies
//! Cognito's tokens verifies the local backends'. One type each, for every side: minting (`tokens.rs`),
//! authport's verifier (`authport-server`) and the tests.

use serde::{Deserialize, Deserializer, Serialize};

/// `token_use` of an access token.
pub const ACCESS: &str = "access";
/// `token_use` of an id token.
pub const ID: &str = "id";
/// The scope Cognito puts in access tokens issued by the admin auth flows.
pub const ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// The claims of an access token (Cognito's access token has no `aud`: `client_id` names the
/// app client).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    pub iss: String,
    pub client_id: String,
    /// The log-in the token descends from: the same for its id token and every refresh of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_jti: Option<String>,
    /// The authentication event that issued the token (shared by the access and id token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// [`ACCESS`].
    pub token_use: String,
    pub scope: String,
    pub auth_time: u64,
    pub iat: u64,
    pub exp: u64,
    pub jti: String,
    /// The user name: the normalised e-mail address on every user authport creates.
    pub username: String,
}

/// The claims of an id token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdClaims {
    pub sub: String,
    pub iss: String,
    /// The app client.
    pub aud: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_jti: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// [`ID`].
    pub token_use: String,
    /// The user's `email` attribute; absent when the user has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// JSON `true` from Cognito; moto writes the attribute's string form, `"true"`, which is read
    /// as the same. Absent when the user has no such attribute.
    #[serde(default, deserialize_with = "bool_or_its_string", skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    #[serde(rename = "cognito:username")]
    pub cognito_username: String,
    pub auth_time: u64,
    pub iat: u64,
    pub exp: u64,
    pub jti: String,
}

fn bool_or_its_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        String(String),
    }
    match Flag::deserialize(deserializer)? {
        Flag::Bool(flag) => Ok(Some(flag)),
        Flag::String(text) => {
            text.parse().map(Some).map_err(|_| serde::de::Error::custom(format!("not a boolean: {text:?}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn email_verified_is_read_from_cognitos_boolean_and_motos_string() {
        let id = |verified: serde_json::Value| {
            serde_json::from_value::<IdClaims>(json!({
                "sub": "s", "iss": "i", "aud": "c", "token_use": "id", "email": "a@example.com",
                "email_verified": verified, "cognito:username": "a@example.com", "auth_time": 1, "iat": 1, "exp": 2, "jti": "j"
            }))
        };
        assert_eq!(id(json!(true)).expect("Cognito").email_verified, Some(true));
        assert_eq!(id(json!("true")).expect("moto").email_verified, Some(true));
        assert_eq!(id(json!("false")).expect("moto").email_verified, Some(false));
        assert!(id(json!("yes")).is_err());
    }
}
