//! Cases: a planner's work on one building or parcel, whose status moves only along
//! [`CaseStatus::can_become`]. Each move is a `case_event`; consent and objection also set
//! the parcel's publication record, so the public views follow.

use chrono::NaiveDate;
use model::{AlkisId, CaseStatus, SubjectKind};
use serde_json::json;
use sqlx::PgPool;

use crate::{audit, consent, constraint, subjects, text, Actor, Error, Result};

/// Opens a case (status `new`) about a building or parcel; one open case per subject.
/// Returns the case's id.
pub async fn open(
    pool: &PgPool,
    actor: Actor<'_>,
    kind: SubjectKind,
    alkis_id: &AlkisId,
    note: &str,
) -> Result<i64> {
    let note = text("note", note, 4000, false)?;
    let mut tx = pool.begin().await?;
    let subject = subjects::id(&mut tx, kind, alkis_id).await?;
    let column = subjects::column(kind);
    // Serialise openings for the same subject, so two planners cannot both open one.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
        .bind(format!("case:{column}:{subject}"))
        .execute(&mut *tx)
        .await?;
    let existing: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT id FROM planner_case WHERE {column} = $1 AND status <> 'closed' LIMIT 1"
    ))
    .bind(subject)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(existing) = existing {
        return Err(Error::Conflict(format!(
            "case {existing} about this {} is still open",
            subjects::kind_name(kind)
        )));
    }
    let id: i64 = sqlx::query_scalar(&format!(
        "INSERT INTO planner_case ({column}, opened_by) VALUES ($1, $2) RETURNING id"
    ))
    .bind(subject)
    .bind(actor.id)
    .fetch_one(&mut *tx)
    .await
    .map_err(constraint)?;
    audit::record(
        &mut tx,
        actor.login,
        "case.open",
        ("planner_case", Some(id)),
        json!({"kind": subjects::kind_name(kind), "alkis_id": alkis_id.as_str(), "note": note}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The statuses a case in `from` may move to.
pub fn next_statuses(from: CaseStatus) -> Vec<&'static str> {
    CaseStatus::ALL
        .iter()
        .filter(|n| from.can_become(**n))
        .map(|n| n.as_str())
        .collect()
}

/// Moves case `id` on to `to`; [`Error::Conflict`] for a move the workflow does not allow.
/// `consent` records the owner's consent for the parcel (today), `objection` the objection,
/// so the public views follow.
pub async fn change_status(
    pool: &PgPool,
    actor: Actor<'_>,
    id: i64,
    to: CaseStatus,
    note: &str,
) -> Result<()> {
    let note = text("note", note, 4000, false)?;
    let mut tx = pool.begin().await?;
    let row: Option<(String, Option<i64>)> = sqlx::query_as(
        "SELECT c.status, coalesce(c.parcel_id, b.parcel_id)
           FROM planner_case c LEFT JOIN building b ON b.id = c.building_id
          WHERE c.id = $1 FOR UPDATE OF c",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let (from, parcel) = row.ok_or_else(|| Error::NotFound(format!("no case {id}")))?;
    let from: CaseStatus = from.parse().map_err(|_| Error::Stored {
        what: "case status",
        value: from,
    })?;
    if !from.can_become(to) {
        let allowed = next_statuses(from);
        return Err(Error::Conflict(format!(
            "case status cannot change from {} to {}; allowed: {}",
            from.as_str(),
            to.as_str(),
            if allowed.is_empty() {
                "none".to_owned()
            } else {
                allowed.join(", ")
            }
        )));
    }
    let today: NaiveDate = sqlx::query_scalar("SELECT current_date")
        .fetch_one(&mut *tx)
        .await?;
    match (to, parcel) {
        (CaseStatus::Consent, Some(p)) => consent::record_consent(&mut tx, actor, p, today).await?,
        (CaseStatus::Objection, Some(p)) => {
            consent::record_objection(&mut tx, actor, p, today).await?
        }
        (CaseStatus::Consent | CaseStatus::Objection, None) => {
            return Err(Error::Invalid(
                "the case's building lies on no parcel, so its publication cannot be recorded"
                    .into(),
            ))
        }
        _ => {}
    }
    sqlx::query("UPDATE planner_case SET status = $2 WHERE id = $1")
        .bind(id)
        .bind(to.as_str())
        .execute(&mut *tx)
        .await?;
    let event: i64 = sqlx::query_scalar(
        "INSERT INTO case_event (case_id, author_id, from_status, to_status, note)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(id)
    .bind(actor.id)
    .bind(from.as_str())
    .bind(to.as_str())
    .bind(&note)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        actor.login,
        "case.status",
        ("planner_case", Some(id)),
        json!({"from": from, "to": to, "note": note, "event": event}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether a move to this status changes what the public views show.
pub fn changes_publication(to: CaseStatus) -> bool {
    matches!(to, CaseStatus::Consent | CaseStatus::Objection)
}
