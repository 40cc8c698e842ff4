//! Investor suitability of an available plot: size, shape, distance to the town centre, to a
//! road, to schools and to shops, each scored 0–1 and weighted into one score whose parts are
//! kept, so the investor sees why a plot ranks where it does.

use std::collections::HashMap;

use geo::{BoundingRect, Centroid, Distance, Euclidean, MultiPolygon, Point};
use model::facts::ParcelFacts;
use model::LandUseClass;
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use crate::config::{Falloff, SuitabilityRules};
use crate::plot::{min_width, ParcelVerdict};

pub use model::{Suitability, SuitabilityPart as Part};

/// Points of interest, in EPSG:25832.
#[derive(Debug, Default)]
pub struct Amenities {
    centres: RTree<[f64; 2]>,
    schools: RTree<[f64; 2]>,
    shops: RTree<[f64; 2]>,
}

impl Amenities {
    /// Town centres (town halls), schools and day-care centres, and shops.
    pub fn new(centres: &[Point<f64>], schools: &[Point<f64>], shops: &[Point<f64>]) -> Self {
        let tree =
            |pts: &[Point<f64>]| RTree::bulk_load(pts.iter().map(|p| [p.x(), p.y()]).collect());
        Self {
            centres: tree(centres),
            schools: tree(schools),
            shops: tree(shops),
        }
    }
}

/// The suitability of one plot of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotSuitability {
    pub parcel_id: i64,
    pub suitability: Suitability,
}

/// 1 up to `good`, falling linearly to 0 at `poor`.
fn falling(value: f64, f: Falloff) -> f64 {
    if value.is_nan() {
        0.0
    } else if value <= f.good {
        1.0
    } else if value >= f.poor {
        0.0
    } else {
        1.0 - (value - f.good) / (f.poor - f.good)
    }
}

fn nearest(tree: &RTree<[f64; 2]>, at: [f64; 2]) -> f64 {
    tree.nearest_neighbor(at).map_or(f64::INFINITY, |p| {
        ((p[0] - at[0]).powi(2) + (p[1] - at[1]).powi(2)).sqrt()
    })
}

/// Scores a plot; `road_distance_m` is the distance to the nearest road parcel (infinite
/// when there is none within reach).
pub fn assess(
    outline: &MultiPolygon<f64>,
    area_m2: f64,
    road_distance_m: f64,
    amenities: &Amenities,
    rules: &SuitabilityRules,
) -> Suitability {
    let at = outline
        .centroid()
        .map_or([f64::NAN, f64::NAN], |c| [c.x(), c.y()]);
    let width = min_width(outline);
    let [ideal_min, ideal_max] = rules.size_ideal_m2;
    let [poor_min, poor_max] = rules.size_poor_m2;
    let size_score = if area_m2 < ideal_min {
        falling(
            ideal_min - area_m2,
            Falloff {
                good: 0.0,
                poor: ideal_min - poor_min,
            },
        )
    } else {
        falling(
            area_m2,
            Falloff {
                good: ideal_max,
                poor: poor_max,
            },
        )
    };
    let (centre, school, shop) = (
        nearest(&amenities.centres, at),
        nearest(&amenities.schools, at),
        nearest(&amenities.shops, at),
    );
    let [w_size, w_width, w_centre, w_road, w_school, w_shop] = rules.weights;
    let part = |name, value, score, weight| Part {
        name,
        value,
        score,
        weight,
    };
    let parts = vec![
        part("size_m2", area_m2, size_score, w_size),
        part(
            "min_width_m",
            width,
            (width / rules.width_ideal_m).min(1.0),
            w_width,
        ),
        part(
            "centre_m",
            centre,
            falling(centre, rules.centre_m),
            w_centre,
        ),
        part(
            "road_m",
            road_distance_m,
            falling(road_distance_m, rules.road_m),
            w_road,
        ),
        part(
            "school_m",
            school,
            falling(school, rules.school_m),
            w_school,
        ),
        part("shop_m", shop, falling(shop, rules.shop_m), w_shop),
    ];
    let total: f64 = parts.iter().map(|p| p.weight).sum();
    let score = parts.iter().map(|p| p.score * p.weight).sum::<f64>() / total;
    // A degenerate outline or weights that sum to zero score nothing rather than NaN.
    let score = if score.is_finite() {
        score.clamp(0.0, 1.0)
    } else {
        0.0
    };
    Suitability { score, parts }
}

/// Distance from a plot to the nearest of the given outlines (e.g. street parcels nearby).
pub fn distance_to(outline: &MultiPolygon<f64>, others: &[&MultiPolygon<f64>]) -> f64 {
    others
        .iter()
        .map(|o| Euclidean.distance(outline, *o))
        .fold(f64::INFINITY, f64::min)
}

/// Parcels an investor's plot is reached by: streets, paths and squares (not railways).
fn is_road(land_use: Option<LandUseClass>) -> bool {
    matches!(
        land_use,
        Some(LandUseClass::Strassenverkehr | LandUseClass::Weg | LandUseClass::Platz)
    )
}

