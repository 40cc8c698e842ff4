//! Publication consent (§ 200 (3) BauGB): the town's notice for a list of parcels or for all
//! current plot verdicts of a town, the owner's consent and objection.

use chrono::{Days, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::{PgConnection, PgPool};

use crate::{audit, Actor, Error, Result};

/// Which parcels a notice covers.
#[derive(Debug, Clone)]
pub enum NoticeScope {
    /// These parcels (ALKIS ids).
    Parcels(Vec<String>),
    /// Every parcel with a plot verdict (building gap, vacant building plot, brownfield,
    /// underused) in the latest run, in one town (AGS) or in all of them.
    PlotVerdicts { town: Option<String> },
}

/// What a notice did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NoticeOutcome {
    /// Parcels the notice covered.
    pub matched: i64,
    /// Parcels newly recorded with the notice.
    pub recorded: i64,
    /// Parcels that already had a consent, a notice or an objection, which stands.
    pub unchanged: i64,
    /// ALKIS ids of the list that name no parcel (nothing is recorded then).
    pub unknown: Vec<String>,
}

const PLOT_CLASSES: &str = "'building_gap', 'vacant_building_plot', 'brownfield', 'underused'";

/// Checks the day a notice was announced: today or in the past, or announced ahead by up to
/// a year.
pub fn check_announcement(field: &str, day: NaiveDate) -> Result<NaiveDate> {
    let today = Utc::now().date_naive();
    let earliest = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN);
    let latest = today.checked_add_days(Days::new(366)).unwrap_or(today);
    if day < earliest || day > latest {
        return Err(Error::Invalid(format!(
            "{field} must lie between {earliest} and {latest}"
        )));
    }
    Ok(day)
}

/// Records the notice `announced_on` for the parcels of `scope` that have no publication
/// record yet; an existing consent, notice or objection is left as it is. With unknown
/// parcels in the list nothing is recorded and they are returned.
pub async fn record_notice(
    conn: &mut PgConnection,
    actor: Actor<'_>,
    announced_on: NaiveDate,
    scope: &NoticeScope,
) -> Result<NoticeOutcome> {
    let ids: Vec<i64> = match scope {
        NoticeScope::Parcels(list) => {
            let found: Vec<(i64, String)> = sqlx::query_as(
                "SELECT id, alkis_id::text FROM parcel WHERE alkis_id = ANY($1::char(16)[])",
            )
            .bind(list)
            .fetch_all(&mut *conn)
            .await?;
            let unknown: Vec<String> = list
                .iter()
                .filter(|a| !found.iter().any(|(_, f)| f == *a))
                .cloned()
                .collect();
            if !unknown.is_empty() {
                return Ok(NoticeOutcome {
                    unknown,
                    ..NoticeOutcome::default()
                });
            }
            found.into_iter().map(|(id, _)| id).collect()
        }
        NoticeScope::PlotVerdicts { town } => {
            sqlx::query_scalar(&format!(
                "SELECT DISTINCT cv.parcel_id FROM current_verdict cv
                   JOIN parcel p ON p.id = cv.parcel_id
                  WHERE cv.class IN ({PLOT_CLASSES}) AND ($1::text IS NULL OR p.ags = $1)
                  ORDER BY 1"
            ))
            .bind(town)
            .fetch_all(&mut *conn)
            .await?
        }
    };
    let recorded: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO publication_consent (parcel_id, basis, announced_on, recorded_by)
         SELECT id, 'notice_period', $2, $3 FROM unnest($1::bigint[]) id
         ON CONFLICT (parcel_id) DO NOTHING
         RETURNING parcel_id",
    )
    .bind(&ids)
    .bind(announced_on)
    .bind(actor.id)
    .fetch_all(&mut *conn)
    .await?;
    let matched = i64::try_from(ids.len()).unwrap_or(i64::MAX);
    let count = i64::try_from(recorded.len()).unwrap_or(i64::MAX);
    let town = match scope {
        NoticeScope::PlotVerdicts { town } => town.clone(),
        NoticeScope::Parcels(_) => None,
    };
    audit::record(
        conn,
        actor.login,
        "consent.notice",
        ("publication_consent", None),
        json!({
            "announced_on": announced_on,
            "town": town,
            "matched": matched,
            "recorded_parcel_ids": recorded,
        }),
    )
    .await?;
    Ok(NoticeOutcome {
        matched,
        recorded: count,
        unchanged: matched - count,
        unknown: Vec::new(),
    })
}

/// Records the owner's consent of `on` for a parcel (by id), clearing an earlier objection.
pub async fn record_consent(
    conn: &mut PgConnection,
    actor: Actor<'_>,
    parcel_id: i64,
    on: NaiveDate,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO publication_consent (parcel_id, basis, consent_on, recorded_by)
         VALUES ($1, 'owner_consent', $2, $3)
         ON CONFLICT (parcel_id) DO UPDATE
            SET basis = 'owner_consent', consent_on = EXCLUDED.consent_on, objection_on = NULL,
                recorded_by = EXCLUDED.recorded_by, recorded_at = now()",
    )
    .bind(parcel_id)
    .bind(on)
    .bind(actor.id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor.login,
        "consent.owner",
        ("publication_consent", Some(parcel_id)),
        json!({"consent_on": on}),
    )
    .await?;
    Ok(())
}

/// Records the owner's objection of `on` for a parcel (by id): it ends publication whatever
/// the basis was, and a later notice does not override it.
pub async fn record_objection(
    conn: &mut PgConnection,
    actor: Actor<'_>,
    parcel_id: i64,
    on: NaiveDate,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO publication_consent (parcel_id, basis, objection_on, recorded_by)
         VALUES ($1, 'notice_period', $2, $3)
         ON CONFLICT (parcel_id) DO UPDATE
            SET objection_on = EXCLUDED.objection_on,
                recorded_by = EXCLUDED.recorded_by, recorded_at = now()",
    )
    .bind(parcel_id)
    .bind(on)
    .bind(actor.id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor.login,
        "consent.objection",
        ("publication_consent", Some(parcel_id)),
        json!({"objection_on": on}),
    )
    .await?;
    Ok(())
}

/// Records the owner's consent for the parcel with ALKIS id `alkis_id`; `false` when there
/// is no such parcel.
pub async fn record_owner_consent(
    conn: &mut PgConnection,
    actor: Actor<'_>,
    alkis_id: &str,
    on: NaiveDate,
) -> Result<bool> {
    let parcel: Option<i64> = sqlx::query_scalar("SELECT id FROM parcel WHERE alkis_id = $1")
        .bind(alkis_id)
        .fetch_optional(&mut *conn)
        .await?;
    match parcel {
        Some(id) => record_consent(conn, actor, id, on).await.map(|()| true),
        None => Ok(false),
    }
}

/// Whether a town with this AGS is known.
pub async fn town_known(pool: &PgPool, ags: &str) -> Result<bool> {
    Ok(
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM municipality WHERE ags = $1)")
            .bind(ags)
            .fetch_one(pool)
            .await?,
    )
}
