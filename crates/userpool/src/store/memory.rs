//! The pools in a process-local map: the embedded default of `cargo run`. Nothing survives a
//! restart. One lock over everything: each operation is one critical section, which makes the
//! store's atomic steps (create-if-absent, compare-and-set, take-once) trivially atomic.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

use async_trait::async_trait;

use super::{InsertError, PoolKeysPem, PoolStore, StoreError};
use crate::model::{
    AppClient, ClientId, Message, Pool, PoolId, PoolUser, StoredRefreshToken, StoredSession, TakenSession,
};

#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    default_pool: Option<PoolId>,
    default_client: Option<ClientId>,
    pools: BTreeMap<PoolId, Pool>,
    clients: BTreeMap<ClientId, AppClient>,
    /// (pool, username key) → user
    users: HashMap<(PoolId, String), PoolUser>,
    /// token hash → (session, used)
    sessions: HashMap<String, (StoredSession, bool)>,
    refresh_tokens: HashMap<String, StoredRefreshToken>,
    keys: HashMap<PoolId, PoolKeysPem>,
    messages: Vec<Message>,
}

impl State {
    /// Renames a pool in everything that names it.
    fn rename_pool(&mut self, from: &PoolId, to: &PoolId) {
        if from == to {
            return;
        }
        if let Some(mut pool) = self.pools.remove(from) {
            pool.id = to.clone();
            self.pools.insert(to.clone(), pool);
        }
        for client in self.clients.values_mut().filter(|c| &c.pool_id == from) {
            client.pool_id = to.clone();
        }
        let users: Vec<_> = self.users.extract_if(|(pool, _), _| pool == from).collect();
        for ((_, key), mut user) in users {
            user.pool_id = to.clone();
            self.users.insert((to.clone(), key), user);
        }
        for (session, _) in self.sessions.values_mut().filter(|(s, _)| &s.pool_id == from) {
            session.pool_id = to.clone();
        }
        for token in self.refresh_tokens.values_mut().filter(|t| &t.pool_id == from) {
            token.pool_id = to.clone();
        }
        if let Some(keys) = self.keys.remove(from) {
            self.keys.insert(to.clone(), keys);
        }
        for message in self.messages.iter_mut().filter(|m| &m.pool_id == from) {
            message.pool_id = to.clone();
        }
    }

    fn rename_client(&mut self, from: &ClientId, to: &ClientId) {
        if from == to {
            return;
        }
        if let Some(mut client) = self.clients.remove(from) {
            client.id = to.clone();
            self.clients.insert(to.clone(), client);
        }
        for (session, _) in self.sessions.values_mut().filter(|(s, _)| &s.client_id == from) {
            session.client_id = to.clone();
        }
        for token in self.refresh_tokens.values_mut().filter(|t| &t.client_id == from) {
            token.client_id = to.clone();
        }
    }

    fn forget_user(&mut self, pool: &PoolId, sub: &uuid::Uuid) {
        self.sessions.retain(|_, (s, _)| !(&s.pool_id == pool && &s.sub == sub));
        self.refresh_tokens.retain(|_, t| !(&t.pool_id == pool && &t.sub == sub));
    }
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> Result<MutexGuard<'_, State>, StoreError> {
        self.state.lock().map_err(|_| StoreError::Other("memory store lock poisoned".into()))
    }

    /// The stored refresh-token hashes (for tests: tokens themselves are never kept).
    #[cfg(test)]
    pub(crate) fn refresh_token_hashes(&self) -> Vec<String> {
        self.state.lock().map(|s| s.refresh_tokens.keys().cloned().collect()).unwrap_or_default()
    }
}

