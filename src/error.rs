//! The one error type of the service, answered as `application/problem+json`
//! (RFC 9457): `{type, title, status, detail, code, errors: [{field, message}]}`.
//!
//! Every error carries an [`ErrorCode`]: a stable snake_case name that
//! clients branch on, with its HTTP status and its human title kept beside it
//! in one table ([`ErrorCode::describe`]). Code that decides what went wrong
//! (`service`, `domain` through it) chooses a code, never a status; the status
//! is looked up only where the answer is made.
//!
//! Which constructor to use:
//! - [`AppError::invalid`] / [`AppError::invalid_fields`]: the request is
//!   well-formed but a value breaks a rule (422); name the field, e.g.
//!   `measurements[3].unit`.
//! - [`AppError::bad_request`]: the request cannot be read at all (400).
//! - [`AppError::not_found`]: the resource does not exist, or the caller may
//!   not know that it does (404).
//! - [`AppError::conflict`]: the request clashes with what is stored (409),
//!   with a code of its own, e.g. [`ErrorCode::PlanExists`].
//! - [`AppError::internal`] or [`OrInternal::or_internal`]: something that
//!   must not happen did (a stored value that does not parse, a renderer
//!   that fails). The cause and the place it was raised are kept, logged once
//!   when the error is answered, and never shown to the client.
//! - Database and pool errors convert through `From`: a missing row is 404,
//!   a lost connection 503, anything else is internal (500) with its cause.

use crate::domain::language::Lang;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::panic::Location;
use std::sync::Arc;
use utoipa::ToSchema;

/// Declares the error codes: variant, snake_case code, HTTP status, title.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident => ($code:literal, $status:ident, $title:literal),)+) => {
        /// Every `code` an error answer can carry. The codes are a contract
        /// with clients: add new ones, never rename one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)+
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)+];

            /// The code as clients see it, its HTTP status and its title
            /// (the English text; the code is the key for translations).
            pub fn describe(self) -> (&'static str, StatusCode, &'static str) {
                match self {
                    $(ErrorCode::$variant => ($code, StatusCode::$status, $title),)+
                }
            }
        }
    };
}

