//! GeoPackage layers read straight from SQLite: a GeoPackage is an SQLite database whose
//! geometry blobs are a short header followed by standard WKB, so rows can be handed on
//! without GDAL building a feature and a geometry object for each. Everything that is not a
//! plain features table (and every other format) is read through GDAL.

use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use crate::VectorError;

/// One features table, ready to be read.
pub(crate) struct Table {
    conn: Connection,
    select: String,
}

/// Quotes an SQLite identifier.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Opens `layer` of the GeoPackage at `path` for reading the columns `sources` (source column
/// names as GDAL reports them; `None` for columns the layer lacks). `None` when the file is
/// not a GeoPackage or the layer is not a features table this reader understands; GDAL reads
/// it then.
pub(crate) fn open(path: &Path, layer: &str, sources: &[Option<String>]) -> Option<Table> {
    let is_gpkg = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gpkg"));
    if !is_gpkg {
        return None;
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).ok()?;
    let (table, geom): (String, String) = conn
        .query_row(
            "SELECT c.table_name, g.column_name FROM gpkg_contents c
               JOIN gpkg_geometry_columns g ON g.table_name = c.table_name
              WHERE c.data_type = 'features' AND lower(c.table_name) = lower(?1)",
            [layer],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .ok()?;
    // GDAL reports the INTEGER PRIMARY KEY as the feature id and the other columns as fields.
    let mut fid = None;
    let mut columns = Vec::new();
    {
        let mut info = conn
            .prepare(&format!("PRAGMA table_info({})", ident(&table)))
            .ok()?;
        let mut rows = info.query([]).ok()?;
        while let Some(r) = rows.next().ok()? {
            let name: String = r.get(1).ok()?;
            let ty: String = r.get(2).ok()?;
            let pk: i64 = r.get(5).ok()?;
            if pk == 1 && ty.eq_ignore_ascii_case("INTEGER") {
                fid = Some(name);
            } else {
                columns.push(name);
            }
        }
    }
    let fid = fid?;
    let mut select = format!("SELECT {}, {}", ident(&fid), ident(&geom));
    for s in sources {
        match s {
            Some(name) => {
                // The name GDAL reported must be a column of the table itself.
                let col = columns.iter().find(|c| c.eq_ignore_ascii_case(name))?;
                select.push_str(", ");
                select.push_str(&ident(col));
            }
            None => select.push_str(", NULL"),
        }
    }
    select.push_str(" FROM ");
    select.push_str(&ident(&table));
    select.push_str(" ORDER BY ");
    select.push_str(&ident(&fid));
    Some(Table { conn, select })
}

impl Table {
    /// Calls `f(fid, values, wkb)` for every row in feature id order: the values as text as
    /// [`crate::value_text`] gives them, the geometry as WKB (`None` when missing or empty).
    pub(crate) fn for_each(
        &self,
        path: &Path,
        layer: &str,
        mut f: impl FnMut(u64, Vec<Option<String>>, Option<&[u8]>) -> Result<(), VectorError>,
    ) -> Result<(), VectorError> {
        let fail = |e: rusqlite::Error| VectorError::Layer {
            path: path.to_owned(),
            reason: format!("reading the GeoPackage: {e}"),
        };
        let mut stmt = self.conn.prepare(&self.select).map_err(fail)?;
        let width = stmt.column_count();
        let mut rows = stmt.query([]).map_err(fail)?;
        while let Some(r) = rows.next().map_err(fail)? {
            let fid = match r.get_ref(0).map_err(fail)? {
                ValueRef::Integer(i) => u64::try_from(i).unwrap_or(0),
                _ => 0,
            };
            let mut values = Vec::with_capacity(width - 2);
            for i in 2..width {
                values.push(text(r.get_ref(i).map_err(fail)?));
            }
            let wkb = match r.get_ref(1).map_err(fail)? {
                ValueRef::Blob(b) => wkb(b).map_err(|reason| VectorError::Invalid {
                    at: format!("{} (layer {layer}, feature {fid})", path.display()),
                    field: "geometry".to_owned(),
                    reason: reason.to_owned(),
                })?,
                _ => None,
            };
            f(fid, values, wkb)?;
        }
        Ok(())
    }
}

fn text(v: ValueRef<'_>) -> Option<String> {
    let s = match v {
        ValueRef::Null => return None,
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(r) => crate::real_text(r),
        ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
    };
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// The WKB inside a GeoPackage geometry blob (`None` for an empty geometry).
fn wkb(blob: &[u8]) -> Result<Option<&[u8]>, &'static str> {
    if blob.len() < 8 || &blob[..2] != b"GP" {
        return Err("not a GeoPackage geometry blob");
    }
    let flags = blob[3];
    if flags & 0b0010_0000 != 0 {
        return Err("extended GeoPackage geometries are not supported");
    }
    let envelope = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        _ => return Err("invalid envelope code in the GeoPackage geometry header"),
    };
    if flags & 0b0001_0000 != 0 {
        return Ok(None);
    }
    let body = blob
        .get(8 + envelope..)
        .filter(|b| b.len() >= 5)
        .ok_or("truncated GeoPackage geometry blob")?;
    Ok(Some(body))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn blob_headers() {
        let point = [
            1u8, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        let mut plain = b"GP\0\x01".to_vec();
        plain.extend_from_slice(&25832i32.to_le_bytes());
        plain.extend_from_slice(&point);
        assert_eq!(wkb(&plain), Ok(Some(&point[..])));
        let mut boxed = b"GP\0\x03".to_vec();
        boxed.extend_from_slice(&25832i32.to_le_bytes());
        boxed.extend_from_slice(&[0u8; 32]);
        boxed.extend_from_slice(&point);
        assert_eq!(wkb(&boxed), Ok(Some(&point[..])));
        let mut empty = b"GP\0\x11".to_vec();
        empty.extend_from_slice(&25832i32.to_le_bytes());
        assert_eq!(wkb(&empty), Ok(None));
        assert!(wkb(b"XX\0\x01\0\0\0\0").is_err());
        assert!(wkb(&boxed[..30]).is_err());
        let mut extended = plain.clone();
        extended[3] |= 0b0010_0000;
        assert!(wkb(&extended).is_err());
    }
}
