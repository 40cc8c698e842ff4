//! The planners' workflow on the leerstand database, without HTTP: accounts and API tokens,
//! publication consent (§ 200 (3) BauGB), verdict overrides, cases, offers and enquiries,
//! citizen reports and their moderation, the audit log every change (and every read of
//! private data) writes to, and data protection: erasing contacts after their retention and
//! the export of what is stored about a person.
//!
//! Each operation is a plain async function on a pool or a connection that checks the
//! workflow's rules, writes its rows and, for a planner's change, one `audit_log` row in the
//! same transaction. The web API parses, authorises and answers around these functions; the
//! command line calls the same ones.

pub mod audit;
pub mod cases;
pub mod consent;
pub mod lockout;
pub mod offers;
pub mod overrides;
pub mod photos;
pub mod privacy;
pub mod reports;
pub mod subjects;
pub mod users;

/// Why a workflow operation refused or failed; each variant says its cause once.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// What the operation names does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The current state does not allow the change (a status move, a second open case, two
    /// planners racing).
    #[error("{0}")]
    Conflict(String),
    /// The input breaks a rule of the workflow or of the data.
    #[error("{0}")]
    Invalid(String),
    #[error("login {0:?} must be 2–64 characters of a–z, 0–9, '.', '_' or '-'")]
    BadLogin(String),
    #[error("the password must be at least 12 characters long")]
    WeakPassword,
    #[error("a user with login {0:?} exists already")]
    UserExists(String),
    #[error("no user with login {0:?}")]
    NoSuchUser(String),
    #[error("hashing the password failed")]
    Hash(#[source] argon2::password_hash::Error),
    /// A stored value this version does not know (a role, a status).
    #[error("stored {what} {value:?} is unknown")]
    Stored { what: &'static str, value: String },
    /// A photo of a report was refused; the message is German, for the citizen.
    #[error(transparent)]
    Photo(#[from] photos::PhotoError),
    #[error("database query failed")]
    Database(#[from] sqlx::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Who changes something: the account id (stored as author) and login (the audit actor).
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub id: i64,
    pub login: &'a str,
}

/// Maps constraint violations to refusals (two planners racing, a reference that vanished);
/// other database errors stay what they are.
pub(crate) fn constraint(error: sqlx::Error) -> Error {
    if let sqlx::Error::Database(db) = &error {
        match db.code().as_deref() {
            Some("23505") => return Error::Conflict("a concurrent change got there first".into()),
            Some("23503" | "23514") => {
                return Error::Invalid("the change violates a rule of the data".into())
            }
            _ => {}
        }
    }
    Error::Database(error)
}

/// Checks a free text against its limit (characters) and, when `required`, that it says
/// something; returns it trimmed.
pub fn text(field: &str, value: &str, max: usize, required: bool) -> Result<String> {
    let trimmed = value.trim();
    if required && trimmed.is_empty() {
        return Err(Error::Invalid(format!("{field} must not be empty")));
    }
    if trimmed.chars().count() > max {
        return Err(Error::Invalid(format!(
            "{field} is longer than {max} characters"
        )));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Error::Invalid(format!(
            "{field} contains control characters"
        )));
    }
    Ok(trimmed.to_owned())
}
