//! The report: one markdown table of the figures with their targets (printed, and written
//! between the markers of docs/benchmarks.md), plus the criterion micro-benchmarks.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use crate::Args;
use crate::cognito_api::CognitoApiFigures;
use crate::flows::FlowRun;
use crate::peers::{Peer, PeerFigures};
use crate::scenarios::{self, Figures};

pub const BEGIN: &str = "<!-- bench:results:begin (written by `just bench`) -->";
pub const END: &str = "<!-- bench:results:end -->";

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "**missed**" }
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn total_seconds(runs: &[FlowRun]) -> f64 {
    runs.iter().map(|r| r.elapsed.as_secs_f64()).sum()
}

fn flows_per_second(runs: &[FlowRun]) -> f64 {
    runs.iter().map(|r| r.flows).sum::<usize>() as f64 / total_seconds(runs)
}

/// The results section: machine, parameters, the figures and the micro-benchmarks.
pub fn render(args: &Args, f: &Figures) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### Measured (`just bench`, {:.0} s of measurement)\n", f.elapsed.as_secs_f64());
    for (name, value) in &f.machine {
        let _ = writeln!(out, "- {name}: {value}");
    }
    let _ = writeln!(
        out,
        "- Parameters: {} s warm-up + {} s measured per throughput phase; log-in saturation in {} slices per \
         backend of 0.5 s warm-up + {:.1} s measured, the backends taking turns; {} log-in connections; {} read \
         connections; probes at {}/s each; {} offline flows; {} flows per emulator run; flows {} in flight; argon2id m=19456 KiB, t=2, p=1 \
         (the `owasp` hash cost) on {} threads",
        args.warmup_secs,
        args.measure_secs,
        args.rounds,
        args.saturation_slice().measure.as_secs_f64(),
        args.login_connections,
        args.read_connections,
        args.probe_rate,
        args.offline_flows,
        args.flows,
        args.flow_concurrency,
        f.bound_runs.first().map_or(0, |b| b.threads)
    );
    let _ = writeln!(out, "\n| # | Figure | Measured | Target | Verdict |\n|---|---|---|---|---|");
    for s in &f.saturation {
        let ratio = s.logins.per_second() / s.bound();
        let _ = writeln!(
            out,
            "| 1 | Log-ins/s at saturation ÷ argon2 bound ({}) | {:.1}/s ÷ {:.1}/s = **{ratio:.2}** | ≥ 0.90 | {} |",
            s.backend,
            s.logins.per_second(),
            s.bound(),
            verdict(ratio >= 0.90)
        );
    }
    for s in &f.saturation {
        for (path, probe) in [("/healthz", &s.healthz), ("/v1/me", &s.me)] {
            let p99 = probe.quantile_ms(0.99);
            let _ = writeln!(
                out,
                "| 2 | `{path}` latency while log-ins saturate the CPU ({}): p50 / p99 / max | {:.2} / **{p99:.2}** / {:.2} ms | p99 ≤ 5 ms | {} |",
                s.backend,
                probe.quantile_ms(0.5),
                probe.quantile_ms(1.0),
                verdict(p99 <= 5.0)
            );
        }
    }
    let read_ratio = f.me.per_second() / f.healthz.per_second();
    let _ = writeln!(
        out,
        "| 3 | `/v1/me` ÷ `/healthz` throughput (memory) | {:.0}/s ÷ {:.0}/s = **{read_ratio:.2}** | ≥ 0.5 | {} |",
        f.me.per_second(),
        f.healthz.per_second(),
        verdict(read_ratio >= 0.5)
    );
    let moto_rate = flows_per_second(&f.moto_direct);
    let speedup = f.offline.per_second() / moto_rate;
    let _ = writeln!(
        out,
        "| 4 | Offline test speed: sign-up + log-in flows/s, authport (memory, test hashing) ÷ moto direct (AWS SDK) | {:.0} ÷ {:.1} = **{speedup:.1}×** | ≥ 30× | {} |",
        f.offline.per_second(),
        moto_rate,
        verdict(speedup >= 30.0)
    );
    let overhead = total_seconds(&f.via_authport) / total_seconds(&f.moto_direct);
    let _ = writeln!(
        out,
        "| 5 | Cognito adapter overhead: time of the flows through authport → moto ÷ straight to moto | {:.2} s ÷ {:.2} s = **{overhead:.3}** | ≤ 1.15 | {} |",
        total_seconds(&f.via_authport),
        total_seconds(&f.moto_direct),
        verdict(overhead <= 1.15)
    );
    for s in &f.saturation {
        let _ = writeln!(
            out,
            "| 6 | Memory ({}): RSS idle / peak (VmHWM) after log-in saturation | {} / **{}** | reported | — |",
            s.backend,
            mib(s.idle_rss_kib),
            mib(s.peak_rss_kib)
        );
    }
    for cost in &f.limit_checks {
        let _ = writeln!(
            out,
            "| 7 | One rate-limit check (`RateLimits::check_ip`), {}: p50 / p99 | {:.1} / **{:.1}** µs | reported | — |",
            cost.store,
            cost.quantile_us(0.5),
            cost.quantile_us(0.99)
        );
    }
    let by_backend = |name: &str| f.saturation.iter().find(|s| s.backend == name);
    if let (Some(without), Some(with)) = (by_backend(scenarios::MEMORY), by_backend(scenarios::REDIS_LIMITED)) {
        let (without_ratio, with_ratio) =
            (without.logins.per_second() / without.bound(), with.logins.per_second() / with.bound());
        let ratio = with_ratio / without_ratio;
        let _ = writeln!(
            out,
            "| 8 | Log-ins/s at saturation with the rate limits in Redis ÷ without (memory; each ÷ its argon2 bound) | {with_ratio:.3} ÷ {without_ratio:.3} = **{ratio:.3}** | ≥ 0.98 | {} |",
            verdict(ratio >= 0.98)
        );
    }
    cognito_api_rows(&mut out, &f.cognito_api);
    let _ = writeln!(
        out,
        "\nThe argon2 bound, measured for as long as a slice before the first log-in slice and after every \
         slice (the backends in turn): {} verifications/s ({} ms per verification per core); each slice \
         is divided by the mean of the two measurements around it.",
        f.bound_runs.iter().map(|b| format!("{:.1}", b.per_second)).collect::<Vec<_>>().join(", "),
        f.bound_runs.iter().map(|b| format!("{:.1}", b.per_hash_ms())).collect::<Vec<_>>().join(", ")
    );
    let _ = writeln!(
        out,
        "Latency percentiles of the log-ins themselves at saturation: {}.",
        f.saturation
            .iter()
            .map(|s| format!(
                "{} p50 {:.0} ms, p99 {:.0} ms",
                s.backend,
                s.logins.quantile_ms(0.5),
                s.logins.quantile_ms(0.99)
            ))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let _ = writeln!(
        out,
        "Emulator runs (flows/s; run order {}, each on a fresh pool after {} untimed flows): moto direct {}; authport → moto {}.",
        crate::scenarios::EMULATOR_RUNS.map(|via| if via { "B" } else { "A" }).join(" "),
        args.flow_concurrency * 2,
        f.moto_direct.iter().map(|r| format!("{:.1}", r.per_second())).collect::<Vec<_>>().join(", "),
        f.via_authport.iter().map(|r| format!("{:.1}", r.per_second())).collect::<Vec<_>>().join(", ")
    );
    cognito_api_notes(&mut out, args, &f.cognito_api);
    if !f.micro.is_empty() {
        let _ = writeln!(
            out,
            "\nMicro-benchmarks (criterion, mean time per iteration):\n\n| Benchmark | Time |\n|---|---|"
        );
        for (name, ns) in &f.micro {
            let _ = writeln!(out, "| {name} | {} |", human_time(*ns));
        }
    }
    out
}

