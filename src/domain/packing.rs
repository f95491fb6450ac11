//! An order's packing list as the service gives it and its documents
//! (CSV, PDF) print it.

use serde::Serialize;
use utoipa::ToSchema;

/// An order's packing list: each batch with a pre-shipment inspection,
/// its cartons, units, weights and volume, its result and whether it may
/// ship.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PackingList {
    pub order_id: i64,
    pub po_number: String,
    pub customer: String,
    pub product_code: String,
    pub product_name: String,
    pub rows: Vec<PackingRow>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PackingRow {
    pub batch: i32,
    pub cartons: i64,
    pub units_per_carton: i64,
    pub units: i64,
    pub gross_weight_kg_per_carton: f64,
    pub gross_weight_kg: f64,
    pub volume_m3: f64,
    pub gtin: String,
    /// `passed`, `failed` or `in_progress`.
    pub pre_shipment: &'static str,
    pub ready_to_ship: bool,
}
