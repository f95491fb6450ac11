//! QC reports of orders: gathered one batch at a time (summaries kept,
//! readings dropped after each batch), drafted on demand, issued as
//! immutable revisions with a SHA-256 that anyone holding the file can
//! verify, and the readings behind them as CSV.

use super::audit::{self, Actor};
use super::catalog::get_customer;
use super::charts::{self, Scope};
use super::utc;
use crate::charts::oc;
use crate::domain::access::Visibility;
use crate::domain::sampling::oc::Model;
use crate::domain::spc::ChartKind;
use crate::domain::template::Kind;
use crate::error::{AppError, AppResult, ErrorCode, OrInternal};
use crate::report::{self, BatchReport, CharacteristicCharts, Charts, Heading, Issue, QcReport};
use crate::store::accounts::usernames;
use crate::store::reports::{self as store, NewReportRow, ReportRow};
use crate::store::DbConnection;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;

/// An issued revision of an order's report.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct IssuedReport {
    pub order_id: i64,
    pub number: String,
    pub revision: i32,
    /// SHA-256 of the PDF's bytes.
    pub sha256: String,
    pub issued_by: Option<String>,
    pub issued_at: DateTime<Utc>,
    /// What changed since the previous revision.
    pub changes: Vec<String>,
    /// Where the PDF of this revision is downloaded.
    pub href: String,
}

/// What `GET /reports/verify/{sha256}` answers for a genuine file.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Verification {
    pub genuine: bool,
    pub po_number: String,
    pub customer: String,
    pub report: IssuedReport,
    /// The newest revision of the same report; a newer one supersedes this file.
    pub latest_revision: i32,
    pub superseded: bool,
}

/// The report number of an order (revisions share it).
pub fn report_number(order_id: i64) -> String {
    format!("QCR-{order_id:06}")
}

