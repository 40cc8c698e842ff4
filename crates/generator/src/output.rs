//! Fans every generated object out to its files: NAS per town, the GeoPackage, the registers
//! and `truth.csv`, and counts what was written for the manifest.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::geom::{mm_to_m, wkb_point};
use crate::gpkg::GpkgWriter;
use crate::nas::NasWriter;
use crate::record::{LandUseRec, ParcelRec, TownInfo, Unit};
use crate::registers::Registers;
use crate::seed::sub_seed;
use crate::settlement::{building_truth, Built, SettlementSpec, ZoneCategory, ZoneRec};
use crate::GenError;

/// What was written for one town.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TownCounts {
    pub ags: String,
    pub name: String,
    pub settlements: u32,
    pub inhabitants: u64,
    pub parcels: u64,
    pub buildings: u64,
    pub addresses: u64,
    pub streets: u64,
    pub land_use: u64,
    pub nas_objects: u64,
    pub dwellings: u64,
    pub vacant_dwellings: u64,
    /// Dwellings and vacant dwellings in the main settlement and in the villages.
    pub core_dwellings: u64,
    pub core_vacant_dwellings: u64,
    pub truth_buildings: BTreeMap<String, u64>,
    pub truth_parcels: BTreeMap<String, u64>,
}

pub struct Output {
    dir: PathBuf,
    seed: u64,
    begins: String,
    nas: Option<NasWriter>,
    pub nas_files: Vec<String>,
    gpkg: GpkgWriter,
    regs: Registers,
    truth: BufWriter<File>,
    truth_path: PathBuf,
    reg_rng: ChaCha8Rng,
    zones: BufWriter<File>,
    zones_path: PathBuf,
    /// Zones written so far, of all towns and of the current one.
    zones_total: u64,
    zones_town: u32,
    pub counts: Vec<TownCounts>,
}

/// Bodenrichtwert-Stichtag of the generated zones (Thuringia values every two years).
const LAND_VALUE_DATE: &str = "2024-01-01";

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output").field("dir", &self.dir).finish()
    }
}

/// ASCII file name part of a town name: `Sömmerda` → `soemmerda`.
pub fn slug(name: &str) -> String {
    let mut s = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        match c {
            'ä' => s.push_str("ae"),
            'ö' => s.push_str("oe"),
            'ü' => s.push_str("ue"),
            'ß' => s.push_str("ss"),
            c if c.is_ascii_alphanumeric() => s.push(c),
            _ => {
                if !s.ends_with('-') {
                    s.push('-');
                }
            }
        }
    }
    s.trim_matches('-').to_owned()
}

impl Output {
    pub fn create(
        dir: &Path,
        seed: u64,
        noise: f64,
        reference_date: &str,
    ) -> Result<Self, GenError> {
        for sub in ["alkis", "registers"] {
            let d = dir.join(sub);
            std::fs::create_dir_all(&d).map_err(GenError::io(&d))?;
        }
        // Objects "begin" on a day derived from the seed, never from the clock.
        let begins = format!(
            "{}-{:02}-{:02}T08:00:00Z",
            2010 + sub_seed(seed, &[9]) % 10,
            1 + sub_seed(seed, &[10]) % 12,
            1 + sub_seed(seed, &[11]) % 28
        );
        let gpkg = GpkgWriter::create(
            &dir.join("alkis.gpkg"),
            &format!("{reference_date}T00:00:00Z"),
        )?;
        let regs = Registers::create(&dir.join("registers"), noise, reference_date)?;
        let truth_path = dir.join("truth.csv");
        let f = File::create(&truth_path).map_err(GenError::io(&truth_path))?;
        let mut truth = BufWriter::with_capacity(1 << 18, f);
        truth
            .write_all(b"kind,alkis_id,class,dwellings,vacant_dwellings\n")
            .map_err(GenError::io(&truth_path))?;
        let zones_path = dir.join("landvalues.geojson");
        let f = File::create(&zones_path).map_err(GenError::io(&zones_path))?;
        let mut zones = BufWriter::new(f);
        zones
            .write_all(
                b"{\"type\":\"FeatureCollection\",\"name\":\"bodenrichtwerte\",\
                  \"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::25832\"}},\
                  \"features\":[\n",
            )
            .map_err(GenError::io(&zones_path))?;
        Ok(Self {
            dir: dir.to_owned(),
            seed,
            begins,
            nas: None,
            nas_files: Vec::new(),
            gpkg,
            regs,
            truth,
            truth_path,
            reg_rng: ChaCha8Rng::seed_from_u64(seed),
            zones,
            zones_path,
            zones_total: 0,
            zones_town: 0,
            counts: Vec::new(),
        })
    }

