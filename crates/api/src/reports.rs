//! Citizen reports: anyone may report a vacancy at a point inside the four towns. Reports are
//! stored as pending by [`workflow::reports::submit`], with the reporter's contact kept
//! private; the public sees them only after moderation, through `published.report`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use workflow::reports::{NewReport, CATEGORIES};

use crate::limits::RateLimited;
use crate::openapi::{
    BadRequest, TooLarge, TooManyRequests, Unavailable, Unprocessable, UnsupportedMediaType,
    REPORTS,
};
use crate::problem::Json;
use crate::search::unprocessable;
use crate::{AppState, Problem};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(report))
}

/// A citizen's report of a vacancy.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ReportBody {
    /// Longitude (WGS84); the point must lie in the four towns.
    lon: f64,
    /// Latitude (WGS84).
    lat: f64,
    #[schema(schema_with = category_schema)]
    category: String,
    /// What the citizen saw (1 to 2000 characters).
    #[schema(min_length = 1, max_length = 2000)]
    text: String,
    /// How the town may reach the reporter; never published.
    #[serde(default)]
    #[schema(max_length = 200)]
    contact: Option<String>,
}

/// The categories of [`workflow::reports::CATEGORIES`].
fn category_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(CATEGORIES.iter().copied()))
        .build()
}

/// The answer to a stored report.
#[derive(Debug, serde::Serialize, ToSchema)]
#[allow(dead_code)]
pub(crate) struct Stored {
    id: i64,
    /// `pending` (reports) or `received` (enquiries).
    status: String,
}

/// Report a vacancy; it is published only after moderation, without personal data.
#[utoipa::path(post, path = "/reports", tag = REPORTS, request_body = ReportBody,
    responses((status = 201, description = "Stored as pending.", body = Stored),
              BadRequest, TooLarge, UnsupportedMediaType, Unprocessable, TooManyRequests, Unavailable))]
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
