//! Offers to investors and interim users: drafts, changes, publishing and withdrawal, and
//! the enquiries they draw, which the town forwards to the owner.

use model::{AlkisId, OfferKind, SubjectKind};
use serde_json::json;
use sqlx::PgPool;

use crate::{audit, constraint, subjects, text, Actor, Error, Result};

/// The kind's name, as stored.
pub fn kind_name(kind: OfferKind) -> &'static str {
    match kind {
        OfferKind::Sale => "sale",
        OfferKind::Lease => "lease",
        OfferKind::InterimUse => "interim_use",
    }
}

/// The largest price `numeric(12, 2)` holds.
const MAX_PRICE: f64 = 9_999_999_999.99;

fn check_price(price: Option<f64>) -> Result<Option<f64>> {
    match price {
        Some(p) if !p.is_finite() || !(0.0..=MAX_PRICE).contains(&p) => Err(Error::Invalid(
            format!("price_eur must lie between 0 and {MAX_PRICE}"),
        )),
        other => Ok(other),
    }
}

/// A new offer.
#[derive(Debug, Clone)]
pub struct NewOffer<'a> {
    pub parcel: &'a AlkisId,
    /// A building on the parcel, when the offer is about the building.
    pub building: Option<&'a AlkisId>,
    pub kind: OfferKind,
    pub title: &'a str,
    pub description: &'a str,
    pub price_eur: Option<f64>,
    pub zoning_note: &'a str,
}

