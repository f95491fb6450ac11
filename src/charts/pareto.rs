//! Pareto chart of visual defects: counts, most frequent first, with the
//! cumulative share on the right-hand axis.

use super::{drawing_failed, index_label, BARS, FIT, FONT, HEIGHT, WIDTH};
use crate::domain::language::ReportLanguage;
use crate::error::AppResult;
use crate::i18n::label;
use plotters::prelude::*;

pub struct Pareto<'a> {
    /// The language(s) of its axes and notes.
    pub language: ReportLanguage,
    pub title: &'a str,
    /// (defect name, count), most frequent first.
    pub defects: &'a [(String, i64)],
}

/// At most this many bars; the rest are summed as "other".
const MAX_BARS: usize = 10;

/// The most frequent defects, the rest summed up as "other".
fn bars_of(pareto: &Pareto) -> Vec<(String, i64)> {
    let mut bars: Vec<(String, i64)> = pareto.defects.iter().take(MAX_BARS).cloned().collect();
    let rest: i64 = pareto.defects.iter().skip(MAX_BARS).map(|d| d.1).sum();
    if rest > 0 {
        bars.push((label(pareto.language, "chart-other"), rest));
    }
    bars
}

/// Bar labels cut to 16 characters.
fn short_names(bars: &[(String, i64)]) -> Vec<String> {
    bars.iter()
        .map(|(name, _)| {
            let mut short: String = name.chars().take(16).collect();
            if name.chars().count() > 16 {
                short.push('…');
            }
            short
        })
        .collect()
}

/// (bar, cumulative share in %) after each bar.
fn cumulative_share(bars: &[(String, i64)], total: i64) -> Vec<(f64, f64)> {
    bars.iter()
        .scan(0i64, |sum, (_, n)| {
            *sum += n;
            Some(*sum)
        })
        .enumerate()
        .map(|(i, sum)| (i as f64, 100.0 * sum as f64 / total as f64))
        .collect()
}

pub fn render(pareto: &Pareto) -> AppResult<String> {
    let bars = bars_of(pareto);
    let total: i64 = bars.iter().map(|b| b.1).sum();
    let count = bars.len().max(1);
    let top = bars.iter().map(|b| b.1).max().unwrap_or(1).max(1) as f64 * 1.15;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing_failed)?;
        let plot = super::titled(&root, pareto.title)?;
        let mut chart = ChartBuilder::on(&plot)
            .margin(16)
            .x_label_area_size(64)
            .y_label_area_size(60)
            .right_y_label_area_size(60)
            .build_cartesian_2d(-0.5f64..(count as f64 - 0.5), 0f64..top)
            .map_err(drawing_failed)?
            .set_secondary_coord(-0.5f64..(count as f64 - 0.5), 0f64..100.0);
        let names = short_names(&bars);
        chart
            .configure_mesh()
            .max_light_lines(0)
            .bold_line_style(super::GRID)
            .disable_x_mesh()
            .x_labels(count)
            .x_label_formatter(&|x| index_label(*x, &names))
            .y_desc(label(pareto.language, "chart-defects-found"))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(drawing_failed)?;
        chart
            .configure_secondary_axes()
            .y_desc(label(pareto.language, "chart-cumulative"))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(drawing_failed)?;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, (_, n))| {
                Rectangle::new(
                    [(i as f64 - 0.35, 0.0), (i as f64 + 0.35, *n as f64)],
                    BARS.filled(),
                )
            }))
            .map_err(drawing_failed)?;
        if total > 0 {
            let cumulative = cumulative_share(&bars, total);
            chart
                .draw_secondary_series(LineSeries::new(
                    cumulative.iter().copied(),
                    FIT.stroke_width(2),
                ))
                .map_err(drawing_failed)?;
            chart
                .draw_secondary_series(
                    cumulative
                        .iter()
                        .map(|&(x, y)| Circle::new((x, y), 3, FIT.filled())),
                )
                .map_err(drawing_failed)?;
        } else {
            root.draw(&Text::new(
                label(pareto.language, "chart-no-defects"),
                (WIDTH as i32 / 2 - 80, HEIGHT as i32 / 2),
                (FONT, 18).into_font(),
            ))
            .map_err(drawing_failed)?;
        }
        root.present().map_err(drawing_failed)?;
    }
    Ok(super::xml_safe(svg))
}
