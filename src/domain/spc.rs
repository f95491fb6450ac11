//! Shewhart control charts across batches: limits from a baseline, points
//! judged by the run rules of [`super::run_rules`], in stretches (phases)
//! that each have their own baseline.
//!
//! Each batch is one point: its sample a subgroup (X̄–R, X̄–S), its mean an
//! individual value (I-MR), its fraction of failed units (p) or its visual
//! defects per unit (u). Limits follow D. C. Montgomery, *Introduction to
//! Statistical Quality Control*, 7th ed.: §6.2 (X̄–R), §6.3 (X̄–S), §6.4
//! (I-MR), §7.2 (p) and §7.3 (u); the factors come from
//! [`super::inference::chart_factors`].

use super::inference::{chart_factors, d2};
use super::run_rules::{violations, Rule};
use super::stats::{describe, Descriptives};
use crate::domain::message::Message;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Range;
use utoipa::ToSchema;

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
    pub const ALL: [ChartKind; 5] = [Self::XbarR, Self::XbarS, Self::IMr, Self::P, Self::U];

    /// The name used in routes and stored phases (`xbar-r`, `i-mr`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::XbarR => "xbar-r",
            Self::XbarS => "xbar-s",
            Self::IMr => "i-mr",
            Self::P => "p",
            Self::U => "u",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// Whether the chart plots attribute counts (p, u) rather than readings.
    pub fn counts(self) -> bool {
        matches!(self, Self::P | Self::U)
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

/// Why limits cannot be computed from the data at hand.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpcError {
    #[error("no batch has data for this chart in the baseline")]
    NoData,
    #[error("an I-MR chart needs at least two batches")]
    TooFewPoints,
    #[error("the batches' samples differ in size; X̄ charts need equal subgroups (use i-mr)")]
    UnequalSubgroups,
    #[error("subgroups of {0}: X̄ charts need at least 2 values (use i-mr)")]
    SubgroupSize(usize),
    #[error("subgroups of {0}: use xbar-s above 8 values")]
    RangeChartTooWide(usize),
}

impl SpcError {
    /// What the error says, in the catalogues' words.
    pub fn message(&self) -> Message {
        match self {
            SpcError::NoData => Message::new("err-spc-no-data"),
            SpcError::TooFewPoints => Message::new("err-spc-too-few-points"),
            SpcError::UnequalSubgroups => Message::new("err-spc-unequal-subgroups"),
            SpcError::SubgroupSize(n) => Message::new("err-spc-subgroup-size").arg("size", n),
            SpcError::RangeChartTooWide(n) => Message::new("err-spc-range-too-wide").arg("size", n),
        }
    }
}

/// One batch's readings of a variable characteristic.
#[derive(Debug, Clone, PartialEq)]
pub struct Subgroup {
    pub batch_id: i64,
    pub values: Vec<f64>,
}

/// One batch's readings of a variable characteristic summed up: all an
/// X̄ chart (each batch a subgroup) or an individuals chart of batch means
/// needs, so a chart over many batches keeps no readings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SubgroupSummary {
    pub batch_id: i64,
    pub described: Descriptives,
}

/// One batch's count for p (failed units) and u (defects) charts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Count {
    pub batch_id: i64,
    pub count: f64,
    /// Units inspected.
    pub out_of: f64,
}

/// The data of a chart, one entry per batch in batch order.
#[derive(Debug, Clone, PartialEq)]
pub enum ChartInput {
    Counts(Vec<Count>),
    Groups(Vec<Subgroup>),
    Summaries(Vec<SubgroupSummary>),
}

impl ChartInput {
    pub fn batch_ids(&self) -> Vec<i64> {
        match self {
            ChartInput::Counts(rows) => rows.iter().map(|r| r.batch_id).collect(),
            ChartInput::Groups(groups) => groups.iter().map(|g| g.batch_id).collect(),
            ChartInput::Summaries(groups) => groups.iter().map(|g| g.batch_id).collect(),
        }
    }
}

/// One plotted point before it is judged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plotted {
    pub batch_id: i64,
    pub value: f64,
    pub secondary: Option<f64>,
}

/// Limits computed from a baseline, and σ of the plotted statistic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BaselineLimits {
    pub center: f64,
    pub lcl: f64,
    pub ucl: f64,
    pub secondary: Option<Limits>,
    /// σ of the plotted statistic, the unit of the run rules' zones.
    pub sigma: f64,
}

