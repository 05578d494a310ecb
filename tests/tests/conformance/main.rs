//! The conformance suite: the executable specification of the `IdentityProvider` port,
//! black-box through the HTTP API. Every case (`authport_conformance::cases`, listed by
//! `conformance_cases!`) runs against every backend; adding a backend is one line in
//! `every_backend!` below.

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
                    authport_conformance::cases::$case(&app).await;
                    app.stop().await;
                }
            )*
        }
    };
}

/// Receives the case list from `conformance_cases!`.
macro_rules! every_backend {
    ($($case:ident),* $(,)?) => {
        conformance_suite! {
            cases: [$($case),*];
            backends: {
                memory => authport_conformance::Backend::Memory,
                postgres => authport_conformance::Backend::Postgres,
                cognito => authport_conformance::Backend::Cognito,
            }
        }
    };
}

authport_conformance::conformance_cases!(every_backend);