    pub fn begin_town(
        &mut self,
        town: &TownInfo,
        bounds: (i64, i64, i64, i64),
    ) -> Result<(), GenError> {
        let stem = format!("{}_{}", town.ags, slug(&town.name));
        self.nas = Some(NasWriter::new(
            &self.dir.join("alkis"),
            stem,
            town.clone(),
            bounds,
            self.begins.clone(),
        ));
        self.reg_rng = ChaCha8Rng::seed_from_u64(sub_seed(self.seed, &[5, town.index as u64]));
        self.zones_town = 0;
        self.counts.push(TownCounts {
            ags: town.ags.clone(),
            name: town.name.clone(),
            ..TownCounts::default()
        });
        Ok(())
    }

    /// The town's catalogue entries: its Gemeinde and the Gemarkung (number, name) of each
    /// settlement.
    pub fn catalogue(&mut self, gemarkungen: &[(u16, &str)]) -> Result<(), GenError> {
        self.nas()?.catalogue(gemarkungen)?;
        self.count().nas_objects += 1 + gemarkungen.len() as u64;
        Ok(())
    }

    pub fn end_town(&mut self, _town: &TownInfo) -> Result<(), GenError> {
        if let Some(nas) = self.nas.take() {
            self.nas_files.extend(nas.finish()?);
        }
        Ok(())
    }

    fn nas(&mut self) -> Result<&mut NasWriter, GenError> {
        self.nas
            .as_mut()
            .ok_or_else(|| GenError::Option("no town begun".into()))
    }

    fn count(&mut self) -> &mut TownCounts {
        if self.counts.is_empty() {
            self.counts.push(TownCounts::default());
        }
        let n = self.counts.len() - 1;
        &mut self.counts[n]
    }

    fn truth_line(&mut self, line: &str) -> Result<(), GenError> {
        self.truth
            .write_all(line.as_bytes())
            .map_err(GenError::io(&self.truth_path))
    }

    fn parcel(&mut self, town: &TownInfo, p: &ParcelRec) -> Result<(), GenError> {
        self.nas()?.parcel(p)?;
        let area = p.ring.area_m2().round();
        self.gpkg.parcel(
            p.ring.wkb_multipolygon(),
            &p.id,
            p.kz.to_string(),
            &town.ags,
            area,
        )?;
        self.truth_line(&format!("parcel,{},{},,\n", p.id, p.truth.as_str()))?;
        let mut rng = std::mem::replace(&mut self.reg_rng, ChaCha8Rng::seed_from_u64(0));
        let r = self.regs.parcel(p, &mut rng);
        self.reg_rng = rng;
        r?;
        let c = self.count();
        c.parcels += 1;
        c.nas_objects += 1;
        *c.truth_parcels
            .entry(p.truth.as_str().to_owned())
            .or_insert(0) += 1;
        Ok(())
    }

    fn land_use(&mut self, l: &LandUseRec) -> Result<(), GenError> {
        self.nas()?.land_use(l)?;
        self.gpkg.land_use(
            l.ring.wkb_multipolygon(),
            &l.id,
            l.class.feature_type(),
            l.function,
        )?;
        let c = self.count();
        c.land_use += 1;
        c.nas_objects += 1;
        Ok(())
    }

    pub fn field(
        &mut self,
        town: &TownInfo,
        p: &ParcelRec,
        l: &LandUseRec,
    ) -> Result<(), GenError> {
        self.parcel(town, p)?;
        self.land_use(l)
    }

