//! Publication consent (§ 200 (3) BauGB): the town's notice for a list of parcels or for all
//! current plot verdicts of a town, the owner's consent and objection. Shared by the
//! planner routes and `leerstand publish`.

use axum::extract::State;
use chrono::{Days, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgConnection;

use super::{audit, invalid};
use crate::auth::Planner;
use crate::problem::Json;
use crate::{AppState, Problem};

/// Who records: the account id (stored in `recorded_by`) and login (the audit actor).
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub id: i64,
    pub login: &'a str,
}

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

/// Records the notice `announced_on` for the parcels of `scope` that have no publication
/// record yet; an existing consent, notice or objection is left as it is. With unknown
/// parcels in the list nothing is recorded and they are returned.
pub async fn record_notice(
    conn: &mut PgConnection,
    actor: Actor<'_>,
    announced_on: NaiveDate,
    scope: &NoticeScope,
) -> Result<NoticeOutcome, sqlx::Error> {
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
    audit(
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
pub(crate) async fn upsert_consent(
    conn: &mut PgConnection,
    actor: Actor<'_>,
    parcel_id: i64,
    on: NaiveDate,
) -> Result<(), sqlx::Error> {
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
    audit(
        conn,
        actor.login,
        "consent.owner",
        ("publication_consent", Some(parcel_id)),
        json!({"consent_on": on}),
    )
    .await
}

/// Records the owner's objection of `on` for a parcel (by id): it ends publication whatever
/// the basis was, and a later notice does not override it.
pub(crate) async fn upsert_objection(
    conn: &mut PgConnection,
    actor: Actor<'_>,
    parcel_id: i64,
    on: NaiveDate,
) -> Result<(), sqlx::Error> {
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
    audit(
        conn,
        actor.login,
        "consent.objection",
        ("publication_consent", Some(parcel_id)),
        json!({"objection_on": on}),
    )
    .await
}

/// Records the owner's consent for the parcel with ALKIS id `alkis_id`; `false` when there
/// is no such parcel.
pub async fn record_owner_consent(
    conn: &mut PgConnection,
    actor: Actor<'_>,
    alkis_id: &str,
    on: NaiveDate,
) -> Result<bool, sqlx::Error> {
    let parcel: Option<i64> = sqlx::query_scalar("SELECT id FROM parcel WHERE alkis_id = $1")
        .bind(alkis_id)
        .fetch_optional(&mut *conn)
        .await?;
    match parcel {
        Some(id) => upsert_consent(conn, actor, id, on).await.map(|()| true),
        None => Ok(false),
    }
}

/// The active account with `login`, or without a login the first administrator: (id, login).
pub async fn account(
    pool: &sqlx::PgPool,
    login: Option<&str>,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, login FROM app_user
          WHERE disabled_at IS NULL AND ($1::text IS NULL AND role = 'admin' OR login = $1)
          ORDER BY created_at, id LIMIT 1",
    )
    .bind(login)
    .fetch_optional(pool)
    .await
}

/// Whether a town with this AGS is known.
pub async fn town_known(pool: &sqlx::PgPool, ags: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM municipality WHERE ags = $1)")
        .bind(ags)
        .fetch_one(pool)
        .await
}

/// The earliest and latest announcement dates accepted: a notice is dated today or in the
/// past, or announced ahead by up to a year.
pub(crate) fn check_date(field: &str, day: NaiveDate) -> Result<NaiveDate, Problem> {
    let today = Utc::now().date_naive();
    let earliest = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN);
    let latest = today.checked_add_days(Days::new(366)).unwrap_or(today);
    if day < earliest || day > latest {
        return Err(invalid(format!(
            "{field} must lie between {earliest} and {latest}"
        )));
    }
    Ok(day)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoticeBody {
    announced_on: NaiveDate,
    parcels: Option<Vec<String>>,
    town: Option<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct NoticeAnswer {
    announced_on: NaiveDate,
    /// The day the parcels become public unless the owner objects.
    public_from: Option<NaiveDate>,
    #[serde(flatten)]
    outcome: NoticeOutcome,
}

/// At most this many parcels in one list.
const MAX_PARCELS: usize = 10_000;

/// `POST /planner/consents`: the § 200 (3) notice for a list of parcels or a whole town.
pub(crate) async fn notice(
    planner: Planner,
    State(state): State<AppState>,
    Json(body): Json<NoticeBody>,
) -> Result<Json<NoticeAnswer>, Problem> {
    let announced_on = check_date("announced_on", body.announced_on)?;
    let scope = match (body.parcels, body.town) {
        (Some(list), None) => {
            if list.is_empty() || list.len() > MAX_PARCELS {
                return Err(invalid(format!(
                    "parcels must list 1 to {MAX_PARCELS} ALKIS ids"
                )));
            }
            for id in &list {
                id.parse::<model::AlkisId>()
                    .map_err(|e| invalid(e.to_string()))?;
            }
            NoticeScope::Parcels(list)
        }
        (None, Some(town)) => {
            let ags: model::Ags = town
                .parse()
                .map_err(|e: model::ModelError| invalid(e.to_string()))?;
            if !town_known(state.pool(), ags.as_str()).await? {
                return Err(invalid(format!("no town with AGS {ags}")));
            }
            NoticeScope::PlotVerdicts {
                town: Some(ags.as_str().to_owned()),
            }
        }
        _ => {
            return Err(invalid(
                "give either parcels (a list of ALKIS ids) or town (an AGS)",
            ))
        }
    };
    let mut tx = state.pool().begin().await?;
    let actor = Actor {
        id: planner.id,
        login: &planner.login,
    };
    let outcome = record_notice(&mut tx, actor, announced_on, &scope).await?;
    if !outcome.unknown.is_empty() {
        let shown: Vec<&str> = outcome
            .unknown
            .iter()
            .take(20)
            .map(String::as_str)
            .collect();
        return Err(invalid(format!(
            "{} parcels are unknown, nothing was recorded: {}",
            outcome.unknown.len(),
            shown.join(", ")
        )));
    }
    tx.commit().await?;
    super::published_changed(&state);
    Ok(Json(NoticeAnswer {
        announced_on,
        public_from: announced_on.checked_add_months(Months::new(1)),
        outcome,
    }))
}
