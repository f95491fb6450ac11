//! Pre-shipment inspections and their carton checks.

use super::schema::{carton_checks, shipment_inspections};
use super::{on_backend, DbConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = shipment_inspections, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ShipmentRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub batch_id: i64,
    pub cartons: i64,
    pub units_per_carton: i64,
    pub gross_weight_kg: f64,
    pub weight_tolerance_kg: f64,
    pub carton_volume_m3: f64,
    pub gtin: String,
    pub aql: f64,
    pub code_letter: String,
    pub sample_size: i64,
    pub accept: i64,
    pub reject: i64,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    /// The seed of the cartons' draw; none for inspections planned before
    /// cartons were drawn.
    pub seed: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = carton_checks, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct CartonRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub inspection_id: i64,
    pub carton: i64,
    pub units_counted: i64,
    pub gross_weight_kg: f64,
    pub packaging: String,
    pub barcode: String,
    pub marks_po: String,
    pub marks_model: String,
    pub marks_quantity: i64,
    pub findings: String,
    pub nonconformities: i64,
    pub supersedes: Option<i64>,
    pub recorded_by: i64,
    pub recorded_at: NaiveDateTime,
}

pub fn insert_inspection(conn: &mut DbConnection, row: &ShipmentRow) -> QueryResult<i64> {
    on_backend!(conn, |c| diesel::insert_into(shipment_inspections::table)
        .values(row)
        .returning(shipment_inspections::id)
        .get_result(c))
}

pub fn inspection_of_batch(
    conn: &mut DbConnection,
    batch_id: i64,
) -> QueryResult<Option<ShipmentRow>> {
    shipment_inspections::table
        .filter(shipment_inspections::batch_id.eq(batch_id))
        .select(ShipmentRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_check(conn: &mut DbConnection, row: &CartonRow) -> QueryResult<i64> {
    on_backend!(conn, |c| diesel::insert_into(carton_checks::table)
        .values(row)
        .returning(carton_checks::id)
        .get_result(c))
}

/// Every check of an inspection, oldest first.
pub fn checks_of(conn: &mut DbConnection, inspection_id: i64) -> QueryResult<Vec<CartonRow>> {
    carton_checks::table
        .filter(carton_checks::inspection_id.eq(inspection_id))
        .order(carton_checks::id)
        .select(CartonRow::as_select())
        .load(conn)
}
