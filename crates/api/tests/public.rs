#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Public routes: plot search, plot detail, enquiries, citizen reports, and the privacy,
//! hostile-input and database-outage guarantees, over a real server and the fixture town.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

fn ids(collection: &Value) -> Vec<String> {
    collection["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            f["id"]
                .as_str()
                .map_or_else(|| f["id"].to_string(), str::to_owned)
        })
        .collect()
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn search_filters_sorts_and_shows_suitability(pool: PgPool) {
    let s = common::start(pool).await;
    let all = s.get_json("/search/plots").await;
    // Released plots only, best suitability first.
    assert_eq!(ids(&all), ["DETHFIXTUREP0004", "DETHFIXTUREP0001"]);
    assert_eq!(all["numberMatched"], 2);
    let best = &all["features"][0]["properties"];
    assert_eq!(best["suitability"], 0.8);
    assert_eq!(best["offer_id"], 1);
    assert_eq!(best["town"], "Sömmerda");

    let gaps = s
        .get_json("/search/plots?class=building_gap&town=16068051")
        .await;
    assert_eq!(ids(&gaps), ["DETHFIXTUREP0004"]);
    let by_name = s
        .get_json("/search/plots?town=S%C3%B6mmerda&min_score=0.6")
        .await;
    assert_eq!(ids(&by_name), ["DETHFIXTUREP0004"]);
    let none = s.get_json("/search/plots?min_area=601").await;
    assert_eq!(none["numberMatched"], 0);
    let elsewhere = s.get_json("/search/plots?town=Buttst%C3%A4dt").await;
    assert_eq!(ids(&elsewhere), Vec::<String>::new());

    // Distance from the centre of parcel 4: it comes first and lies at 0 m.
    let p4 = s.get_json("/plots/DETHFIXTUREP0004").await;
    // The land value of its zone and the indicative price: 600 m² × 85 €/m².
    let lv = &p4["properties"]["land_value"];
    assert_eq!(lv["eur_m2"], 85.0, "{lv}");
    assert_eq!(lv["stichtag"], "2024-01-01", "{lv}");
    assert_eq!(lv["use_name"], "Wohnbaufläche", "{lv}");
    assert_eq!(lv["indicative_price_eur"], 51_000.0, "{lv}");
    let ring = p4["geometry"]["coordinates"][0][0]
        .as_array()
        .unwrap()
        .clone();
    let lon = ring.iter().map(|c| c[0].as_f64().unwrap()).sum::<f64>() / ring.len() as f64;
    let lat = ring.iter().map(|c| c[1].as_f64().unwrap()).sum::<f64>() / ring.len() as f64;
    let near = s
        .get_json(&format!(
            "/search/plots?near={lon},{lat}&sort=distance&max_distance_m=100"
        ))
        .await;
    assert_eq!(ids(&near), ["DETHFIXTUREP0004", "DETHFIXTUREP0001"]);
    assert_eq!(near["features"][0]["properties"]["distance_m"], 0);
    let d1 = near["features"][1]["properties"]["distance_m"]
        .as_f64()
        .unwrap();
    assert!((40.0..=60.0).contains(&d1), "{d1}");

    // The detail carries the suitability parts and the published offer.
    let props = &p4["properties"];
    assert_eq!(props["suitability_parts"][1]["name"], "school_m");
    assert_eq!(props["offers"][0]["title"], "Baulücke Lindenstraße");
    assert_eq!(props["offers"][0]["zoning_note"], "Innenbereich § 34 BauGB");
    assert_eq!(
        s.get("/plots/DETHFIXTUREP0005").await.status(),
        404,
        "notice too recent"
    );
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn enquiries_reach_the_town_for_published_offers_only(pool: PgPool) {
    let s = common::start(pool.clone()).await;
    let post = |offer: i64, body: Value| {
        s.client
            .post(s.url(&format!("/offers/{offer}/enquiries")))
            .json(&body)
            .send()
    };
    let ok = post(
        1,
        json!({"message": "Ist die Fläche noch frei?", "contact": "bau@example.net"}),
    )
    .await
    .unwrap();
    assert_eq!(ok.status(), 201);
    let id = ok.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let stored: (i64, String) =
        sqlx::query_as("SELECT offer_id, contact FROM enquiry WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(stored, (1, "bau@example.net".to_owned()));
    // Offer 3 is published but its plot is not released; offer 4 is a draft.
    for offer in [3, 4, 999] {
        let r = post(
            offer,
            json!({"message": "Frage", "contact": "bau@example.net"}),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 404, "offer {offer}");
    }
    let empty = post(1, json!({"message": "  ", "contact": "bau@example.net"}))
        .await
        .unwrap();
    assert_eq!(empty.status(), 422);
    let extra = post(1, json!({"message": "x", "contact": "abc", "owner": "?"}))
        .await
        .unwrap();
    assert_eq!(extra.status(), 400);
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn reports_are_stored_pending_and_validated(pool: PgPool) {
    let s = common::start(pool.clone()).await;
    let p = s
        .get_json("/collections/parcels/items/DETHFIXTUREP0002")
        .await;
    let c = &p["geometry"]["coordinates"][0][0][0];
    let (lon, lat) = (
        c[0].as_f64().unwrap() + 0.0001,
        c[1].as_f64().unwrap() + 0.0001,
    );
    let post = |body: Value| s.client.post(s.url("/reports")).json(&body).send();

    let created = post(
        json!({"lon": lon, "lat": lat, "category": "vacant_building",
                              "text": "Seit Monaten leer", "contact": "ich@example.net"}),
    )
    .await
    .unwrap();
    assert_eq!(created.status(), 201);
    let body: Value = created.json().await.unwrap();
    assert_eq!(body["status"], "pending");
    let (status, building): (String, Option<i64>) =
        sqlx::query_as("SELECT status, building_id FROM citizen_report WHERE id = $1")
            .bind(body["id"].as_i64().unwrap())
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(status, "pending");
    assert_eq!(building, Some(2));
    // Pending reports are not public.
    let public = s.get_json("/collections/reports/items").await;
    assert_eq!(ids(&public), ["1"]);

    for (bad, want) in [
        (
            json!({"lon": 13.4, "lat": 52.5, "category": "other", "text": "Berlin"}),
            422,
        ),
        (
            json!({"lon": lon, "lat": lat, "category": "ufo", "text": "x"}),
            422,
        ),
        (
            json!({"lon": lon, "lat": lat, "category": "other", "text": ""}),
            422,
        ),
        (
            json!({"lon": lon, "lat": lat, "category": "other", "text": "x".repeat(2001)}),
            422,
        ),
        (
            json!({"lon": lon, "lat": lat, "category": "other", "text": "x", "contact": "c".repeat(201)}),
            422,
        ),
        (
            json!({"lon": "elf", "lat": lat, "category": "other", "text": "x"}),
            400,
        ),
        (
            json!({"lon": lon, "lat": lat, "category": "other", "text": "x", "status": "approved"}),
            400,
        ),
    ] {
        let r = post(bad.clone()).await.unwrap();
        assert_eq!(r.status(), want, "{bad}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
    }
    let no_json = s
        .client
        .post(s.url("/reports"))
        .body("lon=11&lat=51")
        .send()
        .await
        .unwrap();
    assert_eq!(no_json.status(), 415);
    let nan = s
        .client
        .post(s.url("/reports"))
        .header("content-type", "application/json")
        .body(r#"{"lon": NaN, "lat": 51.1, "category": "other", "text": "x"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(nan.status(), 400);
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn posting_is_rate_limited_and_bodies_are_bounded(pool: PgPool) {
    let s = common::start_with(pool, |c| {
        c.post_rate = api::RateLimit {
            requests: 3,
            per: Duration::from_secs(3600),
        };
    })
    .await;
    let huge = "x".repeat(10 * 1024 * 1024);
    let r = s
        .client
        .post(s.url("/reports"))
        .header("content-type", "application/json")
        .body(format!(
            r#"{{"lon": 11.1, "lat": 51.1, "category": "other", "text": "{huge}"}}"#
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let r = s
            .client
            .post(s.url("/reports"))
            .json(&json!({"lon": 13.4, "lat": 52.5, "category": "other", "text": "x"}))
            .send()
            .await
            .unwrap();
        if r.status() == 429 {
            assert!(r.headers().contains_key("retry-after"));
        }
        statuses.push(r.status().as_u16());
    }
    // The oversized report counted against the budget of three: a client that sends bodies
    // the server refuses is posting all the same.
    assert_eq!(statuses, [422, 422, 429, 429, 429]);
}

/// Behind a trusted proxy each forwarded client has its own budget; without one, a client
/// cannot escape its budget by sending X-Forwarded-For.
#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn rate_limits_follow_the_forwarded_client_only_behind_a_trusted_proxy(pool: PgPool) {
    for trusted in [true, false] {
        let s = common::start_with(pool.clone(), |c| {
            c.post_rate = api::RateLimit {
                requests: 2,
                per: Duration::from_secs(3600),
            };
            if trusted {
                c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
            }
        })
        .await;
        let mut statuses = Vec::new();
        for client in ["203.0.113.1", "203.0.113.1", "203.0.113.1", "203.0.113.2"] {
            let r = s
                .client
                .post(s.url("/reports"))
                .header("x-forwarded-for", format!("198.51.100.99, {client}"))
                .json(&json!({"lon": 13.4, "lat": 52.5, "category": "other", "text": "x"}))
                .send()
                .await
                .unwrap();
            statuses.push(r.status().as_u16());
        }
        let expected = if trusted {
            [422, 422, 429, 422]
        } else {
            [422, 422, 429, 429]
        };
        assert_eq!(statuses, expected, "trusted proxy: {trusted}");
    }
}

/// Strings of the fixture that only private tables hold.
const PRIVATE: &[&str] = &[
    "Mustermann",
    "geheim",
    "example.org",
    "999999",
    "Schulze",
    "Sabine Sucher",
    "Petra Planer",
    "117.25",
    "Einwohner",
    "kWh",
    "75+",
    "Fenster vernagelt",
    "Erbengemeinschaft",
    "DETHFIXTUREB0002",
    "DETHFIXTUREB0003",
];

/// JSON keys that would carry private data.
const PRIVATE_KEYS: &[&str] = &[
    "owner",
    "contact",
    "evidence",
    "score",
    "confidence",
    "note",
    "body",
    "residents",
    "age_75_plus",
    "consumption",
    "reporter",
    "moderated_by",
];

fn keys(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                out.push(k.clone());
                if k == "suitability_parts" {
                    // Sizes and distances: each part is {name, value, score, weight}.
                    for part in v.as_array().unwrap() {
                        let mut names: Vec<&str> = part
                            .as_object()
                            .unwrap()
                            .keys()
                            .map(String::as_str)
                            .collect();
                        names.sort_unstable();
                        assert_eq!(names, ["name", "score", "value", "weight"]);
                    }
                } else {
                    keys(v, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| keys(v, out)),
        _ => {}
    }
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn no_public_route_reveals_private_data(pool: PgPool) {
    let s = common::start(pool).await;
    let mut paths: Vec<String> = [
        "/",
        "/conformance",
        "/collections",
        "/health",
        "/ready",
        "/metrics",
        "/openapi.json",
        "/search/plots",
        "/search/plots?sort=area",
        "/plots/DETHFIXTUREP0004",
        "/plots/DETHFIXTUREP0001",
    ]
    .iter()
    .map(|p| (*p).to_owned())
    .collect();
    // The report form's routes: the nearest address (of address 1) and an approved report's photos.
    let (lon, lat): (f64, f64) = sqlx::query_as(
        "SELECT ST_X(g), ST_Y(g) FROM (SELECT ST_Transform(ST_SetSRID(
                ST_MakePoint(648031, 5669911), 25832), 4326) g) p",
    )
    .fetch_one(&s.pool)
    .await
    .unwrap();
    paths.push(format!("/addresses/nearest?lon={lon}&lat={lat}"));
    paths.push("/reports/1/photos".to_owned());
    let collections = s.get_json("/collections").await;
    for c in collections["collections"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        paths.push(format!("/collections/{id}"));
        paths.push(format!("/collections/{id}/items?limit=1000"));
        let items = s
            .get_json(&format!("/collections/{id}/items?limit=1000"))
            .await;
        for f in ids(&items) {
            paths.push(format!("/collections/{id}/items/{f}"));
        }
    }
    assert!(paths.len() > 30, "{paths:?}");
    for path in &paths {
        let response = s.get(path).await;
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        let text = response.text().await.unwrap();
        for secret in PRIVATE {
            assert!(!text.contains(secret), "{path} reveals {secret:?}");
        }
        if path.starts_with("/collections/")
            || path.starts_with("/search")
            || path.starts_with("/plots")
        {
            let mut found = Vec::new();
            keys(&serde_json::from_str(&text).unwrap(), &mut found);
            for key in PRIVATE_KEYS {
                assert!(!found.iter().any(|k| k == key), "{path} has key {key:?}");
            }
        }
    }
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn hostile_search_requests_get_4xx(pool: PgPool) {
    let s = common::start(pool).await;
    for path in [
        "/search/plots?limit=-1",
        "/search/plots?limit=1000000",
        "/search/plots?min_area=NaN",
        "/search/plots?min_area=inf",
        "/search/plots?near=NaN,NaN",
        "/search/plots?near=11.1",
        "/search/plots?sort=distance",
        "/search/plots?sort=owner",
        "/search/plots?class=%27%3B%20DROP%20TABLE%20parcel%3B--",
        "/search/plots?owner=1",
        "/search/plots?min_score=2",
        "/plots/x%27%20OR%20%271%27%3D%271",
        "/offers/abc/enquiries",
    ] {
        let status = s.get(path).await.status().as_u16();
        assert!((400..500).contains(&status), "{path}: {status}");
    }
    let injected = s
        .get_json("/search/plots?town=%27%20OR%20%271%27%3D%271")
        .await;
    assert_eq!(injected["numberMatched"], 0);
}

/// A TCP relay to the database that the test can cut and restore, so the server sees the
/// database go away and come back.
struct Relay {
    port: u16,
    target: String,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Relay {
    async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let relay = Self {
            port,
            target,
            tasks: Arc::default(),
        };
        relay.serve(listener);
        relay
    }

    fn serve(&self, listener: TcpListener) {
        let target = self.target.clone();
        let tasks = self.tasks.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                let pipe = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tasks.lock().unwrap().push(pipe);
            }
        });
        self.tasks.lock().unwrap().push(accept);
    }

    fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    async fn restore(&self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        self.serve(listener);
    }
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn database_outage_gives_503_and_the_server_recovers(pool: PgPool) {
    let options = pool.connect_options();
    let target = format!("{}:{}", options.get_host(), options.get_port());
    let relay = Relay::start(target).await;
    let relayed: PgConnectOptions = (*options).clone().host("127.0.0.1").port(relay.port);
    let relayed_pool = PgPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(2))
        .connect_with(relayed)
        .await
        .unwrap();
    let s = common::start(relayed_pool).await;
    assert_eq!(s.get("/ready").await.status(), 200);
    assert_eq!(s.get("/collections/plots/items").await.status(), 200);

    relay.cut();
    tokio::time::sleep(Duration::from_millis(200)).await;
    for path in ["/ready", "/collections/plots/items", "/search/plots"] {
        let r = s.get(path).await;
        assert_eq!(r.status(), 503, "{path}");
        assert!(r.headers().contains_key("retry-after"), "{path}");
    }
    assert_eq!(
        s.get("/health").await.status(),
        200,
        "the process itself is fine"
    );

    relay.restore().await;
    let mut ready = false;
    for _ in 0..50 {
        if s.get("/collections/plots/items").await.status() == 200 {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        ready,
        "the server did not recover after the database came back"
    );
}
