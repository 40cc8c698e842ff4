//! Analysis runs: recording a run with its parameters and inputs, writing its verdicts in
//! one transaction (binary COPY), and comparing two runs.

use serde::Serialize;
use sqlx::PgPool;

use model::Verdict;

use crate::{CopyBuf, StoreError};

/// A verdict to store, with the database id of its subject.
#[derive(Debug, Clone, Copy)]
pub enum VerdictRow<'a> {
    Building { id: i64, verdict: &'a Verdict },
    Parcel { id: i64, verdict: &'a Verdict },
}

/// Records a finished run and its verdicts atomically; returns the run id. A failure leaves
/// no trace of the run.
pub async fn save_run(
    pool: &PgPool,
    params: &serde_json::Value,
    input_batches: &[i64],
    summary: &serde_json::Value,
    verdicts: impl IntoIterator<Item = VerdictRow<'_>>,
) -> Result<i64, StoreError> {
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

    sqlx::query(
        "CREATE TEMP TABLE verdict_in (building_id bigint, parcel_id bigint, class text,
                                       score float8, confidence float8, evidence text)
         ON COMMIT DROP",
    )
    .execute(&mut *tx)
    .await
    .map_err(q("creating the verdict staging table"))?;

    let mut buf = CopyBuf::new();
    for row in verdicts {
        let (building, parcel, v) = match row {
            VerdictRow::Building { id, verdict } => (Some(id), None, verdict),
            VerdictRow::Parcel { id, verdict } => (None, Some(id), verdict),
        };
        let evidence = serde_json::to_string(&v.evidence).map_err(|e| StoreError::Data {
            operation: "encoding evidence",
            detail: e.to_string(),
        })?;
        buf.row(6);
        match building {
            Some(b) => buf.i64(b),
            None => buf.null(),
        };
        match parcel {
            Some(p) => buf.i64(p),
            None => buf.null(),
        };
        buf.text(v.class.as_str())
            .f64(v.score)
            .f64(v.confidence.value())
            .text(&evidence);
    }
    let mut copy = tx
        .copy_in_raw("COPY verdict_in FROM STDIN (FORMAT binary)")
        .await
        .map_err(q("copying verdicts"))?;
    copy.send(buf.finish())
        .await
        .map_err(q("copying verdicts"))?;
    copy.finish().await.map_err(q("copying verdicts"))?;

    sqlx::query(
        "INSERT INTO verdict (run_id, building_id, parcel_id, class, score, confidence, evidence)
         SELECT $1, building_id, parcel_id, class, score, confidence, evidence::jsonb FROM verdict_in",
    )
    .bind(run)
    .execute(&mut *tx)
    .await
    .map_err(q("storing verdicts"))?;
    sqlx::query("UPDATE analysis_run SET status = 'done', finished_at = now() WHERE id = $1")
        .bind(run)
        .execute(&mut *tx)
        .await
        .map_err(q("finishing the run"))?;
    tx.commit().await.map_err(q("committing the run"))?;
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
