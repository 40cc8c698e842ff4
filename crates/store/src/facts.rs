//! Gathering the facts the analysis judges: buildings with their addresses, residents,
//! meters, surveys, moderated reports and overrides; parcels with outline, land use and
//! district. One query per kind, joined in memory by id.

use std::collections::HashMap;

use chrono::NaiveDate;
use geo_types::Point;
use model::facts::{
    AddressFacts, BuildingFacts, Coverage, Finding, LandUseArea, Medium, Meter, Override,
    ParcelFacts, Report, Residents, Survey,
};
use model::{Ags, AlkisId, BuildingFunction, VacancyClass};
use sqlx::PgPool;

use crate::{CopyBuf, CopyTable, StoreError};

// Rows as the queries return them.
type ResidentRow = (i64, NaiveDate, i16, i16, i16, i16, i16, Option<NaiveDate>);
type SurveyRow = (i64, NaiveDate, String, Option<i16>, Option<i16>, String);
type BuildingRow = (i64, String, i16, Option<i16>, Option<i16>, f64, Option<i64>);
type ParcelRow = (
    i64,
    String,
    Option<String>,
    Option<i64>,
    Vec<u8>,
    f64,
    Option<f64>,
    Option<f64>,
    Option<String>,
    Option<i64>,
);
type OverrideRow = (Option<i64>, Option<i64>, String, String, String, NaiveDate);

/// Everything one analysis run reads.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub coverage: Coverage,
    pub buildings: Vec<BuildingFacts>,
    /// Parcels with their district; land use and whether it is out of operation are left
    /// for the caller to locate (see [`Places`]).
    pub parcels: Vec<ParcelFacts>,
    /// Where each parcel lies, in the order of `parcels`.
    pub places: Places,
    /// The import batches the facts come from, recorded with the run.
    pub input_batches: Vec<i64>,
}

/// The buildings' side of the facts.
#[derive(Debug, Clone, Default)]
pub struct BuildingSide {
    pub coverage: Coverage,
    pub buildings: Vec<BuildingFacts>,
    pub input_batches: Vec<i64>,
}

/// Where the parcels lie, one entry per parcel of [`Facts::parcels`]: the point to look the
/// land use up at and what is stored now, so that only changes are written back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Places {
    /// The parcel's inner point (`ST_PointOnSurface`).
    pub inner_points: Vec<Option<Point<f64>>>,
    /// Land use stored with the parcel (NAS class name).
    pub stored_land_use: Vec<Option<String>>,
    /// District stored with the parcel; the parcel's `district_id` is the one its Gemarkung
    /// has now.
    pub stored_district: Vec<Option<i64>>,
}

impl Places {
    /// The parcels whose land use (`land_use(i)` for the i-th parcel) or district differs
    /// from what is stored.
    pub fn changes<'a>(
        &self,
        parcels: &[ParcelFacts],
        land_use: impl Fn(usize) -> Option<&'a str>,
    ) -> Vec<PlaceChange> {
        parcels
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let now = land_use(i);
                let stored = self.stored_land_use.get(i).and_then(Option::as_deref);
                let stored_district = self.stored_district.get(i).copied().flatten();
                (now != stored || p.district_id != stored_district).then(|| PlaceChange {
                    parcel_id: p.id,
                    land_use: now.map(str::to_owned),
                    district_id: p.district_id,
                })
            })
            .collect()
    }
}

fn bad(operation: &'static str, detail: String) -> StoreError {
    StoreError::Data { operation, detail }
}

fn alkis_id(s: &str, what: &'static str) -> Result<AlkisId, StoreError> {
    s.trim().parse().map_err(|e| bad(what, format!("{e}")))
}

fn finding(s: &str) -> Finding {
    match s {
        "occupied" => Finding::Occupied,
        "vacant" => Finding::Vacant,
        "partly_vacant" => Finding::PartlyVacant,
        "demolished" => Finding::Demolished,
        _ => Finding::Unclear,
    }
}

