//! Request extractors that report bad input the way `ApiError` wants it: 400
//! when the body cannot be read at all, 422 naming the field (as a path such
//! as `files[0].text`) when a value is wrong. axum's own `Json`, `Form` and
//! `Query` say much the same in plain text; these keep every error JSON.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// A JSON request body.
pub struct ApiJson<T>(pub T);

/// A URL-encoded form body.
pub struct ApiForm<T>(pub T);

/// The query string.
pub struct ApiQuery<T>(pub T);

fn content_type_is(req: &Request, expected: &str) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(expected))
}

fn path_of(path: &serde_path_to_error::Path) -> Option<String> {
    let text = path.to_string();
    (text != "." && !text.is_empty()).then_some(text)
}

/// Reads `T` from JSON text.
pub fn from_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let field = path_of(e.path());
        let inner = e.into_inner();
        let message = format!("invalid JSON body: {inner}");
        match inner.classify() {
            serde_json::error::Category::Data => ApiError::Invalid { field, message },
            _ => ApiError::BadRequest { field, message },
        }
    })
}

/// Reads `T` from URL-encoded text.
pub fn from_urlencoded<T: DeserializeOwned>(text: &[u8], what: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(text));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let field = path_of(e.path());
        let message = format!("invalid {what}: {}", e.into_inner());
        ApiError::Invalid { field, message }
    })
}

/// A body that could not be read: too large for the route (413), or cut off.
fn body_error(e: axum::extract::rejection::BytesRejection) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge
    } else {
        ApiError::BadRequest { field: None, message: format!("cannot read the body: {e}") }
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !content_type_is(&req, "application/json") {
            return Err(ApiError::BadRequest {
                field: None,
                message: "expected a JSON body with `Content-Type: application/json`".into(),
            });
        }
        let bytes = Bytes::from_request(req, state).await.map_err(body_error)?;
        from_json(&bytes).map(ApiJson)
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiForm<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !content_type_is(&req, "application/x-www-form-urlencoded") {
            return Err(ApiError::BadRequest {
                field: None,
                message: "expected a form body with `Content-Type: application/x-www-form-urlencoded`".into(),
            });
        }
        let bytes = Bytes::from_request(req, state).await.map_err(body_error)?;
        from_urlencoded(&bytes, "form").map(ApiForm)
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        from_urlencoded(query.as_bytes(), "query parameter").map(ApiQuery)
    }
}

/// The `If-Match` request header of a write to a subject's history (check-ins
/// of a key result, status updates of a milestone or dependency), whose
/// `ETag` is `"v<version>"`: the version of its latest entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IfMatch {
    /// No `If-Match`: the body's `expected_version` decides.
    Absent,
    /// `If-Match: *`: any current version; the body's `expected_version`
    /// decides.
    Any,
    /// One entity tag: the version it names, or `None` for a tag this server
    /// never sends (a weak or foreign one), which no version matches.
    Version(Option<i64>),
}

/// The entity tag of a subject's history at `version`.
pub fn etag(version: i64) -> axum::http::HeaderValue {
    axum::http::HeaderValue::from_str(&format!("\"v{version}\"")).expect("an entity tag is ASCII")
}

/// Whether a GET's `If-None-Match` names `tag` (or is `*`): the client's
/// copy is current, and the answer is 304 without a body. The comparison is
/// weak, as RFC 9110 has it for `If-None-Match`; an unreadable header is
/// treated as absent (the full answer is always safe).
pub fn none_match(headers: &axum::http::HeaderMap, tag: &axum::http::HeaderValue) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_string();
    let ours = opaque(tag.to_str().unwrap_or_default());
    headers
        .get_all(axum::http::header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == "*" || opaque(t) == ours)
}

impl IfMatch {
    /// Parses the header's values (several headers count as one list).
    pub fn parse<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Result<IfMatch, ApiError> {
        let bad = |message: String| ApiError::BadRequest { field: Some("If-Match".into()), message };
        let mut tags: Vec<String> = Vec::new();
        for value in values {
            let text = std::str::from_utf8(value).map_err(|_| bad("the If-Match header is not text".into()))?;
            tags.extend(text.split(',').map(|t| t.trim().to_string()).filter(|t| !t.is_empty()));
        }
        match tags.as_slice() {
            [] => Ok(IfMatch::Absent),
            [star] if star == "*" => Ok(IfMatch::Any),
            [tag] => {
                let opaque = tag.strip_prefix("W/").unwrap_or(tag);
                if opaque.len() < 2 || !opaque.starts_with('"') || !opaque.ends_with('"') {
                    return Err(bad(format!(
                        "`{tag}` is not an entity tag: send the ETag of the last GET as it was, quotes included (e.g. `\"v3\"`)"
                    )));
                }
                // A weak tag never matches under If-Match's strong comparison.
                let version = (!tag.starts_with("W/"))
                    .then(|| opaque[1..opaque.len() - 1].strip_prefix('v')?.parse::<i64>().ok())
                    .flatten()
                    .filter(|v| *v >= 0);
                Ok(IfMatch::Version(version))
            }
            _ => Err(bad(format!(
                "If-Match names {} entity tags; a write expects one version, so send exactly one ETag (or *)",
                tags.len()
            ))),
        }
    }

    /// The version a write expects, from the header or else from the body
    /// (`expected_version`), and whether it came from the header (a stale
    /// one is then 412 Precondition Failed rather than 409 Conflict).
    pub fn expected_version(self, body: Option<i64>) -> Result<Expected, ApiError> {
        if let Some(v) = body
            && v < 0
        {
            return Err(ApiError::invalid("expected_version", "a version is 0 or more"));
        }
        match (self, body) {
            (IfMatch::Version(Some(header)), Some(body)) if header != body => Err(ApiError::invalid(
                "expected_version",
                format!(
                    "expected_version {body} disagrees with If-Match (version {header}); send one or make them agree"
                ),
            )),
            (IfMatch::Version(Some(header)), _) => Ok(Expected { version: header, from_header: true }),
            (IfMatch::Version(None), _) => Err(ApiError::PreconditionFailed {
                message:
                    "If-Match names an entity tag this server never sent; GET the history for its ETag (\"v<version>\")"
                        .into(),
                current_version: None,
            }),
            (IfMatch::Absent | IfMatch::Any, Some(body)) => Ok(Expected { version: body, from_header: false }),
            (IfMatch::Absent | IfMatch::Any, None) => Err(ApiError::invalid(
                "expected_version",
                "name the version you last saw: `expected_version` in the body, or its ETag in an If-Match header",
            )),
        }
    }
}

/// The version a write expects, and where the client said it.
#[derive(Clone, Copy, Debug)]
pub struct Expected {
    pub version: i64,
    from_header: bool,
}

impl Expected {
    /// The error for a refused write: a stale version named in `If-Match`
    /// is 412 Precondition Failed, one named in the body 409 Conflict.
    pub fn refused(self, e: impl Into<ApiError>) -> ApiError {
        let e = e.into();
        if self.from_header { e.precondition() } else { e }
    }
}

/// A check-in's or status update's note: trimmed, empty as none, at most
/// 4000 characters.
pub fn note(note: Option<String>) -> Result<Option<String>, ApiError> {
    let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.len() > 4000) {
        return Err(ApiError::invalid("note", "a note has at most 4000 characters"));
    }
    Ok(note)
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        IfMatch::parse(parts.headers.get_all(axum::http::header::IF_MATCH).iter().map(|v| v.as_bytes()))
    }
}
