//! The vector importer against a real PostGIS: GeoJSON, a Shapefile in another CRS and a
//! GeoPackage, made from a fixture with ogr2ogr in a temp dir; column mapping; bad layers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use sqlx::PgPool;
use vector_import::{Options, Target};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/fixtures")
        .join(rel)
}

fn ogr2ogr(args: &[&str]) {
    let out = Command::new("ogr2ogr")
        .args(args)
        .output()
        .expect("ogr2ogr (gdal-bin)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn parcel_opts() -> Options {
    let mut o = Options::new(Target::Parcels);
    o.map = [
        "FLSKZ=kennzeichen",
        "OID=alkis_id",
        "FLAECHE=official_area_m2",
        "GEMEINDE=ags",
    ]
    .iter()
    .map(|m| vector_import::parse_map(m).unwrap())
    .collect();
    o
}

async fn parcels(pool: &PgPool) -> Vec<(String, f64, i64, i64)> {
    sqlx::query_as(
        "SELECT kennzeichen::text, official_area_m2, round(ST_X(ST_Centroid(geom)))::bigint, ST_SRID(geom)::bigint
           FROM parcel ORDER BY kennzeichen",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn geojson_with_mapped_columns(pool: PgPool) {
    let r = vector_import::import(&pool, &fixture("vector/parcels.geojson"), &parcel_opts())
        .await
        .unwrap();
    assert_eq!(r.tables["parcel"].inserted, 2, "{r:?}");
    let rows = parcels(&pool).await;
    assert_eq!(
        rows[0],
        ("16512300200001______".to_owned(), 250.5, 647110, 25832)
    );
    // Same file again: a no-op by checksum.
    let again = vector_import::import(&pool, &fixture("vector/parcels.geojson"), &parcel_opts())
        .await
        .unwrap();
    assert_eq!(again.already_imported, Some(r.batch_id));
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn shapefile_in_utm33_is_reprojected(pool: PgPool) {
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("flurstuecke.shp");
    ogr2ogr(&[
        "-f",
        "ESRI Shapefile",
        "-t_srs",
        "EPSG:25833",
        shp.to_str().unwrap(),
        fixture("vector/parcels.geojson").to_str().unwrap(),
    ]);
    let r = vector_import::import(&pool, &shp, &parcel_opts())
        .await
        .unwrap();
    assert_eq!(r.tables["parcel"].inserted, 2, "{r:?}");
    let rows = parcels(&pool).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].2, 647130, "{rows:?}");
    assert_eq!(rows[1].3, 25832);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn geopackage_with_the_documented_columns(pool: PgPool) {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("alkis.gpkg");
    ogr2ogr(&[
        "-f",
        "GPKG",
        "-nln",
        "parcels",
        "-nlt",
        "MULTIPOLYGON",
        "-a_srs",
        "EPSG:25832",
        "-sql",
        "SELECT OID AS alkis_id, FLSKZ AS kennzeichen, GEMEINDE AS ags, CAST(replace(FLAECHE, ',', '.') AS REAL) AS official_area_m2, GEOMETRY FROM parcels",
        "-dialect",
        "SQLITE",
        gpkg.to_str().unwrap(),
        fixture("vector/parcels.geojson").to_str().unwrap(),
    ]);
    let r = vector_import::import(&pool, &gpkg, &Options::new(Target::Parcels))
        .await
        .unwrap();
    assert_eq!(r.tables["parcel"].inserted, 2, "{r:?}");
    assert_eq!(parcels(&pool).await[0].1, 250.5);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn a_missing_column_names_layer_and_column(pool: PgPool) {
    let err = vector_import::import(
        &pool,
        &fixture("bad/parcels_no_kennzeichen.geojson"),
        &parcel_opts(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("parcels_no_kennzeichen.geojson") && err.contains("FLSKZ"),
        "{err}"
    );
}

/// The indexes and constraints of the core tables, to see that an initial load puts back
/// everything it deferred.
async fn schema_objects(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT c.conrelid::regclass || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid) FROM pg_constraint c
          WHERE c.conrelid IN ('parcel'::regclass, 'building'::regclass, 'land_use'::regclass, 'address'::regclass)
         UNION ALL
         SELECT indexdef FROM pg_indexes WHERE tablename IN ('parcel', 'building', 'land_use', 'address')
         UNION ALL
         SELECT tgrelid::regclass || ' trigger ' || tgname || ' ' || tgenabled::text FROM pg_trigger
          WHERE tgrelid IN ('parcel'::regclass, 'building'::regclass, 'land_use'::regclass, 'address'::regclass)
            AND NOT tgisinternal
         ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// A GeoJSON layer of square parcels `(alkis_id, kennzeichen, x)`; `bowtie` draws the last one
/// self-intersecting.
fn square_parcels(dir: &Path, name: &str, parcels: &[(&str, &str, i64)], bowtie: bool) -> PathBuf {
    let features: Vec<String> = parcels
        .iter()
        .enumerate()
        .map(|(i, (id, key, x))| {
            let (x0, x1, y0, y1) = (x, x + 20, 5_669_000, 5_669_030);
            let ring = if bowtie && i + 1 == parcels.len() {
                format!("[[{x0},{y0}],[{x1},{y1}],[{x1},{y0}],[{x0},{y1}],[{x0},{y0}]]")
            } else {
                format!("[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]")
            };
            format!(
                r#"{{"type":"Feature","properties":{{"FLSKZ":"{key}","OID":"{id}","FLAECHE":"600","GEMEINDE":"16068051"}},"geometry":{{"type":"Polygon","coordinates":[{ring}]}}}}"#
            )
        })
        .collect();
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(
            r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"urn:ogc:def:crs:EPSG::25832"}}}},"features":[{}]}}"#,
            features.join(",")
        ),
    )
    .unwrap();
    path
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn an_initial_load_names_the_refused_feature_and_restores_the_schema(pool: PgPool) {
    let before = schema_objects(&pool).await;
    let dir = tempfile::tempdir().unwrap();
    // The unique index on the key is rebuilt after the load; the duplicate fails there.
    let dup = square_parcels(
        dir.path(),
        "dup.geojson",
        &[
            ("DETHL51000000A01", "16512300200001______", 647_100),
            ("DETHL51000000A02", "16512300200001______", 647_200),
        ],
        false,
    );
    let err = vector_import::import(&pool, &dup, &parcel_opts())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("dup.geojson (layer dup, feature "), "{err}");
    assert!(
        err.contains(
            "kennzeichen: Flurstückskennzeichen 16512300200001______ appears more than once"
        ),
        "{err}"
    );
    // The geometry CHECK refuses the bowtie during the insert.
    let bad = square_parcels(
        dir.path(),
        "bowtie.geojson",
        &[
            ("DETHL51000000A01", "16512300200001______", 647_100),
            ("DETHL51000000A02", "16512300200002______", 647_200),
        ],
        true,
    );
    let err = vector_import::import(&pool, &bad, &parcel_opts())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("bowtie.geojson (layer bowtie, feature 1)"),
        "{err}"
    );
    assert!(
        err.contains("geometry: invalid geometry: Self-intersection"),
        "{err}"
    );
    assert!(err.contains("--repair"), "{err}");
    assert_eq!(
        schema_objects(&pool).await,
        before,
        "a failed load changed the schema"
    );
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM parcel")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 0);

    // A good initial load rebuilds every index and constraint it deferred …
    let good = square_parcels(
        dir.path(),
        "good.geojson",
        &[
            ("DETHL51000000A01", "16512300200001______", 647_100),
            ("DETHL51000000A02", "16512300200002______", 647_200),
        ],
        false,
    );
    let r = vector_import::import(&pool, &good, &parcel_opts())
        .await
        .unwrap();
    assert_eq!(r.tables["parcel"].inserted, 2, "{r:?}");
    assert_eq!(schema_objects(&pool).await, before);
    // … and the next delivery into the filled table is merged row by row as before.
    let update = square_parcels(
        dir.path(),
        "update.geojson",
        &[
            ("DETHL51000000A01", "16512300200001______", 647_100),
            ("DETHL51000000A02", "16512300200002______", 647_300),
            ("DETHL51000000A03", "16512300200003______", 647_400),
        ],
        false,
    );
    let r = vector_import::import(&pool, &update, &parcel_opts())
        .await
        .unwrap();
    assert_eq!(
        (r.tables["parcel"].inserted, r.tables["parcel"].updated),
        (1, 1),
        "{r:?}"
    );
    // Into a filled table, the database's own constraint still names the feature.
    let dup2 = square_parcels(
        dir.path(),
        "dup2.geojson",
        &[("DETHL51000000A09", "16512300200003______", 647_900)],
        false,
    );
    let err = vector_import::import(&pool, &dup2, &parcel_opts())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("dup2.geojson (layer dup2, feature 0)"),
        "{err}"
    );
    assert!(
        err.contains("already belongs to parcel DETHL51000000A03"),
        "{err}"
    );
}

