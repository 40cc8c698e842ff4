//! OGC API – Features, Part 1 Core, over the public views: landing page, conformance,
//! collections, items (bbox, limit/offset, `next` links by key, simple property filters)
//! and single items. GeoJSON (RFC 7946) in WGS84; the features are assembled by PostGIS
//! as text, so a page is one query and no re-encoding.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::OnceLock;

use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use tiles::layers::PUBLIC_LAYERS;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{ObjectBuilder, Required, Type};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::openapi::{BadRequest, NotFound, TooManyRequests, Unavailable, FEATURES};
use crate::problem::Path;
use crate::public_reads::PublicRead;
use crate::{AppState, Problem};

/// One public collection: a view of schema `published` and the columns it may show, from
/// the table of public layers (`tiles::layers`).
#[derive(Debug)]
pub(crate) struct Collection {
    pub id: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    /// The relation read (always in schema `published`).
    pub view: &'static str,
    /// A fixed condition of the collection, or "true".
    pub condition: &'static str,
    /// Columns shown as properties, with their JSON schema type; each may be filtered on.
    pub properties: Vec<(&'static str, &'static str)>,
    /// The view's `id` is a number (else text): how an `after` key is read.
    pub integer_id: bool,
}

/// The collections, in the order of the table of public layers.
pub(crate) fn all_collections() -> &'static [Collection] {
    static COLLECTIONS: OnceLock<Vec<Collection>> = OnceLock::new();
    COLLECTIONS.get_or_init(|| {
        PUBLIC_LAYERS
            .iter()
            .filter_map(|l| {
                Some(Collection {
                    id: l.collection?,
                    title: l.title,
                    description: l.description,
                    view: l.view,
                    condition: l.condition,
                    properties: l.properties().collect(),
                    integer_id: l
                        .columns
                        .iter()
                        .any(|c| c.name == "id" && c.kind == tiles::layers::Kind::Integer),
                })
            })
            .collect()
    })
}

pub(crate) fn collection(id: &str) -> Result<&'static Collection, Problem> {
    all_collections()
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(|| Problem::not_found(format!("no collection {id:?}")))
}

/// Items per page when the client does not say, and at most.
const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;
/// Offsets beyond this are refused: the database walks every row it skips, so deep pages
/// would let one client keep connections busy; clients narrow with bbox or a filter instead.
pub(crate) const MAX_OFFSET: i64 = 10_000;
/// Requested boxes are cut to this window (lon/lat) before reprojection: the data lie in
/// Thuringia, and reprojecting a world-sized box into UTM is numerically meaningless.
const WINDOW: [f64; 4] = [0.0, 44.0, 20.0, 58.0];

const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const GEOJSON: &str = "application/geo+json";

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(landing))
        .routes(routes!(conformance))
        .routes(routes!(collections))
        .routes(routes!(collection_meta))
        .routes(routes!(items))
        .routes(routes!(item))
}

/// The path parameter `id`: one of the public collections (from the table of public layers).
#[derive(Debug)]
struct CollectionId;

impl IntoParams for CollectionId {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let ids: Vec<&str> = all_collections().iter().map(|c| c.id).collect();
        vec![ParameterBuilder::new()
            .name("id")
            .parameter_in(ParameterIn::Path)
            .required(Required::True)
            .description(Some("The collection."))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(ids)),
            ))
            .build()]
    }
}

/// The query of `/collections/{id}/items` as [`parse_items_query`] reads it; besides these,
/// every property of the collection filters by equality (a text of at most 200 characters).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct ItemsParams {
    /// `minLon,minLat,maxLon,maxLat` in WGS84 (CRS84), minimum before maximum.
    #[param(style = Form, explode = false, min_items = 4, max_items = 4)]
    bbox: Option<Vec<f64>>,
    /// The CRS of `bbox`; only CRS84.
    #[param(
        rename = "bbox-crs",
        pattern = "^http://www\\.opengis\\.net/def/crs/OGC/1\\.3/CRS84$"
    )]
    bbox_crs: Option<String>,
    /// Features per page (default 100); a larger limit than 1000 returns 1000, as OGC API
    /// Features recommends.
    #[param(minimum = 1, default = 100)]
    limit: Option<i64>,
    /// Features skipped; deeper pages are refused: follow the `next` links (keyset paging) or
    /// narrow with bbox or a property filter. Not together with `after`.
    #[param(minimum = 0, maximum = 10_000, default = 0)]
    offset: Option<u32>,
    /// Keyset paging, as the `next` links use it: the features after the one with this id
    /// (a number where the collection's ids are numbers). Not together with `offset`.
    #[param(max_length = 64)]
    after: Option<String>,
    /// The output format: GeoJSON either way.
    #[param(inline)]
    f: Option<GeoJsonFormat>,
}

