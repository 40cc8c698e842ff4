//! Imports land-value zones (Bodenrichtwertzonen) as BORIS-D / VBORIS 2 publish them, from
//! any vector format GDAL reads (GeoJSON, Shapefile, GML, GeoPackage …), into
//! `land_value_zone` in one transaction.
//!
//! Fields are found by their VBORIS names: `BRW` (value in €/m²), `STAG` (Stichtag), `WNUM`
//! (zone number) are required; `ENTW`, `NUTA`, `BRZNAME`, `GENA` are read when present. A
//! zone is known by Stichtag and number: importing it again replaces it. Every feature is
//! checked before anything is written (value, date, number, polygonal and valid geometry,
//! coordinates that fit the CRS), and the first fault is named with file, feature and field.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use gdal::vector::{FieldValue, LayerAccess};
use gdal::Dataset;
use sqlx::PgPool;

use crate::VectorError;

/// The storage CRS, ETRS89 / UTM 32N.
const STORAGE_SRID: u32 = 25832;
/// Where a zone in EPSG:25832 may lie: Germany with a margin (the extended zone 32).
const BOUNDS: [f64; 4] = [150_000.0, 5_200_000.0, 1_000_000.0, 6_150_000.0];

/// What a land-value import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LandValueReport {
    pub path: PathBuf,
    pub zones: usize,
    pub inserted: u64,
    pub replaced: u64,
}

/// One checked zone, in the storage CRS.
#[derive(Debug)]
struct Zone {
    at: String,
    number: String,
    stichtag: NaiveDate,
    value: f64,
    development: Option<String>,
    use_code: Option<String>,
    name: Option<String>,
    municipality: Option<String>,
    wkb: Vec<u8>,
}

/// The fields read: (name, required).
const FIELDS: [(&str, bool); 7] = [
    ("BRW", true),
    ("STAG", true),
    ("WNUM", true),
    ("ENTW", false),
    ("NUTA", false),
    ("BRZNAME", false),
    ("GENA", false),
];

fn text(v: Option<FieldValue>) -> Option<String> {
    let s = match v? {
        FieldValue::StringValue(s) => s,
        FieldValue::IntegerValue(i) => i.to_string(),
        FieldValue::Integer64Value(i) => i.to_string(),
        FieldValue::RealValue(r) => r.to_string(),
        FieldValue::DateValue(d) => d.format("%Y-%m-%d").to_string(),
        FieldValue::DateTimeValue(d) => d.date_naive().format("%Y-%m-%d").to_string(),
        other => format!("{other:?}"),
    };
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// A Stichtag as VBORIS writes it (`2024-01-01`, also `01.01.2024`).
fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d.%m.%Y"))
        .ok()
}

/// A value in €/m², with a decimal point or comma.
fn parse_value(s: &str) -> Option<f64> {
    s.replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v > 0.0 && *v < 100_000.0)
}

