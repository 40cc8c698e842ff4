//! Cases' routes: the list, one case with its history, opening a case and moving it on
//! (by the rules of [`workflow::cases`]).

use axum::extract::State;
use axum::http::StatusCode;
use model::{CaseStatus, SubjectKind};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::PgConnection;
use utoipa::{IntoParams, ToSchema};

use super::verdicts::parse_alkis_id;
use super::{Listing, Page};
use crate::auth::Planner;
use crate::openapi::{BodyErrors, Conflict, NotFound, PlannerErrors, Unprocessable, PLANNER};
use crate::problem::{Json, Path, Query};
use crate::{AppState, Problem};

/// A new case about a building or parcel.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OpenBody {
    #[schema(schema_with = crate::openapi::subject_kind)]
    kind: SubjectKind,
    /// The ALKIS id of the building or parcel.
    #[schema(schema_with = crate::openapi::alkis_id)]
    alkis_id: String,
    #[serde(default)]
    note: String,
}

/// `POST /planner/cases`: opens a case (status `new`); one open case per subject.
#[utoipa::path(post, path = "/planner/cases", tag = PLANNER, security(("bearer" = [])),
    request_body = OpenBody,
    responses((status = 201, description = "The case with its history.", body = Value),
              PlannerErrors, BodyErrors, NotFound, Conflict, Unprocessable))]
pub(crate) async fn open(
    planner: Planner,
    State(state): State<AppState>,
    Json(body): Json<OpenBody>,
) -> Result<(StatusCode, Json<Value>), Problem> {
    let alkis = parse_alkis_id(&body.alkis_id)?;
    let id =
        workflow::cases::open(state.pool(), planner.actor(), body.kind, &alkis, &body.note).await?;
    let mut conn = state.pool().acquire().await?;
    let detail = case_detail(&mut conn, id).await?;
    Ok((StatusCode::CREATED, Json(detail)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    #[param(schema_with = crate::openapi::case_status)]
    status: Option<String>,
    #[param(schema_with = crate::openapi::subject_kind)]
    kind: Option<String>,
    /// AGS or town name.
    #[param(max_length = 200)]
    town: Option<String>,
    #[serde(default = "super::default_limit")]
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: i64,
    #[serde(default)]
    #[param(minimum = 0, maximum = 10_000_000, default = 0)]
    offset: i64,
}

#[derive(Debug, Serialize, sqlx::FromRow, ToSchema)]
pub(crate) struct CaseItem {
    id: i64,
    kind: String,
    alkis_id: String,
    kennzeichen: Option<String>,
    address: Option<String>,
    town: Option<String>,
    status: String,
    class: Option<String>,
    opened_at: chrono::DateTime<chrono::Utc>,
    opened_by: String,
    changed_at: chrono::DateTime<chrono::Utc>,
}

const CASES_SQL: &str = "
SELECT c.id,
       CASE WHEN c.building_id IS NOT NULL THEN 'building' ELSE 'parcel' END AS kind,
       coalesce(b.alkis_id, p.alkis_id)::text AS alkis_id,
       p.kennzeichen::text AS kennzeichen,
       (SELECT string_agg(a.street || ' ' || a.house_number::text || a.house_suffix, ', '
                          ORDER BY a.street, a.house_number, a.house_suffix)
          FROM address a
         WHERE CASE WHEN b.id IS NOT NULL THEN a.building_id = b.id ELSE a.parcel_id = p.id END)
         AS address,
       p.ags::text AS ags,
       m.name AS town,
       c.status,
       coalesce((SELECT cv.class FROM current_verdict cv WHERE cv.building_id = c.building_id),
                (SELECT cv.class FROM current_verdict cv WHERE cv.parcel_id = c.parcel_id))
         AS class,
       c.opened_at,
       u.display_name AS opened_by,
       coalesce((SELECT max(e.at) FROM case_event e WHERE e.case_id = c.id), c.opened_at)
         AS changed_at
  FROM planner_case c
  JOIN app_user u ON u.id = c.opened_by
  LEFT JOIN building b ON b.id = c.building_id
  LEFT JOIN parcel p ON p.id = coalesce(c.parcel_id, b.parcel_id)
  LEFT JOIN municipality m ON m.ags = p.ags";

/// `GET /planner/cases`: cases, most recently changed first.
#[utoipa::path(get, path = "/planner/cases", tag = PLANNER, security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, description = "A page of cases.", body = Listing<CaseItem>), PlannerErrors))]
pub(crate) async fn list(
    planner: Planner,
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Listing<CaseItem>>, Problem> {
    let page = Page {
        limit: q.limit,
        offset: q.offset,
    }
    .check()?;
    if let Some(s) = &q.status {
        s.parse::<CaseStatus>()
            .map_err(|e| Problem::bad_request(e.to_string()))?;
    }
    if q.kind
        .as_deref()
        .is_some_and(|k| k != "building" && k != "parcel")
    {
        return Err(Problem::bad_request("kind must be building or parcel"));
    }
    super::filter("town", q.town.as_deref())?;
    let condition = "($1::text IS NULL OR c.status = $1)
        AND ($2::text IS NULL OR c.kind = $2)
        AND ($3::text IS NULL OR c.ags = $3 OR c.town = $3)
        AND planner_sees($4, c.ags)";
    let matched: i64 = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM ({CASES_SQL}) c WHERE {condition}"
    ))
    .bind(&q.status)
    .bind(&q.kind)
    .bind(&q.town)
    .bind(planner.id)
    .fetch_one(state.pool())
    .await?;
    let items = sqlx::query_as::<_, CaseItem>(&format!(
        "SELECT c.id, c.kind, c.alkis_id, c.kennzeichen, c.address, c.town, c.status, c.class,
                c.opened_at, c.opened_by, c.changed_at
           FROM ({CASES_SQL}) c WHERE {condition}
          ORDER BY c.changed_at DESC, c.id DESC LIMIT $5 OFFSET $6"
    ))
    .bind(&q.status)
    .bind(&q.kind)
    .bind(&q.town)
    .bind(planner.id)
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

/// A case with its subject, history (opening first) and the parcel's publication record.
async fn case_detail(conn: &mut PgConnection, id: i64) -> Result<Value, Problem> {
    let case: Option<Value> = sqlx::query_scalar(&format!(
        "SELECT to_json(c) FROM ({CASES_SQL}) c WHERE c.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let mut case = case.ok_or_else(|| Problem::not_found(format!("no case {id}")))?;
    let history: Value = sqlx::query_scalar(
        "SELECT coalesce(json_agg(h ORDER BY h.at, h.seq), '[]') FROM (
             SELECT c.opened_at AS at, 0 AS seq, u.display_name AS author, u.login,
                    NULL::text AS from_status, 'new' AS to_status,
                    coalesce((SELECT l.details ->> 'note' FROM audit_log l
                               WHERE l.subject_table = 'planner_case' AND l.subject_id = c.id
                                 AND l.action = 'case.open' ORDER BY l.id LIMIT 1), '') AS note
               FROM planner_case c JOIN app_user u ON u.id = c.opened_by WHERE c.id = $1
             UNION ALL
             SELECT e.at, e.id, u.display_name, u.login, e.from_status, e.to_status, e.note
               FROM case_event e JOIN app_user u ON u.id = e.author_id WHERE e.case_id = $1
         ) h",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    let publication: Option<Value> = sqlx::query_scalar(
        "SELECT json_build_object('basis', pc.basis, 'consent_on', pc.consent_on,
                'announced_on', pc.announced_on, 'objection_on', pc.objection_on,
                'public', r.parcel_id IS NOT NULL)
           FROM planner_case c
           LEFT JOIN building b ON b.id = c.building_id
           JOIN publication_consent pc ON pc.parcel_id = coalesce(c.parcel_id, b.parcel_id)
           LEFT JOIN parcel_release r ON r.parcel_id = pc.parcel_id
          WHERE c.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Value::Object(map) = &mut case {
        map.insert("history".to_owned(), history);
        map.insert("publication".to_owned(), publication.unwrap_or(Value::Null));
        let allowed: Vec<&str> = map
            .get("status")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<CaseStatus>().ok())
            .map(workflow::cases::next_statuses)
            .unwrap_or_default();
        map.insert("next".to_owned(), json!(allowed));
    }
    Ok(case)
}

/// `GET /planner/cases/{id}`; the history's notes tell of owners, so an audited read.
#[utoipa::path(get, path = "/planner/cases/{id}", tag = PLANNER, security(("bearer" = [])),
    params(("id" = i64, Path, description = "The case.")),
    responses((status = 200, description = "The case with its history.", body = Value),
              PlannerErrors, NotFound))]
