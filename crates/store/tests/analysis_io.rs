//! Facts in, verdicts out: what the analysis reads from PostGIS and how a run is stored and
//! compared, on a tiny hand-made town.

// Helpers of a test fail loudly: unwrap and expect are what they are for.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use model::{Confidence, Subject, Suitability, SuitabilityPart, VacancyClass, Verdict};
use sqlx::PgPool;
use store::runs::VerdictRow;

fn square(x: f64, y: f64, size: f64) -> String {
    format!(
        "MULTIPOLYGON((({x} {y},{x2} {y},{x2} {y2},{x} {y2},{x} {y})))",
        x2 = x + size,
        y2 = y + size
    )
}

async fn town(pool: &PgPool) {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("INSERT INTO gemarkung (land, nummer, name) VALUES (16, 4101, 'Sömmerda')")
        .execute(&mut *tx)
        .await
        .unwrap();
    for (i, x) in [0.0, 20.0].into_iter().enumerate() {
        sqlx::query(
            "INSERT INTO parcel (alkis_id, kennzeichen, ags, official_area_m2, geom)
             VALUES ($1, $2, '16068051', 400, ST_GeomFromText($3, 25832))",
        )
        .bind(format!("DETHL5100000000{i}"))
        .bind(format!("16410100100{:03}______", i + 1))
        .bind(square(600_000.0 + x, 5_670_000.0, 20.0))
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO land_use (alkis_id, class, geom)
         VALUES ('DETHL53000000001', 'AX_Wohnbauflaeche', ST_GeomFromText($1, 25832))",
    )
    .bind(square(599_990.0, 5_669_990.0, 100.0))
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO building (alkis_id, function_code, storeys, geom, parcel_id)
         SELECT 'DETHL52000000001', 1010, 2, ST_GeomFromText($1, 25832), id
           FROM parcel WHERE alkis_id = 'DETHL51000000000'",
    )
    .bind(square(600_005.0, 5_670_005.0, 10.0))
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::raw_sql(
        "INSERT INTO address (ags, street, street_key, house_number, building_id)
           SELECT '16068051', 'Marktstraße', 'marktstraße', 1, id FROM building;
         INSERT INTO import_batch (kind, source, checksum, finished_at)
           VALUES ('residents', 'ewo.csv', repeat('a', 64), now());
         INSERT INTO resident_count (address_id, reference_date, age_0_17, age_18_64, age_65_74,
                                     age_75_plus, import_batch_id)
           SELECT a.id, '2024-12-31', 0, 0, 0, 2, b.id FROM address a, import_batch b;
         INSERT INTO resident_count (address_id, reference_date, age_0_17, age_18_64, age_65_74,
                                     age_75_plus, import_batch_id)
           SELECT a.id, '2020-12-31', 1, 2, 0, 0, b.id FROM address a, import_batch b;",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn facts_are_gathered_per_building_and_parcel(pool: PgPool) {
    town(&pool).await;
    // One district for the Gemarkung of both parcels; preparing twice changes nothing.
    assert_eq!(store::facts::prepare(&pool).await.unwrap(), 1);
    assert_eq!(store::facts::prepare(&pool).await.unwrap(), 0);
    let facts = store::facts::load(&pool).await.unwrap();

    assert!(facts.coverage.residents && !facts.coverage.electricity);
    assert_eq!(facts.buildings.len(), 1);
    let b = &facts.buildings[0];
    assert!((b.footprint_m2 - 100.0).abs() < 1e-6);
    assert_eq!(b.addresses.len(), 1);
    assert_eq!(b.addresses[0].label, "Marktstraße 1");
    // The newest reference date wins.
    assert_eq!(b.addresses[0].residents.unwrap().bands, [0, 0, 0, 2]);

    assert_eq!(facts.parcels.len(), 2);
    let p = &facts.parcels[0];
    assert_eq!(p.outline.0[0].exterior().0.len(), 5);
    // The land use is looked up by the caller at the parcel's inner point; nothing is
    // stored yet, so both parcels are to be written.
    assert_eq!(
        facts.places.inner_points[0],
        Some(geo_types::Point::new(600_010.0, 5_670_010.0))
    );
    assert_eq!(facts.places.stored_land_use, vec![None, None]);
    let areas = store::facts::land_use_areas(&pool).await.unwrap();
    assert_eq!(areas.len(), 1);
    assert_eq!(
        (areas[0].class.as_str(), areas[0].zustand),
        ("AX_Wohnbauflaeche", None)
    );
    let class = |_| Some(areas[0].class.as_str());
    let changes = facts.places.changes(&facts.parcels, class);
    assert_eq!(changes.len(), 2);
    assert_eq!(
        store::facts::store_places(&pool, &changes).await.unwrap(),
        2
    );
    let stored = store::facts::load(&pool).await.unwrap();
    assert_eq!(
        stored.places.stored_land_use,
        vec![Some("AX_Wohnbauflaeche".to_owned()); 2]
    );
    assert_eq!(stored.places.stored_district, vec![p.district_id; 2]);
    assert!(stored.places.changes(&stored.parcels, class).is_empty());
    assert_eq!(store::facts::store_places(&pool, &[]).await.unwrap(), 0);
    let names = store::facts::area_names(&pool).await.unwrap();
    assert_eq!(
        names
            .districts
            .get(&p.district_id.unwrap())
            .map(String::as_str),
        Some("Sömmerda")
    );
    assert_eq!(names.towns.len(), 4, "the alliance's towns are known");
    assert_eq!(facts.input_batches.len(), 1);
}

