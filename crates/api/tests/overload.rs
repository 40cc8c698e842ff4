#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Overload over a real server and PostGIS: one client's flood of slow public reads cannot
//! make another client's request fail, its excess gets 429, a statement timeout and a full
//! pool answer 503 "busy", and deep offsets are refused.
//!
//! Reads are made slow by a transaction that holds `parcel` locked: every read of
//! `published.parcel` waits for it, as a read of a deep page would keep its connection.

mod common;

use std::time::Duration;

use api::ReadLimits;
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgConnection, PgPool};

const PARCELS: &str = "/collections/parcels/items";

/// A server whose own pool has 4 connections (acquire timeout 1 s), with `limits` for public
/// reads; clients are told apart by `X-Forwarded-For` from the loopback proxy.
async fn server(pool: &PgPool, limits: ReadLimits) -> common::Server {
    let own = PgPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(1))
        .connect_with((*pool.connect_options()).clone())
        .await
        .unwrap();
    common::start_with(own, |c| {
        c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
        c.public_reads = limits;
    })
    .await
}

/// Holds `parcel` locked until the returned connection's transaction ends.
async fn lock_parcels(pool: &PgPool) -> PgConnection {
    let mut conn = PgConnection::connect_with(&pool.connect_options())
        .await
        .unwrap();
    sqlx::query("BEGIN").execute(&mut conn).await.unwrap();
    sqlx::query("LOCK TABLE parcel IN ACCESS EXCLUSIVE MODE")
        .execute(&mut conn)
        .await
        .unwrap();
    conn
}

async fn unlock(mut conn: PgConnection) {
    sqlx::query("COMMIT").execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
}

async fn get_as(s: &common::Server, client: &str, path: &str) -> (u16, Option<String>, String) {
    fetch(&s.client, &s.url(path), client).await
}

/// Status, Retry-After and body of a GET from `client` (as the proxy forwards it).
async fn fetch(http: &reqwest::Client, url: &str, client: &str) -> (u16, Option<String>, String) {
    let r = http
        .get(url)
        .header("x-forwarded-for", client)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, retry, r.text().await.unwrap())
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn a_flooding_client_gets_429_and_others_are_served(pool: PgPool) {
    let s = server(
        &pool,
        ReadLimits {
            per_client: 2,
            wait: Duration::from_millis(300),
            connections: Some(3),
            statement_timeout: Duration::from_secs(20),
        },
    )
    .await;
    let lock = lock_parcels(&pool).await;

    let flood: Vec<_> = (0..10)
        .map(|i| {
            let (client, url) = (s.client.clone(), s.url(&format!("{PARCELS}?offset={i}")));
            tokio::spawn(async move { fetch(&client, &url, "203.0.113.1").await })
        })
        .collect();
    let flood = async {
        let mut answers = Vec::new();
        for request in flood {
            answers.push(request.await.unwrap());
        }
        answers
    };
    let other = async {
        // After the flood has taken its budget and the rest was turned away.
        tokio::time::sleep(Duration::from_millis(600)).await;
        let planner_side = s.get("/ready").await.status().as_u16();
        let search = tokio::spawn({
            let client = s.client.clone();
            let url = s.url(PARCELS);
            async move {
                let r = client
                    .get(url)
                    .header("x-forwarded-for", "198.51.100.2")
                    .send()
                    .await
                    .unwrap();
                r.status().as_u16()
            }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        unlock(lock).await;
        (planner_side, search.await.unwrap())
    };
    let (flood, (ready, other)) = tokio::join!(flood, other);

    assert_eq!(ready, 200, "the server's own connections stay free");
    assert_eq!(other, 200, "another client is served");
    let ok = flood.iter().filter(|(st, _, _)| *st == 200).count();
    let refused: Vec<_> = flood.iter().filter(|(st, _, _)| *st == 429).collect();
    assert_eq!(ok, 2, "the budget of two ran: {flood:?}");
    assert_eq!(refused.len(), 8, "{flood:?}");
    for (_, retry, body) in refused {
        assert!(retry.is_some(), "429 carries Retry-After");
        assert!(body.contains("in progress"), "{body}");
    }
    // A client whose reads have finished has its budget back.
    assert_eq!(get_as(&s, "203.0.113.1", PARCELS).await.0, 200);
    s.pool.close().await;
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn a_statement_timeout_answers_busy(pool: PgPool) {
    let s = server(
        &pool,
        ReadLimits {
            statement_timeout: Duration::from_millis(300),
            ..ReadLimits::default()
        },
    )
    .await;
    let lock = lock_parcels(&pool).await;
    let (status, retry, body) = get_as(&s, "203.0.113.1", PARCELS).await;
    unlock(lock).await;
    assert_eq!(status, 503, "{body}");
    assert!(retry.is_some());
    assert!(body.contains("busy"), "{body}");
    assert_eq!(get_as(&s, "203.0.113.1", PARCELS).await.0, 200);
    // The planner side has no such timeout: its connections are the server's own.
    assert_eq!(s.get("/ready").await.status(), 200);
    s.pool.close().await;
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn a_full_public_pool_answers_busy_not_unreachable(pool: PgPool) {
    let s = server(
        &pool,
        ReadLimits {
            connections: Some(1),
            statement_timeout: Duration::from_secs(20),
            ..ReadLimits::default()
        },
    )
    .await;
    let lock = lock_parcels(&pool).await;
    let holder = tokio::spawn({
        let client = s.client.clone();
        let url = s.url(PARCELS);
        async move {
            client
                .get(url)
                .header("x-forwarded-for", "203.0.113.1")
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, retry, body) = get_as(&s, "198.51.100.2", "/search/plots").await;
    unlock(lock).await;
    assert_eq!(status, 503, "{body}");
    assert!(retry.is_some());
    assert!(body.contains("the server is busy"), "{body}");
    assert!(!body.contains("not reachable"), "{body}");
    assert_eq!(holder.await.unwrap(), 200);
    s.pool.close().await;
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn deep_offsets_are_refused_with_advice(pool: PgPool) {
    let s = common::start(pool).await;
    assert_eq!(
        s.get(&format!("{PARCELS}?offset=10000")).await.status(),
        200
    );
    let r = s.get(&format!("{PARCELS}?offset=10001")).await;
    assert_eq!(r.status(), 400);
    let problem: serde_json::Value = r.json().await.unwrap();
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("bbox") && detail.contains("filter"),
        "{detail}"
    );
    let r = s.get("/collections/parcels/items?offset=9999999").await;
    assert_eq!(r.status(), 400);
    let openapi = s.get_json("/openapi.json").await;
    let params = openapi["paths"]["/collections/{id}/items"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let offset = params.iter().find(|p| p["name"] == "offset").unwrap();
    assert_eq!(offset["schema"]["maximum"], 10_000);
}