type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// Scores every plot with a verdict (gaps, vacant building plots, brownfields, underused
/// plots). Roads are looked up in an rstar index of the road parcels, up to the distance at
/// which the road part scores nothing. Sorted by parcel id.
pub fn assess_plots(
    parcels: &[ParcelFacts],
    plots: &[ParcelVerdict],
    amenities: &Amenities,
    rules: &SuitabilityRules,
) -> Vec<PlotSuitability> {
    let area: HashMap<i64, f64> = plots.iter().map(|v| (v.parcel_id, v.area_m2)).collect();
    let roads: RTree<Entry> = RTree::bulk_load(
        parcels
            .iter()
            .enumerate()
            .filter(|(_, p)| is_road(p.land_use))
            .filter_map(|(i, p)| {
                let r = p.outline.bounding_rect()?;
                Some(GeomWithData::new(
                    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    i,
                ))
            })
            .collect(),
    );
    let reach = rules.road_m.poor;
    let mut out: Vec<PlotSuitability> = parcels
        .par_iter()
        .filter_map(|p| {
            let area_m2 = *area.get(&p.id)?;
            let road = p.outline.bounding_rect().map_or(f64::INFINITY, |r| {
                let envelope = AABB::from_corners(
                    [r.min().x - reach, r.min().y - reach],
                    [r.max().x + reach, r.max().y + reach],
                );
                let near: Vec<&MultiPolygon<f64>> = roads
                    .locate_in_envelope_intersecting(envelope)
                    .map(|e| &parcels[e.data].outline)
                    .collect();
                let d = distance_to(&p.outline, &near);
                if d <= reach {
                    d
                } else {
                    f64::INFINITY
                }
            });
            Some(PlotSuitability {
                parcel_id: p.id,
                suitability: assess(&p.outline, area_m2, road, amenities, rules),
            })
        })
        .collect();
    out.sort_by_key(|s| s.parcel_id);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;
    use model::{Confidence, Subject, VacancyClass, Verdict};

    fn plot(x: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![
            polygon![(x: x, y: 0.0), (x: x + 25.0, y: 0.0), (x: x + 25.0, y: 32.0), (x: x, y: 32.0)],
        ])
    }

    #[test]
    fn a_plot_near_centre_school_and_shop_ranks_higher() {
        let here = [Point::new(0.0, 0.0)];
        let amenities = Amenities::new(&here, &here, &here);
        let rules = SuitabilityRules::default();
        let near = assess(&plot(10.0), 800.0, 0.0, &amenities, &rules);
        let far = assess(&plot(6000.0), 800.0, 0.0, &amenities, &rules);
        assert!(near.score > 0.99, "{near:?}");
        // Only size, width and road count far from everything: 0.2 + 0.15 + 0.15.
        assert!((far.score - 0.5).abs() < 1e-9, "{far:?}");
        let width = far.parts.iter().find(|p| p.name == "min_width_m").unwrap();
        assert!((width.value - 25.0).abs() < 1e-9);
        let tiny = assess(&plot(10.0), 120.0, 0.0, &amenities, &rules);
        assert!(tiny.score < near.score);
    }

    fn parcel(id: i64, outline: MultiPolygon<f64>, land_use: LandUseClass) -> ParcelFacts {
        ParcelFacts {
            id,
            alkis_id: format!("DETHL5{id:010}").parse().unwrap(),
            ags: None,
            district_id: None,
            outline,
            area_m2: 800.0,
            land_use: Some(land_use),
            out_of_operation: false,
            override_class: None,
        }
    }

    fn gap(id: i64) -> ParcelVerdict {
        let subject = Subject::Parcel(format!("DETHL5{id:010}").parse().unwrap());
        ParcelVerdict {
            parcel_id: id,
            verdict: Verdict::new(
                subject,
                VacancyClass::BuildingGap,
                2.5,
                Confidence::new(0.9).unwrap(),
                vec![],
            )
            .unwrap(),
            area_m2: 800.0,
            potential_dwellings: 1.0,
        }
    }

    #[test]
    fn only_plots_with_a_verdict_are_scored_with_their_road_distance() {
        let street = MultiPolygon(vec![
            polygon![(x: 0.0, y: -10.0), (x: 100.0, y: -10.0), (x: 100.0, y: 0.0), (x: 0.0, y: 0.0)],
        ]);
        let parcels = vec![
            parcel(1, street, LandUseClass::Strassenverkehr),
            parcel(2, plot(10.0), LandUseClass::Wohnbauflaeche),
            parcel(3, plot(40.0), LandUseClass::Wohnbauflaeche),
            // 40 m back from the street.
            parcel(
                4,
                MultiPolygon(vec![
                    polygon![(x: 10.0, y: 40.0), (x: 35.0, y: 40.0), (x: 35.0, y: 72.0), (x: 10.0, y: 72.0)],
                ]),
                LandUseClass::Wohnbauflaeche,
            ),
            parcel(5, plot(500.0), LandUseClass::Wohnbauflaeche),
        ];
        let amenities = Amenities::default();
        let rules = SuitabilityRules::default();
        let scored = assess_plots(&parcels, &[gap(5), gap(4), gap(2)], &amenities, &rules);
        let road = |s: &PlotSuitability| {
            s.suitability
                .parts
                .iter()
                .find(|p| p.name == "road_m")
                .unwrap()
                .value
        };
        let ids: Vec<i64> = scored.iter().map(|s| s.parcel_id).collect();
        assert_eq!(ids, vec![2, 4, 5]);
        assert_eq!(road(&scored[0]), 0.0);
        assert!((road(&scored[1]) - 40.0).abs() < 1e-9);
        // Beyond reach: no road nearby.
        assert!(road(&scored[2]).is_infinite());
        assert!(scored[0].suitability.score > scored[1].suitability.score);
        assert!(scored[1].suitability.score > scored[2].suitability.score);
        // Nothing found is `null` in the stored parts.
        let json = serde_json::to_string(&scored[2].suitability.parts).unwrap();
        assert!(json.contains(r#""name":"centre_m","value":null"#), "{json}");
    }
}
