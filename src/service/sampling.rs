//! Drawing a batch's sampling plan: how many units, and which.

use super::audit::{self, Actor};
use super::batches::Batch;
use super::calculators::{counts_for, iso_inputs};
use super::limits::InputLimits;
use super::plans::get_plan;
use super::{enum_text, utc};
use crate::domain::access::Visibility;
use crate::domain::message::Message;
use crate::domain::sampling::iso2859::{single_plan, Aql, Inspection, Level, SinglePlan};
use crate::domain::sampling::oc::Counts;
use crate::domain::sampling::plan::{Method, Plan};
use crate::domain::sampling::{draw_units, LotSize, Percent, Seed, DRAW_ALGORITHM};
use crate::domain::template::Severity;
use crate::error::{AppError, AppResult, ErrorCode, OnUniqueViolation, OrInternal, Violations};
use crate::store::sampling::{self as store, ClassRow, PlanRow};
use crate::store::{now, DbConnection};
use serde::Deserialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    pub method: Method,
    /// For `percent`: the share of the lot to inspect, 0.01–100 with at
    /// most two decimals; 10 when absent. A plan draws at most 200,000
    /// units unless the server is set otherwise.
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
    /// For `iso2859-1` with one AQL: `nonconforming_units` or
    /// `nonconformities` (per 100 units; absent: as the AQL implies, every
    /// AQL above 10 counting nonconformities).
    pub counts: Option<String>,
}

pub fn draw_plan(
    conn: &mut DbConnection,
    actor: &Actor,
    batch_id: i64,
    request: PlanRequest,
    limits: &InputLimits,
) -> AppResult<Plan> {
    let batch = super::batches::get_batch(conn, batch_id, Visibility::Everything)?;
    if let Some(existing) = store::plan_of_batch(conn, batch_id)? {
        return Err(already_drawn(batch_id, &existing));
    }
    let checked = check_request(&request)?;
    let (iso, inspection_reason) = with_severity(conn, actor, &batch, checked.iso, &request)?;
    let lot = LotSize::parse(batch.lot_size).map_err(|m| AppError::invalid("lot_size", m))?;
    let sizes = size_plan(lot, checked.percent, iso, &checked.classes);
    if let Some(problem) = limits.sample_problem(sizes.sample_size, lot.get()) {
        let field = match request.method {
            Method::Percent => "percent",
            Method::Iso2859_1 => "level",
        };
        return Err(AppError::invalid(field, problem));
    }
    let units = draw_units(checked.seed, lot.get(), sizes.sample_size);
    let row = plan_row(&batch, &request, &checked, &sizes, inspection_reason);
    store_plan(conn, actor, &row, &units, &sizes.class_plans)?;
    get_plan(conn, batch_id, Visibility::Everything)
}

/// An ISO 2859-1 lookup: AQL, inspection level and severity.
type IsoInputs = (Aql, Level, Inspection);

/// A request that passed the checks.
struct CheckedRequest {
    seed: Seed,
    percent: Percent,
    /// Per class of nonconformity: its AQL, `None` for none allowed.
    classes: Vec<(Severity, Option<Aql>)>,
    /// For ISO 2859-1: the lookup, with the severity asked for (or normal).
    iso: Option<IsoInputs>,
    /// What the plan counts.
    counts: Counts,
}

