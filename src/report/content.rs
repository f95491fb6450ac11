//! The report's sections as layout blocks, in the order a customer reads
//! them: cover and verdict, product, sampling plans, results, visual
//! inspection, dispositions, charts, statement of conformance. Every word
//! comes from the catalogues (`report-…` keys) in the report's language, or
//! in Chinese and English for a bilingual report ([`i18n::label`],
//! [`i18n::sentence`]); names and numbers are the data's own.

use super::layout::{table_height, Block, Cell, Column, Table, Tone};
use super::{batch_list, BatchReport, QcReport, Verdict};
use crate::charts::decimals;
use crate::domain::disposition::Meaning;
use crate::domain::language::{Lang, ReportLanguage};
use crate::domain::product::Characteristic;
use crate::domain::sampling::oc::Counts;
use crate::domain::sampling::plan::{Method, Plan};
use crate::domain::summaries::CharacteristicStatistics;
use crate::domain::template::Kind;
use crate::i18n::{self, capitalised, in_report, label, message, sentence, text};
use fluent_bundle::FluentValue;
use serde_json::Value;

/// Height of a chart on the page: two fit one above the other.
pub const CHART_HEIGHT: f32 = 298.0;

pub fn blocks(report: &QcReport) -> Vec<Block> {
    let mut blocks = cover(report);
    blocks.extend(product(report));
    blocks.extend(plans(report));
    blocks.extend(results(report));
    blocks.extend(visual(report));
    blocks.extend(dispositions(report));
    blocks.extend(material_and_shipment(report));
    blocks.extend(charts(report));
    blocks.extend(statement(report));
    blocks
}

/// Digits a characteristic's numbers are printed with: a tenth of the
/// tolerance's tick, or by magnitude when it has no two-sided tolerance.
pub fn digits(c: &CharacteristicStatistics) -> usize {
    match (c.lsl, c.usl) {
        (Some(lsl), Some(usl)) if usl > lsl => decimals(usl - lsl) + 1,
        _ => {
            let magnitude = c.mean.or(c.usl).or(c.lsl).unwrap_or(1.0).abs();
            if magnitude < 1.0 {
                4
            } else if magnitude < 100.0 {
                2
            } else {
                1
            }
        }
    }
}

pub fn number(value: Option<f64>, digits: usize) -> String {
    value.map_or("–".into(), |v| format!("{v:.digits$}"))
}

pub fn percent(value: f64) -> String {
    format!("{:.2}%", value * 100.0)
}

/// A column whose title is the catalogue's `key`.
fn left(language: ReportLanguage, key: &str, share: f32) -> Column {
    Column::left(&label(language, key), share)
}

fn right(language: ReportLanguage, key: &str, share: f32) -> Column {
    Column::right(&label(language, key), share)
}

/// A numbered section's heading: "3  Results per batch and characteristic".
fn section(language: ReportLanguage, number: u8, key: &str) -> String {
    format!("{number}  {}", label(language, key))
}

/// A string argument of a message.
fn arg(name: &str, value: impl ToString) -> (&str, FluentValue<'static>) {
    (name, FluentValue::from(value.to_string()))
}

pub fn verdict_text(report: &QcReport) -> (String, Tone) {
    let po = &report.heading.po_number;
    let says = |key: &str, tone: Tone, batches: &[i32]| {
        let text = in_report(report.language, "\n", |lang| {
            verdict_message(lang, key, po, batches)
        });
        (text, tone)
    };
    match report.verdict() {
        Verdict::Conforms { concessions } if concessions.is_empty() => {
            says("report-verdict-conforms", Tone::Good, &[])
        }
        Verdict::Conforms { concessions } => {
            says("report-verdict-concession", Tone::Warning, &concessions)
        }
        Verdict::DoesNotConform { rejected } => {
            says("report-verdict-rejected", Tone::Bad, &rejected)
        }
        Verdict::Pending { open } if open.is_empty() => {
            says("report-verdict-nothing", Tone::Warning, &[])
        }
        Verdict::Pending { open } => says("report-verdict-pending", Tone::Warning, &open),
    }
}

