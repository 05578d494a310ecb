//! RS256 token minting with Cognito-shaped claims, and the matching JWKS entry.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use authport_domain::{AccessToken, IdToken, RefreshToken, RsaPublicKey, TokenAudience, User};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, Header};
use rand::RngCore as _;
use rsa::pkcs1::DecodeRsaPrivateKey as _;
use rsa::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _, LineEnding};
use rsa::traits::PublicKeyParts as _;
use serde::Serialize;

use crate::claims::{self, AccessClaims, IdClaims};
use sha2::{Digest as _, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum SigningKeyError {
    #[error("the signing key is not an RSA private key in PKCS#8 or PKCS#1 PEM")]
    Unreadable,
    #[error("RSA key generation failed")]
    Generation(#[source] rsa::Error),
    #[error("the signing key cannot be used for RS256: {0}")]
    Unusable(String),
}

/// Why a token could not be minted.
#[derive(Debug, thiserror::Error)]
pub enum MintError {
    #[error("token claims could not be serialised")]
    Claims(#[from] serde_json::Error),
    #[error("RS256 signing failed")]
    Signature,
}

/// An RSA key pair for RS256, identified by its RFC 7638 thumbprint.
///
/// The private key is parsed (and checked) once, here: `jsonwebtoken::encode` parses its
/// `EncodingKey` again for every signature, which doubled the cost of minting a log-in's two
/// tokens (the `tokens` criterion bench; docs/benchmarks.md).
pub struct SigningKey {
    pem: String,
    key_pair: RsaKeyPair,
    /// The base64url JOSE header every token of this key carries: `{"typ":"JWT","alg":"RS256","kid":…}`.
    header: String,
    public: RsaPublicKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("kid", &self.public.kid).finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh 2048-bit key (CPU-heavy: call from a blocking context).
    pub fn generate() -> Result<Self, SigningKeyError> {
        let key = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).map_err(SigningKeyError::Generation)?;
        let pem = key.to_pkcs8_pem(LineEnding::LF).map_err(|_| SigningKeyError::Unreadable)?;
        Self::from_pem(&pem)
    }

    /// Loads a PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`) PEM.
    pub fn from_pem(pem: &str) -> Result<Self, SigningKeyError> {
        let key = rsa::RsaPrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_pem(pem))
            .map_err(|_| SigningKeyError::Unreadable)?;
        let pem = key.to_pkcs8_pem(LineEnding::LF).map_err(|_| SigningKeyError::Unreadable)?;
        let der = key.to_pkcs8_der().map_err(|_| SigningKeyError::Unreadable)?;
        let key_pair = RsaKeyPair::from_pkcs8(der.as_bytes()).map_err(|e| SigningKeyError::Unusable(e.to_string()))?;
        let n = URL_SAFE_NO_PAD.encode(key.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(key.e().to_bytes_be());
        // RFC 7638: SHA-256 over the required members in lexicographic order, no white space.
        let thumbprint = Sha256::digest(format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#));
        let kid = URL_SAFE_NO_PAD.encode(thumbprint);
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.clone());
        let header = serde_json::to_vec(&header).map_err(|e| SigningKeyError::Unusable(e.to_string()))?;
        let header = URL_SAFE_NO_PAD.encode(header);
        Ok(Self { pem: pem.to_string(), key_pair, header, public: RsaPublicKey { kid, n, e } })
    }

    /// A compact JWS (RFC 7515) of `claims`, signed RS256 (RSASSA-PKCS1-v1_5 with SHA-256).
    fn sign<T: Serialize>(&self, claims: &T) -> Result<String, MintError> {
        let mut token = String::with_capacity(1024);
        token.push_str(&self.header);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(serde_json::to_vec(claims)?, &mut token);
        let mut signature = vec![0; self.key_pair.public_modulus_len()];
        self.key_pair
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), token.as_bytes(), &mut signature)
            .map_err(|_| MintError::Signature)?;
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut token);
        Ok(token)
    }

    pub fn pem(&self) -> &str {
        &self.pem
    }

    pub fn public_key(&self) -> &RsaPublicKey {
        &self.public
    }
}

/// Mints a pool's access and id tokens the way a Cognito user pool does: each kind signed by its
/// own key (the two may be one key, in a pool from an older release).
#[derive(Debug)]
pub struct TokenIssuer {
    access_key: Arc<SigningKey>,
    id_key: Arc<SigningKey>,
}

impl TokenIssuer {
    pub fn new(access_key: Arc<SigningKey>, id_key: Arc<SigningKey>) -> Self {
        Self { access_key, id_key }
    }

    /// The keys of the pool's JWKS, each once.
    pub fn public_keys(&self) -> Vec<RsaPublicKey> {
        let (access, id) = (self.access_key.public_key(), self.id_key.public_key());
        if access == id { vec![access.clone()] } else { vec![access.clone(), id.clone()] }
    }

