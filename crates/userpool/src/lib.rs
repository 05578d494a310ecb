//! # authport-userpool — authport's own user pools (outbound adapter)
//!
//! A user-pool engine with Cognito's rules ([`engine`]): pools, app clients, users with
//! statuses and attributes, challenge sessions, revocable refresh tokens and per-pool RS256
//! keys, kept in a [`PoolStore`] — [`MemoryStore`] for `cargo run` and fast tests,
//! [`PostgresStore`] for durable local development and several processes sharing one database.
//! [`LocalIdentityProvider`] is authport's `/v1` port over its default pool and client, so the
//! local backends behave like the Cognito backend at the HTTP API. Passwords are argon2id PHC
//! hashes computed off the async reactor. [`claims`] is the shape of the tokens, for minting
//! and for whoever verifies them.

pub mod claims;
pub mod clock;
pub mod engine;
mod hashing;
pub mod model;
mod provider;
pub mod srp;
pub mod store;
mod tokens;

pub use clock::{Clock, ManualClock, SystemClock};
pub use engine::{IssuedTokens, PoolError, PoolSetupError, SignIn, UserPools};
pub use hashing::{HashCost, HashError, HashLimits, hash_phc, verify_phc};
pub use provider::{LocalConfig, LocalIdentityProvider, LocalSetupError};
pub use store::memory::MemoryStore;
pub use store::postgres::{DatabaseUrl, DatabaseUrlError, PostgresConfig, PostgresStore, redact_url};
pub use store::{InsertError, PoolKeysPem, PoolStore, StoreError};
pub use tokens::{SigningKey, SigningKeyError, TokenIssuer, TokenSubject};