/// Derives one district per Gemarkung before a run (new Gemarkungen, changed names and
/// outlines), and the place and street labels of the map from them and the addresses; returns the number of districts created or changed. The land use and district
/// of each parcel are found by the caller from [`load_parcels`] and [`land_use_areas`] and
/// stored with [`store_places`].
pub async fn prepare(pool: &PgPool) -> Result<u64, StoreError> {
    let q = StoreError::query;
    let mut tx = pool.begin().await.map_err(q("starting the preparation"))?;
    // The planner's row estimates for spatial aggregates are far too high and would compile
    // the statement to machine code for a second or more; it runs fine interpreted.
    sqlx::query("SET LOCAL jit = off")
        .execute(&mut *tx)
        .await
        .map_err(q("starting the preparation"))?;
    let changed = sqlx::query(include_str!("sql/districts.sql"))
        .execute(&mut *tx)
        .await
        .map_err(q("deriving districts from Gemarkungen"))?
        .rows_affected();
    // The names on the public map follow the districts and addresses (migration 0020).
    sqlx::raw_sql("REFRESH MATERIALIZED VIEW place_label; REFRESH MATERIALIZED VIEW street_line")
        .execute(&mut *tx)
        .await
        .map_err(q("deriving the map's place and street labels"))?;
    tx.commit().await.map_err(q("committing the preparation"))?;
    Ok(changed)
}

/// The land use and district to store for one parcel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceChange {
    pub parcel_id: i64,
    /// NAS class name of the land use under the parcel's inner point.
    pub land_use: Option<String>,
    pub district_id: Option<i64>,
}

/// The staged land use and district of parcels, before they are written to `parcel`.
const PARCEL_PREPARED: CopyTable = CopyTable {
    name: "parcel_prepared",
    columns: &[
        ("id", "bigint"),
        ("land_use", "text"),
        ("district_id", "bigint"),
    ],
};

/// Stores the land use and district of the given parcels (only those that changed, as
/// [`Facts::places`] tells) in one transaction; returns the number of parcels rewritten.
pub async fn store_places(pool: &PgPool, changes: &[PlaceChange]) -> Result<u64, StoreError> {
    if changes.is_empty() {
        return Ok(0);
    }
    let q = StoreError::query;
    let op = "staging the land use and district of parcels";
    let mut tx = pool
        .begin()
        .await
        .map_err(q("starting to store land use"))?;
    sqlx::query(&format!(
        "CREATE TEMP TABLE {} ({}) ON COMMIT DROP",
        PARCEL_PREPARED.name,
        PARCEL_PREPARED.column_definitions()
    ))
    .execute(&mut *tx)
    .await
    .map_err(q(op))?;
    let mut buf = CopyBuf::new();
    for c in changes {
        buf.row(&PARCEL_PREPARED)
            .i64(c.parcel_id)
            .opt_text(c.land_use.as_deref());
        match c.district_id {
            Some(d) => buf.i64(d),
            None => buf.null(),
        };
    }
    let mut copy = tx
        .copy_in_raw(&PARCEL_PREPARED.copy_statement())
        .await
        .map_err(q(op))?;
    copy.send(buf.finish()).await.map_err(q(op))?;
    copy.finish().await.map_err(q(op))?;
    // Neither column is indexed and the pages keep room for a new row version (fillfactor,
    // migration 0010): the rewrite is heap-only, no index entries.
    let rewritten = sqlx::query(
        "UPDATE parcel p SET land_use = x.land_use, district_id = x.district_id
           FROM parcel_prepared x WHERE x.id = p.id",
    )
    .execute(&mut *tx)
    .await
    .map_err(q("assigning land use and districts to parcels"))?
    .rows_affected();
    tx.commit()
        .await
        .map_err(q("committing land use and districts"))?;
    Ok(rewritten)
}

