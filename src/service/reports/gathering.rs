//! Gathering what a report shows in one pass over the order's batches:
//! each batch's readings are read once ([`batch_readings`]) and every
//! section (statistics, disposition, yields, histograms, chromaticity,
//! control charts) is fed from that read; per batch only summaries are
//! kept, so memory stays flat as the order grows.

use crate::charts::oc;
use crate::domain::access::Visibility;
use crate::domain::language::ReportLanguage;
use crate::domain::sampling::oc::{AttributePlan, Model};
use crate::domain::spc::SubgroupSummary;
use crate::domain::stats::Descriptives;
use crate::domain::summaries::BatchStatistics;
use crate::domain::template::Kind;
use crate::error::{AppError, AppResult, OrInternal};
use crate::i18n::{in_report, message};
use crate::report::{self, BatchReport, CharacteristicCharts, Charts, Heading, Issue, QcReport};
use crate::service::batches::Batch;
use crate::service::catalog::{get_customer, Characteristic, Product};
use crate::service::charts::{self, Scope};
use crate::service::colour::{batch_readings, BatchReadings};
use crate::service::dispositions::{batch_disposition_of, BatchData};
use crate::service::order_pass::{Tally, Wanted};
use crate::store::visual::{inspections_of_batch, InspectionRow};
use crate::store::DbConnection;
use chrono::DateTime;
use chrono_tz::Tz;
use std::collections::BTreeMap;

/// Everything the report shows, from one pass over the order's batches,
/// written in `language`.
pub fn gather(
    conn: &mut DbConnection,
    order_id: i64,
    visibility: Visibility,
    issue: Option<Issue>,
    date: DateTime<Tz>,
    language: ReportLanguage,
) -> AppResult<QcReport> {
    let mut reports = gather_in(conn, order_id, visibility, issue, date, &[language])?;
    reports
        .pop()
        .or_internal("a report is gathered in its language")
}

/// The report in each of `languages` from the same pass: the batches are
/// read once; only the words and the charts differ.
pub fn gather_in(
    conn: &mut DbConnection,
    order_id: i64,
    visibility: Visibility,
    issue: Option<Issue>,
    date: DateTime<Tz>,
    languages: &[ReportLanguage],
) -> AppResult<Vec<QcReport>> {
    let scope = Scope::of_order(conn, order_id, visibility)?;
    let customer = get_customer(conn, scope.order.customer_id, Visibility::Everything)?;
    let wanted = Wanted {
        characteristics: scope
            .product
            .characteristics
            .iter()
            .filter(|c| c.kind == Kind::Variable)
            .collect(),
        chromaticity: true,
        yields: true,
    };
    let tally = Tally::new(&scope.product, &wanted)?;
    let (batches, tally) = read_and_tally(conn, &scope.product, &scope.batches, tally)?;
    let heading = Heading {
        issue,
        date,
        customer: customer.name,
        po_number: scope.order.po_number.clone(),
        order_id,
        order_quantity: scope.order.quantity,
        due_date: scope.order.due_date.clone(),
        product: scope.product.clone(),
    };
    languages
        .iter()
        .map(|&language| {
            let scope = scope.clone().in_language(language);
            Ok(QcReport {
                language,
                heading: heading.clone(),
                charts: report_charts(&scope, &batches, &tally)?,
                batches: batches.clone(),
            })
        })
        .collect()
}

/// Batches waiting for the tally's thread, at most: with the one it takes
/// in and the one being read, the pass holds four batches' readings at
/// most, whatever the order's size.
const BATCHES_AHEAD: usize = 2;

/// Each batch's part of the report, and the order's tally, from one pass.
///
/// The connection's thread reads a batch (and works out its disposition)
/// while a second thread takes the batch before it into the tally and
/// computes its statistics, so that the report's pass takes both cores
/// rather than one (reading is still the longer half: BENCHMARKS.md).
/// Batches reach the tally in the order's order.
fn read_and_tally(
    conn: &mut DbConnection,
    product: &Product,
    batches: &[Batch],
    mut tally: Tally,
) -> AppResult<(Vec<BatchReport>, Tally)> {
    std::thread::scope(|scope| {
        let (send, received) = std::sync::mpsc::sync_channel::<ReadBatch>(BATCHES_AHEAD);
        let tallying = std::thread::Builder::new()
            .name("report-tally".into())
            .spawn_scoped(scope, move || {
                let mut reports = Vec::with_capacity(batches.len());
                for read in received {
                    let ReadBatch {
                        mut report,
                        readings,
                        inspections,
                    } = read;
                    tally.add_batch(&report.batch, product, &readings, &inspections);
                    report.statistics = crate::service::statistics::statistics_of_values(
                        report.batch.id,
                        report.statistics.sample_size,
                        product,
                        &readings.current,
                    );
                    reports.push(report);
                }
                (reports, tally)
            })
            .map_err(|e| AppError::internal(format!("the report's tally thread starts: {e}")))?;
        // Every batch read, or the first error; the thread is joined either
        // way, so that its own failure is not lost in the scope's.
        let mut read_all = Ok(());
        for batch in batches {
            match read_batch(conn, product, batch) {
                // Refused only when the thread has stopped: its join says why.
                Ok(read) => {
                    if send.send(read).is_err() {
                        break;
                    }
                }
                Err(error) => {
                    read_all = Err(error);
                    break;
                }
            }
        }
        drop(send);
        let tallied = tallying.join().map_err(|panic| {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            AppError::internal(format!("the report's tally thread panicked: {why}"))
        });
        read_all.and(tallied)
    })
}

