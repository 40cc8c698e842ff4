//! Vector tiles of the public map: `/tiles/{tileset}/{z}/{x}/{y}.mvt` (Mapbox Vector Tiles,
//! gzip when the client accepts it), TileJSON 3.0 at `/tiles/{tileset}.json`, the MapLibre
//! style at `/tiles/style.json`, and the export of a tileset as one PMTiles archive.
//!
//! A tile is one SQL query over the views of schema `published` (`tiles/sql/`), so
//! it carries the public columns only. Tiles are compressed once and kept in a
//! [`TileCache`] keyed by the generation of the published data.

mod cache;
pub mod pmtiles;

use std::collections::{BTreeMap, HashMap};
use std::f64::consts::PI;
use std::fmt::Write;
use std::path::Path as FsPath;
use std::sync::OnceLock;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use sqlx::PgPool;

pub use cache::TileCache;
use cache::{Tile, TileKey};

use crate::problem::Path;
use crate::{AppState, Problem};

/// Bytes of compressed tiles kept in memory.
pub const DEFAULT_CACHE_BYTES: usize = 1 << 30;
/// Highest zoom a tile is served at (deeper zooms are overzoomed by the client).
pub const MAX_ZOOM: u8 = 22;
/// Highest zoom the TileJSON and the exports announce; clients overzoom beyond.
const DATA_MAX_ZOOM: u8 = 16;
/// gzip level of served tiles (zlib-rs): the fastest level; on two cores every millisecond the
/// server spends is one the database does not get, and tiles are compressed once per cache
/// generation.
const GZIP_LEVEL: u32 = 1;
const MVT: &str = "application/vnd.mapbox-vector-tile";
/// Browsers may reuse a tile for a minute, then revalidate it with its ETag.
const CACHE_CONTROL: &str = "public, max-age=60";
/// Where data can lie (lon/lat): tiles outside are empty without asking the database.
const WINDOW: [f64; 4] = [0.0, 44.0, 20.0, 58.0];
/// The county's box, for the TileJSON of an empty database.
const COUNTY: [f64; 4] = [10.75, 51.05, 11.45, 51.35];

/// One layer of a tileset, as TileJSON describes it.
#[derive(Debug)]
pub struct Layer {
    pub id: &'static str,
    pub description: &'static str,
    /// Zooms the layer is drawn at.
    pub minzoom: u8,
    pub maxzoom: u8,
    /// Its rows: the feature id as `id`, the properties, and `g`, the geometry in EPSG:3857
    /// (clipped and quantised per tile by the query around it); it filters with
    /// `(SELECT box FROM bounds)`, the index filter in EPSG:25832.
    pub sql: &'static str,
    /// Property name and TileJSON type ("String", "Number", "Boolean"): the columns that
    /// reach the tile, besides `id`.
    pub fields: &'static [(&'static str, &'static str)],
}

/// A set of layers served as one tile.
#[derive(Debug)]
pub struct Tileset {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub attribution: &'static str,
    pub layers: &'static [Layer],
}

const OFFER_FIELDS: &[(&str, &str)] = &[
    ("kind", "String"),
    ("title", "String"),
    ("price_eur", "Number"),
    ("area_m2", "Number"),
    ("land_use", "String"),
    ("alkis_id", "String"),
    ("ags", "String"),
    ("town", "String"),
    ("district", "String"),
    ("updated_on", "String"),
];

