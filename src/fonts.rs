//! The fonts every chart and report is drawn with, shipped in
//! `reports/fonts` and compiled into the binary, so a chart or report looks
//! the same on every host whatever fonts it has installed:
//!
//! - DejaVu Sans (Bitstream Vera licence, `reports/fonts/LICENSE`) for Latin,
//!   Greek and the symbols of quality work (X̄, σ, ≤, °);
//! - Noto Sans CJK SC (SIL Open Font Licence, `reports/fonts/
//!   NotoSansCJK-LICENSE.txt`), cut down to GB 2312 by
//!   `scripts/subset-cjk-font.py`, for Chinese.
//!
//! Text is set in DejaVu Sans and falls back, character by character, to
//! Noto Sans CJK SC for what DejaVu Sans lacks ([`runs`]); widths are
//! measured the same way ([`Metrics`]), so wrapping and alignment match
//! what is drawn.

use std::sync::{Arc, LazyLock};

pub const REGULAR: &[u8] = include_bytes!("../reports/fonts/DejaVuSans.ttf");
pub const BOLD: &[u8] = include_bytes!("../reports/fonts/DejaVuSans-Bold.ttf");
pub const CJK_REGULAR: &[u8] = include_bytes!("../reports/fonts/NotoSansSC-Regular-GB2312.otf");
pub const CJK_BOLD: &[u8] = include_bytes!("../reports/fonts/NotoSansSC-Bold-GB2312.otf");
/// The family name inside both DejaVu files.
pub const FAMILY: &str = "DejaVu Sans";

/// A font database holding only the shipped fonts, with DejaVu Sans as every
/// generic family, so `font-family="sans-serif"` in a chart resolves to it;
/// usvg falls back to Noto Sans CJK SC for the characters DejaVu lacks.
static DATABASE: LazyLock<Arc<usvg::fontdb::Database>> = LazyLock::new(|| {
    let mut db = usvg::fontdb::Database::new();
    for data in [REGULAR, BOLD, CJK_REGULAR, CJK_BOLD] {
        db.load_font_data(data.to_vec());
    }
    db.set_sans_serif_family(FAMILY);
    db.set_serif_family(FAMILY);
    db.set_monospace_family(FAMILY);
    Arc::new(db)
});

/// SVG parsing options that resolve text with the shipped fonts only.
pub fn svg_options() -> usvg::Options<'static> {
    usvg::Options {
        font_family: FAMILY.to_string(),
        fontdb: DATABASE.clone(),
        ..usvg::Options::default()
    }
}

/// Which of the shipped fonts sets a run of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Latin,
    Cjk,
}

/// The parsed faces of one weight, Latin and CJK.
pub struct Metrics {
    latin: ttf_parser::Face<'static>,
    cjk: ttf_parser::Face<'static>,
    /// [`Metrics::glyph`] of each ASCII character, looked up once: most of
    /// a report's characters are digits and Latin letters, and a lookup in
    /// the fonts' character maps was a twentieth of a report's time.
    ascii: [(Face, u16, f32); 128],
}

static REGULAR_METRICS: LazyLock<Metrics> = LazyLock::new(|| Metrics::new(REGULAR, CJK_REGULAR));
static BOLD_METRICS: LazyLock<Metrics> = LazyLock::new(|| Metrics::new(BOLD, CJK_BOLD));

impl Metrics {
    fn new(latin: &'static [u8], cjk: &'static [u8]) -> Self {
        let parse = |data| ttf_parser::Face::parse(data, 0).expect("the shipped font parses");
        let mut metrics = Self {
            latin: parse(latin),
            cjk: parse(cjk),
            ascii: [(Face::Latin, 0, 0.0); 128],
        };
        for code in 0..128u8 {
            metrics.ascii[usize::from(code)] = metrics.look_up(char::from(code));
        }
        metrics
    }