/// Loads the buildings with their addresses, registers, surveys, reports and overrides.
pub async fn load_buildings(pool: &PgPool) -> Result<BuildingSide, StoreError> {
    let q = |op| StoreError::query(op);
    let coverage: (bool, bool, bool) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM resident_count),
                EXISTS (SELECT 1 FROM meter_reading WHERE medium = 'electricity'),
                EXISTS (SELECT 1 FROM meter_reading WHERE medium = 'water')",
    )
    .fetch_one(pool)
    .await
    .map_err(q("checking which registers exist"))?;
    let coverage = Coverage {
        residents: coverage.0,
        electricity: coverage.1,
        water: coverage.2,
    };

    let input_batches: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM import_batch WHERE finished_at IS NOT NULL ORDER BY id")
            .fetch_all(pool)
            .await
            .map_err(q("listing import batches"))?;

    // Residents: the latest reference date per address.
    let mut residents: HashMap<i64, Residents> = HashMap::new();
    let rows: Vec<ResidentRow> = sqlx::query_as(
        "SELECT DISTINCT ON (address_id) address_id, reference_date, age_0_17, age_18_64,
                age_65_74, age_75_plus, secondary, last_change_on
           FROM resident_count ORDER BY address_id, reference_date DESC",
    )
    .fetch_all(pool)
    .await
    .map_err(q("reading resident counts"))?;
    for (id, date, a, b, c, d, secondary, last) in rows {
        let band = |v: i16| u16::try_from(v).unwrap_or(0);
        residents.insert(
            id,
            Residents {
                reference_date: date,
                bands: [band(a), band(b), band(c), band(d)],
                secondary: band(secondary),
                last_change: last,
            },
        );
    }

    // Meters: the latest year per address and medium.
    let mut meters: HashMap<i64, Vec<Meter>> = HashMap::new();
    let rows: Vec<(i64, String, i16, f64)> = sqlx::query_as(
        "SELECT DISTINCT ON (address_id, medium) address_id, medium, year, consumption
           FROM meter_reading ORDER BY address_id, medium, year DESC",
    )
    .fetch_all(pool)
    .await
    .map_err(q("reading meter readings"))?;
    for (id, medium, year, consumption) in rows {
        let medium = if medium == "water" {
            Medium::Water
        } else {
            Medium::Electricity
        };
        meters.entry(id).or_default().push(Meter {
            medium,
            year: i32::from(year),
            consumption,
        });
    }

    // Addresses per building.
    let mut addresses: HashMap<i64, Vec<AddressFacts>> = HashMap::new();
    let rows: Vec<(i64, i64, String, i32, String)> = sqlx::query_as(
        "SELECT id, building_id, street, house_number, house_suffix
           FROM address WHERE building_id IS NOT NULL ORDER BY building_id, id",
    )
    .fetch_all(pool)
    .await
    .map_err(q("reading addresses"))?;
    for (id, building, street, number, suffix) in rows {
        addresses.entry(building).or_default().push(AddressFacts {
            address_id: id,
            label: format!("{street} {number}{suffix}"),
            residents: residents.get(&id).copied(),
            meters: meters.remove(&id).unwrap_or_default(),
        });
    }

    // Surveys, by building directly or through the address.
    let mut surveys: HashMap<i64, Vec<Survey>> = HashMap::new();
    let rows: Vec<SurveyRow> = sqlx::query_as(
        "SELECT coalesce(s.building_id, a.building_id), s.surveyed_on, s.finding, s.dwellings,
                s.vacant_dwellings, s.note
           FROM field_survey s LEFT JOIN address a ON a.id = s.address_id
          WHERE coalesce(s.building_id, a.building_id) IS NOT NULL",
    )
    .fetch_all(pool)
    .await
    .map_err(q("reading field surveys"))?;
    for (building, on, f, dwellings, vacant, note) in rows {
        let count = |v: Option<i16>| v.and_then(|v| u16::try_from(v).ok());
        surveys.entry(building).or_default().push(Survey {
            surveyed_on: on,
            finding: finding(&f),
            dwellings: count(dwellings),
            vacant_dwellings: count(vacant),
            note,
        });
    }

    // Moderated citizen reports about a vacant building: linked, or within 15 m.
    let mut reports: HashMap<i64, Vec<Report>> = HashMap::new();
    let rows: Vec<(i64, NaiveDate, String)> = sqlx::query_as(
        "SELECT DISTINCT ON (r.id) b.id, r.reported_at::date, coalesce(r.public_text, r.body)
           FROM citizen_report r
           JOIN building b ON b.id = r.building_id
                           OR (r.building_id IS NULL AND ST_DWithin(b.geom, r.geom, 15))
          WHERE r.status = 'approved' AND r.category = 'vacant_building'
          ORDER BY r.id, ST_Distance(b.geom, r.geom)",
    )
    .fetch_all(pool)
    .await
    .map_err(q("reading citizen reports"))?;
    for (building, on, text) in rows {
        reports.entry(building).or_default().push(Report {
            reported_on: on,
            text,
        });
    }

    let overrides = load_overrides(pool).await?;

    let rows: Vec<BuildingRow> = sqlx::query_as(
        "SELECT id, alkis_id, function_code, storeys, dwellings, ST_Area(geom), parcel_id
           FROM building ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .map_err(q("reading buildings"))?;
    let mut buildings = Vec::with_capacity(rows.len());
    for (id, alkis, code, storeys, dwellings, area, parcel) in rows {
        buildings.push(BuildingFacts {
            id,
            alkis_id: alkis_id(&alkis, "reading buildings")?,
            function: BuildingFunction::from_code(u16::try_from(code).unwrap_or(0)),
            storeys: storeys.and_then(|s| u8::try_from(s).ok()),
            dwellings: dwellings.and_then(|d| u16::try_from(d).ok()),
            footprint_m2: area,
            parcel_id: parcel,
            addresses: addresses.remove(&id).unwrap_or_default(),
            surveys: surveys.remove(&id).unwrap_or_default(),
            reports: reports.remove(&id).unwrap_or_default(),
            override_class: overrides.get(&("building", id)).cloned(),
        });
    }

    Ok(BuildingSide {
        coverage,
        buildings,
        input_batches,
    })
}

