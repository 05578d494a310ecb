//! The PostgreSQL store: users survive restarts and several authport processes can share one
//! database (users, refresh tokens and the signing key).
//!
//! - Schema: the versioned files under `crates/fake/migrations/`, applied with
//!   [`sqlx::migrate!`] at start-up (and by `authport migrate`). sqlx serialises concurrent
//!   migrators with an advisory lock, so processes may start together.
//! - Duplicates: decided by the unique index `users_email_lower_key` on `lower(email)`; a
//!   violation of it (SQLSTATE 23505) is [`InsertUserError::Duplicate`] (`errors.rs`). There is
//!   no look-up before the insert.
//! - Durability: every write is a single autocommitted statement with `synchronous_commit = on`,
//!   so when [`UserStore::insert_user`] returns `Ok` the row is committed.
//! - Never hang: the pool (`config.rs`) waits at most `acquire_timeout` for a connection, the
//!   server cancels statements after `statement_timeout`, and a client-side deadline of
//!   `statement_timeout` + 1 s covers a connection that stopped answering altogether. All three
//!   are [`StoreError::Unavailable`]. The pool opens connections lazily and replaces broken ones
//!   on the next acquire, so the store recovers by itself once the database is back.
//! - All SQL uses bound parameters.

mod config;
mod database_url;
mod errors;

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use authport_domain::{BoxError, Email, User, UserId};
use chrono::{DateTime, Utc};
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgPool;
use sqlx::{PgConnection, Postgres};

pub use self::config::PostgresConfig;
pub use self::database_url::{DatabaseUrl, DatabaseUrlError, redact_url};
use self::errors::{DbError, classify, is_duplicate_email};
use super::{InsertUserError, StoreError, StoredRefreshToken, StoredUser, UserStore};

/// The schema, embedded at compile time from `crates/fake/migrations/`.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// How long past the statement timeout the client waits for an answer before it gives the
/// connection up (the server should have cancelled the statement by then).
const CLIENT_DEADLINE_GRACE: Duration = Duration::from_secs(1);

/// Users, refresh tokens and the signing key in PostgreSQL.
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

/// The UUID behind a user id of this store (every id it hands out is one).
fn uuid_of(id: &UserId) -> Result<uuid::Uuid, StoreError> {
    uuid::Uuid::parse_str(id.as_str()).map_err(|e| other(format!("user id is not a UUID: {e}")))
}

fn other(message: String) -> StoreError {
    StoreError::Other(BoxError::from(message))
}

#[async_trait]
impl UserStore for PostgresStore {
    fn name(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.with_conn(|conn| Box::pin(async move { sqlx::query("SELECT 1").execute(conn).await })).await?;
        Ok(())
    }

