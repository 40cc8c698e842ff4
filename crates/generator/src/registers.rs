//! The registers as the towns' offices export them (`;`, UTF-8, decimal comma), drawn from the
//! ground truth with the errors real registers have: people still registered in empty houses,
//! second homes, missing meter rows, stale and wrong survey entries, wrong and duplicate
//! citizen reports, spelling variants and a few addresses that match nothing in ALKIS.
//! `noise` multiplies every error rate.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::geom::{mm_to_m, Pt};
use crate::record::{
    AddressRec, BuildingRec, BuildingTruth, ParcelRec, ParcelTruth, TownInfo, Unit,
};
use crate::settlement::REFERENCE_YEAR;
use crate::GenError;

/// Billing years in `meters.csv`.
pub const METER_YEARS: [u16; 3] = [REFERENCE_YEAR - 2, REFERENCE_YEAR - 1, REFERENCE_YEAR];

struct Csv {
    path: PathBuf,
    w: BufWriter<File>,
}

impl Csv {
    fn create(path: PathBuf, header: &[&str]) -> Result<Self, GenError> {
        let f = File::create(&path).map_err(GenError::io(&path))?;
        let mut c = Self {
            path,
            w: BufWriter::with_capacity(1 << 18, f),
        };
        c.row(&header.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())?;
        Ok(c)
    }

    fn row(&mut self, fields: &[String]) -> Result<(), GenError> {
        let mut line = String::with_capacity(128);
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                line.push(';');
            }
            if f.contains([';', '"', '\n', '\r']) {
                line.push('"');
                line.push_str(&f.replace('"', "\"\""));
                line.push('"');
            } else {
                line.push_str(f);
            }
        }
        line.push('\n');
        self.w
            .write_all(line.as_bytes())
            .map_err(GenError::io(&self.path))
    }

    fn finish(mut self) -> Result<(), GenError> {
        self.w.flush().map_err(GenError::io(&self.path))
    }
}

pub struct Registers {
    noise: f64,
    stichtag: String,
    residents: Csv,
    meters: Csv,
    survey: Csv,
    reports: Csv,
    next_report: u64,
    next_meter: u64,
}

impl std::fmt::Debug for Registers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registers")
            .field("noise", &self.noise)
            .finish()
    }
}

impl Registers {
    pub fn create(dir: &Path, noise: f64, stichtag: &str) -> Result<Self, GenError> {
        Ok(Self {
            noise,
            stichtag: stichtag.to_owned(),
            residents: Csv::create(
                dir.join("residents.csv"),
                &[
                    "gemeindeschluessel",
                    "strasse",
                    "hausnummer",
                    "plz",
                    "stichtag",
                    "ew_0_17",
                    "ew_18_64",
                    "ew_65_74",
                    "ew_75_plus",
                    "nebenwohnsitz",
                    "letzte_meldung",
                ],
            )?,
            meters: Csv::create(
                dir.join("meters.csv"),
                &[
                    "zaehlpunkt",
                    "strasse",
                    "hausnummer",
                    "plz",
                    "sparte",
                    "jahr",
                    "verbrauch",
                    "einheit",
                ],
            )?,
            survey: Csv::create(
                dir.join("survey.csv"),
                &[
                    "gebaeude_id",
                    "strasse",
                    "hausnummer",
                    "plz",
                    "datum",
                    "befund",
                    "wohnungen",
                    "leere_wohnungen",
                    "zustand",
                    "bemerkung",
                ],
            )?,
            reports: Csv::create(
                dir.join("reports.csv"),
                &[
                    "meldung_id",
                    "eingang",
                    "rechtswert",
                    "hochwert",
                    "kategorie",
                    "text",
                    "kontakt",
                ],
            )?,
            next_report: 1,
            next_meter: 1,
        })
    }

    fn p(&self, rate: f64) -> f64 {
        (rate * self.noise).clamp(0.0, 0.9)
    }

    /// Street and house number as a clerk typed them.
    fn spelled(&self, a: &AddressRec, rng: &mut ChaCha8Rng) -> (String, String) {
        let mut street = a.street.clone();
        if street.ends_with("straße") || street.ends_with("Straße") {
            let r: f64 = rng.gen();
            if r < self.p(0.12) {
                street = format!("{}.", street.trim_end_matches("aße"));
            } else if r < self.p(0.16) {
                street = street.replace("aße", "asse");
            }
        }
        let number = match a.suffix {
            Some(c) => match rng.gen_range(0..4) {
                0 => format!("{} {c}", a.number),
                1 => format!("{}{}", a.number, c.to_ascii_uppercase()),
                2 => format!("{} {}", a.number, c.to_ascii_uppercase()),
                _ => format!("{}{c}", a.number),
            },
            None => a.number.to_string(),
        };
        if rng.gen_bool(self.p(0.004)) {
            // An address the cadastre does not know (typo, renamed street, new building).
            return (street, format!("{}", a.number + 300));
        }
        (street, number)
    }

