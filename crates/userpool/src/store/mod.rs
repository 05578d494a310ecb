//! The store seam: what the user-pool engine needs from persistence — data and the atomic steps
//! its rules rely on, no rules. One implementation per storage technology ([`memory`],
//! [`postgres`]); the engine's logic is shared, so the stores cannot drift apart. The contract
//! suite `authport_testkit::store_contract` runs every clause below against both.

pub mod memory;
pub mod postgres;

use std::time::SystemTime;

use async_trait::async_trait;
use authport_domain::BoxError;

use crate::model::{
    AppClient, ClientId, Message, Pool, PoolId, PoolUser, StoredRefreshToken, StoredSession, TakenSession,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store cannot be reached (connection refused, pool timeout, …).
    #[error("user store unavailable")]
    Unavailable(#[source] BoxError),
    #[error("user store failure")]
    Other(#[source] BoxError),
}

/// Why an insert did not happen.
#[derive(Debug, thiserror::Error)]
pub enum InsertError {
    /// A row with the same key exists: the pool id, the client id, or the user's
    /// (pool, username key). MUST be decided atomically by the store (map entry, unique index),
    /// never by a look-up before the insert (contract: `of_concurrent_inserts_of_one_user_one_wins`).
    #[error("duplicate")]
    Duplicate,
    /// The pool (or client) the row belongs to does not exist.
    #[error("the owning pool does not exist")]
    NoSuchPool,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The pool's RS256 keys (PKCS#8 PEM): one signs access tokens, the other id tokens. A pool that
/// came from an older release has one key under both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolKeysPem {
    pub access: String,
    pub id: String,
}

/// What is stored is read back as written, and what is not stored reads as absent
/// (contract: `what_is_stored_is_read_back`).
#[async_trait]
pub trait PoolStore: Send + Sync + 'static {
    /// `memory`, `postgres`: the backend name the server reports.
    fn name(&self) -> &'static str;

    /// One round trip to the store (the readiness probe); changes nothing.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Makes `pool` and `client` the default pool and client (the `/v1` API's), whatever their
    /// ids and settings were: the flags of the process own them. Users, tokens and keys of the
    /// default pool stay with it when its id changes (contract: `the_default_pool_keeps_its_users`).
    async fn install_default_pool(&self, pool: &Pool, client: &AppClient) -> Result<(), StoreError>;

    async fn insert_pool(&self, pool: &Pool) -> Result<(), InsertError>;
    async fn pool(&self, id: &PoolId) -> Result<Option<Pool>, StoreError>;
    /// Every pool, ordered by id.
    async fn pools(&self) -> Result<Vec<Pool>, StoreError>;
    /// Replaces the pool's settings; `false` when there is no such pool.
    async fn update_pool(&self, pool: &Pool) -> Result<bool, StoreError>;
    /// Deletes the pool with its clients, users, sessions, tokens and keys
    /// (contract: `deleting_a_pool_deletes_what_it_holds`); `false` when there was none.
    async fn delete_pool(&self, id: &PoolId) -> Result<bool, StoreError>;
    /// Empties the pool: its users (with their sessions and refresh tokens) and its messages go;
    /// the pool, its clients and its keys stay (contract: `clearing_a_pool_keeps_its_clients`).
    async fn clear_pool(&self, id: &PoolId) -> Result<(), StoreError>;

    async fn insert_client(&self, client: &AppClient) -> Result<(), InsertError>;
    /// A client by its id, whatever its pool (client ids are unique across pools).
    async fn client(&self, id: &ClientId) -> Result<Option<AppClient>, StoreError>;
    /// The pool's clients, ordered by id.
    async fn clients(&self, pool: &PoolId) -> Result<Vec<AppClient>, StoreError>;
    async fn update_client(&self, client: &AppClient) -> Result<bool, StoreError>;
    /// Deletes the client with its sessions and refresh tokens.
    async fn delete_client(&self, id: &ClientId) -> Result<bool, StoreError>;

    /// Inserts a user; [`InsertError::Duplicate`] when the pool has one under the same
    /// `username_key`. A success is durable when it returns (durable stores).
    async fn insert_user(&self, user: &PoolUser) -> Result<(), InsertError>;
    async fn user(&self, pool: &PoolId, username_key: &str) -> Result<Option<PoolUser>, StoreError>;
    async fn user_by_sub(&self, pool: &PoolId, sub: &uuid::Uuid) -> Result<Option<PoolUser>, StoreError>;
    /// Every user of the pool, ordered by username key byte by byte (as Rust orders strings:
    /// ListUsers pages through them by key).
    async fn users(&self, pool: &PoolId) -> Result<Vec<PoolUser>, StoreError>;
    /// Writes `user` if the stored row still has `user.revision`, bumping it; `false` when the
    /// row changed since it was read or is gone (contract: `an_update_from_a_stale_read_is_refused`).
    async fn update_user(&self, user: &PoolUser) -> Result<bool, StoreError>;
    /// Deletes the user with their sessions and refresh tokens.
    async fn delete_user(&self, pool: &PoolId, sub: &uuid::Uuid) -> Result<bool, StoreError>;

    async fn insert_session(&self, session: &StoredSession) -> Result<(), StoreError>;
    /// Marks the session used and says whether this call was the first to use it: of concurrent
    /// calls exactly one gets [`TakenSession::First`] (contract: `a_session_is_taken_once`).
    async fn take_session(&self, token_hash: &str, now: SystemTime) -> Result<TakenSession, StoreError>;

    async fn insert_refresh_token(&self, token: &StoredRefreshToken) -> Result<(), StoreError>;
    async fn refresh_token(&self, token_hash: &str) -> Result<Option<StoredRefreshToken>, StoreError>;
    /// The refresh token of the pool whose log-in is `origin_jti` (what access tokens name).
    async fn refresh_token_by_origin(
        &self,
        pool: &PoolId,
        origin_jti: &str,
    ) -> Result<Option<StoredRefreshToken>, StoreError>;
    /// Revokes (as of `now`) the one refresh token; `false` when it is unknown or was revoked
    /// before (contract: `revoking_one_refresh_token_revokes_it_alone`).
    async fn revoke_refresh_token(&self, token_hash: &str, now: SystemTime) -> Result<bool, StoreError>;
    /// Revokes (as of `now`) every unrevoked refresh token of the user and no one else's;
    /// returns how many (contract: `revoking_refresh_tokens_revokes_the_users_only`).
    async fn revoke_refresh_tokens(&self, pool: &PoolId, sub: &uuid::Uuid, now: SystemTime) -> Result<u64, StoreError>;

    /// Keeps a message that would have been sent.
    /// Deletes at most `limit` challenge sessions that expired before `sessions_before`, and at
    /// most `limit` refresh tokens that expired before `refresh_tokens_before`; how many went
    /// (contract: `expired_sessions_and_refresh_tokens_are_swept`).
    async fn sweep_expired(
        &self,
        sessions_before: SystemTime,
        refresh_tokens_before: SystemTime,
        limit: u32,
    ) -> Result<u64, StoreError>;

    async fn record_message(&self, message: &Message) -> Result<(), StoreError>;
    /// The pool's recorded messages, oldest first (contract: `messages_are_kept_per_pool_in_order`).
    async fn messages(&self, pool: &PoolId) -> Result<Vec<Message>, StoreError>;

    /// The pool's signing keys, if it has them yet.
    async fn pool_keys(&self, pool: &PoolId) -> Result<Option<PoolKeysPem>, StoreError>;
    /// Stores `candidate` as the pool's keys unless it has some; returns the keys it has then —
    /// of processes racing, every one gets the winner's (contract: `racing_key_stores_agree`).
    async fn put_pool_keys(&self, pool: &PoolId, candidate: PoolKeysPem) -> Result<PoolKeysPem, StoreError>;
}
