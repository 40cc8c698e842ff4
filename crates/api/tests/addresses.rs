#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Address search (`GET /search/addresses`) over a real server and real PostGIS with pg_trgm:
//! typos and abbreviations forgiven, the exact street and number first, a town or Ortsteil
//! narrows, bad text is refused, nothing about residents is answered.

mod common;

use serde_json::Value;
use sqlx::PgPool;

/// "Street number, Ortsteil" of every hit, in order.
fn labels(hits: &Value) -> Vec<String> {
    hits["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = &f["properties"];
            format!(
                "{} {}, {}",
                p["street"].as_str().unwrap(),
                p["house_number"].as_str().unwrap(),
                p["district"].as_str().unwrap()
            )
        })
        .collect()
}

fn search(q: &str) -> String {
    let mut url = reqwest::Url::parse("http://x/search/addresses").unwrap();
    url.query_pairs_mut().append_pair("q", q);
    format!("{}?{}", url.path(), url.query().unwrap())
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("addresses"))]
async fn abbreviated_street_finds_the_exact_number_first(pool: PgPool) {
    let s = common::start(pool).await;
    let hits = s.get_json(&search("Marktpl 15")).await;
    let found = labels(&hits);
    assert_eq!(found[0], "Marktplatz 15, Sömmerda", "{found:?}");
    assert!(
        found.contains(&"Am Marktplatz 15, Leubingen".to_owned()),
        "{found:?}"
    );
    // A point in WGS84 near Sömmerda, with what an address shows.
    let first = &hits["features"][0];
    assert_eq!(first["geometry"]["type"], "Point");
    let lon = first["geometry"]["coordinates"][0].as_f64().unwrap();
    let lat = first["geometry"]["coordinates"][1].as_f64().unwrap();
    assert!(
        (11.0..11.2).contains(&lon) && (51.1..51.2).contains(&lat),
        "{lon} {lat}"
    );
    assert_eq!(first["properties"]["postcode"], "99610");
    assert_eq!(first["properties"]["town"], "Sömmerda");

    // The full name with a suffix, and a typo.
    assert_eq!(
        labels(&s.get_json(&search("Marktplatz 15a")).await)[0],
        "Marktplatz 15a, Sömmerda"
    );
    assert_eq!(
        labels(&s.get_json(&search("Marktplaz 15 a")).await)[0],
        "Marktplatz 15a, Sömmerda"
    );
    assert_eq!(
        labels(&s.get_json(&search("marktstr 15")).await)[0],
        "Marktstraße 15, Sömmerda"
    );

    // limit, 10 by default
    let one = s.get_json(&format!("{}&limit=1", search("Marktpl"))).await;
    assert_eq!(one["features"].as_array().unwrap().len(), 1);
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("addresses"))]
async fn a_town_or_ortsteil_narrows(pool: PgPool) {
    let s = common::start(pool).await;
    let both = labels(&s.get_json(&search("lange str 3")).await);
    assert_eq!(both.len(), 2, "{both:?}");
    assert_eq!(
        labels(&s.get_json(&search("kindelbrück lange str")).await),
        ["Lange Straße 3, Kindelbrück"]
    );
    assert_eq!(
        labels(&s.get_json(&search("Lange Straße 3, Sömmerda")).await),
        ["Lange Straße 3, Sömmerda"]
    );
    assert_eq!(
        labels(&s.get_json(&search("Marktplatz 15, Leubingen")).await),
        ["Am Marktplatz 15, Leubingen"]
    );
    // Written without umlauts, and by postcode.
    assert_eq!(
        labels(&s.get_json(&search("Lange Strasse 3 Kindelbrueck")).await),
        ["Lange Straße 3, Kindelbrück"]
    );
    assert_eq!(
        labels(&s.get_json(&search("99625 lange str")).await),
        ["Lange Straße 3, Kindelbrück"]
    );
    // Nothing there: an empty collection, not an error.
    let none = s.get_json(&search("Bahnhofstraße 1")).await;
    assert_eq!(none["features"].as_array().unwrap().len(), 0);
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("addresses"))]
async fn junk_is_refused_with_a_reason(pool: PgPool) {
    let s = common::start(pool).await;
    let long = "a".repeat(101);
    for (path, needle) in [
        ("/search/addresses".to_owned(), "q must"),
        (search("M"), "2 to 100"),
        (search(&long), "2 to 100"),
        (search("Markt\u{7}platz"), "control"),
        (search("Marktplatz\n15"), "control"),
        (search("15 99610"), "street"),
        (format!("{}&limit=0", search("Marktplatz")), "limit"),
        (format!("{}&limit=21", search("Marktplatz")), "limit"),
        (format!("{}&limit=x", search("Marktplatz")), "limit"),
        (format!("{}&town=1", search("Marktplatz")), "town"),
    ] {
        let r = s.get(&path).await;
        assert_eq!(r.status(), 400, "{path}");
        let body: Value = r.json().await.unwrap();
        assert!(
            body["detail"].as_str().unwrap().contains(needle),
            "{path}: {body}"
        );
    }
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("addresses"))]
async fn nothing_about_residents(pool: PgPool) {
    let s = common::start(pool).await;
    let body = s.get(&search("Marktplatz 15")).await.text().await.unwrap();
    let hits: Value = serde_json::from_str(&body).unwrap();
    for f in hits["features"].as_array().unwrap() {
        let mut keys: Vec<&str> = f["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "ags",
                "district",
                "house_number",
                "postcode",
                "street",
                "town"
            ]
        );
    }
    for private in ["31", "47", "resident", "age_"] {
        assert!(
            !body.contains(&format!("\"{private}")),
            "{private} in {body}"
        );
    }
}