pub const TILESETS: &[Tileset] = &[Tileset {
    id: "public",
    name: "leerstand",
    description: "Leerstand, Baulücken, Brachen, Angebote und Meldungen der Allianz \
                  Thüringer Becken über dem Liegenschaftskataster.",
    attribution: "Allianz Thüringer Becken; Liegenschaftskataster (ALKIS)",
    layers: &[
        Layer {
            id: "parcels",
            description: "Flurstücke (cadastral background).",
            minzoom: 14,
            maxzoom: 22,
            sql: include_str!("tiles/sql/parcels.sql"),
            fields: &[("alkis_id", "String"), ("kennzeichen", "String")],
        },
        Layer {
            id: "buildings",
            description: "Gebäude (cadastral background) with their ALKIS function code.",
            minzoom: 14,
            maxzoom: 22,
            sql: include_str!("tiles/sql/buildings.sql"),
            fields: &[("alkis_id", "String"), ("function_code", "Number")],
        },
        Layer {
            id: "districts",
            description: "Ortsteile with the figures of the latest analysis; suppressed \
                          below five addresses.",
            minzoom: 6,
            maxzoom: 13,
            sql: include_str!("tiles/sql/districts.sql"),
            fields: &[
                ("district", "String"),
                ("town", "String"),
                ("ags", "String"),
                ("suppressed", "Boolean"),
                ("addresses", "Number"),
                ("buildings", "Number"),
                ("dwellings", "Number"),
                ("vacant", "Number"),
                ("partly_vacant", "Number"),
                ("risk", "Number"),
                ("vacancy_rate", "Number"),
                ("gaps", "Number"),
                ("gap_area_ha", "Number"),
                ("potential_dwellings", "Number"),
                ("brownfields", "Number"),
                ("forecast_5y", "Number"),
                ("forecast_10y", "Number"),
                ("last_verified", "String"),
            ],
        },
        Layer {
            id: "plots",
            description: "Building gaps, brownfields, underused plots and plots of vacant \
                          buildings whose publication is allowed.",
            minzoom: 12,
            maxzoom: 22,
            sql: include_str!("tiles/sql/plots.sql"),
            fields: &[
                ("alkis_id", "String"),
                ("kennzeichen", "String"),
                ("class", "String"),
                ("area_m2", "Number"),
                ("land_use", "String"),
                ("ags", "String"),
                ("town", "String"),
                ("district", "String"),
                ("last_verified", "String"),
            ],
        },
        Layer {
            id: "vacancy",
            description: "Vacant and partly vacant buildings whose publication is allowed.",
            minzoom: 12,
            maxzoom: 22,
            sql: include_str!("tiles/sql/vacancy.sql"),
            fields: &[
                ("alkis_id", "String"),
                ("class", "String"),
                ("ags", "String"),
                ("town", "String"),
                ("district", "String"),
                ("last_verified", "String"),
            ],
        },
        Layer {
            id: "offers",
            description: "Plots and buildings on offer for sale or lease.",
            minzoom: 12,
            maxzoom: 22,
            sql: include_str!("tiles/sql/offers.sql"),
            fields: OFFER_FIELDS,
        },
        Layer {
            id: "teilkultur",
            description: "Interim-use offers (Teilkultur).",
            minzoom: 12,
            maxzoom: 22,
            sql: include_str!("tiles/sql/teilkultur.sql"),
            fields: OFFER_FIELDS,
        },
        Layer {
            id: "reports",
            description: "Moderated citizen reports (the moderator's text).",
            minzoom: 12,
            maxzoom: 22,
            sql: include_str!("tiles/sql/reports.sql"),
            fields: &[
                ("category", "String"),
                ("text", "String"),
                ("reported_on", "String"),
            ],
        },
    ],
}];

/// The part of every tile query that computes the tile's envelopes (see its comment).
const BOUNDS_SQL: &str = include_str!("tiles/sql/bounds.sql");
/// The same for a block of tiles rendered by one query.
const BLOCK_BOUNDS_SQL: &str = include_str!("tiles/sql/block_bounds.sql");

/// log2 of the tiles per side of a block at zoom z. The server renders the tiles under one
/// tile of a lower zoom in one query, so the features of the block are found, joined and
/// reprojected once, not once per tile; a map view shows neighbouring tiles, so the others
/// are asked for soon after. 4×4 where tiles are small (z15 and deeper), 2×2 above, where a
/// block is large enough already and a bigger one would keep the first tile waiting.
pub fn block_levels(z: u8) -> u8 {
    match z {
        0 => 0,
        1..=14 => 1,
        _ => 2,
    }
}

/// Tiles per side of the block of a tile at zoom z.
pub fn block_size(z: u8) -> u32 {
    1 << block_levels(z)
}

/// The layers' tiles `term(0) || term(1) || …` (a tile is the concatenation of its layers).
fn concat_layers(n: usize, term: impl Fn(usize) -> String) -> String {
    (0..n).map(term).collect::<Vec<_>>().join("\n    || ")
}

/// SQL text without its comment lines (logs and pg_stat_statements get the query).
fn without_comments(sql: &str) -> String {
    sql.lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n")
        .trim_end()
        .to_owned()
}

impl Tileset {
    /// The layers drawn at zoom z.
    pub fn layers_at(&self, z: u8) -> impl Iterator<Item = &Layer> {
        self.layers
            .iter()
            .filter(move |l| (l.minzoom..=l.maxzoom).contains(&z))
    }

