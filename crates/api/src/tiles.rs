//! Vector tiles of the public map over HTTP: `/tiles/{tileset}/{z}/{x}/{y}.mvt` (Mapbox Vector
//! Tiles, gzip when the client accepts it), TileJSON 3.0 at `/tiles/{tileset}.json` and the
//! MapLibre style at `/tiles/style.json`.
//!
//! The layers, their queries and the documents come from the crate `tiles`; this module
//! parses addresses, keeps compressed tiles in a [`TileCache`] keyed by the generation of the
//! published data, and answers with caching headers.

mod cache;

use std::net::IpAddr;

use ::tiles::{block_size, outside_window, Tileset, MAX_ZOOM};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{ObjectBuilder, Required, Type};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use cache::TileCache;
use cache::{Tile, TileKey};

use crate::limits::ClientAddress;
use crate::openapi::{BadRequest, NotFound, TooManyRequests, Unavailable, TILES};
use crate::problem::Path;
use crate::{AppState, Problem};

/// Bytes of compressed tiles kept in memory.
pub const DEFAULT_CACHE_BYTES: usize = 1 << 30;
/// gzip level of served tiles (zlib-rs): the fastest level; on two cores every millisecond the
/// server spends is one the database does not get, and tiles are compressed once per cache
/// generation.
const GZIP_LEVEL: u32 = 1;
const MVT: &str = "application/vnd.mapbox-vector-tile";
/// Browsers may reuse a tile for a minute, then revalidate it with its ETag.
const CACHE_CONTROL: &str = "public, max-age=60";

fn tileset(id: &str) -> Result<(u8, &'static Tileset), Problem> {
    ::tiles::tileset(id)
        .map(|(i, t)| (i as u8, t))
        .ok_or_else(|| Problem::not_found(format!("no tileset {id:?}")))
}

/// The router matches whole path segments only, so `{tileset}.json` and `{y}.mvt` are
/// routed as `{file}` and parsed by the handlers; their documents name the public templates
/// and are added by [`crate::openapi::ApiDoc`].
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(style))
        .route("/tiles/{file}", get(document))
        .route("/tiles/{tileset}/{z}/{x}/{file}", get(tile))
}

/// The path parameter `tileset`: one of the tilesets of the crate `tiles`.
#[derive(Debug)]
pub(crate) struct TilesetId;

impl IntoParams for TilesetId {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let ids: Vec<&str> = ::tiles::TILESETS.iter().map(|t| t.id).collect();
        vec![ParameterBuilder::new()
            .name("tileset")
            .parameter_in(ParameterIn::Path)
            .required(Required::True)
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(ids)),
            ))
            .build()]
    }
}

/// The tile grid's path parameters z, x and y (Web Mercator, as `parse_zxy` checks them).
#[derive(Debug)]
pub(crate) struct TileAddress;

impl IntoParams for TileAddress {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let last = (1u32 << MAX_ZOOM) - 1;
        [
            ("z", u32::from(MAX_ZOOM), "Zoom level."),
            ("x", last, "Column, below 2^z."),
            ("y", last, "Row, below 2^z."),
        ]
        .into_iter()
        .map(|(name, max, text)| {
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some(text))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .minimum(Some(0))
                        .maximum(Some(max)),
                ))
                .build()
        })
        .collect()
    }
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

// --- serving ---------------------------------------------------------------------------

/// The tiles of the block holding (z, x, y), compressed and tagged (off the async workers:
/// gzip is CPU work). A render is a public read and counts against the client's budget; a
/// cache hit never gets here.
async fn render(
    state: &AppState,
    client: IpAddr,
    set: &Tileset,
    key: TileKey,
) -> Result<Vec<(TileKey, Tile)>, Problem> {
    let read = state.public_reads().admit(client).await?;
    let block = ::tiles::render_block_mvt(read.pool(), set, key.z, key.x, key.y)
        .await
        .map_err(|e| read.problem(e))?;
    drop(read);
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
        gzip: Bytes::from(::tiles::pmtiles::gzip(mvt, GZIP_LEVEL)),
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
    let raw = ::tiles::pmtiles::gunzip(&tile.gzip).map_err(|error| {
        tracing::error!(%error, "cached tile does not decompress");
        Problem::internal()
    })?;
    Ok((common, [kind, (header::ETAG, etag)], raw).into_response())
}

/// One vector tile.
#[utoipa::path(get, path = "/tiles/{tileset}/{z}/{x}/{y}.mvt", tag = TILES, params(TilesetId, TileAddress),
    responses(
        (status = 200, description = "A Mapbox Vector Tile; gzip-encoded when the client accepts it.",
         body = Vec<u8>, content_type = MVT),
        (status = 204, description = "The tile has no features."),
        (status = 304, description = "Not modified: the ETag in If-None-Match still holds."),
        BadRequest, NotFound, TooManyRequests, Unavailable))]
pub(crate) async fn tile(
    State(state): State<AppState>,
    Path((set_id, z, x, file)): Path<(String, String, String, String)>,
    ClientAddress(client): ClientAddress,
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
    let (tile, rendered) = cache
        .get_or_render(key, block, || render(&state, client, set, key))
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

/// TileJSON 3.0.0 of a tileset.
#[utoipa::path(get, path = "/tiles/{tileset}.json", tag = TILES, params(TilesetId),
    responses((status = 200, description = "TileJSON 3.0.0.", body = Value), NotFound, Unavailable))]
pub(crate) async fn document(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, Problem> {
    let base = &state.config().base_url;
    let bounds = state
        .tiles()
        .bounds(state.pool(), |pool| async move {
            ::tiles::data_bounds(&pool).await
        })
        .await?;
    let body = if file == "style.json" {
        ::tiles::style(base, bounds).map_err(|error| {
            tracing::error!(%error, "the map style does not build");
            Problem::internal()
        })?
    } else {
        let id = file
            .strip_suffix(".json")
            .ok_or_else(|| Problem::not_found(format!("no tile document {file:?}")))?;
        let (_, set) = tileset(id)?;
        ::tiles::tilejson(set, base, bounds)
    };
    Ok((
        [(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
        axum::Json(body),
    )
        .into_response())
}

/// The MapLibre style of the public map (the document of `/tiles/{file}` for `style.json`).
#[utoipa::path(get, path = "/tiles/style.json", tag = TILES,
    responses((status = 200, description = "A MapLibre style.", body = Value), Unavailable))]
async fn style(state: State<AppState>) -> Result<Response, Problem> {
    document(state, Path("style.json".to_owned())).await
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
}
