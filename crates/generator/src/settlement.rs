//! One settlement (the town core or a village): a grid of block rows separated by streets,
//! blocks split into plots, buildings placed on the plots, dwellings and their occupants
//! drawn, all inside a cell-aligned region whose margin is garden and field land.
//!
//! A settlement is built completely in memory (a few thousand objects at most) and then
//! handed to the writers, so memory stays bounded by the largest settlement.

use model::LandUseClass;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::ctx::TownCtx;
use crate::geom::{Pt, Ring, M};
use crate::record::{
    AddressRec, BuildingRec, BuildingTruth, LandUseRec, ParcelRec, ParcelTruth, StreetRec, Unit,
};
use crate::GenError;

/// Side of a field cell; settlement regions are whole cells.
pub const CELL: i64 = 400 * M;
/// First year of the registers' history; vacancies start in or after it.
pub const HISTORY_START: u16 = 2008;
/// Year of the registers' reference date.
pub const REFERENCE_YEAR: u16 = 2024;

#[derive(Debug, Clone)]
pub struct SettlementSpec {
    pub name: String,
    pub core: bool,
    pub inhabitants: u32,
    pub gemarkung: u16,
    pub vacancy_factor: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Altstadt,
    Efh,
    Platte,
    Gewerbe,
    Neubau,
    Hof,
    Dorf,
    Public,
    Friedhof,
    Sport,
    Lpg,
}

impl Kind {
    fn two_rows(self) -> bool {
        matches!(
            self,
            Self::Altstadt | Self::Efh | Self::Neubau | Self::Hof | Self::Dorf
        )
    }

    /// Plot widths in metres.
    fn plot_width(self) -> (i64, i64) {
        match self {
            Self::Altstadt => (9, 16),
            Self::Efh => (15, 24),
            Self::Neubau => (18, 24),
            Self::Hof => (22, 40),
            Self::Dorf => (17, 30),
            Self::Platte => (60, 110),
            Self::Gewerbe => (40, 90),
            Self::Public => (30, 60),
            Self::Lpg => (80, 160),
            Self::Friedhof | Self::Sport => (10_000, 10_000),
        }
    }

    fn land_use(self) -> (LandUseClass, Option<u16>) {
        match self {
            Self::Altstadt | Self::Hof | Self::Dorf => {
                (LandUseClass::FlaecheGemischterNutzung, None)
            }
            Self::Efh | Self::Neubau | Self::Platte => (LandUseClass::Wohnbauflaeche, None),
            Self::Gewerbe | Self::Lpg => (LandUseClass::IndustrieUndGewerbeflaeche, Some(1700)),
            Self::Public => (LandUseClass::FlaecheBesondererFunktionalerPraegung, None),
            Self::Friedhof => (LandUseClass::Friedhof, None),
            Self::Sport => (LandUseClass::SportFreizeitUndErholungsflaeche, None),
        }
    }

    /// Built-up blocks where an empty plot is a building gap.
    fn built_up(self) -> bool {
        matches!(self, Self::Altstadt | Self::Efh | Self::Hof | Self::Dorf)
    }

    /// Expected inhabitants of one block of average width, for sizing the grid.
    fn people_per_block(self, core: bool) -> f64 {
        match (self, core) {
            (Self::Altstadt, _) => 105.0,
            (Self::Efh, _) => 27.0,
            (Self::Platte, _) => 175.0,
            (Self::Hof, _) => 19.0,
            (Self::Dorf, _) => 22.0,
            (Self::Neubau, _) => 12.0,
            _ => 0.0,
        }
    }
}

/// The sized plan of a settlement, before it is placed.
#[derive(Debug)]
pub struct Plan {
    pub spec: SettlementSpec,
    street_w: Vec<i64>,
    rows: Vec<RowPlan>,
    pub built_w: i64,
    pub built_h: i64,
    /// Region in cells.
    pub cells_x: i64,
    pub cells_y: i64,
}

#[derive(Debug)]
struct RowPlan {
    height: i64,
    vstreet_w: i64,
    /// Block widths and kinds.
    blocks: Vec<(i64, Kind)>,
}

