//! PostgreSQL binary COPY encoding: rows are written straight into the wire format, so a bulk
//! load costs one memcpy per value and no text parsing on the server.

use chrono::{DateTime, NaiveDate, Utc};

const SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";

/// Microseconds between the Unix epoch and the PostgreSQL epoch (2000-01-01).
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;
/// Days between 1970-01-01 and 2000-01-01.
const PG_EPOCH_DAYS: i32 = 10_957;

/// One chunk of rows in binary COPY format. Every chunk is a complete COPY stream (header,
/// rows, trailer), so a long load is sent as many independent `COPY … FROM STDIN` commands.
#[derive(Debug, Clone)]
pub struct CopyBuf {
    buf: Vec<u8>,
    rows: u64,
}

impl Default for CopyBuf {
    fn default() -> Self {
        Self::new()
    }
}

impl CopyBuf {
    pub fn new() -> Self {
        let mut buf = Vec::with_capacity(1 << 20);
        buf.extend_from_slice(SIGNATURE);
        buf.extend_from_slice(&0i32.to_be_bytes()); // flags
        buf.extend_from_slice(&0i32.to_be_bytes()); // header extension length
        Self { buf, rows: 0 }
    }

    /// Starts a row of `fields` values; exactly that many value calls must follow.
    pub fn row(&mut self, fields: i16) -> &mut Self {
        self.buf.extend_from_slice(&fields.to_be_bytes());
        self.rows += 1;
        self
    }

    pub fn null(&mut self) -> &mut Self {
        self.buf.extend_from_slice(&(-1i32).to_be_bytes());
        self
    }

    fn len_prefix(&mut self, len: usize) {
        // Values are bounded by PostgreSQL's 1 GB field limit; larger ones are refused there.
        let len = i32::try_from(len).unwrap_or(i32::MAX);
        self.buf.extend_from_slice(&len.to_be_bytes());
    }

    pub fn text(&mut self, v: &str) -> &mut Self {
        self.len_prefix(v.len());
        self.buf.extend_from_slice(v.as_bytes());
        self
    }

    pub fn opt_text(&mut self, v: Option<&str>) -> &mut Self {
        match v {
            Some(v) => self.text(v),
            None => self.null(),
        }
    }

    /// A `bytea` or `geometry` value (geometry takes EWKB in binary COPY).
    pub fn bytes(&mut self, v: &[u8]) -> &mut Self {
        self.len_prefix(v.len());
        self.buf.extend_from_slice(v);
        self
    }

    pub fn opt_bytes(&mut self, v: Option<&[u8]>) -> &mut Self {
        match v {
            Some(v) => self.bytes(v),
            None => self.null(),
        }
    }

    pub fn i16(&mut self, v: i16) -> &mut Self {
        self.buf.extend_from_slice(&2i32.to_be_bytes());
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub fn opt_i16(&mut self, v: Option<i16>) -> &mut Self {
        match v {
            Some(v) => self.i16(v),
            None => self.null(),
        }
    }

    pub fn i32(&mut self, v: i32) -> &mut Self {
        self.buf.extend_from_slice(&4i32.to_be_bytes());
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub fn opt_i32(&mut self, v: Option<i32>) -> &mut Self {
        match v {
            Some(v) => self.i32(v),
            None => self.null(),
        }
    }

    pub fn i64(&mut self, v: i64) -> &mut Self {
        self.buf.extend_from_slice(&8i32.to_be_bytes());
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub fn f64(&mut self, v: f64) -> &mut Self {
        self.buf.extend_from_slice(&8i32.to_be_bytes());
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub fn opt_f64(&mut self, v: Option<f64>) -> &mut Self {
        match v {
            Some(v) => self.f64(v),
            None => self.null(),
        }
    }

    pub fn date(&mut self, v: NaiveDate) -> &mut Self {
        let days = v.signed_duration_since(NaiveDate::default()).num_days();
        let days = i32::try_from(days).unwrap_or(i32::MAX) - PG_EPOCH_DAYS;
        self.i32(days)
    }

    pub fn opt_date(&mut self, v: Option<NaiveDate>) -> &mut Self {
        match v {
            Some(v) => self.date(v),
            None => self.null(),
        }
    }

    pub fn timestamptz(&mut self, v: DateTime<Utc>) -> &mut Self {
        self.i64(v.timestamp_micros() - PG_EPOCH_MICROS)
    }

    pub fn opt_timestamptz(&mut self, v: Option<DateTime<Utc>>) -> &mut Self {
        match v {
            Some(v) => self.timestamptz(v),
            None => self.null(),
        }
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Bytes written so far (to decide when to send a chunk).
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The finished stream with its trailer.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.extend_from_slice(&(-1i16).to_be_bytes());
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_count_from_2000() {
        let mut b = CopyBuf::new();
        let d = NaiveDate::from_ymd_opt(2000, 1, 2).unwrap_or_default();
        b.row(1).date(d);
        let out = b.finish();
        // header 19 bytes, field count 2, length 4, value 4, trailer 2
        assert_eq!(out.len(), 19 + 2 + 4 + 4 + 2);
        assert_eq!(&out[25..29], &1i32.to_be_bytes());
    }
}
