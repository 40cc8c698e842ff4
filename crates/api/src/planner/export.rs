//! Exports for planners: every public collection and the verdict list as CSV (geometry as
//! WKT) or GeoPackage (through GDAL), in EPSG:25832. Rows come from a server-side cursor in
//! batches, a blocking thread writes them to a temporary file, and the finished file is
//! streamed back, so a failure is reported before the first byte and memory stays bounded.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path as FsPath, PathBuf};

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use gdal::spatial_ref::SpatialRef;
use gdal::vector::{
    Feature, Geometry, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType,
};
use gdal::DriverManager;
use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::Row;
use tokio::sync::mpsc;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{ObjectBuilder, Required, Type};
use utoipa::IntoParams;

use super::verdicts::{VerdictFilter, VERDICTS_SQL, VERDICT_PROPERTIES};
use crate::auth::Planner;
use crate::openapi::{NotFound, PlannerErrors, PLANNER};
use crate::problem::{Path, Query};
use crate::{AppState, Problem};

/// Rows per cursor fetch and per GeoPackage transaction.
const BATCH: i64 = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Gpkg,
}

/// What to export: a relation (with alias `v`), its condition and the properties shown.
#[derive(Debug)]
struct Source {
    name: String,
    from: String,
    condition: String,
    binds: Vec<Option<String>>,
    properties: Vec<(&'static str, &'static str)>,
    geometry: OGRwkbGeometryType::Type,
    /// For the verdicts, which carry what the registers say: the filter, for the export's
    /// audited read. The public collections hold only what the public map shows.
    private: Option<Value>,
}

/// Filters of the `verdicts` export (the collections take none).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ExportQuery {
    #[param(schema_with = crate::openapi::vacancy_class)]
    class: Option<String>,
    #[param(schema_with = crate::openapi::subject_kind)]
    kind: Option<String>,
    /// AGS or town name.
    #[param(max_length = 200)]
    town: Option<String>,
    /// District (Ortsteil) name.
    #[param(max_length = 200)]
    district: Option<String>,
}

/// The path parameter `file`: `{name}.csv` or `{name}.gpkg`, the name a public collection
/// or `verdicts`.
#[derive(Debug)]
pub(crate) struct ExportFile;

impl IntoParams for ExportFile {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let names = crate::features::all_collections()
            .iter()
            .map(|c| c.id)
            .chain(["verdicts"]);
        let files: Vec<String> = names
            .flat_map(|n| [format!("{n}.csv"), format!("{n}.gpkg")])
            .collect();
        vec![ParameterBuilder::new()
            .name("file")
            .parameter_in(ParameterIn::Path)
            .required(Required::True)
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(files)),
            ))
            .build()]
    }
}

fn source(name: &str, q: ExportQuery, account: i64) -> Result<Source, Problem> {
    if name == "verdicts" {
        let filter = VerdictFilter {
            class: q.class,
            kind: q.kind,
            town: q.town,
            district: q.district,
        }
        .check()?;
        let private = json!({"class": filter.class, "kind": filter.kind, "town": filter.town,
                             "district": filter.district});
        return Ok(Source {
            name: name.to_owned(),
            from: format!("({VERDICTS_SQL}) v"),
            condition: VerdictFilter::CONDITION.to_owned(),
            binds: filter
                .binds()
                .iter()
                .map(|b| b.map(str::to_owned))
                .chain([Some(account.to_string())])
                .collect(),
            properties: VERDICT_PROPERTIES.to_vec(),
            geometry: OGRwkbGeometryType::wkbMultiPolygon,
            private: Some(private),
        });
    }
    let c = crate::features::collection(name)?;
    if q.class.is_some() || q.kind.is_some() || q.town.is_some() || q.district.is_some() {
        return Err(Problem::bad_request(
            "filters apply to the verdicts export only",
        ));
    }
    Ok(Source {
        name: c.id.to_owned(),
        from: format!("{} v", c.view),
        condition: c.condition.to_owned(),
        binds: Vec::new(),
        properties: c.properties.to_vec(),
        geometry: if c.id == "reports" {
            OGRwkbGeometryType::wkbPoint
        } else {
            OGRwkbGeometryType::wkbMultiPolygon
        },
        private: None,
    })
}

/// One exported row: id, properties by name, geometry as WKT (CSV) or WKB (GeoPackage).
#[derive(Debug)]
struct ExportRow {
    id: String,
    properties: Value,
    wkt: Option<String>,
    wkb: Option<Vec<u8>>,
}

