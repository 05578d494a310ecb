//! The measurements, in the order they run. Each server is a fresh release `authport` process
//! (logging at `warn`, rate limits off: the figures are about throughput, not about shedding).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use authport_testkit::moto::{self, PoolSpec};
use authport_testkit::postgres::TestDatabase;
use authport_testkit::process::AuthportProcess;
use authport_testkit::redis::RedisServer;
use hyper::StatusCode;
use serde_json::json;

use crate::Args;
use crate::argon2_bound::{self, Argon2Bound};
use crate::cognito_api::CognitoApiFigures;
use crate::flows::{self, FlowRun, PASSWORD};
use crate::limit_checks::CheckCost;
use crate::load::{self, Call, Connection, LoadResult};

/// Everything one run measured.
#[derive(Debug)]
pub struct Figures {
    pub machine: Vec<(&'static str, String)>,
    /// The argon2 bound, measured before the first log-in slice and after every slice.
    pub bound_runs: Vec<Argon2Bound>,
    pub saturation: Vec<Saturation>,
    pub healthz: LoadResult,
    pub me: LoadResult,
    pub offline: FlowRun,
    /// Straight to moto, ABBA-interleaved with `via_authport`.
    pub moto_direct: Vec<FlowRun>,
    /// authport (Cognito backend) → moto.
    pub via_authport: Vec<FlowRun>,
    /// One rate-limit check in process, and in Redis.
    pub limit_checks: [CheckCost; 2],
    /// Figures 9–12: authport's Cognito API beside the peer emulators.
    pub cognito_api: CognitoApiFigures,
    pub micro: Vec<(String, f64)>,
    pub elapsed: Duration,
}

/// Log-ins saturating one backend, with latency probes on the non-hashing endpoints; the sum
/// of its slices (see `--rounds`).
#[derive(Debug)]
pub struct Saturation {
    pub backend: &'static str,
    /// Σ over the slices of (mean of the bound measurements either side) × measured seconds.
    bound_seconds: f64,
    pub logins: LoadResult,
    pub healthz: LoadResult,
    pub me: LoadResult,
    pub idle_rss_kib: u64,
    pub peak_rss_kib: u64,
    credentials: serde_json::Value,
    token: String,
}

/// Rate limits off, quiet logs: only the "listening" line (to find the port) and warnings.
const NO_LIMITS: [&str; 4] = ["--rate-limit-ip-per-minute", "0", "--rate-limit-email-per-minute", "0"];
const LOG_FILTER: &str = "warn,authport_server::startup=info";

/// The saturation phases that figure 8 compares: the same memory server, without and with its
/// rate limits kept in Redis.
pub const MEMORY: &str = "memory";
pub const REDIS_LIMITED: &str = "memory, rate limits in Redis";

/// The emulator comparison's run order (`true`: through authport): A B B A twice, so that a
/// drift of moto's or the machine's speed during the runs weighs on both sides alike.
pub const EMULATOR_RUNS: [bool; 8] = [false, true, true, false, false, true, true, false];

async fn start(bench: &Args, mut args: Vec<String>) -> AuthportProcess {
    args.extend(NO_LIMITS.map(String::from));
    start_limited(bench, args).await
}

/// A server with the rate-limit options in `args` (none given: the defaults).
async fn start_limited(bench: &Args, args: Vec<String>) -> AuthportProcess {
    AuthportProcess::start_binary(&bench.authport_bin, &args, LOG_FILTER).await
}

/// Rates no log-in of the bench ever exceeds: limits that are checked, and never refuse.
const GENEROUS_LIMITS: [&str; 4] =
    ["--rate-limit-ip-per-minute", "1000000", "--rate-limit-email-per-minute", "1000000"];

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| (*s).to_owned()).collect()
}

