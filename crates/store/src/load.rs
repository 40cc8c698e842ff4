//! Bulk loading of imports: one transaction per import, rows streamed by binary COPY into
//! temporary staging tables, then merged into the core tables with set-based SQL. A failure
//! anywhere drops the transaction, so the database is left exactly as it was.
//!
//! The fast path leans on the core tables' own constraints (valid, non-empty geometry; unique
//! keys) instead of validating every row twice; when a merge statement fails, it is rolled back
//! to a savepoint and the staging table is searched for the row to blame, so the message still
//! names the file, the line or feature id and the field.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;
use sqlx::postgres::PgRow;
use sqlx::{Acquire, PgConnection, PgPool, Postgres, Row, Transaction};

use crate::copy::CopyBuf;
use crate::StoreError;

/// What an import batch holds; stored in `import_batch.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchKind {
    Alkis,
    Vector,
    Residents,
    Meters,
    Survey,
    Reports,
}

impl BatchKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Alkis => "alkis",
            Self::Vector => "vector",
            Self::Residents => "residents",
            Self::Meters => "meters",
            Self::Survey => "survey",
            Self::Reports => "reports",
        }
    }
}

/// A staging table. Column order is the order rows must be written in with [`CopyBuf`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Staging {
    /// `src, alkis_id, kennzeichen, ags, area, geom, valid_from`
    Parcel,
    /// `src, alkis_id, function_code, storeys, geom, parcel_kennzeichen, valid_from`
    Building,
    /// `src, alkis_id, ags, lage, street, street_key, house_number, house_suffix, postcode, geom`
    Address,
    /// `src, alkis_id, ags, lage, name, street_key`
    Street,
    /// `kind, from_id, to_id`: `building_address` (zeigtAuf, or a layer's building id) and
    /// `parcel_address` (weistAuf)
    Link,
    /// `src, alkis_id, class, function_code, geom, zustand`
    LandUse,
    /// `src, feature_type, alkis_id`: objects an update delivery deletes
    Delete,
    /// `src, line, ags, street_key, house_number, house_suffix, postcode, reference_date,
    /// age_0_17, age_18_64, age_65_74, age_75_plus, secondary, last_change_on`
    Resident,
    /// `src, line, ags, street_key, house_number, house_suffix, postcode, medium, year,
    /// consumption`
    Meter,
    /// `src, line, ags, street_key, house_number, house_suffix, postcode, building_alkis_id,
    /// surveyed_on, finding, dwellings, vacant_dwellings, condition, note`
    Survey,
    /// `src, line, reported_at, geom, category, body, contact`
    Report,
}

impl Staging {
    fn table(self) -> &'static str {
        match self {
            Self::Parcel => "stg_parcel",
            Self::Building => "stg_building",
            Self::Address => "stg_address",
            Self::Street => "stg_street",
            Self::Link => "stg_link",
            Self::LandUse => "stg_land_use",
            Self::Delete => "stg_delete",
            Self::Resident => "stg_resident",
            Self::Meter => "stg_meter",
            Self::Survey => "stg_survey",
            Self::Report => "stg_report",
        }
    }

    fn columns(self) -> &'static str {
        match self {
            Self::Parcel => "src text, alkis_id text, kennzeichen text, ags text, area float8, geom geometry, valid_from timestamptz",
            Self::Building => "src text, alkis_id text, function_code int2, storeys int2, geom geometry, parcel_kennzeichen text, valid_from timestamptz",
            Self::Address => "src text, alkis_id text, ags text, lage text, street text, street_key text, house_number int4, house_suffix text, postcode text, geom geometry",
            Self::Street => "src text, alkis_id text, ags text, lage text, name text, street_key text",
            Self::Link => "kind text, from_id text, to_id text",
            Self::LandUse => "src text, alkis_id text, class text, function_code int2, geom geometry, zustand int2",
            Self::Delete => "src text, feature_type text, alkis_id text",
            Self::Resident => "src text, line int4, ags text, street_key text, house_number int4, house_suffix text, postcode text, reference_date date, age_0_17 int2, age_18_64 int2, age_65_74 int2, age_75_plus int2, secondary int2, last_change_on date",
            Self::Meter => "src text, line int4, ags text, street_key text, house_number int4, house_suffix text, postcode text, medium text, year int2, consumption float8",
            Self::Survey => "src text, line int4, ags text, street_key text, house_number int4, house_suffix text, postcode text, building_alkis_id text, surveyed_on date, finding text, dwellings int2, vacant_dwellings int2, condition text, note text",
            Self::Report => "src text, line int4, reported_at timestamptz, geom geometry, category text, body text, contact text",
        }
    }

    /// The number of values in one row.
    pub fn fields(self) -> i16 {
        match self {
            Self::Parcel | Self::Building => 7,
            Self::Address => 10,
            Self::Street => 6,
            Self::Link | Self::Delete => 3,
            Self::LandUse => 6,
            Self::Resident => 14,
            Self::Meter => 10,
            Self::Survey => 14,
            Self::Report => 7,
        }
    }

    fn is_register(self) -> bool {
        matches!(
            self,
            Self::Resident | Self::Meter | Self::Survey | Self::Report
        )
    }
}

