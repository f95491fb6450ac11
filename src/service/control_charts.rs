//! Shewhart control charts of a product across its batches, with the run
//! rules the product chooses (`params.spc_rules`, Western Electric by
//! default). Each batch is one point: its sample a subgroup (X̄–R, X̄–S),
//! its mean an individual value (I-MR), its fraction of failed units (p) or
//! its visual defects per unit (u). Limits follow Montgomery, 7th ed.,
//! §6.2 (X̄–R), §6.3 (X̄–S), §6.4 (I-MR), §7.2 (p) and §7.3 (u).

use super::catalog::{get_product, Product};
use super::colour::current_values;
use super::utc;
use crate::domain::access::Visibility;
use crate::domain::inference::{chart_factors, d2};
use crate::domain::run_rules::{violations, Rule};
use crate::domain::stats::describe;
use crate::domain::template::Kind;
use crate::error::OnUniqueViolation;
use crate::error::{AppError, AppResult};
use crate::store::accounts::usernames;
use crate::store::batches::batch_ids_of_product;
use crate::store::now;
use crate::store::phases::{insert_phase, phases_of, PhaseRow};
use crate::store::DbConnection;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use utoipa::ToSchema;

/// The characteristic code that stands for the final visual inspection.
pub const VISUAL: &str = "visual";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum ChartKind {
    #[serde(rename = "xbar-r")]
    XbarR,
    #[serde(rename = "xbar-s")]
    XbarS,
    #[serde(rename = "i-mr")]
    IMr,
    #[serde(rename = "p")]
    P,
    #[serde(rename = "u")]
    U,
}

