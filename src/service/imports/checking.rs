//! The first pass over a file: every cell checked as a recorded reading
//! would be, and against the batch's stored readings and the file's own,
//! before anything is stored.

use super::layout::Layout;
use super::scan::{scan, Scanned};
use crate::domain::message::Message;
use crate::error::AppResult;
use crate::service::measurements::{check_reading, chromaticity_problems, CappedProblems, Context};
use crate::store::measurements::existing_readings;
use crate::store::DbConnection;
use foldhash::HashSet;
use foldhash::HashSetExt;
use std::io::{Read, Seek};

/// What a file that passed the checks holds.
pub(super) struct Counts {
    /// Data rows.
    pub rows: i64,
    /// Non-empty mapped cells: the readings to store.
    pub readings: i64,
}

/// Checks every cell of the file; answers its counts or all its problems.
pub(super) fn check_file(
    conn: &mut DbConnection,
    ctx: &Context,
    file: &mut (impl Read + Seek),
    layout: &Layout,
) -> AppResult<Counts> {
    let mut cells = CellCheck {
        ctx,
        layout,
        stored: existing_readings(conn, ctx.batch_id)?.into_iter().collect(),
        seen: HashSet::new(),
        colour_cells: Vec::new(),
        problems: CappedProblems::default(),
        readings: 0,
    };
    let rows = scan(file, layout, |found| {
        cells.take(found);
        Ok(())
    })?;
    let CellCheck {
        colour_cells,
        mut problems,
        readings,
        ..
    } = cells;
    for (line, message) in chromaticity_problems(conn, ctx, &colour_cells)? {
        problems.add(format!("rows[{line}]"), Message::at_line(line, message));
    }
    if rows == 0 && problems.is_empty() {
        problems.add("file", Message::new("err-file-no-rows"));
    }
    problems.into_result("file")?;
    Ok(Counts { rows, readings })
}

/// The state of the first pass.
struct CellCheck<'a> {
    ctx: &'a Context,
    layout: &'a Layout,
    /// (unit, characteristic id) of the readings the batch already has.
    stored: HashSet<(i64, i64)>,
    /// The same, of the file's cells so far.
    seen: HashSet<(i64, i64)>,
    /// (line, unit, characteristic id, value) of colour cells, checked
    /// together once every cell is known.
    colour_cells: Vec<(usize, i64, i64, f64)>,
    problems: CappedProblems,
    readings: i64,
}

impl CellCheck<'_> {
    fn take(&mut self, found: Scanned) {
        let (line, unit, code, value) = match found {
            Scanned::Problem(field, message) => return self.problems.add(field, message),
            Scanned::Cell {
                line,
                unit,
                code,
                value,
            } => (line, unit, code, value),
        };
        let item_problems = check_reading(self.ctx, unit, code, value);
        for (field, message) in &item_problems {
            let header = if *field == "unit" {
                crate::domain::text::excerpt(self.layout.unit_header()).into_owned()
            } else {
                self.layout.header_of(code)
            };
            self.problems.add(
                format!("rows[{line}].{header}"),
                Message::at_line(line, message.clone()),
            );
        }
        if !item_problems.is_empty() {
            return;
        }
        let characteristic = &self.ctx.template[code];
        let pair = (unit, characteristic.id);
        let field = || format!("rows[{line}].{}", self.layout.header_of(code));
        if self.stored.contains(&pair) {
            self.problems.add(
                field(),
                Message::at_line(
                    line,
                    Message::new("err-import-reading-exists")
                        .arg("unit", unit)
                        .arg("code", code),
                ),
            );
        } else if !self.seen.insert(pair) {
            self.problems.add(
                field(),
                Message::at_line(
                    line,
                    Message::new("err-import-reading-twice")
                        .arg("unit", unit)
                        .arg("code", code),
                ),
            );
        } else {
            self.readings += 1;
            if characteristic.quantity.is_some() {
                self.colour_cells
                    .push((line as usize, unit, characteristic.id, value));
            }
        }
    }
}