error_codes! {
    BadRequest => ("bad_request", BAD_REQUEST, "The request cannot be read"),
    BadQuery => ("bad_query", BAD_REQUEST, "The query string is invalid"),
    MalformedJson => ("malformed_json", BAD_REQUEST, "The body is not valid JSON"),
    ValidationFailed => ("validation_failed", UNPROCESSABLE_ENTITY, "Some values break a rule"),
    Unauthorized => ("unauthorized", UNAUTHORIZED, "Sign in first"),
    Forbidden => ("forbidden", FORBIDDEN, "Your role may not do this"),
    CsrfToken => ("csrf_token", FORBIDDEN, "The page has expired: reload it"),
    NotFound => ("not_found", NOT_FOUND, "Not found"),
    MethodNotAllowed => ("method_not_allowed", METHOD_NOT_ALLOWED, "Method not allowed"),
    UnsupportedMediaType => ("unsupported_media_type", UNSUPPORTED_MEDIA_TYPE, "Send the body as JSON"),
    BodyTooLarge => ("body_too_large", PAYLOAD_TOO_LARGE, "The body is too large"),
    FileTooLarge => ("file_too_large", PAYLOAD_TOO_LARGE, "The file is too large"),
    PhotoTooLarge => ("photo_too_large", PAYLOAD_TOO_LARGE, "The photo is too large"),
    TooManyAttempts => ("too_many_attempts", TOO_MANY_REQUESTS, "Too many attempts; wait and try again"),
    /// The body did not arrive within the body timeout.
    RequestTimeout => ("request_timeout", REQUEST_TIMEOUT, "The request did not arrive in time"),
    /// A record with this name or number exists already.
    CustomerExists => ("customer_exists", CONFLICT, "The customer exists already"),
    SupplierExists => ("supplier_exists", CONFLICT, "The supplier exists already"),
    ProductExists => ("product_exists", CONFLICT, "The product exists already"),
    OrderExists => ("order_exists", CONFLICT, "The order exists already"),
    UserExists => ("user_exists", CONFLICT, "The user exists already"),
    DefectTypeExists => ("defect_type_exists", CONFLICT, "The defect type exists already"),
    PlanExists => ("plan_exists", CONFLICT, "The batch has a sampling plan already"),
    PhaseExists => ("phase_exists", CONFLICT, "A phase of this chart starts at that batch already"),
    LotResultExists => ("lot_result_exists", CONFLICT, "The batch's lot result is recorded already"),
    ReadingExists => ("reading_exists", CONFLICT, "The unit has a reading already"),
    InspectionExists => ("inspection_exists", CONFLICT, "The unit has an inspection already"),
    /// A client id sent again with other content: not a retry.
    MeasurementIdReused => ("measurement_id_reused", CONFLICT, "The reading id was used for another reading"),
    InspectionIdReused => ("inspection_id_reused", CONFLICT, "The inspection id was used for another inspection"),
    AlreadyCorrected => ("already_corrected", CONFLICT, "The record was corrected already"),
    AlreadyDecided => ("already_decided", CONFLICT, "The batch was decided meanwhile"),
    NoSamplingPlan => ("no_sampling_plan", CONFLICT, "The batch has no sampling plan yet"),
    NotAnIsoPlan => ("not_an_iso_plan", CONFLICT, "The batch's plan is not an ISO 2859-1 plan"),
    NoData => ("no_data", CONFLICT, "There is no data for this yet"),
    InspectionIncomplete => ("inspection_incomplete", CONFLICT, "The inspection is not complete"),
    InspectionDiscontinued => ("inspection_discontinued", CONFLICT, "Inspection is discontinued for this product"),
    NotDiscontinued => ("not_discontinued", CONFLICT, "Inspection is not discontinued"),
    ImportInProgress => ("import_in_progress", CONFLICT, "The same file is being imported"),
    MaterialLotExists => ("material_lot_exists", CONFLICT, "The supplier's lot of this material is received already"),
    MaterialLotInBatch => ("material_lot_in_batch", CONFLICT, "The material lot is recorded in this batch already"),
    SerialExists => ("serial_exists", CONFLICT, "The serial number is taken already"),
    NcrClosed => ("ncr_closed", CONFLICT, "The non-conformance report is closed"),
    NotReleased => ("not_released", CONFLICT, "The batch is not released by QC"),
    NcrNotReady => ("ncr_not_ready", CONFLICT, "The non-conformance report cannot be closed yet"),
    /// Readings stored before their range was checked, too large to chart.
    ReadingsOutOfRange => ("readings_out_of_range", CONFLICT, "Some readings are too large to chart"),
    /// Disabling this admin would leave no active admin to manage users.
    LastAdmin => ("last_admin", CONFLICT, "The last active admin cannot be disabled"),
    // The chart and report codes below are kebab-case, as they were first published.
    #[serde(rename = "no-readings")]
    NoReadings => ("no-readings", CONFLICT, "There are no readings to chart yet"),
    #[serde(rename = "no-chromaticity")]
    NoChromaticity => ("no-chromaticity", CONFLICT, "The product records no chromaticity"),
    #[serde(rename = "no-plan")]
    NoPlan => ("no-plan", CONFLICT, "The batch has no sampling plan yet"),
    /// The data changed while a report was being issued.
    #[serde(rename = "report-changed")]
    ReportChanged => ("report-changed", CONFLICT, "The data changed meanwhile; issue the report again"),
    #[serde(rename = "nothing-to-report")]
    NothingToReport => ("nothing-to-report", CONFLICT, "The order has nothing to report yet"),
    UndecidedBatches => ("undecided_batches", CONFLICT, "Some batches have no decision yet"),
    #[serde(rename = "not-issued")]
    NotIssued => ("not-issued", CONFLICT, "The report has not been issued yet"),
    Unavailable => ("unavailable", SERVICE_UNAVAILABLE, "The service is busy; try again"),
    Internal => ("internal", INTERNAL_SERVER_ERROR, "The server failed to answer"),
    /// Any other error status from the HTTP layer itself.
    HttpError => ("http_error", BAD_REQUEST, "The request failed"),
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        self.describe().0
    }

    pub fn status(self) -> StatusCode {
        self.describe().1
    }

    pub fn title(self) -> &'static str {
        self.describe().2
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One offending field of a request.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FieldError {
    /// Path of the field in the request, e.g. `measurements[2].value`.
    pub field: String,
    pub message: String,
    /// The message as the catalogues hold it, when they do: the answer
    /// then gives it in the reader's language.
    #[serde(skip)]
    pub said: Option<Message>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<Words>) -> Self {
        let (message, said) = message.into().english_and_message();
        Self {
            field: field.into(),
            message,
            said,
        }
    }

    /// The message in `lang`: the catalogue's when it has it, else the
    /// service's English words.
    pub fn message_in(&self, lang: Lang) -> String {
        match &self.said {
            Some(said) => said.in_language(lang),
            None => self.message.clone(),
        }
    }
}

