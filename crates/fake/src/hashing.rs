//! argon2id password hashing, always on the blocking pool so the reactor keeps serving, and
//! bounded: at most [`HashLimits::concurrency`] computations run at once and at most
//! [`HashLimits::queue`] more wait for a slot; beyond that a call fails at once with
//! [`HashError::Overloaded`] instead of queueing without bound.

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use argon2::{Algorithm, Argon2, Params, Version};
use authport_domain::BoxError;
use rand::rngs::OsRng;
use secrecy::{ExposeSecret, SecretString};

/// How expensive password hashes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashCost {
    /// OWASP's argon2id recommendation: m = 19456 KiB, t = 2, p = 1 (~14 ms per hash here).
    Owasp,
    /// m = 8 KiB, t = 1, p = 1: **insecure**, for tests only; logged loudly at start-up.
    InsecureFastForTests,
}

impl HashCost {
    fn params(self) -> Params {
        let (m, t, p) = match self {
            Self::Owasp => (19_456, 2, 1),
            Self::InsecureFastForTests => (8, 1, 1),
        };
        #[allow(clippy::expect_used)]
        Params::new(m, t, p, None).expect("static argon2 parameters are valid")
    }
}

/// How many argon2 computations may run and wait at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashLimits {
    /// Computations running at once (each on a blocking thread); at least 1.
    pub concurrency: usize,
    /// Calls allowed to wait for a free slot; one more fails at once with [`HashError::Overloaded`].
    pub queue: usize,
}

impl HashLimits {
    /// One computation per available core, and 64 waiting per core.
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        Self { concurrency: cores, queue: 64 * cores }
    }
}

/// Why hashing or verifying failed.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every slot is busy and the wait queue is full: shed the request (answered as 503).
    #[error("password hashing is overloaded: {in_flight} running and {waiting} waiting (queue limit reached)")]
    Overloaded { in_flight: usize, waiting: usize },
    #[error("password hashing failed")]
    Failed(#[source] BoxError),
}

impl From<HashError> for authport_domain::BackendError {
    fn from(err: HashError) -> Self {
        match err {
            HashError::Overloaded { .. } => Self::Unavailable(Box::new(err)),
            HashError::Failed(e) => Self::Unexpected(e),
        }
    }
}

/// The bounded pool: a semaphore of `concurrency` permits plus a counter of waiting callers.
#[derive(Debug)]
struct Gate {
    permits: Arc<Semaphore>,
    concurrency: usize,
    queue: usize,
    waiting: AtomicUsize,
}

impl Gate {
    fn new(limits: HashLimits) -> Self {
        let concurrency = limits.concurrency.max(1);
        Self {
            permits: Arc::new(Semaphore::new(concurrency)),
            concurrency,
            queue: limits.queue,
            waiting: AtomicUsize::new(0),
        }
    }

    /// A permit to compute, waiting in the bounded queue if needed.
    async fn enter(&self) -> Result<OwnedSemaphorePermit, HashError> {
        if let Ok(permit) = Arc::clone(&self.permits).try_acquire_owned() {
            return Ok(permit);
        }
        let waiting = self.waiting.fetch_add(1, Ordering::AcqRel) + 1;
        if waiting > self.queue {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(HashError::Overloaded { in_flight: self.in_flight(), waiting: waiting - 1 });
        }
        // Decrements `waiting` however the wait ends (a permit, or the caller going away).
        struct Waiting<'a>(&'a AtomicUsize);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::AcqRel);
            }
        }
        let _waiting = Waiting(&self.waiting);
        Arc::clone(&self.permits).acquire_owned().await.map_err(|e| HashError::Failed(e.into()))
    }

    fn in_flight(&self) -> usize {
        self.concurrency.saturating_sub(self.permits.available_permits())
    }

    /// Publishes the pool's state as gauges (`authport_hash_in_flight`, `authport_hash_waiting`).
    fn publish(&self) {
        metrics::gauge!("authport_hash_in_flight").set(self.in_flight() as f64);
        metrics::gauge!("authport_hash_waiting").set(self.waiting.load(Ordering::Acquire) as f64);
    }
}

/// Hashes and verifies passwords; holds a dummy hash so that log-in for an unknown user
/// costs exactly one verification, like a wrong password does.
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    cost: HashCost,
    dummy_hash: String,
    verifications: Arc<AtomicU64>,
    gate: Arc<Gate>,
}

impl PasswordHasher {
    pub async fn new(cost: HashCost, limits: HashLimits) -> Result<Self, BoxError> {
        let gate = Arc::new(Gate::new(limits));
        let random = SecretString::from(SaltString::generate(&mut OsRng).as_str().to_owned());
        let dummy_hash = hash_blocking(&gate, cost, random).await?;
        Ok(Self { cost, dummy_hash, verifications: Arc::default(), gate })
    }

    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        hash_blocking(&self.gate, self.cost, SecretString::from(password.to_owned())).await
    }

    /// Verifies `password` against `phc`, or against the dummy hash when `phc` is `None`
    /// (then the answer is always `false`, after the same amount of work).
    pub async fn verify(&self, password: &str, phc: Option<&str>) -> Result<bool, HashError> {
        let permit = self.gate.enter().await?;
        self.gate.publish();
        self.verifications.fetch_add(1, Ordering::Relaxed);
        let known_user = phc.is_some();
        let phc = phc.unwrap_or(&self.dummy_hash).to_owned();
        let password = SecretString::from(password.to_owned());
        let matches = tokio::task::spawn_blocking(move || -> Result<bool, BoxError> {
            let _permit = permit;
            let parsed = PasswordHash::new(&phc).map_err(|e| format!("stored hash unreadable: {e}"))?;
            Ok(Argon2::default().verify_password(password.expose_secret().as_bytes(), &parsed).is_ok())
        })
        .await
        .map_err(|e| HashError::Failed(e.into()))?
        .map_err(HashError::Failed)?;
        self.gate.publish();
        Ok(known_user && matches)
    }
}

