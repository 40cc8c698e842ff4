//! One analysis run, from the facts in PostGIS to the stored verdicts: districts prepared,
//! the facts read in parallel, each parcel's land use located, buildings and plots
//! classified, plots scored for investors, figures summed per town and district, and the
//! run saved in one transaction. `leerstand analyze` calls [`analyze`] and prints its
//! [`RunReport`]; the tests of this crate call the very same function.

mod error;
mod evaluate;

pub use error::PipelineError;
pub use evaluate::{evaluate, Evaluations};

use std::collections::HashMap;
use std::time::{Duration, Instant};

use analysis::land_use::{LandUseArea, LandUseIndex};
use analysis::suitability::{Amenities, PlotSuitability, Suitability};
use analysis::{AnalysisConfig, AreaStats, Outcome};
use chrono::NaiveDate;
use model::facts::ParcelFacts;
use model::{Ags, LandUseClass};
use sqlx::PgPool;
use store::area_stats::AreaStatsRow;
use store::facts::{AreaNames, BuildingSide, Facts, PlaceChange, Places};
use store::runs::{Change, VerdictRow};

/// Everything a run found, for the caller to print or check.
#[derive(Debug)]
pub struct RunReport {
    /// The id of the stored run.
    pub run: i64,
    /// The day judged for.
    pub as_of: NaiveDate,
    /// Districts created or changed while preparing.
    pub districts: u64,
    pub timings: Timings,
    /// Cores busy on average while classifying (`None` where the CPU time is unknown).
    pub cores: Option<f64>,
    /// The facts judged, with each parcel's land use located.
    pub facts: Facts,
    pub outcome: Outcome,
    /// The plots scored for investors.
    pub suitability: Vec<PlotSuitability>,
    /// Figures per town and district, towns first, each followed by its districts.
    pub stats: Vec<AreaStats>,
    pub names: AreaNames,
}

/// How long each phase of a run took.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    pub prepare: Duration,
    pub read: Duration,
    /// Locating land use, classifying, scoring and summing up.
    pub classify: Duration,
    pub write: Duration,
}

/// What the four reads of a run return, before the land use is located.
#[derive(Debug)]
pub struct Inputs {
    pub side: BuildingSide,
    pub parcels: Vec<ParcelFacts>,
    pub places: Places,
    pub land_use_areas: Vec<LandUseArea>,
    pub amenities: store::facts::Amenities,
}

/// The facts with each parcel's land use, and what is to be stored of it.
#[derive(Debug)]
pub struct Located {
    pub facts: Facts,
    /// The parcels whose land use or district differs from what is stored.
    pub changes: Vec<PlaceChange>,
    pub amenities: store::facts::Amenities,
}

/// Runs the analysis as of `config.as_of` over everything in the database and stores the
/// run with its verdicts, the suitability of its plots and its figures per town and
/// district.
pub async fn analyze(pool: &PgPool, config: &AnalysisConfig) -> Result<RunReport, PipelineError> {
    if !store::status(pool).await?.is_up_to_date() {
        return Err(PipelineError::SchemaOutdated);
    }
    let mut timings = Timings::default();
    let t = Instant::now();
    let districts = store::facts::prepare(pool).await?;
    timings.prepare = t.elapsed();
    tracing::info!(
        districts,
        seconds = timings.prepare.as_secs_f64(),
        "districts derived"
    );
    let t = Instant::now();
    let inputs = read(pool).await?;
    timings.read = t.elapsed();
    if inputs.side.buildings.is_empty() && inputs.parcels.is_empty() {
        return Err(PipelineError::NothingToAnalyse);
    }
    tracing::info!(
        buildings = inputs.side.buildings.len(),
        parcels = inputs.parcels.len(),
        land_use_areas = inputs.land_use_areas.len(),
        prepare_seconds = timings.prepare.as_secs_f64(),
        read_seconds = timings.read.as_secs_f64(),
        "facts read"
    );

    let t = Instant::now();
    let cpu = cpu_seconds();
    let Located {
        facts,
        changes,
        amenities: points,
    } = inputs.locate();
    // Stored on its own connection while the run goes on (two halves on two connections
    // were no faster: the server is busy with the verdicts at the same time).
    let storing = tokio::spawn({
        let pool = pool.clone();
        async move { store::facts::store_places(&pool, &changes).await }
    });
    let outcome = analysis::classify(&facts.buildings, &facts.parcels, facts.coverage, config);
    let amenities = Amenities::new(&points.centres, &points.schools, &points.shops);
    let suitability = analysis::suitability::assess_plots(
        &facts.parcels,
        &outcome.parcels,
        &amenities,
        &config.suitability,
    );
    let located: HashMap<i64, (Option<Ags>, Option<i64>)> = facts
        .parcels
        .iter()
        .map(|p| (p.id, (p.ags, p.district_id)))
        .collect();
    let locate = |id: i64| located.get(&id).copied().unwrap_or((None, None));
    let stats = analysis::stats::summarise(
        &outcome.buildings,
        &outcome.parcels,
        &locate,
        &config.forecast,
    );
    timings.classify = t.elapsed();
    // Cores busy on average while classifying: rayon should keep all of them working.
    let cores = cpu
        .zip(cpu_seconds())
        .map(|(before, after)| (after - before) / timings.classify.as_secs_f64().max(1e-9));
    tracing::info!(
        seconds = timings.classify.as_secs_f64(),
        ?cores,
        "classified"
    );

    let t = Instant::now();
    let params = serde_json::to_value(config)?;
    let summary = serde_json::to_value(&stats)?;
    let stat_rows: Vec<AreaStatsRow> = stats.iter().map(stats_row).collect();
    let suitable: HashMap<i64, &Suitability> = suitability
        .iter()
        .map(|s| (s.parcel_id, &s.suitability))
        .collect();
    let rows = outcome
        .buildings
        .iter()
        .map(|b| VerdictRow::Building {
            id: b.building_id,
            verdict: &b.verdict,
        })
        .chain(outcome.parcels.iter().map(|p| VerdictRow::Parcel {
            id: p.parcel_id,
            verdict: &p.verdict,
            suitability: suitable.get(&p.parcel_id).copied(),
        }));
    // The run becomes visible only with the land use its readers join in place.
    let stored = async {
        let rewritten = storing.await.map_err(|e| store::StoreError::Data {
            operation: "storing land use and districts",
            detail: e.to_string(),
        })??;
        tracing::info!(parcels = rewritten, "land use and districts stored");
        Ok(())
    };
    let run = store::runs::save_run_after(
        pool,
        &params,
        &facts.input_batches,
        &summary,
        &stat_rows,
        rows,
        stored,
    )
    .await?;
    timings.write = t.elapsed();

    let names = store::facts::area_names(pool).await?;
    Ok(RunReport {
        run,
        as_of: config.as_of,
        districts,
        timings,
        cores,
        facts,
        outcome,
        suitability,
        stats,
        names,
    })
}

