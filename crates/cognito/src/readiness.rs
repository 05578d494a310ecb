//! The readiness probe's answer: `DescribeUserPool` (read-only, needs no more permissions than
//! start-up), a success reused for a few seconds (`CognitoSettings::readiness_reuse`) so that a
//! probe storm does not become Cognito load (and eat into the pool's request quota); failures
//! are not reused.

use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use authport_domain::BackendError;

/// When the pool last answered, and for how long such an answer is reused.
#[derive(Debug)]
pub(crate) struct Readiness {
    answered_at: Mutex<Option<Instant>>,
    reuse: Duration,
}

impl Readiness {
    /// Start-up has just described the pool.
    pub(crate) fn answered_now(reuse: Duration) -> Self {
        Self { answered_at: Mutex::new(Some(Instant::now())), reuse }
    }

    /// `Ok` when the pool answered less than the reuse period ago, else the outcome of `check`.
    pub(crate) async fn check(
        &self,
        check: impl Future<Output = Result<(), BackendError>>,
    ) -> Result<(), BackendError> {
        let recent = |at: &Option<Instant>| at.is_some_and(|at| at.elapsed() < self.reuse);
        if recent(&self.answered_at.lock().unwrap_or_else(PoisonError::into_inner)) {
            return Ok(());
        }
        check.await?;
        *self.answered_at.lock().unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
        Ok(())
    }
}
