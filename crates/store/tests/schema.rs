//! The schema against a real PostGIS: migrations apply once, and the constraints stop bad
//! rows at the door. Each test gets a fresh database from `#[sqlx::test]`.

// Helpers of a test fail loudly: unwrap and expect are what they are for.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sqlx::PgPool;

const SQUARE: &str =
    "MULTIPOLYGON(((600000 5670000,600020 5670000,600020 5670030,600000 5670030,600000 5670000)))";
const BOWTIE: &str =
    "MULTIPOLYGON(((600000 5670000,600020 5670030,600020 5670000,600000 5670030,600000 5670000)))";

#[sqlx::test(migrations = false)]
async fn migrate_twice_is_a_no_op(pool: PgPool) {
    let first = store::migrate(&pool).await.unwrap();
    assert_eq!(
        first,
        store::MIGRATOR
            .iter()
            .map(|m| m.version)
            .collect::<Vec<_>>()
    );
    let second = store::migrate(&pool).await.unwrap();
    assert!(second.is_empty(), "second run applied {second:?}");

    let status = store::status(&pool).await.unwrap();
    assert!(status.is_up_to_date());
    assert!(status
        .postgis_version
        .as_deref()
        .is_some_and(|v| v.starts_with('3')));
    assert!(status.server_version.starts_with("1"));
}

#[sqlx::test(migrations = false)]
async fn status_lists_pending_before_migrating(pool: PgPool) {
    let status = store::status(&pool).await.unwrap();
    assert_eq!(status.pending().count(), store::MIGRATOR.iter().count());
    assert!(!status.is_up_to_date());
}

