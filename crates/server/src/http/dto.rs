//! Wire types of API v1. Domain types carry no serde; these are the only JSON shapes.

use authport_domain::{RefreshedTokens, RsaPublicKey, TokenSet, User};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// Body of `POST /v1/signup` and `POST /v1/login`. Unknown members are ignored.
#[derive(Debug, Deserialize)]
pub struct CredentialsRequest {
    pub email: String,
    pub password: SecretString,
}

/// Body of `POST /v1/login/new-password`: answers a `password_change_required` log-in.
#[derive(Debug, Deserialize)]
pub struct NewPasswordRequest {
    pub email: String,
    pub session: SecretString,
    pub new_password: SecretString,
}

/// Body of `POST /v1/token/refresh`.
#[derive(Debug, Deserialize)]
pub struct RefreshRequest {
    pub refresh_token: SecretString,
}

/// `200` of `POST /v1/token/refresh`: no new refresh token (it stays valid until revoked).
#[derive(Debug, Serialize)]
pub struct RefreshResponse<'a> {
    pub access_token: &'a str,
    pub id_token: &'a str,
    pub expires_in: u64,
    pub token_type: &'static str,
}

impl<'a> From<&'a RefreshedTokens> for RefreshResponse<'a> {
    fn from(tokens: &'a RefreshedTokens) -> Self {
        Self {
            access_token: tokens.access_token.expose(),
            id_token: tokens.id_token.expose(),
            expires_in: tokens.expires_in.as_secs(),
            token_type: "Bearer",
        }
    }
}

/// `200` of `GET /v1/me`.
#[derive(Debug, Serialize)]
pub struct MeResponse<'a> {
    pub sub: &'a str,
    pub email: &'a str,
}

#[derive(Debug, Serialize)]
pub struct SignUpResponse<'a> {
    pub user_id: &'a str,
    pub email: &'a str,
}

impl<'a> From<&'a User> for SignUpResponse<'a> {
    fn from(user: &'a User) -> Self {
        Self { user_id: user.id.as_str(), email: user.email.as_str() }
    }
}

#[derive(Debug, Serialize)]
pub struct TokenResponse<'a> {
    pub access_token: &'a str,
    pub id_token: &'a str,
    pub refresh_token: &'a str,
    pub expires_in: u64,
    pub token_type: &'static str,
}

impl<'a> From<&'a TokenSet> for TokenResponse<'a> {
    fn from(tokens: &'a TokenSet) -> Self {
        Self {
            access_token: tokens.access_token.expose(),
            id_token: tokens.id_token.expose(),
            refresh_token: tokens.refresh_token.expose(),
            expires_in: tokens.expires_in.as_secs(),
            token_type: "Bearer",
        }
    }
}

/// RFC 7517 JSON Web Key Set.
#[derive(Debug, Serialize)]
pub struct Jwks<'a> {
    pub keys: Vec<Jwk<'a>>,
}

#[derive(Debug, Serialize)]
pub struct Jwk<'a> {
    pub kty: &'static str,
    pub alg: &'static str,
    #[serde(rename = "use")]
    pub use_: &'static str,
    pub kid: &'a str,
    pub n: &'a str,
    pub e: &'a str,
}

impl<'a> From<&'a RsaPublicKey> for Jwk<'a> {
    fn from(key: &'a RsaPublicKey) -> Self {
        Self { kty: "RSA", alg: "RS256", use_: "sig", kid: &key.kid, n: &key.n, e: &key.e }
    }
}
