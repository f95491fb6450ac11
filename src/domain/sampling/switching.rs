//! The switching rules of ISO 2859-1:1999, clause 9: which severity of
//! inspection (normal, tightened, reduced) applies to the next lot, given
//! the results of the lots before it.
//!
//! - Normal → tightened: 2 lots out of 5 or fewer consecutive lots are not
//!   accepted on original inspection (9.3.2).
//! - Tightened → normal: 5 consecutive lots accepted on original
//!   inspection (9.3.3).
//! - Normal → reduced: the switching score is at least 30, production is
//!   steady and the responsible authority approves (9.3.4). The score
//!   starts at 0 on normal inspection; for a plan with Ac ≤ 1 it gains 2
//!   when the lot is accepted, otherwise it resets to 0; for Ac ≥ 2 it gains
//!   3 when the lot would have been accepted at the next tighter AQL,
//!   otherwise it resets to 0 (9.3.3.2).
//! - Reduced → normal: a lot is not accepted, production becomes irregular,
//!   or other conditions warrant it (9.3.5).
//! - Discontinuation: 5 lots not accepted while on tightened inspection
//!   (counted from the switch to tightened); inspection resumes, on
//!   tightened, only after corrective action (9.4).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Severity of inspection under the switching rules, `discontinued`
/// included (named apart from the template's classes of nonconformity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = SwitchingSeverity)]
pub enum Severity {
    Normal,
    Tightened,
    Reduced,
    /// Acceptance inspection stopped until the supplier's corrective action.
    Discontinued,
}

/// The result of one lot on original inspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LotResult {
    pub accepted: bool,
    /// The acceptance number of the plan the lot was inspected with.
    pub accept_number: u32,
    /// For Ac ≥ 2: whether the lot would also have been accepted at the
    /// next tighter AQL.
    pub accepted_at_tighter_aql: bool,
    /// Production is steady (for entering and staying on reduced inspection).
    pub production_steady: bool,
    /// The responsible authority approves reduced inspection.
    pub reduced_approved: bool,
}

/// Why the severity changed (or did not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Started on normal inspection (9.2).
    Start,
    /// No rule applied; the severity stays.
    Unchanged,
    TwoOfFiveNotAccepted,
    FiveConsecutiveAccepted,
    SwitchingScoreReached,
    LotNotAcceptedOnReduced,
    ProductionIrregular,
    FiveNotAcceptedOnTightened,
    CorrectiveActionTaken,
}

/// The switching state of one product (or supplier's material).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SwitchingState {
    pub severity: Severity,
    /// Results of the last (up to 5) lots on normal inspection, newest last.
    pub recent_normal: Vec<bool>,
    pub switching_score: u32,
    /// Consecutive lots accepted on tightened inspection.
    pub accepted_in_a_row_on_tightened: u32,
    /// Lots not accepted since the switch to tightened inspection.
    pub not_accepted_on_tightened: u32,
}

impl Default for SwitchingState {
    fn default() -> Self {
        Self {
            severity: Severity::Normal,
            recent_normal: Vec::new(),
            switching_score: 0,
            accepted_in_a_row_on_tightened: 0,
            not_accepted_on_tightened: 0,
        }
    }
}

impl SwitchingState {
    fn enter(severity: Severity) -> Self {
        Self {
            severity,
            ..Self::default()
        }
    }

    /// The state after one more lot, and why.
    pub fn after(&self, lot: LotResult) -> (SwitchingState, Reason) {
        let mut next = self.clone();
        match self.severity {
            Severity::Normal => {
                next.recent_normal.push(lot.accepted);
                if next.recent_normal.len() > 5 {
                    next.recent_normal.remove(0);
                }
                if next
                    .recent_normal
                    .iter()
                    .filter(|accepted| !**accepted)
                    .count()
                    >= 2
                {
                    return (
                        Self::enter(Severity::Tightened),
                        Reason::TwoOfFiveNotAccepted,
                    );
                }
                let gains = if lot.accept_number <= 1 {
                    lot.accepted.then_some(2)
                } else {
                    (lot.accepted && lot.accepted_at_tighter_aql).then_some(3)
                };
                next.switching_score = gains.map_or(0, |gain| next.switching_score + gain);
                if next.switching_score >= 30 && lot.production_steady && lot.reduced_approved {
                    return (
                        Self::enter(Severity::Reduced),
                        Reason::SwitchingScoreReached,
                    );
                }
                (next, Reason::Unchanged)
            }
            Severity::Tightened => {
                if lot.accepted {
                    next.accepted_in_a_row_on_tightened += 1;
                    if next.accepted_in_a_row_on_tightened >= 5 {
                        return (
                            Self::enter(Severity::Normal),
                            Reason::FiveConsecutiveAccepted,
                        );
                    }
                } else {
                    next.accepted_in_a_row_on_tightened = 0;
                    next.not_accepted_on_tightened += 1;
                    if next.not_accepted_on_tightened >= 5 {
                        return (
                            Self::enter(Severity::Discontinued),
                            Reason::FiveNotAcceptedOnTightened,
                        );
                    }
                }
                (next, Reason::Unchanged)
            }
            Severity::Reduced => {
                if !lot.accepted {
                    (
                        Self::enter(Severity::Normal),
                        Reason::LotNotAcceptedOnReduced,
                    )
                } else if !lot.production_steady {
                    (Self::enter(Severity::Normal), Reason::ProductionIrregular)
                } else {
                    (next, Reason::Unchanged)
                }
            }
            // No lots are accepted for inspection until corrective action.
            Severity::Discontinued => (next, Reason::Unchanged),
        }
    }

