//! Facts in, verdicts out: what the analysis reads from PostGIS and how a run is stored and
//! compared, on a tiny hand-made town.

// Helpers of a test fail loudly: unwrap and expect are what they are for.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use model::{Confidence, Subject, Suitability, SuitabilityPart, VacancyClass, Verdict};
use sqlx::PgPool;
use store::runs::VerdictRow;

/// The facts of the town in `fixtures/town.sql`, read one query after the other (the
/// pipeline's own reading of them, in parallel and with land use, is tested in
/// crates/pipeline/tests).
async fn facts(pool: &PgPool) -> (store::facts::BuildingSide, Vec<model::facts::ParcelFacts>) {
    let side = store::facts::load_buildings(pool).await.unwrap();
    let (parcels, _) = store::facts::load_parcels(pool).await.unwrap();
    (side, parcels)
}

fn verdict(subject: Subject, class: VacancyClass) -> Verdict {
    Verdict::new(subject, class, 1.0, Confidence::new(0.7).unwrap(), vec![]).unwrap()
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn runs_are_stored_and_compared(pool: PgPool) {
    let (side, parcels) = facts(&pool).await;
    let b = &side.buildings[0];
    let (p0, p1) = (&parcels[0], &parcels[1]);
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
        &side.input_batches,
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
        &side.input_batches,
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

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn a_failing_run_leaves_nothing(pool: PgPool) {
    let (side, parcels) = facts(&pool).await;
    let b = &side.buildings[0];
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
                id: parcels[0].id,
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

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn a_run_waits_for_and_fails_with_the_work_it_relies_on(pool: PgPool) {
    let (side, _) = facts(&pool).await;
    let b = &side.buildings[0];
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
        &[],
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
        &[],
        [row()],
        async { Ok(()) },
    )
    .await
    .unwrap();
    assert_eq!(store::runs::latest_runs(&pool).await.unwrap(), vec![run]);
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn a_run_stores_the_suitability_of_its_plots(pool: PgPool) {
    store::facts::prepare(&pool).await.unwrap();
    let (side, parcels) = facts(&pool).await;
    // No town hall, school or shop: the town's centre is the middle of its addresses.
    let points = store::facts::amenities(&pool).await.unwrap();
    assert_eq!(
        points,
        store::facts::Amenities {
            centres: vec![geo_types::Point::new(600_010.0, 5_670_010.0)],
            ..Default::default()
        }
    );

    let (p0, p1) = (&parcels[0], &parcels[1]);
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
        &side.input_batches,
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

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn town_halls_schools_and_shops_are_points_of_interest(pool: PgPool) {
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

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn the_copy_of_area_stats_names_every_column_of_its_table_in_order(pool: PgPool) {
    let columns: Vec<String> = sqlx::query_scalar(
        "SELECT column_name::text FROM information_schema.columns
          WHERE table_schema = 'public' AND table_name = 'area_stats' ORDER BY ordinal_position",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let copied: Vec<&str> = store::area_stats::columns().collect();
    assert_eq!(columns, copied);
}

#[sqlx::test(migrator = "store::MIGRATOR", fixtures("town"))]
async fn a_run_stores_its_figures_per_town_and_district_for_the_public_view(pool: PgPool) {
    store::facts::prepare(&pool).await.unwrap();
    let (side, parcels) = facts(&pool).await;
    let district = parcels[0].district_id.unwrap();
    let ags = parcels[0].ags;
    let town = store::area_stats::AreaStatsRow {
        ags,
        buildings: 1,
        addresses: 1,
        ..Default::default()
    };
    let figures = store::area_stats::AreaStatsRow {
        ags,
        district_id: Some(district),
        buildings: 7,
        addresses: 6,
        dwellings: 12,
        vacant_dwellings: 3,
        vacant: 2,
        partly_vacant: 1,
        risk: 1,
        unknown: 0,
        vacancy_rate: 0.25,
        gaps: 1,
        gap_area_ha: 0.04,
        potential_dwellings: 2.345,
        brownfields: 0,
        brownfield_area_ha: 0.0,
        underused: 1,
        forecast_5y: 0.44,
        forecast_10y: 0.96,
        public: true,
    };
    let v = verdict(
        Subject::Building(side.buildings[0].alkis_id.clone()),
        VacancyClass::Vacant,
    );
    let run = store::runs::save_run_after(
        &pool,
        &serde_json::json!({"as_of": "2025-01-01"}),
        &side.input_batches,
        &serde_json::json!([]),
        &[town, figures],
        [VerdictRow::Building {
            id: side.buildings[0].id,
            verdict: &v,
        }],
        async { Ok(()) },
    )
    .await
    .unwrap();
    type Stored = (Option<String>, Option<i64>, i32, f64, bool);
    let stored: Vec<Stored> = sqlx::query_as(
        "SELECT ags::text, district_id, buildings, potential_dwellings, public
           FROM area_stats WHERE run_id = $1 ORDER BY district_id NULLS FIRST",
    )
    .bind(run)
    .fetch_all(&pool)
    .await
    .unwrap();
    let ags = ags.map(|a| a.to_string());
    assert_eq!(
        stored,
        vec![
            (ags.clone(), None, 1, 0.0, false),
            (ags.clone(), Some(district), 7, 2.345, true),
        ]
    );

    // The public view shows the district (not the town), rounded, with the run's day.
    type Public = (
        i64,
        String,
        bool,
        Option<i32>,
        Option<f64>,
        Option<f64>,
        chrono::NaiveDate,
    );
    let public: Vec<Public> = sqlx::query_as(
        "SELECT id, district, suppressed, vacant, vacancy_rate, potential_dwellings, last_verified
           FROM published.district_stats",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        public,
        vec![(
            district,
            "Sömmerda".to_owned(),
            false,
            Some(2),
            Some(0.25),
            Some(2.3),
            chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()
        )]
    );

    // The figures belong to the run.
    sqlx::query("DELETE FROM analysis_run WHERE id = $1")
        .bind(run)
        .execute(&pool)
        .await
        .unwrap();
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM area_stats")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

/// `published.district_stats` reads `area_stats` since migration 0016, with the columns it
/// had when it parsed the run's JSON (0008): same names, order and types.
#[sqlx::test(migrator = "store::MIGRATOR")]
async fn the_public_district_figures_keep_their_columns(pool: PgPool) {
    let columns: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name::text, udt_name::text FROM information_schema.columns
          WHERE table_schema = 'published' AND table_name = 'district_stats'
          ORDER BY ordinal_position",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let expected = [
        ("id", "int8"),
        ("district", "text"),
        ("ags", "text"),
        ("town", "text"),
        ("suppressed", "bool"),
        ("addresses", "int4"),
        ("buildings", "int4"),
        ("dwellings", "int4"),
        ("vacant", "int4"),
        ("partly_vacant", "int4"),
        ("risk", "int4"),
        ("vacancy_rate", "float8"),
        ("gaps", "int4"),
        ("gap_area_ha", "float8"),
        ("potential_dwellings", "float8"),
        ("brownfields", "int4"),
        ("forecast_5y", "float8"),
        ("forecast_10y", "float8"),
        ("last_verified", "date"),
        ("geom", "geometry"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(c, t)| (c.to_string(), t.to_string()))
        .collect();
    assert_eq!(columns, expected);
    // No published view takes figures out of the run's JSON summary any more.
    let parsing: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'published' AND c.relkind = 'v'
            AND pg_get_viewdef(c.oid) ~ 'summary|jsonb_array_elements|jsonb_to_record'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(parsing.is_empty(), "{parsing:?}");
}