pub fn plan(spec: SettlementSpec, rng: &mut ChaCha8Rng) -> Plan {
    let p = f64::from(spec.inhabitants);
    let mut kinds: Vec<Kind> = Vec::new();
    let push = |k: Kind, n: f64, kinds: &mut Vec<Kind>| {
        for _ in 0..(n.round() as usize) {
            kinds.push(k);
        }
    };
    if spec.core {
        let platte = if p > 8000.0 {
            0.38
        } else if p > 3000.0 {
            0.15
        } else {
            0.0
        };
        let altstadt = if p > 1500.0 { 0.14 } else { 0.0 };
        let efh = 1.0 - platte - altstadt;
        push(
            Kind::Altstadt,
            p * altstadt / Kind::Altstadt.people_per_block(true),
            &mut kinds,
        );
        push(
            Kind::Platte,
            p * platte / Kind::Platte.people_per_block(true),
            &mut kinds,
        );
        push(
            Kind::Efh,
            p * efh / Kind::Efh.people_per_block(true),
            &mut kinds,
        );
        push(Kind::Neubau, (p / 4000.0).max(1.0), &mut kinds);
        push(Kind::Gewerbe, (p / 900.0).max(1.0), &mut kinds);
        push(Kind::Public, (p / 5000.0).max(1.0), &mut kinds);
        push(Kind::Friedhof, 1.0, &mut kinds);
        push(Kind::Sport, 1.0 + (p / 8000.0).floor(), &mut kinds);
    } else {
        push(
            Kind::Hof,
            p * 0.55 / Kind::Hof.people_per_block(false),
            &mut kinds,
        );
        push(
            Kind::Dorf,
            p * 0.45 / Kind::Dorf.people_per_block(false),
            &mut kinds,
        );
        if kinds.is_empty() {
            kinds.push(Kind::Hof);
        }
        push(Kind::Public, 1.0, &mut kinds);
        if p > 150.0 {
            push(Kind::Friedhof, 1.0, &mut kinds);
        }
        if p > 150.0 && rng.gen_bool(0.7) {
            push(Kind::Lpg, 1.0, &mut kinds);
        }
        if p > 600.0 {
            push(Kind::Neubau, 1.0, &mut kinds);
        }
        push(Kind::Gewerbe, (p / 1500.0).floor(), &mut kinds);
    }
    let (bw_avg, bh_range, sw_range, vsw) = if spec.core {
        (125, (60, 84), (12, 16), 9)
    } else {
        (140, (70, 100), (10, 12), 8)
    };
    let n = kinds.len() as f64;
    let rows_n = ((n * (bw_avg + vsw) as f64 / (72.0 + 13.0)).sqrt().round() as usize).max(1);
    let cols = (kinds.len().div_ceil(rows_n)).max(1);
    let built_w = (cols as i64 * (bw_avg + vsw) + vsw) * M;

    // Slots (row, col) with their distance from the centre decide the kind: public and old
    // blocks in the middle, industry on the east edge.
    let mut slot_kinds: Vec<Vec<Option<Kind>>> = vec![vec![None; cols]; rows_n];
    let center = ((rows_n as f64 - 1.0) / 2.0, (cols as f64 - 1.0) / 2.0);
    let mut slots: Vec<(i64, usize, usize)> = Vec::new();
    for (r, row) in slot_kinds.iter().enumerate() {
        for c in 0..row.len() {
            let dy = (r as f64 - center.0) * 0.85;
            let dx = c as f64 - center.1;
            let d = ((dx * dx + dy * dy).sqrt() * 1000.0) as i64 + rng.gen_range(0..400);
            slots.push((d, r, c));
        }
    }
    let edge: Vec<Kind> = kinds
        .iter()
        .copied()
        .filter(|k| matches!(k, Kind::Gewerbe | Kind::Lpg))
        .collect();
    let mut by_east = slots.clone();
    by_east.sort_by_key(|&(d, r, c)| (std::cmp::Reverse(c), d, r));
    for (k, &(_, r, c)) in edge.iter().zip(by_east.iter()) {
        slot_kinds[r][c] = Some(*k);
    }
    slots.sort_unstable();
    let order = [
        Kind::Public,
        Kind::Altstadt,
        Kind::Hof,
        Kind::Efh,
        Kind::Platte,
        Kind::Dorf,
        Kind::Neubau,
        Kind::Sport,
        Kind::Friedhof,
    ];
    let mut rest: Vec<Kind> = Vec::new();
    for k in order {
        rest.extend(kinds.iter().copied().filter(|x| *x == k));
    }
    // Plattenbau estates stand apart from the old town: interleave them into the outer ring.
    let mut rest_iter = rest.into_iter();
    for &(_, r, c) in &slots {
        if slot_kinds[r][c].is_none() {
            slot_kinds[r][c] =
                Some(
                    rest_iter
                        .next()
                        .unwrap_or(if spec.core { Kind::Efh } else { Kind::Dorf }),
                );
        }
    }

    let street_w: Vec<i64> = (0..=rows_n)
        .map(|_| rng.gen_range(sw_range.0..=sw_range.1) * M)
        .collect();
    let mut rows = Vec::with_capacity(rows_n);
    for row_kinds in slot_kinds {
        let height = rng.gen_range(bh_range.0 / 2..=bh_range.1 / 2) * 2 * M;
        let kinds: Vec<Kind> = row_kinds.into_iter().flatten().collect();
        let raw: Vec<i64> = kinds
            .iter()
            .map(|_| rng.gen_range(bw_avg * 7 / 10..=bw_avg * 13 / 10))
            .collect();
        let avail = built_w - (kinds.len() as i64 + 1) * vsw * M;
        let raw_sum: i64 = raw.iter().sum();
        let mut widths: Vec<i64> = raw.iter().map(|w| w * avail / raw_sum / M * M).collect();
        let used: i64 = widths.iter().sum();
        if let Some(last) = widths.last_mut() {
            *last += avail - used;
        }
        rows.push(RowPlan {
            height,
            vstreet_w: vsw * M,
            blocks: widths.into_iter().zip(kinds).collect(),
        });
    }
    let built_h = street_w.iter().sum::<i64>() + rows.iter().map(|r| r.height).sum::<i64>();
    let margin = 40 * M;
    let cells_x = (built_w + 2 * margin + CELL - 1) / CELL;
    let cells_y = (built_h + 2 * margin + CELL - 1) / CELL;
    Plan {
        spec,
        street_w,
        rows,
        built_w,
        built_h,
        cells_x,
        cells_y,
    }
}

/// Everything a settlement emits.
#[derive(Debug, Default)]
pub struct Built {
    pub streets: Vec<StreetRec>,
    pub addresses: Vec<AddressRec>,
    pub parcels: Vec<ParcelRec>,
    pub buildings: Vec<BuildingRec>,
    pub land_use: Vec<LandUseRec>,
    /// Land-value zones (Bodenrichtwertzonen) over the built-up blocks.
    pub zones: Vec<ZoneRec>,
    /// Vertices on the region boundary, for the neighbouring field cells.
    pub boundary: Vec<Pt>,
}