/// The four reads of a run. They run side by side, each on its own connection and task:
/// the server works on them in parallel and the rows are decoded on all cores.
pub async fn read(pool: &PgPool) -> Result<Inputs, PipelineError> {
    let side = tokio::spawn({
        let pool = pool.clone();
        async move { store::facts::load_buildings(&pool).await }
    });
    let parcels = tokio::spawn({
        let pool = pool.clone();
        async move { store::facts::load_parcels(&pool).await }
    });
    let areas = tokio::spawn({
        let pool = pool.clone();
        async move { store::facts::land_use_areas(&pool).await }
    });
    let points = tokio::spawn({
        let pool = pool.clone();
        async move { store::facts::amenities(&pool).await }
    });
    let (side, parcels, areas, points) = tokio::try_join!(side, parcels, areas, points)?;
    let (side, (parcels, places), land_use_areas, amenities) = (side?, parcels?, areas?, points?);
    Ok(Inputs {
        side,
        parcels,
        places,
        land_use_areas,
        amenities,
    })
}

impl Inputs {
    /// Finds each parcel's land use (the land-use area under its inner point, on all
    /// cores) and the parcels whose land use or district is to be stored.
    pub fn locate(self) -> Located {
        let Inputs {
            side,
            mut parcels,
            places,
            land_use_areas: areas,
            amenities,
        } = self;
        let located = LandUseIndex::new(&areas).locate_all(&places.inner_points);
        let class = |i: usize| {
            located
                .get(i)
                .and_then(|l| l.area)
                .map(|a| areas[a].class.as_str())
        };
        let changes = places.changes(&parcels, class);
        for (p, l) in parcels.iter_mut().zip(&located) {
            p.land_use = l
                .area
                .and_then(|a| LandUseClass::from_feature_type(&areas[a].class).ok());
            p.out_of_operation = l.out_of_operation;
        }
        let facts = Facts {
            coverage: side.coverage,
            buildings: side.buildings,
            parcels,
            places,
            input_batches: side.input_batches,
        };
        Located {
            facts,
            changes,
            amenities,
        }
    }
}

/// The stored row of one town's or district's figures. Every field is named, so a field
/// added to [`AreaStats`] does not compile until it has its column.
fn stats_row(s: &AreaStats) -> AreaStatsRow {
    let AreaStats {
        ags,
        district_id,
        buildings,
        addresses,
        dwellings,
        vacant_dwellings,
        vacant,
        partly_vacant,
        risk,
        unknown,
        vacancy_rate,
        gaps,
        gap_area_ha,
        potential_dwellings,
        brownfields,
        brownfield_area_ha,
        underused,
        forecast_5y,
        forecast_10y,
        public,
    } = *s;
    AreaStatsRow {
        ags,
        district_id,
        buildings,
        addresses,
        dwellings,
        vacant_dwellings,
        vacant,
        partly_vacant,
        risk,
        unknown,
        vacancy_rate,
        gaps,
        gap_area_ha,
        potential_dwellings,
        brownfields,
        brownfield_area_ha,
        underused,
        forecast_5y,
        forecast_10y,
        public,
    }
}

/// The verdicts that changed from the run before the latest to the latest.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub older: i64,
    pub newer: i64,
    pub changes: Vec<Change>,
}

impl Comparison {
    /// Subjects with no verdict in the older run.
    pub fn new_count(&self) -> usize {
        self.changes.iter().filter(|c| c.before.is_none()).count()
    }

    /// Subjects with no verdict in the newer run.
    pub fn resolved_count(&self) -> usize {
        self.changes.iter().filter(|c| c.after.is_none()).count()
    }

    /// Subjects whose verdict differs.
    pub fn changed_count(&self) -> usize {
        self.changes.len() - self.new_count() - self.resolved_count()
    }
}

/// Compares the latest finished run with the one before it; `None` when there is no
/// earlier run.
pub async fn compare_latest(pool: &PgPool) -> Result<Option<Comparison>, PipelineError> {
    let runs = store::runs::latest_runs(pool).await?;
    let [newer, older] = runs[..] else {
        return Ok(None);
    };
    let changes = store::runs::compare(pool, older, newer).await?;
    Ok(Some(Comparison {
        older,
        newer,
        changes,
    }))
}

/// CPU time (user + system) of this process so far, from `/proc/self/stat` (Linux; `None`
/// elsewhere).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (which may contain spaces) start after its ')'.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let fields: Vec<&str> = rest.split(' ').collect();
    // utime and stime are fields 14 and 15 of the line, in clock ticks of 1/100 s.
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}
