//! Imports one layer of any vector format GDAL reads (GeoPackage, Shapefile, GeoJSON,
//! FlatGeobuf, GML …) as parcels, buildings, addresses or land use.
//!
//! Columns are found by the names of `alkis.gpkg` (docs/formats.md) unless `--map src=dst`
//! says which source column supplies which one. GDAL reads on a thread of its own while the
//! database ingests the previous chunk.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use gdal::vector::{FieldValue, LayerAccess};
use gdal::Dataset;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use store::{BatchKind, Begin, CopyBuf, ImportReport, MergeOptions, Staging};
use tokio::sync::mpsc;

use model::{AlkisId, Flurstueckskennzeichen, HouseNumber, LandUseClass};

mod gpkg;
mod landvalues;
mod valid;

pub use landvalues::{import_land_values, LandValueReport};

/// A vector import failed; nothing of it was kept.
#[derive(Debug, thiserror::Error)]
pub enum VectorError {
    #[error("{path}: cannot read")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: GDAL cannot open it")]
    Open {
        path: PathBuf,
        #[source]
        source: gdal::errors::GdalError,
    },
    #[error("{path}: {reason}")]
    Layer { path: PathBuf, reason: String },
    #[error("{at}: {field}: {reason}")]
    Invalid {
        at: String,
        field: String,
        reason: String,
    },
    #[error("{path}: unknown coordinate reference system {srs}; pass --srs EPSG:n")]
    UnknownCrs { path: PathBuf, srs: String },
    #[error("--map {0:?}: expected src=dst")]
    Map(String),
    #[error("the reader stopped unexpectedly")]
    ReaderGone,
    #[error("{operation} failed")]
    Db {
        operation: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

/// What the layer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Parcels,
    Buildings,
    Addresses,
    LandUse,
}

impl Target {
    /// The layer name in `alkis.gpkg`, chosen when the file holds several layers.
    fn default_layer(self) -> &'static str {
        match self {
            Self::Parcels => "parcels",
            Self::Buildings => "buildings",
            Self::Addresses => "addresses",
            Self::LandUse => "land_use",
        }
    }

    /// Columns read, required ones first marked `true`.
    fn columns(self) -> &'static [(&'static str, bool)] {
        match self {
            Self::Parcels => &[
                ("alkis_id", true),
                ("kennzeichen", true),
                ("ags", false),
                ("official_area_m2", false),
            ],
            Self::Buildings => &[
                ("alkis_id", true),
                ("function_code", true),
                ("storeys", false),
                ("parcel_kennzeichen", false),
            ],
            Self::Addresses => &[
                ("street", true),
                ("house_number", true),
                ("alkis_id", false),
                ("ags", false),
                ("postcode", false),
                ("building_alkis_id", false),
            ],
            Self::LandUse => &[
                ("alkis_id", true),
                ("class", true),
                ("function_code", false),
                ("zustand", false),
            ],
        }
    }
}

/// How to import.
#[derive(Debug, Clone)]
pub struct Options {
    pub target: Target,
    pub layer: Option<String>,
    /// `(source column, destination column)` pairs.
    pub map: Vec<(String, String)>,
    /// EPSG code to use instead of the layer's own CRS.
    pub srs: Option<i32>,
    pub merge: MergeOptions,
    pub chunk_bytes: usize,
    pub progress: indicatif::ProgressBar,
    /// Read GeoPackages through GDAL too, instead of straight from SQLite (to compare the two).
    pub through_gdal: bool,
}

impl Options {
    pub fn new(target: Target) -> Self {
        Self {
            target,
            layer: None,
            map: Vec::new(),
            srs: None,
            merge: MergeOptions::default(),
            chunk_bytes: 8 << 20,
            progress: indicatif::ProgressBar::hidden(),
            through_gdal: false,
        }
    }
}

