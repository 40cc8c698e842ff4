//! Verdict overrides: a planner's class outweighs the analysis' until withdrawn.

use model::{AlkisId, SubjectKind, VacancyClass};
use serde_json::json;
use sqlx::PgPool;

use crate::{audit, constraint, subjects, text, Actor, Error, Result};

/// Sets the planner's class for a building or parcel, replacing an active override.
/// Returns the subject's database id.
pub async fn set(
    pool: &PgPool,
    actor: Actor<'_>,
    kind: SubjectKind,
    alkis_id: &AlkisId,
    class: VacancyClass,
    note: &str,
) -> Result<i64> {
    if class.applies_to() != kind {
        return Err(Error::Invalid(format!(
            "class {class} does not apply to a {}",
            subjects::kind_name(kind)
        )));
    }
    let note = text("note", note, 2000, true)?;
    let mut tx = pool.begin().await?;
    let id = subjects::id(&mut tx, kind, alkis_id).await?;
    let column = subjects::column(kind);
    let replaced: Vec<i64> = sqlx::query_scalar(&format!(
        "UPDATE verdict_override SET withdrawn_at = now()
          WHERE {column} = $1 AND withdrawn_at IS NULL RETURNING id"
    ))
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let override_id: i64 = sqlx::query_scalar(&format!(
        "INSERT INTO verdict_override ({column}, class, author_id, note)
         VALUES ($1, $2, $3, $4) RETURNING id"
    ))
    .bind(id)
    .bind(class.as_str())
    .bind(actor.id)
    .bind(&note)
    .fetch_one(&mut *tx)
    .await
    .map_err(constraint)?;
    audit::record(
        &mut tx,
        actor.login,
        "verdict.override",
        ("verdict_override", Some(override_id)),
        json!({"kind": subjects::kind_name(kind), "alkis_id": alkis_id.as_str(), "class": class,
               "note": note, "replaced": replaced}),
    )
    .await?;
    tx.commit().await.map_err(constraint)?;
    Ok(id)
}

/// Withdraws the active override of a building or parcel, so the analysis' class applies
/// again. Returns the subject's database id.
pub async fn withdraw(
    pool: &PgPool,
    actor: Actor<'_>,
    kind: SubjectKind,
    alkis_id: &AlkisId,
) -> Result<i64> {
    let mut tx = pool.begin().await?;
    let id = subjects::id(&mut tx, kind, alkis_id).await?;
    let column = subjects::column(kind);
    let withdrawn: Option<i64> = sqlx::query_scalar(&format!(
        "UPDATE verdict_override SET withdrawn_at = now()
          WHERE {column} = $1 AND withdrawn_at IS NULL RETURNING id"
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let withdrawn = withdrawn
        .ok_or_else(|| Error::NotFound(format!("no active override on {}", alkis_id.as_str())))?;
    audit::record(
        &mut tx,
        actor.login,
        "verdict.override.withdraw",
        ("verdict_override", Some(withdrawn)),
        json!({"kind": subjects::kind_name(kind), "alkis_id": alkis_id.as_str()}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
