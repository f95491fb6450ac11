//! Every reading behind a report as CSV, one row per unit and
//! characteristic, written a page of a batch at a time.

use crate::error::{AppError, AppResult};

pub const HEADER: [&str; 16] = [
    "po_number",
    "batch",
    "unit",
    "characteristic",
    "name",
    "unit_of_measure",
    "kind",
    "value",
    "lsl",
    "usl",
    "conforming",
    "derived",
    "corrected",
    "recorded_at",
    "recorded_by",
    "reading_id",
];

/// Whether each column of [`HEADER`] holds text (names and codes people
/// typed, usernames, times, ids); the others hold numbers and booleans.
const TEXT_COLUMNS: [bool; 16] = [
    true,  // po_number
    false, // batch
    false, // unit
    true,  // characteristic
    true,  // name
    true,  // unit_of_measure
    true,  // kind
    false, // value
    false, // lsl
    false, // usl
    false, // conforming
    false, // derived
    false, // corrected
    true,  // recorded_at
    true,  // recorded_by
    true,  // reading_id
];

/// A text cell a spreadsheet would read as a formula (or as the start of
/// one) gets a leading `'`, which spreadsheets show as text (OWASP, "CSV
/// Injection"): cells starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return. Number cells are left alone, so a reading of -1.5 stays a number.
pub fn spreadsheet_safe(cell: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    match cell.first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => {
            let mut safe = Vec::with_capacity(cell.len() + 1);
            safe.push(b'\'');
            safe.extend_from_slice(cell);
            safe.into()
        }
        _ => cell.into(),
    }
}

/// A CSV writer into memory, a page of a batch's rows at a time.
pub struct Rows {
    writer: ::csv::Writer<Vec<u8>>,
}

impl Rows {
    pub fn new() -> Rows {
        Rows {
            writer: ::csv::Writer::from_writer(Vec::new()),
        }
    }

    pub fn header() -> AppResult<Vec<u8>> {
        let mut rows = Rows::new();
        rows.push(HEADER)?;
        rows.take()
    }

    /// Writes one row in the columns of [`HEADER`]; text cells are made
    /// [`spreadsheet_safe`] (a column beyond the header counts as text).
    pub fn push<I, T>(&mut self, record: I) -> AppResult<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        let cells: Vec<T> = record.into_iter().collect();
        let cells = cells.iter().enumerate().map(|(i, cell)| {
            if TEXT_COLUMNS.get(i).copied().unwrap_or(true) {
                spreadsheet_safe(cell.as_ref())
            } else {
                cell.as_ref().into()
            }
        });
        self.writer.write_record(cells).map_err(failed)
    }

    /// The bytes written so far.
    pub fn take(self) -> AppResult<Vec<u8>> {
        self.writer.into_inner().map_err(|e| failed(e.into_error()))
    }
}

impl Default for Rows {
    fn default() -> Self {
        Rows::new()
    }
}

fn failed<E: std::fmt::Display>(error: E) -> AppError {
    AppError::internal(format!("writing CSV failed: {}", error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cells_cannot_start_a_formula_numbers_stay_numbers() {
        let mut row: Vec<String> = HEADER.iter().map(|h| h.to_string()).collect();
        row[0] = "=HYPERLINK(\"http://x\")".into();
        row[4] = "@SUM(A1)".into();
        row[5] = "-".into();
        row[7] = "-1.5".into();
        row[8] = "-2".into();
        let mut rows = Rows::new();
        rows.push(&row).unwrap();
        let text = String::from_utf8(rows.take().unwrap()).unwrap();
        assert!(
            text.starts_with("\"'=HYPERLINK(\"\"http://x\"\")\",batch,unit,characteristic,'@SUM(A1),'-,kind,-1.5,-2,"),
            "{text}"
        );
    }
}
