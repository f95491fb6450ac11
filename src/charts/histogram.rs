//! Histogram of one characteristic with its specification limits, nominal
//! and the fitted normal curve: the picture behind Cp/Cpk.

use super::{
    decimals, drawing_failed, fixed, XyChart, BARS, CENTRE, FIT, FONT, HEIGHT, LIMIT, WIDTH,
};
use crate::error::AppResult;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use statrs::distribution::{Continuous, Normal};

/// Counts in equal-width bins, filled one value at a time, so a histogram
/// of a large order needs no list of its readings.
#[derive(Debug, Clone, PartialEq)]
pub struct Bins {
    pub lo: f64,
    pub width: f64,
    pub counts: Vec<u64>,
}

impl Bins {
    /// Bins covering `[lo, hi]` for about `n` values: Sturges' rule,
    /// ⌈log2 n⌉ + 1 bins, kept between 5 and 30 (Montgomery §3.2).
    pub fn spanning(lo: f64, hi: f64, n: usize) -> Bins {
        let count = ((n.max(1) as f64).log2().ceil() as usize + 1).clamp(5, 30);
        let span = hi - lo;
        let width = if span > 0.0 {
            span / count as f64
        } else {
            // All values equal: one unit-wide bin around them per count.
            lo.abs().max(1.0) * 0.01
        };
        let lo = if span > 0.0 {
            lo
        } else {
            lo - width * count as f64 / 2.0
        };
        Bins {
            lo,
            width,
            counts: vec![0; count],
        }
    }

    /// Counts a value; values on the top edge fall into the last bin.
    pub fn add(&mut self, value: f64) {
        if !value.is_finite() {
            return;
        }
        let index = ((value - self.lo) / self.width).floor();
        let last = self.counts.len() - 1;
        let index = if index < 0.0 {
            0
        } else {
            (index as usize).min(last)
        };
        self.counts[index] += 1;
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    pub fn hi(&self) -> f64 {
        self.lo + self.width * self.counts.len() as f64
    }
}

pub struct Histogram<'a> {
    pub title: &'a str,
    /// The axis label, e.g. "Luminous flux (lm)".
    pub quantity: &'a str,
    pub bins: &'a Bins,
    pub mean: Option<f64>,
    pub std_dev: Option<f64>,
    pub lsl: Option<f64>,
    pub usl: Option<f64>,
    pub nominal: Option<f64>,
}

pub fn render(h: &Histogram) -> AppResult<String> {
    let bins = h.bins;
    let n = bins.total() as f64;
    let fit = h
        .mean
        .zip(h.std_dev)
        .filter(|(_, s)| *s > 0.0)
        .and_then(|(m, s)| Normal::new(m, s).ok());
    let (x0, x1) = x_range(h);
    let peak_count = bins.counts.iter().copied().max().unwrap_or(0) as f64;
    let peak_fit = h
        .mean
        .zip(fit)
        .map_or(0.0, |(mean, f)| n * bins.width * f.pdf(mean));
    let y1 = (peak_count.max(peak_fit) * 1.18).max(1.0);

    let digits = decimals(x1 - x0);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing_failed)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(h.title, (FONT, 22))
            .margin(16)
            .x_label_area_size(52)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, 0f64..y1)
            .map_err(drawing_failed)?;
        chart
            .configure_mesh()
            .max_light_lines(0)
            .bold_line_style(super::GRID)
            .disable_x_mesh()
            .x_desc(h.quantity)
            .y_desc("Units")
            .x_label_formatter(&|v| fixed(*v, digits))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(drawing_failed)?;
        chart
            .draw_series(bins.counts.iter().enumerate().map(|(i, &count)| {
                let left = bins.lo + bins.width * i as f64;
                Rectangle::new(
                    [(left, 0.0), (left + bins.width, count as f64)],
                    BARS.filled(),
                )
            }))
            .map_err(drawing_failed)?;
        if let Some(fit) = fit {
            let steps = 200;
            let curve = (0..=steps).map(|i| {
                let x = x0 + (x1 - x0) * i as f64 / steps as f64;
                (x, n * bins.width * fit.pdf(x))
            });
            chart
                .draw_series(LineSeries::new(curve, FIT.stroke_width(2)))
                .map_err(drawing_failed)?;
        }
        draw_limits(&mut chart, h, digits, x1 - x0, y1)?;
        root.present().map_err(drawing_failed)?;
    }
    Ok(super::xml_safe(svg))
}

/// The x range: the bins and every limit, with a margin.
fn x_range(h: &Histogram) -> (f64, f64) {
    let mut xs = vec![h.bins.lo, h.bins.hi()];
    xs.extend([h.lsl, h.usl, h.nominal].into_iter().flatten());
    let (x0, x1) = xs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let pad = (x1 - x0) * 0.06;
    (x0 - pad, x1 + pad)
}

/// The limits and the nominal as named vertical lines. Labels face inwards
/// (the lower limit's to its right, the upper's to its left) and the
/// nominal's sits a line lower, so none leaves the chart and close lines
/// stay legible.
/// `x_span` is the width of the x range and `y1` the top of the y range.
fn draw_limits(
    chart: &mut XyChart,
    h: &Histogram,
    digits: usize,
    x_span: f64,
    y1: f64,
) -> AppResult<()> {
    for (value, name, colour, h_pos, row) in [
        (h.lsl, "LSL", LIMIT, HPos::Left, 0.0),
        (h.usl, "USL", LIMIT, HPos::Right, 0.0),
        (h.nominal, "Nominal", CENTRE, HPos::Left, 1.0),
    ] {
        let Some(value) = value else { continue };
        chart
            .draw_series(LineSeries::new(
                [(value, 0.0), (value, y1)],
                colour.stroke_width(2),
            ))
            .map_err(drawing_failed)?;
        let nudge = x_span
            * 0.005
            * if matches!(h_pos, HPos::Right) {
                -1.0
            } else {
                1.0
            };
        chart
            .draw_series(std::iter::once(Text::new(
                format!("{name} {}", fixed(value, digits + 1)),
                (value + nudge, y1 * (0.99 - 0.06 * row)),
                (FONT, 14)
                    .into_font()
                    .color(&colour)
                    .pos(Pos::new(h_pos, VPos::Top)),
            )))
            .map_err(drawing_failed)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_fall_into_their_bins_and_the_top_edge_into_the_last() {
        let mut bins = Bins::spanning(0.0, 10.0, 20);
        // Sturges: ⌈log2 20⌉ + 1 = 6 bins.
        assert_eq!(bins.counts.len(), 6);
        for v in [0.0, 1.0, 5.0, 10.0, 10.0] {
            bins.add(v);
        }
        assert_eq!(bins.total(), 5);
        assert_eq!(bins.counts[0], 2);
        assert_eq!(bins.counts[5], 2);
    }
}
