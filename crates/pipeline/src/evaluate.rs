//! Scoring a run against ground truth (`truth.csv` of `leerstand generate`).

use std::collections::HashMap;
use std::path::Path;

use analysis::evaluate::{evaluate as score, Evaluation};

use crate::{PipelineError, RunReport};

/// The scores of a run's buildings and of its parcels.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluations {
    pub buildings: Evaluation,
    pub parcels: Evaluation,
}

/// Reads `kind,alkis_id,class,…` and pairs each row with the verdict of the run.
pub fn evaluate(report: &RunReport, path: &Path) -> Result<Evaluations, PipelineError> {
    let (facts, outcome) = (&report.facts, &report.outcome);
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

    let mut reader = csv::Reader::from_path(path).map_err(|source| PipelineError::OpenTruth {
        path: path.to_owned(),
        source,
    })?;
    let headers = reader.headers()?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| PipelineError::TruthColumn {
                path: path.to_owned(),
                column: name.to_owned(),
            })
    };
    let (kind, id, class) = (col("kind")?, col("alkis_id")?, col("class")?);
    let mut buildings: Vec<(String, String)> = Vec::new();
    let mut parcels: Vec<(String, String)> = Vec::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|source| PipelineError::TruthLine {
            path: path.to_owned(),
            line: line + 2,
            source,
        })?;
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
            _ => {
                return Err(PipelineError::TruthKind {
                    path: path.to_owned(),
                    line: line + 2,
                    kind: k,
                })
            }
        }
    }
    Ok(Evaluations {
        buildings: score(buildings.iter().map(|(t, p)| (t.as_str(), p.as_str()))),
        parcels: score(parcels.iter().map(|(t, p)| (t.as_str(), p.as_str()))),
    })
}
