//! The seam: where the budgets are kept.

use std::time::Duration;

use async_trait::async_trait;

use super::Rate;
use super::guarded::StoreStatus;

/// What a check decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Over the limit; the next attempt is allowed after this long.
    Wait(Duration),
}

/// A store could not decide (unreachable, too slow, or it answered nonsense).
#[derive(Debug, thiserror::Error)]
#[error("the rate-limit store failed: {0}")]
pub struct LimitStoreError(pub String);

/// Keeps GCRA budgets — governor's semantics: an attempt is allowed while at most `burst`
/// attempts are outstanding, one being earned back every `rate.interval()`; a refused attempt
/// costs nothing.
#[async_trait]
pub trait LimitStore: std::fmt::Debug + Send + Sync + 'static {
    /// Counts one attempt for `key` against `rate`: allowed, or how long until one would be.
    /// Each check is one atomic step of the store, whoever else checks the same key at once.
    async fn check(&self, key: &str, rate: Rate) -> Result<Verdict, LimitStoreError>;

    /// Makes the store's connection now rather than on the first check (start-up).
    async fn connect(&self) -> Result<(), LimitStoreError> {
        Ok(())
    }

    /// `memory` or `redis`, for logs and metrics.
    fn name(&self) -> &'static str;

    /// Where the budgets are kept now.
    fn status(&self) -> StoreStatus {
        StoreStatus::InProcess
    }
}
