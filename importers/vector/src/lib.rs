//! Imports one layer of any vector format GDAL reads (GeoPackage, Shapefile, GeoJSON,
//! FlatGeobuf, GML …) as parcels, buildings, addresses or land use.
//!
//! Columns are found by the names of `alkis.gpkg` (docs/formats.md) unless `--map src=dst`
//! says which source column supplies which one. GDAL reads on a thread of its own while the
//! database ingests the previous chunk.

use std::path::{Path, PathBuf};

use gdal::vector::{FieldValue, LayerAccess};
use gdal::Dataset;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use store::{BatchKind, Begin, CopyBuf, ImportReport, MergeOptions, Staging};
use tokio::sync::mpsc;

use model::{AlkisId, Flurstueckskennzeichen, HouseNumber, LandUseClass};

/// A vector import failed; nothing of it was kept.
#[derive(Debug, thiserror::Error)]
pub enum VectorError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: GDAL cannot open it: {source}")]
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
    Progress(u64),
}

/// The layer to read, its columns and its CRS; found before the transaction starts.
struct Plan {
    layer: String,
    /// destination column → field index
    columns: Vec<(&'static str, Option<usize>)>,
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
        srid,
    })
}

fn value_text(v: Option<FieldValue>) -> Option<String> {
    let s = match v? {
        FieldValue::StringValue(s) => s,
        FieldValue::IntegerValue(i) => i.to_string(),
        FieldValue::Integer64Value(i) => i.to_string(),
        FieldValue::RealValue(r) if r.fract() == 0.0 && r.abs() < 1e15 => format!("{r:.0}"),
        FieldValue::RealValue(r) => r.to_string(),
        other => format!("{other:?}"),
    };
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

struct Row<'a> {
    at: &'a str,
    values: Vec<(&'static str, Option<String>)>,
}

impl Row<'_> {
    fn get(&self, k: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(c, _)| *c == k)
            .and_then(|(_, v)| v.as_deref())
    }

    fn invalid(&self, field: &str, reason: impl Into<String>) -> VectorError {
        VectorError::Invalid {
            at: self.at.to_owned(),
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

fn read(
    path: PathBuf,
    opts: Options,
    plan: Plan,
    tx: mpsc::Sender<Msg>,
) -> Result<(), VectorError> {
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
    let file = path.display().to_string();
    let target = opts.target;
    let (table, fields) = match target {
        Target::Parcels => (Staging::Parcel, Staging::Parcel.fields()),
        Target::Buildings => (Staging::Building, Staging::Building.fields()),
        Target::Addresses => (Staging::Address, Staging::Address.fields()),
        Target::LandUse => (Staging::LandUse, Staging::LandUse.fields()),
    };
    let mut buf = CopyBuf::new();
    let mut links = CopyBuf::new();
    let mut n = 0u64;
    for feature in layer.features() {
        n += 1;
        let fid = feature.fid().unwrap_or(n);
        let at = format!("{file} (layer {}, feature {fid})", plan.layer);
        let values = plan
            .columns
            .iter()
            .map(|(dst, idx)| {
                (
                    *dst,
                    idx.and_then(|i| value_text(feature.field(i).ok().flatten())),
                )
            })
            .collect();
        let row = Row { at: &at, values };
        let geom = feature
            .geometry()
            .filter(|g| !g.is_empty())
            .ok_or_else(|| row.invalid("geometry", "the geometry is empty or missing"))?;
        let mut g2;
        let g = if gdal::vector::geometry_type_has_z(geom.geometry_type())
            || gdal::vector::geometry_type_has_m(geom.geometry_type())
        {
            g2 = geom.clone();
            g2.flatten_to_2d();
            &g2
        } else {
            geom
        };
        let wkb = g
            .wkb()
            .map_err(|e| row.invalid("geometry", e.to_string()))?;
        let ewkb = store::ewkb::from_wkb(&wkb, plan.srid)
            .ok_or_else(|| row.invalid("geometry", "unsupported geometry encoding"))?;
        let gtype = gdal::vector::geometry_type_flatten(g.geometry_type());
        let polygonal = matches!(
            gtype,
            gdal::vector::OGRwkbGeometryType::wkbPolygon
                | gdal::vector::OGRwkbGeometryType::wkbMultiPolygon
        );
        match target {
            Target::Parcels | Target::Buildings | Target::LandUse if !polygonal => {
                return Err(row.invalid(
                    "geometry",
                    format!("expected a polygon, found {}", g.geometry_name()),
                ));
            }
            _ => {}
        }
        match target {
            Target::Parcels => {
                let id = row
                    .alkis_id("alkis_id")?
                    .ok_or_else(|| row.invalid("alkis_id", "empty"))?;
                let k = row.required("kennzeichen")?;
                k.parse::<Flurstueckskennzeichen>()
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
                buf.row(fields)
                    .text(&at)
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
                buf.row(fields)
                    .text(&at)
                    .text(id.as_str())
                    .i16(code)
                    .opt_i16(storeys)
                    .bytes(&ewkb)
                    .opt_text(pk)
                    .null();
            }
            Target::Addresses => {
                if gtype != gdal::vector::OGRwkbGeometryType::wkbPoint {
                    return Err(row.invalid(
                        "geometry",
                        format!("expected a point, found {}", g.geometry_name()),
                    ));
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
                buf.row(fields)
                    .text(&at)
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
                    links
                        .row(3)
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
                buf.row(fields)
                    .text(&at)
                    .text(id.as_str())
                    .text(class.feature_type())
                    .opt_i16(f)
                    .bytes(&ewkb)
                    .opt_i16(zustand);
            }
        }
        if n % 1000 == 0 {
            let _ = tx.blocking_send(Msg::Progress(1000));
        }
        if buf.len() >= opts.chunk_bytes {
            tx.blocking_send(Msg::Chunk(table, std::mem::take(&mut buf)))
                .map_err(|_| VectorError::ReaderGone)?;
        }
    }
    let _ = tx.blocking_send(Msg::Progress(n % 1000));
    for (t, b) in [(table, buf), (Staging::Link, links)] {
        if !b.is_empty() {
            tx.blocking_send(Msg::Chunk(t, b))
                .map_err(|_| VectorError::ReaderGone)?;
        }
    }
    Ok(())
}

/// Imports one layer of `path` in one transaction.
pub async fn import(
    pool: &PgPool,
    path: &Path,
    opts: &Options,
) -> Result<ImportReport, VectorError> {
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
    let (tx, mut rx) = mpsc::channel::<Msg>(4);
    let (p, o) = (path.to_owned(), opts.clone());
    let reader = std::thread::spawn(move || read(p, o, plan, tx));
    let mut copy_result = Ok(());
    while let Some(msg) = rx.recv().await {
        match msg {
            Msg::Chunk(t, b) => {
                if let Err(e) = import.copy(t, b).await {
                    copy_result = Err(e);
                    break;
                }
            }
            Msg::Progress(n) => opts.progress.inc(n),
        }
    }
    drop(rx);
    let read = reader.join();
    // A refused COPY stops the reader too; the database's error is the one to report.
    copy_result?;
    read.map_err(|_| VectorError::ReaderGone)??;
    opts.progress.set_message("merging");
    import.merge_cadastre(opts.merge).await?;
    Ok(import.commit().await?)
}
