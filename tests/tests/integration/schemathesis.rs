//! schemathesis (pinned in `scripts/install-test-tools.sh`, installed into `./.venv` by
//! `just test`) fuzzes a live memory-backed authport from its own `/openapi.json`: every
//! generated request (valid and invalid) must get no 5xx, a documented status, a documented
//! content type and a body that matches the documented schema; a wrong method must get a 405.
//! Bounded (`--max-examples`) and reproducible (`--seed`, no example database).

use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use authport_testkit::{TestApp, skip_or_fail};

const SEED: &str = "20261125";
const MAX_EXAMPLES: &str = "100";
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_schema_conformance,unsupported_method";
/// The whole run usually takes a few seconds; this only stops a hang.
const TIMEOUT: Duration = Duration::from_secs(120);

/// `<repo>/.venv/bin/schemathesis`.
fn schemathesis() -> PathBuf {
    authport_testkit::repo_root().join(".venv/bin/schemathesis")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_holds_under_schemathesis() {
    let bin = schemathesis();
    if !bin.is_file() {
        skip_or_fail("schemathesis", &format!("{} is missing: run scripts/install-test-tools.sh", bin.display()));
        return;
    }
    let app = TestApp::on_memory().spawn().await;
    let schema_url = app.url("/openapi.json");
    let workdir = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let (status, output) = tokio::task::spawn_blocking(move || {
        let mut child = Command::new(&bin)
            .args(["run", &schema_url, "--checks", CHECKS, "--max-examples", MAX_EXAMPLES, "--seed", SEED])
            .args(["--generation-database", "none", "--workers", "2", "--request-timeout", "10", "--no-color"])
            .current_dir(workdir.path())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let mut stdout = child.stdout.take().expect("piped stdout");
        let reader = std::thread::spawn(move || {
            let mut out = String::new();
            let _ = stdout.read_to_string(&mut out);
            out
        });
        let deadline = Instant::now() + TIMEOUT;
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for schemathesis") {
                break Some(status);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let mut err = String::new();
        if let Some(mut stderr) = child.stderr.take() {
            let _ = stderr.read_to_string(&mut err);
        }
        (status, format!("{}{err}", reader.join().unwrap_or_default()))
    })
    .await
    .expect("schemathesis run");
    let elapsed = started.elapsed();
    // The summary goes straight to stderr, so it shows without --nocapture.
    let summary = output.find("SUMMARY").map_or(output.as_str(), |at| &output[output[..at].rfind('\n').unwrap_or(0)..]);
    let _ = writeln!(std::io::stderr(), "schemathesis ({:.1} s):{summary}", elapsed.as_secs_f64());
    let status = status.unwrap_or_else(|| panic!("schemathesis did not finish within {TIMEOUT:?}:\n{output}"));
    assert!(status.success(), "schemathesis found failures ({status}):\n{output}");
    assert!(output.contains("passed"), "schemathesis ran no tests:\n{output}");
    // Still serving after the fuzzing.
    assert_eq!(app.get("/healthz").await.status(), 200);
    app.stop().await;
}
