//! The set-based merges from staging into the core tables, and the diagnosis queries that find
//! the row to blame when a merge is refused.
//!
//! Upserts are keyed by the ALKIS object id and only touch rows whose values differ
//! (`IS DISTINCT FROM`), so importing the same extract again changes nothing.

use sqlx::postgres::PgRow;
use sqlx::{Connection, PgConnection, Row};

use crate::report::{ImportReport, Repair, TableCounts, Unmatched};
use crate::staging::Staging;
use crate::StoreError;

/// How to merge staged cadastre rows.
#[derive(Debug, Clone, Copy, Default)]
pub struct MergeOptions {
    /// Repair invalid geometries with ST_MakeValid (each listed in the report) instead of
    /// refusing the import.
    pub repair: bool,
}

/// How strictly register rows must match addresses.
#[derive(Debug, Clone, Copy)]
pub struct MatchPolicy {
    /// The import fails when more than this share of rows (0–100 %) matches no address.
    pub max_unmatched_percent: f64,
    /// How many unmatched rows the report lists.
    pub list_first: usize,
}

impl Default for MatchPolicy {
    fn default() -> Self {
        Self {
            max_unmatched_percent: 10.0,
            list_first: 20,
        }
    }
}

/// Reprojects a staged geometry to the storage CRS (only when it is in another one).
macro_rules! to_storage {
    ($g:literal) => {
        concat!(
            "ST_Multi(CASE WHEN ST_SRID(",
            $g,
            ") = 25832 THEN ",
            $g,
            " ELSE ST_Transform(",
            $g,
            ", 25832) END)"
        )
    };
}

/// A polygon table loaded from staging: everything the generic code needs to know.
struct PolygonTable {
    name: &'static str,
    staging: Staging,
    /// `INSERT INTO … SELECT … FROM staging` with `$1` = the batch id.
    insert: &'static str,
    /// The `ON CONFLICT …` clause that turns `insert` into the merge of an update delivery.
    upsert: &'static str,
    /// Diagnosis queries specific to the table, each yielding `(src, field, reason)`.
    diagnoses: &'static [&'static str],
}

const PARCEL: PolygonTable = PolygonTable {
    name: "parcel",
    staging: Staging::Parcel,
    insert: concat!(
        "INSERT INTO parcel AS t (alkis_id, kennzeichen, ags, official_area_m2, geom, valid_from, import_batch_id)
         SELECT s.alkis_id, s.kennzeichen, s.ags, s.area, ",
        to_storage!("s.geom"),
        ", s.valid_from, $1 FROM stg_parcel s"
    ),
    upsert: "ON CONFLICT (alkis_id) DO UPDATE SET kennzeichen = EXCLUDED.kennzeichen, ags = EXCLUDED.ags,
               official_area_m2 = EXCLUDED.official_area_m2, geom = EXCLUDED.geom,
               valid_from = coalesce(EXCLUDED.valid_from, t.valid_from), import_batch_id = EXCLUDED.import_batch_id
           WHERE (t.kennzeichen, t.ags, t.official_area_m2, t.geom, t.valid_from)
                 IS DISTINCT FROM (EXCLUDED.kennzeichen, EXCLUDED.ags, EXCLUDED.official_area_m2, EXCLUDED.geom, coalesce(EXCLUDED.valid_from, t.valid_from))",
    diagnoses: &[
        "SELECT src, 'alkis_id', 'malformed ALKIS id ' || alkis_id FROM stg_parcel WHERE alkis_id !~ '^DE[A-Za-z0-9]{14}$' LIMIT 1",
        "SELECT min(src), 'kennzeichen', 'Flurstückskennzeichen ' || kennzeichen || ' appears more than once: ' || string_agg(src, ', ')
           FROM stg_parcel GROUP BY kennzeichen HAVING count(DISTINCT alkis_id) > 1 LIMIT 1",
        "SELECT s.src, 'kennzeichen', 'Flurstückskennzeichen ' || s.kennzeichen || ' already belongs to parcel ' || p.alkis_id
           FROM stg_parcel s JOIN parcel p ON p.kennzeichen = s.kennzeichen::char(20) AND p.alkis_id <> s.alkis_id LIMIT 1",
        "SELECT src, 'amtlicheFlaeche', 'area must be positive, found ' || area FROM stg_parcel WHERE NOT (area > 0 AND area < 'Infinity') LIMIT 1",
    ],
};

