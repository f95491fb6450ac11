//! The QC report of an order: what it holds (`QcReport`, gathered by
//! `service::reports` one batch at a time), how it reads (`content`: the
//! sections as layout blocks), and its three forms: PDF (`pdf`), HTML
//! (`html`) and the readings as CSV (`csv`).

pub mod content;
pub mod csv;
pub mod html;
pub mod layout;
pub mod packing;
pub mod pdf;

use crate::domain::batch::Batch;
use crate::domain::disposition::{BatchDisposition, Meaning};
use crate::domain::language::{Lang, ReportLanguage};
use crate::domain::product::Product;
use crate::domain::sampling::plan::Plan;
use crate::domain::summaries::{BatchStatistics, VisualSummary};
use chrono::DateTime;

/// Who the report is for and which document it is.
#[derive(Debug, Clone)]
pub struct Heading {
    /// Report number and revision; none for a draft.
    pub issue: Option<Issue>,
    /// When the report was issued (or the draft made), in the site's
    /// zone: every time of the report is printed in it.
    pub date: DateTime<chrono_tz::Tz>,
    pub customer: String,
    pub po_number: String,
    pub order_id: i64,
    pub order_quantity: i64,
    pub due_date: Option<String>,
    pub product: Product,
}

#[derive(Debug, Clone)]
pub struct Issue {
    pub number: String,
    pub revision: i32,
    pub issued_by: String,
    /// What changed since the previous revision (empty for the first),
    /// printed in the report's language.
    pub changes: Vec<crate::domain::message::Message>,
    /// The address the service is reached at from outside, when the site
    /// has said it: the statement names the check's page and API there.
    pub public_url: Option<String>,
}

/// One batch's part of the report: summaries only (no readings).
#[derive(Debug, Clone)]
pub struct BatchReport {
    pub batch: Batch,
    pub plan: Option<Plan>,
    /// (p, Pa) of the producer's and the consumer's risk points.
    pub risk_points: Option<[(f64, f64); 2]>,
    pub statistics: BatchStatistics,
    pub visual: VisualSummary,
    pub disposition: BatchDisposition,
    /// The material lots that went into the batch.
    pub materials: Vec<MaterialLine>,
    /// Its pre-shipment inspection, when one is planned.
    pub shipment: Option<ShipmentLine>,
}

/// A material lot in a batch, as the customer's report lists it: the
/// supplier is the factory's own record and is left out.
#[derive(Debug, Clone)]
pub struct MaterialLine {
    pub lot_number: String,
    pub material: String,
    /// Accepted at incoming inspection; else used under `concession`.
    pub accepted: bool,
    pub concession: Option<String>,
}

/// A batch's pre-shipment inspection, as the report sums it up.
#[derive(Debug, Clone)]
pub struct ShipmentLine {
    pub cartons: i64,
    pub sample_size: i64,
    pub checked: i64,
    pub nonconformities: i64,
    pub accept: i64,
    pub complete: bool,
    pub passed: bool,
}

/// The charts, as SVG, with what each shows.
#[derive(Debug, Clone, Default)]
pub struct Charts {
    /// Per measured characteristic: its name, histogram and control chart.
    pub characteristics: Vec<CharacteristicCharts>,
    pub chromaticity: Option<String>,
    /// One OC curve per distinct plan (lot size, n, Ac), with its batches.
    pub oc_curves: Vec<(String, String)>,
    pub pareto: Option<String>,
    pub yields: Option<String>,
}

#[derive(Debug, Clone)]
pub struct CharacteristicCharts {
    pub name: String,
    pub histogram: Option<String>,
    pub control_chart: Option<String>,
}

#[derive(Debug, Clone)]
pub struct QcReport {
    /// The language(s) it is written in; its charts are drawn in them too.
    pub language: ReportLanguage,
    pub heading: Heading,
    pub batches: Vec<BatchReport>,
    pub charts: Charts,
}

/// The report's verdict on the order, from the decisions in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every batch released (or released under concession).
    Conforms { concessions: Vec<i32> },
    /// At least one batch rejected.
    DoesNotConform { rejected: Vec<i32> },
    /// Some batches have no decision yet, or are on hold.
    Pending { open: Vec<i32> },
}

