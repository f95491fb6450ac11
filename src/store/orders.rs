//! Customer orders (PO / P/I) for a product.

use super::schema::orders;
use super::{on_backend, DbConnection, PageOf, PageRequest};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = orders, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct OrderRow {
    pub id: i64,
    pub customer_id: i64,
    pub product_id: i64,
    pub po_number: String,
    pub quantity: i64,
    pub due_date: Option<String>,
    pub created_at: NaiveDateTime,
    pub warranty_months: i32,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = orders)]
pub struct NewOrder<'a> {
    pub customer_id: i64,
    pub product_id: i64,
    pub po_number: &'a str,
    pub quantity: i64,
    pub due_date: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub warranty_months: i32,
}

pub fn insert_order(conn: &mut DbConnection, order: &NewOrder<'_>) -> QueryResult<i64> {
    on_backend!(conn, |c| diesel::insert_into(orders::table)
        .values(order)
        .returning(orders::id)
        .get_result(c))
}

pub fn find_order(conn: &mut DbConnection, id: i64) -> QueryResult<Option<OrderRow>> {
    on_backend!(conn, |c| orders::table
        .find(id)
        .select(OrderRow::as_select())
        .first(c)
        .optional())
}

/// Filters of the order list; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub customer_id: Option<i64>,
    pub product_id: Option<i64>,
    pub po_number: Option<String>,
}

pub fn list_orders(
    conn: &mut DbConnection,
    filter: &OrderFilter,
    page: PageRequest,
) -> QueryResult<PageOf<OrderRow>> {
    let filtered = || {
        let mut query = orders::table.into_boxed();
        if let Some(customer_id) = filter.customer_id {
            query = query.filter(orders::customer_id.eq(customer_id));
        }
        if let Some(product_id) = filter.product_id {
            query = query.filter(orders::product_id.eq(product_id));
        }
        if let Some(po_number) = &filter.po_number {
            query = query.filter(orders::po_number.eq(po_number.clone()));
        }
        query
    };
    let total = filtered().count().get_result(conn)?;
    let items = filtered()
        .order(orders::id.desc())
        .limit(page.per_page)
        .offset(page.offset())
        .select(OrderRow::as_select())
        .load(conn)?;
    Ok(PageOf { items, total })
}

/// The ids of a customer's orders.
pub fn order_ids_of_customer(conn: &mut DbConnection, customer_id: i64) -> QueryResult<Vec<i64>> {
    orders::table
        .filter(orders::customer_id.eq(customer_id))
        .select(orders::id)
        .load(conn)
}
