//! argon2id password hashing, always on the blocking pool so the reactor keeps serving.

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use argon2::{Algorithm, Argon2, Params, Version};
use authport_domain::BoxError;
use rand::rngs::OsRng;
use secrecy::{ExposeSecret, SecretString};

/// How expensive password hashes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashCost {
    /// OWASP's argon2id recommendation: m = 19456 KiB, t = 2, p = 1 (~14 ms per hash here).
    Owasp,
    /// m = 8 KiB, t = 1, p = 1: **insecure**, for tests only; logged loudly at start-up.
    InsecureFastForTests,
}

impl HashCost {
    fn params(self) -> Params {
        let (m, t, p) = match self {
            Self::Owasp => (19_456, 2, 1),
            Self::InsecureFastForTests => (8, 1, 1),
        };
        #[allow(clippy::expect_used)]
        Params::new(m, t, p, None).expect("static argon2 parameters are valid")
    }
}

/// Hashes and verifies passwords; holds a dummy hash so that log-in for an unknown user
/// costs exactly one verification, like a wrong password does.
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    cost: HashCost,
    dummy_hash: String,
    verifications: Arc<AtomicU64>,
}

impl PasswordHasher {
    pub async fn new(cost: HashCost) -> Result<Self, BoxError> {
        let random = SecretString::from(SaltString::generate(&mut OsRng).as_str().to_owned());
        let dummy_hash = hash_blocking(cost, random).await?;
        Ok(Self { cost, dummy_hash, verifications: Arc::default() })
    }

    pub async fn hash(&self, password: &str) -> Result<String, BoxError> {
        hash_blocking(self.cost, SecretString::from(password.to_owned())).await
    }

    /// Verifies `password` against `phc`, or against the dummy hash when `phc` is `None`
    /// (then the answer is always `false`, after the same amount of work).
    pub async fn verify(&self, password: &str, phc: Option<&str>) -> Result<bool, BoxError> {
        self.verifications.fetch_add(1, Ordering::Relaxed);
        let known_user = phc.is_some();
        let phc = phc.unwrap_or(&self.dummy_hash).to_owned();
        let password = SecretString::from(password.to_owned());
        let matches = tokio::task::spawn_blocking(move || -> Result<bool, BoxError> {
            let parsed = PasswordHash::new(&phc).map_err(|e| format!("stored hash unreadable: {e}"))?;
            Ok(Argon2::default().verify_password(password.expose_secret().as_bytes(), &parsed).is_ok())
        })
        .await??;
        Ok(known_user && matches)
    }
}

impl PasswordHasher {
    /// How many verifications ran (real or dummy): proves unknown users cost a verification.
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }
}

async fn hash_blocking(cost: HashCost, password: SecretString) -> Result<String, BoxError> {
    tokio::task::spawn_blocking(move || -> Result<String, BoxError> {
        let salt = SaltString::generate(&mut OsRng);
        let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, cost.params());
        let phc = hasher
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .map_err(|e| format!("argon2 hashing failed: {e}"))?;
        Ok(phc.to_string())
    })
    .await?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_phc_strings_that_verify() {
        let hasher = PasswordHasher::new(HashCost::InsecureFastForTests).await.expect("hasher");
        let phc = hasher.hash("Str0ng-pass").await.expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=8,t=1,p=1$"), "{phc}");
        assert!(hasher.verify("Str0ng-pass", Some(&phc)).await.expect("verify"));
        assert!(!hasher.verify("Str0ng-pasS", Some(&phc)).await.expect("verify"));
        assert!(!hasher.verify("Str0ng-pass", None).await.expect("dummy"));
    }

    #[tokio::test]
    async fn owasp_parameters_are_encoded_in_the_hash() {
        let hasher = PasswordHasher::new(HashCost::Owasp).await.expect("hasher");
        let phc = hasher.hash("Str0ng-pass").await.expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    }
}