    /// Residents, meters, survey and reports of one building with dwellings or business
    /// units and an address.
    pub fn building(
        &mut self,
        town: &TownInfo,
        b: &BuildingRec,
        truth: BuildingTruth,
        core: bool,
        rng: &mut ChaCha8Rng,
    ) -> Result<(), GenError> {
        let Some(a) = &b.address else {
            return Ok(());
        };
        // Einwohnermeldeamt.
        let mut bands = [0u32; 4];
        let mut secondary = 0u32;
        let mut last_move: Option<u16> = None;
        for u in &b.units {
            match u {
                Unit::Dwelling {
                    bands: hb,
                    secondary: s,
                    moved_in,
                } => {
                    // Tenants who never registered.
                    if hb.iter().any(|&x| x > 0) && rng.gen_bool(self.p(0.01)) {
                        continue;
                    }
                    for (t, &x) in bands.iter_mut().zip(hb) {
                        *t += u32::from(x);
                    }
                    secondary += u32::from(*s);
                    last_move = last_move.max(Some(*moved_in));
                }
                Unit::Vacant {
                    since,
                    business: false,
                } => {
                    last_move = last_move.max(Some(*since));
                    // Somebody moved out, or died, and was never deregistered.
                    if rng.gen_bool(self.p(0.04)) {
                        bands[[1, 2, 3, 3][rng.gen_range(0..4)]] += 1;
                    }
                }
                _ => {}
            }
        }
        let (street, number) = self.spelled(a, rng);
        if bands.iter().sum::<u32>() + secondary > 0 {
            let letzte = match last_move {
                Some(y) if !rng.gen_bool(0.05) => date(y, rng),
                _ => String::new(),
            };
            self.residents.row(&[
                town.ags.clone(),
                street.clone(),
                number.clone(),
                town.plz.clone(),
                self.stichtag.clone(),
                bands[0].to_string(),
                bands[1].to_string(),
                bands[2].to_string(),
                bands[3].to_string(),
                secondary.to_string(),
                letzte,
            ])?;
        }

        // Stadtwerke: one metering point per address and medium.
        let all_vacant_long = b
            .units
            .iter()
            .all(|u| matches!(u, Unit::Vacant { since, .. } if *since + 3 <= REFERENCE_YEAR));
        let dismantled = all_vacant_long && rng.gen_bool(0.4);
        if !dismantled {
            for (sparte, unit) in [("Strom", "kWh"), ("Wasser", "m3")] {
                let zp = format!(
                    "DE{}{:05}{:021}",
                    &town.ags[..5],
                    town.plz.parse::<u32>().unwrap_or(0),
                    self.next_meter
                );
                self.next_meter += 1;
                for &year in &METER_YEARS {
                    if rng.gen_bool(self.p(0.03)) {
                        continue;
                    }
                    let mut v = 0.0;
                    for u in &b.units {
                        v += consumption(u, year, sparte == "Strom", rng);
                    }
                    self.meters.row(&[
                        zp.clone(),
                        street.clone(),
                        number.clone(),
                        town.plz.clone(),
                        sparte.to_owned(),
                        year.to_string(),
                        decimal_comma(v, 1),
                        unit.to_owned(),
                    ])?;
                }
            }
        }

        // Field survey of a sample, more of the suspicious-looking buildings.
        let p_survey = if b.derelict {
            0.5
        } else if core {
            0.07
        } else {
            0.12
        };
        if rng.gen_bool(p_survey) {
            self.survey_row(b, truth, &street, &number, &town.plz, rng)?;
        }

        // Citizen reports.
        let p_report = match truth {
            BuildingTruth::Vacant => 0.10,
            BuildingTruth::PartlyVacant => 0.02,
            _ => self.p(0.004),
        };
        if rng.gen_bool(p_report) {
            self.report(b.ring.center(), "leerstand", rng)?;
        }
        Ok(())
    }