    /// Resumes discontinued inspection, on tightened, after corrective action.
    pub fn resume_after_corrective_action(&self) -> Option<(SwitchingState, Reason)> {
        (self.severity == Severity::Discontinued).then(|| {
            (
                Self::enter(Severity::Tightened),
                Reason::CorrectiveActionTaken,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lot(accepted: bool) -> LotResult {
        LotResult {
            accepted,
            accept_number: 1,
            accepted_at_tighter_aql: accepted,
            production_steady: true,
            reduced_approved: true,
        }
    }

    /// Runs a sequence of lot results ('A' accepted, 'R' not accepted) and
    /// answers the severity in force for each following lot.
    fn run(results: &str) -> Vec<Severity> {
        let mut state = SwitchingState::default();
        results
            .chars()
            .map(|c| {
                state = state.after(lot(c == 'A')).0;
                state.severity
            })
            .collect()
    }

    fn letters(severities: &[Severity]) -> String {
        severities
            .iter()
            .map(|s| match s {
                Severity::Normal => 'N',
                Severity::Tightened => 'T',
                Severity::Reduced => 'D',
                Severity::Discontinued => 'X',
            })
            .collect()
    }

    #[test]
    fn two_of_five_not_accepted_tightens() {
        // Rejections 4 lots apart (within 5 consecutive lots) tighten…
        assert_eq!(letters(&run("RAAAR")), "NNNNT");
        // …5 lots apart (never 2 in any window of 5) do not.
        assert_eq!(letters(&run("RAAAARAAAAR")), "NNNNNNNNNNN");
    }

    #[test]
    fn five_accepted_on_tightened_return_to_normal() {
        assert_eq!(letters(&run("RR" /* → T */)), "NT");
        assert_eq!(letters(&run("RRAAAAA")), "NTTTTTN");
        // A rejection on tightened restarts the count of five.
        assert_eq!(letters(&run("RRAAAARAAAAA")), "NTTTTTTTTTTN");
    }

    #[test]
    fn five_not_accepted_on_tightened_discontinue() {
        // Counted since the switch, not necessarily in a row.
        assert_eq!(letters(&run("RRRARRARR")), "NTTTTTTTX");
        let mut state = SwitchingState::default();
        for c in "RRRRRRR".chars() {
            state = state.after(lot(c == 'A')).0;
        }
        assert_eq!(state.severity, Severity::Discontinued);
        assert_eq!(state.after(lot(true)).0.severity, Severity::Discontinued);
        let (resumed, reason) = state.resume_after_corrective_action().unwrap();
        assert_eq!(
            (resumed.severity, reason),
            (Severity::Tightened, Reason::CorrectiveActionTaken)
        );
    }

    #[test]
    fn switching_score_leads_to_reduced() {
        // Ac ≤ 1: +2 per accepted lot; 15 accepted lots reach 30.
        let severities = run(&"A".repeat(15));
        assert_eq!(letters(&severities), format!("{}D", "N".repeat(14)));
        // A rejection resets the score: 14 accepted, 1 rejected, 15 accepted.
        let severities = run(&format!("{}R{}", "A".repeat(14), "A".repeat(15)));
        assert_eq!(
            severities.iter().position(|s| *s == Severity::Reduced),
            Some(29)
        );
    }

    #[test]
    fn score_with_larger_acceptance_numbers() {
        // Ac ≥ 2: +3 only when the lot passes at the next tighter AQL; 10 such lots reach 30.
        let mut state = SwitchingState::default();
        let passes_tighter = LotResult {
            accept_number: 3,
            ..lot(true)
        };
        let only_passes = LotResult {
            accepted_at_tighter_aql: false,
            ..passes_tighter
        };
        for _ in 0..9 {
            state = state.after(passes_tighter).0;
        }
        assert_eq!(state.switching_score, 27);
        state = state.after(only_passes).0;
        assert_eq!(
            (state.severity, state.switching_score),
            (Severity::Normal, 0)
        );
        for _ in 0..10 {
            state = state.after(passes_tighter).0;
        }
        assert_eq!(state.severity, Severity::Reduced);
    }

    #[test]
    fn reduced_needs_steady_production_and_approval() {
        let mut state = SwitchingState::default();
        let unapproved = LotResult {
            reduced_approved: false,
            ..lot(true)
        };
        for _ in 0..40 {
            state = state.after(unapproved).0;
        }
        assert_eq!(
            (state.severity, state.switching_score),
            (Severity::Normal, 80)
        );
        let (state, reason) = state.after(lot(true));
        assert_eq!(
            (state.severity, reason),
            (Severity::Reduced, Reason::SwitchingScoreReached)
        );

        let (back, reason) = state.after(lot(false));
        assert_eq!(
            (back.severity, reason),
            (Severity::Normal, Reason::LotNotAcceptedOnReduced)
        );
        let irregular = LotResult {
            production_steady: false,
            ..lot(true)
        };
        let (back, reason) = state.after(irregular);
        assert_eq!(
            (back.severity, reason),
            (Severity::Normal, Reason::ProductionIrregular)
        );
        assert_eq!(back.switching_score, 0, "the score restarts on normal");
    }

    /// A long mixed history, followed lot by lot.
    #[test]
    fn long_sequence() {
        let history = format!(
            "{}{}{}{}{}",
            "AAAARAAAAR",   // normal; rejections 5 apart: stays normal
            "R",            // 2 of the last 5 → tightened
            "AARAAAAA",     // a rejection, then 5 accepted → normal
            "A".repeat(15), // score 30 → reduced
            "AAAR"          // a rejection on reduced → normal
        );
        let severities = letters(&run(&history));
        let expected = ["NNNNNNNNNN", "T", "TTTTTTTN", &"N".repeat(14), "D", "DDDN"].concat();
        assert_eq!(severities, expected);
    }
}