    /// The query of a tile at zoom z ($1 = z, $2 = x, $3 = y; one row, one `bytea`, empty for
    /// no features), or `None` when no layer is drawn at z. One text per zoom band, built
    /// once, so each band is one prepared statement.
    pub fn sql(&self, z: u8) -> Option<&'static str> {
        self.query(z, false)
    }

    /// The query of the n×n tiles ([`block_size`]) under one tile of a lower zoom ($1 = z,
    /// $2 = x and $3 = y of the block's first tile, both multiples of n): one row per
    /// tile, `(dx, dy, tile)`, its tile at (x + dx, y + dy), empty for no features.
    pub fn block_sql(&self, z: u8) -> Option<&'static str> {
        self.query(z, true)
    }

    fn query(&self, z: u8, block: bool) -> Option<&'static str> {
        static QUERIES: OnceLock<HashMap<(&'static str, u8, bool), String>> = OnceLock::new();
        let queries = QUERIES.get_or_init(|| {
            let mut queries = HashMap::new();
            for set in TILESETS {
                for z in 0..=MAX_ZOOM {
                    if let Some(sql) = set.compose(z) {
                        queries.insert((set.id, z, false), sql);
                    }
                    if let Some(sql) = set.compose_block(z) {
                        queries.insert((set.id, z, true), sql);
                    }
                }
            }
            queries
        });
        queries.get(&(self.id, z, block)).map(String::as_str)
    }

    fn compose(&self, z: u8) -> Option<String> {
        let layers: Vec<&Layer> = self.layers_at(z).collect();
        if layers.is_empty() {
            return None;
        }
        let mut sql = format!("WITH {}", without_comments(BOUNDS_SQL));
        // ST_AsMVT skips rows without a geometry, so features outside the tile need no WHERE
        // (one would be pushed into the scan and compute every ST_AsMVTGeom twice).
        for (i, l) in layers.iter().enumerate() {
            let _ = write!(
                sql,
                ",\nl{i} AS (\n    SELECT ST_AsMVT(t, '{}', 4096, 'geom', 'id') AS mvt\n      FROM (SELECT {},\n                   ST_AsMVTGeom(f.g, (SELECT tile FROM bounds), 4096, 64, true) AS geom\n              FROM (\n{}\n              ) f) t\n)",
                l.id,
                l.columns(),
                l.sql.trim_end()
            );
        }
        sql.push_str("\nSELECT ");
        sql.push_str(&concat_layers(layers.len(), |i| {
            format!("coalesce((SELECT mvt FROM l{i}), '')")
        }));
        sql.push_str(" AS tile");
        Some(sql)
    }

    fn compose_block(&self, z: u8) -> Option<String> {
        let layers: Vec<&Layer> = self.layers_at(z).collect();
        let (levels, n) = (block_levels(z), block_size(z));
        if layers.is_empty() || levels == 0 {
            return None;
        }
        let mut sql = format!(
            "WITH {}",
            without_comments(BLOCK_BOUNDS_SQL)
                .replace("{last}", &(n - 1).to_string())
                .replace("{levels}", &levels.to_string())
                .replace("{block}", &n.to_string())
        );
        // Each layer's features of the whole block, read once (MATERIALIZED: the statement
        // is not inlined into the per-tile scans), then clipped into every tile they touch.
        for (i, l) in layers.iter().enumerate() {
            let _ = write!(
                sql,
                ",\nf{i} AS MATERIALIZED (\n{}\n),\nl{i} AS (\n    SELECT s.dx, s.dy, ST_AsMVT(t, '{}', 4096, 'geom', 'id') AS mvt\n      FROM sub s\n      CROSS JOIN LATERAL (SELECT {},\n                                 ST_AsMVTGeom(f.g, s.tile, 4096, 64, true) AS geom\n                            FROM f{i} f WHERE f.g && s.clip) t\n     GROUP BY s.dx, s.dy\n)",
                l.sql.trim_end(),
                l.id,
                l.columns(),
            );
        }
        sql.push_str("\nSELECT s.dx, s.dy, ");
        sql.push_str(&concat_layers(layers.len(), |i| {
            format!("coalesce(l{i}.mvt, '')")
        }));
        sql.push_str(" AS tile\n  FROM sub s");
        for i in 0..layers.len() {
            let _ = write!(
                sql,
                "\n  LEFT JOIN l{i} ON l{i}.dx = s.dx AND l{i}.dy = s.dy"
            );
        }
        Some(sql)
    }
}

