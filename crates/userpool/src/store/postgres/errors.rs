//! What a failed statement means: the database cannot serve now (`StoreError::Unavailable`,
//! answered 503), a duplicate or an orphan insert, or anything else.

use std::time::Duration;

use crate::store::StoreError;

/// The keys whose violation is a duplicate the engine answers (`UsernameExistsException`, …):
/// a pool's id, a client's id, a user name in its pool.
const DUPLICATE_KEYS: [&str; 3] = ["user_pools_pkey", "app_clients_pkey", "users_pool_username_key"];

/// The foreign keys from a client or user to its pool.
const OWNER_KEYS: [&str; 2] = ["app_clients_pool_id_fkey", "users_pool_id_fkey"];

/// A failed database operation, before it is classified.
#[derive(Debug, thiserror::Error)]
pub(super) enum DbError {
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

pub(super) fn classify(err: sqlx::Error) -> StoreError {
    if is_unavailable(&err) { StoreError::Unavailable(Box::new(err)) } else { StoreError::Other(Box::new(err)) }
}

/// A unique violation of one of [`DUPLICATE_KEYS`], and nothing else (a colliding token hash,
/// say, is a bug and stays an error).
pub(super) fn is_duplicate(err: &sqlx::Error) -> bool {
    violates(err, "23505", &DUPLICATE_KEYS)
}

/// An insert whose pool (or client) is gone: a foreign-key violation of [`OWNER_KEYS`].
pub(super) fn is_orphan(err: &sqlx::Error) -> bool {
    violates(err, "23503", &OWNER_KEYS)
}

fn violates(err: &sqlx::Error, sqlstate: &str, constraints: &[&str]) -> bool {
    match err {
        sqlx::Error::Database(db) => {
            db.code().as_deref() == Some(sqlstate) && db.constraint().is_some_and(|c| constraints.contains(&c))
        }
        _ => false,
    }
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
            assert!(!is_duplicate(&err) && !is_orphan(&err), "{shown}");
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
}