    async fn insert_user(&self, user: StoredUser) -> Result<(), InsertUserError> {
        let id = uuid_of(&user.id)?;
        let email = user.email.as_str().to_owned();
        let result = self
            .with_conn(move |conn| {
                Box::pin(async move {
                    sqlx::query("INSERT INTO users (id, email, password_hash) VALUES ($1, $2, $3)")
                        .bind(id)
                        .bind(email)
                        .bind(user.password_hash)
                        .execute(conn)
                        .await
                })
            })
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(DbError::Sqlx(err)) if is_duplicate_email(&err) => Err(InsertUserError::Duplicate),
            Err(err) => Err(StoreError::from(err).into()),
        }
    }

    async fn find_user_by_email(&self, email: &Email) -> Result<Option<StoredUser>, StoreError> {
        let wanted = email.as_str().to_owned();
        let row: Option<(uuid::Uuid, String, String)> = self
            .with_conn(move |conn| {
                Box::pin(async move {
                    // `lower(email)` on both sides: the unique index serves the look-up.
                    sqlx::query_as("SELECT id, email, password_hash FROM users WHERE lower(email) = lower($1)")
                        .bind(wanted)
                        .fetch_optional(conn)
                        .await
                })
            })
            .await?;
        let Some((id, stored_email, password_hash)) = row else {
            return Ok(None);
        };
        let id = UserId::parse(id.to_string()).ok_or_else(|| other("empty user id".to_owned()))?;
        let email = Email::parse(&stored_email).map_err(|e| other(format!("stored e-mail address unreadable: {e}")))?;
        Ok(Some(StoredUser { id, email, password_hash }))
    }

    async fn insert_refresh_token(&self, token: StoredRefreshToken) -> Result<(), StoreError> {
        let user_id = uuid_of(&token.user_id)?;
        let expires_at = to_timestamp(token.expires_at);
        self.with_conn(move |conn| {
            Box::pin(async move {
                sqlx::query("INSERT INTO refresh_tokens (token_hash, user_id, expires_at) VALUES ($1, $2, $3)")
                    .bind(token.token_hash)
                    .bind(user_id)
                    .bind(expires_at)
                    .execute(conn)
                    .await
            })
        })
        .await?;
        Ok(())
    }

    async fn refresh_token_owner(&self, token_hash: &str, now: SystemTime) -> Result<Option<User>, StoreError> {
        let token_hash = token_hash.to_owned();
        let now = to_timestamp(now);
        let row: Option<(uuid::Uuid, String)> = self
            .with_conn(move |conn| {
                Box::pin(async move {
                    sqlx::query_as(
                        "SELECT u.id, u.email FROM refresh_tokens r JOIN users u ON u.id = r.user_id \
                         WHERE r.token_hash = $1 AND r.revoked_at IS NULL AND r.expires_at > $2",
                    )
                    .bind(token_hash)
                    .bind(now)
                    .fetch_optional(conn)
                    .await
                })
            })
            .await?;
        let Some((id, email)) = row else {
            return Ok(None);
        };
        let id = UserId::parse(id.to_string()).ok_or_else(|| other("empty user id".to_owned()))?;
        let email = Email::parse(&email).map_err(|e| other(format!("stored e-mail address unreadable: {e}")))?;
        Ok(Some(User { id, email }))
    }

    async fn revoke_refresh_tokens(&self, user_id: &UserId, now: SystemTime) -> Result<u64, StoreError> {
        let Ok(user_id) = uuid::Uuid::parse_str(user_id.as_str()) else {
            return Ok(0); // not an id this store hands out: it has no tokens
        };
        let now = to_timestamp(now);
        let result = self
            .with_conn(move |conn| {
                Box::pin(async move {
                    sqlx::query("UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
                        .bind(user_id)
                        .bind(now)
                        .execute(conn)
                        .await
                })
            })
            .await?;
        Ok(result.rows_affected())
    }

    async fn existing_signing_key_pem(&self) -> Result<Option<String>, StoreError> {
        let pem = self
            .with_conn(|conn| {
                Box::pin(async move {
                    sqlx::query_scalar("SELECT private_key_pem FROM signing_keys WHERE id = 1")
                        .fetch_optional(conn)
                        .await
                })
            })
            .await?;
        Ok(pem)
    }

    async fn signing_key_pem(&self, candidate: String) -> Result<String, StoreError> {
        let (inserted, pem) = self
            .with_conn(move |conn| {
                Box::pin(async move {
                    // Two statements on purpose: under READ COMMITTED the SELECT takes a new
                    // snapshot, so it sees the row of a concurrent winner that the INSERT
                    // waited for (a single statement's snapshot would not).
                    let inserted = sqlx::query(
                        "INSERT INTO signing_keys (id, private_key_pem) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
                    )
                    .bind(candidate)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected();
                    let pem: String = sqlx::query_scalar("SELECT private_key_pem FROM signing_keys WHERE id = 1")
                        .fetch_one(&mut *conn)
                        .await?;
                    Ok((inserted == 1, pem))
                })
            })
            .await?;
        if inserted {
            tracing::info!("stored a new token signing key in the database");
        } else {
            tracing::info!("using the token signing key stored in the database");
        }
        Ok(pem)
    }
}

fn to_timestamp(time: SystemTime) -> DateTime<Utc> {
    DateTime::<Utc>::from(time)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_migrations_are_versioned_and_in_order() {
        let versions: Vec<i64> = MIGRATOR.iter().map(|m| m.version).collect();
        assert_eq!(versions, [1, 2, 3]);
        let sql: String = MIGRATOR.iter().map(|m| m.sql.as_ref()).collect();
        assert!(sql.contains("CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email))"));
    }
}
