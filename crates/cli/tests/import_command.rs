//! `leerstand import …` as a planner runs it: the corpus of broken inputs under
//! `data/fixtures/bad/` (each refused with a message naming file and line, object or field,
//! exit code ≠ 0, every table unchanged), and a generated four-town data set end to end.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use sqlx::PgPool;

mod common;
use common::leerstand;
use common::url_of;

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
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn checksums(pool: &PgPool) -> Vec<(String, String)> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut out = Vec::new();
    for t in tables {
        let sql = format!(
            "SELECT coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') FROM {t} x"
        );
        out.push((t, sqlx::query_scalar(&sql).fetch_one(pool).await.unwrap()));
    }
    out
}

/// Each broken input, how it is imported, and what its message must say besides the file.
const BAD: &[(&str, &[&str], &[&str])] = &[
    (
        "truncated.xml",
        &["alkis"],
        &["truncated", "truncated.xml:"],
    ),
    (
        "wrong_namespace.xml",
        &["alkis"],
        &["not an ALKIS NAS file", "namespace"],
    ),
    (
        "unknown_crs.xml",
        &["alkis"],
        &[
            "unknown coordinate reference system",
            "MARS_UTM1",
            "DETHL51000000P03",
        ],
    ),
    (
        "self_intersecting.xml",
        &["alkis"],
        &[
            "DETHL51000000P04",
            "geometry",
            "Self-intersection",
            "--repair",
        ],
    ),
    (
        "empty_geometry.xml",
        &["alkis"],
        &["DETHL51000000P05", "position", "no geometry"],
    ),
    (
        "duplicate_kennzeichen.xml",
        &["alkis"],
        &["kennzeichen", "16512300100117______", "more than once"],
    ),
    (
        "bad_kennzeichen.xml",
        &["alkis"],
        &["DETHL51000000P07", "flurstueckskennzeichen"],
    ),
    (
        "bad_building_function.xml",
        &["alkis"],
        &["DETHL51000000B03", "gebaeudefunktion", "Wohnhaus"],
    ),
    (
        "bad_area.xml",
        &["alkis"],
        &["DETHL51000000P09", "amtlicheFlaeche", "vierhundert"],
    ),
    (
        "odd_coordinates.xml",
        &["alkis"],
        &["DETHL51000000P08", "posList", "odd number"],
    ),
    (
        "unknown_street_key.xml",
        &["alkis"],
        &["DETHL51000000A09", "lagebezeichnung", "99999"],
    ),
    (
        "not_nas.xml",
        &["alkis"],
        &["not an ALKIS NAS file", "<html>"],
    ),
    ("no_nas.zip", &["alkis"], &["holds no NAS file"]),
    (
        "parcels_no_kennzeichen.geojson",
        &[
            "vector",
            "--as",
            "parcels",
            "--map",
            "FLSKZ=kennzeichen",
            "--map",
            "OID=alkis_id",
        ],
        &["FLSKZ", "kennzeichen"],
    ),
    (
        "parcels_bowtie.geojson",
        &[
            "vector",
            "--as",
            "parcels",
            "--map",
            "FLSKZ=kennzeichen",
            "--map",
            "OID=alkis_id",
            "--map",
            "FLAECHE=official_area_m2",
        ],
        &["feature", "geometry", "Self-intersection"],
    ),
    (
        "parcels_bad_blob.gpkg",
        &["vector", "--as", "parcels"],
        &[
            "(layer parcels, feature 2)",
            "geometry",
            "not a GeoPackage geometry blob",
        ],
    ),
    (
        "parcels_truncated.gpkg",
        &["vector", "--as", "parcels"],
        &["cannot open it", "malformed"],
    ),
    (
        "residents_missing_column.csv",
        &["register", "residents"],
        &[":1:", "ew_75_plus"],
    ),
    (
        "residents_utf16.csv",
        &["register", "residents"],
        &[":1:", "encoding", "UTF-16"],
    ),
    (
        "residents_text_in_number.csv",
        &["register", "residents"],
        &[":3:", "ew_18_64", "zwei"],
    ),
    (
        "residents_unmatched.csv",
        &["register", "residents"],
        &[":2:", "no address matches", "2 of 2 rows"],
    ),
    (
        "residents_ragged.csv",
        &["register", "residents"],
        &[":4:", "malformed CSV"],
    ),
    (
        "residents_bad_date.csv",
        &["register", "residents"],
        &[":2:", "stichtag", "30/06/2024"],
    ),
    (
        "meters_bad_sparte.csv",
        &["register", "meters"],
        &[":4:", "sparte", "Gas"],
    ),
    (
        "reports_bad_coordinates.csv",
        &["register", "reports"],
        &[":3:", "rechtswert", "EPSG:25832"],
    ),
    (
        "survey_unknown_building.csv",
        &["register", "survey"],
        &[":2:", "gebaeude_id", "DETHL51000000B77"],
    ),
];

