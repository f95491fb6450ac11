//! Charts drawn with plotters as SVG (and PNG rendered from the same SVG
//! with resvg and the shipped fonts), sized and coloured to read at a
//! glance on screen and to print well in grey on a report page.
//!
//! Each renderer takes plain numbers (the service computes them) and
//! returns the SVG text; `png` rasterises any of them.

pub mod chromaticity;
pub mod control;
pub mod histogram;
pub mod oc;
pub mod pareto;
pub mod yields;

use crate::error::{AppError, AppResult, OrInternal};
use plotters::style::RGBColor;

/// Size of a chart in SVG user units (px); the report scales it to the page.
pub const WIDTH: u32 = 800;
pub const HEIGHT: u32 = 480;

/// The family plotters writes into the SVG; usvg resolves it to the shipped font.
pub const FONT: &str = "sans-serif";

/// Colours chosen to stay apart in greyscale print: data dark blue, limits
/// red, centre/nominal green, fitted curves and secondary series orange.
pub const DATA: RGBColor = RGBColor(0x1F, 0x4E, 0x79);
pub const LIMIT: RGBColor = RGBColor(0xC6, 0x28, 0x28);
pub const CENTRE: RGBColor = RGBColor(0x2E, 0x7D, 0x32);
pub const FIT: RGBColor = RGBColor(0xEF, 0x6C, 0x00);
pub const BARS: RGBColor = RGBColor(0x90, 0xA4, 0xAE);
pub const GUIDE: RGBColor = RGBColor(0x75, 0x75, 0x75);
/// The grid behind the data: present but quiet.
/// An SVG chart with numbers along both axes, as the drawing steps of the
/// charts take it.
pub type XyChart<'a, 'b> = plotters::chart::ChartContext<
    'a,
    plotters::prelude::SVGBackend<'b>,
    plotters::coord::cartesian::Cartesian2d<
        plotters::coord::types::RangedCoordf64,
        plotters::coord::types::RangedCoordf64,
    >,
>;

pub const GRID: RGBColor = RGBColor(0xE0, 0xE0, 0xE0);

/// What a chart route can answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Svg,
    Png,
}

impl Format {
    /// Splits `histogram.svg` into the chart's name and its format.
    pub fn split(file: &str) -> AppResult<(&str, Format)> {
        let (name, ext) = file
            .rsplit_once('.')
            .ok_or_else(|| AppError::invalid("chart", "end the chart's name with .svg or .png"))?;
        let format = match ext {
            "svg" => Format::Svg,
            "png" => Format::Png,
            _ => return Err(AppError::invalid("chart", "charts come as .svg or .png")),
        };
        Ok((name, format))
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Svg => "image/svg+xml",
            Format::Png => "image/png",
        }
    }
}

/// An SVG chart rasterised at twice its size (sharp on tablets and in print).
pub fn png(svg: &str) -> AppResult<Vec<u8>> {
    let tree = parse(svg)?;
    let scale = 2.0;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(scale)
        .or_internal("a chart has a pixel size")?;
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
        .or_internal("a chart pixmap allocates")?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| AppError::internal(format!("encoding a chart as PNG failed: {}", e)))
}

/// Parses a chart's SVG with the shipped fonts.
pub fn parse(svg: &str) -> AppResult<usvg::Tree> {
    usvg::Tree::from_str(svg, &crate::fonts::svg_options())
        .map_err(|e| AppError::internal(format!("a chart's SVG does not parse: {}", e)))
}

/// The answer in the asked format.
pub fn encode(svg: String, format: Format) -> AppResult<Vec<u8>> {
    match format {
        Format::Svg => Ok(svg.into_bytes()),
        Format::Png => png(&svg),
    }
}

/// The SVG with every character XML 1.0 forbids (controls other than tab,
/// line feed and carriage return; U+FFFE, U+FFFF) dropped, and the other
/// controls (DEL, C1) with them. plotters escapes `<`, `&` and quotes in
/// text but writes these as they come, and one of them in a title (say a
/// BEL in a PO number stored before text was checked) makes the whole
/// chart unparseable: every renderer passes its output through here.
pub(crate) fn xml_safe(svg: String) -> String {
    let dropped = |c: char| {
        (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
    };
    if svg.contains(dropped) {
        svg.replace(dropped, "")
    } else {
        svg
    }
}

/// A chart's title font in pixels, and the smallest a title too wide for
/// its chart shrinks to.
const TITLE_SIZE: u32 = 22;
const TITLE_SMALLEST: u32 = 14;
/// Space kept clear at either end of a title line, and above the first.
const TITLE_MARGIN: u32 = 12;

/// Draws `title` centred across the top of `area`; answers the area below
/// it, for the chart.
///
/// plotters centres a title (`titled`, `caption`) by a guess at its width
/// (0.7 em a byte, so that a Chinese character counts thrice) and lets a
/// title wider than the chart run off both edges, as a two-language
/// control chart's did. Here a line is measured with the glyphs the chart
/// is drawn in ([`crate::fonts::Metrics`]). A title too wide for the chart
/// breaks where its languages meet (`" / "`), and its font shrinks until
/// every line fits, to [`TITLE_SMALLEST`] at the least; lines still too
/// wide then are broken where their parts meet (`" · "`). A single part
/// wider than the chart at that size still runs over its edges. (A name
/// holding `" / "` or `" · "` is broken there too.)
pub(crate) fn titled<'a>(
    area: &plotters::drawing::DrawingArea<
        plotters::prelude::SVGBackend<'a>,
        plotters::coord::Shift,
    >,
    title: &str,
) -> AppResult<
    plotters::drawing::DrawingArea<plotters::prelude::SVGBackend<'a>, plotters::coord::Shift>,
