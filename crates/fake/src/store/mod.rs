//! The store seam: what the fake provider needs from persistence. One implementation per
//! storage technology; the provider's logic (hashing, tokens, timing) is shared.

pub mod memory;
pub mod postgres;

use std::time::SystemTime;

use async_trait::async_trait;
use authport_domain::{BoxError, Email, User, UserId};

/// A user row.
#[derive(Debug, Clone)]
pub struct StoredUser {
    pub id: UserId,
    pub email: Email,
    /// argon2id PHC string.
    pub password_hash: String,
}

/// A refresh token, stored only as its SHA-256 (hex).
#[derive(Debug, Clone)]
pub struct StoredRefreshToken {
    pub token_hash: String,
    pub user_id: UserId,
    pub expires_at: SystemTime,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store cannot be reached (connection refused, pool timeout, …).
    #[error("user store unavailable")]
    Unavailable(#[source] BoxError),
    #[error("user store failure")]
    Other(#[source] BoxError),
}

#[derive(Debug, thiserror::Error)]
pub enum InsertUserError {
    /// A user with the same normalised e-mail exists. MUST be decided atomically by the
    /// store (map entry, unique index), never by a look-up before the insert.
    #[error("duplicate user")]
    Duplicate,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[async_trait]
pub trait UserStore: Send + Sync + 'static {
    /// `memory`, `postgres`: the backend name the server reports.
    fn name(&self) -> &'static str;

    /// Inserts a user; a 201 is only sent once this returned `Ok` (durably, for durable stores).
    async fn insert_user(&self, user: StoredUser) -> Result<(), InsertUserError>;

    /// Looks a user up by normalised e-mail.
    async fn find_user_by_email(&self, email: &Email) -> Result<Option<StoredUser>, StoreError>;

    async fn insert_refresh_token(&self, token: StoredRefreshToken) -> Result<(), StoreError>;

    /// The user holding the refresh token stored as `token_hash`, if that token exists, is not
    /// revoked and expires after `now`.
    async fn refresh_token_owner(&self, token_hash: &str, now: SystemTime) -> Result<Option<User>, StoreError>;

    /// Revokes (as of `now`) every unrevoked refresh token of `user_id`; returns how many.
    async fn revoke_refresh_tokens(&self, user_id: &UserId, now: SystemTime) -> Result<u64, StoreError>;

    /// Returns the signing key (PKCS#8 PEM) shared by every process using this store. If the
    /// store has none yet, `candidate` is stored atomically and returned; if another process
    /// won the race, its key is returned instead.
    async fn signing_key_pem(&self, candidate: String) -> Result<String, StoreError>;

    /// The shared signing key if the store already has one, so that a process joining an
    /// existing store need not generate (and throw away) a candidate. Stores that never keep
    /// one answer `None`.
    async fn existing_signing_key_pem(&self) -> Result<Option<String>, StoreError>;

    /// One round trip to the store (the readiness probe); changes nothing.
    async fn ping(&self) -> Result<(), StoreError>;
}