/// Figures 9–12: one row per Cognito endpoint, the targets on authport's rows.
fn cognito_api_rows(out: &mut String, c: &CognitoApiFigures) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    for p in &c.peers {
        let Some(startup) = p.median_startup() else { continue };
        let (target, verdict) = if p.peer == Peer::Authport {
            ("≤ 100 ms", self::verdict(startup <= Duration::from_millis(100)))
        } else {
            ("reported", "—")
        };
        let _ = writeln!(
            out,
            "| 9 | Start-up of {}: process start → first answered call (median of {}) | **{:.1} ms** | {target} | {verdict} |",
            p.peer.name(),
            p.startups.len(),
            ms(startup)
        );
    }
    for p in c.peers.iter().filter(|p| p.missing.is_none()) {
        let (target, verdict) = if p.peer == Peer::Authport {
            ("≤ 20 MiB", self::verdict(p.idle_rss_kib <= 20 * 1024))
        } else {
            ("reported", "—")
        };
        let _ = writeln!(
            out,
            "| 10 | Idle RSS of {} (process tree, after its first answer) | **{}** | {target} | {verdict} |",
            p.peer.name(),
            mib(p.idle_rss_kib)
        );
    }
    for p in c.peers.iter().filter(|p| p.missing.is_none()) {
        let measured = match (&p.boto3, p.boto3_per_second()) {
            (_, Some(rate)) => format!("**{rate:.1} flows/s**"),
            (Err(why), _) => format!("cannot run the flow: {}", why.replace('|', "\\|")),
            (Ok(_), None) => "no runs".to_owned(),
        };
        let _ = writeln!(
            out,
            "| 11 | The tutorial's sign-up + log-in from one sequential boto3 client: {} | {measured} | reported | — |",
            p.peer.name()
        );
    }
    let rate = |peer: Peer| c.peers.iter().find(|p| p.peer == peer).and_then(PeerFigures::boto3_per_second);
    if let Some(authport) = rate(Peer::Authport) {
        for (peer, target) in [(Peer::Moto, 3.0), (Peer::Fakecloud, 0.9)] {
            let (measured, verdict) = match rate(peer) {
                Some(theirs) => (
                    format!("{authport:.1} ÷ {theirs:.1} = **{:.2}×**", authport / theirs),
                    self::verdict(authport / theirs >= target),
                ),
                None => ("not measured (see its rows)".to_owned(), "—"),
            };
            let _ = writeln!(
                out,
                "| 11 | Sequential boto3 flows/s, authport ÷ {} | {measured} | ≥ {target}× | {verdict} |",
                peer.name()
            );
        }
    }
    let sdk = &c.sdk;
    let ratio = sdk.run.per_second() / sdk.bound();
    let _ = writeln!(
        out,
        "| 12 | The tutorial's flows from {} concurrent Rust-SDK clients, authport's Cognito API: flows/s ÷ the bound of their hashing and signing | {:.0}/s ÷ {:.0}/s = **{ratio:.2}** | ≥ 0.8 | {} |",
        sdk.clients,
        sdk.run.per_second(),
        sdk.bound(),
        verdict(ratio >= 0.8)
    );
}

