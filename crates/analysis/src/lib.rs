//! The analysis of leerstand: classifies every building and plot from its evidence, explains
//! each verdict, and sums the verdicts per town and district. Pure Rust over model types;
//! reading and writing the database is the store's job.
//!
//! Buildings are judged in parallel (rayon); plots use an rstar index of parcel outlines to
//! find their neighbours.

pub mod building;
pub mod config;
pub mod evaluate;
pub mod forecast;
pub mod land_use;
pub mod plot;
pub mod stats;
pub mod suitability;

use model::facts::{BuildingFacts, Coverage, ParcelFacts};
use model::VacancyClass;
use rayon::prelude::*;

pub use building::BuildingVerdict;
pub use config::AnalysisConfig;
pub use plot::ParcelVerdict;
pub use stats::AreaStats;

/// The verdicts of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub buildings: Vec<BuildingVerdict>,
    pub parcels: Vec<ParcelVerdict>,
}

/// Classifies all buildings, then all plots (which depend on the buildings' verdicts).
/// The result is sorted by id and independent of the input order.
pub fn classify(
    buildings: &[BuildingFacts],
    parcels: &[ParcelFacts],
    coverage: Coverage,
    config: &AnalysisConfig,
) -> Outcome {
    let mut judged: Vec<BuildingVerdict> = buildings
        .par_iter()
        .filter_map(|b| building::classify(b, coverage, &config.building, config.as_of))
        .collect();
    judged.sort_by_key(|v| v.building_id);

    let class_of: std::collections::HashMap<i64, VacancyClass> = judged
        .iter()
        .map(|v| (v.building_id, v.verdict.class))
        .collect();
    let on_parcels: Vec<plot::BuildingOnParcel> = buildings
        .iter()
        .filter_map(|b| {
            Some(plot::BuildingOnParcel {
                parcel_id: b.parcel_id?,
                is_main: b.function.building_use().is_main_building(),
                footprint_m2: b.footprint_m2,
                class: class_of.get(&b.id).copied(),
            })
        })
        .collect();
    let parcels = plot::classify(parcels, &on_parcels, &config.plot);
    Outcome {
        buildings: judged,
        parcels,
    }
}
