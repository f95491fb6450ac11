//! Gathering what a report shows, one batch at a time (summaries kept,
//! readings dropped after each batch), and its charts.

use crate::charts::oc;
use crate::domain::access::Visibility;
use crate::domain::sampling::oc::{AttributePlan, Model};
use crate::domain::spc::ChartKind;
use crate::domain::template::Kind;
use crate::error::{AppError, AppResult};
use crate::report::{self, BatchReport, CharacteristicCharts, Charts, Heading, Issue, QcReport};
use crate::service::catalog::{get_customer, Characteristic};
use crate::service::charts::{self, Scope};
use crate::store::DbConnection;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// Everything the report shows, read batch by batch.
pub fn gather(
    conn: &mut DbConnection,
    order_id: i64,
    visibility: Visibility,
    issue: Option<Issue>,
    date: DateTime<Utc>,
) -> AppResult<QcReport> {
    let scope = Scope::of_order(conn, order_id, visibility)?;
    let customer = get_customer(conn, scope.order.customer_id, Visibility::Everything)?;
    let mut batches = Vec::with_capacity(scope.batches.len());
    for batch in &scope.batches {
        let plan = crate::service::plans::find_plan(conn, batch.id)?;
        let risk_points = plan.as_ref().and_then(charts::risk_points);
        batches.push(BatchReport {
            plan,
            risk_points,
            statistics: crate::service::statistics::batch_statistics(
                conn,
                batch.id,
                Visibility::Everything,
            )?,
            visual: crate::service::visual::summary(conn, batch.id, Visibility::Everything)?,
            disposition: crate::service::dispositions::batch_disposition(
                conn,
                batch.id,
                Visibility::Everything,
            )?,
            batch: batch.clone(),
        });
    }
    let charts = report_charts(conn, &scope, &batches)?;
    Ok(QcReport {
        heading: Heading {
            issue,
            date,
            customer: customer.name,
            po_number: scope.order.po_number.clone(),
            order_id,
            order_quantity: scope.order.quantity,
            due_date: scope.order.due_date.clone(),
            product: scope.product.clone(),
        },
        batches,
        charts,
    })
}

/// The charts of the report; a chart without data is left out.
fn report_charts(
    conn: &mut DbConnection,
    scope: &Scope,
    batches: &[BatchReport],
) -> AppResult<Charts> {
    let mut charts = Charts::default();
    if batches.is_empty() {
        return Ok(charts);
    }
    charts.yields = Some(charts::yield_chart(conn, scope)?);
    let defects = charts::defect_counts(batches.iter().map(|b| &b.visual));
    if !defects.is_empty() {
        charts.pareto = Some(charts::render_pareto(scope, &defects)?);
    }
    charts.chromaticity = charts::chromaticity_chart(conn, scope).ok();
    charts.oc_curves = oc_curves(batches)?;
    charts.characteristics = characteristic_charts(conn, scope)?;
    Ok(charts)
}

/// One OC curve per distinct plan, naming its batches.
fn oc_curves(batches: &[BatchReport]) -> AppResult<Vec<(String, String)>> {
    let mut plans: BTreeMap<(u64, u64, u64), Vec<i32>> = BTreeMap::new();
    for b in batches {
        if let Some(plan) = b.plan.as_ref().and_then(charts::attribute_plan) {
            plans
                .entry((plan.lot_size, plan.sample_size, plan.accept))
                .or_default()
                .push(b.batch.number);
        }
    }
    let mut curves = Vec::with_capacity(plans.len());
    for ((lot_size, sample_size, accept), numbers) in plans {
        let plan = AttributePlan::new(lot_size, sample_size, accept).map_err(|e| {
            AppError::internal(format!("a stored plan is a valid attribute plan: {e:?}"))
        })?;
        let title = format!("OC curve · batch {}", report::batch_list(&numbers));
        let svg = oc::render(&oc::OcChart {
            title: &title,
            plan,
            model: Model::Hypergeometric,
        })?;
        curves.push((title, svg));
    }
    Ok(curves)
}

/// A histogram and an individuals control chart of each measured
/// characteristic with readings in the order. Control charts show only
/// this customer's batches of the product.
fn characteristic_charts(
    conn: &mut DbConnection,
    scope: &Scope,
) -> AppResult<Vec<CharacteristicCharts>> {
    let own = Visibility::Customer(scope.order.customer_id);
    let measured: Vec<&Characteristic> = scope
        .product
        .characteristics
        .iter()
        .filter(|c| c.kind == Kind::Variable)
        .collect();
    let histograms = charts::histogram_data(conn, &scope.batch_ids(), &scope.product, &measured)?;
    let mut found = Vec::new();
    for (c, (bins, running)) in measured.into_iter().zip(histograms) {
        if running.n == 0 {
            continue; // no readings of it in this order
        }
        let control_chart =
            charts::control_chart_svg(conn, scope.product.id, &c.code, ChartKind::IMr, None, own)
                .ok();
        found.push(CharacteristicCharts {
            name: c.name.clone(),
            histogram: Some(charts::render_histogram(scope, c, &bins, &running)?),
            control_chart,
        });
    }
    Ok(found)
}
