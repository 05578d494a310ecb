//! Wire types of API v1. Domain types carry no serde; these are the only JSON shapes.

use authport_domain::{RefreshedTokens, RsaPublicKey, TokenSet, User};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Body of `POST /v1/signup` and `POST /v1/login`. Unknown members are ignored.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CredentialsRequest {
    #[schema(example = "ann@example.com")]
    pub email: String,
    #[schema(value_type = String, format = Password, example = "Correct-Horse-9")]
    pub password: SecretString,
}

/// Body of `POST /v1/login/new-password`: answers a `password_change_required` log-in.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPasswordRequest {
    #[schema(example = "ann@example.com")]
    pub email: String,
    /// The `session` of the `password_change_required` problem.
    #[schema(value_type = String)]
    pub session: SecretString,
    #[schema(value_type = String, format = Password)]
    pub new_password: SecretString,
}

/// Body of `POST /v1/password`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangePasswordRequest {
    #[schema(value_type = String, format = Password, example = "Correct-Horse-9")]
    pub current_password: SecretString,
    #[schema(value_type = String, format = Password, example = "Battery-Staple-4")]
    pub new_password: SecretString,
}

/// Body of `DELETE /v1/me`: the password again, so that an access token alone cannot close an
/// account.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DeleteAccountRequest {
    #[schema(value_type = String, format = Password, example = "Correct-Horse-9")]
    pub password: SecretString,
}

/// Body of `POST /v1/token/refresh`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    #[schema(value_type = String)]
    pub refresh_token: SecretString,
}

/// `200` of `POST /v1/token/refresh`: no new refresh token (it stays valid until revoked).
#[derive(Debug, Serialize, ToSchema)]
pub struct RefreshResponse<'a> {
    pub access_token: &'a str,
    pub id_token: &'a str,
    /// Lifetime of the access token in seconds.
    pub expires_in: u64,
    #[schema(value_type = TokenType)]
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
#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse<'a> {
    pub sub: &'a str,
    pub email: &'a str,
}

/// `201` of `POST /v1/signup`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignUpResponse<'a> {
    pub user_id: &'a str,
    /// The normalised (trimmed, lower-cased) address.
    pub email: &'a str,
}

impl<'a> From<&'a User> for SignUpResponse<'a> {
    fn from(user: &'a User) -> Self {
        Self { user_id: user.id.as_str(), email: user.email.as_str() }
    }
}

/// `200` of `POST /v1/login` and `POST /v1/login/new-password`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse<'a> {
    pub access_token: &'a str,
    pub id_token: &'a str,
    pub refresh_token: &'a str,
    /// Lifetime of the access token in seconds.
    pub expires_in: u64,
    #[schema(value_type = TokenType)]
    pub token_type: &'static str,
}

/// The token type of every token response (only in the OpenAPI document).
#[derive(Debug, ToSchema)]
#[expect(dead_code, reason = "a schema only: the responses hold the string")]
pub enum TokenType {
    Bearer,
}

/// `200` of `GET /healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
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
#[derive(Debug, Serialize, ToSchema)]
pub struct Jwks<'a> {
    pub keys: Vec<Jwk<'a>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Jwk<'a> {
    #[schema(example = "RSA")]
    pub kty: &'static str,
    #[schema(example = "RS256")]
    pub alg: &'static str,
    #[serde(rename = "use")]
    #[schema(example = "sig")]
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

/// `200` of `GET /readyz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ready {
    #[schema(example = "ready")]
    pub status: &'static str,
    /// `memory`, `postgres` or `cognito`.
    #[schema(example = "memory")]
    pub backend: &'static str,
    /// Where the rate-limit budgets are kept now: `in_process`; `shared` (the shared store
    /// answers); `failing` (it does not: its failure policy applies — never a reason to be unready).
    #[schema(example = "in_process")]
    pub rate_limits: &'static str,
}
