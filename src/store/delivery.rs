//! Receipt checks and warranty claims.

use super::schema::{receipt_checks, warranty_claims};
use super::{on_backend, DbConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = receipt_checks, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ReceiptRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub batch_id: i64,
    pub units_checked: i64,
    pub accepted: bool,
    pub defects: String,
    pub note: String,
    pub checked_on: String,
    pub recorded_by: i64,
    pub recorded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = warranty_claims, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct WarrantyRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub order_id: i64,
    pub batch_id: i64,
    pub serial: Option<String>,
    pub claim_date: String,
    pub description: String,
    pub within_warranty: bool,
    pub recorded_by: i64,
    pub recorded_at: NaiveDateTime,
}

pub fn insert_receipt(conn: &mut DbConnection, row: &ReceiptRow) -> QueryResult<i64> {
    on_backend!(conn, |c| diesel::insert_into(receipt_checks::table)
        .values(row)
        .returning(receipt_checks::id)
        .get_result(c))
}

pub fn receipts_of_batch(conn: &mut DbConnection, batch_id: i64) -> QueryResult<Vec<ReceiptRow>> {
    receipt_checks::table
        .filter(receipt_checks::batch_id.eq(batch_id))
        .order(receipt_checks::id)
        .select(ReceiptRow::as_select())
        .load(conn)
}

pub fn insert_warranty(conn: &mut DbConnection, row: &WarrantyRow) -> QueryResult<i64> {
    on_backend!(conn, |c| diesel::insert_into(warranty_claims::table)
        .values(row)
        .returning(warranty_claims::id)
        .get_result(c))
}
