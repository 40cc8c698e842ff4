//! Plot search for investors over the released plots (`published.plot`), a plot's detail
//! with its suitability parts and offers, and enquiries that the town forwards to the owner
//! (the owner's contact never leaves the server).

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::limits::RateLimited;
use crate::openapi::{
    BadRequest, NotFound, TooLarge, TooManyRequests, Unavailable, Unprocessable,
    UnsupportedMediaType, SEARCH,
};
use crate::problem::{Json, Path, Query};
use crate::public_reads::PublicRead;
use crate::{AppState, Problem};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search))
        .routes(routes!(search_addresses))
        .routes(routes!(detail))
        .routes(routes!(enquire))
}

const MAX_PAGE: i64 = 100;
const PLOT_CLASSES: &[&str] = &[
    "building_gap",
    "vacant_building_plot",
    "brownfield",
    "underused",
];

#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
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

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct SearchParams {
    /// AGS or town name.
    #[param(max_length = 100)]
    town: Option<String>,
    /// Smallest area in m².
    #[param(minimum = 0, maximum = 1e9)]
    min_area: Option<f64>,
    /// Largest area in m².
    #[param(minimum = 0, maximum = 1e9)]
    max_area: Option<f64>,
    /// The plot's class.
    #[param(schema_with = plot_class_schema)]
    class: Option<String>,
    /// The land use (ALKIS), as the plots show it.
    #[param(max_length = 100)]
    land_use: Option<String>,
    /// `lon,lat` in WGS84, within the region of the data.
    #[param(pattern = "^ *-?[0-9]+(\\.[0-9]+)? *, *-?[0-9]+(\\.[0-9]+)? *$")]
    near: Option<String>,
    /// At most this far from `near`, in metres.
    #[param(minimum = 0, maximum = 100_000)]
    max_distance_m: Option<f64>,
    /// Smallest suitability score.
    #[param(minimum = 0, maximum = 1)]
    min_score: Option<f64>,
    /// The order of the hits; `distance` needs `near`.
    #[param(inline)]
    sort: Option<Sort>,
    /// Hits per page (default 20).
    #[param(minimum = 1, maximum = 100, default = 20)]
    limit: Option<i64>,
    /// Hits skipped.
    #[param(minimum = 0, maximum = 1_000_000, default = 0)]
    offset: Option<i64>,
}

/// [`PLOT_CLASSES`] as a schema.
fn plot_class_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(PLOT_CLASSES.iter().copied()))
        .build()
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

/// Search the released plots by town, area, class, land use, distance and suitability.
#[utoipa::path(get, path = "/search/plots", tag = SEARCH, params(SearchParams),
    responses((status = 200, description = "A FeatureCollection of plots with numberMatched (when known) and numberReturned.",
               body = Value, content_type = "application/geo+json"),
              BadRequest, TooManyRequests, Unavailable))]
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

/// A released plot with its suitability parts and published offers.
#[utoipa::path(get, path = "/plots/{id}", tag = SEARCH,
    params(("id" = String, Path, description = "The plot's id (its Flurstückskennzeichen).")),
    responses((status = 200, description = "A Feature.", body = Value, content_type = "application/geo+json"),
              BadRequest, NotFound, TooManyRequests, Unavailable))]
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

/// An investor's enquiry.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Enquiry {
    /// The question to the owner (1 to 4000 characters).
    #[schema(min_length = 1, max_length = 4000)]
    message: String,
    /// How the owner may answer (3 to 200 characters).
    #[schema(min_length = 3, max_length = 200)]
    contact: String,
}

/// An investor's enquiry about a published offer; stored for the town to forward.
#[utoipa::path(post, path = "/offers/{id}/enquiries", tag = SEARCH,
    params(("id" = i64, Path, description = "The published offer.")),
    request_body = Enquiry,
    responses((status = 201, description = "Received.", body = crate::reports::Stored),
              BadRequest, NotFound, TooLarge, UnsupportedMediaType, Unprocessable, TooManyRequests,
              Unavailable))]
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

/// Hits of the address search: 10 unless asked, at most 20.
const ADDRESS_LIMIT: std::ops::RangeInclusive<i64> = 1..=20;
const ADDRESS_DEFAULT_LIMIT: i64 = 10;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct AddressParams {
    /// Street, house number, postcode, town or Ortsteil in any order ("Marktpl 15, Sömmerda").
    #[param(required = true, min_length = 2, max_length = 100)]
    q: Option<String>,
    /// Hits at most (default 10).
    #[param(minimum = 1, maximum = 20, default = 10)]
    limit: Option<i64>,
}

/// A town or Ortsteil the search text may name.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Place {
    name: String,
    ags: String,
    /// `None` for the town itself.
    district: Option<i64>,
}

