//! The PostgreSQL store: pools and users survive restarts and several authport processes can
//! share one database (pools, clients, users, sessions, refresh tokens and signing keys).
//!
//! - Schema: the versioned files under `crates/userpool/migrations/`, applied with
//!   [`sqlx::migrate!`] at start-up (and by `authport migrate`). sqlx serialises concurrent
//!   migrators with an advisory lock, so processes may start together.
//! - Duplicates: decided by the primary keys and the unique index `users_pool_username_key`; a
//!   violation of them (SQLSTATE 23505) is [`InsertError::Duplicate`] (`errors.rs`). There is no
//!   look-up before an insert. Updates of a user compare its `revision`.
//! - Durability: every write is a single autocommitted statement with `synchronous_commit = on`,
//!   so when [`PoolStore::insert_user`] returns `Ok` the row is committed.
//! - Never hang: the pool (`config.rs`) waits at most `acquire_timeout` for a connection, the
//!   server cancels statements after `statement_timeout`, and a client-side deadline of
//!   `statement_timeout` + 1 s covers a connection that stopped answering altogether. All three
//!   are [`StoreError::Unavailable`]. The pool opens connections lazily and replaces broken ones
//!   on the next acquire, so the store recovers by itself once the database is back.
//! - All SQL uses bound parameters.

mod config;
mod database_url;
mod errors;
mod rows;

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgPool;
use sqlx::{PgConnection, Postgres};

pub use self::config::PostgresConfig;
pub use self::database_url::{DatabaseUrl, DatabaseUrlError, redact_url};
use self::errors::{DbError, classify, is_duplicate, is_orphan};
use self::rows::{
    CLIENT_COLUMNS, ClientRow, MessageRow, POOL_COLUMNS, PoolRow, REFRESH_TOKEN_COLUMNS, RefreshTokenRow, SessionRow,
    USER_COLUMNS, UserRow, timestamp,
};
use super::{InsertError, PoolKeysPem, PoolStore, StoreError};
use crate::model::{
    AppClient, ClientId, Message, Pool, PoolId, PoolUser, StoredRefreshToken, StoredSession, TakenSession,
};

/// The schema, embedded at compile time from `crates/userpool/migrations/`.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// How long past the statement timeout the client waits for an answer before it gives the
/// connection up (the server should have cancelled the statement by then).
const CLIENT_DEADLINE_GRACE: Duration = Duration::from_secs(1);

/// The user pools in PostgreSQL.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    /// Client-side bound of one statement on an acquired connection.
    statement_deadline: Duration,
}

type ConnFuture<'c, T> = Pin<Box<dyn Future<Output = Result<T, sqlx::Error>> + Send + 'c>>;

impl PostgresStore {
    /// Creates the pool (no connection is opened yet) and applies pending migrations, which
    /// fails as [`StoreError::Unavailable`] within the acquire timeout when the database
    /// cannot be reached.
    pub async fn connect(config: &PostgresConfig) -> Result<Self, StoreError> {
        let store = Self::connect_lazy(config)?;
        store.migrate().await?;
        Ok(store)
    }

    /// Creates the pool without touching the database (and without migrating).
    pub fn connect_lazy(config: &PostgresConfig) -> Result<Self, StoreError> {
        let pool = config.pool()?;
        tracing::info!(
            database = %config.url.redacted(),
            max_connections = config.max_connections,
            acquire_timeout_ms = config.acquire_timeout.as_millis(),
            statement_timeout_ms = config.statement_timeout.as_millis(),
            "PostgreSQL store configured"
        );
        Ok(Self { pool, statement_deadline: config.statement_timeout + CLIENT_DEADLINE_GRACE })
    }

