//! Operations: liveness, readiness, metrics and the OpenAPI document.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Extension;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::openapi::{NotFound, Unavailable, MEDIA_TYPE, OPERATIONS};
use crate::{AppState, Problem};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(ready))
        .routes(routes!(metrics))
        .routes(routes!(openapi))
}

/// The OpenAPI document as served, made once when the router is built.
#[derive(Debug, Clone)]
pub(crate) struct Document(pub(crate) Bytes);

/// The process answers.
#[utoipa::path(get, path = "/health", tag = OPERATIONS,
    responses((status = 200, description = "`{\"status\": \"ok\"}`", body = Value)))]
async fn health() -> impl IntoResponse {
    axum::Json(json!({"status": "ok"}))
}

/// The database answers too.
#[utoipa::path(get, path = "/ready", tag = OPERATIONS,
    responses((status = 200, description = "`{\"status\": \"ready\"}`", body = Value), Unavailable))]
async fn ready(State(state): State<AppState>) -> Result<impl IntoResponse, Problem> {
    sqlx::query("SELECT 1").execute(state.pool()).await?;
    Ok(axum::Json(json!({"status": "ready"})))
}

/// Only for the operator: the peer address itself (never a forwarded one) must be listed in
/// [`crate::Config::metrics_from`]; anyone else learns nothing, not even that it exists.
#[utoipa::path(get, path = "/metrics", tag = OPERATIONS,
    responses(
        (status = 200, description = "Prometheus metrics, for the operator's addresses only.",
         body = String, content_type = "text/plain; version=0.0.4"),
        NotFound))]
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

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = OPERATIONS,
    responses((status = 200, description = "The OpenAPI 3.0 description of the API.",
               body = Value, content_type = MEDIA_TYPE)))]
async fn openapi(Extension(document): Extension<Document>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, MEDIA_TYPE)], document.0)
}