/// Parses `src=dst`.
pub fn parse_map(s: &str) -> Result<(String, String), VectorError> {
    match s.split_once('=') {
        Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => {
            Ok((a.trim().to_owned(), b.trim().to_owned()))
        }
        _ => Err(VectorError::Map(s.to_owned())),
    }
}

/// Parses `EPSG:n`, `n` or `urn:ogc:def:crs:EPSG::n`.
pub fn parse_srs(s: &str) -> Option<i32> {
    let t = s.trim();
    let code = t
        .strip_prefix("EPSG:")
        .or_else(|| t.strip_prefix("epsg:"))
        .or_else(|| t.strip_prefix("urn:ogc:def:crs:EPSG::"))
        .unwrap_or(t);
    code.parse().ok().filter(|c| *c > 0)
}

/// sha256 of the file, with the options that change what is loaded (the same file as
/// another target or layer is another import). Shapefiles include their sidecar files.
fn checksum(path: &Path, opts: &Options) -> Result<String, VectorError> {
    let mut files = vec![path.to_owned()];
    for ext in ["dbf", "shx", "prj"] {
        let side = path.with_extension(ext);
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("shp"))
            && side.exists()
        {
            files.push(side);
        }
    }
    let mut h = Sha256::new();
    for f in &files {
        let mut file = std::fs::File::open(f).map_err(|source| VectorError::Io {
            path: f.clone(),
            source,
        })?;
        std::io::copy(&mut file, &mut h).map_err(|source| VectorError::Io {
            path: f.clone(),
            source,
        })?;
    }
    h.update(
        format!(
            "{:?}|{:?}|{:?}|{:?}",
            opts.target, opts.layer, opts.map, opts.srs
        )
        .as_bytes(),
    );
    Ok(format!("{:x}", h.finalize()))
}

enum Msg {
    Chunk(Staging, CopyBuf),
    /// Checked parcel rows for [`store::Import::copy_direct_parcels`].
    Direct(CopyBuf),
}

/// What the reader found beyond the rows it sent.
struct Read {
    /// The municipalities named by directly loaded parcels.
    ags: Vec<String>,
}

/// Ids and keys of a direct parcel load, to find repeated ones (the unique indexes are only
/// rebuilt after the load) and name both features: value → feature id.
#[derive(Default)]
struct Seen {
    ids: HashMap<[u8; 16], u64, Fnv>,
    keys: HashMap<[u8; 20], u64, Fnv>,
    ags: BTreeSet<String>,
}

/// FNV-1a: the ids and keys come from the input file, not from an adversary of this process,
/// and a million of them are hashed per load.
type Fnv = std::hash::BuildHasherDefault<FnvHasher>;

#[derive(Default)]
struct FnvHasher(u64);

