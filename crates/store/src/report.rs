//! What an import did: the report stored with its batch and printed as the summary table.

use std::collections::BTreeMap;

use serde::Serialize;

/// Counts of one core table after a merge.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct TableCounts {
    pub inserted: u64,
    pub updated: u64,
    pub deleted: u64,
}

/// A geometry repaired with `--repair`.
#[derive(Debug, Clone, Serialize)]
pub struct Repair {
    pub at: String,
    pub reason: String,
}

/// A register row that matched no address (or more than one).
#[derive(Debug, Clone, Serialize)]
pub struct Unmatched {
    pub at: String,
    pub line: i32,
    pub reason: String,
}

/// What an import did; stored as `import_batch.report` and printed as the summary table.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub batch_id: i64,
    /// `Some(id)` when the same input was imported before (then nothing was changed).
    pub already_imported: Option<i64>,
    pub staged: BTreeMap<String, u64>,
    pub tables: BTreeMap<String, TableCounts>,
    pub repairs: Vec<Repair>,
    pub warnings: Vec<String>,
    pub rejected: u64,
    /// The first unmatched register rows (all of them are counted in `rejected`).
    pub unmatched: Vec<Unmatched>,
    pub duration_s: f64,
}

impl ImportReport {
    pub fn inserted(&self) -> u64 {
        self.tables.values().map(|c| c.inserted).sum()
    }
    pub fn updated(&self) -> u64 {
        self.tables.values().map(|c| c.updated).sum()
    }
    pub fn deleted(&self) -> u64 {
        self.tables.values().map(|c| c.deleted).sum()
    }
}
