//! Checking a file against the issued reports by its SHA-256: anyone
//! holding a report can tell whether it is genuine and still current.

use super::{issued, IssuedReport};
use crate::domain::access::Visibility;
use crate::domain::message::Message;
use crate::error::{AppError, AppResult, OrInternal};
use crate::service::catalog::get_customer;
use crate::store::reports as store;
use crate::store::DbConnection;
use serde::Serialize;
use utoipa::ToSchema;

/// What `GET /reports/verify/{sha256}` answers for a genuine file.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Verification {
    pub genuine: bool,
    pub po_number: String,
    pub customer: String,
    pub report: IssuedReport,
    /// The language of the file checked: `en`, `zh-CN` or `bilingual`.
    pub language: String,
    /// The newest revision of the same report; a newer one supersedes this file.
    pub latest_revision: i32,
    pub superseded: bool,
}

/// Whether a SHA-256 is that of an issued report, and of which order.
pub fn verify(conn: &mut DbConnection, sha256: &str) -> AppResult<Verification> {
    let sha256 = sha256.trim().to_ascii_lowercase();
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::invalid(
            "sha256",
            Message::new("err-sha256-digits"),
        ));
    }
    let english = store::find_by_sha256(conn, &sha256)?.map(|row| (row, "en".to_string()));
    let found = match english {
        Some(found) => Some(found),
        None => store::find_file_by_sha256(conn, &sha256)?,
    };
    let (row, language) =
        found.ok_or_else(|| AppError::not_found(Message::new("err-not-found-report-file")))?;
    let order = crate::store::orders::find_order(conn, row.order_id)?
        .or_internal("an issued report has its order")?;
    let customer = get_customer(conn, order.customer_id, Visibility::Everything)?;
    let latest = store::reports_of_order(conn, row.order_id)?
        .last()
        .map_or(row.revision, |r| r.revision);
    let report = issued(conn, row)?;
    Ok(Verification {
        genuine: true,
        po_number: order.po_number,
        customer: customer.name,
        superseded: latest > report.revision,
        latest_revision: latest,
        report,
        language,
    })
}