    pub fn settlement(
        &mut self,
        town: &TownInfo,
        spec: &SettlementSpec,
        built: &Built,
    ) -> Result<(), GenError> {
        self.count().settlements += 1;
        for s in &built.streets {
            self.nas()?.street(s)?;
            let c = self.count();
            c.streets += 1;
            c.nas_objects += 1;
        }
        for a in &built.addresses {
            self.nas()?.address(a)?;
            let c = self.count();
            c.addresses += 1;
            c.nas_objects += 1;
        }
        for p in &built.parcels {
            self.parcel(town, p)?;
        }
        for b in &built.buildings {
            self.nas()?.building(b)?;
            let kz = b.parcel.map(|k| k.to_string()).unwrap_or_default();
            self.gpkg
                .building(b.ring.wkb_multipolygon(), &b.id, b.function, b.storeys, kz)?;
            if let Some(a) = &b.address {
                self.gpkg.address(
                    wkb_point(a.pos),
                    &a.id,
                    &town.ags,
                    &a.street,
                    a.house_number(),
                    &town.plz,
                    &b.id,
                )?;
            }
            let mut residents = 0u64;
            for u in &b.units {
                if let Unit::Dwelling { bands, .. } = u {
                    residents += bands.iter().map(|&x| u64::from(x)).sum::<u64>();
                }
            }
            if let Some(t) = building_truth(b) {
                let units = b.units.len() as u64;
                let vacant = b.units.iter().filter(|u| u.is_vacant()).count() as u64;
                self.truth_line(&format!(
                    "building,{},{},{units},{vacant}\n",
                    b.id,
                    t.as_str()
                ))?;
                let mut rng = std::mem::replace(&mut self.reg_rng, ChaCha8Rng::seed_from_u64(0));
                let r = self.regs.building(town, b, t, spec.core, &mut rng);
                self.reg_rng = rng;
                r?;
                let dwellings = b
                    .units
                    .iter()
                    .filter(|u| !matches!(u, Unit::Business | Unit::Vacant { business: true, .. }))
                    .count() as u64;
                let vacant_d = b
                    .units
                    .iter()
                    .filter(|u| {
                        matches!(
                            u,
                            Unit::Vacant {
                                business: false,
                                ..
                            }
                        )
                    })
                    .count() as u64;
                let c = self.count();
                c.dwellings += dwellings;
                c.vacant_dwellings += vacant_d;
                if spec.core {
                    c.core_dwellings += dwellings;
                    c.core_vacant_dwellings += vacant_d;
                }
                *c.truth_buildings.entry(t.as_str().to_owned()).or_insert(0) += 1;
            }
            let c = self.count();
            c.buildings += 1;
            c.nas_objects += 1;
            c.inhabitants += residents;
        }
        for l in &built.land_use {
            self.land_use(l)?;
        }
        for z in &built.zones {
            self.zone(town, spec, z)?;
        }
        Ok(())
    }

    /// One Bodenrichtwertzone as VBORIS publishes it (field names of the BORIS-D schema),
    /// its value drawn from its own stream within the Thuringian level of its category.
    fn zone(
        &mut self,
        town: &TownInfo,
        spec: &SettlementSpec,
        z: &ZoneRec,
    ) -> Result<(), GenError> {
        self.zones_town += 1;
        let mut rng = ChaCha8Rng::seed_from_u64(sub_seed(
            self.seed,
            &[14, town.index as u64, u64::from(self.zones_town)],
        ));
        let (range, nuta, label) = match z.category {
            ZoneCategory::Altstadt => (60..=90, "M", "Altstadt"),
            ZoneCategory::Wohnen => (40..=70, "W", "Wohngebiet"),
            ZoneCategory::Dorf => (15..=35, "MD", "Ortslage"),
            ZoneCategory::Gewerbe => (10..=25, "G", "Gewerbe"),
        };
        let brw: u32 = rng.gen_range(range);
        let ring: Vec<[f64; 2]> = z
            .ring
            .0
            .iter()
            .chain(z.ring.0.first())
            .map(|&(x, y)| [mm_to_m(x), mm_to_m(y)])
            .collect();
        let feature = serde_json::json!({
            "type": "Feature",
            "properties": {
                "WNUM": format!("{}{:04}", &town.ags[town.ags.len().saturating_sub(3)..], self.zones_town),
                "BRW": brw,
                "STAG": LAND_VALUE_DATE,
                "ENTW": "B",
                "NUTA": nuta,
                "BRZNAME": format!("{} {label} {}", spec.name, self.zones_town),
                "GENA": town.name,
                "GABE": "Gutachterausschuss für Grundstückswerte Mittelthüringen",
            },
            "geometry": { "type": "Polygon", "coordinates": [ring] },
        });
        let sep = if self.zones_total == 0 { "" } else { ",\n" };
        self.zones_total += 1;
        write!(self.zones, "{sep}{feature}").map_err(GenError::io(&self.zones_path))
    }

    /// Closes every file; returns the paths written, relative to the output directory.
    pub fn finish(mut self) -> Result<(Vec<String>, Vec<TownCounts>), GenError> {
        if let Some(nas) = self.nas.take() {
            self.nas_files.extend(nas.finish()?);
        }
        self.gpkg.finish()?;
        self.regs.finish()?;
        self.truth.flush().map_err(GenError::io(&self.truth_path))?;
        self.zones
            .write_all(b"\n]}\n")
            .and_then(|()| self.zones.flush())
            .map_err(GenError::io(&self.zones_path))?;
        let mut files = self.nas_files.clone();
        files.extend(
            [
                "alkis.gpkg",
                "landvalues.geojson",
                "registers/residents.csv",
                "registers/meters.csv",
                "registers/survey.csv",
                "registers/reports.csv",
                "truth.csv",
            ]
            .map(String::from),
        );
        files.sort();
        Ok((files, self.counts))
    }
}
