//! Request counters per route and status, served as Prometheus text at `/metrics`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

#[derive(Debug, Default)]
pub(crate) struct Metrics {
    /// (route, status) → (requests, seconds)
    requests: Mutex<BTreeMap<(String, u16), (u64, f64)>>,
    pub(crate) tile_hits: AtomicU64,
    pub(crate) tile_misses: AtomicU64,
}

/// Middleware: counts each request under its route pattern (never the raw path, which a
/// client could vary without end).
pub(crate) async fn record(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    let mut requests = state
        .metrics()
        .requests
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let entry = requests
        .entry((route, response.status().as_u16()))
        .or_default();
    entry.0 += 1;
    entry.1 += seconds;
    response
}

impl Metrics {
    pub(crate) fn render(&self, pool_size: u32, pool_idle: usize) -> String {
        let mut out = String::new();
        out.push_str("# HELP leerstand_http_requests_total Requests by route and status.\n");
        out.push_str("# TYPE leerstand_http_requests_total counter\n");
        let requests = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        for ((route, status), (count, _)) in requests.iter() {
            let _ = writeln!(
                out,
                "leerstand_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {count}"
            );
        }
        out.push_str("# HELP leerstand_http_request_seconds_total Time spent answering.\n");
        out.push_str("# TYPE leerstand_http_request_seconds_total counter\n");
        for ((route, status), (_, seconds)) in requests.iter() {
            let _ = writeln!(
                out,
                "leerstand_http_request_seconds_total{{route=\"{route}\",status=\"{status}\"}} {seconds:.6}"
            );
        }
        let hits = self.tile_hits.load(Ordering::Relaxed);
        let misses = self.tile_misses.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "# TYPE leerstand_tile_cache_hits_total counter\nleerstand_tile_cache_hits_total {hits}"
        );
        let _ = writeln!(
            out,
            "# TYPE leerstand_tile_cache_misses_total counter\nleerstand_tile_cache_misses_total {misses}"
        );
        let _ = writeln!(
            out,
            "# TYPE leerstand_db_connections gauge\nleerstand_db_connections{{state=\"open\"}} {pool_size}\nleerstand_db_connections{{state=\"idle\"}} {pool_idle}"
        );
        out
    }
}