impl std::hash::Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// The layer to read, its columns and its CRS; found before the transaction starts.
struct Plan {
    layer: String,
    /// destination column → field index
    columns: Vec<(&'static str, Option<usize>)>,
    /// the layer's field names, by index
    fields: Vec<String>,
    srid: i32,
}

fn plan(path: &Path, opts: &Options) -> Result<Plan, VectorError> {
    let ds = Dataset::open(path).map_err(|source| VectorError::Open {
        path: path.to_owned(),
        source,
    })?;
    let names: Vec<String> = ds.layers().map(|l| l.name()).collect();
    let layer_name = match &opts.layer {
        Some(l) => l.clone(),
        None if names.len() == 1 => names[0].clone(),
        None => {
            let want = opts.target.default_layer();
            names
                .iter()
                .find(|n| n.as_str() == want)
                .cloned()
                .ok_or_else(|| VectorError::Layer {
                    path: path.to_owned(),
                    reason: format!("the file has layers {names:?}; choose one with --layer"),
                })?
        }
    };
    let layer = ds
        .layer_by_name(&layer_name)
        .map_err(|_| VectorError::Layer {
            path: path.to_owned(),
            reason: format!("no layer {layer_name:?}; the file has {names:?}"),
        })?;
    let fields: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
    let mut columns = Vec::new();
    for (dst, required) in opts.target.columns() {
        let src = opts
            .map
            .iter()
            .find(|(_, d)| d == dst)
            .map(|(s, _)| s.as_str())
            .unwrap_or(dst);
        let idx = fields.iter().position(|f| f.eq_ignore_ascii_case(src));
        if idx.is_none() && *required {
            return Err(VectorError::Layer {
                path: path.to_owned(),
                reason: format!(
                    "layer {layer_name:?} has no column {src:?} (needed as {dst}); it has {fields:?}; use --map SRC={dst}"
                ),
            });
        }
        columns.push((*dst, idx));
    }
    let srid = match opts.srs {
        Some(s) => s,
        None => {
            let srs = layer.spatial_ref().ok_or_else(|| VectorError::UnknownCrs {
                path: path.to_owned(),
                srs: "(none)".to_owned(),
            })?;
            let code = match (srs.auth_name().as_deref(), srs.auth_code()) {
                (Some("EPSG"), Ok(c)) => Some(c),
                _ => {
                    let mut s2 = srs.clone();
                    s2.auto_identify_epsg()
                        .ok()
                        .and_then(|_| s2.auth_code().ok())
                }
            };
            code.ok_or_else(|| VectorError::UnknownCrs {
                path: path.to_owned(),
                srs: srs.name().unwrap_or_else(|| "(unnamed)".to_owned()),
            })?
        }
    };
    Ok(Plan {
        layer: layer_name,
        columns,
        fields,
        srid,
    })
}

fn value_text(v: Option<FieldValue>) -> Option<String> {
    let s = match v? {
        FieldValue::StringValue(s) => s,
        FieldValue::IntegerValue(i) => i.to_string(),
        FieldValue::Integer64Value(i) => i.to_string(),
        FieldValue::RealValue(r) => real_text(r),
        other => format!("{other:?}"),
    };
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// A real field as text: whole numbers print as integers (exact below 1e15); -0 keeps its
/// sign.
fn real_text(r: f64) -> String {
    if r.fract() == 0.0 && r.abs() < 1e15 && r != 0.0 {
        (r as i64).to_string()
    } else if r.fract() == 0.0 && r.abs() < 1e15 {
        format!("{r:.0}")
    } else {
        r.to_string()
    }
}

struct Row<'a> {
    file: &'a str,
    layer: &'a str,
    fid: u64,
    values: Vec<(&'static str, Option<String>)>,
}

impl Row<'_> {
    /// Where the row is, for messages and the staging tables; only formatted when needed.
    fn at(&self) -> String {
        format!("{} (layer {}, feature {})", self.file, self.layer, self.fid)
    }

    fn get(&self, k: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(c, _)| *c == k)
            .and_then(|(_, v)| v.as_deref())
    }

    fn invalid(&self, field: &str, reason: impl Into<String>) -> VectorError {
        VectorError::Invalid {
            at: self.at(),
            field: field.to_owned(),
            reason: reason.into(),
        }
    }

    fn required(&self, k: &str) -> Result<&str, VectorError> {
        self.get(k).ok_or_else(|| self.invalid(k, "empty"))
    }

    fn alkis_id(&self, k: &str) -> Result<Option<AlkisId>, VectorError> {
        self.get(k)
            .map(|v| AlkisId::from_urn(v).map_err(|e| self.invalid(k, e.to_string())))
            .transpose()
    }

    fn small(
        &self,
        k: &str,
        range: std::ops::RangeInclusive<i16>,
    ) -> Result<Option<i16>, VectorError> {
        self.get(k)
            .map(|v| {
                v.parse::<f64>()
                    .ok()
                    .filter(|f| f.fract() == 0.0)
                    .and_then(|f| i16::try_from(f as i64).ok())
                    .filter(|n| range.contains(n))
                    .ok_or_else(|| {
                        self.invalid(
                            k,
                            format!(
                                "{v:?} is not a whole number from {} to {}",
                                range.start(),
                                range.end()
                            ),
                        )
                    })
            })
            .transpose()
    }
}

