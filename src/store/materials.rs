//! Material lots from suppliers: their documents, incoming inspection and
//! signed decisions, the production batches they went into, and the
//! serial numbers of a batch's units.

use super::schema::{
    batch_material_lots, material_decisions, material_documents, material_inspections,
    material_lots, unit_serials,
};
use super::{on_backend, DbConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = material_lots, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct MaterialLotRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub supplier_id: i64,
    pub material: String,
    pub lot_number: String,
    pub quantity: i64,
    pub received_on: String,
    pub certificate_required: bool,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

/// A document as listed: everything but its bytes.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = material_documents, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct DocumentRow {
    pub id: i64,
    pub material_lot_id: i64,
    pub kind: String,
    pub file_name: String,
    pub content_type: String,
    pub sha256: String,
    pub issued_on: Option<String>,
    pub expires_on: Option<String>,
    pub uploaded_by: i64,
    pub uploaded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = material_documents)]
pub struct NewDocumentRow<'a> {
    pub material_lot_id: i64,
    pub kind: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub bytes: &'a [u8],
    pub issued_on: Option<&'a str>,
    pub expires_on: Option<&'a str>,
    pub uploaded_by: i64,
    pub uploaded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = material_inspections, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct InspectionRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub material_lot_id: i64,
    pub aql: f64,
    pub level: String,
    pub severity: String,
    pub counts: String,
    pub code_letter: String,
    pub sample_size: i64,
    pub accept: i64,
    pub reject: i64,
    pub found: i64,
    pub recorded_by: i64,
    pub recorded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = material_decisions, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct DecisionRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub material_lot_id: i64,
    pub meaning: String,
    pub comment: String,
    pub supersedes: Option<i64>,
    pub signed_by: i64,
    pub signed_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = batch_material_lots, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct UsageRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub batch_id: i64,
    pub material_lot_id: i64,
    pub concession: Option<String>,
    pub recorded_by: i64,
    pub recorded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = unit_serials, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct SerialRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub batch_id: i64,
    pub unit: i64,
    pub serial: String,
}

pub fn insert_lot(conn: &mut DbConnection, row: &MaterialLotRow) -> QueryResult<i64> {
    on_backend!(conn, |c| diesel::insert_into(material_lots::table)
        .values(row)
        .returning(material_lots::id)
        .get_result(c))
}

pub fn find_lot(conn: &mut DbConnection, id: i64) -> QueryResult<Option<MaterialLotRow>> {
    material_lots::table
        .find(id)
        .select(MaterialLotRow::as_select())
        .first(conn)
        .optional()
}

pub fn lots_by_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<MaterialLotRow>> {
    material_lots::table
        .filter(material_lots::id.eq_any(ids))
        .order(material_lots::id)
        .select(MaterialLotRow::as_select())
        .load(conn)
}

