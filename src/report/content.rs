//! The report's sections as layout blocks, in the order a customer reads
//! them: cover and verdict, product, sampling plans, results, visual
//! inspection, dispositions, charts, statement of conformance.

use super::layout::{table_height, Block, Cell, Column, Table, Tone};
use super::{batch_list, meaning_text, BatchReport, QcReport, Verdict};
use crate::charts::decimals;
use crate::domain::product::Characteristic;
use crate::domain::sampling::plan::{Method, Plan};
use crate::domain::summaries::CharacteristicStatistics;
use crate::domain::template::Kind;
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

pub fn verdict_text(report: &QcReport) -> (String, Tone) {
    let po = &report.heading.po_number;
    match report.verdict() {
        Verdict::Conforms { concessions } if concessions.is_empty() => (
            format!("CONFORMS: every batch of {po} was inspected as planned and released."),
            Tone::Good,
        ),
        Verdict::Conforms { concessions } => (
            format!(
                "CONFORMS UNDER CONCESSION: every batch of {po} was released; batch {} under concession.",
                batch_list(&concessions)
            ),
            Tone::Warning,
        ),
        Verdict::DoesNotConform { rejected } => (
            format!(
                "DOES NOT CONFORM: batch {} of {po} rejected.",
                batch_list(&rejected)
            ),
            Tone::Bad,
        ),
        Verdict::Pending { open } if open.is_empty() => (
            format!("PENDING: {po} has no batches inspected yet."),
            Tone::Warning,
        ),
        Verdict::Pending { open } => (
            format!(
                "PENDING: batch {} of {po} awaits a decision.",
                batch_list(&open)
            ),
            Tone::Warning,
        ),
    }
}