/// What the search text asks for: a street (normalised like the stored `street_key`), maybe
/// a house number, a postcode and a town or Ortsteil.
#[derive(Debug, Default, PartialEq, Eq)]
struct AddressQuery {
    street: String,
    number: Option<i32>,
    suffix: String,
    postcode: Option<String>,
    place: Option<Place>,
}

/// Lower case without umlauts and ß, so "Soemmerda", "sömmerda" and "Sömmerda" compare equal.
fn fold(s: &str) -> String {
    s.to_lowercase()
        .replace('ä', "ae")
        .replace('ö', "oe")
        .replace('ü', "ue")
        .replace('ß', "ss")
}

/// Checks the search text: 2 to 100 characters, no control characters.
fn address_text(q: Option<&str>) -> Result<&str, Problem> {
    let q = q.unwrap_or("").trim();
    let n = q.chars().count();
    if !(2..=100).contains(&n) {
        return Err(Problem::bad_request(
            "q must hold 2 to 100 characters, e.g. q=Marktplatz 15, Sömmerda",
        ));
    }
    if q.chars().any(char::is_control) {
        return Err(Problem::bad_request(
            "q must not contain control characters",
        ));
    }
    Ok(q)
}

/// Splits "Marktplatz 15a, Sömmerda", "kindelbrück lange str" or "Marktpl 15 b" into street,
/// house number, postcode and place. A place is only taken out when a street remains.
fn parse_address_query(q: &str, places: &[Place]) -> Result<AddressQuery, Problem> {
    let mut tokens: Vec<String> = q
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    let mut out = AddressQuery::default();

    // The longest run of up to three words that names a place; towns before Ortsteile.
    'runs: for len in (1..=3.min(tokens.len())).rev() {
        for start in 0..=tokens.len() - len {
            let run = fold(&tokens[start..start + len].join(" "));
            let found = places
                .iter()
                .filter(|p| fold(&p.name) == run)
                .min_by_key(|p| p.district.is_some());
            let rest_has_street = tokens.iter().enumerate().any(|(i, t)| {
                !(start..start + len).contains(&i) && !t.starts_with(|c: char| c.is_ascii_digit())
            });
            if let (Some(place), true) = (found, rest_has_street) {
                out.place = Some(place.clone());
                tokens.drain(start..start + len);
                break 'runs;
            }
        }
    }

    let mut street = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        if t.len() == 5 && t.chars().all(|c| c.is_ascii_digit()) {
            out.postcode = Some(t.clone());
        } else if t.starts_with(|c: char| c.is_ascii_digit()) && out.number.is_none() {
            // "15", "15a", "15 a": a single letter after the number belongs to it.
            let mut text = t.clone();
            if let Some(next) = tokens.get(i + 1) {
                if next.chars().count() == 1 && next.chars().all(char::is_alphabetic) {
                    text.push_str(next);
                    i += 1;
                }
            }
            let number: model::HouseNumber = text.parse().map_err(|_| {
                Problem::bad_request(format!("{t:?} is no house number (e.g. 15 or 15a)"))
            })?;
            out.number = Some(i32::try_from(number.number).map_err(|_| {
                Problem::bad_request(format!("{t:?} is no house number (e.g. 15 or 15a)"))
            })?);
            out.suffix = number.suffix.unwrap_or_default();
        } else {
            street.push(t.as_str());
        }
        i += 1;
    }
    out.street = model::normalize_street(&street.join(" "));
    if out.street.chars().count() < 2 {
        return Err(Problem::bad_request(
            "q must name a street, e.g. q=Marktplatz 15",
        ));
    }
    Ok(out)
}

/// Address search for the map: the ALKIS addresses nearest to the text, typos forgiven
/// (trigram word similarity over the normalised street). The exact street with the house
/// number comes first, then by similarity; town, Ortsteil and postcode in the text narrow.
#[utoipa::path(get, path = "/search/addresses", tag = SEARCH, params(AddressParams),
    responses((status = 200, description = "A FeatureCollection of address points with street, house number, postcode, town and Ortsteil; the exact street and number first.",
               body = Value, content_type = "application/geo+json"),
              BadRequest, TooManyRequests, Unavailable))]