/// Every entry plotted, with limits from the entries in `base`.
pub fn compute(
    kind: ChartKind,
    input: &ChartInput,
    base: Range<usize>,
) -> Result<(Vec<Plotted>, BaselineLimits), SpcError> {
    match input {
        ChartInput::Counts(rows) => counts_chart(kind, rows, base),
        ChartInput::Groups(groups) => {
            let summaries: Vec<SubgroupSummary> = groups
                .iter()
                .map(|g| SubgroupSummary {
                    batch_id: g.batch_id,
                    described: describe(&g.values).expect("a subgroup holds readings"),
                })
                .collect();
            variables_chart(kind, &summaries, base)
        }
        ChartInput::Summaries(summaries) => variables_chart(kind, summaries, base),
    }
}

/// p chart (fraction failed, Montgomery §7.2) or u chart (defects per unit,
/// §7.3), with limits for the baseline's mean sample size.
fn counts_chart(
    kind: ChartKind,
    rows: &[Count],
    base: Range<usize>,
) -> Result<(Vec<Plotted>, BaselineLimits), SpcError> {
    let base = &rows[base];
    let (count, total) = base
        .iter()
        .fold((0.0, 0.0), |(c, t), r| (c + r.count, t + r.out_of));
    if base.is_empty() || total == 0.0 {
        return Err(SpcError::NoData);
    }
    let center = count / total;
    let mean_size = total / base.len() as f64;
    let sigma = if kind == ChartKind::P {
        (center * (1.0 - center) / mean_size).sqrt()
    } else {
        (center / mean_size).sqrt()
    };
    let points = rows
        .iter()
        .map(|r| Plotted {
            batch_id: r.batch_id,
            value: r.count / r.out_of,
            secondary: None,
        })
        .collect();
    let limits = BaselineLimits {
        center,
        lcl: (center - 3.0 * sigma).max(0.0),
        ucl: center + 3.0 * sigma,
        secondary: None,
        sigma,
    };
    Ok((points, limits))
}

/// X̄–R, X̄–S or I-MR from each batch's summary. X̄–S takes subgroups of
/// any equal size from 2 up: its factors come from c4(n), which
/// [`chart_factors`] computes for every n (Montgomery §6.3 prefers S to R
/// beyond 10 values); X̄–R stops at 8.
fn variables_chart(
    kind: ChartKind,
    groups: &[SubgroupSummary],
    base: Range<usize>,
) -> Result<(Vec<Plotted>, BaselineLimits), SpcError> {
    if base.is_empty() {
        return Err(SpcError::NoData);
    }
    let stats: Vec<Descriptives> = groups.iter().map(|g| g.described).collect();
    let base_stats = &stats[base];
    let grand_mean = base_stats.iter().map(|d| d.mean).sum::<f64>() / base_stats.len() as f64;
    if kind == ChartKind::IMr {
        return individuals_chart(groups, &stats, base_stats, grand_mean);
    }
    let n = stats[0].n;
    if stats.iter().any(|d| d.n != n) {
        return Err(SpcError::UnequalSubgroups);
    }
    if n < 2 {
        return Err(SpcError::SubgroupSize(n));
    }
    if kind == ChartKind::XbarR && n > 8 {
        return Err(SpcError::RangeChartTooWide(n));
    }
    let factors = chart_factors(n);
    let spread = |d: &Descriptives| match kind {
        ChartKind::XbarR => d.max - d.min,
        _ => d.std_dev.unwrap_or(0.0),
    };
    let mean_spread = base_stats.iter().map(spread).sum::<f64>() / base_stats.len() as f64;
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
        .map(|(g, d)| Plotted {
            batch_id: g.batch_id,
            value: d.mean,
            secondary: Some(spread(d)),
        })
        .collect();
    let limits = BaselineLimits {
        center: grand_mean,
        lcl: grand_mean - half_width,
        ucl: grand_mean + half_width,
        secondary: Some(secondary),
        sigma: half_width / 3.0,
    };
    Ok((points, limits))
}

/// I-MR of batch means: σ = MR̄ / d2(2), MR chart up to D4(2)·MR̄.
fn individuals_chart(
    groups: &[SubgroupSummary],
    stats: &[Descriptives],
    base_stats: &[Descriptives],
    grand_mean: f64,
) -> Result<(Vec<Plotted>, BaselineLimits), SpcError> {
    let moving: Vec<f64> = base_stats
        .windows(2)
        .map(|w| (w[1].mean - w[0].mean).abs())
        .collect();
    if moving.is_empty() {
        return Err(SpcError::TooFewPoints);
    }
    let mr_bar = moving.iter().sum::<f64>() / moving.len() as f64;
    let sigma = mr_bar / d2(2);
    let points = groups
        .iter()
        .zip(stats)
        .enumerate()
        .map(|(i, (g, d))| Plotted {
            batch_id: g.batch_id,
            value: d.mean,
            secondary: (i > 0).then(|| (d.mean - stats[i - 1].mean).abs()),
        })
        .collect();
    let limits = BaselineLimits {
        center: grand_mean,
        lcl: grand_mean - 3.0 * sigma,
        ucl: grand_mean + 3.0 * sigma,
        secondary: Some(Limits {
            center: mr_bar,
            lcl: 0.0,
            ucl: chart_factors(2).d4_factor * mr_bar,
        }),
        sigma,
    };
    Ok((points, limits))
}

