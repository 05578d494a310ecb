//! USER_SRP_AUTH as Cognito answers it — the flow browser SDKs (amazon-cognito-identity-js,
//! Amplify) use by default: InitiateAuth with the client's `SRP_A` is answered by the
//! PASSWORD_VERIFIER challenge (`SALT`, `SRP_B`, `SECRET_BLOCK`, `USER_ID_FOR_SRP`), and
//! RespondToAuthChallenge proves the password with `PASSWORD_CLAIM_SIGNATURE` over `TIMESTAMP`.
//! The password never travels; the math is [`crate::srp`].
//!
//! The `SECRET_BLOCK` is the challenge's session: the store keeps its hash and the SRP key the
//! challenge derived, masked with a key only the block gives. A wrong proof counts against the
//! lock-out exactly as a wrong password does, and a right one ends as a password log-in does
//! (NEW_PASSWORD_REQUIRED for a temporary password).

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

use super::auth::{invalid, required, user_and};
use super::{PoolError, SignIn, UserPools, hashing, not_authorized};
use crate::model::{AppClient, ChallengeName, Pool, PoolUser, StoredSession, TakenSession};
use crate::srp;
use crate::store::PoolStore;
use crate::tokens::hash_refresh_token;

/// What the PASSWORD_VERIFIER challenge sends the client.
#[derive(Debug, Clone)]
pub struct PasswordVerifierChallenge {
    /// `USERNAME` and `USER_ID_FOR_SRP`: the user's name in the pool (their `sub` in a pool
    /// signing in with an alias), which the proof is computed over.
    pub user_id_for_srp: String,
    /// `SALT`, hex.
    pub salt: String,
    /// `SRP_B`, hex.
    pub srp_b: String,
    /// `SECRET_BLOCK`, base64: the challenge's session.
    pub secret_block: String,
}

/// Bytes of a secret block.
const SECRET_BLOCK_BYTES: usize = 64;

/// The key that masks a challenge's SRP key in the store, from the secret block only the client
/// holds (domain-separated from the block's stored hash).
fn mask(secret_block: &str, key: [u8; 16]) -> [u8; 16] {
    let pad = Sha256::new().chain_update(b"authport SRP key mask\0").chain_update(secret_block.as_bytes()).finalize();
    std::array::from_fn(|i| key[i] ^ pad[i])
}

fn incorrect() -> PoolError {
    PoolError::not_authorized(not_authorized::INCORRECT_CREDENTIALS)
}

/// The verifier decoys are computed against, and the key their salts are derived with: made
/// once per process.
static DECOY: std::sync::LazyLock<(srp::Verifier, [u8; 32])> = std::sync::LazyLock::new(|| {
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    (srp::make_verifier("decoy", "decoy", &STANDARD.encode(key)), key)
});

/// A challenge for a user who cannot answer it (unknown, or without a verifier yet), in the
/// shape of a real one and at its cost (the same exponentiations), with the same salt for the
/// same name every time, as a real user's; its secret block is no session, so the answer is
/// refused like a wrong password.
fn decoy(username: &str, a: &srp::PublicA) -> PasswordVerifierChallenge {
    let (verifier, key) = &*DECOY;
    let salt = Sha256::new().chain_update(key).chain_update(username.as_bytes()).finalize();
    let salted = srp::Verifier { salt: salt[..16].to_vec(), verifier: verifier.verifier.clone() };
    let ephemeral = srp::server_ephemeral(&salted.verifier);
    let _ = srp::session_key(&salted.verifier, &ephemeral, a);
    let mut block = [0u8; SECRET_BLOCK_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut block);
    PasswordVerifierChallenge {
        user_id_for_srp: username.to_owned(),
        salt: srp::salt_hex(&salted),
        srp_b: srp::b_hex(&ephemeral),
        secret_block: STANDARD.encode(block),
    }
}

