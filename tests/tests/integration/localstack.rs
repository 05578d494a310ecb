//! The conformance cases against Cognito emulated in a Docker container, started through
//! testcontainers: LocalStack Pro (`localstack/localstack-pro`) when `LOCALSTACK_AUTH_TOKEN` is
//! set — its Cognito is paid-only —, otherwise moto's image (`motoserver/moto:5.2.5`).
//!
//! The machines this project's CI runs on have no Docker engine, so the test is ignored: run it
//! where there is one with `just test-containers` (it fails when no engine answers). One
//! container serves every case; each case gets a fresh pool and its own authport.

use std::panic::AssertUnwindSafe;

use authport_testkit::TestApp;
use authport_testkit::containers::{CognitoContainer, docker_engine};
use authport_testkit::moto::{self, PoolSpec};
use futures::FutureExt as _;

use crate::conformance::ALL;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs a Docker engine (none on these machines): `just test-containers`"]
async fn conformance_cases_on_a_cognito_emulator_in_a_container() {
    let docker = docker_engine().await.unwrap_or_else(|why| panic!("the container tests need a Docker engine: {why}"));
    assert!(
        std::env::var("AWS_ACCESS_KEY_ID").is_ok() && std::env::var("AWS_EC2_METADATA_DISABLED").is_ok(),
        "static AWS test credentials are needed: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and \
         AWS_EC2_METADATA_DISABLED=true (`just test-containers` sets them)"
    );
    let container = CognitoContainer::start().await.unwrap_or_else(|e| panic!("Docker engine at {docker}: {e}"));
    eprintln!("{:?} at {} (Docker engine {docker})", container.emulator, container.endpoint);

    let mut failed = Vec::new();
    for (name, case) in ALL {
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
            let app = TestApp::on_pool(&pool).spawn().await;
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
