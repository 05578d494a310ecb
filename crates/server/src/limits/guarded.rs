//! [`Guarded`]: a shared store behind the failure policy. When the shared store errors or takes
//! longer than the store timeout, the policy decides — by default this process's own budgets, so
//! an outage gives at worst one process's limits: never no limit, never a log-in outage. An
//! outage is logged once when it starts and once when it ends, and counted in `/metrics`
//! (`authport_rate_limit_store_failures_total`: the checks the store did not decide;
//! `authport_rate_limit_store_up`). While it lasts no check waits for the store: a task of its own
//! asks the store every [`RETRY_EVERY`] (a PING, which also makes the store's client reconnect)
//! and ends the outage when it answers.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::Rate;
use super::local::LocalLimits;
use super::store::{LimitStore, LimitStoreError, Verdict};

/// How often a failing shared store is asked whether it answers again.
const RETRY_EVERY: Duration = Duration::from_secs(1);
/// How long start-up waits for the shared store's connection.
const CONNECT_WITHIN: Duration = Duration::from_secs(3);

/// What a check does while the shared store fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailurePolicy {
    /// This process's own budgets (as with `--rate-limit-store memory`).
    Local,
    /// No limits.
    Open,
    /// Every limited request is refused: `503 backend_unavailable`.
    Closed,
}

/// Where the budgets are kept now (reported by `/readyz`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreStatus {
    /// In this process (`--rate-limit-store memory`).
    InProcess,
    /// In the shared store, which answers.
    Shared,
    /// The shared store fails: the failure policy applies.
    Failing,
}

impl StoreStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProcess => "in_process",
            Self::Shared => "shared",
            Self::Failing => "failing",
        }
    }
}

/// The outage under way, if any.
#[derive(Debug, Default)]
struct Outage {
    since: Option<Instant>,
    failed_checks: u64,
}

/// A shared store, its timeout, and the policy for when it fails.
pub struct Guarded {
    shared: Arc<dyn LimitStore>,
    timeout: Duration,
    policy: FailurePolicy,
    local: Arc<LocalLimits>,
    outage: Arc<Mutex<Outage>>,
}

impl std::fmt::Debug for Guarded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guarded")
            .field("shared", &self.shared.name())
            .field("timeout", &self.timeout)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

fn lock(outage: &Mutex<Outage>) -> std::sync::MutexGuard<'_, Outage> {
    outage.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Guarded {
    /// `shared` asked within `timeout`; `local` keeps the budgets under [`FailurePolicy::Local`].
    pub fn new(shared: Box<dyn LimitStore>, timeout: Duration, policy: FailurePolicy, local: Arc<LocalLimits>) -> Self {
        metrics::gauge!("authport_rate_limit_store_up", "store" => shared.name()).set(1.0);
        Self { shared: Arc::from(shared), timeout, policy, local, outage: Arc::default() }
    }

    /// Counts a check the store did not decide; the first one of an outage starts it: logged,
    /// and the task that asks the store until it answers again.
    fn failed(&self, error: Option<&LimitStoreError>) {
        let name = self.shared.name();
        metrics::counter!("authport_rate_limit_store_failures_total", "store" => name).increment(1);
        let mut outage = lock(&self.outage);
        outage.failed_checks += 1;
        if outage.since.is_some() {
            return;
        }
        outage.since = Some(Instant::now());
        metrics::gauge!("authport_rate_limit_store_up", "store" => name).set(0.0);
        let error = error.map_or_else(|| "failing".to_owned(), ToString::to_string);
        tracing::warn!(
            store = name,
            %error,
            policy = ?self.policy,
            "the rate-limit store fails; until it answers again, the failure policy applies"
        );
        let (shared, state, timeout) = (Arc::clone(&self.shared), Arc::clone(&self.outage), self.timeout);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(RETRY_EVERY).await;
                let wait = timeout.max(CONNECT_WITHIN);
                if matches!(tokio::time::timeout(wait, shared.connect()).await, Ok(Ok(()))) {
                    break;
                }
            }
            let mut outage = lock(&state);
            if let Some(since) = outage.since.take() {
                tracing::info!(
                    store = shared.name(),
                    lasted_ms = since.elapsed().as_millis(),
                    failed_checks = outage.failed_checks,
                    "the rate-limit store answers again: shared limits apply"
                );
            }
            *outage = Outage::default();
            metrics::gauge!("authport_rate_limit_store_up", "store" => shared.name()).set(1.0);
        });
    }

    fn in_outage(&self) -> bool {
        lock(&self.outage).since.is_some()
    }
}

#[async_trait]
impl LimitStore for Guarded {
    /// Connects within [`CONNECT_WITHIN`]; a store that cannot be reached starts an outage.
    async fn connect(&self) -> Result<(), LimitStoreError> {
        let connected = match tokio::time::timeout(CONNECT_WITHIN, self.shared.connect()).await {
            Ok(connected) => connected,
            Err(_) => Err(LimitStoreError(format!("no connection within {} s", CONNECT_WITHIN.as_secs()))),
        };
        match &connected {
            Ok(()) => tracing::info!(store = self.shared.name(), "the rate-limit store answers"),
            Err(error) => self.failed(Some(error)),
        }
        connected
    }

