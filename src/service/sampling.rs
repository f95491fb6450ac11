//! Drawing a batch's sampling plan: how many units, and which.

use super::audit::{self, Actor};
use super::plans::{iso_inputs, risk_of, Risk};
use super::utc;
use crate::domain::access::Visibility;
use crate::domain::sampling::iso2859::{single_plan, Aql, Inspection, Level, SinglePlan};
use crate::domain::sampling::oc::{AttributePlan, Model};
use crate::domain::sampling::{draw_units, LotSize, Percent, Seed, DRAW_ALGORITHM};
use crate::domain::template::Severity;
use crate::error::{AppError, AppResult, OnUniqueViolation, Violations};
use crate::store::sampling::{self as store, ClassRow, PlanRow};
use crate::store::{now, DbConnection};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Method {
    /// A fixed percentage of the lot (the factory's habit: 10%).
    #[serde(rename = "percent")]
    Percent,
    /// ISO 2859-1 single sampling by attributes.
    #[serde(rename = "iso2859-1")]
    Iso2859_1,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Percent => "percent",
            Self::Iso2859_1 => "iso2859-1",
        }
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    pub method: Method,
    /// For `percent`: the share of the lot to inspect, 0.01–100 with at
    /// most two decimals; 10 when absent.
    pub percent: Option<f64>,
    /// The seed of the draw, 0 ..= 2^53−1; a random one is chosen and stored
    /// when absent.
    pub seed: Option<i64>,
    /// For `iso2859-1`: acceptance quality limit.
    pub aql: Option<f64>,
    /// For `iso2859-1`: inspection level (`II` when absent).
    pub level: Option<String>,
    /// For `iso2859-1`: `normal`, `tightened` or `reduced`.
    pub inspection: Option<String>,
    /// For `iso2859-1`, instead of `aql`: one plan per class of
    /// nonconformity, e.g. `{"critical": 0, "major": 2.5, "minor": 4.0}`;
    /// AQL 0 means none allowed (Ac 0 on the largest class sample).
    #[schema(value_type = Option<Object>)]
    pub aql_by_severity: Option<BTreeMap<Severity, f64>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Plan {
    pub batch_id: i64,
    pub method: Method,
    /// The draw algorithm, described in the README; re-derive `units` with it.
    pub algorithm: String,
    pub lot_size: i64,
    pub sample_size: i64,
    pub seed: i64,
    pub percent: Option<f64>,
    /// Drawn unit numbers (1..=lot_size), ascending.
    pub units: Vec<i64>,
    pub code_letter: Option<String>,
    pub plan_letter: Option<String>,
    pub accept: Option<i32>,
    pub reject: Option<i32>,
    pub aql: Option<f64>,
    pub level: Option<String>,
    /// Severity of inspection (ISO 2859-1 plans).
    pub inspection: Option<String>,
    /// Why this severity applied: the switching rules' state, or a request.
    pub inspection_reason: Option<String>,
    /// The printed table an ISO 2859-1 plan comes from.
    pub table: Option<&'static str>,
    /// Every unit of the lot is inspected.
    pub inspect_all: bool,
    /// What the plan protects against (exact hypergeometric model); for a
    /// percent plan, or a plan by class, with the lot accepted only when no
    /// unit fails.
    pub risk: Risk,
    /// ISO 2859-1 plans per class of nonconformity, when asked for.
    pub classes: Vec<ClassPlan>,
    pub created_at: DateTime<Utc>,
}

