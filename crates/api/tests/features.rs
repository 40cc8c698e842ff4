#![allow(clippy::unwrap_used, clippy::expect_used)]
//! OGC API – Features over a real server and the fixture town.

mod common;

use serde_json::Value;
use sqlx::PgPool;

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
async fn landing_conformance_and_collections_link_up(pool: PgPool) {
    let s = common::start(pool).await;
    let landing = s.get_json("/").await;
    let rels: Vec<&str> = landing["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rel"].as_str().unwrap())
        .collect();
    for rel in ["self", "service-desc", "conformance", "data"] {
        assert!(rels.contains(&rel), "{rel} missing in {rels:?}");
    }
    let conformance = s.get_json("/conformance").await;
    assert!(conformance["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c.as_str().unwrap().ends_with("/conf/core")));
    let collections = s.get_json("/collections").await;
    let names: Vec<&str> = collections["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "vacancy",
            "plots",
            "offers",
            "teilkultur",
            "reports",
            "districts",
            "parcels"
        ]
    );
    let one = s.get_json("/collections/plots").await;
    assert_eq!(one["id"], "plots");
    assert_eq!(s.get("/collections/owners").await.status(), 404);
    let openapi = s.get_json("/openapi.json").await;
    assert_eq!(openapi["openapi"], "3.0.3");
    assert!(openapi["paths"]["/collections/{id}/items"].is_object());
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn only_released_subjects_are_public(pool: PgPool) {
    let s = common::start(pool).await;
    let response = s.get("/collections/vacancy/items").await;
    assert_eq!(response.headers()["content-type"], "application/geo+json");
    let vacancy: Value = response.json().await.unwrap();
    // Building 1: vacant and released. Building 2: vacant, not released. Building 3:
    // released but at risk, which rests on ages and is never public.
    assert_eq!(ids(&vacancy), ["DETHFIXTUREB0001"]);
    let b1 = &vacancy["features"][0];
    assert_eq!(b1["properties"]["class"], "vacant");
    assert_eq!(b1["properties"]["town"], "Sömmerda");
    // The survey (2024-06-03) is older than the run's reference date.
    assert_eq!(b1["properties"]["last_verified"], "2025-01-01");
    assert_eq!(b1["geometry"]["type"], "MultiPolygon");
    let lon = b1["geometry"]["coordinates"][0][0][0][0].as_f64().unwrap();
    let lat = b1["geometry"]["coordinates"][0][0][0][1].as_f64().unwrap();
    assert!(
        (11.0..11.3).contains(&lon) && (51.0..51.3).contains(&lat),
        "{lon} {lat}"
    );

    // Plots: the gap released by notice (4) and the plot of the vacant building (1); not
    // the gap whose notice is too recent (5) nor the one objected to (6).
    let plots = s.get_json("/collections/plots/items").await;
    assert_eq!(ids(&plots), ["DETHFIXTUREP0001", "DETHFIXTUREP0004"]);

    let offers = s.get_json("/collections/offers/items").await;
    assert_eq!(ids(&offers), ["1"]);
    let teilkultur = s.get_json("/collections/teilkultur/items").await;
    assert_eq!(ids(&teilkultur), ["2"]);
    let reports = s.get_json("/collections/reports/items").await;
    assert_eq!(ids(&reports), ["1"]);
    assert_eq!(
        reports["features"][0]["properties"]["text"],
        "Leerstehendes Wohnhaus gemeldet"
    );
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn district_figures_below_five_addresses_are_withheld(pool: PgPool) {
    let s = common::start(pool).await;
    let districts = s.get_json("/collections/districts/items").await;
    let features = districts["features"].as_array().unwrap();
    assert_eq!(features.len(), 2);
    let by_name = |name: &str| {
        features
            .iter()
            .find(|f| f["properties"]["district"] == name)
            .unwrap()["properties"]
            .clone()
    };
    let big = by_name("Sömmerda");
    assert_eq!(big["suppressed"], false);
    assert_eq!(big["vacant"], 2);
    assert_eq!(big["addresses"], 12);
    let small = by_name("Leubingen");
    assert_eq!(small["suppressed"], true);
    for key in ["addresses", "vacant", "risk", "buildings", "vacancy_rate"] {
        assert!(
            small[key].is_null(),
            "{key} of a district under five addresses: {}",
            small[key]
        );
    }
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn paging_filters_bbox_and_single_items(pool: PgPool) {
    let s = common::start(pool).await;
    let first = s.get_json("/collections/parcels/items?limit=4").await;
    assert_eq!(first["numberMatched"], 9);
    assert_eq!(first["numberReturned"], 4);
    let next = first["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "next")
        .unwrap()["href"]
        .as_str()
        .unwrap()
        .to_owned();
    let second: Value = s
        .client
        .get(&next)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(second["numberReturned"], 4);
    assert_eq!(second["numberMatched"], 9);
    let mut all = ids(&first);
    all.extend(ids(&second));
    all.dedup();
    assert_eq!(all.len(), 8);
    // An offset page names the one before it.
    let third = s
        .get_json("/collections/parcels/items?limit=4&offset=4")
        .await;
    assert!(third["links"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["rel"] == "prev"));

    // Filter by a property, and by a box around parcels 1–3 only.
    let filtered = s
        .get_json("/collections/plots/items?class=building_gap")
        .await;
    assert_eq!(ids(&filtered), ["DETHFIXTUREP0004"]);
    let p1 = &s
        .get_json("/collections/parcels/items/DETHFIXTUREP0001")
        .await;
    let ring = p1["geometry"]["coordinates"][0][0].as_array().unwrap();
    let (lon, lat) = (ring[0][0].as_f64().unwrap(), ring[0][1].as_f64().unwrap());
    let boxed = s
        .get_json(&format!(
            "/collections/parcels/items?bbox={},{},{},{}",
            lon - 0.0001,
            lat - 0.0001,
            lon + 0.0001,
            lat + 0.0001
        ))
        .await;
    assert!(ids(&boxed).contains(&"DETHFIXTUREP0001".to_owned()));
    assert!(ids(&boxed).len() <= 2, "{:?}", ids(&boxed));
    let far = s
        .get_json("/collections/parcels/items?bbox=100,10,120,20")
        .await;
    assert_eq!(far["numberMatched"], 0);

    assert_eq!(
        s.get("/collections/vacancy/items/DETHFIXTUREB0002")
            .await
            .status(),
        404,
        "an unreleased building is not found"
    );
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn next_links_walk_the_whole_collection_by_key(pool: PgPool) {
    let s = common::start(pool).await;
    let mut url = s.url("/collections/parcels/items?limit=2");
    let mut seen = Vec::new();
    for _ in 0..10 {
        let page: Value = s
            .client
            .get(&url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(page["numberMatched"], 9, "{url}");
        seen.extend(ids(&page));
        let next = page["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "next")
            .map(|l| l["href"].as_str().unwrap().to_owned());
        match next {
            Some(next) => {
                assert!(next.contains("after="), "{next}");
                url = next;
            }
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (9, 9), "{seen:?}");
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn hostile_queries_get_4xx_problems(pool: PgPool) {
    let s = common::start(pool).await;
    for path in [
        "/collections/parcels/items?limit=-1",
        "/collections/parcels/items?limit=abc",
        "/collections/parcels/items?offset=-5",
        "/collections/parcels/items?after=x&offset=4",
        "/collections/offers/items?after=abc",
        "/collections/reports/items?after=1%00",
        "/collections/parcels/items?bbox=NaN,NaN,NaN,NaN",
        "/collections/parcels/items?bbox=1,2,3",
        "/collections/parcels/items?bbox=-1e400,0,1e400,1",
        "/collections/parcels/items?owner=Mustermann",
        "/collections/parcels/items?kennzeichen=1%27%3B%20DROP%20TABLE%20parcel%3B--&kennzeichen=2",
    ] {
        let response = s.get(path).await;
        assert_eq!(response.status(), 400, "{path}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
    }
    let injected = s
        .get_json("/collections/parcels/items?kennzeichen=1%27%20OR%20%271%27%3D%271")
        .await;
    assert_eq!(injected["numberMatched"], 0);
    let huge = s
        .get_json("/collections/parcels/items?bbox=-180,-90,180,90&limit=100000")
        .await;
    assert_eq!(huge["numberReturned"], 9);
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn browsers_get_the_web_map_and_clients_the_landing_page(pool: PgPool) {
    let web = tempfile::tempdir().unwrap();
    std::fs::write(
        web.path().join("index.html"),
        "<!doctype html><title>Karte</title>",
    )
    .unwrap();
    std::fs::write(web.path().join("app.mjs"), "export const x = 1;").unwrap();
    let root = web.path().to_owned();
    let s = common::start_with(pool, move |c| c.web_root = Some(root)).await;
    let html = s
        .client
        .get(s.url("/"))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert!(html.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(html.text().await.unwrap().contains("Karte"));
    let json = s
        .client
        .get(s.url("/"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(json.headers()["content-type"], "application/json");
    let forced = s
        .client
        .get(s.url("/?f=json"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(forced.headers()["content-type"], "application/json");
    let module = s.get("/app.mjs").await;
    assert_eq!(module.status(), 200);
    assert!(module.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("javascript"));
    assert_eq!(s.get("/nothing-here.js").await.status(), 404);
}
