//! What can stop a run or its evaluation. Each message says its cause once: a wrapped error
//! is the source, never repeated in the message.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("the database schema is not up to date: run `leerstand db migrate` first")]
    SchemaOutdated,
    #[error("nothing to analyse: import ALKIS data first (`leerstand import alkis …`)")]
    NothingToAnalyse,
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// A read or write task of the run panicked or was cancelled.
    #[error(transparent)]
    Task(#[from] tokio::task::JoinError),
    #[error(transparent)]
    Encode(#[from] serde_json::Error),
    #[error("reading {}", path.display())]
    OpenTruth {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
    #[error(transparent)]
    ReadTruth(#[from] csv::Error),
    #[error("{}: no column {column:?}", path.display())]
    TruthColumn { path: PathBuf, column: String },
    #[error("{}: line {line}", path.display())]
    TruthLine {
        path: PathBuf,
        line: usize,
        #[source]
        source: csv::Error,
    },
    #[error("{}: line {line}: unknown kind {kind:?}", path.display())]
    TruthKind {
        path: PathBuf,
        line: usize,
        kind: String,
    },
}
