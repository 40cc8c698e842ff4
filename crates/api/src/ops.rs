//! Operations: liveness, readiness, metrics and the OpenAPI document.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use crate::{AppState, Problem};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
}

/// The process answers.
async fn health() -> impl IntoResponse {
    axum::Json(json!({"status": "ok"}))
}

/// The database answers too.
async fn ready(State(state): State<AppState>) -> Result<impl IntoResponse, Problem> {
    sqlx::query("SELECT 1").execute(state.pool()).await?;
    Ok(axum::Json(json!({"status": "ready"})))
}

/// Only for the operator: the peer address itself (never a forwarded one) must be listed in
/// [`crate::Config::metrics_from`]; anyone else learns nothing, not even that it exists.
async fn metrics(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
) -> Result<impl IntoResponse, Problem> {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let allowed = peer.is_some_and(|ip| state.config().metrics_from.iter().any(|r| r.contains(ip)));
    if !allowed {
        return Err(Problem::not_found("no such resource"));
    }
    let pool = state.pool();
    let text = state.metrics().render(pool.size(), pool.num_idle());
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        text,
    ))
}

async fn openapi(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/vnd.oai.openapi+json;version=3.0",
        )],
        axum::Json(document(&state.config().base_url)),
    )
}

/// The OpenAPI 3 description: each part of the API contributes its paths.
pub(crate) fn document(base_url: &str) -> Value {
    let mut paths = serde_json::Map::new();
    for part in [
        ops_paths(),
        crate::features::openapi_paths(),
        crate::tiles::openapi_paths(),
        crate::fonts::openapi_paths(),
        crate::auth::openapi_paths(),
        crate::planner::openapi_paths(),
        crate::search::openapi_paths(),
        crate::reports::openapi_paths(),
    ] {
        if let Value::Object(map) = part {
            paths.extend(map);
        }
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "leerstand",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Vacancy map, plot search, citizen reports and planner workflow of the \
                            Allianz \"Thüringer Becken\" (Sömmerda, Buttstädt, Kindelbrück, Straußfurt).",
            "license": {"name": "EUPL-1.2"}
        },
        "servers": [{"url": base_url}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"}
            },
            "responses": {
                "Problem": {
                    "description": "An error as RFC 9457 problem details.",
                    "content": {"application/problem+json": {"schema": {"type": "object"}}}
                }
            }
        }
    })
}

fn ops_paths() -> Value {
    use crate::openapi::get_op;
    json!({
        "/health": get_op("The process is alive.", "application/json", json!([])),
        "/ready": get_op("The database is reachable.", "application/json", json!([])),
        "/metrics": get_op("Prometheus metrics, for the operator's addresses only (others get 404).", "text/plain", json!([])),
        "/openapi.json": get_op("This document.", "application/vnd.oai.openapi+json;version=3.0", json!([]))
    })
}
