#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Vector tiles over a real server and the fixture town: TileJSON, decoded tiles (public
//! attributes only), empty tiles, ETag/304, gzip, bad addresses, cache invalidation, and
//! the PMTiles export read back.
//!
//! Snapshots live in `tests/snapshots/` (the server's address replaced by `{base}`); set
//! `UPDATE_SNAPSHOTS=1` to rewrite them after an intended change, and review the diff.

mod common;

use std::collections::BTreeMap;
use std::f64::consts::PI;
use std::io::Read;
use std::path::PathBuf;

use serde_json::{json, Value};
use sqlx::PgPool;

// --- a small Mapbox Vector Tile decoder (protobuf wire format) -----------------------------

struct Wire<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Wire<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }
    fn done(&self) -> bool {
        self.pos >= self.buf.len()
    }
    fn varint(&mut self) -> u64 {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let b = self.buf[self.pos];
            self.pos += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return v;
            }
            shift += 7;
        }
    }
    fn bytes(&mut self) -> &'a [u8] {
        let n = self.varint() as usize;
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        out
    }
    fn fixed(&mut self, n: usize) -> &'a [u8] {
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        out
    }
    /// (field number, wire type)
    fn key(&mut self) -> (u64, u64) {
        let k = self.varint();
        (k >> 3, k & 7)
    }
    fn skip(&mut self, wire: u64) {
        match wire {
            0 => {
                self.varint();
            }
            1 => {
                self.fixed(8);
            }
            2 => {
                self.bytes();
            }
            5 => {
                self.fixed(4);
            }
            other => panic!("wire type {other}"),
        }
    }
    fn packed(&mut self) -> Vec<u32> {
        let mut inner = Wire::new(self.bytes());
        let mut out = Vec::new();
        while !inner.done() {
            out.push(inner.varint() as u32);
        }
        out
    }
}

#[derive(Debug)]
struct Feature {
    id: Option<u64>,
    kind: u64,
    properties: BTreeMap<String, Value>,
    /// Bounding box in tile units: min x, min y, max x, max y.
    bbox: [i64; 4],
}

#[derive(Debug)]
struct Layer {
    extent: u64,
    features: Vec<Feature>,
}

fn decode_value(buf: &[u8]) -> Value {
    let mut w = Wire::new(buf);
    let (field, _) = w.key();
    match field {
        1 => Value::from(std::str::from_utf8(w.bytes()).unwrap()),
        2 => Value::from(f32::from_le_bytes(w.fixed(4).try_into().unwrap())),
        3 => Value::from(f64::from_le_bytes(w.fixed(8).try_into().unwrap())),
        4 => Value::from(w.varint() as i64),
        5 => Value::from(w.varint()),
        6 => {
            let v = w.varint();
            Value::from(((v >> 1) as i64) ^ -((v & 1) as i64))
        }
        7 => Value::from(w.varint() != 0),
        other => panic!("value field {other}"),
    }
}

fn geometry_bbox(commands: &[u32]) -> [i64; 4] {
    let (mut x, mut y) = (0i64, 0i64);
    let mut bbox = [i64::MAX, i64::MAX, i64::MIN, i64::MIN];
    let zigzag = |v: u32| i64::from((v >> 1) as i32 ^ -((v & 1) as i32));
    let mut i = 0;
    while i < commands.len() {
        let (id, count) = (commands[i] & 7, commands[i] >> 3);
        i += 1;
        if id == 7 {
            continue;
        }
        assert!(id == 1 || id == 2, "command {id}");
        for _ in 0..count {
            x += zigzag(commands[i]);
            y += zigzag(commands[i + 1]);
            i += 2;
            bbox = [
                bbox[0].min(x),
                bbox[1].min(y),
                bbox[2].max(x),
                bbox[3].max(y),
            ];
        }
    }
    bbox
}