/// What a land-value zone holds, which sets its value level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneCategory {
    /// The old town of the main settlement.
    Altstadt,
    /// Other housing in the main settlement.
    Wohnen,
    /// A village.
    Dorf,
    /// Commercial and former farm land.
    Gewerbe,
}

impl ZoneCategory {
    fn of(kind: Kind, core: bool) -> Option<Self> {
        match kind {
            Kind::Gewerbe | Kind::Lpg => Some(Self::Gewerbe),
            _ if !kind.two_rows() && kind != Kind::Platte => None,
            _ if !core => Some(Self::Dorf),
            Kind::Altstadt => Some(Self::Altstadt),
            Kind::Hof | Kind::Dorf => Some(Self::Dorf),
            _ => Some(Self::Wohnen),
        }
    }
}

/// A land-value zone: neighbouring blocks of one category in a block row, with the streets
/// between them; zones of a settlement never overlap.
#[derive(Debug)]
pub struct ZoneRec {
    pub ring: Ring,
    pub category: ZoneCategory,
}

/// A plot while the settlement is being laid out.
struct Plot {
    ring: Ring,
    /// Safe inner box for buildings: x0, y0 (front), x1, y1 (back), `front_at_min_y`.
    inner: (i64, i64, i64, i64),
    south: bool,
    kind: Kind,
    street: usize,
    block: usize,
    nenner: Option<u16>,
    buildings: Vec<BuildingRec>,
    has_main: bool,
    truth: ParcelTruth,
    disused_land: bool,
}

/// A polygon before breaks are inserted: parcel (with plot index) or land use.
enum Piece {
    Plot(usize),
    Street {
        ring: Ring,
        land: LandUseClass,
    },
    Margin {
        ring: Ring,
        land: LandUseClass,
        function: Option<u16>,
    },
    BlockLand {
        ring: Ring,
        kind: Kind,
    },
}

