//! Every reading behind a report as CSV, one row per unit and
//! characteristic, written one batch at a time.

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

/// A CSV writer into memory, one batch's rows at a time.
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

    pub fn push<I, T>(&mut self, record: I) -> AppResult<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.writer.write_record(record).map_err(failed)
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