impl Layer {
    /// The columns a tile carries, from the layer's rows `f`: the id and the declared
    /// properties, nothing else.
    fn columns(&self) -> String {
        std::iter::once("f.id".to_owned())
            .chain(self.fields.iter().map(|(name, _)| format!("f.\"{name}\"")))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn tileset(id: &str) -> Result<(u8, &'static Tileset), Problem> {
    TILESETS
        .iter()
        .enumerate()
        .find(|(_, t)| t.id == id)
        .map(|(i, t)| (i as u8, t))
        .ok_or_else(|| Problem::not_found(format!("no tileset {id:?}")))
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/tiles/{file}", get(document))
        .route("/tiles/{tileset}/{z}/{x}/{file}", get(tile))
}

// --- tile addresses --------------------------------------------------------------------

/// Parses z, x and `{y}.mvt`: malformed → 400, outside the tile grid → 404.
fn parse_zxy(z: &str, x: &str, file: &str) -> Result<(u8, u32, u32), Problem> {
    let y = file
        .strip_suffix(".mvt")
        .ok_or_else(|| Problem::not_found("tiles are served as {z}/{x}/{y}.mvt"))?;
    let number = |what: &str, s: &str| -> Result<u32, Problem> {
        if s.is_empty() || s.len() > 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Problem::bad_request(format!(
                "{what} {s:?} is not a whole number"
            )));
        }
        s.parse()
            .map_err(|_| Problem::bad_request(format!("{what} {s:?} is not a whole number")))
    };
    let z = number("zoom", z)?;
    let (x, y) = (number("x", x)?, number("y", y)?);
    if z > u32::from(MAX_ZOOM) {
        return Err(Problem::bad_request(format!(
            "zoom {z} is outside 0–{MAX_ZOOM}"
        )));
    }
    if x >= 1 << z || y >= 1 << z {
        return Err(Problem::not_found(format!(
            "no tile {z}/{x}/{y}: x and y must be below {}",
            1u32 << z
        )));
    }
    Ok((z as u8, x, y))
}

/// The tile's box in lon/lat: west, south, east, north.
fn tile_lonlat(z: u8, x: u32, y: u32) -> [f64; 4] {
    let n = f64::from(1u32 << z);
    let lon = |x: f64| x / n * 360.0 - 180.0;
    let lat = |y: f64| (PI * (1.0 - 2.0 * y / n)).sinh().atan().to_degrees();
    [
        lon(f64::from(x)),
        lat(f64::from(y) + 1.0),
        lon(f64::from(x) + 1.0),
        lat(f64::from(y)),
    ]
}

/// Tile x/y containing a lon/lat at zoom z, clamped to the grid.
fn lonlat_tile(z: u8, lon: f64, lat: f64) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let lat = lat.clamp(-85.05, 85.05).to_radians();
    let x = ((lon + 180.0) / 360.0 * n).floor();
    let y = ((1.0 - lat.tan().asinh() / PI) / 2.0 * n).floor();
    let max = n - 1.0;
    (x.clamp(0.0, max) as u32, y.clamp(0.0, max) as u32)
}

fn outside_window(z: u8, x: u32, y: u32) -> bool {
    let b = tile_lonlat(z, x, y);
    b[2] < WINDOW[0] || b[0] > WINDOW[2] || b[3] < WINDOW[1] || b[1] > WINDOW[3]
}

// --- rendering ---------------------------------------------------------------------------

/// The uncompressed MVT bytes of one tile (empty: no features). For the server and exports.
pub async fn render_mvt(
    pool: &PgPool,
    set: &Tileset,
    z: u8,
    x: u32,
    y: u32,
) -> Result<Vec<u8>, sqlx::Error> {
    let Some(sql) = set.sql(z) else {
        return Ok(Vec::new());
    };
    if outside_window(z, x, y) {
        return Ok(Vec::new());
    }
    // x, y < 2^22 fit in PostgreSQL's integer.
    sqlx::query_scalar::<_, Vec<u8>>(sql)
        .bind(i32::from(z))
        .bind(x as i32)
        .bind(y as i32)
        .fetch_one(pool)
        .await
}

/// The uncompressed MVT bytes of the n×n tiles ([`block_size`]) of the block holding tile
/// (z, x, y), each with its x and y (empty: no features). What the server renders on a miss.
pub async fn render_block_mvt(
    pool: &PgPool,
    set: &Tileset,
    z: u8,
    x: u32,
    y: u32,
) -> Result<Vec<(u32, u32, Vec<u8>)>, sqlx::Error> {
    let n = block_size(z);
    let (x0, y0) = (x - x % n, y - y % n);
    let Some(sql) = set.block_sql(z) else {
        if n == 1 {
            return Ok(vec![(x, y, render_mvt(pool, set, z, x, y).await?)]);
        }
        // No layer is drawn at z: every tile of the block is empty.
        return Ok((0..n * n)
            .map(|i| (x0 + i % n, y0 + i / n, Vec::new()))
            .collect());
    };
    let rows: Vec<(i32, i32, Vec<u8>)> = sqlx::query_as(sql)
        .bind(i32::from(z))
        .bind(x0 as i32)
        .bind(y0 as i32)
        .fetch_all(pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(dx, dy, mvt)| (x0 + dx as u32, y0 + dy as u32, mvt))
        .collect())
}

