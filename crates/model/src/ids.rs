//! Official keys: municipality key (AGS), ALKIS object id, and the parcel key
//! (Flurstückskennzeichen). Each parses strictly and names what is wrong.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ModelError;

/// Amtlicher Gemeindeschlüssel: 8 digits, land (2) + Regierungsbezirk (1) + Kreis (2) +
/// Gemeinde (3), e.g. `16068051` for Sömmerda.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Ags([u8; 8]);

impl Ags {
    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The five-digit district key (Kreisschlüssel), e.g. `16068` for Landkreis Sömmerda.
    pub fn kreis(&self) -> &str {
        &self.as_str()[..5]
    }

    /// The two-digit state key, e.g. `16` for Thuringia.
    pub fn land(&self) -> &str {
        &self.as_str()[..2]
    }
}

impl FromStr for Ags {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = s.as_bytes();
        if bytes.len() != 8 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(ModelError::invalid(
                "ags",
                s,
                "expected 8 digits, e.g. 16068051",
            ));
        }
        let mut key = [0u8; 8];
        key.copy_from_slice(bytes);
        Ok(Self(key))
    }
}

impl TryFrom<String> for Ags {
    type Error = ModelError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Ags> for String {
    fn from(a: Ags) -> Self {
        a.as_str().to_owned()
    }
}

impl fmt::Display for Ags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// ALKIS object identifier: 16 characters, `DE` + state code + 12 characters,
/// e.g. `DENW42AL1000Nscu`. Update deliveries name objects by this id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AlkisId(String);

impl AlkisId {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Accepts the bare id or the `urn:adv:oid:` form used in NAS links.
    pub fn from_urn(s: &str) -> Result<Self, ModelError> {
        s.strip_prefix("urn:adv:oid:").unwrap_or(s).parse()
    }
}

impl FromStr for AlkisId {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Update deliveries append a timestamp (`DENW…Nscu20090724T155148Z`); the object id
        // is the first 16 characters.
        if !s.is_ascii() || s.len() != 16 && !(s.len() == 32 && s.ends_with('Z')) {
            return Err(ModelError::invalid(
                "alkis_id",
                s,
                "expected 16 characters, e.g. DETHL51000000001",
            ));
        }
        let id = &s[..16];
        if !id.starts_with("DE") || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(ModelError::invalid(
                "alkis_id",
                s,
                "expected DE followed by 14 letters or digits",
            ));
        }
        Ok(Self(id.to_owned()))
    }
}

impl TryFrom<String> for AlkisId {
    type Error = ModelError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<AlkisId> for String {
    fn from(a: AlkisId) -> Self {
        a.0
    }
}

impl fmt::Display for AlkisId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Flurstückskennzeichen, the parcel key of the cadastre: 20 characters,
/// Land (2) · Gemarkung (4) · Flur (3) · Zähler (5) · Nenner (4 or `____`) · `__`,
/// e.g. `05439400800028______` for Gemarkung 4394, Flur 8, Flurstück 28.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Flurstueckskennzeichen {
    land: u8,
    gemarkung: u16,
    flur: u16,
    zaehler: u32,
    nenner: Option<u16>,
}

impl Flurstueckskennzeichen {
    pub fn new(
        land: u8,
        gemarkung: u16,
        flur: u16,
        zaehler: u32,
        nenner: Option<u16>,
    ) -> Result<Self, ModelError> {
        let key = Self {
            land,
            gemarkung,
            flur,
            zaehler,
            nenner,
        };
        let text = key.to_string();
        if land == 0 || land > 16 {
            return Err(ModelError::invalid(
                "flurstueckskennzeichen",
                text,
                "Land must be 01 to 16",
            ));
        }
        if gemarkung == 0 || gemarkung > 9999 || flur > 999 {
            return Err(ModelError::invalid(
                "flurstueckskennzeichen",
                text,
                "Gemarkung must be 0001 to 9999 and Flur at most 999",
            ));
        }
        if zaehler == 0 || zaehler > 99_999 || nenner.is_some_and(|n| n == 0 || n > 9999) {
            return Err(ModelError::invalid(
                "flurstueckskennzeichen",
                text,
                "Zähler must be 1 to 99999 and Nenner 1 to 9999",
            ));
        }
        Ok(key)
    }

    pub fn land(&self) -> u8 {
        self.land
    }
    pub fn gemarkung(&self) -> u16 {
        self.gemarkung
    }
    pub fn flur(&self) -> u16 {
        self.flur
    }
    pub fn zaehler(&self) -> u32 {
        self.zaehler
    }
    pub fn nenner(&self) -> Option<u16> {
        self.nenner
    }

    /// The number as planners write it: `28` or `28/3`.
    pub fn flurstuecksnummer(&self) -> String {
        match self.nenner {
            Some(n) => format!("{}/{}", self.zaehler, n),
            None => self.zaehler.to_string(),
        }
    }
}

fn digits<T: FromStr>(s: &str, what: &str, whole: &str) -> Result<T, ModelError> {
    if s.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(v) = s.parse() {
            return Ok(v);
        }
    }
    Err(ModelError::invalid(
        "flurstueckskennzeichen",
        whole,
        format!("{what} must be digits, found {s:?}"),
    ))
}

