//! What every response carries for the browser's protection, and one rule for error bodies:
//! any error answer that is not already a problem document becomes one (the static files'
//! 404, axum's 405, the body limit's 413), so clients parse one format.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::{AppState, Problem};

/// The response headers a municipal IT check expects, computed once from the configuration.
/// The policy for pages (CSP, frame and opener protection) goes on HTML documents only: a
/// browser applies it to documents, so on a tile or a JSON answer it would be 400 bytes of
/// nothing.
#[derive(Debug, Clone)]
pub(crate) struct SecurityHeaders {
    /// On every answer.
    headers: Vec<(HeaderName, HeaderValue)>,
    /// On HTML documents as well.
    documents: Vec<(HeaderName, HeaderValue)>,
}

impl SecurityHeaders {
    /// `frame_ancestors`: origins that may embed the pages (the Allianz-App); none but the
    /// server itself by default. HSTS only when the server is reached over https.
    pub(crate) fn new(base_url: &str, frame_ancestors: &[String]) -> Self {
        let mut ancestors = String::from("'self'");
        for origin in frame_ancestors {
            // An origin is one token; anything with spaces or separators would extend the
            // policy, so it is left out (and the configuration refuses it before this).
            if is_origin(origin) {
                ancestors.push(' ');
                ancestors.push_str(origin);
            }
        }
        // No inline script anywhere; MapLibre runs its workers from blob: URLs and draws
        // images from blob:/data: URLs. Styles set through the DOM need no 'unsafe-inline'.
        let csp = format!(
            "default-src 'self'; script-src 'self'; worker-src 'self' blob:; \
             child-src 'self' blob:; img-src 'self' data: blob:; style-src 'self'; \
             font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
             form-action 'self'; frame-ancestors {ancestors}"
        );
        let mut headers = vec![
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("strict-origin-when-cross-origin"),
            ),
        ];
        let mut documents = vec![
            (
                HeaderName::from_static("cross-origin-opener-policy"),
                HeaderValue::from_static("same-origin"),
            ),
            (
                HeaderName::from_static("permissions-policy"),
                HeaderValue::from_static("camera=(), microphone=(), geolocation=(self)"),
            ),
        ];
        if let Ok(value) = HeaderValue::from_str(&csp) {
            documents.push((header::CONTENT_SECURITY_POLICY, value));
        }
        if frame_ancestors.is_empty() {
            // For browsers that predate frame-ancestors.
            documents.push((
                header::X_FRAME_OPTIONS,
                HeaderValue::from_static("SAMEORIGIN"),
            ));
        }
        if base_url.starts_with("https://") {
            headers.push((
                header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static("max-age=31536000"),
            ));
        }
        Self { headers, documents }
    }
}

/// Whether `origin` is a plain `scheme://host[:port]`, safe to place in a CSP.
pub fn is_origin(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
    else {
        return false;
    };
    !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}

/// Adds the security headers and turns bare error answers into problem documents.
pub(crate) async fn harden(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    if is_bare_error(&response) {
        let status = response.status();
        let mut problem = Problem::new(status, title(status), detail(status)).into_response();
        // Keep what the error said besides its body (Allow on 405, Retry-After).
        for name in [header::ALLOW, header::RETRY_AFTER] {
            if let Some(value) = response.headers().get(&name).cloned() {
                problem.headers_mut().insert(name, value);
            }
        }
        response = problem;
    }
    let security = state.security_headers();
    let is_document = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    let headers = response.headers_mut();
    for (name, value) in &security.headers {
        headers.insert(name.clone(), value.clone());
    }
    if is_document {
        for (name, value) in &security.documents {
            headers.insert(name.clone(), value.clone());
        }
    }
    response
}

fn is_bare_error(response: &Response<Body>) -> bool {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return false;
    }
    let kind = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // Handlers answer problem documents (or, for OGC clients, JSON) themselves; what is left
    // are the empty or plain-text bodies of the layers and the static files.
    kind.is_empty() || kind.starts_with("text/plain")
}

fn title(status: StatusCode) -> &'static str {
    status.canonical_reason().unwrap_or("Error")
}

fn detail(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "no such resource",
        StatusCode::METHOD_NOT_ALLOWED => "this resource does not take that method",
        StatusCode::PAYLOAD_TOO_LARGE => "the request body is larger than this server accepts",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            "the request body has a media type this route does not take"
        }
        StatusCode::REQUEST_TIMEOUT => "the request took too long to arrive",
        s if s.is_server_error() => "the request failed on the server; it has been logged",
        _ => "the request cannot be answered as sent",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_single_tokens() {
        assert!(is_origin("https://app.allianz-thueringer-becken.de"));
        assert!(is_origin("http://127.0.0.1:8080"));
        assert!(!is_origin("https://a.de; script-src *"));
        assert!(!is_origin("*"));
        assert!(!is_origin("https://"));
        assert!(!is_origin("javascript:alert(1)"));
    }

    #[test]
    fn hsts_only_over_https_and_ancestors_in_the_policy() {
        let plain = SecurityHeaders::new("http://127.0.0.1:8080", &[]);
        assert!(!plain
            .headers
            .iter()
            .any(|(n, _)| n == header::STRICT_TRANSPORT_SECURITY));
        let tls = SecurityHeaders::new(
            "https://karte.example",
            &["https://app.example".to_owned(), "bad; x".to_owned()],
        );
        assert!(tls
            .headers
            .iter()
            .any(|(n, _)| n == header::STRICT_TRANSPORT_SECURITY));
        let csp = tls
            .documents
            .iter()
            .find(|(n, _)| n == header::CONTENT_SECURITY_POLICY)
            .map(|(_, v)| v.to_str().unwrap_or("").to_owned())
            .unwrap_or_default();
        assert!(
            csp.ends_with("frame-ancestors 'self' https://app.example"),
            "{csp}"
        );
        assert!(!tls
            .documents
            .iter()
            .any(|(n, _)| n == header::X_FRAME_OPTIONS));
    }
}
