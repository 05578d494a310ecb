//! What testers ask of an emulator, beyond Cognito's own API: pools, clients and users declared
//! with fixed ids (a seed, applied idempotently by every process), a reset between test runs, and
//! the messages Cognito would have e-mailed or texted.

use std::collections::BTreeMap;

use secrecy::{ExposeSecret as _, SecretString};

use super::admin::{ClientSettings, NewPool};
use super::{PoolError, UserPools};
use crate::model::{AppClient, ClientId, Message, Pool, PoolId, UserStatus};
use crate::store::{InsertError, PoolStore};

/// Pools, clients and users with fixed ids, so that tests and `.env` files can name them.
#[derive(Debug, Clone, Default)]
pub struct Seed {
    pub pools: Vec<SeedPool>,
}

/// A pool of the seed. For the default pool (the `/v1` API's) only its clients and users are
/// applied: its settings are the process's flags.
#[derive(Debug, Clone)]
pub struct SeedPool {
    pub id: PoolId,
    pub new: NewPool,
    pub clients: Vec<SeedClient>,
    pub users: Vec<SeedUser>,
}

#[derive(Debug, Clone)]
pub struct SeedClient {
    pub id: ClientId,
    pub secret: Option<SecretString>,
    pub settings: ClientSettings,
}

/// A user of the seed, signing in with `password` (CONFIRMED) or, when `temporary`, made to
/// choose a new one first (FORCE_CHANGE_PASSWORD).
#[derive(Debug, Clone)]
pub struct SeedUser {
    pub username: String,
    pub password: SecretString,
    pub temporary: bool,
    pub attributes: Vec<(String, String)>,
}

/// What applying a seed did: what it created, and what it found stored already. A conflict is
/// an entry stored with other settings than the seed's: the stored one wins.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedOutcome {
    pub created: Vec<String>,
    pub kept: Vec<String>,
    pub conflicts: Vec<String>,
}

/// What a reset empties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reset {
    /// Every pool but the default one is deleted; the default pool is emptied of users.
    Everything,
    /// The pool's users (with their sessions and tokens) and messages go; its settings and
    /// clients stay.
    Pool(PoolId),
}

/// The settings of `pool` that a seed declares, to tell a conflict.
fn pool_settings(pool: &Pool) -> impl PartialEq + std::fmt::Debug + '_ {
    (
        &pool.name,
        pool.policy,
        pool.temporary_password_validity_days,
        pool.case_sensitive,
        &pool.username_attributes,
        pool.allow_admin_create_user_only,
        &pool.auto_verified_attributes,
    )
}

/// The settings of `client` that a seed declares, to tell a conflict.
fn client_settings(client: &AppClient) -> impl PartialEq + std::fmt::Debug + '_ {
    (
        &client.pool_id,
        &client.name,
        &client.explicit_auth_flows,
        client.prevent_user_existence_errors,
        (client.access_token_validity, client.id_token_validity, client.refresh_token_validity),
        client.auth_session_validity_minutes,
        client.enable_token_revocation,
    )
}

fn same_secret(a: Option<&SecretString>, b: Option<&SecretString>) -> bool {
    a.map(|s| s.expose_secret().to_owned()) == b.map(|s| s.expose_secret().to_owned())
}

impl<S: PoolStore> UserPools<S> {
    /// Creates what `seed` declares and is not stored yet. What is stored already wins: a
    /// difference is reported as a conflict, never overwritten, so that every process of a
    /// shared store can apply the same seed at start-up.
    pub async fn apply_seed(&self, seed: &Seed, issuer_base: Option<&str>) -> Result<SeedOutcome, PoolError> {
        let mut outcome = SeedOutcome::default();
        for declared in &seed.pools {
            let pool = self.seed_pool(declared, issuer_base, &mut outcome).await?;
            for client in &declared.clients {
                self.seed_client(&pool, client, &mut outcome).await?;
            }
            for user in &declared.users {
                self.seed_user(&pool, user, &mut outcome).await?;
            }
        }
        Ok(outcome)
    }

