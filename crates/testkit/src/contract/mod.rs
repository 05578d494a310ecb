//! The contract suite of the `IdentityProvider` port: its executable specification.
//!
//! Each MUST clause of `authport_domain::port` has one test function in [`clauses`], run
//! against every adapter (the shape of ory/kratos' `identity/test/pool.go` and ripgrep's
//! `crates/matcher/tests`): `tests/tests/integration/contract.rs` generates one `#[tokio::test]`
//! per adapter and clause from [`contract_clauses!`](crate::contract_clauses).
//!
//! A [`Subject`] is an adapter with what the suite needs around it: the [`Tap`] that sees its
//! calls to the backend and fails chosen ones on purpose, the proxy that takes a remote backend
//! away, and the backend's own arrangements (a user with a temporary password).
//! Clauses are checked structurally, never by the clock: "indistinguishable in timing" as the
//! same calls and the same number of password verifications, "no user left behind" by a step
//! that fails on purpose.

pub mod clauses;
mod subject;
mod tap;

pub use subject::{Operation, Subject};
pub use tap::{Call, Fault, Tap, TapInterceptor, TappedStore};

/// Calls `$callback!` with the contract's clauses, grouped by the adapters they apply to:
/// `every` adapter, and those with a `remote` backend (PostgreSQL, Cognito).
#[macro_export]
macro_rules! contract_clauses {
    ($callback:ident) => {
        $callback! {
            every: [
                a_new_user_can_log_in_at_once,
                a_duplicate_is_user_exists,
                of_concurrent_duplicates_exactly_one_is_created,
                a_password_meeting_the_policy_is_created_or_refused_as_weak,
                a_failed_sign_up_leaves_no_user_behind,
                backend_failures_are_classified,
                unknown_user_and_wrong_password_are_invalid_credentials,
                unknown_user_and_wrong_password_cost_the_same,
                an_unknown_or_foreign_session_is_invalid,
                a_temporary_password_is_replaced_through_its_challenge,
                refresh_refuses_tokens_not_issued_expired_revoked_or_orphaned,
                log_out_revokes_every_refresh_token_of_the_user,
                log_out_is_idempotent,
                a_changed_password_replaces_the_old_one,
                a_password_change_revokes_every_other_session,
                a_wrong_current_password_changes_nothing,
                a_wrong_password_deletes_nothing,
                a_deleted_account_is_gone_and_its_address_free,
                the_signing_keys_verify_the_tokens,
                tokens_carry_the_token_audience,
                ready_answers_and_changes_no_data,
            ],
            remote: [
                an_unreachable_backend_is_unavailable,
            ],
        }
    };
}