    /// Access and id token for `user`, authenticated at `now`, from the app client and issuer
    /// of `audience`, valid for `ttl`: two RSA signatures, a millisecond or more of CPU, so call
    /// it from a blocking context.
    pub fn mint(
        &self,
        audience: &TokenAudience,
        ttl: Duration,
        user: &User,
        now: SystemTime,
    ) -> Result<(AccessToken, IdToken), MintError> {
        let now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let exp = now + ttl.as_secs();
        let origin_jti = Some(uuid::Uuid::new_v4().to_string());
        let (sub, email) = (user.id.as_str(), user.email.as_str());
        let access = AccessClaims {
            sub: sub.to_owned(),
            iss: audience.issuer.clone(),
            client_id: audience.client_id.clone(),
            origin_jti: origin_jti.clone(),
            token_use: claims::ACCESS.to_owned(),
            scope: claims::ADMIN_SCOPE.to_owned(),
            auth_time: now,
            iat: now,
            exp,
            jti: uuid::Uuid::new_v4().to_string(),
            username: email.to_owned(),
        };
        let id = IdClaims {
            sub: sub.to_owned(),
            iss: audience.issuer.clone(),
            aud: audience.client_id.clone(),
            origin_jti,
            token_use: claims::ID.to_owned(),
            email: email.to_owned(),
            email_verified: true,
            cognito_username: email.to_owned(),
            auth_time: now,
            iat: now,
            exp,
            jti: uuid::Uuid::new_v4().to_string(),
        };
        Ok((AccessToken::new(self.access_key.sign(&access)?), IdToken::new(self.id_key.sign(&id)?)))
    }
}

/// A new opaque refresh token and the SHA-256 (hex) under which it is stored.
pub fn new_refresh_token() -> (RefreshToken, String) {
    let mut bytes = [0u8; 48];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_refresh_token(&token);
    (RefreshToken::new(token), hash)
}

pub fn hash_refresh_token(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pem_round_trips_to_the_same_kid() {
        let key = SigningKey::generate().expect("key");
        let again = SigningKey::from_pem(key.pem()).expect("reload");
        assert_eq!(key.public_key(), again.public_key());
        assert_eq!(key.public_key().e, "AQAB");
        assert!(SigningKey::from_pem("not a key").is_err());
    }

    #[test]
    fn minted_tokens_verify_with_jsonwebtoken_against_the_public_key() {
        use jsonwebtoken::{DecodingKey, Validation, decode, decode_header};
        let key = Arc::new(SigningKey::generate().expect("key"));
        let public = key.public_key().clone();
        let issuer = TokenIssuer::new(Arc::clone(&key), key);
        assert_eq!(issuer.public_keys(), std::slice::from_ref(&public));
        let audience = TokenAudience { issuer: "http://issuer.test".into(), client_id: "client".into() };
        let user = User {
            id: authport_domain::UserId::parse("user-1").expect("id"),
            email: authport_domain::Email::parse("a@example.com").expect("email"),
        };
        let (access, id) = issuer.mint(&audience, Duration::from_secs(600), &user, SystemTime::now()).expect("mint");
        let decoding = DecodingKey::from_rsa_components(&public.n, &public.e).expect("public key");
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&["http://issuer.test"]);
        validation.set_audience(&["client"]);
        let header = decode_header(id.expose()).expect("header");
        assert_eq!(
            (header.alg, header.kid.as_deref(), header.typ.as_deref()),
            (Algorithm::RS256, Some(public.kid.as_str()), Some("JWT"))
        );
        let claims = decode::<IdClaims>(id.expose(), &decoding, &validation).expect("id token verifies").claims;
        assert_eq!((claims.token_use.as_str(), claims.cognito_username.as_str()), ("id", "a@example.com"));
        validation.validate_aud = false;
        let claims = decode::<AccessClaims>(access.expose(), &decoding, &validation).expect("access verifies").claims;
        assert_eq!((claims.token_use.as_str(), claims.client_id.as_str()), ("access", "client"));
        assert_eq!(
            claims.origin_jti,
            decode::<IdClaims>(id.expose(), &decoding, &validation).expect("id").claims.origin_jti
        );
        let mut tampered = access.expose().to_owned();
        tampered.insert(tampered.find('.').expect("dot") + 1, 'e');
        assert!(decode::<serde_json::Value>(&tampered, &decoding, &validation).is_err());
    }

    #[test]
    fn refresh_tokens_are_random_and_stored_hashed() {
        let (a, hash_a) = new_refresh_token();
        let (b, _) = new_refresh_token();
        assert_ne!(a.expose(), b.expose());
        assert_eq!(hash_a, hash_refresh_token(a.expose()));
        assert_eq!(hash_a.len(), 64);
        assert!(!hash_a.contains(a.expose()));
    }
}
