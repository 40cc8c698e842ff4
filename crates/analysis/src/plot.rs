//! Plot verdicts: building gaps found through their neighbourhood in an rstar index,
//! brownfields, underused plots and the plots of vacant buildings.

use std::collections::HashMap;

use geo::{Area, BoundingRect, Distance, Euclidean, MinimumRotatedRect, MultiPolygon};
use model::{Confidence, Evidence, EvidenceSource, LandUseClass, Subject, VacancyClass, Verdict};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use crate::config::PlotRules;
use model::facts::ParcelFacts;

/// A building as the plot rules see it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BuildingOnParcel {
    pub parcel_id: i64,
    /// A main building (not a garage, shed or garden house).
    pub is_main: bool,
    pub footprint_m2: f64,
    /// The building's verdict, where it counts for vacancy.
    pub class: Option<VacancyClass>,
}

/// The outcome for one plot.
#[derive(Debug, Clone, PartialEq)]
pub struct ParcelVerdict {
    pub parcel_id: i64,
    pub verdict: Verdict,
    pub area_m2: f64,
    /// Dwellings the plot could take (gaps only).
    pub potential_dwellings: f64,
}

#[derive(Debug, Clone, Copy, Default)]
struct OnParcel {
    /// Buildings of any kind.
    all: usize,
    main: usize,
    footprint_m2: f64,
    counted: usize,
    vacant: usize,
}

/// An rstar entry: a bounding box and the index of what it bounds.
pub(crate) type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// The index entry of the outline with index `i`: its bounding box (`None` without extent).
pub(crate) fn envelope_entry(outline: &MultiPolygon<f64>, i: usize) -> Option<Entry> {
    let r = outline.bounding_rect()?;
    Some(GeomWithData::new(
        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
        i,
    ))
}

/// Spatial index over parcel outlines, for neighbourhood queries.
#[derive(Debug)]
pub struct ParcelIndex<'a> {
    parcels: &'a [ParcelFacts],
    tree: RTree<Entry>,
}

impl<'a> ParcelIndex<'a> {
    /// Bulk-loads the index (O(n log n)); parcels without extent are left out.
    pub fn new(parcels: &'a [ParcelFacts]) -> Self {
        let entries: Vec<Entry> = parcels
            .iter()
            .enumerate()
            .filter_map(|(i, p)| envelope_entry(&p.outline, i))
            .collect();
        Self {
            parcels,
            tree: RTree::bulk_load(entries),
        }
    }

    /// Indices of the parcels within `distance` of parcel `i` (not `i` itself).
    pub fn neighbours(&self, i: usize, distance: f64) -> Vec<usize> {
        let Some(r) = self.parcels[i].outline.bounding_rect() else {
            return Vec::new();
        };
        let envelope = AABB::from_corners(
            [r.min().x - distance, r.min().y - distance],
            [r.max().x + distance, r.max().y + distance],
        );
        let outline = &self.parcels[i].outline;
        let mut found: Vec<usize> = self
            .tree
            .locate_in_envelope_intersecting(envelope)
            .map(|e| e.data)
            .filter(|&j| j != i)
            .filter(|&j| Euclidean.distance(outline, &self.parcels[j].outline) <= distance)
            .collect();
        found.sort_unstable();
        found
    }
}

/// Width of the narrowest side of the minimum rotated rectangle: a plot narrower than a
/// house cannot take one, whatever its area.
pub fn min_width(outline: &MultiPolygon<f64>) -> f64 {
    let Some(rect) = outline.minimum_rotated_rect() else {
        return 0.0;
    };
    let c: Vec<_> = rect.exterior().coords().collect();
    if c.len() < 3 {
        return 0.0;
    }
    let side = |a: usize, b: usize| ((c[a].x - c[b].x).powi(2) + (c[a].y - c[b].y).powi(2)).sqrt();
    side(0, 1).min(side(1, 2))
}

fn alkis(summary: String, contribution: f64) -> Evidence {
    Evidence {
        source: EvidenceSource::Alkis,
        observed_on: None,
        contribution,
        summary,
    }
}

fn land_use_name(l: Option<LandUseClass>) -> &'static str {
    l.map_or("unknown land use", LandUseClass::name_de)
}

/// Classifies every parcel; parcels without a plot class get no verdict. The result is
/// sorted by parcel id and does not depend on the order of the input.
pub fn classify(
    parcels: &[ParcelFacts],
    buildings: &[BuildingOnParcel],
    rules: &PlotRules,
) -> Vec<ParcelVerdict> {
    let mut on: HashMap<i64, OnParcel> = HashMap::new();
    for b in buildings {
        let o = on.entry(b.parcel_id).or_default();
        o.all += 1;
        if b.is_main {
            o.main += 1;
        }
        o.footprint_m2 += b.footprint_m2;
        if let Some(class) = b.class {
            o.counted += 1;
            if class == VacancyClass::Vacant {
                o.vacant += 1;
            }
        }
    }
    let index = ParcelIndex::new(parcels);
    let mut verdicts: Vec<ParcelVerdict> = (0..parcels.len())
        .into_par_iter()
        .filter_map(|i| classify_one(i, parcels, &index, &on, rules))
        .collect();
    verdicts.sort_by_key(|v| v.parcel_id);
    verdicts
}