pub use crate::domain::message::Message;

/// The words of an error: the service's own English, or a message of the
/// catalogues, which the answer gives in the reader's language. Every
/// constructor of an error takes either.
#[derive(Debug, Clone, PartialEq)]
pub enum Words {
    English(String),
    Catalogued(Message),
}

impl Words {
    /// The English text, and the catalogue's message when there is one.
    fn english_and_message(self) -> (String, Option<Message>) {
        match self {
            Words::English(text) => (text, None),
            Words::Catalogued(message) => (message.in_language(Lang::En), Some(message)),
        }
    }
}

impl From<String> for Words {
    fn from(text: String) -> Self {
        Words::English(text)
    }
}

impl From<&str> for Words {
    fn from(text: &str) -> Self {
        Words::English(text.to_string())
    }
}

impl From<&String> for Words {
    fn from(text: &String) -> Self {
        Words::English(text.clone())
    }
}

impl From<Message> for Words {
    fn from(message: Message) -> Self {
        Words::Catalogued(message)
    }
}

/// A control character where a text may hold none, named for the reader.
impl From<crate::domain::text::ControlCharacter> for Message {
    fn from(found: crate::domain::text::ControlCharacter) -> Self {
        let key = match found.kind {
            crate::domain::text::TextKind::Line => "err-control-character",
            crate::domain::text::TextKind::Free => "err-control-character-free",
        };
        Message::new(key).arg("code", format!("U+{:04X}", found.character as u32))
    }
}

impl From<crate::domain::text::ControlCharacter> for Words {
    fn from(found: crate::domain::text::ControlCharacter) -> Self {
        Message::from(found).into()
    }
}

/// A template's problem, in the catalogues' words.
impl From<crate::domain::template::TemplateProblem> for Words {
    fn from(problem: crate::domain::template::TemplateProblem) -> Self {
        use crate::domain::template::{CharacteristicSpec, TemplateProblem as P};
        match problem {
            P::BadCode => Message::new("err-template-code")
                .arg("max", CharacteristicSpec::MAX_CODE_LEN)
                .into(),
            P::EmptyName => Message::new("err-empty").into(),
            P::Control(found) => found.into(),
            P::QuantityNotVariable => Message::new("err-template-quantity-kind").into(),
            P::AttributeHasLimits => Message::new("err-template-attribute-limits").into(),
            P::UslNotAboveLsl { lsl } => Message::new("err-template-usl").arg("lsl", lsl).into(),
            P::NominalOutside => Message::new("err-template-nominal").into(),
        }
    }
}

/// An answered error whose words the catalogues hold, kept in the
/// response's extensions for the problems middleware to give them in the
/// language the client asks for.
#[derive(Debug, Clone)]
pub struct Translatable(pub AppError);

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

/// What caused an internal error.
pub type Cause = Arc<dyn std::error::Error + Send + Sync>;