/// `f=json` or `f=geojson`.
#[derive(Debug, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
enum GeoJsonFormat {
    Json,
    Geojson,
}

/// The query of the landing page: `f=json` answers JSON even to a browser.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct LandingParams {
    /// `json` answers JSON even when the client prefers HTML.
    #[param(pattern = "^json$")]
    f: Option<String>,
}

fn link(href: String, rel: &str, kind: &str, title: &str) -> Value {
    json!({"href": href, "rel": rel, "type": kind, "title": title})
}

/// The landing page; a browser asking for HTML gets the web map instead (unless `f=json`).
#[utoipa::path(get, path = "/", tag = FEATURES, params(LandingParams),
    responses(
        (status = 200, description = "The landing page with its links (OGC API Features); \
                                      a browser asking for HTML gets the web map.",
         content((Value = "application/json"), (String = "text/html")))))]
async fn landing(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    let forced_json = raw.as_deref().is_some_and(|q| q.contains("f=json"));
    if let (true, false, Some(root)) = (wants_html, forced_json, &state.config().web_root) {
        if let Ok(page) = tokio::fs::read_to_string(root.join("index.html")).await {
            return axum::response::Html(page).into_response();
        }
    }
    let base = &state.config().base_url;
    axum::Json(json!({
        "title": "leerstand – Allianz Thüringer Becken",
        "description": "Leerstand, Baulücken, Brachen und Angebote in Sömmerda, Buttstädt, \
                        Kindelbrück und Straußfurt.",
        "links": [
            link(format!("{base}/"), "self", "application/json", "This document"),
            link(format!("{base}/openapi.json"), "service-desc",
                 "application/vnd.oai.openapi+json;version=3.0", "The API definition"),
            link(format!("{base}/conformance"), "conformance", "application/json",
                 "Conformance classes"),
            link(format!("{base}/collections"), "data", "application/json", "The collections"),
        ]
    }))
    .into_response()
}

const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
];

/// The conformance classes.
#[utoipa::path(get, path = "/conformance", tag = FEATURES,
    responses((status = 200, description = "`conformsTo`: the conformance classes.", body = Value)))]
async fn conformance() -> impl IntoResponse {
    axum::Json(json!({ "conformsTo": CONFORMANCE }))
}

/// The extent of the data in WGS84, from the planner's statistics of the parcel table;
/// the county's box when those are missing.
async fn extent(pool: &sqlx::PgPool) -> [f64; 4] {
    const COUNTY: [f64; 4] = [10.75, 51.05, 11.45, 51.35];
    let row: Result<Option<(f64, f64, f64, f64)>, sqlx::Error> = sqlx::query_as(
        "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)
           FROM (SELECT ST_Transform(ST_SetSRID(ST_EstimatedExtent('public', 'parcel', 'geom')::geometry,
                                                25832), 4326) AS b) e
          WHERE b IS NOT NULL",
    )
    .fetch_optional(pool)
    .await;
    match row {
        Ok(Some((a, b, c, d))) if [a, b, c, d].iter().all(|v| v.is_finite()) => [a, b, c, d],
        _ => COUNTY,
    }
}

fn collection_json(base: &str, c: &Collection, bbox: [f64; 4]) -> Value {
    let items = format!("{base}/collections/{}/items", c.id);
    json!({
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "itemType": "feature",
        "crs": [CRS84],
        "extent": {"spatial": {"bbox": [bbox], "crs": CRS84}},
        "links": [
            link(format!("{base}/collections/{}", c.id), "self", "application/json", c.title),
            link(items, "items", GEOJSON, c.title),
        ]
    })
}

/// The public collections.
#[utoipa::path(get, path = "/collections", tag = FEATURES,
    responses((status = 200, description = "The collections with their extent and links.", body = Value),
              TooManyRequests, Unavailable))]
async fn collections(State(state): State<AppState>, read: PublicRead) -> impl IntoResponse {
    let base = &state.config().base_url;
    let bbox = extent(read.pool()).await;
    axum::Json(json!({
        "links": [link(format!("{base}/collections"), "self", "application/json", "Collections")],
        "collections": all_collections().iter().map(|c| collection_json(base, c, bbox)).collect::<Vec<_>>()
    }))
}

