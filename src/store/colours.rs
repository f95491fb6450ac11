//! Colour values derived from each unit's chromaticity readings, stored
//! once per pair of readings (see the `derived_colours` and `colours_in_one_tree`
//! migrations).

use super::any_of::any_of_ids;
use super::schema::{data_migrations, derived_colours};
use super::{on_backend, sqlite_insert_in_arrays, DbConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// `None` is stored as NULL, not left to the default: see
/// [`sqlite_insert_in_arrays`].
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = derived_colours, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_default_value = false)]
pub struct DerivedColourRow {
    pub batch_id: i64,
    pub unit: i64,
    pub x_measurement_id: i64,
    pub y_measurement_id: i64,
    pub cct_k: f64,
    pub duv: f64,
    pub macadam_steps: Option<f64>,
}

/// PostgreSQL allows 65,535 bound values per statement; 7 per row.
const ROWS_PER_INSERT: usize = 4_000;

/// Stores derived colours; a pair already stored is left as it is (the
/// values of a pair never change, so a second derivation is the same).
pub fn insert(conn: &mut DbConnection, rows: &[DerivedColourRow]) -> QueryResult<()> {
    match conn {
        DbConnection::Sqlite(c) => {
            sqlite_insert_in_arrays!(rows, |chunk| {
                diesel::insert_or_ignore_into(derived_colours::table)
                    .values(chunk)
                    .execute(c)
            })
        }
        DbConnection::Postgresql(c) => {
            for chunk in rows.chunks(ROWS_PER_INSERT) {
                diesel::insert_into(derived_colours::table)
                    .values(chunk)
                    .on_conflict_do_nothing()
                    .execute(c)?;
            }
        }
    }
    Ok(())
}

/// Every derived colour of a batch, for every pair of readings it has had.
pub fn of_batch(conn: &mut DbConnection, batch_id: i64) -> QueryResult<Vec<DerivedColourRow>> {
    derived_colours::table
        .filter(derived_colours::batch_id.eq(batch_id))
        .select(DerivedColourRow::as_select())
        .load(conn)
}

/// The derived colours of some units of a batch.
pub fn of_units(
    conn: &mut DbConnection,
    batch_id: i64,
    units: &[i64],
) -> QueryResult<Vec<DerivedColourRow>> {
    on_backend!(conn, |c| derived_colours::table
        .filter(derived_colours::batch_id.eq(batch_id))
        .filter(any_of_ids(derived_colours::unit, units))
        .select(DerivedColourRow::as_select())
        .load(c))
}

/// Whether the data step `name` of a migration has run.
pub fn data_migration_applied(conn: &mut DbConnection, name: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        data_migrations::table.filter(data_migrations::name.eq(name)),
    ))
    .get_result(conn)
}

pub fn mark_data_migration_applied(
    conn: &mut DbConnection,
    name: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(data_migrations::table)
        .values((
            data_migrations::name.eq(name),
            data_migrations::applied_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}