/// `GET /planner/export/{name}.csv|.gpkg`.
#[utoipa::path(get, path = "/planner/export/{file}", tag = PLANNER, security(("bearer" = [])),
    params(ExportFile, ExportQuery),
    responses((status = 200, description = "The file (EPSG:25832), as an attachment.",
               content((String = "text/csv; charset=utf-8"),
                       (Vec<u8> = "application/geopackage+sqlite3"))),
              PlannerErrors, NotFound))]
pub(crate) async fn export(
    planner: Planner,
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, Problem> {
    let (name, format) = match file.rsplit_once('.') {
        Some((name, "csv")) => (name, Format::Csv),
        Some((name, "gpkg")) => (name, Format::Gpkg),
        _ => {
            return Err(Problem::not_found(
                "export as {collection}.csv or {collection}.gpkg",
            ))
        }
    };
    let source = source(name, q, planner.id)?;
    let dir = tempfile::tempdir().map_err(|error| {
        tracing::error!(%error, "creating the export directory");
        Problem::internal()
    })?;
    let ext = match format {
        Format::Csv => "csv",
        Format::Gpkg => "gpkg",
    };
    let path = dir.path().join(format!("{}.{ext}", source.name));

    let (tx, rx) = mpsc::channel::<Vec<ExportRow>>(2);
    let writer = {
        let path = path.clone();
        let name = source.name.clone();
        let properties = source.properties.clone();
        let geometry = source.geometry;
        tokio::task::spawn_blocking(move || match format {
            Format::Csv => write_csv(&path, &properties, rx),
            Format::Gpkg => write_gpkg(&path, &name, &properties, geometry, rx),
        })
    };
    let read = read_rows(&state, &source, format, tx).await;
    let written = writer.await.map_err(|error| {
        tracing::error!(%error, "export writer panicked");
        Problem::internal()
    })?;
    let rows = read?;
    written.map_err(|error| {
        tracing::error!(%error, export = %source.name, "writing the export");
        Problem::internal()
    })?;
    if let Some(filter) = source.private.clone() {
        super::audit_read(
            state.pool(),
            &planner,
            ("verdict", None),
            json!({"view": "export", "file": file, "filter": filter, "rows": rows}),
        )
        .await?;
    }

    let file = tokio::fs::File::open(&path).await.map_err(|error| {
        tracing::error!(%error, "opening the export");
        Problem::internal()
    })?;
    let length = file.metadata().await.map(|m| m.len()).ok();
    // The open handle keeps the file readable after its directory is removed.
    drop(dir);
    let content_type = match format {
        Format::Csv => "text/csv; charset=utf-8",
        Format::Gpkg => "application/geopackage+sqlite3",
    };
    let mut response = (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.{ext}\"", source.name),
            ),
        ],
        Body::from_stream(tokio_util::io::ReaderStream::new(file)),
    )
        .into_response();
    if let Some(length) = length {
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, header::HeaderValue::from(length));
    }
    Ok(response)
}

/// Reads the rows through a cursor and hands them to the writer in batches; returns how
/// many it read.
async fn read_rows(
    state: &AppState,
    source: &Source,
    format: Format,
    sender: mpsc::Sender<Vec<ExportRow>>,
) -> Result<u64, Problem> {
    let mut count = 0u64;
    let mut props = String::new();
    for (i, (name, _)) in source.properties.iter().enumerate() {
        if i > 0 {
            props.push_str(", ");
        }
        props.push_str(&format!("'{name}', v.{name}"));
    }
    let geometry = match format {
        Format::Csv => "ST_AsText(v.geom)",
        Format::Gpkg => "ST_AsBinary(v.geom)",
    };
    let sql = format!(
        "DECLARE export_rows NO SCROLL CURSOR FOR
         SELECT v.id::text, json_build_object({props}), {geometry}
           FROM {} WHERE ({}) ORDER BY v.id",
        source.from, source.condition
    );
    let mut tx = state.pool().begin().await?;
    // Not cached: the cursor's columns differ from export to export, and a cached FETCH
    // would decode with the first one's.
    let mut declare = sqlx::query(&sql).persistent(false);
    for b in &source.binds {
        declare = declare.bind(b.as_deref());
    }
    declare.execute(&mut *tx).await?;
    loop {
        let rows = sqlx::query(&format!("FETCH FORWARD {BATCH} FROM export_rows"))
            .persistent(false)
            .fetch_all(&mut *tx)
            .await?;
        if rows.is_empty() {
            break;
        }
        count += rows.len() as u64;
        let mut batch = Vec::with_capacity(rows.len());
        for row in rows {
            let (wkt, wkb) = match format {
                Format::Csv => (row.try_get::<Option<String>, _>(2)?, None),
                Format::Gpkg => (None, row.try_get::<Option<Vec<u8>>, _>(2)?),
            };
            batch.push(ExportRow {
                id: row.try_get(0)?,
                properties: row.try_get(1)?,
                wkt,
                wkb,
            });
        }
        if sender.send(batch).await.is_err() {
            // The writer gave up; its error is reported by the caller.
            break;
        }
    }
    tx.rollback().await?;
    Ok(count)
}

