//! One Gemeinde: its territory (the real area as a rectangle of field cells around the real
//! centroid), its settlements placed in it, and field strips everywhere else. Settlements are
//! built and written one at a time, then the field cells row by row.

use model::LandUseClass;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::config::StreetConfig;
use crate::ctx::TownCtx;
use crate::geom::{Pt, Ring, M};
use crate::output::Output;
use crate::record::{LandUseRec, ParcelRec, ParcelTruth, TownInfo};
use crate::seed::sub_seed;
use crate::settlement::{self, Plan, SettlementSpec, CELL};
use crate::GenError;

/// A town to generate, figures already scaled.
#[derive(Debug, Clone)]
pub struct TownSpec {
    pub info: TownInfo,
    pub area_km2: f64,
    pub inhabitants: u32,
    /// Centroid in EPSG:25832, metres.
    pub center: (f64, f64),
    pub core_share: f64,
    pub gemarkung_base: u16,
    pub vacancy_factor: f64,
    pub villages: Vec<String>,
}

pub fn generate_town(
    spec: &TownSpec,
    seed: u64,
    streets: &StreetConfig,
    out: &mut Output,
) -> Result<(), GenError> {
    let tseed = sub_seed(seed, &[1, spec.info.index as u64]);
    let mut rng = ChaCha8Rng::seed_from_u64(tseed);
    let mut ctx = TownCtx::new(spec.info.index, streets, &mut rng);

    // Settlements and their share of the inhabitants.
    let mut specs = Vec::new();
    let village_people = if spec.villages.is_empty() {
        0.0
    } else {
        f64::from(spec.inhabitants) * (1.0 - spec.core_share)
    };
    let weights: Vec<f64> = spec
        .villages
        .iter()
        .map(|_| rng.gen_range(0.4..1.6))
        .collect();
    let wsum: f64 = weights.iter().sum();
    specs.push(SettlementSpec {
        name: spec.info.name.clone(),
        core: true,
        inhabitants: (f64::from(spec.inhabitants) - village_people)
            .round()
            .max(50.0) as u32,
        gemarkung: spec.gemarkung_base,
        vacancy_factor: spec.vacancy_factor,
    });
    for (i, (v, w)) in spec.villages.iter().zip(&weights).enumerate() {
        specs.push(SettlementSpec {
            name: v.clone(),
            core: false,
            inhabitants: (village_people * w / wsum).round().max(40.0) as u32,
            gemarkung: spec.gemarkung_base + 1 + i as u16,
            vacancy_factor: spec.vacancy_factor,
        });
    }
    let plans: Vec<Plan> = specs
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let mut r = ChaCha8Rng::seed_from_u64(sub_seed(tseed, &[2, i as u64]));
            settlement::plan(s, &mut r)
        })
        .collect();

    // Territory in cells.
    let area = spec.area_km2 * 1e6;
    let cell_m = (CELL / M) as f64;
    let mut nx = ((area * 1.15).sqrt() / cell_m).round().max(2.0) as i64;
    let mut ny = (area / (nx as f64 * cell_m * cell_m)).round().max(2.0) as i64;
    nx = nx.max(plans[0].cells_x + 2);
    ny = ny.max(plans[0].cells_y + 2);
    let mut regions: Vec<(i64, i64, i64, i64)> = Vec::with_capacity(plans.len());
    regions.push((
        (nx - plans[0].cells_x) / 2,
        (ny - plans[0].cells_y) / 2,
        plans[0].cells_x,
        plans[0].cells_y,
    ));
    for plan in &plans[1..] {
        let (kx, ky) = (plan.cells_x, plan.cells_y);
        let mut placed = None;
        for attempt in 0..400 {
            let gap = if attempt < 300 { 1 } else { 0 };
            if nx - kx < 0 || ny - ky < 0 {
                break;
            }
            let cx = rng.gen_range(0..=nx - kx);
            let cy = rng.gen_range(0..=ny - ky);
            let free = regions.iter().all(|&(ox, oy, ok, ol)| {
                cx + kx + gap <= ox
                    || ox + ok + gap <= cx
                    || cy + ky + gap <= oy
                    || oy + ol + gap <= cy
            });
            if free {
                placed = Some((cx, cy, kx, ky));
                break;
            }
        }
        let region = match placed {
            Some(r) => r,
            None => {
                // No room left: the territory grows by a strip on the north.
                let r = (0, ny + 1, kx, ky);
                ny += ky + 1;
                nx = nx.max(kx);
                r
            }
        };
        regions.push(region);
    }
    let ox = (spec.center.0 * 1000.0) as i64 / M * M - nx * CELL / 2;
    let oy = (spec.center.1 * 1000.0) as i64 / M * M - ny * CELL / 2;
    let bounds = (ox, oy, ox + nx * CELL, oy + ny * CELL);
    out.begin_town(&spec.info, bounds)?;
    let gemarkungen: Vec<(u16, &str)> = plans
        .iter()
        .map(|p| (p.spec.gemarkung, p.spec.name.as_str()))
        .collect();
    out.catalogue(&gemarkungen)?;

    let mut owner: Vec<Option<usize>> = vec![None; (nx * ny) as usize];
    for (s, &(cx, cy, kx, ky)) in regions.iter().enumerate() {
        for y in cy..cy + ky {
            for x in cx..cx + kx {
                owner[(y * nx + x) as usize] = Some(s);
            }
        }
    }
    let cell_of = |x: i64, y: i64| -> Option<Option<usize>> {
        (x >= 0 && y >= 0 && x < nx && y < ny).then(|| owner[(y * nx + x) as usize])
    };
    let origin = |x: i64, y: i64| -> Pt { (ox + x * CELL, oy + y * CELL) };

    // Settlements first; their boundary vertices are kept for the field cells around them.
    let mut boundaries: Vec<Vec<Pt>> = Vec::with_capacity(plans.len());
    for (s, (plan, &(cx, cy, kx, ky))) in plans.iter().zip(&regions).enumerate() {
        let mut outside = Vec::new();
        for x in cx - 1..=cx + kx {
            for y in cy - 1..=cy + ky {
                if let Some(None) = cell_of(x, y) {
                    let o = origin(x, y);
                    outside.extend(cell_plan(tseed, x, y).boundary(o));
                }
            }
        }
        let mut r = ChaCha8Rng::seed_from_u64(sub_seed(tseed, &[3, s as u64]));
        let built = settlement::build(plan, origin(cx, cy), &outside, &mut ctx, &mut r)?;
        out.settlement(&spec.info, &plan.spec, &built)?;
        boundaries.push(built.boundary);
    }

    // Field cells, each with the vertices of its neighbours on its edges.
    let centers: Vec<(i64, i64, u16)> = regions
        .iter()
        .zip(&plans)
        .map(|(&(cx, cy, kx, ky), p)| (cx * 2 + kx, cy * 2 + ky, p.spec.gemarkung))
        .collect();
    let flur_cols = (nx + 4) / 5;
    for y in 0..ny {
        for x in 0..nx {
            if owner[(y * nx + x) as usize].is_some() {
                continue;
            }
            let o = origin(x, y);
            let plan = cell_plan(tseed, x, y);
            let mut cands = Vec::new();
            for (dx, dy) in [(-1, 0), (1, 0), (0, -1), (0, 1)] {
                match cell_of(x + dx, y + dy) {
                    Some(None) => cands
                        .extend(cell_plan(tseed, x + dx, y + dy).boundary(origin(x + dx, y + dy))),
                    Some(Some(s)) => cands.extend_from_slice(&boundaries[s]),
                    None => {}
                }
            }
            let (x0, y0, x1, y1) = (o.0, o.1, o.0 + CELL, o.1 + CELL);
            cands.retain(|p| p.0 >= x0 && p.0 <= x1 && p.1 >= y0 && p.1 <= y1);
            let gemarkung = centers
                .iter()
                .min_by_key(|&&(cx, cy, _)| (cx - (2 * x + 1)).pow(2) + (cy - (2 * y + 1)).pow(2))
                .map_or(spec.gemarkung_base, |c| c.2);
            let flur = (2 + x / 5 + (y / 5) * flur_cols).min(999) as u16;
            for (ring, class, function) in plan.pieces(o) {
                let ring = ring.with_breaks(&cands);
                let kz = ctx.kennzeichen(gemarkung, flur, None, false)?;
                let parcel = ParcelRec {
                    id: ctx.id(),
                    kz,
                    ring,
                    address: None,
                    truth: ParcelTruth::None,
                };
                let land = LandUseRec {
                    id: ctx.id(),
                    class,
                    function,
                    disused: false,
                    ring: parcel.ring.clone(),
                };
                out.field(&spec.info, &parcel, &land)?;
            }
            let _ = (x1, y1);
        }
    }
    out.end_town(&spec.info)
}

