//! Request extractors that report bad input the way `ApiError` wants it: 400
//! when the body cannot be read at all, 422 naming the field (as a path such
//! as `files[0].text`) when a value is wrong. axum's own `Json`, `Form` and
//! `Query` say much the same in plain text; these keep every error JSON.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
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

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !content_type_is(&req, "application/json") {
            return Err(ApiError::BadRequest {
                field: None,
                message: "expected a JSON body with `Content-Type: application/json`".into(),
            });
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::BadRequest { field: None, message: format!("cannot read the body: {e}") })?;
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
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::BadRequest { field: None, message: format!("cannot read the body: {e}") })?;
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