// The parcel of each building is found while inserting it (by Flurstückskennzeichen from a
// layer, else the parcel under its point on surface): a second pass would rewrite every row.
// The index is probed with a box of 1 µm around the point rather than the point itself, which
// PostGIS's GiST answers faster (a polygon carries its bounding box in its header; measured
// for 589,376 buildings: 27.5 s → 16.0 s); ST_Intersects with the point stays the test.
const BUILDING: PolygonTable = PolygonTable {
    name: "building",
    staging: Staging::Building,
    insert: concat!(
        "INSERT INTO building AS t (alkis_id, function_code, storeys, geom, valid_from, import_batch_id, parcel_id)
         SELECT s.alkis_id, s.function_code, s.storeys, g.geom, s.valid_from, $1, coalesce(pk.id, sp.id)
           FROM stg_building s
           CROSS JOIN LATERAL (SELECT ",
        to_storage!("s.geom"),
        " AS geom) g
           LEFT JOIN parcel pk ON pk.kennzeichen = s.parcel_kennzeichen::char(20)
           LEFT JOIN LATERAL (SELECT p.id FROM parcel p, ST_PointOnSurface(g.geom) AS pt
                               WHERE pk.id IS NULL AND p.geom && ST_Expand(pt, 1e-6) AND ST_Intersects(p.geom, pt)
                               ORDER BY p.id LIMIT 1) sp ON true"
    ),
    upsert: "ON CONFLICT (alkis_id) DO UPDATE SET function_code = EXCLUDED.function_code,
               storeys = EXCLUDED.storeys, geom = EXCLUDED.geom, valid_from = coalesce(EXCLUDED.valid_from, t.valid_from),
               import_batch_id = EXCLUDED.import_batch_id, parcel_id = EXCLUDED.parcel_id
           WHERE (t.function_code, t.storeys, t.geom, t.valid_from, t.parcel_id)
                 IS DISTINCT FROM (EXCLUDED.function_code, EXCLUDED.storeys, EXCLUDED.geom,
                                   coalesce(EXCLUDED.valid_from, t.valid_from), EXCLUDED.parcel_id)",
    diagnoses: &[
        "SELECT src, 'gebaeudefunktion', 'code must be 1000 to 9999, found ' || function_code FROM stg_building WHERE function_code NOT BETWEEN 1000 AND 9999 LIMIT 1",
        "SELECT src, 'anzahlDerOberirdischenGeschosse', 'must be 0 to 99, found ' || storeys FROM stg_building WHERE storeys NOT BETWEEN 0 AND 99 LIMIT 1",
    ],
};

const LAND_USE: PolygonTable = PolygonTable {
    name: "land_use",
    staging: Staging::LandUse,
    insert: concat!(
        "INSERT INTO land_use AS t (alkis_id, class, function_code, geom, zustand, import_batch_id)
         SELECT s.alkis_id, s.class, s.function_code, ",
        to_storage!("s.geom"),
        ", s.zustand, $1 FROM stg_land_use s"
    ),
    upsert: "ON CONFLICT (alkis_id) DO UPDATE SET class = EXCLUDED.class,
               function_code = EXCLUDED.function_code, geom = EXCLUDED.geom,
               zustand = EXCLUDED.zustand, import_batch_id = EXCLUDED.import_batch_id
           WHERE (t.class, t.function_code, t.geom, t.zustand)
                 IS DISTINCT FROM (EXCLUDED.class, EXCLUDED.function_code, EXCLUDED.geom, EXCLUDED.zustand)",
    diagnoses: &[
        "SELECT src, 'funktion', 'code must be 0 to 9999, found ' || function_code FROM stg_land_use WHERE function_code NOT BETWEEN 0 AND 9999 LIMIT 1",
    ],
};

async fn diagnose(
    conn: &mut PgConnection,
    queries: &[String],
) -> Result<Option<StoreError>, StoreError> {
    for q in queries {
        let row = sqlx::query(q)
            .fetch_optional(&mut *conn)
            .await
            .map_err(StoreError::query("diagnosing a refused row"))?;
        if let Some(row) = row {
            let at: Option<String> = row.try_get(0).unwrap_or_default();
            let field: String = row.try_get(1).unwrap_or_default();
            let reason: Option<String> = row.try_get(2).unwrap_or_default();
            return Ok(Some(StoreError::rejected(
                at.unwrap_or_else(|| "?".to_owned()),
                field,
                reason.unwrap_or_default(),
            )));
        }
    }
    Ok(None)
}

/// Diagnoses every polygon staging table has: empty, wrong type, invalid, repeated ids.
fn polygon_diagnoses(t: &PolygonTable) -> Vec<String> {
    let s = t.staging.name();
    let mut out = vec![
        format!("SELECT src, 'geometry', 'the geometry is empty' FROM {s} WHERE geom IS NULL OR ST_IsEmpty(geom) LIMIT 1"),
        format!("SELECT src, 'geometry', 'expected a polygon, found ' || GeometryType(geom) FROM {s} WHERE GeometryType(ST_Multi(geom)) <> 'MULTIPOLYGON' LIMIT 1"),
        format!("SELECT min(src), 'alkis_id', 'object ' || alkis_id || ' appears more than once: ' || string_agg(src, ', ') FROM {s} GROUP BY alkis_id HAVING count(*) > 1 LIMIT 1"),
        format!(
            "SELECT src, 'geometry', 'invalid geometry: ' || ST_IsValidReason(g) || ' (run with --repair to fix it with ST_MakeValid)'
               FROM (SELECT src, {} AS g FROM {s}) x WHERE NOT ST_IsValid(g) LIMIT 1",
            to_storage!("geom")
        ),
    ];
    out.extend(t.diagnoses.iter().map(|q| (*q).to_owned()));
    out
}

async fn repair(
    conn: &mut PgConnection,
    t: &PolygonTable,
    report: &mut ImportReport,
) -> Result<(), StoreError> {
    let sql = format!(
        "WITH bad AS (SELECT ctid, src, ST_IsValidReason(geom) AS reason FROM {s} WHERE NOT ST_IsValid(geom))
         UPDATE {s} s SET geom = ST_CollectionExtract(ST_MakeValid(s.geom), 3)
         FROM bad WHERE s.ctid = bad.ctid RETURNING bad.src, bad.reason",
        s = t.staging.name()
    );
    let rows = sqlx::query(&sql)
        .fetch_all(&mut *conn)
        .await
        .map_err(StoreError::query("repairing geometries"))?;
    for r in rows {
        report.repairs.push(Repair {
            at: r.try_get(0).unwrap_or_default(),
            reason: r.try_get(1).unwrap_or_default(),
        });
    }
    Ok(())
}

async fn count(conn: &mut PgConnection, sql: &str, op: &'static str) -> Result<i64, StoreError> {
    sqlx::query_scalar(sql)
        .fetch_one(&mut *conn)
        .await
        .map_err(StoreError::query(op))
}

/// The merge of an update delivery: upserts that only touch rows whose values differ.
fn upsert_sql(t: &PolygonTable) -> String {
    format!(
        "WITH m AS ({} {} RETURNING (xmax = 0) AS inserted)
         SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM m",
        t.insert, t.upsert
    )
}

/// An initial load into the empty table: indexes and foreign keys are rebuilt after one plain
/// INSERT (see [`crate::bulk`]), all under a savepoint so that a refused row can be diagnosed.
async fn initial_load(
    conn: &mut PgConnection,
    batch: i64,
    t: &PolygonTable,
) -> Result<Result<u64, sqlx::Error>, StoreError> {
    let mut sp = conn
        .begin()
        .await
        .map_err(StoreError::query("setting a savepoint"))?;
    let deferred = crate::bulk::defer(&mut sp, t.name).await?;
    let started = std::time::Instant::now();
    let loaded = async {
        let n = sqlx::query(t.insert)
            .bind(batch)
            .execute(&mut *sp)
            .await?
            .rows_affected();
        let inserted = started.elapsed();
        deferred.restore(&mut sp).await?;
        tracing::debug!(
            table = t.name,
            rows = n,
            insert_s = inserted.as_secs_f64(),
            indexes_s = (started.elapsed() - inserted).as_secs_f64(),
            "initial load"
        );
        Ok::<u64, sqlx::Error>(n)
    }
    .await;
    match loaded {
        Ok(n) => {
            sp.commit()
                .await
                .map_err(StoreError::query("releasing a savepoint"))?;
            Ok(Ok(n))
        }
        Err(e) => {
            sp.rollback()
                .await
                .map_err(StoreError::query("rolling back the initial load"))?;
            Ok(Err(e))
        }
    }
}

async fn merge_polygons(
    conn: &mut PgConnection,
    batch: i64,
    t: &PolygonTable,
    opts: MergeOptions,
    report: &mut ImportReport,
) -> Result<(), StoreError> {
    let staged = count(
        conn,
        &format!("SELECT count(*) FROM {}", t.staging.name()),
        "counting staged rows",
    )
    .await?;
    if staged == 0 {
        return Ok(());
    }
    if opts.repair {
        repair(conn, t, report).await?;
    }
    // Locked before looking, and held to the commit: a concurrent import of the same table
    // waits here and then merges into the filled table instead of loading it as empty.
    sqlx::raw_sql(&format!(
        "LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE",
        t.name
    ))
    .execute(&mut *conn)
    .await
    .map_err(StoreError::query("locking the target table"))?;
    let empty: bool = count(
        conn,
        &format!("SELECT count(*) FROM (SELECT 1 FROM {} LIMIT 1) x", t.name),
        "checking the target table",
    )
    .await?
        == 0;
    let merged = if empty {
        initial_load(conn, batch, t)
            .await?
            .map(|inserted| TableCounts {
                inserted,
                ..TableCounts::default()
            })
    } else {
        guarded(conn, &upsert_sql(t), batch, "merging staged rows")
            .await?
            .map(|rows| count_pair(&rows))
    };
    match merged {
        Ok(counts) => {
            add(report, t.name, counts);
            Ok(())
        }
        Err(e) => {
            let found = diagnose(conn, &polygon_diagnoses(t)).await?;
            Err(found.unwrap_or(StoreError::Query {
                operation: "merging staged rows",
                source: e,
            }))
        }
    }
}

/// Deletions named by an update delivery, per core table.
const DELETES: &[(&str, &str)] = &[
    (
        "parcel",
        "DELETE FROM parcel t USING stg_delete s WHERE s.feature_type = 'AX_Flurstueck' AND t.alkis_id = s.alkis_id::char(16)",
    ),
    (
        "building",
        "DELETE FROM building t USING stg_delete s WHERE s.feature_type = 'AX_Gebaeude' AND t.alkis_id = s.alkis_id::char(16)",
    ),
    (
        "address",
        "DELETE FROM address t USING stg_delete s WHERE s.feature_type = 'AX_LagebezeichnungMitHausnummer' AND t.alkis_id = s.alkis_id::char(16)",
    ),
    (
        "street_catalogue",
        "DELETE FROM street_catalogue t USING stg_delete s WHERE s.feature_type = 'AX_LagebezeichnungKatalogeintrag' AND t.alkis_id = s.alkis_id::char(16)",
    ),
    (
        "land_use",
        "DELETE FROM land_use t USING stg_delete s WHERE t.alkis_id = s.alkis_id::char(16)",
    ),
];

pub(crate) async fn cadastre(
    conn: &mut PgConnection,
    batch: i64,
    opts: MergeOptions,
    report: &mut ImportReport,
) -> Result<(), StoreError> {
    // Deletions first, so a delivery may delete an object and re-use its Flurstückskennzeichen.
    let named = count(
        conn,
        "SELECT count(*) FROM stg_delete",
        "counting deletions",
    )
    .await?;
    let mut deleted = 0u64;
    for (table, sql) in DELETES {
        let n = sqlx::query(sql)
            .execute(&mut *conn)
            .await
            .map_err(StoreError::query("deleting objects named by the delivery"))?
            .rows_affected();
        if n > 0 {
            report
                .tables
                .entry((*table).to_owned())
                .or_default()
                .deleted += n;
        }
        deleted += n;
    }
    if u64::try_from(named).unwrap_or(0) > deleted {
        report.warnings.push(format!(
            "{} of {named} deletions named objects not in the database",
            u64::try_from(named).unwrap_or(0) - deleted
        ));
    }

    merge_catalogue(conn, batch, report).await?;

    // Municipalities the cadastre names but the table lacks get a row with a placeholder name,
    // so parcels keep their AGS; the report lists them so the name can be set.
    let created: Vec<String> = sqlx::query_scalar(
        "WITH a AS (SELECT ags FROM stg_parcel WHERE ags IS NOT NULL
                    UNION SELECT ags FROM stg_address WHERE ags IS NOT NULL
                    UNION SELECT ags FROM stg_street WHERE ags IS NOT NULL)
         INSERT INTO municipality (ags, name) SELECT ags, 'Gemeinde ' || ags FROM a
         ON CONFLICT DO NOTHING RETURNING ags::text",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::query("creating missing municipalities"))?;
    for ags in created {
        report.warnings.push(format!(
            "municipality {ags} was not in the municipality table; created it as \"Gemeinde {ags}\""
        ));
    }

    // The links are looked up by the object they point to.
    sqlx::raw_sql("CREATE INDEX ON stg_link (to_id); ANALYZE stg_link")
        .execute(&mut *conn)
        .await
        .map_err(StoreError::query("indexing the staged links"))?;
    merge_polygons(conn, batch, &PARCEL, opts, report).await?;
    // Fresh statistics, so the joins below use the indexes; a load of parcels alone has no
    // joins to plan (autovacuum analyses the table after the commit).
    let joins_follow: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM stg_building) OR EXISTS (SELECT 1 FROM stg_address)
             OR EXISTS (SELECT 1 FROM stg_link)",
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(StoreError::query("counting staged rows"))?;
    if joins_follow {
        sqlx::raw_sql("ANALYZE parcel")
            .execute(&mut *conn)
            .await
            .map_err(StoreError::query("analysing the loaded parcels"))?;
    }
    merge_polygons(conn, batch, &BUILDING, opts, report).await?;
    merge_polygons(conn, batch, &LAND_USE, opts, report).await?;
    sqlx::raw_sql("ANALYZE building")
        .execute(&mut *conn)
        .await
        .map_err(StoreError::query("analysing the loaded buildings"))?;
    merge_streets(conn, batch, report).await?;
    merge_addresses(conn, batch, report).await?;
    link(conn, report).await
}

