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