/// How a field cell is divided: strips parallel to one axis.
#[derive(Debug)]
struct CellPlan {
    vertical: bool,
    /// Cut offsets in (0, CELL).
    cuts: Vec<i64>,
    classes: Vec<(LandUseClass, Option<u16>)>,
}

/// A pure function of the cell, so neighbours can ask for it without storing it.
fn cell_plan(tseed: u64, x: i64, y: i64) -> CellPlan {
    let mut rng = ChaCha8Rng::seed_from_u64(sub_seed(tseed, &[4, x as u64, y as u64]));
    let vertical = rng.gen_bool(0.5);
    let roll = rng.gen_range(0..100);
    let (wmin, wmax, base): (i64, i64, (LandUseClass, Option<u16>)) = match roll {
        0..=7 => (120, 250, (LandUseClass::Wald, None)),
        8..=15 => (30, 90, (LandUseClass::Landwirtschaft, Some(1020))),
        _ => (8, 26, (LandUseClass::Landwirtschaft, Some(1010))),
    };
    let mut cuts = Vec::new();
    let mut classes = Vec::new();
    let mut pos = 0;
    if rng.gen_bool(0.5) {
        // A field path along the cell edge.
        pos = rng.gen_range(4..=6) * M;
        cuts.push(pos);
        classes.push((LandUseClass::Weg, None));
    }
    loop {
        let w = rng.gen_range(wmin * 10..=wmax * 10) * 100;
        let class = match rng.gen_range(0..400) {
            0 => (LandUseClass::StehendesGewaesser, None),
            1..=3 => (LandUseClass::Gehoelz, None),
            4 => (LandUseClass::UnlandVegetationsloseFlaeche, None),
            _ => base,
        };
        classes.push(class);
        if CELL - (pos + w) < wmin * M {
            break;
        }
        pos += w;
        cuts.push(pos);
    }
    CellPlan {
        vertical,
        cuts,
        classes,
    }
}

impl CellPlan {
    fn boundary(&self, o: Pt) -> impl Iterator<Item = Pt> + '_ {
        self.cuts.iter().flat_map(move |&c| {
            if self.vertical {
                [(o.0 + c, o.1), (o.0 + c, o.1 + CELL)]
            } else {
                [(o.0, o.1 + c), (o.0 + CELL, o.1 + c)]
            }
        })
    }

    fn pieces(&self, o: Pt) -> Vec<(Ring, LandUseClass, Option<u16>)> {
        let mut edges = vec![0];
        edges.extend_from_slice(&self.cuts);
        edges.push(CELL);
        edges
            .windows(2)
            .zip(&self.classes)
            .map(|(w, &(class, f))| {
                let ring = if self.vertical {
                    Ring::rect(o.0 + w[0], o.1, o.0 + w[1], o.1 + CELL)
                } else {
                    Ring::rect(o.0, o.1 + w[0], o.0 + CELL, o.1 + w[1])
                };
                (ring, class, f)
            })
            .collect()
    }
}
