//! Per-town counters: object ids, street keys and names, parcel numbers. Everything is
//! handed out in emission order, so the same seed gives the same keys.

use std::collections::{BTreeMap, BTreeSet};

use model::Flurstueckskennzeichen;
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::config::StreetConfig;
use crate::GenError;

const B36: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

fn base36(mut v: u64, width: usize, out: &mut String) {
    let mut buf = vec![b'0'; width];
    for slot in buf.iter_mut().rev() {
        *slot = B36[(v % 36) as usize];
        v /= 36;
    }
    out.extend(buf.iter().map(|&b| char::from(b)));
}

/// Hands out the numbers of one Gemeinde.
#[derive(Debug)]
pub struct TownCtx {
    town_index: u64,
    next_id: u64,
    next_lage: u32,
    zaehler: BTreeMap<(u16, u16), u32>,
    used_names: BTreeSet<String>,
    core_names: Vec<String>,
    village_names: Vec<String>,
    suffixes: Vec<String>,
}

impl TownCtx {
    pub fn new(town_index: usize, streets: &StreetConfig, rng: &mut ChaCha8Rng) -> Self {
        let mut core_names = streets.core.clone();
        let mut village_names = streets.village.clone();
        // The first core names (Marktplatz, Bahnhofstraße, …) stay first: every town has them.
        core_names[8..].shuffle(rng);
        village_names[2..].shuffle(rng);
        Self {
            town_index: town_index as u64,
            next_id: 0,
            next_lage: 100,
            zaehler: BTreeMap::new(),
            used_names: BTreeSet::new(),
            core_names,
            village_names,
            suffixes: streets.suffixes.clone(),
        }
    }

    /// A new ALKIS object id: `DETHL5` + town (3) + running number (7), base 36.
    pub fn id(&mut self) -> String {
        let mut s = String::with_capacity(16);
        s.push_str("DETHL5");
        base36(self.town_index, 3, &mut s);
        base36(self.next_id, 7, &mut s);
        self.next_id += 1;
        s
    }

    /// A street key and a name not yet used in this Gemeinde.
    pub fn street(&mut self, core: bool, settlement: &str, rng: &mut ChaCha8Rng) -> (u32, String) {
        let lage = self.next_lage;
        self.next_lage += 1;
        let pools: [&Vec<String>; 2] = if core {
            [&self.core_names, &self.village_names]
        } else {
            [&self.village_names, &self.core_names]
        };
        let mut name = None;
        for pool in pools {
            if let Some(n) = pool.iter().find(|n| !self.used_names.contains(*n)) {
                name = Some(n.clone());
                break;
            }
        }
        let name = name.unwrap_or_else(|| {
            // Pools exhausted (big synthetic towns): "<Ortsteil>er Weg 2" and so on.
            let suffix = &self.suffixes[rng.gen_range(0..self.suffixes.len())];
            let mut n = 1;
            loop {
                let candidate = if n == 1 {
                    format!("{settlement}{suffix}")
                } else {
                    format!("{settlement}{suffix} {n}")
                };
                if !self.used_names.contains(&candidate) {
                    break candidate;
                }
                n += 1;
            }
        });
        self.used_names.insert(name.clone());
        (lage, name)
    }

    /// The next Flurstückskennzeichen in a Gemarkung and Flur; `nenner` for split parcels.
    pub fn kennzeichen(
        &mut self,
        gemarkung: u16,
        flur: u16,
        nenner: Option<u16>,
        reuse_zaehler: bool,
    ) -> Result<Flurstueckskennzeichen, GenError> {
        let z = self.zaehler.entry((gemarkung, flur)).or_insert(0);
        if !reuse_zaehler || *z == 0 {
            *z += 1;
        }
        Flurstueckskennzeichen::new(16, gemarkung, flur, *z, nenner).map_err(|source| {
            GenError::Model {
                what: format!("Flurstückskennzeichen {gemarkung}/{flur}/{z}"),
                source,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn ids_are_valid_alkis_ids_and_unique() {
        let cfg = crate::config::Config::builtin().unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut ctx = TownCtx::new(37, &cfg.streets, &mut rng);
        let a = ctx.id();
        let b = ctx.id();
        assert_eq!(a, "DETHL5011000000".to_owned() + "0");
        assert_ne!(a, b);
        assert!(a.parse::<model::AlkisId>().is_ok());
        let (l1, n1) = ctx.street(true, "X", &mut rng);
        let (l2, n2) = ctx.street(true, "X", &mut rng);
        assert_eq!((l1, l2), (100, 101));
        assert_ne!(n1, n2);
    }
}
