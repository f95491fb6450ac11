//! The report as an A4 PDF: krilla draws the laid-out pages with the
//! shipped fonts (embedded and subset) and the charts through krilla-svg,
//! keeping their text as real text.

use super::layout::{
    text_width, Block, Flow, Mark, Op, TextRun, Tone, MARGIN_X, PAGE_HEIGHT, PAGE_WIDTH,
};
use super::{content, QcReport};
use crate::error::{AppError, AppResult, OrInternal};
use crate::fonts::{Face, Metrics, BOLD, CJK_BOLD, CJK_REGULAR, REGULAR};
use crate::i18n::{in_report, label, message};
use chrono::{Datelike, Timelike};
use krilla::color::rgb;
use krilla::destination::XyzDestination;
use krilla::geom::{PathBuilder, Point, Rect, Size};
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph, TextDirection};
use krilla::Document;
use krilla_svg::{SurfaceExt, SvgSettings};

/// The shipped fonts as krilla embeds them (each subset to the glyphs used).
struct Fonts {
    regular: Font,
    bold: Font,
    cjk_regular: Font,
    cjk_bold: Font,
}

impl Fonts {
    fn load() -> AppResult<Fonts> {
        let load = |data: &'static [u8], which: &str| {
            Font::new(data.into(), 0).or_internal(&format!("the shipped {which} font loads"))
        };
        Ok(Fonts {
            regular: load(REGULAR, "regular")?,
            bold: load(BOLD, "bold")?,
            cjk_regular: load(CJK_REGULAR, "Chinese regular")?,
            cjk_bold: load(CJK_BOLD, "Chinese bold")?,
        })
    }

    fn of(&self, face: Face, bold: bool) -> &Font {
        match (face, bold) {
            (Face::Latin, false) => &self.regular,
            (Face::Latin, true) => &self.bold,
            (Face::Cjk, false) => &self.cjk_regular,
            (Face::Cjk, true) => &self.cjk_bold,
        }
    }
}

/// What every page of a document carries besides its content, and the
/// document's metadata.
pub struct PageFrame {
    pub title: String,
    /// The language tag of the document's metadata.
    pub language: String,
    pub date: chrono::DateTime<chrono::Utc>,
    /// Top left, after "lotcheck · ".
    pub running_head: String,
    /// Top right: whom the document is for.
    pub header: String,
    /// Bottom left: which document (a draft in red).
    pub document: (String, Tone),
    /// Bottom right: "page N of M" in the document's language.
    pub page_of: Box<dyn Fn(usize, usize) -> String>,
}

/// The report as a PDF.
pub fn render(report: &QcReport) -> AppResult<Vec<u8>> {
    let h = &report.heading;
    let l = report.language;
    let document = match &h.issue {
        Some(issue) => in_report(l, " / ", |lang| {
            message(
                lang,
                "report-footer-issued",
                &[
                    ("number", issue.number.clone().into()),
                    ("revision", issue.revision.into()),
                ],
            )
        }),
        None => label(l, "report-footer-draft"),
    };
    let frame = PageFrame {
        title: format!("{} · {}", report.title(), h.po_number),
        language: l.primary().tag().into(),
        date: h.date.to_utc(),
        running_head: label(l, "report-running-head"),
        header: format!("{} · {}", h.customer, h.po_number),
        document: (
            document,
            if h.issue.is_some() {
                Tone::Muted
            } else {
                Tone::Bad
            },
        ),
        page_of: Box::new(move |page, pages| {
            in_report(l, " / ", |lang| {
                message(
                    lang,
                    "report-page",
                    &[("page", page.into()), ("pages", pages.into())],
                )
            })
        }),
    };
    render_blocks(content::blocks(report), &frame)
}