/// A feature's geometry as 2D WKB, whichever reader found it.
struct Geom<'a> {
    wkb: Cow<'a, [u8]>,
    /// The WKB type code without dimension: 1 point … 7 collection.
    code: u32,
    /// A polygon or multipolygon proven valid (and so not empty) without GEOS.
    sure: bool,
}

impl<'a> Geom<'a> {
    fn from_gdal(g: &gdal::vector::Geometry) -> Result<Geom<'static>, String> {
        let mut flat;
        let g = if gdal::vector::geometry_type_has_z(g.geometry_type())
            || gdal::vector::geometry_type_has_m(g.geometry_type())
        {
            flat = g.clone();
            flat.flatten_to_2d();
            &flat
        } else {
            g
        };
        Geom::new(Cow::Owned(g.wkb().map_err(|e| e.to_string())?))
    }

    /// From WKB as a GeoPackage stores it; Z and M are dropped as GDAL's reader would.
    fn from_wkb(wkb: &'a [u8]) -> Result<Geom<'a>, String> {
        let geom = Geom::new(Cow::Borrowed(wkb))?;
        let code = wkb_code(wkb).unwrap_or(0);
        if code == geom.code {
            return Ok(geom);
        }
        let g = gdal::vector::Geometry::from_wkb(wkb).map_err(|e| e.to_string())?;
        Geom::from_gdal(&g)
    }

    fn new(wkb: Cow<'a, [u8]>) -> Result<Self, String> {
        let code = wkb_code(&wkb).ok_or("unsupported geometry encoding")?;
        // ISO (1000s) and EWKB/OGR (high bits) dimension flags both dropped.
        let code = (code & 0x0FFF_FFFF) % 1000;
        if !(1..=7).contains(&code) {
            return Err(format!("unsupported geometry type code {code}"));
        }
        let sure = matches!(code, 3 | 6) && valid::surely_valid(&wkb);
        Ok(Self { wkb, code, sure })
    }

    fn polygonal(&self) -> bool {
        matches!(self.code, 3 | 6)
    }

    fn name(&self) -> &'static str {
        [
            "POINT",
            "LINESTRING",
            "POLYGON",
            "MULTIPOINT",
            "MULTILINESTRING",
            "MULTIPOLYGON",
        ]
        .get(self.code as usize - 1)
        .copied()
        .unwrap_or("GEOMETRYCOLLECTION")
    }

    fn gdal(&self) -> Option<gdal::vector::Geometry> {
        gdal::vector::Geometry::from_wkb(&self.wkb).ok()
    }

    fn is_empty(&self) -> bool {
        if self.sure {
            return false;
        }
        // A 2D point is empty when its coordinates are NaN (how WKB writes POINT EMPTY).
        if let (1, Some(xy)) = (self.code, self.wkb.get(5..21)) {
            let little = self.wkb[0] == 1;
            let coord = |b: &[u8]| {
                let raw: [u8; 8] = b.try_into().unwrap_or([0; 8]);
                if little {
                    f64::from_le_bytes(raw)
                } else {
                    f64::from_be_bytes(raw)
                }
            };
            if wkb_code(&self.wkb) == Some(1) {
                return coord(&xy[..8]).is_nan() && coord(&xy[8..]).is_nan();
            }
        }
        self.gdal().is_none_or(|g| g.is_empty())
    }

    fn area(&self) -> f64 {
        self.gdal().map_or(0.0, |g| g.area())
    }

    /// What GEOS (PostGIS's `ST_IsValid`) says; most cadastral polygons are proven valid
    /// without it.
    fn is_valid(&self) -> bool {
        self.sure || self.gdal().is_some_and(|g| g.is_valid())
    }
}

