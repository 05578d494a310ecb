//! [`PostgresConfig`] and the connection pool it describes: bounded waits everywhere, so that
//! a database that is away answers `Unavailable` in time instead of hanging a request.

use std::str::FromStr as _;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use super::database_url::DatabaseUrl;
use crate::store::StoreError;

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
    pub const DEFAULT_MAX_CONNECTIONS: u32 = 10;
    pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);
    pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(5);

    /// The database at `url`, every limit at its default.
    pub fn new(url: DatabaseUrl) -> Self {
        Self {
            url,
            max_connections: Self::DEFAULT_MAX_CONNECTIONS,
            acquire_timeout: Self::DEFAULT_ACQUIRE_TIMEOUT,
            statement_timeout: Self::DEFAULT_STATEMENT_TIMEOUT,
        }
    }

    /// The pool (no connection is opened yet). It waits at most `acquire_timeout` for a
    /// connection (including opening one, retried while the server refuses), pings an idle
    /// connection before handing it out (so connections cut while the database was away are
    /// replaced instead of failing a request), and every connection has `statement_timeout`.
    pub(super) fn pool(&self) -> Result<PgPool, StoreError> {
        let mut options = PgConnectOptions::from_str(self.url.expose_secret())
            .map_err(|e| StoreError::Other(format!("invalid database URL {}: {e}", self.url.redacted()).into()))?
            .options([
                ("statement_timeout", format!("{}ms", self.statement_timeout.as_millis())),
                // No transaction may hold its locks forever, should a connection stop in one.
                ("idle_in_transaction_session_timeout", format!("{}ms", 4 * self.statement_timeout.as_millis())),
                // A 201 means committed: never let a server-wide setting weaken that.
                ("synchronous_commit", "on".to_owned()),
                // sqlx logs server notices at info ("… already exists, skipping"): keep warnings only.
                ("client_min_messages", "warning".to_owned()),
            ]);
        if options.get_application_name().is_none() {
            options = options.application_name("authport");
        }
        Ok(PgPoolOptions::new()
            .max_connections(self.max_connections)
            .min_connections(0)
            .acquire_timeout(self.acquire_timeout)
            .test_before_acquire(true)
            .connect_lazy_with(options))
    }
}
