//! The public map's vector tiles, without HTTP: the layers (`sql/`, one query per layer over
//! the views of schema `published`), the tile queries and their rendering through sqlx, the
//! tile grid, TileJSON, the MapLibre style (`style.json`), and the PMTiles archive
//! ([`pmtiles`], [`export_pmtiles`]). The server (`api`) and `leerstand tiles export` both
//! render through this crate, so a served tile and an exported one are the same.

mod export;
pub mod layers;
pub mod pmtiles;
mod style;

use std::collections::HashMap;
use std::f64::consts::PI;
use std::fmt::Write;
use std::sync::OnceLock;

use serde_json::{json, Value};
use sqlx::PgPool;

pub use export::{export_pmtiles, ExportError, ExportOptions, ExportSummary};
pub use style::{palette, style, StyleError, PALETTE_JSON, STYLE_JSON};

/// Highest zoom a tile is served at (deeper zooms are overzoomed by the client).
pub const MAX_ZOOM: u8 = 22;
/// Highest zoom the TileJSON and the exports announce; clients overzoom beyond.
pub const DATA_MAX_ZOOM: u8 = 16;
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
            sql: include_str!("../sql/parcels.sql"),
        },
        Layer {
            id: "buildings",
            description: "Gebäude (cadastral background) with their ALKIS function code.",
            minzoom: 14,
            maxzoom: 22,
            sql: include_str!("../sql/buildings.sql"),
        },
        Layer {
            id: "districts",
            description: "Ortsteile with the figures of the latest analysis; suppressed \
                          below five addresses.",
            minzoom: 6,
            maxzoom: 13,
            sql: include_str!("../sql/districts.sql"),
        },
        Layer {
            id: "plots",
            description: "Building gaps, brownfields, underused plots and plots of vacant \
                          buildings whose publication is allowed.",
            minzoom: 12,
            maxzoom: 22,
            sql: include_str!("../sql/plots.sql"),
        },
        Layer {
            id: "vacancy",
            description: "Vacant and partly vacant buildings whose publication is allowed.",
            minzoom: 12,
            maxzoom: 22,
            sql: include_str!("../sql/vacancy.sql"),
        },
        Layer {
            id: "offers",
            description: "Plots and buildings on offer for sale or lease.",
            minzoom: 12,
            maxzoom: 22,
            sql: include_str!("../sql/offers.sql"),
        },
        Layer {
            id: "teilkultur",
            description: "Interim-use offers (Teilkultur).",
            minzoom: 12,
            maxzoom: 22,
            sql: include_str!("../sql/teilkultur.sql"),
        },
        Layer {
            id: "reports",
            description: "Moderated citizen reports (the moderator's text).",
            minzoom: 12,
            maxzoom: 22,
            sql: include_str!("../sql/reports.sql"),
        },
        Layer {
            id: "place_labels",
            description: "Names of the towns and their Ortsteile.",
            minzoom: 6,
            maxzoom: 22,
            sql: include_str!("../sql/place_labels.sql"),
        },
        Layer {
            id: "street_labels",
            description: "Street names, one line per street.",
            minzoom: 14,
            maxzoom: 22,
            sql: include_str!("../sql/street_labels.sql"),
        },
        Layer {
            id: "house_numbers",
            description: "House numbers at the address points.",
            minzoom: 16,
            maxzoom: 22,
            sql: include_str!("../sql/house_numbers.sql"),
        },
    ],
}];

/// The part of every tile query that computes the tile's envelopes (see its comment).
const BOUNDS_SQL: &str = include_str!("../sql/bounds.sql");
/// The same for a block of tiles rendered by one query.
const BLOCK_BOUNDS_SQL: &str = include_str!("../sql/block_bounds.sql");

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
    /// Property name and TileJSON type ("String", "Number", "Boolean") of the columns that
    /// reach the tile besides `id`, from the table of public layers.
    pub fn fields(&self) -> Vec<(&'static str, &'static str)> {
        layers::tile_layer(self.id)
            .map(|l| l.fields().collect())
            .unwrap_or_default()
    }

    /// The columns a tile carries, from the layer's rows `f`: the id and the declared
    /// properties, nothing else.
    fn columns(&self) -> String {
        std::iter::once("f.id".to_owned())
            .chain(
                self.fields()
                    .iter()
                    .map(|(name, _)| format!("f.\"{name}\"")),
            )
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The tileset called `id`.
pub fn tileset(id: &str) -> Option<(usize, &'static Tileset)> {
    TILESETS.iter().enumerate().find(|(_, t)| t.id == id)
}

// --- the tile grid -----------------------------------------------------------------------

/// The tile's box in lon/lat: west, south, east, north.
pub fn tile_lonlat(z: u8, x: u32, y: u32) -> [f64; 4] {
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
pub fn lonlat_tile(z: u8, lon: f64, lat: f64) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let lat = lat.clamp(-85.05, 85.05).to_radians();
    let x = ((lon + 180.0) / 360.0 * n).floor();
    let y = ((1.0 - lat.tan().asinh() / PI) / 2.0 * n).floor();
    let max = n - 1.0;
    (x.clamp(0.0, max) as u32, y.clamp(0.0, max) as u32)
}

/// Whether tile (z, x, y) lies outside the window where data can be (it is empty).
pub fn outside_window(z: u8, x: u32, y: u32) -> bool {
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

pub(crate) fn vector_layers(set: &Tileset) -> Value {
    Value::from(
        set.layers
            .iter()
            .map(|l| {
                let fields: serde_json::Map<String, Value> = l
                    .fields()
                    .into_iter()
                    .map(|(name, kind)| (name.to_owned(), Value::from(kind)))
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_tile_layer_is_in_the_table_of_public_layers() {
        for set in TILESETS {
            for layer in set.layers {
                assert!(
                    layers::tile_layer(layer.id).is_some(),
                    "tile layer {} is not in tiles/src/layers.rs",
                    layer.id
                );
                assert!(!layer.fields().is_empty(), "{}", layer.id);
            }
        }
        for l in layers::PUBLIC_LAYERS {
            if let Some(id) = l.tile_layer {
                assert!(
                    TILESETS.iter().any(|s| s.layers.iter().any(|t| t.id == id)),
                    "{id} is in the table of public layers but in no tileset"
                );
            }
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
    fn the_layers_of_the_query_are_the_layers_described() {
        for set in TILESETS {
            for layer in set.layers {
                for (field, _) in layer.fields() {
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
}
