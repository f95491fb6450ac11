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

/// Batch numbers as "1, 2 and 5" (English) or "1、2 和 5" (Chinese).
pub fn batch_list(lang: Lang, numbers: &[i32]) -> String {
    let names: Vec<String> = numbers.iter().map(|n| n.to_string()).collect();
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
