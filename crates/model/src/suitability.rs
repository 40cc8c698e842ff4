//! Investor suitability of an available plot: a score from 0 to 1 with the parts it is made
//! of, so an investor sees why a plot ranks where it does.

use serde::Serialize;

/// One part of a suitability score, e.g. the distance to the nearest school.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuitabilityPart {
    /// What was measured: `size_m2`, `min_width_m`, `centre_m`, `road_m`, `school_m`, `shop_m`.
    pub name: &'static str,
    /// The measured value (m² or m); infinite (`null` in JSON) when nothing was found.
    pub value: f64,
    /// 0 (poor) to 1 (ideal).
    pub score: f64,
    pub weight: f64,
}

/// The suitability of one plot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suitability {
    /// Weighted mean of the parts' scores, 0–1.
    pub score: f64,
    pub parts: Vec<SuitabilityPart>,
}
