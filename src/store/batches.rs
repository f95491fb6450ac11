//! Production batches (lots) of an order.

use super::schema::batches;
use super::{on_backend, DbConnection, PageOf, PageRequest};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = batches, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct BatchRow {
    pub id: i64,
    pub order_id: i64,
    pub number: i32,
    pub lot_size: i64,
    pub line: Option<String>,
    pub production_date: Option<String>,
    pub created_at: NaiveDateTime,
    /// The supplier an incoming lot was received from.
    pub supplier_id: Option<i64>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = batches)]
pub struct NewBatch<'a> {
    pub order_id: i64,
    pub number: i32,
    pub lot_size: i64,
    pub line: Option<&'a str>,
    pub production_date: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub supplier_id: Option<i64>,
}

pub fn insert_batch(conn: &mut DbConnection, batch: &NewBatch<'_>) -> QueryResult<i64> {
    on_backend!(conn, |c| diesel::insert_into(batches::table)
        .values(batch)
        .returning(batches::id)
        .get_result(c))
}

/// The number the next batch of an order gets: one more than the highest.
pub fn next_batch_number(conn: &mut DbConnection, order_id: i64) -> QueryResult<i32> {
    let highest: Option<i32> = batches::table
        .filter(batches::order_id.eq(order_id))
        .select(diesel::dsl::max(batches::number))
        .first(conn)?;
    Ok(highest.unwrap_or(0) + 1)
}

pub fn find_batch(conn: &mut DbConnection, id: i64) -> QueryResult<Option<BatchRow>> {
    on_backend!(conn, |c| batches::table
        .find(id)
        .select(BatchRow::as_select())
        .first(c)
        .optional())
}

pub fn list_batches(
    conn: &mut DbConnection,
    order_id: i64,
    page: PageRequest,
) -> QueryResult<PageOf<BatchRow>> {
    let of_order = || batches::table.filter(batches::order_id.eq(order_id));
    let total = of_order().count().get_result(conn)?;
    let items = of_order()
        .order(batches::number)
        .limit(page.per_page)
        .offset(page.offset())
        .select(BatchRow::as_select())
        .load(conn)?;
    Ok(PageOf { items, total })
}

/// Ids of the batches of a product, in the order they were made; only of
/// one customer's orders when `customer_id` is given.
pub fn batch_ids_of_product(
    conn: &mut DbConnection,
    product_id: i64,
    customer_id: Option<i64>,
) -> QueryResult<Vec<i64>> {
    use super::schema::orders;
    let mut query = batches::table
        .inner_join(orders::table)
        .filter(orders::product_id.eq(product_id))
        .into_boxed();
    if let Some(customer_id) = customer_id {
        query = query.filter(orders::customer_id.eq(customer_id));
    }
    query.order(batches::id).select(batches::id).load(conn)
}

/// Every batch of an order, by number (batch rows are small; a report of
/// hundreds of batches lists them all).
pub fn batches_of_order(conn: &mut DbConnection, order_id: i64) -> QueryResult<Vec<BatchRow>> {
    batches::table
        .filter(batches::order_id.eq(order_id))
        .order(batches::number)
        .select(BatchRow::as_select())
        .load(conn)
}

/// Every batch id, grouped by the product its order makes.
pub fn batch_ids_by_product(
    conn: &mut DbConnection,
) -> QueryResult<std::collections::BTreeMap<i64, Vec<i64>>> {
    use super::schema::orders;
    let pairs: Vec<(i64, i64)> = batches::table
        .inner_join(orders::table)
        .order(batches::id)
        .select((orders::product_id, batches::id))
        .load(conn)?;
    let mut grouped = std::collections::BTreeMap::<i64, Vec<i64>>::new();
    for (product_id, batch_id) in pairs {
        grouped.entry(product_id).or_default().push(batch_id);
    }
    Ok(grouped)
}

/// The newest batches that have a sampling plan, newest first (the
/// inspectors' work list picks the open ones among them).
pub fn newest_with_plans(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<BatchRow>> {
    use super::schema::sampling_plans;
    batches::table
        .filter(diesel::dsl::exists(
            sampling_plans::table.filter(sampling_plans::batch_id.eq(batches::id)),
        ))
        .order(batches::id.desc())
        .limit(limit)
        .select(BatchRow::as_select())
        .load(conn)
}
