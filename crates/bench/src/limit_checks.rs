//! Figure 7: what one rate-limit check costs a request — `RateLimits::check_ip`, as the
//! credential routes call it — with the budgets in this process and in Redis (a private
//! `redis-server` on loopback, one GCRA script per check). Rates so high that nothing is
//! refused: the cost of deciding, not of refusing. The two stores take turns, A B B A, so that
//! the machine's drift weighs on both alike.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use authport_server::limits::{FailurePolicy, Rate, RateLimits, RedisLimits, RedisUrl, SharedStore};
use hdrhistogram::Histogram;

/// Checks per turn.
const CHECKS: usize = 5_000;
/// Nothing is ever over this.
const GENEROUS: Rate = Rate { per_minute: 1_000_000, burst: 1_000_000 };

/// The latency of one check, for one store.
#[derive(Debug)]
pub struct CheckCost {
    pub store: &'static str,
    pub latency_ns: Histogram<u64>,
}

impl CheckCost {
    fn new(store: &'static str) -> Self {
        Self { store, latency_ns: Histogram::new_with_bounds(1, 60_000_000_000, 3).expect("static histogram bounds") }
    }

    pub fn quantile_us(&self, q: f64) -> f64 {
        self.latency_ns.value_at_quantile(q) as f64 / 1_000.0
    }
}

/// In process, then in Redis at `redis_url`: the cost of a check in each.
pub async fn measure(redis_url: &str) -> anyhow::Result<[CheckCost; 2]> {
    let url = RedisUrl::parse(redis_url)?;
    let timeout = Duration::from_millis(50);
    let shared = SharedStore {
        store: Box::new(RedisLimits::new(&url, "bench:", timeout, None)?),
        timeout,
        on_failure: FailurePolicy::Closed, // a failure must not pass for a cheap check
    };
    let stores =
        [RateLimits::in_process(GENEROUS, GENEROUS, vec![]), RateLimits::new(GENEROUS, GENEROUS, vec![], Some(shared))];
    stores[1].connect().await;
    let mut costs = [CheckCost::new("in process"), CheckCost::new("Redis")];
    let ip = Some(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7)));
    for turn in [0, 1, 1, 0] {
        for _ in 0..CHECKS {
            let started = Instant::now();
            stores[turn].check_ip(ip).await.map_err(|refused| anyhow::anyhow!("{}: {refused:?}", costs[turn].store))?;
            let ns = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
            costs[turn].latency_ns.record(ns.max(1))?;
        }
    }
    Ok(costs)
}
