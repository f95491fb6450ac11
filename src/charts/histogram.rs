//! Histogram of one characteristic with its specification limits, nominal
//! and the fitted normal curve: the picture behind Cp/Cpk.

use super::{
    decimals, drawable, drawing_failed, fixed, XyChart, BARS, CENTRE, FIT, FONT, HEIGHT, LIMIT,
    WIDTH,
};
use crate::domain::language::ReportLanguage;
use crate::error::AppResult;
use crate::i18n::label;
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
        let count = Self::sturges(n);
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

    /// Sturges' count of bins for `n` values, kept between 5 and [`MAX_BINS`].
    pub fn sturges(n: usize) -> usize {
        ((n.max(1) as f64).log2().ceil() as usize + 1).clamp(5, MAX_BINS)
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

/// How many fine buckets a [`FineBins`] keeps.
pub const FINE_BUCKETS: usize = 4096;

/// A histogram of values read once, whose range is not known in advance:
/// [`FINE_BUCKETS`] buckets, each 2^e wide with edges at multiples of 2^e,
/// over a window that moves and, when the values outgrow it, doubles its
/// buckets' width by merging them in pairs. The drawn bars
/// ([`FineBins::bins`]) are unions of whole buckets, so each bar counts
/// exactly the values between the edges it is drawn at: no second pass
/// over the readings (to learn the range first) is needed, and the
/// memory is the same for ten values or a million.
///
/// Edges are exact: an edge is an integer below 2^53 times a power of
/// two, and a value's bucket is ⌊v / 2^e⌋, a division by a power of two
/// that does not round.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FineBins {
    /// Buckets are 2^exponent wide.
    exponent: i32,
    /// Bucket `i` of `counts` covers [(first + i)·2^e, (first + i + 1)·2^e).
    first: i64,
    /// Empty before the first value.
    counts: Vec<u64>,
    /// The lowest and the highest bucket holding a value.
    low: i64,
    high: i64,
    n: u64,
    min: f64,
    max: f64,
}

/// 2^e as a double, for e in −1074 ..= 1023.
fn pow2(e: i32) -> f64 {
    if e >= -1022 {
        f64::from_bits(((e + 1023) as u64) << 52)
    } else {
        f64::from_bits(1u64 << (e + 1074))
    }
}

/// Buckets about 2^-40 of the first value wide (2^-60 when it is zero):
/// finer than any instrument reads, so the first merges decide the width.
fn first_exponent(value: f64) -> i32 {
    if value == 0.0 {
        return -60;
    }
    let biased = ((value.abs().to_bits() >> 52) & 0x7ff) as i32;
    (biased.max(1) - 1023 - 40).max(-1074)
}

impl FineBins {
    fn width(&self) -> f64 {
        pow2(self.exponent)
    }

    /// Counts a value; non-finite values are left out, as [`Bins::add`] does.
    pub fn add(&mut self, value: f64) {
        if !value.is_finite() {
            return;
        }
        if self.counts.is_empty() {
            self.exponent = first_exponent(value);
            let index = (value / self.width()).floor() as i64;
            self.first = index - (FINE_BUCKETS / 2) as i64;
            self.counts = vec![0; FINE_BUCKETS];
            (self.low, self.high) = (index, index);
            (self.min, self.max) = (value, value);
        }
        let fine = FINE_BUCKETS as f64;
        loop {
            let index = (value / self.width()).floor();
            let offset = index - self.first as f64;
            if (0.0..fine).contains(&offset) {
                let index = index as i64;
                self.counts[offset as usize] += 1;
                self.low = self.low.min(index);
                self.high = self.high.max(index);
                self.n += 1;
                self.min = self.min.min(value);
                self.max = self.max.max(value);
                return;
            }
            let (lo, hi) = (index.min(self.low as f64), index.max(self.high as f64));
            if hi - lo < fine / 2.0 {
                // Room enough: move the window to centre what it must hold.
                let spare = (FINE_BUCKETS as i64 - (hi - lo) as i64 - 1) / 2;
                self.move_to(lo as i64 - spare);
            } else {
                self.merge_pairs();
            }
        }
    }

    /// The window from bucket `first` on, counts kept.
    fn move_to(&mut self, first: i64) {
        let mut counts = vec![0; FINE_BUCKETS];
        for index in self.low..=self.high {
            counts[(index - first) as usize] = self.counts[(index - self.first) as usize];
        }
        self.first = first;
        self.counts = counts;
    }

    /// Buckets twice as wide: bucket i of the old width is bucket ⌊i/2⌋.
    fn merge_pairs(&mut self) {
        let first = self.first.div_euclid(2);
        let mut counts = vec![0; FINE_BUCKETS];
        for index in self.low..=self.high {
            counts[(index.div_euclid(2) - first) as usize] +=
                self.counts[(index - self.first) as usize];
        }
        self.exponent += 1;
        self.first = first;
        self.counts = counts;
        self.low = self.low.div_euclid(2);
        self.high = self.high.div_euclid(2);
    }

