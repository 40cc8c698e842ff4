//! ALKIS NAS (GID 6.0) writer: a WFS 2.0 FeatureCollection per file, like the NRW sample,
//! streamed object by object and split into a new file every 100,000 objects.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::geom::{fmt_mm, Ring};
use crate::record::{AddressRec, BuildingRec, LandUseRec, ParcelRec, StreetRec, TownInfo};
use crate::GenError;

pub const OBJECTS_PER_FILE: u64 = 100_000;
const NUMBER_RETURNED: &str = "numberReturned=\"";
/// Room reserved for the object count, patched in when the file is closed.
const COUNT_WIDTH: usize = 10;

#[derive(Debug)]
pub struct NasWriter {
    dir: PathBuf,
    stem: String,
    town: TownInfo,
    bounds: (i64, i64, i64, i64),
    /// `beginnt` of every object: fixed per run, never the clock.
    begins: String,
    part: u32,
    objects_per_file: u64,
    file: Option<Open>,
    /// Files written so far (relative to the output directory).
    pub files: Vec<String>,
}

#[derive(Debug)]
struct Open {
    path: PathBuf,
    w: BufWriter<File>,
    count_at: u64,
    count: u64,
}

impl NasWriter {
    pub fn new(
        dir: &Path,
        stem: String,
        town: TownInfo,
        bounds: (i64, i64, i64, i64),
        begins: String,
    ) -> Self {
        Self {
            dir: dir.to_owned(),
            stem,
            town,
            bounds,
            begins,
            part: 0,
            objects_per_file: OBJECTS_PER_FILE,
            file: None,
            files: Vec::new(),
        }
    }

    fn open(&mut self) -> Result<&mut Open, GenError> {
        let needs_new = self
            .file
            .as_ref()
            .is_none_or(|f| f.count >= self.objects_per_file);
        if needs_new {
            self.close_file()?;
            self.part += 1;
            let name = if self.part == 1 {
                format!("{}.xml", self.stem)
            } else {
                format!("{}_{}.xml", self.stem, self.part)
            };
            let path = self.dir.join(&name);
            self.files.push(format!("alkis/{name}"));
            let f = File::create(&path).map_err(GenError::io(&path))?;
            let mut w = BufWriter::with_capacity(1 << 20, f);
            let mut head = String::new();
            head.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
            head.push_str("<wfs:FeatureCollection timeStamp=\"");
            head.push_str(&self.begins);
            head.push_str("\" numberMatched=\"unknown\" ");
            head.push_str(NUMBER_RETURNED);
            let count_at = head.len() as u64;
            head.push_str(&format!("0\"{:width$}", "", width = COUNT_WIDTH));
            head.push_str(concat!(
                " xmlns=\"http://www.adv-online.de/namespaces/adv/gid/6.0\"",
                " xmlns:gml=\"http://www.opengis.net/gml/3.2\"",
                " xmlns:wfs=\"http://www.opengis.net/wfs/2.0\"",
                " xmlns:xlink=\"http://www.w3.org/1999/xlink\"",
                " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"",
                " xsi:schemaLocation=\"http://www.adv-online.de/namespaces/adv/gid/6.0",
                " http://repository.gdi-de.org/schemas/adv/nas/6.0/AAA-Fachschema.xsd",
                " http://www.opengis.net/wfs/2.0 http://schemas.opengis.net/wfs/2.0/wfs.xsd\">\n"
            ));
            head.push_str("<wfs:boundedBy>\n<gml:Envelope srsName=\"urn:adv:crs:ETRS89_UTM32\" srsDimension=\"2\">\n<gml:lowerCorner>");
            let (x0, y0, x1, y1) = self.bounds;
            fmt_mm(x0, &mut head);
            head.push(' ');
            fmt_mm(y0, &mut head);
            head.push_str("</gml:lowerCorner>\n<gml:upperCorner>");
            fmt_mm(x1, &mut head);
            head.push(' ');
            fmt_mm(y1, &mut head);
            head.push_str("</gml:upperCorner>\n</gml:Envelope>\n</wfs:boundedBy>\n");
            w.write_all(head.as_bytes()).map_err(GenError::io(&path))?;
            self.file = Some(Open {
                path,
                w,
                count_at,
                count: 0,
            });
        }
        self.file
            .as_mut()
            .ok_or_else(|| GenError::Option("NAS file not open".into()))
    }