/// Creates an offer as a draft; returns its id.
pub async fn create(pool: &PgPool, actor: Actor<'_>, offer: &NewOffer<'_>) -> Result<i64> {
    let title = text("title", offer.title, 200, true)?;
    let description = text("description", offer.description, 4000, false)?;
    let zoning_note = text("zoning_note", offer.zoning_note, 2000, false)?;
    let price = check_price(offer.price_eur)?;
    let mut tx = pool.begin().await?;
    let parcel = subjects::id(&mut tx, SubjectKind::Parcel, offer.parcel).await?;
    let building = match offer.building {
        Some(b) => {
            let id = subjects::id(&mut tx, SubjectKind::Building, b).await?;
            let on: Option<i64> =
                sqlx::query_scalar("SELECT parcel_id FROM building WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
            if on != Some(parcel) {
                return Err(Error::Invalid(format!(
                    "building {} does not stand on parcel {}",
                    b.as_str(),
                    offer.parcel.as_str()
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
    .bind(kind_name(offer.kind))
    .bind(&title)
    .bind(&description)
    .bind(price)
    .bind(&zoning_note)
    .bind(actor.id)
    .fetch_one(&mut *tx)
    .await
    .map_err(constraint)?;
    audit::record(
        &mut tx,
        actor.login,
        "offer.create",
        ("offer", Some(id)),
        json!({"parcel": offer.parcel.as_str(), "building": offer.building.map(AlkisId::as_str),
               "kind": offer.kind, "title": title, "price_eur": price}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes to an offer; `None` leaves a field as it is, `price_eur: Some(None)` clears the
/// price.
#[derive(Debug, Clone, Default)]
pub struct OfferChange<'a> {
    pub kind: Option<OfferKind>,
    pub title: Option<&'a str>,
    pub description: Option<&'a str>,
    pub price_eur: Option<Option<f64>>,
    pub zoning_note: Option<&'a str>,
}

/// Changes the given fields of offer `id`.
pub async fn update(
    pool: &PgPool,
    actor: Actor<'_>,
    id: i64,
    change: &OfferChange<'_>,
) -> Result<()> {
    let title = change
        .title
        .map(|t| text("title", t, 200, true))
        .transpose()?;
    let description = change
        .description
        .map(|t| text("description", t, 4000, false))
        .transpose()?;
    let zoning_note = change
        .zoning_note
        .map(|t| text("zoning_note", t, 2000, false))
        .transpose()?;
    let price = change.price_eur.map(check_price).transpose()?;
    if change.kind.is_none()
        && title.is_none()
        && description.is_none()
        && zoning_note.is_none()
        && price.is_none()
    {
        return Err(Error::Invalid("nothing to change".into()));
    }
    let mut tx = pool.begin().await?;
    let updated: Option<i64> = sqlx::query_scalar(
        "UPDATE offer
            SET kind = coalesce($2, kind), title = coalesce($3, title),
                description = coalesce($4, description), zoning_note = coalesce($5, zoning_note),
                price_eur = CASE WHEN $6 THEN $7::float8::numeric(12, 2) ELSE price_eur END,
                updated_at = now()
          WHERE id = $1 RETURNING id",
    )
    .bind(id)
    .bind(change.kind.map(kind_name))
    .bind(&title)
    .bind(&description)
    .bind(&zoning_note)
    .bind(price.is_some())
    .bind(price.flatten())
    .fetch_optional(&mut *tx)
    .await
    .map_err(constraint)?;
    updated.ok_or_else(|| Error::NotFound(format!("no offer {id}")))?;
    audit::record(
        &mut tx,
        actor.login,
        "offer.update",
        ("offer", Some(id)),
        json!({"kind": change.kind, "title": title, "description": description,
               "zoning_note": zoning_note, "price_eur": price}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Moves an offer to `to` from one of `from`; [`Error::Conflict`] from any other status.
async fn set_status(
    pool: &PgPool,
    actor: Actor<'_>,
    id: i64,
    from: &[&str],
    to: &str,
) -> Result<()> {
    let mut tx = pool.begin().await?;
    let current: Option<String> =
        sqlx::query_scalar("SELECT status FROM offer WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let current = current.ok_or_else(|| Error::NotFound(format!("no offer {id}")))?;
    if !from.contains(&current.as_str()) {
        return Err(Error::Conflict(format!(
            "offer {id} is {current}; it cannot become {to}"
        )));
    }
    sqlx::query("UPDATE offer SET status = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(to)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor.login,
        &format!("offer.{to}"),
        ("offer", Some(id)),
        json!({"from": current, "to": to}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Publishes a draft or withdrawn offer; the public sees it once the parcel is released.
pub async fn publish(pool: &PgPool, actor: Actor<'_>, id: i64) -> Result<()> {
    set_status(pool, actor, id, &["draft", "withdrawn"], "published").await
}

/// Withdraws a draft or published offer.
pub async fn withdraw(pool: &PgPool, actor: Actor<'_>, id: i64) -> Result<()> {
    set_status(pool, actor, id, &["draft", "published"], "withdrawn").await
}

/// Stores an investor's enquiry about a published offer; returns its id, or
/// [`Error::NotFound`] when the offer is not public.
pub async fn enquire(pool: &PgPool, offer: i64, message: &str, contact: &str) -> Result<i64> {
    let message = message.trim();
    let contact = contact.trim();
    if message.is_empty() || message.chars().count() > 4000 {
        return Err(Error::Invalid(
            "message must have 1 to 4000 characters".into(),
        ));
    }
    if contact.chars().count() < 3 || contact.chars().count() > 200 {
        return Err(Error::Invalid(
            "contact must have 3 to 200 characters".into(),
        ));
    }
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO enquiry (offer_id, message, contact)
         SELECT o.id, $2, $3 FROM published.offer o WHERE o.id = $1
         RETURNING id",
    )
    .bind(offer)
    .bind(message)
    .bind(contact)
    .fetch_optional(pool)
    .await?;
    id.ok_or_else(|| Error::NotFound(format!("no published offer {offer}")))
}

/// Marks enquiry `id` as passed on to the owner; [`Error::Conflict`] when it was already.
pub async fn forward_enquiry(pool: &PgPool, actor: Actor<'_>, id: i64) -> Result<()> {
    let mut tx = pool.begin().await?;
    let row: Option<Option<chrono::DateTime<chrono::Utc>>> =
        sqlx::query_scalar("SELECT forwarded_at FROM enquiry WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    match row {
        None => return Err(Error::NotFound(format!("no enquiry {id}"))),
        Some(Some(at)) => {
            return Err(Error::Conflict(format!(
                "enquiry {id} was forwarded on {at}"
            )))
        }
        Some(None) => {}
    }
    sqlx::query("UPDATE enquiry SET forwarded_at = now(), forwarded_by = $2 WHERE id = $1")
        .bind(id)
        .bind(actor.id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor.login,
        "enquiry.forward",
        ("enquiry", Some(id)),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
