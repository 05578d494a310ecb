//! The measurements, in the order they run. Each server is a fresh release `authport` process
//! (logging at `warn`, rate limits off: the figures are about throughput, not about shedding).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use authport_conformance::moto::{self, MotoPool, PoolSpec};
use authport_conformance::postgres::TestDatabase;
use authport_conformance::process::AuthportProcess;
use hyper::StatusCode;
use serde_json::json;

use crate::Args;
use crate::argon2_bound::{self, Argon2Bound};
use crate::flows::{self, FlowRun, PASSWORD};
use crate::load::{self, Call, Connection, LoadResult};

/// Everything one run measured.
#[derive(Debug)]
pub struct Figures {
    pub machine: Vec<(&'static str, String)>,
    /// The argon2 bound measured before, between and after the two log-in phases: each
    /// backend's ratio uses the mean of the measurements on either side of its phase (this
    /// machine's speed drifts by several per cent within a minute).
    pub bound_runs: Vec<Argon2Bound>,
    pub saturation: Vec<Saturation>,
    pub healthz: LoadResult,
    pub me: LoadResult,
    pub offline: FlowRun,
    /// Straight to moto, ABBA-interleaved with `via_authport`.
    pub moto_direct: Vec<FlowRun>,
    /// authport (Cognito backend) → moto.
    pub via_authport: Vec<FlowRun>,
    pub micro: Vec<(String, f64)>,
    pub elapsed: Duration,
}

/// Log-ins saturating one backend, with latency probes on the non-hashing endpoints.
#[derive(Debug)]
pub struct Saturation {
    pub backend: &'static str,
    /// The argon2 bound around this phase (verifications/s, mean of the runs either side).
    pub bound: f64,
    pub logins: LoadResult,
    pub healthz: LoadResult,
    pub me: LoadResult,
    pub idle_rss_kib: u64,
    pub peak_rss_kib: u64,
}

/// Rate limits off, quiet logs: only the "listening" line (to find the port) and warnings.
const NO_LIMITS: [&str; 4] = ["--rate-limit-ip-per-minute", "0", "--rate-limit-email-per-minute", "0"];
const LOG_FILTER: &str = "warn,authport_server::startup=info";

async fn start(bench: &Args, mut args: Vec<String>) -> AuthportProcess {
    args.extend(NO_LIMITS.map(String::from));
    AuthportProcess::start_binary(&binary(bench), &args, LOG_FILTER).await
}

fn binary(bench: &Args) -> std::path::PathBuf {
    bench.authport_bin.clone().unwrap_or_else(authport_conformance::process::authport_binary)
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| (*s).to_owned()).collect()
}

pub async fn run_all(args: &Args) -> anyhow::Result<Figures> {
    let started = Instant::now();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);

    let bound_before = measure_bound(args, cores)?;

    step("memory backend: log-ins at saturation, probes on /healthz and /v1/me");
    let memory = start(args, strings(&["--backend", "memory"])).await;
    let (mut memory_saturation, token) = saturate(args, "memory", &memory).await?;
    let bound_between = measure_bound(args, cores)?;
    memory_saturation.bound = (bound_before.per_second + bound_between.per_second) / 2.0;

    step("memory backend: /healthz and /v1/me throughput");
    let healthz =
        load::closed_loop(memory.addr(), args.read_connections, args.window(), Call::get("/healthz"), StatusCode::OK)
            .await?;
    healthz.ensure_clean("/healthz throughput")?;
    println!("  /healthz {:.0}/s", healthz.per_second());
    let me = load::closed_loop(
        memory.addr(),
        args.read_connections,
        args.window(),
        Call::get_with_bearer("/v1/me", &token),
        StatusCode::OK,
    )
    .await?;
    me.ensure_clean("/v1/me throughput")?;
    println!("  /v1/me {:.0}/s", me.per_second());
    drop(memory);

    step("PostgreSQL backend: log-ins at saturation, probes on /healthz and /v1/me");
    let database = TestDatabase::create().await.context("PostgreSQL is needed (DATABASE_URL)")?;
    let postgres = start(args, strings(&["--backend", "postgres", "--database-url", &database.url()])).await;
    let (mut postgres_saturation, _) = saturate(args, "PostgreSQL", &postgres).await?;
    drop(postgres);
    let bound_after = measure_bound(args, cores)?;
    postgres_saturation.bound = (bound_between.per_second + bound_after.per_second) / 2.0;

    step(&format!("offline: {} sign-up + log-in flows through authport (memory, test hashing)", args.flows));
    let fast = start(args, strings(&["--backend", "memory", "--hash-cost", "insecure-fast-for-tests"])).await;
    flows::through_authport(fast.addr(), args.flow_concurrency * 4, args.flow_concurrency).await?; // warm-up
    let offline = flows::through_authport(fast.addr(), args.flows, args.flow_concurrency).await?;
    println!("  {:.0} flows/s", offline.per_second());
    drop(fast);

    step(&format!("Cognito: {} flows straight to moto vs through authport → moto (ABBA)", args.flows));
    let moto = moto::moto().await.map_err(|why| anyhow::anyhow!("the moto Cognito emulator is needed: {why}"))?;
    let cognito = moto::client(&moto.endpoint);
    let (mut moto_direct, mut via_authport) = (Vec::new(), Vec::new());
    for via in [false, true, true, false] {
        // A fresh pool per run: moto's cost grows with the users a pool holds.
        let pool = moto::create_pool_at(&moto.endpoint, &PoolSpec::default())
            .await
            .map_err(|e| anyhow::anyhow!("creating a moto pool: {e}"))?;
        let run = if via {
            via_cognito_backend(args, &pool).await?
        } else {
            flows::straight_to_cognito(&cognito, &pool.pool_id, &pool.client_id, args.flows, args.flow_concurrency)
                .await?
        };
        println!("  {}: {:.1} flows/s", if via { "authport → moto" } else { "moto direct" }, run.per_second());
        if via { via_authport.push(run) } else { moto_direct.push(run) }
    }

    Ok(Figures {
        machine: machine(&binary(args)),
        bound_runs: vec![bound_before, bound_between, bound_after],
        saturation: vec![memory_saturation, postgres_saturation],
        healthz,
        me,
        offline,
        moto_direct,
        via_authport,
        micro: crate::report::criterion_estimates(&crate::from_repo_root(&args.criterion_dir)),
        elapsed: started.elapsed(),
    })
}

