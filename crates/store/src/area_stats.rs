//! The figures of a run per town and per district, as typed rows of table `area_stats`
//! (migration 0015), which the public view `published.district_stats` reads.

use model::Ags;

use crate::{CopyBuf, CopyTable, StoreError};

/// The figures of one town (`district_id` `None`) or one district, as stored with a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AreaStatsRow {
    pub ags: Option<Ags>,
    pub district_id: Option<i64>,
    pub buildings: usize,
    pub addresses: usize,
    pub dwellings: u32,
    pub vacant_dwellings: u32,
    pub vacant: usize,
    pub partly_vacant: usize,
    pub risk: usize,
    pub unknown: usize,
    pub vacancy_rate: f64,
    pub gaps: usize,
    pub gap_area_ha: f64,
    pub potential_dwellings: f64,
    pub brownfields: usize,
    pub brownfield_area_ha: f64,
    pub underused: usize,
    pub forecast_5y: f64,
    pub forecast_10y: f64,
    pub public: bool,
}

/// The columns of `area_stats`, in the order [`encode`] writes them: the one column list of
/// the table's COPY.
pub const AREA_STATS: CopyTable = CopyTable {
    name: "area_stats",
    columns: &[
        ("run_id", "bigint"),
        ("ags", "character(8)"),
        ("district_id", "bigint"),
        ("buildings", "integer"),
        ("addresses", "integer"),
        ("dwellings", "integer"),
        ("vacant_dwellings", "integer"),
        ("vacant", "integer"),
        ("partly_vacant", "integer"),
        ("risk", "integer"),
        ("unknown", "integer"),
        ("vacancy_rate", "double precision"),
        ("gaps", "integer"),
        ("gap_area_ha", "double precision"),
        ("potential_dwellings", "double precision"),
        ("brownfields", "integer"),
        ("brownfield_area_ha", "double precision"),
        ("underused", "integer"),
        ("forecast_5y", "double precision"),
        ("forecast_10y", "double precision"),
        ("public", "boolean"),
    ],
};

/// The columns the COPY names, in order.
pub fn columns() -> impl Iterator<Item = &'static str> {
    AREA_STATS.columns.iter().map(|(name, _)| *name)
}

/// A count as an `integer` column.
fn count(field: &'static str, n: impl TryInto<i32>) -> Result<i32, StoreError> {
    n.try_into().map_err(|_| StoreError::Data {
        operation: "encoding area statistics",
        detail: format!("{field} exceeds the range of an integer column"),
    })
}

/// Encodes the rows of run `run` in the order of [`columns`].
fn encode(run: i64, rows: &[AreaStatsRow]) -> Result<CopyBuf, StoreError> {
    let mut buf = CopyBuf::new();
    for s in rows {
        buf.row(&AREA_STATS)
            .i64(run)
            .opt_text(s.ags.as_ref().map(Ags::as_str));
        match s.district_id {
            Some(d) => buf.i64(d),
            None => buf.null(),
        };
        buf.i32(count("buildings", s.buildings)?)
            .i32(count("addresses", s.addresses)?)
            .i32(count("dwellings", s.dwellings)?)
            .i32(count("vacant_dwellings", s.vacant_dwellings)?)
            .i32(count("vacant", s.vacant)?)
            .i32(count("partly_vacant", s.partly_vacant)?)
            .i32(count("risk", s.risk)?)
            .i32(count("unknown", s.unknown)?)
            .f64(s.vacancy_rate)
            .i32(count("gaps", s.gaps)?)
            .f64(s.gap_area_ha)
            .f64(s.potential_dwellings)
            .i32(count("brownfields", s.brownfields)?)
            .f64(s.brownfield_area_ha)
            .i32(count("underused", s.underused)?)
            .f64(s.forecast_5y)
            .f64(s.forecast_10y)
            // A boolean in binary COPY: one byte.
            .bytes(&[u8::from(s.public)]);
    }
    Ok(buf)
}

/// Writes the figures of run `run` within the run's transaction.
pub(crate) async fn copy(
    tx: &mut sqlx::PgConnection,
    run: i64,
    rows: &[AreaStatsRow],
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let op = "copying area statistics";
    let q = StoreError::query;
    let buf = encode(run, rows)?;
    let mut copy = tx
        .copy_in_raw(&AREA_STATS.copy_statement())
        .await
        .map_err(q(op))?;
    copy.send(buf.finish()).await.map_err(q(op))?;
    copy.finish().await.map_err(q(op))?;
    Ok(())
}
