//! A batch (lot) of an order: what was produced together and is judged together.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Batch {
    pub id: i64,
    pub order_id: i64,
    /// 1, 2, 3 … within the order.
    pub number: i32,
    pub lot_size: i64,
    pub line: Option<String>,
    pub production_date: Option<String>,
    pub created_at: DateTime<Utc>,
    pub supplier_id: Option<i64>,
}
