//! The time the user pools go by, asked of a [`Clock`] so that expiry — of refresh tokens, and of
//! temporary passwords and challenge sessions — is tested by moving a [`ManualClock`], never by
//! sleeping.

use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

/// Where the user pools read the time.
pub trait Clock: Debug + Send + Sync + 'static {
    fn now(&self) -> SystemTime;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that stands still until it is moved (tests); clones share one time.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<SystemTime>>);

impl ManualClock {
    pub fn at(time: SystemTime) -> Self {
        Self(Arc::new(Mutex::new(time)))
    }

    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The system's clock, moved forward on request: for testing expiry through unmodified clients
/// of a running server (authport's `--cognito-api-test-clock`). It never moves back.
#[derive(Debug, Default)]
pub struct AdjustableClock {
    ahead_ms: AtomicU64,
}

impl AdjustableClock {
    /// Moves the clock `by` forward; returns how far ahead of the system's it is now.
    pub fn advance(&self, by: Duration) -> Duration {
        let by = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        let before = self.ahead_ms.fetch_add(by, Ordering::SeqCst);
        Duration::from_millis(before.saturating_add(by))
    }

    /// How far ahead of the system's clock it is.
    pub fn ahead(&self) -> Duration {
        Duration::from_millis(self.ahead_ms.load(Ordering::SeqCst))
    }
}

impl Clock for AdjustableClock {
    fn now(&self) -> SystemTime {
        SystemTime::now() + self.ahead()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_advanced_and_its_clones_move_with_it() {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let clock = ManualClock::at(start);
        let clone = clock.clone();
        assert_eq!(clock.now(), start);
        clone.advance(Duration::from_secs(90));
        assert_eq!(clock.now(), start + Duration::from_secs(90));
    }

    #[test]
    fn an_adjustable_clock_runs_ahead_of_the_systems_by_what_it_was_moved() {
        let clock = AdjustableClock::default();
        assert_eq!(clock.ahead(), Duration::ZERO);
        assert_eq!(clock.advance(Duration::from_secs(3600)), Duration::from_secs(3600));
        assert_eq!(clock.advance(Duration::from_millis(1500)), Duration::from_millis(3_601_500));
        let ahead = clock.now().duration_since(SystemTime::now()).expect("ahead");
        assert!(ahead > Duration::from_secs(3600) && ahead <= Duration::from_millis(3_601_500), "{ahead:?}");
    }
}
