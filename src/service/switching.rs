//! Switching between normal, tightened and reduced inspection per product,
//! from the results of its lots (ISO 2859-1:1999 clause 9).

use super::audit::{self, Actor};
use super::catalog::{get_product, Product};
use super::colour::{current_values, UnitValue};
use super::statistics::{failing_units, nonconformities};
use super::{enum_text, parse_enum, utc};
use crate::domain::access::Visibility;
use crate::domain::message::Message;
use crate::domain::sampling::iso2859::{plan_for_letter, tables::AQLS, Aql, Inspection};
use crate::domain::sampling::oc::Counts;
use crate::domain::sampling::plan::{Method, Plan};
use crate::domain::sampling::switching::{LotResult, Reason, Severity, SwitchingState};
use crate::domain::template::Severity as NonconformityClass;
use crate::error::{AppError, AppResult, ErrorCode, NotFoundAs, OnUniqueViolation};
use crate::store::orders::find_order;
use crate::store::switching::{self as store, SwitchingEventRow};
use crate::store::{now, DbConnection};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SwitchingEvent {
    pub batch_id: Option<i64>,
    /// The lot's result on original inspection (absent for corrective action).
    pub accepted: Option<bool>,
    pub nonconforming_units: Option<i64>,
    /// Severity of inspection for the next lot.
    pub severity: Severity,
    pub reason: Reason,
    pub note: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

/// One sequence of lots the switching rules follow (ISO 2859-1 9.1): a
/// product's own lots, or the lots of it received from one supplier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stream {
    pub product_id: i64,
    pub supplier_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SwitchingHistory {
    pub product_id: i64,
    /// Set when this is the history of one supplier's lots.
    pub supplier_id: Option<i64>,
    pub current: SwitchingState,
    /// Every lot result and corrective action, oldest first.
    pub events: Vec<SwitchingEvent>,
}

fn parse_json<T: serde::de::DeserializeOwned>(text: &str) -> AppResult<T> {
    serde_json::from_str(text)
        .map_err(|e| AppError::internal(format!("stored switching data is not readable: {}", e)))
}

fn event_view(row: SwitchingEventRow) -> AppResult<SwitchingEvent> {
    Ok(SwitchingEvent {
        batch_id: row.batch_id,
        accepted: row.accepted,
        nonconforming_units: row.nonconforming_units,
        severity: parse_enum(&row.severity)?,
        reason: parse_enum(&row.reason)?,
        note: row.note,
        recorded_at: utc(row.recorded_at),
    })
}

/// The stream's current state and the event that led to it, if any.
pub fn current(
    conn: &mut DbConnection,
    stream: Stream,
) -> AppResult<(SwitchingState, Option<SwitchingEvent>)> {
    match store::latest_event(conn, stream.product_id, stream.supplier_id)? {
        None => Ok((SwitchingState::default(), None)),
        Some(row) => Ok((parse_json(&row.state)?, Some(event_view(row)?))),
    }
}

/// The severity the next ISO 2859-1 plan of a stream uses, and why.
pub fn severity_for_next_lot(
    conn: &mut DbConnection,
    stream: Stream,
) -> AppResult<(Inspection, String)> {
    let (state, last) = current(conn, stream)?;
    let why = match &last {
        None => "switching rules: normal inspection at the start (ISO 2859-1 9.2)".to_string(),
        Some(event) => format!(
            "switching rules: {} inspection ({:?}{})",
            serde_json::to_value(state.severity)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            event.reason,
            event
                .batch_id
                .map(|b| format!(" after batch {b}"))
                .unwrap_or_default()
        ),
    };
    let inspection = match state.severity {
        Severity::Normal => Inspection::Normal,
        Severity::Tightened => Inspection::Tightened,
        Severity::Reduced => Inspection::Reduced,
        Severity::Discontinued => {
            return Err(AppError::conflict(
                ErrorCode::InspectionDiscontinued,
                Message::new("err-inspection-discontinued"),
            ))
        }
    };
    Ok((inspection, why))
}

pub fn history(
    conn: &mut DbConnection,
    stream: Stream,
    visibility: Visibility,
) -> AppResult<SwitchingHistory> {
    super::catalog::get_product(conn, stream.product_id, visibility)?;
    if let Some(supplier_id) = stream.supplier_id {
        super::suppliers::get_supplier(conn, supplier_id)?;
    }
    let (current, _) = current(conn, stream)?;
    let events = store::events_of(conn, stream.product_id, stream.supplier_id)?
        .into_iter()
        .map(event_view)
        .collect::<AppResult<_>>()?;
    Ok(SwitchingHistory {
        product_id: stream.product_id,
        supplier_id: stream.supplier_id,
        current,
        events,
    })
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LotResultRequest {
    /// Production is steady (default true); irregular production ends reduced inspection.
    #[serde(default = "steady")]
    pub production_steady: bool,
    /// The responsible authority approves reduced inspection (default false).
    #[serde(default)]
    pub reduced_approved: bool,
}

fn steady() -> bool {
    true
}

/// Judges a batch inspected under an ISO 2859-1 plan from its readings (a
/// unit is nonconforming when any reading is outside its limits or any
/// attribute check failed), and feeds the result to the switching rules.
pub fn record_lot_result(
    conn: &mut DbConnection,
    actor: &Actor,
    batch_id: i64,
    request: LotResultRequest,
) -> AppResult<SwitchingEvent> {
    let batch = super::batches::get_batch(conn, batch_id, Visibility::Everything)?;
    let plan = iso_plan_of(conn, batch_id)?;
    let order = find_order(conn, batch.order_id)?.ok_or_else(|| {
        AppError::not_found(Message::new("err-not-found-order").arg("id", batch.order_id))
    })?;
    let product = get_product(conn, order.product_id, Visibility::Everything)?;
    let readings = complete_readings(conn, batch_id, &plan, &product)?;
    let failing = failing_units(&product.characteristics, &readings);
    // What the plan counts: nonconforming units, or nonconformities.
    let defects = match plan.counts {
        Counts::NonconformingUnits => failing
            .iter()
            .map(|(unit, _)| unit)
            .collect::<HashSet<_>>()
            .len(),
        Counts::Nonconformities => nonconformities(&product.characteristics, &readings),
    } as u32;
    let lot = judge(&plan, &failing, defects, &request);
    let stream = Stream {
        product_id: order.product_id,
        supplier_id: batch.supplier_id,
    };
    let (state, _) = current(conn, stream)?;
    let (next, reason) = state.after(lot);
    let outcome = Some((batch_id, lot.accepted, i64::from(defects)));
    let event = append_event(conn, actor, stream, outcome, &next, reason, None)
        .on_unique_violation(|| {
            AppError::conflict(
                ErrorCode::LotResultExists,
                Message::new("err-lot-result-exists").arg("batch", batch_id),
            )
        })?;
    audit::record(
        conn,
        actor,
        "switching.lot_result",
        format!("batch/{batch_id}"),
        serde_json::json!({"accepted": lot.accepted, "nonconforming_units": defects,
                           "severity": next.severity, "reason": reason}),
    )?;
    event_view(event)
}

/// The batch's plan, which must be an ISO 2859-1 plan.
fn iso_plan_of(conn: &mut DbConnection, batch_id: i64) -> AppResult<Plan> {
    super::plans::find_plan(conn, batch_id)?
        .filter(|p| p.method == Method::Iso2859_1)
        .ok_or_else(|| {
            AppError::conflict(
                ErrorCode::NotAnIsoPlan,
                Message::new("err-switching-needs-iso-plan"),
            )
        })
}

/// The batch's current readings, once every drawn unit has all of them.
fn complete_readings(
    conn: &mut DbConnection,
    batch_id: i64,
    plan: &Plan,
    product: &Product,
) -> AppResult<Vec<UnitValue>> {
    let readings = current_values(conn, batch_id, product)?;
    let expected = plan.units.len() * product.characteristics.len();
    if readings.len() < expected {
        return Err(AppError::conflict(
            ErrorCode::InspectionIncomplete,
            Message::new("err-readings-missing")
                .arg("missing", expected - readings.len())
                .arg("expected", expected),
        ));
    }
    Ok(readings)
}

/// The lot's result under its plan, or under each class's plan; `defects`
/// is the number of nonconforming units.
fn judge(
    plan: &Plan,
    failing: &HashSet<(i64, NonconformityClass)>,
    defects: u32,
    request: &LotResultRequest,
) -> LotResult {
    let letter = plan.code_letter.as_deref().and_then(|l| l.chars().next());
    // Each plan judged: (Ac, nonconforming units it counts, Ac at the next tighter AQL).
    let judged: Vec<(u32, u32, Option<u32>)> = if plan.classes.is_empty() {
        let accept = plan.accept.unwrap_or(0).max(0) as u32;
        vec![(accept, defects, tighter_accept(plan.aql, letter))]
    } else {
        plan.classes
            .iter()
            .map(|class| {
                let units: HashSet<i64> = class.units.iter().copied().collect();
                let counted = failing
                    .iter()
                    .filter(|(unit, severity)| *severity == class.severity && units.contains(unit))
                    .count() as u32;
                let tighter = (class.aql > 0.0)
                    .then(|| tighter_accept(Some(class.aql), letter))
                    .flatten();
                (class.accept.max(0) as u32, counted, tighter.or(Some(0)))
            })
            .collect()
    };
    // The switching score follows the plan with the largest Ac (for
    // plans by class, the major or loosest class).
    let accept_number = judged.iter().map(|(ac, ..)| *ac).max().unwrap_or(0);
    LotResult {
        accepted: judged.iter().all(|(ac, counted, _)| counted <= ac),
        accept_number,
        accepted_at_tighter_aql: judged
            .iter()
            .all(|(_, counted, tighter)| tighter.is_some_and(|ac| *counted <= ac)),
        production_steady: request.production_steady,
        reduced_approved: request.reduced_approved,
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectiveAction {
    /// What the supplier changed.
    pub note: String,
    /// For the lots received from this supplier (absent: the product's own lots).
    pub supplier_id: Option<i64>,
}

/// Resumes discontinued inspection, on tightened, after corrective action.
pub fn record_corrective_action(
    conn: &mut DbConnection,
    actor: &Actor,
    product_id: i64,
    action: CorrectiveAction,
) -> AppResult<SwitchingEvent> {
    super::catalog::get_product(conn, product_id, Visibility::Everything)?;
    if let Some(supplier_id) = action.supplier_id {
        super::suppliers::get_supplier(conn, supplier_id).not_found_as(|| {
            AppError::invalid(
                "supplier_id",
                Message::new("err-no-supplier").arg("id", supplier_id),
            )
        })?;
    }
    let stream = Stream {
        product_id,
        supplier_id: action.supplier_id,
    };
    let note =
        super::required_free_text(&action.note, 2000).map_err(|m| AppError::invalid("note", m))?;
    let (state, _) = current(conn, stream)?;
    let (next, reason) = state.resume_after_corrective_action().ok_or_else(|| {
        AppError::conflict(
            ErrorCode::NotDiscontinued,
            Message::new("err-not-discontinued"),
        )
    })?;
    let event = append_event(conn, actor, stream, None, &next, reason, Some(note))?;
    audit::record(
        conn,
        actor,
        "switching.corrective_action",
        format!("product/{product_id}"),
        serde_json::json!({"note": note, "supplier_id": action.supplier_id}),
    )?;
    event_view(event)
}

/// Appends one event to a stream's switching history; `outcome` is the
/// lot's (batch, accepted, nonconforming units) when a lot caused it.
fn append_event(
    conn: &mut DbConnection,
    actor: &Actor,
    stream: Stream,
    outcome: Option<(i64, bool, i64)>,
    next: &SwitchingState,
    reason: Reason,
    note: Option<&str>,
) -> diesel::QueryResult<SwitchingEventRow> {
    let row = SwitchingEventRow {
        id: 0,
        product_id: stream.product_id,
        supplier_id: stream.supplier_id,
        batch_id: outcome.map(|(batch, ..)| batch),
        accepted: outcome.map(|(_, accepted, _)| accepted),
        nonconforming_units: outcome.map(|(.., defects)| defects),
        severity: enum_text(next.severity),
        reason: enum_text(reason),
        state: serde_json::to_string(next).unwrap_or_default(),
        note: note.map(String::from),
        recorded_by: actor.user_id,
        recorded_at: now(),
    };
    store::insert_event(conn, &row)?;
    Ok(row)
}

/// The acceptance number of the same code letter's normal plan one AQL
/// column tighter ("accepted at the next tighter AQL", 9.3.3.2).
/// The acceptance number at the next tighter AQL for code letter
/// `letter` (normal inspection), for the switching score (9.3.3.2).
pub fn tighter_accept(aql: Option<f64>, letter: Option<char>) -> Option<u32> {
    let column = Aql::parse(aql?).ok()?.column().checked_sub(1)?;
    let tighter = Aql::parse(AQLS[column]).ok()?;
    Some(plan_for_letter(letter?, tighter, Inspection::Normal).2)
}
