//! The subjects of verdicts, overrides and cases: a building or a parcel, named by ALKIS id.

use model::{AlkisId, SubjectKind};
use sqlx::PgConnection;

use crate::{Error, Result};

/// The column that names a subject of this kind in verdicts, overrides and cases.
pub fn column(kind: SubjectKind) -> &'static str {
    match kind {
        SubjectKind::Building => "building_id",
        SubjectKind::Parcel => "parcel_id",
    }
}

/// The kind's name, as in routes and audit rows (also its table).
pub fn kind_name(kind: SubjectKind) -> &'static str {
    match kind {
        SubjectKind::Building => "building",
        SubjectKind::Parcel => "parcel",
    }
}

/// The database id of a building or parcel; [`Error::NotFound`] for an unknown one.
pub async fn id(conn: &mut PgConnection, kind: SubjectKind, alkis_id: &AlkisId) -> Result<i64> {
    let table = kind_name(kind);
    sqlx::query_scalar(&format!("SELECT id FROM {table} WHERE alkis_id = $1"))
        .bind(alkis_id.as_str())
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no {table} {:?}", alkis_id.as_str())))
}