/// The type code of a WKB geometry, as written.
fn wkb_code(wkb: &[u8]) -> Option<u32> {
    let raw: [u8; 4] = wkb.get(1..5)?.try_into().ok()?;
    match wkb[0] {
        1 => Some(u32::from_le_bytes(raw)),
        0 => Some(u32::from_be_bytes(raw)),
        _ => None,
    }
}

/// Checks and encodes features one at a time, whichever reader found them, and sends the
/// encoded rows on in chunks.
struct Sink<'a> {
    file: String,
    plan: &'a Plan,
    target: Target,
    direct: Option<i64>,
    chunk_bytes: usize,
    tx: mpsc::Sender<Msg>,
    table: Staging,
    buf: CopyBuf,
    links: CopyBuf,
    direct_buf: CopyBuf,
    seen: Seen,
    n: u64,
    progress: indicatif::ProgressBar,
}

impl<'a> Sink<'a> {
    fn new(
        path: &Path,
        opts: &Options,
        plan: &'a Plan,
        direct: Option<i64>,
        tx: mpsc::Sender<Msg>,
    ) -> Self {
        let table = match opts.target {
            Target::Parcels => Staging::Parcel,
            Target::Buildings => Staging::Building,
            Target::Addresses => Staging::Address,
            Target::LandUse => Staging::LandUse,
        };
        Self {
            file: path.display().to_string(),
            plan,
            target: opts.target,
            direct,
            chunk_bytes: opts.chunk_bytes,
            tx,
            table,
            buf: CopyBuf::new(),
            links: CopyBuf::new(),
            direct_buf: CopyBuf::new(),
            seen: Seen::default(),
            n: 0,
            progress: opts.progress.clone(),
        }
    }

    fn send(&self, msg: Msg) -> Result<(), VectorError> {
        self.tx
            .blocking_send(msg)
            .map_err(|_| VectorError::ReaderGone)
    }

