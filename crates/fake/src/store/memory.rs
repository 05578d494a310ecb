use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Mutex;
use std::time::SystemTime;

use async_trait::async_trait;
use authport_domain::{Email, User, UserId};

use super::{InsertUserError, StoreError, StoredRefreshToken, StoredUser, UserStore};

/// Users in a process-local map: the embedded default of `cargo run`. Nothing survives a restart.
#[derive(Debug, Default)]
pub struct MemoryStore {
    users: Mutex<Users>,
    /// token hash → (token, revoked at)
    refresh_tokens: Mutex<HashMap<String, (StoredRefreshToken, Option<SystemTime>)>>,
}

#[derive(Debug, Default)]
struct Users {
    by_email: HashMap<String, StoredUser>,
    email_by_id: HashMap<String, String>,
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
        let Users { by_email, email_by_id } = &mut *users;
        // The entry API decides "exists?" and "insert" under one lock: race-safe.
        match by_email.entry(user.email.as_str().to_owned()) {
            Entry::Occupied(_) => Err(InsertUserError::Duplicate),
            Entry::Vacant(slot) => {
                email_by_id.insert(user.id.as_str().to_owned(), user.email.as_str().to_owned());
                slot.insert(user);
                Ok(())
            }
        }
    }

    async fn find_user_by_email(&self, email: &Email) -> Result<Option<StoredUser>, StoreError> {
        Ok(self.users.lock().map_err(poisoned)?.by_email.get(email.as_str()).cloned())
    }

    async fn insert_refresh_token(&self, token: StoredRefreshToken) -> Result<(), StoreError> {
        self.refresh_tokens.lock().map_err(poisoned)?.insert(token.token_hash.clone(), (token, None));
        Ok(())
    }

    async fn refresh_token_owner(&self, token_hash: &str, now: SystemTime) -> Result<Option<User>, StoreError> {
        let user_id = match self.refresh_tokens.lock().map_err(poisoned)?.get(token_hash) {
            Some((token, None)) if token.expires_at > now => token.user_id.clone(),
            _ => return Ok(None),
        };
        let users = self.users.lock().map_err(poisoned)?;
        let user = users.email_by_id.get(user_id.as_str()).and_then(|email| users.by_email.get(email));
        Ok(user.map(|u| User { id: u.id.clone(), email: u.email.clone() }))
    }

    async fn revoke_refresh_tokens(&self, user_id: &UserId, now: SystemTime) -> Result<u64, StoreError> {
        let mut tokens = self.refresh_tokens.lock().map_err(poisoned)?;
        let mut revoked = 0;
        for (token, revoked_at) in tokens.values_mut() {
            if &token.user_id == user_id && revoked_at.is_none() {
                *revoked_at = Some(now);
                revoked += 1;
            }
        }
        Ok(revoked)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }

    async fn signing_key_pem(&self, candidate: String) -> Result<String, StoreError> {
        Ok(candidate)
    }

    async fn existing_signing_key_pem(&self) -> Result<Option<String>, StoreError> {
        Ok(None)
    }
}
