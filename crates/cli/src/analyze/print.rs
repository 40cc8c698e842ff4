//! The tables `leerstand analyze` prints. `scripts/demo-data.sh` compares the evaluation
//! byte for byte between versions: change a format only on purpose.

use std::collections::HashMap;
use std::io::Write;

use analysis::evaluate::Evaluation;
use analysis::suitability::PlotSuitability;
use pipeline::{Comparison, RunReport};

/// The first line: the run, its counts and how long each phase took.
pub fn run(out: &mut impl Write, r: &RunReport) -> std::io::Result<()> {
    let t = &r.timings;
    writeln!(
        out,
        "analysis run {}: {} buildings and {} parcels judged as of {} \
         (prepare {:.1} s, read {:.1} s, classify {:.1} s{}, write {:.1} s)",
        r.run,
        r.outcome.buildings.len(),
        r.facts.parcels.len(),
        r.as_of,
        t.prepare.as_secs_f64(),
        t.read.as_secs_f64(),
        t.classify.as_secs_f64(),
        r.cores
            .map_or_else(String::new, |c| format!(" on {c:.1} cores")),
        t.write.as_secs_f64()
    )
}

/// The figures per town.
pub fn summary(out: &mut impl Write, r: &RunReport) -> std::io::Result<()> {
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
    for s in r.stats.iter().filter(|s| s.district_id.is_none()) {
        let name = s
            .ags
            .and_then(|a| r.names.towns.get(&a).cloned())
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

/// How many plots were scored for investors, and the best of them.
pub fn suitability(out: &mut impl Write, r: &RunReport) -> std::io::Result<()> {
    let scored = &r.suitability;
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
    let class: HashMap<i64, &str> = r
        .outcome
        .parcels
        .iter()
        .filter(|p| shown(p.parcel_id))
        .map(|p| (p.parcel_id, p.verdict.class.as_str()))
        .collect();
    let alkis: HashMap<i64, &str> = r
        .facts
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

/// The verdicts that changed since the previous run, the first twenty of them listed.
pub fn comparison(out: &mut impl Write, c: Option<&Comparison>) -> std::io::Result<()> {
    let Some(c) = c else {
        return writeln!(out, "\nno earlier run to compare with");
    };
    writeln!(
        out,
        "\ncompared with run {}: {} new, {} resolved, {} changed",
        c.older,
        c.new_count(),
        c.resolved_count(),
        c.changed_count()
    )?;
    for c in c.changes.iter().take(20) {
        writeln!(
            out,
            "  {:<8} {}  {} → {}",
            c.kind,
            c.alkis_id,
            c.before.as_deref().unwrap_or("–"),
            c.after.as_deref().unwrap_or("–")
        )?;
    }
    Ok(())
}

/// Precision, recall and F1 per class, and the confusion matrix.
pub fn evaluation(out: &mut impl Write, what: &str, e: &Evaluation) -> std::io::Result<()> {
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