impl PasswordHasher {
    /// How many verifications ran (real or dummy): proves unknown users cost a verification.
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// argon2 computations running now.
    pub fn in_flight(&self) -> usize {
        self.gate.in_flight()
    }

    /// Calls waiting for a free hashing slot now.
    pub fn waiting(&self) -> usize {
        self.gate.waiting.load(Ordering::Acquire)
    }
}

/// The permit moves into the blocking task, so a slot stays taken until argon2 is done even
/// when the request that started it has gone.
async fn hash_blocking(gate: &Gate, cost: HashCost, password: SecretString) -> Result<String, HashError> {
    let permit = gate.enter().await?;
    gate.publish();
    let phc = tokio::task::spawn_blocking(move || -> Result<String, BoxError> {
        let _permit = permit;
        let salt = SaltString::generate(&mut OsRng);
        let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, cost.params());
        let phc = hasher
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .map_err(|e| format!("argon2 hashing failed: {e}"))?;
        Ok(phc.to_string())
    })
    .await
    .map_err(|e| HashError::Failed(e.into()))?
    .map_err(HashError::Failed);
    gate.publish();
    phc
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOMY: HashLimits = HashLimits { concurrency: 2, queue: 16 };

    #[tokio::test]
    async fn hashes_are_argon2id_phc_strings_that_verify() {
        let hasher = PasswordHasher::new(HashCost::InsecureFastForTests, ROOMY).await.expect("hasher");
        let phc = hasher.hash("Str0ng-pass").await.expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=8,t=1,p=1$"), "{phc}");
        assert!(hasher.verify("Str0ng-pass", Some(&phc)).await.expect("verify"));
        assert!(!hasher.verify("Str0ng-pasS", Some(&phc)).await.expect("verify"));
        assert!(!hasher.verify("Str0ng-pass", None).await.expect("dummy"));
    }

    #[tokio::test]
    async fn owasp_parameters_are_encoded_in_the_hash() {
        let hasher = PasswordHasher::new(HashCost::Owasp, ROOMY).await.expect("hasher");
        let phc = hasher.hash("Str0ng-pass").await.expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    }

    /// Saturation without clocks: hold every permit, fill the queue with parked callers, then
    /// the next call must fail at once; freeing the permits lets the queued ones finish.
    #[tokio::test]
    async fn a_full_queue_fails_fast_and_queued_calls_finish_when_slots_free_up() {
        let limits = HashLimits { concurrency: 2, queue: 3 };
        let hasher = PasswordHasher::new(HashCost::InsecureFastForTests, limits).await.expect("hasher");
        let held: Vec<_> =
            (0..2).map(|_| Arc::clone(&hasher.gate.permits).try_acquire_owned().expect("free")).collect();
        assert_eq!(hasher.in_flight(), 2);

        let mut queued = Vec::new();
        for _ in 0..3 {
            let hasher = hasher.clone();
            queued.push(tokio::spawn(async move { hasher.hash("Str0ng-pass").await }));
        }
        while hasher.waiting() < 3 {
            tokio::task::yield_now().await;
        }

        let err = hasher.hash("Str0ng-pass").await.expect_err("queue is full");
        assert!(matches!(err, HashError::Overloaded { in_flight: 2, waiting: 3 }), "{err:?}");
        let err = hasher.verify("Str0ng-pass", None).await.expect_err("queue is full");
        assert!(matches!(err, HashError::Overloaded { .. }));
        assert!(matches!(authport_domain::BackendError::from(err), authport_domain::BackendError::Unavailable(_)));
        assert_eq!(hasher.waiting(), 3, "a refused call leaves the queue as it was");

        drop(held);
        for task in queued {
            task.await.expect("task").expect("queued hash finishes");
        }
        assert_eq!((hasher.in_flight(), hasher.waiting()), (0, 0));
    }

    #[tokio::test]
    async fn a_caller_that_gives_up_while_queued_leaves_the_queue() {
        let limits = HashLimits { concurrency: 1, queue: 1 };
        let hasher = PasswordHasher::new(HashCost::InsecureFastForTests, limits).await.expect("hasher");
        let held = Arc::clone(&hasher.gate.permits).try_acquire_owned().expect("free");
        let waiter = {
            let hasher = hasher.clone();
            tokio::spawn(async move { hasher.hash("Str0ng-pass").await })
        };
        while hasher.waiting() < 1 {
            tokio::task::yield_now().await;
        }
        waiter.abort();
        let _ = waiter.await;
        assert_eq!(hasher.waiting(), 0);
        drop(held);
        hasher.hash("Str0ng-pass").await.expect("room again");
    }
}