fn issued(conn: &mut DbConnection, row: ReportRow) -> AppResult<IssuedReport> {
    let names: HashMap<i64, String> =
        usernames(conn, &row.issued_by.into_iter().collect::<Vec<_>>())?
            .into_iter()
            .collect();
    Ok(IssuedReport {
        href: format!("/api/v1/orders/{}/reports/{}", row.order_id, row.revision),
        order_id: row.order_id,
        number: row.number,
        revision: row.revision,
        sha256: row.sha256,
        issued_by: row.issued_by.and_then(|id| names.get(&id).cloned()),
        issued_at: utc(row.issued_at),
        changes: serde_json::from_str(&row.changes).or_internal("stored report changes parse")?,
    })
}

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
        let plan = super::plans::find_plan(conn, batch.id)?;
        let risk_points = plan.as_ref().and_then(charts::risk_points);
        batches.push(BatchReport {
            plan,
            risk_points,
            statistics: super::statistics::batch_statistics(
                conn,
                batch.id,
                Visibility::Everything,
            )?,
            visual: super::visual::summary(conn, batch.id, Visibility::Everything)?,
            disposition: super::dispositions::batch_disposition(
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
    // One OC curve per distinct plan, naming its batches.
    let mut plans: BTreeMap<(u64, u64, u64), Vec<i32>> = BTreeMap::new();
    for b in batches {
        if let Some(plan) = b.plan.as_ref().and_then(charts::attribute_plan) {
            plans
                .entry((plan.lot_size, plan.sample_size, plan.accept))
                .or_default()
                .push(b.batch.number);
        }
    }
    for ((lot_size, sample_size, accept), numbers) in plans {
        let plan = crate::domain::sampling::oc::AttributePlan::new(lot_size, sample_size, accept)
            .map_err(|e| {
            AppError::internal(format!("a stored plan is a valid attribute plan: {e:?}"))
        })?;
        let title = format!("OC curve · batch {}", report::batch_list(&numbers));
        charts.oc_curves.push((
            title.clone(),
            oc::render(&oc::OcChart {
                title: &title,
                plan,
                model: Model::Hypergeometric,
            })?,
        ));
    }
    // Control charts show only this customer's batches of the product.
    let own = Visibility::Customer(scope.order.customer_id);
    let measured: Vec<&super::catalog::Characteristic> = scope
        .product
        .characteristics
        .iter()
        .filter(|c| c.kind == Kind::Variable)
        .collect();
    let histograms = charts::histogram_data(conn, &scope.batch_ids(), &scope.product, &measured)?;
    for (c, (bins, running)) in measured.into_iter().zip(histograms) {
        if running.n == 0 {
            continue; // no readings of it in this order
        }
        let control_chart =
            charts::control_chart_svg(conn, scope.product.id, &c.code, ChartKind::IMr, None, own)
                .ok();
        charts.characteristics.push(CharacteristicCharts {
            name: c.name.clone(),
            histogram: Some(charts::render_histogram(scope, c, &bins, &running)?),
            control_chart,
        });
    }
    Ok(charts)
}

/// The fingerprint of everything a report rests on: the order, the
/// product's limits, and each batch's plan, current readings and
/// inspections and decision in force.
pub fn data_hash(conn: &mut DbConnection, order_id: i64) -> AppResult<String> {
    let scope = Scope::of_order(conn, order_id, Visibility::Everything)?;
    let mut hasher = Sha256::new();
    let order = &scope.order;
    hasher.update(format!(
        "order {} {} {} {:?}\n",
        order.id, order.po_number, order.quantity, order.due_date
    ));
    for c in &scope.product.characteristics {
        hasher.update(format!(
            "c {} {:?} {:?} {:?}\n",
            c.code, c.nominal, c.lsl, c.usl
        ));
    }
    for b in &scope.batches {
        let decision = crate::store::dispositions::dispositions_of(conn, b.id)?
            .iter()
            .map(|d| d.id)
            .max();
        hasher.update(format!(
            "b {} {} {} {:?}\n",
            b.id,
            b.lot_size,
            super::dispositions::data_hash(conn, b.id)?,
            decision
        ));
    }
    Ok(crate::domain::digest::hex(&hasher.finalize()))
}

/// What changed in the order's data since `since`, in sentences.
fn changes_since(
    conn: &mut DbConnection,
    report: &QcReport,
    since: NaiveDateTime,
) -> AppResult<Vec<String>> {
    let product = &report.heading.product;
    let name_of: HashMap<i64, (&str, &str)> = product
        .characteristics
        .iter()
        .map(|c| (c.id, (c.name.as_str(), c.unit.as_str())))
        .collect();
    let mut changes = Vec::new();
    for b in &report.batches {
        let number = b.batch.number;
        let all = crate::store::measurements::all_of_batch(conn, b.batch.id)?;
        let by_id: HashMap<i64, f64> = all.iter().map(|m| (m.id, m.value)).collect();
        let mut new_readings = 0;
        for m in all.iter().filter(|m| m.recorded_at > since) {
            match m.supersedes {
                Some(old) => {
                    let (name, unit) = name_of
                        .get(&m.characteristic_id)
                        .copied()
                        .unwrap_or(("?", ""));
                    changes.push(
                        format!(
                            "Batch {number}, unit {}: {name} corrected from {} to {} {unit} ({})",
                            m.unit,
                            by_id.get(&old).map_or("?".into(), |v| v.to_string()),
                            m.value,
                            m.reason.as_deref().unwrap_or("no reason given")
                        )
                        .replace(" )", ")"),
                    );
                }
                None => new_readings += 1,
            }
        }
        if new_readings > 0 {
            changes.push(format!("Batch {number}: {new_readings} readings recorded"));
        }
        let inspections = crate::store::visual::inspections_of_batch(conn, b.batch.id, None)?;
        let mut new_inspections = 0;
        for i in inspections.iter().filter(|i| i.recorded_at > since) {
            match i.supersedes {
                Some(_) => changes.push(format!(
                    "Batch {number}, unit {}: visual inspection corrected ({})",
                    i.unit,
                    i.reason.as_deref().unwrap_or("no reason given")
                )),
                None => new_inspections += 1,
            }
        }
        if new_inspections > 0 {
            changes.push(format!(
                "Batch {number}: {new_inspections} units inspected visually"
            ));
        }
        if let Some(plan) = &b.plan {
            if plan.created_at.naive_utc() > since {
                changes.push(format!("Batch {number}: sampling plan drawn"));
            }
        }
        for d in b
            .disposition
            .history
            .iter()
            .filter(|d| d.signed_at.naive_utc() > since)
        {
            changes.push(format!(
                "Batch {number}: {} by {}",
                report::meaning_text(d.meaning).to_lowercase(),
                d.signed_by
            ));
        }
    }
    if changes.is_empty() {
        changes.push("The order, its batches or the product's limits changed".into());
    }
    Ok(changes)
}

/// The file an order's report link gives.
pub enum ReportFile {
    Issued(IssuedReport, Vec<u8>),
    Draft(Vec<u8>),
}

/// The newest issued revision; before one exists, or when asked, staff
/// get a draft. Customers only ever get issued reports.
pub fn order_report(
    conn: &mut DbConnection,
    order_id: i64,
    visibility: Visibility,
    want_draft: bool,
) -> AppResult<ReportFile> {
    let staff = visibility == Visibility::Everything;
    if want_draft && !staff {
        return Err(AppError::forbidden(
            "drafts are for factory staff; download the issued report",
        ));
    }
    if !want_draft {
        if let Some((issued, bytes)) = issued_pdf(conn, order_id, None, visibility)? {
            return Ok(ReportFile::Issued(issued, bytes));
        }
        if !staff {
            return Err(AppError::conflict(
                ErrorCode::NotIssued,
                "the QC report of this order has not been issued yet",
            ));
        }
    }
    Ok(ReportFile::Draft(draft_pdf(conn, order_id, visibility)?))
}

/// A draft of the report from the data as they stand.
pub fn draft_pdf(
    conn: &mut DbConnection,
    order_id: i64,
    visibility: Visibility,
) -> AppResult<Vec<u8>> {
    let report = gather(conn, order_id, visibility, None, Utc::now())?;
    report::pdf::render(&report)
}

/// A report ready to be stored: the rendered file and what it rests on.
pub struct Prepared {
    pub order_id: i64,
    pub revision: i32,
    pub data_sha256: String,
    pub changes: Vec<String>,
    pub pdf: Vec<u8>,
    pub issued_at: DateTime<Utc>,
}

/// Either the revision already issued for these data, or a new one to store.
pub enum Preparation {
    Unchanged(IssuedReport),
    New(Prepared),
}

/// Renders the next revision unless the data are those of the latest one.
/// Runs outside the write transaction; `store_issue` checks nothing moved.
pub fn prepare_issue(
    conn: &mut DbConnection,
    actor: &Actor,
    order_id: i64,
) -> AppResult<Preparation> {
    let now = Utc::now();
    // Fingerprint first: data changing while the report is gathered make
    // `store_issue` refuse it.
    let data_sha256 = data_hash(conn, order_id)?;
    let draft = gather(conn, order_id, Visibility::Everything, None, now)?;
    if draft.batches.is_empty() {
        return Err(AppError::conflict(
            ErrorCode::NothingToReport,
            "the order has no batches yet: there is nothing to report",
        ));
    }
    let previous = store::reports_of_order(conn, order_id)?.pop();
    if let Some(previous) = previous.as_ref().filter(|p| p.data_sha256 == data_sha256) {
        return Ok(Preparation::Unchanged(issued(conn, previous.clone())?));
    }
    let changes = match &previous {
        Some(p) => changes_since(conn, &draft, p.issued_at)?,
        None => Vec::new(),
    };
    let revision = previous.map_or(1, |p| p.revision + 1);
    let report = QcReport {
        heading: Heading {
            issue: Some(Issue {
                number: report_number(order_id),
                revision,
                issued_by: actor.name.clone(),
                changes: changes.clone(),
            }),
            ..draft.heading
        },
        ..draft
    };
    Ok(Preparation::New(Prepared {
        order_id,
        revision,
        data_sha256,
        changes,
        pdf: report::pdf::render(&report)?,
        issued_at: now,
    }))
}

/// Stores a prepared revision, unless another was issued meanwhile or the
/// data changed while it was being rendered.
pub fn store_issue(
    conn: &mut DbConnection,
    actor: &Actor,
    prepared: Prepared,
) -> AppResult<IssuedReport> {
    let latest = store::reports_of_order(conn, prepared.order_id)?
        .last()
        .map_or(0, |r| r.revision);
    let scope_changed = data_hash(conn, prepared.order_id)? != prepared.data_sha256;
    if latest + 1 != prepared.revision || scope_changed {
        return Err(AppError::conflict(
            ErrorCode::ReportChanged,
            "the order's data or reports changed while the report was being made; issue it again",
        ));
    }
    let sha256 = crate::domain::digest::hex(&Sha256::digest(&prepared.pdf));
    let number = report_number(prepared.order_id);
    let changes =
        serde_json::to_string(&prepared.changes).or_internal("report changes serialise")?;
    store::insert_report(
        conn,
        &NewReportRow {
            order_id: prepared.order_id,
            number: &number,
            revision: prepared.revision,
            sha256: &sha256,
            data_sha256: &prepared.data_sha256,
            changes: &changes,
            pdf: &prepared.pdf,
            issued_by: actor.user_id,
            issued_at: prepared.issued_at.naive_utc(),
        },
    )?;
    audit::record(
        conn,
        actor,
        "report.issue",
        format!("order:{}", prepared.order_id),
        serde_json::json!({"number": number, "revision": prepared.revision, "sha256": sha256,
                           "changes": prepared.changes}),
    )?;
    let row = store::reports_of_order(conn, prepared.order_id)?
        .pop()
        .or_internal("the issued report reads back")?;
    issued(conn, row)
}

/// The newest revision when the order's data changed since it was issued.
pub fn outdated_revision(conn: &mut DbConnection, order_id: i64) -> AppResult<Option<i32>> {
    let Some(latest) = store::reports_of_order(conn, order_id)?.pop() else {
        return Ok(None);
    };
    Ok((data_hash(conn, order_id)? != latest.data_sha256).then_some(latest.revision))
}

pub fn list(
    conn: &mut DbConnection,
    order_id: i64,
    visibility: Visibility,
) -> AppResult<Vec<IssuedReport>> {
    super::orders::get_order(conn, order_id, visibility)?;
    store::reports_of_order(conn, order_id)?
        .into_iter()
        .map(|row| issued(conn, row))
        .collect()
}

/// The stored bytes of a revision (the newest when `revision` is `None`).
pub fn issued_pdf(
    conn: &mut DbConnection,
    order_id: i64,
    revision: Option<i32>,
    visibility: Visibility,
) -> AppResult<Option<(IssuedReport, Vec<u8>)>> {
    super::orders::get_order(conn, order_id, visibility)?;
    let revision = match revision {
        Some(r) => r,
        None => match store::reports_of_order(conn, order_id)?.last() {
            Some(latest) => latest.revision,
            None => return Ok(None),
        },
    };
    match store::pdf_of(conn, order_id, revision)? {
        Some((row, pdf)) => Ok(Some((issued(conn, row)?, pdf))),
        None => Ok(None),
    }
}

/// Whether a SHA-256 is that of an issued report, and of which order.
pub fn verify(conn: &mut DbConnection, sha256: &str) -> AppResult<Verification> {
    let sha256 = sha256.trim().to_ascii_lowercase();
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::invalid("sha256", "must be 64 hexadecimal digits"));
    }
    let row = store::find_by_sha256(conn, &sha256)?.ok_or_else(|| {
        AppError::not_found("issued report with this SHA-256: the file is not a report issued here, or it was altered")
    })?;
    let order = crate::store::orders::find_order(conn, row.order_id)?
        .or_internal("an issued report has its order")?;
    let customer = get_customer(conn, order.customer_id, Visibility::Everything)?;
    let latest = store::reports_of_order(conn, row.order_id)?
        .last()
        .map_or(row.revision, |r| r.revision);
    let report = issued(conn, row)?;
    Ok(Verification {
        genuine: true,
        po_number: order.po_number,
        customer: customer.name,
        superseded: latest > report.revision,
        latest_revision: latest,
        report,
    })
}

