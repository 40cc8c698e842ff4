//! Plot search for investors over the released plots (`published.plot`), a plot's detail
//! with its suitability parts and offers, and enquiries that the town forwards to the owner
//! (the owner's contact never leaves the server).

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::limits::RateLimited;
use crate::problem::{Json, Path, Query};
use crate::public_reads::PublicRead;
use crate::{AppState, Problem};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/search/plots", get(search))
        .route("/plots/{id}", get(detail))
        .route("/offers/{id}/enquiries", post(enquire))
}

const MAX_PAGE: i64 = 100;
const PLOT_CLASSES: &[&str] = &[
    "building_gap",
    "vacant_building_plot",
    "brownfield",
    "underused",
];

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Sort {
    /// Best suitability first.
    #[default]
    Score,
    /// Largest first.
    Area,
    /// Nearest to `near` first.
    Distance,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchParams {
    /// AGS or town name.
    town: Option<String>,
    min_area: Option<f64>,
    max_area: Option<f64>,
    class: Option<String>,
    land_use: Option<String>,
    /// `lon,lat` in WGS84.
    near: Option<String>,
    max_distance_m: Option<f64>,
    min_score: Option<f64>,
    sort: Option<Sort>,
    limit: Option<i64>,
    offset: Option<i64>,
}

fn finite(
    name: &str,
    v: Option<f64>,
    range: std::ops::RangeInclusive<f64>,
) -> Result<Option<f64>, Problem> {
    match v {
        Some(x) if !x.is_finite() || !range.contains(&x) => Err(Problem::bad_request(format!(
            "{name} must be a number between {} and {}",
            range.start(),
            range.end()
        ))),
        other => Ok(other),
    }
}

/// `lon,lat` within the data window.
fn parse_point(s: &str) -> Result<(f64, f64), Problem> {
    let bad = || Problem::bad_request("near must be 'lon,lat' in degrees (WGS84)");
    let (a, b) = s.split_once(',').ok_or_else(bad)?;
    let lon: f64 = a.trim().parse().map_err(|_| bad())?;
    let lat: f64 = b.trim().parse().map_err(|_| bad())?;
    if !crate::features::in_window(lon, lat) {
        return Err(Problem::bad_request(
            "near lies outside the region of the data",
        ));
    }
    Ok((lon, lat))
}

fn text_param(name: &str, v: Option<String>) -> Result<Option<String>, Problem> {
    match v {
        Some(s) if s.len() > 100 => Err(Problem::bad_request(format!("{name} is too long"))),
        Some(s) if s.is_empty() => Ok(None),
        other => Ok(other),
    }
}

/// The properties every search hit and plot detail carry.
const PLOT_PROPERTIES: &str =
    "'kennzeichen', p.kennzeichen, 'class', p.class, 'area_m2', round(p.area_m2::numeric, 1), \
     'land_use', p.land_use, 'ags', p.ags, 'town', p.town, 'district', p.district, \
     'last_verified', p.last_verified, 'suitability', round(p.suitability::numeric, 3), \
     'offer_id', (SELECT min(o.id) FROM published.offer o WHERE o.parcel = p.id)";

async fn search(Query(params): Query<SearchParams>, read: PublicRead) -> Result<Response, Problem> {
    let min_area = finite("min_area", params.min_area, 0.0..=1e9)?;
    let max_area = finite("max_area", params.max_area, 0.0..=1e9)?;
    let max_distance = finite("max_distance_m", params.max_distance_m, 0.0..=100_000.0)?;
    let min_score = finite("min_score", params.min_score, 0.0..=1.0)?;
    let class = text_param("class", params.class)?;
    if let Some(c) = &class {
        if !PLOT_CLASSES.contains(&c.as_str()) {
            return Err(Problem::bad_request(format!(
                "class must be one of {}",
                PLOT_CLASSES.join(", ")
            )));
        }
    }
    let town = text_param("town", params.town)?;
    let land_use = text_param("land_use", params.land_use)?;
    let near = params.near.as_deref().map(parse_point).transpose()?;
    let sort = params.sort.unwrap_or_default();
    if near.is_none() && (max_distance.is_some() || matches!(sort, Sort::Distance)) {
        return Err(Problem::bad_request(
            "max_distance_m and sort=distance need near=lon,lat",
        ));
    }
    let limit = params.limit.unwrap_or(20);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Problem::bad_request(format!(
            "limit must be between 1 and {MAX_PAGE}"
        )));
    }
    let offset = params.offset.unwrap_or(0);
    let max_offset = crate::features::MAX_OFFSET;
    if !(0..=max_offset).contains(&offset) {
        return Err(Problem::bad_request(format!(
            "offset must be between 0 and {max_offset}; narrow the search instead"
        )));
    }
    let order = match sort {
        Sort::Score => "p.suitability DESC NULLS LAST, p.area_m2 DESC",
        Sort::Area => "p.area_m2 DESC",
        Sort::Distance => "distance_m",
    };
    let sql = format!(
        "WITH q AS (
             SELECT CASE WHEN $6::float8 IS NULL THEN NULL
                         ELSE ST_Transform(ST_SetSRID(ST_MakePoint($6, $7), 4326), 25832) END AS pt
         ), hits AS (
             SELECT p.*, round(ST_Distance(p.geom, q.pt)::numeric, 0) AS distance_m,
                    count(*) OVER () AS matched
               FROM published.plot p, q
              WHERE ($1::text IS NULL OR p.ags = $1 OR p.town = $1)
                AND ($2::float8 IS NULL OR p.area_m2 >= $2)
                AND ($3::float8 IS NULL OR p.area_m2 <= $3)
                AND ($4::text IS NULL OR p.class = $4)
                AND ($5::text IS NULL OR p.land_use = $5)
                AND ($8::float8 IS NULL OR ST_DWithin(p.geom, q.pt, $8))
                AND ($9::float8 IS NULL OR p.suitability >= $9)
              ORDER BY {order}, p.id
              LIMIT $10 OFFSET $11
         )
         SELECT '{{\"type\":\"Feature\",\"id\":' || to_json(p.id)::text ||
                ',\"geometry\":' || ST_AsGeoJSON(ST_Transform(p.geom, 4326), 7) ||
                ',\"properties\":' || (jsonb_build_object({PLOT_PROPERTIES})
                                       || jsonb_build_object('distance_m', p.distance_m))::text || '}}',
                p.matched
           FROM hits p
          ORDER BY {order}, p.id"
    );
    let rows: Vec<(String, i64)> = sqlx::query_as(&sql)
        .bind(&town)
        .bind(min_area)
        .bind(max_area)
        .bind(&class)
        .bind(&land_use)
        .bind(near.map(|p| p.0))
        .bind(near.map(|p| p.1))
        .bind(max_distance)
        .bind(min_score)
        .bind(limit)
        .bind(offset)
        .fetch_all(read.pool())
        .await
        .map_err(|e| read.problem(e))?;
    // The count rides on each row; a page past the end has none, so the count is unknown.
    let matched = match rows.first() {
        Some((_, m)) => Some(*m),
        None if offset > 0 => None,
        None => Some(0),
    };
    let features: Vec<String> = rows.into_iter().map(|(f, _)| f).collect();
    Ok(crate::features::feature_collection(&features, matched))
}

