//! ISO 2859-1 single sampling plans by attributes: code letter, sample
//! size, acceptance (Ac) and rejection (Re) numbers for a lot size, an AQL,
//! an inspection level and a severity of inspection.
//!
//! Normal and tightened inspection follow ISO 2859-1:1999 Tables 1, 2-A and
//! 2-B, identical to ANSI/ASQ Z1.4-2003 Tables I, II-A and II-B. Reduced
//! inspection follows ANSI/ASQ Z1.4-2003 Table II-C, the form that could be
//! checked against a published copy; the ISO 2859-1:1999 reduced table
//! (which closed the gap between Ac and Re) is refused rather than guessed.

pub mod tables;

use crate::domain::message::Message;
use serde::{Deserialize, Serialize};
use tables::{
    AQLS, CODE_LETTERS, LETTERS, LOT_SIZE_RANGES, NORMAL, REDUCED, REDUCED_SAMPLE_SIZES,
    SAMPLE_SIZES, TIGHTENED,
};
use utoipa::ToSchema;

/// Inspection levels: special S-1..S-4 and general I, II (the default), III.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Level {
    #[serde(rename = "S-1")]
    S1,
    #[serde(rename = "S-2")]
    S2,
    #[serde(rename = "S-3")]
    S3,
    #[serde(rename = "S-4")]
    S4,
    I,
    II,
    III,
}

impl Level {
    const ALL: [(Level, &'static str); 7] = [
        (Level::S1, "S-1"),
        (Level::S2, "S-2"),
        (Level::S3, "S-3"),
        (Level::S4, "S-4"),
        (Level::I, "I"),
        (Level::II, "II"),
        (Level::III, "III"),
    ];

    pub fn parse(text: &str) -> Result<Level, Message> {
        Self::ALL
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(text))
            .map(|(level, _)| *level)
            .ok_or_else(|| {
                Message::new("err-one-of").arg("choices", "S-1, S-2, S-3, S-4, I, II, III")
            })
    }

    pub fn as_str(self) -> &'static str {
        Self::ALL[self.column()].1
    }

    fn column(self) -> usize {
        Self::ALL
            .iter()
            .position(|(level, _)| *level == self)
            .unwrap_or(5)
    }
}

/// Severity of inspection, chosen by the switching rules (named apart
/// from a visual inspection in the API's document).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = InspectionSeverity)]
pub enum Inspection {
    Normal,
    Tightened,
    /// Reduced inspection per ANSI/ASQ Z1.4-2003 Table II-C.
    Reduced,
}

impl Inspection {
    pub fn parse(text: &str) -> Result<Inspection, Message> {
        match text {
            "normal" => Ok(Inspection::Normal),
            "tightened" => Ok(Inspection::Tightened),
            "reduced" => Ok(Inspection::Reduced),
            "reduced-iso2859-1" => Err(Message::new("err-reduced-iso-table")),
            _ => Err(Message::new("err-one-of").arg("choices", "normal, tightened, reduced")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Inspection::Normal => "normal",
            Inspection::Tightened => "tightened",
            Inspection::Reduced => "reduced",
        }
    }

    /// The printed table a plan of this severity comes from.
    pub fn table(self) -> &'static str {
        match self {
            Inspection::Normal => "ISO 2859-1:1999 Table 2-A (= ANSI/ASQ Z1.4-2003 Table II-A)",
            Inspection::Tightened => "ISO 2859-1:1999 Table 2-B (= ANSI/ASQ Z1.4-2003 Table II-B)",
            Inspection::Reduced => "ANSI/ASQ Z1.4-2003 Table II-C",
        }
    }

    fn rows(self) -> &'static [&'static str] {
        match self {
            Inspection::Normal => &NORMAL,
            Inspection::Tightened => &TIGHTENED,
            Inspection::Reduced => &REDUCED,
        }
    }

    fn sample_size(self, row: usize) -> u32 {
        match self {
            Inspection::Reduced => REDUCED_SAMPLE_SIZES[row],
            _ => SAMPLE_SIZES[row],
        }
    }
}

/// An AQL that is one of the standard's 26 columns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Aql(usize);

impl Aql {
    pub fn parse(value: f64) -> Result<Aql, Message> {
        AQLS.iter()
            .position(|aql| (aql - value).abs() <= aql * 1e-9)
            .map(Aql)
            .ok_or_else(|| {
                let list: Vec<String> = AQLS.iter().map(|a| a.to_string()).collect();
                Message::new("err-aql-value").arg("choices", list.join(", "))
            })
    }

    pub fn value(self) -> f64 {
        AQLS[self.0]
    }

    pub fn column(self) -> usize {
        self.0
    }
}

