//! Production batches (lots) of an order.

use super::audit::{self, Actor};
use super::limits::InputLimits;
use super::{utc, Page};
use crate::domain::access::Visibility;
pub use crate::domain::batch::Batch;
use crate::domain::message::Message;
use crate::domain::text::{self, TextKind};
use crate::error::{AppError, AppResult, NotFoundAs, OnUniqueViolation, Violations};
use crate::store::batches::{self as store, BatchRow};
use crate::store::{now, DbConnection, PageRequest};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBatch {
    /// Units in the lot, numbered 1..=lot_size for sampling; at most
    /// 1,000,000 unless the server is set otherwise.
    pub lot_size: i64,
    /// Production line, e.g. `L2`.
    pub line: Option<String>,
    pub production_date: Option<NaiveDate>,
    /// For a lot of incoming material: the supplier it came from. Its
    /// switching rules are then kept per product and supplier.
    pub supplier_id: Option<i64>,
}

impl From<BatchRow> for Batch {
    fn from(row: BatchRow) -> Self {
        Self {
            id: row.id,
            order_id: row.order_id,
            number: row.number,
            lot_size: row.lot_size,
            line: row.line,
            production_date: row.production_date,
            created_at: utc(row.created_at),
            supplier_id: row.supplier_id,
        }
    }
}

pub fn create_batch(
    conn: &mut DbConnection,
    actor: &Actor,
    order_id: i64,
    input: NewBatch,
    limits: &InputLimits,
) -> AppResult<Batch> {
    super::orders::get_order(conn, order_id, Visibility::Everything)?;
    let mut problems = Violations::default();
    if let Err(m) = limits.lot_size(input.lot_size) {
        problems.add("lot_size", m);
    }
    let line = input
        .line
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty());
    if line.is_some_and(|l| l.chars().count() > 40) {
        problems.add("line", Message::new("err-too-long").arg("max", 40));
    }
    if let Some(Err(message)) = line.map(|l| text::check(l, TextKind::Line)) {
        problems.add("line", message);
    }
    if let Some(supplier_id) = input.supplier_id {
        if crate::store::suppliers::find_supplier(conn, supplier_id)?.is_none() {
            problems.add(
                "supplier_id",
                Message::new("err-no-supplier").arg("id", supplier_id),
            );
        }
    }
    problems.into_result()?;
    let number = store::next_batch_number(conn, order_id)?;
    let production_date = input.production_date.map(|d| d.to_string());
    let id = store::insert_batch(
        conn,
        &store::NewBatch {
            order_id,
            number,
            lot_size: input.lot_size,
            line,
            production_date: production_date.as_deref(),
            created_at: now(),
            supplier_id: input.supplier_id,
        },
    )
    .on_unique_violation(|| AppError::unavailable(Message::new("err-batch-created-meanwhile")))?;
    audit::record(
        conn,
        actor,
        "batch.create",
        format!("batch/{id}"),
        serde_json::json!({"order_id": order_id, "number": number, "lot_size": input.lot_size,
                           "supplier_id": input.supplier_id}),
    )?;
    get_batch(conn, id, Visibility::Everything)
}

/// A batch the caller may see (through its order); any other answers 404.
pub fn get_batch(conn: &mut DbConnection, id: i64, visibility: Visibility) -> AppResult<Batch> {
    let missing = || AppError::not_found(Message::new("err-not-found-batch").arg("id", id));
    let batch = store::find_batch(conn, id)?.ok_or_else(missing)?;
    super::orders::get_order(conn, batch.order_id, visibility).not_found_as(missing)?;
    Ok(Batch::from(batch))
}

pub fn list_batches(
    conn: &mut DbConnection,
    order_id: i64,
    visibility: Visibility,
    page: PageRequest,
) -> AppResult<Page<Batch>> {
    super::orders::get_order(conn, order_id, visibility)?;
    Ok(Page::from_rows(
        store::list_batches(conn, order_id, page)?,
        page,
        Batch::from,
    ))
}
