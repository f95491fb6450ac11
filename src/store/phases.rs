//! Control limits frozen per product, characteristic and chart (append-only).

use super::schema::control_limit_phases;
use super::{on_backend, DbConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = control_limit_phases, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct PhaseRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub product_id: i64,
    pub characteristic: String,
    pub chart: String,
    pub first_batch_id: i64,
    pub last_batch_id: i64,
    pub frozen_by: Option<i64>,
    pub frozen_at: NaiveDateTime,
}

pub fn insert_phase(conn: &mut DbConnection, row: &PhaseRow) -> QueryResult<usize> {
    on_backend!(conn, |c| diesel::insert_into(control_limit_phases::table)
        .values(row)
        .execute(c))
}

/// The phases of one chart, in the order they start.
pub fn phases_of(
    conn: &mut DbConnection,
    product_id: i64,
    characteristic: &str,
    chart: &str,
) -> QueryResult<Vec<PhaseRow>> {
    control_limit_phases::table
        .filter(control_limit_phases::product_id.eq(product_id))
        .filter(control_limit_phases::characteristic.eq(characteristic))
        .filter(control_limit_phases::chart.eq(chart))
        .order(control_limit_phases::first_batch_id)
        .select(PhaseRow::as_select())
        .load(conn)
}