#[sqlx::test(migrations = false)]
async fn every_broken_input_is_refused_and_changes_nothing(pool: PgPool) {
    let url = url_of(&pool);
    ok(
        &url,
        &[
            "import",
            "alkis",
            fixture("alkis/town.xml").to_str().unwrap(),
        ],
    );
    ok(
        &url,
        &[
            "import",
            "register",
            "residents",
            fixture("registers/residents.csv").to_str().unwrap(),
        ],
    );
    let before = checksums(&pool).await;
    assert!(BAD.len() >= 15);
    for (file, args, needles) in BAD {
        let path = fixture(&format!("bad/{file}"));
        let mut full: Vec<&str> = vec!["import"];
        full.extend_from_slice(&args[..args.len().min(2)]);
        if args[0] == "vector" {
            full = vec!["import", "vector", path.to_str().unwrap()];
            full.extend_from_slice(&args[1..]);
        } else {
            full.push(path.to_str().unwrap());
        }
        let out = leerstand(&url, &full);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{file} was accepted");
        assert!(
            err.contains(file),
            "{file}: the message does not name the file: {err}"
        );
        for n in *needles {
            assert!(err.contains(n), "{file}: no {n:?} in: {err}");
        }
        assert_eq!(
            checksums(&pool).await,
            before,
            "{file} changed the database"
        );
    }
}

#[sqlx::test(migrations = false)]
async fn a_generated_data_set_imports_and_reimports_as_a_no_op(pool: PgPool) {
    let url = url_of(&pool);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gen");
    ok(
        &url,
        &[
            "generate",
            "--out",
            out.to_str().unwrap(),
            "--scale",
            "0.05",
        ],
    );
    let alkis = out.join("alkis");
    let summary = ok(&url, &["import", "alkis", alkis.to_str().unwrap()]);
    assert!(summary.contains("parcel"), "{summary}");
    let parcels: i64 = sqlx::query_scalar("SELECT count(*) FROM parcel")
        .fetch_one(&pool)
        .await
        .unwrap();
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(parcels > 1000, "{parcels}");
    assert!(
        manifest.contains(&parcels.to_string()),
        "{parcels} parcels not in the manifest"
    );
    let linked: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM address WHERE building_id IS NOT NULL AND geom IS NOT NULL",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(linked > 0);

    // The GeoPackage holds the same cadastre: merging it changes no parcel.
    let gpkg = out.join("alkis.gpkg");
    let before: String = sqlx::query_scalar(
        "SELECT md5(string_agg(concat_ws(',', alkis_id, kennzeichen, ags, official_area_m2, ST_AsEWKB(geom)), '|' ORDER BY alkis_id)) FROM parcel",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let again = ok(
        &url,
        &[
            "import",
            "vector",
            gpkg.to_str().unwrap(),
            "--as",
            "parcels",
        ],
    );
    assert!(again.contains("(no changes)"), "{again}");
    let after: String = sqlx::query_scalar(
        "SELECT md5(string_agg(concat_ws(',', alkis_id, kennzeichen, ags, official_area_m2, ST_AsEWKB(geom)), '|' ORDER BY alkis_id)) FROM parcel",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(before, after);

    for kind in ["residents", "meters", "reports"] {
        let csv = out.join(format!("registers/{kind}.csv"));
        ok(&url, &["import", "register", kind, csv.to_str().unwrap()]);
    }
    let residents: i64 = sqlx::query_scalar("SELECT count(*) FROM resident_count")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(residents > 100, "{residents}");

    // The same files again: no-ops by checksum.
    let snapshot = checksums(&pool).await;
    let repeat = ok(&url, &["import", "alkis", alkis.to_str().unwrap()]);
    assert!(repeat.contains("already imported"), "{repeat}");
    assert_eq!(checksums(&pool).await, snapshot);
}
