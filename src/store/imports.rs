//! Imported instrument files and the column mappings saved per instrument.

use super::schema::{imports, instrument_mappings};
use super::{on_backend, DbConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = imports, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ImportRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub batch_id: i64,
    pub sha256: String,
    pub filename: String,
    pub instrument: Option<String>,
    pub rows_read: i64,
    pub readings: i64,
    pub imported_by: Option<i64>,
    pub imported_at: NaiveDateTime,
}

pub fn insert_import(conn: &mut DbConnection, row: &ImportRow) -> QueryResult<i64> {
    on_backend!(conn, |c| diesel::insert_into(imports::table)
        .values(row)
        .returning(imports::id)
        .get_result(c))
}

/// Sets an import's counts: its record is stored before its readings,
/// which refer to it, and its counts are known once they are.
pub fn set_import_counts(
    conn: &mut DbConnection,
    id: i64,
    rows_read: i64,
    readings: i64,
) -> QueryResult<usize> {
    diesel::update(imports::table.find(id))
        .set((
            imports::rows_read.eq(rows_read),
            imports::readings.eq(readings),
        ))
        .execute(conn)
}

pub fn find_import_by_hash(
    conn: &mut DbConnection,
    batch_id: i64,
    sha256: &str,
) -> QueryResult<Option<ImportRow>> {
    imports::table
        .filter(imports::batch_id.eq(batch_id))
        .filter(imports::sha256.eq(sha256))
        .select(ImportRow::as_select())
        .first(conn)
        .optional()
}

pub fn imports_of_batch(conn: &mut DbConnection, batch_id: i64) -> QueryResult<Vec<ImportRow>> {
    imports::table
        .filter(imports::batch_id.eq(batch_id))
        .order(imports::id)
        .select(ImportRow::as_select())
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = instrument_mappings, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct MappingRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub instrument: String,
    pub product_id: i64,
    pub unit_column: String,
    /// JSON object: header → characteristic code.
    pub column_map: String,
    pub saved_by: Option<i64>,
    pub saved_at: NaiveDateTime,
}

pub fn insert_mapping(conn: &mut DbConnection, row: &MappingRow) -> QueryResult<usize> {
    on_backend!(conn, |c| diesel::insert_into(instrument_mappings::table)
        .values(row)
        .execute(c))
}

/// The newest mapping saved for an instrument and product.
pub fn latest_mapping(
    conn: &mut DbConnection,
    instrument: &str,
    product_id: i64,
) -> QueryResult<Option<MappingRow>> {
    instrument_mappings::table
        .filter(instrument_mappings::instrument.eq(instrument))
        .filter(instrument_mappings::product_id.eq(product_id))
        .order(instrument_mappings::id.desc())
        .select(MappingRow::as_select())
        .first(conn)
        .optional()
}

/// The mappings saved for a product, newest first (several per instrument
/// when a mapping was changed; the newest is the one in use).
pub fn mappings_of_product(
    conn: &mut DbConnection,
    product_id: i64,
) -> QueryResult<Vec<MappingRow>> {
    instrument_mappings::table
        .filter(instrument_mappings::product_id.eq(product_id))
        .order(instrument_mappings::id.desc())
        .select(MappingRow::as_select())
        .load(conn)
}