/// A stretch of batches judged against one set of limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Entries (indices into the chart's batches) judged.
    pub points: Range<usize>,
    /// Entries the limits come from.
    pub base: Range<usize>,
}

/// A frozen phase as stored: its baseline runs from the first to the last batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrozenBaseline {
    pub first_batch_id: i64,
    pub last_batch_id: i64,
}

/// How the chart's batches (`ids`, ascending) are cut into stretches: all
/// against the first `baseline` batches when asked; else one stretch per
/// frozen phase (and one before the first, judged against itself); else all
/// against all.
pub fn segments(ids: &[i64], baseline: Option<usize>, frozen: &[FrozenBaseline]) -> Vec<Segment> {
    let all = 0..ids.len();
    if let Some(n) = baseline {
        return vec![Segment {
            points: all,
            base: 0..n.min(ids.len()),
        }];
    }
    let Some(first) = frozen.first() else {
        return vec![Segment {
            points: all.clone(),
            base: all,
        }];
    };
    let position = |batch_id: i64| ids.partition_point(|id| *id < batch_id);
    let mut segments = Vec::with_capacity(frozen.len() + 1);
    let first_start = position(first.first_batch_id);
    if first_start > 0 {
        segments.push(Segment {
            points: 0..first_start,
            base: 0..first_start,
        });
    }
    for (k, phase) in frozen.iter().enumerate() {
        let start = position(phase.first_batch_id);
        let end = frozen
            .get(k + 1)
            .map_or(ids.len(), |next| position(next.first_batch_id));
        let base_end = ids.partition_point(|id| *id <= phase.last_batch_id);
        segments.push(Segment {
            points: start..end,
            base: start..base_end,
        });
    }
    segments
}

/// The chart's points judged stretch by stretch, the rules' alerts, and the
/// limits of each stretch (the last one's stand for the chart).
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    pub points: Vec<ChartPoint>,
    pub alerts: Vec<Alert>,
    /// Per segment, in order: its limits and how many points they came from.
    pub limits: Vec<(BaselineLimits, usize)>,
}

/// Judges every point of `input` by the run rules against its stretch's
/// limits, in σ of the plotted statistic.
pub fn judge(
    kind: ChartKind,
    input: &ChartInput,
    segments: &[Segment],
    rules: &[Rule],
) -> Result<Judged, SpcError> {
    let mut points = Vec::new();
    let mut alerts: BTreeMap<Rule, Vec<i64>> = BTreeMap::new();
    let mut limits = Vec::with_capacity(segments.len());
    for segment in segments {
        let (plotted, baseline) = compute(kind, input, segment.base.clone())?;
        let judged = &plotted[segment.points.clone()];
        let z: Vec<f64> = judged
            .iter()
            .map(|p| {
                if baseline.sigma > 0.0 {
                    (p.value - baseline.center) / baseline.sigma
                } else {
                    0.0
                }
            })
            .collect();
        for (point, broken) in judged.iter().zip(violations(&z, rules)) {
            for rule in &broken {
                alerts.entry(*rule).or_default().push(point.batch_id);
            }
            points.push(ChartPoint {
                batch_id: point.batch_id,
                value: point.value,
                secondary_value: point.secondary,
                violations: broken,
            });
        }
        limits.push((baseline, segment.base.len()));
    }
    Ok(Judged {
        points,
        alerts: alerts
            .into_iter()
            .map(|(rule, batch_ids)| Alert { rule, batch_ids })
            .collect(),
        limits,
    })
}