/// The tiles of the block holding (z, x, y), compressed and tagged (off the async workers:
/// gzip is CPU work).
async fn render(
    pool: &PgPool,
    set: &Tileset,
    key: TileKey,
) -> Result<Vec<(TileKey, Tile)>, Problem> {
    let block = render_block_mvt(pool, set, key.z, key.x, key.y).await?;
    tokio::task::spawn_blocking(move || {
        block
            .into_iter()
            .map(|(x, y, mvt)| (TileKey { x, y, ..key }, compress(&mvt)))
            .collect()
    })
    .await
    .map_err(|error| {
        tracing::error!(%error, "tile compression failed");
        Problem::internal()
    })
}

fn compress(mvt: &[u8]) -> Tile {
    if mvt.is_empty() {
        return Tile::empty();
    }
    // A weak validator needs no cryptographic hash: CRC-32 and length of the tile.
    let mut crc = flate2::Crc::new();
    crc.update(mvt);
    Tile {
        etag: format!("W/\"{:08x}-{:x}\"", crc.sum(), mvt.len()),
        gzip: Bytes::from(pmtiles::gzip(mvt, GZIP_LEVEL)),
    }
}

/// Whether the client takes gzip (`gzip`/`x-gzip`, or `*`, with a q above 0).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut star = false;
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
                return !refused;
            }
            if name == "*" {
                star = !refused;
            }
        }
    }
    star
}

/// Whether `If-None-Match` names this tag (weak comparison, as the header asks).
fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    let ours = etag.trim_start_matches("W/");
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == ours)
}

fn respond(tile: &Tile, headers: &HeaderMap) -> Result<Response, Problem> {
    let common = [
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_CONTROL),
        ),
        (header::VARY, HeaderValue::from_static("Accept-Encoding")),
        (
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        ),
    ];
    if tile.is_empty() {
        return Ok((StatusCode::NO_CONTENT, common).into_response());
    }
    let etag = HeaderValue::from_str(&tile.etag).map_err(|_| Problem::internal())?;
    if not_modified(headers, &tile.etag) {
        return Ok((StatusCode::NOT_MODIFIED, common, [(header::ETAG, etag)]).into_response());
    }
    let kind = (header::CONTENT_TYPE, HeaderValue::from_static(MVT));
    if accepts_gzip(headers) {
        // Content-Encoding set here also keeps the router's compression layer off.
        let encoding = (header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        return Ok((
            common,
            [kind, encoding, (header::ETAG, etag)],
            tile.gzip.clone(),
        )
            .into_response());
    }
    let raw = pmtiles::gunzip(&tile.gzip).map_err(|error| {
        tracing::error!(%error, "cached tile does not decompress");
        Problem::internal()
    })?;
    Ok((common, [kind, (header::ETAG, etag)], raw).into_response())
}