/// Parcels in EPSG:25832 go straight into the empty table, with the key parts the trigger
/// would derive; a repeated id names both features; the trigger is back on afterwards.
#[sqlx::test(migrator = "store::MIGRATOR")]
async fn a_direct_load_writes_what_the_trigger_would(pool: PgPool) {
    let dir = tempfile::tempdir().unwrap();
    let before = schema_objects(&pool).await;
    let dup = square_parcels(
        dir.path(),
        "dupid.geojson",
        &[
            ("DETHL51000000A01", "16512300200001______", 647_100),
            ("DETHL51000000A01", "16512300200002______", 647_200),
        ],
        false,
    );
    let err = vector_import::import(&pool, &dup, &parcel_opts())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("dupid.geojson (layer dupid, feature 1): alkis_id: object DETHL51000000A01 appears more than once: ")
            && err.contains("feature 0), "),
        "{err}"
    );
    assert_eq!(schema_objects(&pool).await, before);

    let good = square_parcels(
        dir.path(),
        "good.geojson",
        &[
            ("DETHL51000000A01", "16512300200001______", 647_100),
            ("DETHL51000000A02", "16512300200117000300", 647_200),
        ],
        false,
    );
    let r = vector_import::import(&pool, &good, &parcel_opts())
        .await
        .unwrap();
    assert_eq!(r.tables["parcel"].inserted, 2, "{r:?}");
    let parts: Vec<(String, i16, i16, i32, Option<i16>, i64)> = sqlx::query_as(
        "SELECT kennzeichen::text, gemarkung, flur, zaehler, nenner, import_batch_id FROM parcel ORDER BY kennzeichen",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        parts,
        vec![
            (
                "16512300200001______".to_owned(),
                5123,
                2,
                1,
                None,
                r.batch_id
            ),
            (
                "16512300200117000300".to_owned(),
                5123,
                2,
                117,
                Some(3),
                r.batch_id
            ),
        ]
    );
    // The rows satisfy what the trigger checks: touching each one runs it.
    sqlx::query("UPDATE parcel SET kennzeichen = kennzeichen")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(schema_objects(&pool).await, before);
    let stored: Vec<(i16, i16, i32, Option<i16>)> =
        sqlx::query_as("SELECT gemarkung, flur, zaehler, nenner FROM parcel ORDER BY kennzeichen")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        stored,
        parts
            .iter()
            .map(|p| (p.1, p.2, p.3, p.4))
            .collect::<Vec<_>>()
    );
}

