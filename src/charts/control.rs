//! Shewhart control charts (X̄–R, X̄–S, I-MR, p, u): the plotted statistic
//! per batch with its centre line and control limits, the points that
//! complete a run rule marked in red, each run of them named once.

use super::{
    decimals, drawable, drawing_failed, fixed, index_label, XyChart, CENTRE, DATA, FONT, HEIGHT,
    LIMIT, WIDTH,
};
use crate::domain::language::ReportLanguage;
use crate::domain::spc::{ChartKind, ControlChart, Limits};
use crate::error::AppResult;
use crate::i18n::label;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Which limits judge each point: a frozen phase's from its first batch on,
/// or the chart's own when no phase was frozen. Points before the first
/// phase were judged against their own provisional limits and get none.
fn limits_per_point(chart: &ControlChart) -> Vec<Option<(Limits, Option<Limits>)>> {
    let own = Limits {
        center: chart.center,
        lcl: chart.lcl,
        ucl: chart.ucl,
    };
    chart
        .points
        .iter()
        .enumerate()
        .map(|(i, _)| {
            if chart.phases.is_empty() {
                return Some((own, chart.secondary));
            }
            chart
                .phases
                .iter()
                .rev()
                .find(|phase| {
                    chart
                        .points
                        .iter()
                        .position(|p| p.batch_id >= phase.first_batch_id)
                        .is_some_and(|start| start <= i)
                })
                .map(|phase| {
                    (
                        Limits {
                            center: phase.center,
                            lcl: phase.lcl,
                            ucl: phase.ucl,
                        },
                        phase.secondary,
                    )
                })
        })
        .collect()
}

/// The catalogue keys of the panels' names.
fn names(kind: ChartKind) -> (&'static str, Option<&'static str>) {
    match kind {
        ChartKind::XbarR => ("chart-subgroup-mean", Some("chart-range")),
        ChartKind::XbarS => ("chart-subgroup-mean", Some("chart-std-dev")),
        ChartKind::IMr => ("chart-individual", Some("chart-moving-range")),
        ChartKind::P => ("chart-fraction-nonconforming", None),
        ChartKind::U => ("chart-defects-per-unit", None),
    }
}

/// One panel: values per point, each point's limits, and rule names.
struct Panel<'a> {
    name: &'a str,
    values: Vec<Option<f64>>,
    limits: Vec<Option<Limits>>,
    violations: Vec<Vec<String>>,
}

/// `labels` name the points (batch numbers) along the x axis; the panels
/// are named in `language`.
pub fn render(
    chart: &ControlChart,
    title: &str,
    labels: &[String],
    language: ReportLanguage,
) -> AppResult<String> {
    let (primary_key, secondary_key) = names(chart.chart);
    let primary_name = label(language, primary_key);
    let secondary_name = secondary_key.map(|key| label(language, key));
    let per_point = limits_per_point(chart);
    let primary = Panel {
        name: &primary_name,
        values: chart.points.iter().map(|p| Some(p.value)).collect(),
        limits: per_point.iter().map(|l| l.map(|(p, _)| p)).collect(),
        violations: chart
            .points
            .iter()
            .map(|p| p.violations.iter().map(|r| format!("{r:?}")).collect())
            .collect(),
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing_failed)?;
        let root = super::titled(&root, title)?;
        match &secondary_name {
            Some(name) => {
                let (top, bottom) = root.split_vertically(HEIGHT * 55 / 100);
                draw_panel(&top, &primary, labels, false)?;
                let secondary = Panel {
                    name,
                    values: chart.points.iter().map(|p| p.secondary_value).collect(),
                    limits: per_point.iter().map(|l| l.and_then(|(_, s)| s)).collect(),
                    violations: vec![Vec::new(); chart.points.len()],
                };
                draw_panel(&bottom, &secondary, labels, true)?;
            }
            None => draw_panel(&root, &primary, labels, true)?,
        }
        root.present().map_err(drawing_failed)?;
    }
    Ok(super::xml_safe(svg))
}

fn draw_panel(
    area: &DrawingArea<SVGBackend, Shift>,
    panel: &Panel,
    labels: &[String],
    with_batch_axis: bool,
) -> AppResult<()> {
    let count = panel.values.len().max(1);
    let (y0, y1) = y_range(panel);
    let digits = decimals(y1 - y0);
    let x_range = -0.5..(count as f64 - 0.5);
    let mut chart = ChartBuilder::on(area)
        .margin_left(16)
        .margin_right(110)
        .margin_top(8)
        .x_label_area_size(if with_batch_axis { 40 } else { 8 })
        .y_label_area_size(76)
        .build_cartesian_2d(x_range, drawable(y0, y1)?)
        .map_err(drawing_failed)?;
    chart
        .configure_mesh()
        .max_light_lines(0)
        .bold_line_style(super::GRID)
        .disable_x_mesh()
        .x_labels(if with_batch_axis { count.min(20) } else { 0 })
        .x_label_formatter(&|x| index_label(*x, labels))
        .y_desc(panel.name)
        .y_label_formatter(&|v| fixed(*v, digits))
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 13))
        .draw()
        .map_err(drawing_failed)?;
    draw_limits(&mut chart, panel, digits)?;
    draw_points(&mut chart, panel)
}