fn measure_bound(args: &Args, cores: usize) -> anyhow::Result<Argon2Bound> {
    step("argon2 bound: raw verifications on every core");
    let bound = argon2_bound::measure(cores, Duration::from_secs(args.measure_secs.min(4)))?;
    println!("  {:.1} verifications/s on {cores} threads ({:.2} ms each)", bound.per_second, bound.per_hash_ms());
    Ok(bound)
}

fn step(what: &str) {
    println!("== {what}");
}

/// Signs a user up, then runs the log-in load and, at the same time, one paced probe on
/// /healthz and one on /v1/me. Returns the figures and an access token for later phases.
async fn saturate(
    args: &Args,
    backend: &'static str,
    server: &AuthportProcess,
) -> anyhow::Result<(Saturation, String)> {
    let addr = server.addr();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_rss_kib = proc_status_kib(server.pid(), "VmRSS")?;
    let credentials =
        json!({ "email": format!("bench-{}@example.com", uuid::Uuid::new_v4().simple()), "password": PASSWORD });
    let mut connection = Connection::open(addr).await?;
    let (status, _) = connection.send(&Call::post_json("/v1/signup", &credentials)).await?;
    anyhow::ensure!(status == StatusCode::CREATED, "sign-up answered {status}");
    let (status, body) = connection.send(&Call::post_json("/v1/login", &credentials)).await?;
    anyhow::ensure!(status == StatusCode::OK, "log-in answered {status}");
    let token = serde_json::from_slice::<serde_json::Value>(&body)?["access_token"]
        .as_str()
        .context("access_token in the log-in answer")?
        .to_owned();

    let window = args.window();
    let logins = load::closed_loop(
        addr,
        args.login_connections,
        window,
        Call::post_json("/v1/login", &credentials),
        StatusCode::OK,
    );
    let healthz = load::paced_probe(addr, args.probe_rate, window, Call::get("/healthz"), StatusCode::OK);
    let me = load::paced_probe(addr, args.probe_rate, window, Call::get_with_bearer("/v1/me", &token), StatusCode::OK);
    let (logins, healthz, me) = tokio::try_join!(logins, healthz, me)?;
    logins.ensure_clean("log-ins at saturation")?;
    healthz.ensure_clean("/healthz probe")?;
    me.ensure_clean("/v1/me probe")?;
    let peak_rss_kib = proc_status_kib(server.pid(), "VmHWM")?;
    println!(
        "  {:.1} log-ins/s; /healthz p50 {:.2} ms p99 {:.2} ms; /v1/me p50 {:.2} ms p99 {:.2} ms; RSS idle {} KiB, peak {} KiB",
        logins.per_second(),
        healthz.quantile_ms(0.5),
        healthz.quantile_ms(0.99),
        me.quantile_ms(0.5),
        me.quantile_ms(0.99),
        idle_rss_kib,
        peak_rss_kib
    );
    Ok((Saturation { backend, bound: 0.0, logins, healthz, me, idle_rss_kib, peak_rss_kib }, token))
}

async fn via_cognito_backend(args: &Args, pool: &MotoPool) -> anyhow::Result<FlowRun> {
    let server = start(args, authport_conformance::cognito_args(pool, false)).await;
    flows::through_authport(server.addr(), args.flows, args.flow_concurrency).await
}

/// A `Vm*` line of /proc/<pid>/status, in KiB.
fn proc_status_kib(pid: u32, field: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':')?.trim().strip_suffix("kB")?.trim().parse().ok())
        .with_context(|| format!("{field} in /proc/{pid}/status"))
}

/// What the figures were measured on.
fn machine(binary: &Path) -> Vec<(&'static str, String)> {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let cpu = read("/proc/cpuinfo")
        .lines()
        .find_map(|l| l.strip_prefix("model name").and_then(|v| v.split_once(':')).map(|(_, v)| v.trim().to_owned()))
        .unwrap_or_else(|| "unknown".into());
    let memory = read("/proc/meminfo").lines().next().map(|l| l.replace("MemTotal:", "").trim().to_owned());
    let command = |program: &str, args: &[&str]| {
        std::process::Command::new(program)
            .args(args)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "unknown".into())
    };
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    vec![
        ("CPU", format!("{cpu}, {cores} cores available")),
        ("Memory", memory.unwrap_or_default()),
        ("Kernel", command("uname", &["-sr"])),
        ("Rust", command("rustc", &["-V"])),
        ("authport", command("git", &["describe", "--always", "--dirty"])),
        ("Run at", command("date", &["-u", "+%Y-%m-%d %H:%M UTC"])),
        ("Binary", binary.display().to_string()),
        ("moto", moto_version(&crate::repo_root().join(".venv/bin/python"))),
    ]
}

fn moto_version(python: &Path) -> String {
    std::process::Command::new(python)
        .args(["-c", "import moto; print(moto.__version__)"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}
