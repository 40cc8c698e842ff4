//! The analysis run that `leerstand analyze` makes, called as a library on the tiny town of
//! crates/store/tests/fixtures/town.sql in a fresh PostGIS database.

// Helpers of a test fail loudly: unwrap and expect are what they are for.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use analysis::AnalysisConfig;
use chrono::NaiveDate;
use model::LandUseClass;
use pipeline::PipelineError;
use sqlx::PgPool;

fn config() -> AnalysisConfig {
    AnalysisConfig {
        as_of: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
        ..AnalysisConfig::default()
    }
}

async fn count(pool: &PgPool, sql: &str, run: i64) -> usize {
    let n: i64 = sqlx::query_scalar(sql)
        .bind(run)
        .fetch_one(pool)
        .await
        .unwrap();
    usize::try_from(n).unwrap()
}

#[sqlx::test(
    migrator = "store::MIGRATOR",
    fixtures(path = "../../store/tests/fixtures", scripts("town"))
)]
async fn facts_are_gathered_per_building_and_parcel(pool: PgPool) {
    // One district for the Gemarkung of both parcels; preparing twice changes nothing.
    assert_eq!(store::facts::prepare(&pool).await.unwrap(), 1);
    assert_eq!(store::facts::prepare(&pool).await.unwrap(), 0);
    let inputs = pipeline::read(&pool).await.unwrap();
    let areas = &inputs.land_use_areas;
    assert_eq!(areas.len(), 1);
    assert_eq!(
        (areas[0].class.as_str(), areas[0].zustand),
        ("AX_Wohnbauflaeche", None)
    );
    let located = inputs.locate();
    let facts = &located.facts;

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
    // The land use is found at the parcel's inner point; nothing is stored yet, so both
    // parcels are to be written.
    assert_eq!(
        facts.places.inner_points[0],
        Some(geo_types::Point::new(600_010.0, 5_670_010.0))
    );
    assert!(p.land_use.is_some());
    assert_eq!(
        p.land_use,
        LandUseClass::from_feature_type("AX_Wohnbauflaeche").ok()
    );
    assert_eq!(facts.places.stored_land_use, vec![None, None]);
    assert_eq!(located.changes.len(), 2);
    assert_eq!(
        store::facts::store_places(&pool, &located.changes)
            .await
            .unwrap(),
        2
    );
    let stored = pipeline::read(&pool).await.unwrap().locate();
    assert_eq!(
        stored.facts.places.stored_land_use,
        vec![Some("AX_Wohnbauflaeche".to_owned()); 2]
    );
    assert_eq!(stored.facts.places.stored_district, vec![p.district_id; 2]);
    assert!(stored.changes.is_empty());
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

#[sqlx::test(
    migrator = "store::MIGRATOR",
    fixtures(path = "../../store/tests/fixtures", scripts("town"))
)]
async fn a_run_stores_what_it_reports(pool: PgPool) {
    let report = pipeline::analyze(&pool, &config()).await.unwrap();
    assert_eq!(report.as_of, config().as_of);
    assert_eq!(report.districts, 1);
    assert_eq!(
        (report.outcome.buildings.len(), report.facts.parcels.len()),
        (1, 2)
    );

    // Every verdict of the report is stored with the run, and nothing else.
    let buildings = count(
        &pool,
        "SELECT count(*) FROM verdict WHERE run_id = $1 AND building_id IS NOT NULL",
        report.run,
    )
    .await;
    let parcels = count(
        &pool,
        "SELECT count(*) FROM verdict WHERE run_id = $1 AND parcel_id IS NOT NULL",
        report.run,
    )
    .await;
    assert_eq!(
        (buildings, parcels),
        (report.outcome.buildings.len(), report.outcome.parcels.len())
    );
    let stored: Vec<(String,)> = sqlx::query_as(
        "SELECT v.class FROM verdict v JOIN building b ON b.id = v.building_id
          WHERE v.run_id = $1",
    )
    .bind(report.run)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        stored[0].0,
        report.outcome.buildings[0].verdict.class.as_str()
    );
    let suitable = count(
        &pool,
        "SELECT count(*) FROM plot_suitability WHERE run_id = $1",
        report.run,
    )
    .await;
    assert_eq!(suitable, report.suitability.len());

    // The figures: one row per town and district of the report, typed, read back equal.
    assert!(report.stats.iter().any(|s| s.district_id.is_none()));
    assert!(report.stats.iter().any(|s| s.district_id.is_some()));
    let rows: Vec<(Option<i64>, i32, i32, f64, bool)> = sqlx::query_as(
        "SELECT district_id, buildings, addresses, vacancy_rate, public FROM area_stats
          WHERE run_id = $1 ORDER BY district_id NULLS FIRST",
    )
    .bind(report.run)
    .fetch_all(&pool)
    .await
    .unwrap();
    let expected: Vec<(Option<i64>, i32, i32, f64, bool)> = report
        .stats
        .iter()
        .map(|s| {
            (
                s.district_id,
                i32::try_from(s.buildings).unwrap(),
                i32::try_from(s.addresses).unwrap(),
                s.vacancy_rate,
                s.public,
            )
        })
        .collect();
    assert_eq!(rows, expected);
    // The run keeps its summary for the notebooks.
    let summary: serde_json::Value =
        sqlx::query_scalar("SELECT summary FROM analysis_run WHERE id = $1")
            .bind(report.run)
            .fetch_one(&pool)
            .await
            .unwrap();
    // (jsonb keeps numbers as numeric: compare the whole numbers.)
    let keys = |v: &serde_json::Value| -> Vec<(serde_json::Value, serde_json::Value)> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| (s["district_id"].clone(), s["addresses"].clone()))
            .collect()
    };
    assert_eq!(
        keys(&summary),
        keys(&serde_json::to_value(&report.stats).unwrap())
    );

    // The public view shows the district, its figures withheld (one address, not five).
    let district = report.facts.parcels[0].district_id.unwrap();
    let public: Vec<(i64, bool, Option<i32>)> =
        sqlx::query_as("SELECT id, suppressed, addresses FROM published.district_stats")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(public, vec![(district, true, None)]);

    // The land use found was stored with the parcels.
    let land_use: Vec<Option<String>> =
        sqlx::query_scalar("SELECT land_use FROM parcel ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(land_use, vec![Some("AX_Wohnbauflaeche".to_owned()); 2]);

    // A second run over the same facts: a new run, nothing changed, the view follows it.
    assert!(pipeline::compare_latest(&pool).await.unwrap().is_none());
    let again = pipeline::analyze(&pool, &config()).await.unwrap();
    assert!(again.run > report.run);
    assert_eq!(again.districts, 0);
    assert_eq!(again.stats, report.stats);
    let comparison = pipeline::compare_latest(&pool).await.unwrap().unwrap();
    assert_eq!(
        (comparison.older, comparison.newer),
        (report.run, again.run)
    );
    assert!(comparison.changes.is_empty());
    assert_eq!(
        (
            comparison.new_count(),
            comparison.resolved_count(),
            comparison.changed_count()
        ),
        (0, 0, 0)
    );
    // Each run keeps its own figures.
    for run in [report.run, again.run] {
        let rows = count(
            &pool,
            "SELECT count(*) FROM area_stats WHERE run_id = $1",
            run,
        )
        .await;
        assert_eq!(rows, report.stats.len());
    }
}