/// The newest lots first, at most `limit`.
pub fn list_lots(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<MaterialLotRow>> {
    material_lots::table
        .order(material_lots::id.desc())
        .limit(limit)
        .select(MaterialLotRow::as_select())
        .load(conn)
}

pub fn insert_document(conn: &mut DbConnection, row: &NewDocumentRow) -> QueryResult<i64> {
    on_backend!(conn, |c| diesel::insert_into(material_documents::table)
        .values(row)
        .returning(material_documents::id)
        .get_result(c))
}

pub fn documents_of(conn: &mut DbConnection, lot_id: i64) -> QueryResult<Vec<DocumentRow>> {
    material_documents::table
        .filter(material_documents::material_lot_id.eq(lot_id))
        .order(material_documents::id)
        .select(DocumentRow::as_select())
        .load(conn)
}

/// A document's content type and bytes.
pub fn document_bytes(
    conn: &mut DbConnection,
    lot_id: i64,
    id: i64,
) -> QueryResult<Option<(String, String, Vec<u8>)>> {
    material_documents::table
        .filter(material_documents::id.eq(id))
        .filter(material_documents::material_lot_id.eq(lot_id))
        .select((
            material_documents::file_name,
            material_documents::content_type,
            material_documents::bytes,
        ))
        .first(conn)
        .optional()
}

pub fn insert_inspection(conn: &mut DbConnection, row: &InspectionRow) -> QueryResult<i64> {
    on_backend!(conn, |c| diesel::insert_into(material_inspections::table)
        .values(row)
        .returning(material_inspections::id)
        .get_result(c))
}

/// The incoming inspections of one supplier's lots of one material, oldest
/// first: the sequence the switching rules follow.
pub fn inspections_of_stream(
    conn: &mut DbConnection,
    supplier_id: i64,
    material: &str,
) -> QueryResult<Vec<InspectionRow>> {
    let lots = material_lots::table
        .filter(material_lots::supplier_id.eq(supplier_id))
        .filter(material_lots::material.eq(material))
        .select(material_lots::id);
    material_inspections::table
        .filter(material_inspections::material_lot_id.eq_any(lots))
        .order((
            material_inspections::recorded_at.asc(),
            material_inspections::id.asc(),
        ))
        .select(InspectionRow::as_select())
        .load(conn)
}

pub fn inspection_of(conn: &mut DbConnection, lot_id: i64) -> QueryResult<Option<InspectionRow>> {
    material_inspections::table
        .filter(material_inspections::material_lot_id.eq(lot_id))
        .select(InspectionRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_decision(conn: &mut DbConnection, row: &DecisionRow) -> QueryResult<i64> {
    on_backend!(conn, |c| diesel::insert_into(material_decisions::table)
        .values(row)
        .returning(material_decisions::id)
        .get_result(c))
}

/// Every decision on a lot, oldest first.
pub fn decisions_of(conn: &mut DbConnection, lot_id: i64) -> QueryResult<Vec<DecisionRow>> {
    material_decisions::table
        .filter(material_decisions::material_lot_id.eq(lot_id))
        .order(material_decisions::id)
        .select(DecisionRow::as_select())
        .load(conn)
}

pub fn insert_usage(conn: &mut DbConnection, row: &UsageRow) -> QueryResult<i64> {
    on_backend!(conn, |c| diesel::insert_into(batch_material_lots::table)
        .values(row)
        .returning(batch_material_lots::id)
        .get_result(c))
}

/// The lots that went into a batch.
pub fn usages_of_batch(conn: &mut DbConnection, batch_id: i64) -> QueryResult<Vec<UsageRow>> {
    batch_material_lots::table
        .filter(batch_material_lots::batch_id.eq(batch_id))
        .order(batch_material_lots::id)
        .select(UsageRow::as_select())
        .load(conn)
}

/// The batches a lot went into.
pub fn usages_of_lot(conn: &mut DbConnection, lot_id: i64) -> QueryResult<Vec<UsageRow>> {
    batch_material_lots::table
        .filter(batch_material_lots::material_lot_id.eq(lot_id))
        .order(batch_material_lots::id)
        .select(UsageRow::as_select())
        .load(conn)
}

pub fn insert_serials(conn: &mut DbConnection, rows: &[SerialRow]) -> QueryResult<usize> {
    on_backend!(conn, |c| diesel::insert_into(unit_serials::table)
        .values(rows)
        .execute(c))
}

pub fn find_serial(conn: &mut DbConnection, serial: &str) -> QueryResult<Option<SerialRow>> {
    unit_serials::table
        .filter(unit_serials::serial.eq(serial))
        .select(SerialRow::as_select())
        .first(conn)
        .optional()
}

/// Which of `serials` are taken already.
pub fn taken_serials(conn: &mut DbConnection, serials: &[String]) -> QueryResult<Vec<String>> {
    unit_serials::table
        .filter(unit_serials::serial.eq_any(serials))
        .select(unit_serials::serial)
        .load(conn)
}

/// Which of `units` of a batch have a serial already.
pub fn units_with_serials(
    conn: &mut DbConnection,
    batch_id: i64,
    units: &[i64],
) -> QueryResult<Vec<i64>> {
    unit_serials::table
        .filter(unit_serials::batch_id.eq(batch_id))
        .filter(unit_serials::unit.eq_any(units))
        .select(unit_serials::unit)
        .load(conn)
}

/// How many units of a batch have serials.
pub fn serial_count(conn: &mut DbConnection, batch_id: i64) -> QueryResult<i64> {
    unit_serials::table
        .filter(unit_serials::batch_id.eq(batch_id))
        .count()
        .get_result(conn)
}