    async fn seed_pool(
        &self,
        declared: &SeedPool,
        issuer_base: Option<&str>,
        outcome: &mut SeedOutcome,
    ) -> Result<Pool, PoolError> {
        let what = format!("pool {}", declared.id);
        if self.is_default_pool(&declared.id) {
            outcome.kept.push(format!("{what} (the default pool: its settings are the flags')"));
            return self.pool(&declared.id).await;
        }
        let candidate = self.pool_from(declared.id.clone(), &declared.new, issuer_base);
        match self.store.insert_pool(&candidate).await {
            Ok(()) => {
                outcome.created.push(what);
                Ok(candidate)
            }
            Err(InsertError::Duplicate) => {
                let stored = self.pool(&declared.id).await?;
                if pool_settings(&stored) == pool_settings(&candidate) {
                    outcome.kept.push(what);
                } else {
                    outcome.conflicts.push(format!("{what} is stored with other settings than the seed's"));
                }
                Ok(stored)
            }
            Err(InsertError::NoSuchPool) => Err(PoolError::Internal("a pool has no owner".into())),
            Err(InsertError::Store(err)) => Err(err.into()),
        }
    }

    async fn seed_client(
        &self,
        pool: &Pool,
        declared: &SeedClient,
        outcome: &mut SeedOutcome,
    ) -> Result<(), PoolError> {
        let what = format!("client {} of pool {}", declared.id, pool.id);
        let candidate = self.client_from(declared.id.clone(), pool, declared.settings.clone(), declared.secret.clone());
        match self.store.insert_client(&candidate).await {
            Ok(()) => outcome.created.push(what),
            Err(InsertError::Duplicate) => {
                let stored =
                    self.store.client(&declared.id).await?.ok_or_else(|| PoolError::no_such_client(&declared.id))?;
                if client_settings(&stored) == client_settings(&candidate)
                    && same_secret(stored.secret.as_ref(), candidate.secret.as_ref())
                {
                    outcome.kept.push(what);
                } else {
                    outcome.conflicts.push(format!("{what} is stored with other settings than the seed's"));
                }
            }
            Err(InsertError::NoSuchPool) => return Err(PoolError::no_such_pool(&pool.id)),
            Err(InsertError::Store(err)) => return Err(err.into()),
        }
        Ok(())
    }

    async fn seed_user(&self, pool: &Pool, declared: &SeedUser, outcome: &mut SeedOutcome) -> Result<(), PoolError> {
        let what = format!("user {} of pool {}", declared.username, pool.id);
        super::admin::check_attributes(&declared.attributes)?;
        let mut attributes: BTreeMap<String, String> = declared.attributes.iter().cloned().collect();
        let username = super::admin::stored_username(pool, &declared.username, &mut attributes)?;
        let status = if declared.temporary { UserStatus::ForceChangePassword } else { UserStatus::Confirmed };
        let created = self
            .create_user(
                pool,
                username.as_deref(),
                &declared.username,
                attributes.clone(),
                declared.password.expose_secret(),
                status,
                |_| (),
            )
            .await;
        match created {
            Ok(_) => outcome.created.push(what),
            Err(PoolError::UsernameExists) => {
                let stored = self.find_user(pool, &declared.username).await?;
                let differs = attributes.iter().any(|(name, value)| stored.attribute(name) != Some(value.as_str()));
                if differs || stored.status != status {
                    outcome.conflicts.push(format!("{what} is stored with other attributes or status than the seed's"));
                } else {
                    outcome.kept.push(what);
                }
            }
            Err(err) => return Err(err),
        }
        Ok(())
    }

    /// Empties what `scope` names (see [`Reset`]); the default pool and its client always stay.
    pub async fn reset(&self, scope: &Reset) -> Result<(), PoolError> {
        match scope {
            Reset::Pool(id) => {
                let pool = self.pool(id).await?;
                Ok(self.store.clear_pool(&pool.id).await?)
            }
            Reset::Everything => {
                for pool in self.store.pools().await? {
                    if self.is_default_pool(&pool.id) {
                        self.store.clear_pool(&pool.id).await?;
                    } else if self.store.delete_pool(&pool.id).await? {
                        self.keys.forget(&pool.id);
                    }
                }
                Ok(())
            }
        }
    }

    /// The messages recorded, oldest first: of one pool or of all, and to one user (named by
    /// user name, or by the address or number the message went to) or to all.
    pub async fn recorded_messages(
        &self,
        pool: Option<&PoolId>,
        username: Option<&str>,
    ) -> Result<Vec<Message>, PoolError> {
        let pools = match pool {
            Some(id) => vec![self.pool(id).await?],
            None => self.store.pools().await?,
        };
        let mut messages = Vec::new();
        for pool in pools {
            let sent = self.store.messages(&pool.id).await?;
            messages.extend(sent.into_iter().filter(|m| {
                username.is_none_or(|name| {
                    pool.username_key(&m.username) == pool.username_key(name)
                        || m.destination.eq_ignore_ascii_case(name)
                })
            }));
        }
        messages.sort_by_key(|m| m.created_at);
        Ok(messages)
    }
}