pub fn draw_plan(
    conn: &mut DbConnection,
    actor: &Actor,
    batch_id: i64,
    request: PlanRequest,
) -> AppResult<Plan> {
    let batch = super::batches::get_batch(conn, batch_id, Visibility::Everything)?;
    if let Some(existing) = store::plan_of_batch(conn, batch_id)? {
        return Err(already_drawn(batch_id, &existing));
    }
    let mut problems = Violations::default();
    let seed = match request.seed.map(Seed::parse).transpose() {
        Ok(seed) => seed.unwrap_or_else(Seed::random),
        Err(m) => {
            problems.add("seed", m);
            Seed::random()
        }
    };
    let percent = match request.method {
        Method::Percent => {
            for (field, given) in [
                ("aql", request.aql.is_some()),
                ("level", request.level.is_some()),
                ("inspection", request.inspection.is_some()),
            ] {
                if given {
                    problems.add(field, "applies to method iso2859-1 only");
                }
            }
            match request.percent.map(Percent::parse).transpose() {
                Ok(p) => p.unwrap_or(Percent::DEFAULT),
                Err(m) => {
                    problems.add("percent", m);
                    Percent::DEFAULT
                }
            }
        }
        Method::Iso2859_1 => {
            if request.percent.is_some() {
                problems.add("percent", "applies to method percent only");
            }
            Percent::DEFAULT
        }
    };
    let classes = match (&request.method, &request.aql_by_severity) {
        (_, None) => Vec::new(),
        (Method::Percent, Some(_)) => {
            problems.add("aql_by_severity", "applies to method iso2859-1 only");
            Vec::new()
        }
        (Method::Iso2859_1, Some(by_severity)) => {
            class_aqls(request.aql, by_severity, &mut problems)
        }
    };
    // With classes, the top-level lookup uses the loosest class AQL; the
    // plan's sample is the largest class sample.
    let loosest = classes
        .iter()
        .filter_map(|(_, aql)| aql.map(Aql::value))
        .reduce(f64::max);
    let iso = match request.method {
        Method::Iso2859_1 => iso_inputs(
            loosest.or(request.aql),
            request.level.as_deref(),
            request.inspection.as_deref(),
            &mut problems,
        ),
        Method::Percent => None,
    };
    problems.into_result()?;
    // Without an explicit severity, the switching state of the product's
    // lots (or of the lots from this batch's supplier) decides.
    let (iso, inspection_reason) = match (iso, &request.inspection) {
        (Some((aql, level, _)), None) => {
            let order = crate::store::orders::find_order(conn, batch.order_id)?
                .ok_or_else(AppError::internal)?;
            let stream = super::switching::Stream {
                product_id: order.product_id,
                supplier_id: batch.supplier_id,
            };
            let (inspection, why) = super::switching::severity_for_next_lot(conn, stream)?;
            (Some((aql, level, inspection)), Some(why))
        }
        (Some(iso), Some(_)) => (Some(iso), Some(format!("requested by {}", actor.name))),
        (None, _) => (None, None),
    };
    let lot = LotSize::parse(batch.lot_size).map_err(|m| AppError::invalid("lot_size", m))?;
    let iso_plan = iso.map(|(aql, level, inspection)| {
        (
            aql,
            level,
            inspection,
            single_plan(lot.get(), aql, level, inspection),
        )
    });
    let class_plans: Vec<(Severity, f64, SinglePlan)> = match iso_plan {
        Some((_, level, inspection, _)) => class_plans(lot.get(), level, inspection, &classes),
        None => Vec::new(),
    };
    let sample_size = match (
        &iso_plan,
        class_plans.iter().map(|(.., plan)| plan.sample_size).max(),
    ) {
        (_, Some(largest)) => largest,
        (Some((.., plan)), None) => plan.sample_size,
        (None, None) => percent.sample_size(lot.get()),
    };
    // Plans by class answer per class; the top level keeps the common code letter.
    let single = iso_plan.filter(|_| class_plans.is_empty());
    let units = draw_units(seed, lot.get(), sample_size);
    let row = PlanRow {
        id: 0,
        batch_id,
        method: request.method.as_str().to_string(),
        algorithm: DRAW_ALGORITHM.to_string(),
        seed: seed.get() as i64,
        lot_size: batch.lot_size,
        sample_size: i64::from(sample_size),
        percent: iso_plan.is_none().then(|| percent.as_f64()),
        aql: single.map(|(aql, ..)| aql.value()),
        level: iso_plan.map(|(_, level, ..)| level.as_str().to_string()),
        inspection: iso_plan.map(|(.., inspection, _)| inspection.as_str().to_string()),
        code_letter: iso_plan.map(|(.., plan)| plan.code_letter.to_string()),
        plan_letter: single.map(|(.., plan)| plan.plan_letter.to_string()),
        accept: single.map(|(.., plan)| plan.accept as i32),
        reject: single.map(|(.., plan)| plan.reject as i32),
        created_at: now(),
        inspection_reason,
    };
    let plan_id = store::insert_plan(conn, &row, &units).on_unique_violation(|| {
        AppError::conflict(
            "plan_exists",
            format!("batch {batch_id} got a sampling plan from another request at the same moment"),
        )
    })?;
    let class_rows: Vec<ClassRow> = class_plans
        .iter()
        .map(|(severity, aql, plan)| ClassRow {
            plan_id,
            severity: severity.as_str().to_string(),
            aql: *aql,
            plan_letter: plan.plan_letter.to_string(),
            sample_size: i64::from(plan.sample_size),
            accept: plan.accept as i32,
            reject: plan.reject as i32,
        })
        .collect();
    store::insert_classes(conn, &class_rows)?;
    audit::record(
        conn,
        actor,
        "plan.draw",
        format!("batch/{batch_id}"),
        serde_json::json!({"method": row.method, "seed": row.seed, "lot_size": row.lot_size,
                           "sample_size": row.sample_size, "algorithm": row.algorithm}),
    )?;
    get_plan(conn, batch_id, Visibility::Everything)
}