/// Builds the settlement in its region with lower-left corner `origin`; `outside` holds the
/// vertices of neighbouring cells on the region boundary.
pub fn build(
    plan: &Plan,
    origin: Pt,
    outside: &[Pt],
    ctx: &mut TownCtx,
    rng: &mut ChaCha8Rng,
) -> Result<Built, GenError> {
    let spec = &plan.spec;
    let rx1 = origin.0 + plan.cells_x * CELL;
    let ry1 = origin.1 + plan.cells_y * CELL;
    let bx0 = origin.0 + (plan.cells_x * CELL - plan.built_w) / 2 / M * M;
    let by0 = origin.1 + (plan.cells_y * CELL - plan.built_h) / 2 / M * M;
    let bx1 = bx0 + plan.built_w;
    let by1 = by0 + plan.built_h;

    let mut built = Built::default();
    let mut street_names: Vec<(u32, String)> = Vec::new();
    for _ in 0..plan.street_w.len() {
        let (lage, name) = ctx.street(spec.core, &spec.name, rng);
        street_names.push((lage, name));
    }
    let mut plots: Vec<Plot> = Vec::new();
    let mut pieces: Vec<Piece> = Vec::new();

    // Streets and block rows from south to north.
    let mut y = by0;
    let mut street_y: Vec<(i64, i64)> = Vec::new();
    let mut block_counter = 0usize;
    for (ri, row) in plan.rows.iter().enumerate() {
        let sw = plan.street_w[ri];
        street_y.push((y, y + sw));
        y += sw;
        let (ry0, ry1b) = (y, y + row.height);
        let mut x = bx0;
        let mut run: Option<(ZoneCategory, i64, i64)> = None;
        for &(bw, kind) in &row.blocks {
            let cat = ZoneCategory::of(kind, spec.core);
            let bx = x + row.vstreet_w;
            run = match (run, cat) {
                (Some((c, rx0, _)), Some(n)) if c == n => Some((c, rx0, bx + bw)),
                (prev, next) => {
                    if let Some((c, rx0, rx1)) = prev {
                        built.zones.push(ZoneRec {
                            ring: Ring::rect(rx0, ry0, rx1, ry1b),
                            category: c,
                        });
                    }
                    next.map(|n| (n, bx, bx + bw))
                }
            };
            pieces.push(Piece::Street {
                ring: Ring::rect(x, ry0, x + row.vstreet_w, ry1b),
                land: LandUseClass::Strassenverkehr,
            });
            x += row.vstreet_w;
            let (x0, x1) = (x, x + bw);
            block_counter += 1;
            lay_block(
                kind,
                (x0, ry0, x1, ry1b),
                (ri, ri + 1),
                block_counter,
                rng,
                &mut plots,
            );
            if kind == Kind::Gewerbe || kind == Kind::Lpg {
                // Industrial land use per plot, so a disused plot can say so.
            } else {
                pieces.push(Piece::BlockLand {
                    ring: Ring::rect(x0, ry0, x1, ry1b),
                    kind,
                });
            }
            x = x1;
        }
        if let Some((c, rx0, rx1)) = run {
            built.zones.push(ZoneRec {
                ring: Ring::rect(rx0, ry0, rx1, ry1b),
                category: c,
            });
        }
        pieces.push(Piece::Street {
            ring: Ring::rect(x, ry0, bx1, ry1b),
            land: LandUseClass::Strassenverkehr,
        });
        y = ry1b;
    }
    let last = plan.street_w.len() - 1;
    street_y.push((y, y + plan.street_w[last]));
    for &(s0, s1) in &street_y {
        pieces.push(Piece::Street {
            ring: Ring::rect(bx0, s0, bx1, s1),
            land: LandUseClass::Strassenverkehr,
        });
    }
    for i in 0..plots.len() {
        pieces.push(Piece::Plot(i));
    }

    // Margin: field and garden strips between the built area and the region boundary,
    // continuing the street lines to the west and east.
    margin_pieces(
        (origin.0, origin.1, rx1, ry1),
        (bx0, by0, bx1, by1),
        &street_y,
        rng,
        &mut pieces,
    );

    // Buildings, gaps, dwellings.
    furnish(spec, &mut plots, ctx, rng);
    fit_population(spec.inhabitants, &mut plots, rng);
    mark_gaps(&mut plots);

    // Vertices of every piece (and of the neighbours outside) so that each polygon carries
    // the vertices of its neighbours on its edges.
    let mut verts: Vec<Pt> = outside.to_vec();
    for p in &pieces {
        let ring = match p {
            Piece::Plot(i) => &plots[*i].ring,
            Piece::Street { ring, .. }
            | Piece::Margin { ring, .. }
            | Piece::BlockLand { ring, .. } => ring,
        };
        verts.extend_from_slice(&ring.0);
    }
    verts.sort_unstable();
    verts.dedup();
    let with_breaks = |ring: &Ring| -> Ring {
        let (x0, y0, x1, y1) = ring.bbox();
        let lo = verts.partition_point(|p| p.0 < x0);
        let hi = verts.partition_point(|p| p.0 <= x1);
        let cands: Vec<Pt> = verts[lo..hi]
            .iter()
            .copied()
            .filter(|p| p.1 >= y0 && p.1 <= y1)
            .collect();
        ring.clone().with_breaks(&cands)
    };

    for (lage, name) in &street_names {
        built.streets.push(StreetRec {
            id: ctx.id(),
            lage: *lage,
            name: name.clone(),
        });
    }
    // House numbers: along each street from west to east, odd on the north side.
    let mut order: Vec<usize> = (0..plots.len()).filter(|&i| plots[i].has_main).collect();
    order.sort_by_key(|&i| (plots[i].street, plots[i].ring.bbox().0, plots[i].south));
    let mut next_no: Vec<[u32; 2]> = vec![[1, 2]; street_names.len()];
    for i in order {
        let plot = &mut plots[i];
        let side = usize::from(!plot.south);
        let (lage, street) = &street_names[plot.street];
        // The main building and every other building with dwellings or business units
        // (a second slab, an office) get an address of their own.
        for (k, b) in plot.buildings.iter_mut().enumerate() {
            if k > 0 && b.units.is_empty() {
                continue;
            }
            let number = next_no[plot.street][side];
            next_no[plot.street][side] += 2;
            // Now and then a plot split long ago carries an "a" number.
            let suffix = if rng.gen_bool(0.03) { Some('a') } else { None };
            b.address = Some(AddressRec {
                id: ctx.id(),
                lage: *lage,
                street: street.clone(),
                number,
                suffix,
                pos: b.ring.center(),
            });
        }
    }

    // Emit in a stable order: plots first by their position in the layout.
    let mut last_block = usize::MAX;
    for piece in &pieces {
        match piece {
            Piece::Plot(i) => {
                let plot = &mut plots[*i];
                let reuse = plot.nenner.is_some() && plot.block == last_block;
                last_block = plot.block;
                let kz = ctx.kennzeichen(spec.gemarkung, 1, plot.nenner, reuse)?;
                let ring = with_breaks(&plot.ring);
                if plot.kind == Kind::Gewerbe || plot.kind == Kind::Lpg {
                    built.land_use.push(LandUseRec {
                        id: ctx.id(),
                        class: LandUseClass::IndustrieUndGewerbeflaeche,
                        function: Some(1700),
                        disused: plot.disused_land,
                        ring: ring.clone(),
                    });
                }
                built
                    .addresses
                    .extend(plot.buildings.iter().filter_map(|b| b.address.clone()));
                let address = plot
                    .buildings
                    .first()
                    .and_then(|b| b.address.as_ref().map(|a| a.id.clone()));
                for b in &mut plot.buildings {
                    b.parcel = Some(kz);
                }
                built.buildings.append(&mut plot.buildings);
                built.parcels.push(ParcelRec {
                    id: ctx.id(),
                    kz,
                    ring,
                    address,
                    truth: plot.truth,
                });
            }
            Piece::Street { ring, land } => {
                let ring = with_breaks(ring);
                let kz = ctx.kennzeichen(spec.gemarkung, 1, None, false)?;
                built.land_use.push(LandUseRec {
                    id: ctx.id(),
                    class: *land,
                    function: None,
                    disused: false,
                    ring: ring.clone(),
                });
                built.parcels.push(ParcelRec {
                    id: ctx.id(),
                    kz,
                    ring,
                    address: None,
                    truth: ParcelTruth::None,
                });
            }
            Piece::Margin {
                ring,
                land,
                function,
            } => {
                let ring = with_breaks(ring);
                let kz = ctx.kennzeichen(spec.gemarkung, 1, None, false)?;
                built.land_use.push(LandUseRec {
                    id: ctx.id(),
                    class: *land,
                    function: *function,
                    disused: false,
                    ring: ring.clone(),
                });
                built.parcels.push(ParcelRec {
                    id: ctx.id(),
                    kz,
                    ring,
                    address: None,
                    truth: ParcelTruth::None,
                });
            }
            Piece::BlockLand { ring, kind } => {
                let (class, function) = kind.land_use();
                built.land_use.push(LandUseRec {
                    id: ctx.id(),
                    class,
                    function,
                    disused: false,
                    ring: with_breaks(ring),
                });
            }
        }
    }
    built.boundary = verts
        .iter()
        .copied()
        .filter(|p| p.0 == origin.0 || p.0 == rx1 || p.1 == origin.1 || p.1 == ry1)
        .collect();
    Ok(built)
}

