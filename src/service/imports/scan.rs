//! Walking a file's data rows: each non-empty mapped cell becomes a
//! reading, each malformed row or cell a problem.

use super::layout::{
    is_too_long, next_record_bounded, open_reader, read_error, Layout, MAX_RECORD_BYTES,
};
use crate::domain::message::Message;
use crate::domain::text::excerpt;
use crate::error::{AppError, AppResult};
use std::io::{Read, Seek, SeekFrom};

/// What a scan finds: a reading, or a problem `(field, message)`.
pub(super) enum Scanned<'a> {
    /// A non-empty mapped cell of a well-formed row.
    Cell {
        line: u64,
        unit: i64,
        /// Its column's position among the layout's imported columns.
        column: usize,
        /// The code of the characteristic its column is mapped to.
        code: &'a str,
        value: f64,
    },
    Problem(String, Message),
}

/// Walks the data rows, telling `found` about every reading and every
/// problem; answers the number of data rows. A row longer than
/// [`MAX_RECORD_BYTES`] is a problem that ends the walk: it is not read
/// whole.
pub(super) fn scan<'a>(
    file: &mut (impl Read + Seek),
    layout: &'a Layout,
    mut found: impl FnMut(Scanned<'a>) -> AppResult<()>,
) -> AppResult<i64> {
    file.seek(SeekFrom::Start(0)).map_err(read_error)?;
    let mut reader = open_reader(&mut *file, layout.delimiter);
    reader
        .headers()
        .map_err(|e| AppError::internal(format!("a checked header reads again: {e}")))?;
    let mut rows = 0;
    let mut record = csv::StringRecord::new();
    let too_long = loop {
        let start = reader.position().clone();
        let line = start.line();
        next_record_bounded(&mut reader);
        match reader.read_record(&mut record) {
            Ok(false) => break None,
            Ok(true) => {}
            Err(e) if is_too_long(&e) => break Some((line, start.byte())),
            Err(e) => {
                let message =
                    Message::at_line(line, Message::new("err-line-unreadable").arg("why", e));
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
    };
    drop(reader);
    if let Some((line, start)) = too_long {
        let (field, message) = too_long_problem(file, layout, line, start)?;
        found(Scanned::Problem(field, message))?;
    }
    Ok(rows)
}

/// The problem of the row at byte `start` that is longer than
/// [`MAX_RECORD_BYTES`]: the cell where it overflows, from the row's first
/// [`MAX_RECORD_BYTES`] read again.
fn too_long_problem(
    file: &mut (impl Read + Seek),
    layout: &Layout,
    line: u64,
    start: u64,
) -> AppResult<(String, Message)> {
    file.seek(SeekFrom::Start(start)).map_err(read_error)?;
    let mut head = Vec::new();
    file.take(MAX_RECORD_BYTES)
        .read_to_end(&mut head)
        .map_err(read_error)?;
    let mut partial = csv::ByteRecord::new();
    let cut = csv::ReaderBuilder::new()
        .delimiter(layout.delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(head.as_slice())
        .read_byte_record(&mut partial)
        .ok()
        .filter(|&read| read)
        .and_then(|_| {
            let index = partial.len().checked_sub(1)?;
            Some((index, partial.get(index)?))
        });
    Ok(match cut {
        Some((index, cell)) if index < layout.headers.len() => {
            let header = excerpt(&layout.headers[index]);
            let start = String::from_utf8_lossy(cell);
            (
                format!("rows[{line}].{header}"),
                Message::at_cell(
                    line,
                    &header,
                    Message::new("err-cell-makes-line-too-long")
                        .arg("start", excerpt(start.trim()))
                        .arg("max", MAX_RECORD_BYTES),
                ),
            )
        }
        _ => (
            format!("rows[{line}]"),
            Message::at_line(
                line,
                Message::new("err-line-too-long").arg("max", MAX_RECORD_BYTES),
            ),
        ),
    })
}

/// One data row: its unit number, then each mapped cell.
fn scan_row<'a>(
    record: &csv::StringRecord,
    line: u64,
    layout: &'a Layout,
    found: &mut impl FnMut(Scanned<'a>) -> AppResult<()>,
) -> AppResult<()> {
    if record.len() != layout.headers.len() {
        let message = Message::at_line(
            line,
            Message::new("err-field-count")
                .arg("fields", record.len())
                .arg("header", layout.headers.len()),
        );
        return found(Scanned::Problem(format!("rows[{line}]"), message));
    }
    let unit_text = &record[layout.unit_index];
    let Ok(unit) = unit_text.parse::<i64>() else {
        let unit_header = excerpt(layout.unit_header());
        let message = Message::at_cell(
            line,
            &unit_header,
            Message::new("err-not-a-unit-number").arg("text", excerpt(unit_text)),
        );
        return found(Scanned::Problem(
            format!("rows[{line}].{unit_header}"),
            message,
        ));
    };
    for (column, (index, code)) in layout.columns.iter().enumerate() {
        let text = &record[*index];
        if text.is_empty() {
            continue;
        }
        match text.parse::<f64>() {
            Ok(value) if value.is_finite() => found(Scanned::Cell {
                line,
                unit,
                column,
                code,
                value,
            })?,
            _ => {
                let header = excerpt(&layout.headers[*index]);
                let message = not_a_number(line, &header, text);
                found(Scanned::Problem(format!("rows[{line}].{header}"), message))?;
            }
        }
    }
    Ok(())
}

/// The problem of a cell that is not a number, with a hint when it is one
/// written with a decimal comma.
fn not_a_number(line: u64, header: &str, text: &str) -> Message {
    let decimal_comma = text.contains(',') && text.replace(',', ".").parse::<f64>().is_ok();
    let key = if decimal_comma {
        "err-not-a-number-decimal-comma"
    } else {
        "err-not-a-number"
    };
    Message::at_cell(line, header, Message::new(key).arg("text", excerpt(text)))
}