fn decode_layer(buf: &[u8]) -> (String, Layer) {
    let mut w = Wire::new(buf);
    let (mut name, mut extent, mut version) = (String::new(), 4096, 0);
    let (mut keys, mut values, mut raw) = (Vec::new(), Vec::new(), Vec::new());
    while !w.done() {
        match w.key() {
            (15, 0) => version = w.varint(),
            (1, 2) => name = String::from_utf8(w.bytes().to_vec()).unwrap(),
            (2, 2) => raw.push(w.bytes()),
            (3, 2) => keys.push(String::from_utf8(w.bytes().to_vec()).unwrap()),
            (4, 2) => values.push(decode_value(w.bytes())),
            (5, 0) => extent = w.varint(),
            (_, wire) => w.skip(wire),
        }
    }
    assert_eq!(version, 2, "layer {name}");
    let features = raw
        .into_iter()
        .map(|f| {
            let mut w = Wire::new(f);
            let (mut id, mut kind, mut tags, mut geometry) = (None, 0, Vec::new(), Vec::new());
            while !w.done() {
                match w.key() {
                    (1, 0) => id = Some(w.varint()),
                    (2, 2) => tags = w.packed(),
                    (3, 0) => kind = w.varint(),
                    (4, 2) => geometry = w.packed(),
                    (_, wire) => w.skip(wire),
                }
            }
            let properties = tags
                .chunks(2)
                .map(|kv| (keys[kv[0] as usize].clone(), values[kv[1] as usize].clone()))
                .collect();
            Feature {
                id,
                kind,
                properties,
                bbox: geometry_bbox(&geometry),
            }
        })
        .collect();
    (name, Layer { extent, features })
}

fn decode(tile: &[u8]) -> BTreeMap<String, Layer> {
    let mut w = Wire::new(tile);
    let mut layers = BTreeMap::new();
    while !w.done() {
        match w.key() {
            (3, 2) => {
                let (name, layer) = decode_layer(w.bytes());
                assert!(
                    layers.insert(name.clone(), layer).is_none(),
                    "layer {name} twice"
                );
            }
            (_, wire) => w.skip(wire),
        }
    }
    layers
}

// --- helpers ---------------------------------------------------------------------------

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn lonlat_tile(z: u8, lon: f64, lat: f64) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n).floor() as u32;
    let y = ((1.0 - lat.to_radians().tan().asinh() / PI) / 2.0 * n).floor() as u32;
    (x, y)
}

async fn lonlat(pool: &PgPool, e: f64, n: f64) -> (f64, f64) {
    sqlx::query_as(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint($1, $2), 25832), 4326) p) s",
    )
    .bind(e)
    .bind(n)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// The z14 tiles the fixture street lies on (it crosses a tile edge), the one with the
/// vacant building first.
async fn street_tiles(pool: &PgPool) -> Vec<(u8, u32, u32)> {
    let (w, s) = lonlat(pool, 648024.0, 5669900.0).await;
    let (e, n) = lonlat(pool, 648200.0, 5669930.0).await;
    let (x0, y0) = lonlat_tile(14, w, n);
    let (x1, y1) = lonlat_tile(14, e, s);
    let mut tiles = Vec::new();
    for x in x0..=x1 {
        for y in y0..=y1 {
            tiles.push((14, x, y));
        }
    }
    tiles
}

/// The tile with the vacant building.
async fn street_tile(pool: &PgPool) -> (u8, u32, u32) {
    street_tiles(pool).await[0]
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_gzip().build().unwrap()
}

async fn get(s: &common::Server, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = client().get(s.url(path));
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    request.send().await.unwrap()
}

fn snapshot(name: &str, value: &Value) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.json"));
    let text = serde_json::to_string_pretty(value).unwrap() + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_SNAPSHOTS=1)", path.display()));
    assert_eq!(
        text, expected,
        "snapshot {name} differs (UPDATE_SNAPSHOTS=1 rewrites it)"
    );
}