/// Lays `blocks` out on A4 pages, each page framed by `frame`.
pub fn render_blocks(blocks: Vec<Block>, frame: &PageFrame) -> AppResult<Vec<u8>> {
    let mut flow = Flow::new();
    for block in blocks {
        flow.add(block);
    }
    let (pages, marks) = flow.finish();
    let fonts = Fonts::load()?;
    let mut document = Document::new();
    let date = frame.date;
    document.set_metadata(
        Metadata::new()
            .title(frame.title.clone())
            .creator("lotcheck".into())
            .language(frame.language.clone())
            .creation_date(
                DateTime::new(date.year() as u16)
                    .month(date.month() as u8)
                    .day(date.day() as u8)
                    .hour(date.hour() as u8)
                    .minute(date.minute() as u8)
                    .second(date.second() as u8),
            ),
    );
    document.set_outline(outline(&marks));
    let total = pages.len();
    for (index, ops) in pages.into_iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
            .or_internal("A4 is a valid page size")?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for op in ops {
            draw(&mut surface, &fonts, op)?;
        }
        draw_frame(&mut surface, &fonts, frame, index + 1, total);
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| AppError::internal(format!("writing the PDF failed: {:?}", e)))
}

/// Bookmarks: each section with its subsections (the batches) under it.
fn outline(marks: &[Mark]) -> Outline {
    let node = |m: &Mark| {
        OutlineNode::new(
            m.title.clone(),
            XyzDestination::new(m.page, Point::from_xy(0.0, m.y.max(0.0))),
        )
    };
    let mut outline = Outline::new();
    let mut section: Option<OutlineNode> = None;
    for mark in marks {
        match (mark.level, section.as_mut()) {
            (2, Some(parent)) => parent.push_child(node(mark)),
            _ => {
                if let Some(done) = section.take() {
                    outline.push_child(done);
                }
                section = Some(node(mark));
            }
        }
    }
    if let Some(done) = section {
        outline.push_child(done);
    }
    outline
}