fn cover(report: &QcReport) -> Vec<Block> {
    let h = &report.heading;
    let mut fields = vec![
        ("Customer".to_string(), h.customer.clone()),
        ("Purchase order".to_string(), h.po_number.clone()),
        (
            "Product model".to_string(),
            format!("{} — {}", h.product.code, h.product.name),
        ),
        (
            "Order quantity".to_string(),
            format!("{} units", h.order_quantity),
        ),
        ("Batches".to_string(), report.batches.len().to_string()),
    ];
    if let Some(due) = &h.due_date {
        fields.push(("Due date".into(), due.clone()));
    }
    match &h.issue {
        Some(issue) => {
            fields.push(("Report number".into(), issue.number.clone()));
            fields.push(("Revision".into(), issue.revision.to_string()));
            fields.push(("Issued by".into(), issue.issued_by.clone()));
        }
        None => fields.push(("Report number".into(), "none: draft, not issued".into())),
    }
    fields.push((
        "Date".into(),
        h.date.format("%Y-%m-%d %H:%M UTC").to_string(),
    ));
    let (verdict, tone) = verdict_text(report);
    let mut blocks = vec![
        Block::Title("Quality control inspection report".into()),
        Block::Fields(fields),
        Block::Banner {
            text: verdict,
            tone,
        },
    ];
    if let Some(issue) = h.issue.as_ref().filter(|i| !i.changes.is_empty()) {
        blocks.push(Block::Subheading(format!(
            "Changes since revision {}",
            issue.revision - 1
        )));
        for change in &issue.changes {
            blocks.push(Block::Paragraph(format!("• {change}")));
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

fn product(report: &QcReport) -> Vec<Block> {
    let product = &report.heading.product;
    let mut blocks = vec![Block::Heading(
        "1  Product and its technical parameters".into(),
    )];
    let parameters: Vec<(String, String)> = product
        .params
        .iter()
        .filter(|(k, _)| !INTERNAL_PARAMETERS.contains(&k.as_str()))
        .map(|(k, v)| (parameter_label(k), parameter_value(v)))
        .collect();
    if !parameters.is_empty() {
        blocks.push(Block::Fields(parameters));
    }
    blocks.push(Block::Subheading("Inspected characteristics".into()));
    blocks.push(Block::Table(Table {
        columns: vec![
            Column::left("Characteristic", 3.2),
            Column::left("Unit", 0.8),
            Column::left("Kind", 1.2),
            Column::right("Nominal", 1.1),
            Column::right("LSL", 1.1),
            Column::right("USL", 1.1),
            Column::left("Class", 1.0),
        ],
        rows: product
            .characteristics
            .iter()
            .map(characteristic_row)
            .collect(),
    }));
    blocks
}

fn characteristic_row(c: &Characteristic) -> Vec<Cell> {
    let show = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v}"));
    let kind = match (c.kind, c.derived) {
        (Kind::Attribute, _) => "pass/fail",
        (Kind::Variable, true) => "derived",
        (Kind::Variable, false) => "measured",
    };
    vec![
        Cell::from(c.name.clone()),
        Cell::from(c.unit.clone()),
        Cell::from(kind),
        Cell::from(show(c.nominal)),
        Cell::from(show(c.lsl)),
        Cell::from(show(c.usl)),
        Cell::from(c.severity.as_str()),
    ]
}

pub fn plan_method(plan: &Plan) -> String {
    match plan.method {
        Method::Percent => format!("{}% random", plan.percent.unwrap_or(10.0)),
        Method::Iso2859_1 => format!(
            "ISO 2859-1 AQL {} level {} {} (code {})",
            plan.aql.map_or("–".into(), |a| a.to_string()),
            plan.level.as_deref().unwrap_or("II"),
            plan.inspection.as_deref().unwrap_or("normal"),
            plan.code_letter.as_deref().unwrap_or("–"),
        ),
    }
}

fn plans(report: &QcReport) -> Vec<Block> {
    let rows = report
        .batches
        .iter()
        .map(|b| match &b.plan {
            None => vec![
                Cell::from(b.batch.number.to_string()),
                Cell::from(b.batch.lot_size.to_string()),
                Cell::toned("no plan drawn", Tone::Warning),
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
                    Cell::from(plan_method(plan)),
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
        Block::Heading("2  Sampling plans".into()),
        Block::Paragraph(
            "Units were drawn at random with the stated seed (the same seed draws the same units \
             on any machine). Ac/Re: accept with at most Ac nonconforming units, reject at Re. \
             Risk points by the exact hypergeometric model: the lot fraction nonconforming \
             accepted at most 95% of the time (producer's) and 10% of the time (consumer's)."
                .into(),
        ),
        Block::Table(Table {
            columns: vec![
                Column::left("Batch", 0.7),
                Column::right("Lot", 0.7),
                Column::left("Method", 2.5),
                Column::right("n", 0.6),
                Column::right("Ac/Re", 0.7),
                Column::right("Seed", 2.0),
                Column::right("Producer's", 1.9),
                Column::right("Consumer's", 1.9),
            ],
            rows,
        }),
    ]
}

fn results(report: &QcReport) -> Vec<Block> {
    let mut blocks = vec![
        Block::Heading("3  Results per batch and characteristic".into()),
        Block::Paragraph(
            "n: units measured; s: sample standard deviation; Cpk with its 95% confidence \
             interval (Bissell); NC: nonconforming units (outside the limits, or failed)."
                .into(),
        ),
    ];
    for b in report.batches.iter() {
        // Keep the batch's title with its table.
        blocks.push(Block::Need(
            table_height(b.statistics.characteristics.len()) + 20.0,
        ));
        blocks.push(Block::Subheading(batch_title(b)));
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
                        Cell::from(format!("{} failed", c.nonconforming)),
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
            columns: results_columns(),
            rows,
        }));
    }
    blocks
}

/// The columns of a batch's results table.
fn results_columns() -> Vec<Column> {
    vec![
        Column::left("Characteristic", 2.9),
        Column::right("n", 0.55),
        Column::right("Mean", 0.95),
        Column::right("s", 0.95),
        Column::right("Min", 0.85),
        Column::right("Max", 0.85),
        Column::right("LSL", 0.8),
        Column::right("USL", 0.8),
        Column::right("Cpk [95% CI]", 2.0),
        Column::right("NC", 0.5),
    ]
}

pub fn batch_title(b: &BatchReport) -> String {
    let mut title = format!("Batch {} · lot of {}", b.batch.number, b.batch.lot_size);
    if let Some(line) = &b.batch.line {
        title.push_str(&format!(" · line {line}"));
    }
    if let Some(date) = &b.batch.production_date {
        title.push_str(&format!(" · made {date}"));
    }
    title
}

fn visual(report: &QcReport) -> Vec<Block> {
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
        Block::Heading("4  Visual inspection".into()),
        Block::Paragraph(
            "Inspected: units inspected of those the plan requires (the whole lot, or the \
             sample). Crit/maj/min: units with at least one defect of that class. The Pareto \
             chart in section 6 ranks the defects over the order."
                .into(),
        ),
        Block::Table(Table {
            columns: vec![
                Column::left("Batch", 0.8),
                Column::right("Inspected", 1.2),
                Column::right("Passed", 0.9),
                Column::right("Failed", 0.8),
                Column::right("Crit/maj/min", 1.5),
                Column::right("Defects/100", 1.5),
                Column::left("Most frequent defects", 3.6),
            ],
            rows,
        }),
    ]
}

