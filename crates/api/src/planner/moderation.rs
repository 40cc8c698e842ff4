//! Moderation of citizen reports: the queue (with the reporter's words and contact, which
//! only planners see) and the decision ([`workflow::reports::moderate`]). An approved report
//! reaches the public `reports` collection with the moderator's text only.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use workflow::reports::Decision;

use super::{Listing, Page};
use crate::auth::Planner;
use crate::openapi::{BodyErrors, Conflict, NotFound, PlannerErrors, Unprocessable, PLANNER};
use crate::problem::{Json, Path, Query};
use crate::{AppState, Problem};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct QueueQuery {
    /// pending (default), approved, rejected, duplicate or all.
    #[param(pattern = "^(pending|approved|rejected|duplicate|all)$")]
    status: Option<String>,
    #[serde(default = "super::default_limit")]
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: i64,
    #[serde(default)]
    #[param(minimum = 0, maximum = 10_000_000, default = 0)]
    offset: i64,
}

#[derive(Debug, Serialize, sqlx::FromRow, ToSchema)]
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
#[utoipa::path(get, path = "/planner/reports", tag = PLANNER, security(("bearer" = [])),
    params(QueueQuery),
    responses((status = 200, description = "A page of citizen reports with the reporter's words and contact.",
               body = Listing<ReportItem>),
              PlannerErrors))]
pub(crate) async fn queue(
    planner: Planner,
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
        "SELECT count(*) FROM citizen_report r
          WHERE ($1::text IS NULL OR r.status = $1) AND planner_sees($2, report_town(r.id))",
    )
    .bind(status)
    .bind(planner.id)
    .fetch_one(state.pool())
    .await?;
    let items = sqlx::query_as::<_, ReportItem>(
        "SELECT r.id, r.category, r.body, r.contact, r.reported_at, r.status, r.public_text,
                u.display_name AS moderated_by, r.moderated_at, b.alkis_id::text AS building,
                ST_X(ST_Transform(r.geom, 4326)) AS lon, ST_Y(ST_Transform(r.geom, 4326)) AS lat
           FROM citizen_report r
           LEFT JOIN app_user u ON u.id = r.moderated_by
           LEFT JOIN building b ON b.id = r.building_id
          WHERE ($1::text IS NULL OR r.status = $1) AND planner_sees($4, report_town(r.id))
          ORDER BY r.reported_at, r.id LIMIT $2 OFFSET $3",
    )
    .bind(status)
    .bind(page.limit)
    .bind(page.offset)
    .bind(planner.id)
    .fetch_all(state.pool())
    .await?;
    Ok(Json(Listing {
        items,
        matched,
        limit: page.limit,
        offset: page.offset,
    }))
}

/// A moderator's decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ModerateBody {
    #[schema(schema_with = crate::openapi::decision)]
    decision: Decision,
    /// The text the public sees (needed to approve; at most 2000 characters).
    public_text: Option<String>,
}

/// `POST /planner/reports/{id}/moderate`: approve (with the text the public sees), reject
/// or mark a duplicate. A decision can be revised; each one is audited.
#[utoipa::path(post, path = "/planner/reports/{id}/moderate", tag = PLANNER, security(("bearer" = [])),
    params(("id" = i64, Path, description = "The report.")),
    request_body = ModerateBody,
    responses((status = 200, description = "The report as moderated.", body = ReportItem),
              PlannerErrors, BodyErrors, NotFound, Conflict, Unprocessable))]
pub(crate) async fn moderate(
    planner: Planner,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<ModerateBody>,
) -> Result<Json<ReportItem>, Problem> {
    workflow::reports::moderate(
        state.pool(),
        planner.actor(),
        id,
        body.decision,
        body.public_text.as_deref(),
    )
    .await?;
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
