//! Rate limits on the credential endpoints (`/v1/signup`, `/v1/login`): one keyed GCRA limiter
//! (governor) per client IP and one per normalised e-mail address.
//!
//! The client IP is the socket's peer address — or, when the peer is one of the
//! `--trusted-proxy` addresses, the right-most `X-Forwarded-For` hop that is not itself a trusted
//! proxy (hops left of it could be forged by the client; hops right of it were appended by
//! proxies we trust). Without `--trusted-proxy`, `X-Forwarded-For` is ignored.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Weak};
use std::time::Duration;

use authport_domain::Email;
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// How often idle limiter entries are dropped, so memory stays bounded by recent clients.
const RETAIN_EVERY: Duration = Duration::from_secs(60);

/// A rate: `per_minute` sustained, `burst` at once (both ≥ 1), or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub per_minute: u32,
    pub burst: u32,
}

impl Rate {
    fn quota(self) -> Option<Quota> {
        let per_minute = NonZeroU32::new(self.per_minute)?;
        let burst = NonZeroU32::new(self.burst).unwrap_or(per_minute);
        Some(Quota::per_minute(per_minute).allow_burst(burst))
    }
}

/// The limiters and the proxies whose `X-Forwarded-For` is believed.
pub struct RateLimits {
    ip: Option<DefaultKeyedRateLimiter<IpAddr>>,
    email: Option<DefaultKeyedRateLimiter<String>>,
    trusted_proxies: Vec<IpAddr>,
    clock: DefaultClock,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits")
            .field("ip", &self.ip.is_some())
            .field("email", &self.email.is_some())
            .field("trusted_proxies", &self.trusted_proxies)
            .finish()
    }
}

impl RateLimits {
    /// A rate with `per_minute == 0` is off.
    pub fn new(ip: Rate, email: Rate, trusted_proxies: Vec<IpAddr>) -> Self {
        Self {
            ip: ip.quota().map(RateLimiter::keyed),
            email: email.quota().map(RateLimiter::keyed),
            trusted_proxies,
            clock: DefaultClock::default(),
        }
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

    /// `Err(wait)` when `ip` is over its limit.
    pub fn check_ip(&self, ip: Option<IpAddr>) -> Result<(), Duration> {
        match (&self.ip, ip) {
            (Some(limiter), Some(ip)) => {
                limiter.check_key(&ip).map_err(|not_until| not_until.wait_time_from(self.clock.now()))
            }
            _ => Ok(()),
        }
    }

    /// `Err(wait)` when the (normalised) address is over its limit; addresses that do not
    /// parse are left to the IP limit.
    pub fn check_email(&self, raw_email: &str) -> Result<(), Duration> {
        let (Some(limiter), Ok(email)) = (&self.email, Email::parse(raw_email)) else { return Ok(()) };
        limiter.check_key(&email.as_str().to_owned()).map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    fn retain_recent(&self) {
        if let Some(limiter) = &self.ip {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        if let Some(limiter) = &self.email {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// Entries held now (IP, e-mail): bounded by the clients of the last minutes.
    pub fn tracked(&self) -> (usize, usize) {
        (self.ip.as_ref().map_or(0, |l| l.len()), self.email.as_ref().map_or(0, |l| l.len()))
    }

    /// Drops idle entries every minute for as long as `limits` lives.
    pub fn spawn_cleanup(limits: &Arc<Self>) {
        let weak: Weak<Self> = Arc::downgrade(limits);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(RETAIN_EVERY);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(limits) = weak.upgrade() else { break };
                limits.retain_recent();
            }
        });
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
        RateLimits::new(
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

    #[test]
    fn limits_are_per_key_and_emails_are_normalised() {
        let limits = limits(&[]);
        let a = Some("1.1.1.1".parse().expect("ip"));
        let b = Some("2.2.2.2".parse().expect("ip"));
        assert!(limits.check_ip(a).is_ok() && limits.check_ip(a).is_ok());
        let wait = limits.check_ip(a).expect_err("third within a minute");
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(30), "{wait:?}");
        assert!(limits.check_ip(b).is_ok(), "another address has its own budget");

        assert!(limits.check_email("Ann@Example.com").is_ok());
        assert!(limits.check_email(" ann@example.COM ").is_err(), "same address once normalised");
        assert!(limits.check_email("bob@example.com").is_ok());
        assert!(limits.check_email("not an address").is_ok() && limits.check_email("not an address").is_ok());
        assert_eq!(limits.tracked(), (2, 2));
    }

    #[test]
    fn zero_turns_a_limit_off() {
        let off = RateLimits::new(Rate { per_minute: 0, burst: 0 }, Rate { per_minute: 0, burst: 5 }, vec![]);
        for _ in 0..100 {
            assert!(off.check_ip(Some("1.1.1.1".parse().expect("ip"))).is_ok());
            assert!(off.check_email("ann@example.com").is_ok());
        }
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), Duration::from_secs(1));
        assert_eq!(retry_after_secs(Duration::from_millis(5_001)), Duration::from_secs(6));
        assert_eq!(retry_after_secs(Duration::ZERO), Duration::from_secs(1));
    }
}