/// Splits a block into plots: two rows (front to the south and to the north street) or one.
fn lay_block(
    kind: Kind,
    (x0, y0, x1, y1): (i64, i64, i64, i64),
    (south_street, north_street): (usize, usize),
    block: usize,
    rng: &mut ChaCha8Rng,
    plots: &mut Vec<Plot>,
) {
    let shared_zaehler = kind.two_rows() && rng.gen_bool(0.25);
    let mut nenner = 0u16;
    let next_nenner = |nenner: &mut u16| {
        if shared_zaehler {
            *nenner += 1;
            Some(*nenner)
        } else {
            None
        }
    };
    if !kind.two_rows() {
        let (wmin, wmax) = kind.plot_width();
        for (a, b) in split_x(x0, x1, wmin, wmax, 0, rng) {
            let ring = Ring::from_vertices(vec![(a.0, y0), (a.1, y0), (b.1, y1), (b.0, y1)]);
            plots.push(Plot {
                ring,
                inner: (a.0.max(b.0), y0, a.1.min(b.1), y1),
                south: true,
                kind,
                street: south_street,
                block,
                nenner: next_nenner(&mut nenner),
                buildings: Vec::new(),
                has_main: false,
                truth: ParcelTruth::None,
                disused_land: false,
            });
        }
        return;
    }
    let ym = (y0 + y1) / 2 / M * M;
    let (wmin, wmax) = kind.plot_width();
    for (south, yf, yb, street) in [(true, y0, ym, south_street), (false, y1, ym, north_street)] {
        // Plot boundaries are a little askew, as in old towns and villages.
        let jitter = (wmin * M / 5).min(2500);
        for (a, b) in split_x(x0, x1, wmin, wmax, jitter, rng) {
            let ring = Ring::from_vertices(vec![(a.0, yf), (a.1, yf), (b.1, yb), (b.0, yb)]);
            let (iy0, iy1) = if south { (yf, yb) } else { (yb, yf) };
            plots.push(Plot {
                ring,
                inner: (a.0.max(b.0), iy0, a.1.min(b.1), iy1),
                south,
                kind,
                street,
                block,
                nenner: next_nenner(&mut nenner),
                buildings: Vec::new(),
                has_main: false,
                truth: ParcelTruth::None,
                disused_land: false,
            });
        }
    }
}

/// Splits [x0, x1] into widths between `wmin` and `wmax` metres; returns for each plot its
/// (front left, front right) and (back left, back right) x.
fn split_x(
    x0: i64,
    x1: i64,
    wmin: i64,
    wmax: i64,
    jitter: i64,
    rng: &mut ChaCha8Rng,
) -> Vec<((i64, i64), (i64, i64))> {
    let mut cuts = vec![x0];
    let mut x = x0;
    loop {
        let w = rng.gen_range(wmin * 10..=wmax * 10) * 100;
        if x1 - (x + w) < wmin * M {
            break;
        }
        x += w;
        cuts.push(x);
    }
    cuts.push(x1);
    let back: Vec<i64> = cuts
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if i == 0 || i == cuts.len() - 1 || jitter == 0 {
                c
            } else {
                c + rng.gen_range(-jitter..=jitter) / 100 * 100
            }
        })
        .collect();
    cuts.windows(2)
        .zip(back.windows(2))
        .map(|(f, b)| ((f[0], f[1]), (b[0], b[1])))
        .collect()
}

fn margin_pieces(
    (rx0, ry0, rx1, ry1): (i64, i64, i64, i64),
    (bx0, by0, bx1, by1): (i64, i64, i64, i64),
    street_y: &[(i64, i64)],
    rng: &mut ChaCha8Rng,
    pieces: &mut Vec<Piece>,
) {
    let land = |rng: &mut ChaCha8Rng| -> (LandUseClass, Option<u16>) {
        match rng.gen_range(0..20) {
            0 => (LandUseClass::Gehoelz, None),
            1 => (LandUseClass::UnlandVegetationsloseFlaeche, None),
            2..=8 => (LandUseClass::Landwirtschaft, Some(1020)),
            _ => (LandUseClass::Landwirtschaft, Some(1010)),
        }
    };
    // South and north: strips running away from the village.
    for (y0, y1) in [(ry0, by0), (by1, ry1)] {
        let mut x = rx0;
        while x < rx1 {
            let mut w = rng.gen_range(15..=45) * M;
            if rx1 - (x + w) < 15 * M {
                w = rx1 - x;
            }
            let (l, f) = land(rng);
            pieces.push(Piece::Margin {
                ring: Ring::rect(x, y0, x + w, y1),
                land: l,
                function: f,
            });
            x += w;
        }
    }
    // West and east: strips along the street lines.
    let mut ys: Vec<i64> = vec![by0];
    for &(_, s1) in street_y.iter().skip(1) {
        ys.push(s1);
    }
    if let Some(last) = ys.last_mut() {
        *last = by1;
    }
    for (x0, x1) in [(rx0, bx0), (bx1, rx1)] {
        for w in ys.windows(2) {
            let (l, f) = land(rng);
            pieces.push(Piece::Margin {
                ring: Ring::rect(x0, w[0], x1, w[1]),
                land: l,
                function: f,
            });
        }
    }
}

