//! A quick proof of validity for the polygons cadastres are made of, so GEOS is only asked
//! about the rest.
//!
//! A polygon without holes whose one ring is simple (no two non-adjacent edges meet, no edge
//! turns back on the one before it, at least three distinct corners) is valid by the OGC rules
//! GEOS's `IsValid` and PostGIS's `ST_IsValid` apply; so is a multipolygon of such parts whose
//! bounding boxes are pairwise disjoint. All tests use exact orientation predicates and only
//! ever answer "surely valid" or "ask GEOS": a `false` here is not a verdict.

use robust::{orient2d, Coord};

/// Rings with more edges than this are left to GEOS; the test below is quadratic.
const MAX_EDGES: usize = 256;

/// `true` when the 2D WKB polygon or multipolygon is surely valid; `false` when GEOS has to
/// decide (holes, touching parts, long rings, anything unusual, or an invalid geometry).
pub(crate) fn surely_valid(wkb: &[u8]) -> bool {
    let mut r = Reader { buf: wkb, at: 0 };
    let Some((little, code)) = r.header() else {
        return false;
    };
    let mut boxes: Vec<[f64; 4]> = Vec::new();
    let ok = match code {
        3 => r.polygon(little, &mut boxes),
        6 => match r.u32(little) {
            Some(n) if n >= 1 => (0..n).all(|_| match r.header() {
                Some((little, 3)) => r.polygon(little, &mut boxes),
                _ => false,
            }),
            _ => false,
        },
        _ => false,
    };
    ok && r.at == wkb.len() && disjoint(&boxes)
}

/// Pairwise disjoint (not even touching) bounding boxes `[minx, miny, maxx, maxy]`.
fn disjoint(boxes: &[[f64; 4]]) -> bool {
    boxes.iter().enumerate().all(|(i, a)| {
        boxes[i + 1..]
            .iter()
            .all(|b| a[2] < b[0] || b[2] < a[0] || a[3] < b[1] || b[3] < a[1])
    })
}

