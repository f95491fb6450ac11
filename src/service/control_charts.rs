//! Shewhart control charts of a product across its batches, with the run
//! rules the product chooses (`params.spc_rules`, Western Electric by
//! default). Each batch is one point: its sample a subgroup (X̄–R, X̄–S),
//! its mean an individual value (I-MR), its fraction of failed units (p) or
//! its visual defects per unit (u). Limits follow Montgomery, 7th ed.,
//! §6.2 (X̄–R), §6.3 (X̄–S), §6.4 (I-MR), §7.2 (p) and §7.3 (u).

use super::catalog::{get_product, Product};
use super::colour::current_values;
use crate::domain::access::Visibility;
use crate::domain::inference::{chart_factors, d2};
use crate::domain::run_rules::{violations, Rule};
use crate::domain::stats::describe;
use crate::domain::template::Kind;
use crate::error::{AppError, AppResult};
use crate::store::batches::batch_ids_of_product;
use crate::store::DbConnection;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
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
    // (batch, plotted value, secondary value), the limits, and each point's σ units.
    let (points, center, lcl, ucl, secondary, sigma): (
        Vec<(i64, f64, Option<f64>)>,
        _,
        _,
        _,
        _,
        _,
    ) = match kind {
        ChartKind::P | ChartKind::U => {
            let rows = counts(conn, &product, code, kind, visibility)?;
            let base = &rows[..baseline.unwrap_or(rows.len()).min(rows.len())];
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
            (
                points,
                center,
                (center - 3.0 * sigma).max(0.0),
                center + 3.0 * sigma,
                None,
                sigma,
            )
        }
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
            let groups = subgroups(conn, &product, characteristic.id, visibility)?;
            variables_chart(kind, &groups, baseline)?
        }
    };
    let z: Vec<f64> = points
        .iter()
        .map(|p| {
            if sigma > 0.0 {
                (p.1 - center) / sigma
            } else {
                0.0
            }
        })
        .collect();
    let found = violations(&z, &rules);
    let mut alerts: BTreeMap<Rule, Vec<i64>> = BTreeMap::new();
    let points: Vec<ChartPoint> = points
        .into_iter()
        .zip(found)
        .map(|((batch_id, value, secondary_value), rules)| {
            for rule in &rules {
                alerts.entry(*rule).or_default().push(batch_id);
            }
            ChartPoint {
                batch_id,
                value,
                secondary_value,
                violations: rules,
            }
        })
        .collect();
    Ok(ControlChart {
        chart: kind,
        characteristic: code.to_string(),
        center,
        lcl,
        ucl,
        secondary,
        baseline_points: baseline.unwrap_or(points.len()).min(points.len()),
        rules,
        points,
        alerts: alerts
            .into_iter()
            .map(|(rule, batch_ids)| Alert { rule, batch_ids })
            .collect(),
    })
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
    baseline: Option<usize>,
) -> AppResult<ChartData> {
    let base = &groups[..baseline.unwrap_or(groups.len()).min(groups.len())];
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
    let base_stats = &stats[..base.len()];
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
