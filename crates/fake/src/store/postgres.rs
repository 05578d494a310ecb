//! The PostgreSQL store: users survive restarts and several authport processes can share one
//! database (users, refresh tokens and the signing key).
//!
//! - Schema: the versioned files under `crates/fake/migrations/`, applied with
//!   [`sqlx::migrate!`] at start-up (and by `authport migrate`). sqlx serialises concurrent
//!   migrators with an advisory lock, so processes may start together.
//! - Duplicates: decided by the unique index `users_email_lower_key` on `lower(email)`; a
//!   violation of it (SQLSTATE 23505) is [`InsertUserError::Duplicate`]. There is no look-up
//!   before the insert.
//! - Durability: every write is a single autocommitted statement with `synchronous_commit = on`,
//!   so when [`UserStore::insert_user`] returns `Ok` the row is committed.
//! - Never hang: the pool waits at most `acquire_timeout` for a connection (including opening
//!   one, retried while the server refuses), the server cancels statements after
//!   `statement_timeout`, and a client-side deadline of `statement_timeout` + 1 s covers a
//!   connection that stopped answering altogether. All three are [`StoreError::Unavailable`].
//!   The pool opens connections lazily and replaces broken ones on the next acquire, so the
//!   store recovers by itself once the database is back.
//! - All SQL uses bound parameters.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use authport_domain::{BoxError, Email, User, UserId};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret as _, SecretString};
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{PgConnection, Postgres};

use super::{InsertUserError, StoreError, StoredRefreshToken, StoredUser, UserStore};

/// The schema, embedded at compile time from `crates/fake/migrations/`.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// The unique index that makes e-mail addresses case-insensitively unique.
const USERS_EMAIL_UNIQUE: &str = "users_email_lower_key";

/// How long past the statement timeout the client waits for an answer before it gives the
/// connection up (the server should have cancelled the statement by then).
const CLIENT_DEADLINE_GRACE: Duration = Duration::from_secs(1);

pub const DEFAULT_MAX_CONNECTIONS: u32 = 10;
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(5);

/// A PostgreSQL connection URL. It may carry a password, so `Debug` and `Display` show it
/// redacted (`postgres://user:***@host/db`); [`DatabaseUrl::expose_secret`] gives the real one.
#[derive(Clone)]
pub struct DatabaseUrl(SecretString);

#[derive(Debug, thiserror::Error)]
#[error("not a PostgreSQL URL (postgres://user[:password]@host[:port]/database): {0}")]
pub struct DatabaseUrlError(String);

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, DatabaseUrlError> {
        let raw = raw.trim();
        if !(raw.starts_with("postgres://") || raw.starts_with("postgresql://")) {
            return Err(DatabaseUrlError("the scheme must be postgres:// or postgresql://".into()));
        }
        // sqlx's own parser decides; its messages never contain the password.
        PgConnectOptions::from_str(raw).map_err(|e| DatabaseUrlError(e.to_string()))?;
        Ok(Self(SecretString::from(raw.to_owned())))
    }

    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }

    /// The URL with the password (user-info or `password=` parameter) replaced by `***`.
    pub fn redacted(&self) -> String {
        redact_database_url(self.expose_secret())
    }
}

impl FromStr for DatabaseUrl {
    type Err = DatabaseUrlError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Replaces the password of a database URL — in the user-info and in `password`-like query
/// parameters — by `***`. Everything else is kept, for useful logs.
pub fn redact_database_url(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let (before_query, query) = match rest.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (rest, None),
    };
    // The authority ends at the first '/' after the last '@' (a password may contain '/').
    let (authority, path) = match before_query.rfind('@') {
        Some(at) => match before_query[at..].find('/') {
            Some(slash) => before_query.split_at(at + slash),
            None => (before_query, ""),
        },
        None => match before_query.find('/') {
            Some(slash) => before_query.split_at(slash),
            None => (before_query, ""),
        },
    };
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{user}:***@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => authority.to_owned(),
    };
    let mut out = String::with_capacity(url.len());
    if let Some(scheme) = scheme {
        out.push_str(scheme);
        out.push_str("://");
    }
    out.push_str(&authority);
    out.push_str(path);
    if let Some(query) = query {
        out.push('?');
        let params: Vec<String> = query
            .split('&')
            .map(|param| match param.split_once('=') {
                Some((key, _)) if key.to_ascii_lowercase().contains("password") => format!("{key}=***"),
                _ => param.to_owned(),
            })
            .collect();
        out.push_str(&params.join("&"));
    }
    out
}

