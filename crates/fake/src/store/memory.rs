use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Mutex;

use async_trait::async_trait;
use authport_domain::Email;

use super::{InsertUserError, StoreError, StoredRefreshToken, StoredUser, UserStore};

/// Users in a process-local map: the embedded default of `cargo run`. Nothing survives a restart.
#[derive(Debug, Default)]
pub struct MemoryStore {
    users: Mutex<HashMap<String, StoredUser>>,
    refresh_tokens: Mutex<HashMap<String, StoredRefreshToken>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// The stored refresh-token hashes (for tests: tokens themselves are never kept).
    #[cfg(test)]
    pub(crate) fn refresh_token_hashes(&self) -> Vec<String> {
        self.refresh_tokens.lock().map(|m| m.keys().cloned().collect()).unwrap_or_default()
    }
}

fn poisoned<T>(_: T) -> StoreError {
    StoreError::Other("memory store lock poisoned".into())
}

#[async_trait]
impl UserStore for MemoryStore {
    fn name(&self) -> &'static str {
        "memory"
    }

    async fn insert_user(&self, user: StoredUser) -> Result<(), InsertUserError> {
        let mut users = self.users.lock().map_err(poisoned)?;
        // The entry API decides "exists?" and "insert" under one lock: race-safe.
        match users.entry(user.email.as_str().to_owned()) {
            Entry::Occupied(_) => Err(InsertUserError::Duplicate),
            Entry::Vacant(slot) => {
                slot.insert(user);
                Ok(())
            }
        }
    }

    async fn find_user_by_email(&self, email: &Email) -> Result<Option<StoredUser>, StoreError> {
        Ok(self.users.lock().map_err(poisoned)?.get(email.as_str()).cloned())
    }

    async fn insert_refresh_token(&self, token: StoredRefreshToken) -> Result<(), StoreError> {
        self.refresh_tokens.lock().map_err(poisoned)?.insert(token.token_hash.clone(), token);
        Ok(())
    }

    async fn signing_key_pem(&self, candidate: String) -> Result<String, StoreError> {
        Ok(candidate)
    }
}