/// One collection.
#[utoipa::path(get, path = "/collections/{id}", tag = FEATURES, params(CollectionId),
    responses((status = 200, description = "The collection with its extent and links.", body = Value),
              BadRequest, NotFound, TooManyRequests, Unavailable))]
async fn collection_meta(
    State(state): State<AppState>,
    Path(id): Path<String>,
    read: PublicRead,
) -> Result<impl IntoResponse, Problem> {
    let c = collection(&id)?;
    let bbox = extent(read.pool()).await;
    Ok(axum::Json(collection_json(
        &state.config().base_url,
        c,
        bbox,
    )))
}

/// The parsed query of an items request.
#[derive(Debug, Default)]
pub(crate) struct ItemsQuery {
    pub limit: i64,
    pub offset: i64,
    pub bbox: Option<[f64; 4]>,
    /// Keyset paging: the page starts after the feature with this id (the `next` links).
    pub after: Option<String>,
    /// Property filters: (column, value), columns from the collection's list only.
    pub filters: Vec<(&'static str, String)>,
}

/// Parses `limit`, `offset`, `bbox` and property filters; anything else is refused, as the
/// standard asks for unknown parameters.
pub(crate) fn parse_items_query(c: &Collection, raw: Option<&str>) -> Result<ItemsQuery, Problem> {
    let pairs: Vec<(String, String)> = match raw {
        Some(q) => serde_urlencoded_pairs(q)?,
        None => Vec::new(),
    };
    let mut seen: HashMap<&str, ()> = HashMap::new();
    let mut query = ItemsQuery {
        limit: DEFAULT_LIMIT,
        ..ItemsQuery::default()
    };
    for (key, value) in &pairs {
        if seen.insert(key.as_str(), ()).is_some() {
            return Err(Problem::bad_request(format!(
                "parameter {key:?} given twice"
            )));
        }
        match key.as_str() {
            "limit" => {
                let n: i64 = value.parse().map_err(|_| {
                    Problem::bad_request(format!("limit {value:?} is not a whole number"))
                })?;
                if n < 1 {
                    return Err(Problem::bad_request("limit must be at least 1"));
                }
                // The standard: a larger limit is not an error, the maximum applies.
                query.limit = n.min(MAX_LIMIT);
            }
            "offset" => {
                let n: i64 = value.parse().map_err(|_| {
                    Problem::bad_request(format!("offset {value:?} is not a whole number"))
                })?;
                if n < 0 {
                    return Err(Problem::bad_request(format!(
                        "offset must be between 0 and {MAX_OFFSET}"
                    )));
                }
                if n > MAX_OFFSET {
                    return Err(Problem::bad_request(format!(
                        "offset may be at most {MAX_OFFSET}; to reach features further on, \
                         narrow the request with bbox or a property filter ({})",
                        c.properties
                            .iter()
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
                query.offset = n;
            }
            "after" => query.after = Some(parse_after(c, value)?),
            "bbox" => query.bbox = Some(parse_bbox(value)?),
            "bbox-crs" if value == CRS84 => {}
            "bbox-crs" => {
                return Err(Problem::bad_request(format!("bbox-crs must be {CRS84}")));
            }
            "f" if value == "json" || value == "geojson" => {}
            other => {
                let column = c
                    .properties
                    .iter()
                    .find(|(name, _)| *name == other)
                    .map(|(name, _)| *name)
                    .ok_or_else(|| {
                        Problem::bad_request(format!(
                            "unknown parameter {other:?}; filters: {}",
                            c.properties
                                .iter()
                                .map(|(n, _)| *n)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    })?;
                if value.len() > 200 {
                    return Err(Problem::bad_request(format!(
                        "filter {other:?} is too long"
                    )));
                }
                query.filters.push((column, value.clone()));
            }
        }
    }
    if query.after.is_some() && query.offset > 0 {
        return Err(Problem::bad_request("after and offset exclude each other"));
    }
    Ok(query)
}

/// The id of an `after` key: as long as ids are, and a number where the collection's ids are.
fn parse_after(c: &Collection, value: &str) -> Result<String, Problem> {
    let fits = value.len() <= 64
        && !value.chars().any(char::is_control)
        && (!c.integer_id || value.parse::<i64>().is_ok());
    if fits {
        Ok(value.to_owned())
    } else {
        Err(Problem::bad_request(format!(
            "after {value:?} is not a feature id of {}",
            c.id
        )))
    }
}

fn serde_urlencoded_pairs(q: &str) -> Result<Vec<(String, String)>, Problem> {
    if q.len() > 4096 {
        return Err(Problem::bad_request("query string too long"));
    }
    let parsed: Result<Vec<(String, String)>, _> =
        axum::extract::Query::<Vec<(String, String)>>::try_from_uri(
            &format!("/?{q}")
                .parse()
                .map_err(|_| Problem::bad_request("malformed query string"))?,
        )
        .map(|q| q.0);
    parsed.map_err(|e| Problem::bad_request(e.body_text()))
}

/// `minLon,minLat,maxLon,maxLat` in WGS84, finite and ordered.
pub(crate) fn parse_bbox(value: &str) -> Result<[f64; 4], Problem> {
    let parts: Vec<&str> = value.split(',').collect();
    if parts.len() != 4 {
        return Err(Problem::bad_request(
            "bbox needs four numbers: minLon,minLat,maxLon,maxLat",
        ));
    }
    let mut b = [0.0; 4];
    for (slot, part) in b.iter_mut().zip(&parts) {
        let v: f64 = part
            .trim()
            .parse()
            .map_err(|_| Problem::bad_request(format!("bbox value {part:?} is not a number")))?;
        if !v.is_finite() {
            return Err(Problem::bad_request("bbox values must be finite numbers"));
        }
        *slot = v;
    }
    if !(-180.0..=180.0).contains(&b[0])
        || !(-180.0..=180.0).contains(&b[2])
        || !(-90.0..=90.0).contains(&b[1])
        || !(-90.0..=90.0).contains(&b[3])
    {
        return Err(Problem::bad_request("bbox lies outside -180..180, -90..90"));
    }
    if b[0] > b[2] || b[1] > b[3] {
        return Err(Problem::bad_request("bbox minimum exceeds its maximum"));
    }
    Ok(b)
}

/// Whether a point (lon, lat) lies in the data window; NaN and infinities do not.
pub(crate) fn in_window(lon: f64, lat: f64) -> bool {
    (WINDOW[0]..=WINDOW[2]).contains(&lon) && (WINDOW[1]..=WINDOW[3]).contains(&lat)
}

/// The box cut to the data window, or `None` when nothing of it is left.
fn clip(b: [f64; 4]) -> Option<[f64; 4]> {
    let c = [
        b[0].max(WINDOW[0]),
        b[1].max(WINDOW[1]),
        b[2].min(WINDOW[2]),
        b[3].min(WINDOW[3]),
    ];
    (c[0] <= c[2] && c[1] <= c[3]).then_some(c)
}

/// The SQL of one feature as GeoJSON text, with the collection's properties only.
fn feature_sql(c: &Collection) -> String {
    let mut props = String::new();
    for (i, (name, _)) in c.properties.iter().enumerate() {
        if i > 0 {
            props.push_str(", ");
        }
        let _ = write!(props, "'{name}', {name}");
    }
    format!(
        "'{{\"type\":\"Feature\",\"id\":' || to_json(id)::text || \
         ',\"geometry\":' || coalesce(ST_AsGeoJSON(ST_Transform(geom, 4326), 7), 'null') || \
         ',\"properties\":' || json_build_object({props})::text || '}}'"
    )
}

/// WHERE clause and its text parameters ($1…); the bbox numbers follow as float parameters.
fn where_sql(c: &Collection, q: &ItemsQuery) -> (String, usize) {
    let mut sql = format!("({})", c.condition);
    let mut n = 0;
    for (column, _) in &q.filters {
        n += 1;
        let _ = write!(sql, " AND {column}::text = ${n}");
    }
    if q.bbox.is_some() {
        let _ = write!(
            sql,
            " AND geom && ST_Transform(ST_Segmentize(ST_MakeEnvelope(${}, ${}, ${}, ${}, 4326), 0.001), 25832)",
            n + 1,
            n + 2,
            n + 3,
            n + 4
        );
    }
    (sql, n)
}

/// A FeatureCollection around feature texts made by PostGIS, with its counts (`matched` may be
/// unknown), for the routes that page without OGC links.
pub(crate) fn feature_collection(features: &[String], matched: Option<i64>) -> Response {
    let mut out = String::from("{\"type\":\"FeatureCollection\",\"features\":[");
    out.push_str(&features.join(","));
    out.push_str("],");
    if let Some(m) = matched {
        let _ = write!(out, "\"numberMatched\":{m},");
    }
    let _ = write!(out, "\"numberReturned\":{}}}", features.len());
    geojson(out)
}

pub(crate) fn geojson(body: String) -> Response {
    ([(header::CONTENT_TYPE, GEOJSON)], body).into_response()
}

/// Features of a collection, a page at a time with next/prev links; any property of the
/// collection filters by equality.
#[utoipa::path(get, path = "/collections/{id}/items", tag = FEATURES, params(CollectionId, ItemsParams),
    responses((status = 200, description = "A FeatureCollection (RFC 7946) with numberMatched, numberReturned and links.",
               body = Value, content_type = GEOJSON),
              BadRequest, NotFound, TooManyRequests, Unavailable))]
async fn items(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    read: PublicRead,
) -> Result<Response, Problem> {
    let c = collection(&id)?;
    let mut q = parse_items_query(c, raw.as_deref())?;
    let base = &state.config().base_url;
    let clipped = q.bbox.map(clip);
    if let Some(None) = clipped {
        // Nothing of the box lies where data can be.
        return Ok(geojson(page_json(base, c, &q, 0, Vec::new(), None)));
    }
    let original_bbox = q.bbox;
    q.bbox = clipped.flatten();
    let (condition, n) = where_sql(c, &q);
    let count_sql = format!("SELECT count(*) FROM {} WHERE {condition}", c.view);
    // Keyset paging: the next page starts after the last id, however deep it lies.
    let after = match (&q.after, c.integer_id) {
        (None, _) => String::new(),
        (Some(_), true) => format!(" AND id > ${}::bigint", n + 1),
        (Some(_), false) => format!(" AND id > ${}", n + 1),
    };
    // One row more than the page tells whether a next page exists.
    let page_sql = format!(
        "SELECT id::text, {} FROM {} WHERE {condition}{after} ORDER BY id LIMIT {} OFFSET {}",
        feature_sql(c),
        c.view,
        q.limit + 1,
        q.offset
    );
    let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
    let mut page = sqlx::query_as::<_, (String, String)>(&page_sql);
    for (_, value) in &q.filters {
        count = count.bind(value);
        page = page.bind(value);
    }
    if let Some(b) = q.bbox {
        for v in b {
            count = count.bind(v);
            page = page.bind(v);
        }
    }
    if let Some(key) = &q.after {
        page = page.bind(key);
    }
    let matched = count
        .fetch_one(read.pool())
        .await
        .map_err(|e| read.problem(e))?;
    let mut rows = page
        .fetch_all(read.pool())
        .await
        .map_err(|e| read.problem(e))?;
    let next = (rows.len() as i64 > q.limit).then(|| {
        rows.truncate(q.limit as usize);
        rows.last().map(|(id, _)| id.clone()).unwrap_or_default()
    });
    q.bbox = original_bbox;
    let features = rows.into_iter().map(|(_, f)| f).collect();
    Ok(geojson(page_json(base, c, &q, matched, features, next)))
}

/// The FeatureCollection around the features, with next/prev links that repeat the query.
fn page_json(
    base: &str,
    c: &Collection,
    q: &ItemsQuery,
    matched: i64,
    features: Vec<String>,
    next: Option<String>,
) -> String {
    let returned = features.len() as i64;
    // `start`: the query's own paging parameter (`offset=…` or `after=…`).
    let href = |start: String| {
        let mut s = format!(
            "{base}/collections/{}/items?limit={}&{start}",
            c.id, q.limit
        );
        if let Some(b) = q.bbox {
            let _ = write!(s, "&bbox={},{},{},{}", b[0], b[1], b[2], b[3]);
        }
        for (k, v) in &q.filters {
            let _ = write!(s, "&{k}={}", urlencode(v));
        }
        s
    };
    let this = match &q.after {
        Some(key) => format!("after={}", urlencode(key)),
        None => format!("offset={}", q.offset),
    };
    let mut links = vec![link(href(this), "self", GEOJSON, "This page")];
    if let Some(key) = next {
        links.push(link(
            href(format!("after={}", urlencode(&key))),
            "next",
            GEOJSON,
            "Next page",
        ));
    }
    // A page reached by offset can name the one before; a keyset page cannot.
    if q.offset > 0 && q.after.is_none() {
        links.push(link(
            href(format!("offset={}", (q.offset - q.limit).max(0))),
            "prev",
            GEOJSON,
            "Previous page",
        ));
    }
    let mut out = String::with_capacity(features.iter().map(String::len).sum::<usize>() + 512);
    out.push_str("{\"type\":\"FeatureCollection\",\"features\":[");
    for (i, f) in features.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(f);
    }
    let _ = write!(
        out,
        "],\"numberMatched\":{matched},\"numberReturned\":{returned},\"timeStamp\":{},\"links\":{}}}",
        Value::from(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        Value::from(links)
    );
    out
}

/// Percent-encoding for a value in a link.
pub(crate) fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// One feature.
#[utoipa::path(get, path = "/collections/{id}/items/{feature}", tag = FEATURES,
    params(CollectionId, ("feature" = String, Path, description = "The feature's id.")),
    responses((status = 200, description = "A Feature (RFC 7946) with its links.", body = Value, content_type = GEOJSON),
              BadRequest, NotFound, TooManyRequests, Unavailable))]
async fn item(
    State(state): State<AppState>,
    Path((id, feature)): Path<(String, String)>,
    read: PublicRead,
) -> Result<Response, Problem> {
    let c = collection(&id)?;
    if feature.len() > 64 {
        return Err(Problem::not_found("no such feature"));
    }
    let sql = format!(
        "SELECT {} FROM {} WHERE ({}) AND id::text = $1",
        feature_sql(c),
        c.view,
        c.condition
    );
    let found: Option<String> = sqlx::query_scalar(&sql)
        .bind(&feature)
        .fetch_optional(read.pool())
        .await
        .map_err(|e| read.problem(e))?;
    let body =
        found.ok_or_else(|| Problem::not_found(format!("no feature {feature:?} in {id}")))?;
    // The feature's own links, spliced in before the closing brace.
    let base = &state.config().base_url;
    let links = json!([
        link(
            format!("{base}/collections/{id}/items/{}", urlencode(&feature)),
            "self",
            GEOJSON,
            "This feature"
        ),
        link(
            format!("{base}/collections/{id}"),
            "collection",
            "application/json",
            c.title
        ),
    ]);
    let mut body = body;
    body.pop();
    let _ = write!(body, ",\"links\":{links}}}");
    Ok(geojson(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bbox_must_be_four_finite_ordered_numbers() {
        assert!(parse_bbox("11,51,11.2,51.2").is_ok());
        for bad in [
            "11,51,11.2",
            "a,b,c,d",
            "NaN,51,11,52",
            "inf,51,11,52",
            "12,51,11,52",
            "11,-91,12,52",
            "1,2,3,4,5",
        ] {
            let err = parse_bbox(bad).unwrap_err();
            assert_eq!(err.status, 400, "{bad}");
        }
    }

    #[test]
    fn limits_are_clamped_and_unknown_parameters_refused() {
        let c = collection("vacancy").unwrap();
        assert_eq!(
            parse_items_query(c, Some("limit=5000")).unwrap().limit,
            MAX_LIMIT
        );
        assert_eq!(parse_items_query(c, None).unwrap().limit, DEFAULT_LIMIT);
        assert!(parse_items_query(c, Some("limit=-1")).is_err());
        assert!(parse_items_query(c, Some("limit=0")).is_err());
        assert!(parse_items_query(c, Some("offset=-3")).is_err());
        assert!(parse_items_query(c, Some("owner=x")).is_err());
        assert!(parse_items_query(c, Some("class=vacant%3BDROP%20TABLE%20parcel")).is_ok());
        let q = parse_items_query(c, Some("town=S%C3%B6mmerda&class=vacant")).unwrap();
        assert_eq!(
            q.filters,
            vec![
                ("town", "Sömmerda".to_owned()),
                ("class", "vacant".to_owned())
            ]
        );
    }

    #[test]
    fn boxes_far_away_are_clipped_to_nothing() {
        assert_eq!(clip([-180.0, -90.0, 180.0, 90.0]), Some(WINDOW));
        assert_eq!(clip([100.0, 10.0, 120.0, 20.0]), None);
    }

    #[test]
    fn every_collection_reads_a_published_view() {
        for c in all_collections() {
            assert!(c.view.starts_with("published."), "{}", c.id);
            for (name, _) in &c.properties {
                assert!(name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit()));
            }
        }
    }
}
