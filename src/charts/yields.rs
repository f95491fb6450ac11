//! Yield trend per batch: first-pass and final yield in percent.

use super::{drawing_failed, index_label, CENTRE, DATA, FONT, HEIGHT, WIDTH};
use crate::domain::language::ReportLanguage;
use crate::error::AppResult;
use crate::i18n::label;
use plotters::prelude::*;

/// (batch label, first-pass yield, final yield), fractions 0..=1.
pub type YieldPoint = (String, Option<f64>, Option<f64>);

pub struct YieldTrend<'a> {
    /// The language(s) of its axes and legend.
    pub language: ReportLanguage,
    pub title: &'a str,
    /// (batch label, first-pass yield, final yield), fractions 0..=1.
    pub batches: &'a [YieldPoint],
}

pub fn render(trend: &YieldTrend) -> AppResult<String> {
    let count = trend.batches.len().max(1);
    let lowest = trend
        .batches
        .iter()
        .flat_map(|b| [b.1, b.2])
        .flatten()
        .fold(1.0f64, f64::min);
    // Zoom in on high yields but always show the 100% line.
    let y0 = ((lowest * 100.0 - 5.0) / 5.0).floor().max(0.0) * 5.0;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing_failed)?;
        let plot = super::titled(&root, trend.title)?;
        let mut chart = ChartBuilder::on(&plot)
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.5f64..(count as f64 - 0.5), y0..100.5)
            .map_err(drawing_failed)?;
        let names: Vec<String> = trend.batches.iter().map(|b| b.0.clone()).collect();
        chart
            .configure_mesh()
            .max_light_lines(0)
            .bold_line_style(super::GRID)
            .disable_x_mesh()
            .x_labels(count.min(20))
            .x_label_formatter(&|x| index_label(*x, &names))
            .x_desc(label(trend.language, "report-col-batch"))
            .y_desc(label(trend.language, "chart-yield-axis"))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(drawing_failed)?;
        for (pick, colour, name) in [
            (1usize, DATA, label(trend.language, "chart-first-pass")),
            (2, CENTRE, label(trend.language, "chart-final-yield")),
        ] {
            let points: Vec<(f64, f64)> = trend
                .batches
                .iter()
                .enumerate()
                .filter_map(|(i, b)| {
                    let value = if pick == 1 { b.1 } else { b.2 };
                    value.map(|v| (i as f64, v * 100.0))
                })
                .collect();
            chart
                .draw_series(LineSeries::new(
                    points.iter().copied(),
                    colour.stroke_width(2),
                ))
                .map_err(drawing_failed)?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 18, y)], colour.stroke_width(2))
                });
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, 4, colour.filled())))
                .map_err(drawing_failed)?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerLeft)
            .label_font((FONT, 13))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()
            .map_err(drawing_failed)?;
        root.present().map_err(drawing_failed)?;
    }
    Ok(super::xml_safe(svg))
}