/// The y range: every value and limit, with a margin.
fn y_range(panel: &Panel) -> (f64, f64) {
    let mut ys: Vec<f64> = panel.values.iter().flatten().copied().collect();
    for limits in panel.limits.iter().flatten() {
        ys.extend([limits.lcl, limits.ucl, limits.center]);
    }
    let (mut y0, mut y1) = ys
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    if !y0.is_finite() {
        (y0, y1) = (0.0, 1.0);
    }
    let pad = ((y1 - y0) * 0.12).max(y1.abs() * 1e-3).max(1e-9);
    (y0 - pad, y1 + pad)
}

/// Limit lines: one segment per run of points judged by the same limits,
/// the last run's named at the right.
fn draw_limits(chart: &mut XyChart, panel: &Panel, digits: usize) -> AppResult<()> {
    let mut start = 0;
    while start < panel.limits.len() {
        let end = (start..panel.limits.len())
            .find(|&j| panel.limits[j] != panel.limits[start])
            .unwrap_or(panel.limits.len());
        if let Some(limits) = panel.limits[start] {
            let (from, to) = (start as f64 - 0.4, end as f64 - 0.6);
            for (value, colour, name) in [
                (limits.ucl, LIMIT, "UCL"),
                (limits.center, CENTRE, "CL"),
                (limits.lcl, LIMIT, "LCL"),
            ] {
                chart
                    .draw_series(LineSeries::new(
                        [(from, value), (to, value)],
                        colour.stroke_width(2),
                    ))
                    .map_err(drawing_failed)?;
                if end == panel.limits.len() {
                    chart
                        .draw_series(std::iter::once(Text::new(
                            format!("{name} {}", fixed(value, digits + 1)),
                            (to, value),
                            (FONT, 13)
                                .into_font()
                                .color(&colour)
                                .pos(Pos::new(HPos::Left, VPos::Center)),
                        )))
                        .map_err(drawing_failed)?;
                }
            }
        }
        start = end;
    }
    Ok(())
}

/// The labels of the points that break run rules: one per run of
/// consecutive such points, at its first point, naming every rule the run
/// breaks (in name order). A process that has shifted
/// breaks rules at point after point, in changing combinations; a label on
/// each piled up into an unreadable block over the run, so a run is named
/// once and the rest of it is shown by its red points.
fn run_labels(violations: &[Vec<String>]) -> Vec<(usize, String)> {
    let mut labels: Vec<(usize, Vec<&str>)> = Vec::new();
    for (i, rules) in violations.iter().enumerate() {
        if rules.is_empty() {
            continue;
        }
        let continues = i > 0 && !violations[i - 1].is_empty();
        if !continues {
            labels.push((i, Vec::new()));
        }
        let (_, named) = labels.last_mut().expect("a run has begun");
        for rule in rules {
            if !named.contains(&rule.as_str()) {
                named.push(rule);
            }
        }
    }
    labels
        .into_iter()
        .map(|(i, mut named)| {
            named.sort_unstable();
            (i, named.join(" "))
        })
        .collect()
}

/// The statistic joined by a line; points that complete a run rule larger
/// and red, each run of them named ([`run_labels`]) at its first point
/// with a value.
fn draw_points(chart: &mut XyChart, panel: &Panel) -> AppResult<()> {
    let points: Vec<(f64, f64)> = panel
        .values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i as f64, v)))
        .collect();
    chart
        .draw_series(LineSeries::new(
            points.iter().copied(),
            DATA.stroke_width(1),
        ))
        .map_err(drawing_failed)?;
    chart
        .draw_series(points.iter().map(|&(x, y)| {
            let broken = !panel.violations[x as usize].is_empty();
            let colour = if broken { LIMIT } else { DATA };
            Circle::new((x, y), if broken { 5 } else { 3 }, colour.filled())
        }))
        .map_err(drawing_failed)?;
    chart
        .draw_series(
            run_labels(&panel.violations)
                .into_iter()
                .filter_map(|(start, text)| {
                    let (i, y) = (start..panel.values.len())
                        .take_while(|&i| !panel.violations[i].is_empty())
                        .find_map(|i| panel.values[i].map(|y| (i, y)))?;
                    Some(Text::new(
                        text,
                        (i as f64, y),
                        (FONT, 12)
                            .into_font()
                            .color(&LIMIT)
                            .pos(Pos::new(HPos::Center, VPos::Bottom)),
                    ))
                }),
        )
        .map_err(drawing_failed)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::run_labels;

    fn rules(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    /// A run of points breaking rules is named once, at its first point,
    /// with every rule it breaks; a run starting again after a clean point
    /// is named anew.
    #[test]
    fn a_run_of_points_breaking_rules_is_named_once() {
        let violations = vec![
            rules(&[]),
            rules(&["WE2", "WE1"]),
            rules(&["WE1", "WE2"]),
            rules(&["WE4"]),
            rules(&[]),
            rules(&["WE2"]),
        ];
        assert_eq!(
            run_labels(&violations),
            [(1, "WE1 WE2 WE4".to_string()), (5, "WE2".to_string())]
        );
        assert_eq!(run_labels(&[rules(&["WE3"])]), [(0, "WE3".to_string())]);
        assert!(run_labels(&[rules(&[]), rules(&[])]).is_empty());
    }
}
