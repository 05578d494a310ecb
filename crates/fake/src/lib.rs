//! # authport-fake — the fake identity provider (outbound adapter)
//!
//! Behaves like the Cognito backend at authport's HTTP API — same policy, same errors, same
//! token shapes (RS256 JWTs with Cognito-style claims, a JWKS) — without AWS. Users live in a
//! [`UserStore`]: [`MemoryStore`] for `cargo run` and fast tests, [`PostgresStore`] for durable
//! local development and several processes sharing one database. Passwords are argon2id PHC
//! hashes computed off the async reactor. [`claims`] is the shape of the tokens, for minting
//! and for whoever verifies them.

pub mod claims;
mod hashing;
mod provider;
pub mod store;
mod tokens;

pub use hashing::{HashCost, HashError, HashLimits, hash_phc, verify_phc};
pub use provider::{FakeConfig, FakeIdentityProvider, FakeSetupError};
pub use store::memory::MemoryStore;
pub use store::postgres::{DatabaseUrl, DatabaseUrlError, PostgresConfig, PostgresStore, redact_url};
pub use store::{InsertUserError, StoreError, StoredRefreshToken, StoredUser, UserStore};
pub use tokens::{SigningKey, SigningKeyError, TokenIssuer};
