//! The planners' routes under `/planner/…`: verdicts with their evidence and overrides,
//! moderation of citizen reports, cases, publication consent (§ 200 (3) BauGB), offers and
//! enquiries, exports, and the audit log. Every handler takes the [`Planner`] extractor
//! first, so a request without a valid token is refused before anything else is read;
//! every change is a call into [`workflow`], which writes it in one transaction with its
//! `audit_log` row. Every answer that shows private data (owners, registers, surveys,
//! reporters' and investors' words and contacts) writes one `read` row through
//! [`audit_read`] before it is sent.

mod cases;
mod consent;
mod export;
mod moderation;
mod offers;
mod scope;
mod verdicts;

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Planner;
use crate::openapi::{BadRequest, Forbidden, Unauthorized, Unavailable, Unprocessable, PLANNER};
use crate::problem::{Json, Query};
use crate::{AppState, Problem};

pub(crate) fn routes(state: AppState) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(verdicts::list))
        .routes(routes!(verdicts::detail))
        .routes(routes!(verdicts::set_override, verdicts::withdraw_override))
        .routes(routes!(moderation::queue))
        .routes(routes!(moderation::moderate))
        .routes(routes!(moderation::photo))
        .routes(routes!(cases::list, cases::open))
        .routes(routes!(cases::detail))
        .routes(routes!(cases::change_status))
        .routes(routes!(consent::notice))
        .routes(routes!(offers::list, offers::create))
        .routes(routes!(offers::detail, offers::update))
        .routes(routes!(offers::publish))
        .routes(routes!(offers::withdraw))
        .routes(routes!(offers::enquiries))
        .routes(routes!(offers::forward))
        .routes(routes!(export::export))
        .routes(routes!(audit_log))
        .routes(routes!(privacy_subject))
        .route_layer(axum::middleware::from_fn_with_state(state, scope::gate))
}

/// Audits a planner's read of private data: one INSERT (action `read`) on the connection
/// or pool the read used, naming the planner, the table and row shown and, in `details`,
/// what the answer held. Called after the data is read and before it is sent: a failed read
/// leaves no row, and data whose row cannot be written is not sent.
pub(crate) async fn audit_read<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    planner: &Planner,
    subject: (&str, Option<i64>),
    details: Value,
) -> Result<(), Problem> {
    workflow::audit::read(executor, &planner.login, subject, details).await?;
    Ok(())
}

/// [`audit_read`] for a list: the rows' ids go under `ids` in `details`; an empty list
/// showed nothing and writes no row.
pub(crate) async fn audit_read_rows<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    planner: &Planner,
    table: &str,
    ids: impl IntoIterator<Item = i64>,
    details: Value,
) -> Result<(), Problem> {
    let ids: Vec<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(());
    }
    let mut details = details;
    if let Value::Object(map) = &mut details {
        map.insert("ids".to_owned(), json!(ids));
    }
    audit_read(executor, planner, (table, None), details).await
}

/// A request that is well-formed but asks for something the rules do not allow.
pub(crate) fn invalid(detail: impl Into<String>) -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Unprocessable content",
        detail,
    )
}

/// After a commit that changes what the public views show: cached tiles are stale.
pub(crate) fn published_changed(state: &AppState) {
    state.tiles().invalidate();
}

/// Checks a filter value of a query string: at most 200 characters, no control characters
/// (the database refuses NUL bytes in text).
pub(crate) fn filter(name: &str, value: Option<&str>) -> Result<(), Problem> {
    match value {
        Some(v) if v.chars().count() > 200 => {
            Err(Problem::bad_request(format!("{name} is too long")))
        }
        Some(v) if v.chars().any(char::is_control) => Err(Problem::bad_request(format!(
            "{name} contains control characters"
        ))),
        _ => Ok(()),
    }
}

/// Paging of the planner lists: `limit` 1–1000 (default 100) and `offset`.
#[derive(Debug, Clone, Copy, Deserialize)]
pub(crate) struct Page {
    #[serde(default = "default_limit")]
    pub limit: i64,
    #[serde(default)]
    pub offset: i64,
}

fn default_limit() -> i64 {
    100
}