/// A GeoPackage `parcels` layer from GeoJSON features `(alkis_id, kennzeichen, geometry)`.
fn gpkg_parcels(dir: &Path, name: &str, parcels: &[(&str, &str, &str)], extra: &[&str]) -> PathBuf {
    let features: Vec<String> = parcels
        .iter()
        .map(|(id, key, geometry)| {
            format!(
                r#"{{"type":"Feature","properties":{{"kennzeichen":"{key}","alkis_id":"{id}","ags":"16068051","official_area_m2":600.0}},"geometry":{geometry}}}"#
            )
        })
        .collect();
    let json = dir.join(format!("{name}.geojson"));
    std::fs::write(
        &json,
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",")
        ),
    )
    .unwrap();
    let gpkg = dir.join(format!("{name}.gpkg"));
    let mut args = vec!["-f", "GPKG", "-nln", "parcels", "-a_srs", "EPSG:25832"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&[gpkg.to_str().unwrap(), json.to_str().unwrap()]);
    ogr2ogr(&args);
    gpkg
}

/// Every stored column of every parcel, for comparing two loads.
async fn parcel_rows(pool: &PgPool) -> Vec<(String, String, Option<String>, f64, Vec<u8>)> {
    sqlx::query_as(
        "SELECT alkis_id::text, kennzeichen::text, ags::text, official_area_m2, ST_AsEWKB(geom)
           FROM parcel ORDER BY alkis_id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Imports `path` once straight from SQLite and once through GDAL, emptying the tables in
/// between; returns both outcomes (the rows or the error).
async fn both_readers(
    pool: &PgPool,
    path: &Path,
) -> [Result<Vec<(String, String, Option<String>, f64, Vec<u8>)>, String>; 2] {
    let mut out = Vec::new();
    for through_gdal in [false, true] {
        let mut o = Options::new(Target::Parcels);
        o.through_gdal = through_gdal;
        o.merge.repair = false;
        let r = vector_import::import(pool, path, &o).await;
        out.push(match r {
            Ok(_) => Ok(parcel_rows(pool).await),
            Err(e) => Err(e.to_string()),
        });
        sqlx::raw_sql("DELETE FROM parcel; DELETE FROM import_batch;")
            .execute(pool)
            .await
            .unwrap();
    }
    [out.remove(0), out.remove(0)]
}

/// GeoPackages are read straight from SQLite; what lands in the table, and every error, is
/// what reading the same file through GDAL gives: holes, several parts, touching parts,
/// repeated points, Z coordinates, a self-intersection.
#[sqlx::test(migrator = "store::MIGRATOR")]
async fn a_geopackage_read_from_sqlite_loads_what_gdal_reads(pool: PgPool) {
    let dir = tempfile::tempdir().unwrap();
    let square = |x: i64| {
        format!(
            "[[{x},5669000],[{},5669000],[{},5669030],[{x},5669030],[{x},5669000]]",
            x + 20,
            x + 20
        )
    };
    let poly = |rings: &[String]| {
        format!(
            r#"{{"type":"Polygon","coordinates":[{}]}}"#,
            rings.join(",")
        )
    };
    let multi = |polys: &[String]| {
        format!(
            r#"{{"type":"MultiPolygon","coordinates":[{}]}}"#,
            polys
                .iter()
                .map(|p| format!("[{p}]"))
                .collect::<Vec<_>>()
                .join(",")
        )
    };
    let hole = "[[647105,5669005],[647110,5669005],[647110,5669010],[647105,5669005]]".to_owned();
    let good = [
        ("DETHL51000000A01", "16512300200001______", poly(&[square(647_100), hole])),
        ("DETHL51000000A02", "16512300200002______", multi(&[square(647_200), square(647_300)])),
        // Overlapping bounding boxes, disjoint parts: GEOS decides.
        (
            "DETHL51000000A03",
            "16512300200003______",
            multi(&[
                "[[647500,5669000],[647520,5669000],[647500,5669020],[647500,5669000]]".to_owned(),
                "[[647520,5669005],[647520,5669030],[647505,5669030],[647520,5669005]]".to_owned(),
            ]),
        ),
        (
            "DETHL51000000A04",
            "16512300200004______",
            poly(&["[[647540,5669000],[647560,5669000],[647560,5669000],[647560,5669030],[647540,5669000]]".to_owned()]),
        ),
        ("DETHL51000000A05", "16512300200005______", poly(&[square(647_600)])),
    ];
    let rows: Vec<(&str, &str, &str)> = good.iter().map(|(a, b, c)| (*a, *b, c.as_str())).collect();
    for (name, extra) in [
        ("multi", &["-nlt", "MULTIPOLYGON"][..]),
        ("plain", &[][..]),
        ("z", &["-nlt", "MULTIPOLYGON", "-dim", "XYZ"][..]),
    ] {
        let gpkg = gpkg_parcels(dir.path(), name, &rows, extra);
        let [sqlite, gdal] = both_readers(&pool, &gpkg).await;
        let loaded = sqlite.clone().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(loaded.len(), 5, "{name}");
        assert_eq!(sqlite, gdal, "{name}");
    }
    // Parts that share an edge make an invalid multipolygon, whichever reader finds it.
    let mut bad = rows.clone();
    let touching = multi(&[square(647_700), square(647_720)]);
    bad.push(("DETHL51000000A06", "16512300200006______", &touching));
    let gpkg = gpkg_parcels(dir.path(), "touching", &bad, &["-nlt", "MULTIPOLYGON"]);
    let [sqlite, gdal] = both_readers(&pool, &gpkg).await;
    let err = sqlite.clone().unwrap_err();
    assert!(
        err.contains("touching.gpkg (layer parcels, feature 6)"),
        "{err}"
    );
    assert!(err.contains("--repair"), "{err}");
    assert_eq!(sqlite, gdal);
}

/// `alkis_id, street_key, house_number, house_suffix, postcode, EWKB`.
type AddressRow = (String, String, i32, String, Option<String>, Vec<u8>);

/// Address points from a GeoPackage: both readers store the same rows, and a point without
/// coordinates is refused by both.
#[sqlx::test(migrator = "store::MIGRATOR")]
async fn geopackage_addresses_read_from_sqlite_match_gdal(pool: PgPool) {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("addresses.geojson");
    std::fs::write(
        &json,
        r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"alkis_id":"DETHL51000000L01","street":"Marktstr.","house_number":"12a","postcode":"99610"},"geometry":{"type":"Point","coordinates":[647110.5,5669010.25]}},
          {"type":"Feature","properties":{"alkis_id":"DETHL51000000L02","street":"Marktstraße","house_number":"14","postcode":null},"geometry":{"type":"Point","coordinates":[647130,5669020,42]}}
        ]}"#,
    )
    .unwrap();
    let gpkg = dir.path().join("addresses.gpkg");
    ogr2ogr(&[
        "-f",
        "GPKG",
        "-nln",
        "addresses",
        "-a_srs",
        "EPSG:25832",
        gpkg.to_str().unwrap(),
        json.to_str().unwrap(),
    ]);
    let mut seen = Vec::new();
    for through_gdal in [false, true] {
        let mut o = Options::new(Target::Addresses);
        o.through_gdal = through_gdal;
        vector_import::import(&pool, &gpkg, &o).await.unwrap();
        let rows: Vec<AddressRow> = sqlx::query_as(
            "SELECT alkis_id::text, street_key, house_number, house_suffix, postcode::text, ST_AsEWKB(geom)
               FROM address ORDER BY alkis_id",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(rows.len(), 2);
        seen.push(rows);
        sqlx::raw_sql("DELETE FROM address; DELETE FROM import_batch;")
            .execute(&pool)
            .await
            .unwrap();
    }
    assert_eq!(seen[0], seen[1]);

    let empty = dir.path().join("empty.gpkg");
    ogr2ogr(&["-f", "GPKG", "-nln", "addresses", "-a_srs", "EPSG:25832", "-dialect", "SQLITE",
        "-sql", "SELECT alkis_id, street, house_number, CASE WHEN alkis_id = 'DETHL51000000L02' THEN ST_GeomFromText('POINT EMPTY') ELSE geom END AS geom FROM addresses",
        empty.to_str().unwrap(), gpkg.to_str().unwrap()]);
    for through_gdal in [false, true] {
        let mut o = Options::new(Target::Addresses);
        o.through_gdal = through_gdal;
        let err = vector_import::import(&pool, &empty, &o)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("feature 2): geometry: the geometry is empty or missing"),
            "{err}"
        );
    }
}