    fn survey_row(
        &mut self,
        b: &BuildingRec,
        truth: BuildingTruth,
        street: &str,
        number: &str,
        plz: &str,
        rng: &mut ChaCha8Rng,
    ) -> Result<(), GenError> {
        let dwellings = b.units.len();
        let mut vacant = b.units.iter().filter(|u| u.is_vacant()).count();
        let mut befund = match truth {
            BuildingTruth::Vacant => "leerstehend",
            BuildingTruth::PartlyVacant => "teilweise leerstehend",
            _ => "bewohnt",
        };
        let mut year = REFERENCE_YEAR - rng.gen_range(0..2);
        let r: f64 = rng.gen();
        if r < self.p(0.10) {
            // Stale: surveyed years ago, the state has changed since.
            year = rng.gen_range(REFERENCE_YEAR - 9..=REFERENCE_YEAR - 5);
            let since = b
                .units
                .iter()
                .filter_map(|u| match u {
                    Unit::Vacant { since, .. } => Some(*since),
                    _ => None,
                })
                .min();
            befund = match (truth, since) {
                (BuildingTruth::Vacant | BuildingTruth::PartlyVacant, Some(s)) if s > year => {
                    vacant = 0;
                    "bewohnt"
                }
                (BuildingTruth::Occupied | BuildingTruth::Risk, _) if rng.gen_bool(0.5) => {
                    vacant = dwellings;
                    "leerstehend"
                }
                _ => befund,
            };
        } else if r < self.p(0.12) {
            befund = ["bewohnt", "leerstehend", "teilweise leerstehend"][rng.gen_range(0..3)];
        } else if r < self.p(0.12) + 0.03 {
            befund = "unklar";
        }
        let known = rng.gen_bool(0.7) && befund != "unklar";
        let zustand = if rng.gen_bool(0.2) {
            ""
        } else if b.derelict {
            ["schlecht", "ruinös"][rng.gen_range(0..2)]
        } else if befund == "leerstehend" {
            ["mittel", "schlecht"][rng.gen_range(0..2)]
        } else {
            ["gut", "gut", "mittel"][rng.gen_range(0..3)]
        };
        let bemerkung = match befund {
            "leerstehend" => [
                "Briefkasten überfüllt",
                "Fenster verhängt",
                "Verkaufsschild am Zaun",
                "keine Klingelschilder",
                "",
            ][rng.gen_range(0..5)],
            "teilweise leerstehend" => {
                ["Klingelschilder teilweise leer", "Laden im EG leer", ""][rng.gen_range(0..3)]
            }
            "unklar" => ["niemand angetroffen", "Zugang versperrt"][rng.gen_range(0..2)],
            _ => ["", "", "Gardinen, Licht", "Garten gepflegt"][rng.gen_range(0..4)],
        };
        let id = if rng.gen_bool(0.3) {
            String::new()
        } else {
            b.id.clone()
        };
        self.survey.row(&[
            id,
            street.to_owned(),
            number.to_owned(),
            plz.to_owned(),
            date(year, rng),
            befund.to_owned(),
            if known {
                dwellings.to_string()
            } else {
                String::new()
            },
            if known {
                vacant.to_string()
            } else {
                String::new()
            },
            zustand.to_owned(),
            bemerkung.to_owned(),
        ])
    }

    /// Reports about plots: building gaps and brownfields.
    pub fn parcel(&mut self, p: &ParcelRec, rng: &mut ChaCha8Rng) -> Result<(), GenError> {
        let (prob, cat) = match p.truth {
            ParcelTruth::BuildingGap => (0.12, "baulücke"),
            ParcelTruth::VacantBuildingPlot => (0.03, "baulücke"),
            ParcelTruth::Brownfield => (0.30, "brache"),
            ParcelTruth::Underused => (0.02, "zwischennutzung"),
            ParcelTruth::None => return Ok(()),
        };
        if rng.gen_bool(prob) {
            self.report(p.ring.center(), cat, rng)?;
        }
        Ok(())
    }