impl QcReport {
    pub fn verdict(&self) -> Verdict {
        let numbers = |keep: &dyn Fn(Option<Meaning>) -> bool| -> Vec<i32> {
            self.batches
                .iter()
                .filter(|b| keep(b.disposition.current.as_ref().map(|d| d.meaning)))
                .map(|b| b.batch.number)
                .collect()
        };
        let rejected = numbers(&|m| m == Some(Meaning::Rejected));
        let open = numbers(&|m| matches!(m, None | Some(Meaning::OnHold)));
        if !rejected.is_empty() {
            Verdict::DoesNotConform { rejected }
        } else if !open.is_empty() || self.batches.is_empty() {
            Verdict::Pending { open }
        } else {
            Verdict::Conforms {
                concessions: numbers(&|m| m == Some(Meaning::ReleasedUnderConcession)),
            }
        }
    }

    /// The numbers of the batches no decision has been signed for.
    pub fn undecided(&self) -> Vec<i32> {
        self.batches
            .iter()
            .filter(|b| b.disposition.current.is_none())
            .map(|b| b.batch.number)
            .collect()
    }

    /// "QC report QCR-000012" or "Draft QC report", in the report's
    /// language(s).
    pub fn title(&self) -> String {
        crate::i18n::in_report(self.language, " / ", |lang| match &self.heading.issue {
            Some(issue) => crate::i18n::message(
                lang,
                "report-doc-title",
                &[("number", issue.number.clone().into())],
            ),
            None => crate::i18n::text(lang, "report-doc-draft"),
        })
    }
}

/// Batch numbers as "1, 2 and 5" (English) or "1、2 和 5" (Chinese); a
/// run of three or more consecutive numbers as one range, "1–200", so that
/// the verdict of an order of many batches stays a line, not a page.
pub fn batch_list(lang: Lang, numbers: &[i32]) -> String {
    let names = ranges(numbers);
    let (separator, and) = match lang {
        Lang::En => (", ", "and"),
        Lang::ZhCn => ("、", "和"),
    };
    match names.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {and} {last}", rest.join(separator)),
    }
}

/// The numbers in their order, each run of three or more that count up
/// by one written as its first and last joined by an en dash.
fn ranges(numbers: &[i32]) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = numbers;
    while let [first, ..] = rest {
        let run = 1 + rest
            .windows(2)
            .take_while(|pair| pair[0].checked_add(1) == Some(pair[1]))
            .count();
        if run >= 3 {
            names.push(format!("{first}–{}", rest[run - 1]));
        } else {
            names.extend(rest[..run].iter().map(i32::to_string));
        }
        rest = &rest[run..];
    }
    names
}

#[cfg(test)]
mod tests {
    use super::{batch_list, Lang};

    #[test]
    fn batch_lists_write_runs_as_ranges() {
        let all: Vec<i32> = (1..=200).collect();
        assert_eq!(batch_list(Lang::En, &all), "1–200");
        assert_eq!(
            batch_list(Lang::En, &[1, 2, 3, 5, 8, 9, 10]),
            "1–3, 5 and 8–10"
        );
        assert_eq!(
            batch_list(Lang::ZhCn, &[1, 2, 3, 5, 8, 9, 10]),
            "1–3、5 和 8–10"
        );
        assert_eq!(batch_list(Lang::En, &[4, 5]), "4 and 5");
        assert_eq!(batch_list(Lang::En, &[4, 5, 7, 8]), "4, 5, 7 and 8");
        assert_eq!(batch_list(Lang::En, &[7]), "7");
        assert_eq!(batch_list(Lang::En, &[]), "");
        assert_eq!(batch_list(Lang::En, &[3, 2, 1]), "3, 2 and 1");
        assert_eq!(
            batch_list(Lang::En, &[i32::MAX - 2, i32::MAX - 1, i32::MAX]),
            format!("{}–{}", i32::MAX - 2, i32::MAX)
        );
    }
}