async fn tile(
    State(state): State<AppState>,
    Path((set_id, z, x, file)): Path<(String, String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let (index, set) = tileset(&set_id)?;
    let (z, x, y) = parse_zxy(&z, &x, &file)?;
    if outside_window(z, x, y) {
        return respond(&Tile::empty(), &headers);
    }
    let cache = state.tiles();
    let key = TileKey {
        generation: cache.generation(state.pool()).await,
        tileset: index,
        z,
        x,
        y,
    };
    let block = TileKey {
        x: x - x % block_size(z),
        y: y - y % block_size(z),
        ..key
    };
    let pool = state.pool();
    let (tile, rendered) = cache
        .get_or_render(key, block, || render(pool, set, key))
        .await?;
    let counter = if rendered {
        &state.metrics().tile_misses
    } else {
        &state.metrics().tile_hits
    };
    counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    respond(&tile, &headers)
}

// --- TileJSON and style ----------------------------------------------------------------

/// The bounds of the published cadastre in lon/lat (west, south, east, north); the county's
/// box when there is none.
pub async fn data_bounds(pool: &PgPool) -> Result<[f64; 4], sqlx::Error> {
    type Row = (Option<f64>, Option<f64>, Option<f64>, Option<f64>);
    let row: Row = sqlx::query_as(
        "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)
           FROM (SELECT ST_Transform(ST_Segmentize(ST_SetSRID(ST_Extent(geom)::geometry, 25832),
                                                   1000), 4326) AS b
                   FROM published.parcel) e",
    )
    .fetch_one(pool)
    .await?;
    Ok(match row {
        (Some(a), Some(b), Some(c), Some(d)) => {
            let round = |v: f64| (v * 1e6).round() / 1e6;
            [round(a), round(b), round(c), round(d)]
        }
        _ => COUNTY,
    })
}

fn vector_layers(set: &Tileset) -> Value {
    Value::from(
        set.layers
            .iter()
            .map(|l| {
                let fields: serde_json::Map<String, Value> = l
                    .fields
                    .iter()
                    .map(|(name, kind)| ((*name).to_owned(), Value::from(*kind)))
                    .collect();
                json!({
                    "id": l.id,
                    "description": l.description,
                    "minzoom": l.minzoom,
                    "maxzoom": l.maxzoom.min(DATA_MAX_ZOOM),
                    "fields": fields
                })
            })
            .collect::<Vec<_>>(),
    )
}

/// The TileJSON 3.0.0 document of a tileset served at `base`.
pub fn tilejson(set: &Tileset, base: &str, bounds: [f64; 4]) -> Value {
    json!({
        "tilejson": "3.0.0",
        "name": set.name,
        "description": set.description,
        "version": "1.0.0",
        "attribution": set.attribution,
        "scheme": "xyz",
        "tiles": [format!("{base}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt", set.id)],
        "minzoom": 0,
        "maxzoom": DATA_MAX_ZOOM,
        "bounds": bounds,
        "center": [(bounds[0] + bounds[2]) / 2.0, (bounds[1] + bounds[3]) / 2.0, 14],
        "vector_layers": vector_layers(set)
    })
}

/// The MapLibre style of `tiles/style.json` with its source pointing at `base`.
pub fn style(base: &str, bounds: [f64; 4]) -> Result<Value, serde_json::Error> {
    let mut style: Value = serde_json::from_str(include_str!("../../../tiles/style.json"))?;
    if let Some(source) = style.pointer_mut("/sources/leerstand") {
        source["tiles"] = json!([format!("{base}/tiles/public/{{z}}/{{x}}/{{y}}.mvt")]);
        source["bounds"] = json!(bounds);
        source["maxzoom"] = json!(DATA_MAX_ZOOM);
    }
    Ok(style)
}

async fn document(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, Problem> {
    let base = &state.config().base_url;
    let bounds = state
        .tiles()
        .bounds(state.pool(), |pool| async move { data_bounds(&pool).await })
        .await?;
    let body = if file == "style.json" {
        style(base, bounds).map_err(|error| {
            tracing::error!(%error, "tiles/style.json is not JSON");
            Problem::internal()
        })?
    } else {
        let id = file
            .strip_suffix(".json")
            .ok_or_else(|| Problem::not_found(format!("no tile document {file:?}")))?;
        let (_, set) = tileset(id)?;
        tilejson(set, base, bounds)
    };
    Ok((
        [(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
        axum::Json(body),
    )
        .into_response())
}

pub(crate) fn openapi_paths() -> Value {
    let set_param = json!({"name": "tileset", "in": "path", "required": true,
        "schema": {"type": "string", "enum": TILESETS.iter().map(|t| t.id).collect::<Vec<_>>()}});
    let int = |name: &str, max: u32| {
        json!({"name": name, "in": "path", "required": true,
               "schema": {"type": "integer", "minimum": 0, "maximum": max}})
    };
    let mut tile_op = crate::ops::get_op(
        "One vector tile (gzip when accepted); 204 when empty, 304 for a matching ETag.",
        MVT,
        json!([
            set_param,
            int("z", u32::from(MAX_ZOOM)),
            int("x", (1 << MAX_ZOOM) - 1),
            int("y", (1 << MAX_ZOOM) - 1)
        ]),
    );
    tile_op["get"]["responses"]["204"] = json!({"description": "The tile has no features."});
    tile_op["get"]["responses"]["304"] = json!({"description": "Not modified."});
    tile_op["get"]["responses"]["404"] = json!({"$ref": "#/components/responses/Problem"});
    json!({
        "/tiles/{tileset}.json": crate::ops::get_op("TileJSON 3.0.0 of a tileset.", "application/json", json!([set_param])),
        "/tiles/{tileset}/{z}/{x}/{y}.mvt": tile_op,
        "/tiles/style.json": crate::ops::get_op("MapLibre style of the public map.", "application/json", json!([]))
    })
}

// --- PMTiles export ----------------------------------------------------------------------

/// What `export_pmtiles` writes.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub tileset: String,
    pub min_zoom: u8,
    pub max_zoom: u8,
    /// Tiles rendered at once (database connections used).
    pub concurrency: usize,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self {
            tileset: "public".to_owned(),
            min_zoom: 0,
            max_zoom: DATA_MAX_ZOOM,
            concurrency: 4,
        }
    }
}

/// What an export wrote.
#[derive(Debug, Clone)]
pub struct ExportSummary {
    /// Tiles looked at (the grid over the data at each zoom).
    pub candidates: u64,
    pub header: pmtiles::Header,
}

/// An export failure.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("no tileset {0:?}")]
    Tileset(String),
    #[error("zooms must satisfy min ≤ max ≤ {DATA_MAX_ZOOM}; got {0}–{1}")]
    Zoom(u8, u8),
    #[error("rendering tile {z}/{x}/{y}: {source}")]
    Render {
        z: u8,
        x: u32,
        y: u32,
        source: sqlx::Error,
    },
    #[error("reading the data's bounds: {0}")]
    Bounds(sqlx::Error),
    #[error(transparent)]
    Archive(#[from] pmtiles::PmtilesError),
}

/// The tiles over `bounds` from `min` to `max` zoom, in tile-id order.
fn tiles_over(bounds: [f64; 4], min: u8, max: u8) -> Vec<(u64, u8, u32, u32)> {
    let mut out = Vec::new();
    for z in min..=max {
        let (x0, y0) = lonlat_tile(z, bounds[0], bounds[3]);
        let (x1, y1) = lonlat_tile(z, bounds[2], bounds[1]);
        for x in x0..=x1 {
            for y in y0..=y1 {
                out.push((pmtiles::tile_id(z, x, y), z, x, y));
            }
        }
    }
    out.sort_unstable_by_key(|t| t.0);
    out
}

/// Writes a tileset as one PMTiles archive: every non-empty tile over the data from
/// `min_zoom` to `max_zoom`, rendered by the same query as the server's. `progress` is
/// called with (tiles done, tiles in all).
pub async fn export_pmtiles(
    pool: &PgPool,
    path: &FsPath,
    options: &ExportOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<ExportSummary, ExportError> {
    let set = TILESETS
        .iter()
        .find(|t| t.id == options.tileset)
        .ok_or_else(|| ExportError::Tileset(options.tileset.clone()))?;
    if options.min_zoom > options.max_zoom || options.max_zoom > DATA_MAX_ZOOM {
        return Err(ExportError::Zoom(options.min_zoom, options.max_zoom));
    }
    let bounds = data_bounds(pool).await.map_err(ExportError::Bounds)?;
    let tiles = tiles_over(bounds, options.min_zoom, options.max_zoom);
    let total = tiles.len() as u64;
    let mut writer = pmtiles::Writer::create(path)?;
    // Render several tiles at once but write them in tile-id order: finished tiles wait in
    // `ready` until all before them are written.
    let mut running = tokio::task::JoinSet::new();
    let mut ready: BTreeMap<usize, (u64, Vec<u8>)> = BTreeMap::new();
    let (mut next_spawn, mut next_write) = (0usize, 0usize);
    while next_write < tiles.len() {
        while next_spawn < tiles.len() && running.len() < options.concurrency.max(1) {
            let (id, z, x, y) = tiles[next_spawn];
            let pool = pool.clone();
            let index = next_spawn;
            running.spawn(async move {
                let mvt = render_mvt(&pool, set, z, x, y)
                    .await
                    .map_err(|source| ExportError::Render { z, x, y, source })?;
                let gz = if mvt.is_empty() {
                    Vec::new()
                } else {
                    pmtiles::gzip(&mvt, 9)
                };
                Ok::<_, ExportError>((index, id, gz))
            });
            next_spawn += 1;
        }
        if let Some(done) = running.join_next().await {
            let (index, id, gz) = done.map_err(|e| {
                ExportError::Archive(pmtiles::PmtilesError::Io {
                    path: path.to_owned(),
                    source: std::io::Error::other(e),
                })
            })??;
            ready.insert(index, (id, gz));
        }
        while let Some((id, gz)) = ready.remove(&next_write) {
            if !gz.is_empty() {
                writer.add(id, &gz)?;
            }
            next_write += 1;
            if next_write % 64 == 0 || next_write == tiles.len() {
                progress(next_write as u64, total);
            }
        }
    }
    let metadata = json!({
        "name": set.name,
        "description": set.description,
        "attribution": set.attribution,
        "version": "1.0.0",
        "type": "overlay",
        "format": "pbf",
        "vector_layers": vector_layers(set),
    });
    let header = writer.finish(
        &metadata,
        pmtiles::Extent {
            min_zoom: options.min_zoom,
            max_zoom: options.max_zoom,
            bounds,
            center_zoom: options.max_zoom.min(14).max(options.min_zoom),
        },
    )?;
    Ok(ExportSummary {
        candidates: total,
        header,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tile_addresses_are_checked() {
        assert_eq!(
            parse_zxy("14", "8697", "5448.mvt").unwrap(),
            (14, 8697, 5448)
        );
        assert_eq!(parse_zxy("0", "0", "0.mvt").unwrap(), (0, 0, 0));
        for (z, x, y, status) in [
            ("23", "0", "0.mvt", 400),
            ("-1", "0", "0.mvt", 400),
            ("a", "0", "0.mvt", 400),
            ("14", "1e3", "0.mvt", 400),
            ("14", "0", " 1.mvt", 400),
            ("99999999999", "0", "0.mvt", 400),
            ("1", "2", "0.mvt", 404),
            ("1", "0", "2.mvt", 404),
            ("1", "0", "0.png", 404),
        ] {
            assert_eq!(
                parse_zxy(z, x, y).unwrap_err().status,
                status,
                "{z}/{x}/{y}"
            );
        }
    }

    #[test]
    fn tiles_and_coordinates_agree() {
        let (x, y) = lonlat_tile(14, 11.117, 51.161);
        let b = tile_lonlat(14, x, y);
        assert!(b[0] <= 11.117 && 11.117 < b[2] && b[1] <= 51.161 && 51.161 < b[3]);
        assert!(!outside_window(14, x, y));
        assert!(outside_window(14, 0, 0));
        assert!(!outside_window(0, 0, 0));
    }

    #[test]
    fn gzip_is_asked_for_the_way_browsers_do() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            accepts_gzip(&h)
        };
        assert!(with("gzip, deflate, br, zstd"));
        assert!(with("GZIP"));
        assert!(with("br;q=1.0, gzip;q=0.8"));
        assert!(with("*"));
        assert!(!with("gzip;q=0"));
        assert!(!with("br"));
        assert!(!with("identity"));
        assert!(!with("*, gzip;q=0"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn the_layers_of_the_query_are_the_layers_described() {
        for set in TILESETS {
            for layer in set.layers {
                for (field, _) in layer.fields {
                    assert!(layer.sql.contains(field), "{}.{field}", layer.id);
                }
                // Every relation read is a view of `published` or the tile bounds.
                for read in layer.sql.split("FROM ").skip(1) {
                    let name: String = read
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
                        .collect();
                    assert!(name.starts_with("published.") || name == "bounds", "{name}");
                }
                assert!(!layer.sql.to_lowercase().contains("join"), "{}", layer.id);
            }
            assert!(set.sql(5).is_none());
            let z14 = set.sql(14).unwrap();
            assert!(z14.contains("'parcels'") && !z14.contains("'districts'"));
            let z12 = set.sql(12).unwrap();
            assert!(
                z12.contains("'districts'")
                    && z12.contains("'vacancy'")
                    && !z12.contains("'parcels'")
            );
            assert_eq!(set.sql(16), set.sql(22));
        }
    }

    #[test]
    fn the_style_points_at_the_server() {
        let s = style("https://karte.example", COUNTY).unwrap();
        assert_eq!(
            s["sources"]["leerstand"]["tiles"][0],
            "https://karte.example/tiles/public/{z}/{x}/{y}.mvt"
        );
        let ids: Vec<&str> = TILESETS[0].layers.iter().map(|l| l.id).collect();
        for layer in s["layers"].as_array().unwrap() {
            if let Some(source_layer) = layer["source-layer"].as_str() {
                assert!(ids.contains(&source_layer), "{source_layer}");
            }
        }
    }

    #[test]
    fn export_grid_covers_the_bounds_in_id_order() {
        let tiles = tiles_over(COUNTY, 10, 12);
        assert!(tiles.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(tiles.iter().any(|t| t.1 == 10) && tiles.iter().any(|t| t.1 == 12));
    }
}