fn verdict(subject: Subject, class: VacancyClass) -> Verdict {
    Verdict::new(subject, class, 1.0, Confidence::new(0.7).unwrap(), vec![]).unwrap()
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn runs_are_stored_and_compared(pool: PgPool) {
    town(&pool).await;
    let facts = store::facts::load(&pool).await.unwrap();
    let b = &facts.buildings[0];
    let (p0, p1) = (&facts.parcels[0], &facts.parcels[1]);
    let params = serde_json::json!({"as_of": "2025-01-01"});

    let first = [
        verdict(
            Subject::Building(b.alkis_id.clone()),
            VacancyClass::Occupied,
        ),
        verdict(
            Subject::Parcel(p1.alkis_id.clone()),
            VacancyClass::BuildingGap,
        ),
    ];
    let run1 = store::runs::save_run(
        &pool,
        &params,
        &facts.input_batches,
        &serde_json::json!([]),
        [
            VerdictRow::Building {
                id: b.id,
                verdict: &first[0],
            },
            VerdictRow::Parcel {
                id: p1.id,
                verdict: &first[1],
                suitability: None,
            },
        ],
    )
    .await
    .unwrap();
    let second = [
        verdict(Subject::Building(b.alkis_id.clone()), VacancyClass::Risk),
        verdict(
            Subject::Parcel(p0.alkis_id.clone()),
            VacancyClass::Underused,
        ),
    ];
    let run2 = store::runs::save_run(
        &pool,
        &params,
        &facts.input_batches,
        &serde_json::json!([]),
        [
            VerdictRow::Building {
                id: b.id,
                verdict: &second[0],
            },
            VerdictRow::Parcel {
                id: p0.id,
                verdict: &second[1],
                suitability: None,
            },
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        store::runs::latest_runs(&pool).await.unwrap(),
        vec![run2, run1]
    );

    let changes = store::runs::compare(&pool, run1, run2).await.unwrap();
    let seen: Vec<(&str, Option<&str>, Option<&str>)> = changes
        .iter()
        .map(|c| (c.kind.as_str(), c.before.as_deref(), c.after.as_deref()))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("building", Some("occupied"), Some("risk")),
            ("parcel", None, Some("underused")),
            ("parcel", Some("building_gap"), None),
        ]
    );
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM verdict")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, 4);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn a_failing_run_leaves_nothing(pool: PgPool) {
    town(&pool).await;
    let facts = store::facts::load(&pool).await.unwrap();
    let b = &facts.buildings[0];
    // A building class on a parcel id violates the verdict constraints: the whole run fails.
    let v = verdict(Subject::Building(b.alkis_id.clone()), VacancyClass::Vacant);
    let err = store::runs::save_run(
        &pool,
        &serde_json::json!({}),
        &[],
        &serde_json::json!([]),
        [
            VerdictRow::Building {
                id: b.id,
                verdict: &v,
            },
            VerdictRow::Parcel {
                id: facts.parcels[0].id,
                verdict: &v,
                suitability: None,
            },
        ],
    )
    .await;
    assert!(err.is_err());
    let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM analysis_run")
        .fetch_one(&pool)
        .await
        .unwrap();
    let verdicts: i64 = sqlx::query_scalar("SELECT count(*) FROM verdict")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!((runs, verdicts), (0, 0));
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn a_run_waits_for_and_fails_with_the_work_it_relies_on(pool: PgPool) {
    town(&pool).await;
    let facts = store::facts::load(&pool).await.unwrap();
    let b = &facts.buildings[0];
    let v = verdict(Subject::Building(b.alkis_id.clone()), VacancyClass::Vacant);
    let row = || VerdictRow::Building {
        id: b.id,
        verdict: &v,
    };
    let failed = store::runs::save_run_after(
        &pool,
        &serde_json::json!({}),
        &[],
        &serde_json::json!([]),
        [row()],
        async {
            Err(store::StoreError::Data {
                operation: "storing land use",
                detail: "gone".to_owned(),
            })
        },
    )
    .await;
    assert!(failed.is_err());
    let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM analysis_run")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(runs, 0);
    let run = store::runs::save_run_after(
        &pool,
        &serde_json::json!({}),
        &[],
        &serde_json::json!([]),
        [row()],
        async { Ok(()) },
    )
    .await
    .unwrap();
    assert_eq!(store::runs::latest_runs(&pool).await.unwrap(), vec![run]);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn a_run_stores_the_suitability_of_its_plots(pool: PgPool) {
    town(&pool).await;
    store::facts::prepare(&pool).await.unwrap();
    let facts = store::facts::load(&pool).await.unwrap();
    // No town hall, school or shop: the town's centre is the middle of its addresses.
    let points = store::facts::amenities(&pool).await.unwrap();
    assert_eq!(
        points,
        store::facts::Amenities {
            centres: vec![geo_types::Point::new(600_010.0, 5_670_010.0)],
            ..Default::default()
        }
    );

    let (p0, p1) = (&facts.parcels[0], &facts.parcels[1]);
    let gap = verdict(
        Subject::Parcel(p1.alkis_id.clone()),
        VacancyClass::BuildingGap,
    );
    let underused = verdict(
        Subject::Parcel(p0.alkis_id.clone()),
        VacancyClass::Underused,
    );
    let suitability = Suitability {
        score: 0.625,
        parts: vec![
            SuitabilityPart {
                name: "size_m2",
                value: 400.0,
                score: 1.0,
                weight: 0.5,
            },
            SuitabilityPart {
                name: "school_m",
                value: f64::INFINITY,
                score: 0.25,
                weight: 0.5,
            },
        ],
    };
    let run = store::runs::save_run(
        &pool,
        &serde_json::json!({}),
        &facts.input_batches,
        &serde_json::json!([]),
        [
            VerdictRow::Parcel {
                id: p1.id,
                verdict: &gap,
                suitability: Some(&suitability),
            },
            VerdictRow::Parcel {
                id: p0.id,
                verdict: &underused,
                suitability: None,
            },
        ],
    )
    .await
    .unwrap();

    let rows: Vec<(i64, f32, serde_json::Value)> =
        sqlx::query_as("SELECT parcel_id, score, parts FROM plot_suitability WHERE run_id = $1")
            .bind(run)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(rows.len(), 1);
    let (parcel, score, parts) = &rows[0];
    assert_eq!((*parcel, *score), (p1.id, 0.625));
    assert_eq!(
        parts,
        &serde_json::json!([
            {"name": "size_m2", "value": 400.0, "score": 1.0, "weight": 0.5},
            {"name": "school_m", "value": null, "score": 0.25, "weight": 0.5},
        ])
    );
    // The verdicts went in with their confidence and evidence.
    let (confidence, evidence): (f32, serde_json::Value) = sqlx::query_as(
        "SELECT confidence, evidence FROM verdict WHERE run_id = $1 AND parcel_id = $2",
    )
    .bind(run)
    .bind(p1.id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((confidence, evidence), (0.7, serde_json::json!([])));

    // Suitability belongs to the run: deleting the run removes it.
    sqlx::query("DELETE FROM analysis_run WHERE id = $1")
        .bind(run)
        .execute(&pool)
        .await
        .unwrap();
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM plot_suitability")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn town_halls_schools_and_shops_are_points_of_interest(pool: PgPool) {
    town(&pool).await;
    sqlx::raw_sql(
        "INSERT INTO building (alkis_id, function_code, geom) VALUES
           ('DETHL52000000002', 3012, ST_GeomFromText('MULTIPOLYGON(((600100 5670000,600110 5670000,600110 5670010,600100 5670010,600100 5670000)))', 25832)),
           ('DETHL52000000003', 3021, ST_GeomFromText('MULTIPOLYGON(((600200 5670000,600210 5670000,600210 5670010,600200 5670010,600200 5670000)))', 25832)),
           ('DETHL52000000004', 2054, ST_GeomFromText('MULTIPOLYGON(((600300 5670000,600310 5670000,600310 5670010,600300 5670010,600300 5670000)))', 25832));
         INSERT INTO land_use (alkis_id, class, function_code, geom) VALUES
           ('DETHL53000000002', 'AX_IndustrieUndGewerbeflaeche', 1400, ST_GeomFromText('MULTIPOLYGON(((600400 5670000,600420 5670000,600420 5670020,600400 5670020,600400 5670000)))', 25832));",
    )
    .execute(&pool)
    .await
    .unwrap();
    store::facts::prepare(&pool).await.unwrap();
    let points = store::facts::amenities(&pool).await.unwrap();
    let xy = |v: &[geo_types::Point<f64>]| -> Vec<(f64, f64)> {
        v.iter().map(|p| (p.x(), p.y())).collect()
    };
    // The town hall stands on no parcel, so no town knows it as its own: the town gets the
    // public building nearest to the middle of its largest district, the same town hall.
    assert_eq!(xy(&points.schools), vec![(600_205.0, 5_670_005.0)]);
    assert_eq!(
        xy(&points.shops),
        vec![(600_305.0, 5_670_005.0), (600_410.0, 5_670_010.0)]
    );
    assert_eq!(xy(&points.centres), vec![(600_105.0, 5_670_005.0); 2]);
}
