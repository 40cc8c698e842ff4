//! The register importer against a real PostGIS: the four registers in the variants offices
//! send (`;`/`,`, UTF-8 with BOM, Windows-1252, decimal comma, quoting), address matching,
//! and the unmatched-row policy.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use register_import::{Options, Register};
use sqlx::PgPool;
use store::MatchPolicy;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/fixtures")
        .join(rel)
}

/// The two addresses and one building of `data/fixtures/alkis/town.xml`, written directly.
async fn town(pool: &PgPool) {
    sqlx::query("INSERT INTO municipality (ags, name) VALUES ('16068051', 'Sömmerda') ON CONFLICT DO NOTHING")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO building (alkis_id, function_code, geom) VALUES ('DETHL51000000B01', 1000,
           ST_GeomFromText('MULTIPOLYGON(((647005 5669005,647015 5669005,647015 5669015,647005 5669015,647005 5669005)))', 25832))",
    )
    .execute(pool)
    .await
    .unwrap();
    for (id, number, suffix) in [("DETHL51000000A01", 12, "a"), ("DETHL51000000A02", 14, "")] {
        sqlx::query(
            "INSERT INTO address (alkis_id, ags, street, street_key, house_number, house_suffix, building_id)
             VALUES ($1, '16068051', 'Lange Straße', $2, $3, $4,
                     CASE WHEN $3 = 12 THEN (SELECT id FROM building) END)",
        )
        .bind(id)
        .bind(model::normalize_street("Lange Straße"))
        .bind(number)
        .bind(suffix)
        .execute(pool)
        .await
        .unwrap();
    }
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn all_four_registers(pool: PgPool) {
    town(&pool).await;
    let opts = Options::default();
    let r = register_import::import(
        &pool,
        Register::Residents,
        &fixture("registers/residents.csv"),
        &opts,
    )
    .await
    .unwrap();
    assert_eq!(r.tables["resident_count"].inserted, 2, "{r:?}");
    let (total, secondary): (i32, i16) = sqlx::query_as(
        "SELECT r.total, r.secondary FROM resident_count r JOIN address a ON a.id = r.address_id WHERE a.house_number = 14",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((total, secondary), (2, 1));

    // Windows-1252, comma-separated, decimal comma in quotes; two metering points add up.
    let m = register_import::import(
        &pool,
        Register::Meters,
        &fixture("registers/meters_cp1252.csv"),
        &opts,
    )
    .await
    .unwrap();
    assert_eq!(m.tables["meter_reading"].inserted, 2, "{m:?}");
    let power: f64 =
        sqlx::query_scalar("SELECT consumption FROM meter_reading WHERE medium = 'electricity'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(power, 2445.5);

    // UTF-8 with BOM; one row names the building, one only the address.
    let s = register_import::import(
        &pool,
        Register::Survey,
        &fixture("registers/survey.csv"),
        &opts,
    )
    .await
    .unwrap();
    assert_eq!(s.tables["field_survey"].inserted, 2, "{s:?}");
    let (finding, condition, note): (String, String, String) = sqlx::query_as(
        "SELECT finding, condition, note FROM field_survey WHERE building_id IS NOT NULL AND dwellings = 2",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (finding.as_str(), condition.as_str()),
        ("partly_vacant", "fair")
    );
    assert_eq!(note, "Erdgeschoss leer; Schaufenster verklebt");

    let c = register_import::import(
        &pool,
        Register::Reports,
        &fixture("registers/reports.csv"),
        &opts,
    )
    .await
    .unwrap();
    assert_eq!(c.tables["citizen_report"].inserted, 2, "{c:?}");
    let x: f64 = sqlx::query_scalar(
        "SELECT ST_X(geom) FROM citizen_report WHERE category = 'vacant_building'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(x, 647010.5);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn unmatched_rows_are_skipped_and_listed_within_the_limit(pool: PgPool) {
    town(&pool).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ew.csv");
    let mut text =
        String::from("strasse;hausnummer;stichtag;ew_0_17;ew_18_64;ew_65_74;ew_75_plus\n");
    text.push_str("Lange Str.;12a;2024-06-30;0;1;0;0\n");
    for n in 0..9 {
        text.push_str(&format!("Lange Str.;14;2023-0{}-01;0;1;0;0\n", n + 1));
    }
    text.push_str("Kurze Gasse;3;2024-06-30;0;1;0;0\n");
    std::fs::write(&path, &text).unwrap();
    let r = register_import::import(&pool, Register::Residents, &path, &Options::default())
        .await
        .unwrap();
    assert_eq!(r.rejected, 1);
    assert_eq!(r.unmatched[0].line, 12);
    assert_eq!(r.tables["resident_count"].inserted, 10);

    // --strict refuses the same file: nothing is loaded.
    std::fs::write(&path, text.replace("2024-06-30", "2024-07-31")).unwrap();
    let strict = Options {
        policy: MatchPolicy {
            max_unmatched_percent: 0.0,
            ..MatchPolicy::default()
        },
        progress: None,
    };
    let err = register_import::import(&pool, Register::Residents, &path, &strict)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("ew.csv:12") && err.contains("no address matches"),
        "{err}"
    );
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM resident_count")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 10);
}