impl<S: PoolStore> UserPools<S> {
    /// InitiateAuth USER_SRP_AUTH (`USERNAME`, `SRP_A`, `SECRET_HASH`), once the client was found
    /// to allow it.
    pub(super) async fn srp_flow(
        &self,
        pool: &Pool,
        client: &AppClient,
        parameters: &BTreeMap<String, String>,
    ) -> Result<SignIn, PoolError> {
        let (username, srp_a) = user_and(client, parameters, "SRP_A")?;
        let a = srp::parse_a(srp_a).ok_or_else(|| invalid("SRP_A is not a valid SRP public value"))?;
        let user = self.store.user(&pool.id, &pool.username_key(username)).await?;
        let Some(user) = user else {
            if !client.prevent_user_existence_errors {
                return Err(PoolError::UserNotFound);
            }
            let name = username.to_owned();
            let decoy = self.hasher.run_cpu_bound(move || decoy(&name, &a)).await.map_err(hashing)?;
            return Ok(SignIn::PasswordVerifier(decoy));
        };
        let Some(verifier) = user.srp.clone() else {
            tracing::warn!(
                pool = %pool.id,
                sub = %user.sub,
                "USER_SRP_AUTH for a user whose password was set before authport kept SRP verifiers: refused as a \
                 wrong password until a password log-in (or a new password) gives them one"
            );
            let name = user.username.clone();
            let decoy = self.hasher.run_cpu_bound(move || decoy(&name, &a)).await.map_err(hashing)?;
            return Ok(SignIn::PasswordVerifier(decoy));
        };
        let (ephemeral, key) = self
            .hasher
            .run_cpu_bound(move || {
                let ephemeral = srp::server_ephemeral(&verifier.verifier);
                let key = srp::session_key(&verifier.verifier, &ephemeral, &a);
                (ephemeral, key)
            })
            .await
            .map_err(hashing)?;
        let key = key.ok_or_else(incorrect)?;
        let mut block = [0u8; SECRET_BLOCK_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut block);
        let secret_block = STANDARD.encode(block);
        let stored = StoredSession {
            token_hash: hash_refresh_token(&secret_block),
            pool_id: pool.id.clone(),
            client_id: client.id.clone(),
            sub: user.sub,
            challenge: ChallengeName::PasswordVerifier,
            expires_at: self.clock.now() + client.auth_session_validity(),
            srp_key: Some(mask(&secret_block, key)),
        };
        self.store.insert_session(&stored).await?;
        self.stored_one_more();
        let salt = user.srp.as_ref().map(srp::salt_hex).unwrap_or_default();
        Ok(SignIn::PasswordVerifier(PasswordVerifierChallenge {
            user_id_for_srp: user.username,
            salt,
            srp_b: srp::b_hex(&ephemeral),
            secret_block,
        }))
    }

    /// RespondToAuthChallenge PASSWORD_VERIFIER (`USERNAME`, `PASSWORD_CLAIM_SECRET_BLOCK`,
    /// `PASSWORD_CLAIM_SIGNATURE`, `TIMESTAMP`, `SECRET_HASH`).
    pub(super) async fn answer_password_verifier(
        &self,
        pool: &Pool,
        client: &AppClient,
        responses: &BTreeMap<String, String>,
    ) -> Result<SignIn, PoolError> {
        let (username, secret_block) = user_and(client, responses, "PASSWORD_CLAIM_SECRET_BLOCK")?;
        let signature = required(responses, "PASSWORD_CLAIM_SIGNATURE")?;
        let timestamp = required(responses, "TIMESTAMP")?;
        if !srp::is_cognito_timestamp(timestamp) {
            return Err(invalid("TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english."));
        }
        let now = self.clock.now();
        let stored = match self.store.take_session(&hash_refresh_token(secret_block), now).await? {
            TakenSession::First(stored) => stored,
            TakenSession::AlreadyUsed(_) => return Err(PoolError::not_authorized(not_authorized::INVALID_SESSION)),
            // A decoy's block, or one never issued.
            TakenSession::Unknown => return Err(incorrect()),
        };
        let (Some(masked), ChallengeName::PasswordVerifier) = (stored.srp_key, stored.challenge) else {
            return Err(PoolError::not_authorized(not_authorized::INVALID_SESSION));
        };
        if stored.pool_id != pool.id || stored.client_id != client.id {
            return Err(PoolError::not_authorized(not_authorized::INVALID_SESSION));
        }
        if stored.expires_at <= now {
            return Err(PoolError::not_authorized(not_authorized::SESSION_EXPIRED));
        }
        let user = self.user_of_session(pool, username, &stored).await?;
        let block = STANDARD.decode(secret_block).map_err(|_| incorrect())?;
        let pool_name = srp::pool_name(pool.id.as_str()).unwrap_or_default();
        let expected = srp::claim_signature(&mask(secret_block, masked), pool_name, &user.username, &block, timestamp);
        let valid = srp::signature_matches(&expected, signature);
        let user = self.count_password_check(user, valid).await?;
        self.signed_in(pool, client, user).await
    }

    /// The user a challenge was issued to, named as the answer names them (by user name or
    /// `sub`).
    async fn user_of_session(
        &self,
        pool: &Pool,
        username: &str,
        stored: &StoredSession,
    ) -> Result<PoolUser, PoolError> {
        match self.find_user(pool, username).await {
            Ok(user) if user.sub == stored.sub => Ok(user),
            Ok(_) | Err(PoolError::UserNotFound) => Err(PoolError::not_authorized(not_authorized::INVALID_SESSION)),
            Err(err) => Err(err),
        }
    }
}