> {
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    use plotters::style::{IntoFont, TextStyle};
    let (width, _) = area.dim_in_pixel();
    if title.is_empty() {
        return Ok(area.clone());
    }
    let lines = title_lines(title, (width - 2 * TITLE_MARGIN) as f32);
    let style = TextStyle::from((FONT, f64::from(lines.size)).into_font())
        .pos(Pos::new(HPos::Center, VPos::Top));
    let line_height = (lines.size * 13).div_ceil(10) as i32;
    let mut top = TITLE_MARGIN as i32;
    for line in &lines.lines {
        area.draw_text(line, &style, (width as i32 / 2, top))
            .map_err(drawing_failed)?;
        top += line_height;
    }
    Ok(area.split_vertically(top).1)
}

/// A title laid out in lines at one font size.
#[derive(Debug, PartialEq)]
struct TitleLines {
    lines: Vec<String>,
    size: u32,
}

/// `title` broken and sized to lines of at most `room` pixels
/// (see [`titled`]).
fn title_lines(title: &str, room: f32) -> TitleLines {
    let metrics = crate::fonts::Metrics::of(false);
    let fits = |line: &str, size: u32| metrics.width(line, size as f32) <= room;
    let by_language: Vec<String> = if fits(title, TITLE_SIZE) {
        vec![title.to_string()]
    } else {
        title.split(" / ").map(str::to_string).collect()
    };
    if let Some(size) = (TITLE_SMALLEST..=TITLE_SIZE)
        .rev()
        .find(|&size| by_language.iter().all(|l| fits(l, size)))
    {
        return TitleLines {
            lines: by_language,
            size,
        };
    }
    // Still too wide at the smallest size: each line broken at its parts,
    // as many to a line as fit.
    let mut lines = Vec::new();
    for line in by_language {
        let mut current = String::new();
        for part in line.split(" · ") {
            let joined = if current.is_empty() {
                part.to_string()
            } else {
                format!("{current} · {part}")
            };
            if current.is_empty() || fits(&joined, TITLE_SMALLEST) {
                current = joined;
            } else {
                lines.push(std::mem::replace(&mut current, part.to_string()));
            }
        }
        lines.push(current);
    }
    TitleLines {
        lines,
        size: TITLE_SMALLEST,
    }
}

/// Turns a plotters drawing error into an internal error (drawing into a
/// string cannot fail for reasons a client could fix).
pub(crate) fn drawing_failed<E: std::fmt::Debug>(error: E) -> AppError {
    AppError::internal(format!("drawing a chart failed: {:?}", error))
}

/// An axis from `lo` to `hi`, if plotters can lay it out: both ends and
/// their distance finite. On an infinite range plotters' search for tick
/// marks never ends (and NaN panics), so no renderer hands it one; the
/// service refuses data too wide to chart before it gets here.
pub(crate) fn drawable(lo: f64, hi: f64) -> AppResult<std::ops::Range<f64>> {
    if lo.is_finite() && hi.is_finite() && (hi - lo).is_finite() {
        Ok(lo..hi)
    } else {
        Err(AppError::internal(format!(
            "a chart's axis from {lo:e} to {hi:e} cannot be drawn"
        )))
    }
}

/// A rectangle of data coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    pub x: (f64, f64),
    pub y: (f64, f64),
}

impl Window {
    /// The parts of a polyline inside the window (plotters does not clip
    /// series to the plotting area), each part a polyline of its own.
    pub fn clip(&self, points: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
        let mut parts: Vec<Vec<(f64, f64)>> = Vec::new();
        let mut current: Vec<(f64, f64)> = Vec::new();
        for pair in points.windows(2) {
            match self.clip_segment(pair[0], pair[1]) {
                Some((a, b)) => {
                    if current.last() != Some(&a) {
                        if current.len() > 1 {
                            parts.push(std::mem::take(&mut current));
                        }
                        current = vec![a];
                    }
                    current.push(b);
                }
                None => {
                    if current.len() > 1 {
                        parts.push(std::mem::take(&mut current));
                    }
                    current.clear();
                }
            }
        }
        if current.len() > 1 {
            parts.push(current);
        }
        parts
    }

