//! argon2id password hashing, on a pool of its own threads so the reactor keeps serving, and
//! bounded: at most [`HashLimits::concurrency`] computations run at once (one per pool thread)
//! and at most [`HashLimits::queue`] more wait for a slot; beyond that a call fails at once with
//! [`HashError::Overloaded`] instead of queueing without bound.
//!
//! Why not `spawn_blocking`: every blocking-pool thread that ever ran argon2 kept its 19 MiB
//! block in its own malloc arena, so a saturated server's RSS grew without bound (figure 6 of
//! docs/benchmarks.md); with `concurrency` fixed threads the blocks in memory are bounded by it.

use argon2::password_hash::{Output, PasswordHash, Salt, SaltString};
use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use argon2::{Algorithm, Argon2, Block, Params, Version};
use authport_domain::BoxError;
use rand::rngs::OsRng;
use secrecy::{ExposeSecret, SecretString};

/// How expensive password hashes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashCost {
    /// OWASP's argon2id recommendation: m = 19456 KiB, t = 2, p = 1 (tens of milliseconds per
    /// hash: the argon2 bound of docs/benchmarks.md).
    Owasp,
    /// m = 8 KiB, t = 1, p = 1: **insecure**, for tests only; logged loudly at start-up.
    InsecureFastForTests,
}

impl HashCost {
    /// The argon2id instance that hashes with this cost (verification reads the cost from the
    /// stored PHC string). The benchmark measures the raw hashing bound with it.
    pub fn argon2(self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params())
    }

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

/// The bounded pool: `concurrency` threads, a semaphore of as many permits, and a counter of
/// waiting callers.
#[derive(Debug)]
struct Gate {
    threads: rayon::ThreadPool,
    permits: Arc<Semaphore>,
    concurrency: usize,
    queue: usize,
    waiting: AtomicUsize,
}

impl Gate {
    fn new(limits: HashLimits) -> Result<Self, BoxError> {
        let concurrency = limits.concurrency.max(1);
        let threads = rayon::ThreadPoolBuilder::new()
            .num_threads(concurrency)
            .thread_name(|i| format!("argon2-{i}"))
            .start_handler(|_| lower_this_threads_priority())
            // A panicking job drops its result sender: the caller gets `HashError::Failed`.
            .panic_handler(|_| tracing::error!("a password hashing job panicked"))
            .build()?;
        Ok(Self {
            threads,
            permits: Arc::new(Semaphore::new(concurrency)),
            concurrency,
            queue: limits.queue,
            waiting: AtomicUsize::new(0),
        })
    }