/// What the CSV export needs besides each batch's rows.
#[derive(Clone)]
pub struct CsvScope {
    pub po_number: String,
    pub product: super::catalog::Product,
    /// (batch id, batch number), in batch order.
    pub batches: Vec<(i64, i32)>,
}

pub fn csv_scope(
    conn: &mut DbConnection,
    order_id: i64,
    visibility: Visibility,
) -> AppResult<CsvScope> {
    let scope = Scope::of_order(conn, order_id, visibility)?;
    Ok(CsvScope {
        po_number: scope.order.po_number,
        product: scope.product,
        batches: scope.batches.iter().map(|b| (b.id, b.number)).collect(),
    })
}

/// One batch's readings as CSV rows: every current reading, and every value
/// derived from a unit's chromaticity, one row per unit and characteristic.
pub fn csv_rows_of_batch(
    conn: &mut DbConnection,
    scope: &CsvScope,
    batch_id: i64,
    number: i32,
) -> AppResult<Vec<u8>> {
    use crate::report::csv::Rows;
    let product = &scope.product;
    let recorded = crate::store::measurements::current_of_batch(conn, batch_id)?;
    let user_ids: Vec<i64> = recorded.iter().filter_map(|m| m.recorded_by).collect();
    let names: HashMap<i64, String> = usernames(conn, &user_ids)?.into_iter().collect();
    let mut by_key: BTreeMap<(i64, usize), Vec<String>> = BTreeMap::new();
    let position: HashMap<i64, usize> = product
        .characteristics
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i))
        .collect();
    let row = |c: &super::catalog::Characteristic, unit: i64, value: f64| -> Vec<String> {
        let conforming = match c.kind {
            Kind::Variable => c.lsl.is_none_or(|l| value >= l) && c.usl.is_none_or(|u| value <= u),
            Kind::Attribute => value == 0.0,
        };
        vec![
            scope.po_number.clone(),
            number.to_string(),
            unit.to_string(),
            c.code.clone(),
            c.name.clone(),
            c.unit.clone(),
            c.kind.as_str().to_string(),
            value.to_string(),
            c.lsl.map_or(String::new(), |v| v.to_string()),
            c.usl.map_or(String::new(), |v| v.to_string()),
            conforming.to_string(),
        ]
    };
    for m in &recorded {
        let Some(&i) = position.get(&m.characteristic_id) else {
            continue;
        };
        let mut fields = row(&product.characteristics[i], m.unit, m.value);
        fields.extend([
            "false".to_string(),
            m.supersedes.is_some().to_string(),
            utc(m.recorded_at).to_rfc3339(),
            // No user: an instrument import, or the system (demo data).
            m.recorded_by
                .and_then(|id| names.get(&id).cloned())
                .unwrap_or_else(|| {
                    if m.import_id.is_some() {
                        "import"
                    } else {
                        "system"
                    }
                    .into()
                }),
            m.uuid.clone(),
        ]);
        by_key.insert((m.unit, i), fields);
    }
    for v in super::colour::current_values(conn, batch_id, product)? {
        let Some(&i) = position.get(&v.characteristic_id) else {
            continue;
        };
        if !product.characteristics[i].derived {
            continue;
        }
        let mut fields = row(&product.characteristics[i], v.unit, v.value);
        fields.extend([
            "true".into(),
            "false".into(),
            String::new(),
            String::new(),
            String::new(),
        ]);
        by_key.insert((v.unit, i), fields);
    }
    let mut rows = Rows::new();
    for fields in by_key.into_values() {
        rows.push(&fields)?;
    }
    rows.take()
}
