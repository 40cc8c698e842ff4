//! `leerstand privacy purge` and `leerstand privacy export` as an operator runs them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{leerstand, url_of};
use sqlx::PgPool;

/// Two moderated reports by the same person: one 200 days ago, one 10 days ago.
async fn reports(pool: &PgPool) {
    sqlx::query(
        "INSERT INTO citizen_report (geom, category, body, contact, status, moderated_at)
         VALUES (ST_SetSRID(ST_MakePoint(648030, 5669915), 25832), 'other', 'Alt',
                 'melder@example.org', 'rejected', now() - interval '200 days'),
                (ST_SetSRID(ST_MakePoint(648030, 5669915), 25832), 'other', 'Neu',
                 'Melder@Example.org', 'rejected', now() - interval '10 days')",
    )
    .execute(pool)
    .await
    .unwrap();
}

async fn contacts(pool: &PgPool) -> Vec<Option<String>> {
    sqlx::query_scalar("SELECT contact FROM citizen_report ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn purge_counts_erases_and_export_prints_json(pool: PgPool) {
    reports(&pool).await;
    let url = url_of(&pool);

    let dry = leerstand(&url, &["privacy", "purge", "--dry-run"]);
    let stdout = String::from_utf8_lossy(&dry.stdout);
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert!(
        stdout.starts_with("would erase the contact of 1 citizen reports and 0 enquiries")
            && stdout.contains("nothing changed"),
        "{stdout}"
    );
    assert_eq!(contacts(&pool).await.iter().flatten().count(), 2);

    let run = leerstand(&url, &["privacy", "purge"]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        stdout.starts_with("erased the contact of 1 citizen reports and 0 enquiries")
            && stdout.contains("(retention 180 days)"),
        "{stdout}"
    );
    assert_eq!(
        contacts(&pool).await,
        [None, Some("Melder@Example.org".to_owned())]
    );
    let actor: String =
        sqlx::query_scalar("SELECT actor FROM audit_log WHERE action = 'privacy.purge'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(actor.starts_with("cli:"), "{actor}");

    let export = leerstand(
        &url,
        &["privacy", "export", "--contact", "MELDER@example.org"],
    );
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    let document: serde_json::Value = serde_json::from_slice(&export.stdout).unwrap();
    let found = document["citizen_reports"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{document:#}");
    assert_eq!(found[0]["text"], "Neu");

    // Mistakes are named, and change nothing.
    let unknown = leerstand(&url, &["privacy", "purge", "--by", "nobody"]);
    assert!(!unknown.status.success());
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("no active user with login \"nobody\""),
        "{}",
        String::from_utf8_lossy(&unknown.stderr)
    );
    let long = leerstand(&url, &["privacy", "purge", "--retention-days", "100000"]);
    assert!(!long.status.success());
    assert!(
        String::from_utf8_lossy(&long.stderr).contains("at most 36500 days"),
        "{}",
        String::from_utf8_lossy(&long.stderr)
    );
    let runs: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'privacy.purge'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(runs, 1);
}
