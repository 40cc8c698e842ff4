//! Addresses (ALKIS `AX_LagebezeichnungMitHausnummer`) and the normalisation that matches
//! register rows ("Hauptstr. 12 a") to cadastral addresses ("Hauptstraße 12a").

use std::fmt;
use std::str::FromStr;

use geo_types::Point;
use serde::{Deserialize, Serialize};

use crate::{Ags, AlkisId, ModelError};

/// A house number with an optional letter suffix: `12`, `12a`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HouseNumber {
    pub number: u32,
    /// Lower-case suffix (`a`, `b`, …); offices write `12A`, `12 a` or `12a` for the same.
    pub suffix: Option<String>,
}

impl FromStr for HouseNumber {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (digits, rest) = t.split_at(split);
        let number: u32 = digits
            .parse()
            .map_err(|_| ModelError::invalid("house_number", s, "must start with a number"))?;
        if number == 0 {
            return Err(ModelError::invalid("house_number", s, "must be at least 1"));
        }
        let suffix = rest
            .trim()
            .trim_start_matches(['-', '/'])
            .trim()
            .to_lowercase();
        if suffix.chars().count() > 4 || !suffix.chars().all(char::is_alphanumeric) {
            return Err(ModelError::invalid(
                "house_number",
                s,
                "suffix must be a few letters or digits, e.g. 12a",
            ));
        }
        Ok(Self {
            number,
            suffix: (!suffix.is_empty()).then_some(suffix),
        })
    }
}

impl fmt::Display for HouseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.number, self.suffix.as_deref().unwrap_or(""))
    }
}

impl TryFrom<String> for HouseNumber {
    type Error = ModelError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<HouseNumber> for String {
    fn from(h: HouseNumber) -> Self {
        h.to_string()
    }
}

/// A postal address of a building.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Address {
    pub alkis_id: Option<AlkisId>,
    pub ags: Option<Ags>,
    pub street: String,
    pub house_number: HouseNumber,
    pub postcode: Option<String>,
    /// Position in EPSG:25832 (usually on the main building).
    pub position: Option<Point<f64>>,
    /// The building the address belongs to (`zeigtAuf` / `hat`).
    pub building: Option<AlkisId>,
}

impl Address {
    /// The key register rows are matched on: normalised street and house number.
    pub fn match_key(&self) -> String {
        format!("{} {}", normalize_street(&self.street), self.house_number)
    }
}

/// Normalises a street name for matching: lower case, `Str.`/`Strasse` → `straße`, single
/// spaces, no trailing dots. "Lange Str." and "Lange Straße" give the same key.
pub fn normalize_street(street: &str) -> String {
    let lower = street.to_lowercase().replace('-', " ");
    let words: Vec<String> = lower
        .split_whitespace()
        .map(|word| {
            let w = word.replace("strasse", "straße").replace("str.", "straße");
            if w.ends_with("str") {
                format!("{w}aße")
            } else {
                w
            }
        })
        .collect();
    // "Lange Straße" and "Langestraße" are written both ways.
    words.join(" ").replace(" straße", "straße")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn house_numbers() {
        let h: HouseNumber = "12 A".parse().unwrap();
        assert_eq!(h.to_string(), "12a");
        assert_eq!("12a".parse::<HouseNumber>().unwrap(), h);
        assert_eq!("12-a".parse::<HouseNumber>().unwrap(), h);
        assert_eq!("7".parse::<HouseNumber>().unwrap().suffix, None);
        assert!("a12".parse::<HouseNumber>().is_err());
        assert!("0".parse::<HouseNumber>().is_err());
        assert!("12 a; drop table".parse::<HouseNumber>().is_err());
    }

    #[test]
    fn street_variants_match() {
        let base = normalize_street("Lange Straße");
        for v in [
            "Lange Str.",
            "lange strasse",
            "  Lange   Straße ",
            "Lange-Straße",
            "Lange Str",
        ] {
            assert_eq!(normalize_street(v), base, "{v}");
        }
        assert_eq!(
            normalize_street("Marktstr."),
            normalize_street("Marktstraße")
        );
        assert_ne!(
            normalize_street("Marktplatz"),
            normalize_street("Marktstraße")
        );
    }

    proptest! {
        #[test]
        fn normalising_is_idempotent(s in "[A-Za-zäöüß .-]{0,30}") {
            let once = normalize_street(&s);
            prop_assert_eq!(normalize_street(&once), once.clone());
        }
    }
}
