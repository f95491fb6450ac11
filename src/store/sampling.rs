//! Sampling plans of batches and the units they drew.

use super::any_of::any_of_ids;
use super::schema::{plan_classes, sample_units, sampling_plans};
use super::{on_backend, DbConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sampling_plans, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct PlanRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub batch_id: i64,
    pub method: String,
    pub algorithm: String,
    pub seed: i64,
    pub lot_size: i64,
    pub sample_size: i64,
    pub percent: Option<f64>,
    pub aql: Option<f64>,
    pub level: Option<String>,
    pub inspection: Option<String>,
    pub code_letter: Option<String>,
    pub plan_letter: Option<String>,
    pub accept: Option<i32>,
    pub reject: Option<i32>,
    pub created_at: NaiveDateTime,
    /// Why this severity of inspection applied (switching rules or request).
    pub inspection_reason: Option<String>,
    /// `nonconforming_units` or `nonconformities`.
    pub counts: String,
}

/// Stores a plan and its units (in draw order) with one multi-row insert.
pub fn insert_plan(
    conn: &mut DbConnection,
    plan: &PlanRow,
    units_in_draw_order: &[u32],
) -> QueryResult<i64> {
    let plan_id = on_backend!(conn, |c| diesel::insert_into(sampling_plans::table)
        .values(plan)
        .returning(sampling_plans::id)
        .get_result::<i64>(c))?;
    let rows: Vec<_> = units_in_draw_order
        .iter()
        .enumerate()
        .map(|(position, &unit)| {
            (
                sample_units::plan_id.eq(plan_id),
                sample_units::position.eq(position as i32),
                sample_units::unit.eq(i64::from(unit)),
            )
        })
        .collect();
    // SQLite allows 32,766 bound parameters per statement: 3 per row.
    for chunk in rows.chunks(10_000) {
        on_backend!(conn, |c| diesel::insert_into(sample_units::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(plan_id)
}

pub fn plan_of_batch(conn: &mut DbConnection, batch_id: i64) -> QueryResult<Option<PlanRow>> {
    on_backend!(conn, |c| sampling_plans::table
        .filter(sampling_plans::batch_id.eq(batch_id))
        .select(PlanRow::as_select())
        .first(c)
        .optional())
}

/// The drawn units of a plan, in ascending unit order.
pub fn units_of_plan(conn: &mut DbConnection, plan_id: i64) -> QueryResult<Vec<i64>> {
    sample_units::table
        .filter(sample_units::plan_id.eq(plan_id))
        .order(sample_units::unit)
        .select(sample_units::unit)
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = plan_classes, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ClassRow {
    pub plan_id: i64,
    pub severity: String,
    /// 0 means none allowed (Ac 0).
    pub aql: f64,
    pub plan_letter: String,
    pub sample_size: i64,
    pub accept: i32,
    pub reject: i32,
}

pub fn insert_classes(conn: &mut DbConnection, rows: &[ClassRow]) -> QueryResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    on_backend!(conn, |c| diesel::insert_into(plan_classes::table)
        .values(rows)
        .execute(c))
}

pub fn classes_of(conn: &mut DbConnection, plan_id: i64) -> QueryResult<Vec<ClassRow>> {
    plan_classes::table
        .filter(plan_classes::plan_id.eq(plan_id))
        .order(plan_classes::severity)
        .select(ClassRow::as_select())
        .load(conn)
}

/// The drawn units of a plan in draw order (the first one drawn first).
pub fn units_in_draw_order(conn: &mut DbConnection, plan_id: i64) -> QueryResult<Vec<i64>> {
    sample_units::table
        .filter(sample_units::plan_id.eq(plan_id))
        .order(sample_units::position)
        .select(sample_units::unit)
        .load(conn)
}

/// Which of `units` the plan drew: an indexed lookup of each, so that the
/// cost follows the units asked about, not the plan's size.
pub fn drawn_among(conn: &mut DbConnection, plan_id: i64, units: &[i64]) -> QueryResult<Vec<i64>> {
    on_backend!(conn, |c| sample_units::table
        .filter(sample_units::plan_id.eq(plan_id))
        .filter(any_of_ids(sample_units::unit, units))
        .select(sample_units::unit)
        .load::<i64>(c))
}