#[async_trait]
impl PoolStore for MemoryStore {
    fn name(&self) -> &'static str {
        "memory"
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.state().map(drop)
    }

    async fn install_default_pool(&self, pool: &Pool, client: &AppClient) -> Result<(), StoreError> {
        let mut state = self.state()?;
        if let Some(old) = state.default_pool.clone() {
            if old != pool.id && state.pools.contains_key(&pool.id) {
                return Err(StoreError::Other(format!("pool {} exists and is not the default pool", pool.id).into()));
            }
            state.rename_pool(&old, &pool.id);
        }
        if let Some(old) = state.default_client.clone() {
            if old != client.id && state.clients.contains_key(&client.id) {
                return Err(StoreError::Other(
                    format!("client {} exists and is not the default client", client.id).into(),
                ));
            }
            state.rename_client(&old, &client.id);
        }
        state.default_pool = Some(pool.id.clone());
        state.default_client = Some(client.id.clone());
        state.pools.insert(pool.id.clone(), pool.clone());
        state.clients.insert(client.id.clone(), client.clone());
        Ok(())
    }

    async fn insert_pool(&self, pool: &Pool) -> Result<(), InsertError> {
        let mut state = self.state()?;
        if state.pools.contains_key(&pool.id) {
            return Err(InsertError::Duplicate);
        }
        state.pools.insert(pool.id.clone(), pool.clone());
        Ok(())
    }

    async fn pool(&self, id: &PoolId) -> Result<Option<Pool>, StoreError> {
        Ok(self.state()?.pools.get(id).cloned())
    }

    async fn pools(&self) -> Result<Vec<Pool>, StoreError> {
        Ok(self.state()?.pools.values().cloned().collect())
    }

    async fn update_pool(&self, pool: &Pool) -> Result<bool, StoreError> {
        let mut state = self.state()?;
        Ok(state.pools.get_mut(&pool.id).map(|stored| *stored = pool.clone()).is_some())
    }

    async fn delete_pool(&self, id: &PoolId) -> Result<bool, StoreError> {
        let mut state = self.state()?;
        if state.pools.remove(id).is_none() {
            return Ok(false);
        }
        state.clients.retain(|_, c| &c.pool_id != id);
        state.users.retain(|(pool, _), _| pool != id);
        state.sessions.retain(|_, (s, _)| &s.pool_id != id);
        state.refresh_tokens.retain(|_, t| &t.pool_id != id);
        state.keys.remove(id);
        state.messages.retain(|m| &m.pool_id != id);
        if state.default_pool.as_ref() == Some(id) {
            state.default_pool = None;
        }
        Ok(true)
    }

    async fn clear_pool(&self, id: &PoolId) -> Result<(), StoreError> {
        let mut state = self.state()?;
        state.users.retain(|(pool, _), _| pool != id);
        state.sessions.retain(|_, (s, _)| &s.pool_id != id);
        state.refresh_tokens.retain(|_, t| &t.pool_id != id);
        state.messages.retain(|m| &m.pool_id != id);
        Ok(())
    }

    async fn insert_client(&self, client: &AppClient) -> Result<(), InsertError> {
        let mut state = self.state()?;
        if !state.pools.contains_key(&client.pool_id) {
            return Err(InsertError::NoSuchPool);
        }
        if state.clients.contains_key(&client.id) {
            return Err(InsertError::Duplicate);
        }
        state.clients.insert(client.id.clone(), client.clone());
        Ok(())
    }

    async fn client(&self, id: &ClientId) -> Result<Option<AppClient>, StoreError> {
        Ok(self.state()?.clients.get(id).cloned())
    }

    async fn clients(&self, pool: &PoolId) -> Result<Vec<AppClient>, StoreError> {
        Ok(self.state()?.clients.values().filter(|c| &c.pool_id == pool).cloned().collect())
    }

    async fn update_client(&self, client: &AppClient) -> Result<bool, StoreError> {
        let mut state = self.state()?;
        Ok(state.clients.get_mut(&client.id).map(|stored| *stored = client.clone()).is_some())
    }

    async fn delete_client(&self, id: &ClientId) -> Result<bool, StoreError> {
        let mut state = self.state()?;
        if state.clients.remove(id).is_none() {
            return Ok(false);
        }
        if state.default_client.as_ref() == Some(id) {
            state.default_client = None;
        }
        state.sessions.retain(|_, (s, _)| &s.client_id != id);
        state.refresh_tokens.retain(|_, t| &t.client_id != id);
        Ok(true)
    }

    async fn insert_user(&self, user: &PoolUser) -> Result<(), InsertError> {
        let mut state = self.state()?;
        if !state.pools.contains_key(&user.pool_id) {
            return Err(InsertError::NoSuchPool);
        }
        // The entry API decides "exists?" and "insert" under one lock: race-safe.
        match state.users.entry((user.pool_id.clone(), user.username_key.clone())) {
            std::collections::hash_map::Entry::Occupied(_) => Err(InsertError::Duplicate),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(user.clone());
                Ok(())
            }
        }
    }

    async fn user(&self, pool: &PoolId, username_key: &str) -> Result<Option<PoolUser>, StoreError> {
        Ok(self.state()?.users.get(&(pool.clone(), username_key.to_owned())).cloned())
    }

    async fn users(&self, pool: &PoolId) -> Result<Vec<PoolUser>, StoreError> {
        let mut users: Vec<PoolUser> = self.state()?.users.values().filter(|u| &u.pool_id == pool).cloned().collect();
        users.sort_by(|a, b| a.username_key.cmp(&b.username_key));
        Ok(users)
    }

    async fn user_by_sub(&self, pool: &PoolId, sub: &uuid::Uuid) -> Result<Option<PoolUser>, StoreError> {
        Ok(self.state()?.users.values().find(|u| &u.pool_id == pool && &u.sub == sub).cloned())
    }

    async fn update_user(&self, user: &PoolUser) -> Result<bool, StoreError> {
        let mut state = self.state()?;
        let Some(stored) = state.users.get_mut(&(user.pool_id.clone(), user.username_key.clone())) else {
            return Ok(false);
        };
        if stored.sub != user.sub || stored.revision != user.revision {
            return Ok(false);
        }
        *stored = PoolUser { revision: user.revision + 1, ..user.clone() };
        Ok(true)
    }

    async fn delete_user(&self, pool: &PoolId, sub: &uuid::Uuid) -> Result<bool, StoreError> {
        let mut state = self.state()?;
        let before = state.users.len();
        state.users.retain(|(p, _), u| !(p == pool && &u.sub == sub));
        let deleted = state.users.len() < before;
        state.forget_user(pool, sub);
        Ok(deleted)
    }

    async fn insert_session(&self, session: &StoredSession) -> Result<(), StoreError> {
        self.state()?.sessions.insert(session.token_hash.clone(), (session.clone(), false));
        Ok(())
    }

    async fn take_session(&self, token_hash: &str, _now: SystemTime) -> Result<TakenSession, StoreError> {
        let mut state = self.state()?;
        Ok(match state.sessions.get_mut(token_hash) {
            None => TakenSession::Unknown,
            Some((session, used)) if *used => TakenSession::AlreadyUsed(session.clone()),
            Some((session, used)) => {
                *used = true;
                TakenSession::First(session.clone())
            }
        })
    }

    async fn sweep_expired(
        &self,
        sessions_before: SystemTime,
        refresh_tokens_before: SystemTime,
        limit: u32,
    ) -> Result<u64, StoreError> {
        let mut state = self.state()?;
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let expired = |expires_at: SystemTime, before: SystemTime| expires_at < before;
        let sessions: Vec<String> = state
            .sessions
            .iter()
            .filter(|(_, (s, _))| expired(s.expires_at, sessions_before))
            .map(|(hash, _)| hash.clone())
            .take(limit)
            .collect();
        let tokens: Vec<String> = state
            .refresh_tokens
            .iter()
            .filter(|(_, t)| expired(t.expires_at, refresh_tokens_before))
            .map(|(hash, _)| hash.clone())
            .take(limit)
            .collect();
        for hash in &sessions {
            state.sessions.remove(hash);
        }
        for hash in &tokens {
            state.refresh_tokens.remove(hash);
        }
        Ok(u64::try_from(sessions.len() + tokens.len()).unwrap_or(u64::MAX))
    }

    async fn insert_refresh_token(&self, token: &StoredRefreshToken) -> Result<(), StoreError> {
        self.state()?.refresh_tokens.insert(token.token_hash.clone(), token.clone());
        Ok(())
    }

    async fn refresh_token(&self, token_hash: &str) -> Result<Option<StoredRefreshToken>, StoreError> {
        Ok(self.state()?.refresh_tokens.get(token_hash).cloned())
    }

    async fn refresh_token_by_origin(
        &self,
        pool: &PoolId,
        origin_jti: &str,
    ) -> Result<Option<StoredRefreshToken>, StoreError> {
        Ok(self.state()?.refresh_tokens.values().find(|t| &t.pool_id == pool && t.origin_jti == origin_jti).cloned())
    }

    async fn revoke_refresh_token(&self, token_hash: &str, now: SystemTime) -> Result<bool, StoreError> {
        let mut state = self.state()?;
        match state.refresh_tokens.get_mut(token_hash) {
            Some(token) if token.revoked_at.is_none() => {
                token.revoked_at = Some(now);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn revoke_refresh_tokens(&self, pool: &PoolId, sub: &uuid::Uuid, now: SystemTime) -> Result<u64, StoreError> {
        let mut state = self.state()?;
        let mut revoked = 0;
        for token in state.refresh_tokens.values_mut() {
            if &token.pool_id == pool && &token.sub == sub && token.revoked_at.is_none() {
                token.revoked_at = Some(now);
                revoked += 1;
            }
        }
        Ok(revoked)
    }

    async fn record_message(&self, message: &Message) -> Result<(), StoreError> {
        self.state()?.messages.push(message.clone());
        Ok(())
    }

    async fn messages(&self, pool: &PoolId) -> Result<Vec<Message>, StoreError> {
        Ok(self.state()?.messages.iter().filter(|m| &m.pool_id == pool).cloned().collect())
    }

    async fn pool_keys(&self, pool: &PoolId) -> Result<Option<PoolKeysPem>, StoreError> {
        Ok(self.state()?.keys.get(pool).cloned())
    }

    async fn put_pool_keys(&self, pool: &PoolId, candidate: PoolKeysPem) -> Result<PoolKeysPem, StoreError> {
        Ok(self.state()?.keys.entry(pool.clone()).or_insert(candidate).clone())
    }
}
