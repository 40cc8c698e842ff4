//! The audit log: one row per planner's change, written in the change's transaction.

use serde_json::Value;
use sqlx::PgConnection;

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
