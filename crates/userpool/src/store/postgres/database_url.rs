//! [`DatabaseUrl`]: a PostgreSQL URL that never shows its password (`Debug`, `Display` and
//! [`redact_url`] replace it by `***`).

use std::fmt;
use std::str::FromStr;

use secrecy::{ExposeSecret as _, SecretString};
use sqlx::postgres::PgConnectOptions;
use url::Url;

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
        let url = Url::parse(raw).map_err(|e| DatabaseUrlError(e.to_string()))?;
        if !matches!(url.scheme(), "postgres" | "postgresql") {
            return Err(DatabaseUrlError("the scheme must be postgres:// or postgresql://".into()));
        }
        if url.path().contains('@') {
            // The rest of a password with a raw '/' ends up in the path: the URL would name
            // another host, and its redacted form would show part of the password.
            return Err(DatabaseUrlError(
                "percent-encode reserved characters of the password ('@' as %40, '/' as %2F)".into(),
            ));
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
        redact_url(self.expose_secret())
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

/// `url` (of PostgreSQL, Redis, …) with its password — in the user-info and in `password`-like
/// query parameters — replaced by `***`; everything else is kept, for useful logs. A string that
/// is no URL at all is shown as `<not a URL>` (it might be nothing but a password).
pub fn redact_url(url: &str) -> String {
    let Ok(mut url) = Url::parse(url.trim()) else {
        return "<not a URL>".to_owned();
    };
    if url.password().is_some() {
        let _ = url.set_password(Some("***"));
    }
    if url.path().contains('@') {
        url.set_path("/***"); // see `DatabaseUrl::parse`
    }
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(key, value)| {
                let value = if key.to_ascii_lowercase().contains("password") { "***".into() } else { value };
                (key.into_owned(), value.into_owned())
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted_everywhere_they_can_hold_a_password() {
        let cases = [
            ("postgres://ann:s3cret@db:5432/app", "postgres://ann:***@db:5432/app"),
            ("postgres://ann:s3cret@db/app?sslmode=disable", "postgres://ann:***@db/app?sslmode=disable"),
            ("postgres://ann:p@ss/w0rd@db/app", "postgres://ann:***@ss/***"),
            ("postgresql://ann@db/app", "postgresql://ann@db/app"),
            ("postgres://db/app?user=ann&password=s3cret", "postgres://db/app?user=ann&password=***"),
            ("postgres://127.0.0.1:5432/postgres", "postgres://127.0.0.1:5432/postgres"),
            ("postgres://ann:s3cret@db", "postgres://ann:***@db"),
            ("s3cret", "<not a URL>"),
        ];
        for (url, expected) in cases {
            assert_eq!(redact_url(url), expected, "{url}");
        }
        let url = DatabaseUrl::parse("postgres://ann:s3cret@db:5432/app").expect("valid");
        assert!(!format!("{url:?} {url}").contains("s3cret"));
        assert_eq!(url.expose_secret(), "postgres://ann:s3cret@db:5432/app");
    }

    #[test]
    fn only_postgres_urls_are_accepted() {
        assert!(DatabaseUrl::parse("postgres://localhost/app").is_ok());
        assert!(DatabaseUrl::parse("postgresql://localhost:5433/app").is_ok());
        assert!(DatabaseUrl::parse("postgres://ann:p%40ss%2Fw0rd@db/app").is_ok(), "an encoded password");
        for bad in [
            "",
            "mysql://localhost/app",
            "localhost:5432",
            "postgres://localhost:notaport/app",
            "postgres://ann:p@ss/w0rd@db/app",
        ] {
            assert!(DatabaseUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
