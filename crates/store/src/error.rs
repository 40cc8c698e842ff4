//! The store's error type: which operation failed, with the database's own error as source
//! (not repeated in the message: callers print the chain of causes).

/// A database operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot connect to the database at {target}")]
    Connect {
        target: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("applying the schema migrations failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{operation} failed")]
    Query {
        operation: &'static str,
        #[source]
        source: sqlx::Error,
    },
    /// Stored data that the code cannot read (a broken geometry, an unknown class).
    #[error("{operation}: {detail}")]
    Data {
        operation: &'static str,
        detail: String,
    },
    /// A staged row was refused while validating or merging an import; `at` names the file
    /// and line or feature id it came from.
    #[error("{at}: {field}: {reason}")]
    Rejected {
        at: String,
        field: String,
        reason: String,
    },
}

impl StoreError {
    pub(crate) fn query(operation: &'static str) -> impl FnOnce(sqlx::Error) -> Self {
        move |source| Self::Query { operation, source }
    }

    pub(crate) fn rejected(
        at: impl Into<String>,
        field: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self::Rejected {
            at: at.into(),
            field: field.into(),
            reason: reason.into(),
        }
    }
}
