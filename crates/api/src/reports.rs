//! Citizen reports: anyone may report a vacancy at a point inside the four towns. Reports are
//! stored as pending with the reporter's contact kept private; the public sees them only
//! after moderation, through `published.report`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::limits::RateLimited;
use crate::problem::Json;
use crate::search::unprocessable;
use crate::{AppState, Problem};

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/reports", post(report))
}

pub(crate) const CATEGORIES: &[&str] = &[
    "vacant_building",
    "vacant_plot",
    "brownfield",
    "interim_use",
    "other",
];

/// How far from the towns' parcels a report may lie, in metres.
const TOWN_MARGIN_M: f64 = 100.0;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewReport {
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
    Json(body): Json<NewReport>,
) -> Result<impl IntoResponse, Problem> {
    if !crate::features::in_window(body.lon, body.lat) {
        return Err(unprocessable("the point lies outside the four towns"));
    }
    if !CATEGORIES.contains(&body.category.as_str()) {
        return Err(unprocessable(format!(
            "category must be one of {}",
            CATEGORIES.join(", ")
        )));
    }
    let text = body.text.trim();
    if text.is_empty() || text.chars().count() > 2000 {
        return Err(unprocessable("text must have 1 to 2000 characters"));
    }
    let contact = body
        .contact
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if contact.is_some_and(|c| c.chars().count() > 200) {
        return Err(unprocessable("contact must have at most 200 characters"));
    }
    // Inside the towns means near one of their parcels; the nearest building within 30 m
    // is remembered for the moderator.
    let id: Option<i64> = sqlx::query_scalar(
        "WITH pt AS (SELECT ST_Transform(ST_SetSRID(ST_MakePoint($1, $2), 4326), 25832) AS g)
         INSERT INTO citizen_report (geom, category, body, contact, building_id)
         SELECT pt.g, $3, $4, $5,
                (SELECT b.id FROM building b WHERE ST_DWithin(b.geom, pt.g, 30)
                  ORDER BY b.geom <-> pt.g LIMIT 1)
           FROM pt
          WHERE EXISTS (SELECT 1 FROM parcel p JOIN municipality m ON m.ags = p.ags
                         WHERE ST_DWithin(p.geom, pt.g, $6))
         RETURNING id",
    )
    .bind(body.lon)
    .bind(body.lat)
    .bind(&body.category)
    .bind(text)
    .bind(contact)
    .bind(TOWN_MARGIN_M)
    .fetch_optional(state.pool())
    .await?;
    let id = id.ok_or_else(|| unprocessable("the point lies outside the four towns"))?;
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
