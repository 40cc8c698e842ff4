//! Reading (E)WKB polygons from PostGIS (`ST_AsBinary`) into geo-types, without a dependency
//! for two geometry types.

use geo_types::{Coord, LineString, MultiPolygon, Polygon};

/// Why a WKB value could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed WKB at byte {at}: {what}")]
pub struct WkbError {
    pub at: usize,
    pub what: &'static str,
}

struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
    little: bool,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], WkbError> {
        let bytes = self
            .buf
            .get(self.at..self.at + N)
            .and_then(|s| <[u8; N]>::try_from(s).ok())
            .ok_or(WkbError {
                at: self.at,
                what: "unexpected end",
            })?;
        self.at += N;
        Ok(bytes)
    }

    fn u32(&mut self) -> Result<u32, WkbError> {
        let b = self.take::<4>()?;
        Ok(if self.little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn f64(&mut self) -> Result<f64, WkbError> {
        let b = self.take::<8>()?;
        Ok(if self.little {
            f64::from_le_bytes(b)
        } else {
            f64::from_be_bytes(b)
        })
    }

    /// Byte order and type code (SRID skipped, Z/M refused).
    fn header(&mut self) -> Result<u32, WkbError> {
        self.little = match self.take::<1>()?[0] {
            0 => false,
            1 => true,
            _ => {
                return Err(WkbError {
                    at: self.at - 1,
                    what: "bad byte order",
                })
            }
        };
        let code = self.u32()?;
        if code & 0x2000_0000 != 0 {
            self.u32()?;
        }
        if code & 0xC000_0000 != 0 || (code & 0xFFFF) > 1000 {
            return Err(WkbError {
                at: self.at,
                what: "only 2D geometries are read",
            });
        }
        Ok(code & 0xFFFF)
    }

    fn count(&mut self) -> Result<usize, WkbError> {
        let n = self.u32()? as usize;
        // Each element takes at least 8 bytes: refuse counts the buffer cannot hold.
        if n > self.buf.len().saturating_sub(self.at) / 8 + 1 {
            return Err(WkbError {
                at: self.at,
                what: "count exceeds the data",
            });
        }
        Ok(n)
    }

    fn polygon(&mut self) -> Result<Polygon<f64>, WkbError> {
        let rings = self.count()?;
        let mut out: Vec<LineString<f64>> = Vec::with_capacity(rings);
        for _ in 0..rings {
            let n = self.count()?;
            let mut coords = Vec::with_capacity(n);
            for _ in 0..n {
                coords.push(Coord {
                    x: self.f64()?,
                    y: self.f64()?,
                });
            }
            out.push(LineString(coords));
        }
        let mut rings = out.into_iter();
        let exterior = rings.next().unwrap_or_else(|| LineString(Vec::new()));
        Ok(Polygon::new(exterior, rings.collect()))
    }
}

/// Reads a Polygon or MultiPolygon as a MultiPolygon.
pub fn multipolygon(buf: &[u8]) -> Result<MultiPolygon<f64>, WkbError> {
    let mut r = Reader {
        buf,
        at: 0,
        little: true,
    };
    match r.header()? {
        3 => Ok(MultiPolygon(vec![r.polygon()?])),
        6 => {
            let n = r.count()?;
            let mut polys = Vec::with_capacity(n);
            for _ in 0..n {
                if r.header()? != 3 {
                    return Err(WkbError {
                        at: r.at,
                        what: "multipolygon member is not a polygon",
                    });
                }
                polys.push(r.polygon()?);
            }
            Ok(MultiPolygon(polys))
        }
        _ => Err(WkbError {
            at: 1,
            what: "not a polygon or multipolygon",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_ewkb_writes_and_refuses_garbage() {
        let ewkb = crate::ewkb::multipolygon(
            25832,
            &[vec![vec![0.0, 0.0, 10.0, 0.0, 10.0, 10.0, 0.0, 0.0]]],
        );
        let mp = multipolygon(&ewkb).unwrap();
        assert_eq!(mp.0.len(), 1);
        assert_eq!(mp.0[0].exterior().0.len(), 4);
        assert_eq!(mp.0[0].exterior().0[2], Coord { x: 10.0, y: 10.0 });
        assert!(multipolygon(&ewkb[..ewkb.len() - 3]).is_err());
        assert!(multipolygon(&[1, 1, 0, 0, 0]).is_err());
        assert!(multipolygon(&[]).is_err());
        let mut huge = ewkb.clone();
        huge[9..13].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(multipolygon(&huge).is_err());
    }
}
