//! Deterministic generator of the data the towns' offices hand over — ALKIS as NAS and
//! GeoPackage, the registers as CSV — plus the ground truth real data never has, so the
//! analysis can be scored. Same seed, same bytes.
//!
//! Towns are generated and written one after another, settlements one at a time, so memory
//! stays bounded however large `scale` is.

mod config;
mod ctx;
mod error;
mod geom;
mod gpkg;
mod nas;
mod output;
mod record;
mod registers;
mod seed;
mod settlement;
mod town;
mod utm;

use std::io::Read;
use std::path::{Path, PathBuf};

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use sha2::{Digest, Sha256};

pub use config::{Config, TownConfig, DEFAULT_CONFIG};
pub use error::GenError;
pub use output::{slug, TownCounts};
pub use utm::to_utm32;

use record::TownInfo;
use seed::sub_seed;
use town::TownSpec;

/// Inhabitants of the four towns together (Destatis 31.12.2019), the unit of `scale`.
const BASE_INHABITANTS: f64 = 31_503.0;
/// Gemarkung numbers of added towns: 11 per town (core and up to 10 villages) from here up to
/// 9999, which bounds the number of added towns (scale 80 needs about 400).
const SYNTHETIC_GEMARKUNG_BASE: u16 = 4500;
const MAX_SYNTHETIC_TOWNS: usize = 495;
/// Distance between the centres of the towns added for `scale` > 1.
const SYNTHETIC_SPACING_M: f64 = 18_000.0;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    pub out: PathBuf,
    pub seed: u64,
    /// 1 = the four towns; below 1 they shrink; above 1 towns are added around them.
    pub scale: f64,
    /// 1 = realistic register errors; 2 doubles every error rate.
    pub noise: f64,
    pub config: Config,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileEntry {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    pub towns: usize,
    pub inhabitants: u64,
    pub parcels: u64,
    pub buildings: u64,
    pub addresses: u64,
    pub dwellings: u64,
    pub vacant_dwellings: u64,
    /// Vacant dwellings / dwellings, in per cent, two decimals.
    pub vacancy_rate_percent: f64,
}

/// `manifest.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub generator: String,
    pub seed: u64,
    pub scale: f64,
    pub noise: f64,
    pub reference_date: String,
    pub crs: String,
    pub totals: Totals,
    pub towns: Vec<TownCounts>,
    pub files: Vec<FileEntry>,
}

/// Generates everything into `opts.out` and writes `manifest.json` last.
pub fn generate(opts: &Options) -> Result<Manifest, GenError> {
    if !(opts.scale > 0.0 && opts.scale <= 100.0) {
        return Err(GenError::Option(format!(
            "scale must be in (0, 100], got {}",
            opts.scale
        )));
    }
    if !(0.0..=10.0).contains(&opts.noise) {
        return Err(GenError::Option(format!(
            "noise must be in [0, 10], got {}",
            opts.noise
        )));
    }
    std::fs::create_dir_all(&opts.out).map_err(GenError::io(&opts.out))?;
    let towns = town_specs(opts)?;
    let mut out = output::Output::create(
        &opts.out,
        opts.seed,
        opts.noise,
        &opts.config.reference_date,
    )?;
    for t in &towns {
        tracing::info!(town = %t.info.name, ags = %t.info.ags, inhabitants = t.inhabitants, "generating");
        town::generate_town(t, opts.seed, &opts.config.streets, &mut out)?;
    }
    let (files, counts) = out.finish()?;
    let mut entries = Vec::with_capacity(files.len());
    for f in files {
        entries.push(checksum(&opts.out, &f)?);
    }
    let dwellings: u64 = counts.iter().map(|c| c.dwellings).sum();
    let vacant: u64 = counts.iter().map(|c| c.vacant_dwellings).sum();
    let rate = if dwellings == 0 {
        0.0
    } else {
        (vacant as f64 * 10_000.0 / dwellings as f64).round() / 100.0
    };
    let manifest = Manifest {
        generator: format!("leerstand generate {}", env!("CARGO_PKG_VERSION")),
        seed: opts.seed,
        scale: opts.scale,
        noise: opts.noise,
        reference_date: opts.config.reference_date.clone(),
        crs: "EPSG:25832".into(),
        totals: Totals {
            towns: counts.len(),
            inhabitants: counts.iter().map(|c| c.inhabitants).sum(),
            parcels: counts.iter().map(|c| c.parcels).sum(),
            buildings: counts.iter().map(|c| c.buildings).sum(),
            addresses: counts.iter().map(|c| c.addresses).sum(),
            dwellings,
            vacant_dwellings: vacant,
            vacancy_rate_percent: rate,
        },
        towns: counts,
        files: entries,
    };
    let path = opts.out.join("manifest.json");
    let mut text = serde_json::to_string_pretty(&manifest).map_err(|source| GenError::Json {
        path: path.clone(),
        source,
    })?;
    text.push('\n');
    std::fs::write(&path, text).map_err(GenError::io(&path))?;
    Ok(manifest)
}

