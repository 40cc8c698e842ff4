//! Investor suitability of an available plot: size, shape, distance to the town centre, to a
//! road, to schools and to shops, each scored 0–1 and weighted into one score whose parts are
//! kept, so the investor sees why a plot ranks where it does.

use geo::{Centroid, Distance, Euclidean, MultiPolygon, Point};
use rstar::RTree;
use serde::Serialize;

use crate::plot::min_width;

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

/// One part of the score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Part {
    pub name: &'static str,
    /// The measured value (m² or m).
    pub value: f64,
    /// 0 (poor) to 1 (ideal).
    pub score: f64,
    pub weight: f64,
}

/// The suitability of one plot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suitability {
    /// Weighted mean of the parts, 0–1.
    pub score: f64,
    pub parts: Vec<Part>,
}

/// 1 up to `good`, falling linearly to 0 at `poor`.
fn falling(value: f64, good: f64, poor: f64) -> f64 {
    if value <= good {
        1.0
    } else if value >= poor {
        0.0
    } else {
        1.0 - (value - good) / (poor - good)
    }
}

fn nearest(tree: &RTree<[f64; 2]>, at: [f64; 2]) -> f64 {
    tree.nearest_neighbor(at).map_or(f64::INFINITY, |p| {
        ((p[0] - at[0]).powi(2) + (p[1] - at[1]).powi(2)).sqrt()
    })
}

/// Scores a plot; `road_distance_m` comes from the parcel index (distance to the nearest
/// transport parcel).
pub fn assess(
    outline: &MultiPolygon<f64>,
    area_m2: f64,
    road_distance_m: f64,
    amenities: &Amenities,
) -> Suitability {
    let at = outline
        .centroid()
        .map_or([f64::NAN, f64::NAN], |c| [c.x(), c.y()]);
    let width = min_width(outline);
    let size_score = if area_m2 < 400.0 {
        falling(400.0 - area_m2, 0.0, 250.0)
    } else {
        falling(area_m2, 1500.0, 5000.0)
    };
    let (centre, school, shop) = (
        nearest(&amenities.centres, at),
        nearest(&amenities.schools, at),
        nearest(&amenities.shops, at),
    );
    let part = |name, value, score, weight| Part {
        name,
        value,
        score,
        weight,
    };
    let parts = vec![
        part("size_m2", area_m2, size_score, 0.2),
        part("min_width_m", width, (width / 20.0).min(1.0), 0.15),
        part("centre_m", centre, falling(centre, 300.0, 4000.0), 0.2),
        part(
            "road_m",
            road_distance_m,
            falling(road_distance_m, 5.0, 100.0),
            0.15,
        ),
        part("school_m", school, falling(school, 500.0, 5000.0), 0.15),
        part("shop_m", shop, falling(shop, 300.0, 3000.0), 0.15),
    ];
    let total: f64 = parts.iter().map(|p| p.weight).sum();
    let score = parts.iter().map(|p| p.score * p.weight).sum::<f64>() / total;
    Suitability { score, parts }
}

/// Distance from a plot to the nearest of the given outlines (e.g. street parcels nearby).
pub fn distance_to(outline: &MultiPolygon<f64>, others: &[&MultiPolygon<f64>]) -> f64 {
    others
        .iter()
        .map(|o| Euclidean.distance(outline, *o))
        .fold(f64::INFINITY, f64::min)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn plot(x: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![
            polygon![(x: x, y: 0.0), (x: x + 25.0, y: 0.0), (x: x + 25.0, y: 32.0), (x: x, y: 32.0)],
        ])
    }

    #[test]
    fn a_plot_near_centre_school_and_shop_ranks_higher() {
        let here = [Point::new(0.0, 0.0)];
        let amenities = Amenities::new(&here, &here, &here);
        let near = assess(&plot(10.0), 800.0, 0.0, &amenities);
        let far = assess(&plot(6000.0), 800.0, 0.0, &amenities);
        assert!(near.score > 0.99, "{near:?}");
        // Only size, width and road count far from everything: 0.2 + 0.15 + 0.15.
        assert!((far.score - 0.5).abs() < 1e-9, "{far:?}");
        let width = far.parts.iter().find(|p| p.name == "min_width_m").unwrap();
        assert!((width.value - 25.0).abs() < 1e-9);
        let tiny = assess(&plot(10.0), 120.0, 0.0, &amenities);
        assert!(tiny.score < near.score);
    }
}