    /// Runs `job` on a hashing thread once a slot is free (or fails at once when the queue is
    /// full). The permit moves with the job, so a slot stays taken until argon2 is done even
    /// when the request that started it has gone (a panicking job loses its permit too).
    async fn run<T: Send + 'static>(&self, job: impl FnOnce() -> T + Send + 'static) -> Result<T, HashError> {
        let permit = self.enter().await?;
        self.publish();
        let result = self
            .spawn(move || {
                let result = job();
                drop(permit); // before the caller hears back: its slot is free when it goes on
                result
            })
            .await;
        self.publish();
        result
    }

    /// As [`Gate::run`], but on the caller's thread: for argon2 at the tests' cost, a few
    /// microseconds of work, less than the hop to a hashing thread and back (`just bench`,
    /// figure 11). It still takes a slot, so the limits and the gauges behave the same.
    async fn run_here<T>(&self, job: impl FnOnce() -> T) -> Result<T, HashError> {
        let permit = self.enter().await?;
        self.publish();
        let result = job();
        drop(permit);
        self.publish();
        Ok(result)
    }

    /// Runs `job` on a hashing thread, outside the slots and the queue.
    async fn spawn<T: Send + 'static>(&self, job: impl FnOnce() -> T + Send + 'static) -> Result<T, HashError> {
        let (done, result) = tokio::sync::oneshot::channel();
        self.threads.spawn(move || {
            let _ = done.send(job());
        });
        result.await.map_err(|_| HashError::Failed("a job on the hashing threads failed".into()))
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

/// The nice value of the hashing threads: when the CPU is saturated, the reactor threads
/// (nice 0) are scheduled before argon2, so requests that need no hash keep their latency
/// (`just bench`, figure 2). Raising one's own nice value needs no privilege.
#[cfg(target_os = "linux")]
const HASHING_NICE: i32 = 10;

fn lower_this_threads_priority() {
    #[cfg(target_os = "linux")]
    if let Err(err) = rustix::process::setpriority_process(Some(rustix::thread::gettid()), HASHING_NICE) {
        tracing::warn!(%err, "cannot lower the priority of a password hashing thread");
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
        let gate = Arc::new(Gate::new(limits)?);
        let random = SecretString::from(SaltString::generate(&mut OsRng).as_str().to_owned());
        let dummy_hash = hash_blocking(&gate, cost, random).await?;
        Ok(Self { cost, dummy_hash, verifications: Arc::default(), gate })
    }

    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        if self.cost == HashCost::InsecureFastForTests {
            let cost = self.cost;
            return self.gate.run_here(|| hash_phc(cost, password.as_bytes())).await?.map_err(HashError::Failed);
        }
        hash_blocking(&self.gate, self.cost, SecretString::from(password.to_owned())).await
    }

    /// Verifies `password` against `phc`, or against the dummy hash when `phc` is `None`
    /// (then the answer is always `false`, after the same amount of work).
    pub async fn verify(&self, password: &str, phc: Option<&str>) -> Result<bool, HashError> {
        let known_user = phc.is_some();
        let phc = phc.unwrap_or(&self.dummy_hash);
        let verifications = Arc::clone(&self.verifications);
        let verify = move |password: &[u8], phc: &str| {
            verifications.fetch_add(1, Ordering::Relaxed);
            verify_phc(password, phc)
        };
        // A hash stored at a higher cost (made by a process with other flags) goes to the
        // hashing threads whatever this process's cost is.
        let matches = if is_tests_cost(phc) {
            self.gate.run_here(|| verify(password.as_bytes(), phc)).await?
        } else {
            let (password, phc) = (SecretString::from(password.to_owned()), phc.to_owned());
            self.gate.run(move || verify(password.expose_secret().as_bytes(), &phc)).await?
        };
        Ok(known_user && matches.map_err(HashError::Failed)?)
    }
}

impl PasswordHasher {
    /// Runs other CPU-heavy work of a log-in (signing its tokens) on the hashing threads,
    /// without taking a hashing slot: at their lower priority, it cannot delay requests that
    /// need no cryptography. It waits at most for the argon2 computations already running.
    pub async fn run_cpu_bound<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        self.gate.spawn(job).await
    }

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

async fn hash_blocking(gate: &Gate, cost: HashCost, password: SecretString) -> Result<String, HashError> {
    gate.run(move || hash_phc(cost, password.expose_secret().as_bytes())).await?.map_err(HashError::Failed)
}

