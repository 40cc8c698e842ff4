//! Polygons in integer millimetres of EPSG:25832. Neighbours are built from the same integer
//! vertices, so shared edges are bit-identical in every output, and every vertex of a
//! neighbour that lies on an edge is inserted into it, so the parcels form a clean coverage
//! (no T-junctions inside a settlement) rather than merely touching.

/// A point in millimetres.
pub type Pt = (i64, i64);

/// One millimetre-rounded metre.
pub const M: i64 = 1000;

/// An exterior ring, counter-clockwise, not repeating its first vertex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ring(pub Vec<Pt>);

impl Ring {
    /// An axis-aligned rectangle.
    pub fn rect(x0: i64, y0: i64, x1: i64, y1: i64) -> Self {
        Self(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
    }

    /// A polygon from vertices in any orientation; made counter-clockwise.
    pub fn from_vertices(mut v: Vec<Pt>) -> Self {
        if twice_area(&v) < 0 {
            v.reverse();
        }
        Self(v)
    }

    /// Area in square metres.
    pub fn area_m2(&self) -> f64 {
        twice_area(&self.0) as f64 / 2.0 / 1e6
    }

    /// Inserts every candidate point that lies strictly inside an edge, in order along it.
    pub fn with_breaks(self, candidates: &[Pt]) -> Self {
        if candidates.is_empty() {
            return self;
        }
        let n = self.0.len();
        let mut out = Vec::with_capacity(n + 4);
        for i in 0..n {
            let a = self.0[i];
            let b = self.0[(i + 1) % n];
            out.push(a);
            let mut on: Vec<(i128, Pt)> = candidates
                .iter()
                .filter(|p| strictly_on_segment(a, b, **p))
                .map(|p| {
                    let t = i128::from(p.0 - a.0) * i128::from(b.0 - a.0)
                        + i128::from(p.1 - a.1) * i128::from(b.1 - a.1);
                    (t, *p)
                })
                .collect();
            on.sort_unstable();
            on.dedup();
            out.extend(on.into_iter().map(|(_, p)| p));
        }
        Self(out)
    }

    pub fn bbox(&self) -> (i64, i64, i64, i64) {
        let mut b = (i64::MAX, i64::MAX, i64::MIN, i64::MIN);
        for &(x, y) in &self.0 {
            b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
        }
        b
    }

    /// The centroid of the bounding box, good enough for address points of rectangles.
    pub fn center(&self) -> Pt {
        let (x0, y0, x1, y1) = self.bbox();
        ((x0 + x1) / 2, (y0 + y1) / 2)
    }

    /// Closed list of vertices, as GML and WKB want them.
    pub fn closed(&self) -> impl Iterator<Item = Pt> + '_ {
        self.0.iter().copied().chain(self.0.first().copied())
    }

    /// Little-endian WKB of a MultiPolygon holding this one ring (the GeoPackage layers are
    /// MultiPolygon, as ALKIS objects may be).
    pub fn wkb_multipolygon(&self) -> Vec<u8> {
        let n = self.0.len() + 1;
        let mut w = Vec::with_capacity(1 + 4 + 4 + 1 + 4 + 4 + 4 + n * 16);
        w.push(1);
        w.extend_from_slice(&6u32.to_le_bytes());
        w.extend_from_slice(&1u32.to_le_bytes());
        w.push(1);
        w.extend_from_slice(&3u32.to_le_bytes());
        w.extend_from_slice(&1u32.to_le_bytes());
        w.extend_from_slice(&(n as u32).to_le_bytes());
        for (x, y) in self.closed() {
            w.extend_from_slice(&mm_to_m(x).to_le_bytes());
            w.extend_from_slice(&mm_to_m(y).to_le_bytes());
        }
        w
    }
}

/// Little-endian WKB of a point.
pub fn wkb_point(p: Pt) -> Vec<u8> {
    let mut w = Vec::with_capacity(21);
    w.push(1);
    w.extend_from_slice(&1u32.to_le_bytes());
    w.extend_from_slice(&mm_to_m(p.0).to_le_bytes());
    w.extend_from_slice(&mm_to_m(p.1).to_le_bytes());
    w
}

pub fn mm_to_m(v: i64) -> f64 {
    v as f64 / 1000.0
}

/// Millimetres as metres with exactly three decimals, without float formatting.
pub fn fmt_mm(v: i64, out: &mut String) {
    use std::fmt::Write;
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    let _ = write!(out, "{sign}{}.{:03}", a / 1000, a % 1000);
}

fn twice_area(v: &[Pt]) -> i128 {
    let n = v.len();
    let mut s: i128 = 0;
    for i in 0..n {
        let (x0, y0) = v[i];
        let (x1, y1) = v[(i + 1) % n];
        s += i128::from(x0) * i128::from(y1) - i128::from(x1) * i128::from(y0);
    }
    s
}

fn strictly_on_segment(a: Pt, b: Pt, p: Pt) -> bool {
    if p == a || p == b {
        return false;
    }
    let cross = i128::from(b.0 - a.0) * i128::from(p.1 - a.1)
        - i128::from(b.1 - a.1) * i128::from(p.0 - a.0);
    cross == 0
        && p.0 >= a.0.min(b.0)
        && p.0 <= a.0.max(b.0)
        && p.1 >= a.1.min(b.1)
        && p.1 <= a.1.max(b.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaks_are_inserted_in_order_and_orientation_is_ccw() {
        let r = Ring::from_vertices(vec![(0, 0), (0, 10), (10, 10), (10, 0)]);
        assert!(twice_area(&r.0) > 0);
        let r = Ring::rect(0, 0, 10, 10).with_breaks(&[(7, 0), (3, 0), (0, 5), (5, 5), (10, 10)]);
        assert_eq!(
            r.0,
            vec![(0, 0), (3, 0), (7, 0), (10, 0), (10, 10), (0, 10), (0, 5)]
        );
        assert!((r.area_m2() - 100e-6).abs() < 1e-12);
    }

    #[test]
    fn formats_millimetres() {
        let mut s = String::new();
        fmt_mm(648_170_505, &mut s);
        s.push(' ');
        fmt_mm(-1_005, &mut s);
        assert_eq!(s, "648170.505 -1.005");
    }
}