/// A batch as read for the report: its part of the report but for its
/// statistics' characteristics (empty here), left to the tally's thread
/// with the readings they come from.
struct ReadBatch {
    report: BatchReport,
    readings: BatchReadings,
    inspections: Vec<InspectionRow>,
}

/// One batch's part of the report, read once: its readings are read here
/// and dropped once the tally's thread has taken them.
/// The plan is read once (its drawn units serve the disposition's
/// fingerprint and recommendation) and kept without its units, which the
/// report does not print.
fn read_batch(conn: &mut DbConnection, product: &Product, batch: &Batch) -> AppResult<ReadBatch> {
    let plan = crate::service::plans::find_plan(conn, batch.id)?;
    let mut readings = batch_readings(conn, batch.id, product)?;
    let inspections = inspections_of_batch(conn, batch.id, None)?;
    let statistics = BatchStatistics {
        batch_id: batch.id,
        sample_size: plan.as_ref().map(|p| p.sample_size),
        characteristics: Vec::new(),
    };
    let visual = crate::service::visual::summary(conn, batch.id, Visibility::Everything)?;
    let disposition = batch_disposition_of(
        conn,
        batch.id,
        BatchData {
            product,
            plan: plan.as_ref(),
            values: &readings.current,
            reading_uuids: std::mem::take(&mut readings.current_uuids),
            visual: Ok(visual.clone()),
        },
    )?;
    let materials = crate::service::materials::usages_of_batch(conn, batch.id)?
        .into_iter()
        .map(|usage| report::MaterialLine {
            lot_number: usage.material_lot.lot_number,
            material: usage.material_lot.material,
            accepted: usage.concession.is_none(),
            concession: usage.concession,
        })
        .collect();
    let shipment =
        crate::service::shipping::inspection(conn, batch.id)?.map(|s| report::ShipmentLine {
            cartons: s.cartons,
            sample_size: s.sample_size,
            checked: s.checks.len() as i64,
            nonconformities: s.nonconformities,
            accept: s.accept,
            complete: s.complete,
            passed: s.passed,
        });
    Ok(ReadBatch {
        report: BatchReport {
            materials,
            shipment,
            risk_points: plan.as_ref().and_then(charts::risk_points),
            plan: plan.map(|p| p.without_units()),
            statistics,
            visual,
            disposition,
            batch: batch.clone(),
        },
        readings,
        inspections,
    })
}

/// The charts of the report, from the pass; a chart without data is left out.
fn report_charts(scope: &Scope, batches: &[BatchReport], tally: &Tally) -> AppResult<Charts> {
    let mut charts = Charts::default();
    if batches.is_empty() {
        return Ok(charts);
    }
    charts.yields = Some(charts::render_yields(scope, &tally.yield_points())?);
    let defects = charts::defect_counts(batches.iter().map(|b| &b.visual));
    if !defects.is_empty() {
        charts.pareto = Some(charts::render_pareto(scope, &defects)?);
    }
    charts.chromaticity = tally
        .chromaticity
        .as_ref()
        .and_then(|units| charts::render_chromaticity(scope, Some(units)).ok());
    charts.oc_curves = oc_curves(scope.language, batches)?;
    charts.characteristics = characteristic_charts(scope, batches, tally)?;
    Ok(charts)
}

/// One OC curve per distinct plan, naming its batches.
fn oc_curves(
    language: ReportLanguage,
    batches: &[BatchReport],
) -> AppResult<Vec<(String, String)>> {
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
        let title = in_report(language, " / ", |lang| {
            message(
                lang,
                "chart-oc-batches",
                &[
                    ("batches", report::batch_list(lang, &numbers).into()),
                    ("count", numbers.len().into()),
                ],
            )
        });
        let svg = oc::render(&oc::OcChart {
            language,
            title: &title,
            plan,
            model: Model::Hypergeometric,
        })?;
        curves.push((title, svg));
    }
    Ok(curves)
}

/// A histogram and a control chart of each measured characteristic with
/// readings in the order. The control chart is of this order's batches,
/// each batch a subgroup (X̄–S from each batch's n, mean and s, which the
/// batch's statistics already hold; an I-MR chart of batch means when the
/// samples differ in size): an individuals chart over every reading of a
/// large order could not be read, and a chart over the product's other
/// orders would read their batches again.
fn characteristic_charts(
    scope: &Scope,
    batches: &[BatchReport],
    tally: &Tally,
) -> AppResult<Vec<CharacteristicCharts>> {
    let mut found = Vec::new();
    for measured in &tally.characteristics {
        if measured.running.n == 0 {
            continue; // no readings of it in this order
        }
        let c = &measured.characteristic;
        let control_chart =
            charts::summary_control_chart(scope, c, subgroup_summaries(batches, c)).ok();
        found.push(CharacteristicCharts {
            name: c.name.clone(),
            histogram: Some(charts::render_histogram(
                scope,
                c,
                &measured.bins.bins(),
                &measured.running,
            )?),
            control_chart,
        });
    }
    Ok(found)
}

/// Each batch's n, mean, s and range of a characteristic, from the
/// batch's statistics; batches without readings of it left out.
fn subgroup_summaries(batches: &[BatchReport], c: &Characteristic) -> Vec<SubgroupSummary> {
    batches
        .iter()
        .filter_map(|b| {
            let s = b
                .statistics
                .characteristics
                .iter()
                .find(|s| s.code == c.code)?;
            Some(SubgroupSummary {
                batch_id: b.batch.id,
                described: Descriptives {
                    n: s.n,
                    mean: s.mean?,
                    std_dev: s.std_dev,
                    min: s.min?,
                    max: s.max?,
                },
            })
        })
        .collect()
}
