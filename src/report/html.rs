//! The report as HTML: the same blocks the PDF is laid out from, so the
//! browser view and the PDF never disagree. Charts are inlined as SVG
//! (plotters escapes the text it writes).

use super::layout::{Align, Block, Tone};
use super::{content, QcReport};
use maud::{html, Markup, PreEscaped};

fn tone_class(tone: Tone) -> &'static str {
    match tone {
        Tone::Normal => "",
        Tone::Muted => "muted",
        Tone::Good => "good",
        Tone::Bad => "bad",
        Tone::Warning => "warn",
    }
}

/// The report's sections as markup.
pub fn body(report: &QcReport) -> Markup {
    html! {
        @for block in content::blocks(report) {
            (block_markup(block))
        }
    }
}

fn block_markup(block: Block) -> Markup {
    match block {
        Block::Title(text) => html! { h1 { (text) } },
        Block::Heading(text) => html! { h2.section { (text) } },
        Block::Subheading(text) => html! { h3 { (text) } },
        Block::Paragraph(text) => html! { p { (text) } },
        Block::Fields(fields) => html! {
            dl.fields {
                @for (label, value) in fields { dt { (label) } dd { (value) } }
            }
        },
        // A table wider than the page scrolls; the region takes the
        // keyboard's focus so it can be scrolled without a mouse (WCAG
        // 2.1.1), named by its first column.
        Block::Table(table) => html! {
            div.scroll tabindex="0" role="region" aria-label=[table.columns.first().map(|c| c.title.as_str())] {
                table {
                    thead { tr {
                        @for c in &table.columns {
                            th class=[(c.align == Align::Right).then_some("num")] { (c.title) }
                        }
                    } }
                    tbody {
                        @for row in &table.rows {
                            tr {
                                @for (c, cell) in table.columns.iter().zip(row) {
                                    td class={
                                        (if c.align == Align::Right { "num " } else { "" })
                                        (tone_class(cell.tone))
                                    } { (cell.text) }
                                }
                            }
                        }
                    }
                }
            }
        },
        Block::Chart { svg, .. } => html! { figure.chart { (PreEscaped(svg)) } },
        Block::Banner { text, tone } => {
            html! { div class={ "banner " (tone_class(tone)) } { (text) } }
        }
        Block::Gap(_) | Block::Need(_) | Block::PageBreak => html! {},
    }
}