/// A decoded tile as JSON, with dates that depend on the day the fixture was loaded masked.
fn describe(layers: &BTreeMap<String, Layer>) -> Value {
    let mut out = serde_json::Map::new();
    for (name, layer) in layers {
        let mut features: Vec<Value> = layer
            .features
            .iter()
            .map(|f| {
                let mut props = serde_json::Map::new();
                for (k, v) in &f.properties {
                    let masked = matches!(k.as_str(), "reported_on" | "updated_on");
                    props.insert(k.clone(), if masked { json!("<today>") } else { v.clone() });
                }
                json!({"id": f.id, "type": f.kind, "properties": props, "bbox": f.bbox})
            })
            .collect();
        features.sort_by_key(|f| f["id"].as_u64());
        out.insert(
            name.clone(),
            json!({"extent": layer.extent, "features": features}),
        );
    }
    Value::Object(out)
}

/// Words, keys and values that belong to private data in the fixture.
const PRIVATE: &[&str] = &[
    "mustermann",
    "geheim",
    "@",
    "+49",
    "schulze",
    "sucher",
    "erbengemeinschaft",
    "notiz",
    "owner",
    "contact",
    "evidence",
    "score",
    "confidence",
    "resident",
    "age_",
    "consumption",
    "meter",
    "note",
    "surveyor",
    "body",
    "analysed_class",
    "override",
    "117",
    "einwohner",
];

fn assert_public(layers: &BTreeMap<String, Layer>) {
    for (name, layer) in layers {
        for f in &layer.features {
            for (k, v) in &f.properties {
                let text = format!("{k}={v}").to_lowercase();
                for word in PRIVATE {
                    assert!(!text.contains(word), "{name}: {text} contains {word:?}");
                }
            }
        }
    }
}

