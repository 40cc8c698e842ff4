//! Moderation of citizen reports: the queue (with the reporter's words and contact, which
//! only planners see) and the decision ([`workflow::reports::moderate`]). An approved report
//! reaches the public `reports` collection with the moderator's text only. The moderator
//! sees a report's photos here before deciding (`/planner/reports/{id}/photos/{n}`).

use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::json;
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
    /// How many photos the report carries (1 to `photos`).
    photos: i32,
}

/// The columns of a queue item, for the queue and the answer to a decision.
const ITEM: &str = "r.id, r.category, r.body, r.contact, r.reported_at, r.status, r.public_text,
                u.display_name AS moderated_by, r.moderated_at, b.alkis_id::text AS building,
                ST_X(ST_Transform(r.geom, 4326)) AS lon, ST_Y(ST_Transform(r.geom, 4326)) AS lat,
                (SELECT count(*)::int FROM citizen_report_photo p WHERE p.report_id = r.id) AS photos
           FROM citizen_report r
           LEFT JOIN app_user u ON u.id = r.moderated_by
           LEFT JOIN building b ON b.id = r.building_id";

/// `GET /planner/reports`: the moderation queue, oldest first; the reporters' words and
/// contacts, so an audited read.
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
    let items = sqlx::query_as::<_, ReportItem>(&format!(
        "SELECT {ITEM}
          WHERE ($1::text IS NULL OR r.status = $1) AND planner_sees($4, report_town(r.id))
          ORDER BY r.reported_at, r.id LIMIT $2 OFFSET $3"
    ))
    .bind(status)
    .bind(page.limit)
    .bind(page.offset)
    .bind(planner.id)
    .fetch_all(state.pool())
    .await?;
    super::audit_read_rows(
        state.pool(),
        &planner,
        "citizen_report",
        items.iter().map(|r| r.id),
        json!({"view": "reports"}),
    )
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
    let item = sqlx::query_as::<_, ReportItem>(&format!("SELECT {ITEM} WHERE r.id = $1"))
        .bind(id)
        .fetch_one(state.pool())
        .await?;
    Ok(Json(item))
}

/// `GET /planner/reports/{id}/photos/{n}`: photo n of a report, whatever its status, for the
/// moderator to see before deciding. Never cached by the browser or a proxy.
#[utoipa::path(get, path = "/planner/reports/{id}/photos/{n}", tag = PLANNER, security(("bearer" = [])),
    params(("id" = i64, Path, description = "The report."),
           ("n" = i16, Path, description = "The photo's position, from 1.")),
    responses((status = 200, description = "The photo as the server re-encoded it.",
               content_type = "image/jpeg", body = Vec<u8>),
              PlannerErrors, NotFound))]
pub(crate) async fn photo(
    _planner: Planner,
    State(state): State<AppState>,
    Path((id, n)): Path<(i64, i16)>,
) -> Result<axum::response::Response, Problem> {
    let (media_type, image) = workflow::reports::photo(state.pool(), id, n)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no photo {n} of report {id}")))?;
    Ok(crate::reports::photo_response(
        &media_type,
        image,
        "private, no-store",
    ))
}