fn fill(r: u8, g: u8, b: u8) -> Fill {
    Fill {
        paint: rgb::Color::new(r, g, b).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn text(surface: &mut Surface, fonts: &Fonts, run: &TextRun) {
    let (r, g, b) = run.tone.rgb();
    surface.set_fill(Some(fill(r, g, b)));
    // Each run in the face that has its characters, one after the other,
    // glyph by glyph as `Metrics::width` measured it. (krilla's `draw_text`
    // would shape every run with a face parsed anew, a tenth of a report's
    // time, and its kerning would draw a run narrower than it was laid out.)
    let metrics = Metrics::of(run.bold);
    let mut x = run.x;
    for (face, part) in metrics.runs(&run.text) {
        let font = fonts.of(face, run.bold).clone();
        if !part.chars().all(set_glyph_by_glyph) {
            // Right-to-left or combining text (a name a user typed): shaped.
            surface.draw_text(
                Point::from_xy(x, run.y),
                font,
                run.size,
                part,
                false,
                TextDirection::Auto,
            );
        } else {
            draw_glyph_by_glyph(
                surface,
                metrics,
                Point::from_xy(x, run.y),
                font,
                part,
                run.size,
            );
        }
        x += metrics.width(part, run.size);
    }
}

/// `part` drawn glyph by glyph, each as [`Metrics::glyph`] gives it.
fn draw_glyph_by_glyph(
    surface: &mut Surface,
    metrics: &Metrics,
    at: Point,
    font: Font,
    part: &str,
    size: f32,
) {
    let glyphs: Vec<KrillaGlyph> = part
        .char_indices()
        .map(|(offset, c)| {
            let (_, id, advance) = metrics.glyph(c);
            KrillaGlyph::new(
                GlyphId::new(u32::from(id)),
                advance,
                0.0,
                0.0,
                0.0,
                offset..offset + c.len_utf8(),
                None,
            )
        })
        .collect();
    surface.draw_glyphs(at, &glyphs, font, part, size, false);
}

/// Whether `c` is set as one glyph after another, as the report measures
/// it: Latin, Greek and Cyrillic letters (without combining marks),
/// punctuation and symbols, and the CJK blocks. Other scripts (right to
/// left, or with marks joined to their letters) need shaping.
fn set_glyph_by_glyph(c: char) -> bool {
    let simple = matches!(c, '\0'..='\u{2FF}' | '\u{370}'..='\u{52F}' | '\u{2000}'..='\u{2BFF}');
    let right_to_left_or_marks =
        matches!(c, '\u{FB1D}'..='\u{FDFF}' | '\u{FE20}'..='\u{FE2F}' | '\u{FE70}'..='\u{FEFF}');
    simple || (c >= '\u{2E80}' && !right_to_left_or_marks)
}

fn draw(surface: &mut Surface, fonts: &Fonts, op: Op) -> AppResult<()> {
    match op {
        Op::Text(run) => text(surface, fonts, &run),
        Op::Line {
            from,
            to,
            width,
            grey,
        } => {
            let mut builder = PathBuilder::new();
            builder.move_to(from.0, from.1);
            builder.line_to(to.0, to.1);
            if let Some(path) = builder.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    paint: rgb::Color::new(grey, grey, grey).into(),
                    width,
                    ..Default::default()
                }));
                surface.draw_path(&path);
                surface.set_stroke(None);
            }
        }
        Op::Rect {
            x,
            y,
            w,
            h,
            fill: inside,
            frame,
        } => {
            let mut builder = PathBuilder::new();
            if let Some(rect) = Rect::from_xywh(x, y, w, h) {
                builder.push_rect(rect);
            }
            if let Some(path) = builder.finish() {
                surface.set_fill(inside.map(|(r, g, b)| fill(r, g, b)));
                surface.set_stroke(frame.map(|(r, g, b)| Stroke {
                    paint: rgb::Color::new(r, g, b).into(),
                    width: 1.2,
                    ..Default::default()
                }));
                surface.draw_path(&path);
                surface.set_stroke(None);
            }
        }
        Op::Svg { x, y, w, h, svg } => {
            let tree = crate::charts::parse(&svg)?;
            // Keep the chart's aspect ratio inside the box, centred.
            let scale = (w / tree.size().width()).min(h / tree.size().height());
            let (cw, ch) = (tree.size().width() * scale, tree.size().height() * scale);
            let size =
                Size::from_wh(cw, ch).or_internal("a chart scaled to the page has a size")?;
            surface.push_transform(&krilla::geom::Transform::from_translate(
                x + (w - cw) / 2.0,
                y,
            ));
            surface
                .draw_svg(
                    &tree,
                    size,
                    SvgSettings {
                        embed_text: true,
                        ..Default::default()
                    },
                )
                .or_internal("a chart SVG draws onto the page")?;
            surface.pop();
        }
    }
    Ok(())
}

/// Header and footer of every page: who it is for, which document, which page.
fn draw_frame(surface: &mut Surface, fonts: &Fonts, frame: &PageFrame, page: usize, pages: usize) {
    let right = PAGE_WIDTH - MARGIN_X;
    let small = |x: f32, y: f32, bold: bool, tone: Tone, text: String| TextRun {
        x,
        y,
        size: 8.0,
        bold,
        tone,
        text,
    };
    let footer = (frame.page_of)(page, pages);
    let bottom = PAGE_HEIGHT - 30.0;
    let (document, document_tone) = frame.document.clone();
    for run in [
        small(
            MARGIN_X,
            36.0,
            true,
            Tone::Muted,
            format!("lotcheck · {}", frame.running_head),
        ),
        small(
            right - text_width(&frame.header, 8.0, false),
            36.0,
            false,
            Tone::Muted,
            frame.header.clone(),
        ),
        small(
            MARGIN_X,
            bottom,
            document_tone == Tone::Bad,
            document_tone,
            document,
        ),
        small(
            right - text_width(&footer, 8.0, false),
            bottom,
            false,
            Tone::Muted,
            footer,
        ),
    ] {
        text(surface, fonts, &run);
    }
}
