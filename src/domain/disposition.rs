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