/// The verdict `key` on order `po`, naming `batches` (one, or many as
/// ranges).
fn verdict_message(lang: Lang, key: &str, po: &str, batches: &[i32]) -> String {
    message(
        lang,
        key,
        &[
            arg("po", po),
            arg("batches", batch_list(lang, batches)),
            ("count", FluentValue::from(batches.len())),
        ],
    )
}

fn cover(report: &QcReport) -> Vec<Block> {
    let l = report.language;
    let h = &report.heading;
    let field = |key: &str, value: String| (label(l, key), value);
    let mut fields = vec![
        field("report-field-customer", h.customer.clone()),
        field("report-field-po", h.po_number.clone()),
        field(
            "report-field-product",
            format!("{} — {}", h.product.code, h.product.name),
        ),
        field(
            "report-field-quantity",
            in_report(l, " / ", |lang| {
                message(lang, "report-units", &[arg("count", h.order_quantity)])
            }),
        ),
        field("report-field-batches", report.batches.len().to_string()),
    ];
    if let Some(due) = &h.due_date {
        fields.push(field("report-field-due", due.clone()));
    }
    match &h.issue {
        Some(issue) => {
            fields.push(field("report-field-number", issue.number.clone()));
            fields.push(field("report-field-revision", issue.revision.to_string()));
            fields.push(field("report-field-issued-by", issue.issued_by.clone()));
        }
        None => fields.push(field(
            "report-field-number",
            label(l, "report-number-draft"),
        )),
    }
    fields.push(field(
        "report-field-date",
        i18n::when_in(h.date.to_utc(), h.date.timezone()),
    ));
    let (verdict, tone) = verdict_text(report);
    let mut blocks = vec![
        Block::Title(label(l, "report-title")),
        Block::Fields(fields),
        Block::Banner {
            text: verdict,
            tone,
        },
    ];
    if let Some(issue) = h.issue.as_ref().filter(|i| !i.changes.is_empty()) {
        blocks.push(Block::Subheading(sentence(
            l,
            "report-changes-since",
            &[arg("revision", issue.revision - 1)],
        )));
        for change in &issue.changes {
            let said = in_report(l, "\n", |lang| change.in_language(lang));
            blocks.push(Block::Paragraph(format!("• {said}")));
        }
    }
    blocks
}
/// A parameter key as a label: `rated_power_w` → "Rated power (W)".
pub fn parameter_label(key: &str) -> String {
    const UNITS: [(&str, &str); 9] = [
        ("_w", "W"),
        ("_lm", "lm"),
        ("_k", "K"),
        ("_deg", "°"),
        ("_mm", "mm"),
        ("_v", "V"),
        ("_ma", "mA"),
        ("_hz", "Hz"),
        ("_h", "h"),
    ];
    let (stem, unit) = UNITS
        .iter()
        .find_map(|(suffix, unit)| key.strip_suffix(suffix).map(|stem| (stem, Some(*unit))))
        .unwrap_or((key, None));
    const ACRONYMS: [&str; 7] = ["cri", "cct", "led", "ip", "ac", "dc", "ugr"];
    let mut words = stem
        .split('_')
        .map(|w| {
            if ACRONYMS.contains(&w) {
                w.to_uppercase()
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    if let Some(first) = words.get(0..1) {
        words = first.to_uppercase() + &words[1..];
    }
    match unit {
        Some(unit) => format!("{words} ({unit})"),
        None => words,
    }
}

fn parameter_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(parameter_value)
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// Parameters that steer the software rather than describe the product.
const INTERNAL_PARAMETERS: [&str; 3] = ["spc_rules", "target_x", "target_y"];

/// A technical parameter's label: the catalogue's (`param-<key>`) when it
/// has one, else the key read as words ([`parameter_label`]).
fn parameter_name(language: ReportLanguage, key: &str) -> String {
    let catalogued = i18n::parameter_key(key);
    if i18n::has_key(&catalogued) {
        label(language, &catalogued)
    } else {
        parameter_label(key)
    }
}

fn product(report: &QcReport) -> Vec<Block> {
    let l = report.language;
    let product = &report.heading.product;
    let mut blocks = vec![Block::Heading(section(l, 1, "report-section-product"))];
    let parameters: Vec<(String, String)> = product
        .params
        .iter()
        .filter(|(k, _)| !INTERNAL_PARAMETERS.contains(&k.as_str()))
        .map(|(k, v)| (parameter_name(l, k), parameter_value(v)))
        .collect();
    if !parameters.is_empty() {
        blocks.push(Block::Fields(parameters));
    }
    blocks.push(Block::Subheading(label(
        l,
        "report-inspected-characteristics",
    )));
    blocks.push(Block::Table(Table {
        columns: vec![
            left(l, "report-col-characteristic", 3.2),
            left(l, "report-col-unit", 0.8),
            left(l, "report-col-kind", 1.2),
            right(l, "report-col-nominal", 1.1),
            right(l, "report-col-lsl", 1.1),
            right(l, "report-col-usl", 1.1),
            left(l, "report-col-class", 1.0),
        ],
        rows: product
            .characteristics
            .iter()
            .map(|c| characteristic_row(l, c))
            .collect(),
    }));
    blocks
}

fn characteristic_row(language: ReportLanguage, c: &Characteristic) -> Vec<Cell> {
    let show = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v}"));
    let kind = match (c.kind, c.derived) {
        (Kind::Attribute, _) => "report-kind-attribute",
        (Kind::Variable, true) => "report-kind-derived",
        (Kind::Variable, false) => "report-kind-measured",
    };
    vec![
        Cell::from(c.name.clone()),
        Cell::from(c.unit.clone()),
        Cell::from(label(language, kind)),
        Cell::from(show(c.nominal)),
        Cell::from(show(c.lsl)),
        Cell::from(show(c.usl)),
        Cell::from(label(
            language,
            &format!("severity-{}", c.severity.as_str()),
        )),
    ]
}

/// How a plan drew its sample, in `lang`.
pub fn plan_method(lang: Lang, plan: &Plan) -> String {
    let method = match plan.method {
        Method::Percent => message(
            lang,
            "report-plan-percent",
            &[arg("percent", plan.percent.unwrap_or(10.0))],
        ),
        Method::Iso2859_1 => message(
            lang,
            "report-plan-iso",
            &[
                arg("aql", plan.aql.map_or("–".into(), |a| a.to_string())),
                arg("level", plan.level.as_deref().unwrap_or("II")),
                arg(
                    "inspection",
                    text(
                        lang,
                        &format!(
                            "inspection-{}",
                            plan.inspection.as_deref().unwrap_or("normal")
                        ),
                    ),
                ),
                arg("code", plan.code_letter.as_deref().unwrap_or("–")),
            ],
        ),
    };
    match plan.counts {
        Counts::NonconformingUnits => method,
        Counts::Nonconformities => format!("{method}, {}", text(lang, "counts-nonconformities")),
    }
}

fn plans(report: &QcReport) -> Vec<Block> {
    let l = report.language;
    let rows = report
        .batches
        .iter()
        .map(|b| match &b.plan {
            None => vec![
                Cell::from(b.batch.number.to_string()),
                Cell::from(b.batch.lot_size.to_string()),
                Cell::toned(label(l, "report-no-plan"), Tone::Warning),
            ],
            Some(plan) => {
                let (accept, reject) = match (plan.accept, plan.reject) {
                    (Some(a), Some(r)) => (a, r),
                    _ => (0, 1),
                };
                let risk = |i: usize| {
                    b.risk_points.map_or("–".into(), |points| {
                        format!("{} (Pa {:.2})", percent(points[i].0), points[i].1)
                    })
                };
                vec![
                    Cell::from(b.batch.number.to_string()),
                    Cell::from(plan.lot_size.to_string()),
                    Cell::from(in_report(l, " / ", |lang| plan_method(lang, plan))),
                    Cell::from(plan.sample_size.to_string()),
                    Cell::from(format!("{accept}/{reject}")),
                    Cell::from(plan.seed.to_string()),
                    Cell::from(risk(0)),
                    Cell::from(risk(1)),
                ]
            }
        })
        .collect();
    vec![
        Block::Heading(section(l, 2, "report-section-plans")),
        Block::Paragraph(sentence(l, "report-plans-note", &[])),
        Block::Table(Table {
            columns: vec![
                left(l, "report-col-batch", 0.7),
                right(l, "report-col-lot", 0.7),
                left(l, "report-col-method", 2.5),
                Column::right("n", 0.6),
                Column::right("Ac/Re", 0.7),
                right(l, "report-col-seed", 2.0),
                right(l, "report-col-producers", 1.9),
                right(l, "report-col-consumers", 1.9),
            ],
            rows,
        }),
    ]
}

fn results(report: &QcReport) -> Vec<Block> {
    let l = report.language;
    let mut blocks = vec![
        Block::Heading(section(l, 3, "report-section-results")),
        Block::Paragraph(sentence(l, "report-results-note", &[])),
    ];
    for b in report.batches.iter() {
        // Keep the batch's title with its table.
        blocks.push(Block::Need(
            table_height(b.statistics.characteristics.len()) + 20.0,
        ));
        blocks.push(Block::Subheading(batch_title(l, b)));
        let rows = b
            .statistics
            .characteristics
            .iter()
            .map(|c| {
                let d = digits(c);
                let cpk = match (c.indices.cpk, &c.indices.cpk_ci) {
                    (Some(cpk), Some(ci)) => format!("{cpk:.2} [{:.2}, {:.2}]", ci[0], ci[1]),
                    (Some(cpk), None) => format!("{cpk:.2}"),
                    _ => "–".into(),
                };
                let nonconforming = Cell::toned(
                    c.nonconforming.to_string(),
                    if c.nonconforming > 0 {
                        Tone::Bad
                    } else {
                        Tone::Normal
                    },
                );
                match c.kind {
                    Kind::Variable => vec![
                        Cell::from(c.name.clone()),
                        Cell::from(c.n.to_string()),
                        Cell::from(number(c.mean, d)),
                        Cell::from(number(c.std_dev, d + 1)),
                        Cell::from(number(c.min, d)),
                        Cell::from(number(c.max, d)),
                        Cell::from(number(c.lsl, d)),
                        Cell::from(number(c.usl, d)),
                        Cell::from(cpk),
                        nonconforming,
                    ],
                    Kind::Attribute => vec![
                        Cell::from(c.name.clone()),
                        Cell::from(c.n.to_string()),
                        Cell::from(in_report(l, " / ", |lang| {
                            message(lang, "report-failed", &[arg("count", c.nonconforming)])
                        })),
                        Cell::from(""),
                        Cell::from(""),
                        Cell::from(""),
                        Cell::from(""),
                        Cell::from(""),
                        Cell::from(""),
                        nonconforming,
                    ],
                }
            })
            .collect();
        blocks.push(Block::Table(Table {
            columns: results_columns(l),
            rows,
        }));
    }
    blocks
}

/// The columns of a batch's results table.
fn results_columns(l: ReportLanguage) -> Vec<Column> {
    vec![
        left(l, "report-col-characteristic", 2.9),
        Column::right("n", 0.55),
        right(l, "report-col-mean", 0.95),
        Column::right("s", 0.95),
        right(l, "report-col-min", 0.85),
        right(l, "report-col-max", 0.85),
        right(l, "report-col-lsl", 0.8),
        right(l, "report-col-usl", 0.8),
        right(l, "report-col-cpk", 2.0),
        right(l, "report-col-nc", 0.5),
    ]
}

/// "Batch 3 · lot of 500 · line L2 · made 2026-11-20", in the report's
/// language(s).
pub fn batch_title(language: ReportLanguage, b: &BatchReport) -> String {
    in_report(language, " / ", |lang| {
        let mut title = message(
            lang,
            "report-batch-title",
            &[arg("number", b.batch.number), arg("lot", b.batch.lot_size)],
        );
        if let Some(line) = &b.batch.line {
            title.push_str(" · ");
            title.push_str(&message(lang, "report-batch-line", &[arg("line", line)]));
        }
        if let Some(date) = &b.batch.production_date {
            title.push_str(" · ");
            title.push_str(&message(lang, "report-batch-made", &[arg("date", date)]));
        }
        title
    })
}

fn visual(report: &QcReport) -> Vec<Block> {
    let l = report.language;
    let rows = report
        .batches
        .iter()
        .map(|b| {
            let v = &b.visual;
            let top = v
                .defects
                .iter()
                .take(3)
                .map(|d| format!("{} {}", d.name, d.count))
                .collect::<Vec<_>>()
                .join(", ");
            vec![
                Cell::from(b.batch.number.to_string()),
                Cell::from(format!("{}/{}", v.units_inspected, v.units_to_inspect)),
                Cell::from(v.units_passed.to_string()),
                Cell::toned(
                    v.units_failed.to_string(),
                    if v.units_failed > 0 {
                        Tone::Bad
                    } else {
                        Tone::Normal
                    },
                ),
                Cell::from(format!(
                    "{}/{}/{}",
                    v.units_with_critical, v.units_with_major, v.units_with_minor
                )),
                Cell::from(
                    v.defects_per_hundred_units
                        .map_or("–".into(), |d| format!("{d:.1}")),
                ),
                Cell::from(top),
            ]
        })
        .collect();
    vec![
        Block::Heading(section(l, 4, "report-section-visual")),
        Block::Paragraph(sentence(l, "report-visual-note", &[])),
        Block::Table(Table {
            columns: vec![
                left(l, "report-col-batch", 0.8),
                right(l, "report-col-inspected", 1.2),
                right(l, "report-col-passed", 0.9),
                right(l, "report-col-failed", 0.8),
                right(l, "report-col-classes", 1.5),
                right(l, "report-col-defects-100", 1.5),
                left(l, "report-col-top-defects", 3.6),
            ],
            rows,
        }),
    ]
}

/// A decision as a report's table prints it ("Released under concession").
fn decision(language: ReportLanguage, meaning: Meaning) -> String {
    in_report(language, " / ", |lang| {
        capitalised(&i18n::meaning_text(lang, meaning))
    })
}

fn dispositions(report: &QcReport) -> Vec<Block> {
    let l = report.language;
    let rows = report
        .batches
        .iter()
        .map(|b| match &b.disposition.current {
            None => vec![
                Cell::from(b.batch.number.to_string()),
                Cell::toned(label(l, "report-no-decision"), Tone::Warning),
                Cell::from(in_report(l, " / ", |lang| {
                    let proposal = i18n::proposal_text(lang, b.disposition.recommendation.proposal);
                    message(lang, "report-data-propose", &[arg("proposal", proposal)])
                })),
            ],
            Some(d) => {
                let tone = match d.meaning {
                    Meaning::Released => Tone::Good,
                    Meaning::Rejected => Tone::Bad,
                    _ => Tone::Warning,
                };
                let mut note = d.comment.clone();
                if d.data_changed_since {
                    note = format!("{} {note}", label(l, "report-data-changed"));
                }
                vec![
                    Cell::from(b.batch.number.to_string()),
                    Cell::toned(decision(l, d.meaning), tone),
                    Cell::from(format!(
                        "{}, {}",
                        d.signed_by,
                        i18n::when_in(d.signed_at, report.heading.date.timezone())
                    )),
                    Cell::from(d.data_sha256.chars().take(12).collect::<String>()),
                    Cell::from(note),
                ]
            }
        })
        .collect();
    vec![
        Block::Heading(section(l, 5, "report-section-dispositions")),
        Block::Paragraph(sentence(l, "report-dispositions-note", &[])),
        Block::Table(Table {
            columns: vec![
                left(l, "report-col-batch", 0.8),
                left(l, "report-col-decision", 1.9),
                left(l, "report-col-signed", 2.6),
                left(l, "report-col-data-sha", 1.4),
                left(l, "report-col-comment", 3.0),
            ],
            rows,
        }),
    ]
}

/// The material lots each batch used (accepted, or under a concession),
/// and each batch's pre-shipment inspection.
fn material_and_shipment(report: &QcReport) -> Vec<Block> {
    let l = report.language;
    let mut blocks = vec![Block::Heading(section(l, 6, "report-section-material"))];
    let materials: Vec<Vec<Cell>> = report
        .batches
        .iter()
        .flat_map(|b| {
            b.materials.iter().map(move |m| {
                let status = match &m.concession {
                    None => Cell::toned(label(l, "report-material-accepted"), Tone::Good),
                    Some(why) => Cell::toned(
                        format!("{}: {why}", label(l, "report-material-concession")),
                        Tone::Warning,
                    ),
                };
                vec![
                    Cell::from(b.batch.number.to_string()),
                    Cell::from(m.lot_number.clone()),
                    Cell::from(m.material.clone()),
                    status,
                ]
            })
        })
        .collect();
    if materials.is_empty() {
        blocks.push(Block::Paragraph(sentence(l, "report-material-none", &[])));
    } else {
        blocks.push(Block::Table(Table {
            columns: vec![
                left(l, "report-col-batch", 0.8),
                left(l, "report-col-material-lot", 1.6),
                left(l, "report-col-material", 2.4),
                left(l, "report-col-material-status", 3.0),
            ],
            rows: materials,
        }));
    }
    let shipments: Vec<Vec<Cell>> = report
        .batches
        .iter()
        .filter_map(|b| {
            let s = b.shipment.as_ref()?;
            let (key, tone) = if s.passed {
                ("report-shipment-passed", Tone::Good)
            } else if s.complete {
                ("report-shipment-failed", Tone::Bad)
            } else {
                ("report-shipment-open", Tone::Warning)
            };
            Some(vec![
                Cell::from(b.batch.number.to_string()),
                Cell::from(s.cartons.to_string()),
                Cell::from(format!("{} / {}", s.checked, s.sample_size)),
                Cell::from(format!("{} (Ac {})", s.nonconformities, s.accept)),
                Cell::toned(label(l, key), tone),
            ])
        })
        .collect();
    blocks.push(Block::Paragraph(sentence(l, "report-shipment-note", &[])));
    if shipments.is_empty() {
        blocks.push(Block::Paragraph(sentence(l, "report-shipment-none", &[])));
    } else {
        blocks.push(Block::Table(Table {
            columns: vec![
                left(l, "report-col-batch", 0.8),
                right(l, "report-col-cartons", 1.2),
                right(l, "report-col-cartons-checked", 1.6),
                right(l, "report-col-nonconformities", 2.0),
                left(l, "report-col-result", 1.6),
            ],
            rows: shipments,
        }));
    }
    blocks
}

fn charts(report: &QcReport) -> Vec<Block> {
    let c = &report.charts;
    let mut blocks = vec![
        Block::PageBreak,
        Block::Heading(section(report.language, 7, "report-section-charts")),
    ];
    let mut chart = |svg: &Option<String>| {
        if let Some(svg) = svg {
            blocks.push(Block::Chart {
                svg: svg.clone(),
                height: CHART_HEIGHT,
            });
        }
    };
    chart(&c.yields);
    chart(&c.pareto);
    chart(&c.chromaticity);
    for (_, svg) in &c.oc_curves {
        chart(&Some(svg.clone()));
    }
    for characteristic in &c.characteristics {
        chart(&characteristic.histogram);
        chart(&characteristic.control_chart);
    }
    blocks
}

fn statement(report: &QcReport) -> Vec<Block> {
    let l = report.language;
    let h = &report.heading;
    let (verdict, tone) = verdict_text(report);
    let issued = match &h.issue {
        Some(issue) => {
            let mut args = vec![
                arg("number", &issue.number),
                arg("revision", issue.revision),
                arg("by", &issue.issued_by),
                arg("date", h.date.format("%Y-%m-%d")),
            ];
            let key = match &issue.public_url {
                Some(base) => {
                    args.push(arg("base", base));
                    "report-issued-statement-at"
                }
                None => "report-issued-statement",
            };
            sentence(l, key, &args)
        }
        None => sentence(l, "report-draft-statement", &[]),
    };
    let undecided = report.undecided();
    vec![
        Block::Need(230.0),
        Block::Heading(section(l, 8, "report-section-statement")),
        Block::Paragraph(in_report(l, "\n", |lang| {
            let inspected = message(
                lang,
                "report-statement",
                &[
                    arg("po", &h.po_number),
                    arg("quantity", h.order_quantity),
                    arg("code", &h.product.code),
                    arg("name", &h.product.name),
                    arg("batches", report.batches.len()),
                ],
            );
            format!("{inspected} {}", dispositioned(lang, &undecided))
        })),
        Block::Banner {
            text: verdict,
            tone,
        },
        Block::Paragraph(issued),
    ]
}

/// What the statement says of the batches' decisions: never that every
/// batch was dispositioned when some were not.
fn dispositioned(lang: Lang, undecided: &[i32]) -> String {
    if undecided.is_empty() {
        return text(lang, "report-all-dispositioned");
    }
    message(
        lang,
        "report-some-undecided",
        &[
            ("count", FluentValue::from(undecided.len())),
            arg("batches", batch_list(lang, undecided)),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::parameter_label;

    #[test]
    fn a_verdict_names_one_batch_or_a_range_of_many() {
        use super::{verdict_message, Lang};
        let all: Vec<i32> = (1..=200).collect();
        let pending = |batches: &[i32]| {
            verdict_message(Lang::En, "report-verdict-pending", "PO-7", batches)
                .replace(['\u{2068}', '\u{2069}'], "")
        };
        assert_eq!(pending(&[3]), "PENDING: batch 3 of PO-7 awaits a decision.");
        assert_eq!(
            pending(&all),
            "PENDING: batches 1–200 of PO-7 await a decision."
        );
        let rejected =
            verdict_message(Lang::ZhCn, "report-verdict-rejected", "PO-7", &[2, 3, 4, 9])
                .replace(['\u{2068}', '\u{2069}'], "");
        assert_eq!(rejected, "不合格：PO-7 的第 2–4 和 9 批被拒收。");
    }

    #[test]
    fn results_tables_hold_every_value_whole_and_wrap_long_names() {
        use super::super::layout::{column_widths, text_width, Cell, Table, CONTENT_WIDTH};
        let row = |name: &str, values: [&str; 9]| {
            std::iter::once(Cell::from(name))
                .chain(values.iter().map(|v| Cell::from(*v)))
                .collect::<Vec<_>>()
        };
        let table = Table {
            columns: super::results_columns(crate::domain::language::ReportLanguage::En),
            rows: vec![
                row(
                    "Colour consistency (MacAdam steps from the target chromaticity)",
                    [
                        "125",
                        "2.41",
                        "0.873",
                        "0.52",
                        "4.96",
                        "–",
                        "5",
                        "1.26 [1.15, 1.36]",
                        "0",
                    ],
                ),
                row(
                    "Duv",
                    [
                        "125",
                        "-0.00213",
                        "0.000871",
                        "-0.00412",
                        "-0.00051",
                        "-0.006",
                        "0.006",
                        "1.45 [1.30, 1.60]",
                        "12",
                    ],
                ),
            ],
        };
        let widths = column_widths(&table);
        assert!((widths.iter().sum::<f32>() - CONTENT_WIDTH).abs() < 0.01);
        for row in &table.rows {
            for (cell, width) in row.iter().zip(&widths).skip(1) {
                assert!(
                    text_width(&cell.text, 8.0, false) + 6.0 <= *width + 0.01,
                    "{} does not fit {width}",
                    cell.text
                );
            }
        }
        // The name column holds its longest word and wraps the rest.
        assert!(text_width("(MacAdam", 8.0, false) + 6.0 <= widths[0]);
    }

    #[test]
    fn parameter_keys_read_as_labels() {
        assert_eq!(parameter_label("rated_power_w"), "Rated power (W)");
        assert_eq!(parameter_label("cri_min"), "CRI min");
        assert_eq!(parameter_label("nominal_cct_k"), "Nominal CCT (K)");
        assert_eq!(parameter_label("lamp_holder"), "Lamp holder");
    }
}
