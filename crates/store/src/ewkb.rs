//! Extended WKB (EWKB), the geometry format PostGIS accepts in binary COPY: plain WKB with the
//! SRID embedded, so reprojection can happen set-based in the database.

/// EWKB flag: an SRID follows the type code.
const SRID_FLAG: u32 = 0x2000_0000;
const WKB_POINT: u32 = 1;
const WKB_MULTIPOLYGON: u32 = 6;

/// A 2D point in EWKB (little-endian).
pub fn point(srid: i32, x: f64, y: f64) -> Vec<u8> {
    let mut out = Vec::with_capacity(25);
    out.push(1);
    out.extend_from_slice(&(WKB_POINT | SRID_FLAG).to_le_bytes());
    out.extend_from_slice(&srid.to_le_bytes());
    out.extend_from_slice(&x.to_le_bytes());
    out.extend_from_slice(&y.to_le_bytes());
    out
}

/// A 2D multipolygon in EWKB. Each polygon is a list of rings (exterior first), each ring a
/// flat list of `x y` pairs as read from a GML `posList`.
pub fn multipolygon(srid: i32, polygons: &[Vec<Vec<f64>>]) -> Vec<u8> {
    let coords: usize = polygons.iter().flatten().map(Vec::len).sum();
    let mut out = Vec::with_capacity(13 + polygons.len() * 9 + coords * 8 + 64);
    out.push(1);
    out.extend_from_slice(&(WKB_MULTIPOLYGON | SRID_FLAG).to_le_bytes());
    out.extend_from_slice(&srid.to_le_bytes());
    out.extend_from_slice(&count(polygons.len()).to_le_bytes());
    for rings in polygons {
        out.push(1);
        out.extend_from_slice(&3u32.to_le_bytes());
        out.extend_from_slice(&count(rings.len()).to_le_bytes());
        for ring in rings {
            out.extend_from_slice(&count(ring.len() / 2).to_le_bytes());
            for v in &ring[..ring.len() / 2 * 2] {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
    }
    out
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Turns ISO/OGC WKB (as GDAL writes it) into EWKB with the given SRID by setting the SRID
/// flag in the outer type code. Only the outermost geometry carries the SRID; nested parts
/// stay plain WKB, which is what PostGIS writes itself. `None` when the input is not WKB.
pub fn from_wkb(wkb: &[u8], srid: i32) -> Option<Vec<u8>> {
    if wkb.len() < 5 {
        return None;
    }
    let little = match wkb[0] {
        1 => true,
        0 => false,
        _ => return None,
    };
    let raw: [u8; 4] = wkb[1..5].try_into().ok()?;
    let code = if little {
        u32::from_le_bytes(raw)
    } else {
        u32::from_be_bytes(raw)
    };
    // ISO codes 1000+ (Z), 2000+ (M), 3000+ (ZM) become EWKB flag bits.
    let (base, z, m) = match code {
        c if c & 0xE000_0000 != 0 => return None, // already EWKB: caller should not pass it
        c if c >= 3000 => (c - 3000, true, true),
        c if c >= 2000 => (c - 2000, false, true),
        c if c >= 1000 => (c - 1000, true, false),
        c => (c, false, false),
    };
    let mut ecode = base | SRID_FLAG;
    if z {
        ecode |= 0x8000_0000;
    }
    if m {
        ecode |= 0x4000_0000;
    }
    if (z || m) && has_nested(base) {
        // Nested ISO type codes would need rewriting too; callers flatten to 2D first.
        return None;
    }
    let mut out = Vec::with_capacity(wkb.len() + 4);
    out.push(wkb[0]);
    if little {
        out.extend_from_slice(&ecode.to_le_bytes());
        out.extend_from_slice(&srid.to_le_bytes());
    } else {
        out.extend_from_slice(&ecode.to_be_bytes());
        out.extend_from_slice(&srid.to_be_bytes());
    }
    out.extend_from_slice(&wkb[5..]);
    Some(out)
}

/// [`from_wkb`] for a 2D polygon or multipolygon, always as a multipolygon (what the core
/// tables store): a polygon is wrapped as the one part of a multipolygon. `None` for any other
/// input.
pub fn multipolygon_from_wkb(wkb: &[u8], srid: i32) -> Option<Vec<u8>> {
    let raw: [u8; 4] = wkb.get(1..5)?.try_into().ok()?;
    let code = match wkb[0] {
        1 => u32::from_le_bytes(raw),
        0 => u32::from_be_bytes(raw),
        _ => return None,
    };
    match code {
        WKB_MULTIPOLYGON => from_wkb(wkb, srid),
        3 => {
            let mut out = Vec::with_capacity(wkb.len() + 13);
            out.push(1);
            out.extend_from_slice(&(WKB_MULTIPOLYGON | SRID_FLAG).to_le_bytes());
            out.extend_from_slice(&srid.to_le_bytes());
            out.extend_from_slice(&1u32.to_le_bytes());
            // Nested parts carry their own byte order.
            out.extend_from_slice(wkb);
            Some(out)
        }
        _ => None,
    }
}

fn has_nested(base: u32) -> bool {
    (4..=7).contains(&base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wkb_gets_an_srid() {
        let wkb = [
            1u8, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0x40,
        ];
        let e = from_wkb(&wkb, 25832).unwrap_or_default();
        assert_eq!(e.len(), wkb.len() + 4);
        assert_eq!(&e[1..5], &(1u32 | SRID_FLAG).to_le_bytes());
        assert_eq!(&e[5..9], &25832i32.to_le_bytes());
        assert_eq!(e, point(25832, 1.0, 2.0));
    }

    #[test]
    fn a_polygon_becomes_a_multipolygon() {
        let ring = vec![0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0];
        let multi = multipolygon(25832, &[vec![ring.clone()]]);
        // The same polygon as plain WKB, big-endian.
        let mut poly = vec![0u8, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 4];
        for v in &ring {
            poly.extend_from_slice(&v.to_be_bytes());
        }
        let wrapped = multipolygon_from_wkb(&poly, 25832).unwrap_or_default();
        assert_eq!(&wrapped[..13], &multi[..13]);
        assert_eq!(&wrapped[13..], &poly[..]);
        let mut plain = multi.clone();
        plain.drain(5..9);
        plain[1..5].copy_from_slice(&WKB_MULTIPOLYGON.to_le_bytes());
        assert_eq!(multipolygon_from_wkb(&plain, 25832), Some(multi));
        assert_eq!(
            multipolygon_from_wkb(&point(25832, 1.0, 2.0)[..], 25832),
            None
        );
    }
}
