//! Offers' routes: drafts, changes, publishing and withdrawal, and the enquiries they draw
//! (the investor's contact is for planners only), which the town forwards to the owner; the
//! rules are [`workflow::offers`]'.

use axum::extract::State;
use axum::http::StatusCode;
use model::OfferKind;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::json;
use sqlx::PgConnection;
use utoipa::{IntoParams, ToSchema};
use workflow::offers::{NewOffer, OfferChange};

use super::verdicts::parse_alkis_id;
use super::{Listing, Page};
use crate::auth::Planner;
use crate::openapi::{BodyErrors, Conflict, NotFound, PlannerErrors, Unprocessable, PLANNER};
use crate::problem::{Json, Path, Query};
use crate::{AppState, Problem};

#[derive(Debug, Serialize, sqlx::FromRow, ToSchema)]
pub(crate) struct OfferItem {
    id: i64,
    kind: String,
    title: String,
    description: String,
    price_eur: Option<f64>,
    zoning_note: String,
    status: String,
    parcel: String,
    kennzeichen: String,
    building: Option<String>,
    town: Option<String>,
    created_by: String,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
    enquiries: i64,
    open_enquiries: i64,
    /// Published and on a released parcel: what the public collections show.
    public: bool,
}

const OFFERS_SQL: &str = "
SELECT o.id, o.kind, o.title, o.description, o.price_eur::float8 AS price_eur, o.zoning_note,
       o.status, p.alkis_id::text AS parcel, p.kennzeichen::text AS kennzeichen,
       b.alkis_id::text AS building, m.name AS town, u.display_name AS created_by,
       o.created_at, o.updated_at,
       (SELECT count(*) FROM enquiry e WHERE e.offer_id = o.id) AS enquiries,
       (SELECT count(*) FROM enquiry e WHERE e.offer_id = o.id AND e.forwarded_at IS NULL)
         AS open_enquiries,
       o.status = 'published' AND EXISTS (SELECT 1 FROM parcel_release r WHERE r.parcel_id = o.parcel_id)
         AS public
  FROM offer o
  JOIN parcel p ON p.id = o.parcel_id
  LEFT JOIN building b ON b.id = o.building_id
  LEFT JOIN municipality m ON m.ags = p.ags
  JOIN app_user u ON u.id = o.created_by";

async fn offer(conn: &mut PgConnection, id: i64) -> Result<OfferItem, Problem> {
    sqlx::query_as::<_, OfferItem>(&format!("{OFFERS_SQL} WHERE o.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no offer {id}")))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    #[param(pattern = "^(draft|published|withdrawn)$")]
    status: Option<String>,
    #[param(schema_with = crate::openapi::offer_kind)]
    kind: Option<String>,
    #[serde(default = "super::default_limit")]
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: i64,
    #[serde(default)]
    #[param(minimum = 0, maximum = 10_000_000, default = 0)]
    offset: i64,
}

/// `GET /planner/offers`: all offers, newest change first.
#[utoipa::path(get, path = "/planner/offers", tag = PLANNER, security(("bearer" = [])), params(ListQuery),
    responses((status = 200, description = "A page of offers.", body = Listing<OfferItem>), PlannerErrors))]
pub(crate) async fn list(
    planner: Planner,
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Listing<OfferItem>>, Problem> {
    let page = Page {
        limit: q.limit,
        offset: q.offset,
    }
    .check()?;
    if q.status
        .as_deref()
        .is_some_and(|s| !["draft", "published", "withdrawn"].contains(&s))
    {
        return Err(Problem::bad_request(
            "status must be draft, published or withdrawn",
        ));
    }
    if q.kind
        .as_deref()
        .is_some_and(|k| !["sale", "lease", "interim_use"].contains(&k))
    {
        return Err(Problem::bad_request(
            "kind must be sale, lease or interim_use",
        ));
    }
    let condition = "($1::text IS NULL OR o.status = $1) AND ($2::text IS NULL OR o.kind = $2)
        AND planner_sees($3, p.ags)";
    let matched: i64 = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM offer o JOIN parcel p ON p.id = o.parcel_id WHERE {condition}"
    ))
    .bind(&q.status)
    .bind(&q.kind)
    .bind(planner.id)
    .fetch_one(state.pool())
    .await?;
    let items = sqlx::query_as::<_, OfferItem>(&format!(
        "{OFFERS_SQL} WHERE {condition} ORDER BY o.updated_at DESC, o.id DESC LIMIT $4 OFFSET $5"
    ))
    .bind(&q.status)
    .bind(&q.kind)
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

