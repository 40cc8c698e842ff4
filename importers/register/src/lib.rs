//! Imports the towns' registers from CSV: residents (Einwohnermeldeamt), meter readings
//! (Stadtwerke), the field survey and citizen reports. Accepts what offices really send:
//! `;` or `,` delimiters, UTF-8 with or without BOM or Windows-1252, decimal commas, quoted
//! fields. Rows are matched to ALKIS addresses in the database (see `store::MatchPolicy`).

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use store::{BatchKind, Begin, CopyBuf, ImportReport, MatchPolicy, Staging};

use model::{AlkisId, HouseNumber};

/// A register import failed; nothing of it was kept.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("{path}: cannot read")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}:{line}: {field}: {reason}")]
    Invalid {
        file: String,
        line: u64,
        field: String,
        reason: String,
    },
    #[error("{file}:{line}: malformed CSV: {reason}")]
    Csv {
        file: String,
        line: u64,
        reason: String,
    },
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

/// Which register the file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Register {
    Residents,
    Meters,
    Survey,
    Reports,
}

impl Register {
    fn columns(self) -> &'static [&'static str] {
        match self {
            Self::Residents => &[
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
            Self::Meters => &[
                "zaehlpunkt",
                "gemeindeschluessel",
                "strasse",
                "hausnummer",
                "plz",
                "sparte",
                "jahr",
                "verbrauch",
                "einheit",
            ],
            Self::Survey => &[
                "gebaeude_id",
                "gemeindeschluessel",
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
            Self::Reports => &[
                "meldung_id",
                "eingang",
                "rechtswert",
                "hochwert",
                "kategorie",
                "text",
                "kontakt",
            ],
        }
    }

    /// Columns that may be missing from the header entirely.
    fn optional(self) -> &'static [&'static str] {
        match self {
            Self::Residents => &[
                "plz",
                "nebenwohnsitz",
                "letzte_meldung",
                "gemeindeschluessel",
            ],
            Self::Meters => &["plz", "zaehlpunkt", "einheit", "gemeindeschluessel"],
            Self::Survey => &[
                "gebaeude_id",
                "gemeindeschluessel",
                "plz",
                "wohnungen",
                "leere_wohnungen",
                "zustand",
                "bemerkung",
            ],
            Self::Reports => &["meldung_id", "kontakt"],
        }
    }

    fn staging(self) -> Staging {
        match self {
            Self::Residents => Staging::Resident,
            Self::Meters => Staging::Meter,
            Self::Survey => Staging::Survey,
            Self::Reports => Staging::Report,
        }
    }

    fn kind(self) -> BatchKind {
        match self {
            Self::Residents => BatchKind::Residents,
            Self::Meters => BatchKind::Meters,
            Self::Survey => BatchKind::Survey,
            Self::Reports => BatchKind::Reports,
        }
    }
}

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub policy: MatchPolicy,
    pub progress: Option<indicatif::ProgressBar>,
}

/// Decodes the file: UTF-8 (BOM stripped) when it is valid UTF-8, otherwise Windows-1252,
/// which is what German office software exports. UTF-16 and binary files are refused.
pub fn decode(file: &str, bytes: &[u8]) -> Result<String, RegisterError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") || bytes.contains(&0) {
        return Err(RegisterError::Invalid {
            file: file.to_owned(),
            line: 1,
            field: "encoding".to_owned(),
            reason: "the file is UTF-16 or binary; export it as CSV in UTF-8 or Windows-1252"
                .to_owned(),
        });
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_owned()),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            Ok(text.into_owned())
        }
    }
}

/// The delimiter of the header line: the most frequent of `;`, `,` and tab outside quotes.
fn delimiter(header: &str) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for b in header.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b';' if !quoted => counts[0] += 1,
            b',' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|i| counts[*i]).unwrap_or(0);
    [b';', b',', b'\t'][best]
}

struct Line<'a> {
    file: &'a str,
    line: u64,
    values: Vec<(&'static str, Option<&'a str>)>,
}

