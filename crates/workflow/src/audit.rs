//! The audit log: one row per planner's change, written in the change's transaction, and one
//! row per read of private data (owners, residents, meters, surveys, reporters' and
//! investors' contacts), so that who looked at whom can be told as well as who changed what.

use serde_json::Value;
use sqlx::{PgConnection, PgExecutor};

/// The action of a row that records a read of private data.
pub const READ: &str = "read";

/// Writes one audit row in the caller's transaction; `subject` is (table, row id).
pub async fn record(
    conn: &mut PgConnection,
    actor: &str,
    action: &str,
    subject: (&str, Option<i64>),
    details: Value,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (actor, action, subject_table, subject_id, details)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(actor)
    .bind(action)
    .bind(subject.0)
    .bind(subject.1)
    .bind(details)
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes one row for a read of private data (action [`READ`]): `subject` is the table and
/// the row shown, or the table alone with the rows' ids under `ids` in `details`.
///
/// One statement outside a transaction, committed without waiting for the WAL flush
/// (`synchronous_commit` off for this statement's own transaction only): 0.15 ms instead
/// of 5.6 ms on the development machine, paid by every detail a planner opens. A database
/// crash may lose the read rows of its last fraction of a second (three `wal_writer_delay`,
/// 0.6 s by default); rows of changes are written in the change's transaction and are as
/// durable as the change.
pub async fn read<'e>(
    executor: impl PgExecutor<'e>,
    actor: &str,
    subject: (&str, Option<i64>),
    details: Value,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (actor, action, subject_table, subject_id, details)
         SELECT $1, $2, $3, $4, $5
           FROM (SELECT set_config('synchronous_commit', 'off', true)) AS asynchronous",
    )
    .bind(actor)
    .bind(READ)
    .bind(subject.0)
    .bind(subject.1)
    .bind(details)
    .execute(executor)
    .await?;
    Ok(())
}