/// Counts of one core table after a merge.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct TableCounts {
    pub inserted: u64,
    pub updated: u64,
    pub deleted: u64,
}

/// A geometry repaired with `--repair`.
#[derive(Debug, Clone, Serialize)]
pub struct Repair {
    pub at: String,
    pub reason: String,
}

/// A register row that matched no address (or more than one).
#[derive(Debug, Clone, Serialize)]
pub struct Unmatched {
    pub at: String,
    pub line: i32,
    pub reason: String,
}

/// What an import did; stored as `import_batch.report` and printed as the summary table.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub batch_id: i64,
    /// `Some(id)` when the same input was imported before (then nothing was changed).
    pub already_imported: Option<i64>,
    pub staged: BTreeMap<String, u64>,
    pub tables: BTreeMap<String, TableCounts>,
    pub repairs: Vec<Repair>,
    pub warnings: Vec<String>,
    pub rejected: u64,
    /// The first unmatched register rows (all of them are counted in `rejected`).
    pub unmatched: Vec<Unmatched>,
    pub duration_s: f64,
}

impl ImportReport {
    pub fn inserted(&self) -> u64 {
        self.tables.values().map(|c| c.inserted).sum()
    }
    pub fn updated(&self) -> u64 {
        self.tables.values().map(|c| c.updated).sum()
    }
    pub fn deleted(&self) -> u64 {
        self.tables.values().map(|c| c.deleted).sum()
    }
}

/// How to merge staged cadastre rows.
#[derive(Debug, Clone, Copy, Default)]
pub struct MergeOptions {
    /// Repair invalid geometries with ST_MakeValid (each listed in the report) instead of
    /// refusing the import.
    pub repair: bool,
}

/// How strictly register rows must match addresses.
#[derive(Debug, Clone, Copy)]
pub struct MatchPolicy {
    /// The import fails when more than this share of rows (0–100 %) matches no address.
    pub max_unmatched_percent: f64,
    /// How many unmatched rows the report lists.
    pub list_first: usize,
}

impl Default for MatchPolicy {
    fn default() -> Self {
        Self {
            max_unmatched_percent: 10.0,
            list_first: 20,
        }
    }
}

/// Either a started import or the batch that already holds the same input.
#[derive(Debug)]
pub enum Begin {
    Started(Import),
    AlreadyImported(ImportReport),
}

/// One running import: its transaction, batch row and staging tables.
#[derive(Debug)]
pub struct Import {
    pub(crate) tx: Transaction<'static, Postgres>,
    kind: BatchKind,
    batch_id: i64,
    started: Instant,
    pub(crate) report: ImportReport,
    /// What a direct parcel load deferred (see [`crate::direct`]), while it runs.
    pub(crate) direct: Option<crate::bulk::Deferred>,
}