/// Building footprint in the plot's inner box: `along` from the left, `from_front` metres
/// behind the front line (mm each).
fn place(plot: &Plot, left: i64, from_front: i64, w: i64, d: i64) -> Option<Ring> {
    let (x0, y0, x1, y1) = plot.inner;
    let bx0 = x0 + left;
    let bx1 = bx0 + w;
    if bx0 < x0 + 300 || bx1 > x1 - 300 || w < 2 * M || d < 2 * M {
        return None;
    }
    let (by0, by1) = if plot.south {
        (y0 + from_front, y0 + from_front + d)
    } else {
        (y1 - from_front - d, y1 - from_front)
    };
    if by0 < y0 + 300 || by1 > y1 - 300 {
        return None;
    }
    Some(Ring::rect(bx0, by0, bx1, by1))
}

fn dm(rng: &mut ChaCha8Rng, lo: i64, hi: i64) -> i64 {
    rng.gen_range(lo * 10..=hi * 10) * 100
}

fn new_building(ctx: &mut TownCtx, function: u16, storeys: u8, ring: Ring) -> BuildingRec {
    BuildingRec {
        id: ctx.id(),
        function,
        storeys,
        ring,
        parcel: None,
        address: None,
        units: Vec::new(),
        derelict: false,
    }
}

