//! Buildings (ALKIS `AX_Gebaeude`) and the Gebäudefunktion code list with its official numbers.

use geo_types::MultiPolygon;
use serde::{Deserialize, Serialize};

use crate::{AlkisId, Flurstueckskennzeichen};

/// What a building is used for, as far as vacancy is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuildingUse {
    /// Dwellings only.
    Residential,
    /// Dwellings and business units.
    Mixed,
    /// Business units (shops, offices, workshops, hotels, factories).
    Commercial,
    /// Town hall, school, church …
    Public,
    /// Barns, stables, farm sheds.
    Agricultural,
    /// Garages, carports, sheds, utility buildings.
    Ancillary,
    /// Holiday homes, weekend houses, garden houses.
    Leisure,
}

impl BuildingUse {
    /// Only buildings with dwellings or business units can stand vacant in the sense of the
    /// analysis; garages and barns never count.
    pub fn counts_for_vacancy(self) -> bool {
        matches!(self, Self::Residential | Self::Mixed | Self::Commercial)
    }

    /// Whether the building holds dwellings (registers of residents apply).
    pub fn has_dwellings(self) -> bool {
        matches!(self, Self::Residential | Self::Mixed)
    }

    /// A main building (Hauptgebäude) makes a parcel built-up; garages, sheds, garden houses
    /// and the barns and stables of a farmyard do not (a yard with only those is a gap).
    pub fn is_main_building(self) -> bool {
        !matches!(self, Self::Ancillary | Self::Leisure | Self::Agricultural)
    }
}

macro_rules! building_functions {
    ($($variant:ident = $code:literal, $name:literal, $use:ident;)*) => {
        /// ALKIS Gebäudefunktion (`AX_Gebaeudefunktion`) with its official number.
        /// Codes not listed here are kept as [`BuildingFunction::Other`] and classified by
        /// their thousands group.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(from = "u16", into = "u16")]
        pub enum BuildingFunction {
            $( #[doc = $name] $variant, )*
            /// Any other official code.
            Other(u16),
        }

        impl BuildingFunction {
            /// The official number, e.g. 1000 for Wohngebäude.
            pub fn code(self) -> u16 {
                match self {
                    $( Self::$variant => $code, )*
                    Self::Other(code) => code,
                }
            }

            pub fn from_code(code: u16) -> Self {
                match code {
                    $( $code => Self::$variant, )*
                    other => Self::Other(other),
                }
            }

            /// The official German name, or `None` for codes not in the list.
            pub fn name_de(self) -> Option<&'static str> {
                match self {
                    $( Self::$variant => Some($name), )*
                    Self::Other(_) => None,
                }
            }

            pub fn building_use(self) -> BuildingUse {
                match self {
                    $( Self::$variant => BuildingUse::$use, )*
                    Self::Other(code) => use_by_group(code),
                }
            }

            /// Every function in the list, for code-list tables and tests.
            pub const ALL: &'static [BuildingFunction] = &[ $( Self::$variant, )* ];
        }
    };
}

