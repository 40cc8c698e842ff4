//! The objects the generator emits, with their ground truth; the writers turn them into NAS,
//! GeoPackage, registers and `truth.csv`.

use model::{Flurstueckskennzeichen, LandUseClass};

use crate::geom::{Pt, Ring};

/// One Gemeinde being written: its keys and names.
#[derive(Debug, Clone)]
pub struct TownInfo {
    pub index: usize,
    pub name: String,
    pub ags: String,
    pub plz: String,
}

impl TownInfo {
    pub fn land(&self) -> &str {
        &self.ags[0..2]
    }
    pub fn regierungsbezirk(&self) -> &str {
        &self.ags[2..3]
    }
    pub fn kreis(&self) -> &str {
        &self.ags[3..5]
    }
    pub fn gemeinde(&self) -> &str {
        &self.ags[5..8]
    }
}

/// A street of the catalogue (`AX_LagebezeichnungKatalogeintrag`).
#[derive(Debug, Clone)]
pub struct StreetRec {
    pub id: String,
    /// The 5-digit street key (`lage`).
    pub lage: u32,
    pub name: String,
}

/// An address (`AX_LagebezeichnungMitHausnummer`).
#[derive(Debug, Clone)]
pub struct AddressRec {
    pub id: String,
    pub lage: u32,
    pub street: String,
    pub number: u32,
    pub suffix: Option<char>,
    /// The address point: the centre of the building that points to it.
    pub pos: Pt,
}

impl AddressRec {
    /// `12` or `12a`, as ALKIS writes it.
    pub fn house_number(&self) -> String {
        match self.suffix {
            Some(c) => format!("{}{c}", self.number),
            None => self.number.to_string(),
        }
    }
}

/// The true state of a plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParcelTruth {
    None,
    BuildingGap,
    Brownfield,
    Underused,
    VacantBuildingPlot,
}

impl ParcelTruth {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::BuildingGap => "building_gap",
            Self::Brownfield => "brownfield",
            Self::Underused => "underused",
            Self::VacantBuildingPlot => "vacant_building_plot",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ParcelRec {
    pub id: String,
    pub kz: Flurstueckskennzeichen,
    pub ring: Ring,
    /// The address of the main building, if any (`weistAuf`).
    pub address: Option<String>,
    pub truth: ParcelTruth,
}

/// One dwelling or business unit and who lives in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unit {
    /// Lived in. `bands` are main residents 0–17, 18–64, 65–74, 75+; `secondary` persons with
    /// a secondary residence only (a second home has no main residents at all).
    Dwelling {
        bands: [u8; 4],
        secondary: u8,
        moved_in: u16,
    },
    /// A business unit in use.
    Business,
    /// Empty since the given year.
    Vacant { since: u16, business: bool },
}

impl Unit {
    pub fn is_vacant(&self) -> bool {
        matches!(self, Self::Vacant { .. })
    }
}

/// The true state of a building with dwellings or business units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildingTruth {
    Occupied,
    Vacant,
    PartlyVacant,
    Risk,
}

impl BuildingTruth {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Occupied => "occupied",
            Self::Vacant => "vacant",
            Self::PartlyVacant => "partly_vacant",
            Self::Risk => "risk",
        }
    }

    pub fn of(units: &[Unit]) -> Self {
        let vacant = units.iter().filter(|u| u.is_vacant()).count();
        if vacant == units.len() {
            return Self::Vacant;
        }
        if vacant > 0 {
            return Self::PartlyVacant;
        }
        let mut residents = 0u32;
        let mut old = 0u32;
        for u in units {
            if let Unit::Dwelling { bands, .. } = u {
                residents += bands.iter().map(|&b| u32::from(b)).sum::<u32>();
                old += u32::from(bands[3]);
            }
        }
        if residents > 0 && old == residents {
            Self::Risk
        } else {
            Self::Occupied
        }
    }
}

#[derive(Debug, Clone)]
pub struct BuildingRec {
    pub id: String,
    pub function: u16,
    pub storeys: u8,
    pub ring: Ring,
    pub parcel: Option<Flurstueckskennzeichen>,
    pub address: Option<AddressRec>,
    /// Dwellings and business units; empty for buildings that cannot stand vacant.
    pub units: Vec<Unit>,
    /// A farm-yard or inner-town building visibly decaying (for the survey's `zustand`).
    pub derelict: bool,
}

#[derive(Debug, Clone)]
pub struct LandUseRec {
    pub id: String,
    pub class: LandUseClass,
    /// `funktion` (or `vegetationsmerkmal` for agriculture) code, if any.
    pub function: Option<u16>,
    /// `zustand` 2100: außer Betrieb, stillgelegt, verlassen.
    pub disused: bool,
    pub ring: Ring,
}