/// A property value as CSV text: strings as they are, null empty, others in JSON notation.
fn csv_value(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn write_csv(
    path: &FsPath,
    properties: &[(&str, &str)],
    mut rows: mpsc::Receiver<Vec<ExportRow>>,
) -> Result<(), String> {
    let file = File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = csv::Writer::from_writer(BufWriter::new(file));
    let mut header = vec!["id"];
    header.extend(properties.iter().map(|(name, _)| *name));
    header.push("wkt");
    out.write_record(&header).map_err(|e| e.to_string())?;
    while let Some(batch) = rows.blocking_recv() {
        for row in batch {
            let mut record = Vec::with_capacity(properties.len() + 2);
            record.push(row.id);
            for (name, _) in properties {
                record.push(csv_value(&row.properties[*name]));
            }
            record.push(row.wkt.unwrap_or_default());
            out.write_record(&record).map_err(|e| e.to_string())?;
        }
    }
    out.flush().map_err(|e| e.to_string())
}

fn field_type(schema_type: &str) -> OGRFieldType::Type {
    match schema_type {
        "number" => OGRFieldType::OFTReal,
        "integer" | "boolean" => OGRFieldType::OFTInteger64,
        _ => OGRFieldType::OFTString,
    }
}

fn write_gpkg(
    path: &PathBuf,
    layer_name: &str,
    properties: &[(&str, &str)],
    geometry: OGRwkbGeometryType::Type,
    mut rows: mpsc::Receiver<Vec<ExportRow>>,
) -> Result<(), String> {
    let gdal = |op: &'static str| move |e: gdal::errors::GdalError| format!("GDAL {op}: {e}");
    let driver = DriverManager::get_driver_by_name("GPKG").map_err(gdal("driver GPKG"))?;
    let mut ds = driver.create_vector_only(path).map_err(gdal("create"))?;
    let srs = SpatialRef::from_epsg(25832).map_err(gdal("EPSG:25832"))?;
    let mut fields = vec![("id", OGRFieldType::OFTString)];
    fields.extend(properties.iter().map(|(name, t)| (*name, field_type(t))));
    {
        let layer = ds
            .create_layer(LayerOptions {
                name: layer_name,
                srs: Some(&srs),
                ty: geometry,
                options: None,
            })
            .map_err(gdal("create layer"))?;
        layer
            .create_defn_fields(&fields)
            .map_err(gdal("create fields"))?;
    }
    while let Some(batch) = rows.blocking_recv() {
        let txn = ds.start_transaction().map_err(gdal("begin"))?;
        {
            let layer = txn.layer_by_name(layer_name).map_err(gdal("open layer"))?;
            for row in batch {
                let mut f = Feature::new(layer.defn()).map_err(gdal("new feature"))?;
                if let Some(wkb) = &row.wkb {
                    f.set_geometry(Geometry::from_wkb(wkb).map_err(gdal("geometry from WKB"))?)
                        .map_err(gdal("set geometry"))?;
                }
                f.set_field_string(0, &row.id).map_err(gdal("set id"))?;
                for (i, (name, t)) in properties.iter().enumerate() {
                    let value = &row.properties[*name];
                    let r = match (value, *t) {
                        (Value::Null, _) => f.set_field_null(i + 1),
                        (Value::Bool(b), _) => f.set_field_integer64(i + 1, i64::from(*b)),
                        (Value::Number(n), "integer") => {
                            f.set_field_integer64(i + 1, n.as_i64().unwrap_or_default())
                        }
                        (Value::Number(n), _) => {
                            f.set_field_double(i + 1, n.as_f64().unwrap_or(f64::NAN))
                        }
                        (other, _) => f.set_field_string(i + 1, &csv_value(other)),
                    };
                    r.map_err(gdal("set field"))?;
                }
                f.create(&layer).map_err(gdal("write feature"))?;
            }
        }
        txn.commit().map_err(gdal("commit"))?;
    }
    Ok(())
}
