//! [`RedisLimits`]: budgets shared by every process, in Redis (or Valkey, ElastiCache, a Redis
//! Cluster). Each check is one run of a GCRA script on the server: atomic, on the server's clock
//! (so the hosts' clock skew does not matter), one key per budget (so the IP and the e-mail
//! checks are single-key calls, which a cluster routes), and the key expires once its budget is
//! whole again.
//!
//! The connection is made lazily and remade by itself: authport starts while Redis is away.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use secrecy::{ExposeSecret as _, SecretString};

use super::Rate;
use super::store::{LimitStore, LimitStoreError, Verdict};

/// governor's GCRA (`governor::gcra`), on the server's clock in microseconds. ARGV: the emission
/// interval and the tolerance (interval × (burst − 1)). Returns 0 when allowed, else the
/// microseconds until an attempt would be. Integers are written with `%d`: Lua's own number to
/// string conversion would round them to 14 digits. `replicate_commands` lets Redis before 5
/// (which replicated scripts, not their effects) run `TIME` before a write; later it is a no-op.
const GCRA: &str = r"
redis.replicate_commands()
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if now < tat - tolerance then
  return tat - tolerance - now
end
tat = math.max(tat, now) + interval
redis.call('SET', KEYS[1], string.format('%d', tat), 'PX', string.format('%d', math.ceil((tat - now) / 1000)))
return 0
";

/// The longest a connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// A Redis URL (`redis://`, `rediss://`, or a cluster's `redis-cluster://host:port,host:port`);
/// it may carry a password, so `Debug` and `Display` show it redacted.
#[derive(Clone)]
pub struct RedisUrl {
    secret: SecretString,
    /// One URL per node (a cluster's), each `redis://` or `rediss://`.
    nodes: Vec<SecretString>,
    cluster: bool,
}

#[derive(Debug, thiserror::Error)]
#[error(
    "not a Redis URL (redis://[user:password@]host:port[/db], rediss://…, \
     redis-cluster://[user:password@]host:port,host:port,…, rediss-cluster://…): {0}"
)]
pub struct RedisUrlError(String);

impl RedisUrl {
    pub fn parse(raw: &str) -> Result<Self, RedisUrlError> {
        let raw = raw.trim();
        let (scheme, rest) = raw.split_once("://").ok_or_else(|| RedisUrlError("no scheme".into()))?;
        let (node_scheme, cluster) = match scheme {
            "redis" | "rediss" => (scheme, false),
            "redis-cluster" => ("redis", true),
            "rediss-cluster" => ("rediss", true),
            other => return Err(RedisUrlError(format!("the scheme {other}:// is none of Redis's"))),
        };
        let nodes: Vec<String> = if cluster {
            let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
            let (userinfo, hosts) = authority.rsplit_once('@').map_or(("", authority), |(u, h)| (u, h));
            let userinfo = if userinfo.is_empty() { String::new() } else { format!("{userinfo}@") };
            let path = if path.is_empty() { String::new() } else { format!("/{path}") };
            hosts.split(',').map(|host| format!("{node_scheme}://{userinfo}{}{path}", host.trim())).collect()
        } else {
            vec![raw.to_owned()]
        };
        for node in &nodes {
            // redis-rs's own parser decides; its messages never contain the password.
            redis::Client::open(node.as_str()).map_err(|e| RedisUrlError(e.to_string()))?;
        }
        Ok(Self {
            secret: SecretString::from(raw.to_owned()),
            nodes: nodes.into_iter().map(SecretString::from).collect(),
            cluster,
        })
    }

    /// Whether the URL asks for TLS (`rediss://`, `rediss-cluster://`).
    pub fn tls(&self) -> bool {
        self.nodes.iter().all(|n| n.expose_secret().starts_with("rediss://"))
    }