/// Loads the parcels with outline, area, district and override, and where they lie.
pub async fn load_parcels(pool: &PgPool) -> Result<(Vec<ParcelFacts>, Places), StoreError> {
    let overrides = load_overrides(pool).await?;
    let rows: Vec<ParcelRow> = sqlx::query_as(include_str!("sql/parcel_facts.sql"))
        .fetch_all(pool)
        .await
        .map_err(StoreError::query("reading parcels"))?;
    let mut parcels = Vec::with_capacity(rows.len());
    let mut places = Places {
        inner_points: Vec::with_capacity(rows.len()),
        stored_land_use: Vec::with_capacity(rows.len()),
        stored_district: Vec::with_capacity(rows.len()),
    };
    for row in rows {
        let (id, alkis, ags, district, wkb, area, x, y, land_use, stored_district) = row;
        let outline = crate::wkb::multipolygon(&wkb)
            .map_err(|e| bad("reading parcels", format!("parcel {alkis}: {e}")))?;
        parcels.push(ParcelFacts {
            id,
            alkis_id: alkis_id(&alkis, "reading parcels")?,
            ags: ags.and_then(|a| a.parse::<Ags>().ok()),
            district_id: district,
            outline,
            area_m2: area,
            land_use: None,
            out_of_operation: false,
            override_class: overrides.get(&("parcel", id)).cloned(),
        });
        places
            .inner_points
            .push(x.zip(y).map(|(x, y)| Point::new(x, y)));
        places.stored_land_use.push(land_use);
        places.stored_district.push(stored_district);
    }
    Ok((parcels, places))
}