async fn detail(Path(id): Path<String>, read: PublicRead) -> Result<Response, Problem> {
    if id.len() > 32 {
        return Err(Problem::not_found("no such plot"));
    }
    let sql = format!(
        "SELECT '{{\"type\":\"Feature\",\"id\":' || to_json(p.id)::text ||
                ',\"geometry\":' || ST_AsGeoJSON(ST_Transform(p.geom, 4326), 7) ||
                ',\"properties\":' || (jsonb_build_object({PLOT_PROPERTIES})
                  || jsonb_build_object(
                       'suitability_parts', coalesce(p.suitability_parts, '[]'::jsonb),
                       'offers', coalesce((SELECT jsonb_agg(jsonb_build_object(
                                      'id', o.id, 'kind', o.kind, 'title', o.title,
                                      'description', o.description, 'price_eur', o.price_eur,
                                      'zoning_note', o.zoning_note) ORDER BY o.id)
                                    FROM published.offer o WHERE o.parcel = p.id), '[]'::jsonb)))::text || '}}'
             AS body, p.area_m2::float8 AS area_m2, {LAND_VALUE_FIELDS}
           FROM published.plot p WHERE p.id = $1"
    );
    let found: Option<DetailRow> = sqlx::query_as(&sql)
        .bind(&id)
        .fetch_optional(read.pool())
        .await
        .map_err(|e| read.problem(e))?;
    let row = found.ok_or_else(|| Problem::not_found(format!("no public plot {id:?}")))?;
    let mut feature: Value = serde_json::from_str(&row.body).map_err(|e| {
        tracing::error!(error = %e, "a plot's detail is no JSON");
        Problem::internal()
    })?;
    if let Some(props) = feature.get_mut("properties").and_then(Value::as_object_mut) {
        props.insert(
            "land_value".into(),
            row.land_value.json(row.area_m2.unwrap_or(0.0)),
        );
    }
    Ok((
        [(header::CONTENT_TYPE, "application/geo+json")],
        feature.to_string(),
    )
        .into_response())
}