impl Page {
    pub(crate) fn check(self) -> Result<Self, Problem> {
        if !(1..=1000).contains(&self.limit) {
            return Err(Problem::bad_request("limit must be between 1 and 1000"));
        }
        if !(0..=10_000_000).contains(&self.offset) {
            return Err(Problem::bad_request(
                "offset must be between 0 and 10000000",
            ));
        }
        Ok(self)
    }
}

/// A page of a planner list.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Listing<T> {
    pub items: Vec<T>,
    #[serde(rename = "numberMatched")]
    pub matched: i64,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct AuditQuery {
    /// Only changes of this table.
    #[param(max_length = 200)]
    subject_table: Option<String>,
    /// Only changes of this row.
    subject_id: Option<i64>,
    /// Only changes by this login.
    #[param(max_length = 200)]
    actor: Option<String>,
    #[serde(default = "default_limit")]
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: i64,
    #[serde(default)]
    #[param(minimum = 0, maximum = 10_000_000, default = 0)]
    offset: i64,
}

#[derive(Debug, Serialize, sqlx::FromRow, ToSchema)]
struct AuditRow {
    id: i64,
    at: chrono::DateTime<chrono::Utc>,
    actor: String,
    action: String,
    subject_table: Option<String>,
    subject_id: Option<i64>,
    details: Value,
}

/// The audit log, newest first; administrators of every town only (its rows span the
/// towns).
#[utoipa::path(get, path = "/planner/audit", tag = PLANNER, security(("bearer" = [])),
    params(AuditQuery),
    responses((status = 200, description = "A page of the audit log.", body = Listing<AuditRow>),
              BadRequest, Unauthorized, Forbidden, Unavailable))]
async fn audit_log(
    planner: Planner,
    State(state): State<AppState>,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Listing<AuditRow>>, Problem> {
    planner.require_admin_of_every_town("the audit log")?;
    filter("subject_table", q.subject_table.as_deref())?;
    filter("actor", q.actor.as_deref())?;
    let page = Page {
        limit: q.limit,
        offset: q.offset,
    }
    .check()?;
    let filter = "($1::text IS NULL OR subject_table = $1)
                  AND ($2::bigint IS NULL OR subject_id = $2)
                  AND ($3::text IS NULL OR actor = $3)";
    let matched: i64 =
        sqlx::query_scalar(&format!("SELECT count(*) FROM audit_log WHERE {filter}"))
            .bind(&q.subject_table)
            .bind(q.subject_id)
            .bind(&q.actor)
            .fetch_one(state.pool())
            .await?;
    let items = sqlx::query_as::<_, AuditRow>(&format!(
        "SELECT id, at, actor, action, subject_table, subject_id, details FROM audit_log
          WHERE {filter} ORDER BY id DESC LIMIT $4 OFFSET $5"
    ))
    .bind(&q.subject_table)
    .bind(q.subject_id)
    .bind(&q.actor)
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

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct SubjectQuery {
    #[param(max_length = 200)]
    /// The e-mail address or phone number as the person gave it.
    contact: String,
}

/// Everything stored about the person who gave `contact` (Art. 15 GDPR): citizen reports,
/// enquiries, a planner account of that login. Administrators of every town only; the
/// export writes its own `read` row ([`workflow::privacy::subject_export`]).
#[utoipa::path(get, path = "/planner/privacy/subject", tag = PLANNER, security(("bearer" = [])),
    params(SubjectQuery),
    responses((status = 200, description = "Everything stored about the person who gave `contact` (e-mail or phone, any case): citizen reports, enquiries, a planner account of that login (Art. 15 GDPR; administrators of every town; audited).",
               body = Value),
              BadRequest, Unauthorized, Forbidden, Unprocessable, Unavailable))]
async fn privacy_subject(
    planner: Planner,
    State(state): State<AppState>,
    Query(q): Query<SubjectQuery>,
) -> Result<Json<Value>, Problem> {
    planner.require_admin_of_every_town("what is stored about a person")?;
    filter("contact", Some(&q.contact))?;
    Ok(Json(
        workflow::privacy::subject_export(state.pool(), &planner.login, &q.contact).await?,
    ))
}
