//! Rate limits on the credential endpoints (`/v1/signup`, `/v1/login`): a GCRA budget per client
//! IP and one per normalised e-mail address, kept by a [`LimitStore`] — this process's
//! ([`LocalLimits`], governor) or one shared by every process ([`RedisLimits`]), behind the
//! failure policy of [`Guarded`] when it is shared.
//!
//! The client IP is the socket's peer address — or, when the peer is one of the
//! `--trusted-proxy` addresses, the right-most `X-Forwarded-For` hop that is not itself a trusted
//! proxy (hops left of it could be forged by the client; hops right of it were appended by
//! proxies we trust). Without `--trusted-proxy`, `X-Forwarded-For` is ignored.

mod guarded;
mod local;
mod redis;
mod store;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use authport_domain::Email;
use sha2::{Digest as _, Sha256};

pub use self::guarded::{FailurePolicy, Guarded, StoreStatus};
pub use self::local::LocalLimits;
pub use self::redis::{RedisLimits, RedisUrl, RedisUrlError};
pub use self::store::{LimitStore, LimitStoreError, Verdict};

/// A rate: `per_minute` sustained, `burst` at once (both ≥ 1), or off (`per_minute == 0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rate {
    pub per_minute: u32,
    pub burst: u32,
}

impl Rate {
    fn is_on(self) -> bool {
        self.per_minute > 0
    }

    /// GCRA's emission interval: one attempt is earned back every `interval`.
    pub fn interval(self) -> Duration {
        Duration::from_secs(60) / self.per_minute.max(1)
    }

    /// The burst allowed at once, at least 1.
    pub fn burst(self) -> u32 {
        if self.burst == 0 { self.per_minute.max(1) } else { self.burst }
    }
}

/// Why an attempt may not go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Over the limit: the next attempt is allowed after this long.
    TooMany(Duration),
    /// The shared store failed and the policy is `closed`.
    StoreUnavailable,
}

/// A store shared by every process, with how long a check may wait for it and what applies
/// when it fails.
#[derive(Debug)]
pub struct SharedStore {
    pub store: Box<dyn LimitStore>,
    pub timeout: Duration,
    pub on_failure: FailurePolicy,
}

/// The limits, the store that keeps them and the proxies whose `X-Forwarded-For` is believed.
pub struct RateLimits {
    ip: Rate,
    email: Rate,
    trusted_proxies: Vec<IpAddr>,
    store: Arc<dyn LimitStore>,
    /// This process's budgets: the store, or the shared store's fallback.
    local: Arc<LocalLimits>,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits")
            .field("ip", &self.ip)
            .field("email", &self.email)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("store", &self.store.name())
            .finish()
    }
}

impl RateLimits {
    /// Budgets in `shared`, or in this process when `None`. A rate with `per_minute == 0` is off.
    pub fn new(ip: Rate, email: Rate, trusted_proxies: Vec<IpAddr>, shared: Option<SharedStore>) -> Self {
        let local = Arc::new(LocalLimits::default());
        let store: Arc<dyn LimitStore> = match shared {
            None => Arc::clone(&local) as Arc<dyn LimitStore>,
            Some(shared) => Arc::new(Guarded::new(shared.store, shared.timeout, shared.on_failure, Arc::clone(&local))),
        };
        Self { ip, email, trusted_proxies, store, local }
    }

    /// Limits kept by this process alone.
    pub fn in_process(ip: Rate, email: Rate, trusted_proxies: Vec<IpAddr>) -> Self {
        Self::new(ip, email, trusted_proxies, None)
    }

    /// Drops this process's idle budgets every minute while the limits live.
    pub fn spawn_cleanup(&self) {
        LocalLimits::spawn_cleanup(&self.local);
    }

    /// The client's address, as described in the module docs.
    pub fn client_ip(&self, peer: Option<SocketAddr>, forwarded_for: Option<&str>) -> Option<IpAddr> {
        let peer = peer?.ip();
        if !self.trusted_proxies.contains(&peer) {
            return Some(peer);
        }
        let Some(header) = forwarded_for else { return Some(peer) };
        let mut client = peer;
        for hop in header.rsplit(',') {
            match hop.trim().parse::<IpAddr>() {
                Ok(ip) if self.trusted_proxies.contains(&ip) => client = ip,
                Ok(ip) => return Some(ip),
                // Garbage in the header: stop at the last hop we could trust.
                Err(_) => return Some(client),
            }
        }
        Some(client)
    }

    /// Counts one attempt from `ip`.
    pub async fn check_ip(&self, ip: Option<IpAddr>) -> Result<(), Refused> {
        match ip {
            Some(ip) if self.ip.is_on() => self.check(&format!("ip:{ip}"), self.ip).await,
            _ => Ok(()),
        }
    }

