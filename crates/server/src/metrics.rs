//! Prometheus metrics (`GET /metrics`, text exposition) through the `metrics` facade and
//! `metrics-exporter-prometheus`. One recorder per process (it is global), installed on first use.

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// Latency buckets in seconds: argon2 log-ins take tens of milliseconds, Cognito calls hundreds.
const LATENCY_BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// The process's recorder handle (installs the recorder the first time).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(LATENCY_BUCKETS)
            .map(PrometheusBuilder::build_recorder)
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed; /metrics shows only what reaches this one");
        }
        handle
    })
}

/// The route template for a path: one of the server's routes, else `other` (so a scan of
/// random paths cannot blow up the label set).
pub fn route_template(path: &str) -> &'static str {
    crate::http::documented_routes()
        .iter()
        .map(|(_, route)| route.as_str())
        .find(|route| *route == path)
        .unwrap_or("other")
}

/// Records one answered request.
pub fn record_request(method: &str, path: &str, status: u16, elapsed: Duration) {
    let route = route_template(path);
    let status = status.to_string();
    metrics::counter!("http_requests_total", "method" => method.to_owned(), "route" => route, "status" => status.clone())
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method.to_owned(), "route" => route)
        .record(elapsed.as_secs_f64());
    let operation = match (method, route) {
        (_, "/v1/signup") => "signup",
        (_, "/v1/login") => "login",
        (_, "/v1/password") => "change_password",
        ("DELETE", "/v1/me") => "delete_account",
        _ => return,
    };
    let outcome = match status.as_str() {
        "200" | "201" | "204" => "success",
        "401" => "invalid_credentials",
        "403" => "password_change_required",
        "409" => "user_exists",
        "422" => "rejected_input",
        "429" => "rate_limited",
        "503" => "unavailable",
        s if s.starts_with('4') => "bad_request",
        _ => "error",
    };
    metrics::counter!("authport_auth_attempts_total", "operation" => operation, "outcome" => outcome).increment(1);
}

/// One call of the Cognito API: its action (one of Cognito's, or `unknown`) and outcome (`ok`
/// or the exception's name).
pub fn cognito_api_call(action: &'static str, outcome: &'static str) {
    metrics::counter!("authport_cognito_api_calls_total", "action" => action, "outcome" => outcome).increment(1);
}