fn ids(layer: &Layer) -> Vec<String> {
    let mut ids: Vec<String> = layer
        .features
        .iter()
        .map(|f| f.properties["alkis_id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

async fn metric(s: &common::Server, name: &str) -> u64 {
    let text = s.get("/metrics").await.text().await.unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .unwrap()
        .parse()
        .unwrap()
}

// --- tests -----------------------------------------------------------------------------

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn tilejson_and_style_describe_the_public_tileset(pool: PgPool) {
    let s = common::start(pool).await;
    let response = get(&s, "/tiles/public.json", &[]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let text = response.text().await.unwrap().replace(&s.base, "{base}");
    let tilejson: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(tilejson["tilejson"], "3.0.0");
    assert_eq!(tilejson["tiles"][0], "{base}/tiles/public/{z}/{x}/{y}.mvt");
    let b: Vec<f64> = tilejson["bounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(
        b[0] > 11.0 && b[2] < 11.3 && b[1] > 51.0 && b[3] < 51.3,
        "{b:?}"
    );
    snapshot("tilejson_public", &tilejson);

    let style = s.get_json("/tiles/style.json").await;
    assert_eq!(style["version"], 8);
    assert_eq!(
        style["sources"]["leerstand"]["tiles"][0],
        format!("{}/tiles/public/{{z}}/{{x}}/{{y}}.mvt", s.base)
    );
    assert!(style["layers"].as_array().unwrap().len() >= 8);

    assert_eq!(get(&s, "/tiles/private.json", &[]).await.status(), 404);
    assert_eq!(get(&s, "/tiles/public.xml", &[]).await.status(), 404);
    let openapi = s.get_json("/openapi.json").await;
    assert!(openapi["paths"]["/tiles/{tileset}/{z}/{x}/{y}.mvt"].is_object());
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn a_decoded_tile_holds_only_released_public_features(pool: PgPool) {
    let tiles = street_tiles(&pool).await;
    let s = common::start(pool).await;
    // The street's features from all its tiles, once each (the clip buffer repeats those
    // near an edge, with the same id).
    let mut layers: BTreeMap<String, Layer> = BTreeMap::new();
    for (z, x, y) in tiles {
        let response = get(&s, &format!("/tiles/public/{z}/{x}/{y}.mvt"), &[]).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "application/vnd.mapbox-vector-tile"
        );
        let decoded = decode(&response.bytes().await.unwrap());
        assert_public(&decoded);
        snapshot(&format!("tile_{z}_{x}_{y}"), &describe(&decoded));
        for (name, layer) in decoded {
            let merged = layers.entry(name).or_insert(Layer {
                extent: layer.extent,
                features: Vec::new(),
            });
            for f in layer.features {
                if !merged.features.iter().any(|m| m.id == f.id) {
                    merged.features.push(f);
                }
            }
        }
    }

    // Only building 1 is vacant and released; building 2 is not released, building 3 is at
    // risk (never public).
    assert_eq!(ids(&layers["vacancy"]), ["DETHFIXTUREB0001"]);
    let vacant = &layers["vacancy"].features[0];
    assert_eq!(vacant.properties["class"], "vacant");
    assert_eq!(vacant.properties["last_verified"], "2025-01-01");
    assert_eq!(vacant.kind, 3, "polygon");
    assert!(vacant.id.is_some());
    let keys: Vec<&str> = vacant.properties.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "ags",
            "alkis_id",
            "class",
            "district",
            "last_verified",
            "town"
        ]
    );
    // The released plots (1 by consent, 4 by notice), not 5 (notice too recent) or 6
    // (objected to).
    assert_eq!(
        ids(&layers["plots"]),
        ["DETHFIXTUREP0001", "DETHFIXTUREP0004"]
    );
    assert_eq!(
        layers["parcels"].features.len(),
        9,
        "parcels 1–9 on the street"
    );
    assert_eq!(layers["buildings"].features.len(), 3);
    assert_eq!(layers["offers"].features.len(), 1);
    assert_eq!(layers["teilkultur"].features.len(), 1);
    assert_eq!(layers["reports"].features.len(), 1);
    assert_eq!(
        layers["reports"].features[0].properties["text"],
        "Leerstehendes Wohnhaus gemeldet"
    );
    assert!(
        !layers.contains_key("districts"),
        "districts are drawn below z14 only"
    );
    // Feature ids are unique per layer.
    for (name, layer) in &layers {
        let mut seen: Vec<u64> = layer.features.iter().filter_map(|f| f.id).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), layer.features.len(), "{name}");
    }

    // Lower zooms: districts with their figures, the small one suppressed; no cadastre.
    let (w, south) = lonlat(&s.pool, 648100.0, 5669915.0).await;
    let (x12, y12) = lonlat_tile(12, w, south);
    let body = get(&s, &format!("/tiles/public/12/{x12}/{y12}.mvt"), &[])
        .await
        .bytes()
        .await
        .unwrap();
    let low = decode(&body);
    assert!(!low.contains_key("parcels") && !low.contains_key("buildings"));
    let districts = &low["districts"].features;
    let by_name = |n: &str| districts.iter().find(|f| f.properties["district"] == n);
    let big = by_name("Sömmerda").unwrap();
    assert_eq!(big.properties["vacant"], 2);
    if let Some(small) = by_name("Leubingen") {
        assert_eq!(small.properties["suppressed"], true);
        assert!(!small.properties.contains_key("vacant") && !small.properties.contains_key("risk"));
    }
    assert_public(&low);
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn empty_tiles_answer_204(pool: PgPool) {
    // 5 km north of the street: inside the window, no data.
    let (lon, lat) = lonlat(&pool, 648100.0, 5675000.0).await;
    let s = common::start(pool).await;
    let (x, y) = lonlat_tile(16, lon, lat);
    for path in [
        format!("/tiles/public/16/{x}/{y}.mvt"),
        "/tiles/public/14/0/0.mvt".to_owned(),
    ] {
        let response = get(&s, &path, &[("accept-encoding", "gzip")]).await;
        assert_eq!(response.status(), 204, "{path}");
        assert!(response.headers().get("content-encoding").is_none());
        assert!(response.bytes().await.unwrap().is_empty());
    }
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn gzip_when_asked_etag_and_304(pool: PgPool) {
    let (z, x, y) = street_tile(&pool).await;
    let s = common::start(pool).await;
    let path = format!("/tiles/public/{z}/{x}/{y}.mvt");

    let plain = get(&s, &path, &[]).await;
    assert_eq!(plain.status(), 200);
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.headers()["vary"], "Accept-Encoding");
    let etag = plain.headers()["etag"].to_str().unwrap().to_owned();
    let plain = plain.bytes().await.unwrap();

    // gzip once, not twice: the router's compression layer leaves the tile alone.
    let zipped = get(&s, &path, &[("accept-encoding", "gzip, deflate, br")]).await;
    assert_eq!(zipped.status(), 200);
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    assert_eq!(zipped.headers()["etag"].to_str().unwrap(), etag);
    let zipped = zipped.bytes().await.unwrap();
    assert!(zipped.len() < plain.len());
    assert_eq!(gunzip(&zipped), plain);
    assert_eq!(plain[0], 0x1a, "an MVT starts with a layer");

    for headers in [
        vec![("if-none-match", etag.as_str())],
        vec![
            ("if-none-match", etag.trim_start_matches("W/")),
            ("accept-encoding", "gzip"),
        ],
    ] {
        let again = get(&s, &path, &headers).await;
        assert_eq!(again.status(), 304);
        assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
        assert!(again.bytes().await.unwrap().is_empty());
    }
    let other = get(&s, &path, &[("if-none-match", "W/\"0000\"")]).await;
    assert_eq!(other.status(), 200);
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn bad_tile_addresses_are_refused(pool: PgPool) {
    let s = common::start(pool).await;
    for (path, status) in [
        ("/tiles/public/23/0/0.mvt", 400),
        ("/tiles/public/99999999999999/0/0.mvt", 400),
        ("/tiles/public/a/0/0.mvt", 400),
        ("/tiles/public/14/-1/0.mvt", 400),
        ("/tiles/public/14/0/1.5.mvt", 400),
        ("/tiles/public/14/0/%27%3B.mvt", 400),
        ("/tiles/public/2/4/0.mvt", 404),
        ("/tiles/public/2/0/4.mvt", 404),
        ("/tiles/public/0/0/0.png", 404),
        ("/tiles/private/14/0/0.mvt", 404),
        ("/tiles/public/14/0.mvt", 404),
    ] {
        let response = get(&s, path, &[]).await;
        assert_eq!(response.status(), status, "{path}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
    }
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn the_cache_serves_hits_and_forgets_them_after_a_new_run(pool: PgPool) {
    let (z, x, y) = street_tile(&pool).await;
    let s = common::start(pool).await;
    let path = format!("/tiles/public/{z}/{x}/{y}.mvt");
    let first = get(&s, &path, &[("accept-encoding", "gzip")])
        .await
        .bytes()
        .await
        .unwrap();
    let second = get(&s, &path, &[("accept-encoding", "gzip")])
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(first, second);
    assert_eq!(metric(&s, "leerstand_tile_cache_misses_total").await, 1);
    assert_eq!(metric(&s, "leerstand_tile_cache_hits_total").await, 1);
    assert_eq!(
        ids(&decode(&gunzip(&first))["vacancy"]),
        ["DETHFIXTUREB0001"]
    );

    // A new run that finds nothing vacant: once the cache has looked (at most a second),
    // the tile is made again and the vacancy layer is gone.
    sqlx::query(
        "INSERT INTO analysis_run (status, started_at, finished_at, params, summary)
         VALUES ('done', now(), now(), '{\"as_of\": \"2025-02-01\"}', '[]')",
    )
    .execute(&s.pool)
    .await
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let third = get(&s, &path, &[("accept-encoding", "gzip")])
        .await
        .bytes()
        .await
        .unwrap();
    let layers = decode(&gunzip(&third));
    assert!(!layers.contains_key("vacancy"));
    assert!(layers.contains_key("parcels"));
    assert_eq!(metric(&s, "leerstand_tile_cache_misses_total").await, 2);

    // A withdrawn consent is no analysis run, yet the tile follows it as well.
    let before = get(&s, &path, &[]).await.bytes().await.unwrap();
    assert!(decode(&before).contains_key("offers"));
    sqlx::query("UPDATE publication_consent SET objection_on = current_date WHERE parcel_id = 4")
        .execute(&s.pool)
        .await
        .unwrap();
    let mut gone = false;
    for _ in 0..30 {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let now = get(&s, &path, &[]).await.bytes().await.unwrap();
        if !decode(&now).contains_key("offers") {
            gone = true;
            break;
        }
    }
    assert!(
        gone,
        "the offer on the parcel whose consent was withdrawn is still in the tile"
    );
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn the_pmtiles_export_reads_back(pool: PgPool) {
    let (z, x, y) = street_tile(&pool).await;
    let dir = std::env::temp_dir().join(format!("leerstand-tiles-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("public.pmtiles");
    let options = ::tiles::ExportOptions {
        min_zoom: 10,
        max_zoom: 16,
        ..::tiles::ExportOptions::default()
    };
    let summary = ::tiles::export_pmtiles(&pool, &path, &options, &|_, _| {})
        .await
        .unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();

    let reader = ::tiles::pmtiles::Reader::new(&bytes).unwrap();
    let h = &reader.header;
    assert_eq!(*h, summary.header);
    assert_eq!((h.extent.min_zoom, h.extent.max_zoom), (10, 16));
    assert_eq!(
        (h.tile_type, h.tile_compression, h.internal_compression),
        (1, 2, 2)
    );
    assert!(h.clustered);
    assert!(h.addressed_tiles >= 7, "one tile or more per zoom: {h:?}");
    assert!(h.extent.bounds[0] > 11.0 && h.extent.bounds[2] < 11.3);
    let metadata = reader.metadata().unwrap();
    assert_eq!(
        metadata["vector_layers"].as_array().unwrap().len(),
        ::tiles::TILESETS[0].layers.len()
    );

    // The archive holds the tile the server makes: the same features (the server renders a
    // block of tiles per query, so their order within a layer may differ).
    let stored = gunzip(
        reader
            .tile(z, x, y)
            .unwrap()
            .expect("the street tile is archived"),
    );
    let s = common::start(pool).await;
    let served = get(&s, &format!("/tiles/public/{z}/{x}/{y}.mvt"), &[])
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(describe(&decode(&stored)), describe(&decode(&served)));
    assert_public(&decode(&stored));
    // Tiles are in id order and none is empty.
    let entries = reader.entries().unwrap();
    assert!(entries.windows(2).all(|w| w[0].tile_id < w[1].tile_id));
    assert!(entries.iter().all(|e| e.length > 0));
}

/// The server renders the tiles of a block in one query: each tile of the block holds what
/// the single-tile query gives (same layers, features, properties and extents), at the zooms
/// of every layer band, for tiles on both sides of block edges.
#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn a_block_renders_what_single_tiles_render(pool: PgPool) {
    let set = &::tiles::TILESETS[0];
    let (w, s) = lonlat(&pool, 647900.0, 5669800.0).await;
    let (e, n) = lonlat(&pool, 648300.0, 5670050.0).await;
    let mut compared = 0;
    for z in [10u8, 12, 13, 14, 15, 16] {
        let (x0, y0) = lonlat_tile(z, w, n);
        let (x1, y1) = lonlat_tile(z, e, s);
        for x in x0..=x1 {
            for y in y0..=y1 {
                let single = ::tiles::render_mvt(&pool, set, z, x, y).await.unwrap();
                let block = ::tiles::render_block_mvt(&pool, set, z, x, y)
                    .await
                    .unwrap();
                let n = ::tiles::block_size(z);
                assert_eq!(block.len() as u32, n * n, "{z}/{x}/{y}");
                for (bx, by, _) in &block {
                    assert!(bx / n == x / n && by / n == y / n, "{z}/{x}/{y}: {bx}/{by}");
                }
                let (_, _, mvt) = block
                    .iter()
                    .find(|(bx, by, _)| (*bx, *by) == (x, y))
                    .unwrap();
                assert_eq!(
                    describe(&decode(mvt)),
                    describe(&decode(&single)),
                    "tile {z}/{x}/{y}"
                );
                compared += usize::from(!single.is_empty());
            }
        }
    }
    assert!(
        compared >= 6,
        "only {compared} tiles with features compared"
    );
}
