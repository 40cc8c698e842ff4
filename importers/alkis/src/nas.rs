//! A streaming reader for ALKIS NAS (GID 6.0, WFS 2.0 collections and update transactions).
//! It keeps one object in memory at a time and writes each as a binary COPY row for its
//! staging table, so a multi-gigabyte delivery streams in constant memory.

use std::io::BufRead;

use chrono::{DateTime, Utc};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use model::{Ags, AlkisId, Flurstueckskennzeichen, HouseNumber, LandUseClass};
use store::{CopyBuf, Staging};

use crate::AlkisError;

/// The namespace of the AAA application schema (GID 6.0, 7.x share the prefix).
const ADV_NAMESPACE: &str = "http://www.adv-online.de/namespaces/adv/gid/";

/// Receives finished chunks of staging rows.
pub trait Sink {
    fn chunk(&mut self, table: Staging, buf: CopyBuf) -> Result<(), AlkisError>;
    fn progress(&mut self, features: u64);
}

/// Counts lines as quick-xml consumes input, so every message can name a line.
struct Lines<R> {
    inner: R,
    line: u64,
}

impl<R: std::io::Read> std::io::Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.line += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Lines<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            let n = amt.min(buf.len());
            self.line += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
        }
        self.inner.consume(amt);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Parcel,
    Building,
    Address,
    Street,
    /// Catalogue entries: a Gemarkung's and a Gemeinde's name.
    Gemarkung,
    Gemeinde,
    LandUse(LandUseClass),
}

impl Kind {
    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "AX_Flurstueck" => Self::Parcel,
            "AX_Gebaeude" => Self::Building,
            "AX_LagebezeichnungMitHausnummer" => Self::Address,
            "AX_LagebezeichnungKatalogeintrag" => Self::Street,
            "AX_Gemarkung" => Self::Gemarkung,
            "AX_Gemeinde" => Self::Gemeinde,
            other => Self::LandUse(LandUseClass::from_feature_type(other).ok()?),
        })
    }
}

/// What is collected of the object being read.
#[derive(Debug, Default)]
struct Feature {
    id: String,
    line: u64,
    /// `field → text` of the leaf elements that matter, keyed by their path suffix.
    fields: Vec<(&'static str, String)>,
    hrefs: Vec<(&'static str, String)>,
    polygons: Vec<Vec<Vec<f64>>>,
    srs: Option<String>,
    srs_line: u64,
}

impl Feature {
    fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }
}

/// The leaf elements read, by the end of their path within the object.
const FIELDS: &[(&str, &str)] = &[
    ("flurstueckskennzeichen", "kennzeichen"),
    ("AX_Gemarkung_Schluessel/land", "gem_land"),
    ("AX_Gemarkung_Schluessel/gemarkungsnummer", "gemarkung"),
    ("AX_Flurstuecksnummer/zaehler", "zaehler"),
    ("AX_Flurstuecksnummer/nenner", "nenner"),
    ("flurnummer", "flur"),
    ("amtlicheFlaeche", "area"),
    ("AX_Gemeindekennzeichen/land", "land"),
    ("AX_Gemeindekennzeichen/regierungsbezirk", "rb"),
    ("AX_Gemeindekennzeichen/kreis", "kreis"),
    ("AX_Gemeindekennzeichen/gemeinde", "gemeinde"),
    ("AX_VerschluesselteLagebezeichnung/land", "land"),
    ("AX_VerschluesselteLagebezeichnung/regierungsbezirk", "rb"),
    ("AX_VerschluesselteLagebezeichnung/kreis", "kreis"),
    ("AX_VerschluesselteLagebezeichnung/gemeinde", "gemeinde"),
    ("AX_VerschluesselteLagebezeichnung/lage", "lage"),
    ("AX_Lagebezeichnung/unverschluesselt", "street"),
    ("hausnummer", "hausnummer"),
    ("bezeichnung", "bezeichnung"),
    ("gebaeudefunktion", "gebaeudefunktion"),
    ("anzahlDerOberirdischenGeschosse", "geschosse"),
    ("funktion", "funktion"),
    ("zustand", "zustand"),
    ("AA_Lebenszeitintervall/beginnt", "beginnt"),
];

/// How the CRS names of NAS map to EPSG codes.
pub fn epsg_from_srs_name(srs: &str) -> Option<i32> {
    // Compound CRS (`…UTM32*DE_DHHN92_NH`): the horizontal part is what counts here.
    let s = srs.split('*').next().unwrap_or(srs).trim();
    let adv = [
        ("urn:adv:crs:ETRS89_UTM32", 25832),
        ("urn:adv:crs:ETRS89_UTM33", 25833),
        ("urn:adv:crs:DE_DHDN_3GK2", 31466),
        ("urn:adv:crs:DE_DHDN_3GK3", 31467),
        ("urn:adv:crs:DE_DHDN_3GK4", 31468),
        ("urn:adv:crs:DE_DHDN_3GK5", 31469),
        ("urn:adv:crs:DE_DHDN_3GK2_BW100", 31466),
        ("urn:adv:crs:ETRS89_Lat-Lon", 4258),
    ];
    if let Some((_, code)) = adv.iter().find(|(name, _)| name.eq_ignore_ascii_case(s)) {
        return Some(*code);
    }
    let code = s
        .strip_prefix("EPSG:")
        .or_else(|| s.strip_prefix("urn:ogc:def:crs:EPSG::"))
        .or_else(|| s.strip_prefix("http://www.opengis.net/def/crs/EPSG/0/"))
        .or_else(|| {
            s.strip_prefix("urn:ogc:def:crs:EPSG:")
                .and_then(|r| r.rsplit(':').next())
        })?;
    code.parse().ok().filter(|c| *c > 0)
}

/// Reads one NAS document and writes its objects to `sink`.
#[derive(Debug)]
pub struct NasReader {
    /// Name used in messages (file, or archive!entry).
    pub name: String,
    /// Send a chunk once it holds this many bytes.
    pub chunk_bytes: usize,
    /// EPSG codes used, with the first place each was seen (checked against PostGIS later).
    pub srids: Vec<(i32, String)>,
    pub features: u64,
}

struct Bufs {
    tables: Vec<(Staging, CopyBuf)>,
}

impl Bufs {
    fn get(&mut self, t: Staging) -> &mut CopyBuf {
        let i = match self.tables.iter().position(|(s, _)| *s == t) {
            Some(i) => i,
            None => {
                self.tables.push((t, CopyBuf::new()));
                self.tables.len() - 1
            }
        };
        &mut self.tables[i].1
    }