fn dispositions(report: &QcReport) -> Vec<Block> {
    let rows = report
        .batches
        .iter()
        .map(|b| match &b.disposition.current {
            None => vec![
                Cell::from(b.batch.number.to_string()),
                Cell::toned("No decision yet", Tone::Warning),
                Cell::from(
                    format!("data propose: {:?}", b.disposition.recommendation.proposal)
                        .to_lowercase(),
                ),
            ],
            Some(d) => {
                let tone = match d.meaning {
                    crate::domain::disposition::Meaning::Released => Tone::Good,
                    crate::domain::disposition::Meaning::Rejected => Tone::Bad,
                    _ => Tone::Warning,
                };
                let mut note = d.comment.clone();
                if d.data_changed_since {
                    note = format!("data changed after signing. {note}");
                }
                vec![
                    Cell::from(b.batch.number.to_string()),
                    Cell::toned(meaning_text(d.meaning), tone),
                    Cell::from(format!(
                        "{}, {}",
                        d.signed_by,
                        d.signed_at.format("%Y-%m-%d %H:%M UTC")
                    )),
                    Cell::from(d.data_sha256.chars().take(12).collect::<String>()),
                    Cell::from(note),
                ]
            }
        })
        .collect();
    vec![
        Block::Heading("5  Batch dispositions".into()),
        Block::Paragraph(
            "Each decision is signed electronically by a production lead (password \
             re-entered) over the SHA-256 of the batch's data: its plan, readings and \
             inspections; the first 12 hex digits are shown."
                .into(),
        ),
        Block::Table(Table {
            columns: vec![
                Column::left("Batch", 0.8),
                Column::left("Decision", 1.9),
                Column::left("Signed by, at", 2.6),
                Column::left("Data SHA-256", 1.4),
                Column::left("Comment", 3.0),
            ],
            rows,
        }),
    ]
}

fn charts(report: &QcReport) -> Vec<Block> {
    let c = &report.charts;
    let mut blocks = vec![Block::PageBreak, Block::Heading("6  Charts".into())];
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
    let h = &report.heading;
    let (verdict, tone) = verdict_text(report);
    let issued = match &h.issue {
        Some(issue) => format!(
            "This report, number {} revision {}, was issued by {} on {}. Its SHA-256 is \
             registered: a holder of this file can confirm that it is genuine at \
             /api/v1/reports/verify/<SHA-256 of the file>.",
            issue.number,
            issue.revision,
            issue.issued_by,
            h.date.format("%Y-%m-%d")
        ),
        None => "This is a draft made from the data as they stand; it is not an issued report \
                 and cannot be verified."
            .into(),
    };
    vec![
        Block::Need(230.0),
        Block::Heading("7  Statement of conformance".into()),
        Block::Paragraph(format!(
            "The goods of purchase order {} ({} units of {} {}) were inspected in {} batches \
             by the sampling plans of section 2, against the characteristics and limits of \
             section 1. The results are given in sections 3 to 6. {}",
            h.po_number,
            h.order_quantity,
            h.product.code,
            h.product.name,
            report.batches.len(),
            dispositioned(&report.undecided())
        )),
        Block::Banner {
            text: verdict,
            tone,
        },
        Block::Paragraph(issued),
    ]
}

/// What the statement says of the batches' decisions: never that every
/// batch was dispositioned when some were not.
fn dispositioned(undecided: &[i32]) -> String {
    let numbers = |list: &[i32]| {
        list.iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match undecided {
        [] => "Each batch was dispositioned as recorded in section 5.".into(),
        [one] => format!(
            "Batch {one} had no disposition when this report was made; the other batches \
             were dispositioned as recorded in section 5."
        ),
        many => format!(
            "Batches {} had no disposition when this report was made; the other batches \
             were dispositioned as recorded in section 5.",
            numbers(many)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::parameter_label;

    #[test]
    fn results_tables_hold_every_value_whole_and_wrap_long_names() {
        use super::super::layout::{column_widths, text_width, Cell, Table, CONTENT_WIDTH};
        let row = |name: &str, values: [&str; 9]| {
            std::iter::once(Cell::from(name))
                .chain(values.iter().map(|v| Cell::from(*v)))
                .collect::<Vec<_>>()
        };
        let table = Table {
            columns: super::results_columns(),
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