impl FromStr for Flurstueckskennzeichen {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() != 20 || !s.is_ascii() {
            return Err(ModelError::invalid(
                "flurstueckskennzeichen",
                s,
                "expected 20 characters: Land(2) Gemarkung(4) Flur(3) Zähler(5) Nenner(4 or ____) __",
            ));
        }
        let land = digits(&s[0..2], "Land", s)?;
        let gemarkung = digits(&s[2..6], "Gemarkung", s)?;
        let flur = digits(&s[6..9], "Flur", s)?;
        let zaehler = digits(&s[9..14], "Zähler", s)?;
        let nenner = match &s[14..18] {
            "____" => None,
            n => Some(digits(n, "Nenner", s)?),
        };
        if !s[18..20].bytes().all(|b| b == b'_' || b.is_ascii_digit()) {
            return Err(ModelError::invalid(
                "flurstueckskennzeichen",
                s,
                "the last two characters must be __ or digits",
            ));
        }
        Self::new(land, gemarkung, flur, zaehler, nenner)
    }
}

impl fmt::Display for Flurstueckskennzeichen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}{:04}{:03}{:05}",
            self.land, self.gemarkung, self.flur, self.zaehler
        )?;
        match self.nenner {
            Some(n) => write!(f, "{n:04}__"),
            None => f.write_str("______"),
        }
    }
}

impl TryFrom<String> for Flurstueckskennzeichen {
    type Error = ModelError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Flurstueckskennzeichen> for String {
    fn from(k: Flurstueckskennzeichen) -> Self {
        k.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_real_nrw_key() {
        let k: Flurstueckskennzeichen = "05439400800028______".parse().unwrap();
        assert_eq!(
            (k.land(), k.gemarkung(), k.flur(), k.zaehler(), k.nenner()),
            (5, 4394, 8, 28, None)
        );
        assert_eq!(k.flurstuecksnummer(), "28");
        assert_eq!(k.to_string(), "05439400800028______");
    }

    #[test]
    fn parses_a_key_with_nenner() {
        let k: Flurstueckskennzeichen = "16512300100117000300".parse().unwrap();
        assert_eq!(k.nenner(), Some(3));
        assert_eq!(k.flurstuecksnummer(), "117/3");
        assert_eq!(k.to_string(), "165123001001170003__");
    }

    #[test]
    fn rejects_malformed_keys_with_the_reason() {
        for (bad, needle) in [
            ("0543940080002______", "20 characters"),
            ("05439400800028______x", "20 characters"),
            ("05A39400800028______", "Gemarkung must be digits"),
            ("05439400800000______", "Zähler must be 1"),
            ("17439400800028______", "Land must be 01 to 16"),
            ("0543940080002800x1__", "Nenner must be digits"),
            ("05439400800028____ab", "last two characters"),
        ] {
            let err = bad
                .parse::<Flurstueckskennzeichen>()
                .unwrap_err()
                .to_string();
            assert!(err.contains(needle), "{bad}: {err}");
            assert!(err.contains("flurstueckskennzeichen"), "{err}");
        }
    }

    #[test]
    fn ags_and_alkis_id() {
        let a: Ags = "16068051".parse().unwrap();
        assert_eq!((a.land(), a.kreis()), ("16", "16068"));
        assert!("1606805".parse::<Ags>().is_err());
        assert!("1606805x".parse::<Ags>().is_err());
        let id = AlkisId::from_urn("urn:adv:oid:DENW42AL1000Nscu").unwrap();
        assert_eq!(id.as_str(), "DENW42AL1000Nscu");
        let versioned: AlkisId = "DENW42AL1000Nscu20090724T155148Z".parse().unwrap();
        assert_eq!(versioned, id);
        assert!("XXNW42AL1000Nscu".parse::<AlkisId>().is_err());
        assert!("DENW42AL1000Nsc".parse::<AlkisId>().is_err());
    }

    #[test]
    fn serde_validates() {
        let ok: Flurstueckskennzeichen = serde_json::from_str("\"05439400800028______\"").unwrap();
        assert_eq!(
            serde_json::to_string(&ok).unwrap(),
            "\"05439400800028______\""
        );
        assert!(serde_json::from_str::<Flurstueckskennzeichen>("\"nope\"").is_err());
    }

    proptest! {
        #[test]
        fn display_parse_roundtrip(land in 1u8..=16, gem in 1u16..=9999, flur in 0u16..=999,
                                   z in 1u32..=99_999, n in proptest::option::of(1u16..=9999)) {
            let k = Flurstueckskennzeichen::new(land, gem, flur, z, n).unwrap();
            let text = k.to_string();
            prop_assert_eq!(text.len(), 20);
            prop_assert_eq!(text.parse::<Flurstueckskennzeichen>().unwrap(), k);
        }

        #[test]
        fn never_panics_on_any_text(s in "\\PC{0,30}") {
            let _ = s.parse::<Flurstueckskennzeichen>();
            let _ = s.parse::<AlkisId>();
            let _ = s.parse::<Ags>();
        }
    }
}
