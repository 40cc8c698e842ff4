//! Domain types of leerstand: what the importers produce, the analysis reasons about and the API
//! serves. No I/O lives here, so every other crate can depend on it.
//!
//! Geometries are `geo_types` in ETRS89 / UTM 32N (EPSG:25832), the CRS of Thuringian ALKIS;
//! areas are square metres in that CRS.

mod address;
mod building;
mod case;
mod error;
pub mod facts;
mod ids;
mod land_use;
pub mod land_value;
mod municipality;
mod offer;
mod parcel;
mod suitability;
mod verdict;

pub use address::{normalize_street, Address, HouseNumber};
pub use building::{Building, BuildingFunction, BuildingUse};
pub use case::{Case, CaseStatus, CaseTransition};
pub use error::ModelError;
pub use ids::{Ags, AlkisId, Flurstueckskennzeichen};
pub use land_use::{LandUse, LandUseClass};
pub use municipality::{District, Municipality};
pub use offer::{Offer, OfferKind, Publication};
pub use parcel::Parcel;
pub use suitability::{Suitability, SuitabilityPart};
pub use verdict::{
    Confidence, Evidence, EvidenceSource, Subject, SubjectKind, VacancyClass, Verdict,
};

/// EPSG code of the CRS everything is stored in (ETRS89 / UTM zone 32N).
pub const STORAGE_SRID: i32 = 25832;
/// EPSG code of GeoJSON output (WGS 84, RFC 7946).
pub const GEOJSON_SRID: i32 = 4326;
/// Public aggregates must cover at least this many addresses (privacy rule).
pub const MIN_PUBLIC_ADDRESSES: usize = 5;
