//! The report's PDF as a link gives it: the newest issued revision, a
//! given one, or a draft for staff.

use super::gathering::gather;
use super::{issued, IssuedReport};
use crate::domain::access::Visibility;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::report;
use crate::store::reports as store;
use crate::store::DbConnection;
use chrono::Utc;

/// The file an order's report link gives.
pub enum ReportFile {
    Issued(IssuedReport, Vec<u8>),
    Draft(Vec<u8>),
}

/// The newest issued revision; before one exists, or when asked, staff
/// get a draft. Customers only ever get issued reports.
pub fn order_report(
    conn: &mut DbConnection,
    order_id: i64,
    visibility: Visibility,
    want_draft: bool,
) -> AppResult<ReportFile> {
    let staff = visibility == Visibility::Everything;
    if want_draft && !staff {
        return Err(AppError::forbidden(
            "drafts are for factory staff; download the issued report",
        ));
    }
    if !want_draft {
        if let Some((issued, bytes)) = issued_pdf(conn, order_id, None, visibility)? {
            return Ok(ReportFile::Issued(issued, bytes));
        }
        if !staff {
            return Err(AppError::conflict(
                ErrorCode::NotIssued,
                "the QC report of this order has not been issued yet",
            ));
        }
    }
    Ok(ReportFile::Draft(draft_pdf(conn, order_id, visibility)?))
}

/// A draft of the report from the data as they stand.
pub fn draft_pdf(
    conn: &mut DbConnection,
    order_id: i64,
    visibility: Visibility,
) -> AppResult<Vec<u8>> {
    let report = gather(conn, order_id, visibility, None, Utc::now())?;
    report::pdf::render(&report)
}

/// The stored bytes of a revision (the newest when `revision` is `None`).
pub fn issued_pdf(
    conn: &mut DbConnection,
    order_id: i64,
    revision: Option<i32>,
    visibility: Visibility,
) -> AppResult<Option<(IssuedReport, Vec<u8>)>> {
    crate::service::orders::get_order(conn, order_id, visibility)?;
    let revision = match revision {
        Some(r) => r,
        None => match store::reports_of_order(conn, order_id)?.last() {
            Some(latest) => latest.revision,
            None => return Ok(None),
        },
    };
    match store::pdf_of(conn, order_id, revision)? {
        Some((row, pdf)) => Ok(Some((issued(conn, row)?, pdf))),
        None => Ok(None),
    }
}
