//! Actual land use (ALKIS tatsächliche Nutzung): one object class per kind of area.

use geo_types::MultiPolygon;
use serde::{Deserialize, Serialize};

use crate::{AlkisId, ModelError};

macro_rules! land_use_classes {
    ($($variant:ident = $code:literal, $feature:literal, $name:literal;)*) => {
        /// An ALKIS land-use object class with its Objektartenkennung, e.g. 41001
        /// `AX_Wohnbauflaeche`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum LandUseClass {
            $( #[doc = $name] $variant, )*
        }

        impl LandUseClass {
            pub const ALL: &'static [LandUseClass] = &[ $( Self::$variant, )* ];

            /// The Objektartenkennung, e.g. 41001.
            pub fn code(self) -> u32 {
                match self { $( Self::$variant => $code, )* }
            }

            /// The NAS element name, e.g. `AX_Wohnbauflaeche`.
            pub fn feature_type(self) -> &'static str {
                match self { $( Self::$variant => $feature, )* }
            }

            pub fn name_de(self) -> &'static str {
                match self { $( Self::$variant => $name, )* }
            }

            pub fn from_feature_type(s: &str) -> Result<Self, ModelError> {
                match s {
                    $( $feature => Ok(Self::$variant), )*
                    other => Err(ModelError::invalid("land_use_class", other, "not an ALKIS land-use class")),
                }
            }

            pub fn from_code(code: u32) -> Result<Self, ModelError> {
                match code {
                    $( $code => Ok(Self::$variant), )*
                    other => Err(ModelError::invalid("land_use_class", other.to_string(), "not an ALKIS land-use code")),
                }
            }
        }
    };
}

land_use_classes! {
    Wohnbauflaeche = 41001, "AX_Wohnbauflaeche", "Wohnbaufläche";
    IndustrieUndGewerbeflaeche = 41002, "AX_IndustrieUndGewerbeflaeche", "Industrie- und Gewerbefläche";
    Halde = 41003, "AX_Halde", "Halde";
    Bergbaubetrieb = 41004, "AX_Bergbaubetrieb", "Bergbaubetrieb";
    TagebauGrubeSteinbruch = 41005, "AX_TagebauGrubeSteinbruch", "Tagebau, Grube, Steinbruch";
    FlaecheGemischterNutzung = 41006, "AX_FlaecheGemischterNutzung", "Fläche gemischter Nutzung";
    FlaecheBesondererFunktionalerPraegung = 41007, "AX_FlaecheBesondererFunktionalerPraegung", "Fläche besonderer funktionaler Prägung";
    SportFreizeitUndErholungsflaeche = 41008, "AX_SportFreizeitUndErholungsflaeche", "Sport-, Freizeit- und Erholungsfläche";
    Friedhof = 41009, "AX_Friedhof", "Friedhof";
    Strassenverkehr = 42001, "AX_Strassenverkehr", "Straßenverkehr";
    Weg = 42006, "AX_Weg", "Weg";
    Platz = 42009, "AX_Platz", "Platz";
    Bahnverkehr = 42010, "AX_Bahnverkehr", "Bahnverkehr";
    Landwirtschaft = 43001, "AX_Landwirtschaft", "Landwirtschaft";
    Wald = 43002, "AX_Wald", "Wald";
    Gehoelz = 43003, "AX_Gehoelz", "Gehölz";
    UnlandVegetationsloseFlaeche = 43007, "AX_UnlandVegetationsloseFlaeche", "Unland/Vegetationslose Fläche";
    Fliessgewaesser = 44001, "AX_Fliessgewaesser", "Fließgewässer";
    StehendesGewaesser = 44006, "AX_StehendesGewaesser", "Stehendes Gewässer";
}

impl LandUseClass {
    /// Settlement areas (Siedlung, 41xxx): where buildings belong.
    pub fn is_settlement(self) -> bool {
        (41000..42000).contains(&self.code())
    }

    /// Areas on which new houses can be built without changing the land-use plan.
    pub fn is_building_land(self) -> bool {
        matches!(
            self,
            Self::Wohnbauflaeche
                | Self::FlaecheGemischterNutzung
                | Self::IndustrieUndGewerbeflaeche
        )
    }

    /// Commercial or industrial land: the candidates for brownfields.
    pub fn is_commercial(self) -> bool {
        matches!(self, Self::IndustrieUndGewerbeflaeche)
    }

    /// Transport areas (Verkehr, 42xxx).
    pub fn is_transport(self) -> bool {
        (42000..43000).contains(&self.code())
    }
}

/// A land-use area of the cadastre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LandUse {
    pub alkis_id: AlkisId,
    pub class: LandUseClass,
    /// The class-specific `funktion` code, e.g. 1700 Industrie und Gewerbe.
    pub function: Option<u16>,
    pub area: MultiPolygon<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_types_and_codes_roundtrip() {
        for c in LandUseClass::ALL {
            assert_eq!(
                LandUseClass::from_feature_type(c.feature_type()).unwrap(),
                *c
            );
            assert_eq!(LandUseClass::from_code(c.code()).unwrap(), *c);
        }
        assert!(LandUseClass::Wohnbauflaeche.is_settlement());
        assert!(LandUseClass::Strassenverkehr.is_transport());
        assert!(!LandUseClass::Landwirtschaft.is_building_land());
        let err = LandUseClass::from_feature_type("AX_Gebaeude")
            .unwrap_err()
            .to_string();
        assert!(err.contains("AX_Gebaeude"), "{err}");
    }
}