    /// Applies the pending migrations of [`MIGRATOR`] (idempotent; safe to run from several
    /// processes at once).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR.run(&self.pool).await.map_err(|err| match err {
            MigrateError::Execute(err) | MigrateError::ExecuteMigration(err, _) => classify(err),
            other => StoreError::Other(Box::new(other)),
        })?;
        let version = MIGRATOR.iter().map(|m| m.version).max().unwrap_or_default();
        tracing::info!(schema_version = version, "PostgreSQL schema up to date");
        Ok(())
    }

    /// Closes the pool: waits for checked-out connections to come back, closes them all.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Runs `op` on a pooled connection, bounded by the acquire timeout and then by the
    /// client-side statement deadline. A connection whose statement overran the deadline is
    /// closed rather than returned to the pool (its state is unknown).
    async fn with_conn<T, F>(&self, op: F) -> Result<T, DbError>
    where
        F: for<'c> FnOnce(&'c mut PgConnection) -> ConnFuture<'c, T>,
    {
        let mut conn: PoolConnection<Postgres> = self.pool.acquire().await?;
        let outcome = tokio::time::timeout(self.statement_deadline, op(&mut conn)).await;
        match outcome {
            Ok(result) => Ok(result?),
            Err(_elapsed) => {
                conn.close_on_drop();
                Err(DbError::Deadline(self.statement_deadline))
            }
        }
    }
}

impl PostgresStore {
    /// Runs a `DELETE … WHERE id = $1`; returns how many rows went (their dependants cascade).
    async fn delete_by_id(&self, statement: &'static str, id: String) -> Result<u64, StoreError> {
        let result = self
            .with_conn(move |conn| Box::pin(async move { sqlx::query(statement).bind(id).execute(conn).await }))
            .await?;
        Ok(result.rows_affected())
    }
}

/// An insert's outcome: duplicates and orphans are answers, the rest store errors.
fn inserted(result: Result<sqlx::postgres::PgQueryResult, DbError>) -> Result<(), InsertError> {
    match result {
        Ok(_) => Ok(()),
        Err(DbError::Sqlx(err)) if is_duplicate(&err) => Err(InsertError::Duplicate),
        Err(DbError::Sqlx(err)) if is_orphan(&err) => Err(InsertError::NoSuchPool),
        Err(err) => Err(StoreError::from(err).into()),
    }
}

fn insert_pool_query(
    row: PoolRow,
    is_default: bool,
) -> sqlx::query::Query<'static, Postgres, sqlx::postgres::PgArguments> {
    sqlx::query(
        "INSERT INTO user_pools (id, name, min_password_length, require_lowercase, require_uppercase, \
         require_digit, require_symbol, temporary_password_validity_days, case_sensitive, username_attributes, \
         allow_admin_create_user_only, issuer, created_at, last_modified_at, is_default, auto_verified_attributes) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(row.id)
    .bind(row.name)
    .bind(row.min_password_length)
    .bind(row.require_lowercase)
    .bind(row.require_uppercase)
    .bind(row.require_digit)
    .bind(row.require_symbol)
    .bind(row.temporary_password_validity_days)
    .bind(row.case_sensitive)
    .bind(row.username_attributes)
    .bind(row.allow_admin_create_user_only)
    .bind(row.issuer)
    .bind(row.created_at)
    .bind(row.last_modified_at)
    .bind(is_default)
    .bind(row.auto_verified_attributes)
}

/// Sets every setting of the pool named `$1` (or, with `WHERE is_default`, of the default pool,
/// whose id becomes `$1`); the creation time stays.
const UPDATE_POOL: &str = "UPDATE user_pools SET id = $1, name = $2, min_password_length = $3, \
    require_lowercase = $4, require_uppercase = $5, require_digit = $6, require_symbol = $7, \
    temporary_password_validity_days = $8, case_sensitive = $9, username_attributes = $10, \
    allow_admin_create_user_only = $11, issuer = $12, last_modified_at = $13, auto_verified_attributes = $14";

