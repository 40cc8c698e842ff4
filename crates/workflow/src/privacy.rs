//! Data protection for the people who write to the towns: the contact a citizen gave with a
//! report or an investor with an enquiry is erased once the matter has been closed for the
//! retention period, and a person's request for access (Art. 15 GDPR) is answered with
//! everything stored under their contact.
//!
//! When a matter closes is defined once, by the views `report_closing` and
//! `enquiry_closing` (migration 0019); the purge erases by them and the export shows them.
//! The contact is set to NULL rather than the row deleted: a moderated report stays the
//! basis of its public map entry and of the analysis' evidence, an enquiry the record of
//! what the town forwarded. The free texts stay as well (never public, read by planners
//! only, every read audited); the contact is what ties them to a person.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::{audit, text, Error, Result};

/// Days a closed matter keeps its contact, unless the purge is told otherwise.
pub const DEFAULT_RETENTION_DAYS: u32 = 180;

/// The longest retention the purge accepts (a hundred years: anything longer is a typo).
const MAX_RETENTION_DAYS: u32 = 36_500;

/// The audit action of a purge.
pub const PURGE_ACTION: &str = "privacy.purge";

/// What the purge erases: contacts of matters closed at least `retention_days` ago; with
/// `dry_run` it only counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Purge {
    pub retention_days: u32,
    pub dry_run: bool,
}

impl Default for Purge {
    fn default() -> Self {
        Self {
            retention_days: DEFAULT_RETENTION_DAYS,
            dry_run: false,
        }
    }
}

/// What a purge erased (or, in a dry run, would erase).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Purged {
    /// Matters closed at or before this moment lost their contact.
    pub cutoff: DateTime<Utc>,
    pub retention_days: u32,
    /// Citizen reports whose reporter's contact was erased.
    pub reports: u64,
    /// Enquiries whose investor's contact was erased.
    pub enquiries: u64,
    pub dry_run: bool,
}

/// Erases the contacts of reports and enquiries closed at least the retention period ago,
/// in one transaction with its audit row (`privacy.purge`: cutoff, retention, counts). A dry
/// run runs the same statements and rolls them back, so its counts are the real run's; it
/// writes nothing, not even the audit row.
pub async fn purge(pool: &PgPool, actor: &str, purge: Purge) -> Result<Purged> {
    if purge.retention_days > MAX_RETENTION_DAYS {
        return Err(Error::Invalid(format!(
            "the retention must be at most {MAX_RETENTION_DAYS} days, not {}",
            purge.retention_days
        )));
    }
    let days = i32::try_from(purge.retention_days)
        .map_err(|_| Error::Invalid("the retention is too long".into()))?;
    let mut tx = pool.begin().await?;
    let cutoff: DateTime<Utc> = sqlx::query_scalar("SELECT now() - make_interval(days => $1)")
        .bind(days)
        .fetch_one(&mut *tx)
        .await?;
    let reports = sqlx::query(
        "UPDATE citizen_report r SET contact = NULL
           FROM report_closing k
          WHERE k.id = r.id AND r.contact IS NOT NULL AND k.closed_at <= $1",
    )
    .bind(cutoff)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let enquiries = sqlx::query(
        "UPDATE enquiry e SET contact = NULL
           FROM enquiry_closing k
          WHERE k.id = e.id AND e.contact IS NOT NULL AND k.closed_at <= $1",
    )
    .bind(cutoff)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let purged = Purged {
        cutoff,
        retention_days: purge.retention_days,
        reports,
        enquiries,
        dry_run: purge.dry_run,
    };
    if purge.dry_run {
        tx.rollback().await?;
        return Ok(purged);
    }
    audit::record(
        &mut tx,
        actor,
        PURGE_ACTION,
        ("privacy", None),
        json!({"cutoff": cutoff, "retention_days": purge.retention_days,
               "reports": reports, "enquiries": enquiries}),
    )
    .await?;
    tx.commit().await?;
    Ok(purged)
}

/// Everything stored about the person who gave `contact` (e-mail or phone, matched without
/// regard to case after trimming): their citizen reports with their moderation state, their
/// enquiries, and the planner account whose login it is, if any — as one JSON document.
///
/// The document is read and its audit row written by one statement, so the export is never
/// without its row. The row (action `read`, subject `privacy`) names the rows exported and
/// the SHA-256 of the contact as matched, not the contact itself: the audit log, which is
/// kept, must not hold again what the purge erases.
pub async fn subject_export(pool: &PgPool, actor: &str, contact: &str) -> Result<Value> {
    let contact = text("contact", contact, 200, true)?;
    let document: Value = sqlx::query_scalar(SUBJECT_EXPORT)
        .bind(&contact)
        .bind(actor)
        .bind(audit::READ)
        .fetch_one(pool)
        .await?;
    Ok(document)
}

