//! # authport-testkit — what authport's tests and benchmarks run against
//!
//! - [`app`]: [`TestApp`], an authport on 127.0.0.1:0 (in this process or as the real binary)
//!   on a chosen backend, talked to over real HTTP like any client would.
//! - the real components a backend needs, each absent one reported by [`skip_or_fail`]:
//!   [`postgres`] (a fresh database per test), [`moto`] (the Cognito emulator, a fresh pool per
//!   test), [`redis`] (a private Redis per test), [`containers`] (emulators in Docker through
//!   testcontainers);
//! - [`process`] (the `authport` binary as a child process), [`proxy`] (a TCP proxy that takes a
//!   server away and brings it back), [`tokens`] (reading and verifying tokens), [`forge`]
//!   (tokens re-signed to break one rule at a time), [`webdriver`] (headless Chromium);
//! - [`contract`]: the contract suite of the `IdentityProvider` port, one test per MUST clause,
//!   run by `tests/` against every adapter.

pub mod app;
#[cfg(feature = "containers")]
pub mod containers;
pub mod contract;
pub mod emulator;
pub mod forge;
pub mod moto;
pub mod postgres;
pub mod process;
pub mod proxy;
pub mod redis;
pub mod store_contract;
pub mod tokens;
pub mod webdriver;

use std::io::Write as _;
use std::path::{Path, PathBuf};

pub use app::{Backend, TestApp, problem, sign_up_outcomes};

/// A password that satisfies Cognito's default policy.
pub const STRONG_PASSWORD: &str = "Correct-Horse-9";

/// Skips a test that needs an unavailable component — loudly, and never on CI.
///
/// # Panics
/// When `CI=true`: on CI every component must be there, so a skip would hide a failure.
pub fn skip_or_fail(component: &str, why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{component} is required when CI=true, but: {why}");
    }
    // Straight to the process's stderr: `eprintln!` would be captured, and shown only for
    // failing tests, which would make a skip silent.
    let _ = writeln!(
        std::io::stderr(),
        "!!! SKIPPED: {component} unavailable ({why}); set it up to run these tests (CI=true makes this fatal)"
    );
}

/// A fresh address per call, so tests never collide on a shared backend.
pub fn unique_email(tag: &str) -> String {
    format!("{tag}-{}@example.com", uuid::Uuid::new_v4().simple())
}

/// The workspace root: the first folder holding `Cargo.lock` above the running package's
/// `CARGO_MANIFEST_DIR` (set by cargo at run time) or the working directory. The compile-time
/// path is the last resort: a build reused from another checkout would point there.
pub fn repo_root() -> PathBuf {
    let start = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).or_else(|| std::env::current_dir().ok());
    start
        .as_deref()
        .and_then(|dir| dir.ancestors().find(|d| d.join("Cargo.lock").is_file()).map(Path::to_path_buf))
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
}
