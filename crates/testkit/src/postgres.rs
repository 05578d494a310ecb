//! PostgreSQL for the tests: a fresh database per test (created through a maintenance
//! connection to `DATABASE_URL`, dropped with `WITH (FORCE)` when the last handle goes).
//! [`TcpProxy`] (re-exported from [`crate::proxy`]) cuts or black-holes the way to the server.

use std::net::SocketAddr;
use std::str::FromStr as _;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection as _, PgConnection};

pub use crate::proxy::TcpProxy;
use crate::skip_or_fail;

/// The server the tests use when `DATABASE_URL` is unset.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// How long the tests wait for the maintenance connection before they call PostgreSQL absent.
const MAINTENANCE_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// `DATABASE_URL`, or [`DEFAULT_DATABASE_URL`]: a role that may create databases.
pub fn maintenance_url() -> String {
    std::env::var("DATABASE_URL").ok().filter(|url| !url.trim().is_empty()).unwrap_or(DEFAULT_DATABASE_URL.to_owned())
}

async fn connect(url: &str) -> Result<PgConnection, String> {
    let redacted = authport_userpool::redact_url(url);
    let options = PgConnectOptions::from_str(url).map_err(|e| format!("bad DATABASE_URL {redacted}: {e}"))?;
    match tokio::time::timeout(MAINTENANCE_CONNECT_TIMEOUT, PgConnection::connect_with(&options)).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(format!("cannot connect to {redacted}: {e}")),
        Err(_) => Err(format!("no answer from {redacted} within {MAINTENANCE_CONNECT_TIMEOUT:?}")),
    }
}

/// A database of its own for one test: `authport_t_<uuid>`, dropped when the last `Arc` goes.
#[derive(Debug)]
pub struct TestDatabase {
    name: String,
    url: reqwest::Url,
    maintenance_url: String,
}

impl TestDatabase {
    /// Creates a fresh, empty database, or returns `None` after [`skip_or_fail`] when
    /// PostgreSQL cannot be reached.
    ///
    /// # Panics
    /// When PostgreSQL answers but refuses to create the database, or `CI=true` and it is absent.
    pub async fn create() -> Option<Arc<Self>> {
        let maintenance_url = maintenance_url();
        let mut conn = match connect(&maintenance_url).await {
            Ok(conn) => conn,
            Err(why) => {
                skip_or_fail("PostgreSQL", &format!("{why}; set DATABASE_URL"));
                return None;
            }
        };
        let name = format!("authport_t_{}", uuid::Uuid::new_v4().simple());
        // An identifier cannot be a bound parameter; the name is ours and only [a-z0-9_].
        sqlx::query(&format!(r#"CREATE DATABASE "{name}""#))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        let _ = conn.close().await;
        let mut url = reqwest::Url::parse(&maintenance_url).expect("DATABASE_URL is a URL");
        url.set_path(&format!("/{name}"));
        Some(Arc::new(Self { name, url, maintenance_url }))
    }

    /// The URL of this database.
    pub fn url(&self) -> String {
        self.url.to_string()
    }

    /// The URL of this database reached through `addr` (a [`TcpProxy`]).
    pub fn url_via(&self, addr: SocketAddr) -> String {
        let mut url = self.url.clone();
        url.set_host(Some(&addr.ip().to_string())).expect("host");
        url.set_port(Some(addr.port())).expect("port");
        url.to_string()
    }

    /// The URL with a password in it (ignored by trust authentication), to check logs.
    pub fn url_with_password(&self, password: &str) -> Option<String> {
        let mut url = self.url.clone();
        url.set_password(Some(password)).ok()?;
        Some(url.to_string())
    }

    /// Where the PostgreSQL server listens.
    pub async fn server_addr(&self) -> SocketAddr {
        let host = self.url.host_str().unwrap_or("127.0.0.1").trim_matches(['[', ']']).to_owned();
        let port = self.url.port().unwrap_or(5432);
        tokio::net::lookup_host((host.as_str(), port))
            .await
            .ok()
            .and_then(|mut addrs| addrs.next())
            .unwrap_or_else(|| panic!("cannot resolve {host}:{port}"))
    }

    /// A direct connection, for assertions about what is stored.
    pub async fn connect(&self) -> PgConnection {
        connect(&self.url()).await.unwrap_or_else(|e| panic!("{e}"))
    }
}

impl Drop for TestDatabase {
    /// Drops the database (terminating leftover connections). Drop cannot be async: a thread
    /// of its own runs a small runtime for it.
    fn drop(&mut self) {
        let name = std::mem::take(&mut self.name);
        let maintenance_url = std::mem::take(&mut self.maintenance_url);
        let dropped = std::thread::spawn(move || -> Result<(), String> {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let mut conn = connect(&maintenance_url).await?;
                sqlx::query(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#))
                    .execute(&mut conn)
                    .await
                    .map_err(|e| format!("DROP DATABASE {name}: {e}"))?;
                let _ = conn.close().await;
                Ok(())
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(why)) => eprintln!("warning: test database left behind: {why}"),
            Err(_) => eprintln!("warning: test database left behind: the dropping thread panicked"),
        }
    }
}