fn classify_one(
    i: usize,
    parcels: &[ParcelFacts],
    index: &ParcelIndex<'_>,
    on: &HashMap<i64, OnParcel>,
    rules: &PlotRules,
) -> Option<ParcelVerdict> {
    let p = &parcels[i];
    let here = on.get(&p.id).copied().unwrap_or_default();
    let area = if p.area_m2 > 0.0 {
        p.area_m2
    } else {
        p.outline.unsigned_area()
    };
    let subject = Subject::Parcel(p.alkis_id.clone());
    let make = |class, score: f64, confidence: f64, evidence, potential| {
        Some(ParcelVerdict {
            parcel_id: p.id,
            verdict: Verdict::new(
                subject.clone(),
                class,
                score,
                Confidence::new(confidence.clamp(0.0, 1.0)).ok()?,
                evidence,
            )
            .ok()?,
            area_m2: area,
            potential_dwellings: potential,
        })
    };

    if let Some(o) = &p.override_class {
        let ev = vec![Evidence {
            source: EvidenceSource::PlannerOverride,
            observed_on: Some(o.on),
            contribution: 0.0,
            summary: format!("set to {} by {}: {}", o.class, o.author, o.note),
        }];
        return make(o.class, 0.0, 1.0, ev, 0.0);
    }

    let all_vacant = here.counted > 0 && here.vacant == here.counted;
    let land = p.land_use;
    let basics = alkis(format!("{}, {:.0} m²", land_use_name(land), area), 0.0);

    if land.is_some_and(LandUseClass::is_commercial)
        && (here.all == 0 || all_vacant || p.out_of_operation)
    {
        let mut ev = vec![basics];
        let mut score = 1.0;
        if p.out_of_operation {
            ev.push(alkis(
                "recorded as out of operation (zustand 2100)".into(),
                1.0,
            ));
            score += 1.0;
        }
        ev.push(if here.all == 0 {
            alkis("no building on the commercial land".into(), 1.0)
        } else {
            alkis(format!("all {} building(s) vacant", here.counted), 1.0)
        });
        return make(
            VacancyClass::Brownfield,
            score,
            if score > 1.5 { 0.95 } else { 0.8 },
            ev,
            0.0,
        );
    }

    if here.main > 0 && all_vacant {
        let ev = vec![
            basics,
            alkis(
                format!("all {} building(s) on the plot vacant", here.counted),
                1.0,
            ),
        ];
        return make(VacancyClass::VacantBuildingPlot, 1.0, 0.8, ev, 0.0);
    }

    let building_land = land.is_some_and(LandUseClass::is_building_land)
        && !land.is_some_and(LandUseClass::is_commercial);
    if here.main == 0
        && building_land
        && (rules.gap_min_area_m2..=rules.gap_max_area_m2).contains(&area)
    {
        let width = min_width(&p.outline);
        if width >= rules.gap_min_width_m {
            let neighbours = index.neighbours(i, rules.neighbour_distance_m);
            let is_street = |j: usize| parcels[j].land_use.is_some_and(LandUseClass::is_transport);
            let streets: Vec<usize> = neighbours
                .iter()
                .copied()
                .filter(|&j| is_street(j))
                .collect();
            // Neighbours in the row: plots on the same street frontage, left and right.
            let row: Vec<usize> = neighbours
                .iter()
                .copied()
                .filter(|&j| !is_street(j))
                .filter(|&j| {
                    streets.iter().any(|&s| {
                        Euclidean.distance(&parcels[j].outline, &parcels[s].outline)
                            <= rules.neighbour_distance_m
                    })
                })
                .collect();
            let built = |j: &usize| on.get(&parcels[*j].id).is_some_and(|o| o.main > 0);
            let row_built = row.iter().filter(|j| built(j)).count();
            // A corner plot also touches the end of the row around the corner: one of its
            // row neighbours may be empty.
            let allowed_empty = usize::from(streets.len() > 1);
            let bordered = row_built > 0 && row_built + allowed_empty >= row.len();
            if bordered && (!streets.is_empty() || !rules.gap_needs_street) {
                let potential = (area / 10_000.0 * rules.dwellings_per_ha).max(1.0).floor();
                let all_built = neighbours.iter().filter(|j| built(j)).count();
                let share =
                    all_built as f64 / neighbours.len().saturating_sub(streets.len()).max(1) as f64;
                let ev = vec![
                    basics,
                    alkis("no main building".into(), 1.0),
                    alkis(format!("buildable shape: narrowest side {width:.0} m"), 0.5),
                    alkis(
                        format!(
                            "on a street, both neighbours in the row built ({row_built} of {})",
                            row.len()
                        ),
                        1.0,
                    ),
                ];
                return make(
                    VacancyClass::BuildingGap,
                    2.5,
                    0.6 + 0.35 * share,
                    ev,
                    potential,
                );
            }
        }
    }

    if here.main > 0 && building_land && area >= rules.underused_min_area_m2 {
        let coverage = here.footprint_m2 / area;
        if coverage < rules.underused_max_coverage {
            let ev = vec![
                basics,
                alkis(
                    format!("buildings cover {:.1} % of the plot", coverage * 100.0),
                    1.0,
                ),
            ];
            let margin = 1.0 - coverage / rules.underused_max_coverage;
            return make(
                VacancyClass::Underused,
                1.0 + margin,
                0.6 + 0.3 * margin,
                ev,
                0.0,
            );
        }
    }
    None
}