#[derive(Debug, Clone)]
pub struct AppError {
    pub code: ErrorCode,
    pub detail: String,
    /// The detail as the catalogues hold it, when they do (boxed: an
    /// error stays small for the `Result`s that carry it).
    detail_said: Option<Box<Message>>,
    pub errors: Vec<FieldError>,
    /// Set only for [`ErrorCode::HttpError`]: the status the HTTP layer chose.
    status: Option<StatusCode>,
    cause: Option<Cause>,
    /// Where the error was raised (`#[track_caller]`).
    location: &'static Location<'static>,
    /// When to try again (`Retry-After`); every 429 carries one.
    retry_after: Option<std::time::Duration>,
}

pub type AppResult<T> = Result<T, AppError>;

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.detail)?;
        if let Some(cause) = &self.cause {
            write!(f, " ({cause}, at {})", self.location)?;
        }
        Ok(())
    }
}

impl std::error::Error for AppError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause
            .as_deref()
            .map(|cause| cause as &(dyn std::error::Error + 'static))
    }
}

impl AppError {
    #[track_caller]
    pub fn new(code: ErrorCode, detail: impl Into<Words>) -> Self {
        let (detail, said) = detail.into().english_and_message();
        Self {
            code,
            detail,
            detail_said: said.map(Box::new),
            errors: Vec::new(),
            status: None,
            cause: None,
            location: Location::caller(),
            retry_after: None,
        }
    }

    /// An error status the HTTP layer answered by itself (e.g. 413 from a
    /// payload limit), rewritten as a problem.
    #[track_caller]
    pub fn http(status: StatusCode, detail: impl Into<Words>) -> Self {
        let code = match status {
            StatusCode::NOT_FOUND => ErrorCode::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
            _ => ErrorCode::HttpError,
        };
        Self {
            status: Some(status),
            ..Self::new(code, detail)
        }
    }

    #[track_caller]
    pub fn bad_request(detail: impl Into<Words>) -> Self {
        Self::new(ErrorCode::BadRequest, detail)
    }

    /// A single field breaks a rule.
    #[track_caller]
    pub fn invalid(field: impl Into<String>, message: impl Into<Words>) -> Self {
        Self::invalid_fields(vec![FieldError::new(field, message)])
    }

    /// Whether the detail itself is worded by the catalogues.
    pub fn has_detail_said(&self) -> bool {
        self.detail_said.is_some()
    }

    /// The detail in `lang`: the catalogue's when it has it (a single
    /// field's detail from its message), else the service's English.
    pub fn detail_in(&self, lang: Lang) -> String {
        match (&self.detail_said, self.errors.as_slice()) {
            (Some(said), _) => said.in_language(lang),
            (None, [one]) if one.said.is_some() => {
                format!("{}: {}", one.field, one.message_in(lang))
            }
            _ => self.detail.clone(),
        }
    }

