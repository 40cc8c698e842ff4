//! Citizen reports: stored as pending with the reporter's contact kept private, and
//! moderated by a planner. An approved report reaches the public `reports` collection with
//! the moderator's text only. A report may carry up to three photos ([`crate::photos`]),
//! stored with it in one transaction and public only while the report is approved.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgPool;

use crate::photos::{Photo, MAX_PHOTOS, MEDIA_TYPE};
use crate::{audit, text, Actor, Error, Result};

/// What a citizen may report.
pub const CATEGORIES: &[&str] = &[
    "vacant_building",
    "vacant_plot",
    "brownfield",
    "interim_use",
    "other",
];

/// How far from the towns' parcels a report may lie, in metres.
const TOWN_MARGIN_M: f64 = 100.0;

/// A citizen's report.
#[derive(Debug, Clone)]
pub struct NewReport<'a> {
    /// WGS 84.
    pub lon: f64,
    pub lat: f64,
    pub category: &'a str,
    pub text: &'a str,
    pub contact: Option<&'a str>,
    /// Checked and re-encoded by [`crate::photos::prepare`].
    pub photos: &'a [Photo],
}

/// Stores a report as pending with its photos, in one transaction; [`Error::Invalid`] for an
/// unknown category, an empty or long text or contact, more than three photos, or a point
/// outside the towns.
pub async fn submit(pool: &PgPool, report: &NewReport<'_>) -> Result<i64> {
    if !CATEGORIES.contains(&report.category) {
        return Err(Error::Invalid(format!(
            "category must be one of {}",
            CATEGORIES.join(", ")
        )));
    }
    let body = report.text.trim();
    if body.is_empty() || body.chars().count() > 2000 {
        return Err(Error::Invalid("text must have 1 to 2000 characters".into()));
    }
    let contact = report.contact.map(str::trim).filter(|c| !c.is_empty());
    if contact.is_some_and(|c| c.chars().count() > 200) {
        return Err(Error::Invalid(
            "contact must have at most 200 characters".into(),
        ));
    }
    if report.photos.len() > MAX_PHOTOS {
        return Err(Error::Invalid(format!(
            "at most {MAX_PHOTOS} photos per report"
        )));
    }
    let mut tx = pool.begin().await?;
    // Inside the towns means near one of their parcels; the nearest building within 30 m
    // is remembered for the moderator.
    let id: Option<i64> = sqlx::query_scalar(
        "WITH pt AS (SELECT ST_Transform(ST_SetSRID(ST_MakePoint($1, $2), 4326), 25832) AS g)
         INSERT INTO citizen_report (geom, category, body, contact, building_id)
         SELECT pt.g, $3, $4, $5,
                (SELECT b.id FROM building b WHERE ST_DWithin(b.geom, pt.g, 30)
                  ORDER BY b.geom <-> pt.g LIMIT 1)
           FROM pt
          WHERE EXISTS (SELECT 1 FROM parcel p JOIN municipality m ON m.ags = p.ags
                         WHERE ST_DWithin(p.geom, pt.g, $6))
         RETURNING id",
    )
    .bind(report.lon)
    .bind(report.lat)
    .bind(report.category)
    .bind(body)
    .bind(contact)
    .bind(TOWN_MARGIN_M)
    .fetch_optional(&mut *tx)
    .await?;
    let id = id.ok_or_else(|| Error::Invalid("the point lies outside the four towns".into()))?;
    for (position, photo) in (1_i16..).zip(report.photos) {
        sqlx::query(
            "INSERT INTO citizen_report_photo (report_id, position, media_type, width, height, image)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(position)
        .bind(MEDIA_TYPE)
        .bind(i32::try_from(photo.width).unwrap_or(i32::MAX))
        .bind(i32::try_from(photo.height).unwrap_or(i32::MAX))
        .bind(&photo.jpeg)
        .execute(&mut *tx)
        .await
        .map_err(crate::constraint)?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Photo `position` (from 1) of report `id` as the moderator sees it, whatever the report's
/// status: media type and bytes.
pub async fn photo(pool: &PgPool, id: i64, position: i16) -> Result<Option<(String, Vec<u8>)>> {
    Ok(sqlx::query_as(
        "SELECT media_type, image FROM citizen_report_photo WHERE report_id = $1 AND position = $2",
    )
    .bind(id)
    .bind(position)
    .fetch_optional(pool)
    .await?)
}

/// A moderator's decision on a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Reject,
    Duplicate,
}

impl Decision {
    /// The report's status after the decision.
    pub fn status(self) -> &'static str {
        match self {
            Self::Approve => "approved",
            Self::Reject => "rejected",
            Self::Duplicate => "duplicate",
        }
    }
}

/// Approves report `id` (with the text the public sees), rejects it or marks it a duplicate.
/// A decision can be revised; each one is audited.
pub async fn moderate(
    pool: &PgPool,
    actor: Actor<'_>,
    id: i64,
    decision: Decision,
    public_text: Option<&str>,
) -> Result<()> {
    let public_text = match (decision, public_text) {
        (Decision::Approve, None) => {
            return Err(Error::Invalid(
                "approving needs the public_text the map shows".into(),
            ))
        }
        (Decision::Approve, Some(t)) => Some(text("public_text", t, 2000, true)?),
        (_, Some(t)) => Some(text("public_text", t, 2000, false)?).filter(|t| !t.is_empty()),
        (_, None) => None,
    };
    let mut tx = pool.begin().await?;
    let before: Option<String> =
        sqlx::query_scalar("SELECT status FROM citizen_report WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let before = before.ok_or_else(|| Error::NotFound(format!("no report {id}")))?;
    sqlx::query(
        "UPDATE citizen_report
            SET status = $2, public_text = $3, moderated_by = $4, moderated_at = now()
          WHERE id = $1",
    )
    .bind(id)
    .bind(decision.status())
    .bind(&public_text)
    .bind(actor.id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        actor.login,
        "report.moderate",
        ("citizen_report", Some(id)),
        json!({"from": before, "decision": decision, "public_text": public_text}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