/// Reads the land-use areas.
pub async fn land_use_areas(pool: &PgPool) -> Result<Vec<LandUseArea>, StoreError> {
    let rows: Vec<(i64, String, Option<i16>, Vec<u8>)> =
        sqlx::query_as("SELECT id, class, zustand, ST_AsBinary(geom) FROM land_use")
            .fetch_all(pool)
            .await
            .map_err(StoreError::query("reading land use"))?;
    rows.into_iter()
        .map(|(id, class, zustand, wkb)| {
            Ok(LandUseArea {
                id,
                class,
                zustand,
                outline: crate::wkb::multipolygon(&wkb)
                    .map_err(|e| bad("reading land use", format!("land use {id}: {e}")))?,
            })
        })
        .collect()
}

async fn load_overrides(
    pool: &PgPool,
) -> Result<HashMap<(&'static str, i64), Override>, StoreError> {
    let rows: Vec<OverrideRow> = sqlx::query_as(
        "SELECT o.building_id, o.parcel_id, o.class, u.display_name, o.note, o.created_at::date
           FROM verdict_override o JOIN app_user u ON u.id = o.author_id
          WHERE o.withdrawn_at IS NULL",
    )
    .fetch_all(pool)
    .await
    .map_err(StoreError::query("reading planner overrides"))?;
    let mut out = HashMap::new();
    for (building, parcel, class, author, note, on) in rows {
        let class: VacancyClass = class
            .parse()
            .map_err(|e| bad("reading planner overrides", format!("{e}")))?;
        let o = Override {
            class,
            author,
            note,
            on,
        };
        match (building, parcel) {
            (Some(b), _) => out.insert(("building", b), o),
            (None, Some(p)) => out.insert(("parcel", p), o),
            (None, None) => None,
        };
    }
    Ok(out)
}

/// Points of interest for the investor suitability of plots, in EPSG:25832.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Amenities {
    /// Town halls; for a town without one, its central public building.
    pub centres: Vec<Point<f64>>,
    /// Schools and day-care centres.
    pub schools: Vec<Point<f64>>,
    pub shops: Vec<Point<f64>>,
}

/// Reads the points of interest from buildings and land use (run after [`prepare`], which
/// derives the districts the fallback town centres need).
pub async fn amenities(pool: &PgPool) -> Result<Amenities, StoreError> {
    let rows: Vec<(String, f64, f64)> = sqlx::query_as(include_str!("sql/amenities.sql"))
        .fetch_all(pool)
        .await
        .map_err(StoreError::query("reading points of interest"))?;
    let mut out = Amenities::default();
    for (kind, x, y) in rows {
        let list = match kind.as_str() {
            "centre" => &mut out.centres,
            "school" => &mut out.schools,
            _ => &mut out.shops,
        };
        list.push(Point::new(x, y));
    }
    Ok(out)
}

/// Names of towns and districts, for tables and maps.
#[derive(Debug, Clone, Default)]
pub struct AreaNames {
    pub towns: HashMap<Ags, String>,
    pub districts: HashMap<i64, String>,
}

pub async fn area_names(pool: &PgPool) -> Result<AreaNames, StoreError> {
    let towns: Vec<(String, String)> = sqlx::query_as("SELECT ags::text, name FROM municipality")
        .fetch_all(pool)
        .await
        .map_err(StoreError::query("reading municipality names"))?;
    let districts: Vec<(i64, String)> = sqlx::query_as("SELECT id, name FROM district")
        .fetch_all(pool)
        .await
        .map_err(StoreError::query("reading district names"))?;
    Ok(AreaNames {
        towns: towns
            .into_iter()
            .filter_map(|(a, n)| Some((a.parse().ok()?, n)))
            .collect(),
        districts: districts.into_iter().collect(),
    })
}
