//! QC reports of orders: gathered one batch at a time (summaries kept,
//! readings dropped after each batch), drafted on demand, issued as
//! immutable revisions with a SHA-256 that anyone holding the file can
//! verify, and the readings behind them as CSV.

mod changes;
mod csv_export;
mod files;
mod gathering;
mod issuing;
mod verification;

pub use changes::data_hash;
pub use csv_export::{csv_page_of_batch, csv_scope, CsvPage, CsvScope, CSV_UNITS_PER_PAGE};
pub use files::{draft_pdf, issued_pdf, order_report, ReportFile};
pub use gathering::{gather, gather_in};
pub use issuing::{
    list, outdated_revision, prepare_issue, store_issue, IssueSite, Preparation, Prepared,
};
pub use verification::{verify, Verification};

use super::utc;
use crate::domain::language::ReportLanguage;
use crate::domain::message::Message;
use crate::error::{AppError, AppResult, OrInternal};
use crate::store::accounts::usernames;
use crate::store::reports::ReportRow;
use crate::store::DbConnection;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// An issued revision of an order's report.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct IssuedReport {
    pub order_id: i64,
    pub number: String,
    pub revision: i32,
    /// SHA-256 of the PDF's bytes.
    pub sha256: String,
    pub issued_by: Option<String>,
    pub issued_at: DateTime<Utc>,
    /// What changed since the previous revision.
    pub changes: Vec<String>,
    /// Where the PDF of this revision is downloaded (in English).
    pub href: String,
    /// The revision's file in each language it was issued in, English
    /// first; each file has its own SHA-256, and each verifies.
    pub files: Vec<LanguageFile>,
}

/// One language's file of an issued revision.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LanguageFile {
    /// `en`, `zh-CN` or `bilingual` (Chinese and English on each page).
    pub language: String,
    pub sha256: String,
    pub href: String,
}

/// The language a `language` query asks a report or chart in: English
/// when it names none.
pub fn language_asked(tag: Option<&str>) -> AppResult<ReportLanguage> {
    match tag.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(ReportLanguage::En),
        Some(tag) => ReportLanguage::parse(tag).ok_or_else(|| {
            AppError::invalid(
                "language",
                Message::new("err-one-of").arg("choices", "en, zh-CN, bilingual"),
            )
        }),
    }
}

/// The report number of an order (revisions share it).
pub fn report_number(order_id: i64) -> String {
    format!("QCR-{order_id:06}")
}

/// The answer for a stored revision, with the name of who issued it.
pub(super) fn issued(conn: &mut DbConnection, row: ReportRow) -> AppResult<IssuedReport> {
    let names: HashMap<i64, String> =
        usernames(conn, &row.issued_by.into_iter().collect::<Vec<_>>())?
            .into_iter()
            .collect();
    let href = format!("/api/v1/orders/{}/reports/{}", row.order_id, row.revision);
    let mut files = vec![LanguageFile {
        language: ReportLanguage::En.tag().into(),
        sha256: row.sha256.clone(),
        href: format!("{href}?language=en"),
    }];
    for (language, sha256) in crate::store::reports::files_of(conn, row.id)? {
        files.push(LanguageFile {
            href: format!("{href}?language={language}"),
            language,
            sha256,
        });
    }
    Ok(IssuedReport {
        href,
        files,
        order_id: row.order_id,
        number: row.number,
        revision: row.revision,
        sha256: row.sha256,
        issued_by: row.issued_by.and_then(|id| names.get(&id).cloned()),
        issued_at: utc(row.issued_at),
        changes: serde_json::from_str(&row.changes).or_internal("stored report changes parse")?,
    })
}