/// Inserts a municipality, a parcel and a building that satisfy every constraint.
async fn seed(pool: &PgPool) -> (i64, i64) {
    sqlx::query("INSERT INTO municipality (ags, name) VALUES ('16068051', 'Sömmerda') ON CONFLICT DO NOTHING")
        .execute(pool)
        .await
        .unwrap();
    let parcel: i64 = sqlx::query_scalar(
        "INSERT INTO parcel (alkis_id, kennzeichen, ags, official_area_m2, geom)
         VALUES ('DETHL51000000001', '16512300100117000300', '16068051', 600,
                 ST_GeomFromText($1, 25832)) RETURNING id",
    )
    .bind(SQUARE)
    .fetch_one(pool)
    .await
    .unwrap();
    let building: i64 = sqlx::query_scalar(
        "INSERT INTO building (alkis_id, function_code, storeys, geom, parcel_id)
         VALUES ('DETHL52000000001', 1000, 2, ST_GeomFromText($1, 25832), $2) RETURNING id",
    )
    .bind(SQUARE)
    .bind(parcel)
    .fetch_one(pool)
    .await
    .unwrap();
    (parcel, building)
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn parcel_key_parts_are_derived(pool: PgPool) {
    let (parcel, _) = seed(&pool).await;
    let parts: (i16, i16, i32, Option<i16>) =
        sqlx::query_as("SELECT gemarkung, flur, zaehler, nenner FROM parcel WHERE id = $1")
            .bind(parcel)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(parts, (5123, 1, 117, Some(3)));
}

/// Runs `sql` (with `$1` = a parcel id, `$2` = a building id) and expects the database to
/// refuse it with the given SQLSTATE.
async fn rejected(pool: &PgPool, what: &str, sql: &str, sqlstate: &str) {
    let (parcel, building) = (
        sqlx::query_scalar::<_, i64>("SELECT id FROM parcel LIMIT 1")
            .fetch_one(pool)
            .await
            .unwrap(),
        sqlx::query_scalar::<_, i64>("SELECT id FROM building LIMIT 1")
            .fetch_one(pool)
            .await
            .unwrap(),
    );
    let (uses_parcel, uses_building) = (sql.contains("$1"), sql.contains("$2"));
    // Postgres wants parameters numbered without gaps.
    let sql = if uses_building && !uses_parcel {
        sql.replace("$2", "$1")
    } else {
        sql.to_owned()
    };
    let mut query = sqlx::query(&sql);
    if uses_parcel {
        query = query.bind(parcel);
    }
    if uses_building {
        query = query.bind(building);
    }
    match query.execute(pool).await {
        Ok(_) => panic!("{what}: the database accepted a bad row"),
        Err(sqlx::Error::Database(e)) => {
            assert_eq!(e.code().as_deref(), Some(sqlstate), "{what}: {e}");
        }
        Err(e) => panic!("{what}: unexpected error {e}"),
    }
}

const CHECK: &str = "23514";
const UNIQUE: &str = "23505";
const FOREIGN_KEY: &str = "23503";
const NOT_NULL: &str = "23502";
const INVALID_PARAMETER: &str = "22023";

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn bad_cadastre_rows_are_rejected(pool: PgPool) {
    seed(&pool).await;
    let p = |key: &str, geom: &str| {
        format!(
            "INSERT INTO parcel (alkis_id, kennzeichen, official_area_m2, geom)
             VALUES ('DETHL51000000099', '{key}', 100, ST_GeomFromText('{geom}', 25832))"
        )
    };
    let cases: Vec<(&str, String, &str)> = vec![
        ("duplicate Flurstückskennzeichen", p("16512300100117000300", SQUARE), UNIQUE),
        ("key too short", p("1651230010011700030", SQUARE), CHECK),
        ("key with letters", p("16A12300100117000300", SQUARE), CHECK),
        ("key with Zähler 0", p("16512300100000______", SQUARE), CHECK),
        ("key with Land 17", p("17512300100117______", SQUARE), CHECK),
        ("self-intersecting parcel", p("16512300100118______", BOWTIE), CHECK),
        ("empty parcel geometry", p("16512300100118______", "MULTIPOLYGON EMPTY"), CHECK),
        (
            "parcel in WGS84",
            "INSERT INTO parcel (alkis_id, kennzeichen, official_area_m2, geom)
             VALUES ('DETHL51000000099', '16512300100118______', 100,
                     ST_GeomFromText('MULTIPOLYGON(((11 51,11.1 51,11.1 51.1,11 51)))', 4326))"
                .into(),
            INVALID_PARAMETER,
        ),
        (
            "parcel without geometry",
            "INSERT INTO parcel (alkis_id, kennzeichen, official_area_m2)
             VALUES ('DETHL51000000099', '16512300100118______', 100)"
                .into(),
            NOT_NULL,
        ),
        (
            "negative official area",
            format!(
                "INSERT INTO parcel (alkis_id, kennzeichen, official_area_m2, geom)
                 VALUES ('DETHL51000000099', '16512300100118______', -5, ST_GeomFromText('{SQUARE}', 25832))"
            ),
            CHECK,
        ),
        (
            "malformed ALKIS id",
            format!(
                "INSERT INTO parcel (alkis_id, kennzeichen, official_area_m2, geom)
                 VALUES ('XXTHL51000000099', '16512300100118______', 5, ST_GeomFromText('{SQUARE}', 25832))"
            ),
            CHECK,
        ),
        (
            "unknown municipality",
            format!(
                "INSERT INTO parcel (alkis_id, kennzeichen, ags, official_area_m2, geom)
                 VALUES ('DETHL51000000099', '16512300100118______', '16999999', 5, ST_GeomFromText('{SQUARE}', 25832))"
            ),
            FOREIGN_KEY,
        ),
        (
            "building function code out of range",
            format!(
                "INSERT INTO building (alkis_id, function_code, geom)
                 VALUES ('DETHL52000000099', 999, ST_GeomFromText('{SQUARE}', 25832))"
            ),
            CHECK,
        ),
        (
            "building with 300 storeys",
            format!(
                "INSERT INTO building (alkis_id, function_code, storeys, geom)
                 VALUES ('DETHL52000000099', 1000, 300, ST_GeomFromText('{SQUARE}', 25832))"
            ),
            CHECK,
        ),
        (
            "building on a missing parcel",
            format!(
                "INSERT INTO building (alkis_id, function_code, geom, parcel_id)
                 VALUES ('DETHL52000000099', 1000, ST_GeomFromText('{SQUARE}', 25832), 987654)"
            ),
            FOREIGN_KEY,
        ),
        (
            "duplicate address",
            "INSERT INTO address (ags, street, street_key, house_number, house_suffix)
             VALUES (NULL, 'Markt', 'markt', 1, ''), (NULL, 'Markt', 'markt', 1, '')"
                .into(),
            UNIQUE,
        ),
        (
            "house number suffix with spaces",
            "INSERT INTO address (street, street_key, house_number, house_suffix)
             VALUES ('Markt', 'markt', 1, 'a b')"
                .into(),
            CHECK,
        ),
        (
            "postcode with letters",
            "INSERT INTO address (street, street_key, house_number, postcode)
             VALUES ('Markt', 'markt', 1, '9961X')"
                .into(),
            CHECK,
        ),
        (
            "land use class that is not ALKIS",
            format!(
                "INSERT INTO land_use (alkis_id, class, geom)
                 VALUES ('DETHL53000000001', 'Wohngebiet', ST_GeomFromText('{SQUARE}', 25832))"
            ),
            CHECK,
        ),
    ];
    for (what, sql, state) in cases {
        rejected(&pool, what, &sql, state).await;
    }
    let parcels: i64 = sqlx::query_scalar("SELECT count(*) FROM parcel")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(parcels, 1, "a rejected row was stored");
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn bad_register_and_analysis_rows_are_rejected(pool: PgPool) {
    seed(&pool).await;
    sqlx::raw_sql(
        "INSERT INTO import_batch (kind, source, checksum) VALUES ('residents', 'ewo.csv', repeat('a', 64));
         INSERT INTO address (street, street_key, house_number) VALUES ('Markt', 'markt', 1);
         INSERT INTO app_user (login, display_name, role) VALUES ('planerin', 'Planerin', 'planner');
         INSERT INTO analysis_run (params) VALUES ('{}');",
    )
    .execute(&pool)
    .await
    .unwrap();
    let cases: [(&str, &str, &str); 16] = [
        ("import with a bad checksum",
         "INSERT INTO import_batch (kind, source, checksum) VALUES ('alkis', 'a.xml', 'abc')", CHECK),
        ("import of an unknown kind",
         "INSERT INTO import_batch (kind, source, checksum) VALUES ('excel', 'a.xls', repeat('b', 64))", CHECK),
        ("negative resident count",
         "INSERT INTO resident_count (address_id, reference_date, age_0_17, age_18_64, age_65_74, age_75_plus, import_batch_id)
          SELECT a.id, '2025-12-31', -1, 0, 0, 0, b.id FROM address a, import_batch b", CHECK),
        ("resident count for a missing address",
         "INSERT INTO resident_count (address_id, reference_date, age_0_17, age_18_64, age_65_74, age_75_plus, import_batch_id)
          SELECT 424242, '2025-12-31', 0, 1, 0, 0, b.id FROM import_batch b", FOREIGN_KEY),
        ("negative meter consumption",
         "INSERT INTO meter_reading (address_id, medium, year, consumption, import_batch_id)
          SELECT a.id, 'electricity', 2024, -3, b.id FROM address a, import_batch b", CHECK),
        ("meter of an unknown medium",
         "INSERT INTO meter_reading (address_id, medium, year, consumption, import_batch_id)
          SELECT a.id, 'gas', 2024, 3, b.id FROM address a, import_batch b", CHECK),
        ("survey with more vacant than existing dwellings",
         "INSERT INTO field_survey (building_id, surveyed_on, finding, dwellings, vacant_dwellings)
          VALUES ($2, '2024-05-01', 'partly_vacant', 2, 3)", CHECK),
        ("survey about nothing",
         "INSERT INTO field_survey (surveyed_on, finding) VALUES ('2024-05-01', 'vacant')", CHECK),
        ("citizen report over 2000 characters",
         "INSERT INTO citizen_report (geom, category, body)
          VALUES (ST_SetSRID(ST_MakePoint(600010, 5670010), 25832), 'vacant_building', repeat('x', 2001))", CHECK),
        ("citizen report approved without moderation",
         "INSERT INTO citizen_report (geom, category, body, status)
          VALUES (ST_SetSRID(ST_MakePoint(600010, 5670010), 25832), 'vacant_building', 'leer', 'approved')", CHECK),
        ("building verdict on a parcel",
         "INSERT INTO verdict (run_id, parcel_id, class, score, confidence)
          SELECT r.id, $1, 'vacant', 1, 0.5 FROM analysis_run r", CHECK),
        ("verdict about both a parcel and a building",
         "INSERT INTO verdict (run_id, parcel_id, building_id, class, score, confidence)
          SELECT r.id, $1, $2, 'vacant', 1, 0.5 FROM analysis_run r", CHECK),
        ("confidence above 1",
         "INSERT INTO verdict (run_id, building_id, class, score, confidence)
          SELECT r.id, $2, 'vacant', 1, 1.5 FROM analysis_run r", CHECK),
        ("NaN score",
         "INSERT INTO verdict (run_id, building_id, class, score, confidence)
          SELECT r.id, $2, 'vacant', 'NaN', 0.5 FROM analysis_run r", CHECK),
        ("case in an unknown status",
         "INSERT INTO planner_case (parcel_id, status, opened_by)
          SELECT $1, 'forgotten', u.id FROM app_user u", CHECK),
        ("password that is not an argon2 hash",
         "INSERT INTO app_user (login, display_name, role, password_hash)
          VALUES ('klartext', 'K', 'planner', 'geheim123')", CHECK),
    ];
    for (what, sql, state) in cases {
        rejected(&pool, what, sql, state).await;
    }
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn good_rows_across_the_schema_are_accepted(pool: PgPool) {
    let (parcel, building) = seed(&pool).await;
    let user: i64 = sqlx::query_scalar(
        "INSERT INTO app_user (login, display_name, role) VALUES ('planerin', 'Planerin A', 'planner') RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let run: i64 =
        sqlx::query_scalar("INSERT INTO analysis_run (params) VALUES ('{\"w\": 1}') RETURNING id")
            .fetch_one(&pool)
            .await
            .unwrap();
    sqlx::query(
        "INSERT INTO verdict (run_id, building_id, class, score, confidence, evidence)
         VALUES ($1, $2, 'vacant', 2.5, 0.9, '[{\"source\": \"field_survey\"}]')",
    )
    .bind(run)
    .bind(building)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO verdict (run_id, parcel_id, class, score, confidence)
         VALUES ($1, $2, 'vacant_building_plot', 2.5, 0.9)",
    )
    .bind(run)
    .bind(parcel)
    .execute(&pool)
    .await
    .unwrap();
    let case: i64 = sqlx::query_scalar(
        "INSERT INTO planner_case (building_id, opened_by) VALUES ($1, $2) RETURNING id",
    )
    .bind(building)
    .bind(user)
    .fetch_one(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO case_event (case_id, author_id, from_status, to_status, note)
         VALUES ($1, $2, 'new', 'owner_contacted', 'Brief verschickt')",
    )
    .bind(case)
    .bind(user)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO publication_consent (parcel_id, basis, announced_on, recorded_by)
         VALUES ($1, 'notice_period', '2026-01-15', $2)",
    )
    .bind(parcel)
    .bind(user)
    .execute(&pool)
    .await
    .unwrap();
    let area: f64 = sqlx::query_scalar("SELECT ST_Area(geom) FROM parcel WHERE id = $1")
        .bind(parcel)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!((area - 600.0).abs() < 1e-6);
}

/// The column lists that binary COPY writes straight into core tables name real columns of
/// those types, in an order the encoders follow; a migration that changes one fails here
/// instead of in the middle of an import or a run.
#[sqlx::test(migrator = "store::MIGRATOR")]
async fn copy_column_lists_match_the_tables(pool: PgPool) {
    for table in [
        store::Import::DIRECT_PARCEL,
        store::runs::VERDICT,
        store::runs::PLOT_SUITABILITY,
        store::area_stats::AREA_STATS,
    ] {
        for (column, ty) in table.columns {
            let found: Option<String> = sqlx::query_scalar(
                "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
                  WHERE a.attrelid = $1::regclass AND a.attname = $2 AND NOT a.attisdropped",
            )
            .bind(table.name)
            .bind(column)
            .fetch_optional(&pool)
            .await
            .unwrap();
            assert_eq!(
                found.as_deref(),
                Some(*ty),
                "{}.{column} in the COPY column list",
                table.name
            );
        }
    }
}
