//! The operating characteristic curve of a batch's sampling plan, with the
//! producer's risk point (Pa = 95%) and the consumer's (Pa = 10%) marked.

use super::{drawing_failed, CENTRE, DATA, FONT, HEIGHT, LIMIT, WIDTH};
use crate::domain::language::ReportLanguage;
use crate::domain::sampling::oc::{AttributePlan, Model};
use crate::error::AppResult;
use crate::i18n::label;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub struct OcChart<'a> {
    /// The language(s) of its axes and notes.
    pub language: ReportLanguage,
    pub title: &'a str,
    pub plan: AttributePlan,
    pub model: Model,
}

/// The producer's and the consumer's risk points as they lie on the curve:
/// the lot quality where Pa falls to 95% and to 10%, with Pa there (for the
/// hypergeometric model, whose curve steps at p = D/N, the first step at or
/// below the target).
pub fn risk_points(plan: &AttributePlan, model: Model) -> [(f64, f64); 2] {
    [0.95, 0.10].map(|target| {
        let p = plan.quality_at(target, model);
        (p, plan.pa(p, model))
    })
}

/// Points of the curve up to `p_max`: at every p = D/N for a lot small
/// enough, otherwise on an even grid of 400 steps.
fn curve(plan: &AttributePlan, model: Model, p_max: f64) -> Vec<(f64, f64)> {
    let lot = plan.lot_size as f64;
    let defectives = (p_max * lot).ceil() as u64;
    let ps: Vec<f64> = if model == Model::Hypergeometric && defectives <= 400 {
        (0..=defectives).map(|d| d as f64 / lot).collect()
    } else {
        (0..=400).map(|i| p_max * f64::from(i) / 400.0).collect()
    };
    ps.into_iter().map(|p| (p, plan.pa(p, model))).collect()
}

/// Height of a risk point's label, in Pa, with room between two.
const LABELS_APART: f64 = 0.07;

pub fn render(oc: &OcChart) -> AppResult<String> {
    let [producer, consumer] = risk_points(&oc.plan, oc.model);
    // Show the curve down to Pa ≈ 1%: 1.6 × the consumer's point.
    let p_max = (consumer.0 * 1.6).clamp(0.005, 1.0);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing_failed)?;
        let plot = super::titled(&root, oc.title)?;
        let mut chart = ChartBuilder::on(&plot)
            .margin(16)
            .x_label_area_size(52)
            .y_label_area_size(64)
            .build_cartesian_2d(0f64..p_max * 100.0, 0f64..1.0)
            .map_err(drawing_failed)?;
        chart
            .configure_mesh()
            .max_light_lines(0)
            .bold_line_style(super::GRID)
            .x_desc(label(oc.language, "chart-lot-fraction"))
            .y_desc(label(oc.language, "chart-acceptance"))
            .x_label_formatter(&|v| format!("{v:.1}"))
            .y_label_formatter(&|v| format!("{v:.1}"))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(drawing_failed)?;
        chart
            .draw_series(LineSeries::new(
                curve(&oc.plan, oc.model, p_max)
                    .into_iter()
                    .map(|(p, pa)| (p * 100.0, pa)),
                DATA.stroke_width(2),
            ))
            .map_err(drawing_failed)?;
        // Points close in Pa (a plan that inspects the whole lot has both
        // at its first step) have their labels stacked, the producer's on
        // top, rather than written over each other.
        let producer_raise = if (producer.1 - consumer.1).abs() < LABELS_APART {
            LABELS_APART + 0.02
        } else {
            0.02
        };
        for ((p, pa), colour, who, raise) in [
            (
                producer,
                CENTRE,
                label(oc.language, "chart-producers-point"),
                producer_raise,
            ),
            (
                consumer,
                LIMIT,
                label(oc.language, "chart-consumers-point"),
                0.02,
            ),
        ] {
            chart
                .draw_series(std::iter::once(Circle::new(
                    (p * 100.0, pa),
                    6,
                    colour.filled(),
                )))
                .map_err(drawing_failed)?;
            // Label to the right of the point, or to its left on the right half.
            let (h_pos, nudge) = if p < p_max / 2.0 {
                (HPos::Left, p_max * 2.0)
            } else {
                (HPos::Right, -p_max * 2.0)
            };
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("{who}: p = {:.2}%, Pa = {:.2}", p * 100.0, pa),
                    (p * 100.0 + nudge, pa + raise),
                    (FONT, 14)
                        .into_font()
                        .color(&colour)
                        .pos(Pos::new(h_pos, VPos::Bottom)),
                )))
                .map_err(drawing_failed)?;
        }
        root.draw(&Text::new(
            format!(
                "n = {}, Ac = {}, Re = {}, N = {} ({})",
                oc.plan.sample_size,
                oc.plan.accept,
                oc.plan.accept + 1,
                oc.plan.lot_size,
                label(
                    oc.language,
                    match oc.model {
                        Model::Hypergeometric => "chart-model-hypergeometric",
                        Model::Binomial => "chart-model-binomial",
                        Model::Poisson => "chart-model-poisson",
                    }
                )
            ),
            (90, HEIGHT as i32 - 14),
            (FONT, 12).into_font().color(&DATA),
        ))
        .map_err(drawing_failed)?;
        root.present().map_err(drawing_failed)?;
    }
    Ok(super::xml_safe(svg))
}
