//! `ApiError`: the server's one error type. Every handler returns it; it maps
//! each kind of failure to a status code and a JSON body
//! `{"error": {"code", "message", "field"?, ...}}`. Client mistakes get 4xx
//! with the offending field named; server failures get a bare 500 and their
//! details go to the log, never to the client. Every error response also
//! carries an `ErrorInfo` extension, from which the dashboard's pages answer
//! with an HTML page instead (see `web::html_errors`).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body, form or query could not be parsed at all (not JSON, wrong
    /// content type); `field` is set when the problem is in one field.
    #[error("{message}")]
    BadRequest { field: Option<String>, message: String },
    /// The request parsed but a value is wrong (out of range, unknown
    /// keyword, missing field).
    #[error("{message}")]
    Invalid { field: Option<String>, message: String },
    /// No valid session or token.
    #[error("authentication required")]
    Unauthenticated,
    /// Wrong username or password (kept vague on purpose).
    #[error("wrong username or password")]
    BadCredentials,
    /// Authenticated, but the role does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// The thing named in the path does not exist.
    #[error("{kind} `{id}` not found")]
    NotFound { kind: String, id: String },
    /// A write named a stale version.
    #[error("{message}")]
    Conflict { message: String, current_version: Option<i64> },
    /// An `If-Match` header named a version that is no longer (or never
    /// was) the current one.
    #[error("{message}")]
    PreconditionFailed { message: String, current_version: Option<i64> },
    /// The plan has errors; the diagnostics say which.
    #[error("{message}")]
    PlanRejected { message: String, diagnostics: Vec<crate::dto::Finding> },
    /// The body is larger than the route accepts.
    #[error("the body is larger than this route accepts; send it in smaller batches")]
    PayloadTooLarge,
    /// A bug or an unavailable database: logged, not shown.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The JSON body of an error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable, machine-readable code: `bad_request`, `invalid`,
    /// `unauthenticated`, `forbidden`, `not_found`, `conflict`,
    /// `precondition_failed`, `plan_rejected`, `payload_too_large`, `internal`.
    pub code: &'static str,
    pub message: String,
    /// The request field at fault, as a path (`confidence`, `files[0].text`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// On a conflict or failed precondition: the version the subject is at
    /// now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
    /// When a plan is rejected: its diagnostics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<Vec<crate::dto::Finding>>,
}

/// What an HTML page needs to show an error, attached to every error
/// response as an extension. Internal details are already replaced by a
/// generic message.
#[derive(Clone, Debug)]
pub struct ErrorInfo {
    pub status: StatusCode,
    pub message: String,
    pub field: Option<String>,
}

impl ApiError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::Invalid { field: Some(field.into()), message: message.into() }
    }

    pub fn not_found(kind: impl Into<String>, id: impl Into<String>) -> ApiError {
        ApiError::NotFound { kind: kind.into(), id: id.into() }
    }

    pub fn internal(e: impl std::fmt::Display) -> ApiError {
        ApiError::Internal(e.to_string())
    }

    /// A stale version named in `If-Match` rather than in the body: 412
    /// instead of 409. Other errors are unchanged.
    pub fn precondition(self) -> ApiError {
        match self {
            ApiError::Conflict { current_version: Some(current), .. } => ApiError::PreconditionFailed {
                message: format!(
                    "If-Match names a stale version: the subject is at version {current} (ETag \"v{current}\"); \
                     someone else wrote first; GET it again and retry"
                ),
                current_version: Some(current),
            },
            other => other,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Invalid { .. } | ApiError::PlanRejected { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthenticated | ApiError::BadCredentials => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest { .. } => "bad_request",
            ApiError::Invalid { .. } => "invalid",
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::BadCredentials => "bad_credentials",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound { .. } => "not_found",
            ApiError::Conflict { .. } => "conflict",
            ApiError::PreconditionFailed { .. } => "precondition_failed",
            ApiError::PlanRejected { .. } => "plan_rejected",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn body(self) -> ErrorBody {
        let code = self.code();
        let message = match &self {
            ApiError::Internal(_) => "internal server error".to_string(),
            other => other.to_string(),
        };
        let (field, current_version, diagnostics) = match self {
            ApiError::BadRequest { field, .. } | ApiError::Invalid { field, .. } => (field, None, None),
            ApiError::Conflict { current_version, .. } | ApiError::PreconditionFailed { current_version, .. } => {
                (None, current_version, None)
            }
            ApiError::PlanRejected { diagnostics, .. } => (None, None, Some(diagnostics)),
            _ => (None, None, None),
        };
        ErrorBody { error: ErrorDetail { code, message, field, current_version, diagnostics } }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let ApiError::Internal(detail) = &self {
            tracing::error!(%detail, "request failed");
        }
        let body = self.body();
        let info = ErrorInfo { status, message: body.error.message.clone(), field: body.error.field.clone() };
        let mut response = (status, Json(body)).into_response();
        response.extensions_mut().insert(info);
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(axum::http::header::WWW_AUTHENTICATE, axum::http::HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<tl_store::Error> for ApiError {
    fn from(e: tl_store::Error) -> ApiError {
        use tl_store::Error as E;
        match e {
            E::NotFound { kind, id } => ApiError::NotFound { kind: kind.to_string(), id },
            E::Conflict { what, expected, current } => ApiError::Conflict {
                message: format!(
                    "{what} is at version {current}, not {expected}: someone else wrote first; reload and retry"
                ),
                current_version: Some(current),
            },
            E::AlreadyExists { kind, id } => {
                ApiError::Conflict { message: format!("{kind} `{id}` already exists"), current_version: None }
            }
            E::Invalid(message) => ApiError::Invalid { field: None, message },
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<tl_app::AppError> for ApiError {
    fn from(e: tl_app::AppError) -> ApiError {
        match e {
            tl_app::AppError::Store(e) => e.into(),
            tl_app::AppError::NothingApplied => ApiError::not_found("plan", "current"),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> ApiError {
        ApiError::Internal(format!("a background task failed: {e}"))
    }
}
