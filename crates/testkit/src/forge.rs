//! Token forgery for the verification cases: re-signs claims with the *backend's own* private
//! key (so each negative case fails for exactly one reason), or with a stranger's key.
//!
//! Where the key comes from: memory — the PEM the harness hands every app; postgres — the key
//! row in the test database; cognito@moto — the fixed key moto ships (`kid` "dummy").

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs8::{EncodePrivateKey as _, LineEnding};
use serde_json::Value;

use crate::{Backend, TestApp};

/// A private key and the `kid` it is published under.
#[derive(Clone)]
pub struct ForgingKey {
    pub kid: String,
    pub pem: String,
}

impl std::fmt::Debug for ForgingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForgingKey").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl ForgingKey {
    /// Signs `claims` with RS256 under this key's `kid`.
    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        let key = EncodingKey::from_rsa_pem(self.pem.as_bytes()).expect("RSA PEM");
        jsonwebtoken::encode(&header, claims, &key).expect("signed")
    }
}

/// The `kid` of a JWT's header.
pub fn kid(token: &str) -> String {
    jsonwebtoken::decode_header(token).expect("JWT header").kid.expect("kid")
}

/// An unsigned token (`alg: none`) carrying `claims` under `kid`.
pub fn unsigned(claims: &Value, kid: &str) -> String {
    let header = serde_json::json!({ "alg": "none", "typ": "JWT", "kid": kid });
    format!("{}.{}.", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()))
}

/// An HS256 token whose HMAC secret is the backend's *public* key material — the classic
/// algorithm-confusion attack.
pub fn hs256_with_public_key(claims: &Value, kid: &str, public_n: &str) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(public_n.as_bytes())).expect("signed")
}

/// A key nobody trusts (generated once per test process).
pub fn stranger_key(kid: &str) -> ForgingKey {
    static PEM: OnceLock<String> = OnceLock::new();
    let pem = PEM.get_or_init(|| authport_userpool::SigningKey::generate().expect("RSA key").pem().to_owned());
    ForgingKey { kid: kid.to_owned(), pem: pem.clone() }
}

impl TestApp {
    /// The private key this app's backend signs with.
    pub async fn forging_key(&self) -> ForgingKey {
        let pem = match self.backend() {
            Backend::Memory => std::fs::read_to_string(crate::app::signing_key_file()).expect("harness key"),
            Backend::Postgres => {
                use sqlx::Connection as _;
                let db = self.database().expect("postgres app has a database");
                let mut conn = db.connect().await;
                let pem: String = sqlx::query_scalar(
                    "SELECT k.access_key_pem FROM pool_signing_keys k JOIN user_pools p ON p.id = k.pool_id \
                     WHERE p.is_default",
                )
                .fetch_one(&mut conn)
                .await
                .expect("signing key row");
                conn.close().await.ok();
                pem
            }
            Backend::Cognito => return moto_key(),
            Backend::CognitoOnAuthportMemory | Backend::CognitoOnAuthportPostgres => {
                let engine = self.backend().emulator_engine().expect("an emulated backend");
                let emulator = crate::emulator::emulator(engine).expect("the emulator runs");
                let pool = self.pool().expect("a Cognito app has a pool");
                // The pool's keys are made on first use: its JWKS is one.
                let jwks = format!("{}/{}/.well-known/jwks.json", emulator.endpoint, pool.pool_id);
                reqwest::get(jwks).await.and_then(reqwest::Response::error_for_status).expect("the pool's JWKS");
                emulator.access_key_pem(&pool.pool_id).await.expect("the pool's keys")
            }
        };
        let kid = authport_userpool::SigningKey::from_pem(&pem).expect("key").public_key().kid.clone();
        ForgingKey { kid, pem }
    }
}

/// moto's fixed signing key (a private JWK with n, e, d), shipped inside the moto package.
fn moto_key() -> ForgingKey {
    static KEY: OnceLock<ForgingKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let python = crate::repo_root().join(".venv/bin/python");
        let output = std::process::Command::new(python)
            .args([
                "-c",
                "import gzip, importlib.resources as r; \
                 print(gzip.decompress((r.files('moto.cognitoidp') / 'resources/jwks-private.json.gz').read_bytes()).decode())",
            ])
            .output()
            .expect("run the venv's python");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let jwk: Value = serde_json::from_slice(&output.stdout).expect("moto's private JWK");
        let int = |name: &str| {
            rsa::BigUint::from_bytes_be(&URL_SAFE_NO_PAD.decode(jwk[name].as_str().expect(name)).expect("base64url"))
        };
        let key = rsa::RsaPrivateKey::from_components(int("n"), int("e"), int("d"), vec![]).expect("RSA key");
        let pem = key.to_pkcs8_pem(LineEnding::LF).expect("PEM").to_string();
        ForgingKey { kid: jwk["kid"].as_str().expect("kid").to_owned(), pem }
    })
    .clone()
}