#[sqlx::test(
    migrator = "store::MIGRATOR",
    fixtures(path = "../../store/tests/fixtures", scripts("town"))
)]
async fn a_run_is_scored_against_ground_truth(pool: PgPool) {
    let report = pipeline::analyze(&pool, &config()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let truth = dir.path().join("truth.csv");
    let building = report.outcome.buildings[0].verdict.class.as_str();
    std::fs::write(
        &truth,
        format!(
            "kind,alkis_id,class\n\
             building,DETHL52000000001,{building}\n\
             building,DETHL52000000009,vacant\n\
             parcel,DETHL51000000000,vacant_building_plot\n"
        ),
    )
    .unwrap();
    let scores = pipeline::evaluate(&report, &truth).unwrap();
    // The building judged is right; the one the run never saw is missing.
    assert_eq!(
        scores
            .buildings
            .confusion
            .get(&(building.to_owned(), building.to_owned())),
        Some(&1)
    );
    assert_eq!(
        scores
            .buildings
            .confusion
            .get(&("vacant".to_owned(), "missing".to_owned())),
        Some(&1)
    );
    assert_eq!(scores.parcels.confusion.values().sum::<usize>(), 1);

    std::fs::write(&truth, "kind,alkis_id\nbuilding,DETHL52000000001\n").unwrap();
    let err = pipeline::evaluate(&report, &truth).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{}: no column \"class\"", truth.display())
    );
    std::fs::write(
        &truth,
        "kind,alkis_id,class\nhouse,DETHL52000000001,vacant\n",
    )
    .unwrap();
    let err = pipeline::evaluate(&report, &truth).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{}: line 2: unknown kind \"house\"", truth.display())
    );
    let gone = dir.path().join("gone.csv");
    let err = pipeline::evaluate(&report, &gone).unwrap_err();
    assert!(matches!(err, PipelineError::OpenTruth { .. }));
    assert_eq!(err.to_string(), format!("reading {}", gone.display()));
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn an_empty_database_has_nothing_to_analyse(pool: PgPool) {
    let err = pipeline::analyze(&pool, &config()).await.unwrap_err();
    assert!(matches!(err, PipelineError::NothingToAnalyse), "{err}");
    let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM analysis_run")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(runs, 0);
}

/// Ties `analysis::AreaStats` to its table: a field renamed or added on one side only fails
/// here, instead of turning a public figure into NULL.
#[sqlx::test(migrator = "store::MIGRATOR")]
async fn every_field_of_area_stats_is_a_column_of_its_table(pool: PgPool) {
    let json = serde_json::to_value(analysis::AreaStats::default()).unwrap();
    let fields: BTreeSet<String> = json.as_object().unwrap().keys().cloned().collect();
    let columns: BTreeSet<String> = sqlx::query_scalar(
        "SELECT column_name::text FROM information_schema.columns
          WHERE table_schema = 'public' AND table_name = 'area_stats' AND column_name <> 'run_id'",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    .into_iter()
    .collect();
    assert_eq!(fields, columns);
}