    /// The metrics of the regular or the bold weight.
    pub fn of(bold: bool) -> &'static Metrics {
        if bold {
            &BOLD_METRICS
        } else {
            &REGULAR_METRICS
        }
    }

    /// The face that draws `c`: DejaVu Sans when it has the character,
    /// else Noto Sans CJK SC (whose missing glyph shows what neither has).
    pub fn face_of(&self, c: char) -> Face {
        match self.ascii.get(c as usize) {
            Some(&(face, _, _)) => face,
            None => self.face_of_looked_up(c),
        }
    }

    fn face_of_looked_up(&self, c: char) -> Face {
        if self.latin.glyph_index(c).is_some() {
            Face::Latin
        } else if self.cjk.glyph_index(c).is_some() || !c.is_whitespace() {
            Face::Cjk
        } else {
            // A space neither face has (drawn as a plain space).
            Face::Latin
        }
    }

    /// `text` cut into runs each set in one face, in order.
    pub fn runs<'t>(&self, text: &'t str) -> Vec<(Face, &'t str)> {
        let mut runs: Vec<(Face, &'t str)> = Vec::new();
        let mut start = 0;
        let mut current: Option<Face> = None;
        for (at, c) in text.char_indices() {
            let face = self.face_of(c);
            if let Some(previous) = current.filter(|&f| f != face) {
                runs.push((previous, &text[start..at]));
                start = at;
            }
            current = Some(face);
        }
        if let Some(face) = current {
            runs.push((face, &text[start..]));
        }
        runs
    }

    /// The glyph that draws `c` and its advance in ems: the character's
    /// glyph in the face [`Metrics::face_of`] picks (no kerning, no
    /// ligatures), a space for a space the face lacks, or the face's
    /// missing glyph (id 0).
    pub fn glyph(&self, c: char) -> (Face, u16, f32) {
        match self.ascii.get(c as usize) {
            Some(&known) => known,
            None => self.look_up(c),
        }
    }

    fn look_up(&self, c: char) -> (Face, u16, f32) {
        let which = self.face_of_looked_up(c);
        let face = match which {
            Face::Latin => &self.latin,
            Face::Cjk => &self.cjk,
        };
        let glyph = face
            .glyph_index(c)
            .or_else(|| c.is_whitespace().then(|| face.glyph_index(' ')).flatten())
            .unwrap_or(ttf_parser::GlyphId(0));
        let units = face.glyph_hor_advance(glyph).unwrap_or(0);
        (
            which,
            glyph.0,
            f32::from(units) / f32::from(face.units_per_em()),
        )
    }

    /// Width of `text` at `size` points: the sum of its glyphs' advances,
    /// exactly as the report draws them.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.glyph(c).2).sum::<f32>() * size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_falls_back_to_the_cjk_face_and_is_measured_in_it() {
        let metrics = Metrics::of(false);
        assert_eq!(
            metrics.runs("Batch 批次 3 · 合格"),
            vec![
                (Face::Latin, "Batch "),
                (Face::Cjk, "批次"),
                (Face::Latin, " 3 · "),
                (Face::Cjk, "合格"),
            ]
        );
        // A CJK ideograph is set on a full em square (Noto Sans CJK's
        // advance is 1000 of 1000 units): 10 pt wide at 10 pt.
        assert!((metrics.width("批次", 10.0) - 20.0).abs() < 0.01);
        assert!(metrics.width("Batch", 10.0) > 0.0);
        assert_eq!(metrics.runs(""), vec![]);
    }

    /// Spaces DejaVu Sans lacks are not drawn as its missing glyph: the
    /// ideographic space of Chinese text (U+3000, a full-width space) comes
    /// from the CJK face, and a space neither face has is a plain space.
    #[test]
    fn spaces_are_never_the_missing_glyph() {
        let metrics = Metrics::of(false);
        for space in ['\u{3000}', '\u{2007}', '\u{205F}', ' '] {
            let (_, glyph, advance) = metrics.glyph(space);
            assert_ne!(glyph, 0, "U+{:04X}", u32::from(space));
            assert!(advance > 0.0, "U+{:04X}", u32::from(space));
        }
        let (face, _, advance) = metrics.glyph('\u{3000}');
        assert_eq!(face, Face::Cjk);
        assert!((advance - 1.0).abs() < 1e-3, "a full em, not {advance}");
    }
}