async fn search_addresses(
    Query(params): Query<AddressParams>,
    read: PublicRead,
) -> Result<Response, Problem> {
    let q = address_text(params.q.as_deref())?;
    let limit = params.limit.unwrap_or(ADDRESS_DEFAULT_LIMIT);
    if !ADDRESS_LIMIT.contains(&limit) {
        return Err(Problem::bad_request(format!(
            "limit must be between {} and {}",
            ADDRESS_LIMIT.start(),
            ADDRESS_LIMIT.end()
        )));
    }
    let places: Vec<(String, String, Option<i64>)> = sqlx::query_as(
        "SELECT name, ags::text, NULL::bigint FROM municipality
         UNION ALL SELECT name, ags::text, id FROM district",
    )
    .fetch_all(read.pool())
    .await
    .map_err(|e| read.problem(e))?;
    let places: Vec<Place> = places
        .into_iter()
        .map(|(name, ags, district)| Place {
            name,
            ags,
            district,
        })
        .collect();
    let query = parse_address_query(q, &places)?;
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT '{\"type\":\"Feature\",\"id\":' || a.id ||
                ',\"geometry\":' || ST_AsGeoJSON(ST_Transform(a.geom, 4326), 7) ||
                ',\"properties\":' || jsonb_build_object(
                    'street', a.street,
                    'house_number', a.house_number::text || a.house_suffix,
                    'postcode', a.postcode, 'ags', a.ags, 'town', a.town,
                    'district', a.district)::text || '}'
           FROM published.address a
          WHERE $1 <% a.street_key
            AND ($2::text IS NULL OR a.ags = $2)
            AND ($3::bigint IS NULL OR a.district_id = $3)
            AND ($4::text IS NULL OR a.postcode = $4)
          ORDER BY (a.street_key = $1 AND a.house_number = $5 AND a.house_suffix = $6) IS TRUE DESC,
                   word_similarity($1, a.street_key) DESC,
                   (a.house_number = $5 AND a.house_suffix = $6) IS TRUE DESC,
                   similarity($1, a.street_key) DESC,
                   abs(a.house_number - coalesce($5, 0)),
                   a.street, a.house_number, a.house_suffix, a.id
          LIMIT $7",
    )
    .bind(&query.street)
    .bind(query.place.as_ref().map(|p| p.ags.clone()))
    .bind(query.place.as_ref().and_then(|p| p.district))
    .bind(&query.postcode)
    .bind(query.number)
    .bind(&query.suffix)
    .bind(limit)
    .fetch_all(read.pool())
    .await
    .map_err(|e| read.problem(e))?;
    Ok(crate::features::feature_collection(&rows, None))
}

pub(crate) fn unprocessable(detail: impl Into<String>) -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Unprocessable content",
        detail,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places() -> Vec<Place> {
        let p = |name: &str, ags: &str, district| Place {
            name: name.into(),
            ags: ags.into(),
            district,
        };
        vec![
            p("Sömmerda", "16068051", None),
            p("Sömmerda", "16068051", Some(1)),
            p("Leubingen", "16068051", Some(2)),
            p("Kindelbrück", "16068064", None),
        ]
    }

    fn parse(q: &str) -> AddressQuery {
        parse_address_query(q, &places()).unwrap()
    }

    #[test]
    fn splits_street_number_and_place() {
        let q = parse("Marktplatz 15, Sömmerda");
        assert_eq!(
            (q.street.as_str(), q.number, q.suffix.as_str()),
            ("marktplatz", Some(15), "")
        );
        assert_eq!(
            q.place.unwrap().district,
            None,
            "the town before its Ortsteil"
        );
        let q = parse("Marktpl 15 a");
        assert_eq!(
            (q.street.as_str(), q.number, q.suffix.as_str()),
            ("marktpl", Some(15), "a")
        );
        assert_eq!(q.place, None);
        let q = parse("kindelbrueck lange str");
        assert_eq!(q.street, "langestraße");
        assert_eq!(q.place.unwrap().ags, "16068064");
        let q = parse("99610 Lindenstr. 3b Leubingen");
        assert_eq!(q.postcode.as_deref(), Some("99610"));
        assert_eq!(
            (q.street.as_str(), q.number, q.suffix.as_str()),
            ("lindenstraße", Some(3), "b")
        );
        assert_eq!(q.place.unwrap().district, Some(2));
    }

    #[test]
    fn a_place_alone_is_a_street() {
        // "Sömmerdaer Straße" must not lose its first word, nor "Leubingen" its only one.
        assert_eq!(parse("Leubingen").street, "leubingen");
        assert_eq!(parse("Sömmerdaer Str 4").street, "sömmerdaerstraße");
    }

    #[test]
    fn refuses_what_is_no_address() {
        for q in ["15 99610", "Markt 15x-7"] {
            assert!(parse_address_query(q, &places()).is_err(), "{q}");
        }
        for q in ["", " a ", "x\u{0}y"] {
            assert!(address_text(Some(q)).is_err(), "{q:?}");
        }
        assert!(address_text(Some(&"ä".repeat(100))).is_ok());
        assert!(address_text(Some(&"ä".repeat(101))).is_err());
    }
}