/// `GET /planner/offers/{id}`.
#[utoipa::path(get, path = "/planner/offers/{id}", tag = PLANNER, security(("bearer" = [])), params(("id" = i64, Path, description = "The offer.")),
    responses((status = 200, description = "The offer.", body = OfferItem), PlannerErrors, NotFound))]
pub(crate) async fn detail(
    _planner: Planner,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<OfferItem>, Problem> {
    let mut conn = state.pool().acquire().await?;
    Ok(Json(offer(&mut conn, id).await?))
}

/// A new offer (a draft).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateBody {
    /// ALKIS id of the parcel.
    #[schema(schema_with = crate::openapi::alkis_id)]
    parcel: String,
    /// ALKIS id of a building on it, when the offer is about the building.
    #[schema(schema_with = crate::openapi::alkis_id)]
    building: Option<String>,
    #[schema(schema_with = crate::openapi::offer_kind)]
    kind: OfferKind,
    /// 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    title: String,
    #[serde(default)]
    #[schema(max_length = 4000)]
    description: String,
    price_eur: Option<f64>,
    #[serde(default)]
    #[schema(max_length = 2000)]
    zoning_note: String,
}

/// `POST /planner/offers`: a new offer, as a draft.
#[utoipa::path(post, path = "/planner/offers", tag = PLANNER, security(("bearer" = [])), request_body = CreateBody,
    responses((status = 201, description = "The new offer (a draft).", body = OfferItem),
              PlannerErrors, BodyErrors, NotFound, Conflict, Unprocessable))]
pub(crate) async fn create(
    planner: Planner,
    State(state): State<AppState>,
    Json(body): Json<CreateBody>,
) -> Result<(StatusCode, Json<OfferItem>), Problem> {
    let parcel = parse_alkis_id(&body.parcel)?;
    let building = body.building.as_deref().map(parse_alkis_id).transpose()?;
    let new = NewOffer {
        parcel: &parcel,
        building: building.as_ref(),
        kind: body.kind,
        title: &body.title,
        description: &body.description,
        price_eur: body.price_eur,
        zoning_note: &body.zoning_note,
    };
    let id = workflow::offers::create(state.pool(), planner.actor(), &new).await?;
    let mut conn = state.pool().acquire().await?;
    Ok((StatusCode::CREATED, Json(offer(&mut conn, id).await?)))
}

/// `Some(None)` for an explicit `null`, `None` when the field is absent.
fn nullable<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<f64>>, D::Error> {
    Option::<f64>::deserialize(d).map(Some)
}

/// The fields to change; absent ones stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateBody {
    #[schema(schema_with = crate::openapi::offer_kind)]
    kind: Option<OfferKind>,
    title: Option<String>,
    description: Option<String>,
    /// `null` clears the price.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<f64>)]
    price_eur: Option<Option<f64>>,
    zoning_note: Option<String>,
}

/// `PATCH /planner/offers/{id}`: changes the given fields; `price_eur: null` clears the price.
#[utoipa::path(patch, path = "/planner/offers/{id}", tag = PLANNER, security(("bearer" = [])), params(("id" = i64, Path, description = "The offer.")), request_body = UpdateBody,
    responses((status = 200, description = "The offer as changed.", body = OfferItem),
              PlannerErrors, BodyErrors, NotFound, Conflict, Unprocessable))]
pub(crate) async fn update(
    planner: Planner,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<UpdateBody>,
) -> Result<Json<OfferItem>, Problem> {
    let change = OfferChange {
        kind: body.kind,
        title: body.title.as_deref(),
        description: body.description.as_deref(),
        price_eur: body.price_eur,
        zoning_note: body.zoning_note.as_deref(),
    };
    workflow::offers::update(state.pool(), planner.actor(), id, &change).await?;
    changed(&state, id).await
}

/// The offer after a change that may alter what the public collections show.
async fn changed(state: &AppState, id: i64) -> Result<Json<OfferItem>, Problem> {
    super::published_changed(state);
    let mut conn = state.pool().acquire().await?;
    Ok(Json(offer(&mut conn, id).await?))
}

/// `POST /planner/offers/{id}/publish`: public once the parcel is released.
#[utoipa::path(post, path = "/planner/offers/{id}/publish", tag = PLANNER, security(("bearer" = [])), params(("id" = i64, Path, description = "The offer.")),
    responses((status = 200, description = "The offer, published.", body = OfferItem),
              PlannerErrors, NotFound, Conflict, Unprocessable))]
