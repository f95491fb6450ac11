//! An order's packing list as a PDF, in the reader's language: each packed
//! batch with its cartons, units, weights, volume and GTIN, whether its
//! pre-shipment inspection passed and whether it may ship, and the totals
//! a forwarder books by. The same rows as the CSV
//! ([`crate::service::shipping::packing_list`]).

use super::layout::{Block, Cell, Column, Table, Tone};
use super::pdf::{render_blocks, PageFrame};
use crate::domain::language::ReportLanguage;
use crate::domain::packing::{PackingList, PackingRow};
use crate::error::AppResult;
use crate::i18n::{grouped, in_report, label, message, sentence};
use chrono::{DateTime, Utc};

fn blocks(language: ReportLanguage, list: &PackingList, date: DateTime<Utc>) -> Vec<Block> {
    let t = |key: &str| label(language, key);
    let mut blocks = vec![
        Block::Title(t("packing-title")),
        Block::Fields(vec![
            (t("packing-customer"), list.customer.clone()),
            (t("packing-po"), list.po_number.clone()),
            (
                t("packing-product"),
                format!("{} · {}", list.product_code, list.product_name),
            ),
            (t("packing-date"), date.format("%Y-%m-%d").to_string()),
        ]),
    ];
    if list.rows.is_empty() {
        blocks.push(Block::Paragraph(t("packing-none")));
        return blocks;
    }
    let columns = vec![
        Column::left(&t("packing-col-batch"), 0.8),
        Column::right(&t("packing-col-cartons"), 0.9),
        Column::right(&t("packing-col-units-per-carton"), 0.9),
        Column::right(&t("packing-col-units"), 1.0),
        Column::right(&t("packing-col-weight-carton"), 1.0),
        Column::right(&t("packing-col-weight"), 1.1),
        Column::right(&t("packing-col-volume"), 1.0),
        Column::left("GTIN", 1.5),
        Column::left(&t("packing-col-result"), 1.3),
    ];
    let mut rows: Vec<Vec<Cell>> = list
        .rows
        .iter()
        .map(|r| {
            let (result, tone) = match (r.pre_shipment, r.ready_to_ship) {
                ("passed", true) => (t("packing-ready"), Tone::Good),
                ("passed", false) => (t("packing-passed"), Tone::Normal),
                ("failed", _) => (t("packing-failed"), Tone::Bad),
                _ => (t("packing-in-progress"), Tone::Muted),
            };
            vec![
                Cell::from(r.batch.to_string()),
                Cell::from(grouped(r.cartons as f64, 0)),
                Cell::from(grouped(r.units_per_carton as f64, 0)),
                Cell::from(grouped(r.units as f64, 0)),
                Cell::from(grouped(r.gross_weight_kg_per_carton, 2)),
                Cell::from(grouped(r.gross_weight_kg, 1)),
                Cell::from(grouped(r.volume_m3, 3)),
                Cell::from(r.gtin.clone()),
                Cell::toned(result, tone),
            ]
        })
        .collect();
    let sum = |f: fn(&PackingRow) -> f64| -> f64 { list.rows.iter().map(f).sum() };
    rows.push(vec![
        Cell::toned(t("packing-total"), Tone::Normal),
        Cell::from(grouped(sum(|r| r.cartons as f64), 0)),
        Cell::from(""),
        Cell::from(grouped(sum(|r| r.units as f64), 0)),
        Cell::from(""),
        Cell::from(grouped(sum(|r| r.gross_weight_kg), 1)),
        Cell::from(grouped(sum(|r| r.volume_m3), 3)),
        Cell::from(""),
        Cell::from(""),
    ]);
    blocks.push(Block::Table(Table { columns, rows }));
    let ready = list.rows.iter().filter(|r| r.ready_to_ship).count();
    blocks.push(Block::Paragraph(sentence(
        language,
        "packing-ready-count",
        &[("ready", ready.into()), ("batches", list.rows.len().into())],
    )));
    blocks
}

/// The packing list of `list` as a PDF in `language` (one, or Chinese and
/// English together), dated `date`.
pub fn pdf(
    language: ReportLanguage,
    list: &PackingList,
    date: DateTime<Utc>,
) -> AppResult<Vec<u8>> {
    let po = list.po_number.as_str();
    let frame = PageFrame {
        title: format!("{} · {po}", label(language, "packing-title")),
        language: language.primary().tag().into(),
        date,
        running_head: label(language, "packing-title"),
        header: format!("{} · {po}", list.customer),
        document: (
            in_report(language, " / ", |lang| {
                message(lang, "packing-footer", &[("po", po.into())])
            }),
            Tone::Muted,
        ),
        page_of: Box::new(move |page, pages| {
            in_report(language, " / ", |lang| {
                message(
                    lang,
                    "report-page",
                    &[("page", page.into()), ("pages", pages.into())],
                )
            })
        }),
    };
    render_blocks(blocks(language, list, date), &frame)
}
