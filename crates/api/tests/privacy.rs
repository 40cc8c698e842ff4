#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Reads of private data leave an audit row naming the planner and what was shown; the
//! export of what is stored about a person is for administrators of every town only.

mod common;

use common::Server;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;

async fn get(s: &Server, path: &str, token: &str) -> (StatusCode, Value) {
    let response = s
        .client
        .get(s.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// The read rows of the audit log: actor, table, row id, details.
async fn reads(pool: &PgPool) -> Vec<(String, Option<String>, Option<i64>, Value)> {
    sqlx::query_as(
        "SELECT actor, subject_table, subject_id, details FROM audit_log
          WHERE action = 'read' ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn reading_private_data_writes_one_read_row_per_request(pool: PgPool) {
    let s = common::start(pool.clone()).await;
    let token = s.token("planer").await;

    let (status, detail) = get(&s, "/planner/verdicts/building/DETHFIXTUREB0001", &token).await;
    assert_eq!(status, 200, "{detail}");
    assert!(!detail["owners"].as_array().unwrap().is_empty(), "{detail}");
    let building: i64 =
        sqlx::query_scalar("SELECT id FROM building WHERE alkis_id = 'DETHFIXTUREB0001'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let rows = reads(&pool).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let (actor, table, id, details) = &rows[0];
    assert_eq!(actor, "planer");
    assert_eq!(table.as_deref(), Some("building"));
    assert_eq!(*id, Some(building));
    assert_eq!(details["alkis_id"], "DETHFIXTUREB0001");

    // A request that fails shows nothing and is not recorded as a read.
    let (status, _) = get(&s, "/planner/verdicts/building/DETHFIXTUREB9999", &token).await;
    assert_eq!(status, 404);
    assert_eq!(reads(&pool).await.len(), 1);

    // The moderation queue names the reports it showed, with their contacts.
    let (status, queue) = get(&s, "/planner/reports?status=all", &token).await;
    assert_eq!(status, 200, "{queue}");
    let shown: Vec<i64> = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert!(!shown.is_empty());
    // The enquiries of an offer, a case's history, the verdicts export.
    let (status, enquiries) = get(&s, "/planner/offers/1/enquiries", &token).await;
    assert_eq!(status, 200, "{enquiries}");
    let (status, _) = get(&s, "/planner/cases/1", &token).await;
    assert_eq!(status, 200);
    let (status, csv) = get(&s, "/planner/export/verdicts.csv?class=vacant", &token).await;
    assert_eq!(status, 200);
    let exported = csv.as_str().unwrap().lines().count() - 1;
    // A public collection holds nothing private: its export is no audited read.
    let (status, _) = get(&s, "/planner/export/plots.csv", &token).await;
    assert_eq!(status, 200);
    // A page without rows showed nothing.
    let (status, _) = get(&s, "/planner/reports?status=duplicate", &token).await;
    assert_eq!(status, 200);

    let rows = reads(&pool).await;
    assert_eq!(rows.len(), 5, "{rows:?}");
    assert!(rows.iter().all(|(actor, ..)| actor == "planer"));
    let (_, table, id, details) = &rows[1];
    assert_eq!((table.as_deref(), *id), (Some("citizen_report"), None));
    assert_eq!(details["ids"], json!(shown));
    let (_, table, _, details) = &rows[2];
    assert_eq!(table.as_deref(), Some("enquiry"));
    assert_eq!(details["offer"], 1);
    assert_eq!(
        details["ids"].as_array().unwrap().len(),
        enquiries["items"].as_array().unwrap().len()
    );
    let (_, table, id, _) = &rows[3];
    assert_eq!((table.as_deref(), *id), (Some("planner_case"), Some(1)));
    let (_, table, _, details) = &rows[4];
    assert_eq!(table.as_deref(), Some("verdict"));
    assert_eq!(details["file"], "verdicts.csv");
    assert_eq!(details["filter"]["class"], "vacant");
    assert_eq!(details["rows"], exported);

    // The administrator finds the reads in the audit log.
    let admin = s.token("admin").await;
    let (status, log) = get(
        &s,
        &format!("/planner/audit?subject_table=building&subject_id={building}"),
        &admin,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(log["items"][0]["action"], "read", "{log}");
    assert_eq!(log["items"][0]["actor"], "planer", "{log}");
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town", "kindelbrueck"))]
async fn only_an_administrator_of_every_town_exports_what_is_stored_about_a_person(pool: PgPool) {
    let s = common::start(pool.clone()).await;
    let path = "/planner/privacy/subject?contact=MELDER.GEHEIM%40example.org";
    workflow::users::create_user(
        &pool,
        "kadmin",
        "",
        workflow::users::Role::Admin,
        &workflow::users::Towns::Some(vec!["16068064".to_owned()]),
        None,
    )
    .await
    .unwrap();
    for login in ["planer", "kplaner", "moderator", "kadmin"] {
        let token = s.token(login).await;
        let (status, problem) = get(&s, path, &token).await;
        assert_eq!(status, 403, "{login}: {problem}");
        assert!(
            !problem.to_string().contains("geheim"),
            "{login}: {problem}"
        );
    }
    assert!(reads(&pool).await.is_empty());

    let admin = s.token("admin").await;
    let (status, document) = get(&s, path, &admin).await;
    assert_eq!(status, 200, "{document}");
    let reports = document["citizen_reports"].as_array().unwrap();
    assert_eq!(reports.len(), 1, "{document}");
    assert_eq!(reports[0]["contact"], "melder.geheim@example.org");
    assert_eq!(reports[0]["status"], "approved");
    let rows = reads(&pool).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0, "admin");
    assert_eq!(rows[0].1.as_deref(), Some("privacy"));
    assert!(!rows[0].3.to_string().contains("geheim"), "{rows:?}");

    // Without a contact, or with a hostile one, a 4xx and no row.
    for bad in [
        "/planner/privacy/subject",
        "/planner/privacy/subject?contact=",
        "/planner/privacy/subject?contact=a%00b",
        "/planner/privacy/subject?contact=x&other=1",
    ] {
        let (status, problem) = get(&s, bad, &admin).await;
        assert!(status.is_client_error(), "{bad}: {status} {problem}");
    }
    assert_eq!(reads(&pool).await.len(), 1);

    let openapi = s.get_json("/openapi.json").await;
    assert_eq!(
        openapi["paths"]["/planner/privacy/subject"]["get"]["parameters"][0]["name"],
        "contact"
    );
}
