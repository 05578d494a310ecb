//! The physical limit of log-in throughput: raw argon2id verifications per second with
//! authport's configured parameters ([`HashCost::Owasp`]) on every core, nothing else running.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use authport_userpool::{HashCost, hash_phc, verify_phc};

use crate::flows::PASSWORD;

#[derive(Debug, Clone, Copy)]
pub struct Argon2Bound {
    pub threads: usize,
    pub per_second: f64,
}

impl Argon2Bound {
    /// Milliseconds of one verification on one core.
    pub fn per_hash_ms(&self) -> f64 {
        self.threads as f64 * 1000.0 / self.per_second
    }
}

/// `threads` threads verify the same password against an OWASP-cost hash with the local
/// backend's own function ([`verify_phc`]), for `duration`.
pub fn measure(threads: usize, duration: Duration) -> anyhow::Result<Argon2Bound> {
    let phc = hash_phc(HashCost::Owasp, PASSWORD.as_bytes()).map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
    let per_second = per_second_on(threads, duration, || {
        let ok = verify_phc(PASSWORD.as_bytes(), &phc).expect("our own PHC string");
        assert!(ok, "the password verifies against its own hash");
    });
    Ok(Argon2Bound { threads, per_second })
}

/// How many times per second `threads` threads together do `work`, each back to back for
/// `duration`.
pub fn per_second_on(threads: usize, duration: Duration, work: impl Fn() + Sync) -> f64 {
    let done = AtomicU64::new(0);
    let start = Instant::now();
    let deadline = start + duration;
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while Instant::now() < deadline {
                    work();
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}
