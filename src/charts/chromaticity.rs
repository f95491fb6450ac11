//! A window of the CIE 1931 (x, y) diagram around a product's colour
//! target: the Planckian locus, the ANSI C78.377-2008 quadrangles, the
//! target's MacAdam ellipses (IEC 60081 shape, 1 to 7 steps) and every
//! measured unit.

use super::{drawing_failed, Window, XyChart, CENTRE, DATA, FONT, GUIDE, HEIGHT, LIMIT, WIDTH};
use crate::domain::colorimetry::{
    planckian_uv, uv_at, AnsiQuadrangle, Ellipse, Xy, ANSI_C78_377, DUV_TOLERANCE,
};
use crate::error::AppResult;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The MacAdam step counts drawn around the target.
pub const ELLIPSE_STEPS: [f64; 4] = [1.0, 3.0, 5.0, 7.0];

pub struct Diagram<'a> {
    pub title: &'a str,
    /// The target and its one-step ellipse, when the product has a target.
    pub target: Option<Ellipse>,
    pub units: &'a [Xy],
}

/// The window: around the target (or the units' centre), wide enough for
/// every unit and for the 7-step ellipse, with the aspect of the plot area
/// so ellipses keep their shape.
pub fn window(diagram: &Diagram) -> Window {
    let centre = diagram.target.map(|e| (e.x, e.y)).unwrap_or_else(|| {
        let n = diagram.units.len().max(1) as f64;
        let sx: f64 = diagram.units.iter().map(|p| p.x).sum();
        let sy: f64 = diagram.units.iter().map(|p| p.y).sum();
        if diagram.units.is_empty() {
            (0.4476, 0.4074)
        } else {
            (sx / n, sy / n)
        }
    });
    let reach = diagram
        .units
        .iter()
        .map(|p| (p.x - centre.0).abs().max(p.y - centre.1).abs())
        .fold(0.0f64, f64::max);
    let ellipse_reach = diagram.target.map_or(0.0, |e| 7.0 * e.a.max(e.b));
    let half = (reach.max(ellipse_reach) * 1.25).max(0.02);
    // Plot area ≈ 640 × 380 px: widen x to keep one unit of x and y equal.
    let aspect = 640.0 / 380.0;
    Window {
        x: (centre.0 - half * aspect, centre.0 + half * aspect),
        y: (centre.1 - half, centre.1 + half),
    }
}

fn ellipse_outline(e: &Ellipse, steps: f64) -> Vec<(f64, f64)> {
    let (sin, cos) = e.theta_deg.to_radians().sin_cos();
    (0..=72)
        .map(|i| {
            let t = std::f64::consts::TAU * f64::from(i) / 72.0;
            let (a, b) = (steps * e.a * t.cos(), steps * e.b * t.sin());
            (e.x + a * cos - b * sin, e.y + a * sin + b * cos)
        })
        .collect()
}

/// The quadrangle's outline: straight isotemperature edges, curved
/// constant-Duv edges (sampled).
fn quadrangle_outline(q: &AnsiQuadrangle) -> Vec<(f64, f64)> {
    let (t0, t1) = (q.cct_k - q.cct_tolerance_k, q.cct_k + q.cct_tolerance_k);
    let along = |duv: f64, reverse: bool| {
        (0..=12).map(move |i| {
            let f = f64::from(if reverse { 12 - i } else { i }) / 12.0;
            let xy = uv_at(t0 + (t1 - t0) * f, duv).to_xy();
            (xy.x, xy.y)
        })
    };
    let mut outline: Vec<(f64, f64)> = along(q.duv + DUV_TOLERANCE, false).collect();
    outline.extend(along(q.duv - DUV_TOLERANCE, true));
    outline.push(outline[0]);
    outline
}

/// The Planckian locus from 1,500 K to 21,500 K.
fn draw_locus(chart: &mut XyChart, window: &Window) -> AppResult<()> {
    let locus: Vec<(f64, f64)> = (0..=400)
        .map(|i| {
            let xy = planckian_uv(1_500.0 + 50.0 * f64::from(i)).to_xy();
            (xy.x, xy.y)
        })
        .collect();
    for part in window.clip(&locus) {
        chart
            .draw_series(LineSeries::new(part, BLACK.stroke_width(2)))
            .map_err(drawing_failed)?;
    }
    Ok(())
}

/// The ANSI C78.377 quadrangles in the window, each named by its nominal CCT.
fn draw_quadrangles(chart: &mut XyChart, window: &Window) -> AppResult<()> {
    for q in &ANSI_C78_377 {
        let parts = window.clip(&quadrangle_outline(q));
        if parts.is_empty() {
            continue;
        }
        for part in parts {
            chart
                .draw_series(LineSeries::new(part, GUIDE.stroke_width(1)))
                .map_err(drawing_failed)?;
        }
        let centre = uv_at(q.cct_k, q.duv + DUV_TOLERANCE).to_xy();
        if window.x.0 < centre.x && centre.x < window.x.1 && centre.y < window.y.1 {
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("{} K", q.nominal_cct_k),
                    (centre.x, centre.y),
                    (FONT, 13)
                        .into_font()
                        .color(&GUIDE)
                        .pos(Pos::new(HPos::Center, VPos::Bottom)),
                )))
                .map_err(drawing_failed)?;
        }
    }
    Ok(())
}

/// The target's MacAdam ellipses and a cross at the target.
fn draw_target(chart: &mut XyChart, window: &Window, target: &Ellipse) -> AppResult<()> {
    for steps in ELLIPSE_STEPS {
        for part in window.clip(&ellipse_outline(target, steps)) {
            chart
                .draw_series(LineSeries::new(part, CENTRE.stroke_width(1)))
                .map_err(drawing_failed)?;
        }
    }
    chart
        .draw_series(std::iter::once(Cross::new(
            (target.x, target.y),
            6,
            CENTRE.stroke_width(2),
        )))
        .map_err(drawing_failed)?;
    Ok(())
}

pub fn render(diagram: &Diagram) -> AppResult<String> {
    let window = window(diagram);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing_failed)?;
        let plot = super::titled(&root, diagram.title)?;
        let mut chart = ChartBuilder::on(&plot)
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(window.x.0..window.x.1, window.y.0..window.y.1)
            .map_err(drawing_failed)?;
        chart
            .configure_mesh()
            .max_light_lines(0)
            .bold_line_style(super::GRID)
            .x_desc("CIE 1931 x")
            .y_desc("CIE 1931 y")
            .x_label_formatter(&|v| format!("{v:.3}"))
            .y_label_formatter(&|v| format!("{v:.3}"))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(drawing_failed)?;
        draw_locus(&mut chart, &window)?;
        draw_quadrangles(&mut chart, &window)?;
        if let Some(target) = diagram.target {
            draw_target(&mut chart, &window, &target)?;
        }
        chart
            .draw_series(diagram.units.iter().map(|p| {
                let outside = diagram.target.is_some_and(|e| e.steps(*p) > 7.0);
                let colour = if outside { LIMIT } else { DATA };
                Circle::new((p.x, p.y), 2, colour.mix(0.7).filled())
            }))
            .map_err(drawing_failed)?;
        root.draw(&Text::new(
            format!(
                "{} units · ellipses 1, 3, 5, 7 MacAdam steps (IEC 60081) · ANSI C78.377 quadrangles",
                diagram.units.len()
            ),
            (80, HEIGHT as i32 - 14),
            (FONT, 12).into_font().color(&GUIDE),
        ))
        .map_err(drawing_failed)?;
        root.present().map_err(drawing_failed)?;
    }
    Ok(super::xml_safe(svg))
}
