//! The ALKIS importer's error type: every variant names the file, and where it can the line,
//! the object id and the field.

use std::path::PathBuf;

/// An ALKIS import failed; nothing of it was kept.
#[derive(Debug, thiserror::Error)]
pub enum AlkisError {
    #[error("{path}: cannot read")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{at}: not well-formed XML: {reason}")]
    Xml { at: String, reason: String },
    #[error("{file}: not an ALKIS NAS file: {reason}")]
    NotNas { file: String, reason: String },
    #[error("{at}: {field}: {reason}")]
    Invalid {
        at: String,
        field: &'static str,
        reason: String,
    },
    #[error("{at}: unknown coordinate reference system {srs:?}: expected urn:adv:crs:ETRS89_UTM32, urn:adv:crs:ETRS89_UTM33 or an EPSG code")]
    UnknownCrs { at: String, srs: String },
    #[error("{path}: cannot read the zip archive")]
    Zip {
        path: PathBuf,
        #[source]
        source: zip::result::ZipError,
    },
    #[error("{path}: the archive holds no NAS file (no .xml entry)")]
    EmptyArchive { path: PathBuf },
    #[error("{path}: no NAS files found (expected .xml files, directories or .zip archives)")]
    NoInput { path: PathBuf },
    #[error("the reader stopped unexpectedly")]
    ReaderGone,
    #[error(transparent)]
    Store(#[from] store::StoreError),
}
