//! The switching history of products (append-only).

use super::schema::switching_events;
use super::{on_backend, DbConnection};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = switching_events, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct SwitchingEventRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub product_id: i64,
    pub batch_id: Option<i64>,
    pub accepted: Option<bool>,
    pub nonconforming_units: Option<i64>,
    pub severity: String,
    pub reason: String,
    /// The state after this event, as JSON.
    pub state: String,
    pub note: Option<String>,
    pub recorded_by: Option<i64>,
    pub recorded_at: NaiveDateTime,
    /// Set for the stream of lots received from one supplier.
    pub supplier_id: Option<i64>,
}

pub fn insert_event(conn: &mut DbConnection, event: &SwitchingEventRow) -> QueryResult<usize> {
    on_backend!(conn, |c| diesel::insert_into(switching_events::table)
        .values(event)
        .execute(c))
}

/// The events of one stream: a product's own lots (`supplier_id` none) or
/// the lots of it received from one supplier.
fn stream(
    product_id: i64,
    supplier_id: Option<i64>,
) -> switching_events::BoxedQuery<'static, <DbConnection as diesel::Connection>::Backend> {
    let query = switching_events::table
        .filter(switching_events::product_id.eq(product_id))
        .into_boxed();
    match supplier_id {
        Some(id) => query.filter(switching_events::supplier_id.eq(id)),
        None => query.filter(switching_events::supplier_id.is_null()),
    }
}

pub fn latest_event(
    conn: &mut DbConnection,
    product_id: i64,
    supplier_id: Option<i64>,
) -> QueryResult<Option<SwitchingEventRow>> {
    stream(product_id, supplier_id)
        .order(switching_events::id.desc())
        .select(SwitchingEventRow::as_select())
        .first(conn)
        .optional()
}

pub fn events_of(
    conn: &mut DbConnection,
    product_id: i64,
    supplier_id: Option<i64>,
) -> QueryResult<Vec<SwitchingEventRow>> {
    stream(product_id, supplier_id)
        .order(switching_events::id)
        .select(SwitchingEventRow::as_select())
        .load(conn)
}
