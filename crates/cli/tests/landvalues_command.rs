#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `leerstand import landvalues` as a planner runs it: broken zone files refused with file,
//! feature and field named and nothing changed, a re-import replacing the zones, and the
//! generated towns' land values on a plot's detail and page through a running server.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::PgPool;

mod common;
use common::{get, leerstand, url_of};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/fixtures")
        .join(rel)
}

fn ok(url: &str, args: &[&str]) -> String {
    let out = leerstand(url, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Every stored zone, in a fixed order.
async fn zones(pool: &PgPool) -> Vec<(String, String, f64, String)> {
    sqlx::query_as(
        "SELECT stichtag::text, zone_number, value_eur_m2::float8, ST_AsText(geom)
           FROM land_value_zone ORDER BY stichtag, zone_number",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Broken zone files: name, and what the message must name beyond the file.
const BAD: &[(&str, &[&str])] = &[
    ("brw_no_brw_field.geojson", &["BRW", "WERT"]),
    (
        "brw_bowtie.geojson",
        &["feature 2", "geometry", "Self-intersection"],
    ),
    (
        "brw_wrong_crs.geojson",
        &["feature 1", "geometry", "EPSG:4326"],
    ),
    ("brw_bad_stag.geojson", &["feature 2", "STAG", "31.02.2024"]),
];

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn broken_zones_are_refused_and_a_reimport_replaces(pool: PgPool) {
    let url = url_of(&pool);
    let good = fixture("vector/landvalues.geojson");
    let first = ok(&url, &["import", "landvalues", good.to_str().unwrap()]);
    assert!(
        first.contains("2 land-value zones, 2 new, 0 replaced"),
        "{first}"
    );
    let before = zones(&pool).await;
    assert_eq!(before.len(), 2);
    assert_eq!(before[0].1, "0519001");
    assert_eq!(before[0].2, 85.0);

    for (file, needles) in BAD {
        let path = fixture(&format!("bad/{file}"));
        let out = leerstand(&url, &["import", "landvalues", path.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{file} was accepted");
        assert!(err.contains(file), "{file}: the file is not named: {err}");
        for n in *needles {
            assert!(err.contains(n), "{file}: no {n:?} in: {err}");
        }
        assert!(err.contains("unchanged"), "{err}");
        assert_eq!(zones(&pool).await, before, "{file} changed the zones");
    }

    // The same zones again: replaced, not doubled.
    let again = ok(&url, &["import", "landvalues", good.to_str().unwrap()]);
    assert!(again.contains("0 new, 2 replaced"), "{again}");
    assert_eq!(zones(&pool).await, before);
}

#[sqlx::test(migrations = false)]
async fn generated_land_values_reach_the_plot_detail_and_page(pool: PgPool) {
    let url = url_of(&pool);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    ok(
        &url,
        &["generate", "--out", out, "--scale", "0.15", "--seed", "7"],
    );
    ok(&url, &["db", "migrate"]);
    ok(&url, &["import", "alkis", &format!("{out}/alkis")]);
    let zones_file = format!("{out}/landvalues.geojson");
    let imported = ok(&url, &["import", "landvalues", &zones_file]);
    assert!(imported.contains(" new, 0 replaced"), "{imported}");
    ok(&url, &["analyze", "--as-of", "2025-01-01"]);
    let mut add = Command::new(env!("CARGO_BIN_EXE_leerstand"))
        .args(["user", "add", "planer", "--all-towns", "--password-stdin"])
        .env("DATABASE_URL", &url)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(b"demo-planer-2025\n")
        .unwrap();
    assert!(add.wait().unwrap().success());
    ok(
        &url,
        &[
            "publish",
            "notice",
            "--announced-on",
            "2024-11-01",
            "--by",
            "planer",
        ],
    );

    // Every level the generator draws is one the zones carry, and the towns' plots lie in
    // zones: each public building gap has a value within the Thuringian levels.
    let levels: Vec<(String, f64, f64)> = sqlx::query_as(
        "SELECT use_code, min(value_eur_m2)::float8, max(value_eur_m2)::float8
           FROM land_value_zone GROUP BY use_code ORDER BY use_code",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for (code, lo, hi) in &levels {
        let (min, max) = match code.as_str() {
            "M" => (60.0, 90.0),
            "W" => (40.0, 70.0),
            "MD" => (15.0, 35.0),
            "G" => (10.0, 25.0),
            other => panic!("unexpected use {other}"),
        };
        assert!(*lo >= min && *hi <= max, "{code}: {lo}..{hi}");
    }
    let (gaps, valued): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(land_value_eur_m2) FROM published.plot
          WHERE class = 'building_gap'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(gaps > 0);
    assert_eq!(gaps, valued, "building gaps outside every zone");
    let (id, area, value): (String, f64, f64) = sqlx::query_as(
        "SELECT id, area_m2::float8, land_value_eur_m2 FROM published.plot
          WHERE class = 'building_gap' ORDER BY id LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();

    let (mut server, port) = common::serve(&url);
    let started = Instant::now();
    let detail = loop {
        if let Some(r) = get(port, &format!("/plots/{id}"), None) {
            break r;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "no server");
        std::thread::sleep(Duration::from_millis(100));
    };
    let page = get(port, &format!("/grundstueck/{id}"), None).unwrap();
    server.kill().unwrap();
    server.wait().unwrap();

    assert!(detail.0.contains("200"), "{detail:?}");
    let feature: serde_json::Value = serde_json::from_str(&detail.1).unwrap();
    let lv = &feature["properties"]["land_value"];
    assert_eq!(lv["eur_m2"].as_f64(), Some(value), "{lv}");
    assert_eq!(lv["stichtag"], "2024-01-01");
    let price = (area * value / 1000.0).round() * 1000.0;
    assert_eq!(lv["indicative_price_eur"].as_f64(), Some(price), "{lv}");
    assert!(lv["use_name"].is_string(), "{lv}");

    assert!(page.0.contains("200"), "{page:?}");
    let euro = format!("{} €/m² (Stichtag 01.01.2024, ", value as i64);
    assert!(page.1.contains(&euro), "{euro:?} missing in {}", page.1);
    assert!(
        page.1
            .contains("(überschlägig: Fläche × Bodenrichtwert, kein Gutachten)"),
        "{}",
        page.1
    );
}