fn checksum(dir: &Path, rel: &str) -> Result<FileEntry, GenError> {
    let path = dir.join(rel);
    let mut f = std::fs::File::open(&path).map_err(GenError::io(&path))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(GenError::io(&path))?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        h.update(&buf[..n]);
    }
    Ok(FileEntry {
        path: rel.to_owned(),
        bytes,
        sha256: hex::encode(h.finalize()),
    })
}

/// The towns to generate: the configured ones (shrunk for `scale` < 1), then invented ones
/// around them until the inhabitants reach `scale` times the four towns.
fn town_specs(opts: &Options) -> Result<Vec<TownSpec>, GenError> {
    let cfg = &opts.config;
    let shrink = opts.scale.min(1.0);
    let mut specs = Vec::new();
    for (i, t) in cfg.towns.iter().enumerate() {
        let keep = ((t.villages.len() as f64) * shrink).round() as usize;
        specs.push(TownSpec {
            info: TownInfo {
                index: i,
                name: t.name.clone(),
                ags: t.ags.clone(),
                plz: t.plz.clone(),
            },
            area_km2: t.area_km2 * shrink,
            inhabitants: ((f64::from(t.inhabitants) * shrink).round() as u32).max(60),
            center: to_utm32(t.lon, t.lat),
            core_share: if keep == 0 { 1.0 } else { t.core_share },
            gemarkung_base: t.gemarkung_base,
            vacancy_factor: t.vacancy_factor,
            villages: t.villages[..keep].to_vec(),
        });
    }
    if opts.scale <= 1.0 {
        return Ok(specs);
    }
    let syn = &cfg.synthetic;
    let mut rng = ChaCha8Rng::seed_from_u64(sub_seed(opts.seed, &[7]));
    let target = (opts.scale - 1.0) * BASE_INHABITANTS;
    let anchor = specs
        .first()
        .map(|s| s.center)
        .ok_or_else(|| GenError::Option("no towns configured".into()))?;
    // Slots on square rings around the four towns, nearest ring first.
    let mut slots: Vec<(i64, i64, i64)> = Vec::new();
    for r in 3..40i64 {
        for i in -r..=r {
            for j in -r..=r {
                if i.abs().max(j.abs()) == r {
                    slots.push((r, j, i));
                }
            }
        }
    }
    let mut names = std::collections::BTreeSet::new();
    for t in &specs {
        names.insert(t.info.name.clone());
    }
    let mut total = 0.0;
    let mut k = 0usize;
    while total < target {
        let Some(&(_, j, i)) = slots.get(k) else {
            return Err(GenError::Option(format!(
                "scale {} needs more room than the generator lays out",
                opts.scale
            )));
        };
        if k >= MAX_SYNTHETIC_TOWNS {
            return Err(GenError::Option(format!(
                "scale {} needs more than {MAX_SYNTHETIC_TOWNS} added towns (Gemarkung numbers run out)",
                opts.scale
            )));
        }
        let inhabitants = rng
            .gen_range(f64::from(syn.min_inhabitants).ln()..f64::from(syn.max_inhabitants).ln())
            .exp()
            .min(target - total + f64::from(syn.min_inhabitants))
            .round() as u32;
        let area =
            (f64::from(inhabitants) / syn.density_per_km2 * rng.gen_range(0.7..1.3)).max(3.0);
        let name = loop {
            let mut n = String::new();
            if rng.gen_bool(0.3) {
                n.push_str(syn.prefixes.choose(&mut rng).map_or("", String::as_str));
            }
            n.push_str(syn.stems.choose(&mut rng).map_or("", String::as_str));
            n.push_str(syn.suffixes.choose(&mut rng).map_or("", String::as_str));
            let mut c = n.chars();
            let n = match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                None => continue,
            };
            if names.insert(n.clone()) {
                break n;
            }
        };
        let n_villages = ((f64::from(inhabitants) / 1500.0) as usize).min(10);
        let mut villages = Vec::with_capacity(n_villages);
        while villages.len() < n_villages {
            let mut v = String::new();
            v.push_str(syn.stems.choose(&mut rng).map_or("", String::as_str));
            v.push_str(syn.suffixes.choose(&mut rng).map_or("", String::as_str));
            let mut c = v.chars();
            let v = match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                None => continue,
            };
            if v != name && !villages.contains(&v) {
                villages.push(v);
            }
        }
        let index = specs.len();
        specs.push(TownSpec {
            info: TownInfo {
                index,
                name,
                ags: format!("160{:02}{:03}", 80 + k / 999, k % 999 + 1),
                plz: format!("{:05}", syn.plz_base + k as u32),
            },
            area_km2: area,
            inhabitants,
            center: (
                anchor.0 + i as f64 * SYNTHETIC_SPACING_M,
                anchor.1 + j as f64 * SYNTHETIC_SPACING_M,
            ),
            core_share: if villages.is_empty() {
                1.0
            } else {
                rng.gen_range(0.4..0.85)
            },
            gemarkung_base: SYNTHETIC_GEMARKUNG_BASE + (k as u16) * 11,
            vacancy_factor: rng.gen_range(0.9..1.3),
            villages,
        });
        total += f64::from(inhabitants);
        k += 1;
    }
    Ok(specs)
}
