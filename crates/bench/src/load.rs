//! The load generator: keep-alive HTTP/1.1 connections (hyper), a closed loop at a fixed
//! number of connections, and a paced probe whose latencies are measured from the moment each
//! request was *due* whenever a slow answer held it back (no coordinated omission: a stalled
//! server cannot hide its stall by holding the probe back), else from when it was sent.
//! Latencies go into HDR histograms (µs, 3 significant digits).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::time::Instant;

/// One keep-alive HTTP/1.1 connection to authport.
#[derive(Debug)]
pub struct Connection {
    addr: SocketAddr,
    sender: http1::SendRequest<Full<Bytes>>,
}

impl Connection {
    pub async fn open(addr: SocketAddr) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(addr).await.with_context(|| format!("connect to {addr}"))?;
        stream.set_nodelay(true)?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Self { addr, sender })
    }

    /// Sends `call` and reads the whole answer.
    pub async fn send(&mut self, call: &Call) -> anyhow::Result<(StatusCode, Bytes)> {
        if self.sender.is_closed() {
            *self = Self::open(self.addr).await?;
        }
        self.sender.ready().await?;
        let response = self.sender.send_request(call.request(self.addr)?).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }
}

/// A request to repeat: method, path, optional bearer token, JSON body and further headers.
#[derive(Debug, Clone)]
pub struct Call {
    method: Method,
    path: String,
    bearer: Option<String>,
    body: Option<Bytes>,
    content_type: &'static str,
    headers: Vec<(&'static str, String)>,
}

impl Call {
    pub fn get(path: &str) -> Self {
        Self {
            method: Method::GET,
            path: path.to_owned(),
            bearer: None,
            body: None,
            content_type: "application/json",
            headers: Vec::new(),
        }
    }

    pub fn get_with_bearer(path: &str, token: &str) -> Self {
        Self { bearer: Some(token.to_owned()), ..Self::get(path) }
    }

    pub fn post_json(path: &str, body: &serde_json::Value) -> Self {
        Self { method: Method::POST, body: Some(Bytes::from(body.to_string())), ..Self::get(path) }
    }

    /// A call of Cognito's wire protocol (AWS JSON 1.1): `POST /`, the action in `X-Amz-Target`,
    /// and an `Authorization` header shaped like the SDKs' (test credentials, `us-east-1`), which
    /// emulators read the region from; nobody here checks its signature.
    pub fn cognito(action: &str, body: &serde_json::Value) -> Self {
        let credential = "Credential=test/20260101/us-east-1/cognito-idp/aws4_request";
        Self {
            content_type: "application/x-amz-json-1.1",
            headers: vec![
                ("x-amz-target", format!("AWSCognitoIdentityProviderService.{action}")),
                ("x-amz-date", "20260101T000000Z".to_owned()),
                (
                    "authorization",
                    format!(
                        "AWS4-HMAC-SHA256 {credential}, SignedHeaders=host;x-amz-date;x-amz-target, Signature={}",
                        "0".repeat(64)
                    ),
                ),
            ],
            ..Self::post_json("/", body)
        }
    }

    fn request(&self, addr: SocketAddr) -> anyhow::Result<Request<Full<Bytes>>> {
        let mut request =
            Request::builder().method(self.method.clone()).uri(&self.path).header("host", addr.to_string());
        if let Some(token) = &self.bearer {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        for (name, value) in &self.headers {
            request = request.header(*name, value);
        }
        let body = match &self.body {
            Some(body) => {
                request = request.header("content-type", self.content_type);
                body.clone()
            }
            None => Bytes::new(),
        };
        Ok(request.body(Full::new(body))?)
    }
}

/// When a phase runs: `warmup` first (answers not counted), then `measure`.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub warmup: Duration,
    pub measure: Duration,
}

/// What a phase measured: answers that completed inside the measurement window.
#[derive(Debug)]
pub struct LoadResult {
    /// Answers with the expected status.
    pub completed: u64,
    /// Anything else: other statuses (by code) and transport errors (`"error"`).
    pub unexpected: BTreeMap<String, u64>,
    /// Latency of the expected answers, µs.
    pub latency_us: Histogram<u64>,
    pub measured: Duration,
}

impl LoadResult {
    /// Nothing measured yet: the start of a sum of [`absorb`](Self::absorb)ed phases.
    pub fn empty() -> Self {
        Self::new(Duration::ZERO)
    }

