//! `leerstand analyze`: read the facts from PostGIS, classify every building and plot, store
//! the run with its verdicts, print a summary per town; optionally score against ground truth.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use analysis::evaluate::{evaluate, Evaluation};
use analysis::land_use::{LandUseArea, LandUseIndex};
use analysis::suitability::{Amenities, PlotSuitability, Suitability};
use analysis::{AnalysisConfig, AreaStats, Outcome};
use anyhow::{bail, Context};
use chrono::NaiveDate;
use clap::Args;
use model::{Ags, LandUseClass};
use store::runs::VerdictRow;

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// The day to judge for (evidence ages relative to it); default: today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<NaiveDate>,
    /// Weights and thresholds (TOML; missing keys keep their defaults, see docs/analysis.md).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Score the verdicts against a ground-truth file (truth.csv of `leerstand generate`).
    #[arg(long, value_name = "TRUTH.csv")]
    evaluate: Option<PathBuf>,
    /// List the verdicts that changed since the previous run.
    #[arg(long)]
    compare: bool,
}

pub async fn run(args: AnalyzeArgs, database_url: &str) -> anyhow::Result<()> {
    let mut config = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            toml::from_str::<AnalysisConfig>(&text)
                .with_context(|| format!("{}: not a valid analysis config", path.display()))?
        }
        None => AnalysisConfig::default(),
    };
    config.as_of = args
        .as_of
        .unwrap_or_else(|| chrono::Utc::now().date_naive());

    let pool = store::connect(database_url).await?;
    if !store::status(&pool).await?.is_up_to_date() {
        bail!("the database schema is not up to date: run `leerstand db migrate` first");
    }
    let t = Instant::now();
    let districts = store::facts::prepare(&pool).await?;
    let prepared = t.elapsed();
    tracing::info!(
        districts,
        seconds = prepared.as_secs_f64(),
        "districts derived"
    );
    // The four reads run side by side, each on its own connection and task: the server works
    // on them in parallel and the rows are decoded on all cores.
    let t = Instant::now();
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
    let (side, (parcels, places), areas, points) = (side?, parcels?, areas?, points?);
    let read = t.elapsed();
    if side.buildings.is_empty() && parcels.is_empty() {
        bail!("nothing to analyse: import ALKIS data first (`leerstand import alkis …`)");
    }
    tracing::info!(
        buildings = side.buildings.len(),
        parcels = parcels.len(),
        land_use_areas = areas.len(),
        prepare_seconds = prepared.as_secs_f64(),
        read_seconds = read.as_secs_f64(),
        "facts read"
    );

    let t = Instant::now();
    let cpu = cpu_seconds();
    let (facts, changes) = locate(side, parcels, places, areas);
    // Stored on its own connection while the run goes on (two halves on two connections
    // were no faster: the server is busy with the verdicts at the same time).
    let storing = tokio::spawn({
        let pool = pool.clone();
        async move { store::facts::store_places(&pool, &changes).await }
    });
    let outcome = analysis::classify(&facts.buildings, &facts.parcels, facts.coverage, &config);
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
    let classified = t.elapsed();
    // Cores busy on average while classifying: rayon should keep all of them working.
    let cores = cpu
        .zip(cpu_seconds())
        .map(|(before, after)| (after - before) / classified.as_secs_f64().max(1e-9));
    tracing::info!(seconds = classified.as_secs_f64(), ?cores, "classified");

    let t = Instant::now();
    let params = serde_json::to_value(&config)?;
    let summary = serde_json::to_value(&stats)?;
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
    let run =
        store::runs::save_run_after(&pool, &params, &facts.input_batches, &summary, rows, stored)
            .await?;
    let written = t.elapsed();

    let names = store::facts::area_names(&pool).await?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "analysis run {run}: {} buildings and {} parcels judged as of {} \
         (prepare {:.1} s, read {:.1} s, classify {:.1} s{}, write {:.1} s)",
        outcome.buildings.len(),
        facts.parcels.len(),
        config.as_of,
        prepared.as_secs_f64(),
        read.as_secs_f64(),
        classified.as_secs_f64(),
        cores.map_or_else(String::new, |c| format!(" on {c:.1} cores")),
        written.as_secs_f64()
    )?;
    print_summary(&mut out, &stats, &names)?;
    print_suitability(&mut out, &suitability, &outcome, &facts)?;

    if args.compare {
        let runs = store::runs::latest_runs(&pool).await?;
        if let [newer, older] = runs[..] {
            let changes = store::runs::compare(&pool, older, newer).await?;
            let new = changes.iter().filter(|c| c.before.is_none()).count();
            let resolved = changes.iter().filter(|c| c.after.is_none()).count();
            writeln!(
                out,
                "\ncompared with run {older}: {new} new, {resolved} resolved, {} changed",
                changes.len() - new - resolved
            )?;
            for c in changes.iter().take(20) {
                writeln!(
                    out,
                    "  {:<8} {}  {} → {}",
                    c.kind,
                    c.alkis_id,
                    c.before.as_deref().unwrap_or("–"),
                    c.after.as_deref().unwrap_or("–")
                )?;
            }
        } else {
            writeln!(out, "\nno earlier run to compare with")?;
        }
    }

    if let Some(truth) = &args.evaluate {
        let (buildings, parcels) = evaluate_against(truth, &outcome, &facts)?;
        print_evaluation(&mut out, "buildings", &buildings)?;
        print_evaluation(&mut out, "parcels", &parcels)?;
    }
    Ok(())
}