impl<'a> Line<'a> {
    fn err(&self, field: &str, reason: impl Into<String>) -> RegisterError {
        RegisterError::Invalid {
            file: self.file.to_owned(),
            line: self.line,
            field: field.to_owned(),
            reason: reason.into(),
        }
    }

    fn get(&self, k: &str) -> Option<&'a str> {
        self.values
            .iter()
            .find(|(c, _)| *c == k)
            .and_then(|(_, v)| *v)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    fn req(&self, k: &str) -> Result<&'a str, RegisterError> {
        self.get(k).ok_or_else(|| self.err(k, "empty"))
    }

    fn count(&self, k: &str) -> Result<Option<i16>, RegisterError> {
        self.get(k)
            .map(|v| {
                v.parse::<i16>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                    self.err(k, format!("{v:?} is not a whole number of at least 0"))
                })
            })
            .transpose()
    }

    fn decimal(&self, k: &str) -> Result<f64, RegisterError> {
        let v = self.req(k)?;
        parse_decimal(v).ok_or_else(|| self.err(k, format!("{v:?} is not a number")))
    }

    fn date(&self, k: &str) -> Result<Option<NaiveDate>, RegisterError> {
        self.get(k)
            .map(|v| {
                NaiveDate::parse_from_str(v, "%Y-%m-%d")
                    .or_else(|_| NaiveDate::parse_from_str(v, "%d.%m.%Y"))
                    .map_err(|_| self.err(k, format!("{v:?} is not a date (YYYY-MM-DD)")))
            })
            .transpose()
    }

    fn address(&self, buf: &mut CopyBuf) -> Result<(), RegisterError> {
        let street = self.req("strasse")?;
        let number: HouseNumber = self
            .req("hausnummer")?
            .parse()
            .map_err(|e: model::ModelError| self.err("hausnummer", e.to_string()))?;
        let ags = self.get("gemeindeschluessel");
        if let Some(a) = ags {
            a.parse::<model::Ags>()
                .map_err(|e| self.err("gemeindeschluessel", e.to_string()))?;
        }
        let plz = self.get("plz");
        if let Some(p) = plz {
            if p.len() != 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(self.err("plz", format!("{p:?} is not a 5-digit postcode")));
            }
        }
        let at = format!("{}:{}", self.file, self.line);
        buf.text(&at)
            .i32(i32::try_from(self.line).unwrap_or(i32::MAX))
            .opt_text(ags)
            .text(&model::normalize_street(street))
            .i32(i32::try_from(number.number).unwrap_or(i32::MAX))
            .text(number.suffix.as_deref().unwrap_or(""))
            .opt_text(plz);
        Ok(())
    }
}

/// Accepts `1234.5`, `1234,5` and `1.234,5`.
fn parse_decimal(v: &str) -> Option<f64> {
    let t = v.trim();
    let normal = if t.contains(',') {
        t.replace('.', "").replace(',', ".")
    } else {
        t.to_owned()
    };
    normal.parse::<f64>().ok().filter(|f| f.is_finite())
}