    /// One feature: `values` in the order of the plan's columns.
    fn feature(
        &mut self,
        fid: Option<u64>,
        values: Vec<Option<String>>,
        geom: Result<Option<Geom<'_>>, String>,
    ) -> Result<(), VectorError> {
        self.n += 1;
        let n = self.n;
        let row = Row {
            file: &self.file,
            layer: &self.plan.layer,
            fid: fid.unwrap_or(n),
            values: self
                .plan
                .columns
                .iter()
                .map(|(dst, _)| *dst)
                .zip(values)
                .collect(),
        };
        let g = geom
            .map_err(|e| row.invalid("geometry", e))?
            .filter(|g| !g.is_empty())
            .ok_or_else(|| row.invalid("geometry", "the geometry is empty or missing"))?;
        let ewkb = store::ewkb::from_wkb(&g.wkb, self.plan.srid)
            .ok_or_else(|| row.invalid("geometry", "unsupported geometry encoding"))?;
        match self.target {
            Target::Parcels | Target::Buildings | Target::LandUse if !g.polygonal() => {
                return Err(row.invalid(
                    "geometry",
                    format!("expected a polygon, found {}", g.name()),
                ));
            }
            _ => {}
        }
        let table = self.table.copy_table();
        match self.target {
            Target::Parcels => {
                let id = row
                    .alkis_id("alkis_id")?
                    .ok_or_else(|| row.invalid("alkis_id", "empty"))?;
                let k = row.required("kennzeichen")?;
                let key = k
                    .parse::<Flurstueckskennzeichen>()
                    .map_err(|e| row.invalid("kennzeichen", e.to_string()))?;
                let ags = row.get("ags");
                if let Some(a) = ags {
                    a.parse::<model::Ags>()
                        .map_err(|e| row.invalid("ags", e.to_string()))?;
                }
                let area = match row.get("official_area_m2") {
                    Some(v) => v
                        .replace(',', ".")
                        .parse::<f64>()
                        .ok()
                        .filter(|a| *a > 0.0 && a.is_finite())
                        .ok_or_else(|| {
                            row.invalid(
                                "official_area_m2",
                                format!("{v:?} is not a positive number"),
                            )
                        })?,
                    // Without the official area, the area of the geometry stands in.
                    None => g.area(),
                };
                if let Some(batch) = self.direct {
                    let at_of =
                        |fid: u64| format!("{} (layer {}, feature {fid})", row.file, row.layer);
                    let (id_bytes, key_bytes) = (fixed::<16>(id.as_str()), fixed::<20>(k));
                    if let Some(first) = self.seen.ids.insert(id_bytes, row.fid) {
                        return Err(row.invalid(
                            "alkis_id",
                            format!(
                                "object {id} appears more than once: {}, {}",
                                at_of(first),
                                row.at()
                            ),
                        ));
                    }
                    if let Some(first) = self.seen.keys.insert(key_bytes, row.fid) {
                        return Err(row.invalid(
                            "kennzeichen",
                            format!(
                                "Flurstückskennzeichen {k} appears more than once: {}, {}",
                                at_of(first),
                                row.at()
                            ),
                        ));
                    }
                    // Rows the database would refuse (an invalid geometry, no usable area) go
                    // through staging, where the merge names the feature or --repair fixes it.
                    let multi = store::ewkb::multipolygon_from_wkb(&g.wkb, self.plan.srid)
                        .filter(|_| area > 0.0 && area.is_finite() && g.is_valid());
                    if let Some(multi) = multi {
                        if let Some(a) = ags {
                            if !self.seen.ags.contains(a) {
                                self.seen.ags.insert(a.to_owned());
                            }
                        }
                        let gemarkung = i16::try_from(key.gemarkung()).unwrap_or(i16::MAX);
                        let flur = i16::try_from(key.flur()).unwrap_or(i16::MAX);
                        let zaehler = i32::try_from(key.zaehler()).unwrap_or(i32::MAX);
                        let nenner = key.nenner().and_then(|n| i16::try_from(n).ok());
                        self.direct_buf
                            .row(&store::Import::DIRECT_PARCEL)
                            .text(id.as_str())
                            .text(k)
                            .i16(gemarkung)
                            .i16(flur)
                            .i32(zaehler)
                            .opt_i16(nenner)
                            .opt_text(ags)
                            .f64(area)
                            .bytes(&multi)
                            .i64(batch);
                        if self.direct_buf.len() >= self.chunk_bytes {
                            let chunk = std::mem::take(&mut self.direct_buf);
                            self.send(Msg::Direct(chunk))?;
                        }
                        self.progress();
                        return Ok(());
                    }
                }
                self.buf
                    .row(table)
                    .text(&row.at())
                    .text(id.as_str())
                    .text(k)
                    .opt_text(ags)
                    .f64(area)
                    .bytes(&ewkb)
                    .null();
            }
            Target::Buildings => {
                let id = row
                    .alkis_id("alkis_id")?
                    .ok_or_else(|| row.invalid("alkis_id", "empty"))?;
                let code = row
                    .small("function_code", 1000..=9999)?
                    .ok_or_else(|| row.invalid("function_code", "empty"))?;
                let storeys = row.small("storeys", 0..=99)?;
                let pk = row.get("parcel_kennzeichen");
                self.buf
                    .row(table)
                    .text(&row.at())
                    .text(id.as_str())
                    .i16(code)
                    .opt_i16(storeys)
                    .bytes(&ewkb)
                    .opt_text(pk)
                    .null();
            }
            Target::Addresses => {
                if g.code != 1 {
                    return Err(
                        row.invalid("geometry", format!("expected a point, found {}", g.name()))
                    );
                }
                let id = row.alkis_id("alkis_id")?;
                let street = row.required("street")?;
                let number: HouseNumber = row
                    .required("house_number")?
                    .parse()
                    .map_err(|e: model::ModelError| row.invalid("house_number", e.to_string()))?;
                let ags = row.get("ags");
                let postcode = row.get("postcode");
                if let Some(p) = postcode {
                    if p.len() != 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(
                            row.invalid("postcode", format!("{p:?} is not a 5-digit postcode"))
                        );
                    }
                }
                let house = i32::try_from(number.number).unwrap_or(i32::MAX);
                self.buf
                    .row(table)
                    .text(&row.at())
                    .opt_text(id.as_ref().map(AlkisId::as_str))
                    .opt_text(ags)
                    .null()
                    .text(street)
                    .text(&model::normalize_street(street))
                    .i32(house)
                    .text(number.suffix.as_deref().unwrap_or(""))
                    .opt_text(postcode)
                    .bytes(&ewkb);
                if let (Some(id), Some(b)) = (id, row.alkis_id("building_alkis_id")?) {
                    self.links
                        .row(Staging::Link.copy_table())
                        .text("building_address_point")
                        .text(b.as_str())
                        .text(id.as_str());
                }
            }
            Target::LandUse => {
                let id = row
                    .alkis_id("alkis_id")?
                    .ok_or_else(|| row.invalid("alkis_id", "empty"))?;
                let c = row.required("class")?;
                let class = LandUseClass::from_feature_type(c)
                    .or_else(|e| {
                        c.parse::<u32>()
                            .map_err(|_| e)
                            .and_then(LandUseClass::from_code)
                    })
                    .map_err(|e| row.invalid("class", e.to_string()))?;
                let f = row.small("function_code", 0..=9999)?;
                let zustand = row.small("zustand", 0..=9999)?;
                self.buf
                    .row(table)
                    .text(&row.at())
                    .text(id.as_str())
                    .text(class.feature_type())
                    .opt_i16(f)
                    .bytes(&ewkb)
                    .opt_i16(zustand);
            }
        }
        if self.buf.len() >= self.chunk_bytes {
            let chunk = std::mem::take(&mut self.buf);
            self.send(Msg::Chunk(self.table, chunk))?;
        }
        self.progress();
        Ok(())
    }

    fn progress(&self) {
        if self.n % 1000 == 0 {
            // Straight to the bar: progress messages in the channel would take the places
            // of chunks, and the reader would wait for the database instead of reading ahead.
            self.progress.inc(1000);
        }
    }

    /// Sends what is left and returns what the reader found beyond its rows.
    fn finish(mut self) -> Result<Read, VectorError> {
        self.progress.inc(self.n % 1000);
        let (buf, links) = (
            std::mem::take(&mut self.buf),
            std::mem::take(&mut self.links),
        );
        for (table, chunk) in [(self.table, buf), (Staging::Link, links)] {
            if !chunk.is_empty() {
                self.send(Msg::Chunk(table, chunk))?;
            }
        }
        let direct = std::mem::take(&mut self.direct_buf);
        if !direct.is_empty() {
            self.send(Msg::Direct(direct))?;
        }
        Ok(Read {
            ags: std::mem::take(&mut self.seen.ags).into_iter().collect(),
        })
    }
}