fn update_pool_query(row: PoolRow, filter: &str) -> sqlx::query::Query<'_, Postgres, sqlx::postgres::PgArguments> {
    sqlx::query(filter)
        .bind(row.id)
        .bind(row.name)
        .bind(row.min_password_length)
        .bind(row.require_lowercase)
        .bind(row.require_uppercase)
        .bind(row.require_digit)
        .bind(row.require_symbol)
        .bind(row.temporary_password_validity_days)
        .bind(row.case_sensitive)
        .bind(row.username_attributes)
        .bind(row.allow_admin_create_user_only)
        .bind(row.issuer)
        .bind(row.last_modified_at)
        .bind(row.auto_verified_attributes)
}

fn insert_client_query(
    row: ClientRow,
    is_default: bool,
) -> sqlx::query::Query<'static, Postgres, sqlx::postgres::PgArguments> {
    sqlx::query(
        "INSERT INTO app_clients (id, pool_id, name, secret, explicit_auth_flows, prevent_user_existence_errors, \
         access_token_validity, access_token_unit, id_token_validity, id_token_unit, refresh_token_validity, \
         refresh_token_unit, auth_session_validity_minutes, enable_token_revocation, created_at, last_modified_at, \
         is_default) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(row.id)
    .bind(row.pool_id)
    .bind(row.name)
    .bind(row.secret)
    .bind(row.explicit_auth_flows)
    .bind(row.prevent_user_existence_errors)
    .bind(row.access_token_validity)
    .bind(row.access_token_unit)
    .bind(row.id_token_validity)
    .bind(row.id_token_unit)
    .bind(row.refresh_token_validity)
    .bind(row.refresh_token_unit)
    .bind(row.auth_session_validity_minutes)
    .bind(row.enable_token_revocation)
    .bind(row.created_at)
    .bind(row.last_modified_at)
    .bind(is_default)
}

/// Sets every setting of a client but its pool and creation time (see [`UPDATE_POOL`]).
const UPDATE_CLIENT: &str = "UPDATE app_clients SET id = $1, name = $2, secret = $3, explicit_auth_flows = $4, \
    prevent_user_existence_errors = $5, access_token_validity = $6, access_token_unit = $7, \
    id_token_validity = $8, id_token_unit = $9, refresh_token_validity = $10, refresh_token_unit = $11, \
    auth_session_validity_minutes = $12, enable_token_revocation = $13, last_modified_at = $14";

fn update_client_query(row: ClientRow, filter: &str) -> sqlx::query::Query<'_, Postgres, sqlx::postgres::PgArguments> {
    sqlx::query(filter)
        .bind(row.id)
        .bind(row.name)
        .bind(row.secret)
        .bind(row.explicit_auth_flows)
        .bind(row.prevent_user_existence_errors)
        .bind(row.access_token_validity)
        .bind(row.access_token_unit)
        .bind(row.id_token_validity)
        .bind(row.id_token_unit)
        .bind(row.refresh_token_validity)
        .bind(row.refresh_token_unit)
        .bind(row.auth_session_validity_minutes)
        .bind(row.enable_token_revocation)
        .bind(row.last_modified_at)
}

#[async_trait]
impl PoolStore for PostgresStore {
    fn name(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.with_conn(|conn| Box::pin(async move { sqlx::query("SELECT 1").execute(conn).await })).await?;
        Ok(())
    }

    async fn install_default_pool(&self, pool: &Pool, client: &AppClient) -> Result<(), StoreError> {
        let (pool, client) = (PoolRow::from_model(pool), ClientRow::from_model(client));
        self.with_conn(move |conn| {
            Box::pin(async move {
                let mut tx = sqlx::Connection::begin(conn).await?;
                let update = format!("{UPDATE_POOL} WHERE is_default");
                let pool_id = pool.id.clone();
                if update_pool_query(pool.clone(), &update).execute(&mut *tx).await?.rows_affected() == 0 {
                    insert_pool_query(pool, true).execute(&mut *tx).await?;
                }
                let update = format!("{UPDATE_CLIENT} WHERE is_default");
                let client = ClientRow { pool_id, ..client };
                if update_client_query(client.clone(), &update).execute(&mut *tx).await?.rows_affected() == 0 {
                    insert_client_query(client, true).execute(&mut *tx).await?;
                }
                tx.commit().await
            })
        })
        .await?;
        Ok(())
    }