pub(crate) async fn publish(
    planner: Planner,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<OfferItem>, Problem> {
    workflow::offers::publish(state.pool(), planner.actor(), id).await?;
    changed(&state, id).await
}

/// `POST /planner/offers/{id}/withdraw`.
#[utoipa::path(post, path = "/planner/offers/{id}/withdraw", tag = PLANNER, security(("bearer" = [])), params(("id" = i64, Path, description = "The offer.")),
    responses((status = 200, description = "The offer, withdrawn.", body = OfferItem),
              PlannerErrors, NotFound, Conflict, Unprocessable))]
pub(crate) async fn withdraw(
    planner: Planner,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<OfferItem>, Problem> {
    workflow::offers::withdraw(state.pool(), planner.actor(), id).await?;
    changed(&state, id).await
}

#[derive(Debug, Serialize, sqlx::FromRow, ToSchema)]
pub(crate) struct EnquiryItem {
    id: i64,
    offer_id: i64,
    message: String,
    /// None once erased after its retention (`leerstand privacy purge`).
    contact: Option<String>,
    received_at: chrono::DateTime<chrono::Utc>,
    forwarded_at: Option<chrono::DateTime<chrono::Utc>>,
    forwarded_by: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct EnquiryQuery {
    #[serde(default = "super::default_limit")]
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: i64,
    #[serde(default)]
    #[param(minimum = 0, maximum = 10_000_000, default = 0)]
    offset: i64,
}

/// `GET /planner/offers/{id}/enquiries`: newest first, with the investors' contacts (an
/// audited read).
#[utoipa::path(get, path = "/planner/offers/{id}/enquiries", tag = PLANNER, security(("bearer" = [])), 
    params(("id" = i64, Path, description = "The offer."), EnquiryQuery),
    responses((status = 200, description = "A page of the offer's enquiries with the investors' contacts.",
               body = Listing<EnquiryItem>),
              PlannerErrors, NotFound))]
pub(crate) async fn enquiries(
    planner: Planner,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<EnquiryQuery>,
) -> Result<Json<Listing<EnquiryItem>>, Problem> {
    let page = Page {
        limit: q.limit,
        offset: q.offset,
    }
    .check()?;
    let matched: Option<i64> = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM enquiry e WHERE e.offer_id = o.id) FROM offer o WHERE o.id = $1",
    )
    .bind(id)
    .fetch_optional(state.pool())
    .await?;
    let matched = matched.ok_or_else(|| Problem::not_found(format!("no offer {id}")))?;
    let items = sqlx::query_as::<_, EnquiryItem>(
        "SELECT e.id, e.offer_id, e.message, e.contact, e.received_at, e.forwarded_at,
                u.display_name AS forwarded_by
           FROM enquiry e LEFT JOIN app_user u ON u.id = e.forwarded_by
          WHERE e.offer_id = $1 ORDER BY e.received_at DESC, e.id DESC LIMIT $2 OFFSET $3",
    )
    .bind(id)
    .bind(page.limit)
    .bind(page.offset)
    .fetch_all(state.pool())
    .await?;
    super::audit_read_rows(
        state.pool(),
        &planner,
        "enquiry",
        items.iter().map(|e| e.id),
        json!({"view": "enquiries", "offer": id}),
    )
    .await?;
    Ok(Json(Listing {
        items,
        matched,
        limit: page.limit,
        offset: page.offset,
    }))
}

/// `POST /planner/enquiries/{id}/forward`: marks the enquiry as passed on to the owner.
#[utoipa::path(post, path = "/planner/enquiries/{id}/forward", tag = PLANNER, security(("bearer" = [])),
    params(("id" = i64, Path, description = "The enquiry.")),
    responses((status = 200, description = "The enquiry, marked forwarded.", body = EnquiryItem),
              PlannerErrors, NotFound, Conflict, Unprocessable))]
pub(crate) async fn forward(
    planner: Planner,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<EnquiryItem>, Problem> {
    workflow::offers::forward_enquiry(state.pool(), planner.actor(), id).await?;
    let item = sqlx::query_as::<_, EnquiryItem>(
        "SELECT e.id, e.offer_id, e.message, e.contact, e.received_at, e.forwarded_at,
                u.display_name AS forwarded_by
           FROM enquiry e LEFT JOIN app_user u ON u.id = e.forwarded_by WHERE e.id = $1",
    )
    .bind(id)
    .fetch_one(state.pool())
    .await?;
    Ok(Json(item))
}