/// Reads the layer (straight from SQLite for a GeoPackage, else through GDAL) on the calling
/// thread and sends its rows to `tx`.
fn read(
    path: PathBuf,
    opts: Options,
    plan: Plan,
    direct: Option<i64>,
    tx: mpsc::Sender<Msg>,
) -> Result<Read, VectorError> {
    let sources: Vec<Option<String>> = plan
        .columns
        .iter()
        .map(|(_, idx)| idx.and_then(|i| plan.fields.get(i).cloned()))
        .collect();
    let mut sink = Sink::new(&path, &opts, &plan, direct, tx);
    if let Some(table) = gpkg::open(&path, &plan.layer, &sources).filter(|_| !opts.through_gdal) {
        table.for_each(&path, &plan.layer, |fid, values, wkb| {
            sink.feature(Some(fid), values, wkb.map(Geom::from_wkb).transpose())
        })?;
        return sink.finish();
    }
    let ds = Dataset::open(&path).map_err(|source| VectorError::Open {
        path: path.clone(),
        source,
    })?;
    let mut layer = ds
        .layer_by_name(&plan.layer)
        .map_err(|e| VectorError::Layer {
            path: path.clone(),
            reason: e.to_string(),
        })?;
    for feature in layer.features() {
        let values = plan
            .columns
            .iter()
            .map(|(_, idx)| idx.and_then(|i| value_text(feature.field(i).ok().flatten())))
            .collect();
        let geom = feature
            .geometry()
            .filter(|g| !g.is_empty())
            .map(Geom::from_gdal)
            .transpose();
        sink.feature(feature.fid(), values, geom)?;
    }
    sink.finish()
}

