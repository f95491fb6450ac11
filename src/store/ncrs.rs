//! Non-conformance reports and their corrective actions.

use super::schema::{ncr_actions, ncrs};
use super::{on_backend, DbConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ncrs, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct NcrRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub order_id: i64,
    pub batch_id: Option<i64>,
    pub material_lot_id: Option<i64>,
    pub source: String,
    pub description: String,
    /// The serials it names, as a JSON list.
    pub serials: String,
    pub disposition: Option<String>,
    pub root_cause: Option<String>,
    pub effectiveness: Option<String>,
    pub opened_by: i64,
    pub opened_at: NaiveDateTime,
    pub closed_by: Option<i64>,
    pub closed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ncr_actions, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ActionRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub ncr_id: i64,
    pub description: String,
    pub owner: String,
    pub due_on: String,
    pub done_by: Option<i64>,
    pub done_at: Option<NaiveDateTime>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

pub fn insert_ncr(conn: &mut DbConnection, row: &NcrRow) -> QueryResult<i64> {
    on_backend!(conn, |c| diesel::insert_into(ncrs::table)
        .values(row)
        .returning(ncrs::id)
        .get_result(c))
}

pub fn find_ncr(conn: &mut DbConnection, id: i64) -> QueryResult<Option<NcrRow>> {
    ncrs::table
        .find(id)
        .select(NcrRow::as_select())
        .first(conn)
        .optional()
}

/// The reports of some orders (all when `orders` is `None`), newest first.
pub fn list_ncrs(
    conn: &mut DbConnection,
    orders: Option<&[i64]>,
    limit: i64,
) -> QueryResult<Vec<NcrRow>> {
    let newest = ncrs::table.order(ncrs::id.desc()).limit(limit);
    match orders {
        Some(orders) => newest
            .filter(ncrs::order_id.eq_any(orders))
            .select(NcrRow::as_select())
            .load(conn),
        None => newest.select(NcrRow::as_select()).load(conn),
    }
}

/// Records the investigation: disposition, root cause, effectiveness.
pub fn update_investigation(
    conn: &mut DbConnection,
    id: i64,
    disposition: Option<&str>,
    root_cause: Option<&str>,
    effectiveness: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(ncrs::table.find(id).filter(ncrs::closed_at.is_null()))
        .set((
            ncrs::disposition.eq(disposition),
            ncrs::root_cause.eq(root_cause),
            ncrs::effectiveness.eq(effectiveness),
        ))
        .execute(conn)
}

/// Closes an open report; answers whether it was open.
pub fn close(conn: &mut DbConnection, id: i64, by: i64, at: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(ncrs::table.find(id).filter(ncrs::closed_at.is_null()))
        .set((ncrs::closed_by.eq(by), ncrs::closed_at.eq(at)))
        .execute(conn)
        .map(|n| n == 1)
}

pub fn insert_action(conn: &mut DbConnection, row: &ActionRow) -> QueryResult<i64> {
    on_backend!(conn, |c| diesel::insert_into(ncr_actions::table)
        .values(row)
        .returning(ncr_actions::id)
        .get_result(c))
}

pub fn actions_of(conn: &mut DbConnection, ncr_id: i64) -> QueryResult<Vec<ActionRow>> {
    ncr_actions::table
        .filter(ncr_actions::ncr_id.eq(ncr_id))
        .order(ncr_actions::id)
        .select(ActionRow::as_select())
        .load(conn)
}

/// Marks an open action done; answers whether it was open.
pub fn complete_action(
    conn: &mut DbConnection,
    ncr_id: i64,
    id: i64,
    by: i64,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        ncr_actions::table
            .find(id)
            .filter(ncr_actions::ncr_id.eq(ncr_id))
            .filter(ncr_actions::done_at.is_null()),
    )
    .set((ncr_actions::done_by.eq(by), ncr_actions::done_at.eq(at)))
    .execute(conn)
    .map(|n| n == 1)
}

/// Open actions due before `today` (YYYY-MM-DD), oldest due first.
pub fn overdue_actions(conn: &mut DbConnection, today: &str) -> QueryResult<Vec<ActionRow>> {
    ncr_actions::table
        .filter(ncr_actions::done_at.is_null())
        .filter(ncr_actions::due_on.lt(today))
        .order((ncr_actions::due_on, ncr_actions::id))
        .select(ActionRow::as_select())
        .load(conn)
}