    /// Liang–Barsky clipping of one segment.
    fn clip_segment(&self, a: (f64, f64), b: (f64, f64)) -> Option<((f64, f64), (f64, f64))> {
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let (mut t0, mut t1) = (0.0f64, 1.0f64);
        let edges = [
            (-dx, a.0 - self.x.0),
            (dx, self.x.1 - a.0),
            (-dy, a.1 - self.y.0),
            (dy, self.y.1 - a.1),
        ];
        for (p, q) in edges {
            if p == 0.0 {
                if q < 0.0 {
                    return None;
                }
            } else {
                let t = q / p;
                if p < 0.0 {
                    t0 = t0.max(t);
                } else {
                    t1 = t1.min(t);
                }
            }
        }
        (t0 <= t1).then_some((
            (a.0 + t0 * dx, a.1 + t0 * dy),
            (a.0 + t1 * dx, a.1 + t1 * dy),
        ))
    }
}

/// The label of a category axis at `x`: the name of the point at a whole
/// index, at most about 20 names along the axis (every k-th), else nothing.
pub fn index_label(x: f64, names: &[String]) -> String {
    let i = x.round();
    let every = names.len().div_ceil(20).max(1);
    if (x - i).abs() > 1e-6 || i < 0.0 || !(i as usize).is_multiple_of(every) {
        return String::new();
    }
    names.get(i as usize).cloned().unwrap_or_default()
}

/// Decimals that tell apart ticks about a tenth of `span` apart.
pub fn decimals(span: f64) -> usize {
    let step = span.abs() / 10.0;
    if step > 0.0 && step.is_finite() {
        (-step.log10()).ceil().max(0.0) as usize
    } else {
        0
    }
}

/// A number with `decimals` digits after the point.
pub fn fixed(value: f64, decimals: usize) -> String {
    format!("{value:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_that_fits_stays_one_line_at_full_size() {
        let title = "Luminous flux · PO-1";
        let laid = title_lines(title, 776.0);
        assert_eq!(laid.lines, [title]);
        assert_eq!(laid.size, TITLE_SIZE);
    }

    #[test]
    fn a_two_language_title_too_wide_breaks_between_its_languages_and_fits() {
        let title = "X̄–S 图 · 光通量 (Luminous flux of the lamp) · 每批为一个子组 · HHL-PO-2026-0412 / \
                     X̄–S chart · Luminous flux of the lamp · each batch a subgroup · HHL-PO-2026-0412";
        let room = 776.0;
        let metrics = crate::fonts::Metrics::of(false);
        assert!(metrics.width(title, TITLE_SIZE as f32) > room);
        let laid = title_lines(title, room);
        assert_eq!(laid.lines.len(), 2, "{laid:?}");
        assert!(laid.lines[0].starts_with("X̄–S 图") && laid.lines[1].starts_with("X̄–S chart"));
        for line in &laid.lines {
            assert!(
                metrics.width(line, laid.size as f32) <= room,
                "{line} at {}",
                laid.size
            );
        }
    }

    #[test]
    fn a_line_too_wide_even_at_the_smallest_size_breaks_at_its_parts() {
        let part = "Colour consistency (MacAdam steps from target)";
        let title = [part; 4].join(" · ");
        let room = 500.0;
        let laid = title_lines(&title, room);
        assert_eq!(laid.size, TITLE_SMALLEST);
        assert!(laid.lines.len() > 1, "{laid:?}");
        assert_eq!(laid.lines.join(" · "), title, "no part is lost");
        let metrics = crate::fonts::Metrics::of(false);
        for line in &laid.lines {
            assert!(metrics.width(line, TITLE_SMALLEST as f32) <= room, "{line}");
        }
    }

    #[test]
    fn clipping_keeps_only_what_is_inside() {
        let window = Window {
            x: (0.0, 1.0),
            y: (0.0, 1.0),
        };
        let parts = window.clip(&[(-1.0, 0.5), (0.5, 0.5), (2.0, 0.5), (3.0, 3.0)]);
        assert_eq!(parts, vec![vec![(0.0, 0.5), (0.5, 0.5), (1.0, 0.5)]]);
        assert!(window.clip(&[(2.0, 2.0), (3.0, 3.0)]).is_empty());
    }

    #[test]
    fn characters_xml_forbids_are_dropped() {
        assert_eq!(
            xml_safe("<text>PO\u{7}-1\u{1b}\u{85}\u{FFFE}</text>\n".into()),
            "<text>PO-1</text>\n"
        );
    }

    #[test]
    fn chart_names_need_a_known_format() {
        assert_eq!(Format::split("oc.svg").unwrap(), ("oc", Format::Svg));
        assert_eq!(Format::split("oc.png").unwrap().1, Format::Png);
        assert!(Format::split("oc.gif").is_err());
        assert!(Format::split("oc").is_err());
    }

    #[test]
    fn tick_labels_get_the_digits_their_spacing_needs() {
        assert_eq!(decimals(180.0), 0);
        assert_eq!(decimals(0.04), 3);
        assert_eq!(fixed(74.0051, decimals(0.04)), "74.005");
    }
}