thread_local! {
    /// argon2's working memory (19 MiB at the OWASP cost), kept by each hashing thread and
    /// reused: no allocation, page faults or zeroing per hash, and RSS bounded by the pool size.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

fn argon2_into(argon2: &Argon2<'_>, password: &[u8], salt: &[u8], out: &mut [u8]) -> Result<(), BoxError> {
    let count = argon2.params().block_count();
    BLOCKS.with_borrow_mut(|blocks| {
        if blocks.len() < count {
            blocks.resize(count, Block::default());
        }
        argon2.hash_password_into_with_memory(password, salt, out, &mut blocks[..count])
    })?;
    Ok(())
}

/// Whether `phc` was hashed at [`HashCost::InsecureFastForTests`] (an unreadable one is not).
fn is_tests_cost(phc: &str) -> bool {
    let tests = HashCost::InsecureFastForTests.params();
    PasswordHash::new(phc).ok().and_then(|parsed| Params::try_from(&parsed).ok()).is_some_and(|params| {
        (params.m_cost(), params.t_cost(), params.p_cost()) == (tests.m_cost(), tests.t_cost(), tests.p_cost())
    })
}

/// A new PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) of `password` at `cost`, with a
/// random salt: what `argon2::PasswordHasher::hash_password` produces, on reused memory.
pub fn hash_phc(cost: HashCost, password: &[u8]) -> Result<String, BoxError> {
    let argon2 = cost.argon2();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; Salt::MAX_LENGTH];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let len = argon2.params().output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output = Output::init_with(len, |out| {
        argon2_into(&argon2, password, salt_bytes, out).map_err(|_| argon2::password_hash::Error::Crypto)
    })?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: argon2.params().try_into()?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `phc` (algorithm, version and cost read from it),
/// compared in constant time: what `argon2::PasswordVerifier::verify_password` does, on reused
/// memory.
pub fn verify_phc(password: &[u8], phc: &str) -> Result<bool, BoxError> {
    let parsed = PasswordHash::new(phc).map_err(|e| format!("stored hash unreadable: {e}"))?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Err("stored hash has no salt or no output".into());
    };
    let version = parsed.version.map(Version::try_from).transpose()?.unwrap_or_default();
    let argon2 = Argon2::new(Algorithm::try_from(parsed.algorithm)?, version, Params::try_from(&parsed)?);
    let mut salt_bytes = [0u8; Salt::MAX_LENGTH];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let mut out = vec![0u8; expected.len()];
    argon2_into(&argon2, password, salt_bytes, &mut out)?;
    // `Output`'s equality is constant-time.
    Ok(Output::new(&out)? == expected)
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

    /// A hasher at the tests' cost tells the hashes it may compute in place (its own cost) from
    /// those stored at a higher cost (for the hashing threads), and answers alike for both.
    #[tokio::test]
    async fn a_tests_cost_hasher_tells_cheap_hashes_from_costly_ones_and_verifies_both() {
        let hasher = PasswordHasher::new(HashCost::InsecureFastForTests, ROOMY).await.expect("hasher");
        let cheap = hasher.hash("Str0ng-pass").await.expect("hash");
        let costly = hash_phc(HashCost::Owasp, b"Str0ng-pass").expect("hash");
        assert!(is_tests_cost(&cheap), "{cheap}");
        assert!(!is_tests_cost(&costly), "{costly}");
        assert!(!is_tests_cost("not a phc string"));
        for phc in [&cheap, &costly] {
            assert!(hasher.verify("Str0ng-pass", Some(phc)).await.expect("verify"));
            assert!(!hasher.verify("Str0ng-pasS", Some(phc)).await.expect("verify"));
        }
        assert_eq!(hasher.verifications(), 4);
        assert_eq!((hasher.in_flight(), hasher.waiting()), (0, 0));
    }

    /// The reused-memory hashing agrees with the argon2 crate's own PHC hashing and verifying,
    /// both ways, at both costs (and the thread's buffer is reused across costs).
    #[test]
    fn phc_strings_agree_with_the_argon2_crate() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        for cost in [HashCost::Owasp, HashCost::InsecureFastForTests, HashCost::Owasp] {
            let ours = hash_phc(cost, b"Str0ng-pass").expect("hash");
            let parsed = PasswordHash::new(&ours).expect("PHC");
            assert!(Argon2::default().verify_password(b"Str0ng-pass", &parsed).is_ok(), "{ours}");
            assert!(Argon2::default().verify_password(b"Str0ng-pasS", &parsed).is_err());
            let salt = SaltString::generate(&mut OsRng);
            let theirs = cost.argon2().hash_password(b"Str0ng-pass", &salt).expect("hash").to_string();
            assert!(verify_phc(b"Str0ng-pass", &theirs).expect("verify"), "{theirs}");
            assert!(!verify_phc(b"Str0ng-pasS", &theirs).expect("verify"));
            assert_eq!(
                ours.rsplit_once('$').map(|(head, _)| head.len()),
                theirs.rsplit_once('$').map(|(head, _)| head.len())
            );
        }
        assert!(verify_phc(b"x", "not a phc string").is_err());
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