building_functions! {
    Wohngebaeude = 1000, "Wohngebäude", Residential;
    Wohnhaus = 1010, "Wohnhaus", Residential;
    Wohnheim = 1020, "Wohnheim", Residential;
    Seniorenheim = 1022, "Seniorenheim", Residential;
    GemischtGenutztMitWohnen = 1100, "Gemischt genutztes Gebäude mit Wohnen", Mixed;
    WohnMitGemeinbedarf = 1110, "Wohngebäude mit Gemeinbedarf", Mixed;
    WohnMitHandelUndDienstleistungen = 1120, "Wohngebäude mit Handel und Dienstleistungen", Mixed;
    WohnUndGeschaeftsgebaeude = 1123, "Wohn- und Geschäftsgebäude", Mixed;
    WohnMitGewerbeUndIndustrie = 1130, "Wohngebäude mit Gewerbe und Industrie", Mixed;
    WohnUndBetriebsgebaeude = 1131, "Wohn- und Betriebsgebäude", Mixed;
    LandwirtschaftlichesWohngebaeude = 1210, "Land- und forstwirtschaftliches Wohngebäude", Residential;
    LandwirtschaftlichesWohnUndBetriebsgebaeude = 1220, "Land- und forstwirtschaftliches Wohn- und Betriebsgebäude", Mixed;
    Bauernhaus = 1221, "Bauernhaus", Mixed;
    Ferienhaus = 1311, "Ferienhaus", Leisure;
    Wochenendhaus = 1312, "Wochenendhaus", Leisure;
    Gartenhaus = 1313, "Gartenhaus", Leisure;
    WirtschaftOderGewerbe = 2000, "Gebäude für Wirtschaft oder Gewerbe", Commercial;
    HandelUndDienstleistungen = 2010, "Gebäude für Handel und Dienstleistungen", Commercial;
    Buerogebaeude = 2020, "Bürogebäude", Commercial;
    Geschaeftsgebaeude = 2050, "Geschäftsgebäude", Commercial;
    Laden = 2054, "Laden", Commercial;
    Beherbergung = 2070, "Gebäude für Beherbergung", Commercial;
    HotelMotelPension = 2071, "Hotel, Motel, Pension", Commercial;
    GaststaetteRestaurant = 2081, "Gaststätte, Restaurant", Commercial;
    GewerbeUndIndustrie = 2100, "Gebäude für Gewerbe und Industrie", Commercial;
    Produktionsgebaeude = 2110, "Produktionsgebäude", Commercial;
    Betriebsgebaeude = 2112, "Betriebsgebäude", Commercial;
    Werkstatt = 2120, "Werkstatt", Commercial;
    Tankstelle = 2130, "Tankstelle", Commercial;
    Lagerhalle = 2143, "Lagerhalle, Lagerschuppen, Lagerhaus", Commercial;
    HandelUndDienstleistungMitWohnen = 2310, "Gebäude für Handel und Dienstleistung mit Wohnen", Mixed;
    GewerbeUndIndustrieMitWohnen = 2320, "Gebäude für Gewerbe und Industrie mit Wohnen", Mixed;
    GebaeudeZumParken = 2460, "Gebäude zum Parken", Ancillary;
    Garage = 2463, "Garage", Ancillary;
    Fahrzeughalle = 2464, "Fahrzeughalle", Ancillary;
    Versorgung = 2500, "Gebäude zur Versorgung", Ancillary;
    Umformer = 2523, "Umformer", Ancillary;
    LandUndForstwirtschaft = 2700, "Gebäude für Land- und Forstwirtschaft", Agricultural;
    LandwirtschaftlichesBetriebsgebaeude = 2720, "Land- und forstwirtschaftliches Betriebsgebäude", Agricultural;
    Scheune = 2721, "Scheune", Agricultural;
    Schuppen = 2723, "Schuppen", Ancillary;
    Stall = 2724, "Stall", Agricultural;
    ScheuneUndStall = 2726, "Scheune und Stall", Agricultural;
    Gewaechshaus = 2740, "Treibhaus, Gewächshaus", Agricultural;
    OeffentlicheZwecke = 3000, "Gebäude für öffentliche Zwecke", Public;
    Verwaltungsgebaeude = 3010, "Verwaltungsgebäude", Public;
    Rathaus = 3012, "Rathaus", Public;
    AllgemeinBildendeSchule = 3021, "Allgemein bildende Schule", Public;
    Kirche = 3041, "Kirche", Public;
    Gemeindehaus = 3044, "Gemeindehaus", Public;
    Aerztehaus = 3053, "Ärztehaus, Poliklinik", Public;
    Buergerhaus = 3062, "Freizeit-, Vereinsheim, Dorfgemeinschafts-, Bürgerhaus", Public;
    Kindertagesstaette = 3065, "Kinderkrippe, Kindergarten, Kindertagesstätte", Public;
    Feuerwehr = 3072, "Feuerwehr", Public;
    OeffentlicheZweckeMitWohnen = 3100, "Gebäude für öffentliche Zwecke mit Wohnen", Mixed;
    SportTurnhalle = 3211, "Sport-, Turnhalle", Public;
}

/// Unlisted codes: the thousands group says enough for vacancy purposes.
fn use_by_group(code: u16) -> BuildingUse {
    match code {
        1000..=1099 | 1200..=1219 => BuildingUse::Residential,
        1100..=1199 | 1220..=1299 | 2300..=2399 | 3100..=3199 => BuildingUse::Mixed,
        1300..=1399 => BuildingUse::Leisure,
        2400..=2699 => BuildingUse::Ancillary,
        2700..=2799 => BuildingUse::Agricultural,
        2000..=2299 => BuildingUse::Commercial,
        _ => BuildingUse::Public,
    }
}

impl From<u16> for BuildingFunction {
    fn from(code: u16) -> Self {
        Self::from_code(code)
    }
}

impl From<BuildingFunction> for u16 {
    fn from(f: BuildingFunction) -> Self {
        f.code()
    }
}

/// A building of the cadastre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Building {
    pub alkis_id: AlkisId,
    pub function: BuildingFunction,
    /// Storeys above ground (`anzahlDerOberirdischenGeschosse`), where recorded.
    pub storeys: Option<u8>,
    /// Number of dwellings, where the register or the survey knows it.
    pub dwellings: Option<u16>,
    /// Footprint in EPSG:25832.
    pub footprint: MultiPolygon<f64>,
    /// The parcel the building stands on (largest overlap).
    pub parcel: Option<Flurstueckskennzeichen>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_numbers_roundtrip() {
        for f in BuildingFunction::ALL {
            assert_eq!(BuildingFunction::from_code(f.code()), *f);
            assert!(f.name_de().is_some());
        }
        assert_eq!(BuildingFunction::Wohngebaeude.code(), 1000);
        assert_eq!(BuildingFunction::WirtschaftOderGewerbe.code(), 2000);
        assert_eq!(BuildingFunction::Garage.code(), 2463);
    }

    #[test]
    fn garages_and_barns_never_count() {
        assert!(!BuildingFunction::Garage.building_use().counts_for_vacancy());
        assert!(!BuildingFunction::Scheune
            .building_use()
            .counts_for_vacancy());
        assert!(BuildingFunction::Wohnhaus.building_use().has_dwellings());
        assert!(BuildingFunction::Laden.building_use().counts_for_vacancy());
        // Unlisted codes fall back to their group.
        assert_eq!(
            BuildingFunction::from_code(2465).building_use(),
            BuildingUse::Ancillary
        );
        assert_eq!(
            BuildingFunction::from_code(1024).building_use(),
            BuildingUse::Residential
        );
        assert_eq!(
            BuildingFunction::from_code(2742).building_use(),
            BuildingUse::Agricultural
        );
    }

    #[test]
    fn codes_are_unique() {
        let mut codes: Vec<u16> = BuildingFunction::ALL.iter().map(|f| f.code()).collect();
        let n = codes.len();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), n);
    }
}