    async fn check(&self, key: &str, rate: Rate) -> Result<Verdict, LimitStoreError> {
        let error = if self.in_outage() {
            None
        } else {
            match tokio::time::timeout(self.timeout, self.shared.check(key, rate)).await {
                Ok(Ok(verdict)) => return Ok(verdict),
                Ok(Err(error)) => Some(error),
                Err(_) => Some(LimitStoreError(format!("no answer within {} ms", self.timeout.as_millis()))),
            }
        };
        self.failed(error.as_ref());
        match self.policy {
            FailurePolicy::Local => Ok(self.local.check_now(key, rate)),
            FailurePolicy::Open => Ok(Verdict::Allowed),
            FailurePolicy::Closed => Err(error.unwrap_or_else(|| LimitStoreError("the store is failing".into()))),
        }
    }

    fn name(&self) -> &'static str {
        self.shared.name()
    }

    fn status(&self) -> StoreStatus {
        if self.in_outage() { StoreStatus::Failing } else { StoreStatus::Shared }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use super::*;

    /// A shared store that is up or down on command, and counts the checks and the connection
    /// attempts it gets.
    #[derive(Debug, Default)]
    struct Switchable {
        down: AtomicBool,
        asked: AtomicUsize,
        connects: AtomicUsize,
    }

    #[async_trait]
    impl LimitStore for Arc<Switchable> {
        async fn connect(&self) -> Result<(), LimitStoreError> {
            self.connects.fetch_add(1, Ordering::SeqCst);
            if self.down.load(Ordering::SeqCst) { Err(LimitStoreError("down".into())) } else { Ok(()) }
        }
        async fn check(&self, _: &str, _: Rate) -> Result<Verdict, LimitStoreError> {
            self.asked.fetch_add(1, Ordering::SeqCst);
            if self.down.load(Ordering::SeqCst) {
                Err(LimitStoreError("down".into()))
            } else {
                Ok(Verdict::Wait(Duration::from_secs(7)))
            }
        }
        fn name(&self) -> &'static str {
            "switchable"
        }
    }

    fn guarded(policy: FailurePolicy) -> (Guarded, Arc<Switchable>) {
        let store = Arc::new(Switchable::default());
        let guarded = Guarded::new(Box::new(Arc::clone(&store)), Duration::from_secs(1), policy, Arc::default());
        (guarded, store)
    }

    const RATE: Rate = Rate { per_minute: 1, burst: 1 };

    #[tokio::test]
    async fn the_shared_answer_counts_while_the_store_answers() {
        let (guarded, _) = guarded(FailurePolicy::Local);
        assert_eq!(guarded.check("k", RATE).await.expect("answered"), Verdict::Wait(Duration::from_secs(7)));
        assert_eq!(guarded.status(), StoreStatus::Shared);
    }

    #[tokio::test]
    async fn each_policy_answers_for_a_failing_store_which_is_not_asked_again_at_once() {
        for (policy, first, second) in [
            (FailurePolicy::Local, Some(Verdict::Allowed), Some(Verdict::Wait(Duration::ZERO))),
            (FailurePolicy::Open, Some(Verdict::Allowed), Some(Verdict::Allowed)),
            (FailurePolicy::Closed, None, None),
        ] {
            let (guarded, store) = guarded(policy);
            store.down.store(true, Ordering::SeqCst);
            let answers = [guarded.check("k", RATE).await.ok(), guarded.check("k", RATE).await.ok()];
            // Local: this process's burst of 1, then a wait (its length is the clock's).
            let answers =
                answers.map(|a| a.map(|v| if let Verdict::Wait(_) = v { Verdict::Wait(Duration::ZERO) } else { v }));
            assert_eq!(answers, [first, second], "{policy:?}");
            assert_eq!(store.asked.load(Ordering::SeqCst), 1, "{policy:?}: asked once, then left alone");
            assert_eq!(guarded.status(), StoreStatus::Failing);
        }
    }

    /// Paused clock: the outage's task asks every second, in vain while the store is down; once
    /// it answers, the outage is over and the store decides again.
    #[tokio::test(start_paused = true)]
    async fn the_store_is_asked_again_until_it_answers_then_it_decides() {
        let (guarded, store) = guarded(FailurePolicy::Open);
        store.down.store(true, Ordering::SeqCst);
        assert_eq!(guarded.check("k", RATE).await.expect("open"), Verdict::Allowed);
        tokio::time::sleep(RETRY_EVERY * 3 + Duration::from_millis(10)).await;
        assert_eq!(guarded.status(), StoreStatus::Failing);
        assert_eq!(store.connects.load(Ordering::SeqCst), 3, "asked once a second");
        store.down.store(false, Ordering::SeqCst);
        tokio::time::sleep(RETRY_EVERY).await;
        assert_eq!(guarded.status(), StoreStatus::Shared);
        assert_eq!(guarded.check("k", RATE).await.expect("answered"), Verdict::Wait(Duration::from_secs(7)));
        assert_eq!(store.asked.load(Ordering::SeqCst), 2, "the outage's checks never waited for the store");
    }
}
