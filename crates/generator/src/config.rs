//! The generator's configuration (`data/towns.toml`): towns with their official figures and
//! Ortsteile, and the name pools. The file in the repository is compiled in as the default.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::GenError;

/// `data/towns.toml` of the repository.
pub const DEFAULT_CONFIG: &str = include_str!("../../../data/towns.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Reference date of the registers (`stichtag`), `YYYY-MM-DD`.
    pub reference_date: String,
    #[serde(rename = "town")]
    pub towns: Vec<TownConfig>,
    pub synthetic: SyntheticConfig,
    pub streets: StreetConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TownConfig {
    pub name: String,
    pub official_name: String,
    pub ags: String,
    pub area_km2: f64,
    pub inhabitants: u32,
    pub lon: f64,
    pub lat: f64,
    pub plz: String,
    pub core_share: f64,
    pub gemarkung_base: u16,
    pub vacancy_factor: f64,
    pub villages: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyntheticConfig {
    pub prefixes: Vec<String>,
    pub stems: Vec<String>,
    pub suffixes: Vec<String>,
    pub min_inhabitants: u32,
    pub max_inhabitants: u32,
    pub density_per_km2: f64,
    pub plz_base: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreetConfig {
    pub core: Vec<String>,
    pub village: Vec<String>,
    pub suffixes: Vec<String>,
}

impl Config {
    /// The configuration compiled in from `data/towns.toml`.
    pub fn builtin() -> Result<Self, GenError> {
        Self::parse(DEFAULT_CONFIG, Path::new("data/towns.toml"))
    }

    pub fn from_file(path: &Path) -> Result<Self, GenError> {
        let text = std::fs::read_to_string(path).map_err(|source| GenError::ConfigRead {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    fn parse(text: &str, path: &Path) -> Result<Self, GenError> {
        let bad = |message: String| GenError::Config {
            path: PathBuf::from(path),
            message,
        };
        let config: Self = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        if config.towns.is_empty() {
            return Err(bad("no [[town]] given".into()));
        }
        for t in &config.towns {
            if t.ags.parse::<model::Ags>().is_err() {
                return Err(bad(format!(
                    "town {}: ags {:?} is not 8 digits",
                    t.name, t.ags
                )));
            }
            if !(t.area_km2 > 0.5 && t.inhabitants >= 50 && (0.05..=1.0).contains(&t.core_share)) {
                return Err(bad(format!(
                    "town {}: needs area_km2 > 0.5, inhabitants >= 50, core_share in 0.05..=1",
                    t.name
                )));
            }
            if !(1..=9000).contains(&t.gemarkung_base) {
                return Err(bad(format!("town {}: gemarkung_base 1..=9000", t.name)));
            }
        }
        if config.streets.core.len() < 20 || config.streets.village.len() < 10 {
            return Err(bad(
                "streets: need at least 20 core and 10 village names".into()
            ));
        }
        if config.synthetic.stems.is_empty() || config.synthetic.suffixes.is_empty() {
            return Err(bad("synthetic: stems and suffixes must not be empty".into()));
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_config_holds_the_four_towns() {
        let c = Config::builtin().unwrap();
        let names: Vec<_> = c.towns.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            ["Sömmerda", "Buttstädt", "Kindelbrück", "Straußfurt"]
        );
        let total: u32 = c.towns.iter().map(|t| t.inhabitants).sum();
        assert_eq!(total, 31_503);
    }
}