    /// Several fields break rules; all are reported at once.
    #[track_caller]
    pub fn invalid_fields(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            many => format!("{} fields are invalid", many.len()),
        };
        Self {
            errors,
            ..Self::new(ErrorCode::ValidationFailed, detail)
        }
    }

    #[track_caller]
    pub fn not_found(detail: impl Into<Words>) -> Self {
        Self::new(ErrorCode::NotFound, detail)
    }

    /// No valid credentials (401); the answer invites a bearer token.
    #[track_caller]
    pub fn unauthorized(detail: impl Into<Words>) -> Self {
        Self::new(ErrorCode::Unauthorized, detail)
    }

    /// Signed in, but the role may not do this (403).
    #[track_caller]
    pub fn forbidden(detail: impl Into<Words>) -> Self {
        Self::new(ErrorCode::Forbidden, detail)
    }

    /// Refused for now (429); the answer says when to try again
    /// (`Retry-After`, in whole seconds, rounded up).
    #[track_caller]
    pub fn too_many_requests(detail: impl Into<Words>, retry_after: std::time::Duration) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(ErrorCode::TooManyAttempts, detail)
        }
    }

    /// The request clashes with what is stored; `code` says how.
    #[track_caller]
    pub fn conflict(code: ErrorCode, detail: impl Into<Words>) -> Self {
        Self::new(code, detail)
    }

    #[track_caller]
    pub fn unavailable(detail: impl Into<Words>) -> Self {
        Self::new(ErrorCode::Unavailable, detail)
    }

    /// Something that must not happen did. `cause` (an error, or a sentence
    /// saying what was expected) and the caller's place are logged when the
    /// error is answered; the client sees only that the server failed.
    #[track_caller]
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self {
            cause: Some(Arc::from(cause.into())),
            ..Self::new(ErrorCode::Internal, Message::new("err-internal"))
        }
    }

    /// The same error, keeping what caused it for the log.
    pub fn with_cause(mut self, cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.cause = Some(Arc::new(cause));
        self
    }

    /// Attaches a field to an error that has none (e.g. a conflict about one item).
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.errors.push(FieldError {
            field: field.into(),
            message: self.detail.clone(),
            said: self.detail_said.as_deref().cloned(),
        });
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status.unwrap_or(self.code.status())
    }

    /// When the client may try again, if the error says.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        self.retry_after
    }

    /// The `Retry-After` header value: whole seconds, rounded up, at least 1.
    pub fn retry_after_header(&self) -> Option<(header::HeaderName, String)> {
        self.retry_after.map(|after| {
            let seconds = after.as_secs() + u64::from(after.subsec_nanos() > 0);
            (header::RETRY_AFTER, seconds.max(1).to_string())
        })
    }

    /// Where the error was raised.
    pub fn location(&self) -> &'static Location<'static> {
        self.location
    }

    /// Logs a server-side failure with its cause and place; other errors are
    /// the client's and are not logged here. Called once, where the error
    /// is answered (API or page).
    pub fn log_if_server_error(&self) {
        if self.status().is_server_error() {
            match &self.cause {
                Some(cause) => tracing::error!(
                    code = %self.code,
                    location = %self.location,
                    cause = %cause,
                    "{}",
                    self.detail
                ),
                None => tracing::warn!(
                    code = %self.code,
                    location = %self.location,
                    "{}",
                    self.detail
                ),
            }
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status();
        Problem {
            type_uri: format!(
                "https://lotcheck.dev/problems/{}",
                self.code.as_str().replace('_', "-")
            ),
            // The code's own title; an answer whose status the HTTP layer
            // chose says what that status means.
            title: match self.status {
                Some(status) => status.canonical_reason().unwrap_or("Error").to_string(),
                None => self.code.title().to_string(),
            },
            status: status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.as_str().to_string(),
            errors: self.errors.clone(),
        }
    }
}

/// `.or_internal("what was expected")` on an `Option` or a `Result` whose
/// failure means a bug or corrupt data: an internal error that keeps the
/// cause and the caller's place.
pub trait OrInternal<T> {
    #[track_caller]
    fn or_internal(self, expected: &str) -> AppResult<T>;
}

impl<T> OrInternal<T> for Option<T> {
    #[track_caller]
    fn or_internal(self, expected: &str) -> AppResult<T> {
        match self {
            Some(value) => Ok(value),
            None => Err(AppError::internal(expected.to_string())),
        }
    }
}

impl<T, E: std::error::Error + Send + Sync + 'static> OrInternal<T> for Result<T, E> {
    #[track_caller]
    fn or_internal(self, expected: &str) -> AppResult<T> {
        match self {
            Ok(value) => Ok(value),
            Err(error) => Err(AppError::internal(Box::new(Context {
                expected: expected.to_string(),
                error,
            })
                as Box<dyn std::error::Error + Send + Sync>)),
        }
    }
}

/// An error with a sentence of what the code expected instead.
#[derive(Debug)]
struct Context<E> {
    expected: String,
    error: E,
}

impl<E: std::fmt::Display> std::fmt::Display for Context<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.expected, self.error)
    }
}