/// The code letter of Table 1. Lots of a single unit use the first row.
pub fn code_letter(lot_size: u32, level: Level) -> char {
    let row = LOT_SIZE_RANGES
        .iter()
        .position(|&(_, high)| lot_size <= high)
        .unwrap_or(LOT_SIZE_RANGES.len() - 1);
    let letter = CODE_LETTERS[row]
        .split(' ')
        .nth(level.column())
        .unwrap_or("A");
    letter.chars().next().unwrap_or('A')
}

/// One cell of a printed master table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Plan {
        accept: u32,
        reject: u32,
    },
    /// Use the first plan below.
    Down,
    /// Use the first plan above.
    Up,
}

/// The printed cell at a code letter's row and an AQL column.
pub fn printed_cell(inspection: Inspection, row: usize, column: usize) -> Cell {
    let text = inspection.rows()[row]
        .split_whitespace()
        .nth(column + 1)
        .unwrap_or("^");
    match text {
        "v" => Cell::Down,
        "^" => Cell::Up,
        plan => {
            let (ac, re) = plan.split_once('/').unwrap_or(("0", "1"));
            Cell::Plan {
                accept: ac.parse().unwrap_or(0),
                reject: re.parse().unwrap_or(1),
            }
        }
    }
}

/// A single sampling plan, arrows followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct SinglePlan {
    /// The letter Table 1 gives for the lot size and level.
    pub code_letter: char,
    /// The row whose plan is used, after following an arrow.
    pub plan_letter: char,
    pub sample_size: u32,
    pub accept: u32,
    pub reject: u32,
    /// The sample size reached the lot size: every unit is inspected.
    pub inspect_all: bool,
}

/// The plan for a lot. Following an arrow takes the sample size and the
/// Ac/Re of the first plan in the arrow's direction together.
pub fn single_plan(lot_size: u32, aql: Aql, level: Level, inspection: Inspection) -> SinglePlan {
    let letter = code_letter(lot_size, level);
    let (plan_letter, table_size, accept, reject) = plan_for_letter(letter, aql, inspection);
    SinglePlan {
        code_letter: letter,
        plan_letter,
        sample_size: table_size.min(lot_size),
        accept,
        reject,
        inspect_all: table_size >= lot_size,
    }
}

/// The master table's plan for a code letter: (plan letter, sample size,
/// Ac, Re) after following any arrow.
pub fn plan_for_letter(letter: char, aql: Aql, inspection: Inspection) -> (char, u32, u32, u32) {
    let rows = inspection.rows().len();
    let mut row = LETTERS.iter().position(|&l| l == letter).unwrap_or(0);
    // An arrow means the first plan in its direction, whatever cells lie
    // between; the printed tables point inwards at their edges (every cell
    // is tested), so the walk always ends on a plan.
    let step: isize = match printed_cell(inspection, row, aql.column()) {
        Cell::Down => 1,
        _ => -1,
    };
    let (accept, reject) = loop {
        match printed_cell(inspection, row, aql.column()) {
            Cell::Plan { accept, reject } => break (accept, reject),
            _ => match row.checked_add_signed(step).filter(|next| *next < rows) {
                Some(next) => row = next,
                None => break (0, 1),
            },
        }
    };
    (LETTERS[row], inspection.sample_size(row), accept, reject)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of the AQLSchemes R package vignette (ANSI/ASQ
    /// Z1.4): lot 3,201–10,000, level II, AQL 1.5 → code L; normal n = 200,
    /// Ac = 7; tightened n = 200, Ac = 5.
    #[test]
    fn vignette_example() {
        let aql = Aql::parse(1.5).unwrap();
        let normal = single_plan(5000, aql, Level::II, Inspection::Normal);
        assert_eq!(
            (
                normal.code_letter,
                normal.sample_size,
                normal.accept,
                normal.reject
            ),
            ('L', 200, 7, 8)
        );
        let tightened = single_plan(5000, aql, Level::II, Inspection::Tightened);
        assert_eq!(
            (tightened.sample_size, tightened.accept, tightened.reject),
            (200, 5, 6)
        );
    }

    #[test]
    fn a_whole_small_lot_is_inspected() {
        let plan = single_plan(10, Aql::parse(0.65).unwrap(), Level::II, Inspection::Normal);
        assert_eq!(plan.code_letter, 'B');
        assert!(plan.inspect_all);
        assert_eq!(plan.sample_size, 10);
        assert_eq!((plan.accept, plan.reject), (0, 1));
    }

    #[test]
    fn parsing() {
        assert!(Aql::parse(2.5).is_ok() && Aql::parse(2.0).is_err() && Aql::parse(0.01).is_ok());
        assert_eq!(Level::parse("s-2").unwrap(), Level::S2);
        assert!(Level::parse("IV").is_err());
        assert!(Inspection::parse("reduced-iso2859-1")
            .unwrap_err()
            .key
            .contains("reduced-iso"));
        assert_eq!(code_letter(1, Level::II), 'A');
        assert_eq!(code_letter(1_000_000, Level::III), 'R');
    }
}