/// Finds each parcel's land use (the land-use area under its inner point, on all cores);
/// returns the facts and the parcels whose land use or district is to be stored.
fn locate(
    side: store::facts::BuildingSide,
    mut parcels: Vec<model::facts::ParcelFacts>,
    places: store::facts::Places,
    areas: Vec<LandUseArea>,
) -> (store::facts::Facts, Vec<store::facts::PlaceChange>) {
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
    let facts = store::facts::Facts {
        coverage: side.coverage,
        buildings: side.buildings,
        parcels,
        places,
        input_batches: side.input_batches,
    };
    (facts, changes)
}

fn print_summary(
    out: &mut impl Write,
    stats: &[AreaStats],
    names: &store::facts::AreaNames,
) -> anyhow::Result<()> {
    writeln!(
        out,
        "\n{:<24} {:>9} {:>9} {:>7} {:>7} {:>6} {:>6} {:>6} {:>8} {:>9} {:>8} {:>8}",
        "town",
        "buildings",
        "dwellings",
        "vacant",
        "partly",
        "rate",
        "risk",
        "gaps",
        "gap ha",
        "potential",
        "fc 5y",
        "fc 10y"
    )?;
    for s in stats.iter().filter(|s| s.district_id.is_none()) {
        let name = s
            .ags
            .and_then(|a| names.towns.get(&a).cloned())
            .unwrap_or_else(|| {
                s.ags
                    .map_or_else(|| "(no town)".to_owned(), |a| a.to_string())
            });
        writeln!(
            out,
            "{:<24} {:>9} {:>9} {:>7} {:>7} {:>5.1}% {:>6} {:>6} {:>8.2} {:>9.0} {:>8.1} {:>8.1}",
            name,
            s.buildings,
            s.dwellings,
            s.vacant,
            s.partly_vacant,
            s.vacancy_rate * 100.0,
            s.risk,
            s.gaps,
            s.gap_area_ha,
            s.potential_dwellings,
            s.forecast_5y,
            s.forecast_10y
        )?;
    }
    Ok(())
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

/// How many plots were scored for investors, and the best of them.
fn print_suitability(
    out: &mut impl Write,
    scored: &[PlotSuitability],
    outcome: &Outcome,
    facts: &store::facts::Facts,
) -> anyhow::Result<()> {
    if scored.is_empty() {
        return Ok(());
    }
    let mean = scored.iter().map(|s| s.suitability.score).sum::<f64>() / scored.len() as f64;
    writeln!(
        out,
        "\ninvestor suitability of {} plots (mean score {mean:.2}); the best:",
        scored.len()
    )?;
    let mut best: Vec<&PlotSuitability> = scored.iter().collect();
    best.sort_by(|a, b| {
        b.suitability
            .score
            .total_cmp(&a.suitability.score)
            .then(a.parcel_id.cmp(&b.parcel_id))
    });
    best.truncate(5);
    let shown = |id: i64| best.iter().any(|s| s.parcel_id == id);
    let class: HashMap<i64, &str> = outcome
        .parcels
        .iter()
        .filter(|p| shown(p.parcel_id))
        .map(|p| (p.parcel_id, p.verdict.class.as_str()))
        .collect();
    let alkis: HashMap<i64, &str> = facts
        .parcels
        .iter()
        .filter(|p| shown(p.id))
        .map(|p| (p.id, p.alkis_id.as_str()))
        .collect();
    for s in &best {
        let parts: Vec<String> = s
            .suitability
            .parts
            .iter()
            .map(|p| format!("{} {:.0}", p.name, p.value))
            .collect();
        writeln!(
            out,
            "  {}  {:<20} {:.2}  {}",
            alkis.get(&s.parcel_id).copied().unwrap_or("?"),
            class.get(&s.parcel_id).copied().unwrap_or("?"),
            s.suitability.score,
            parts.join(", ")
        )?;
    }
    Ok(())
}

/// Reads `kind,alkis_id,class,…` and pairs each row with the verdict of the run.
fn evaluate_against(
    path: &Path,
    outcome: &Outcome,
    facts: &store::facts::Facts,
) -> anyhow::Result<(Evaluation, Evaluation)> {
    let building_alkis: HashMap<i64, &str> = facts
        .buildings
        .iter()
        .map(|b| (b.id, b.alkis_id.as_str()))
        .collect();
    let parcel_alkis: HashMap<i64, &str> = facts
        .parcels
        .iter()
        .map(|p| (p.id, p.alkis_id.as_str()))
        .collect();
    let predicted_buildings: HashMap<&str, &str> = outcome
        .buildings
        .iter()
        .filter_map(|b| {
            Some((
                *building_alkis.get(&b.building_id)?,
                b.verdict.class.as_str(),
            ))
        })
        .collect();
    let predicted_parcels: HashMap<&str, &str> = outcome
        .parcels
        .iter()
        .filter_map(|p| Some((*parcel_alkis.get(&p.parcel_id)?, p.verdict.class.as_str())))
        .collect();

    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("reading {}", path.display()))?;
    let headers = reader.headers()?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .with_context(|| format!("{}: no column {name:?}", path.display()))
    };
    let (kind, id, class) = (col("kind")?, col("alkis_id")?, col("class")?);
    let mut buildings: Vec<(String, String)> = Vec::new();
    let mut parcels: Vec<(String, String)> = Vec::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{}: line {}", path.display(), line + 2))?;
        let field = |i: usize| record.get(i).unwrap_or("").to_owned();
        let (k, alkis, truth) = (field(kind), field(id), field(class));
        match k.as_str() {
            "building" => {
                let p = predicted_buildings
                    .get(alkis.as_str())
                    .copied()
                    .unwrap_or("missing");
                buildings.push((truth, p.to_owned()));
            }
            "parcel" => {
                let p = predicted_parcels
                    .get(alkis.as_str())
                    .copied()
                    .unwrap_or("none");
                parcels.push((truth, p.to_owned()));
            }
            other => bail!(
                "{}: line {}: unknown kind {other:?}",
                path.display(),
                line + 2
            ),
        }
    }
    Ok((
        evaluate(buildings.iter().map(|(t, p)| (t.as_str(), p.as_str()))),
        evaluate(parcels.iter().map(|(t, p)| (t.as_str(), p.as_str()))),
    ))
}

fn print_evaluation(out: &mut impl Write, what: &str, e: &Evaluation) -> anyhow::Result<()> {
    writeln!(out, "\nevaluation of {what}")?;
    writeln!(
        out,
        "  {:<22} {:>8} {:>9} {:>9} {:>7} {:>7}",
        "class", "truth", "predicted", "precision", "recall", "F1"
    )?;
    for s in &e.scores {
        writeln!(
            out,
            "  {:<22} {:>8} {:>9} {:>9.3} {:>7.3} {:>7.3}",
            s.class, s.support, s.predicted, s.precision, s.recall, s.f1
        )?;
    }
    writeln!(out, "  confusion (rows: truth, columns: predicted)")?;
    write!(out, "  {:<22}", "")?;
    for c in &e.classes {
        write!(out, " {:>9}", abbreviate(c))?;
    }
    writeln!(out)?;
    for t in &e.classes {
        write!(out, "  {t:<22}")?;
        for p in &e.classes {
            let n = e
                .confusion
                .get(&(t.clone(), p.clone()))
                .copied()
                .unwrap_or(0);
            write!(out, " {n:>9}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn abbreviate(class: &str) -> String {
    class.chars().take(9).collect()
}
