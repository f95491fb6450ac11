//! Histogram of one characteristic with its specification limits, nominal
//! and the fitted normal curve: the picture behind Cp/Cpk.

use super::{
    decimals, drawable, drawing_failed, fixed, XyChart, BARS, CENTRE, FIT, FONT, HEIGHT, LIMIT,
    WIDTH,
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

/// The most bins a histogram has, however many values.
pub const MAX_BINS: usize = 30;

impl Bins {
    /// Bins covering `[lo, hi]` for about `n` values: Sturges' rule,
    /// ⌈log2 n⌉ + 1 bins, kept between 5 and [`MAX_BINS`] (Montgomery
    /// §3.2). Any finite `lo` and `hi` give bins of finite width and edges.
    pub fn spanning(lo: f64, hi: f64, n: usize) -> Bins {
        let count = ((n.max(1) as f64).log2().ceil() as usize + 1).clamp(5, MAX_BINS);
        let c = count as f64;
        let span = hi - lo;
        // The span of values near the largest doubles overflows; its
        // parts do not.
        let width = if span.is_finite() {
            span / c
        } else {
            hi / c - lo / c
        };
        if width > 0.0 && width.is_finite() {
            return Bins {
                lo,
                width,
                counts: vec![0; count],
            };
        }
        // All values equal: bins 1% of the value wide around them (0.01
        // wide near zero).
        let width = lo.abs().max(1.0) * 0.01;
        Bins {
            lo: (lo - width * c / 2.0).max(-f64::MAX),
            width,
            counts: vec![0; count],
        }
    }

    /// Counts a value; values on the top edge fall into the last bin.
    pub fn add(&mut self, value: f64) {
        if !value.is_finite() {
            return;
        }
        let offset = value - self.lo;
        let index = if offset.is_finite() {
            offset / self.width
        } else {
            value / self.width - self.lo / self.width
        }
        .floor();
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

    /// The top edge (at most the largest double).
    pub fn hi(&self) -> f64 {
        let n = self.counts.len() as f64;
        let hi = self.lo + self.width * n;
        if hi.is_finite() {
            hi
        } else {
            ((self.lo / 2.0 + self.width * (n / 2.0)) * 2.0).min(f64::MAX)
        }
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
    let (x_axis, y_axis) = (drawable(x0, x1)?, drawable(0.0, y1)?);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing_failed)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(h.title, (FONT, 22))
            .margin(16)
            .x_label_area_size(52)
            .y_label_area_size(60)
            .build_cartesian_2d(x_axis, y_axis)
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

    /// Bins over any finite values, even the largest doubles, have a finite
    /// width and edges, at most 30 of them, and each value lands in its own.
    #[test]
    fn bins_of_values_near_the_largest_double_stay_finite_and_few() {
        for (lo, hi, n) in [
            (-1e308, 1e308, 10),
            (-f64::MAX, f64::MAX, usize::MAX),
            (-1e9, 1e9, 1_000_000),
            (5.0, 5.0, 3),
            (f64::MAX, f64::MAX, 2),
            (-f64::MAX, -f64::MAX, 2),
        ] {
            let mut bins = Bins::spanning(lo, hi, n);
            assert!((5..=30).contains(&bins.counts.len()), "{lo}..{hi}");
            assert!(bins.width.is_finite() && bins.width > 0.0, "{bins:?}");
            assert!(bins.lo.is_finite() && bins.hi().is_finite(), "{bins:?}");
            for v in [lo, hi, lo / 2.0 + hi / 2.0] {
                bins.add(v);
            }
            assert_eq!(bins.total(), 3, "{bins:?}");
            if lo < hi {
                assert!(bins.counts[0] >= 1 && bins.counts[bins.counts.len() - 1] >= 1);
            }
        }
        // 0.9e308 lies in the 29th of 30 bins from −1e308 to 1e308, though
        // 0.9e308 − (−1e308) overflows.
        let mut bins = Bins::spanning(-1e308, 1e308, 1_000_000);
        assert_eq!(bins.counts.len(), 21);
        bins.add(0.9e308);
        assert_eq!(bins.counts[19], 1, "{bins:?}");
    }

    fn rendered_within(bins: Bins, seconds: u64) -> Option<bool> {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let answer = render(&Histogram {
                title: "Flux",
                quantity: "Luminous flux (lm)",
                bins: &bins,
                mean: Some(0.0),
                std_dev: Some(1e308),
                lsl: Some(725.0),
                usl: Some(887.0),
                nominal: Some(806.0),
            });
            let _ = tx.send(answer.is_ok());
        });
        rx.recv_timeout(std::time::Duration::from_secs(seconds))
            .ok()
    }

    /// A histogram wider than a double can span is refused at once, not
    /// drawn for ever; one at the plausible limit of readings is drawn.
    #[test]
    fn a_histogram_too_wide_to_draw_is_refused_in_time() {
        let mut wide = Bins::spanning(-1e308, 1e308, 3);
        wide.add(1e308);
        wide.add(-1e308);
        assert_eq!(rendered_within(wide, 10), Some(false));
        let mut plausible = Bins::spanning(-1e9, 1e9, 3);
        plausible.add(1e9);
        plausible.add(-1e9);
        assert_eq!(rendered_within(plausible, 30), Some(true));
    }
}