impl ChartKind {
    pub fn parse(text: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(text.to_string())).ok()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Limits {
    pub center: f64,
    pub lcl: f64,
    pub ucl: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ChartPoint {
    pub batch_id: i64,
    /// The plotted statistic: subgroup mean, individual value, p or u.
    pub value: f64,
    /// The R, S or MR of this point (none for the first MR and for p, u).
    pub secondary_value: Option<f64>,
    /// Run rules that this point completes.
    pub violations: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Alert {
    pub rule: Rule,
    /// The batches at which the rule's pattern completed.
    pub batch_ids: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ControlChart {
    pub chart: ChartKind,
    pub characteristic: String,
    pub center: f64,
    pub lcl: f64,
    pub ucl: f64,
    /// The R, S or MR chart (X̄–R, X̄–S, I-MR).
    pub secondary: Option<Limits>,
    /// Points the limits were computed from (the first `baseline` batches, or all).
    pub baseline_points: usize,
    pub rules: Vec<Rule>,
    pub points: Vec<ChartPoint>,
    pub alerts: Vec<Alert>,
    /// Limits frozen by a lead, oldest first; the top-level limits are the
    /// newest phase's (or, without phases, computed from all batches).
    pub phases: Vec<Phase>,
}

/// The run rules a product asks for (`params.spc_rules`), or Western Electric's.
pub fn rules_of(product: &Product) -> Vec<Rule> {
    product
        .params
        .get("spc_rules")
        .and_then(|v| v.as_array())
        .map(|list| {
            list.iter()
                .filter_map(|r| r.as_str().and_then(Rule::parse))
                .collect()
        })
        .unwrap_or_else(|| Rule::WESTERN_ELECTRIC.to_vec())
}

/// Checks `params.spc_rules` when a product is created: answers the problem.
pub fn check_rules_param(params: &serde_json::Map<String, serde_json::Value>) -> Option<String> {
    let value = params.get("spc_rules")?;
    let Some(list) = value.as_array() else {
        return Some("must be a list of rule ids (WE1–WE4, N1–N8)".into());
    };
    list.iter()
        .find(|r| r.as_str().and_then(Rule::parse).is_none())
        .map(|r| format!("{r} is not a rule id (WE1–WE4, N1–N8)"))
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::invalid(field, message)
}

/// One batch's data for the chart.
struct Subgroup {
    batch_id: i64,
    values: Vec<f64>,
}

fn subgroups(
    conn: &mut DbConnection,
    product: &Product,
    characteristic_id: i64,
    visibility: Visibility,
) -> AppResult<Vec<Subgroup>> {
    let mut groups = Vec::new();
    for batch_id in batch_ids_of_product(conn, product.id, visibility.only_customer())? {
        let values: Vec<f64> = current_values(conn, batch_id, product)?
            .into_iter()
            .filter(|v| v.characteristic_id == characteristic_id)
            .map(|v| v.value)
            .collect();
        if !values.is_empty() {
            groups.push(Subgroup { batch_id, values });
        }
    }
    Ok(groups)
}

/// (batch, count, out of) per batch for p and u charts.
fn counts(
    conn: &mut DbConnection,
    product: &Product,
    code: &str,
    kind: ChartKind,
    visibility: Visibility,
) -> AppResult<Vec<(i64, f64, f64)>> {
    if code == VISUAL {
        let mut rows = Vec::new();
        for batch_id in batch_ids_of_product(conn, product.id, visibility.only_customer())? {
            let Ok(summary) = super::visual::summary(conn, batch_id, Visibility::Everything) else {
                continue;
            };
            if summary.units_inspected == 0 {
                continue;
            }
            let count = match kind {
                ChartKind::U => summary.defects.iter().map(|d| d.count).sum::<i64>(),
                _ => summary.units_failed,
            };
            rows.push((batch_id, count as f64, summary.units_inspected as f64));
        }
        return Ok(rows);
    }
    if kind == ChartKind::U {
        return Err(invalid(
            "characteristic",
            "a u chart counts visual defects per unit: use characteristic=visual",
        ));
    }
    let characteristic = product
        .characteristics
        .iter()
        .find(|c| c.code == code && c.kind == Kind::Attribute)
        .ok_or_else(|| {
            invalid(
                "characteristic",
                format!("a p chart needs an attribute characteristic or 'visual', not '{code}'"),
            )
        })?;
    Ok(subgroups(conn, product, characteristic.id, visibility)?
        .into_iter()
        .map(|g| {
            let failed = g.values.iter().filter(|v| **v != 0.0).count() as f64;
            (g.batch_id, failed, g.values.len() as f64)
        })
        .collect())
}

/// The data of a chart, one entry per batch in batch order.
enum ChartInput {
    /// (batch, count, out of) for p and u charts.
    Counts(Vec<(i64, f64, f64)>),
    Groups(Vec<Subgroup>),
}

impl ChartInput {
    fn batch_ids(&self) -> Vec<i64> {
        match self {
            ChartInput::Counts(rows) => rows.iter().map(|r| r.0).collect(),
            ChartInput::Groups(groups) => groups.iter().map(|g| g.batch_id).collect(),
        }
    }
}

fn chart_input(
    conn: &mut DbConnection,
    product: &Product,
    code: &str,
    kind: ChartKind,
    visibility: Visibility,
) -> AppResult<ChartInput> {
    match kind {
        ChartKind::P | ChartKind::U => Ok(ChartInput::Counts(counts(
            conn, product, code, kind, visibility,
        )?)),
        ChartKind::XbarR | ChartKind::XbarS | ChartKind::IMr => {
            let characteristic = product
                .characteristics
                .iter()
                .find(|c| c.code == code && c.kind == Kind::Variable)
                .ok_or_else(|| {
                    invalid(
                        "characteristic",
                        format!("'{code}' is not a variable characteristic of this product"),
                    )
                })?;
            Ok(ChartInput::Groups(subgroups(
                conn,
                product,
                characteristic.id,
                visibility,
            )?))
        }
    }
}

/// Points and limits with the limits computed from the entries in `base`.
fn compute(
    kind: ChartKind,
    input: &ChartInput,
    base: Range<usize>,
    code: &str,
) -> AppResult<ChartData> {
    match input {
        ChartInput::Counts(rows) => {
            let base = &rows[base];
            let (count, total): (f64, f64) =
                base.iter().fold((0.0, 0.0), |(c, t), r| (c + r.1, t + r.2));
            if base.is_empty() || total == 0.0 {
                return Err(no_data(code));
            }
            let center = count / total;
            let mean_size = total / base.len() as f64;
            let sigma = if kind == ChartKind::P {
                (center * (1.0 - center) / mean_size).sqrt()
            } else {
                (center / mean_size).sqrt()
            };
            let points = rows.iter().map(|r| (r.0, r.1 / r.2, None)).collect();
            Ok((
                points,
                center,
                (center - 3.0 * sigma).max(0.0),
                center + 3.0 * sigma,
                None,
                sigma,
            ))
        }
        ChartInput::Groups(groups) => variables_chart(kind, groups, base),
    }
}

/// One stretch of batches judged against one set of limits.
struct Segment {
    /// Entries (indices) judged.
    points: Range<usize>,
    /// Entries the limits come from.
    base: Range<usize>,
    phase: Option<Phase>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Phase {
    /// Batches from this one on are judged against this phase's limits.
    pub first_batch_id: i64,
    /// The baseline: batches first_batch_id..=last_batch_id.
    pub last_batch_id: i64,
    pub center: f64,
    pub lcl: f64,
    pub ucl: f64,
    pub secondary: Option<Limits>,
    pub frozen_by: Option<String>,
    pub frozen_at: DateTime<Utc>,
}

pub fn control_chart(
    conn: &mut DbConnection,
    product_id: i64,
    code: &str,
    kind: ChartKind,
    baseline: Option<usize>,
    visibility: Visibility,
) -> AppResult<ControlChart> {
    let product = get_product(conn, product_id, visibility)?;
    let rules = rules_of(&product);
    let input = chart_input(conn, &product, code, kind, visibility)?;
    let ids = input.batch_ids();
    let all = 0..ids.len();
    let frozen = phases_of(conn, product_id, code, text(kind).as_str())?;
    let segments: Vec<Segment> = match baseline {
        Some(n) => vec![Segment {
            points: all.clone(),
            base: 0..n.min(ids.len()),
            phase: None,
        }],
        None if frozen.is_empty() => vec![Segment {
            points: all.clone(),
            base: all.clone(),
            phase: None,
        }],
        None => {
            let names: HashMap<i64, String> = usernames(
                conn,
                &frozen
                    .iter()
                    .filter_map(|p| p.frozen_by)
                    .collect::<Vec<_>>(),
            )?
            .into_iter()
            .collect();
            let position = |batch_id: i64| ids.partition_point(|id| *id < batch_id);
            let mut segments = Vec::new();
            let first_start = position(frozen[0].first_batch_id);
            if first_start > 0 {
                segments.push(Segment {
                    points: 0..first_start,
                    base: 0..first_start,
                    phase: None,
                });
            }
            for (k, phase) in frozen.iter().enumerate() {
                let start = position(phase.first_batch_id);
                let end = frozen
                    .get(k + 1)
                    .map_or(ids.len(), |next| position(next.first_batch_id));
                let base_end = ids.partition_point(|id| *id <= phase.last_batch_id);
                let (_, center, lcl, ucl, secondary, _) =
                    compute(kind, &input, start..base_end, code)?;
                segments.push(Segment {
                    points: start..end,
                    base: start..base_end,
                    phase: Some(Phase {
                        first_batch_id: phase.first_batch_id,
                        last_batch_id: phase.last_batch_id,
                        center,
                        lcl,
                        ucl,
                        secondary,
                        frozen_by: phase.frozen_by.and_then(|id| names.get(&id).cloned()),
                        frozen_at: utc(phase.frozen_at),
                    }),
                });
            }
            segments
        }
    };
    let mut points = Vec::with_capacity(ids.len());
    let mut alerts: BTreeMap<Rule, Vec<i64>> = BTreeMap::new();
    let mut latest = None;
    let mut phases = Vec::new();
    for segment in segments {
        let (all_points, center, lcl, ucl, secondary, sigma) =
            compute(kind, &input, segment.base.clone(), code)?;
        let judged = &all_points[segment.points.clone()];
        let z: Vec<f64> = judged
            .iter()
            .map(|p| {
                if sigma > 0.0 {
                    (p.1 - center) / sigma
                } else {
                    0.0
                }
            })
            .collect();
        for (&(batch_id, value, secondary_value), broken) in
            judged.iter().zip(violations(&z, &rules))
        {
            for rule in &broken {
                alerts.entry(*rule).or_default().push(batch_id);
            }
            points.push(ChartPoint {
                batch_id,
                value,
                secondary_value,
                violations: broken,
            });
        }
        phases.extend(segment.phase);
        latest = Some((center, lcl, ucl, secondary, segment.base.len()));
    }
    let (center, lcl, ucl, secondary, baseline_points) = latest.ok_or_else(|| no_data(code))?;
    Ok(ControlChart {
        chart: kind,
        characteristic: code.to_string(),
        center,
        lcl,
        ucl,
        secondary,
        baseline_points,
        rules,
        points,
        alerts: alerts
            .into_iter()
            .map(|(rule, batch_ids)| Alert { rule, batch_ids })
            .collect(),
        phases,
    })
}

fn text(kind: ChartKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

#[derive(Debug, Clone, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FreezeLimits {
    pub characteristic: String,
    pub chart: ChartKind,
    /// First batch of the baseline; the phase starts here.
    pub first_batch_id: i64,
    /// Last batch of the baseline.
    pub last_batch_id: i64,
}

/// Freezes a chart's limits from a baseline of batches: a new phase.
pub fn freeze(
    conn: &mut DbConnection,
    actor: &super::audit::Actor,
    product_id: i64,
    request: FreezeLimits,
) -> AppResult<ControlChart> {
    let product = get_product(conn, product_id, Visibility::Everything)?;
    let input = chart_input(
        conn,
        &product,
        &request.characteristic,
        request.chart,
        Visibility::Everything,
    )?;
    let ids = input.batch_ids();
    let start = ids.iter().position(|id| *id == request.first_batch_id);
    let end = ids.iter().position(|id| *id == request.last_batch_id);
    let (Some(start), Some(end)) = (start, end) else {
        return Err(invalid(
            "first_batch_id",
            "both batches must be batches of this product with data on this chart",
        ));
    };
    if end < start {
        return Err(invalid(
            "last_batch_id",
            "must not come before first_batch_id",
        ));
    }
    compute(
        request.chart,
        &input,
        start..end + 1,
        &request.characteristic,
    )?;
    insert_phase(
        conn,
        &PhaseRow {
            id: 0,
            product_id,
            characteristic: request.characteristic.clone(),
            chart: text(request.chart),
            first_batch_id: request.first_batch_id,
            last_batch_id: request.last_batch_id,
            frozen_by: actor.user_id,
            frozen_at: now(),
        },
    )
    .on_unique_violation(|| {
        AppError::conflict(
            "phase_exists",
            "a phase of this chart already starts at that batch",
        )
    })?;
    super::audit::record(
        conn,
        actor,
        "control_limits.freeze",
        format!("product/{product_id}"),
        serde_json::json!({"characteristic": request.characteristic, "chart": text(request.chart),
                           "first_batch_id": request.first_batch_id, "last_batch_id": request.last_batch_id}),
    )?;
    control_chart(
        conn,
        product_id,
        &request.characteristic,
        request.chart,
        None,
        Visibility::Everything,
    )
}

fn no_data(code: &str) -> AppError {
    AppError::conflict(
        "no_data",
        format!("no batch of this product has data for '{code}' yet"),
    )
}

type ChartData = (
    Vec<(i64, f64, Option<f64>)>,
    f64,
    f64,
    f64,
    Option<Limits>,
    f64,
);

fn variables_chart(
    kind: ChartKind,
    groups: &[Subgroup],
    base: Range<usize>,
) -> AppResult<ChartData> {
    let base_range = base.clone();
    let base = &groups[base];
    if base.is_empty() {
        return Err(AppError::conflict(
            "no_data",
            "no batch has readings of this characteristic yet",
        ));
    }
    let stats: Vec<_> = groups
        .iter()
        .map(|g| describe(&g.values).expect("non-empty subgroup"))
        .collect();
    let base_stats = &stats[base_range];
    let grand_mean = base_stats.iter().map(|d| d.mean).sum::<f64>() / base.len() as f64;
    if kind == ChartKind::IMr {
        let moving: Vec<f64> = base_stats
            .windows(2)
            .map(|w| (w[1].mean - w[0].mean).abs())
            .collect();
        if moving.is_empty() {
            return Err(AppError::conflict(
                "no_data",
                "an I-MR chart needs at least two batches",
            ));
        }
        let mr_bar = moving.iter().sum::<f64>() / moving.len() as f64;
        let sigma = mr_bar / d2(2);
        let factors = chart_factors(2);
        let points = groups
            .iter()
            .zip(&stats)
            .enumerate()
            .map(|(i, (g, d))| {
                let mr = (i > 0).then(|| (d.mean - stats[i - 1].mean).abs());
                (g.batch_id, d.mean, mr)
            })
            .collect();
        let secondary = Limits {
            center: mr_bar,
            lcl: 0.0,
            ucl: factors.d4_factor * mr_bar,
        };
        return Ok((
            points,
            grand_mean,
            grand_mean - 3.0 * sigma,
            grand_mean + 3.0 * sigma,
            Some(secondary),
            sigma,
        ));
    }
    let n = groups[0].values.len();
    if groups.iter().any(|g| g.values.len() != n) {
        return Err(invalid(
            "chart",
            "the batches' samples differ in size; X̄ charts need equal subgroups (use i-mr)",
        ));
    }
    if !(2..=25).contains(&n) {
        return Err(invalid(
            "chart",
            format!("subgroups of {n}: X̄ charts here take 2 to 25 values (use i-mr)"),
        ));
    }
    if kind == ChartKind::XbarR && n > 8 {
        return Err(invalid(
            "chart",
            format!("subgroups of {n}: use xbar-s above 8 values"),
        ));
    }
    let factors = chart_factors(n);
    let spread = |d: &crate::domain::stats::Descriptives| match kind {
        ChartKind::XbarR => d.max - d.min,
        _ => d.std_dev.unwrap_or(0.0),
    };
    let mean_spread = base_stats.iter().map(spread).sum::<f64>() / base.len() as f64;
    let (half_width, secondary) = match kind {
        ChartKind::XbarR => (
            factors.a2 * mean_spread,
            Limits {
                center: mean_spread,
                lcl: factors.d3_factor * mean_spread,
                ucl: factors.d4_factor * mean_spread,
            },
        ),
        _ => (
            factors.a3 * mean_spread,
            Limits {
                center: mean_spread,
                lcl: factors.b3 * mean_spread,
                ucl: factors.b4 * mean_spread,
            },
        ),
    };
    let points = groups
        .iter()
        .zip(&stats)
        .map(|(g, d)| (g.batch_id, d.mean, Some(spread(d))))
        .collect();
    Ok((
        points,
        grand_mean,
        grand_mean - half_width,
        grand_mean + half_width,
        Some(secondary),
        half_width / 3.0,
    ))
}
