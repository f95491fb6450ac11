//! Walking a file's data rows: each non-empty mapped cell becomes a
//! reading, each malformed row or cell a problem.

use super::layout::{open_reader, read_error, Layout};
use crate::error::AppResult;
use std::io::{Read, Seek, SeekFrom};

/// What a scan finds: a reading, or a problem `(field, message)`.
pub(super) enum Scanned {
    /// A non-empty mapped cell of a well-formed row.
    Cell {
        line: u64,
        unit: i64,
        code: String,
        value: f64,
    },
    Problem(String, String),
}

/// Walks the data rows, telling `found` about every reading and every
/// problem; answers the number of data rows.
pub(super) fn scan(
    file: &mut (impl Read + Seek),
    layout: &Layout,
    mut found: impl FnMut(Scanned) -> AppResult<()>,
) -> AppResult<i64> {
    file.seek(SeekFrom::Start(0)).map_err(read_error)?;
    let mut reader = open_reader(&mut *file, layout.delimiter);
    let mut rows = 0;
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line() + 1;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let message = format!("line {line} cannot be read: {e}");
                found(Scanned::Problem(format!("rows[{line}]"), message))?;
                continue;
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue; // a blank line
        }
        rows += 1;
        scan_row(&record, line, layout, &mut found)?;
    }
    Ok(rows)
}

/// One data row: its unit number, then each mapped cell.
fn scan_row(
    record: &csv::StringRecord,
    line: u64,
    layout: &Layout,
    found: &mut impl FnMut(Scanned) -> AppResult<()>,
) -> AppResult<()> {
    if record.len() != layout.headers.len() {
        let message = format!(
            "line {line} has {} fields where the header has {} (a truncated line?)",
            record.len(),
            layout.headers.len()
        );
        return found(Scanned::Problem(format!("rows[{line}]"), message));
    }
    let unit_text = &record[layout.unit_index];
    let unit_header = layout.unit_header();
    let Ok(unit) = unit_text.parse::<i64>() else {
        let message =
            format!("line {line}, column '{unit_header}': '{unit_text}' is not a unit number");
        return found(Scanned::Problem(
            format!("rows[{line}].{unit_header}"),
            message,
        ));
    };
    for (index, code) in &layout.columns {
        let text = &record[*index];
        if text.is_empty() {
            continue;
        }
        let header = &layout.headers[*index];
        match text.parse::<f64>() {
            Ok(value) if value.is_finite() => found(Scanned::Cell {
                line,
                unit,
                code: code.clone(),
                value,
            })?,
            _ => {
                let message = not_a_number(line, header, text);
                found(Scanned::Problem(format!("rows[{line}].{header}"), message))?;
            }
        }
    }
    Ok(())
}

/// The problem of a cell that is not a number, with a hint when it is one
/// written with a decimal comma.
fn not_a_number(line: u64, header: &str, text: &str) -> String {
    let decimal_comma = text.contains(',') && text.replace(',', ".").parse::<f64>().is_ok();
    let hint = if decimal_comma {
        " (write decimals with a point)"
    } else {
        ""
    };
    format!("line {line}, column '{header}': '{text}' is not a number{hint}")
}
