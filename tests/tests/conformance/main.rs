//! The conformance suite: the executable specification of the `IdentityProvider` port,
//! black-box through the HTTP API. Every case runs against every backend; adding a backend is
//! one line in the `conformance_suite!` invocation below.

mod cases;

/// Generates `mod <backend> { #[tokio::test] fn <case>() … }` for every backend × case.
macro_rules! conformance_suite {
    (cases: $cases:tt; backends: { $($module:ident => $backend:expr),* $(,)? }) => {
        $( conformance_suite!(@backend $module, $backend, $cases); )*
    };
    (@backend $module:ident, $backend:expr, [$($case:ident),* $(,)?]) => {
        mod $module {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let Some(app) = authport_conformance::TestApp::spawn($backend).await else { return };
                    crate::cases::$case(&app).await;
                    app.stop().await;
                }
            )*
        }
    };
}

conformance_suite! {
    cases: [
        healthz_answers_ok,
        sign_up_creates_a_user_with_the_normalised_email,
        duplicate_sign_up_is_user_exists,
        duplicate_differing_only_in_case_is_user_exists,
        concurrent_duplicate_sign_ups_create_exactly_one_user,
        weak_password_lists_every_violated_rule,
        invalid_email_is_rejected,
        malformed_bodies_are_malformed_request,
        oversized_body_is_payload_too_large,
        non_json_content_type_is_unsupported_media_type,
        log_in_issues_tokens_that_verify_against_the_jwks,
        log_in_ignores_email_case,
        wrong_password_and_unknown_user_are_indistinguishable,
        new_password_with_a_bogus_session_is_invalid_session,
        unknown_route_is_not_found_and_wrong_method_is_not_allowed,
    ];
    backends: {
        memory => authport_conformance::Backend::Memory,
        postgres => authport_conformance::Backend::Postgres,
        cognito => authport_conformance::Backend::Cognito,
    }
}
