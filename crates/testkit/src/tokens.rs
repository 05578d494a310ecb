//! Reading tokens in tests: their claims without verification, and verification against a JWKS
//! as a relying party would do it. Claims are read into `authport_userpool::claims`' types, or into
//! a [`Value`] to look at (or forge from) as raw JSON.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The claims of a JWT, read without verification.
pub fn claims<T: DeserializeOwned>(token: &str) -> T {
    let payload = token.split('.').nth(1).expect("JWT payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("the claims")
}

/// Verifies `token` — RS256 only, with the key of the JWKS document `jwks` its `kid` names; `exp`,
/// `iat`, `iss` and `sub` present; `iss` equal to `issuer` when given — and returns its claims.
///
/// # Panics
/// When the token does not verify.
pub fn verify<T: DeserializeOwned>(token: &str, jwks: &Value, issuer: Option<&str>) -> T {
    let header = decode_header(token).expect("JWT header");
    assert_eq!(header.alg, Algorithm::RS256);
    let kid = header.kid.expect("kid set");
    let jwk = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == kid)
        .unwrap_or_else(|| panic!("kid {kid} not in JWKS {jwks}"));
    assert_eq!(jwk["kty"], "RSA");
    let key = DecodingKey::from_rsa_components(jwk["n"].as_str().expect("n"), jwk["e"].as_str().expect("e"))
        .expect("RSA key");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["exp", "iat", "iss", "sub"]);
    if let Some(issuer) = issuer {
        validation.set_issuer(&[issuer]);
    }
    decode::<T>(token, &key, &validation).expect("token verifies").claims
}

/// Cognito's `SECRET_HASH` of `username` for a client with `secret`.
pub fn secret_hash(username: &str, client_id: &str, secret: &str) -> String {
    authport_cognito::secret_hash(&secrecy::SecretString::from(secret.to_owned()), username, client_id)
}
