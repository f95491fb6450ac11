//! A lead's day at a glance: batches still being recorded, batches waiting
//! for a decision with what their data propose, run-rule alerts on the
//! products made lately, and yields by line and by day. The lists are
//! bounded (the newest batches); alerts and yields cover the few products
//! made lately, over all their batches.

use super::catalog::{self, Product};
use super::control_charts::control_chart;
use super::dispositions::{decision_at, recommend, Meaning, Recommendation};
use super::worksheet::{open_batches, OpenBatch};
use super::yields::{yields, GroupBy, YieldRow};
use crate::domain::access::Visibility;
use crate::domain::message::Message;
use crate::domain::run_rules::Rule;
use crate::domain::spc::ChartKind;
use crate::domain::template::Kind;
use crate::error::{AppError, AppResult};
use crate::store::batches::newest_with_plans;
use crate::store::orders::find_order;
use crate::store::DbConnection;

/// How many batches each part of the dashboard lists at most.
const LISTED: usize = 25;
/// How many of the newest batches with a plan the dashboard looks at.
const SCANNED: i64 = 200;
/// How many of the newest batches' products the alerts and yields cover.
const PRODUCTS: usize = 6;
/// An alert shows when it involves one of a product's newest batches.
const RECENT_BATCHES: usize = 3;

/// A batch whose data are in and no final decision is signed.
pub struct Awaiting {
    pub batch_id: i64,
    pub number: i32,
    pub po_number: String,
    pub product_code: String,
    /// Held by a decision that waits for a final one.
    pub on_hold: bool,
    pub recommendation: Recommendation,
}

/// A run rule broken on one of a product's newest batches.
pub struct SpcAlert {
    pub product_id: i64,
    pub product_code: String,
    pub characteristic: String,
    pub characteristic_name: String,
    pub chart: ChartKind,
    pub rule: Rule,
    pub batch_ids: Vec<i64>,
}

/// A product's yields, by line and by day.
pub struct ProductYields {
    pub product_code: String,
    pub by_line: Vec<YieldRow>,
    pub by_day: Vec<YieldRow>,
}

pub struct Dashboard {
    /// The newest batches being recorded (at most 25 of `open_count`).
    pub open: Vec<OpenBatch>,
    pub open_count: usize,
    pub awaiting: Vec<Awaiting>,
    pub alerts: Vec<SpcAlert>,
    pub yields: Vec<ProductYields>,
}

/// The dashboard of factory staff (every customer's batches).
pub fn dashboard(conn: &mut DbConnection) -> AppResult<Dashboard> {
    // Every open batch among those scanned, so that none of them is taken
    // for one waiting for a decision; the first are listed.
    let mut open = open_batches(conn, Visibility::Everything, SCANNED as usize)?;
    let recording: Vec<i64> = open.iter().map(|o| o.batch.id).collect();
    let open_count = open.len();
    open.truncate(LISTED);
    let mut awaiting = Vec::new();
    // Waiting for a decision: recorded, and not decided or only held (a
    // batch still being recorded is listed as such).
    for row in newest_with_plans(conn, SCANNED)? {
        if awaiting.len() >= LISTED {
            break;
        }
        if recording.contains(&row.id) {
            continue;
        }
        let in_force = decision_at(conn, row.id, None)?;
        if !matches!(in_force, None | Some(Meaning::OnHold)) {
            continue;
        }
        let order = find_order(conn, row.order_id)?.ok_or_else(|| {
            AppError::not_found(Message::new("err-not-found-order").arg("id", row.order_id))
        })?;
        let product = catalog::get_product(conn, order.product_id, Visibility::Everything)?;
        awaiting.push(Awaiting {
            batch_id: row.id,
            number: row.number,
            po_number: order.po_number,
            product_code: product.code,
            on_hold: in_force.is_some(),
            recommendation: recommend(conn, row.id)?,
        });
    }
    let products = recent_products(conn)?;
    let mut alerts = Vec::new();
    let mut product_yields = Vec::new();
    for product in &products {
        alerts.extend(alerts_of(conn, product)?);
        let of = |conn: &mut DbConnection, group_by| {
            yields(
                conn,
                Some(product.id),
                None,
                group_by,
                Visibility::Everything,
            )
        };
        let by_line = of(conn, GroupBy::Line)?;
        let mut by_day = of(conn, GroupBy::Day)?;
        // The last seven days with production, newest first.
        by_day.reverse();
        by_day.truncate(7);
        product_yields.push(ProductYields {
            product_code: product.code.clone(),
            by_line,
            by_day,
        });
    }
    Ok(Dashboard {
        open,
        open_count,
        awaiting,
        alerts,
        yields: product_yields,
    })
}

/// The products of the newest batches with a plan, newest first.
fn recent_products(conn: &mut DbConnection) -> AppResult<Vec<Product>> {
    let mut products: Vec<Product> = Vec::new();
    for row in newest_with_plans(conn, SCANNED)? {
        if products.len() >= PRODUCTS {
            break;
        }
        let Some(order) = find_order(conn, row.order_id)? else {
            continue;
        };
        if products.iter().all(|p| p.id != order.product_id) {
            products.push(catalog::get_product(
                conn,
                order.product_id,
                Visibility::Everything,
            )?);
        }
    }
    Ok(products)
}

/// The run rules broken on a product's newest batches, on the X̄–R chart of
/// each measured characteristic. A characteristic that cannot be charted
/// yet (too few batches, no readings) has nothing to alert.
fn alerts_of(conn: &mut DbConnection, product: &Product) -> AppResult<Vec<SpcAlert>> {
    let mut alerts = Vec::new();
    for characteristic in product
        .characteristics
        .iter()
        .filter(|c| c.kind == Kind::Variable)
    {
        let chart = match control_chart(
            conn,
            product.id,
            &characteristic.code,
            ChartKind::XbarR,
            None,
            Visibility::Everything,
        ) {
            Ok(chart) => chart,
            Err(e) if e.status().is_client_error() => continue,
            Err(e) => return Err(e),
        };
        let recent: Vec<i64> = chart
            .points
            .iter()
            .rev()
            .take(RECENT_BATCHES)
            .map(|p| p.batch_id)
            .collect();
        for alert in chart.alerts {
            if alert.batch_ids.iter().any(|id| recent.contains(id)) {
                alerts.push(SpcAlert {
                    product_id: product.id,
                    product_code: product.code.clone(),
                    characteristic: characteristic.code.clone(),
                    characteristic_name: characteristic.name.clone(),
                    chart: ChartKind::XbarR,
                    rule: alert.rule,
                    batch_ids: alert.batch_ids,
                });
            }
        }
    }
    Ok(alerts)
}
