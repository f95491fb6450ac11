//! Control charts of a product across its batches: gathers each batch's
//! data (readings for X̄–R, X̄–S and I-MR, counts for p and u), the phases a
//! lead froze, and hands them to [`crate::domain::spc`] for the limits and
//! the run rules. The run rules are the product's own (`params.spc_rules`,
//! Western Electric by default).

use super::audit::{self, Actor};
use super::catalog::{get_product, Product};
use super::colour::batch_subgroups;
use super::limits::chartable;
use super::utc;
use crate::domain::access::Visibility;
use crate::domain::message::Message;
use crate::domain::spc::{
    self, ChartInput, ChartKind, ControlChart, Count, FrozenBaseline, Phase, SpcError,
    SubgroupSummary,
};
use crate::domain::template::Kind;
use crate::error::{AppError, AppResult, ErrorCode, OnUniqueViolation};
use crate::store::accounts::usernames;
use crate::store::batches::batch_ids_of_product;
use crate::store::now;
use crate::store::phases::{insert_phase, phases_of, PhaseRow};
use crate::store::DbConnection;
use std::collections::HashMap;
use utoipa::ToSchema;

/// The characteristic code that stands for the final visual inspection.
pub const VISUAL: &str = "visual";

/// The run rules a product asks for (`params.spc_rules`), or Western Electric's.
pub fn rules_of(product: &Product) -> Vec<crate::domain::run_rules::Rule> {
    spc::rules_from_params(&product.params)
}

fn invalid(field: &str, message: impl Into<crate::error::Words>) -> AppError {
    AppError::invalid(field, message)
}

