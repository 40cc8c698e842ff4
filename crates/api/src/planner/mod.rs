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
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::auth::Planner;
use crate::problem::{Json, Query};
use crate::{AppState, Problem};

pub(crate) fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/planner/verdicts", get(verdicts::list))
        .route("/planner/verdicts/{kind}/{alkis_id}", get(verdicts::detail))
        .route(
            "/planner/verdicts/{kind}/{alkis_id}/override",
            post(verdicts::set_override).delete(verdicts::withdraw_override),
        )
        .route("/planner/reports", get(moderation::queue))
        .route("/planner/reports/{id}/moderate", post(moderation::moderate))
        .route("/planner/reports/{id}/photos/{n}", get(moderation::photo))
        .route("/planner/cases", get(cases::list).post(cases::open))
        .route("/planner/cases/{id}", get(cases::detail))
        .route("/planner/cases/{id}/status", post(cases::change_status))
        .route("/planner/consents", post(consent::notice))
        .route("/planner/offers", get(offers::list).post(offers::create))
        .route(
            "/planner/offers/{id}",
            get(offers::detail).patch(offers::update),
        )
        .route("/planner/offers/{id}/publish", post(offers::publish))
        .route("/planner/offers/{id}/withdraw", post(offers::withdraw))
        .route("/planner/offers/{id}/enquiries", get(offers::enquiries))
        .route("/planner/enquiries/{id}/forward", post(offers::forward))
        .route("/planner/export/{file}", get(export::export))
        .route("/planner/audit", get(audit_log))
        .route("/planner/privacy/subject", get(privacy_subject))
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
#[derive(Debug, Serialize)]
pub(crate) struct Listing<T> {
    pub items: Vec<T>,
    #[serde(rename = "numberMatched")]
    pub matched: i64,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    subject_table: Option<String>,
    subject_id: Option<i64>,
    actor: Option<String>,
    #[serde(default = "default_limit")]
    limit: i64,
    #[serde(default)]
    offset: i64,
}

#[derive(Debug, Serialize, sqlx::FromRow)]
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubjectQuery {
    /// The e-mail address or phone number as the person gave it.
    contact: String,
}

/// Everything stored about the person who gave `contact` (Art. 15 GDPR): citizen reports,
/// enquiries, a planner account of that login. Administrators of every town only; the
/// export writes its own `read` row ([`workflow::privacy::subject_export`]).
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

/// The OpenAPI paths of the planner routes.
pub(crate) fn openapi_paths() -> Value {
    let problem = json!({"$ref": "#/components/responses/Problem"});
    let op = |method: &str, summary: &str, body: bool| {
        let mut o = json!({
            "summary": summary,
            "security": [{"bearer": []}],
            "responses": {
                "200": {"description": "OK"},
                "400": problem, "401": problem, "403": problem, "404": problem,
                "409": problem, "422": problem, "503": problem
            }
        });
        if body {
            o["requestBody"] =
                json!({"content": {"application/json": {"schema": {"type": "object"}}}});
        }
        json!({ method: o })
    };
    let merge = |a: Value, b: Value| {
        let mut a = a;
        if let (Value::Object(a), Value::Object(b)) = (&mut a, b) {
            a.extend(b);
        }
        a
    };
    let mut privacy = op("get", "Everything stored about the person who gave `contact` (e-mail or phone, any case): citizen reports, enquiries, a planner account of that login (Art. 15 GDPR; administrators of every town; audited).", false);
    privacy["get"]["parameters"] = json!([{"name": "contact", "in": "query", "required": true,
        "schema": {"type": "string", "maxLength": 200}}]);
    json!({
        "/planner/verdicts": op("get", "Verdicts of the latest run (class, kind, town, district; limit, offset; f=geojson).", false),
        "/planner/verdicts/{kind}/{alkis_id}": op("get", "One building or parcel: verdict, evidence, owners, addresses, surveys, cases.", false),
        "/planner/verdicts/{kind}/{alkis_id}/override": merge(
            op("post", "Override the verdict {class, note}; replaces an active override.", true),
            op("delete", "Withdraw the active override.", false)),
        "/planner/reports": op("get", "Citizen reports by status (default pending), with body and contact.", false),
        "/planner/reports/{id}/photos/{n}": op("get", "Photo n of a report, whatever its status (JPEG), for moderation.", false),
        "/planner/reports/{id}/moderate": op("post", "Moderate a report {decision: approve|reject|duplicate, public_text}.", true),
        "/planner/cases": merge(
            op("get", "Cases (status, kind, town; limit, offset).", false),
            op("post", "Open a case {kind, alkis_id, note}.", true)),
        "/planner/cases/{id}": op("get", "One case with its history.", false),
        "/planner/cases/{id}/status": op("post", "Move a case on {status, note}; consent and objection update the publication.", true),
        "/planner/consents": op("post", "Record a § 200 (3) BauGB notice {announced_on, parcels | town}.", true),
        "/planner/offers": merge(
            op("get", "Offers (status, kind; limit, offset).", false),
            op("post", "Create a draft offer {parcel, building, kind, title, description, price_eur, zoning_note}.", true)),
        "/planner/offers/{id}": merge(
            op("get", "One offer.", false),
            op("patch", "Change an offer's kind, title, description, price or zoning note.", true)),
        "/planner/offers/{id}/publish": op("post", "Publish an offer.", false),
        "/planner/offers/{id}/withdraw": op("post", "Withdraw an offer.", false),
        "/planner/offers/{id}/enquiries": op("get", "Enquiries about an offer, with the investor's contact.", false),
        "/planner/enquiries/{id}/forward": op("post", "Mark an enquiry forwarded to the owner.", false),
        "/planner/export/{file}": op("get", "Export a public collection or `verdicts` as `{name}.csv` or `{name}.gpkg` (EPSG:25832).", false),
        "/planner/audit": op("get", "The audit log (administrators).", false),
        "/planner/privacy/subject": privacy
    })
}
