//! Facts about each building and parcel as the analysis reads them, gathered by the store
//! from the cadastre and the registers.

use chrono::NaiveDate;
use geo_types::MultiPolygon;

use crate::{Ags, AlkisId, BuildingFunction, LandUseClass, VacancyClass};

/// Which registers were imported at all: a missing row only means something when the
/// register exists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Coverage {
    pub residents: bool,
    pub electricity: bool,
    pub water: bool,
}

/// Residents registered at one address on a reference date.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Residents {
    pub reference_date: NaiveDate,
    /// Main residents by age band: 0–17, 18–64, 65–74, 75+.
    pub bands: [u16; 4],
    /// Persons with a secondary residence only.
    pub secondary: u16,
    pub last_change: Option<NaiveDate>,
}

impl Residents {
    pub fn total(&self) -> u32 {
        self.bands.iter().map(|&b| u32::from(b)).sum()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Medium {
    Electricity,
    Water,
}

/// One year's consumption at one address.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Meter {
    pub medium: Medium,
    pub year: i32,
    pub consumption: f64,
}

/// One address of a building and the register facts about it.
#[derive(Debug, Clone, PartialEq)]
pub struct AddressFacts {
    pub address_id: i64,
    /// "Marktstraße 3", for explanations.
    pub label: String,
    /// `None`: nobody registered (when the residents' register was imported).
    pub residents: Option<Residents>,
    pub meters: Vec<Meter>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finding {
    Occupied,
    Vacant,
    PartlyVacant,
    Unclear,
    Demolished,
}

/// A field survey of the building.
#[derive(Debug, Clone, PartialEq)]
pub struct Survey {
    pub surveyed_on: NaiveDate,
    pub finding: Finding,
    pub dwellings: Option<u16>,
    pub vacant_dwellings: Option<u16>,
    pub note: String,
}

/// A moderated (approved) citizen report near or on the building.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub reported_on: NaiveDate,
    pub text: String,
}

/// A planner's override: final.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub class: VacancyClass,
    pub author: String,
    pub note: String,
    pub on: NaiveDate,
}

/// Everything known about one building.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildingFacts {
    pub id: i64,
    pub alkis_id: AlkisId,
    pub function: BuildingFunction,
    pub storeys: Option<u8>,
    /// Dwellings as recorded in the cadastre, if any.
    pub dwellings: Option<u16>,
    pub footprint_m2: f64,
    pub parcel_id: Option<i64>,
    pub addresses: Vec<AddressFacts>,
    pub surveys: Vec<Survey>,
    pub reports: Vec<Report>,
    pub override_class: Option<Override>,
}

/// Everything known about one parcel.
#[derive(Debug, Clone, PartialEq)]
pub struct ParcelFacts {
    pub id: i64,
    pub alkis_id: AlkisId,
    pub ags: Option<Ags>,
    pub district_id: Option<i64>,
    pub outline: MultiPolygon<f64>,
    pub area_m2: f64,
    /// Dominant actual land use.
    pub land_use: Option<LandUseClass>,
    /// Commercial land recorded as out of operation (zustand 2100).
    pub out_of_operation: bool,
    pub override_class: Option<Override>,
}

/// One land-use area (tatsächliche Nutzung), as the analysis reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct LandUseArea {
    pub id: i64,
    /// NAS class name, e.g. `AX_Wohnbauflaeche`.
    pub class: String,
    pub zustand: Option<i16>,
    pub outline: MultiPolygon<f64>,
}
