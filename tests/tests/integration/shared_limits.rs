//! Several authport processes, one budget: the rate limits kept in Redis are shared by every
//! process — directly, through haproxy — and an outage of Redis gives what the failure policy
//! promises. Real processes; each test has a Redis of its own (`authport_testkit::redis`).
//!
//! Redis's clock cannot be paused, so the rates are low (one attempt earned back every 10 or
//! 20 s) and each count allows for what the elapsed seconds earn.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use authport_testkit::postgres::TestDatabase;
use authport_testkit::redis::{RedisCluster, RedisServer};
use authport_testkit::{STRONG_PASSWORD, TestApp, skip_or_fail, unique_email};
use serde_json::{Value, json};

/// authport as a process on `db`, its budgets in `store` (`memory` or a Redis URL). A failing
/// store would answer 503 (policy `closed`, with room to answer on a busy machine), so a count
/// cannot come from local budgets that stood in for it.
async fn process(db: &Arc<TestDatabase>, store: &str, extra: &[&str]) -> TestApp {
    let shared = ["--rate-limit-store-failure", "closed", "--rate-limit-store-timeout-ms", "1000"];
    let args = [&["--rate-limit-store", store, "--issuer", "http://authport.test"][..], &shared, extra].concat();
    TestApp::on_database(db).args(&args).process().spawn().await
}

/// The attempts a rate lets through within `elapsed`: its burst, plus one per interval.
fn budget(burst: u64, interval: Duration, elapsed: Duration) -> u64 {
    burst + (elapsed.as_secs_f64() / interval.as_secs_f64()).ceil() as u64
}

/// Sends `attempts` requests round robin over `apps`; returns how many were let through (not 429)
/// and how long it took. Any answer but the expected ones fails the test.
async fn spread(
    apps: &[&TestApp],
    attempts: usize,
    request: impl Fn(&TestApp, usize) -> reqwest::RequestBuilder,
) -> (u64, Duration) {
    let started = Instant::now();
    let mut through = 0;
    for i in 0..attempts {
        let response = request(apps[i % apps.len()], i).send().await.expect("sent");
        match response.status().as_u16() {
            201 | 401 => through += 1,
            429 => {}
            other => panic!("attempt {i}: status {other}"),
        }
    }
    (through, started.elapsed())
}

/// What got through of 21 sign-ups from one IP (rate 6/min) and of 12 guesses at one address
/// (rate 3/min), each spread round robin over `count` processes keeping their budgets in
/// `store`: `(through, the burst, what one budget allows in the time it took)` for each.
async fn spread_over(db: &Arc<TestDatabase>, store: &str, count: usize) -> [(u64, u64, u64); 2] {
    let mut outcomes = [(0, 0, 0); 2];
    let rates = [
        ["--rate-limit-ip-per-minute", "6", "--rate-limit-email-per-minute", "0"],
        ["--rate-limit-ip-per-minute", "0", "--rate-limit-email-per-minute", "3"],
    ];
    for (outcome, rate) in outcomes.iter_mut().zip(rates) {
        let apps = futures::future::join_all((0..count).map(|_| process(db, store, &rate))).await;
        let apps: Vec<&TestApp> = apps.iter().collect();
        let email = unique_email("victim");
        *outcome = if rate[1] == "6" {
            let sign_up = |app: &TestApp, _| {
                let body = json!({ "email": unique_email("budget"), "password": STRONG_PASSWORD });
                app.client.post(app.url("/v1/signup")).json(&body)
            };
            let (through, elapsed) = spread(&apps, 21, sign_up).await;
            (through, 6, budget(6, Duration::from_secs(10), elapsed))
        } else {
            let guess = |app: &TestApp, i: usize| {
                let body = json!({ "email": email, "password": format!("Guess-{i}-pass") });
                app.client.post(app.url("/v1/login")).json(&body)
            };
            let (through, elapsed) = spread(&apps, 12, guess).await;
            (through, 3, budget(3, Duration::from_secs(20), elapsed))
        };
    }
    eprintln!(
        "{store}, {count} processes: (through, burst, one budget's allowance) of 21 sign-ups from one IP and of 12 guesses at one address: {outcomes:?}"
    );
    outcomes
}

/// One budget across three processes: from one IP, the burst plus what the elapsed time earns
/// gets through, whichever process is asked; per e-mail address the same. (Kept in each
/// process, the same traffic gets three bursts through.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_share_one_budget() {
    let Some(db) = TestDatabase::create().await else { return };
    let Some(redis) = RedisServer::start() else { return };
    let [(ip, ..), (email, ..)] = spread_over(&db, "memory", 3).await;
    assert_eq!(
        (ip, email),
        (18, 9),
        "each process has a burst of its own (and uses it): 6 from the IP, 3 at the address"
    );
    for (through, burst, allowed) in spread_over(&db, &redis.url(), 3).await {
        assert!((burst..=allowed).contains(&through), "{through} through, one budget allows {burst} to {allowed}");
    }
}