pub(crate) async fn detail(
    planner: Planner,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Value>, Problem> {
    let mut conn = state.pool().acquire().await?;
    let detail = case_detail(&mut conn, id).await?;
    super::audit_read(
        &mut *conn,
        &planner,
        ("planner_case", Some(id)),
        json!({"view": "case"}),
    )
    .await?;
    Ok(Json(detail))
}

/// The case's next status.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatusBody {
    #[schema(schema_with = crate::openapi::case_status)]
    status: CaseStatus,
    #[serde(default)]
    note: String,
}

/// `POST /planner/cases/{id}/status`: moves the case on; 409 for a move the workflow does
/// not allow. Consent and objection change the public views, so cached tiles are dropped.
#[utoipa::path(post, path = "/planner/cases/{id}/status", tag = PLANNER, security(("bearer" = [])),
    params(("id" = i64, Path, description = "The case.")),
    request_body = StatusBody,
    responses((status = 200, description = "The case with its history.", body = Value),
              PlannerErrors, BodyErrors, NotFound, Conflict, Unprocessable))]
pub(crate) async fn change_status(
    planner: Planner,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<StatusBody>,
) -> Result<Json<Value>, Problem> {
    workflow::cases::change_status(state.pool(), planner.actor(), id, body.status, &body.note)
        .await?;
    if workflow::cases::changes_publication(body.status) {
        super::published_changed(&state);
    }
    let mut conn = state.pool().acquire().await?;
    Ok(Json(case_detail(&mut conn, id).await?))
}
