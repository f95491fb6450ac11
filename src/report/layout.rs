//! A small flow layout for A4 reports: blocks (headings, paragraphs,
//! tables, charts) are poured onto pages top to bottom; tables split
//! between rows and repeat their header; a heading never ends a page.
//! The result is a list of drawing operations per page, so the page count
//! is known before anything is drawn ("page 3 of 12").

use crate::fonts::Metrics;

/// A4 in PDF points (1/72 in).
pub const PAGE_WIDTH: f32 = 595.28;
pub const PAGE_HEIGHT: f32 = 841.89;
pub const MARGIN_X: f32 = 48.0;
pub const TOP: f32 = 66.0;
pub const BOTTOM: f32 = PAGE_HEIGHT - 58.0;
pub const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN_X;

pub fn text_width(text: &str, size: f32, bold: bool) -> f32 {
    Metrics::of(bold).width(text, size)
}

/// How a piece of text is coloured: plain, or a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Normal,
    Muted,
    Good,
    Bad,
    Warning,
}

impl Tone {
    pub fn rgb(self) -> (u8, u8, u8) {
        match self {
            Tone::Normal => (0x21, 0x21, 0x21),
            Tone::Muted => (0x61, 0x61, 0x61),
            Tone::Good => (0x1B, 0x5E, 0x20),
            Tone::Bad => (0xB7, 0x1C, 0x1C),
            Tone::Warning => (0x8D, 0x5A, 0x00),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub title: String,
    /// Share of the table's width (the shares are normalised).
    pub share: f32,
    pub align: Align,
}

impl Column {
    pub fn left(title: &str, share: f32) -> Column {
        Column {
            title: title.into(),
            share,
            align: Align::Left,
        }
    }

    pub fn right(title: &str, share: f32) -> Column {
        Column {
            title: title.into(),
            share,
            align: Align::Right,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Cell {
    pub text: String,
    pub tone: Tone,
}

impl<T: Into<String>> From<T> for Cell {
    fn from(text: T) -> Self {
        Cell {
            text: text.into(),
            tone: Tone::Normal,
        }
    }
}

impl Cell {
    pub fn toned(text: impl Into<String>, tone: Tone) -> Cell {
        Cell {
            text: text.into(),
            tone,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, Clone)]
pub enum Block {
    Title(String),
    Heading(String),
    Subheading(String),
    Paragraph(String),
    /// Label–value pairs in two columns.
    Fields(Vec<(String, String)>),
    Table(Table),
    /// An SVG chart drawn `height` points tall across the content width.
    Chart {
        svg: String,
        height: f32,
    },
    /// A framed statement (the verdict of the report).
    Banner {
        text: String,
        tone: Tone,
    },
    Gap(f32),
    /// Starts a new page unless this much room is left (keeps what
    /// follows together).
    Need(f32),
    PageBreak,
}

/// A line of text with its baseline at `y`.
#[derive(Debug, Clone)]
pub struct TextRun {
    pub x: f32,
    pub y: f32,
    pub size: f32,
    pub bold: bool,
    pub tone: Tone,
    pub text: String,
}

/// One drawing operation at absolute page coordinates (y down from the top).
#[derive(Debug, Clone)]
pub enum Op {
    Text(TextRun),
    Line {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
        grey: u8,
    },
    /// A filled rectangle, or only its frame.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<(u8, u8, u8)>,
        frame: Option<(u8, u8, u8)>,
    },
    Svg {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        svg: String,
    },
}

const ROW_HEIGHT: f32 = 14.0;
const TABLE_SIZE: f32 = 8.0;
const BODY_SIZE: f32 = 9.5;
const LINE_HEIGHT: f32 = 13.0;

/// The height a table of `rows` rows (and its header) takes, when no cell
/// wraps.
pub fn table_height(rows: usize) -> f32 {
    ROW_HEIGHT * (rows + 1) as f32 + 6.0
}

/// A heading's place, for the PDF's bookmarks: level 1 for sections, 2 for
/// subsections.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub level: u8,
    pub title: String,
    pub page: usize,
    pub y: f32,
}

/// Pages of drawing operations, and where the headings landed.
#[derive(Default)]
pub struct Flow {
    pages: Vec<Vec<Op>>,
    y: f32,
    marks: Vec<Mark>,
}

impl Flow {
    pub fn new() -> Flow {
        Flow {
            pages: vec![Vec::new()],
            y: TOP,
            marks: Vec::new(),
        }
    }

    fn page(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a flow has a page")
    }

    fn new_page(&mut self) {
        if self.page().is_empty() {
            return;
        }
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    /// Starts a new page unless `height` still fits on this one.
    fn room_for(&mut self, height: f32) {
        if self.y + height > BOTTOM {
            self.new_page();
        }
    }

    fn mark(&mut self, level: u8, title: &str) {
        self.marks.push(Mark {
            level,
            title: title.to_string(),
            page: self.pages.len() - 1,
            y: self.y - 16.0,
        });
    }

    fn text(&mut self, x: f32, size: f32, bold: bool, tone: Tone, text: String) {
        let y = self.y;
        self.page().push(Op::Text(TextRun {
            x,
            y,
            size,
            bold,
            tone,
            text,
        }));
    }

    pub fn add(&mut self, block: Block) {
        match block {
            Block::Title(text) => {
                self.room_for(40.0);
                self.y += 22.0;
                self.text(MARGIN_X, 20.0, true, Tone::Normal, text);
                self.y += 14.0;
            }
            Block::Heading(text) => self.heading(text),
            Block::Subheading(text) => {
                self.room_for(60.0);
                self.y += 14.0;
                self.mark(2, &text);
                self.text(MARGIN_X, 10.5, true, Tone::Normal, text);
                self.y += 6.0;
            }
            Block::Paragraph(text) => {
                for line in wrap(&text, BODY_SIZE, false, CONTENT_WIDTH) {
                    self.room_for(LINE_HEIGHT);
                    self.y += LINE_HEIGHT;
                    self.text(MARGIN_X, BODY_SIZE, false, Tone::Normal, line);
                }
                self.y += 4.0;
            }
            Block::Fields(fields) => self.fields(fields),
            Block::Table(table) => self.table(table),
            Block::Chart { svg, height } => self.chart(svg, height),
            Block::Banner { text, tone } => self.banner(text, tone),
            Block::Gap(height) => self.y += height,
            Block::Need(height) => self.room_for(height),
            Block::PageBreak => self.new_page(),
        }
    }

    /// A numbered section's heading, ruled below and kept with what follows.
    fn heading(&mut self, text: String) {
        // Keep a heading with at least a few lines of what follows.
        self.room_for(90.0);
        self.y += 20.0;
        self.mark(1, &text);
        self.text(MARGIN_X, 13.0, true, Tone::Normal, text);
        self.y += 5.0;
        let y = self.y;
        self.page().push(Op::Line {
            from: (MARGIN_X, y),
            to: (MARGIN_X + CONTENT_WIDTH, y),
            width: 0.8,
            grey: 0x9E,
        });
        self.y += 8.0;
    }

    /// Label–value pairs, values beside their labels: the labels' column
    /// as wide as the widest label (at most 45% of the page), and either
    /// side wrapped within its column.
    fn fields(&mut self, fields: Vec<(String, String)>) {
        let widest = fields
            .iter()
            .map(|(label, _)| text_width(label, BODY_SIZE, false))
            .fold(0.0, f32::max);
        let label_width = (widest + 12.0).clamp(130.0, CONTENT_WIDTH * 0.45);
        for (label, value) in fields {
            let labels = wrap(&label, BODY_SIZE, false, label_width - 12.0);
            let values = wrap(&value, BODY_SIZE, true, CONTENT_WIDTH - label_width);
            let rows = labels.len().max(values.len());
            self.room_for(LINE_HEIGHT * rows as f32);
            for row in 0..rows {
                self.y += LINE_HEIGHT;
                if let Some(line) = labels.get(row) {
                    self.text(MARGIN_X, BODY_SIZE, false, Tone::Muted, line.clone());
                }
                if let Some(line) = values.get(row) {
                    let x = MARGIN_X + label_width;
                    self.text(x, BODY_SIZE, true, Tone::Normal, line.clone());
                }
            }
        }
        self.y += 4.0;
    }

    fn chart(&mut self, svg: String, height: f32) {
        self.room_for(height + 6.0);
        self.y += 6.0;
        let y = self.y;
        self.page().push(Op::Svg {
            x: MARGIN_X,
            y,
            w: CONTENT_WIDTH,
            h: height,
            svg,
        });
        self.y += height;
    }

    /// A framed notice in the tone's colour.
    fn banner(&mut self, text: String, tone: Tone) {
        let lines = wrap(&text, 11.0, true, CONTENT_WIDTH - 20.0);
        let height = 12.0 + 15.0 * lines.len() as f32;
        self.room_for(height + 8.0);
        self.y += 8.0;
        let y = self.y;
        self.page().push(Op::Rect {
            x: MARGIN_X,
            y,
            w: CONTENT_WIDTH,
            h: height,
            fill: None,
            frame: Some(tone.rgb()),
        });
        self.y += 4.0;
        for line in lines {
            self.y += 15.0;
            self.text(MARGIN_X + 10.0, 11.0, true, tone, line);
        }
        self.y = y + height + 6.0;
    }

    fn table(&mut self, table: Table) {
        let widths = column_widths(&table);
        // A short table moves whole to the next page rather than split.
        let height = table_height(table.rows.len());
        if table.rows.len() <= 20 && height < BOTTOM - TOP {
            self.room_for(height);
        }
        let titles: Vec<Cell> = table
            .columns
            .iter()
            .map(|c| Cell::from(c.title.clone()))
            .collect();
        let header = cell_lines(&table.columns, &widths, &titles, true);
        let mut header_due = true;
        for row in &table.rows {
            let lines = cell_lines(&table.columns, &widths, row, false);
            let needed = row_height(&lines) + if header_due { row_height(&header) } else { 0.0 };
            if self.y + needed > BOTTOM {
                self.new_page();
                header_due = true;
            }
            if header_due {
                let y = self.y + 3.0;
                self.page().push(Op::Rect {
                    x: MARGIN_X,
                    y,
                    w: CONTENT_WIDTH,
                    h: row_height(&header),
                    fill: Some((0xEC, 0xEF, 0xF1)),
                    frame: None,
                });
                self.row(&table.columns, &widths, &header, &titles, true);
                header_due = false;
            }
            self.row(&table.columns, &widths, &lines, row, false);
        }
        self.y += 6.0;
    }

    /// One row: each cell's lines, the first on the row's baseline.
    fn row(
        &mut self,
        columns: &[Column],
        widths: &[f32],
        lines: &[Vec<String>],
        cells: &[Cell],
        bold: bool,
    ) {
        let top = self.y;
        self.y += ROW_HEIGHT;
        let mut x = MARGIN_X;
        for (((column, width), cell), cell_lines) in
            columns.iter().zip(widths).zip(cells).zip(lines)
        {
            for (i, text) in cell_lines.iter().enumerate() {
                let left = match column.align {
                    Align::Left => x + CELL_PADDING,
                    Align::Right => x + width - CELL_PADDING - text_width(text, TABLE_SIZE, bold),
                };
                let y = self.y + i as f32 * CELL_LINE;
                self.page().push(Op::Text(TextRun {
                    x: left,
                    y,
                    size: TABLE_SIZE,
                    bold,
                    tone: cell.tone,
                    text: text.clone(),
                }));
            }
            x += width;
        }
        self.y = top + row_height(lines);
        let y = self.y + 4.0;
        self.page().push(Op::Line {
            from: (MARGIN_X, y),
            to: (MARGIN_X + CONTENT_WIDTH, y),
            width: 0.3,
            grey: 0xCF,
        });
    }

    pub fn finish(self) -> (Vec<Vec<Op>>, Vec<Mark>) {
        (self.pages, self.marks)
    }
}

/// Breaks text into lines no wider than `width` (in the bold or the
/// regular weight): paragraphs at `\n`, then as [`wrap_within`] does.
pub fn wrap(text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
    text.split('\n')
        .flat_map(|paragraph| wrap_within(paragraph, size, bold, width))
        .collect()
}

/// Whether a line may break before and after `c`: Chinese and Japanese
/// are written without spaces and break between any two ideographs
/// (Unicode line breaking, UAX #14, class ID), kana, full-width forms and
/// CJK punctuation.
fn breaks_around(c: char) -> bool {
    matches!(c as u32, 0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF)
}

/// The pieces of `text` a line may break between, each with whether a
/// space came before it: words at spaces, and every CJK character alone.
fn pieces(text: &str) -> Vec<(bool, &str)> {
    let mut found = Vec::new();
    for (i, word) in text.split(' ').enumerate() {
        let mut spaced = i > 0;
        let mut start = 0;
        for (at, c) in word.char_indices() {
            if breaks_around(c) {
                if at > start {
                    found.push((std::mem::take(&mut spaced), &word[start..at]));
                }
                let end = at + c.len_utf8();
                found.push((std::mem::take(&mut spaced), &word[at..end]));
                start = end;
            }
        }
        if start < word.len() || word.is_empty() {
            found.push((spaced, &word[start..]));
        }
    }
    found
}

/// The text, shortened with an ellipsis when wider than `width`.
pub fn fit(text: &str, size: f32, bold: bool, width: f32) -> String {
    if text_width(text, size, bold) <= width {
        return text.to_string();
    }
    let mut shortened: String = text.to_string();
    while !shortened.is_empty() && text_width(&format!("{shortened}…"), size, bold) > width {
        shortened.pop();
    }
    format!("{shortened}…")
}

/// Space between a cell's text and its column's edges.
const CELL_PADDING: f32 = 3.0;
/// The step between the lines of a cell whose text wraps.
const CELL_LINE: f32 = 10.0;

/// The height of a row whose cells hold these lines.
fn row_height(lines: &[Vec<String>]) -> f32 {
    let most = lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
    ROW_HEIGHT + (most - 1) as f32 * CELL_LINE
}

/// The lines of each cell of a row: names (left-aligned columns) and every
/// column's title wrap within the column; values (right-aligned) stay on
/// one line, whole, since their column is sized to hold them.
fn cell_lines(columns: &[Column], widths: &[f32], cells: &[Cell], title: bool) -> Vec<Vec<String>> {
    columns
        .iter()
        .zip(widths)
        .zip(cells)
        .map(|((column, width), cell)| {
            let room = width - 2.0 * CELL_PADDING;
            if title || column.align == Align::Left {
                wrap_within(&cell.text, TABLE_SIZE, title, room)
            } else {
                vec![fit(&cell.text, TABLE_SIZE, false, room)]
            }
        })
        .collect()
}

/// Text broken into lines no wider than `width`: at spaces and between
/// CJK characters ([`pieces`]), and inside a word only when the word alone
/// is wider.
fn wrap_within(text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for (spaced, piece) in pieces(text) {
        let candidate = if spaced && !line.is_empty() {
            format!("{line} {piece}")
        } else {
            format!("{line}{piece}")
        };
        if text_width(&candidate, size, bold) <= width || line.is_empty() && piece.is_empty() {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // A word wider than the column is broken where it must be.
        for c in piece.chars() {
            line.push(c);
            if text_width(&line, size, bold) > width && line.chars().count() > 1 {
                line.pop();
                lines.push(std::mem::replace(&mut line, c.to_string()));
            }
        }
    }
    lines.push(line);
    lines
}

/// The widths of a table's columns, from their content. A value column
/// (right-aligned) is as wide as its widest value or the longest word of
/// its title, so a number is never cut; name columns (left-aligned) are at
/// least as wide as their longest word and share the rest of the width in
/// proportion to their shares, up to what their longest text needs; the
/// room left after that goes to every column by share. Only a table whose
/// values alone are wider than the page is narrowed in proportion.
pub fn column_widths(table: &Table) -> Vec<f32> {
    let pad = 2.0 * CELL_PADDING;
    let words = |text: &str, bold: bool| {
        pieces(text)
            .into_iter()
            .map(|(_, w)| text_width(w, TABLE_SIZE, bold))
            .fold(0.0, f32::max)
    };
    // A column's title breaks at spaces only when its column allows: a
    // Chinese title ("不合格数") is one word for sizing, not four.
    let title_words = |text: &str| {
        text.split(' ')
            .map(|w| text_width(w, TABLE_SIZE, true))
            .fold(0.0, f32::max)
    };
    let whole = |text: &str| text_width(text, TABLE_SIZE, false);
    let cells = |i: usize| table.rows.iter().filter_map(move |r| r.get(i));
    let (mut widths, mut natural) = (Vec::new(), Vec::new());
    for (i, column) in table.columns.iter().enumerate() {
        let title = title_words(&column.title);
        let (least, most) = match column.align {
            Align::Right => {
                let widest = cells(i).map(|c| whole(&c.text)).fold(title, f32::max);
                (widest, widest)
            }
            Align::Left => (
                cells(i)
                    .map(|c| words(&c.text, false))
                    .fold(title, f32::max),
                cells(i)
                    .map(|c| whole(&c.text))
                    .fold(text_width(&column.title, TABLE_SIZE, true), f32::max),
            ),
        };
        widths.push(least + pad);
        natural.push(most + pad);
    }
    let used: f32 = widths.iter().sum();
    if used > CONTENT_WIDTH {
        return widths.iter().map(|w| w * CONTENT_WIDTH / used).collect();
    }
    // Names grow towards their natural width, as far as the room goes.
    let wanted: Vec<f32> = natural.iter().zip(&widths).map(|(n, w)| n - w).collect();
    let total_wanted: f32 = wanted.iter().sum();
    let room = CONTENT_WIDTH - used;
    let given = room.min(total_wanted);
    for (w, want) in widths.iter_mut().zip(&wanted) {
        if total_wanted > 0.0 {
            *w += given * want / total_wanted;
        }
    }
    // What is left goes to every column by its share.
    let left = room - given;
    let shares: f32 = table.columns.iter().map(|c| c.share).sum();
    for (w, column) in widths.iter_mut().zip(&table.columns) {
        *w += left * column.share / shares;
    }
    widths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_tables_continue_on_new_pages_with_their_header() {
        let mut flow = Flow::new();
        flow.add(Block::Table(Table {
            columns: vec![Column::left("Batch", 1.0), Column::right("n", 1.0)],
            rows: (0..200)
                .map(|i| vec![Cell::from(format!("B{i}")), Cell::from("5")])
                .collect(),
        }));
        let (pages, _) = flow.finish();
        assert!(pages.len() >= 4, "{} pages", pages.len());
        for page in &pages {
            let texts: Vec<&str> = page
                .iter()
                .filter_map(|op| match op {
                    Op::Text(run) => {
                        assert!(run.y <= BOTTOM, "text below the bottom margin");
                        Some(run.text.as_str())
                    }
                    _ => None,
                })
                .collect();
            assert_eq!(texts[0], "Batch", "each page starts with the header");
        }
    }

    #[test]
    fn text_wraps_and_fits() {
        let lines = wrap(
            "the quick brown fox jumps over the lazy dog",
            10.0,
            false,
            80.0,
        );
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| text_width(l, 10.0, false) <= 80.0));
        let short = fit("a very long characteristic name indeed", 8.0, false, 60.0);
        assert!(short.ends_with('…') && text_width(&short, 8.0, false) <= 60.0);
    }

    #[test]
    fn chinese_wraps_between_characters_and_keeps_latin_words_whole() {
        let text = "每批样品均按抽样方案随机抽取 Luminous flux 光通量合格";
        let lines = wrap(text, 10.0, false, 60.0);
        assert!(lines.len() > 3, "{lines:?}");
        assert!(lines.iter().all(|l| text_width(l, 10.0, false) <= 60.0));
        assert!(lines.iter().any(|l| l.contains("Luminous")));
        assert!(!lines.iter().any(|l| l.ends_with("Lumi")));
        // Nothing lost or added but the spaces a break replaces.
        let joined: String = lines.concat();
        assert_eq!(joined.replace(' ', ""), text.replace(' ', ""));
        assert_eq!(
            pieces("批次 3 合格"),
            vec![
                (false, "批"),
                (false, "次"),
                (true, "3"),
                (true, "合"),
                (false, "格")
            ]
        );
    }
}