/// The runs behind figures 9–12.
fn cognito_api_notes(out: &mut String, args: &Args, c: &CognitoApiFigures) {
    let ms = |d: &Duration| format!("{:.1}", d.as_secs_f64() * 1000.0);
    let _ = writeln!(
        out,
        "Cognito endpoints, start-ups (ms, each start in turn): {}.",
        c.peers
            .iter()
            .filter(|p| p.missing.is_none())
            .map(|p| format!("{} {}", p.peer.name(), p.startups.iter().map(ms).collect::<Vec<_>>().join(", ")))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let _ = writeln!(
        out,
        "Sequential boto3 runs ({:.0} s each after {} untimed flows, each on a fresh pool; flows/s, in the order run: A B C D, D C B A): {}.",
        args.boto3_seconds,
        args.boto3_warm_up,
        c.peers
            .iter()
            .filter_map(|p| {
                let runs = p.boto3.as_ref().ok().filter(|runs| !runs.is_empty())?;
                Some(format!(
                    "{} {}",
                    p.peer.name(),
                    runs.iter().map(|r| format!("{:.1}", r.per_second())).collect::<Vec<_>>().join(", ")
                ))
            })
            .collect::<Vec<_>>()
            .join("; ")
    );
    for p in &c.peers {
        if let Some(why) = &p.missing {
            let _ = writeln!(out, "Not measured: {}: {why}.", p.peer.name());
        }
    }
    let sdk = &c.sdk;
    let (server_ms, client_ms) = sdk.cpu_per_flow_ms();
    let _ = writeln!(
        out,
        "Concurrent Rust-SDK flows ({} flows after {} untimed): the bound {:.0} and {:.0} flows/s before and after the run ({:.2} ms of hashing and signing per flow per core); CPU per flow during the run: the server {server_ms:.2} ms, the SDK clients (the bench's process) {client_ms:.2} ms.",
        sdk.run.flows,
        crate::cognito_api::SdkLoad::warm_up_flows(sdk.clients),
        sdk.bounds[0].per_second,
        sdk.bounds[1].per_second,
        sdk.bounds[0].per_flow_ms()
    );
}

fn human_time(ns: f64) -> String {
    match ns {
        ns if ns >= 1e6 => format!("{:.3} ms", ns / 1e6),
        ns if ns >= 1e3 => format!("{:.2} µs", ns / 1e3),
        ns => format!("{ns:.0} ns"),
    }
}

/// Mean time (ns) of every benchmark criterion measured into `dir` (`*/new/estimates.json`).
pub fn criterion_estimates(dir: &Path) -> Vec<(String, f64)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(path) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&path) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.file_name().is_some_and(|n| n == "new") {
                let read = |file: &str| -> Option<serde_json::Value> {
                    serde_json::from_str(&std::fs::read_to_string(path.join(file)).ok()?).ok()
                };
                if let (Some(meta), Some(estimates)) = (read("benchmark.json"), read("estimates.json"))
                    && let (Some(name), Some(mean)) =
                        (meta["full_id"].as_str(), estimates["mean"]["point_estimate"].as_f64())
                {
                    found.push((name.to_owned(), mean));
                }
            } else if path.is_dir() {
                pending.push(path);
            }
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

/// Replaces what lies between [`BEGIN`] and [`END`] in `path` with `results`.
pub fn write_into(path: &Path, results: &str) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path)?;
    let (Some(begin), Some(end)) = (text.find(BEGIN), text.find(END)) else {
        anyhow::bail!("{} lacks the markers {BEGIN} … {END}", path.display());
    };
    anyhow::ensure!(begin < end, "{}: the markers are out of order", path.display());
    let updated = format!("{}{BEGIN}\n{results}{}", &text[..begin], &text[end..]);
    std::fs::write(path, updated)?;
    Ok(())
}
