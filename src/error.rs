//! The one error type of the service, answered as `application/problem+json`
//! (RFC 9457): `{type, title, status, detail, code, errors: [{field, message}]}`.
//!
//! Which constructor to use:
//! - [`AppError::invalid`] / [`AppError::invalid_fields`]: the request is
//!   well-formed but a value breaks a rule (422); name the field, e.g.
//!   `measurements[3].unit`.
//! - [`AppError::bad_request`]: the request cannot be read at all (400):
//!   malformed JSON, a query string of the wrong shape.
//! - [`AppError::not_found`]: the resource does not exist, or the caller may
//!   not know that it does (404).
//! - [`AppError::conflict`]: the request clashes with what is stored (409),
//!   e.g. a second sampling plan for a batch.
//! - Database and pool errors convert through `From`: a missing row is 404,
//!   a lost connection 503, anything else is logged once and answered 500
//!   without internals.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// One offending field of a request.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FieldError {
    /// Path of the field in the request, e.g. `measurements[2].value`.
    pub field: String,
    pub message: String,
}

/// The problem+json body (RFC 9457) with lotcheck's `code` and `errors`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code, e.g. `validation_failed`.
    pub code: String,
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct AppError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", detail)
    }

    /// A single field breaks a rule.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::invalid_fields(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// Several fields break rules; all are reported at once.
    pub fn invalid_fields(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            many => format!("{} fields are invalid", many.len()),
        };
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "validation_failed",
            detail,
            errors,
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{} not found", what.into()),
        )
    }

    /// No valid credentials (401); the answer invites a bearer token.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    /// Signed in, but the role may not do this (403).
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    pub fn too_many_requests(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", detail)
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", detail)
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server failed to answer; the error has been logged",
        )
    }

    /// Attaches a field to an error that has none (e.g. a conflict about one item).
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.errors.push(FieldError {
            field: field.into(),
            message: self.detail.clone(),
        });
        self
    }

    pub fn problem(&self) -> Problem {
        Problem {
            type_uri: format!(
                "https://lotcheck.dev/problems/{}",
                self.code.replace('_', "-")
            ),
            title: self
                .status
                .canonical_reason()
                .unwrap_or("Error")
                .to_string(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_string(),
            errors: self.errors.clone(),
        }
    }
}

/// Collects field errors during validation, then fails once with all of them.
#[derive(Debug, Default)]
pub struct Violations(Vec<FieldError>);

impl Violations {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    pub fn into_result(self) -> AppResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::invalid_fields(self.0))
        }
    }
}

pub const PROBLEM_JSON: &str = "application/problem+json";

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"lotcheck\""));
        }
        response.json(self.problem())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::NotFound => Self::not_found("record"),
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => {
                Self::unavailable("the database connection was lost; try again")
            }
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                Self::unavailable("the database was busy with a conflicting write; try again")
            }
            other => {
                tracing::error!(error = %other, "database error");
                Self::internal()
            }
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        tracing::error!(error = %error, "no database connection");
        Self::unavailable("no database connection is available; try again")
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        tracing::error!("blocking database task was cancelled");
        Self::internal()
    }
}

/// Turns the violation of a unique constraint into the caller's 409, so a
/// clash found by the database (also under a race between two requests)
/// answers as clearly as one found by a check.
pub trait OnUniqueViolation<T> {
    fn on_unique_violation(self, conflict: impl FnOnce() -> AppError) -> AppResult<T>;
}

impl<T> OnUniqueViolation<T> for diesel::QueryResult<T> {
    fn on_unique_violation(self, conflict: impl FnOnce() -> AppError) -> AppResult<T> {
        use diesel::result::{DatabaseErrorKind, Error};
        self.map_err(|error| match error {
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => conflict(),
            other => other.into(),
        })
    }
}