/// The names of the catalogue (`AX_Gemarkung`, `AX_Gemeinde`): a delivery's name replaces the
/// one stored, so districts and towns carry the names of the cadastre, not their numbers. Keys
/// were checked by the reader; the last entry of a key in the delivery wins.
async fn merge_catalogue(
    conn: &mut PgConnection,
    batch: i64,
    report: &mut ImportReport,
) -> Result<(), StoreError> {
    // Other importers stage no catalogue: the table is made empty for them.
    sqlx::raw_sql(&Staging::Catalogue.create_statement())
        .execute(&mut *conn)
        .await
        .map_err(StoreError::query("creating the catalogue staging table"))?;
    let merges = [
        (
            "gemarkung",
            "WITH m AS (
                INSERT INTO gemarkung AS t (land, nummer, name)
                SELECT DISTINCT ON (key) substr(key, 1, 2)::smallint, substr(key, 3, 4)::smallint, name
                  FROM stg_catalogue WHERE kind = 'gemarkung' AND $1::bigint IS NOT NULL
                 ORDER BY key, src DESC
                ON CONFLICT (land, nummer) DO UPDATE SET name = EXCLUDED.name
                WHERE t.name IS DISTINCT FROM EXCLUDED.name
                RETURNING (xmax = 0) AS inserted)
              SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM m",
        ),
        (
            "municipality",
            "WITH m AS (
                INSERT INTO municipality AS t (ags, name)
                SELECT DISTINCT ON (key) key, name
                  FROM stg_catalogue WHERE kind = 'gemeinde' AND $1::bigint IS NOT NULL
                 ORDER BY key, src DESC
                ON CONFLICT (ags) DO UPDATE SET name = EXCLUDED.name
                WHERE t.name IS DISTINCT FROM EXCLUDED.name
                RETURNING (xmax = 0) AS inserted)
              SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM m",
        ),
    ];
    for (table, sql) in merges {
        match guarded(conn, sql, batch, "merging the catalogue").await? {
            Ok(rows) => add(report, table, count_pair(&rows)),
            Err(source) => {
                return Err(StoreError::Query {
                    operation: "merging the catalogue",
                    source,
                })
            }
        }
    }
    Ok(())
}