/// Failed units (p) or visual defects (u) per batch, out of the units inspected.
fn counts(
    conn: &mut DbConnection,
    product: &Product,
    code: &str,
    kind: ChartKind,
    visibility: Visibility,
) -> AppResult<Vec<Count>> {
    if code == VISUAL {
        let mut rows = Vec::new();
        for batch_id in batch_ids_of_product(conn, product.id, visibility.only_customer())? {
            let summary = super::visual::summary(conn, batch_id, Visibility::Everything)?;
            if summary.units_inspected == 0 {
                continue;
            }
            let count = match kind {
                ChartKind::U => summary.defects.iter().map(|d| d.count).sum::<i64>(),
                _ => summary.units_failed,
            };
            rows.push(Count {
                batch_id,
                count: count as f64,
                out_of: summary.units_inspected as f64,
            });
        }
        return Ok(rows);
    }
    if kind == ChartKind::U {
        return Err(invalid(
            "characteristic",
            Message::new("err-u-chart-visual"),
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
    Ok(
        batch_subgroups(conn, product, characteristic.id, visibility)?
            .into_iter()
            .map(|g| Count {
                batch_id: g.batch_id,
                count: g.values.iter().filter(|v| **v != 0.0).count() as f64,
                out_of: g.values.len() as f64,
            })
            .collect(),
    )
}

fn chart_input(
    conn: &mut DbConnection,
    product: &Product,
    code: &str,
    kind: ChartKind,
    visibility: Visibility,
) -> AppResult<ChartInput> {
    if kind.counts() {
        return Ok(ChartInput::Counts(counts(
            conn, product, code, kind, visibility,
        )?));
    }
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
    let groups = batch_subgroups(conn, product, characteristic.id, visibility)?;
    chartable(code, groups.iter().flat_map(|g| g.values.iter().copied()))?;
    Ok(ChartInput::Groups(groups))
}

/// The answer to limits that cannot be computed: no data yet is a conflict
/// (409, it will pass once batches are read), a chart that does not fit the
/// data a field error on `chart`.
fn spc_error(code: &str, error: SpcError) -> AppError {
    match error {
        SpcError::NoData => AppError::conflict(
            ErrorCode::NoData,
            Message::new("err-no-chart-data").arg("code", code),
        ),
        SpcError::TooFewPoints => AppError::conflict(ErrorCode::NoData, error.message()),
        other => invalid("chart", other.message()),
    }
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
    let frozen = if baseline.is_some() {
        Vec::new()
    } else {
        phases_of(conn, product_id, code, kind.as_str())?
    };
    let baselines: Vec<FrozenBaseline> = frozen
        .iter()
        .map(|p| FrozenBaseline {
            first_batch_id: p.first_batch_id,
            last_batch_id: p.last_batch_id,
        })
        .collect();
    let segments = spc::segments(&ids, baseline, &baselines);
    let judged = spc::judge(kind, &input, &segments, &rules).map_err(|e| spc_error(code, e))?;
    let names: HashMap<i64, String> = usernames(
        conn,
        &frozen
            .iter()
            .filter_map(|p| p.frozen_by)
            .collect::<Vec<_>>(),
    )?
    .into_iter()
    .collect();
    // Frozen phases are the last segments, one each, after any stretch before them.
    let phase_limits = &judged.limits[judged.limits.len() - frozen.len()..];
    let phases = frozen
        .iter()
        .zip(phase_limits)
        .map(|(row, (limits, _))| Phase {
            first_batch_id: row.first_batch_id,
            last_batch_id: row.last_batch_id,
            center: limits.center,
            lcl: limits.lcl,
            ucl: limits.ucl,
            secondary: limits.secondary,
            frozen_by: row.frozen_by.and_then(|id| names.get(&id).cloned()),
            frozen_at: utc(row.frozen_at),
        })
        .collect();
    let (latest, baseline_points) = *judged
        .limits
        .last()
        .ok_or_else(|| spc_error(code, SpcError::NoData))?;
    Ok(ControlChart {
        chart: kind,
        characteristic: code.to_string(),
        center: latest.center,
        lcl: latest.lcl,
        ucl: latest.ucl,
        secondary: latest.secondary,
        baseline_points,
        rules,
        points: judged.points,
        alerts: judged.alerts,
        phases,
    })
}

/// A control chart of some batches from their summaries, each batch a
/// subgroup, with limits from these batches alone and the product's run
/// rules: X̄–S when every batch's sample has the same size (2 or more;
/// the S chart needs only each batch's n, mean and s), else an
/// individuals chart of the batch means (I-MR). What a report draws for
/// the batches it covers, without reading their readings again.
pub fn chart_of_summaries(
    product: &Product,
    code: &str,
    summaries: Vec<SubgroupSummary>,
) -> AppResult<ControlChart> {
    chartable(
        code,
        summaries
            .iter()
            .flat_map(|s| [s.described.min, s.described.max]),
    )?;
    let equal = summaries
        .windows(2)
        .all(|w| w[0].described.n == w[1].described.n);
    let kind = match summaries.first() {
        Some(first) if equal && first.described.n >= 2 => ChartKind::XbarS,
        _ => ChartKind::IMr,
    };
    let rules = rules_of(product);
    let input = ChartInput::Summaries(summaries);
    let segments = spc::segments(&input.batch_ids(), None, &[]);
    let judged = spc::judge(kind, &input, &segments, &rules).map_err(|e| spc_error(code, e))?;
    let (limits, baseline_points) = *judged
        .limits
        .last()
        .ok_or_else(|| spc_error(code, SpcError::NoData))?;
    Ok(ControlChart {
        chart: kind,
        characteristic: code.to_string(),
        center: limits.center,
        lcl: limits.lcl,
        ucl: limits.ucl,
        secondary: limits.secondary,
        baseline_points,
        rules,
        points: judged.points,
        alerts: judged.alerts,
        phases: Vec::new(),
    })
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
    actor: &Actor,
    product_id: i64,
    request: FreezeLimits,
) -> AppResult<ControlChart> {
    let product = get_product(conn, product_id, Visibility::Everything)?;
    let code = &request.characteristic;
    let input = chart_input(conn, &product, code, request.chart, Visibility::Everything)?;
    let ids = input.batch_ids();
    let start = ids.iter().position(|id| *id == request.first_batch_id);
    let end = ids.iter().position(|id| *id == request.last_batch_id);
    let (Some(start), Some(end)) = (start, end) else {
        return Err(invalid("first_batch_id", Message::new("err-phase-batches")));
    };
    if end < start {
        return Err(invalid("last_batch_id", Message::new("err-phase-order")));
    }
    spc::compute(request.chart, &input, start..end + 1).map_err(|e| spc_error(code, e))?;
    insert_phase(
        conn,
        &PhaseRow {
            id: 0,
            product_id,
            characteristic: request.characteristic.clone(),
            chart: request.chart.as_str().to_string(),
            first_batch_id: request.first_batch_id,
            last_batch_id: request.last_batch_id,
            frozen_by: actor.user_id,
            frozen_at: now(),
        },
    )
    .on_unique_violation(|| {
        AppError::conflict(ErrorCode::PhaseExists, Message::new("err-phase-exists"))
    })?;
    audit::record(
        conn,
        actor,
        "control_limits.freeze",
        format!("product/{product_id}"),
        serde_json::json!({"characteristic": request.characteristic, "chart": request.chart.as_str(),
                           "first_batch_id": request.first_batch_id, "last_batch_id": request.last_batch_id}),
    )?;
    control_chart(
        conn,
        product_id,
        code,
        request.chart,
        None,
        Visibility::Everything,
    )
}
