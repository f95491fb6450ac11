//! Final visual inspection: the defect catalogue, inspections of units with
//! the defects found, and photos. Inspections are only ever inserted: a
//! correction is a new inspection whose `supersedes` names the one it replaces.

use super::any_of::{any_of_ids, any_of_texts};
use super::schema::{defect_types, photos, visual_defects, visual_inspections};
use super::{on_backend, DbConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::HashSet;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = defect_types, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct DefectTypeRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub family: String,
    pub code: String,
    pub name: String,
    pub severity: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_defect_type(conn: &mut DbConnection, row: &DefectTypeRow) -> QueryResult<i64> {
    on_backend!(conn, |c| diesel::insert_into(defect_types::table)
        .values(row)
        .returning(defect_types::id)
        .get_result(c))
}

/// The catalogue of a product family, by code.
pub fn defect_types_of(conn: &mut DbConnection, family: &str) -> QueryResult<Vec<DefectTypeRow>> {
    defect_types::table
        .filter(defect_types::family.eq(family))
        .order(defect_types::code)
        .select(DefectTypeRow::as_select())
        .load(conn)
}

pub fn all_defect_types(conn: &mut DbConnection) -> QueryResult<Vec<DefectTypeRow>> {
    defect_types::table
        .order((defect_types::family, defect_types::code))
        .select(DefectTypeRow::as_select())
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = visual_inspections, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct InspectionRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub uuid: String,
    pub batch_id: i64,
    pub unit: i64,
    pub passed: bool,
    pub supersedes: Option<i64>,
    pub reason: Option<String>,
    pub recorded_by: Option<i64>,
    pub recorded_at: NaiveDateTime,
    /// When it was made, by the recording device's clock.
    pub taken_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = visual_defects, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct DefectRow {
    pub inspection_id: i64,
    pub defect_type_id: i64,
    pub severity: String,
    pub count: i32,
}

/// 10 parameters per inspection row; stay well under SQLite's limit.
const ROWS_PER_INSERT: usize = 2_000;

pub fn insert_inspections(conn: &mut DbConnection, rows: &[InspectionRow]) -> QueryResult<()> {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        on_backend!(conn, |c| diesel::insert_into(visual_inspections::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

pub fn insert_defects(conn: &mut DbConnection, rows: &[DefectRow]) -> QueryResult<()> {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        on_backend!(conn, |c| diesel::insert_into(visual_defects::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

pub fn find_inspections_by_uuids(
    conn: &mut DbConnection,
    uuids: &[String],
) -> QueryResult<Vec<InspectionRow>> {
    on_backend!(conn, |c| visual_inspections::table
        .filter(any_of_texts(visual_inspections::uuid, uuids))
        .select(InspectionRow::as_select())
        .load(c))
}

/// Units of a batch that already have an original inspection.
pub fn inspected_units(conn: &mut DbConnection, batch_id: i64) -> QueryResult<HashSet<i64>> {
    // Originals picked here, not by `supersedes IS NULL` in SQL: without
    // statistics SQLite answers that from the `supersedes` index, reading
    // every original inspection of every batch.
    Ok(visual_inspections::table
        .filter(visual_inspections::batch_id.eq(batch_id))
        .select((visual_inspections::unit, visual_inspections::supersedes))
        .load::<(i64, Option<i64>)>(conn)?
        .into_iter()
        .filter(|(_, supersedes)| supersedes.is_none())
        .map(|(unit, _)| unit)
        .collect())
}

/// Every inspection of a batch (superseded ones too), oldest first;
/// optionally of one unit.
pub fn inspections_of_batch(
    conn: &mut DbConnection,
    batch_id: i64,
    unit: Option<i64>,
) -> QueryResult<Vec<InspectionRow>> {
    let mut query = visual_inspections::table
        .filter(visual_inspections::batch_id.eq(batch_id))
        .into_boxed();
    if let Some(unit) = unit {
        query = query.filter(visual_inspections::unit.eq(unit));
    }
    query
        .order(visual_inspections::id)
        .select(InspectionRow::as_select())
        .load(conn)
}

/// The current inspections of a batch: those no other inspection
/// supersedes, oldest first.
pub fn current_inspections(
    conn: &mut DbConnection,
    batch_id: i64,
) -> QueryResult<Vec<InspectionRow>> {
    let all = inspections_of_batch(conn, batch_id, None)?;
    let superseded: HashSet<i64> = all.iter().filter_map(|r| r.supersedes).collect();
    Ok(all
        .into_iter()
        .filter(|r| !superseded.contains(&r.id))
        .collect())
}

/// Defects of the given inspections with their type's code and name.
pub fn defects_of(
    conn: &mut DbConnection,
    inspection_ids: &[i64],
) -> QueryResult<Vec<(DefectRow, String, String)>> {
    on_backend!(conn, |c| visual_defects::table
        .inner_join(defect_types::table)
        .filter(any_of_ids(visual_defects::inspection_id, inspection_ids))
        .order((visual_defects::inspection_id, defect_types::code))
        .select((
            DefectRow::as_select(),
            defect_types::code,
            defect_types::name,
        ))
        .load(c))
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = photos, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct PhotoRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub inspection_id: i64,
    pub sha256: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub thumbnail: Vec<u8>,
    pub width: i32,
    pub height: i32,
    pub uploaded_by: Option<i64>,
    pub uploaded_at: NaiveDateTime,
}

/// A photo without its bytes.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = photos, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct PhotoInfo {
    pub id: i64,
    pub inspection_id: i64,
    pub sha256: String,
    pub content_type: String,
    pub width: i32,
    pub height: i32,
    pub uploaded_at: NaiveDateTime,
}

pub fn insert_photo(conn: &mut DbConnection, row: &PhotoRow) -> QueryResult<i64> {
    on_backend!(conn, |c| diesel::insert_into(photos::table)
        .values(row)
        .returning(photos::id)
        .get_result(c))
}

pub fn photo_infos(conn: &mut DbConnection, inspection_ids: &[i64]) -> QueryResult<Vec<PhotoInfo>> {
    photos::table
        .filter(photos::inspection_id.eq_any(inspection_ids))
        .order(photos::id)
        .select(PhotoInfo::as_select())
        .load(conn)
}

pub fn find_photo_by_hash(
    conn: &mut DbConnection,
    inspection_id: i64,
    sha256: &str,
) -> QueryResult<Option<PhotoInfo>> {
    photos::table
        .filter(photos::inspection_id.eq(inspection_id))
        .filter(photos::sha256.eq(sha256))
        .select(PhotoInfo::as_select())
        .first(conn)
        .optional()
}

/// A photo's content type, its inspection, and the original or the thumbnail.
pub fn photo_bytes(
    conn: &mut DbConnection,
    id: i64,
    thumbnail: bool,
) -> QueryResult<Option<(String, i64, Vec<u8>)>> {
    let query = photos::table.filter(photos::id.eq(id));
    if thumbnail {
        query
            .select((
                photos::content_type,
                photos::inspection_id,
                photos::thumbnail,
            ))
            .first(conn)
            .optional()
    } else {
        query
            .select((photos::content_type, photos::inspection_id, photos::bytes))
            .first(conn)
            .optional()
    }
}

pub fn find_inspection(conn: &mut DbConnection, id: i64) -> QueryResult<Option<InspectionRow>> {
    visual_inspections::table
        .find(id)
        .select(InspectionRow::as_select())
        .first(conn)
        .optional()
}

/// Whether an inspection has been superseded.
pub fn is_superseded(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        visual_inspections::table.filter(visual_inspections::supersedes.eq(id)),
    ))
    .get_result(conn)
}