async fn merge_streets(
    conn: &mut PgConnection,
    batch: i64,
    report: &mut ImportReport,
) -> Result<(), StoreError> {
    let sql = "WITH m AS (
        INSERT INTO street_catalogue AS t (ags, lage, name, street_key, alkis_id, import_batch_id)
        SELECT DISTINCT ON (ags, lage) ags, lage, name, street_key, alkis_id, $1 FROM stg_street
        ORDER BY ags, lage, src
        ON CONFLICT (ags, lage) DO UPDATE SET name = EXCLUDED.name, street_key = EXCLUDED.street_key,
            alkis_id = EXCLUDED.alkis_id, import_batch_id = EXCLUDED.import_batch_id
        WHERE (t.name, t.street_key, t.alkis_id) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.street_key, EXCLUDED.alkis_id)
        RETURNING (xmax = 0) AS inserted)
      SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM m";
    match guarded(conn, sql, batch, "merging streets").await? {
        Ok(rows) => {
            add(report, "street_catalogue", count_pair(&rows));
            Ok(())
        }
        Err(e) => {
            let q = vec!["SELECT min(src), 'alkis_id', 'street catalogue entry ' || alkis_id || ' appears more than once: ' || string_agg(src, ', ') FROM stg_street GROUP BY alkis_id HAVING count(DISTINCT (ags, lage)) > 1 LIMIT 1".to_owned()];
            Err(diagnose(conn, &q).await?.unwrap_or(StoreError::Query {
                operation: "merging streets",
                source: e,
            }))
        }
    }
}

