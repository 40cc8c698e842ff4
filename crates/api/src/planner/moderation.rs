//! Moderation of citizen reports: the queue (with the reporter's words and contact, which
//! only planners see) and the decision. An approved report reaches the public `reports`
//! collection with the moderator's text only.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{audit, invalid, text, Listing, Page};
use crate::auth::Planner;
use crate::problem::{Json, Path, Query};
use crate::{AppState, Problem};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Decision {
    Approve,
    Reject,
    Duplicate,
}

impl Decision {
    fn status(self) -> &'static str {
        match self {
            Self::Approve => "approved",
            Self::Reject => "rejected",
            Self::Duplicate => "duplicate",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QueueQuery {
    /// pending (default), approved, rejected, duplicate or all.
    status: Option<String>,
    #[serde(default = "super::default_limit")]
    limit: i64,
    #[serde(default)]
    offset: i64,
}

#[derive(Debug, Serialize, sqlx::FromRow)]
pub(crate) struct ReportItem {
    id: i64,
    category: String,
    body: String,
    contact: Option<String>,
    reported_at: chrono::DateTime<chrono::Utc>,
    status: String,
    public_text: Option<String>,
    moderated_by: Option<String>,
    moderated_at: Option<chrono::DateTime<chrono::Utc>>,
    building: Option<String>,
    lon: Option<f64>,
    lat: Option<f64>,
}

/// `GET /planner/reports`: the moderation queue, oldest first.
pub(crate) async fn queue(
    _planner: Planner,
    State(state): State<AppState>,
    Query(q): Query<QueueQuery>,
) -> Result<Json<Listing<ReportItem>>, Problem> {
    let page = Page {
        limit: q.limit,
        offset: q.offset,
    }
    .check()?;
    let status = match q.status.as_deref() {
        None | Some("pending") => Some("pending"),
        Some("all") => None,
        Some(s @ ("approved" | "rejected" | "duplicate")) => Some(s),
        Some(_) => {
            return Err(Problem::bad_request(
                "status must be pending, approved, rejected, duplicate or all",
            ))
        }
    };
    let matched: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM citizen_report WHERE $1::text IS NULL OR status = $1",
    )
    .bind(status)
    .fetch_one(state.pool())
    .await?;
    let items = sqlx::query_as::<_, ReportItem>(
        "SELECT r.id, r.category, r.body, r.contact, r.reported_at, r.status, r.public_text,
                u.display_name AS moderated_by, r.moderated_at, b.alkis_id::text AS building,
                ST_X(ST_Transform(r.geom, 4326)) AS lon, ST_Y(ST_Transform(r.geom, 4326)) AS lat
           FROM citizen_report r
           LEFT JOIN app_user u ON u.id = r.moderated_by
           LEFT JOIN building b ON b.id = r.building_id
          WHERE $1::text IS NULL OR r.status = $1
          ORDER BY r.reported_at, r.id LIMIT $2 OFFSET $3",
    )
    .bind(status)
    .bind(page.limit)
    .bind(page.offset)
    .fetch_all(state.pool())
    .await?;
    Ok(Json(Listing {
        items,
        matched,
        limit: page.limit,
        offset: page.offset,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ModerateBody {
    decision: Decision,
    public_text: Option<String>,
}

/// `POST /planner/reports/{id}/moderate`: approve (with the text the public sees), reject
/// or mark a duplicate. A decision can be revised; each one is audited.
pub(crate) async fn moderate(
    planner: Planner,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<ModerateBody>,
) -> Result<Json<ReportItem>, Problem> {
    let public_text = match (&body.decision, &body.public_text) {
        (Decision::Approve, None) => {
            return Err(invalid("approving needs the public_text the map shows"))
        }
        (Decision::Approve, Some(t)) => Some(text("public_text", t, 2000, true)?),
        (_, Some(t)) => Some(text("public_text", t, 2000, false)?).filter(|t| !t.is_empty()),
        (_, None) => None,
    };
    let mut tx = state.pool().begin().await?;
    let before: Option<String> =
        sqlx::query_scalar("SELECT status FROM citizen_report WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let before = before.ok_or_else(|| Problem::not_found(format!("no report {id}")))?;
    sqlx::query(
        "UPDATE citizen_report
            SET status = $2, public_text = $3, moderated_by = $4, moderated_at = now()
          WHERE id = $1",
    )
    .bind(id)
    .bind(body.decision.status())
    .bind(&public_text)
    .bind(planner.id)
    .execute(&mut *tx)
    .await?;
    audit(
        &mut tx,
        &planner.login,
        "report.moderate",
        ("citizen_report", Some(id)),
        json!({"from": before, "decision": body.decision, "public_text": public_text}),
    )
    .await?;
    tx.commit().await?;
    super::published_changed(&state);
    let item = sqlx::query_as::<_, ReportItem>(
        "SELECT r.id, r.category, r.body, r.contact, r.reported_at, r.status, r.public_text,
                u.display_name AS moderated_by, r.moderated_at, b.alkis_id::text AS building,
                ST_X(ST_Transform(r.geom, 4326)) AS lon, ST_Y(ST_Transform(r.geom, 4326)) AS lat
           FROM citizen_report r
           LEFT JOIN app_user u ON u.id = r.moderated_by
           LEFT JOIN building b ON b.id = r.building_id
          WHERE r.id = $1",
    )
    .bind(id)
    .fetch_one(state.pool())
    .await?;
    Ok(Json(item))
}
