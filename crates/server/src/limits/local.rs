//! [`LocalLimits`]: budgets in this process (governor's keyed GCRA limiters), one limiter per
//! rate. Idle entries are dropped every minute, so memory stays bounded by recent clients.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use async_trait::async_trait;
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::Rate;
use super::store::{LimitStore, LimitStoreError, Verdict};

/// How often idle entries are dropped.
const RETAIN_EVERY: Duration = Duration::from_secs(60);

/// The budgets of this process.
#[derive(Default)]
pub struct LocalLimits {
    limiters: Mutex<HashMap<Rate, Arc<DefaultKeyedRateLimiter<String>>>>,
    clock: DefaultClock,
}

impl std::fmt::Debug for LocalLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalLimits").field("tracked", &self.tracked()).finish()
    }
}

impl LocalLimits {
    fn limiter(&self, rate: Rate) -> Arc<DefaultKeyedRateLimiter<String>> {
        let mut limiters = self.limiters.lock().unwrap_or_else(PoisonError::into_inner);
        let limiter = limiters.entry(rate).or_insert_with(|| {
            let per_minute = NonZeroU32::new(rate.per_minute).unwrap_or(NonZeroU32::MIN);
            let burst = NonZeroU32::new(rate.burst()).unwrap_or(NonZeroU32::MIN);
            Arc::new(RateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst)))
        });
        Arc::clone(limiter)
    }

    /// Entries held now: bounded by the clients of the last minutes.
    pub fn tracked(&self) -> usize {
        self.limiters.lock().unwrap_or_else(PoisonError::into_inner).values().map(|l| l.len()).sum()
    }

    fn retain_recent(&self) {
        for limiter in self.limiters.lock().unwrap_or_else(PoisonError::into_inner).values() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
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

    /// The check itself, which cannot fail.
    pub fn check_now(&self, key: &str, rate: Rate) -> Verdict {
        match self.limiter(rate).check_key(&key.to_owned()) {
            Ok(()) => Verdict::Allowed,
            Err(not_until) => Verdict::Wait(not_until.wait_time_from(self.clock.now())),
        }
    }
}

#[async_trait]
impl LimitStore for LocalLimits {
    async fn check(&self, key: &str, rate: Rate) -> Result<Verdict, LimitStoreError> {
        Ok(self.check_now(key, rate))
    }

    fn name(&self) -> &'static str {
        "memory"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_one_per_interval_and_keys_are_apart() {
        let limits = LocalLimits::default();
        let rate = Rate { per_minute: 2, burst: 3 };
        for _ in 0..3 {
            assert_eq!(limits.check_now("a", rate), Verdict::Allowed);
        }
        let Verdict::Wait(wait) = limits.check_now("a", rate) else { panic!("over the burst") };
        assert!(wait > Duration::from_secs(29) && wait <= Duration::from_secs(30), "{wait:?}");
        assert_eq!(limits.check_now("b", rate), Verdict::Allowed);
        assert_eq!(limits.tracked(), 2);
    }
}