/// The plan of one class of nonconformity within a batch plan.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClassPlan {
    pub severity: Severity,
    /// 0: none allowed.
    pub aql: f64,
    pub plan_letter: String,
    pub sample_size: i64,
    pub accept: i32,
    pub reject: i32,
    /// The class's units: the first `sample_size` units of the draw, ascending.
    pub units: Vec<i64>,
    pub risk: Risk,
}

/// Parses the class AQLs (`None` for 0: none allowed), naming bad ones.
fn class_aqls(
    aql: Option<f64>,
    by_severity: &BTreeMap<Severity, f64>,
    problems: &mut Violations,
) -> Vec<(Severity, Option<Aql>)> {
    if aql.is_some() {
        problems.add("aql", "give either aql or aql_by_severity");
    }
    if by_severity.is_empty() {
        problems.add("aql_by_severity", "name at least one class");
    }
    let mut classes = Vec::new();
    for (&severity, &value) in by_severity {
        if value == 0.0 {
            classes.push((severity, None));
        } else {
            match Aql::parse(value) {
                Ok(aql) => classes.push((severity, Some(aql))),
                Err(m) => problems.add(format!("aql_by_severity.{}", severity.as_str()), m),
            }
        }
    }
    if !by_severity.is_empty() && classes.iter().all(|(_, aql)| aql.is_none()) {
        problems.add("aql_by_severity", "at least one class needs an AQL above 0");
    }
    classes
}

/// One plan per class; an AQL of 0 gets Ac 0, Re 1 on the largest sample
/// of the other classes.
fn class_plans(
    lot_size: u32,
    level: Level,
    inspection: Inspection,
    classes: &[(Severity, Option<Aql>)],
) -> Vec<(Severity, f64, SinglePlan)> {
    let table_plans: Vec<_> = classes
        .iter()
        .filter_map(|(severity, aql)| {
            aql.map(|aql| {
                (
                    *severity,
                    aql.value(),
                    single_plan(lot_size, aql, level, inspection),
                )
            })
        })
        .collect();
    let Some(largest) = table_plans
        .iter()
        .map(|(.., plan)| *plan)
        .max_by_key(|plan| plan.sample_size)
    else {
        return Vec::new();
    };
    let none_allowed = SinglePlan {
        accept: 0,
        reject: 1,
        ..largest
    };
    let mut plans: Vec<_> = classes
        .iter()
        .filter(|(_, aql)| aql.is_none())
        .map(|(severity, _)| (*severity, 0.0, none_allowed))
        .chain(table_plans)
        .collect();
    plans.sort_by_key(|(severity, ..)| severity.as_str());
    plans
}

