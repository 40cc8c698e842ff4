//! Analysis runs: recording a run with its parameters and inputs, writing its verdicts and
//! the suitability of its plots in one transaction (binary COPY), and comparing two runs.

use serde::Serialize;
use sqlx::PgPool;

use model::{Suitability, Verdict};

use crate::area_stats::{self, AreaStatsRow};
use crate::{CopyBuf, CopyTable, StoreError};

/// A verdict to store, with the database id of its subject.
#[derive(Debug, Clone, Copy)]
pub enum VerdictRow<'a> {
    Building {
        id: i64,
        verdict: &'a Verdict,
    },
    /// A plot verdict, with the plot's investor suitability where it was assessed.
    Parcel {
        id: i64,
        verdict: &'a Verdict,
        suitability: Option<&'a Suitability>,
    },
}

/// The verdicts of a run, written by binary COPY.
pub const VERDICT: CopyTable = CopyTable {
    name: "verdict",
    columns: &[
        ("run_id", "bigint"),
        ("building_id", "bigint"),
        ("parcel_id", "bigint"),
        ("class", "text"),
        ("score", "double precision"),
        ("confidence", "real"),
        ("evidence", "jsonb"),
    ],
};

/// The investor suitability of a run's plots, written by binary COPY.
pub const PLOT_SUITABILITY: CopyTable = CopyTable {
    name: "plot_suitability",
    columns: &[
        ("run_id", "bigint"),
        ("parcel_id", "bigint"),
        ("score", "real"),
        ("parts", "jsonb"),
    ],
};

/// Rows per COPY command: bounds the memory of the encoded stream.
const COPY_CHUNK_ROWS: u64 = 50_000;

fn json<T: serde::Serialize + ?Sized>(
    operation: &'static str,
    value: &T,
) -> Result<Vec<u8>, StoreError> {
    // jsonb in binary COPY: a version byte, then the JSON text.
    let mut out = vec![1u8];
    serde_json::to_writer(&mut out, value).map_err(|e| StoreError::Data {
        operation,
        detail: e.to_string(),
    })?;
    Ok(out)
}

async fn copy_chunk(
    tx: &mut sqlx::PgConnection,
    statement: &str,
    operation: &'static str,
    buf: CopyBuf,
) -> Result<(), StoreError> {
    if buf.is_empty() {
        return Ok(());
    }
    let q = StoreError::query;
    let mut copy = tx.copy_in_raw(statement).await.map_err(q(operation))?;
    copy.send(buf.finish()).await.map_err(q(operation))?;
    copy.finish().await.map_err(q(operation))?;
    Ok(())
}

/// Records a finished run, its verdicts and the suitability of its plots atomically; returns
/// the run id. A failure leaves no trace of the run. Verdicts go straight into their tables by
/// binary COPY (no staging: every row is new).
pub async fn save_run(
    pool: &PgPool,
    params: &serde_json::Value,
    input_batches: &[i64],
    summary: &serde_json::Value,
    verdicts: impl IntoIterator<Item = VerdictRow<'_>>,
) -> Result<i64, StoreError> {
    let ready = async { Ok(()) };
    save_run_after(pool, params, input_batches, summary, &[], verdicts, ready).await
}

/// [`save_run`] with the run's figures per town and district (`area_stats`), that commits the
/// run only once `ready` (work on other connections that the run's readers rely on, such as
/// the parcels' land use) has finished; if it fails, the run is rolled back.
pub async fn save_run_after(
    pool: &PgPool,
    params: &serde_json::Value,
    input_batches: &[i64],
    summary: &serde_json::Value,
    stats: &[AreaStatsRow],
    verdicts: impl IntoIterator<Item = VerdictRow<'_>>,
    ready: impl std::future::Future<Output = Result<(), StoreError>>,
) -> Result<i64, StoreError> {
    let verdicts_copy = VERDICT.copy_statement();
    let suitability_copy = PLOT_SUITABILITY.copy_statement();
    let q = StoreError::query;
    let mut tx = pool.begin().await.map_err(q("starting the run"))?;
    let run: i64 = sqlx::query_scalar(
        "INSERT INTO analysis_run (params, input_batches, summary) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(params)
    .bind(input_batches)
    .bind(summary)
    .fetch_one(&mut *tx)
    .await
    .map_err(q("recording the run"))?;
    area_stats::copy(&mut tx, run, stats).await?;

    let mut buf = CopyBuf::new();
    let mut suitable = CopyBuf::new();
    for row in verdicts {
        let (building, parcel, v, s) = match row {
            VerdictRow::Building { id, verdict } => (Some(id), None, verdict, None),
            VerdictRow::Parcel {
                id,
                verdict,
                suitability,
            } => (None, Some(id), verdict, suitability),
        };
        buf.row(&VERDICT).i64(run);
        match building {
            Some(b) => buf.i64(b),
            None => buf.null(),
        };
        match parcel {
            Some(p) => buf.i64(p),
            None => buf.null(),
        };
        // `confidence` is a real: four bytes.
        buf.text(v.class.as_str())
            .f64(v.score)
            .bytes(&(v.confidence.value() as f32).to_be_bytes())
            .bytes(&json("encoding evidence", &v.evidence)?);
        if let (Some(p), Some(s)) = (parcel, s) {
            suitable
                .row(&PLOT_SUITABILITY)
                .i64(run)
                .i64(p)
                .bytes(&(s.score as f32).to_be_bytes())
                .bytes(&json("encoding suitability", &s.parts)?);
        }
        if buf.rows() >= COPY_CHUNK_ROWS {
            let full = std::mem::take(&mut buf);
            copy_chunk(&mut tx, &verdicts_copy, "copying verdicts", full).await?;
        }
    }
    copy_chunk(&mut tx, &verdicts_copy, "copying verdicts", buf).await?;
    copy_chunk(
        &mut tx,
        &suitability_copy,
        "copying plot suitability",
        suitable,
    )
    .await?;

    ready.await?;
    sqlx::query("UPDATE analysis_run SET status = 'done', finished_at = now() WHERE id = $1")
        .bind(run)
        .execute(&mut *tx)
        .await
        .map_err(q("finishing the run"))?;
    tx.commit().await.map_err(q("committing the run"))?;
    // Fresh planner statistics: without them the first queries over a new run (the public
    // views join the verdicts of the latest run) expect one row and plan nested loops over
    // a million.
    sqlx::raw_sql("ANALYZE verdict; ANALYZE plot_suitability")
        .execute(pool)
        .await
        .map_err(q("analysing the run's tables"))?;
    Ok(run)
}

/// One subject whose verdict differs between two runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Change {
    pub kind: String,
    pub alkis_id: String,
    /// `None`: no verdict in the older run (new).
    pub before: Option<String>,
    /// `None`: no verdict in the newer run (resolved).
    pub after: Option<String>,
}

/// New, resolved and changed verdicts from run `older` to run `newer`.
pub async fn compare(pool: &PgPool, older: i64, newer: i64) -> Result<Vec<Change>, StoreError> {
    sqlx::query_as(include_str!("sql/compare_runs.sql"))
        .bind(older)
        .bind(newer)
        .fetch_all(pool)
        .await
        .map_err(StoreError::query("comparing runs"))
}

/// The id of the latest finished run and the one before it.
pub async fn latest_runs(pool: &PgPool) -> Result<Vec<i64>, StoreError> {
    sqlx::query_scalar("SELECT id FROM analysis_run WHERE status = 'done' ORDER BY id DESC LIMIT 2")
        .fetch_all(pool)
        .await
        .map_err(StoreError::query("listing runs"))
}
