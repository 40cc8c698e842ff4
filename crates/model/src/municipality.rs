//! Municipalities (Gemeinden, keyed by AGS) and their districts (Ortsteile).

use geo_types::MultiPolygon;
use serde::{Deserialize, Serialize};

use crate::Ags;

/// A municipality of the alliance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Municipality {
    pub ags: Ags,
    pub name: String,
    pub boundary: Option<MultiPolygon<f64>>,
}

/// A district (Ortsteil) of a municipality: the core town or a village.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct District {
    pub ags: Ags,
    pub name: String,
    pub boundary: Option<MultiPolygon<f64>>,
}