fn add(report: &mut ImportReport, table: &str, c: TableCounts) {
    if c == TableCounts::default() {
        return;
    }
    let e = report.tables.entry(table.to_owned()).or_default();
    e.inserted += c.inserted;
    e.updated += c.updated;
}

const ADDRESS_DIAGNOSES: &[&str] = &[
    "SELECT min(src), 'alkis_id', 'object ' || alkis_id || ' appears more than once: ' || string_agg(src, ', ') FROM stg_address WHERE alkis_id IS NOT NULL GROUP BY alkis_id HAVING count(*) > 1 LIMIT 1",
    "SELECT min(src), 'hausnummer', 'address ' || street || ' ' || house_number || house_suffix || ' appears more than once: ' || string_agg(src, ', ')
       FROM stg_address GROUP BY ags, street, street_key, house_number, house_suffix HAVING count(*) > 1 LIMIT 1",
    "SELECT s.src, 'hausnummer', 'address ' || s.street || ' ' || s.house_number || s.house_suffix || ' already exists as object ' || coalesce(a.alkis_id, 'without id')
       FROM stg_address s JOIN address a ON a.ags IS NOT DISTINCT FROM s.ags AND a.street_key = s.street_key AND a.house_number = s.house_number
        AND a.house_suffix = s.house_suffix AND a.alkis_id IS DISTINCT FROM s.alkis_id LIMIT 1",
    "SELECT src, 'geometry', 'the address position must be a non-empty point, found ' || GeometryType(geom) FROM stg_address WHERE geom IS NOT NULL AND (ST_IsEmpty(geom) OR GeometryType(geom) <> 'POINT') LIMIT 1",
];

async fn merge_addresses(
    conn: &mut PgConnection,
    batch: i64,
    report: &mut ImportReport,
) -> Result<(), StoreError> {
    // NAS addresses name their street by key only; resolve it from the catalogue (this
    // delivery's entries were merged just before).
    sqlx::query(
        "UPDATE stg_address s SET street = c.name, street_key = c.street_key FROM street_catalogue c
         WHERE s.street IS NULL AND c.ags = s.ags AND c.lage = s.lage",
    )
    .execute(&mut *conn)
    .await
    .map_err(StoreError::query("resolving street keys"))?;
    let unresolved = sqlx::query(
        "SELECT src, ags, lage FROM stg_address WHERE street IS NULL OR street_key IS NULL LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await
    .map_err(StoreError::query("checking street keys"))?;
    if let Some(r) = unresolved {
        let at: String = r.try_get(0).unwrap_or_default();
        let ags: Option<String> = r.try_get(1).unwrap_or_default();
        let lage: Option<String> = r.try_get(2).unwrap_or_default();
        return Err(StoreError::rejected(
            at,
            "lagebezeichnung",
            format!(
                "street key {}/{} has no AX_LagebezeichnungKatalogeintrag in this delivery or the database",
                ags.unwrap_or_default(),
                lage.unwrap_or_default()
            ),
        ));
    }
    let geom = "CASE WHEN s.geom IS NULL THEN NULL WHEN ST_SRID(s.geom) = 25832 THEN s.geom ELSE ST_Transform(s.geom, 25832) END";
    let with_id = format!(
        "WITH m AS (
           INSERT INTO address AS t (alkis_id, ags, street, street_key, house_number, house_suffix, postcode, geom,
                                     building_id, parcel_id, import_batch_id)
           SELECT s.alkis_id, s.ags, s.street, s.street_key, s.house_number, s.house_suffix, s.postcode,
                  coalesce({geom}, ST_PointOnSurface(b.geom)), b.id, coalesce(pa.id, b.parcel_id), $1
             FROM stg_address s
             LEFT JOIN LATERAL (SELECT b.id, b.geom, b.parcel_id FROM stg_link l JOIN building b ON b.alkis_id = l.from_id::char(16)
                                 WHERE l.to_id = s.alkis_id AND l.kind LIKE 'building_address%' ORDER BY b.id LIMIT 1) b ON true
             LEFT JOIN LATERAL (SELECT p.id FROM stg_link l JOIN parcel p ON p.alkis_id = l.from_id::char(16)
                                 WHERE l.to_id = s.alkis_id AND l.kind = 'parcel_address' ORDER BY p.id LIMIT 1) pa ON true
            WHERE s.alkis_id IS NOT NULL
           ON CONFLICT (alkis_id) DO UPDATE SET ags = EXCLUDED.ags, street = EXCLUDED.street,
               street_key = EXCLUDED.street_key, house_number = EXCLUDED.house_number,
               house_suffix = EXCLUDED.house_suffix, postcode = coalesce(EXCLUDED.postcode, t.postcode),
               geom = coalesce(EXCLUDED.geom, t.geom), building_id = coalesce(EXCLUDED.building_id, t.building_id),
               parcel_id = coalesce(EXCLUDED.parcel_id, t.parcel_id), import_batch_id = EXCLUDED.import_batch_id
           WHERE (t.ags, t.street, t.street_key, t.house_number, t.house_suffix, t.postcode, t.geom, t.building_id, t.parcel_id)
                 IS DISTINCT FROM (EXCLUDED.ags, EXCLUDED.street, EXCLUDED.street_key, EXCLUDED.house_number,
                                   EXCLUDED.house_suffix, coalesce(EXCLUDED.postcode, t.postcode), coalesce(EXCLUDED.geom, t.geom),
                                   coalesce(EXCLUDED.building_id, t.building_id), coalesce(EXCLUDED.parcel_id, t.parcel_id))
           RETURNING (xmax = 0) AS inserted)
         SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM m"
    );
    let without_id = format!(
        "WITH m AS (
           INSERT INTO address AS t (ags, street, street_key, house_number, house_suffix, postcode, geom, import_batch_id)
           SELECT s.ags, s.street, s.street_key, s.house_number, s.house_suffix, s.postcode, {geom}, $1
             FROM stg_address s WHERE s.alkis_id IS NULL
           ON CONFLICT (ags, street_key, house_number, house_suffix) DO UPDATE SET
               postcode = coalesce(EXCLUDED.postcode, t.postcode), geom = coalesce(EXCLUDED.geom, t.geom),
               import_batch_id = EXCLUDED.import_batch_id
           WHERE (t.postcode, t.geom) IS DISTINCT FROM (coalesce(EXCLUDED.postcode, t.postcode), coalesce(EXCLUDED.geom, t.geom))
           RETURNING (xmax = 0) AS inserted)
         SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM m"
    );
    for sql in [with_id, without_id] {
        match guarded(conn, &sql, batch, "merging addresses").await? {
            Ok(rows) => add(report, "address", count_pair(&rows)),
            Err(e) => {
                let q: Vec<String> = ADDRESS_DIAGNOSES.iter().map(|q| (*q).to_owned()).collect();
                return Err(diagnose(conn, &q).await?.unwrap_or(StoreError::Query {
                    operation: "merging addresses",
                    source: e,
                }));
            }
        }
    }
    Ok(())
}

