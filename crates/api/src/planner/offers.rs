//! Offers to investors and interim users: drafts, changes, publishing and withdrawal, and
//! the enquiries they draw (the investor's contact is for planners only), which the town
//! forwards to the owner.

use axum::extract::State;
use axum::http::StatusCode;
use model::OfferKind;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::json;
use sqlx::PgConnection;

use super::{audit, db_problem, invalid, text, Listing, Page};
use crate::auth::Planner;
use crate::problem::{Json, Path, Query};
use crate::{AppState, Problem};

fn kind_name(kind: OfferKind) -> &'static str {
    match kind {
        OfferKind::Sale => "sale",
        OfferKind::Lease => "lease",
        OfferKind::InterimUse => "interim_use",
    }
}

/// The largest price `numeric(12, 2)` holds.
const MAX_PRICE: f64 = 9_999_999_999.99;

fn check_price(price: Option<f64>) -> Result<Option<f64>, Problem> {
    match price {
        Some(p) if !p.is_finite() || !(0.0..=MAX_PRICE).contains(&p) => Err(invalid(format!(
            "price_eur must lie between 0 and {MAX_PRICE}"
        ))),
        other => Ok(other),
    }
}

#[derive(Debug, Serialize, sqlx::FromRow)]
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    status: Option<String>,
    kind: Option<String>,
    #[serde(default = "super::default_limit")]
    limit: i64,
    #[serde(default)]
    offset: i64,
}