    pub fn total(&self) -> u64 {
        self.n
    }

    /// The bars to draw: about Sturges' count of them (as
    /// [`Bins::spanning`]), each the union of equally many whole buckets,
    /// at least 5 bars. Values all equal are drawn as [`Bins::spanning`]
    /// draws them.
    pub fn bins(&self) -> Bins {
        if self.n == 0 || self.min == self.max {
            let mut bins = Bins::spanning(self.min, self.max, self.n as usize);
            if self.n > 0 {
                bins.add(self.min);
                for count in bins.counts.iter_mut().filter(|c| **c > 0) {
                    *count = self.n;
                }
            }
            return bins;
        }
        let wanted = Bins::sturges(self.n as usize) as i64;
        let span = self.high - self.low + 1;
        let per_bar = (span + wanted - 1) / wanted;
        let used = (span + per_bar - 1) / per_bar;
        let bars = used.max(5);
        let start = self.low - (bars - used) / 2 * per_bar;
        let mut counts = vec![0; bars as usize];
        for index in self.low..=self.high {
            counts[((index - start) / per_bar) as usize] +=
                self.counts[(index - self.first) as usize];
        }
        let width = self.width();
        Bins {
            lo: start as f64 * width,
            width: per_bar as f64 * width,
            counts,
        }
    }
}

pub struct Histogram<'a> {
    /// The language(s) of its axis and limit labels.
    pub language: ReportLanguage,
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
        let plot = super::titled(&root, h.title)?;
        let mut chart = ChartBuilder::on(&plot)
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
            .y_desc(label(h.language, "chart-units"))
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
        (
            h.lsl,
            label(h.language, "report-col-lsl"),
            LIMIT,
            HPos::Left,
            0.0,
        ),
        (
            h.usl,
            label(h.language, "report-col-usl"),
            LIMIT,
            HPos::Right,
            0.0,
        ),
        (
            h.nominal,
            label(h.language, "report-col-nominal"),
            CENTRE,
            HPos::Left,
            1.0,
        ),
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

    /// Each bar of a fine histogram counts exactly the values between its
    /// edges, whatever order the values come in and however the range grows.
    #[test]
    fn fine_bins_bars_count_exactly_the_values_between_their_edges() {
        let mut values: Vec<f64> = (0..5_000)
            .map(|i| 806.0 + 40.0 * ((i as f64) * 0.37).sin() * ((i % 7) as f64 / 3.0))
            .collect();
        values.extend([806.0, 806.0, 1_400.0, -3.5, 0.0, 1e-9]);
        for order in [values.clone(), values.iter().rev().copied().collect()] {
            let mut fine = FineBins::default();
            for &v in &order {
                fine.add(v);
            }
            let bins = fine.bins();
            assert_eq!(bins.total(), order.len() as u64);
            assert!((5..=MAX_BINS).contains(&bins.counts.len()), "{bins:?}");
            for (i, &count) in bins.counts.iter().enumerate() {
                let lo = bins.lo + bins.width * i as f64;
                let hi = bins.lo + bins.width * (i + 1) as f64;
                let between = order.iter().filter(|v| **v >= lo && **v < hi).count() as u64;
                assert_eq!(count, between, "bar {i}: {lo}..{hi}");
            }
        }
    }

    #[test]
    fn fine_bins_of_equal_values_or_near_the_largest_doubles() {
        let mut same = FineBins::default();
        for _ in 0..10 {
            same.add(5.0);
        }
        let bins = same.bins();
        assert_eq!(bins.total(), 10);
        assert_eq!(bins.counts.len(), Bins::spanning(5.0, 5.0, 10).counts.len());
        let mut wide = FineBins::default();
        // The widest readings a chart draws (`service::limits::MAX_CHARTED`).
        for v in [1.0, -1e300, 1e300, 0.0, f64::NAN] {
            wide.add(v);
        }
        let bins = wide.bins();
        assert_eq!(bins.total(), 4);
        assert!(bins.lo.is_finite() && bins.width.is_finite(), "{bins:?}");
        // Sturges' count for about 200 values (⌈log2 200⌉ + 1 = 9).
        let mut spread = FineBins::default();
        for i in 0..200 {
            spread.add(f64::from(i) * 0.01);
        }
        assert!(
            (8..=9).contains(&spread.bins().counts.len()),
            "{:?}",
            spread.bins()
        );
    }

    fn rendered_within(bins: Bins, seconds: u64) -> Option<bool> {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let answer = render(&Histogram {
                language: ReportLanguage::En,
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