/// Starts an import of `kind` from `source` (file names, for the record) with the input's
/// sha256 `checksum`. When a finished batch of the same kind has the same checksum, nothing
/// is started.
pub async fn begin(
    pool: &PgPool,
    kind: BatchKind,
    source: &str,
    checksum: &str,
) -> Result<Begin, StoreError> {
    let started = Instant::now();
    let done: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM import_batch WHERE kind = $1 AND checksum = $2 AND finished_at IS NOT NULL
         ORDER BY id LIMIT 1",
    )
    .bind(kind.as_str())
    .bind(checksum)
    .fetch_optional(pool)
    .await
    .map_err(StoreError::query("looking up earlier imports"))?;
    if let Some(id) = done {
        return Ok(Begin::AlreadyImported(ImportReport {
            batch_id: id,
            already_imported: Some(id),
            duration_s: started.elapsed().as_secs_f64(),
            ..ImportReport::default()
        }));
    }
    let mut tx = pool
        .begin()
        .await
        .map_err(StoreError::query("starting the import transaction"))?;
    // The merge statements are planned over staging tables without statistics, so their cost
    // estimates are high and JIT compilation would cost more than it saves. Index builds after
    // an initial load sort in memory. The commit does not wait for the WAL flush: a crash in
    // that moment loses the whole import (batch row included), never a part of it.
    sqlx::raw_sql(
        "SET LOCAL jit = off; SET LOCAL maintenance_work_mem = '1GB'; SET LOCAL synchronous_commit = off",
    )
    .execute(&mut *tx)
        .await
        .map_err(StoreError::query("configuring the import transaction"))?;
    let batch_id: i64 = sqlx::query_scalar(
        "INSERT INTO import_batch (kind, source, checksum) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(kind.as_str())
    .bind(source)
    .bind(checksum)
    .fetch_one(&mut *tx)
    .await
    .map_err(StoreError::query("recording the import batch"))?;
    Ok(Begin::Started(Import {
        tx,
        kind,
        batch_id,
        started,
        report: ImportReport {
            batch_id,
            ..ImportReport::default()
        },
        direct: None,
    }))
}

/// Whether PostGIS knows the EPSG code (reprojection needs it).
pub async fn srid_known(pool: &PgPool, srid: i32) -> Result<bool, StoreError> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM spatial_ref_sys WHERE srid = $1)")
        .bind(srid)
        .fetch_one(pool)
        .await
        .map_err(StoreError::query("looking up the SRID"))
}

async fn exec_simple(
    conn: &mut PgConnection,
    sql: &str,
    op: &'static str,
) -> Result<u64, StoreError> {
    sqlx::raw_sql(sql)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected())
        .map_err(StoreError::query(op))
}

impl Import {
    pub fn batch_id(&self) -> i64 {
        self.batch_id
    }

    /// Creates the staging tables (temporary, dropped at commit; never WAL-logged).
    pub async fn create_staging(&mut self, tables: &[Staging]) -> Result<(), StoreError> {
        for t in tables {
            let mut cols = t.columns().to_owned();
            if t.is_register() {
                cols.push_str(", address_id bigint, building_id bigint, match_count int4");
            }
            let sql = format!(
                "CREATE TEMP TABLE IF NOT EXISTS {} ({cols}) ON COMMIT DROP",
                t.table()
            );
            exec_simple(&mut self.tx, &sql, "creating a staging table").await?;
        }
        Ok(())
    }

    /// Sends one chunk of rows to a staging table.
    pub async fn copy(&mut self, table: Staging, chunk: CopyBuf) -> Result<u64, StoreError> {
        let rows = chunk.rows();
        if rows == 0 {
            return Ok(0);
        }
        let names: Vec<&str> = table
            .columns()
            .split(',')
            .filter_map(|c| c.split_whitespace().next())
            .collect();
        let sql = format!(
            "COPY {} ({}) FROM STDIN (FORMAT binary)",
            table.table(),
            names.join(", ")
        );
        copy_raw(&mut self.tx, &sql, chunk, "COPY into staging").await?;
        *self
            .report
            .staged
            .entry(table.table().trim_start_matches("stg_").to_owned())
            .or_default() += rows;
        Ok(rows)
    }