/// A WKB reader of its own rather than `store::wkb`: that one builds geo-types polygons,
/// which close open rings, and an open ring must reach GEOS.
struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    /// Byte order and type code of the next geometry.
    fn header(&mut self) -> Option<(bool, u32)> {
        let little = match *self.buf.get(self.at)? {
            1 => true,
            0 => false,
            _ => return None,
        };
        self.at += 1;
        Some((little, self.u32(little)?))
    }

    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let b = self.buf.get(self.at..self.at + N)?.try_into().ok()?;
        self.at += N;
        Some(b)
    }

    fn u32(&mut self, little: bool) -> Option<u32> {
        let b = self.take()?;
        Some(if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn f64(&mut self, little: bool) -> Option<f64> {
        let b = self.take()?;
        Some(if little {
            f64::from_le_bytes(b)
        } else {
            f64::from_be_bytes(b)
        })
    }

    /// One polygon body (after its header): exactly one ring, and that ring simple.
    fn polygon(&mut self, little: bool, boxes: &mut Vec<[f64; 4]>) -> bool {
        if self.u32(little) != Some(1) {
            return false;
        }
        let Some(n) = self.u32(little).map(|n| n as usize) else {
            return false;
        };
        if !(4..=MAX_EDGES + 1).contains(&n) || self.buf.len() < self.at + n * 16 {
            return false;
        }
        let mut ring = Vec::with_capacity(n);
        for _ in 0..n {
            let (Some(x), Some(y)) = (self.f64(little), self.f64(little)) else {
                return false;
            };
            if !x.is_finite() || !y.is_finite() {
                return false;
            }
            ring.push(Coord { x, y });
        }
        let Some(bbox) = simple_ring(&ring) else {
            return false;
        };
        boxes.push(bbox);
        true
    }
}

/// The ring's bounding box when it is closed and simple.
fn simple_ring(ring: &[Coord<f64>]) -> Option<[f64; 4]> {
    let n = ring.len() - 1; // edges
    if ring[0] != ring[n] || ring.windows(2).any(|w| w[0] == w[1]) {
        return None;
    }
    let edge = |i: usize| (ring[i], ring[i + 1]);
    let bbox =
        |(a, b): (Coord<f64>, Coord<f64>)| [a.x.min(b.x), a.y.min(b.y), a.x.max(b.x), a.y.max(b.y)];
    for i in 0..n {
        // Adjacent edges p→q→r must not fold back onto each other.
        let (p, q) = edge(i);
        let r = ring[(i + 2) % n];
        if orient2d(p, q, r) == 0.0 && (r.x - q.x) * (q.x - p.x) + (r.y - q.y) * (q.y - p.y) <= 0.0
        {
            return None;
        }
        let bi = bbox((p, q));
        // Non-adjacent edges must not meet at all.
        let last = if i == 0 { n - 1 } else { n };
        for j in i + 2..last {
            let (c, d) = edge(j);
            let bj = bbox((c, d));
            if bi[2] < bj[0] || bj[2] < bi[0] || bi[3] < bj[1] || bj[3] < bi[1] {
                continue;
            }
            let (o1, o2) = (orient2d(p, q, c), orient2d(p, q, d));
            let (o3, o4) = (orient2d(c, d, p), orient2d(c, d, q));
            let apart = (o1 > 0.0 && o2 > 0.0)
                || (o1 < 0.0 && o2 < 0.0)
                || (o3 > 0.0 && o4 > 0.0)
                || (o3 < 0.0 && o4 < 0.0);
            if !apart {
                return None;
            }
        }
    }
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for c in ring {
        b = [b[0].min(c.x), b[1].min(c.y), b[2].max(c.x), b[3].max(c.y)];
    }
    Some(b)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use gdal::vector::Geometry;

    fn wkb(wkt: &str) -> Vec<u8> {
        Geometry::from_wkt(wkt).unwrap().wkb().unwrap()
    }

    /// Whatever this module says "valid" to, GEOS must say so too.
    fn agrees(wkt: &str) -> bool {
        crate::quiet_gdal();
        let w = wkb(wkt);
        let quick = surely_valid(&w);
        let geos = Geometry::from_wkt(wkt).unwrap().is_valid();
        assert!(!quick || geos, "{wkt}: quick says valid, GEOS says invalid");
        quick
    }

    #[test]
    fn simple_polygons_pass_without_geos() {
        assert!(agrees("POLYGON((0 0,10 0,10 10,0 10,0 0))"));
        assert!(agrees("POLYGON((0 0,0 10,10 10,10 0,0 0))"));
        assert!(
            agrees("POLYGON((0 0,5 0,10 0,10 10,0 0))"),
            "collinear corners are fine"
        );
        assert!(agrees(
            "MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((2 2,3 2,3 3,2 2)))"
        ));
        assert!(agrees(
            "POLYGON((0 0,10 0,10 10,6 10,6 2,4 2,4 10,0 10,0 0))"
        ));
    }

    #[test]
    fn everything_doubtful_goes_to_geos() {
        for wkt in [
            "POLYGON((0 0,10 10,10 0,0 10,0 0))",     // bow tie
            "POLYGON((0 0,10 0,5 0,5 5,0 0))",        // edge folds back
            "POLYGON((0 0,1 0,2 0,0 0))",             // no area
            "POLYGON((0 0,10 0,10 10,5 0,0 10,0 0))", // touches itself
            "POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,3 2,3 3,2 2))", // a hole: GEOS decides
            "MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((1 0,2 0,2 1,1 0)))", // parts touch
            "MULTIPOLYGON(((0 0,4 0,4 4,0 4,0 0)),((1 1,2 1,2 2,1 1)))", // nested parts
            "POLYGON((0 0,10 0,10 0,10 10,0 0))",     // repeated point
            "POLYGON((0 0,10 0,10 10,0 10,0 1))",     // not closed
        ] {
            assert!(!agrees(wkt), "{wkt} must go to GEOS");
        }
        assert!(!surely_valid(&wkb("LINESTRING(0 0,1 1)")));
        assert!(!surely_valid(&[]));
        assert!(!surely_valid(
            &wkb("POLYGON((0 0,10 0,10 10,0 10,0 0))")[..20]
        ));
    }

    #[test]
    fn big_endian_wkb_is_read() {
        let mut be = vec![0u8, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 4];
        for v in [0.0f64, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0] {
            be.extend_from_slice(&v.to_be_bytes());
        }
        assert!(surely_valid(&be));
    }
}

#[cfg(test)]
mod random {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use gdal::vector::Geometry;

    /// Random small rings on a coarse grid, where corners often coincide and edges often
    /// touch: every one the quick test calls valid, GEOS calls valid too.
    #[test]
    fn the_quick_test_never_contradicts_geos() {
        crate::quiet_gdal();
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let (mut quick, mut total) = (0, 0);
        for _ in 0..20_000 {
            let parts = 1 + next(2);
            let mut polys = Vec::new();
            for p in 0..parts {
                let corners = 3 + next(6);
                let mut ring: Vec<String> = (0..corners)
                    .map(|_| format!("{} {}", next(5) + p * next(7), next(5)))
                    .collect();
                ring.push(ring[0].clone());
                polys.push(format!("(({}))", ring.join(",")));
            }
            let wkt = format!("MULTIPOLYGON({})", polys.join(","));
            let g = Geometry::from_wkt(&wkt).unwrap();
            total += 1;
            if surely_valid(&g.wkb().unwrap()) {
                quick += 1;
                assert!(g.is_valid(), "{wkt}: quick says valid, GEOS says invalid");
            }
        }
        // The test must actually prove some of them valid to mean anything.
        assert!(quick > total / 50, "{quick} of {total}");
    }
}
