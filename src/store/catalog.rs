//! Customers, products and the products' inspection templates.

use super::schema::{characteristics, customers, products};
use super::{on_backend, DbConnection, PageOf, PageRequest};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = customers, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct CustomerRow {
    pub id: i64,
    pub name: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_customer(
    conn: &mut DbConnection,
    name: &str,
    created_at: NaiveDateTime,
) -> QueryResult<i64> {
    let row = (
        customers::name.eq(name),
        customers::created_at.eq(created_at),
    );
    on_backend!(conn, |c| diesel::insert_into(customers::table)
        .values(row)
        .returning(customers::id)
        .get_result(c))
}

pub fn find_customer(conn: &mut DbConnection, id: i64) -> QueryResult<Option<CustomerRow>> {
    customers::table
        .find(id)
        .select(CustomerRow::as_select())
        .first(conn)
        .optional()
}

/// Customers; `only` narrows the list to one.
pub fn list_customers(
    conn: &mut DbConnection,
    only: Option<i64>,
    page: PageRequest,
) -> QueryResult<PageOf<CustomerRow>> {
    let filtered = || {
        let mut query = customers::table.into_boxed();
        if let Some(id) = only {
            query = query.filter(customers::id.eq(id));
        }
        query
    };
    let total = filtered().count().get_result(conn)?;
    let items = filtered()
        .order(customers::id)
        .limit(page.per_page)
        .offset(page.offset())
        .select(CustomerRow::as_select())
        .load(conn)?;
    Ok(PageOf { items, total })
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = products, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ProductRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub customer_id: Option<i64>,
    /// Technical parameters as a JSON object.
    pub params: String,
    pub created_at: NaiveDateTime,
    /// The product family, whose defect catalogue its visual inspection uses.
    pub family: String,
    /// `all` (every unit of a batch) or `sample` (the plan's units).
    pub visual_scope: String,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = products)]
pub struct NewProduct<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub customer_id: Option<i64>,
    pub params: &'a str,
    pub created_at: NaiveDateTime,
    pub family: &'a str,
    pub visual_scope: &'a str,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = characteristics, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct CharacteristicRow {
    pub id: i64,
    pub product_id: i64,
    pub position: i32,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub kind: String,
    pub nominal: Option<f64>,
    pub lsl: Option<f64>,
    pub usl: Option<f64>,
    pub severity: String,
    pub quantity: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = characteristics)]
pub struct NewCharacteristic<'a> {
    pub product_id: i64,
    pub position: i32,
    pub code: &'a str,
    pub name: &'a str,
    pub unit: &'a str,
    pub kind: &'a str,
    pub nominal: Option<f64>,
    pub lsl: Option<f64>,
    pub usl: Option<f64>,
    pub severity: &'a str,
    pub quantity: Option<&'a str>,
}

pub fn insert_product(conn: &mut DbConnection, product: &NewProduct<'_>) -> QueryResult<i64> {
    on_backend!(conn, |c| diesel::insert_into(products::table)
        .values(product)
        .returning(products::id)
        .get_result(c))
}

/// One multi-row insert for the whole template.
pub fn insert_characteristics(
    conn: &mut DbConnection,
    rows: &[NewCharacteristic<'_>],
) -> QueryResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    on_backend!(conn, |c| diesel::insert_into(characteristics::table)
        .values(rows)
        .execute(c))
}

pub fn find_product(conn: &mut DbConnection, id: i64) -> QueryResult<Option<ProductRow>> {
    on_backend!(conn, |c| products::table
        .find(id)
        .select(ProductRow::as_select())
        .first(c)
        .optional())
}

/// The template of a product, in its defined order.
pub fn characteristics_of(
    conn: &mut DbConnection,
    product_id: i64,
) -> QueryResult<Vec<CharacteristicRow>> {
    on_backend!(conn, |c| characteristics::table
        .filter(characteristics::product_id.eq(product_id))
        .order(characteristics::position)
        .select(CharacteristicRow::as_select())
        .load(c))
}

/// Products, optionally only those of one customer (its own designs);
/// `visible_to` keeps a customer's own and the shared designs.
pub fn list_products(
    conn: &mut DbConnection,
    customer_id: Option<i64>,
    visible_to: Option<i64>,
    page: PageRequest,
) -> QueryResult<PageOf<ProductRow>> {
    let filtered = || {
        let mut query = products::table.into_boxed();
        if let Some(customer_id) = customer_id {
            query = query.filter(products::customer_id.eq(customer_id));
        }
        if let Some(own) = visible_to {
            query = query.filter(
                products::customer_id
                    .eq(own)
                    .or(products::customer_id.is_null()),
            );
        }
        query
    };
    let total = filtered().count().get_result(conn)?;
    let items = filtered()
        .order(products::id)
        .limit(page.per_page)
        .offset(page.offset())
        .select(ProductRow::as_select())
        .load(conn)?;
    Ok(PageOf { items, total })
}