    /// Adds a later phase: its answers, latencies and measured time.
    pub fn absorb(&mut self, later: Self) {
        self.measured += later.measured;
        self.merge(later);
    }

    fn new(measured: Duration) -> Self {
        Self {
            completed: 0,
            unexpected: BTreeMap::new(),
            latency_us: Histogram::new_with_bounds(1, 120_000_000, 3).expect("static histogram bounds"),
            measured,
        }
    }

    pub fn per_second(&self) -> f64 {
        self.completed as f64 / self.measured.as_secs_f64()
    }

    /// A latency quantile in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        self.latency_us.value_at_quantile(q) as f64 / 1000.0
    }

    /// Fails when anything but the expected status came back: the figures would mean nothing.
    pub fn ensure_clean(&self, what: &str) -> anyhow::Result<()> {
        anyhow::ensure!(self.unexpected.is_empty(), "{what}: unexpected answers {:?}", self.unexpected);
        anyhow::ensure!(self.completed > 0, "{what}: no request completed in the measurement window");
        Ok(())
    }

    fn merge(&mut self, other: Self) {
        self.completed += other.completed;
        for (key, n) in other.unexpected {
            *self.unexpected.entry(key).or_default() += n;
        }
        self.latency_us.add(other.latency_us).expect("same histogram bounds");
    }

    fn record(&mut self, outcome: anyhow::Result<StatusCode>, expect: StatusCode, latency: Duration) {
        match outcome {
            Ok(status) if status == expect => {
                self.completed += 1;
                self.latency_us.saturating_record(latency.as_micros().max(1) as u64);
            }
            Ok(status) => *self.unexpected.entry(status.as_u16().to_string()).or_default() += 1,
            Err(_) => *self.unexpected.entry("error".into()).or_default() += 1,
        }
    }
}

/// `connections` connections each send `call` back to back for the whole window; the
/// throughput is what completed during `window.measure`.
pub async fn closed_loop(
    addr: SocketAddr,
    connections: usize,
    window: Window,
    call: Call,
    expect: StatusCode,
) -> anyhow::Result<LoadResult> {
    let start = Instant::now();
    let measure_from = start + window.warmup;
    let end = measure_from + window.measure;
    let mut workers = Vec::with_capacity(connections);
    for _ in 0..connections {
        let mut connection = Connection::open(addr).await?;
        let call = call.clone();
        workers.push(tokio::spawn(async move {
            let mut result = LoadResult::new(window.measure);
            loop {
                let sent = Instant::now();
                if sent >= end {
                    break;
                }
                let outcome = connection.send(&call).await.map(|(status, _)| status);
                let done = Instant::now();
                if done >= measure_from && done <= end {
                    result.record(outcome, expect, done - sent);
                }
            }
            result
        }));
    }
    let mut total = LoadResult::new(window.measure);
    for worker in workers {
        total.merge(worker.await?);
    }
    Ok(total)
}

/// One connection sends `call` at a fixed `rate` per second for the whole window; a request
/// held back by a slow answer counts its latency from when it was due, so time spent waiting
/// behind a slow answer counts. Requests due during `window.measure` are recorded.
pub async fn paced_probe(
    addr: SocketAddr,
    rate: u32,
    window: Window,
    call: Call,
    expect: StatusCode,
) -> anyhow::Result<LoadResult> {
    let mut connection = Connection::open(addr).await?;
    let interval = Duration::from_secs(1) / rate.max(1);
    let start = Instant::now();
    let measure_from = start + window.warmup;
    let end = measure_from + window.measure;
    let mut result = LoadResult::new(window.measure);
    let mut due = start;
    let mut previous_done = start;
    while due < end {
        tokio::time::sleep_until(due).await;
        let sent = Instant::now();
        let outcome = connection.send(&call).await.map(|(status, _)| status);
        let done = Instant::now();
        // Held back by a slow previous answer: from when it was due (no coordinated omission).
        // Otherwise from when it was sent: tokio's timer wakes up to a millisecond after `due`,
        // and the server cannot be slow to answer a request it has not been sent yet.
        let from = if previous_done > due { due } else { sent };
        if due >= measure_from {
            result.record(outcome, expect, done - from);
        }
        previous_done = done;
        due += interval;
    }
    Ok(result)
}