#[derive(Debug, sqlx::FromRow)]
struct DetailRow {
    body: String,
    area_m2: Option<f64>,
    #[sqlx(flatten)]
    land_value: LandValue,
}

/// The columns of `published.plot` that carry the land value of the plot's zone.
pub(crate) const LAND_VALUE_FIELDS: &str =
    "land_value_eur_m2, land_value_date, land_value_use, land_value_zone";

/// The land value (Bodenrichtwert) of a plot's zone, as `published.plot` carries it.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct LandValue {
    pub land_value_eur_m2: Option<f64>,
    pub land_value_date: Option<chrono::NaiveDate>,
    pub land_value_use: Option<String>,
    pub land_value_zone: Option<String>,
}

impl LandValue {
    /// The German name of the zone's use, the code itself when it has none.
    pub fn use_name(&self) -> Option<&str> {
        self.land_value_use
            .as_deref()
            .map(|c| model::land_value::use_name(c).unwrap_or(c))
    }

    /// The indicative price of a plot of `area_m2` (area × value, rounded; no valuation).
    pub fn indicative_price(&self, area_m2: f64) -> Option<f64> {
        model::land_value::indicative_price_eur(area_m2, self.land_value_eur_m2?)
    }

    /// `land_value` of a plot's detail: `null` when no zone holds the plot.
    fn json(&self, area_m2: f64) -> Value {
        let Some(value) = self.land_value_eur_m2 else {
            return Value::Null;
        };
        json!({
            "eur_m2": value,
            "stichtag": self.land_value_date,
            "use": self.land_value_use,
            "use_name": self.use_name(),
            "zone": self.land_value_zone,
            "indicative_price_eur": self.indicative_price(area_m2),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Enquiry {
    message: String,
    contact: String,
}

/// An investor's enquiry about a published offer; stored for the town to forward.
async fn enquire(
    State(state): State<AppState>,
    Path(offer): Path<i64>,
    _limit: RateLimited,
    Json(body): Json<Enquiry>,
) -> Result<impl IntoResponse, Problem> {
    let id = workflow::offers::enquire(state.pool(), offer, &body.message, &body.contact).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": id, "status": "received"})),
    ))
}

pub(crate) fn unprocessable(detail: impl Into<String>) -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Unprocessable content",
        detail,
    )
}

pub(crate) fn openapi_paths() -> Value {
    let q = |name: &str, kind: &str| json!({"name": name, "in": "query", "required": false, "schema": {"type": kind}});
    json!({
        "/search/plots": crate::openapi::get_op(
            "Search released plots by town, area, class, land use, distance and suitability.",
            "application/geo+json",
            json!([q("town", "string"), q("min_area", "number"), q("max_area", "number"),
                   {"name": "class", "in": "query", "schema": {"type": "string", "enum": PLOT_CLASSES}},
                   q("land_use", "string"), q("near", "string"), q("max_distance_m", "number"),
                   q("min_score", "number"),
                   {"name": "sort", "in": "query", "schema": {"type": "string", "enum": ["score", "area", "distance"]}},
                   q("limit", "integer"), q("offset", "integer")])),
        "/plots/{id}": crate::openapi::get_op("A released plot with suitability parts and offers.",
            "application/geo+json",
            json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}])),
        "/offers/{id}/enquiries": {"post": {
            "summary": "Send an enquiry about a published offer; the town forwards it to the owner.",
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
            "requestBody": {"content": {"application/json": {"schema": {"type": "object",
                "required": ["message", "contact"], "additionalProperties": false,
                "properties": {"message": {"type": "string", "maxLength": 4000},
                               "contact": {"type": "string", "maxLength": 200}}}}}},
            "responses": {"201": {"description": "Received."},
                          "404": {"$ref": "#/components/responses/Problem"},
                          "422": {"$ref": "#/components/responses/Problem"},
                          "429": {"$ref": "#/components/responses/Problem"}}}}
    })
}
