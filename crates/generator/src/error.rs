//! The one error type of the generator: every variant names the file or step that failed; the
//! underlying error is its source (not repeated in the message).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum GenError {
    #[error("cannot read configuration {path}")]
    ConfigRead {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid configuration {path}: {message}")]
    Config { path: PathBuf, message: String },
    #[error("invalid option: {0}")]
    Option(String),
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("GeoPackage {path}: {operation} failed")]
    Gdal {
        path: PathBuf,
        operation: &'static str,
        #[source]
        source: gdal::errors::GdalError,
    },
    #[error("generated an invalid key {what}")]
    Model {
        what: String,
        #[source]
        source: model::ModelError,
    },
    #[error("cannot write manifest {path}")]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

impl GenError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }

    pub(crate) fn gdal(
        path: impl Into<PathBuf>,
        operation: &'static str,
    ) -> impl FnOnce(gdal::errors::GdalError) -> Self {
        let path = path.into();
        move |source| Self::Gdal {
            path,
            operation,
            source,
        }
    }
}
