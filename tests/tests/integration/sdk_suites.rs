//! The tutorial's flow, the fidelity table's cases and the public API's flows through unmodified
//! AWS SDKs against authport's Cognito API — boto3 (`tests/sdk/boto3_cases.py`, with pycognito's
//! `AWSSRP` for USER_SRP_AUTH), the Node SDK v2 with AWS's `aws-jwt-verify` (`tests/sdk/node/`:
//! the tutorial's code as written, and the tokens verified with `CognitoJwtVerifier` handed
//! authport's JWKS) and the Node SDK v3 with `aws-jwt-verify` and AWS's
//! `amazon-cognito-identity-js` for USER_SRP_AUTH (`tests/sdk/node-v3/`). The codes Cognito would
//! have sent are read from the tester endpoints, and the test clock is on so that each suite's
//! last case can expire a token. Each SDK's cases run in one process (the Rust SDK's are
//! `cognito_api.rs` and `cognito_public_api.rs`). Installed by `scripts/install-test-tools.sh`;
//! skipped loudly off CI when missing, fatal when `CI=true`.

use std::path::Path;
use std::process::Command;

use authport_testkit::postgres::TestDatabase;
use authport_testkit::{TestApp, repo_root, skip_or_fail};

/// An app serving its Cognito API, with the test clock, on `store` (`memory`, or a fresh
/// PostgreSQL database).
async fn app(store: &str) -> Option<TestApp> {
    let args = ["--cognito-api-listen", "127.0.0.1:0", "--cognito-api-test-clock"];
    Some(match store {
        "memory" => TestApp::on_memory().args(&args).spawn().await,
        _ => TestApp::on_database(&TestDatabase::create().await?).args(&args).spawn().await,
    })
}

/// Runs `program args` against `app`'s Cognito API with static credentials; the cases' report
/// is shown either way, and a failure fails the test.
async fn run(app: &TestApp, program: &Path, args: &[&str], dir: &Path) {
    let endpoint = format!("http://{}", app.cognito_api.expect("Cognito API"));
    let mut command = Command::new(program);
    command
        .args(args)
        .current_dir(dir)
        .env("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", &endpoint)
        .env("AUTHPORT_COGNITO_ENDPOINT", &endpoint)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_DEFAULT_REGION", "eu-west-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        // The Node SDKs' once-per-process notices (v2's maintenance mode, v3's coming Node floor).
        .env("AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE", "1")
        .env("AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED", "true");
    let output = tokio::task::spawn_blocking(move || command.output()).await.expect("joined").expect("the SDK runs");
    let report = String::from_utf8_lossy(&output.stdout);
    eprintln!("{report}{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "failed cases:\n{report}");
}

async fn boto3_cases(store: &str) {
    let python = repo_root().join(".venv/bin/python");
    let has_boto3 =
        python.is_file() && Command::new(&python).args(["-c", "import boto3"]).status().is_ok_and(|s| s.success());
    if !has_boto3 {
        return skip_or_fail("boto3", "run scripts/install-test-tools.sh");
    }
    // Without pycognito only its SRP cases skip (each says so in the report); this says it loudly.
    if !Command::new(&python).args(["-c", "import pycognito"]).status().is_ok_and(|s| s.success()) {
        skip_or_fail("pycognito (the boto3 suite's USER_SRP_AUTH cases)", "run scripts/install-test-tools.sh");
    }
    let Some(app) = app(store).await else { return };
    run(&app, &python, &["boto3_cases.py"], &repo_root().join("tests/sdk")).await;
    app.stop().await;
}

async fn node_cases(store: &str) {
    let dir = repo_root().join("tests/sdk/node");
    let node = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    if !node || !dir.join("node_modules/aws-sdk").is_dir() || !dir.join("node_modules/aws-jwt-verify").is_dir() {
        return skip_or_fail(
            "the Node AWS SDK v2 and aws-jwt-verify",
            "run scripts/install-test-tools.sh (needs node and npm)",
        );
    }
    let Some(app) = app(store).await else { return };
    run(&app, Path::new("node"), &["-r", "./endpoint.js", "cases.js"], &dir).await;
    app.stop().await;
}

async fn node_v3_cases(store: &str) {
    let dir = repo_root().join("tests/sdk/node-v3");
    let node = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    let modules = dir.join("node_modules");
    if !node
        || !modules.join("@aws-sdk/client-cognito-identity-provider").is_dir()
        || !modules.join("aws-jwt-verify").is_dir()
        || !modules.join("amazon-cognito-identity-js").is_dir()
    {
        return skip_or_fail(
            "the Node AWS SDK v3, aws-jwt-verify and amazon-cognito-identity-js",
            "run scripts/install-test-tools.sh (needs node and npm)",
        );
    }
    let Some(app) = app(store).await else { return };
    run(&app, Path::new("node"), &["cases.js"], &dir).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_and_pycognito_on_the_memory_engine() {
    boto3_cases("memory").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_and_pycognito_on_the_postgres_engine() {
    boto3_cases("postgres").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_sdk_v2_and_aws_jwt_verify_on_the_memory_engine() {
    node_cases("memory").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_sdk_v2_and_aws_jwt_verify_on_the_postgres_engine() {
    node_cases("postgres").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_sdk_v3_aws_jwt_verify_and_amazon_cognito_identity_js_on_the_memory_engine() {
    node_v3_cases("memory").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_sdk_v3_aws_jwt_verify_and_amazon_cognito_identity_js_on_the_postgres_engine() {
    node_v3_cases("postgres").await;
}
