//! Suppliers of incoming material.

use super::schema::suppliers;
use super::{on_backend, DbConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = suppliers, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct SupplierRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub name: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_supplier(conn: &mut DbConnection, row: &SupplierRow) -> QueryResult<i64> {
    on_backend!(conn, |c| diesel::insert_into(suppliers::table)
        .values(row)
        .returning(suppliers::id)
        .get_result(c))
}

pub fn find_supplier(conn: &mut DbConnection, id: i64) -> QueryResult<Option<SupplierRow>> {
    suppliers::table
        .find(id)
        .select(SupplierRow::as_select())
        .first(conn)
        .optional()
}

pub fn list_suppliers(conn: &mut DbConnection) -> QueryResult<Vec<SupplierRow>> {
    suppliers::table
        .order(suppliers::name)
        .select(SupplierRow::as_select())
        .load(conn)
}