impl<E: std::error::Error + 'static> std::error::Error for Context<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// `.not_found_as(|| …)` on a lookup whose "not found" is told otherwise
/// (a batch whose order the caller may not see is itself "not found"; a
/// supplier named in a request that does not exist is a bad field), while
/// every other error passes unchanged: a database that cannot be reached
/// stays 503 instead of becoming a 404.
pub trait NotFoundAs<T> {
    fn not_found_as(self, instead: impl FnOnce() -> AppError) -> AppResult<T>;
}

impl<T> NotFoundAs<T> for AppResult<T> {
    fn not_found_as(self, instead: impl FnOnce() -> AppError) -> AppResult<T> {
        self.map_err(|error| match error.code {
            ErrorCode::NotFound => instead(),
            _ => error,
        })
    }
}

/// Collects field errors during validation, then fails once with all of them.
#[derive(Debug, Default)]
pub struct Violations(Vec<FieldError>);

impl Violations {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<Words>) {
        self.0.push(FieldError::new(field, message));
    }

    #[track_caller]
    pub fn into_result(self) -> AppResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::invalid_fields(self.0))
        }
    }

    /// Fails as a clash with what is stored (409, `code`), naming each field.
    #[track_caller]
    pub fn into_conflict(self, code: ErrorCode, detail: impl Into<Words>) -> AppResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError {
                errors: self.0,
                ..AppError::conflict(code, detail)
            })
        }
    }
}

pub const PROBLEM_JSON: &str = "application/problem+json";

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        self.log_if_server_error();
        let mut response = HttpResponse::build(self.status());
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        if self.code == ErrorCode::Unauthorized {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"lotcheck\""));
        }
        if let Some(retry_after) = self.retry_after_header() {
            response.insert_header(retry_after);
        }
        let mut response = response.json(self.problem());
        let translatable =
            self.detail_said.is_some() || self.errors.iter().any(|e| e.said.is_some());
        if translatable {
            response.extensions_mut().insert(Translatable(self.clone()));
        }
        response
    }
}

/// Whether a database error means the connection was lost (the server went
/// away, restarted, or a network or proxy cut the session): the query, or
/// the rollback after it, could not be sent or answered, or the
/// transaction manager was left broken by such a failure. Whatever the
/// transaction did was rolled back by the server, or, when the `COMMIT`
/// itself got no answer, may have been committed: a retry is the answer
/// either way (a reading sent with a client id is stored once however often
/// it is sent; one sent without is refused as already recorded).
fn connection_lost(error: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match error {
        Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        )
        | Error::BrokenTransactionManager => true,
        Error::RollbackErrorOnCommit {
            rollback_error,
            commit_error,
        } => connection_lost(commit_error) || connection_lost(rollback_error),
        _ => false,
    }
}

impl From<diesel::result::Error> for AppError {
    #[track_caller]
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::NotFound => Self::not_found(Message::new("err-not-found-record")),
            lost if connection_lost(&lost) => Self {
                cause: Some(Arc::new(lost)),
                ..Self::unavailable(Message::new("err-connection-lost"))
            },
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                Self::unavailable(Message::new("err-write-conflict"))
            }
            other => Self::internal(other),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    #[track_caller]
    fn from(error: diesel::r2d2::PoolError) -> Self {
        Self {
            cause: Some(Arc::new(error)),
            ..Self::unavailable(Message::new("err-no-connection"))
        }
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    #[track_caller]
    fn from(error: actix_web::error::BlockingError) -> Self {
        Self::internal(error)
    }
}

/// Turns the violation of a unique constraint into the caller's 409, so a
/// clash found by the database (also under a race between two requests)
/// answers as clearly as one found by a check.
pub trait OnUniqueViolation<T> {
    fn on_unique_violation(self, conflict: impl FnOnce() -> AppError) -> AppResult<T>;
}