/// The same one budget with the budgets in a Redis Cluster of three masters (each check a
/// single-key script, routed to the key's node).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_cluster_keeps_one_budget_too() {
    let Some(db) = TestDatabase::create().await else { return };
    let Some(cluster) = RedisCluster::start() else { return };
    for (through, burst, allowed) in spread_over(&db, &cluster.url(), 2).await {
        assert!((burst..=allowed).contains(&through), "{through} through, one budget allows {burst} to {allowed}");
    }
}
/// haproxy (running `docker/haproxy.cfg`) on 127.0.0.1:<port> in front of two processes.
struct Haproxy {
    addr: SocketAddr,
    child: Child,
}

impl Haproxy {
    async fn start(backends: [SocketAddr; 2]) -> Option<Self> {
        if Command::new("haproxy").arg("-v").stdout(Stdio::null()).status().is_err() {
            skip_or_fail("haproxy", "it is not installed (`just system-deps`)");
            return None;
        }
        let addr = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port");
        let config = authport_testkit::repo_root().join("docker/haproxy.cfg");
        let child = Command::new("haproxy")
            .arg("-db") // in the foreground, logging to stderr
            .arg("-f")
            .arg(&config)
            .env("HAPROXY_BIND", addr.to_string())
            .env("AUTHPORT_1", backends[0].to_string())
            .env("AUTHPORT_2", backends[1].to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("haproxy starts");
        let proxy = Self { addr, child };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !reqwest::get(format!("http://{addr}/healthz")).await.is_ok_and(|r| r.status() == 200) {
            assert!(Instant::now() < deadline, "haproxy on {addr} does not forward");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Some(proxy)
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Through a real load balancer: the client's address (from `X-Forwarded-For`, which only the
/// proxy is trusted for) is the key of one budget shared by both processes, and the proxy's own
/// address never is. The clients come from 127.0.0.2 and 127.0.0.3; the proxy is 127.0.0.1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_haproxy_each_client_has_one_budget_and_the_proxy_none() {
    let Some(db) = TestDatabase::create().await else { return };
    let Some(redis) = RedisServer::start() else { return };
    let args =
        ["--rate-limit-ip-per-minute", "3", "--rate-limit-email-per-minute", "0", "--trusted-proxy", "127.0.0.1"];
    let store = redis.url();
    let (a, b) = tokio::join!(process(&db, &store, &args), process(&db, &store, &args));
    let Some(haproxy) = Haproxy::start([a.addr, b.addr]).await else { return };
    let client_from = |last: u8| {
        let local = IpAddr::V4(Ipv4Addr::new(127, 0, 0, last));
        reqwest::Client::builder().local_address(local).build().expect("client")
    };
    let sign_up = |client: &reqwest::Client| {
        client
            .post(format!("http://{}/v1/signup", haproxy.addr))
            .json(&json!({ "email": unique_email("lb"), "password": STRONG_PASSWORD }))
    };
    let statuses = |client: reqwest::Client, attempts: usize| {
        let sign_up = &sign_up;
        async move {
            let mut statuses = Vec::new();
            for _ in 0..attempts {
                statuses.push(sign_up(&client).send().await.expect("sent").status().as_u16());
            }
            statuses
        }
    };
    let started = Instant::now();
    let first = statuses(client_from(2), 6).await;
    let second = statuses(client_from(3), 3).await;
    let one_budget = budget(3, Duration::from_secs(20), started.elapsed());
    let through = first.iter().filter(|s| **s == 201).count() as u64;
    assert!(first[..3].iter().all(|s| *s == 201) && through <= one_budget, "first client: {first:?}");
    assert!(second.iter().all(|s| *s == 201), "the second client has a budget of its own: {second:?}");
    for app in [&a, &b] {
        let refused = app.process_logs().iter().any(|line| line.contains("too_many_requests"));
        assert!(refused, "both processes answered from the one budget: {:#?}", app.process_logs());
    }
    drop(haproxy);
    a.stop().await;
    b.stop().await;
}

/// How long an answer may take while Redis fails: the store timeout, and room for a busy machine.
const FAILING_ANSWER_WITHIN: Duration = Duration::from_secs(2);

/// Redis stopped mid-run, started again, then paused (SIGSTOP) and resumed: for each failure
/// policy the answers are what it promises, none waits on Redis much longer than the store
/// timeout, `/readyz` stays ready, and the shared limits resume by themselves. Each phase's
/// client is a new address (the proxy header, from 127.0.0.1 as a trusted proxy), so each starts
/// with a whole budget.
async fn redis_outages_follow_the_failure_policy(policy: &str) {
    let Some(mut redis) = RedisServer::start() else { return };
    let args = [
        "--rate-limit-store",
        &redis.url(),
        "--rate-limit-store-timeout-ms",
        "100",
        "--rate-limit-store-failure",
        policy,
        "--rate-limit-ip-per-minute",
        "2",
        "--rate-limit-email-per-minute",
        "0",
        "--trusted-proxy",
        "127.0.0.1",
    ];
    let app = TestApp::on_memory().args(&args).process().spawn().await;
    let attempts = |client: &'static str| {
        let app = &app;
        async move {
            let mut statuses = Vec::new();
            for _ in 0..3 {
                let started = Instant::now();
                let response = app
                    .client
                    .post(app.url("/v1/login"))
                    .header("x-forwarded-for", client)
                    .json(&json!({ "email": unique_email("outage"), "password": "Wr0ng-pass!" }))
                    .send()
                    .await
                    .expect("sent");
                assert!(started.elapsed() < FAILING_ANSWER_WITHIN, "{client}: answered after {:?}", started.elapsed());
                statuses.push(response.status().as_u16());
            }
            statuses
        }
    };
    let rate_limits = || async { app.get("/readyz").await.json::<Value>().await.expect("JSON")["rate_limits"].clone() };
    let shared = [401, 401, 429];
    let failing = match policy {
        "local" => [401, 401, 429], // this process's own budget for the address
        "open" => [401, 401, 401],
        _ => [503, 503, 503],
    };

    assert_eq!(attempts("10.0.0.1").await, shared, "Redis up");
    assert_eq!(rate_limits().await, "shared");

    redis.stop();
    assert_eq!(attempts("10.0.0.2").await, failing, "Redis stopped ({policy})");
    assert_eq!(app.get("/readyz").await.status(), 200, "an outage of Redis leaves authport ready");
    assert_eq!(rate_limits().await, "failing");

    redis.start_again();
    // The store is asked again at most once a second while it fails.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(attempts("10.0.0.3").await, shared, "Redis back ({policy})");
    assert_eq!(rate_limits().await, "shared");

    redis.pause();
    assert_eq!(attempts("10.0.0.4").await, failing, "Redis frozen ({policy})");
    redis.resume();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(attempts("10.0.0.5").await, shared, "Redis thawed ({policy})");
    let outages = app.process_logs().iter().filter(|l| l.contains("the rate-limit store fails; until")).count();
    assert_eq!(outages, 2, "one line per outage: {:#?}", app.process_logs());
    let metrics = app.get("/metrics").await.text().await.expect("metrics");
    assert!(metrics.contains(r#"authport_rate_limit_store_failures_total{store="redis"}"#), "{metrics}");
    assert!(metrics.contains(r#"authport_rate_limit_store_up{store="redis"} 1"#), "{metrics}");
    app.stop().await;
}

/// The store's URL may carry a password: no log line shows it, whether Redis answers or not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stores_password_is_never_logged() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port");
    let url = format!("redis://authport:hunter2-secret@{closed}");
    let app = TestApp::on_memory()
        .args(&["--rate-limit-store", &url, "--rate-limit-ip-per-minute", "5"])
        .process()
        .spawn()
        .await;
    assert_eq!(app.log_in(&unique_email("pw"), "Wr0ng-pass!").await.status(), 401, "local limits while away");
    let logs = app.process_logs();
    assert!(logs.iter().any(|l| l.contains("authport:***@")), "the redacted URL is logged: {logs:#?}");
    assert!(logs.iter().all(|l| !l.contains("hunter2-secret")), "the password is in the log: {logs:#?}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_outage_falls_back_to_local_limits() {
    redis_outages_follow_the_failure_policy("local").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_outage_opens_the_limits_when_so_configured() {
    redis_outages_follow_the_failure_policy("open").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_outage_closes_the_limited_routes_when_so_configured() {
    redis_outages_follow_the_failure_policy("closed").await;
}

/// Over TLS (`rediss://`) the budgets are kept as in the clear, and the server's certificate is
/// checked: with its CA given (`--rate-limit-store-ca-file`) the store answers; with only the
/// system's roots, which do not know that CA, it fails — the local budgets apply and `/readyz`
/// says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_tls_the_store_is_used_only_with_a_certificate_it_can_check() {
    let Some(redis) = RedisServer::start_tls() else { return };
    let ca = redis.ca_file().and_then(|p| p.to_str()).expect("a TLS server's CA").to_owned();
    let rate = ["--rate-limit-ip-per-minute", "2", "--rate-limit-email-per-minute", "0"];
    for (with_ca, status) in [(true, "shared"), (false, "failing")] {
        let store = ["--rate-limit-store", &redis.url(), "--rate-limit-store-ca-file", &ca];
        let store = if with_ca { &store[..] } else { &store[..2] };
        let app = TestApp::on_memory().args(store).args(&rate).process().spawn().await;
        let mut statuses = Vec::new();
        for _ in 0..3 {
            statuses.push(app.log_in(&unique_email("tls"), "Wr0ng-pass!").await.status().as_u16());
        }
        assert_eq!(statuses, [401, 401, 429], "with the CA: {with_ca}");
        let ready: Value = app.get("/readyz").await.json().await.expect("JSON");
        assert_eq!(ready["rate_limits"], status, "with the CA: {with_ca}");
        app.stop().await;
    }
}
