//! Bulk loading of imports: one transaction per import, rows streamed by binary COPY into
//! temporary staging tables, then merged into the core tables with set-based SQL. A failure
//! anywhere drops the transaction, so the database is left exactly as it was.
//!
//! The fast path leans on the core tables' own constraints (valid, non-empty geometry; unique
//! keys) instead of validating every row twice; when a merge statement fails, it is rolled back
//! to a savepoint and the staging table is searched for the row to blame, so the message still
//! names the file, the line or feature id and the field.

use std::time::Instant;

use serde::Serialize;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

use crate::copy::CopyBuf;
use crate::merge::{MatchPolicy, MergeOptions};
use crate::report::ImportReport;
use crate::staging::Staging;
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
            let sql = t.create_statement();
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
        let sql = table.copy_table().copy_statement();
        copy_raw(&mut self.tx, &sql, chunk, "COPY into staging").await?;
        *self
            .report
            .staged
            .entry(table.name().trim_start_matches("stg_").to_owned())
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
