//! Parcels (ALKIS `AX_Flurstueck`).

use geo_types::MultiPolygon;
use serde::{Deserialize, Serialize};

use crate::{Ags, AlkisId, Flurstueckskennzeichen, LandUseClass};

/// A parcel of the cadastre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parcel {
    pub alkis_id: AlkisId,
    pub kennzeichen: Flurstueckskennzeichen,
    /// The municipality the parcel belongs to (`gemeindezugehoerigkeit`).
    pub ags: Option<Ags>,
    /// `amtlicheFlaeche` in m²: the legal area, which may differ slightly from the geometry's.
    pub official_area_m2: f64,
    /// Outline in EPSG:25832.
    pub outline: MultiPolygon<f64>,
    /// The dominant actual land use, where known.
    pub land_use: Option<LandUseClass>,
}
