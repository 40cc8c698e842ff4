//! Citizen reports: anyone may report a vacancy at a point inside the four towns. Reports are
//! stored as pending by [`workflow::reports::submit`], with the reporter's contact kept
//! private; the public sees them only after moderation, through `published.report`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use workflow::reports::{NewReport, CATEGORIES};

use crate::limits::RateLimited;
use crate::problem::Json;
use crate::search::unprocessable;
use crate::{AppState, Problem};

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/reports", post(report))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportBody {
    lon: f64,
    lat: f64,
    category: String,
    text: String,
    #[serde(default)]
    contact: Option<String>,
}

async fn report(
    State(state): State<AppState>,
    _limit: RateLimited,
    Json(body): Json<ReportBody>,
) -> Result<impl IntoResponse, Problem> {
    if !crate::features::in_window(body.lon, body.lat) {
        return Err(unprocessable("the point lies outside the four towns"));
    }
    let report = NewReport {
        lon: body.lon,
        lat: body.lat,
        category: &body.category,
        text: &body.text,
        contact: body.contact.as_deref(),
    };
    let id = workflow::reports::submit(state.pool(), &report).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": id, "status": "pending"})),
    ))
}

pub(crate) fn openapi_paths() -> Value {
    json!({
        "/reports": {"post": {
            "summary": "Report a vacancy; published only after moderation, without personal data.",
            "requestBody": {"content": {"application/json": {"schema": {"type": "object",
                "required": ["lon", "lat", "category", "text"], "additionalProperties": false,
                "properties": {"lon": {"type": "number"}, "lat": {"type": "number"},
                               "category": {"type": "string", "enum": CATEGORIES},
                               "text": {"type": "string", "maxLength": 2000},
                               "contact": {"type": "string", "maxLength": 200}}}}}},
            "responses": {"201": {"description": "Stored as pending."},
                          "413": {"$ref": "#/components/responses/Problem"},
                          "422": {"$ref": "#/components/responses/Problem"},
                          "429": {"$ref": "#/components/responses/Problem"}}}}
    })
}
