//! The report's PDF as a link gives it: the newest issued revision, a
//! given one, or a draft for staff, in the language asked for.

use super::gathering::gather;
use super::{issued, IssuedReport};
use crate::domain::access::Visibility;
use crate::domain::language::ReportLanguage;
use crate::error::{AppError, AppResult, ErrorCode, Message};
use crate::report;
use crate::store::reports as store;
use crate::store::DbConnection;
use chrono::Utc;
use chrono_tz::Tz;

/// The file an order's report link gives, with its language.
pub enum ReportFile {
    Issued {
        report: IssuedReport,
        language: ReportLanguage,
        bytes: Vec<u8>,
    },
    Draft {
        language: ReportLanguage,
        bytes: Vec<u8>,
    },
}

impl ReportFile {
    /// The SHA-256 a verification knows the file by (issued files only).
    pub fn sha256(&self) -> Option<&str> {
        match self {
            ReportFile::Issued {
                report, language, ..
            } => report
                .files
                .iter()
                .find(|f| f.language == language.tag())
                .map(|f| f.sha256.as_str()),
            ReportFile::Draft { .. } => None,
        }
    }
}

/// The newest issued revision; before one exists, or when asked, staff
/// get a draft. Customers only ever get issued reports.
pub fn order_report(
    conn: &mut DbConnection,
    order_id: i64,
    visibility: Visibility,
    want_draft: bool,
    language: ReportLanguage,
    zone: Tz,
) -> AppResult<ReportFile> {
    let staff = visibility == Visibility::Everything;
    if want_draft && !staff {
        return Err(AppError::forbidden(Message::new("err-draft-staff-only")));
    }
    if !want_draft {
        if let Some(latest) = store::reports_of_order(conn, order_id)?.last() {
            let revision = latest.revision;
            return issued_pdf(conn, order_id, Some(revision), visibility, language)?
                .ok_or_else(|| not_in(revision, language));
        }
        crate::service::orders::get_order(conn, order_id, visibility)?;
        if !staff {
            return Err(AppError::conflict(
                ErrorCode::NotIssued,
                Message::new("err-report-not-issued"),
            ));
        }
    }
    Ok(ReportFile::Draft {
        language,
        bytes: draft_pdf(conn, order_id, visibility, language, zone)?,
    })
}

/// A revision issued before reports were issued in every language has its
/// English file only.
fn not_in(revision: i32, language: ReportLanguage) -> AppError {
    AppError::not_found(
        Message::new("err-not-found-revision-language")
            .arg("revision", revision)
            .arg("language", language.tag()),
    )
}

/// A draft of the report from the data as they stand.
pub fn draft_pdf(
    conn: &mut DbConnection,
    order_id: i64,
    visibility: Visibility,
    language: ReportLanguage,
    zone: Tz,
) -> AppResult<Vec<u8>> {
    let now = Utc::now().with_timezone(&zone);
    let report = gather(conn, order_id, visibility, None, now, language)?;
    report::pdf::render(&report)
}

/// The stored bytes of a revision in `language` (the newest revision when
/// `revision` is `None`); none when there is no such revision or file.
pub fn issued_pdf(
    conn: &mut DbConnection,
    order_id: i64,
    revision: Option<i32>,
    visibility: Visibility,
    language: ReportLanguage,
) -> AppResult<Option<ReportFile>> {
    crate::service::orders::get_order(conn, order_id, visibility)?;
    let revision = match revision {
        Some(r) => r,
        None => match store::reports_of_order(conn, order_id)?.last() {
            Some(latest) => latest.revision,
            None => return Ok(None),
        },
    };
    let stored = match language {
        ReportLanguage::En => store::pdf_of(conn, order_id, revision)?,
        other => store::file_of(conn, order_id, revision, other.tag())?,
    };
    match stored {
        Some((row, bytes)) => Ok(Some(ReportFile::Issued {
            report: issued(conn, row)?,
            language,
            bytes,
        })),
        None => Ok(None),
    }
}
