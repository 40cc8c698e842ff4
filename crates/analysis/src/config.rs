//! Every weight and threshold of the analysis in one documented place. A run stores the
//! config it used, so its verdicts can always be explained and reproduced.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Parameters of one analysis run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AnalysisConfig {
    /// The day the run judges for; evidence ages relative to it.
    pub as_of: NaiveDate,
    pub building: BuildingRules,
    pub plot: PlotRules,
    pub forecast: ForecastParams,
    pub suitability: SuitabilityRules,
}

impl Default for AnalysisConfig {
    fn default() -> Self {
        Self {
            as_of: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
            building: BuildingRules::default(),
            plot: PlotRules::default(),
            forecast: ForecastParams::default(),
            suitability: SuitabilityRules::default(),
        }
    }
}

/// Weights of the evidence about buildings. A contribution is positive when it speaks for
/// vacancy; the score is their sum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BuildingRules {
    /// An address of the building has no resident registered (main residence).
    pub no_residents: f64,
    /// Residents are registered at the address.
    pub residents_present: f64,
    /// Only secondary residences registered: used now and then, not vacant, not lived in.
    pub secondary_only: f64,
    /// Yearly electricity below this many kWh per address counts as "near zero".
    pub electricity_low_kwh: f64,
    pub electricity_low: f64,
    pub electricity_normal: f64,
    /// Yearly water below this many m³ per address counts as "near zero".
    pub water_low_m3: f64,
    pub water_low: f64,
    pub water_normal: f64,
    /// Weight of a fresh field survey; it halves every `survey_half_life_years`.
    pub survey: f64,
    pub survey_half_life_years: f64,
    /// Weight of each moderated citizen report, up to `report_cap` in all.
    pub report: f64,
    pub report_cap: f64,
    /// Score at or above which a building is vacant.
    pub vacant_at: f64,
    /// Score at or below which a building is occupied (between the two: unknown).
    pub occupied_at: f64,
    /// With several dwellings known, yearly electricity below this many kWh per dwelling
    /// means some of them stand empty (an occupied dwelling uses 1,500 kWh and more).
    pub partly_kwh_per_dwelling: f64,
    /// Floor area (footprint × storeys, m²) from which the dwelling estimate is trusted:
    /// apartment blocks are regular, single houses are not.
    pub trusted_estimate_floor_area_m2: f64,
    /// Gross floor area per dwelling (m²), to estimate dwellings from footprint × storeys.
    pub floor_area_per_dwelling_m2: f64,
}

impl Default for BuildingRules {
    fn default() -> Self {
        Self {
            no_residents: 1.5,
            residents_present: -2.0,
            secondary_only: -0.5,
            electricity_low_kwh: 400.0,
            electricity_low: 2.0,
            electricity_normal: -1.0,
            water_low_m3: 6.0,
            water_low: 1.5,
            water_normal: -0.5,
            survey: 4.0,
            survey_half_life_years: 3.0,
            report: 0.5,
            report_cap: 1.0,
            vacant_at: 1.5,
            occupied_at: -0.5,
            partly_kwh_per_dwelling: 1300.0,
            trusted_estimate_floor_area_m2: 1000.0,
            floor_area_per_dwelling_m2: 90.0,
        }
    }
}

/// Thresholds for plots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlotRules {
    /// A building gap has at least this area (m²) …
    pub gap_min_area_m2: f64,
    /// … and at most this area; larger empty land is not a gap but a development area.
    pub gap_max_area_m2: f64,
    /// Narrowest side of the minimum rotated rectangle (m): narrower plots cannot take a house.
    pub gap_min_width_m: f64,
    /// Parcels closer than this (m) are neighbours.
    pub neighbour_distance_m: f64,
    /// A gap needs a street parcel among its neighbours (access); its neighbours along the
    /// same street (left and right in the row) must all be built.
    pub gap_needs_street: bool,
    /// A parcel this large (m²) or larger …
    pub underused_min_area_m2: f64,
    /// … covered by buildings to less than this share is underused.
    pub underused_max_coverage: f64,
    /// Dwellings per hectare assumed when estimating the potential of gaps.
    pub dwellings_per_ha: f64,
}

impl Default for PlotRules {
    fn default() -> Self {
        Self {
            gap_min_area_m2: 200.0,
            gap_max_area_m2: 4000.0,
            gap_min_width_m: 7.0,
            neighbour_distance_m: 0.5,
            gap_needs_street: true,
            underused_min_area_m2: 1500.0,
            underused_max_coverage: 0.06,
            dwellings_per_ha: 20.0,
        }
    }
}

/// A part that scores 1 up to `good` and falls linearly to 0 at `poor` (distances in m).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Falloff {
    pub good: f64,
    pub poor: f64,
}

/// The investor suitability of available plots: each part scores 0–1, the score is their
/// weighted mean (see `suitability`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SuitabilityRules {
    /// Plot area (m²) that suits a house or a small development: full score inside
    /// `size_ideal_m2`, none at or beyond `size_poor_m2`, linear in between.
    pub size_ideal_m2: [f64; 2],
    pub size_poor_m2: [f64; 2],
    /// Narrowest side (m) from which the shape leaves every option open; narrower scores
    /// proportionally less.
    pub width_ideal_m: f64,
    /// Distance to the nearest town centre (town hall).
    pub centre_m: Falloff,
    /// Distance to the nearest road (street, path or square parcel).
    pub road_m: Falloff,
    /// Distance to the nearest school or day-care centre.
    pub school_m: Falloff,
    /// Distance to the nearest shop.
    pub shop_m: Falloff,
    /// Weights of size, width, centre, road, school and shop, in that order.
    pub weights: [f64; 6],
}

impl Default for SuitabilityRules {
    fn default() -> Self {
        Self {
            size_ideal_m2: [400.0, 1500.0],
            size_poor_m2: [150.0, 5000.0],
            width_ideal_m: 20.0,
            centre_m: Falloff {
                good: 300.0,
                poor: 4000.0,
            },
            road_m: Falloff {
                good: 5.0,
                poor: 100.0,
            },
            school_m: Falloff {
                good: 500.0,
                poor: 5000.0,
            },
            shop_m: Falloff {
                good: 300.0,
                poor: 3000.0,
            },
            weights: [0.2, 0.15, 0.2, 0.15, 0.15, 0.15],
        }
    }
}

/// Assumptions of the vacancy forecast (see `forecast`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ForecastParams {
    /// Yearly probability that a resident of each age band leaves the household for good
    /// (death, move to care, move away): 0–17, 18–64, 65–74, 75+.
    pub leave_rate: [f64; 4],
    /// Share of dwellings whose last resident leaves that are not taken over by anyone.
    pub not_reoccupied: f64,
}

impl Default for ForecastParams {
    fn default() -> Self {
        Self {
            // 75+: mortality in Thuringia is about 7–8 %/year at 75–85, plus moves to care.
            leave_rate: [0.01, 0.01, 0.025, 0.10],
            not_reoccupied: 0.5,
        }
    }
}