/// Relations: building → parcel (by key or position), address → building (and its position
/// on the building), address → parcel.
async fn link(conn: &mut PgConnection, report: &mut ImportReport) -> Result<(), StoreError> {
    let steps: [(&str, &'static str); 4] = [
        (
            "UPDATE building b SET parcel_id = x.pid FROM (
               SELECT c.bid, coalesce(pk.id, sp.id) AS pid
                 FROM (SELECT b2.id AS bid, s.parcel_kennzeichen, ST_PointOnSurface(b2.geom) AS pt
                         FROM building b2 LEFT JOIN stg_building s ON b2.alkis_id = s.alkis_id::char(16)
                        WHERE b2.parcel_id IS NULL) c
                 LEFT JOIN parcel pk ON pk.kennzeichen = c.parcel_kennzeichen::char(20)
                 LEFT JOIN LATERAL (SELECT p.id FROM parcel p WHERE p.geom && ST_Expand(c.pt, 1e-6) AND ST_Intersects(p.geom, c.pt)
                                     ORDER BY p.id LIMIT 1) sp ON pk.id IS NULL) x
             WHERE b.id = x.bid AND b.parcel_id IS DISTINCT FROM x.pid",
            "linking buildings to parcels",
        ),
        (
            "UPDATE address a SET building_id = x.bid, geom = x.g FROM (
               SELECT DISTINCT ON (a2.id) a2.id AS aid, b.id AS bid,
                      CASE WHEN l.kind = 'building_address' OR a2.geom IS NULL THEN ST_PointOnSurface(b.geom) ELSE a2.geom END AS g
                 FROM stg_link l JOIN building b ON b.alkis_id = l.from_id::char(16) JOIN address a2 ON a2.alkis_id = l.to_id::char(16)
                WHERE l.kind IN ('building_address', 'building_address_point') ORDER BY a2.id, b.id) x
             WHERE a.id = x.aid AND (a.building_id, a.geom) IS DISTINCT FROM (x.bid, x.g)",
            "linking addresses to buildings",
        ),
        (
            "UPDATE address a SET parcel_id = p.id FROM stg_link l JOIN parcel p ON p.alkis_id = l.from_id::char(16)
             WHERE l.kind = 'parcel_address' AND a.alkis_id = l.to_id::char(16) AND a.parcel_id IS DISTINCT FROM p.id",
            "linking addresses to parcels",
        ),
        (
            "UPDATE address a SET parcel_id = b.parcel_id FROM building b
             WHERE a.building_id = b.id AND a.parcel_id IS NULL AND b.parcel_id IS NOT NULL",
            "linking addresses to their building's parcel",
        ),
    ];
    for (sql, op) in steps {
        sqlx::query(sql)
            .execute(&mut *conn)
            .await
            .map_err(StoreError::query(op))?;
    }
    let dangling = count(
        conn,
        "SELECT count(*) FROM stg_link l WHERE l.kind LIKE 'building_address%'
           AND NOT EXISTS (SELECT 1 FROM building b WHERE b.alkis_id = l.from_id::char(16))",
        "checking links",
    )
    .await?;
    if dangling > 0 {
        report.warnings.push(format!(
            "{dangling} address references name buildings that are not in the database"
        ));
    }
    Ok(())
}