    /// Records a warning in the report.
    pub fn warn(&mut self, warning: impl Into<String>) {
        self.report.warnings.push(warning.into());
    }

    /// Merges the staged cadastre (parcels, buildings, streets, addresses, land use, deletions)
    /// into the core tables and links buildings, parcels and addresses.
    pub async fn merge_cadastre(&mut self, opts: MergeOptions) -> Result<(), StoreError> {
        let batch = self.batch_id;
        let conn: &mut PgConnection = &mut self.tx;
        crate::merge::cadastre(conn, batch, opts, &mut self.report).await
    }

    /// Matches the staged register rows to addresses and merges them.
    pub async fn merge_register(
        &mut self,
        table: Staging,
        policy: MatchPolicy,
    ) -> Result<(), StoreError> {
        let batch = self.batch_id;
        let conn: &mut PgConnection = &mut self.tx;
        crate::merge::register(conn, batch, table, policy, &mut self.report).await
    }

    /// Finishes the batch row and commits; returns the report.
    pub async fn commit(mut self) -> Result<ImportReport, StoreError> {
        self.report.duration_s = self.started.elapsed().as_secs_f64();
        let report = serde_json::to_value(&self.report).unwrap_or_default();
        let clamp = |v: u64| i32::try_from(v).unwrap_or(i32::MAX);
        sqlx::query(
            "UPDATE import_batch SET finished_at = now(), inserted = $2, updated = $3,
                    deleted = $4, rejected = $5, report = $6
             WHERE id = $1",
        )
        .bind(self.batch_id)
        .bind(clamp(self.report.inserted()))
        .bind(clamp(self.report.updated()))
        .bind(clamp(self.report.deleted()))
        .bind(clamp(self.report.rejected))
        .bind(report)
        .execute(&mut *self.tx)
        .await
        .map_err(StoreError::query("finishing the import batch"))?;
        self.tx
            .commit()
            .await
            .map_err(StoreError::query("committing the import"))?;
        tracing::debug!(
            kind = self.kind.as_str(),
            batch = self.batch_id,
            "committed"
        );
        Ok(self.report)
    }
}

/// Sends one chunk of binary COPY rows with the `COPY … FROM STDIN` statement `sql`.
pub(crate) async fn copy_raw(
    conn: &mut PgConnection,
    sql: &str,
    chunk: CopyBuf,
    op: &'static str,
) -> Result<(), StoreError> {
    let mut copy = conn.copy_in_raw(sql).await.map_err(StoreError::query(op))?;
    if let Err(e) = copy.send(chunk.finish()).await {
        copy.abort("sending failed").await.ok();
        return Err(StoreError::Query {
            operation: op,
            source: e,
        });
    }
    copy.finish().await.map_err(StoreError::query(op))?;
    Ok(())
}

/// Runs `sql` under a savepoint; on failure rolls back to it so diagnosis queries can run.
pub(crate) async fn guarded(
    conn: &mut PgConnection,
    sql: &str,
    batch: i64,
    op: &'static str,
) -> Result<Result<Vec<PgRow>, sqlx::Error>, StoreError> {
    let mut sp = conn
        .begin()
        .await
        .map_err(StoreError::query("setting a savepoint"))?;
    match sqlx::query(sql).bind(batch).fetch_all(&mut *sp).await {
        Ok(rows) => {
            sp.commit()
                .await
                .map_err(StoreError::query("releasing a savepoint"))?;
            Ok(Ok(rows))
        }
        Err(e) => {
            sp.rollback().await.map_err(StoreError::query(op))?;
            Ok(Err(e))
        }
    }
}

/// Reads the `(inserted, updated)` pair the merge statements select.
pub(crate) fn count_pair(rows: &[PgRow]) -> TableCounts {
    let Some(r) = rows.first() else {
        return TableCounts::default();
    };
    let get = |i: usize| u64::try_from(r.try_get::<i64, _>(i).unwrap_or(0)).unwrap_or(0);
    TableCounts {
        inserted: get(0),
        updated: get(1),
        deleted: 0,
    }
}