    /// Counts one attempt for the (normalised) address; addresses that do not parse are left to
    /// the IP limit. The store sees a digest of the address, never the address itself.
    pub async fn check_email(&self, raw_email: &str) -> Result<(), Refused> {
        let Ok(email) = Email::parse(raw_email) else { return Ok(()) };
        if !self.email.is_on() {
            return Ok(());
        }
        let digest = Sha256::digest(email.as_str().as_bytes());
        let key: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        self.check(&format!("email:{key}"), self.email).await
    }

    async fn check(&self, key: &str, rate: Rate) -> Result<(), Refused> {
        match self.store.check(key, rate).await {
            Ok(Verdict::Allowed) => Ok(()),
            Ok(Verdict::Wait(wait)) => Err(Refused::TooMany(wait)),
            Err(_) => Err(Refused::StoreUnavailable),
        }
    }

    /// Connects to the store (start-up); a shared store that cannot be reached is an outage
    /// under way, not a reason not to start.
    pub async fn connect(&self) {
        let _ = self.store.connect().await;
    }

    /// Where the budgets are kept now (`/readyz`).
    pub fn store_status(&self) -> StoreStatus {
        self.store.status()
    }
}

/// `Retry-After` in whole seconds, rounded up (never 0).
pub fn retry_after_secs(wait: Duration) -> Duration {
    Duration::from_secs(wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(Duration::from_secs(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(trusted: &[&str]) -> RateLimits {
        RateLimits::in_process(
            Rate { per_minute: 2, burst: 2 },
            Rate { per_minute: 1, burst: 1 },
            trusted.iter().map(|s| s.parse().expect("ip")).collect(),
        )
    }

    fn peer(s: &str) -> Option<SocketAddr> {
        Some(SocketAddr::new(s.parse().expect("ip"), 4000))
    }

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_proxy() {
        let untrusting = limits(&[]);
        assert_eq!(untrusting.client_ip(peer("10.0.0.1"), Some("1.2.3.4")), Some("10.0.0.1".parse().expect("ip")));
        let trusting = limits(&["10.0.0.1", "10.0.0.2"]);
        let ip = |s: &str| Some(s.parse::<IpAddr>().expect("ip"));
        assert_eq!(trusting.client_ip(peer("10.0.0.1"), Some("1.2.3.4")), ip("1.2.3.4"));
        // The client may prepend anything: the right-most untrusted hop wins.
        assert_eq!(trusting.client_ip(peer("10.0.0.1"), Some("6.6.6.6, 1.2.3.4, 10.0.0.2")), ip("1.2.3.4"));
        assert_eq!(trusting.client_ip(peer("10.0.0.1"), Some("junk, 10.0.0.2")), ip("10.0.0.2"));
        assert_eq!(trusting.client_ip(peer("10.0.0.1"), None), ip("10.0.0.1"));
        assert_eq!(trusting.client_ip(peer("9.9.9.9"), Some("1.2.3.4")), ip("9.9.9.9"), "untrusted peer");
    }

    #[tokio::test]
    async fn limits_are_per_key_and_emails_are_normalised() {
        let limits = limits(&[]);
        let a = Some("1.1.1.1".parse().expect("ip"));
        let b = Some("2.2.2.2".parse().expect("ip"));
        assert!(limits.check_ip(a).await.is_ok() && limits.check_ip(a).await.is_ok());
        let Err(Refused::TooMany(wait)) = limits.check_ip(a).await else { panic!("third within a minute") };
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(30), "{wait:?}");
        assert!(limits.check_ip(b).await.is_ok(), "another address has its own budget");

        assert!(limits.check_email("Ann@Example.com").await.is_ok());
        assert!(limits.check_email(" ann@example.COM ").await.is_err(), "same address once normalised");
        assert!(limits.check_email("bob@example.com").await.is_ok());
        assert!(
            limits.check_email("not an address").await.is_ok() && limits.check_email("not an address").await.is_ok()
        );
    }

    #[tokio::test]
    async fn zero_turns_a_limit_off() {
        let off = RateLimits::in_process(Rate { per_minute: 0, burst: 0 }, Rate { per_minute: 0, burst: 5 }, vec![]);
        for _ in 0..100 {
            assert!(off.check_ip(Some("1.1.1.1".parse().expect("ip"))).await.is_ok());
            assert!(off.check_email("ann@example.com").await.is_ok());
        }
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), Duration::from_secs(1));
        assert_eq!(retry_after_secs(Duration::from_millis(5_001)), Duration::from_secs(6));
        assert_eq!(retry_after_secs(Duration::ZERO), Duration::from_secs(1));
    }
}