impl<T> OnUniqueViolation<T> for diesel::QueryResult<T> {
    #[track_caller]
    fn on_unique_violation(self, conflict: impl FnOnce() -> AppError) -> AppResult<T> {
        use diesel::result::{DatabaseErrorKind, Error};
        match self {
            Ok(value) => Ok(value),
            Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Err(conflict()),
            Err(other) => Err(other.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case_with_a_title() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let (text, _, title) = code.describe();
            assert!(seen.insert(text), "{text} twice");
            let kebab = [
                "no-readings",
                "no-chromaticity",
                "no-plan",
                "report-changed",
                "nothing-to-report",
                "not-issued",
            ];
            assert!(
                kebab.contains(&text) || text.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{text} is not snake_case"
            );
            assert!(!title.is_empty());
            // The serde name (what the OpenAPI schema lists) is the code.
            assert_eq!(serde_json::to_value(code).unwrap(), text);
        }
    }

    #[test]
    fn an_internal_error_keeps_its_cause_and_place_but_shows_neither() {
        let line = line!() + 2; // the line of `.or_internal`
        let error = None::<i32>
            .or_internal("a stored plan has units")
            .unwrap_err();
        assert_eq!(error.code, ErrorCode::Internal);
        assert_eq!(error.location().line(), line);
        assert!(error.location().file().ends_with("error.rs"));
        assert!(error.to_string().contains("a stored plan has units"));
        let problem = error.problem();
        assert_eq!(problem.status, 500);
        assert!(!problem.detail.contains("stored plan"));
    }

    #[test]
    fn a_database_error_converted_by_question_mark_points_at_the_question_mark() {
        fn failing() -> AppResult<()> {
            Err(diesel::result::Error::RollbackTransaction)?;
            Ok(())
        }
        let error = failing().unwrap_err();
        assert_eq!(error.code, ErrorCode::Internal);
        assert!(error.location().file().ends_with("error.rs"));
        assert!(std::error::Error::source(&error).is_some());
    }

    #[test]
    fn a_lost_database_connection_is_503_however_it_surfaces() {
        use diesel::result::{DatabaseErrorKind, Error};
        let lost =
            |kind| Error::DatabaseError(kind, Box::new("no connection to the server".to_string()));
        let other =
            || Error::DatabaseError(DatabaseErrorKind::Unknown, Box::new("syntax".to_string()));
        for error in [
            lost(DatabaseErrorKind::ClosedConnection),
            // libpq could not send the query (or the rollback after a
            // failed one) on a connection already known to be gone.
            lost(DatabaseErrorKind::UnableToSendCommand),
            Error::RollbackErrorOnCommit {
                rollback_error: Box::new(lost(DatabaseErrorKind::UnableToSendCommand)),
                commit_error: Box::new(lost(DatabaseErrorKind::ClosedConnection)),
            },
            Error::BrokenTransactionManager,
        ] {
            let shown = error.to_string();
            let error = AppError::from(error);
            assert_eq!(error.code, ErrorCode::Unavailable, "{shown}");
            assert_eq!(error.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert!(
                std::error::Error::source(&error).is_some(),
                "the cause is logged"
            );
        }
        let not_lost = Error::RollbackErrorOnCommit {
            rollback_error: Box::new(other()),
            commit_error: Box::new(other()),
        };
        assert_eq!(AppError::from(not_lost).code, ErrorCode::Internal);
        assert_eq!(AppError::from(other()).code, ErrorCode::Internal);
    }

    #[test]
    fn only_not_found_is_told_otherwise() {
        let missing = || AppError::not_found("batch 3 not found");
        let hidden: AppResult<()> = Err(AppError::not_found("order 7 not found"));
        assert_eq!(
            hidden.not_found_as(missing).unwrap_err().detail,
            "batch 3 not found"
        );
        let lost: AppResult<()> = Err(AppError::unavailable("the database connection was lost"));
        assert_eq!(
            lost.not_found_as(missing).unwrap_err().code,
            ErrorCode::Unavailable
        );
    }

    #[test]
    fn statuses_the_http_layer_chose_keep_their_status() {
        let error = AppError::http(StatusCode::METHOD_NOT_ALLOWED, "no PUT");
        assert_eq!(error.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(error.code, ErrorCode::MethodNotAllowed);
        let teapot = AppError::http(StatusCode::IM_A_TEAPOT, "tea");
        assert_eq!(teapot.code, ErrorCode::HttpError);
        assert_eq!(teapot.problem().status, 418);
    }
}