fn encode_row(kind: Register, l: &Line<'_>, buf: &mut CopyBuf) -> Result<(), RegisterError> {
    buf.row(kind.staging().copy_table());
    match kind {
        Register::Residents => {
            l.address(buf)?;
            let stichtag = l
                .date("stichtag")?
                .ok_or_else(|| l.err("stichtag", "empty"))?;
            let bands = ["ew_0_17", "ew_18_64", "ew_65_74", "ew_75_plus"];
            let mut v = [0i16; 4];
            for (i, b) in bands.iter().enumerate() {
                v[i] = l.count(b)?.ok_or_else(|| l.err(b, "empty"))?;
            }
            let last = l.date("letzte_meldung")?;
            if last.is_some_and(|d| d > stichtag) {
                return Err(l.err("letzte_meldung", "is after the stichtag"));
            }
            buf.date(stichtag)
                .i16(v[0])
                .i16(v[1])
                .i16(v[2])
                .i16(v[3])
                .i16(l.count("nebenwohnsitz")?.unwrap_or(0))
                .opt_date(last);
        }
        Register::Meters => {
            l.address(buf)?;
            let sparte = l.req("sparte")?;
            let medium = match sparte.to_lowercase().as_str() {
                "strom" | "electricity" => "electricity",
                "wasser" | "water" => "water",
                _ => return Err(l.err("sparte", format!("{sparte:?} is neither Strom nor Wasser"))),
            };
            let jahr = l.req("jahr")?;
            let year = jahr
                .parse::<i16>()
                .ok()
                .filter(|y| (1990..=2100).contains(y))
                .ok_or_else(|| {
                    l.err("jahr", format!("{jahr:?} is not a year from 1990 to 2100"))
                })?;
            let value = l.decimal("verbrauch")?;
            if value < 0.0 {
                return Err(l.err("verbrauch", "must not be negative"));
            }
            if let Some(unit) = l.get("einheit") {
                let ok = match medium {
                    "electricity" => unit.eq_ignore_ascii_case("kwh"),
                    _ => matches!(unit.to_lowercase().as_str(), "m3" | "m³" | "cbm"),
                };
                if !ok {
                    return Err(l.err(
                        "einheit",
                        format!("{unit:?} does not fit {}", l.req("sparte")?),
                    ));
                }
            }
            buf.text(medium).i16(year).f64(value);
        }
        Register::Survey => {
            l.address(buf)?;
            let building = l
                .get("gebaeude_id")
                .map(|v| AlkisId::from_urn(v).map_err(|e| l.err("gebaeude_id", e.to_string())))
                .transpose()?;
            let day = l.date("datum")?.ok_or_else(|| l.err("datum", "empty"))?;
            let finding = match l.req("befund")?.to_lowercase().as_str() {
                "bewohnt" => "occupied",
                "leerstehend" | "leer" => "vacant",
                "teilweise leerstehend" | "teilweise leer" => "partly_vacant",
                "unklar" => "unclear",
                "abgerissen" => "demolished",
                other => return Err(l.err("befund", format!("{other:?} is not one of bewohnt, leerstehend, teilweise leerstehend, unklar, abgerissen"))),
            };
            let dwellings = l.count("wohnungen")?;
            let vacant = l.count("leere_wohnungen")?;
            if let (Some(d), Some(v)) = (dwellings, vacant) {
                if v > d {
                    return Err(l.err("leere_wohnungen", format!("{v} vacant of {d} dwellings")));
                }
            }
            let condition = l
                .get("zustand")
                .map(|z| match z.to_lowercase().as_str() {
                    "gut" => Ok("good"),
                    "mittel" => Ok("fair"),
                    "schlecht" => Ok("poor"),
                    "ruinös" | "ruinoes" | "ruine" => Ok("ruin"),
                    other => Err(l.err(
                        "zustand",
                        format!("{other:?} is not one of gut, mittel, schlecht, ruinös"),
                    )),
                })
                .transpose()?;
            let note = l.get("bemerkung").unwrap_or("");
            if note.chars().count() > 2000 {
                return Err(l.err("bemerkung", "longer than 2000 characters"));
            }
            buf.opt_text(building.as_ref().map(AlkisId::as_str))
                .date(day)
                .text(finding)
                .opt_i16(dwellings)
                .opt_i16(vacant)
                .opt_text(condition)
                .text(note);
        }
        Register::Reports => {
            let at = format!("{}:{}", l.file, l.line);
            let day = l
                .date("eingang")?
                .ok_or_else(|| l.err("eingang", "empty"))?;
            let x = l.decimal("rechtswert")?;
            let y = l.decimal("hochwert")?;
            // A sanity box around Germany in UTM 32N; swapped or degree coordinates fail here.
            if !(200_000.0..=1_100_000.0).contains(&x) || !(5_200_000.0..=6_150_000.0).contains(&y)
            {
                return Err(l.err(
                    "rechtswert",
                    format!("{x} {y} is not a position in EPSG:25832 (Rechtswert, Hochwert)"),
                ));
            }
            let category = match l.req("kategorie")?.to_lowercase().as_str() {
                "leerstand" => "vacant_building",
                "baulücke" | "bauluecke" => "vacant_plot",
                "brache" => "brownfield",
                "zwischennutzung" => "interim_use",
                "sonstiges" => "other",
                other => return Err(l.err("kategorie", format!("{other:?} is not one of leerstand, baulücke, brache, zwischennutzung, sonstiges"))),
            };
            let body = l.req("text")?;
            if body.chars().count() > 2000 {
                return Err(l.err("text", "longer than 2000 characters"));
            }
            let contact = l.get("kontakt");
            if contact.is_some_and(|c| c.chars().count() > 200) {
                return Err(l.err("kontakt", "longer than 200 characters"));
            }
            let at_time =
                DateTime::<Utc>::from_naive_utc_and_offset(day.and_time(NaiveTime::MIN), Utc);
            buf.text(&at)
                .i32(i32::try_from(l.line).unwrap_or(i32::MAX))
                .timestamptz(at_time)
                .bytes(&store::ewkb::point(model::STORAGE_SRID, x, y))
                .text(category)
                .text(body)
                .opt_text(contact);
        }
    }
    Ok(())
}