    fn close_file(&mut self) -> Result<(), GenError> {
        if let Some(mut f) = self.file.take() {
            f.w.write_all(b"</wfs:FeatureCollection>\n")
                .map_err(GenError::io(&f.path))?;
            let mut file = f.w.into_inner().map_err(|e| GenError::Io {
                path: f.path.clone(),
                source: e.into_error(),
            })?;
            let patch = format!("{}\"", f.count);
            file.seek(SeekFrom::Start(f.count_at))
                .and_then(|_| file.write_all(patch.as_bytes()))
                .map_err(GenError::io(&f.path))?;
        }
        Ok(())
    }

    pub fn finish(mut self) -> Result<Vec<String>, GenError> {
        self.close_file()?;
        Ok(self.files)
    }

    fn object(&mut self, body: &str) -> Result<(), GenError> {
        let f = self.open()?;
        f.count += 1;
        f.w.write_all(body.as_bytes())
            .map_err(GenError::io(&f.path))
    }

    fn start(&self, s: &mut String, class: &str, id: &str) {
        s.push_str("<wfs:member>\n<");
        s.push_str(class);
        s.push_str(" gml:id=\"");
        s.push_str(id);
        s.push_str("\">\n<gml:identifier codeSpace=\"http://www.adv-online.de/\">urn:adv:oid:");
        s.push_str(id);
        s.push_str("</gml:identifier>\n<lebenszeitintervall>\n<AA_Lebenszeitintervall>\n<beginnt>");
        s.push_str(&self.begins);
        s.push_str("</beginnt>\n</AA_Lebenszeitintervall>\n</lebenszeitintervall>\n<modellart>\n<AA_Modellart>\n<advStandardModell>DLKM</advStandardModell>\n</AA_Modellart>\n</modellart>\n<anlass>000000</anlass>\n");
    }

    fn end(s: &mut String, class: &str) {
        s.push_str("</");
        s.push_str(class);
        s.push_str(">\n</wfs:member>\n");
    }

    fn gemeinde(&self, s: &mut String, tag: &str) {
        let t = &self.town;
        s.push_str(&format!(
            "<{tag}>\n<land>{}</land>\n<regierungsbezirk>{}</regierungsbezirk>\n<kreis>{}</kreis>\n<gemeinde>{}</gemeinde>\n",
            t.land(),
            t.regierungsbezirk(),
            t.kreis(),
            t.gemeinde()
        ));
    }

    /// The catalogue of the town, as the offices deliver it with the cadastre: its Gemeinde
    /// (`AX_Gemeinde`) and one Gemarkung (`AX_Gemarkung`) per settlement, named after it.
    /// Their ids are built from the keys, so the running ids of the objects stay as they were.
    pub fn catalogue(&mut self, gemarkungen: &[(u16, &str)]) -> Result<(), GenError> {
        let town = self.town.index % 1000;
        let mut s = String::with_capacity(1024);
        let class = "AX_Gemeinde";
        self.start(&mut s, class, &format!("DETHL5{town:03}KM00000"));
        s.push_str(&format!(
            "<schluesselGesamt>{}</schluesselGesamt>\n<bezeichnung>{}</bezeichnung>\n<gemeindekennzeichen>\n",
            self.town.ags,
            escape(&self.town.name)
        ));
        self.gemeinde(&mut s, "AX_Gemeindekennzeichen");
        s.push_str("</AX_Gemeindekennzeichen>\n</gemeindekennzeichen>\n");
        Self::end(&mut s, class);
        self.object(&s)?;
        let land = self.town.land().to_owned();
        for (nummer, name) in gemarkungen {
            let mut s = String::with_capacity(1024);
            let class = "AX_Gemarkung";
            self.start(&mut s, class, &format!("DETHL5{town:03}KG{nummer:05}"));
            s.push_str(&format!(
                "<schluesselGesamt>{land}{nummer:04}</schluesselGesamt>\n<bezeichnung>{}</bezeichnung>\n<schluessel>\n<AX_Gemarkung_Schluessel>\n<land>{land}</land>\n<gemarkungsnummer>{nummer:04}</gemarkungsnummer>\n</AX_Gemarkung_Schluessel>\n</schluessel>\n",
                escape(name)
            ));
            Self::end(&mut s, class);
            self.object(&s)?;
        }
        Ok(())
    }