/// The run rules a product asks for in `params.spc_rules`, or Western Electric's.
pub fn rules_from_params(params: &serde_json::Map<String, serde_json::Value>) -> Vec<Rule> {
    params
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
pub fn check_rules_param(params: &serde_json::Map<String, serde_json::Value>) -> Option<Message> {
    let value = params.get("spc_rules")?;
    let Some(list) = value.as_array() else {
        return Some(Message::new("err-rules-list"));
    };
    list.iter()
        .find(|r| r.as_str().and_then(Rule::parse).is_none())
        .map(|r| Message::new("err-not-a-rule").arg("rule", r))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(values: &[&[f64]]) -> ChartInput {
        ChartInput::Groups(
            values
                .iter()
                .enumerate()
                .map(|(i, v)| Subgroup {
                    batch_id: i as i64 + 1,
                    values: v.to_vec(),
                })
                .collect(),
        )
    }

    /// Montgomery, 7th ed., Example 7.1 (orange-juice cans, p chart): 30
    /// samples of 50, 347 nonconforming in all; p̄ = 0.2313, UCL = 0.4102,
    /// LCL = 0.0524 (printed to four decimals).
    #[test]
    fn p_chart_limits_match_montgomery_example_7_1() {
        let counts = [
            12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22, 8, 10, 5, 13, 11, 20, 18, 24, 15,
            9, 12, 7, 13, 9, 6,
        ];
        let input = ChartInput::Counts(
            counts
                .iter()
                .enumerate()
                .map(|(i, c)| Count {
                    batch_id: i as i64,
                    count: *c as f64,
                    out_of: 50.0,
                })
                .collect(),
        );
        let (_, limits) = compute(ChartKind::P, &input, 0..30).unwrap();
        assert!((limits.center - 0.2313).abs() < 5e-5, "{}", limits.center);
        assert!((limits.ucl - 0.4102).abs() < 5e-5, "{}", limits.ucl);
        assert!((limits.lcl - 0.0524).abs() < 5e-5, "{}", limits.lcl);
    }

    #[test]
    fn xbar_charts_refuse_what_their_factors_do_not_cover() {
        let unequal = groups(&[&[1.0, 2.0], &[1.0, 2.0, 3.0]]);
        assert_eq!(
            compute(ChartKind::XbarR, &unequal, 0..2).unwrap_err(),
            SpcError::UnequalSubgroups
        );
        let wide = groups(&[&[1.0; 9], &[2.0; 9]]);
        assert_eq!(
            compute(ChartKind::XbarR, &wide, 0..2).unwrap_err(),
            SpcError::RangeChartTooWide(9)
        );
        assert!(compute(ChartKind::XbarS, &wide, 0..2).is_ok());
        let single = groups(&[&[1.0], &[2.0]]);
        assert_eq!(
            compute(ChartKind::XbarS, &single, 0..2).unwrap_err(),
            SpcError::SubgroupSize(1)
        );
        assert_eq!(
            compute(ChartKind::IMr, &single, 0..1).unwrap_err(),
            SpcError::TooFewPoints
        );
        assert_eq!(
            compute(ChartKind::IMr, &single, 0..0).unwrap_err(),
            SpcError::NoData
        );
    }

    /// A chart from each batch's summary is the chart from its readings;
    /// X̄–S takes subgroups larger than the printed factor tables.
    #[test]
    fn summaries_chart_as_their_readings_do() {
        let values: Vec<Vec<f64>> = (0..6)
            .map(|b| (0..30).map(|i| f64::from(b + i % 7) * 0.1).collect())
            .collect();
        let slices: Vec<&[f64]> = values.iter().map(Vec::as_slice).collect();
        let readings = groups(&slices);
        let summaries = ChartInput::Summaries(
            values
                .iter()
                .enumerate()
                .map(|(i, v)| SubgroupSummary {
                    batch_id: i as i64 + 1,
                    described: describe(v).unwrap(),
                })
                .collect(),
        );
        for kind in [ChartKind::XbarS, ChartKind::IMr] {
            let from_readings = compute(kind, &readings, 0..6).unwrap();
            assert_eq!(compute(kind, &summaries, 0..6).unwrap(), from_readings);
        }
    }

    #[test]
    fn stretches_follow_the_frozen_phases() {
        let ids = [10, 11, 12, 13, 14, 15];
        assert_eq!(
            segments(&ids, Some(2), &[]),
            vec![Segment {
                points: 0..6,
                base: 0..2
            }]
        );
        let frozen = [
            FrozenBaseline {
                first_batch_id: 12,
                last_batch_id: 13,
            },
            FrozenBaseline {
                first_batch_id: 14,
                last_batch_id: 15,
            },
        ];
        assert_eq!(
            segments(&ids, None, &frozen),
            vec![
                Segment {
                    points: 0..2,
                    base: 0..2
                },
                Segment {
                    points: 2..4,
                    base: 2..4
                },
                Segment {
                    points: 4..6,
                    base: 4..6
                },
            ]
        );
    }

    #[test]
    fn a_point_beyond_three_sigma_trips_we1() {
        let mut values: Vec<Vec<f64>> = (0..10).map(|i| vec![10.0 + (i % 2) as f64]).collect();
        values.push(vec![30.0]);
        let input = ChartInput::Groups(
            values
                .into_iter()
                .enumerate()
                .map(|(i, values)| Subgroup {
                    batch_id: i as i64,
                    values,
                })
                .collect(),
        );
        let judged = judge(
            ChartKind::IMr,
            &input,
            &[Segment {
                points: 0..11,
                base: 0..10,
            }],
            &[Rule::WE1],
        )
        .unwrap();
        assert_eq!(
            judged.alerts,
            vec![Alert {
                rule: Rule::WE1,
                batch_ids: vec![10]
            }]
        );
    }
}