/// Parses the whole file into staging rows (registers are small: a town has some ten
/// thousand addresses).
pub fn parse(kind: Register, file: &str, bytes: &[u8]) -> Result<CopyBuf, RegisterError> {
    let text = decode(file, bytes)?;
    let header = text.lines().next().unwrap_or("");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(header))
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| RegisterError::Csv {
            file: file.to_owned(),
            line: 1,
            reason: e.to_string(),
        })?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let mut index: Vec<(&'static str, Option<usize>)> = Vec::new();
    for c in kind.columns() {
        let i = headers.iter().position(|h| h == c);
        if i.is_none() && !kind.optional().contains(c) {
            return Err(RegisterError::Invalid {
                file: file.to_owned(),
                line: 1,
                field: (*c).to_owned(),
                reason: format!("the header has no column {c:?}; it has {headers:?}"),
            });
        }
        index.push((c, i));
    }
    let mut buf = CopyBuf::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| RegisterError::Csv {
            file: file.to_owned(),
            line: e.position().map_or(0, |p| p.line()),
            reason: e.to_string(),
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let values = index
            .iter()
            .map(|(c, i)| (*c, i.and_then(|i| rec.get(i))))
            .collect();
        let l = Line { file, line, values };
        encode_row(kind, &l, &mut buf)?;
    }
    Ok(buf)
}

/// Imports one register file in one transaction.
pub async fn import(
    pool: &PgPool,
    kind: Register,
    path: &Path,
    opts: &Options,
) -> Result<ImportReport, RegisterError> {
    let bytes = std::fs::read(path).map_err(|source| RegisterError::Io {
        path: path.to_owned(),
        source,
    })?;
    let file = path.display().to_string();
    let rows = parse(kind, &file, &bytes)?;
    if let Some(p) = &opts.progress {
        p.inc(rows.rows());
    }
    let sum = format!("{:x}", Sha256::digest(&bytes));
    let mut import = match store::begin(pool, kind.kind(), &file, &sum).await? {
        Begin::AlreadyImported(r) => return Ok(r),
        Begin::Started(i) => i,
    };
    import.create_staging(&[kind.staging()]).await?;
    import.copy(kind.staging(), rows).await?;
    import.merge_register(kind.staging(), opts.policy).await?;
    Ok(import.commit().await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_and_delimiters() {
        assert_eq!(parse_decimal("1.234,5"), Some(1234.5));
        assert_eq!(parse_decimal("12,5"), Some(12.5));
        assert_eq!(parse_decimal("12.5"), Some(12.5));
        assert_eq!(parse_decimal("zwölf"), None);
        assert_eq!(delimiter("a;b;\"c,d\""), b';');
        assert_eq!(delimiter("a,b,c"), b',');
    }

    #[test]
    fn windows_1252_and_bom() {
        assert_eq!(
            decode("f", b"\xEF\xBB\xBFStra\xC3\x9Fe").unwrap_or_default(),
            "Straße"
        );
        assert_eq!(decode("f", b"Stra\xDFe").unwrap_or_default(), "Straße");
        assert!(decode("f", b"\xFF\xFEa\0").is_err());
    }
}