    /// Starts a row of `t` in its buffer; the values follow in `t`'s column order.
    fn row(&mut self, t: Staging) -> &mut CopyBuf {
        self.get(t).row(t.copy_table())
    }
}

fn local(name: &[u8]) -> &[u8] {
    match memchr::memrchr(b':', name) {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

fn attr(e: &BytesStart<'_>, key: &[u8]) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (local(a.key.as_ref()) == key && (key != b"href" || a.key.as_ref().starts_with(b"xlink")))
            .then(|| String::from_utf8_lossy(&a.value).into_owned())
    })
}

impl NasReader {
    pub fn new(name: impl Into<String>, chunk_bytes: usize) -> Self {
        Self {
            name: name.into(),
            chunk_bytes,
            srids: Vec::new(),
            features: 0,
        }
    }

    fn at(&self, line: u64, id: &str) -> String {
        if id.is_empty() {
            format!("{}:{line}", self.name)
        } else {
            format!("{}:{line} ({id})", self.name)
        }
    }

    /// An optional code-list value from 0 to 9999 (`funktion`, `zustand`).
    fn code(&self, f: &Feature, field: &'static str) -> Result<Option<i16>, AlkisError> {
        f.get(field)
            .map(|s| {
                s.parse::<i16>()
                    .ok()
                    .filter(|n| (0..=9999).contains(n))
                    .ok_or_else(|| {
                        self.invalid(f, field, format!("{s:?} is not a code from 0 to 9999"))
                    })
            })
            .transpose()
    }

    fn invalid(&self, f: &Feature, field: &'static str, reason: impl Into<String>) -> AlkisError {
        AlkisError::Invalid {
            at: self.at(f.line, &f.id),
            field,
            reason: reason.into(),
        }
    }