/// The first `N` bytes of an ASCII value checked to be exactly that long.
fn fixed<const N: usize>(s: &str) -> [u8; N] {
    let mut out = [0u8; N];
    for (o, b) in out.iter_mut().zip(s.bytes()) {
        *o = b;
    }
    out
}

/// Sends GDAL's own messages (GEOS's "Self-intersection at or near point …" when a geometry
/// is tested) to the log instead of stderr: the importer reports what matters itself.
fn quiet_gdal() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        gdal::config::set_error_handler(|class, number, message| {
            tracing::debug!(?class, number, message, "GDAL");
        });
    });
}

/// Imports one layer of `path` in one transaction.
pub async fn import(
    pool: &PgPool,
    path: &Path,
    opts: &Options,
) -> Result<ImportReport, VectorError> {
    quiet_gdal();
    let plan = plan(path, opts)?;
    if !store::srid_known(pool, plan.srid).await? {
        return Err(VectorError::UnknownCrs {
            path: path.to_owned(),
            srs: format!("EPSG:{}", plan.srid),
        });
    }
    let sum = checksum(path, opts)?;
    let source = format!("{} (layer {})", path.display(), plan.layer);
    let mut import = match store::begin(pool, BatchKind::Vector, &source, &sum).await? {
        Begin::AlreadyImported(r) => return Ok(r),
        Begin::Started(i) => i,
    };
    import
        .create_staging(&[
            Staging::Parcel,
            Staging::Building,
            Staging::Address,
            Staging::Street,
            Staging::Link,
            Staging::LandUse,
            Staging::Delete,
        ])
        .await?;
    // Parcels in the storage CRS go straight into an empty parcel table.
    let direct = if opts.target == Target::Parcels
        && plan.srid == 25832
        && import.begin_direct_parcels().await?
    {
        Some(import.batch_id())
    } else {
        None
    };
    let started = std::time::Instant::now();
    let (tx, mut rx) = mpsc::channel::<Msg>(4);
    let (p, o) = (path.to_owned(), opts.clone());
    let reader = std::thread::spawn(move || read(p, o, plan, direct, tx));
    let mut copy_result = Ok(());
    // Time the database spent ingesting, to tell a slow reader from a slow database.
    let mut copying = std::time::Duration::ZERO;
    while let Some(msg) = rx.recv().await {
        let t0 = std::time::Instant::now();
        match msg {
            Msg::Chunk(t, b) => {
                if let Err(e) = import.copy(t, b).await {
                    copy_result = Err(e);
                    break;
                }
            }
            Msg::Direct(b) => {
                if let Err(e) = import.copy_direct_parcels(b).await {
                    copy_result = Err(e);
                    break;
                }
            }
        }
        copying += t0.elapsed();
    }
    drop(rx);
    let read = reader.join();
    // A refused COPY stops the reader too; the database's error is the one to report.
    copy_result?;
    let read = read.map_err(|_| VectorError::ReaderGone)??;
    tracing::debug!(
        direct = direct.is_some(),
        seconds = started.elapsed().as_secs_f64(),
        copy_s = copying.as_secs_f64(),
        "read and sent"
    );
    if direct.is_some() {
        import.finish_direct_parcels(&read.ags).await?;
    }
    opts.progress.set_message("merging");
    import.merge_cadastre(opts.merge).await?;
    Ok(import.commit().await?)
}