/// Matches register rows to addresses, applies the unmatched policy and merges.
pub(crate) async fn register(
    conn: &mut PgConnection,
    batch: i64,
    table: Staging,
    policy: MatchPolicy,
    report: &mut ImportReport,
) -> Result<(), StoreError> {
    let stg = table.name();
    let name = match table {
        Staging::Resident => "resident_count",
        Staging::Meter => "meter_reading",
        Staging::Survey => "field_survey",
        Staging::Report => "citizen_report",
        _ => {
            return Err(StoreError::rejected(
                "register",
                "kind",
                "not a register staging table",
            ))
        }
    };
    if table != Staging::Report {
        // An address matches on normalised street, number and suffix, within the
        // municipality and postcode when both sides know them. Ambiguous rows stay unmatched.
        // Where the address table knows no postcode (NAS has none), a postcode still picks
        // the municipality that is known to use it (from addresses that do carry one).
        let sql = format!(
            "WITH pc AS MATERIALIZED (SELECT DISTINCT ags, postcode FROM address WHERE postcode IS NOT NULL AND ags IS NOT NULL),
             cand AS (
               SELECT s2.line, a.id, a.building_id,
                      CASE WHEN s2.postcode IS NULL OR a.postcode = s2.postcode THEN 0
                           WHEN EXISTS (SELECT 1 FROM pc WHERE pc.ags = a.ags AND pc.postcode = s2.postcode) THEN 1
                           ELSE 2 END AS rank
                 FROM {stg} s2 JOIN address a
                   ON a.street_key = s2.street_key AND a.house_number = s2.house_number
                  AND a.house_suffix = s2.house_suffix
                  AND (s2.ags IS NULL OR a.ags IS NULL OR a.ags = s2.ags)
                  AND (s2.postcode IS NULL OR a.postcode IS NULL OR a.postcode = s2.postcode)),
             ranked AS (SELECT line, id, building_id, rank,
                               min(rank) OVER (PARTITION BY line) AS best FROM cand),
             m AS (SELECT line, count(*) AS n, min(id) AS id, min(building_id) AS bid
                     FROM ranked WHERE rank = best GROUP BY line)
             UPDATE {stg} s SET match_count = coalesce(m.n, 0),
                    address_id = CASE WHEN m.n = 1 THEN m.id END,
                    building_id = CASE WHEN m.n = 1 THEN m.bid END
               FROM {stg} s3 LEFT JOIN m ON m.line = s3.line
              WHERE s.line = s3.line"
        );
        // Fresh statistics, so the planner hashes the join instead of looping over the rows;
        // the postcode list is materialised once instead of per candidate.
        sqlx::query(&format!("ANALYZE {stg}"))
            .execute(&mut *conn)
            .await
            .map_err(StoreError::query("analysing the staged register rows"))?;
        sqlx::query(&sql)
            .execute(&mut *conn)
            .await
            .map_err(StoreError::query("matching register rows to addresses"))?;
        if table == Staging::Survey {
            // The survey names the building directly when it can; that wins over the address.
            sqlx::query(
                "UPDATE stg_survey s SET building_id = b.id, match_count = 1 FROM building b
                 WHERE s.building_alkis_id IS NOT NULL AND b.alkis_id = s.building_alkis_id::char(16)",
            )
            .execute(&mut *conn)
            .await
            .map_err(StoreError::query("matching surveys to buildings"))?;
            let missing = sqlx::query(
                "SELECT src, building_alkis_id FROM stg_survey s WHERE building_alkis_id IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM building b WHERE b.alkis_id = s.building_alkis_id::char(16))
                 ORDER BY line LIMIT 1",
            )
            .fetch_optional(&mut *conn)
            .await
            .map_err(StoreError::query("checking surveyed buildings"))?;
            if let Some(r) = missing {
                let at: String = r.try_get(0).unwrap_or_default();
                let id: String = r.try_get(1).unwrap_or_default();
                return Err(StoreError::rejected(
                    at,
                    "gebaeude_id",
                    format!("building {id} is not in the database (import the ALKIS data first)"),
                ));
            }
        }
        let total = count(
            conn,
            &format!("SELECT count(*) FROM {stg}"),
            "counting register rows",
        )
        .await?;
        let rows = sqlx::query(&format!(
            "SELECT src, line, CASE WHEN coalesce(match_count, 0) = 0 THEN 'no address matches'
                                    ELSE 'matches ' || match_count || ' addresses' END
               FROM {stg} WHERE coalesce(match_count, 0) <> 1 ORDER BY line"
        ))
        .fetch_all(&mut *conn)
        .await
        .map_err(StoreError::query("listing unmatched register rows"))?;
        let unmatched = rows.len();
        report.rejected += unmatched as u64;
        report.unmatched = rows
            .iter()
            .take(policy.list_first)
            .map(|r| Unmatched {
                at: r.try_get(0).unwrap_or_default(),
                line: r.try_get(1).unwrap_or_default(),
                reason: r.try_get(2).unwrap_or_default(),
            })
            .collect();
        if total > 0 && unmatched > 0 {
            let share = unmatched as f64 * 100.0 / total as f64;
            if share > policy.max_unmatched_percent || unmatched as i64 == total {
                let first = &report.unmatched[0];
                return Err(StoreError::rejected(
                    first.at.clone(),
                    "strasse/hausnummer",
                    format!(
                        "{}; {unmatched} of {total} rows ({share:.1} %) match no ALKIS address, more than the {} % allowed (--max-unmatched); first unmatched lines: {}",
                        first.reason,
                        policy.max_unmatched_percent,
                        report.unmatched.iter().take(5).map(|u| u.line.to_string()).collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
    }
    let (merge, dup): (&str, Option<&str>) = match table {
        Staging::Resident => (
            "WITH m AS (
               INSERT INTO resident_count AS t (address_id, reference_date, age_0_17, age_18_64, age_65_74, age_75_plus, secondary, last_change_on, import_batch_id)
               SELECT address_id, reference_date, age_0_17, age_18_64, age_65_74, age_75_plus, secondary, last_change_on, $1
                 FROM stg_resident WHERE match_count = 1
               ON CONFLICT (address_id, reference_date) DO UPDATE SET age_0_17 = EXCLUDED.age_0_17,
                   age_18_64 = EXCLUDED.age_18_64, age_65_74 = EXCLUDED.age_65_74, age_75_plus = EXCLUDED.age_75_plus,
                   secondary = EXCLUDED.secondary, last_change_on = EXCLUDED.last_change_on, import_batch_id = EXCLUDED.import_batch_id
               WHERE (t.age_0_17, t.age_18_64, t.age_65_74, t.age_75_plus, t.secondary, t.last_change_on)
                     IS DISTINCT FROM (EXCLUDED.age_0_17, EXCLUDED.age_18_64, EXCLUDED.age_65_74, EXCLUDED.age_75_plus, EXCLUDED.secondary, EXCLUDED.last_change_on)
               RETURNING (xmax = 0) AS inserted)
             SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM m",
            Some("SELECT min(src), 'strasse/hausnummer', 'the same address and stichtag appear more than once: lines ' || string_agg(line::text, ', ')
                    FROM stg_resident WHERE match_count = 1 GROUP BY address_id, reference_date HAVING count(*) > 1 LIMIT 1"),
        ),
        // Several metering points of one address (one per flat) add up.
        Staging::Meter => (
            "WITH m AS (
               INSERT INTO meter_reading AS t (address_id, medium, year, consumption, import_batch_id)
               SELECT address_id, medium, year, sum(consumption), $1 FROM stg_meter WHERE match_count = 1
                GROUP BY address_id, medium, year
               ON CONFLICT (address_id, medium, year) DO UPDATE SET consumption = EXCLUDED.consumption,
                   import_batch_id = EXCLUDED.import_batch_id
               WHERE t.consumption IS DISTINCT FROM EXCLUDED.consumption
               RETURNING (xmax = 0) AS inserted)
             SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM m",
            None,
        ),
        Staging::Survey => (
            "WITH m AS (
               INSERT INTO field_survey (building_id, address_id, surveyed_on, finding, dwellings, vacant_dwellings, condition, note, import_batch_id)
               SELECT s.building_id, s.address_id, s.surveyed_on, s.finding, s.dwellings, s.vacant_dwellings, s.condition, s.note, $1
                 FROM stg_survey s WHERE s.match_count = 1
                  AND NOT EXISTS (SELECT 1 FROM field_survey f WHERE f.building_id IS NOT DISTINCT FROM s.building_id
                                   AND f.address_id IS NOT DISTINCT FROM s.address_id AND f.surveyed_on = s.surveyed_on)
               RETURNING true AS inserted)
             SELECT count(*), 0::bigint FROM m",
            Some("SELECT min(src), 'datum', 'the same building was surveyed twice on ' || surveyed_on || ': lines ' || string_agg(line::text, ', ')
                    FROM stg_survey WHERE match_count = 1 GROUP BY building_id, address_id, surveyed_on HAVING count(*) > 1 LIMIT 1"),
        ),
        _ => (
            "WITH m AS (
               INSERT INTO citizen_report (geom, category, body, reported_at, contact, import_batch_id)
               SELECT CASE WHEN ST_SRID(s.geom) = 25832 THEN s.geom ELSE ST_Transform(s.geom, 25832) END,
                      s.category, s.body, s.reported_at, s.contact, $1
                 FROM stg_report s
                WHERE NOT EXISTS (SELECT 1 FROM citizen_report c WHERE c.reported_at = s.reported_at
                                   AND c.body = s.body AND ST_Equals(c.geom, s.geom))
               RETURNING true AS inserted)
             SELECT count(*), 0::bigint FROM m",
            None,
        ),
    };
    if table == Staging::Resident {
        // The residents' register is the authority on postal addresses: it fills in the
        // postcodes ALKIS does not carry, which later registers use to pick the town.
        let n = sqlx::query(
            "UPDATE address a SET postcode = s.postcode FROM stg_resident s
             WHERE s.match_count = 1 AND s.address_id = a.id AND a.postcode IS NULL AND s.postcode IS NOT NULL",
        )
        .execute(&mut *conn)
        .await
        .map_err(StoreError::query("filling in postcodes"))?
        .rows_affected();
        add(
            report,
            "address",
            TableCounts {
                inserted: 0,
                updated: n,
                deleted: 0,
            },
        );
    }
    if let Some(dup) = dup {
        if let Some(e) = diagnose(conn, &[dup.to_owned()]).await? {
            return Err(e);
        }
    }
    match guarded(conn, merge, batch, "merging register rows").await? {
        Ok(rows) => {
            add(report, name, count_pair(&rows));
            Ok(())
        }
        Err(e) => Err(StoreError::Query {
            operation: "merging register rows",
            source: e,
        }),
    }
}

/// Runs `sql` under a savepoint; on failure rolls back to it so diagnosis queries can run.
pub(crate) async fn guarded(
    conn: &mut PgConnection,
    sql: &str,
    batch: i64,
    op: &'static str,
) -> Result<Result<Vec<PgRow>, sqlx::Error>, StoreError> {
    let mut sp = conn
        .begin()
        .await
        .map_err(StoreError::query("setting a savepoint"))?;
    match sqlx::query(sql).bind(batch).fetch_all(&mut *sp).await {
        Ok(rows) => {
            sp.commit()
                .await
                .map_err(StoreError::query("releasing a savepoint"))?;
            Ok(Ok(rows))
        }
        Err(e) => {
            sp.rollback().await.map_err(StoreError::query(op))?;
            Ok(Err(e))
        }
    }
}

/// Reads the `(inserted, updated)` pair the merge statements select.
pub(crate) fn count_pair(rows: &[PgRow]) -> TableCounts {
    let Some(r) = rows.first() else {
        return TableCounts::default();
    };
    let get = |i: usize| u64::try_from(r.try_get::<i64, _>(i).unwrap_or(0)).unwrap_or(0);
    TableCounts {
        inserted: get(0),
        updated: get(1),
        deleted: 0,
    }
}