    pub fn street(&mut self, st: &StreetRec) -> Result<(), GenError> {
        let mut s = String::with_capacity(1024);
        let class = "AX_LagebezeichnungKatalogeintrag";
        self.start(&mut s, class, &st.id);
        s.push_str(&format!(
            "<schluesselGesamt>{}{:05}</schluesselGesamt>\n<bezeichnung>{}</bezeichnung>\n<schluessel>\n",
            self.town.ags,
            st.lage,
            escape(&st.name)
        ));
        self.gemeinde(&mut s, "AX_VerschluesselteLagebezeichnung");
        s.push_str(&format!(
            "<lage>{:05}</lage>\n</AX_VerschluesselteLagebezeichnung>\n</schluessel>\n",
            st.lage
        ));
        Self::end(&mut s, class);
        self.object(&s)
    }

    pub fn address(&mut self, a: &AddressRec) -> Result<(), GenError> {
        let mut s = String::with_capacity(1024);
        let class = "AX_LagebezeichnungMitHausnummer";
        self.start(&mut s, class, &a.id);
        s.push_str("<lagebezeichnung>\n<AX_Lagebezeichnung>\n<verschluesselt>\n");
        self.gemeinde(&mut s, "AX_VerschluesselteLagebezeichnung");
        s.push_str(&format!(
            "<lage>{:05}</lage>\n</AX_VerschluesselteLagebezeichnung>\n</verschluesselt>\n</AX_Lagebezeichnung>\n</lagebezeichnung>\n<hausnummer>{}</hausnummer>\n",
            a.lage,
            a.house_number()
        ));
        Self::end(&mut s, class);
        self.object(&s)
    }

    pub fn parcel(&mut self, p: &ParcelRec) -> Result<(), GenError> {
        let mut s = String::with_capacity(2048);
        let class = "AX_Flurstueck";
        self.start(&mut s, class, &p.id);
        position(&mut s, &p.id, &p.ring);
        let kz = &p.kz;
        s.push_str(&format!(
            "<gemarkung>\n<AX_Gemarkung_Schluessel>\n<land>{:02}</land>\n<gemarkungsnummer>{:04}</gemarkungsnummer>\n</AX_Gemarkung_Schluessel>\n</gemarkung>\n<flurstuecksnummer>\n<AX_Flurstuecksnummer>\n<zaehler>{}</zaehler>\n",
            kz.land(),
            kz.gemarkung(),
            kz.zaehler()
        ));
        if let Some(n) = kz.nenner() {
            s.push_str(&format!("<nenner>{n}</nenner>\n"));
        }
        s.push_str(&format!(
            "</AX_Flurstuecksnummer>\n</flurstuecksnummer>\n<flurstueckskennzeichen>{kz}</flurstueckskennzeichen>\n<amtlicheFlaeche uom=\"urn:adv:uom:m2\">{:.2}</amtlicheFlaeche>\n<flurnummer>{}</flurnummer>\n<zeitpunktDerEntstehung>{}</zeitpunktDerEntstehung>\n<gemeindezugehoerigkeit>\n",
            p.ring.area_m2().round(),
            kz.flur(),
            &self.begins[..10]
        ));
        self.gemeinde(&mut s, "AX_Gemeindekennzeichen");
        s.push_str("</AX_Gemeindekennzeichen>\n</gemeindezugehoerigkeit>\n");
        if let Some(a) = &p.address {
            s.push_str(&format!("<weistAuf xlink:href=\"urn:adv:oid:{a}\"/>\n"));
        }
        Self::end(&mut s, class);
        self.object(&s)
    }

