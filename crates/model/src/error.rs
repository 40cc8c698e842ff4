//! The one error type of the model: a value that does not satisfy its domain rules.

/// A value was rejected by a validated constructor. The message names the field and the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("{field}: {value:?} is not valid: {reason}")]
    Invalid {
        field: &'static str,
        value: String,
        reason: String,
    },
    #[error("case status cannot change from {from} to {to}")]
    Transition { from: String, to: String },
}

impl ModelError {
    pub(crate) fn invalid(
        field: &'static str,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self::Invalid {
            field,
            value: value.into(),
            reason: reason.into(),
        }
    }
}
