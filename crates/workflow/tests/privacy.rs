//! Data protection against a real PostGIS: the purge erases exactly the contacts past their
//! retention, a dry run changes nothing, both are told apart in the audit log; the export of
//! what is stored about a person finds theirs and nothing of anyone else's.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use sqlx::PgPool;
use workflow::privacy::{self, Purge};
use workflow::users::{self, Role};
use workflow::Error;

/// The ids of the rows of `table` that still hold a contact.
async fn with_contact(pool: &PgPool, table: &str) -> Vec<i64> {
    sqlx::query_scalar(&format!(
        "SELECT id FROM {table} WHERE contact IS NOT NULL ORDER BY id"
    ))
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Every row of the two tables as text: what a dry run must leave as it was.
async fn snapshot(pool: &PgPool) -> String {
    sqlx::query_scalar(
        "SELECT (SELECT string_agg(r::text, '|' ORDER BY r.id) FROM citizen_report r)
             || (SELECT string_agg(e::text, '|' ORDER BY e.id) FROM enquiry e)",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn audit_rows(pool: &PgPool, action: &str) -> Vec<(String, Option<String>, Value)> {
    sqlx::query_as(
        "SELECT actor, subject_table, details FROM audit_log WHERE action = $1 ORDER BY id",
    )
    .bind(action)
    .fetch_all(pool)
    .await
    .unwrap()
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_i64().unwrap())
        .collect()
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("privacy"))]
async fn the_purge_erases_exactly_the_contacts_past_their_retention(pool: PgPool) {
    let all_reports = with_contact(&pool, "citizen_report").await;
    let all_enquiries = with_contact(&pool, "enquiry").await;
    assert_eq!(all_reports, [1, 2, 3, 4, 5, 6, 8]);
    assert_eq!(all_enquiries, [1, 2, 3, 4, 5]);

    // A dry run counts what the real run will erase and changes nothing, not even the log.
    let before = snapshot(&pool).await;
    let dry = privacy::purge(
        &pool,
        "cli:test",
        Purge {
            dry_run: true,
            ..Purge::default()
        },
    )
    .await
    .unwrap();
    assert_eq!((dry.reports, dry.enquiries), (2, 2), "{dry:?}");
    assert!(dry.dry_run);
    assert_eq!(snapshot(&pool).await, before);
    assert!(audit_rows(&pool, privacy::PURGE_ACTION).await.is_empty());

    // The real run with the default retention (180 days).
    let done = privacy::purge(&pool, "cli:test", Purge::default())
        .await
        .unwrap();
    assert_eq!((done.reports, done.enquiries), (2, 2), "{done:?}");
    assert_eq!(done.retention_days, 180);
    let age: f64 = sqlx::query_scalar("SELECT (extract(epoch FROM now() - $1) / 86400)::float8")
        .bind(done.cutoff)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        (age - 180.0).abs() < 0.01,
        "cutoff {} is {age} days ago",
        done.cutoff
    );
    // Report 1 (moderated 200 days ago) and 5 (its parcel's case closed 190 days ago);
    // enquiry 1 (forwarded 200 days ago) and 4 (offer withdrawn 190 days ago).
    assert_eq!(with_contact(&pool, "citizen_report").await, [2, 3, 4, 6, 8]);
    assert_eq!(with_contact(&pool, "enquiry").await, [2, 3, 5]);
    // Only the contact went: the texts and the moderation stay.
    let (body, status, public_text): (String, String, Option<String>) =
        sqlx::query_as("SELECT body, status, public_text FROM citizen_report WHERE id = 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        (body.as_str(), status.as_str(), public_text.as_deref()),
        ("Alt und dunkel", "approved", Some("Leerstand gemeldet"))
    );
    let message: String = sqlx::query_scalar("SELECT message FROM enquiry WHERE id = 4")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(message, "Zu spät");

    let audited = audit_rows(&pool, privacy::PURGE_ACTION).await;
    assert_eq!(audited.len(), 1, "{audited:?}");
    let (actor, table, details) = &audited[0];
    assert_eq!(actor, "cli:test");
    assert_eq!(table.as_deref(), Some("privacy"));
    assert_eq!(details["reports"], 2);
    assert_eq!(details["enquiries"], 2);
    assert_eq!(details["retention_days"], 180);
    assert!(details["cutoff"].is_string(), "{details}");

    // A second run erases nothing more; a shorter retention reaches the later closings:
    // report 2 (moderated 100 days ago) and 6 (its case closed 50 days ago), not enquiry 5
    // (offer withdrawn 20 days ago) nor 2 (forwarded 10 days ago).
    let again = privacy::purge(&pool, "cli:test", Purge::default())
        .await
        .unwrap();
    assert_eq!((again.reports, again.enquiries), (0, 0));
    let shorter = privacy::purge(
        &pool,
        "planer",
        Purge {
            retention_days: 30,
            dry_run: false,
        },
    )
    .await
    .unwrap();
    assert_eq!((shorter.reports, shorter.enquiries), (2, 0), "{shorter:?}");
    assert_eq!(with_contact(&pool, "citizen_report").await, [3, 4, 8]);
    assert_eq!(audit_rows(&pool, privacy::PURGE_ACTION).await.len(), 3);

    // Pending reports, reports with an open case and enquiries waiting on a published offer
    // are never closed, whatever the retention.
    let zero = privacy::purge(
        &pool,
        "cli:test",
        Purge {
            retention_days: 0,
            dry_run: false,
        },
    )
    .await
    .unwrap();
    assert_eq!((zero.reports, zero.enquiries), (1, 2), "{zero:?}");
    assert_eq!(with_contact(&pool, "citizen_report").await, [3, 4]);
    assert_eq!(with_contact(&pool, "enquiry").await, [3]);
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("privacy"))]
async fn closing_times_follow_moderation_cases_forwarding_and_withdrawal(pool: PgPool) {
    let days = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            let rows: Vec<(i64, Option<f64>)> = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
            rows.into_iter()
                .map(|(id, d)| (id, d.map(|d| d.round() as i64)))
                .collect::<Vec<_>>()
        }
    };
    let reports = days(
        "SELECT id, (extract(epoch FROM now() - closed_at) / 86400)::float8
           FROM report_closing ORDER BY id",
    )
    .await;
    assert_eq!(
        reports,
        [
            (1, Some(200)),
            (2, Some(100)),
            (3, None),
            (4, None),
            (5, Some(190)),
            (6, Some(50)),
            (7, Some(300)),
            (8, Some(10)),
        ]
    );
    let enquiries = days(
        "SELECT id, (extract(epoch FROM now() - closed_at) / 86400)::float8
           FROM enquiry_closing ORDER BY id",
    )
    .await;
    assert_eq!(
        enquiries,
        [
            (1, Some(200)),
            (2, Some(10)),
            (3, None),
            (4, Some(190)),
            (5, Some(20)),
        ]
    );
    // Publishing the offer again reopens its enquiries that were not forwarded.
    sqlx::query("UPDATE offer SET status = 'published' WHERE id = 2")
        .execute(&pool)
        .await
        .unwrap();
    let reopened: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT closed_at FROM enquiry_closing WHERE id = 4")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(reopened, None);
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("privacy"))]
async fn the_export_finds_a_persons_reports_and_enquiries_and_nothing_else(pool: PgPool) {
    let document = privacy::subject_export(&pool, "admin", "  Erika.Muster@Example.org ")
        .await
        .unwrap();
    assert_eq!(document["contact"], "Erika.Muster@Example.org");
    assert_eq!(ids(&document["citizen_reports"]), [2, 5], "{document:#}");
    assert_eq!(ids(&document["enquiries"]), [2], "{document:#}");
    assert_eq!(document["accounts"], Value::Array(Vec::new()));
    let second = &document["citizen_reports"][1];
    assert_eq!(second["text"], "Erikas zweite Meldung");
    assert_eq!(second["status"], "rejected");
    assert_eq!(second["building"], "DETHPRIVACYB0002");
    assert!(second["closed_at"].is_string(), "{second}");
    assert!(document["citizen_reports"][0]["lat"].is_number());
    assert_eq!(document["enquiries"][0]["offer"]["title"], "Wohnhaus");
    assert!(document["note"]
        .as_str()
        .unwrap()
        .starts_with("Auskunft nach Art. 15 DSGVO"));
    let text = document.to_string();
    for other in [
        "alt@example.org",
        "example.org.evil",
        "Jemand anderes",
        "inv1@example.org",
        "Wir kaufen",
        "pending@example.org",
    ] {
        assert!(!text.contains(other), "{other} in {document:#}");
    }

    // The export is a read of private data, audited without the contact in clear.
    let audited = audit_rows(&pool, workflow::audit::READ).await;
    assert_eq!(audited.len(), 1, "{audited:?}");
    let (actor, table, details) = &audited[0];
    assert_eq!(actor, "admin");
    assert_eq!(table.as_deref(), Some("privacy"));
    assert_eq!(details["citizen_report"], serde_json::json!([2, 5]));
    assert_eq!(details["enquiry"], serde_json::json!([2]));
    let hash: String = sqlx::query_scalar(
        "SELECT encode(sha256(convert_to('erika.muster@example.org', 'UTF8')), 'hex')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(details["contact_sha256"], hash);
    assert!(
        !details.to_string().to_lowercase().contains("erika"),
        "{details}"
    );

    // After the purge, the erased report is no longer Erika's; the kept one still is.
    privacy::purge(&pool, "cli:test", Purge::default())
        .await
        .unwrap();
    let after = privacy::subject_export(&pool, "admin", "erika.muster@example.org")
        .await
        .unwrap();
    assert_eq!(ids(&after["citizen_reports"]), [2]);
    assert_eq!(ids(&after["enquiries"]), [2]);

    // Someone unknown gets an empty document, and the request is audited all the same.
    let nobody = privacy::subject_export(&pool, "admin", "+49 3634 000000")
        .await
        .unwrap();
    assert_eq!(nobody["citizen_reports"], Value::Array(Vec::new()));
    assert_eq!(nobody["enquiries"], Value::Array(Vec::new()));
    assert_eq!(audit_rows(&pool, workflow::audit::READ).await.len(), 3);
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("privacy"))]
async fn the_export_shows_a_planner_account_without_secrets(pool: PgPool) {
    users::create_user(
        &pool,
        "petra",
        "Petra Planer",
        Role::Admin,
        &users::Towns::Some(vec!["16068051".to_owned()]),
        Some("correct horse battery"),
    )
    .await
    .unwrap();
    let token = users::issue_token(&pool, "petra", "notebooks", None)
        .await
        .unwrap();
    let document = privacy::subject_export(&pool, "admin", "PETRA")
        .await
        .unwrap();
    let accounts = document["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 1, "{document:#}");
    let account = &accounts[0];
    assert_eq!(account["login"], "petra");
    assert_eq!(account["display_name"], "Petra Planer");
    assert_eq!(account["towns"], serde_json::json!(["16068051"]));
    assert_eq!(account["password_set"], true);
    assert_eq!(account["tokens"][0]["label"], "notebooks");
    let text = document.to_string();
    assert!(!text.contains(&token), "no token");
    assert!(!text.contains("argon2"), "no password hash");
    let hash: String = sqlx::query_scalar("SELECT token_hash FROM api_token")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!text.contains(&hash), "no token hash");
    assert_eq!(document["citizen_reports"], Value::Array(Vec::new()));
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("privacy"))]
async fn bad_requests_are_refused_and_change_nothing(pool: PgPool) {
    let before = snapshot(&pool).await;
    let err = privacy::purge(
        &pool,
        "cli:test",
        Purge {
            retention_days: 100_000,
            dry_run: false,
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, Error::Invalid(m) if m.contains("36500 days")),
        "{err}"
    );
    for contact in ["", "   ", "a\u{0}b", &"x".repeat(201)] {
        let err = privacy::subject_export(&pool, "admin", contact)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Invalid(_)), "{contact:?}: {err}");
    }
    assert_eq!(snapshot(&pool).await, before);
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action IN ('read', 'privacy.purge')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audited, 0);
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("privacy"))]
async fn a_read_row_leaves_the_connection_as_it_was(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    workflow::audit::read(
        &mut *conn,
        "planer",
        ("citizen_report", None),
        serde_json::json!({"ids": [1, 2]}),
    )
    .await
    .unwrap();
    // The asynchronous commit was the read row's alone.
    let setting: String = sqlx::query_scalar("SHOW synchronous_commit")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(setting, "on");
    let rows = audit_rows(&pool, workflow::audit::READ).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, "planer");
    assert_eq!(rows[0].2["ids"], serde_json::json!([1, 2]));
}