    /// Reads the whole document.
    pub fn read(&mut self, input: impl BufRead, sink: &mut dyn Sink) -> Result<(), AlkisError> {
        let mut reader = Reader::from_reader(Lines {
            inner: input,
            line: 1,
        });
        reader.config_mut().trim_text(true);
        reader.config_mut().check_end_names = true;
        let mut buf = Vec::with_capacity(64 * 1024);
        let mut bufs = Bufs { tables: Vec::new() };
        // Names of the open elements (local names), and where each feature starts.
        let mut stack: Vec<Vec<u8>> = Vec::new();
        let mut path = String::new();
        let mut path_lens: Vec<usize> = Vec::new();
        let mut feature: Option<(Kind, usize, Feature)> = None;
        let mut default_srs: Option<String> = None;
        let mut delete_type: Option<String> = None;
        let mut text_target: Option<&'static str> = None;
        let mut in_poslist = false;
        let mut seen_root = false;
        let mut pending_progress = 0u64;

        loop {
            let event = reader
                .read_event_into(&mut buf)
                .map_err(|e| AlkisError::Xml {
                    at: format!("{}:{}", self.name, reader.get_ref().line),
                    reason: e.to_string(),
                })?;
            let line = reader.get_ref().line;
            match event {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    let empty = matches!(event, Event::Empty(_));
                    let name = local(e.name().as_ref()).to_vec();
                    if !seen_root {
                        seen_root = true;
                        self.check_root(e, &name)?;
                    }
                    if let Some(srs) = attr(e, b"srsName") {
                        match feature.as_mut() {
                            Some((_, _, f)) => {
                                f.srs = Some(srs);
                                f.srs_line = line;
                            }
                            None => default_srs = Some(srs),
                        }
                    }
                    match (&mut feature, name.as_slice()) {
                        (None, b"Delete") => delete_type = attr(e, b"typeName"),
                        (None, b"ResourceId") => {
                            if let (Some(t), Some(rid)) = (&delete_type, attr(e, b"rid")) {
                                let t = t.rsplit(':').next().unwrap_or(t).to_owned();
                                let id =
                                    AlkisId::from_urn(&rid).map_err(|err| AlkisError::Invalid {
                                        at: self.at(line, &rid),
                                        field: "rid",
                                        reason: err.to_string(),
                                    })?;
                                let at = self.at(line, id.as_str());
                                bufs.row(Staging::Delete)
                                    .text(&at)
                                    .text(&t)
                                    .text(id.as_str());
                            }
                        }
                        (None, n) if !empty => {
                            if let Some(kind) =
                                std::str::from_utf8(n).ok().and_then(Kind::from_name)
                            {
                                let id = attr(e, b"id").unwrap_or_default();
                                feature = Some((
                                    kind,
                                    stack.len(),
                                    Feature {
                                        id,
                                        line,
                                        ..Feature::default()
                                    },
                                ));
                                path.clear();
                                path_lens.clear();
                            }
                        }
                        (Some((_, _, f)), n) => {
                            path_lens.push(path.len());
                            if !path.is_empty() {
                                path.push('/');
                            }
                            path.push_str(std::str::from_utf8(n).unwrap_or("?"));
                            match n {
                                b"Polygon" | b"PolygonPatch" => f.polygons.push(Vec::new()),
                                b"exterior" | b"interior" | b"outerBoundaryIs"
                                | b"innerBoundaryIs" => {
                                    if f.polygons.is_empty() {
                                        f.polygons.push(Vec::new());
                                    }
                                    if let Some(p) = f.polygons.last_mut() {
                                        p.push(Vec::new());
                                    }
                                }
                                b"posList" | b"pos" => in_poslist = true,
                                b"zeigtAuf" | b"weistAuf" => {
                                    if let Some(h) = attr(e, b"href") {
                                        let key = if n == b"zeigtAuf" {
                                            "zeigtAuf"
                                        } else {
                                            "weistAuf"
                                        };
                                        f.hrefs.push((key, h));
                                    }
                                }
                                _ => {
                                    text_target = FIELDS
                                        .iter()
                                        .find(|(suffix, _)| {
                                            path.ends_with(suffix)
                                                && (path.len() == suffix.len()
                                                    || path.as_bytes()
                                                        [path.len() - suffix.len() - 1]
                                                        == b'/')
                                        })
                                        .map(|(_, key)| *key);
                                }
                            }
                            if empty {
                                in_poslist = false;
                                text_target = None;
                                if let Some(l) = path_lens.pop() {
                                    path.truncate(l);
                                }
                            }
                        }
                        _ => {}
                    }
                    if !empty {
                        stack.push(name);
                    }
                }
                Event::Text(t) => {
                    if let Some((_, _, f)) = feature.as_mut() {
                        if in_poslist {
                            let text = std::str::from_utf8(t.as_ref()).unwrap_or("");
                            append_coords(f, text).map_err(|reason| AlkisError::Invalid {
                                at: self.at(line, &f.id),
                                field: "posList",
                                reason,
                            })?;
                        } else if let Some(key) = text_target {
                            let text = t.unescape().map_err(|e| AlkisError::Xml {
                                at: self.at(line, &f.id),
                                reason: e.to_string(),
                            })?;
                            f.fields.push((key, text.into_owned()));
                        }
                    }
                }
                Event::End(_) => {
                    in_poslist = false;
                    text_target = None;
                    let name = stack.pop();
                    if let Some((kind, depth, _)) = &feature {
                        if stack.len() == *depth {
                            let kind = *kind;
                            if let Some((_, _, f)) = feature.take() {
                                self.emit(kind, f, default_srs.as_deref(), &mut bufs)?;
                                self.features += 1;
                                pending_progress += 1;
                                if pending_progress >= 1000 {
                                    sink.progress(pending_progress);
                                    pending_progress = 0;
                                }
                                if bufs.tables.iter().any(|(_, b)| b.len() >= self.chunk_bytes) {
                                    sink.progress(pending_progress);
                                    pending_progress = 0;
                                    self.flush(&mut bufs, sink, false)?;
                                }
                            }
                        } else if let Some(l) = path_lens.pop() {
                            path.truncate(l);
                        }
                    } else if name.as_deref() == Some(b"Delete".as_slice()) {
                        delete_type = None;
                    }
                }
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        if let Some(open) = stack.last() {
            return Err(AlkisError::Xml {
                at: format!("{}:{}", self.name, reader.get_ref().line),
                reason: format!(
                    "the file ends inside <{}>: it is truncated",
                    String::from_utf8_lossy(open)
                ),
            });
        }
        if !seen_root {
            return Err(AlkisError::NotNas {
                file: self.name.clone(),
                reason: "the file is empty".to_owned(),
            });
        }
        sink.progress(pending_progress);
        self.flush(&mut bufs, sink, true)
    }

    fn check_root(&self, e: &BytesStart<'_>, name: &[u8]) -> Result<(), AlkisError> {
        if !matches!(
            name,
            b"FeatureCollection"
                | b"Transaction"
                | b"AX_Fortfuehrungsauftrag"
                | b"AX_NutzerbezogeneBestandsdatenaktualisierung_NBA"
                | b"AX_Bestandsdatenauszug"
        ) {
            return Err(AlkisError::NotNas {
                file: self.name.clone(),
                reason: format!(
                    "the document element is <{}>, expected wfs:FeatureCollection or wfs:Transaction",
                    String::from_utf8_lossy(name)
                ),
            });
        }
        let adv = e.attributes().flatten().any(|a| {
            a.key.as_ref().starts_with(b"xmlns") && a.value.starts_with(ADV_NAMESPACE.as_bytes())
        });
        if !adv {
            return Err(AlkisError::NotNas {
                file: self.name.clone(),
                reason: format!("the namespace {ADV_NAMESPACE}… (AAA-Fachschema) is not declared"),
            });
        }
        Ok(())
    }

    fn flush(&self, bufs: &mut Bufs, sink: &mut dyn Sink, all: bool) -> Result<(), AlkisError> {
        for (table, buf) in bufs.tables.iter_mut() {
            if (all && !buf.is_empty()) || buf.len() >= self.chunk_bytes {
                let full = std::mem::take(buf);
                sink.chunk(*table, full)?;
            }
        }
        Ok(())
    }

    fn srid(&mut self, f: &Feature, default_srs: Option<&str>) -> Result<i32, AlkisError> {
        let (srs, line) = match (&f.srs, default_srs) {
            (Some(s), _) => (s.as_str(), f.srs_line),
            (None, Some(s)) => (s, f.line),
            (None, None) => {
                return Err(self.invalid(
                    f,
                    "srsName",
                    "the geometry names no coordinate reference system",
                ))
            }
        };
        let srid = epsg_from_srs_name(srs).ok_or_else(|| AlkisError::UnknownCrs {
            at: self.at(line, &f.id),
            srs: srs.to_owned(),
        })?;
        if !self.srids.iter().any(|(s, _)| *s == srid) {
            let at = self.at(line, &f.id);
            self.srids.push((srid, format!("{at}: srsName {srs:?}")));
        }
        Ok(srid)
    }

    fn geometry(&mut self, f: &Feature, default_srs: Option<&str>) -> Result<Vec<u8>, AlkisError> {
        let polygons: Vec<Vec<Vec<f64>>> = f
            .polygons
            .iter()
            .map(|p| {
                p.iter()
                    .filter(|r| !r.is_empty())
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .filter(|p: &Vec<Vec<f64>>| !p.is_empty())
            .collect();
        if polygons.is_empty() {
            return Err(self.invalid(
                f,
                "position",
                "the object has no geometry (empty or missing position)",
            ));
        }
        for p in &polygons {
            for r in p {
                let n = r.len() / 2;
                if n < 4 {
                    return Err(self.invalid(
                        f,
                        "position",
                        format!("a ring has {n} points; at least 4 are needed"),
                    ));
                }
                if r[0] != r[r.len() - 2] || r[1] != r[r.len() - 1] {
                    return Err(self.invalid(
                        f,
                        "position",
                        "a ring is not closed (first and last point differ)",
                    ));
                }
            }
        }
        let srid = self.srid(f, default_srs)?;
        Ok(store::ewkb::multipolygon(srid, &polygons))
    }

    fn emit(
        &mut self,
        kind: Kind,
        f: Feature,
        default_srs: Option<&str>,
        bufs: &mut Bufs,
    ) -> Result<(), AlkisError> {
        let id = AlkisId::from_urn(&f.id).map_err(|e| self.invalid(&f, "gml:id", e.to_string()))?;
        let at = self.at(f.line, id.as_str());
        match kind {
            Kind::Parcel => {
                let kennzeichen = match f.get("kennzeichen") {
                    Some(k) => {
                        k.parse::<Flurstueckskennzeichen>().map_err(|e| {
                            self.invalid(&f, "flurstueckskennzeichen", e.to_string())
                        })?;
                        k.to_owned()
                    }
                    None => self.compose_kennzeichen(&f)?,
                };
                let area: f64 = f
                    .get("area")
                    .ok_or_else(|| self.invalid(&f, "amtlicheFlaeche", "missing"))?
                    .parse()
                    .ok()
                    .filter(|a: &f64| *a > 0.0 && a.is_finite())
                    .ok_or_else(|| {
                        self.invalid(
                            &f,
                            "amtlicheFlaeche",
                            format!("{:?} is not a positive number", f.get("area").unwrap_or("")),
                        )
                    })?;
                let ags = self.ags(&f)?;
                let valid_from = self.valid_from(&f)?;
                let geom = self.geometry(&f, default_srs)?;
                bufs.row(Staging::Parcel)
                    .text(&at)
                    .text(id.as_str())
                    .text(&kennzeichen)
                    .opt_text(ags.as_deref())
                    .f64(area)
                    .bytes(&geom)
                    .opt_timestamptz(valid_from);
                for (key, href) in &f.hrefs {
                    if *key == "weistAuf" {
                        let to = AlkisId::from_urn(href)
                            .map_err(|e| self.invalid(&f, "weistAuf", e.to_string()))?;
                        bufs.row(Staging::Link)
                            .text("parcel_address")
                            .text(id.as_str())
                            .text(to.as_str());
                    }
                }
            }
            Kind::Building => {
                let code: i16 = f
                    .get("gebaeudefunktion")
                    .ok_or_else(|| self.invalid(&f, "gebaeudefunktion", "missing"))?
                    .parse()
                    .ok()
                    .filter(|c| (1000..=9999).contains(c))
                    .ok_or_else(|| {
                        self.invalid(
                            &f,
                            "gebaeudefunktion",
                            format!(
                                "{:?} is not a code from 1000 to 9999",
                                f.get("gebaeudefunktion").unwrap_or("")
                            ),
                        )
                    })?;
                let storeys = match f.get("geschosse") {
                    Some(s) => Some(
                        s.parse::<i16>()
                            .ok()
                            .filter(|n| (0..=99).contains(n))
                            .ok_or_else(|| {
                                self.invalid(
                                    &f,
                                    "anzahlDerOberirdischenGeschosse",
                                    format!("{s:?} is not a number from 0 to 99"),
                                )
                            })?,
                    ),
                    None => None,
                };
                let valid_from = self.valid_from(&f)?;
                let geom = self.geometry(&f, default_srs)?;
                bufs.row(Staging::Building)
                    .text(&at)
                    .text(id.as_str())
                    .i16(code)
                    .opt_i16(storeys)
                    .bytes(&geom)
                    .null()
                    .opt_timestamptz(valid_from);
                for (key, href) in &f.hrefs {
                    if *key == "zeigtAuf" {
                        let to = AlkisId::from_urn(href)
                            .map_err(|e| self.invalid(&f, "zeigtAuf", e.to_string()))?;
                        bufs.row(Staging::Link)
                            .text("building_address")
                            .text(id.as_str())
                            .text(to.as_str());
                    }
                }
            }
            Kind::Address => {
                let number: HouseNumber = f
                    .get("hausnummer")
                    .ok_or_else(|| self.invalid(&f, "hausnummer", "missing"))?
                    .parse()
                    .map_err(|e: model::ModelError| {
                        self.invalid(&f, "hausnummer", e.to_string())
                    })?;
                let (ags, lage) = (self.ags(&f)?, f.get("lage").map(str::to_owned));
                let street = f.get("street").map(str::to_owned);
                if street.is_none() && (ags.is_none() || lage.is_none()) {
                    return Err(self.invalid(
                        &f,
                        "lagebezeichnung",
                        "neither a street key (land … lage) nor an unencoded street name",
                    ));
                }
                let key = street.as_deref().map(model::normalize_street);
                let house = i32::try_from(number.number).unwrap_or(i32::MAX);
                bufs.row(Staging::Address)
                    .text(&at)
                    .text(id.as_str())
                    .opt_text(ags.as_deref())
                    .opt_text(lage.as_deref())
                    .opt_text(street.as_deref())
                    .opt_text(key.as_deref())
                    .i32(house)
                    .text(number.suffix.as_deref().unwrap_or(""))
                    .null()
                    .null();
            }
            Kind::Street => {
                let name = f
                    .get("bezeichnung")
                    .ok_or_else(|| self.invalid(&f, "bezeichnung", "missing street name"))?
                    .to_owned();
                let ags = self.ags(&f)?.ok_or_else(|| {
                    self.invalid(
                        &f,
                        "schluessel",
                        "missing land/regierungsbezirk/kreis/gemeinde",
                    )
                })?;
                let lage = f
                    .get("lage")
                    .ok_or_else(|| self.invalid(&f, "lage", "missing street key"))?;
                bufs.row(Staging::Street)
                    .text(&at)
                    .text(id.as_str())
                    .text(&ags)
                    .text(lage)
                    .text(&name)
                    .text(&model::normalize_street(&name));
            }
            Kind::Gemarkung => {
                let name = f
                    .get("bezeichnung")
                    .ok_or_else(|| self.invalid(&f, "bezeichnung", "missing Gemarkung name"))?;
                let number = |key: &'static str, field: &'static str, max: u16| {
                    let v = f
                        .get(key)
                        .ok_or_else(|| self.invalid(&f, field, "missing"))?;
                    v.parse::<u16>()
                        .ok()
                        .filter(|n| (1..=max).contains(n))
                        .ok_or_else(|| {
                            self.invalid(
                                &f,
                                field,
                                format!("{v:?} is not a number from 1 to {max}"),
                            )
                        })
                };
                let land = number("gem_land", "land", 16)?;
                let nummer = number("gemarkung", "gemarkungsnummer", 9999)?;
                bufs.row(Staging::Catalogue)
                    .text(&at)
                    .text("gemarkung")
                    .text(&format!("{land:02}{nummer:04}"))
                    .text(name);
            }
            Kind::Gemeinde => {
                let name = f
                    .get("bezeichnung")
                    .ok_or_else(|| self.invalid(&f, "bezeichnung", "missing Gemeinde name"))?;
                let ags = self.ags(&f)?.ok_or_else(|| {
                    self.invalid(
                        &f,
                        "gemeindekennzeichen",
                        "missing land/regierungsbezirk/kreis/gemeinde",
                    )
                })?;
                bufs.row(Staging::Catalogue)
                    .text(&at)
                    .text("gemeinde")
                    .text(&ags)
                    .text(name);
            }
            Kind::LandUse(class) => {
                let function = self.code(&f, "funktion")?;
                // zustand 2100: out of operation, the mark of a brownfield.
                let zustand = self.code(&f, "zustand")?;
                let geom = self.geometry(&f, default_srs)?;
                bufs.row(Staging::LandUse)
                    .text(&at)
                    .text(id.as_str())
                    .text(class.feature_type())
                    .opt_i16(function)
                    .bytes(&geom)
                    .opt_i16(zustand);
            }
        }
        Ok(())
    }

    fn compose_kennzeichen(&self, f: &Feature) -> Result<String, AlkisError> {
        let num = |key: &'static str, field: &'static str| -> Result<Option<u32>, AlkisError> {
            f.get(key)
                .map(|v| {
                    v.parse::<u32>()
                        .map_err(|_| self.invalid(f, field, format!("{v:?} is not a number")))
                })
                .transpose()
        };
        let (land, gem, flur, z, n) = (
            num("gem_land", "land")?,
            num("gemarkung", "gemarkungsnummer")?,
            num("flur", "flurnummer")?,
            num("zaehler", "zaehler")?,
            num("nenner", "nenner")?,
        );
        let (Some(land), Some(gem), Some(z)) = (land, gem, z) else {
            return Err(self.invalid(
                f,
                "flurstueckskennzeichen",
                "missing, and gemarkung/zaehler do not give it either",
            ));
        };
        let too_big = |_| self.invalid(f, "flurstueckskennzeichen", "a part is out of range");
        let k = Flurstueckskennzeichen::new(
            u8::try_from(land).map_err(too_big)?,
            u16::try_from(gem).map_err(too_big)?,
            u16::try_from(flur.unwrap_or(0)).map_err(too_big)?,
            z,
            n.map(u16::try_from).transpose().map_err(too_big)?,
        )
        .map_err(|e| self.invalid(f, "flurstueckskennzeichen", e.to_string()))?;
        Ok(k.to_string())
    }

    fn ags(&self, f: &Feature) -> Result<Option<String>, AlkisError> {
        let (Some(land), Some(rb), Some(kreis), Some(gemeinde)) = (
            f.get("land"),
            f.get("rb"),
            f.get("kreis"),
            f.get("gemeinde"),
        ) else {
            return Ok(None);
        };
        let text = format!("{land}{rb}{kreis}{gemeinde}");
        let ags: Ags = text.parse().map_err(|e: model::ModelError| {
            self.invalid(f, "gemeindekennzeichen", e.to_string())
        })?;
        Ok(Some(ags.to_string()))
    }

    fn valid_from(&self, f: &Feature) -> Result<Option<DateTime<Utc>>, AlkisError> {
        f.get("beginnt")
            .map(|s| {
                DateTime::parse_from_rfc3339(s)
                    .map(|d| d.with_timezone(&Utc))
                    .map_err(|e| {
                        self.invalid(f, "beginnt", format!("{s:?} is not a timestamp: {e}"))
                    })
            })
            .transpose()
    }
}

/// Appends the coordinates of a `posList` to the current ring, skipping the repeated joint
/// point where one curve segment continues the previous one.
fn append_coords(f: &mut Feature, text: &str) -> Result<(), String> {
    if f.polygons.is_empty() {
        // A bare point or line outside a polygon (e.g. a label position): not used.
        return Ok(());
    }
    let Some(ring) = f.polygons.last_mut().and_then(|p| p.last_mut()) else {
        return Ok(());
    };
    let start = ring.len();
    for tok in text.split_ascii_whitespace() {
        let v: f64 = tok
            .parse()
            .map_err(|_| format!("{tok:?} is not a coordinate"))?;
        if !v.is_finite() {
            return Err(format!("{tok:?} is not a finite coordinate"));
        }
        ring.push(v);
    }
    if (ring.len() - start) % 2 != 0 {
        return Err("an odd number of coordinates (expected x y pairs)".to_owned());
    }
    if start >= 2
        && ring.len() >= start + 2
        && ring[start] == ring[start - 2]
        && ring[start + 1] == ring[start - 1]
    {
        ring.drain(start..start + 2);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crs_names() {
        assert_eq!(epsg_from_srs_name("urn:adv:crs:ETRS89_UTM32"), Some(25832));
        assert_eq!(
            epsg_from_srs_name("urn:adv:crs:ETRS89_UTM33*DE_DHHN2016_NH"),
            Some(25833)
        );
        assert_eq!(epsg_from_srs_name("EPSG:25832"), Some(25832));
        assert_eq!(epsg_from_srs_name("urn:ogc:def:crs:EPSG::4326"), Some(4326));
        assert_eq!(
            epsg_from_srs_name("http://www.opengis.net/def/crs/EPSG/0/25833"),
            Some(25833)
        );
        assert_eq!(epsg_from_srs_name("urn:adv:crs:MARS_UTM1"), None);
    }
}