    async fn insert_pool(&self, pool: &Pool) -> Result<(), InsertError> {
        let row = PoolRow::from_model(pool);
        inserted(
            self.with_conn(move |conn| Box::pin(async move { insert_pool_query(row, false).execute(conn).await }))
                .await,
        )
    }

    async fn pool(&self, id: &PoolId) -> Result<Option<Pool>, StoreError> {
        let id = id.to_string();
        let row: Option<PoolRow> = self
            .with_conn(move |conn| {
                Box::pin(async move {
                    sqlx::query_as(&format!("SELECT {POOL_COLUMNS} FROM user_pools WHERE id = $1"))
                        .bind(id)
                        .fetch_optional(conn)
                        .await
                })
            })
            .await?;
        row.map(PoolRow::into_model).transpose()
    }

    async fn pools(&self) -> Result<Vec<Pool>, StoreError> {
        let rows: Vec<PoolRow> = self
            .with_conn(move |conn| {
                Box::pin(async move {
                    sqlx::query_as(&format!("SELECT {POOL_COLUMNS} FROM user_pools ORDER BY id")).fetch_all(conn).await
                })
            })
            .await?;
        rows.into_iter().map(PoolRow::into_model).collect()
    }

    async fn update_pool(&self, pool: &Pool) -> Result<bool, StoreError> {
        let row = PoolRow::from_model(pool);
        let update = format!("{UPDATE_POOL} WHERE id = $1");
        let result = self
            .with_conn(move |conn| Box::pin(async move { update_pool_query(row, &update).execute(conn).await }))
            .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn delete_pool(&self, id: &PoolId) -> Result<bool, StoreError> {
        Ok(self.delete_by_id("DELETE FROM user_pools WHERE id = $1", id.to_string()).await? == 1)
    }

    async fn clear_pool(&self, id: &PoolId) -> Result<(), StoreError> {
        let id = id.to_string();
        self.with_conn(move |conn| {
            Box::pin(async move {
                // One statement, so that a reader sees the pool either full or empty; sessions and
                // refresh tokens cascade from their users.
                sqlx::query(
                    "WITH gone_messages AS (DELETE FROM sent_messages WHERE pool_id = $1) \
                     DELETE FROM users WHERE pool_id = $1",
                )
                .bind(id)
                .execute(conn)
                .await
            })
        })
        .await?;
        Ok(())
    }

    async fn insert_client(&self, client: &AppClient) -> Result<(), InsertError> {
        let row = ClientRow::from_model(client);
        inserted(
            self.with_conn(move |conn| Box::pin(async move { insert_client_query(row, false).execute(conn).await }))
                .await,
        )
    }

    async fn client(&self, id: &ClientId) -> Result<Option<AppClient>, StoreError> {
        let id = id.to_string();
        let row: Option<ClientRow> = self
            .with_conn(move |conn| {
                Box::pin(async move {
                    sqlx::query_as(&format!("SELECT {CLIENT_COLUMNS} FROM app_clients WHERE id = $1"))
                        .bind(id)
                        .fetch_optional(conn)
                        .await
                })
            })
            .await?;
        row.map(ClientRow::into_model).transpose()
    }

    async fn clients(&self, pool: &PoolId) -> Result<Vec<AppClient>, StoreError> {
        let pool = pool.to_string();
        let rows: Vec<ClientRow> = self
            .with_conn(move |conn| {
                Box::pin(async move {
                    sqlx::query_as(&format!("SELECT {CLIENT_COLUMNS} FROM app_clients WHERE pool_id = $1 ORDER BY id"))
                        .bind(pool)
                        .fetch_all(conn)
                        .await
                })
            })
            .await?;
        rows.into_iter().map(ClientRow::into_model).collect()
    }

    async fn update_client(&self, client: &AppClient) -> Result<bool, StoreError> {
        let row = ClientRow::from_model(client);
        let update = format!("{UPDATE_CLIENT} WHERE id = $1");
        let result = self
            .with_conn(move |conn| Box::pin(async move { update_client_query(row, &update).execute(conn).await }))
            .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn delete_client(&self, id: &ClientId) -> Result<bool, StoreError> {
        Ok(self.delete_by_id("DELETE FROM app_clients WHERE id = $1", id.to_string()).await? == 1)
    }

    async fn insert_user(&self, user: &PoolUser) -> Result<(), InsertError> {
        let row = UserRow::from_model(user)?;
        inserted(
            self.with_conn(move |conn| {
                Box::pin(async move {
                    sqlx::query(
                        "INSERT INTO users (pool_id, sub, username, username_key, attributes, status, enabled, \
                         password_hash, password_set_at, failed_sign_ins, locked_until, created_at, last_modified_at, \
                         revision, code_purpose, code_hash, code_medium, code_expires_at, code_failed_attempts, \
                         srp_salt, srp_verifier) \
                         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
                         $18, $19, $20, $21)",
                    )
                    .bind(row.pool_id)
                    .bind(row.sub)
                    .bind(row.username)
                    .bind(row.username_key)
                    .bind(row.attributes)
                    .bind(row.status)
                    .bind(row.enabled)
                    .bind(row.password_hash)
                    .bind(row.password_set_at)
                    .bind(row.failed_sign_ins)
                    .bind(row.locked_until)
                    .bind(row.created_at)
                    .bind(row.last_modified_at)
                    .bind(row.revision)
                    .bind(row.code_purpose)
                    .bind(row.code_hash)
                    .bind(row.code_medium)
                    .bind(row.code_expires_at)
                    .bind(row.code_failed_attempts)
                    .bind(row.srp_salt)
                    .bind(row.srp_verifier)
                    .execute(conn)
                    .await
                })
            })
            .await,
        )
    }

    async fn user(&self, pool: &PoolId, username_key: &str) -> Result<Option<PoolUser>, StoreError> {
        let (pool, key) = (pool.to_string(), username_key.to_owned());
        let row: Option<UserRow> = self
            .with_conn(move |conn| {
                Box::pin(async move {
                    sqlx::query_as(&format!(
                        "SELECT {USER_COLUMNS} FROM users WHERE pool_id = $1 AND username_key = $2"
                    ))
                    .bind(pool)
                    .bind(key)
                    .fetch_optional(conn)
                    .await
                })
            })
            .await?;
        row.map(UserRow::into_model).transpose()
    }

    async fn users(&self, pool: &PoolId) -> Result<Vec<PoolUser>, StoreError> {
        let pool = pool.to_string();
        let rows: Vec<UserRow> = self
            .with_conn(move |conn| {
                Box::pin(async move {
                    sqlx::query_as(&format!(
                        "SELECT {USER_COLUMNS} FROM users WHERE pool_id = $1 ORDER BY username_key COLLATE \"C\""
                    ))
                    .bind(pool)
                    .fetch_all(conn)
                    .await
                })
            })
            .await?;
        rows.into_iter().map(UserRow::into_model).collect()
    }

    async fn user_by_sub(&self, pool: &PoolId, sub: &uuid::Uuid) -> Result<Option<PoolUser>, StoreError> {
        let (pool, sub) = (pool.to_string(), *sub);
        let row: Option<UserRow> = self
            .with_conn(move |conn| {
                Box::pin(async move {
                    sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE pool_id = $1 AND sub = $2"))
                        .bind(pool)
                        .bind(sub)
                        .fetch_optional(conn)
                        .await
                })
            })
            .await?;
        row.map(UserRow::into_model).transpose()
    }

    async fn update_user(&self, user: &PoolUser) -> Result<bool, StoreError> {
        let row = UserRow::from_model(user)?;
        let result = self
            .with_conn(move |conn| {
                Box::pin(async move {
                    sqlx::query(
                        "UPDATE users SET attributes = $3::jsonb, status = $4, enabled = $5, password_hash = $6, \
                         password_set_at = $7, failed_sign_ins = $8, locked_until = $9, last_modified_at = $10, \
                         code_purpose = $12, code_hash = $13, code_medium = $14, code_expires_at = $15, \
                         code_failed_attempts = $16, srp_salt = $17, srp_verifier = $18, revision = revision + 1 \
                         WHERE pool_id = $1 AND sub = $2 AND revision = $11",
                    )
                    .bind(row.pool_id)
                    .bind(row.sub)
                    .bind(row.attributes)
                    .bind(row.status)
                    .bind(row.enabled)
                    .bind(row.password_hash)
                    .bind(row.password_set_at)
                    .bind(row.failed_sign_ins)
                    .bind(row.locked_until)
                    .bind(row.last_modified_at)
                    .bind(row.revision)
                    .bind(row.code_purpose)
                    .bind(row.code_hash)
                    .bind(row.code_medium)
                    .bind(row.code_expires_at)
                    .bind(row.code_failed_attempts)
                    .bind(row.srp_salt)
                    .bind(row.srp_verifier)
                    .execute(conn)
                    .await
                })
            })
            .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn delete_user(&self, pool: &PoolId, sub: &uuid::Uuid) -> Result<bool, StoreError> {
        let (pool, sub) = (pool.to_string(), *sub);
        let result = self
            .with_conn(move |conn| {
                Box::pin(async move {
                    sqlx::query("DELETE FROM users WHERE pool_id = $1 AND sub = $2")
                        .bind(pool)
                        .bind(sub)
                        .execute(conn)
                        .await
                })
            })
            .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn insert_session(&self, session: &StoredSession) -> Result<(), StoreError> {
        let session = session.clone();
        self.with_conn(move |conn| {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO challenge_sessions (token_hash, pool_id, client_id, sub, challenge, expires_at, \
                     srp_key) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(session.token_hash)
                .bind(session.pool_id.to_string())
                .bind(session.client_id.to_string())
                .bind(session.sub)
                .bind(session.challenge.as_str())
                .bind(timestamp(session.expires_at))
                .bind(session.srp_key.map(|key| key.to_vec()))
                .execute(conn)
                .await
            })
        })
        .await?;
        Ok(())
    }

    async fn take_session(&self, token_hash: &str, now: SystemTime) -> Result<TakenSession, StoreError> {
        let (token_hash, now) = (token_hash.to_owned(), timestamp(now));
        let found: Option<SessionRowWithUse> = self
            .with_conn(move |conn| {
                Box::pin(async move {
                    // The row lock of the UPDATE serialises concurrent takers; the CTE reads the
                    // row as it was before this statement set `used_at`.
                    sqlx::query_as(
                        "WITH before AS (SELECT token_hash, used_at FROM challenge_sessions WHERE token_hash = $1 FOR UPDATE) \
                         UPDATE challenge_sessions s SET used_at = COALESCE(s.used_at, $2) FROM before \
                         WHERE s.token_hash = before.token_hash \
                         RETURNING s.token_hash, s.pool_id, s.client_id, s.sub, s.challenge, s.expires_at, s.srp_key, \
                                   before.used_at IS NOT NULL AS was_used",
                    )
                    .bind(token_hash)
                    .bind(now)
                    .fetch_optional(conn)
                    .await
                })
            })
            .await?;
        Ok(match found {
            None => TakenSession::Unknown,
            Some(row) if row.was_used => TakenSession::AlreadyUsed(row.session.into_model()?),
            Some(row) => TakenSession::First(row.session.into_model()?),
        })
    }

    async fn insert_refresh_token(&self, token: &StoredRefreshToken) -> Result<(), StoreError> {
        let token = token.clone();
        self.with_conn(move |conn| {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO refresh_tokens (token_hash, pool_id, client_id, sub, expires_at, revoked_at, \
                     origin_jti) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(token.token_hash)
                .bind(token.pool_id.to_string())
                .bind(token.client_id.to_string())
                .bind(token.sub)
                .bind(timestamp(token.expires_at))
                .bind(token.revoked_at.map(timestamp))
                .bind(token.origin_jti)
                .execute(conn)
                .await
            })
        })
        .await?;
        Ok(())
    }

    async fn refresh_token(&self, token_hash: &str) -> Result<Option<StoredRefreshToken>, StoreError> {
        let token_hash = token_hash.to_owned();
        let row: Option<RefreshTokenRow> = self
            .with_conn(move |conn| {
                Box::pin(async move {
                    sqlx::query_as(&format!("SELECT {REFRESH_TOKEN_COLUMNS} FROM refresh_tokens WHERE token_hash = $1"))
                        .bind(token_hash)
                        .fetch_optional(conn)
                        .await
                })
            })
            .await?;
        row.map(RefreshTokenRow::into_model).transpose()
    }

    async fn refresh_token_by_origin(
        &self,
        pool: &PoolId,
        origin_jti: &str,
    ) -> Result<Option<StoredRefreshToken>, StoreError> {
        let (pool, origin) = (pool.to_string(), origin_jti.to_owned());
        let row: Option<RefreshTokenRow> = self
            .with_conn(move |conn| {
                Box::pin(async move {
                    sqlx::query_as(&format!(
                        "SELECT {REFRESH_TOKEN_COLUMNS} FROM refresh_tokens WHERE origin_jti = $1 AND pool_id = $2"
                    ))
                    .bind(origin)
                    .bind(pool)
                    .fetch_optional(conn)
                    .await
                })
            })
            .await?;
        row.map(RefreshTokenRow::into_model).transpose()
    }

    async fn revoke_refresh_token(&self, token_hash: &str, now: SystemTime) -> Result<bool, StoreError> {
        let (token_hash, now) = (token_hash.to_owned(), timestamp(now));
        let result = self
            .with_conn(move |conn| {
                Box::pin(async move {
                    sqlx::query(
                        "UPDATE refresh_tokens SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL",
                    )
                    .bind(token_hash)
                    .bind(now)
                    .execute(conn)
                    .await
                })
            })
            .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn revoke_refresh_tokens(&self, pool: &PoolId, sub: &uuid::Uuid, now: SystemTime) -> Result<u64, StoreError> {
        let (pool, sub, now) = (pool.to_string(), *sub, timestamp(now));
        let result = self
            .with_conn(move |conn| {
                Box::pin(async move {
                    sqlx::query(
                        "UPDATE refresh_tokens SET revoked_at = $3 WHERE pool_id = $1 AND sub = $2 AND revoked_at IS NULL",
                    )
                    .bind(pool)
                    .bind(sub)
                    .bind(now)
                    .execute(conn)
                    .await
                })
            })
            .await?;
        Ok(result.rows_affected())
    }

    async fn sweep_expired(
        &self,
        sessions_before: SystemTime,
        refresh_tokens_before: SystemTime,
        limit: u32,
    ) -> Result<u64, StoreError> {
        let (sessions_before, tokens_before, limit) =
            (timestamp(sessions_before), timestamp(refresh_tokens_before), i64::from(limit));
        let swept: i64 = self
            .with_conn(move |conn| {
                Box::pin(async move {
                    // Batches found by the expiry indexes, so a sweep costs what it deletes.
                    sqlx::query_scalar(
                        "WITH sessions AS (DELETE FROM challenge_sessions WHERE token_hash IN \
                           (SELECT token_hash FROM challenge_sessions WHERE expires_at < $1 LIMIT $3) RETURNING 1), \
                         tokens AS (DELETE FROM refresh_tokens WHERE token_hash IN \
                           (SELECT token_hash FROM refresh_tokens WHERE expires_at < $2 LIMIT $3) RETURNING 1) \
                         SELECT (SELECT count(*) FROM sessions) + (SELECT count(*) FROM tokens)",
                    )
                    .bind(sessions_before)
                    .bind(tokens_before)
                    .bind(limit)
                    .fetch_one(conn)
                    .await
                })
            })
            .await?;
        Ok(u64::try_from(swept).unwrap_or(0))
    }

    async fn record_message(&self, message: &Message) -> Result<(), StoreError> {
        let message = message.clone();
        self.with_conn(move |conn| {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO sent_messages (pool_id, username, kind, medium, destination, body, code, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(message.pool_id.to_string())
                .bind(message.username)
                .bind(message.kind.as_str())
                .bind(message.medium.as_str())
                .bind(message.destination)
                .bind(message.body)
                .bind(message.code)
                .bind(timestamp(message.created_at))
                .execute(conn)
                .await
            })
        })
        .await?;
        Ok(())
    }

    async fn messages(&self, pool: &PoolId) -> Result<Vec<Message>, StoreError> {
        let pool = pool.to_string();
        let rows: Vec<MessageRow> = self
            .with_conn(move |conn| {
                Box::pin(async move {
                    sqlx::query_as(
                        "SELECT pool_id, username, kind, medium, destination, body, code, created_at FROM sent_messages \
                         WHERE pool_id = $1 ORDER BY id",
                    )
                    .bind(pool)
                    .fetch_all(conn)
                    .await
                })
            })
            .await?;
        rows.into_iter().map(MessageRow::into_model).collect()
    }

    async fn pool_keys(&self, pool: &PoolId) -> Result<Option<PoolKeysPem>, StoreError> {
        let pool = pool.to_string();
        let row: Option<(String, String)> = self
            .with_conn(move |conn| {
                Box::pin(async move {
                    sqlx::query_as("SELECT access_key_pem, id_key_pem FROM pool_signing_keys WHERE pool_id = $1")
                        .bind(pool)
                        .fetch_optional(conn)
                        .await
                })
            })
            .await?;
        Ok(row.map(|(access, id)| PoolKeysPem { access, id }))
    }

    async fn put_pool_keys(&self, pool: &PoolId, candidate: PoolKeysPem) -> Result<PoolKeysPem, StoreError> {
        let pool = pool.to_string();
        let (inserted, access, id) = self
            .with_conn(move |conn| {
                Box::pin(async move {
                    // Two statements on purpose: under READ COMMITTED the SELECT takes a new
                    // snapshot, so it sees the row of a concurrent winner that the INSERT
                    // waited for (a single statement's snapshot would not).
                    let inserted = sqlx::query(
                        "INSERT INTO pool_signing_keys (pool_id, access_key_pem, id_key_pem) VALUES ($1, $2, $3) \
                         ON CONFLICT (pool_id) DO NOTHING",
                    )
                    .bind(&pool)
                    .bind(candidate.access)
                    .bind(candidate.id)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected();
                    let (access, id): (String, String) =
                        sqlx::query_as("SELECT access_key_pem, id_key_pem FROM pool_signing_keys WHERE pool_id = $1")
                            .bind(&pool)
                            .fetch_one(&mut *conn)
                            .await?;
                    Ok((inserted == 1, access, id))
                })
            })
            .await?;
        if inserted {
            tracing::info!("stored new token signing keys in the database");
        }
        Ok(PoolKeysPem { access, id })
    }
}

/// A session row and whether it had been used before the statement that read it.
#[derive(Debug, sqlx::FromRow)]
struct SessionRowWithUse {
    #[sqlx(flatten)]
    session: SessionRow,
    was_used: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_migrations_are_versioned_and_in_order() {
        let versions: Vec<i64> = MIGRATOR.iter().map(|m| m.version).collect();
        assert_eq!(versions, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        let sql: String = MIGRATOR.iter().map(|m| m.sql.as_ref()).collect();
        assert!(sql.contains("CREATE UNIQUE INDEX users_pool_username_key ON users (pool_id, username_key)"));
    }
}
