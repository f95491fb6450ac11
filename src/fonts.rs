//! The fonts every chart and report is drawn with: DejaVu Sans (Bitstream
//! Vera licence, `reports/fonts/LICENSE`), shipped in `reports/fonts` and
//! compiled into the binary, so a chart or report looks the same on every
//! host whatever fonts it has installed.

use std::sync::{Arc, LazyLock};

pub const REGULAR: &[u8] = include_bytes!("../reports/fonts/DejaVuSans.ttf");
pub const BOLD: &[u8] = include_bytes!("../reports/fonts/DejaVuSans-Bold.ttf");
/// The family name inside both files.
pub const FAMILY: &str = "DejaVu Sans";

/// A font database holding only the shipped fonts, with DejaVu Sans as every
/// generic family, so `font-family="sans-serif"` in a chart resolves to it.
static DATABASE: LazyLock<Arc<usvg::fontdb::Database>> = LazyLock::new(|| {
    let mut db = usvg::fontdb::Database::new();
    db.load_font_data(REGULAR.to_vec());
    db.load_font_data(BOLD.to_vec());
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

/// Horizontal advance widths of one font, for aligning and wrapping text
/// drawn outside SVG (report tables).
pub struct Metrics {
    face: ttf_parser::Face<'static>,
}

impl Metrics {
    pub fn new(data: &'static [u8]) -> Self {
        Self {
            face: ttf_parser::Face::parse(data, 0).expect("the shipped font parses"),
        }
    }

    /// Width of `text` at `size` points (no kerning, as the report draws it).
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let units: f32 = text
            .chars()
            .map(|c| {
                self.face
                    .glyph_index(c)
                    .and_then(|g| self.face.glyph_hor_advance(g))
                    .unwrap_or(0) as f32
            })
            .sum();
        units * size / f32::from(self.face.units_per_em())
    }
}
