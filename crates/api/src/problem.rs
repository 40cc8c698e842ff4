//! One error type for every route: RFC 9457 problem details (`application/problem+json`).
//! Database trouble becomes 503 with Retry-After; internal details stay in the log.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error answer: status, a short title and a detail a client can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub status: StatusCode,
    pub title: &'static str,
    pub detail: String,
    /// Seconds after which a retry may succeed (503).
    pub retry_after: Option<u32>,
    /// Sent as `WWW-Authenticate` with 401.
    pub challenge: bool,
    /// Extension members of the document (RFC 9457, 3.2), such as which photo was refused.
    pub extensions: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The body of every error answer (RFC 9457 problem details).
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ProblemDetails<'a> {
    /// Always `about:blank`: the status says what kind of problem it is.
    #[serde(rename = "type")]
    kind: &'a str,
    /// The status in words.
    title: &'a str,
    /// The HTTP status.
    status: u16,
    /// What is wrong, in a way a client can act on.
    detail: &'a str,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    extensions: Option<&'a serde_json::Map<String, serde_json::Value>>,
}

impl Problem {
    pub fn new(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            title,
            detail: detail.into(),
            retry_after: None,
            challenge: false,
            extensions: None,
        }
    }

    /// The same problem with extension members (a JSON object; anything else is ignored).
    pub fn with(self, members: serde_json::Value) -> Self {
        match members {
            serde_json::Value::Object(map) => Self {
                extensions: Some(map),
                ..self
            },
            _ => self,
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Bad request", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not found", detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self {
            challenge: true,
            ..Self::new(StatusCode::UNAUTHORIZED, "Unauthorized", detail)
        }
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "Forbidden", detail)
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "Conflict", detail)
    }

    pub fn too_many_requests(retry_after: u32) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests",
                "this client sent too many requests; try again later",
            )
        }
    }

    pub fn unavailable() -> Self {
        Self {
            retry_after: Some(5),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Service unavailable",
                "the database is not reachable; try again shortly",
            )
        }
    }

    /// Every connection for the request is in use, or its statement ran out of time.
    pub fn busy() -> Self {
        Self {
            retry_after: Some(2),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Service unavailable",
                "the server is busy; try again shortly",
            )
        }
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error",
            "the request failed on the server; it has been logged",
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = ProblemDetails {
            kind: "about:blank",
            title: self.title,
            status: self.status.as_u16(),
            detail: &self.detail,
            extensions: self.extensions.as_ref(),
        };
        let json = serde_json::to_vec(&body).unwrap_or_default();
        let mut response = (self.status, json).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.challenge {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"leerstand\""),
            );
        }
        response
    }
}

/// Whether the statement timeout (of public reads) cancelled the query (query_canceled).
/// A pool timeout is ambiguous: every connection busy, or none can be opened; the public
/// reads tell them apart by the pool's state ([`crate::public_reads::PublicRead::problem`]).
fn is_busy(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.code().as_deref() == Some("57014"))
}

/// Whether the error means the database is away rather than that the query was wrong.
fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => {
            // admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections
            matches!(
                db.code().as_deref(),
                Some("57P01" | "57P02" | "57P03" | "53300")
            )
        }
        _ => false,
    }
}

/// Whether the database refused a value the client sent (a NUL character, a number out of
/// range, text that is no valid date): the request is wrong, not the server.
fn is_bad_value(error: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = error else {
        return false;
    };
    // character_not_in_repertoire (also an invalid byte sequence such as 0x00),
    // untranslatable_character, invalid_text_representation, numeric_value_out_of_range,
    // invalid_datetime_format, datetime_field_overflow, string_data_right_truncation.
    matches!(
        db.code().as_deref(),
        Some("22021" | "22P05" | "22P02" | "22003" | "22007" | "22008" | "22001")
    )
}

impl From<sqlx::Error> for Problem {
    fn from(error: sqlx::Error) -> Self {
        if is_bad_value(&error) {
            tracing::info!(%error, "value refused by the database");
            return Self::bad_request(
                "a value in the request cannot be stored or searched for \
                 (for example a NUL character or a number out of range)",
            );
        }
        if is_busy(&error) {
            tracing::warn!(%error, "server busy");
            return Self::busy();
        }
        if is_unavailable(&error) {
            tracing::warn!(%error, "database unavailable");
            Self::unavailable()
        } else {
            tracing::error!(%error, "query failed");
            Self::internal()
        }
    }
}

impl From<store::StoreError> for Problem {
    fn from(error: store::StoreError) -> Self {
        match error {
            store::StoreError::Connect { source, .. } | store::StoreError::Query { source, .. } => {
                source.into()
            }
            other => {
                tracing::error!(error = %other, "store error");
                Self::internal()
            }
        }
    }
}

impl From<workflow::Error> for Problem {
    fn from(error: workflow::Error) -> Self {
        use workflow::Error as E;
        match error {
            E::NotFound(detail) => Self::not_found(detail),
            E::NoSuchUser(_) => Self::not_found(error.to_string()),
            E::Conflict(detail) => Self::conflict(detail),
            E::UserExists(_) => Self::conflict(error.to_string()),
            E::Invalid(detail) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Unprocessable content",
                detail,
            ),
            E::BadLogin(_) | E::WeakPassword => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Unprocessable content",
                error.to_string(),
            ),
            E::Photo(refused) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Unprocessable content",
                refused.to_string(),
            )
            .with(serde_json::json!({
                "photo": refused.position,
                "reason": refused.refusal.code(),
            })),
            E::Database(source) => source.into(),
            E::Hash(_) | E::Stored { .. } => {
                tracing::error!(error = %error, "workflow error");
                Self::internal()
            }
        }
    }
}

impl From<QueryRejection> for Problem {
    fn from(rejection: QueryRejection) -> Self {
        Self::bad_request(rejection.body_text())
    }
}

impl From<PathRejection> for Problem {
    fn from(rejection: PathRejection) -> Self {
        Self::bad_request(rejection.body_text())
    }
}

impl From<JsonRejection> for Problem {
    fn from(rejection: JsonRejection) -> Self {
        let status = match rejection {
            JsonRejection::MissingJsonContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            JsonRejection::BytesRejection(ref b) if b.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            _ => StatusCode::BAD_REQUEST,
        };
        let title = match status {
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "Unsupported media type",
            StatusCode::PAYLOAD_TOO_LARGE => "Payload too large",
            _ => "Bad request",
        };
        Self::new(status, title, rejection.body_text())
    }
}

/// `Query` whose rejection is a problem document.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(Problem))]
pub struct Query<T>(pub T);

/// `Path` whose rejection is a problem document.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(Problem))]
pub struct Path<T>(pub T);

/// `Json` whose rejection is a problem document.
#[derive(Debug, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(Problem))]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}