    pub fn building(&mut self, b: &BuildingRec) -> Result<(), GenError> {
        let mut s = String::with_capacity(2048);
        let class = "AX_Gebaeude";
        self.start(&mut s, class, &b.id);
        position(&mut s, &b.id, &b.ring);
        s.push_str(&format!(
            "<gebaeudefunktion>{}</gebaeudefunktion>\n<anzahlDerOberirdischenGeschosse>{}</anzahlDerOberirdischenGeschosse>\n",
            b.function, b.storeys
        ));
        if let Some(a) = &b.address {
            s.push_str(&format!(
                "<zeigtAuf xlink:href=\"urn:adv:oid:{}\"/>\n",
                a.id
            ));
        }
        Self::end(&mut s, class);
        self.object(&s)
    }

    pub fn land_use(&mut self, l: &LandUseRec) -> Result<(), GenError> {
        let mut s = String::with_capacity(2048);
        let class = l.class.feature_type();
        self.start(&mut s, class, &l.id);
        position(&mut s, &l.id, &l.ring);
        if let Some(f) = l.function {
            let tag = if l.class == model::LandUseClass::Landwirtschaft {
                "vegetationsmerkmal"
            } else {
                "funktion"
            };
            s.push_str(&format!("<{tag}>{f}</{tag}>\n"));
        }
        if l.disused {
            s.push_str("<zustand>2100</zustand>\n");
        }
        Self::end(&mut s, class);
        self.object(&s)
    }
}

fn position(s: &mut String, id: &str, ring: &Ring) {
    s.push_str("<position>\n<gml:Surface gml:id=\"");
    s.push_str(id);
    s.push_str("_0\" srsName=\"urn:adv:crs:ETRS89_UTM32\">\n<gml:patches>\n<gml:PolygonPatch>\n<gml:exterior>\n<gml:Ring>\n<gml:curveMember>\n<gml:Curve gml:id=\"");
    s.push_str(id);
    s.push_str("_1\">\n<gml:segments>\n<gml:LineStringSegment>\n<gml:posList>");
    for (i, (x, y)) in ring.closed().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        fmt_mm(x, s);
        s.push(' ');
        fmt_mm(y, s);
    }
    s.push_str("</gml:posList>\n</gml:LineStringSegment>\n</gml:segments>\n</gml:Curve>\n</gml:curveMember>\n</gml:Ring>\n</gml:exterior>\n</gml:PolygonPatch>\n</gml:patches>\n</gml:Surface>\n</position>\n");
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_into_complete_files_with_their_counts() {
        let dir = tempfile::tempdir().unwrap();
        let town = TownInfo {
            index: 0,
            name: "Test".into(),
            ags: "16068051".into(),
            plz: "99610".into(),
        };
        let mut w = NasWriter::new(
            dir.path(),
            "16068051_test".into(),
            town,
            (0, 0, 1000, 1000),
            "2015-01-01T08:00:00Z".into(),
        );
        w.objects_per_file = 3;
        for i in 0..7 {
            w.street(&StreetRec {
                id: format!("DETHL50000000{i:03}"),
                lage: 100 + i,
                name: format!("Weg & Steg {i}"),
            })
            .unwrap();
        }
        let files = w.finish().unwrap();
        assert_eq!(
            files,
            [
                "alkis/16068051_test.xml",
                "alkis/16068051_test_2.xml",
                "alkis/16068051_test_3.xml"
            ]
        );
        for (name, n) in files.iter().zip([3, 3, 1]) {
            let text = std::fs::read_to_string(dir.path().join(&name[6..])).unwrap();
            assert!(text.contains(&format!("numberReturned=\"{n}\" ")), "{text}");
            assert_eq!(text.matches("<wfs:member>").count(), n);
            assert!(text.ends_with("</wfs:FeatureCollection>\n"));
            assert!(text.contains("Weg &amp; Steg"));
        }
        // GDAL's NAS driver reads a continuation file on its own.
        let ds = gdal::Dataset::open(dir.path().join("16068051_test_2.xml")).unwrap();
        assert_eq!(ds.driver().short_name(), "NAS");
    }
}
