//! Issued QC reports (append-only: a revision is never changed).

use super::schema::issued_reports;
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

pub fn insert_report(conn: &mut DbConnection, row: &NewReportRow<'_>) -> QueryResult<usize> {
    on_backend!(conn, |c| diesel::insert_into(issued_reports::table)
        .values(row)
        .execute(c))
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
