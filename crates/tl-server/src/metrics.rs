//! Prometheus metrics: a request counter and a latency histogram per route
//! (the route pattern, such as `/api/teams/{id}`, so that ids do not explode
//! the label set), rendered by our own `/metrics` route. The recorder is
//! process-wide, as the `metrics` facade wants; every `app()` shares it.

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

const BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// Installs the recorder once. If another recorder was installed first,
/// metrics are not collected and `/metrics` says so.
pub fn init() {
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new().set_buckets(BUCKETS).ok()?;
        match builder.install_recorder() {
            Ok(handle) => Some(handle),
            Err(e) => {
                tracing::warn!("metrics are off: {e}");
                None
            }
        }
    });
}

/// The metrics in Prometheus' text format.
pub fn render() -> String {
    init();
    match HANDLE.get() {
        Some(Some(handle)) => handle.render(),
        _ => "# metrics are not available in this process\n".to_string(),
    }
}

/// Middleware: counts requests and times them, per method, route and status.
pub async fn track(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let route =
        request.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = request.method().as_str().to_string();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let seconds = start.elapsed().as_secs_f64();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route).record(seconds);
    response
}