/// `GET /planner/offers`: all offers, newest change first.
pub(crate) async fn list(
    _planner: Planner,
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
    let condition = "($1::text IS NULL OR o.status = $1) AND ($2::text IS NULL OR o.kind = $2)";
    let matched: i64 =
        sqlx::query_scalar(&format!("SELECT count(*) FROM offer o WHERE {condition}"))
            .bind(&q.status)
            .bind(&q.kind)
            .fetch_one(state.pool())
            .await?;
    let items = sqlx::query_as::<_, OfferItem>(&format!(
        "{OFFERS_SQL} WHERE {condition} ORDER BY o.updated_at DESC, o.id DESC LIMIT $3 OFFSET $4"
    ))
    .bind(&q.status)
    .bind(&q.kind)
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
pub(crate) async fn detail(
    _planner: Planner,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<OfferItem>, Problem> {
    let mut conn = state.pool().acquire().await?;
    Ok(Json(offer(&mut conn, id).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateBody {
    /// ALKIS id of the parcel.
    parcel: String,
    /// ALKIS id of a building on it, when the offer is about the building.
    building: Option<String>,
    kind: OfferKind,
    title: String,
    #[serde(default)]
    description: String,
    price_eur: Option<f64>,
    #[serde(default)]
    zoning_note: String,
}

/// `POST /planner/offers`: a new offer, as a draft.
pub(crate) async fn create(
    planner: Planner,
    State(state): State<AppState>,
    Json(body): Json<CreateBody>,
) -> Result<(StatusCode, Json<OfferItem>), Problem> {
    let title = text("title", &body.title, 200, true)?;
    let description = text("description", &body.description, 4000, false)?;
    let zoning_note = text("zoning_note", &body.zoning_note, 2000, false)?;
    let price = check_price(body.price_eur)?;
    let mut tx = state.pool().begin().await?;
    let parcel =
        super::verdicts::subject_id(&mut tx, model::SubjectKind::Parcel, &body.parcel).await?;
    let building = match &body.building {
        Some(b) => {
            let id = super::verdicts::subject_id(&mut tx, model::SubjectKind::Building, b).await?;
            let on: Option<i64> =
                sqlx::query_scalar("SELECT parcel_id FROM building WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
            if on != Some(parcel) {
                return Err(invalid(format!(
                    "building {b} does not stand on parcel {}",
                    body.parcel
                )));
            }
            Some(id)
        }
        None => None,
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO offer (parcel_id, building_id, kind, title, description, price_eur,
                            zoning_note, created_by)
         VALUES ($1, $2, $3, $4, $5, $6::float8::numeric(12, 2), $7, $8) RETURNING id",
    )
    .bind(parcel)
    .bind(building)
    .bind(kind_name(body.kind))
    .bind(&title)
    .bind(&description)
    .bind(price)
    .bind(&zoning_note)
    .bind(planner.id)
    .fetch_one(&mut *tx)
    .await
    .map_err(db_problem)?;
    audit(
        &mut tx,
        &planner.login,
        "offer.create",
        ("offer", Some(id)),
        json!({"parcel": body.parcel, "building": body.building, "kind": body.kind,
               "title": title, "price_eur": price}),
    )
    .await?;
    tx.commit().await?;
    let mut conn = state.pool().acquire().await?;
    Ok((StatusCode::CREATED, Json(offer(&mut conn, id).await?)))
}

/// `Some(None)` for an explicit `null`, `None` when the field is absent.
fn nullable<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<f64>>, D::Error> {
    Option::<f64>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateBody {
    kind: Option<OfferKind>,
    title: Option<String>,
    description: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    price_eur: Option<Option<f64>>,
    zoning_note: Option<String>,
}

/// `PATCH /planner/offers/{id}`: changes the given fields; `price_eur: null` clears the price.
pub(crate) async fn update(
    planner: Planner,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<UpdateBody>,
) -> Result<Json<OfferItem>, Problem> {
    let title = body
        .title
        .as_deref()
        .map(|t| text("title", t, 200, true))
        .transpose()?;
    let description = body
        .description
        .as_deref()
        .map(|t| text("description", t, 4000, false))
        .transpose()?;
    let zoning_note = body
        .zoning_note
        .as_deref()
        .map(|t| text("zoning_note", t, 2000, false))
        .transpose()?;
    let price = body.price_eur.map(check_price).transpose()?;
    if body.kind.is_none()
        && title.is_none()
        && description.is_none()
        && zoning_note.is_none()
        && price.is_none()
    {
        return Err(invalid("nothing to change"));
    }
    let mut tx = state.pool().begin().await?;
    let updated: Option<i64> = sqlx::query_scalar(
        "UPDATE offer
            SET kind = coalesce($2, kind), title = coalesce($3, title),
                description = coalesce($4, description), zoning_note = coalesce($5, zoning_note),
                price_eur = CASE WHEN $6 THEN $7::float8::numeric(12, 2) ELSE price_eur END,
                updated_at = now()
          WHERE id = $1 RETURNING id",
    )
    .bind(id)
    .bind(body.kind.map(kind_name))
    .bind(&title)
    .bind(&description)
    .bind(&zoning_note)
    .bind(price.is_some())
    .bind(price.flatten())
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_problem)?;
    updated.ok_or_else(|| Problem::not_found(format!("no offer {id}")))?;
    audit(
        &mut tx,
        &planner.login,
        "offer.update",
        ("offer", Some(id)),
        json!({"kind": body.kind, "title": title, "description": description,
               "zoning_note": zoning_note, "price_eur": price}),
    )
    .await?;
    tx.commit().await?;
    super::published_changed(&state);
    let mut conn = state.pool().acquire().await?;
    Ok(Json(offer(&mut conn, id).await?))
}

/// Moves an offer to `to` from one of `from`; 409 from any other status.
async fn set_status(
    planner: &Planner,
    state: &AppState,
    id: i64,
    from: &[&str],
    to: &str,
) -> Result<Json<OfferItem>, Problem> {
    let mut tx = state.pool().begin().await?;
    let current: Option<String> =
        sqlx::query_scalar("SELECT status FROM offer WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let current = current.ok_or_else(|| Problem::not_found(format!("no offer {id}")))?;
    if !from.contains(&current.as_str()) {
        return Err(Problem::conflict(format!(
            "offer {id} is {current}; it cannot become {to}"
        )));
    }
    sqlx::query("UPDATE offer SET status = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(to)
        .execute(&mut *tx)
        .await?;
    audit(
        &mut tx,
        &planner.login,
        &format!("offer.{to}"),
        ("offer", Some(id)),
        json!({"from": current, "to": to}),
    )
    .await?;
    tx.commit().await?;
    super::published_changed(state);
    let mut conn = state.pool().acquire().await?;
    Ok(Json(offer(&mut conn, id).await?))
}

/// `POST /planner/offers/{id}/publish`: public once the parcel is released.
pub(crate) async fn publish(
    planner: Planner,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<OfferItem>, Problem> {
    set_status(&planner, &state, id, &["draft", "withdrawn"], "published").await
}

/// `POST /planner/offers/{id}/withdraw`.
pub(crate) async fn withdraw(
    planner: Planner,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<OfferItem>, Problem> {
    set_status(&planner, &state, id, &["draft", "published"], "withdrawn").await
}

#[derive(Debug, Serialize, sqlx::FromRow)]
pub(crate) struct EnquiryItem {
    id: i64,
    offer_id: i64,
    message: String,
    contact: String,
    received_at: chrono::DateTime<chrono::Utc>,
    forwarded_at: Option<chrono::DateTime<chrono::Utc>>,
    forwarded_by: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EnquiryQuery {
    #[serde(default = "super::default_limit")]
    limit: i64,
    #[serde(default)]
    offset: i64,
}

/// `GET /planner/offers/{id}/enquiries`: newest first, with the investors' contacts.
pub(crate) async fn enquiries(
    _planner: Planner,
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
    Ok(Json(Listing {
        items,
        matched,
        limit: page.limit,
        offset: page.offset,
    }))
}

/// `POST /planner/enquiries/{id}/forward`: marks the enquiry as passed on to the owner.
pub(crate) async fn forward(
    planner: Planner,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<EnquiryItem>, Problem> {
    let mut tx = state.pool().begin().await?;
    let row: Option<Option<chrono::DateTime<chrono::Utc>>> =
        sqlx::query_scalar("SELECT forwarded_at FROM enquiry WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    match row {
        None => return Err(Problem::not_found(format!("no enquiry {id}"))),
        Some(Some(at)) => {
            return Err(Problem::conflict(format!(
                "enquiry {id} was forwarded on {at}"
            )))
        }
        Some(None) => {}
    }
    sqlx::query("UPDATE enquiry SET forwarded_at = now(), forwarded_by = $2 WHERE id = $1")
        .bind(id)
        .bind(planner.id)
        .execute(&mut *tx)
        .await?;
    audit(
        &mut tx,
        &planner.login,
        "enquiry.forward",
        ("enquiry", Some(id)),
        json!({}),
    )
    .await?;
    tx.commit().await?;
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