/// Reads and checks every zone of the file's one layer; nothing touches the database.
fn read(path: &Path, srs: Option<i32>) -> Result<Vec<Zone>, VectorError> {
    crate::quiet_gdal();
    let file = path.display().to_string();
    let ds = Dataset::open(path).map_err(|source| VectorError::Open {
        path: path.to_owned(),
        source,
    })?;
    let names: Vec<String> = ds.layers().map(|l| l.name()).collect();
    if names.len() != 1 {
        return Err(VectorError::Layer {
            path: path.to_owned(),
            reason: format!("expected one layer of land-value zones, found {names:?}"),
        });
    }
    let mut layer = ds.layer(0).map_err(|source| VectorError::Open {
        path: path.to_owned(),
        source,
    })?;
    let layer_name = layer.name();
    let fields: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
    let mut idx: HashMap<&str, usize> = HashMap::new();
    for (name, required) in FIELDS {
        match fields.iter().position(|f| f.eq_ignore_ascii_case(name)) {
            Some(i) => {
                idx.insert(name, i);
            }
            None if required => {
                return Err(VectorError::Layer {
                    path: path.to_owned(),
                    reason: format!(
                        "layer {layer_name:?} has no field {name} ({}); it has {fields:?}",
                        match name {
                            "BRW" => "Bodenrichtwert in €/m²",
                            "STAG" => "Stichtag",
                            _ => "Bodenrichtwertnummer",
                        }
                    ),
                });
            }
            None => {}
        }
    }
    let unknown = |srs: String| VectorError::UnknownCrs {
        path: path.to_owned(),
        srs,
    };
    let code = match srs {
        Some(c) => u32::try_from(c).map_err(|_| unknown(c.to_string()))?,
        None => {
            let s = layer
                .spatial_ref()
                .ok_or_else(|| unknown("(none)".to_owned()))?;
            let code = match (s.auth_name().as_deref(), s.auth_code()) {
                (Some("EPSG"), Ok(c)) => Some(c),
                _ => {
                    let mut s2 = s.clone();
                    s2.auto_identify_epsg()
                        .ok()
                        .and_then(|_| s2.auth_code().ok())
                }
            };
            let code =
                code.ok_or_else(|| unknown(s.name().unwrap_or_else(|| "(unnamed)".into())))?;
            u32::try_from(code).map_err(|_| unknown(code.to_string()))?
        }
    };
    let mut source = SpatialRef::from_epsg(code).map_err(|_| unknown(format!("EPSG:{code}")))?;
    source.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let mut target =
        SpatialRef::from_epsg(STORAGE_SRID).map_err(|_| unknown("EPSG:25832".into()))?;
    target.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let transform =
        CoordTransform::new(&source, &target).map_err(|_| unknown(format!("EPSG:{code}")))?;

    let mut zones = Vec::new();
    let mut seen: HashMap<(NaiveDate, String), String> = HashMap::new();
    for feature in layer.features() {
        let fid = feature.fid().unwrap_or(zones.len() as u64);
        let at = format!("{file} (layer {layer_name}, feature {fid})");
        let invalid = |field: &str, reason: String| VectorError::Invalid {
            at: at.clone(),
            field: field.to_owned(),
            reason,
        };
        let get = |name: &str| idx.get(name).and_then(|&i| text(feature.field(i).ok()?));
        let raw = get("BRW").ok_or_else(|| invalid("BRW", "empty".into()))?;
        let value = parse_value(&raw).ok_or_else(|| {
            invalid(
                "BRW",
                format!("{raw:?} is not a land value in €/m² (a number above 0)"),
            )
        })?;
        let raw = get("STAG").ok_or_else(|| invalid("STAG", "empty".into()))?;
        let stichtag = parse_date(&raw).ok_or_else(|| {
            invalid(
                "STAG",
                format!("{raw:?} is not a date (YYYY-MM-DD or TT.MM.JJJJ)"),
            )
        })?;
        let number = get("WNUM").ok_or_else(|| invalid("WNUM", "empty".into()))?;
        if number.len() > 32 || number.chars().any(char::is_whitespace) {
            return Err(invalid(
                "WNUM",
                format!("{number:?} is not a zone number (up to 32 characters, no spaces)"),
            ));
        }
        let code_field = |name: &str| -> Result<Option<String>, VectorError> {
            match get(name) {
                Some(c)
                    if (1..=4).contains(&c.len())
                        && c.chars().all(|ch| ch.is_ascii_uppercase()) =>
                {
                    Ok(Some(c))
                }
                Some(c) => Err(invalid(
                    name,
                    format!("{c:?} is not a VBORIS code (1–4 capital letters)"),
                )),
                None => Ok(None),
            }
        };
        let development = code_field("ENTW")?;
        let use_code = code_field("NUTA")?;
        let geom = feature
            .geometry()
            .ok_or_else(|| invalid("geometry", "missing".into()))?;
        let mut g = geom.clone();
        g.flatten_to_2d();
        let kind = g.geometry_name();
        if !matches!(kind.as_str(), "POLYGON" | "MULTIPOLYGON") {
            return Err(invalid(
                "geometry",
                format!("{kind}, expected a polygon or multipolygon"),
            ));
        }
        if g.is_empty() {
            return Err(invalid("geometry", "empty".into()));
        }
        let (x0, x1, y0, y1) = {
            let e = g.envelope();
            (e.MinX, e.MaxX, e.MinY, e.MaxY)
        };
        let wrong_crs = || {
            invalid(
                "geometry",
                format!(
                    "coordinates ({x0:.1}, {y0:.1}) – ({x1:.1}, {y1:.1}) do not lie in Germany in \
                     EPSG:{code}; is the CRS of the file wrong? Pass --srs EPSG:n"
                ),
            )
        };
        let t = g.transform(&transform).map_err(|_| wrong_crs())?;
        let e = t.envelope();
        if !(e.MinX >= BOUNDS[0]
            && e.MinY >= BOUNDS[1]
            && e.MaxX <= BOUNDS[2]
            && e.MaxY <= BOUNDS[3])
        {
            return Err(wrong_crs());
        }
        let wkb = t
            .wkb()
            .map_err(|e| invalid("geometry", format!("cannot encode: {e}")))?;
        if let Some(first) = seen.insert((stichtag, number.clone()), at.clone()) {
            return Err(invalid(
                "WNUM",
                format!("zone {number} of {stichtag} appears twice (also {first})"),
            ));
        }
        zones.push(Zone {
            at,
            number,
            stichtag,
            value,
            development,
            use_code,
            name: get("BRZNAME"),
            municipality: get("GENA"),
            wkb,
        });
    }
    if zones.is_empty() {
        return Err(VectorError::Layer {
            path: path.to_owned(),
            reason: format!("layer {layer_name:?} holds no zones"),
        });
    }
    Ok(zones)
}

