//! What a batch's readings are checked against and what never changes once
//! its plan is drawn: the lot, the plan, the product's template and colour
//! target. A tablet sends a unit's readings per request, so the same batch
//! is read again and again; [`BatchFrames`] keeps each frame once read.
//!
//! Nothing of a frame is ever edited: batches, orders, products and their
//! characteristics have no update, and a batch's plan is drawn once (the
//! store has no statement that changes or deletes any of them). A frame is
//! kept only once it exists whole, read from committed rows (see
//! [`BatchFrames::get_or_read`]), so it stays true for as long as the
//! database does: a database restored under a running server is not
//! (README, "Backups": the service is stopped first).

use crate::domain::access::Visibility;
use crate::domain::sampling::LotSize;
use crate::error::{AppError, AppResult, ErrorCode, Message};
use crate::service::catalog::{get_product, Characteristic};
use crate::service::colour::Chromaticity;
use crate::store::orders::find_order;
use crate::store::sampling;
use crate::store::DbConnection;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A batch's lot, plan, template and colour target.
pub(in crate::service) struct BatchFrame {
    pub batch_id: i64,
    pub product_id: i64,
    pub lot: LotSize,
    pub plan_id: i64,
    pub template: HashMap<String, Characteristic>,
    /// The template's codes, for an answer naming an unknown one.
    pub codes: String,
    /// How the product's colour is derived. Not used as it is: each
    /// request or file takes a copy with a memory of its own
    /// ([`Chromaticity::with_own_memory`]), so that what one derives is
    /// not kept with the frame.
    pub(super) colour: Option<Chromaticity>,
}

/// Reads a batch's frame; refuses a batch without a sampling plan.
pub(in crate::service) fn read_frame(
    conn: &mut DbConnection,
    batch_id: i64,
) -> AppResult<BatchFrame> {
    let batch = crate::service::batches::get_batch(conn, batch_id, Visibility::Everything)?;
    let plan = sampling::plan_of_batch(conn, batch_id)?.ok_or_else(|| {
        AppError::conflict(
            ErrorCode::NoSamplingPlan,
            Message::new("err-no-sampling-plan").arg("batch", batch_id),
        )
    })?;
    let order = find_order(conn, batch.order_id)?.ok_or_else(|| {
        AppError::not_found(Message::new("err-not-found-order").arg("id", batch.order_id))
    })?;
    let product = get_product(conn, order.product_id, Visibility::Everything)?;
    let colour = Chromaticity::of(&product)?;
    let characteristics = product.characteristics;
    let codes = characteristics
        .iter()
        .map(|c| c.code.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    Ok(BatchFrame {
        batch_id,
        product_id: order.product_id,
        lot: LotSize::parse(batch.lot_size)
            .map_err(|e| AppError::internal(format!("a stored lot size is valid: {e}")))?,
        plan_id: plan.id,
        template: characteristics
            .into_iter()
            .map(|c| (c.code.clone(), c))
            .collect(),
        codes,
        colour,
    })
}

/// Frames kept at most; when full, all are forgotten at once and read again
/// as they are asked for (a frame is a few KiB: a template of a dozen
/// characteristics).
const FRAMES_KEPT: usize = 1024;

/// The frames of the batches read lately, for one database.
#[derive(Default)]
pub struct BatchFrames {
    kept: Mutex<HashMap<i64, Arc<BatchFrame>>>,
}

impl BatchFrames {
    /// The batch's frame, read through `conn` if it is not kept yet.
    ///
    /// `conn` must see committed rows only: outside any write transaction
    /// (a reader's connection, as the API checks a request on). A frame
    /// read within a write could be of a batch that the write's rollback
    /// then undoes, and whose id a later batch takes.
    pub(in crate::service) fn get_or_read(
        &self,
        conn: &mut DbConnection,
        batch_id: i64,
    ) -> AppResult<Arc<BatchFrame>> {
        if let Some(frame) = self.kept().get(&batch_id) {
            return Ok(Arc::clone(frame));
        }
        let frame = Arc::new(read_frame(conn, batch_id)?);
        let forgotten = {
            let mut kept = self.kept();
            let forgotten = (kept.len() >= FRAMES_KEPT).then(|| std::mem::take(&mut *kept));
            kept.insert(batch_id, Arc::clone(&frame));
            forgotten
        };
        // Freed once the lock is let go.
        drop(forgotten);
        Ok(frame)
    }

    fn kept(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Arc<BatchFrame>>> {
        // A frame is inserted whole or not at all: a panic elsewhere while
        // the lock was held leaves nothing half-done.
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }
}