    /// The URL with its password replaced by `***`.
    pub fn redacted(&self) -> String {
        let raw = self.secret.expose_secret();
        if !self.cluster {
            return authport_userpool::redact_url(raw);
        }
        let (scheme, _) = raw.split_once("://").unwrap_or_default();
        let nodes: Vec<String> = self
            .nodes
            .iter()
            .map(|n| {
                authport_userpool::redact_url(n.expose_secret()).split_once("://").map(|(_, rest)| rest.to_owned())
            })
            .collect::<Option<_>>()
            .unwrap_or_default();
        format!("{scheme}://{}", nodes.join(","))
    }
}

impl fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RedisUrl({})", self.redacted())
    }
}

impl fmt::Display for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// The connection: redis-rs's connection manager for one server (which reconnects by itself, in
/// a task of its own); for a cluster, its cluster client's connection, made again in a task of
/// its own after a failure — a connection may take longer than a check may wait.
enum Connection {
    Single(ConnectionManager),
    Cluster(Arc<Cluster>),
}

struct Cluster {
    client: ClusterClient,
    connection: Mutex<Option<ClusterConnection>>,
    connecting: AtomicBool,
    /// The client's connection timeout, which also bounds a connection made in the background.
    connect_timeout: Duration,
}

impl Cluster {
    /// Connects now (start-up).
    async fn connect(&self) -> redis::RedisResult<ClusterConnection> {
        let connection = self.client.get_async_connection().await?;
        *self.connection.lock().unwrap_or_else(PoisonError::into_inner) = Some(connection.clone());
        Ok(connection)
    }

    /// The connection, or — while there is none — an error at once and a connection being made
    /// in the background.
    fn connection(self: &Arc<Self>) -> redis::RedisResult<ClusterConnection> {
        if let Some(connection) = self.connection.lock().unwrap_or_else(PoisonError::into_inner).clone() {
            return Ok(connection);
        }
        if !self.connecting.swap(true, Ordering::AcqRel) {
            let cluster = Arc::clone(self);
            tokio::spawn(async move {
                let _ = tokio::time::timeout(cluster.connect_timeout, cluster.connect()).await;
                cluster.connecting.store(false, Ordering::Release);
            });
        }
        Err((redis::ErrorKind::Io, "connecting to the cluster").into())
    }

    fn forget(&self) {
        self.connection.lock().unwrap_or_else(PoisonError::into_inner).take();
    }
}

/// Budgets in Redis.
pub struct RedisLimits {
    connection: Connection,
    script: redis::Script,
    prefix: String,
    url: String,
}

impl fmt::Debug for RedisLimits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLimits").field("url", &self.url).field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

impl RedisLimits {
    /// Budgets at `url`, under keys starting with `prefix`. Nothing is connected yet; every
    /// connection attempt and every answer is bounded by `timeout`. Over TLS the server's
    /// certificate is checked against the system's roots, or against `ca_pem` (a PEM bundle)
    /// when given.
    pub fn new(
        url: &RedisUrl,
        prefix: &str,
        timeout: Duration,
        ca_pem: Option<Vec<u8>>,
    ) -> Result<Self, LimitStoreError> {
        let failed = |e: redis::RedisError| LimitStoreError(format!("{}: {e}", url.redacted()));
        if url.tls() {
            // Several rustls providers are compiled in (the AWS SDK's and reqwest's); redis-rs
            // takes the process's default. Already installed is fine.
            let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        }
        let certificates = || redis::TlsCertificates { client_tls: None, root_cert: ca_pem.clone() };
        let connection = if url.cluster {
            let nodes: Vec<&str> = url.nodes.iter().map(|n| n.expose_secret()).collect();
            let connect_timeout = timeout.max(CONNECT_TIMEOUT);
            let mut builder =
                ClusterClient::builder(nodes).connection_timeout(connect_timeout).response_timeout(timeout).retries(0);
            if url.tls() && ca_pem.is_some() {
                builder = builder.certs(certificates());
            }
            let client = builder.build().map_err(failed)?;
            Connection::Cluster(Arc::new(Cluster {
                client,
                connection: Mutex::new(None),
                connecting: AtomicBool::new(false),
                connect_timeout,
            }))
        } else {
            let node = url.nodes[0].expose_secret();
            let client = match ca_pem.is_some() && url.tls() {
                true => redis::Client::build_with_tls(node, certificates()),
                false => redis::Client::open(node),
            }
            .map_err(failed)?;
            // A connection (TCP, maybe TLS) may take longer than one check may wait: it goes on
            // after a check gave up, so the next check finds it made.
            let config = ConnectionManagerConfig::new()
                .set_connection_timeout(Some(timeout.max(CONNECT_TIMEOUT)))
                .set_response_timeout(Some(timeout))
                .set_number_of_retries(1)
                .set_max_delay(Duration::from_secs(1));
            Connection::Single(ConnectionManager::new_lazy_with_config(client, config).map_err(failed)?)
        };
        Ok(Self { connection, script: redis::Script::new(GCRA), prefix: prefix.to_owned(), url: url.redacted() })
    }

