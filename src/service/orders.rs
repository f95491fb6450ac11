//! Customer orders: a PO for a quantity of one product.

use super::audit::{self, Actor};
use super::{required_text, utc, Page};
use crate::domain::access::Visibility;
use crate::domain::message::Message;
use crate::error::{AppError, AppResult, ErrorCode, OnUniqueViolation, Violations};
use crate::store::catalog::{find_customer, find_product};
use crate::store::orders::{self as store, OrderFilter, OrderRow};
use crate::store::{now, DbConnection, PageRequest};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The largest order quantity accepted (a plausibility bound against typos).
pub const MAX_QUANTITY: i64 = 1_000_000_000;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    pub customer_id: i64,
    pub product_id: i64,
    /// The customer's purchase order (or proforma invoice) number.
    pub po_number: String,
    pub quantity: i64,
    pub due_date: Option<NaiveDate>,
    /// Months of warranty, counted from a batch's release (absent: 24).
    #[serde(default)]
    pub warranty_months: Option<i32>,
}

/// An order's warranty when it names none, and the longest it may name.
pub const DEFAULT_WARRANTY_MONTHS: i32 = 24;
const MAX_WARRANTY_MONTHS: i32 = 120;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Order {
    pub id: i64,
    pub customer_id: i64,
    pub product_id: i64,
    pub po_number: String,
    pub quantity: i64,
    pub due_date: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Months of warranty, counted from a batch's release.
    pub warranty_months: i32,
}

impl From<OrderRow> for Order {
    fn from(row: OrderRow) -> Self {
        Self {
            id: row.id,
            customer_id: row.customer_id,
            product_id: row.product_id,
            po_number: row.po_number,
            quantity: row.quantity,
            due_date: row.due_date,
            created_at: utc(row.created_at),
            warranty_months: row.warranty_months,
        }
    }
}

pub fn create_order(conn: &mut DbConnection, actor: &Actor, input: NewOrder) -> AppResult<Order> {
    let mut problems = Violations::default();
    if find_customer(conn, input.customer_id)?.is_none() {
        problems.add(
            "customer_id",
            Message::new("err-no-customer").arg("id", input.customer_id),
        );
    }
    match find_product(conn, input.product_id)? {
        None => problems.add(
            "product_id",
            Message::new("err-no-product").arg("id", input.product_id),
        ),
        Some(product) => {
            if product
                .customer_id
                .is_some_and(|owner| owner != input.customer_id)
            {
                problems.add(
                    "product_id",
                    Message::new("err-product-of-other-customer").arg("code", &product.code),
                );
            }
        }
    }
    let po_number = required_text(&input.po_number, 64);
    if let Err(m) = &po_number {
        problems.add("po_number", m.clone());
    }
    if !(1..=MAX_QUANTITY).contains(&input.quantity) {
        problems.add(
            "quantity",
            Message::new("err-integer-between")
                .arg("min", 1)
                .arg("max", MAX_QUANTITY),
        );
    }
    let warranty_months = input.warranty_months.unwrap_or(DEFAULT_WARRANTY_MONTHS);
    if !(0..=MAX_WARRANTY_MONTHS).contains(&warranty_months) {
        problems.add(
            "warranty_months",
            Message::new("err-warranty-months").arg("max", MAX_WARRANTY_MONTHS),
        );
    }
    problems.into_result()?;
    let po_number = po_number.unwrap_or_default();
    let due_date = input.due_date.map(|d| d.to_string());
    let id = store::insert_order(
        conn,
        &store::NewOrder {
            customer_id: input.customer_id,
            product_id: input.product_id,
            po_number,
            quantity: input.quantity,
            due_date: due_date.as_deref(),
            created_at: now(),
            warranty_months,
        },
    )
    .on_unique_violation(|| {
        AppError::conflict(
            ErrorCode::OrderExists,
            Message::new("err-order-exists").arg("po", po_number),
        )
        .with_field("po_number")
    })?;
    audit::record(
        conn,
        actor,
        "order.create",
        format!("order/{id}"),
        serde_json::json!({"po_number": po_number, "customer_id": input.customer_id,
                           "product_id": input.product_id, "quantity": input.quantity}),
    )?;
    get_order(conn, id, Visibility::Everything)
}

/// An order the caller may see; any other answers 404, as a missing one does.
pub fn get_order(conn: &mut DbConnection, id: i64, visibility: Visibility) -> AppResult<Order> {
    store::find_order(conn, id)?
        .filter(|o| visibility.shows_customer(o.customer_id))
        .map(Order::from)
        .ok_or_else(|| AppError::not_found(Message::new("err-not-found-order").arg("id", id)))
}

pub fn list_orders(
    conn: &mut DbConnection,
    filter: OrderFilter,
    visibility: Visibility,
    page: PageRequest,
) -> AppResult<Page<Order>> {
    let mut filter = filter;
    if let Some(own) = visibility.only_customer() {
        if filter.customer_id.is_some_and(|asked| asked != own) {
            return Ok(Page {
                items: Vec::new(),
                page: page.page,
                per_page: page.per_page,
                total: 0,
            });
        }
        filter.customer_id = Some(own);
    }
    Ok(Page::from_rows(
        store::list_orders(conn, &filter, page)?,
        page,
        Order::from,
    ))
}
