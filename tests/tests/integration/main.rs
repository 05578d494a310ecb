//! authport's test suites, in one test binary (each binary links the whole stack, so one link
//! instead of a dozen). Run one suite with a filter: `cargo test --workspace -- contract::`
//! (`-p authport-tests` would resolve other features than `just test` and build the stack again).
//!
//! Tests that need a real component (PostgreSQL, moto, schemathesis, Chromium) skip with one
//! loud line when it is missing and fail when `CI=true`; tests that cannot run on these machines
//! at all (Docker) are `#[ignore]`d with their reason.

/// Runs each `async fn case(&TestApp)` of the module against an app from the module's
/// `app(store)`, on the memory and on the PostgreSQL engine (`memory::case`, `postgres::case`).
macro_rules! on_both_engines {
    ($($case:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let Some(app) = super::app("memory").await else { return };
                    super::$case(&app).await;
                    app.stop().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let Some(app) = super::app("postgres").await else { return };
                    super::$case(&app).await;
                    app.stop().await;
                }
            )*
        }
    };
}

/// The contract suite of the `IdentityProvider` port, one test per MUST clause, against every
/// adapter.
mod contract;
/// The contract suite of the user-pool engine's store seam, against the memory and the
/// PostgreSQL store.
mod store_contract;

/// authport's Cognito API through the Rust AWS SDK, on both engines: the admin API and bad
/// input…
mod cognito_api;
/// …the public API and the tester endpoints…
mod cognito_public_api;
mod cognito_sdk;
/// …and through boto3 and the Node SDK v2 (the tutorial's code) with aws-jwt-verify.
mod sdk_suites;

/// Black-box HTTP: the cases that reach the backend, against every backend…
mod conformance;
/// …and those that never do, once.
mod edge;

mod browser;
/// AWS's browser library amazon-cognito-identity-js (USER_SRP_AUTH, CORS) in a real Chromium.
mod browser_sdk;
mod hostile_input;
mod limits;
mod log_secrets;
mod metrics;
mod openapi;
mod request_logs;
mod schemathesis;
mod shared_limits;

/// Backend-specific behaviour beyond the port.
mod cognito;
mod postgres;

/// The conformance cases on a Cognito emulator in a Docker container (ignored here).
mod localstack;
