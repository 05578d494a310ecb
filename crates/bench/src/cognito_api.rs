//! Figures 9–12: authport's Cognito API as an emulator for integration tests, beside the free
//! ones (`peers`), and against its own bound (`flow_bound`).

use std::time::Duration;

use anyhow::Context as _;
use authport_testkit::moto::{self, PoolSpec};
use aws_sdk_cognitoidentityprovider::Client;

use crate::Args;
use crate::flow_bound::{FlowBound, FlowCrypto};
use crate::flows::{self, FlowRun};
use crate::peers::{self, Peer, PeerFigures, PeerProcess};

/// Everything figures 9–12 measured.
#[derive(Debug)]
pub struct CognitoApiFigures {
    pub peers: Vec<PeerFigures>,
    pub sdk: SdkLoad,
}

/// Concurrent Rust-SDK clients running the tutorial's flows against authport's Cognito API.
#[derive(Debug)]
pub struct SdkLoad {
    pub clients: usize,
    pub run: FlowRun,
    /// The flows' bound measured just before and just after the run.
    pub bounds: [FlowBound; 2],
    /// CPU the server and the bench's own process (the SDK clients) spent during the run.
    pub server_cpu: Duration,
    pub client_cpu: Duration,
}

impl SdkLoad {
    /// Untimed flows before the measured ones: connections and the SDK's first resolutions.
    pub fn warm_up_flows(clients: usize) -> usize {
        clients * 25
    }

    pub fn bound(&self) -> f64 {
        (self.bounds[0].per_second + self.bounds[1].per_second) / 2.0
    }

    /// Milliseconds of CPU per flow: the server's, the clients'.
    pub fn cpu_per_flow_ms(&self) -> (f64, f64) {
        let per_flow = |cpu: Duration| cpu.as_secs_f64() * 1000.0 / self.run.flows as f64;
        (per_flow(self.server_cpu), per_flow(self.client_cpu))
    }
}

pub async fn measure(args: &Args, cores: usize) -> anyhow::Result<CognitoApiFigures> {
    crate::scenarios::step(&format!(
        "Cognito endpoints: {} starts each (spawn → first answered ListUserPools), the peers taking turns",
        args.peer_starts
    ));
    let mut figures: Vec<PeerFigures> = Peer::ALL
        .iter()
        .map(|&peer| PeerFigures { peer, missing: None, startups: Vec::new(), idle_rss_kib: 0, boto3: Ok(Vec::new()) })
        .collect();
    let mut running: Vec<Option<PeerProcess>> = Peer::ALL.iter().map(|_| None).collect();
    for _ in 0..args.peer_starts {
        for (figure, slot) in figures.iter_mut().zip(&mut running) {
            if figure.missing.is_some() {
                continue;
            }
            *slot = None; // the previous start stops before the next one begins
            match PeerProcess::start(figure.peer, args).await? {
                Ok(process) => {
                    figure.startups.push(process.started_in);
                    *slot = Some(process);
                }
                Err(why) => {
                    println!("  !! {} is not measured: {why}", figure.peer.name());
                    figure.missing = Some(why);
                }
            }
        }
    }
    for figure in figures.iter().filter(|f| f.missing.is_none()) {
        let median = figure.median_startup().unwrap_or_default();
        println!("  {}: first answer after {:.1} ms (median)", figure.peer.name(), median.as_secs_f64() * 1000.0);
    }
    // Idle, as figure 6 measures authport's: half a second after the last start.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for (figure, process) in figures.iter_mut().zip(&running) {
        if let Some(process) = process {
            figure.idle_rss_kib = process.rss_kib()?;
            println!("  {}: RSS idle {} KiB", figure.peer.name(), figure.idle_rss_kib);
        }
    }

    crate::scenarios::step(&format!(
        "the tutorial's flows from one sequential boto3 client, {:.0} s per run, {} rounds (A B C D, D C B A)",
        args.boto3_seconds, args.boto3_rounds
    ));
    for round in 0..args.boto3_rounds {
        let order: Vec<usize> =
            if round % 2 == 0 { (0..figures.len()).collect() } else { (0..figures.len()).rev().collect() };
        for i in order {
            let (figure, Some(process)) = (&mut figures[i], &running[i]) else { continue };
            let Ok(runs) = &mut figure.boto3 else { continue };
            match process.boto3_run(args).await? {
                Ok(run) => {
                    println!("  {}: {:.1} flows/s", figure.peer.name(), run.per_second());
                    runs.push(run);
                }
                Err(why) => {
                    println!("  {}: cannot run the flow: {why}", figure.peer.name());
                    figure.boto3 = Err(why);
                }
            }
        }
    }

    // The peers stop, so that only authport's process and the clients share the cores.
    let authport = running.swap_remove(0).context("authport's Cognito API did not start")?;
    drop(running);
    let sdk = sdk_load(args, &authport, cores).await?;
    Ok(CognitoApiFigures { peers: figures, sdk })
}

async fn sdk_load(args: &Args, authport: &PeerProcess, cores: usize) -> anyhow::Result<SdkLoad> {
    crate::scenarios::step(&format!(
        "authport's Cognito API: {} tutorial flows from {} concurrent Rust-SDK clients, the flows' bound before and after",
        args.sdk_flows, args.sdk_clients
    ));
    anyhow::ensure!(args.sdk_clients >= 1, "--sdk-clients must be at least 1");
    let endpoint = format!("http://{}", authport.addr);
    let clients: Vec<Client> = (0..args.sdk_clients).map(|_| moto::client(&endpoint)).collect();
    // A pool and client as the moto tests make them (ALLOW_ADMIN_USER_PASSWORD_AUTH admits the
    // tutorial's legacy ADMIN_NO_SRP_AUTH).
    let pool = moto::create_pool_at(&endpoint, &PoolSpec::default())
        .await
        .map_err(|e| anyhow::anyhow!("a pool on authport's Cognito API: {e}"))?;
    let (pool_id, client_id) = (pool.pool_id.as_str(), pool.client_id.as_str());
    flows::tutorial_through_sdk(&clients, pool_id, client_id, SdkLoad::warm_up_flows(args.sdk_clients)).await?;

    let crypto = FlowCrypto::new()?;
    let bound_window = Duration::from_secs(2);
    let before = crypto.measure(cores, bound_window);
    println!(
        "  bound: {:.0} flows/s ({:.2} ms of hashing and signing per flow)",
        before.per_second,
        before.per_flow_ms()
    );
    let pid = authport.pid().context("authport has exited")?;
    let (server_start, client_start) = (peers::cpu_time(pid)?, peers::cpu_time(std::process::id())?);
    let run = flows::tutorial_through_sdk(&clients, pool_id, client_id, args.sdk_flows).await?;
    let (server_cpu, client_cpu) =
        (peers::cpu_time(pid)? - server_start, peers::cpu_time(std::process::id())? - client_start);
    let after = crypto.measure(cores, bound_window);
    let load = SdkLoad { clients: args.sdk_clients, run, bounds: [before, after], server_cpu, client_cpu };
    let (server_ms, client_ms) = load.cpu_per_flow_ms();
    println!(
        "  {:.0} flows/s ÷ bound {:.0}/s (after: {:.0}/s); CPU per flow: server {server_ms:.2} ms, clients {client_ms:.2} ms",
        load.run.per_second(),
        load.bound(),
        after.per_second
    );
    Ok(load)
}