    async fn run(&self, key: &str, rate: Rate) -> redis::RedisResult<i64> {
        // At least 1 µs, the script's resolution (governor's is 1 ns).
        let interval = i64::try_from(rate.interval().as_micros()).unwrap_or(i64::MAX).max(1);
        let tolerance = interval.saturating_mul(i64::from(rate.burst() - 1));
        let mut invocation = self.script.key(format!("{}{key}", self.prefix));
        invocation.arg(interval).arg(tolerance);
        match &self.connection {
            Connection::Single(manager) => invocation.invoke_async(&mut manager.clone()).await,
            Connection::Cluster(cluster) => {
                let outcome = invocation.invoke_async(&mut cluster.connection()?).await;
                if outcome.as_ref().is_err_and(|e| e.is_io_error() || e.is_connection_dropped()) {
                    cluster.forget(); // made again by the next check
                }
                outcome
            }
        }
    }
}

#[async_trait]
impl LimitStore for RedisLimits {
    async fn connect(&self) -> Result<(), LimitStoreError> {
        let ping = redis::cmd("PING");
        let answer: redis::RedisResult<String> = match &self.connection {
            Connection::Single(manager) => ping.query_async(&mut manager.clone()).await,
            Connection::Cluster(cluster) => match cluster.connect().await {
                Ok(mut connection) => ping.query_async(&mut connection).await,
                Err(err) => Err(err),
            },
        };
        answer.map(drop).map_err(|err| LimitStoreError(format!("{}: {err}", self.url)))
    }

    async fn check(&self, key: &str, rate: Rate) -> Result<Verdict, LimitStoreError> {
        match self.run(key, rate).await {
            Ok(0) => Ok(Verdict::Allowed),
            Ok(wait) if wait > 0 => Ok(Verdict::Wait(Duration::from_micros(wait.unsigned_abs()))),
            Ok(other) => Err(LimitStoreError(format!("the GCRA script answered {other}"))),
            Err(err) => Err(LimitStoreError(format!("{}: {err}", self.url))),
        }
    }

    fn name(&self) -> &'static str {
        "redis"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_parsed_and_shown_without_their_password() {
        let single = RedisUrl::parse("redis://ann:s3cret@cache:6379/2").expect("valid");
        assert_eq!(single.redacted(), "redis://ann:***@cache:6379/2");
        assert!(!format!("{single:?} {single}").contains("s3cret"));
        let cluster = RedisUrl::parse("rediss-cluster://ann:s3cret@a:7000,b:7001").expect("valid");
        assert_eq!(cluster.nodes.len(), 2);
        assert_eq!(cluster.nodes[1].expose_secret(), "rediss://ann:s3cret@b:7001");
        assert_eq!(cluster.redacted(), "rediss-cluster://ann:***@a:7000,ann:***@b:7001");
        for bad in ["", "cache:6379", "http://cache:6379", "redis-cluster://"] {
            assert!(RedisUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
