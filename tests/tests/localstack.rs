//! The conformance cases against Cognito emulated in a Docker container, started through
//! testcontainers: LocalStack Pro (`localstack/localstack-pro`) when `LOCALSTACK_AUTH_TOKEN` is
//! set — its Cognito is paid-only —, otherwise moto's image (`motoserver/moto:5.2.5`).
//!
//! Docker is optional, on CI too (CI has no Docker engine): without a reachable engine the test
//! skips with one line, found out within a couple of seconds (`containers::docker_engine`).
//! One container serves every case; each case gets a fresh pool and its own authport.

use std::io::Write as _;
use std::panic::AssertUnwindSafe;

use authport_conformance::containers::{CognitoContainer, docker_engine};
use authport_conformance::moto::{self, PoolSpec};
use authport_conformance::{Backend, TestApp, cases, cognito_args};
use futures::FutureExt as _;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn conformance_cases_on_a_cognito_emulator_in_a_container() {
    let docker = match docker_engine().await {
        Ok(host) => host,
        Err(why) => {
            // Not `eprintln!`: the test harness would capture it and show it only on failure.
            let _ = writeln!(std::io::stderr(), "!!! SKIPPED: container tests need a Docker engine ({why})");
            return;
        }
    };
    if std::env::var("AWS_ACCESS_KEY_ID").is_err() || std::env::var("AWS_EC2_METADATA_DISABLED").is_err() {
        authport_conformance::skip_or_fail(
            "static AWS test credentials",
            "set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_EC2_METADATA_DISABLED=true (`just test` does)",
        );
        return;
    }
    let container = CognitoContainer::start().await.unwrap_or_else(|e| panic!("Docker engine at {docker}: {e}"));
    eprintln!("{:?} at {} (Docker engine {docker})", container.emulator, container.endpoint);

    let mut failed = Vec::new();
    for (name, case) in cases::ALL {
        let pool = match moto::create_pool_at(&container.endpoint, &PoolSpec::default()).await {
            Ok(pool) => pool,
            Err(why) => {
                failed.push(format!("{name}: creating the pool failed: {why}"));
                continue;
            }
        };
        // A failing case (a panic) is reported, the others still run, and the container is
        // removed below either way.
        let outcome = AssertUnwindSafe(async {
            let app = TestApp::spawn_with_backend_args(Backend::Cognito, cognito_args(&pool, false)).await;
            case(&app).await;
            app.stop().await;
        })
        .catch_unwind()
        .await;
        match outcome {
            Ok(()) => eprintln!("ok: {name}"),
            Err(panic) => {
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()));
                failed.push(format!("{name}: {}", why.unwrap_or_default()));
            }
        }
    }
    let emulator = container.emulator;
    container.remove().await;
    assert!(failed.is_empty(), "{} case(s) failed on {emulator:?}:\n{}", failed.len(), failed.join("\n"));
}
