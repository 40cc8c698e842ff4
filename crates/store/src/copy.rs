//! PostgreSQL binary COPY encoding: rows are written straight into the wire format, so a bulk
//! load costs one memcpy per value and no text parsing on the server.

use chrono::{DateTime, NaiveDate, Utc};

const SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";

/// Microseconds between the Unix epoch and the PostgreSQL epoch (2000-01-01).
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;
/// Days between 1970-01-01 and 2000-01-01.
const PG_EPOCH_DAYS: i32 = 10_957;

/// A table written by binary COPY: its name and its columns (name, SQL type) in the order a
/// row's values are written. The one column list of the table: the `COPY` statement, the
/// number of values in a row and the definition of a temporary staging table derive from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopyTable {
    pub name: &'static str,
    pub columns: &'static [(&'static str, &'static str)],
}

impl CopyTable {
    /// The number of values in one row.
    pub const fn fields(&self) -> i16 {
        // A table has far fewer than 32,767 columns (PostgreSQL allows 1,600).
        self.columns.len() as i16
    }

    /// `a, b, c`: the column names, for statements that name them.
    pub fn column_names(&self) -> String {
        let names: Vec<&str> = self.columns.iter().map(|(name, _)| *name).collect();
        names.join(", ")
    }

    /// `a text, b int4`: the column definitions, for `CREATE TABLE`.
    pub fn column_definitions(&self) -> String {
        let defs: Vec<String> = self
            .columns
            .iter()
            .map(|(name, ty)| format!("{name} {ty}"))
            .collect();
        defs.join(", ")
    }

    /// `COPY t (a, b, c) FROM STDIN (FORMAT binary)`.
    pub fn copy_statement(&self) -> String {
        format!(
            "COPY {} ({}) FROM STDIN (FORMAT binary)",
            self.name,
            self.column_names()
        )
    }
}

/// One chunk of rows in binary COPY format. Every chunk is a complete COPY stream (header,
/// rows, trailer), so a long load is sent as many independent `COPY … FROM STDIN` commands.
///
/// Rows are started with [`CopyBuf::row`] for a [`CopyTable`]; debug builds count the values
/// that follow and panic when a row has more or fewer than the table's columns (a short or
/// long row would shift every later value into the wrong column, or fail the whole COPY).
#[derive(Debug, Clone)]
pub struct CopyBuf {
    buf: Vec<u8>,
    rows: u64,
    #[cfg(debug_assertions)]
    check: RowCheck,
}

/// The values expected and written in the current row (debug builds only).
#[cfg(debug_assertions)]
#[derive(Debug, Clone, Default)]
struct RowCheck {
    table: &'static str,
    expected: i16,
    written: i16,
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
        Self {
            buf,
            rows: 0,
            #[cfg(debug_assertions)]
            check: RowCheck::default(),
        }
    }

    /// Starts a row of `table`; exactly one value call per column must follow, in the
    /// table's column order.
    pub fn row(&mut self, table: &'static CopyTable) -> &mut Self {
        self.check_row_complete();
        #[cfg(debug_assertions)]
        {
            self.check = RowCheck {
                table: table.name,
                expected: table.fields(),
                written: 0,
            };
        }
        self.buf.extend_from_slice(&table.fields().to_be_bytes());
        self.rows += 1;
        self
    }

    /// Counts one value of the current row (debug builds).
    #[inline(always)]
    fn value(&mut self) {
        #[cfg(debug_assertions)]
        {
            let c = &mut self.check;
            c.written += 1;
            assert!(
                c.written <= c.expected,
                "COPY row for {} has more than its {} columns",
                c.table,
                c.expected
            );
        }
    }

    /// Checks that the last row got all its values (debug builds).
    #[inline(always)]
    fn check_row_complete(&self) {
        #[cfg(debug_assertions)]
        {
            let c = &self.check;
            assert!(
                c.written == c.expected,
                "COPY row for {} has {} values, not its {} columns",
                c.table,
                c.written,
                c.expected
            );
        }
    }

    pub fn null(&mut self) -> &mut Self {
        self.value();
        self.buf.extend_from_slice(&(-1i32).to_be_bytes());
        self
    }

    fn len_prefix(&mut self, len: usize) {
        self.value();
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
        self.value();
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
        self.value();
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
        self.value();
        self.buf.extend_from_slice(&8i32.to_be_bytes());
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub fn f64(&mut self, v: f64) -> &mut Self {
        self.value();
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
        self.check_row_complete();
        self.buf.extend_from_slice(&(-1i16).to_be_bytes());
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE_DATE: CopyTable = CopyTable {
        name: "t",
        columns: &[("d", "date")],
    };
    const TWO_TEXTS: CopyTable = CopyTable {
        name: "t",
        columns: &[("a", "text"), ("b", "text")],
    };

    #[test]
    fn dates_count_from_2000() {
        let mut b = CopyBuf::new();
        let d = NaiveDate::from_ymd_opt(2000, 1, 2).unwrap_or_default();
        b.row(&ONE_DATE).date(d);
        let out = b.finish();
        // header 19 bytes, field count 2, length 4, value 4, trailer 2
        assert_eq!(out.len(), 19 + 2 + 4 + 4 + 2);
        assert_eq!(&out[25..29], &1i32.to_be_bytes());
    }

    #[test]
    fn statements_derive_from_the_column_list() {
        assert_eq!(TWO_TEXTS.fields(), 2);
        assert_eq!(
            TWO_TEXTS.copy_statement(),
            "COPY t (a, b) FROM STDIN (FORMAT binary)"
        );
        assert_eq!(TWO_TEXTS.column_definitions(), "a text, b text");
    }

    #[test]
    fn a_full_row_passes() {
        let mut b = CopyBuf::new();
        b.row(&TWO_TEXTS).text("x").null();
        b.row(&TWO_TEXTS).opt_text(None).text("y");
        assert_eq!(b.rows(), 2);
        b.finish();
    }

    #[cfg(debug_assertions)]
    #[test]
    #[should_panic(expected = "has 1 values, not its 2 columns")]
    fn a_short_row_is_caught() {
        let mut b = CopyBuf::new();
        b.row(&TWO_TEXTS).text("x");
        b.row(&TWO_TEXTS).text("x").text("y");
    }

    #[cfg(debug_assertions)]
    #[test]
    #[should_panic(expected = "more than its 2 columns")]
    fn a_long_row_is_caught() {
        let mut b = CopyBuf::new();
        b.row(&TWO_TEXTS).text("x").text("y").null();
    }

    #[cfg(debug_assertions)]
    #[test]
    #[should_panic(expected = "has 1 values, not its 2 columns")]
    fn a_short_last_row_is_caught() {
        let mut b = CopyBuf::new();
        b.row(&TWO_TEXTS).text("x");
        b.finish();
    }
}