/// Puts buildings on the plots and people in the dwellings.
fn furnish(spec: &SettlementSpec, plots: &mut [Plot], ctx: &mut TownCtx, rng: &mut ChaCha8Rng) {
    let vf = spec.vacancy_factor;
    for plot in plots.iter_mut() {
        let (x0, y0, x1, y1) = plot.inner;
        let pw = x1 - x0;
        let pd = y1 - y0;
        let gap = plot.kind.built_up() && rng.gen_bool(0.028);
        let mut main: Option<BuildingRec> = None;
        let mut extra: Vec<BuildingRec> = Vec::new();
        match plot.kind {
            Kind::Efh | Kind::Dorf | Kind::Neubau => {
                let empty = plot.kind == Kind::Neubau && rng.gen_bool(0.55);
                let village = plot.kind == Kind::Dorf;
                let w = dm(rng, 8, 12).min(pw - 4 * M);
                let d = dm(rng, 8, 12);
                let set = dm(rng, 3, 7);
                if !gap && !empty {
                    // Large village plots with one small house are underused.
                    let small = village && pw * pd > 1400 * M * M && rng.gen_bool(0.12);
                    let (w, d) = if small {
                        (dm(rng, 7, 8), dm(rng, 7, 9))
                    } else {
                        (w, d)
                    };
                    if let Some(r) = place(plot, M, set, w, d) {
                        let f = [1000, 1010, 1010, 1000][rng.gen_range(0..4)];
                        let storeys = if rng.gen_bool(0.6) { 2 } else { 1 };
                        let mut b = new_building(ctx, f, storeys, r);
                        let n = if rng.gen_bool(0.14) { 2 } else { 1 };
                        b.units = dwellings(n, 0, spec, plot.kind, vf, rng);
                        main = Some(b);
                    }
                }
                let house_right = main.as_ref().map_or(0, |b| b.ring.bbox().2 - x0);
                let garage_fits = house_right + 2 * M <= pw - 4 * M;
                if garage_fits
                    && (!empty || rng.gen_bool(0.1))
                    && rng.gen_bool(if gap { 0.3 } else { 0.75 })
                {
                    if let Some(r) = place(plot, pw - 4 * M, set + M, 3 * M, 6 * M) {
                        extra.push(new_building(ctx, 2463, 1, r));
                    }
                }
                if village && !gap && rng.gen_bool(0.5) {
                    let bd = dm(rng, 8, 10);
                    if let Some(r) = place(plot, M, pd - bd - 2 * M, pw - 2 * M - 600, bd) {
                        extra.push(new_building(ctx, 2721, 1, r));
                    }
                } else if !empty && rng.gen_bool(if village { 0.8 } else { 0.45 }) {
                    let sd = dm(rng, 3, 5);
                    if let Some(r) = place(plot, M, pd - sd - 2 * M, dm(rng, 3, 5), sd) {
                        extra.push(new_building(ctx, 2723, 1, r));
                    }
                }
            }
            Kind::Altstadt => {
                if !gap {
                    let d = dm(rng, 10, 14);
                    if let Some(r) = place(plot, 350, 500, pw - 700, d) {
                        let mixed = rng.gen_bool(0.4);
                        let f = if mixed { 1123 } else { 1000 };
                        let storeys = rng.gen_range(2..=3);
                        let mut b = new_building(ctx, f, storeys, r);
                        let n = rng.gen_range(1..=(2 * u32::from(storeys)).min(6)) as u8;
                        b.units = dwellings(n, u8::from(mixed), spec, plot.kind, vf, rng);
                        b.derelict = b.units.iter().all(Unit::is_vacant) && rng.gen_bool(0.6);
                        main = Some(b);
                    }
                }
                if rng.gen_bool(0.6) {
                    let bd = dm(rng, 4, 6);
                    if let Some(r) = place(plot, 350, pd - bd - 2 * M, pw - 700, bd) {
                        extra.push(new_building(ctx, 2723, 1, r));
                    }
                }
            }
            Kind::Hof => {
                if !gap {
                    let hw = dm(rng, 9, 11);
                    let hd = dm(rng, 12, 15);
                    if let Some(r) = place(plot, 500, 500, hw, hd) {
                        let f = if rng.gen_bool(0.6) { 1221 } else { 1210 };
                        let mut b = new_building(ctx, f, 2, r);
                        let n = if rng.gen_bool(0.25) { 2 } else { 1 };
                        b.units = dwellings(n, 0, spec, plot.kind, vf, rng);
                        b.derelict = b.units.iter().all(Unit::is_vacant) && rng.gen_bool(0.5);
                        main = Some(b);
                    }
                }
                let bd = dm(rng, 10, 12);
                if let Some(r) = place(plot, 500, pd - bd - M, pw - 1000, bd) {
                    extra.push(new_building(ctx, 2721, 1, r));
                }
                let sw = dm(rng, 7, 9);
                if let Some(r) = place(plot, pw - sw - 500, 3 * M, sw, pd - 3 * M - bd - 4 * M) {
                    extra.push(new_building(ctx, 2724, 1, r));
                }
                if pw > 15 * M + sw + 1500 && rng.gen_bool(0.4) {
                    if let Some(r) = place(plot, 12 * M, 2 * M, 3 * M, 6 * M) {
                        extra.push(new_building(ctx, 2463, 1, r));
                    }
                }
            }
            Kind::Platte => {
                let slabs = if pd > 70 * M { 2 } else { 1 };
                let len = (pw - 12 * M).min(80 * M) / M * M;
                for s in 0..slabs {
                    let from = if s == 0 { 8 * M } else { pd - 22 * M };
                    if let Some(r) = place(plot, 6 * M, from, len, 12 * M) {
                        let storeys = match rng.gen_range(0..10) {
                            0 => 11,
                            1 | 2 => 6,
                            _ => 5,
                        };
                        let entrances = (len / (15 * M)).max(1) as u8;
                        let n = entrances.saturating_mul(storeys).saturating_mul(2);
                        let mut b = new_building(ctx, 1000, storeys, r);
                        b.units = dwellings(n, 0, spec, plot.kind, vf, rng);
                        if main.is_none() {
                            main = Some(b);
                        } else {
                            extra.push(b);
                        }
                    }
                }
            }
            Kind::Gewerbe => {
                let abandoned = rng.gen_bool(0.2);
                let cleared = abandoned && rng.gen_bool(0.3);
                plot.disused_land = abandoned && rng.gen_bool(0.5);
                if !cleared {
                    let hw = (pw * rng.gen_range(40..=75) / 100) / 100 * 100;
                    let hd = (pd * rng.gen_range(35..=60) / 100) / 100 * 100;
                    if let Some(r) = place(plot, 3 * M, 10 * M, hw, hd) {
                        let f = [2100, 2110, 2143, 2010, 2050, 2120][rng.gen_range(0..6)];
                        let mut b = new_building(ctx, f, rng.gen_range(1..=2), r);
                        let n = rng.gen_range(1..=3);
                        b.units = business(n, abandoned, 0.07 * vf, rng);
                        b.derelict = abandoned && rng.gen_bool(0.6);
                        main = Some(b);
                    }
                    if 5 * M + hw <= pw - 16 * M && rng.gen_bool(0.5) {
                        if let Some(r) = place(plot, pw - 16 * M, 3 * M, 12 * M, 10 * M) {
                            let mut b = new_building(ctx, 2020, 2, r);
                            b.units = business(1, abandoned, 0.07 * vf, rng);
                            extra.push(b);
                        }
                    }
                }
                if abandoned {
                    plot.truth = ParcelTruth::Brownfield;
                }
            }
            Kind::Lpg => {
                let abandoned = rng.gen_bool(0.45);
                plot.disused_land = abandoned && rng.gen_bool(0.6);
                let n = ((pd - 10 * M) / (22 * M)).clamp(1, 3);
                for i in 0..n {
                    let len = (pw - 20 * M).min(70 * M);
                    if let Some(r) = place(plot, 8 * M, 6 * M + i * 22 * M, len, 14 * M) {
                        let f = if i == 0 { 2726 } else { 2724 };
                        let mut b = new_building(ctx, f, 1, r);
                        b.derelict = abandoned;
                        extra.push(b);
                    }
                }
                if abandoned {
                    plot.truth = ParcelTruth::Brownfield;
                }
            }
            Kind::Public => {
                let f = if spec.core {
                    [3012, 3021, 3041, 3065, 3072, 3053][rng.gen_range(0..6)]
                } else {
                    [3041, 3062, 3072][rng.gen_range(0..3)]
                };
                let w = (pw - 8 * M).min(35 * M);
                if let Some(r) = place(plot, 4 * M, 6 * M, w, dm(rng, 12, 20)) {
                    main = Some(new_building(ctx, f, 2, r));
                }
            }
            Kind::Friedhof => {
                if let Some(r) = place(plot, pw / 2, 8 * M, 8 * M, 12 * M) {
                    extra.push(new_building(ctx, 3041, 1, r));
                }
            }
            Kind::Sport => {
                if let Some(r) = place(plot, 6 * M, 6 * M, 36 * M, 22 * M) {
                    extra.push(new_building(ctx, 3211, 1, r));
                }
            }
        }
        plot.has_main = main.is_some();
        if let Some(b) = main {
            plot.buildings.push(b);
        }
        plot.buildings.extend(extra);
    }
}

/// The grid is sized by estimate; households grow or shrink a little so the settlement has
/// its real number of inhabitants (within 2 %), without changing which dwellings are empty.
fn fit_population(target: u32, plots: &mut [Plot], rng: &mut ChaCha8Rng) {
    let mut households: Vec<&mut [u8; 4]> = Vec::new();
    let mut total: i64 = 0;
    for plot in plots.iter_mut() {
        for b in &mut plot.buildings {
            for u in &mut b.units {
                if let Unit::Dwelling { bands, .. } = u {
                    total += bands.iter().map(|&x| i64::from(x)).sum::<i64>();
                    // Second homes and elderly-only households keep their shape.
                    if bands[1] > 0 {
                        households.push(bands);
                    }
                }
            }
        }
    }
    let target = i64::from(target);
    if households.is_empty() {
        return;
    }
    let mut guard = 0;
    while (total - target).abs() * 50 > target && guard < 4 * households.len() {
        guard += 1;
        let i = rng.gen_range(0..households.len());

        let h = &mut households[i];
        if total > target {
            if h[0] > 0 {
                h[0] -= 1;
                total -= 1;
            } else if h[1] > 1 {
                h[1] -= 1;
                total -= 1;
            }
        } else if h[0] + h[1] < 6 {
            if h[1] >= 2 || rng.gen_bool(0.5) {
                h[0] += 1;
            } else {
                h[1] += 1;
            }
            total += 1;
        }
    }
}

