//! The NAS importer against a real PostGIS: the real NRW sample, a hand-written delivery of
//! the formats in docs/formats.md, update deliveries, zip archives, re-imports that change
//! nothing, and a failure midway that leaves nothing behind.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use sqlx::PgPool;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/fixtures")
        .join(rel)
}

/// md5 of every row of every table of the public schema, to show that a failed import left
/// the database byte-for-byte unchanged.
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
        let sum: String = sqlx::query_scalar(&sql).fetch_one(pool).await.unwrap();
        out.push((t, sum));
    }
    out
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn imports_the_real_nrw_sample(pool: PgPool) {
    // A copy in a temp dir: the test writes a second delivery beside it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("NAS-konform.xml");
    // The real sample lives in `shared/` beside the repository, read-only; it is not copied
    // into the repository. The test writes beside what it imports, so it works on a copy.
    const SAMPLE: &str = "shared/data/alkis-samples/nrw/NAS-konform.xml";
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join(SAMPLE))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("the real NAS sample {SAMPLE} is not beside the repository"));
    std::fs::copy(&sample, &path).unwrap();
    let opts = alkis_import::Options::default();
    let report = alkis_import::import(&pool, std::slice::from_ref(&path), &opts)
        .await
        .unwrap();
    assert_eq!(report.tables["parcel"].inserted, 10, "{report:?}");
    assert_eq!(count(&pool, "SELECT count(*) FROM parcel").await, 10);
    let (area, geom_area, ags): (f64, f64, Option<String>) = sqlx::query_as(
        "SELECT official_area_m2, ST_Area(geom), ags::text FROM parcel WHERE kennzeichen = '05439400800028______'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(area, 6850.0);
    assert!((geom_area - 6850.0).abs() < 50.0, "{geom_area}");
    // AGS 05366020 is not one of ours: the municipality row is created with a placeholder.
    assert_eq!(ags.as_deref(), Some("05366020"));
    assert!(
        report.warnings.iter().any(|w| w.contains("05366020")),
        "{:?}",
        report.warnings
    );
    let srid = count(&pool, "SELECT min(ST_SRID(geom))::bigint FROM parcel").await;
    assert_eq!(srid, 25832);

    // The same file again: recognised by its checksum, nothing changes.
    let before = checksums(&pool).await;
    let again = alkis_import::import(&pool, std::slice::from_ref(&path), &opts)
        .await
        .unwrap();
    assert_eq!(again.already_imported, Some(report.batch_id));
    assert_eq!(checksums(&pool).await, before);

    // The same extract in other bytes (a second delivery): merged, but nothing differs.
    let copy = dir.path().join("second.xml");
    let mut text = std::fs::read(&path).unwrap();
    text.extend_from_slice(b"\n");
    std::fs::write(&copy, text).unwrap();
    let second = alkis_import::import(&pool, &[copy], &opts).await.unwrap();
    assert_eq!(second.already_imported, None);
    assert_eq!(
        (second.inserted(), second.updated(), second.deleted()),
        (0, 0, 0),
        "{second:?}"
    );
    let parcels_after: Vec<(String, String)> = checksums(&pool)
        .await
        .into_iter()
        .filter(|(t, _)| t != "import_batch")
        .collect();
    let parcels_before: Vec<(String, String)> = before
        .into_iter()
        .filter(|(t, _)| t != "import_batch")
        .collect();
    assert_eq!(parcels_after, parcels_before);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn imports_a_town_and_its_update_delivery(pool: PgPool) {
    let opts = alkis_import::Options::default();
    let r = alkis_import::import(&pool, &[fixture("alkis/town.xml")], &opts)
        .await
        .unwrap();
    for (table, n) in [
        ("parcel", 2),
        ("building", 2),
        ("address", 2),
        ("street_catalogue", 1),
        ("land_use", 1),
    ] {
        assert_eq!(r.tables[table].inserted, n, "{table}: {r:?}");
    }
    // Relations: building on its parcel, address on its building, address point from it.
    let (street, number, suffix, on_building, parcel): (String, i32, String, bool, String) = sqlx::query_as(
        "SELECT a.street, a.house_number, a.house_suffix, ST_Within(a.geom, b.geom), p.kennzeichen::text
           FROM address a JOIN building b ON b.id = a.building_id JOIN parcel p ON p.id = a.parcel_id
          WHERE a.alkis_id = 'DETHL51000000A01'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (street.as_str(), number, suffix.as_str()),
        ("Lange Straße", 12, "a")
    );
    assert!(on_building);
    assert_eq!(parcel, "16512300100117______");
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM building b JOIN parcel p ON p.id = b.parcel_id"
        )
        .await,
        2
    );
    let (storeys, valid_from): (i16, String) = sqlx::query_as(
        "SELECT storeys, to_char(valid_from AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM building WHERE alkis_id = 'DETHL51000000B01'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((storeys, valid_from.as_str()), (2, "2020-05-04"));

    // The update replaces one building and deletes a parcel and a garage; nothing else moves.
    let address_before: String =
        sqlx::query_scalar("SELECT md5(string_agg(a::text, '|' ORDER BY id)) FROM address a")
            .fetch_one(&pool)
            .await
            .unwrap();
    let u = alkis_import::import(&pool, &[fixture("alkis/update.xml")], &opts)
        .await
        .unwrap();
    assert_eq!(u.tables["building"].updated, 1, "{u:?}");
    assert_eq!(u.tables["building"].deleted, 1, "{u:?}");
    assert_eq!(u.tables["parcel"].deleted, 1, "{u:?}");
    assert_eq!(u.inserted(), 0);
    assert_eq!(
        count(
            &pool,
            "SELECT storeys::bigint FROM building WHERE alkis_id = 'DETHL51000000B01'"
        )
        .await,
        3
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM parcel").await, 1);
    assert_eq!(count(&pool, "SELECT count(*) FROM land_use").await, 1);
    // Address 14 stood on the deleted parcel: its link is cleared, the address itself stays.
    assert_eq!(count(&pool, "SELECT count(*) FROM address").await, 2);
    let address_after: String =
        sqlx::query_scalar("SELECT md5(string_agg(a::text, '|' ORDER BY id)) FROM address a")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_ne!(
        address_before, address_after,
        "parcel link of address 14 must be cleared"
    );

    // The full extract again after the update: it puts back what the update removed.
    let again = alkis_import::import(&pool, &[fixture("alkis/town.zip")], &opts)
        .await
        .unwrap();
    assert_eq!(again.tables["parcel"].inserted, 1, "{again:?}");
    assert_eq!(again.tables["building"].inserted, 1, "{again:?}");
    assert_eq!(again.tables["building"].updated, 1, "{again:?}");
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn zip_and_directory_give_the_same_rows_as_the_file(pool: PgPool) {
    let opts = alkis_import::Options::default();
    alkis_import::import(&pool, &[fixture("alkis/town.zip")], &opts)
        .await
        .unwrap();
    let from_zip = checksums(&pool).await;
    // The plain file holds the same objects: merged without a single change.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("alkis/town.xml"), dir.path().join("town.xml")).unwrap();
    let r = alkis_import::import(&pool, &[dir.path().to_owned()], &opts)
        .await
        .unwrap();
    assert_eq!((r.inserted(), r.updated(), r.deleted()), (0, 0, 0), "{r:?}");
    let strip = |v: Vec<(String, String)>| -> Vec<(String, String)> {
        v.into_iter().filter(|(t, _)| t != "import_batch").collect()
    };
    assert_eq!(strip(checksums(&pool).await), strip(from_zip));
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn a_failure_after_half_the_rows_leaves_nothing(pool: PgPool) {
    let opts = alkis_import::Options::default();
    alkis_import::import(&pool, &[fixture("alkis/town.xml")], &opts)
        .await
        .unwrap();
    let before = checksums(&pool).await;
    // Every object goes to the database on its own (1-byte chunks); the file breaks off
    // two thirds in, after several objects were already loaded into staging.
    let opts = alkis_import::Options {
        chunk_bytes: 1,
        ..alkis_import::Options::default()
    };
    let err = alkis_import::import(&pool, &[fixture("bad/truncated.xml")], &opts)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("truncated.xml") && err.contains("truncated"),
        "{err}"
    );
    assert!(
        opts.progress.position() >= 3,
        "only {} objects were sent",
        opts.progress.position()
    );
    assert_eq!(checksums(&pool).await, before);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn repair_fixes_a_bowtie_and_lists_it(pool: PgPool) {
    let path = fixture("bad/self_intersecting.xml");
    let err = alkis_import::import(
        &pool,
        std::slice::from_ref(&path),
        &alkis_import::Options::default(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("DETHL51000000P04") && err.contains("Self-intersection"),
        "{err}"
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM parcel").await, 0);
    let mut opts = alkis_import::Options::default();
    opts.merge.repair = true;
    let r = alkis_import::import(&pool, &[path], &opts).await.unwrap();
    assert_eq!(r.repairs.len(), 1, "{r:?}");
    assert!(r.repairs[0].at.contains("DETHL51000000P04"));
    assert_eq!(
        count(&pool, "SELECT count(*) FROM parcel WHERE ST_IsValid(geom)").await,
        2
    );
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn utm33_is_reprojected(pool: PgPool) {
    // The town shifted into zone 33 by ogr2ogr-free means: the same numbers, declared UTM33.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("alkis/town.xml"))
        .unwrap()
        .replace("urn:adv:crs:ETRS89_UTM32", "urn:adv:crs:ETRS89_UTM33")
        .replace("647", "247");
    let path = dir.path().join("utm33.xml");
    std::fs::write(&path, text).unwrap();
    alkis_import::import(&pool, &[path], &alkis_import::Options::default())
        .await
        .unwrap();
    let (srid, x): (i32, f64) = sqlx::query_as(
        "SELECT ST_SRID(geom), ST_X(ST_Centroid(geom)) FROM parcel ORDER BY kennzeichen LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(srid, 25832);
    assert!(x > 600_000.0, "x = {x}: not reprojected");
}

/// The catalogue names the Gemarkung and the Gemeinde; the districts derived before a run
/// and the map's place labels carry the Ortsteil's name, not its number.
#[sqlx::test(migrator = "store::MIGRATOR")]
async fn the_catalogue_names_districts_and_towns(pool: PgPool) {
    let opts = alkis_import::Options::default();
    alkis_import::import(&pool, &[fixture("alkis/town.xml")], &opts)
        .await
        .unwrap();
    store::facts::prepare(&pool).await.unwrap();
    let district = "SELECT name FROM district WHERE ags = '16068051' AND gemarkung = 5123";
    let name: String = sqlx::query_scalar(district).fetch_one(&pool).await.unwrap();
    assert_eq!(name, "Gemarkung 5123", "without a catalogue");

    let r = alkis_import::import(&pool, &[fixture("alkis/catalogue.xml")], &opts)
        .await
        .unwrap();
    assert_eq!(r.tables["gemarkung"].inserted, 1, "{r:?}");
    store::facts::prepare(&pool).await.unwrap();
    let name: String = sqlx::query_scalar(district).fetch_one(&pool).await.unwrap();
    assert_eq!(name, "Leubingen");
    let town: String = sqlx::query_scalar("SELECT name FROM municipality WHERE ags = '16068051'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(town, "Sömmerda");
    // The town's only district with addresses is its core: it carries the town's name.
    let labels: Vec<(String, String)> =
        sqlx::query_as("SELECT name, kind FROM published.place_label ORDER BY name")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(labels, [("Sömmerda".to_owned(), "town".to_owned())]);

    // A renamed Gemarkung in a later delivery renames the district.
    let dir = tempfile::tempdir().unwrap();
    let renamed = dir.path().join("renamed.xml");
    let text = std::fs::read_to_string(fixture("alkis/catalogue.xml")).unwrap();
    std::fs::write(&renamed, text.replace("Leubingen", "Alt-Leubingen")).unwrap();
    let r = alkis_import::import(&pool, std::slice::from_ref(&renamed), &opts)
        .await
        .unwrap();
    assert_eq!(r.tables["gemarkung"].updated, 1, "{r:?}");
    store::facts::prepare(&pool).await.unwrap();
    let name: String = sqlx::query_scalar(district).fetch_one(&pool).await.unwrap();
    assert_eq!(name, "Alt-Leubingen");

    // A Gemarkung without a name is refused with its place and field; nothing is stored.
    let before = checksums(&pool).await;
    let nameless = dir.path().join("nameless.xml");
    std::fs::write(
        &nameless,
        text.replace("<bezeichnung>Leubingen</bezeichnung>", "")
            .replace("Sömmerda", "Soemmerda"),
    )
    .unwrap();
    let err = alkis_import::import(&pool, std::slice::from_ref(&nameless), &opts)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("DETHL5000KG05123") && err.contains("bezeichnung"),
        "{err}"
    );
    assert_eq!(checksums(&pool).await, before);
}
