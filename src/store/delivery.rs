//! Receipt checks and warranty claims.

use super::schema::{receipt_checks, receipt_photos, warranty_claims};
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

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = receipt_photos, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ReceiptPhotoRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub receipt_check_id: i64,
    pub sha256: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub thumbnail: Vec<u8>,
    pub width: i32,
    pub height: i32,
    pub uploaded_by: i64,
    pub uploaded_at: NaiveDateTime,
}

pub fn find_receipt(conn: &mut DbConnection, id: i64) -> QueryResult<Option<ReceiptRow>> {
    receipt_checks::table
        .find(id)
        .select(ReceiptRow::as_select())
        .first(conn)
        .optional()
}

/// Stores a photo of a receipt check, or answers the id of the same
/// picture stored before.
pub fn insert_receipt_photo(conn: &mut DbConnection, row: &ReceiptPhotoRow) -> QueryResult<i64> {
    let existing = receipt_photos::table
        .filter(receipt_photos::receipt_check_id.eq(row.receipt_check_id))
        .filter(receipt_photos::sha256.eq(&row.sha256))
        .select(receipt_photos::id)
        .first::<i64>(conn)
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    on_backend!(conn, |c| diesel::insert_into(receipt_photos::table)
        .values(row)
        .returning(receipt_photos::id)
        .get_result(c))
}

/// The ids of each check's photos, oldest first.
pub fn photo_ids_of(conn: &mut DbConnection, check_ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    receipt_photos::table
        .filter(receipt_photos::receipt_check_id.eq_any(check_ids))
        .order(receipt_photos::id)
        .select((receipt_photos::receipt_check_id, receipt_photos::id))
        .load(conn)
}

/// A photo's bytes (or its thumbnail's), its content type and its check.
pub fn receipt_photo_bytes(
    conn: &mut DbConnection,
    id: i64,
    thumbnail: bool,
) -> QueryResult<Option<(String, i64, Vec<u8>)>> {
    let query = receipt_photos::table.find(id);
    if thumbnail {
        query
            .select((
                receipt_photos::content_type,
                receipt_photos::receipt_check_id,
                receipt_photos::thumbnail,
            ))
            .first(conn)
            .optional()
    } else {
        query
            .select((
                receipt_photos::content_type,
                receipt_photos::receipt_check_id,
                receipt_photos::bytes,
            ))
            .first(conn)
            .optional()
    }
}

pub fn warranty_of_order(conn: &mut DbConnection, order_id: i64) -> QueryResult<Vec<WarrantyRow>> {
    warranty_claims::table
        .filter(warranty_claims::order_id.eq(order_id))
        .order(warranty_claims::id)
        .select(WarrantyRow::as_select())
        .load(conn)
}