/// Settings of the PostgreSQL store.
#[derive(Debug, Clone)]
pub struct PostgresConfig {
    pub url: DatabaseUrl,
    /// Upper bound of the connection pool.
    pub max_connections: u32,
    /// How long a request waits for a connection (including opening one) before it fails as
    /// unavailable.
    pub acquire_timeout: Duration,
    /// Server-side `statement_timeout` of every connection.
    pub statement_timeout: Duration,
}

impl PostgresConfig {
    /// The defaults: 10 connections, 3 s acquire timeout, 5 s statement timeout.
    pub fn new(url: DatabaseUrl) -> Self {
        Self {
            url,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            acquire_timeout: DEFAULT_ACQUIRE_TIMEOUT,
            statement_timeout: DEFAULT_STATEMENT_TIMEOUT,
        }
    }
}

/// Users, refresh tokens and the signing key in PostgreSQL.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    /// Client-side bound of one statement on an acquired connection.
    statement_deadline: Duration,
}

/// A failed database operation, before it is classified.
#[derive(Debug, thiserror::Error)]
enum DbError {
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error("no answer from PostgreSQL within {0:?}")]
    Deadline(Duration),
}

impl From<DbError> for StoreError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::Sqlx(err) => classify(err),
            err @ DbError::Deadline(_) => StoreError::Unavailable(Box::new(err)),
        }
    }
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
        let mut options = PgConnectOptions::from_str(config.url.expose_secret())
            .map_err(|e| StoreError::Other(format!("invalid database URL {}: {e}", config.url.redacted()).into()))?
            .options([
                ("statement_timeout", format!("{}ms", config.statement_timeout.as_millis())),
                // A transaction left open (it cannot happen with single statements, but a
                // later issue may add transactions) must not hold locks forever.
                ("idle_in_transaction_session_timeout", format!("{}ms", 4 * config.statement_timeout.as_millis())),
                // A 201 means committed: never let a server-wide setting weaken that.
                ("synchronous_commit", "on".to_owned()),
                // sqlx logs server notices at info ("… already exists, skipping"): keep warnings only.
                ("client_min_messages", "warning".to_owned()),
            ]);
        if options.get_application_name().is_none() {
            options = options.application_name("authport");
        }
        let pool = PgPoolOptions::new()
            .max_connections(config.max_connections)
            .min_connections(0)
            .acquire_timeout(config.acquire_timeout)
            // Pings an idle connection before handing it out: connections cut while the
            // database was away are replaced instead of failing a request.
            .test_before_acquire(true)
            .connect_lazy_with(options);
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

/// Whether `err` means "the database cannot serve now" (503) rather than a bug or bad data.
fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| sqlstate_is_unavailable(&code)),
        _ => false,
    }
}

/// SQLSTATEs (<https://www.postgresql.org/docs/current/errcodes-appendix.html>) that say the
/// database is unreachable, overloaded, shutting down or timed out — transient conditions.
fn sqlstate_is_unavailable(code: &str) -> bool {
    code.starts_with("08") // connection_exception
        || code.starts_with("53") // insufficient_resources: too_many_connections, disk_full, …
        || code.starts_with("57P") // admin_shutdown, crash_shutdown, cannot_connect_now, …
        || matches!(
            code,
            "57014" // query_canceled: statement_timeout
                | "55P03" // lock_not_available
                | "40001" // serialization_failure
                | "40P01" // deadlock_detected
                | "25006" // read_only_sql_transaction: a standby after fail-over
        )
}

fn classify(err: sqlx::Error) -> StoreError {
    if is_unavailable(&err) { StoreError::Unavailable(Box::new(err)) } else { StoreError::Other(Box::new(err)) }
}