/// `$1` the contact, `$2` the actor, `$3` the audit action.
const SUBJECT_EXPORT: &str = "
WITH reports AS (
    SELECT r.id, json_build_object(
               'id', r.id, 'reported_at', r.reported_at, 'category', r.category,
               'text', r.body, 'contact', r.contact,
               'lon', round(ST_X(ST_Transform(r.geom, 4326))::numeric, 6),
               'lat', round(ST_Y(ST_Transform(r.geom, 4326))::numeric, 6),
               'building', b.alkis_id::text, 'status', r.status,
               'public_text', r.public_text, 'moderated_at', r.moderated_at,
               'closed_at', k.closed_at) AS doc
      FROM citizen_report r
      JOIN report_closing k ON k.id = r.id
      LEFT JOIN building b ON b.id = r.building_id
     WHERE lower(r.contact) = lower($1)
), enquiries AS (
    SELECT e.id, json_build_object(
               'id', e.id, 'received_at', e.received_at, 'message', e.message,
               'contact', e.contact,
               'offer', json_build_object('id', o.id, 'title', o.title, 'status', o.status),
               'forwarded_at', e.forwarded_at, 'closed_at', k.closed_at) AS doc
      FROM enquiry e
      JOIN enquiry_closing k ON k.id = e.id
      JOIN offer o ON o.id = e.offer_id
     WHERE lower(e.contact) = lower($1)
), accounts AS (
    SELECT u.id, json_build_object(
               'login', u.login, 'display_name', u.display_name, 'role', u.role,
               'all_towns', u.all_towns,
               'towns', (SELECT coalesce(json_agg(t.ags::text ORDER BY t.ags), '[]')
                           FROM app_user_town t WHERE t.user_id = u.id),
               'password_set', u.password_hash IS NOT NULL,
               'created_at', u.created_at, 'disabled_at', u.disabled_at,
               'tokens', (SELECT coalesce(json_agg(json_build_object(
                                     'label', k.label, 'created_at', k.created_at,
                                     'expires_at', k.expires_at, 'revoked_at', k.revoked_at,
                                     'last_used_at', k.last_used_at) ORDER BY k.id), '[]')
                            FROM api_token k WHERE k.user_id = u.id),
               'login_attempts', (SELECT coalesce(json_agg(json_build_object(
                                      'at', a.at, 'address', host(a.address),
                                      'success', a.success) ORDER BY a.id), '[]')
                                    FROM login_attempt a WHERE a.login = u.login),
               'audit', (SELECT coalesce(json_agg(json_build_object(
                              'at', l.at, 'action', l.action, 'table', l.subject_table,
                              'id', l.subject_id) ORDER BY l.id), '[]')
                           FROM audit_log l WHERE l.actor = u.login)) AS doc
      FROM app_user u
     WHERE u.login = lower($1)
), audited AS (
    INSERT INTO audit_log (actor, action, subject_table, subject_id, details)
    SELECT $2, $3, 'privacy', NULL, jsonb_build_object(
               'view', 'privacy.subject',
               'contact_sha256', encode(sha256(convert_to(lower($1), 'UTF8')), 'hex'),
               'citizen_report', (SELECT coalesce(jsonb_agg(id ORDER BY id), '[]') FROM reports),
               'enquiry', (SELECT coalesce(jsonb_agg(id ORDER BY id), '[]') FROM enquiries),
               'app_user', (SELECT coalesce(jsonb_agg(id ORDER BY id), '[]') FROM accounts))
)
SELECT json_build_object(
           'contact', $1::text,
           'generated_at', now(),
           'note', 'Auskunft nach Art. 15 DSGVO: alles, was leerstand unter dieser Kontaktangabe '
                   'speichert – Meldungen zu Leerständen mit ihrem Bearbeitungsstand, Anfragen zu '
                   'Angeboten und ein Planerkonto mit diesem Anmeldenamen. Kontaktangaben werden '
                   'nach Abschluss (closed_at) und Ablauf der Aufbewahrungsfrist gelöscht.',
           'citizen_reports', (SELECT coalesce(json_agg(doc ORDER BY id), '[]') FROM reports),
           'enquiries', (SELECT coalesce(json_agg(doc ORDER BY id), '[]') FROM enquiries),
           'accounts', (SELECT coalesce(json_agg(doc ORDER BY id), '[]') FROM accounts))";
