//! What is decided about a batch: the proposal its data make, and the
//! signed decisions (release, reject, hold) that supersede one another.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What the data say about a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Proposal {
    Accept,
    Reject,
    Hold,
}

/// What a signature means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Meaning {
    Released,
    Rejected,
    OnHold,
    /// Released although the data propose otherwise, by agreement with the customer.
    ReleasedUnderConcession,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Recommendation {
    pub proposal: Proposal,
    /// Why, in the words a report can print.
    pub reasons: Vec<String>,
    /// The same reasons as data, for pages to word in the reader's language.
    #[serde(skip)]
    pub findings: Vec<Finding>,
}

impl Recommendation {
    /// A proposal for these findings, with their English wording.
    pub fn new(proposal: Proposal, findings: Vec<Finding>) -> Self {
        Recommendation {
            proposal,
            reasons: findings.iter().map(Finding::english).collect(),
            findings,
        }
    }
}

/// One reason for a proposal.
#[derive(Debug, Clone, PartialEq)]
pub enum Finding {
    NoPlan,
    ReadingsMissing {
        missing: usize,
        expected: usize,
    },
    CriticalInReadings {
        units: usize,
    },
    TooManyNonconforming {
        units: usize,
        accept: usize,
    },
    VisualUnfinished {
        inspected: i64,
        total: i64,
    },
    CriticalVisual {
        units: i64,
    },
    WithinPlan {
        nonconforming: usize,
        sample: usize,
        accept: usize,
    },
    /// More nonconformities (several to a unit) than a plan counting
    /// those accepts.
    TooManyNonconformities {
        found: usize,
        accept: usize,
    },
    NonconformitiesWithinPlan {
        found: usize,
        sample: usize,
        accept: usize,
    },
    /// Said by another part of the service, in English only.
    Other(String),
}

impl Finding {
    /// The reason in English, as the API and the report give it.
    pub fn english(&self) -> String {
        match self {
            Finding::NoPlan => "no sampling plan has been drawn".into(),
            Finding::ReadingsMissing { missing, expected } => {
                format!("{missing} of {expected} readings are missing")
            }
            Finding::CriticalInReadings { units } => {
                format!("{units} unit(s) with a critical nonconformity in the readings")
            }
            Finding::TooManyNonconforming { units, accept } => {
                format!("{units} nonconforming unit(s) in the sample; the plan accepts {accept}")
            }
            Finding::VisualUnfinished { inspected, total } => {
                format!("final visual inspection: {inspected} of {total} units inspected")
            }
            Finding::CriticalVisual { units } => {
                format!("{units} unit(s) with a critical visual defect")
            }
            Finding::WithinPlan {
                nonconforming,
                sample,
                accept,
            } => format!(
                "{nonconforming} nonconforming unit(s) in the sample of {sample}; the plan accepts {accept}"
            ),
            Finding::TooManyNonconformities { found, accept } => format!(
                "{found} nonconformities in the sample; the plan accepts {accept}"
            ),
            Finding::NonconformitiesWithinPlan {
                found,
                sample,
                accept,
            } => format!(
                "{found} nonconformities in the sample of {sample}; the plan accepts {accept}"
            ),
            Finding::Other(text) => text.clone(),
        }
    }

    /// The catalogue's key for this reason and its numbers (`finding-…`);
    /// none for [`Finding::Other`].
    pub fn message(&self) -> Option<(&'static str, Vec<(&'static str, i64)>)> {
        let n = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
        Some(match *self {
            Finding::NoPlan => ("finding-no-plan", vec![]),
            Finding::ReadingsMissing { missing, expected } => (
                "finding-readings-missing",
                vec![("missing", n(missing)), ("expected", n(expected))],
            ),
            Finding::CriticalInReadings { units } => {
                ("finding-critical-readings", vec![("units", n(units))])
            }
            Finding::TooManyNonconforming { units, accept } => (
                "finding-too-many",
                vec![("units", n(units)), ("accept", n(accept))],
            ),
            Finding::VisualUnfinished { inspected, total } => (
                "finding-visual-unfinished",
                vec![("inspected", inspected), ("total", total)],
            ),
            Finding::CriticalVisual { units } => {
                ("finding-critical-visual", vec![("units", units)])
            }
            Finding::WithinPlan {
                nonconforming,
                sample,
                accept,
            } => (
                "finding-within-plan",
                vec![
                    ("nonconforming", n(nonconforming)),
                    ("sample", n(sample)),
                    ("accept", n(accept)),
                ],
            ),
            Finding::TooManyNonconformities { found, accept } => (
                "finding-too-many-nonconformities",
                vec![("found", n(found)), ("accept", n(accept))],
            ),
            Finding::NonconformitiesWithinPlan {
                found,
                sample,
                accept,
            } => (
                "finding-nonconformities-within-plan",
                vec![
                    ("found", n(found)),
                    ("sample", n(sample)),
                    ("accept", n(accept)),
                ],
            ),
            Finding::Other(_) => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Disposition {
    pub id: i64,
    pub batch_id: i64,
    pub meaning: Meaning,
    /// What the data proposed when it was signed.
    pub proposal: Proposal,
    pub comment: String,
    pub signed_by: String,
    pub signed_at: DateTime<Utc>,
    /// SHA-256 of the batch's data (plan, current readings and inspections)
    /// the decision was based on.
    pub data_sha256: String,
    pub supersedes: Option<i64>,
    /// True when readings or inspections were recorded or corrected after
    /// this decision was signed.
    pub data_changed_since: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BatchDisposition {
    pub batch_id: i64,
    pub recommendation: Recommendation,
    /// The decision in force (the newest), if any.
    pub current: Option<Disposition>,
    /// Every decision, oldest first.
    pub history: Vec<Disposition>,
}