fn db(operation: &'static str) -> impl FnOnce(sqlx::Error) -> VectorError {
    move |source| VectorError::Db { operation, source }
}

/// Imports the land-value zones of `path` in one transaction: all of them or, on the first
/// fault, none. `srs` overrides the file's CRS (EPSG code).
pub async fn import_land_values(
    pool: &PgPool,
    path: &Path,
    srs: Option<i32>,
) -> Result<LandValueReport, VectorError> {
    let p = path.to_owned();
    let zones = tokio::task::spawn_blocking(move || read(&p, srs))
        .await
        .map_err(|_| VectorError::ReaderGone)??;
    let source = path.display().to_string();
    let mut tx = pool
        .begin()
        .await
        .map_err(db("starting the land-value import"))?;
    let (mut inserted, mut replaced) = (0u64, 0u64);
    for z in &zones {
        // GEOS decides validity as the table's constraint will, and says why.
        let reason: Option<String> = sqlx::query_scalar(
            "SELECT CASE WHEN ST_IsValid(g) THEN NULL ELSE ST_IsValidReason(g) END
               FROM ST_GeomFromWKB($1, 25832) g",
        )
        .bind(&z.wkb)
        .fetch_one(&mut *tx)
        .await
        .map_err(db("checking a zone's geometry"))?;
        if let Some(reason) = reason {
            return Err(VectorError::Invalid {
                at: z.at.clone(),
                field: "geometry".into(),
                reason: format!("invalid polygon: {reason}"),
            });
        }
        let fresh: bool = sqlx::query_scalar(
            "INSERT INTO land_value_zone
                    (stichtag, zone_number, value_eur_m2, development, use_code, name,
                     municipality, source, geom)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, ST_Multi(ST_GeomFromWKB($9, 25832)))
             ON CONFLICT (stichtag, zone_number) DO UPDATE
                SET value_eur_m2 = EXCLUDED.value_eur_m2,
                    development = EXCLUDED.development,
                    use_code = EXCLUDED.use_code,
                    name = EXCLUDED.name,
                    municipality = EXCLUDED.municipality,
                    source = EXCLUDED.source,
                    imported_at = now(),
                    geom = EXCLUDED.geom
             RETURNING xmax = 0",
        )
        .bind(z.stichtag)
        .bind(&z.number)
        .bind(z.value)
        .bind(&z.development)
        .bind(&z.use_code)
        .bind(&z.name)
        .bind(&z.municipality)
        .bind(&source)
        .bind(&z.wkb)
        .fetch_one(&mut *tx)
        .await
        .map_err(db("storing a land-value zone"))?;
        if fresh {
            inserted += 1;
        } else {
            replaced += 1;
        }
    }
    tx.commit()
        .await
        .map_err(db("committing the land-value import"))?;
    Ok(LandValueReport {
        path: path.to_owned(),
        zones: zones.len(),
        inserted,
        replaced,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_values_are_read_as_vboris_writes_them() {
        assert_eq!(
            parse_date("2024-01-01"),
            NaiveDate::from_ymd_opt(2024, 1, 1)
        );
        assert_eq!(
            parse_date("01.01.2024"),
            NaiveDate::from_ymd_opt(2024, 1, 1)
        );
        assert_eq!(parse_date("2024-13-01"), None);
        assert_eq!(parse_value("85,50"), Some(85.5));
        assert_eq!(parse_value("0"), None);
        assert_eq!(parse_value("viel"), None);
    }
}
