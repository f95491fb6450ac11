//! Issued QC reports (append-only: a revision is never changed), each
//! revision's English file in `issued_reports` and its files in further
//! languages in `issued_report_files`.

use super::schema::{issued_report_files, issued_reports};
use super::{on_backend, DbConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = issued_reports)]
pub struct NewReportRow<'a> {
    pub order_id: i64,
    pub number: &'a str,
    pub revision: i32,
    pub sha256: &'a str,
    pub data_sha256: &'a str,
    pub changes: &'a str,
    pub pdf: &'a [u8],
    pub issued_by: Option<i64>,
    pub issued_at: NaiveDateTime,
}

/// An issued revision without its bytes.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = issued_reports, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ReportRow {
    pub id: i64,
    pub order_id: i64,
    pub number: String,
    pub revision: i32,
    pub sha256: String,
    pub data_sha256: String,
    pub changes: String,
    pub issued_by: Option<i64>,
    pub issued_at: NaiveDateTime,
}

/// A revision's file in a further language.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = issued_report_files)]
pub struct NewReportFile<'a> {
    pub report_id: i64,
    pub language: &'a str,
    pub sha256: &'a str,
    pub pdf: &'a [u8],
}

/// The revision's row id once stored.
pub fn insert_report(conn: &mut DbConnection, row: &NewReportRow<'_>) -> QueryResult<i64> {
    on_backend!(conn, |c| diesel::insert_into(issued_reports::table)
        .values(row)
        .execute(c))?;
    issued_reports::table
        .filter(issued_reports::order_id.eq(row.order_id))
        .filter(issued_reports::revision.eq(row.revision))
        .select(issued_reports::id)
        .first(conn)
}

pub fn insert_report_file(conn: &mut DbConnection, file: &NewReportFile<'_>) -> QueryResult<usize> {
    on_backend!(conn, |c| diesel::insert_into(issued_report_files::table)
        .values(file)
        .execute(c))
}

/// The further languages of a revision, with each file's SHA-256.
pub fn files_of(conn: &mut DbConnection, report_id: i64) -> QueryResult<Vec<(String, String)>> {
    issued_report_files::table
        .filter(issued_report_files::report_id.eq(report_id))
        .order(issued_report_files::id)
        .select((issued_report_files::language, issued_report_files::sha256))
        .load(conn)
}

/// The revision a further language's file belongs to, by the file's SHA-256,
/// with its language.
pub fn find_file_by_sha256(
    conn: &mut DbConnection,
    sha256: &str,
) -> QueryResult<Option<(ReportRow, String)>> {
    issued_report_files::table
        .inner_join(issued_reports::table)
        .filter(issued_report_files::sha256.eq(sha256))
        .select((ReportRow::as_select(), issued_report_files::language))
        .first(conn)
        .optional()
}

/// The stored bytes of one revision in a further language.
pub fn file_of(
    conn: &mut DbConnection,
    order_id: i64,
    revision: i32,
    language: &str,
) -> QueryResult<Option<(ReportRow, Vec<u8>)>> {
    issued_report_files::table
        .inner_join(issued_reports::table)
        .filter(issued_reports::order_id.eq(order_id))
        .filter(issued_reports::revision.eq(revision))
        .filter(issued_report_files::language.eq(language))
        .select((ReportRow::as_select(), issued_report_files::pdf))
        .first(conn)
        .optional()
}

/// The revisions of an order's report, oldest first.
pub fn reports_of_order(conn: &mut DbConnection, order_id: i64) -> QueryResult<Vec<ReportRow>> {
    issued_reports::table
        .filter(issued_reports::order_id.eq(order_id))
        .order(issued_reports::revision)
        .select(ReportRow::as_select())
        .load(conn)
}

pub fn find_by_sha256(conn: &mut DbConnection, sha256: &str) -> QueryResult<Option<ReportRow>> {
    issued_reports::table
        .filter(issued_reports::sha256.eq(sha256))
        .select(ReportRow::as_select())
        .first(conn)
        .optional()
}

/// The stored bytes of one revision.
pub fn pdf_of(
    conn: &mut DbConnection,
    order_id: i64,
    revision: i32,
) -> QueryResult<Option<(ReportRow, Vec<u8>)>> {
    issued_reports::table
        .filter(issued_reports::order_id.eq(order_id))
        .filter(issued_reports::revision.eq(revision))
        .select((ReportRow::as_select(), issued_reports::pdf))
        .first(conn)
        .optional()
}
