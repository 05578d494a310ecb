//! # authport-bench — `just bench`
//!
//! How fast authport does its job, as ratios taken in one run against the physical limit
//! (argon2) and against the Cognito emulator (moto). Every server is the release `authport`
//! binary (`--authport-bin`) as its own process on loopback, driven by this crate's binary,
//! `authport-bench`. Targets live in the report (docs/benchmarks.md), never in tests.

pub mod argon2_bound;
pub mod cognito_api;
pub mod flow_bound;
pub mod flows;
pub mod limit_checks;
pub mod load;
pub mod peers;
pub mod report;
pub mod scenarios;

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

/// Measures authport and writes the figures (see docs/benchmarks.md).
#[derive(Debug, Clone, Parser)]
#[command(version)]
pub struct Args {
    /// Seconds measured in each throughput phase (after the warm-up).
    #[arg(long, default_value_t = 6)]
    pub measure_secs: u64,
    /// Seconds of warm-up before each throughput phase.
    #[arg(long, default_value_t = 1)]
    pub warmup_secs: u64,
    /// Slices the log-in saturation of each backend is cut into (`--measure-secs` in all), each
    /// after a half-second warm-up and followed by a measurement of the argon2 bound, the
    /// backends taking turns: the bound around each slice is measured within seconds of it.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=60))]
    pub rounds: u32,
    /// Connections sending log-ins back to back to saturate the argon2 pool.
    #[arg(long, default_value_t = 16)]
    pub login_connections: usize,
    /// Connections for the /healthz and /v1/me throughput phases.
    #[arg(long, default_value_t = 16)]
    pub read_connections: usize,
    /// Requests per second of each latency probe (/healthz, /v1/me) during log-in saturation.
    #[arg(long, default_value_t = 200)]
    pub probe_rate: u32,
    /// Sign-up + log-in flows in each of the eight runs of the emulator comparisons (moto direct,
    /// authport → moto); the moto-direct runs are also figure 4's denominator.
    #[arg(long, default_value_t = 200)]
    pub flows: usize,
    /// Sign-up + log-in flows through authport with test hashing (figure 4's numerator).
    #[arg(long, default_value_t = 1000)]
    pub offline_flows: usize,
    /// Flows in flight at once in the emulator comparisons (the same for every side).
    #[arg(long, default_value_t = 8)]
    pub flow_concurrency: usize,
    /// Starts of each Cognito endpoint (authport's Cognito API and the peer emulators) whose
    /// start-up is timed; the last one stays up for the other Cognito figures.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub peer_starts: u32,
    /// Seconds of each sequential boto3 run of the tutorial's flows against each Cognito endpoint.
    #[arg(long, default_value_t = 3.0)]
    pub boto3_seconds: f64,
    /// Untimed flows at the start of each boto3 run.
    #[arg(long, default_value_t = 20)]
    pub boto3_warm_up: usize,
    /// boto3 runs per Cognito endpoint, the endpoints taking turns (A B C D, D C B A, …).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub boto3_rounds: u32,
    /// Concurrent Rust-SDK clients running the tutorial's flows against authport's Cognito API.
    #[arg(long, default_value_t = 8)]
    pub sdk_clients: usize,
    /// Tutorial flows those clients run, after untimed ones.
    #[arg(long, default_value_t = 4000)]
    pub sdk_flows: usize,
    /// Where criterion left its estimates (`cargo bench` of the micro-benchmarks); a relative
    /// path is taken from the repository root.
    #[arg(long, default_value = "target/criterion")]
    pub criterion_dir: PathBuf,
    /// Markdown file whose results section (between the bench markers) is replaced; a relative
    /// path is taken from the repository root.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// The `authport` binary to measure (a release build: `just bench` passes
    /// `target/release/authport`); a relative path is taken from the repository root.
    #[arg(long)]
    pub authport_bin: PathBuf,
}

/// The program of `authport-bench`: parses the arguments, runs every scenario, prints the table
/// and writes it into `--report`.
pub fn main() -> anyhow::Result<()> {
    let mut args = Args::parse();
    args.authport_bin = from_repo_root(&args.authport_bin);
    anyhow::ensure!(args.authport_bin.is_file(), "no authport binary at {}", args.authport_bin.display());
    let figures =
        tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(scenarios::run_all(&args))?;
    let table = report::render(&args, &figures);
    println!("\n{table}");
    if let Some(path) = &args.report {
        let path = from_repo_root(path);
        report::write_into(&path, &table)?;
        println!("results written into {}", path.display());
    }
    Ok(())
}

impl Args {
    pub fn window(&self) -> load::Window {
        load::Window { warmup: Duration::from_secs(self.warmup_secs), measure: Duration::from_secs(self.measure_secs) }
    }

    /// One slice of a backend's log-in saturation (see `--rounds`); the argon2 bound is measured
    /// for as long after each.
    pub fn saturation_slice(&self) -> load::Window {
        load::Window {
            warmup: Duration::from_millis(500),
            measure: Duration::from_secs(self.measure_secs) / self.rounds,
        }
    }
}

/// `path`, taken from the repository root when relative.
pub fn from_repo_root(path: &std::path::Path) -> PathBuf {
    if path.is_absolute() { path.to_path_buf() } else { authport_testkit::repo_root().join(path) }
}