pub async fn run_all(args: &Args) -> anyhow::Result<Figures> {
    let started = Instant::now();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);

    step("log-in saturation: memory and PostgreSQL servers, and memory with its rate limits in Redis");
    let memory = start(args, strings(&["--backend", "memory"])).await;
    let database = TestDatabase::create().await.context("PostgreSQL is needed (DATABASE_URL)")?;
    let postgres = start(args, strings(&["--backend", "postgres", "--database-url", &database.url()])).await;
    let redis = RedisServer::start().context("redis-server is needed (`just system-deps`)")?;
    // Closed with a 1 s timeout: a check that fell back to process-local counting would measure
    // the wrong thing, so a slow or lost Redis shows up as refused requests instead.
    let mut redis_limited = strings(&[
        "--backend",
        "memory",
        "--rate-limit-store",
        &redis.url(),
        "--rate-limit-store-failure",
        "closed",
        "--rate-limit-store-timeout-ms",
        "1000",
    ]);
    redis_limited.extend(GENEROUS_LIMITS.map(String::from));
    let redis_limited = start_limited(args, redis_limited).await;
    let servers = [&memory, &postgres, &redis_limited];
    let mut phases = [
        Saturation::prepare(MEMORY, &memory).await?,
        Saturation::prepare("PostgreSQL", &postgres).await?,
        Saturation::prepare(REDIS_LIMITED, &redis_limited).await?,
    ];

    // The backends take turns, a slice each, with the argon2 bound measured before the first
    // slice and after every slice: each slice is divided by the mean of the two measurements
    // around it, taken seconds apart (this machine's argon2 speed drifts by 10-30 % within a minute).
    let slice = args.saturation_slice();
    argon2_bound::measure(cores, Duration::from_secs(1))?; // untimed: the servers' start-up settles
    let mut bound_runs = vec![measure_bound(slice.measure, cores)?];
    for round in 1..=args.rounds {
        for (phase, server) in phases.iter_mut().zip(servers) {
            step(&format!(
                "{}: log-ins at saturation, probes on /healthz and /v1/me ({round}/{})",
                phase.backend, args.rounds
            ));
            phase.saturate(args, server, slice).await?;
            let after = measure_bound(slice.measure, cores)?;
            let before = bound_runs.last().expect("measured before the first slice").per_second;
            phase.bound_seconds += (before + after.per_second) / 2.0 * slice.measure.as_secs_f64();
            bound_runs.push(after);
        }
    }
    for (phase, server) in phases.iter_mut().zip(servers) {
        phase.finish(server)?;
    }
    drop(postgres);
    drop(redis_limited);

    step("the cost of one rate-limit check, in process and in Redis (A B B A)");
    let limit_checks = crate::limit_checks::measure(&redis.url()).await?;
    for cost in &limit_checks {
        println!("  {}: p50 {:.1} µs, p99 {:.1} µs", cost.store, cost.quantile_us(0.5), cost.quantile_us(0.99));
    }
    drop(redis);
    let token = phases[0].token.clone();

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

    step(&format!("offline: {} sign-up + log-in flows through authport (memory, test hashing)", args.offline_flows));
    let fast = start(args, strings(&["--backend", "memory", "--hash-cost", "insecure-fast-for-tests"])).await;
    flows::through_authport(fast.addr(), args.flow_concurrency * 4, args.flow_concurrency).await?; // warm-up
    let offline = flows::through_authport(fast.addr(), args.offline_flows, args.flow_concurrency).await?;
    println!("  {:.0} flows/s", offline.per_second());
    drop(fast);

    step(&format!("Cognito: {} flows straight to moto vs through authport → moto (ABBA ABBA)", args.flows));
    let moto = moto::moto().await.map_err(|why| anyhow::anyhow!("the moto Cognito emulator is needed: {why}"))?;
    let cognito = moto::client(&moto.endpoint);
    let (mut moto_direct, mut via_authport) = (Vec::new(), Vec::new());
    let warm_up = args.flow_concurrency * 2;
    for via in EMULATOR_RUNS {
        // A fresh pool per run: moto's cost grows with the users a pool holds. Each run starts
        // with a few untimed flows (connections, the SDK's first resolution of endpoint and
        // credentials, moto's first request on the pool), the same on both sides.
        let pool = moto::create_pool_at(&moto.endpoint, &PoolSpec::default())
            .await
            .map_err(|e| anyhow::anyhow!("creating a moto pool: {e}"))?;
        let run = if via {
            let server = start(args, pool.authport_args(&pool.endpoint, false)).await;
            flows::through_authport(server.addr(), warm_up, args.flow_concurrency).await?;
            flows::through_authport(server.addr(), args.flows, args.flow_concurrency).await?
        } else {
            let direct = |flows| {
                flows::straight_to_cognito(&cognito, &pool.pool_id, &pool.client_id, flows, args.flow_concurrency)
            };
            direct(warm_up).await?;
            direct(args.flows).await?
        };
        println!("  {}: {:.1} flows/s", if via { "authport → moto" } else { "moto direct" }, run.per_second());
        if via { via_authport.push(run) } else { moto_direct.push(run) }
    }

    let cognito_api = crate::cognito_api::measure(args, cores).await?;

    Ok(Figures {
        machine: machine(&args.authport_bin),
        bound_runs,
        saturation: phases.into(),
        healthz,
        me,
        offline,
        moto_direct,
        via_authport,
        limit_checks,
        cognito_api,
        micro: crate::report::criterion_estimates(&crate::from_repo_root(&args.criterion_dir)),
        elapsed: started.elapsed(),
    })
}

fn measure_bound(duration: Duration, cores: usize) -> anyhow::Result<Argon2Bound> {
    let bound = argon2_bound::measure(cores, duration)?;
    println!(
        "  argon2 bound: {:.1} verifications/s on {cores} threads ({:.2} ms each)",
        bound.per_second,
        bound.per_hash_ms()
    );
    Ok(bound)
}