/// Checks every field of the request against its method; names all the
/// problems at once.
fn check_request(request: &PlanRequest) -> AppResult<CheckedRequest> {
    let mut problems = Violations::default();
    let seed = match request.seed.map(Seed::parse).transpose() {
        Ok(seed) => seed.unwrap_or_else(Seed::random),
        Err(m) => {
            problems.add("seed", m);
            Seed::random()
        }
    };
    let percent = check_percent(request, &mut problems);
    let classes = match (&request.method, &request.aql_by_severity) {
        (_, None) => Vec::new(),
        (Method::Percent, Some(_)) => {
            problems.add(
                "aql_by_severity",
                Message::new("err-applies-to-method").arg("method", "iso2859-1"),
            );
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
    let counts = check_counts(request, &classes, iso, &mut problems);
    problems.into_result()?;
    Ok(CheckedRequest {
        seed,
        percent,
        classes,
        iso,
        counts,
    })
}

/// What the plan counts: nonconformities only for an ISO 2859-1 plan of
/// one AQL (asked for, or implied by an AQL above 10); plans by class
/// count nonconforming units per class.
fn check_counts(
    request: &PlanRequest,
    classes: &[(Severity, Option<Aql>)],
    iso: Option<IsoInputs>,
    problems: &mut Violations,
) -> Counts {
    let asked = request.counts.as_deref();
    match (request.method, iso) {
        (Method::Percent, _) if asked.is_some() => {
            problems.add(
                "counts",
                Message::new("err-applies-to-method").arg("method", "iso2859-1"),
            );
            Counts::NonconformingUnits
        }
        (Method::Iso2859_1, Some((aql, ..))) if classes.is_empty() => counts_for(aql, asked)
            .unwrap_or_else(|m| {
                problems.add("counts", m);
                Counts::NonconformingUnits
            }),
        (_, _) if asked.is_some_and(|a| a != "nonconforming_units") => {
            problems.add("counts", Message::new("err-counts-by-class"));
            Counts::NonconformingUnits
        }
        _ => Counts::NonconformingUnits,
    }
}

/// The share to inspect for method `percent`; the ISO fields do not apply to it.
fn check_percent(request: &PlanRequest, problems: &mut Violations) -> Percent {
    match request.method {
        Method::Percent => {
            for (field, given) in [
                ("aql", request.aql.is_some()),
                ("level", request.level.is_some()),
                ("inspection", request.inspection.is_some()),
            ] {
                if given {
                    problems.add(
                        field,
                        Message::new("err-applies-to-method").arg("method", "iso2859-1"),
                    );
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
                problems.add(
                    "percent",
                    Message::new("err-applies-to-method").arg("method", "percent"),
                );
            }
            Percent::DEFAULT
        }
    }
}

/// The ISO lookup with its severity, and why that severity. Without an
/// explicit severity, the switching state of the product's lots (or of the
/// lots from this batch's supplier) decides.
fn with_severity(
    conn: &mut DbConnection,
    actor: &Actor,
    batch: &Batch,
    iso: Option<IsoInputs>,
    request: &PlanRequest,
) -> AppResult<(Option<IsoInputs>, Option<String>)> {
    Ok(match (iso, &request.inspection) {
        (Some((aql, level, _)), None) => {
            let order = crate::store::orders::find_order(conn, batch.order_id)?
                .or_internal("a batch has its order")?;
            let stream = super::switching::Stream {
                product_id: order.product_id,
                supplier_id: batch.supplier_id,
            };
            let (inspection, why) = super::switching::severity_for_next_lot(conn, stream)?;
            (Some((aql, level, inspection)), Some(why))
        }
        (Some(iso), Some(_)) => (Some(iso), Some(format!("requested by {}", actor.name))),
        (None, _) => (None, None),
    })
}

/// The plans looked up for a lot and how many units they sample.
struct Sizes {
    /// The single ISO plan of the lookup, if the method is ISO 2859-1.
    iso_plan: Option<(Aql, Level, Inspection, SinglePlan)>,
    /// One plan per class of nonconformity, if classes were given.
    class_plans: Vec<(Severity, f64, SinglePlan)>,
    sample_size: u32,
}

fn size_plan(
    lot: LotSize,
    percent: Percent,
    iso: Option<IsoInputs>,
    classes: &[(Severity, Option<Aql>)],
) -> Sizes {
    let iso_plan = iso.map(|(aql, level, inspection)| {
        (
            aql,
            level,
            inspection,
            single_plan(lot.get(), aql, level, inspection),
        )
    });
    let class_plans: Vec<(Severity, f64, SinglePlan)> = match iso_plan {
        Some((_, level, inspection, _)) => class_plans(lot.get(), level, inspection, classes),
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
    Sizes {
        iso_plan,
        class_plans,
        sample_size,
    }
}

fn plan_row(
    batch: &Batch,
    request: &PlanRequest,
    checked: &CheckedRequest,
    sizes: &Sizes,
    inspection_reason: Option<String>,
) -> PlanRow {
    let iso_plan = sizes.iso_plan;
    // Plans by class answer per class; the top level keeps the common code letter.
    let single = iso_plan.filter(|_| sizes.class_plans.is_empty());
    PlanRow {
        id: 0,
        batch_id: batch.id,
        method: request.method.as_str().to_string(),
        algorithm: DRAW_ALGORITHM.to_string(),
        seed: checked.seed.get() as i64,
        lot_size: batch.lot_size,
        sample_size: i64::from(sizes.sample_size),
        percent: iso_plan.is_none().then(|| checked.percent.as_f64()),
        aql: single.map(|(aql, ..)| aql.value()),
        level: iso_plan.map(|(_, level, ..)| level.as_str().to_string()),
        inspection: iso_plan.map(|(.., inspection, _)| inspection.as_str().to_string()),
        code_letter: iso_plan.map(|(.., plan)| plan.code_letter.to_string()),
        plan_letter: single.map(|(.., plan)| plan.plan_letter.to_string()),
        accept: single.map(|(.., plan)| plan.accept as i32),
        reject: single.map(|(.., plan)| plan.reject as i32),
        created_at: now(),
        inspection_reason,
        counts: enum_text(checked.counts),
    }
}

/// Stores the plan, its drawn units and its class plans, and audits it.
fn store_plan(
    conn: &mut DbConnection,
    actor: &Actor,
    row: &PlanRow,
    units: &[u32],
    class_plans: &[(Severity, f64, SinglePlan)],
) -> AppResult<()> {
    let batch_id = row.batch_id;
    let plan_id = store::insert_plan(conn, row, units).on_unique_violation(|| {
        AppError::conflict(
            ErrorCode::PlanExists,
            Message::new("err-plan-drawn-meanwhile").arg("batch", batch_id),
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
    Ok(())
}

/// Parses the class AQLs (`None` for 0: none allowed), naming bad ones.
fn class_aqls(
    aql: Option<f64>,
    by_severity: &BTreeMap<Severity, f64>,
    problems: &mut Violations,
) -> Vec<(Severity, Option<Aql>)> {
    if aql.is_some() {
        problems.add("aql", Message::new("err-aql-either"));
    }
    if by_severity.is_empty() {
        problems.add("aql_by_severity", Message::new("err-aql-one-class"));
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
        problems.add("aql_by_severity", Message::new("err-aql-class-above-zero"));
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
        ErrorCode::PlanExists,
        Message::new("err-plan-exists")
            .arg("batch", batch_id)
            .arg("seed", existing.seed)
            .arg("drawn", utc(existing.created_at).to_rfc3339()),
    )
}
