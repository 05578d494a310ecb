//! [`Guarded`]: a shared store behind the failure policy. When the shared store errors or takes
//! longer than the store timeout, the policy decides — by default this process's own budgets, so
//! an outage gives at worst one process's limits: never no limit, never a log-in outage. An
//! outage is logged once when it starts and once when it ends, and counted in `/metrics`
//! (`authport_rate_limit_store_failures_total`, `authport_rate_limit_store_up`); while it lasts
//! the shared store is asked again at most every [`RETRY_EVERY`], so requests do not all wait
//! for a store that is away.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::Rate;
use super::local::LocalLimits;
use super::store::{LimitStore, LimitStoreError, Verdict};

/// How often a failed shared store is asked again.
pub const RETRY_EVERY: Duration = Duration::from_secs(1);
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
    next_try: Option<Instant>,
    failed_checks: u64,
}

/// A shared store, its timeout, and the policy for when it fails.
pub struct Guarded {
    shared: Box<dyn LimitStore>,
    timeout: Duration,
    policy: FailurePolicy,
    local: Arc<LocalLimits>,
    outage: Mutex<Outage>,
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

impl Guarded {
    /// `shared` asked within `timeout`; `local` keeps the budgets under [`FailurePolicy::Local`].
    pub fn new(shared: Box<dyn LimitStore>, timeout: Duration, policy: FailurePolicy, local: Arc<LocalLimits>) -> Self {
        metrics::gauge!("authport_rate_limit_store_up", "store" => shared.name()).set(1.0);
        Self { shared, timeout, policy, local, outage: Mutex::new(Outage::default()) }
    }

    fn outage(&self) -> std::sync::MutexGuard<'_, Outage> {
        self.outage.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The shared store's answer, or why there is none; `None` when it is not asked (an outage
    /// under way, and the next try not yet due).
    async fn ask(&self, key: &str, rate: Rate) -> Option<Result<Verdict, LimitStoreError>> {
        if self.outage().next_try.is_some_and(|at| Instant::now() < at) {
            return None;
        }
        Some(match tokio::time::timeout(self.timeout, self.shared.check(key, rate)).await {
            Ok(answer) => answer,
            Err(_) => Err(LimitStoreError(format!("no answer within {} ms", self.timeout.as_millis()))),
        })
    }

    fn answered(&self) {
        let mut outage = self.outage();
        if let Some(since) = outage.since.take() {
            tracing::info!(
                store = self.shared.name(),
                lasted_ms = since.elapsed().as_millis(),
                failed_checks = outage.failed_checks,
                "the rate-limit store answers again: shared limits apply"
            );
            *outage = Outage::default();
            metrics::gauge!("authport_rate_limit_store_up", "store" => self.shared.name()).set(1.0);
        }
    }

    fn failed(&self, error: Option<&LimitStoreError>) {
        metrics::counter!("authport_rate_limit_store_failures_total", "store" => self.shared.name()).increment(1);
        let mut outage = self.outage();
        outage.failed_checks += 1;
        if let Some(error) = error {
            outage.next_try = Some(Instant::now() + RETRY_EVERY);
            if outage.since.is_none() {
                outage.since = Some(Instant::now());
                metrics::gauge!("authport_rate_limit_store_up", "store" => self.shared.name()).set(0.0);
                tracing::warn!(
                    store = self.shared.name(),
                    %error,
                    policy = ?self.policy,
                    "the rate-limit store fails; until it answers again, the failure policy applies"
                );
            }
        }
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
        let error = match self.ask(key, rate).await {
            Some(Ok(verdict)) => {
                self.answered();
                return Ok(verdict);
            }
            Some(Err(error)) => Some(error),
            None => None,
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
        if self.outage().since.is_some() { StoreStatus::Failing } else { StoreStatus::Shared }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use super::*;

    /// A shared store that is up or down on command, and counts the times it is asked.
    #[derive(Debug, Default)]
    struct Switchable {
        down: AtomicBool,
        asked: AtomicUsize,
    }

    #[async_trait]
    impl LimitStore for Arc<Switchable> {
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

    #[tokio::test]
    async fn an_answer_ends_the_outage() {
        let (guarded, store) = guarded(FailurePolicy::Open);
        store.down.store(true, Ordering::SeqCst);
        let _ = guarded.check("k", RATE).await;
        store.down.store(false, Ordering::SeqCst);
        guarded.outage().next_try = None; // the retry is due
        assert_eq!(guarded.check("k", RATE).await.expect("answered"), Verdict::Wait(Duration::from_secs(7)));
        assert_eq!(guarded.status(), StoreStatus::Shared);
    }
}