pub fn step(what: &str) {
    println!("== {what}");
}

impl Saturation {
    /// Signs a user up on a fresh server and logs in once (the access token is for the /v1/me
    /// probe); notes the server's idle RSS first.
    async fn prepare(backend: &'static str, server: &AuthportProcess) -> anyhow::Result<Self> {
        let addr = server.addr();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let idle_rss_kib = proc_status_kib(server.pid(), "VmRSS")?;
        let credentials =
            json!({ "email": format!("bench-{}@example.com", uuid::Uuid::new_v4().simple()), "password": PASSWORD });
        let mut connection = Connection::open(addr).await?;
        let (status, _) = connection.send(&Call::post_json("/v1/signup", &credentials)).await?;
        anyhow::ensure!(status == StatusCode::CREATED, "{backend}: sign-up answered {status}");
        let (status, body) = connection.send(&Call::post_json("/v1/login", &credentials)).await?;
        anyhow::ensure!(status == StatusCode::OK, "{backend}: log-in answered {status}");
        let token = serde_json::from_slice::<serde_json::Value>(&body)?["access_token"]
            .as_str()
            .context("access_token in the log-in answer")?
            .to_owned();
        Ok(Self {
            backend,
            bound_seconds: 0.0,
            logins: LoadResult::empty(),
            healthz: LoadResult::empty(),
            me: LoadResult::empty(),
            idle_rss_kib,
            peak_rss_kib: 0,
            credentials,
            token,
        })
    }

    /// One slice: log-ins back to back on `--login-connections` connections and, at the same
    /// time, one paced probe on /healthz and one on /v1/me.
    async fn saturate(&mut self, args: &Args, server: &AuthportProcess, slice: load::Window) -> anyhow::Result<()> {
        let addr = server.addr();
        let logins = load::closed_loop(
            addr,
            args.login_connections,
            slice,
            Call::post_json("/v1/login", &self.credentials),
            StatusCode::OK,
        );
        let healthz = load::paced_probe(addr, args.probe_rate, slice, Call::get("/healthz"), StatusCode::OK);
        let me = load::paced_probe(
            addr,
            args.probe_rate,
            slice,
            Call::get_with_bearer("/v1/me", &self.token),
            StatusCode::OK,
        );
        let (logins, healthz, me) = tokio::try_join!(logins, healthz, me)?;
        logins.ensure_clean("log-ins at saturation")?;
        healthz.ensure_clean("/healthz probe")?;
        me.ensure_clean("/v1/me probe")?;
        println!(
            "  {:.1} log-ins/s; /healthz p99 {:.2} ms; /v1/me p99 {:.2} ms",
            logins.per_second(),
            healthz.quantile_ms(0.99),
            me.quantile_ms(0.99),
        );
        self.logins.absorb(logins);
        self.healthz.absorb(healthz);
        self.me.absorb(me);
        Ok(())
    }

    /// The argon2 bound during this phase (verifications/s): for each slice the mean of the
    /// measurements either side, weighted by the slice's measured time.
    pub fn bound(&self) -> f64 {
        self.bound_seconds / self.logins.measured.as_secs_f64()
    }

    /// After the last slice: the server's peak RSS.
    fn finish(&mut self, server: &AuthportProcess) -> anyhow::Result<()> {
        self.peak_rss_kib = proc_status_kib(server.pid(), "VmHWM")?;
        println!(
            "  {}: {:.1} log-ins/s ÷ bound {:.1}/s; /healthz p50 {:.2} ms p99 {:.2} ms; /v1/me p50 {:.2} ms p99 {:.2} ms; RSS idle {} KiB, peak {} KiB",
            self.backend,
            self.logins.per_second(),
            self.bound(),
            self.healthz.quantile_ms(0.5),
            self.healthz.quantile_ms(0.99),
            self.me.quantile_ms(0.5),
            self.me.quantile_ms(0.99),
            self.idle_rss_kib,
            self.peak_rss_kib
        );
        Ok(())
    }
}

/// A `Vm*` line of /proc/<pid>/status, in KiB.
pub fn proc_status_kib(pid: u32, field: &str) -> anyhow::Result<u64> {
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
        ("moto", moto_version(&authport_testkit::repo_root().join(".venv/bin/python"))),
        ("cognito-local", cognito_local_version()),
        (
            "fakecloud",
            command(
                &authport_testkit::repo_root().join("target/bench-peers/bin/fakecloud").to_string_lossy(),
                &["--version"],
            ),
        ),
    ]
}

fn cognito_local_version() -> String {
    let package =
        authport_testkit::repo_root().join("crates/bench/peers/cognito-local/node_modules/cognito-local/package.json");
    std::fs::read_to_string(package)
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|package| package["version"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "not installed".into())
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
