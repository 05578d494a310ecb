//! Which user each `NEW_PASSWORD_REQUIRED` session handed out by this process belongs to.
//!
//! Real Cognito binds a challenge session to its user and refuses it for anybody else
//! (`NotAuthorizedException`). moto 5.2.5 does not: its `respond_to_auth_challenge` stores the
//! user name with the session but never compares it, so user A's session sets the password of
//! whichever USERNAME comes with it (moto's `models.py`; tests
//! `a_session_answered_for_another_user_is_invalid` in `tests.rs` and, against moto through
//! HTTP, `a_temporary_password_must_be_replaced_with_the_users_own_session` in
//! `tests/tests/integration/cognito.rs`). Remembering the owner
//! lets authport answer `InvalidSession` like Cognito. A session this process did not hand out
//! (another replica's) is unknown here and left to Cognito to judge.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest as _, Sha256};

/// Cognito's longest challenge-session validity (`AuthSessionValidity`, 3–15 minutes).
const SESSION_TTL: Duration = Duration::from_secs(15 * 60);
/// Bound on memory: beyond this many live sessions new ones are not remembered.
const CAPACITY: usize = 10_000;

/// The sessions' owners, keyed by a hash of the session (no session is kept in clear).
#[derive(Debug, Default)]
pub(crate) struct ChallengeOwners {
    owners: Mutex<HashMap<[u8; 32], (String, Instant)>>,
}

/// What is known about a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    /// Handed out to this user name.
    This,
    /// Handed out to another user name.
    Other,
    /// Not handed out by this process (or forgotten).
    Unknown,
}

fn key(session: &str) -> [u8; 32] {
    Sha256::digest(session.as_bytes()).into()
}

impl ChallengeOwners {
    pub(crate) fn remember(&self, session: &str, username: &str) {
        let mut owners = self.owners.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        owners.retain(|_, (_, at)| at.elapsed() < SESSION_TTL);
        if owners.len() >= CAPACITY {
            tracing::warn!(capacity = CAPACITY, "too many open challenge sessions; not tracking this one");
            return;
        }
        owners.insert(key(session), (username.to_owned(), Instant::now()));
    }

    pub(crate) fn owner(&self, session: &str, username: &str) -> Owner {
        let owners = self.owners.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match owners.get(&key(session)) {
            Some((owner, at)) if at.elapsed() < SESSION_TTL => {
                if owner == username {
                    Owner::This
                } else {
                    Owner::Other
                }
            }
            _ => Owner::Unknown,
        }
    }

    /// A session is single-use: forget it once answered.
    pub(crate) fn forget(&self, session: &str) {
        self.owners.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&key(session));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_owner_stranger_and_unknown_apart() {
        let owners = ChallengeOwners::default();
        owners.remember("session-1", "ann@example.com");
        assert_eq!(owners.owner("session-1", "ann@example.com"), Owner::This);
        assert_eq!(owners.owner("session-1", "bob@example.com"), Owner::Other);
        assert_eq!(owners.owner("session-2", "ann@example.com"), Owner::Unknown);
        owners.forget("session-1");
        assert_eq!(owners.owner("session-1", "bob@example.com"), Owner::Unknown);
    }
}