    fn report(&mut self, at: Pt, kategorie: &str, rng: &mut ChaCha8Rng) -> Result<(), GenError> {
        let copies = if rng.gen_bool(self.p(0.10)) { 2 } else { 1 };
        let day0 = rng.gen_range(0..700);
        for c in 0..copies {
            let id = self.next_report;
            self.next_report += 1;
            let day = day0 + c * rng.gen_range(5..120);
            let (y, d) = if day < 365 {
                (REFERENCE_YEAR - 1, day)
            } else {
                (REFERENCE_YEAR, day - 365)
            };
            let x = mm_to_m(at.0) + rng.gen_range(-12.0..12.0);
            let yv = mm_to_m(at.1) + rng.gen_range(-12.0..12.0);
            let (xs, ys) = if rng.gen_bool(0.7) {
                (decimal_comma(x, 2), decimal_comma(yv, 2))
            } else {
                (format!("{x:.2}"), format!("{yv:.2}"))
            };
            let text = match kategorie {
                "leerstand" => [
                    "Das Haus steht seit Jahren leer, die Fenster sind kaputt.",
                    "Hier wohnt niemand mehr, der Briefkasten quillt über.",
                    "Leerstehendes Wohnhaus, Dach undicht.",
                    "Seit dem Tod der Besitzerin unbewohnt.",
                ][rng.gen_range(0..4)],
                "baulücke" => [
                    "Freies Grundstück zwischen zwei Häusern, wäre ideal für ein Einfamilienhaus.",
                    "Baulücke, seit Jahren ungenutzt.",
                    "Unbebautes Grundstück in der Straße.",
                ][rng.gen_range(0..3)],
                "brache" => [
                    "Altes Betriebsgelände, verfallene Hallen.",
                    "Ehemaliges Werksgelände liegt brach.",
                    "Verlassene Stallanlage am Ortsrand.",
                ][rng.gen_range(0..3)],
                _ => [
                    "Großes Grundstück, könnte als Gemeinschaftsgarten genutzt werden.",
                    "Fläche für eine Zwischennutzung?",
                ][rng.gen_range(0..2)],
            };
            let kontakt = match rng.gen_range(0..10) {
                0..=4 => format!("buerger{}@example.org", rng.gen_range(100..9999)),
                5..=6 => format!("03634 {}", rng.gen_range(100_000..999_999)),
                _ => String::new(),
            };
            self.reports.row(&[
                id.to_string(),
                date_of(y, d),
                xs,
                ys,
                kategorie.to_owned(),
                text.to_owned(),
                kontakt,
            ])?;
        }
        Ok(())
    }

    pub fn finish(self) -> Result<(), GenError> {
        self.residents.finish()?;
        self.meters.finish()?;
        self.survey.finish()?;
        self.reports.finish()
    }
}

/// Yearly consumption of one unit.
fn consumption(u: &Unit, year: u16, power: bool, rng: &mut ChaCha8Rng) -> f64 {
    let jitter: f64 = rng.gen_range(0.8..1.2);
    match u {
        Unit::Dwelling {
            bands, secondary, ..
        } => {
            let persons: f64 = bands.iter().map(|&b| f64::from(b)).sum();
            if persons == 0.0 {
                // A second home: used a few weeks a year.
                let s = f64::from(*secondary);
                return if power {
                    (350.0 + 250.0 * s) * jitter
                } else {
                    (4.0 + 3.0 * s) * jitter
                };
            }
            if power {
                (1100.0 + 850.0 * persons) * jitter
            } else {
                38.0 * persons * jitter
            }
        }
        Unit::Business => {
            if power {
                rng.gen_range(3000.0..40_000.0)
            } else {
                rng.gen_range(15.0..250.0)
            }
        }
        Unit::Vacant { since, business } => {
            if year < *since {
                // Still in use that year.
                let base = if *business { 8000.0 } else { 2600.0 };
                if power {
                    base * jitter
                } else {
                    70.0 * jitter
                }
            } else if power {
                rng.gen_range(0.0..120.0)
            } else {
                rng.gen_range(0.0..1.5)
            }
        }
    }
}

pub fn decimal_comma(v: f64, decimals: usize) -> String {
    format!("{v:.decimals$}").replace('.', ",")
}

const MONTH_DAYS: [u16; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

fn is_leap(y: u16) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// `YYYY-MM-DD` of day `d` (0-based) of year `y`.
pub fn date_of(y: u16, d: u16) -> String {
    let mut d = d % if is_leap(y) { 366 } else { 365 };
    for (m, &len) in MONTH_DAYS.iter().enumerate() {
        let len = if m == 1 && is_leap(y) { 29 } else { len };
        if d < len {
            return format!("{y:04}-{:02}-{:02}", m + 1, d + 1);
        }
        d -= len;
    }
    format!("{y:04}-12-31")
}

fn date(y: u16, rng: &mut ChaCha8Rng) -> String {
    date_of(y, rng.gen_range(0..365))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_decimals() {
        assert_eq!(date_of(2024, 0), "2024-01-01");
        assert_eq!(date_of(2024, 59), "2024-02-29");
        assert_eq!(date_of(2023, 59), "2023-03-01");
        assert_eq!(date_of(2024, 365), "2024-12-31");
        assert_eq!(decimal_comma(3512.44, 1), "3512,4");
    }
}