fn already_drawn(batch_id: i64, existing: &PlanRow) -> AppError {
    AppError::conflict(
        "plan_exists",
        format!(
            "batch {batch_id} already has a sampling plan (seed {}, drawn {}); a plan is never redrawn",
            existing.seed,
            utc(existing.created_at).to_rfc3339()
        ),
    )
}

/// The plan of a batch, or `None` when none has been drawn.
pub fn find_plan(conn: &mut DbConnection, batch_id: i64) -> AppResult<Option<Plan>> {
    let Some(row) = store::plan_of_batch(conn, batch_id)? else {
        return Ok(None);
    };
    let units = store::units_of_plan(conn, row.id)?;
    let method = match row.method.as_str() {
        "percent" => Method::Percent,
        "iso2859-1" => Method::Iso2859_1,
        other => {
            tracing::error!(
                plan = row.id,
                method = other,
                "stored method is not recognised"
            );
            return Err(AppError::internal());
        }
    };
    let accept = row.accept.unwrap_or(0).max(0) as u64;
    let risk = AttributePlan::new(row.lot_size as u64, row.sample_size as u64, accept)
        .map(|plan| risk_of(&plan, Model::Hypergeometric))
        .map_err(|_| AppError::internal())?;
    let draw_order = store::units_in_draw_order(conn, row.id)?;
    let classes = store::classes_of(conn, row.id)?
        .into_iter()
        .map(|class| class_view(&row, &draw_order, class))
        .collect::<AppResult<Vec<_>>>()?;
    let table = row
        .inspection
        .as_deref()
        .and_then(|text| Inspection::parse(text).ok())
        .map(Inspection::table);
    Ok(Some(Plan {
        aql: row.aql,
        level: row.level.clone(),
        inspection: row.inspection.clone(),
        inspection_reason: row.inspection_reason.clone(),
        table,
        inspect_all: row.sample_size >= row.lot_size,
        risk,
        classes,
        batch_id: row.batch_id,
        method,
        algorithm: row.algorithm,
        lot_size: row.lot_size,
        sample_size: row.sample_size,
        seed: row.seed,
        percent: row.percent,
        units,
        code_letter: row.code_letter,
        plan_letter: row.plan_letter,
        accept: row.accept,
        reject: row.reject,
        created_at: utc(row.created_at),
    }))
}

pub fn get_plan(conn: &mut DbConnection, batch_id: i64, visibility: Visibility) -> AppResult<Plan> {
    super::batches::get_batch(conn, batch_id, visibility)?;
    find_plan(conn, batch_id)?
        .ok_or_else(|| AppError::not_found(format!("sampling plan of batch {batch_id}")))
}

fn class_view(plan: &PlanRow, draw_order: &[i64], class: ClassRow) -> AppResult<ClassPlan> {
    let severity = Severity::parse(&class.severity).ok_or_else(AppError::internal)?;
    let n = (class.sample_size.max(0) as usize).min(draw_order.len());
    let mut units = draw_order[..n].to_vec();
    units.sort_unstable();
    let risk = AttributePlan::new(
        plan.lot_size as u64,
        class.sample_size as u64,
        class.accept.max(0) as u64,
    )
    .map(|attribute| risk_of(&attribute, Model::Hypergeometric))
    .map_err(|_| AppError::internal())?;
    Ok(ClassPlan {
        severity,
        aql: class.aql,
        plan_letter: class.plan_letter,
        sample_size: class.sample_size,
        accept: class.accept,
        reject: class.reject,
        units,
        risk,
    })
}