/// Building gaps: plots of built-up blocks or new-build areas without a main building whose
/// neighbours in the row are built; empty plots elsewhere in the row are no gap. The plot of
/// a main building whose dwellings and units all stand empty is a vacant building plot;
/// large plots with very little built on them are underused.
fn mark_gaps(plots: &mut [Plot]) {
    let n = plots.len();
    for i in 0..n {
        let p = &plots[i];
        if !p.kind.built_up() && p.kind != Kind::Neubau {
            continue;
        }
        let area = p.ring.area_m2();
        let same_row = |j: usize| plots[j].block == p.block && plots[j].south == p.south;
        let truth = if !p.has_main {
            if area < 200.0 {
                continue;
            }
            let left = (i > 0 && same_row(i - 1)).then(|| plots[i - 1].has_main);
            let right = (i + 1 < n && same_row(i + 1)).then(|| plots[i + 1].has_main);
            let bordered = match (left, right) {
                (Some(l), Some(r)) => l && r,
                (Some(x), None) | (None, Some(x)) => x,
                (None, None) => false,
            };
            if !bordered {
                continue;
            }
            ParcelTruth::BuildingGap
        } else if p
            .buildings
            .first()
            .is_some_and(|b| !b.units.is_empty() && b.units.iter().all(Unit::is_vacant))
        {
            ParcelTruth::VacantBuildingPlot
        } else {
            let covered: f64 = p.buildings.iter().map(|b| b.ring.area_m2()).sum();
            if area >= 1500.0 && covered / area < 0.06 {
                ParcelTruth::Underused
            } else {
                continue;
            }
        };
        plots[i].truth = truth;
    }
}

/// `n` dwellings (plus `shops` business units) with their vacancy drawn for the kind of
/// block; occupants are drawn later in [`people`].
fn dwellings(
    n: u8,
    shops: u8,
    spec: &SettlementSpec,
    kind: Kind,
    vf: f64,
    rng: &mut ChaCha8Rng,
) -> Vec<Unit> {
    let p = match kind {
        Kind::Altstadt => 0.08,
        Kind::Platte => 0.06,
        Kind::Efh | Kind::Neubau => 0.022,
        _ if spec.core => 0.04,
        _ => 0.072,
    } * vf;
    // Whole buildings fall empty together more often than dwellings one by one.
    let whole = n > 1 && rng.gen_bool((p * 0.5).min(0.5));
    let mut units = Vec::with_capacity(usize::from(n + shops));
    for _ in 0..n {
        if whole || rng.gen_bool(p.min(0.9)) {
            units.push(Unit::Vacant {
                since: rng.gen_range(HISTORY_START..=REFERENCE_YEAR),
                business: false,
            });
        } else {
            units.push(people(spec, rng));
        }
    }
    units.extend(business(shops, whole, 0.15 * vf, rng));
    units
}

fn business(n: u8, abandoned: bool, p: f64, rng: &mut ChaCha8Rng) -> Vec<Unit> {
    (0..n)
        .map(|_| {
            if abandoned || rng.gen_bool(p.min(0.9)) {
                Unit::Vacant {
                    since: rng.gen_range(HISTORY_START..=REFERENCE_YEAR),
                    business: true,
                }
            } else {
                Unit::Business
            }
        })
        .collect()
}

/// One household: size and ages; some are elderly only (risk), some second homes.
fn people(spec: &SettlementSpec, rng: &mut ChaCha8Rng) -> Unit {
    let moved_in = rng.gen_range(1975..=REFERENCE_YEAR);
    let second_home = rng.gen_bool(if spec.core { 0.01 } else { 0.03 });
    if second_home {
        return Unit::Dwelling {
            bands: [0; 4],
            secondary: rng.gen_range(1..=2),
            moved_in,
        };
    }
    let elderly = rng.gen_bool(if spec.core { 0.07 } else { 0.11 });
    if elderly {
        return Unit::Dwelling {
            bands: [0, 0, 0, rng.gen_range(1..=2)],
            secondary: 0,
            moved_in,
        };
    }
    let size = match rng.gen_range(0..100) {
        0..=33 => 1,
        34..=70 => 2,
        71..=85 => 3,
        86..=96 => 4,
        _ => 5,
    };
    let mut bands = [0u8; 4];
    let adults = size.min(2);
    for _ in 0..adults {
        let band = match rng.gen_range(0..100) {
            0..=64 => 1,
            65..=84 => 2,
            _ => 3,
        };
        bands[band] += 1;
    }
    bands[0] = size - adults;
    if bands[0] > 0 {
        // Parents of children are of working age.
        bands[1] += bands[2] + bands[3];
        bands[2] = 0;
        bands[3] = 0;
    }
    Unit::Dwelling {
        bands,
        secondary: u8::from(rng.gen_bool(0.02)),
        moved_in,
    }
}

/// Ground truth of a building from its units (only for buildings with units).
pub fn building_truth(b: &BuildingRec) -> Option<BuildingTruth> {
    (!b.units.is_empty()).then(|| BuildingTruth::of(&b.units))
}
