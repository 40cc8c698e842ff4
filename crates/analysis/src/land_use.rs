//! The dominant land use of each parcel: the land-use area under the parcel's inner point.
//! Land use tiles the whole area, so exactly one area contains the point, except on a shared
//! border, where the area with the smallest id wins. Looked up in an rstar index of the areas'
//! bounding boxes, on all cores.

use geo::{Intersects, Point};
use rayon::prelude::*;
use rstar::RTree;

use crate::plot::{envelope_entry, Entry};

/// ALKIS class of commercial land, the only one that can be out of operation.
const COMMERCIAL: &str = "AX_IndustrieUndGewerbeflaeche";
/// ALKIS zustand "außer Betrieb, stillgelegt, verlassen".
const OUT_OF_OPERATION: i16 = 2100;

pub use model::facts::LandUseArea;

/// What lies under one parcel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Located {
    /// Index of the land-use area under the parcel's inner point.
    pub area: Option<usize>,
    /// The land is commercial and an area of commercial land recorded as out of operation
    /// contains the point.
    pub out_of_operation: bool,
}

/// Spatial index over land-use areas.
#[derive(Debug)]
pub struct LandUseIndex<'a> {
    areas: &'a [LandUseArea],
    tree: RTree<Entry>,
}

impl<'a> LandUseIndex<'a> {
    /// Bulk-loads the index; areas without extent are left out.
    pub fn new(areas: &'a [LandUseArea]) -> Self {
        let entries: Vec<Entry> = areas
            .par_iter()
            .enumerate()
            .filter_map(|(i, a)| envelope_entry(&a.outline, i))
            .collect();
        Self {
            areas,
            tree: RTree::bulk_load(entries),
        }
    }

    /// The areas at `point` (border included), as indices ordered by area id.
    fn containing(&self, point: Point<f64>) -> Vec<usize> {
        let mut found: Vec<usize> = self
            .tree
            .locate_all_at_point([point.x(), point.y()])
            .map(|e| e.data)
            .filter(|&i| self.areas[i].outline.intersects(&point))
            .collect();
        found.sort_unstable_by_key(|&i| self.areas[i].id);
        found
    }

    /// The land use at one point.
    pub fn locate(&self, point: Point<f64>) -> Located {
        let found = self.containing(point);
        let area = found.first().copied();
        let commercial = area.is_some_and(|i| self.areas[i].class == COMMERCIAL);
        Located {
            area,
            out_of_operation: commercial
                && found.iter().any(|&i| {
                    let a = &self.areas[i];
                    a.class == COMMERCIAL && a.zustand == Some(OUT_OF_OPERATION)
                }),
        }
    }

    /// The land use at each point, in parallel; `None` (a parcel without inner point) finds
    /// nothing.
    pub fn locate_all(&self, points: &[Option<Point<f64>>]) -> Vec<Located> {
        points
            .par_iter()
            .map(|p| p.map(|p| self.locate(p)).unwrap_or_default())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use geo::{polygon, MultiPolygon};

    fn square(x: f64, y: f64, size: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![polygon![
            (x: x, y: y), (x: x + size, y: y), (x: x + size, y: y + size), (x: x, y: y + size)
        ]])
    }

    fn area(id: i64, class: &str, zustand: Option<i16>, outline: MultiPolygon<f64>) -> LandUseArea {
        LandUseArea {
            id,
            class: class.to_owned(),
            zustand,
            outline,
        }
    }

    #[test]
    fn the_area_under_the_point_wins_and_borders_go_to_the_smaller_id() {
        let areas = vec![
            area(7, "AX_Wohnbauflaeche", None, square(10.0, 0.0, 10.0)),
            area(3, "AX_Landwirtschaft", None, square(0.0, 0.0, 10.0)),
            area(
                5,
                COMMERCIAL,
                Some(OUT_OF_OPERATION),
                square(20.0, 0.0, 10.0),
            ),
        ];
        let index = LandUseIndex::new(&areas);
        let at = |x, y| index.locate(Point::new(x, y));
        assert_eq!(at(15.0, 5.0).area, Some(0));
        assert_eq!(at(5.0, 5.0).area, Some(1));
        // On the border of 3 and 7.
        assert_eq!(at(10.0, 5.0).area, Some(1));
        // On the border of 7 and 5: 5 wins, and is out of operation.
        assert_eq!(
            at(20.0, 5.0),
            Located {
                area: Some(2),
                out_of_operation: true
            }
        );
        assert_eq!(at(50.0, 5.0), Located::default());
        assert_eq!(
            index.locate_all(&[Some(Point::new(25.0, 1.0)), None]),
            vec![
                Located {
                    area: Some(2),
                    out_of_operation: true
                },
                Located::default()
            ]
        );
    }

    #[test]
    fn commercial_land_in_operation_is_not_out_of_operation() {
        let areas = vec![
            area(1, COMMERCIAL, Some(1000), square(0.0, 0.0, 10.0)),
            area(
                2,
                "AX_Wohnbauflaeche",
                Some(OUT_OF_OPERATION),
                square(10.0, 0.0, 10.0),
            ),
        ];
        let index = LandUseIndex::new(&areas);
        assert!(!index.locate(Point::new(5.0, 5.0)).out_of_operation);
        assert!(!index.locate(Point::new(15.0, 5.0)).out_of_operation);
        assert!(!index.locate(Point::new(10.0, 5.0)).out_of_operation);
    }

    #[test]
    fn a_hole_is_not_inside() {
        let outer = polygon![
            exterior: [(x: 0.0, y: 0.0), (x: 30.0, y: 0.0), (x: 30.0, y: 30.0), (x: 0.0, y: 30.0)],
            interiors: [[(x: 10.0, y: 10.0), (x: 20.0, y: 10.0), (x: 20.0, y: 20.0), (x: 10.0, y: 20.0)]],
        ];
        let areas = vec![
            area(1, "AX_Wald", None, MultiPolygon(vec![outer])),
            area(2, "AX_Wohnbauflaeche", None, square(10.0, 10.0, 10.0)),
        ];
        let index = LandUseIndex::new(&areas);
        assert_eq!(index.locate(Point::new(15.0, 15.0)).area, Some(1));
        assert_eq!(index.locate(Point::new(5.0, 15.0)).area, Some(0));
    }
}