/// A unique violation of the case-insensitive e-mail index, and nothing else (a colliding
/// primary key, say, is a bug and stays an error).
fn is_duplicate_email(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => {
            db.code().as_deref() == Some("23505") && db.constraint() == Some(USERS_EMAIL_UNIQUE)
        }
        _ => false,
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
    use std::io;

    use super::*;

    #[test]
    fn connection_level_failures_are_unavailable() {
        for err in [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
            sqlx::Error::WorkerCrashed,
            sqlx::Error::Io(io::Error::from(io::ErrorKind::ConnectionRefused)),
            sqlx::Error::Io(io::Error::from(io::ErrorKind::UnexpectedEof)),
            sqlx::Error::Tls("handshake failed".into()),
        ] {
            let shown = err.to_string();
            assert!(matches!(classify(err), StoreError::Unavailable(_)), "{shown}");
        }
    }

    #[test]
    fn other_failures_are_errors() {
        for err in [
            sqlx::Error::RowNotFound,
            sqlx::Error::Protocol("unexpected message".into()),
            sqlx::Error::ColumnNotFound("email".into()),
            sqlx::Error::Decode("bad".into()),
            sqlx::Error::Configuration("bad".into()),
        ] {
            let shown = err.to_string();
            assert!(!is_duplicate_email(&err), "{shown}");
            assert!(matches!(classify(err), StoreError::Other(_)), "{shown}");
        }
    }

    #[test]
    fn a_client_side_deadline_is_unavailable() {
        let err = StoreError::from(DbError::Deadline(Duration::from_secs(6)));
        assert!(matches!(err, StoreError::Unavailable(_)));
    }

    #[test]
    fn transient_sqlstates_are_unavailable_and_data_errors_are_not() {
        for code in ["08000", "08006", "08001", "53300", "53100", "57P01", "57P03", "57014", "55P03", "40001", "40P01"]
        {
            assert!(sqlstate_is_unavailable(code), "{code}");
        }
        for code in ["23505", "23503", "23514", "42P01", "42703", "22001", "XX000", "57000"] {
            assert!(!sqlstate_is_unavailable(code), "{code}");
        }
    }

    #[test]
    fn urls_are_redacted_everywhere_they_can_hold_a_password() {
        let cases = [
            ("postgres://ann:s3cret@db:5432/app", "postgres://ann:***@db:5432/app"),
            ("postgres://ann:p@ss/w0rd@db/app?sslmode=disable", "postgres://ann:***@db/app?sslmode=disable"),
            ("postgresql://ann@db/app", "postgresql://ann@db/app"),
            ("postgres://db/app?user=ann&password=s3cret", "postgres://db/app?user=ann&password=***"),
            ("postgres://127.0.0.1:5432/postgres", "postgres://127.0.0.1:5432/postgres"),
            ("postgres://ann:s3cret@db", "postgres://ann:***@db"),
        ];
        for (url, expected) in cases {
            assert_eq!(redact_database_url(url), expected, "{url}");
        }
        let url = DatabaseUrl::parse("postgres://ann:s3cret@db:5432/app").expect("valid");
        assert!(!format!("{url:?} {url}").contains("s3cret"));
        assert_eq!(url.expose_secret(), "postgres://ann:s3cret@db:5432/app");
    }

    #[test]
    fn only_postgres_urls_are_accepted() {
        assert!(DatabaseUrl::parse("postgres://localhost/app").is_ok());
        assert!(DatabaseUrl::parse("postgresql://localhost:5433/app").is_ok());
        for bad in ["", "mysql://localhost/app", "localhost:5432", "postgres://localhost:notaport/app"] {
            assert!(DatabaseUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_migrations_are_versioned_and_in_order() {
        let versions: Vec<i64> = MIGRATOR.iter().map(|m| m.version).collect();
        assert_eq!(versions, [1, 2, 3]);
        let sql: String = MIGRATOR.iter().map(|m| m.sql.as_ref()).collect();
        assert!(sql.contains("CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email))"));
    }
}
