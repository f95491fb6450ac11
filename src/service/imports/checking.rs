//! The check of a file's cells: every cell checked as a recorded reading
//! would be, and against the batch's stored readings and the file's own.
//!
//! The check runs while a thread of its own stores what it has passed
//! ([`super::storing`]), so that reading and checking the file (a third of
//! an import's time on one thread) overlaps with writing it.
//! It hands over the checked readings in chunks, with the colours of the
//! units whose x and y are both in the chunk derived and made ready to
//! store, for as long as it has found no problem: what the store does is
//! what only the store can (the readings' ids). A file with a problem is
//! refused whole all the same: the caller's transaction, which holds the
//! chunks stored before the problem was found, is rolled back.

use super::layout::Layout;
use super::scan::{scan, Scanned};
use super::READINGS_PER_CHUNK;
use crate::domain::message::Message;
use crate::domain::text::excerpt;
use crate::error::{AppError, AppResult};
use crate::service::catalog::Characteristic;
use crate::service::colour::{Chromaticity, Derivation, Pair};
use crate::service::measurements::{
    chromaticity_problems, chromaticity_problems_beside, reading_problem, unit_problem,
    CappedProblems, Context,
};
use crate::store::imported::{ImportedReading, StoredReading};
use crate::store::DbConnection;
use foldhash::{HashMap, HashSet, HashSetExt};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Seek};
use std::sync::mpsc::SyncSender;

/// A colour cell: (line, unit, characteristic id, value).
type ColourCell = (usize, i64, i64, f64);

/// Checked readings handed over to be stored, a chunk of the file.
pub(super) struct CheckedChunk {
    pub readings: Vec<ImportedReading>,
    /// The colours of the units whose x and y are both among `readings`.
    pub colours: Vec<ChunkColour>,
}

/// A unit's colour, derived from two readings of a chunk, named by their
/// positions in the chunk's readings: the store turns them into the ids
/// they are stored under.
pub(super) struct ChunkColour {
    pub unit: i64,
    pub x_at: usize,
    pub y_at: usize,
    pub derived: Derivation,
}

/// What a file that passed the checks holds.
pub(super) struct Counts {
    /// Data rows.
    pub rows: i64,
    /// Non-empty mapped cells: the readings stored.
    pub readings: i64,
}

/// What the walk over a file found; [`finish`] adds the checks that need
/// every cell.
pub(super) struct Walked {
    rows: i64,
    readings: i64,
    /// (line, unit, characteristic id, value) of colour cells, checked
    /// together once every cell is known.
    colour_cells: Vec<ColourCell>,
    problems: CappedProblems,
}

/// The state of the check of one file.
pub(super) struct CellCheck<'a> {
    ctx: &'a Context,
    layout: &'a Layout,
    /// The characteristic of each imported column, looked up once.
    columns: Vec<Column<'a>>,
    /// The row being read (its line) and whether its unit passed: a unit
    /// is checked, and its problem told, once a row.
    row: Option<(u64, bool)>,
    /// (unit, characteristic id) of the readings the batch already has.
    stored: HashSet<(i64, i64)>,
    /// The same, of the file's cells so far.
    seen: Seen,
    /// Colour cells of the chunk, checked with it, and their positions in
    /// the chunk.
    chunk_colour_cells: Vec<ColourCell>,
    chunk_colour_positions: Vec<usize>,
    /// Colour cells whose unit's other coordinate was not in their chunk,
    /// checked once every cell is known.
    colour_cells: Vec<ColourCell>,
    problems: CappedProblems,
    readings: i64,
    /// Checked readings not handed over yet.
    chunk: Vec<ImportedReading>,
}

impl<'a> CellCheck<'a> {
    /// A check against the batch's readings `stored`: (unit,
    /// characteristic id) of each.
    pub fn new(ctx: &'a Context, layout: &'a Layout, stored: HashSet<(i64, i64)>) -> Self {
        let mut codes: Vec<&str> = Vec::new();
        let columns: Vec<Column> = layout
            .columns
            .iter()
            .map(|(index, code)| Column {
                header: excerpt(&layout.headers[*index]),
                characteristic: ctx.template.get(code),
                slot: codes.iter().position(|c| c == code).unwrap_or_else(|| {
                    codes.push(code);
                    codes.len() - 1
                }),
            })
            .collect();
        Self {
            ctx,
            layout,
            seen: if codes.len() <= u64::BITS as usize {
                Seen::Bits(HashMap::default())
            } else {
                Seen::Pairs(HashSet::new())
            },
            columns,
            row: None,
            stored,
            chunk_colour_cells: Vec::new(),
            chunk_colour_positions: Vec::new(),
            colour_cells: Vec::new(),
            problems: CappedProblems::default(),
            readings: 0,
            chunk: Vec::with_capacity(READINGS_PER_CHUNK),
        }
    }

    /// Checks every cell of the file, handing `to_store` the checked
    /// readings a chunk at a time until a problem is found.
    pub fn run(
        mut self,
        file: &mut (impl Read + Seek),
        to_store: SyncSender<CheckedChunk>,
    ) -> AppResult<Walked> {
        let layout = self.layout;
        let rows = scan(file, layout, |found| {
            self.take(found);
            if self.chunk.len() == READINGS_PER_CHUNK {
                self.end_chunk(&to_store)?;
            }
            Ok(())
        })?;
        self.end_chunk(&to_store)?;
        Ok(Walked {
            rows,
            readings: self.readings,
            colour_cells: self.colour_cells,
            problems: self.problems,
        })
    }

    /// Checks the colours of the chunk's units and hands the chunk over to
    /// be stored, with those colours, unless the file has a problem: then
    /// nothing of it is kept.
    fn end_chunk(&mut self, to_store: &SyncSender<CheckedChunk>) -> AppResult<()> {
        let whole = self.check_chunk_colours();
        let readings = std::mem::replace(&mut self.chunk, Vec::with_capacity(READINGS_PER_CHUNK));
        if !self.problems.is_empty() || readings.is_empty() {
            return Ok(());
        }
        let colours = match &self.ctx.chromaticity {
            Some(chromaticity) => colours_of(chromaticity, self.ctx.batch_id, whole)?,
            None => Vec::new(),
        };
        to_store
            .send(CheckedChunk { readings, colours })
            .map_err(|_| AppError::internal("the store of an import stopped before its check"))
    }

    /// Derives the points of the units with both coordinates in the chunk
    /// (the costly part of storing their colours, done here beside the
    /// store) and checks each is a colour; keeps the other colour cells
    /// for [`finish`]. Answers the units' pairs, with positions in the
    /// chunk for ids.
    fn check_chunk_colours(&mut self) -> BTreeMap<i64, Pair> {
        let cells = std::mem::take(&mut self.chunk_colour_cells);
        let positions = std::mem::take(&mut self.chunk_colour_positions);
        let Some(chromaticity) = &self.ctx.chromaticity else {
            return BTreeMap::new();
        };
        // The chunk's x and y readings under their positions in the chunk,
        // standing for the ids they will be stored under.
        let positioned: Vec<StoredReading> = cells
            .iter()
            .zip(positions)
            .map(
                |(&(_, unit, characteristic_id, value), position)| StoredReading {
                    id: position as i64,
                    unit,
                    characteristic_id,
                    value,
                },
            )
            .collect();
        let whole = chromaticity.pairs(&positioned);
        let (problems, partial) = whole_point_problems(self.ctx, chromaticity, cells);
        add_colour_problems(&mut self.problems, problems);
        self.colour_cells.extend(partial);
        whole
    }

    fn take(&mut self, found: Scanned) {
        let (line, unit, column, code, value) = match found {
            Scanned::Problem(field, message) => return self.problems.add(field, message),
            Scanned::Cell {
                line,
                unit,
                column,
                code,
                value,
            } => (line, unit, column, code, value),
        };
        let unit_passes = self.unit_passes(line, unit);
        let Column {
            ref header,
            characteristic,
            slot,
        } = self.columns[column];
        let field = || format!("rows[{line}].{header}");
        let problem = reading_problem(self.ctx, characteristic, code, value);
        if let Some((_, message)) = &problem {
            self.problems
                .add(field(), Message::at_line(line, message.clone()));
        }
        let (true, None, Some(characteristic)) = (unit_passes, problem, characteristic) else {
            return;
        };
        let pair = (unit, characteristic.id);
        if !self.stored.is_empty() && self.stored.contains(&pair) {
            self.problems.add(
                field(),
                Message::at_line(
                    line,
                    Message::new("err-import-reading-exists")
                        .arg("unit", unit)
                        .arg("code", code),
                ),
            );
        } else if !self.seen.first(unit, slot, characteristic.id) {
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
                self.chunk_colour_cells
                    .push((line as usize, unit, characteristic.id, value));
                self.chunk_colour_positions.push(self.chunk.len());
            }
            self.chunk.push(ImportedReading {
                unit,
                characteristic_id: characteristic.id,
                value,
            });
        }
    }

    /// Whether the unit of the row at `line` may be recorded; its problem
    /// is told with the row's first cell.
    fn unit_passes(&mut self, line: u64, unit: i64) -> bool {
        if let Some((row, passes)) = self.row {
            if row == line {
                return passes;
            }
        }
        let problem = unit_problem(self.ctx, unit);
        let passes = problem.is_none();
        if let Some(message) = problem {
            let header = excerpt(self.layout.unit_header());
            self.problems.add(
                format!("rows[{line}].{header}"),
                Message::at_line(line, message),
            );
        }
        self.row = Some((line, passes));
        passes
    }
}

/// An imported column: its header (as problems quote it), its
/// characteristic (`None` for a code the template lacks) and its slot, the
/// same for columns mapped to one characteristic.
struct Column<'a> {
    header: Cow<'a, str>,
    characteristic: Option<&'a Characteristic>,
    slot: usize,
}

/// The (unit, characteristic) of the file's cells so far: a bit per
/// characteristic for each unit when the file maps at most 64 (a set six
/// times smaller than one of pairs, for a wide export), else the pairs.
enum Seen {
    Bits(HashMap<i64, u64>),
    Pairs(HashSet<(i64, i64)>),
}

impl Seen {
    /// Whether `unit` has no reading of the characteristic (in `slot`, of
    /// id `characteristic_id`) yet; remembers it has one now.
    fn first(&mut self, unit: i64, slot: usize, characteristic_id: i64) -> bool {
        match self {
            Seen::Bits(units) => {
                let bits = units.entry(unit).or_default();
                let bit = 1 << slot;
                let first = *bits & bit == 0;
                *bits |= bit;
                first
            }
            Seen::Pairs(pairs) => pairs.insert((unit, characteristic_id)),
        }
    }
}

impl Walked {
    /// The refusal of a file found to have problems, if it has any.
    pub fn refused(self) -> Option<AppError> {
        self.problems.into_result("file").err()
    }

    /// The units with one coordinate in the chunk that held it: their
    /// colour needs the other, from another chunk or stored before the file.
    pub fn units_with_one_coordinate_in_a_chunk(&self) -> Vec<i64> {
        let units: BTreeSet<i64> = self
            .colour_cells
            .iter()
            .map(|&(_, unit, _, _)| unit)
            .collect();
        units.into_iter().collect()
    }
}

/// The colours of units whose points the chunk's check found to be colours
/// (it hands over no chunk with one that is not).
fn colours_of(
    chromaticity: &Chromaticity,
    batch_id: i64,
    whole: BTreeMap<i64, Pair>,
) -> AppResult<Vec<ChunkColour>> {
    whole
        .into_iter()
        .map(|(unit, pair)| {
            let internal =
                |what: &str| AppError::internal(format!("{what}: batch {batch_id}, unit {unit}"));
            let position = |id: i64| {
                usize::try_from(id)
                    .map_err(|_| internal("a reading's position in its chunk is not negative"))
            };
            let derived = chromaticity
                .derivation(pair.point)
                .map_err(|_| internal("a checked chromaticity is a colour"))?;
            Ok(ChunkColour {
                unit,
                x_at: position(pair.x_id)?,
                y_at: position(pair.y_id)?,
                derived,
            })
        })
        .collect()
}

/// Ends the check of a walked file with what needs all its cells (the
/// colour of each unit); answers its counts, or all its problems.
pub(super) fn finish(conn: &mut DbConnection, ctx: &Context, walked: Walked) -> AppResult<Counts> {
    let Walked {
        rows,
        readings,
        colour_cells,
        mut problems,
    } = walked;
    let colour_problems = colour_problems(conn, ctx, colour_cells)?;
    add_colour_problems(&mut problems, colour_problems);
    if rows == 0 && problems.is_empty() {
        problems.add("file", Message::new("err-file-no-rows"));
    }
    problems.into_result("file")?;
    Ok(Counts { rows, readings })
}

/// The colour cells whose unit's point is not a colour, among `cells`
/// whose unit's other coordinate was not in their chunk.
///
/// A unit with both its coordinates in the file has no stored one (the
/// file would be refused for repeating it): its point is the file's alone.
/// Only the units with one coordinate in the file have the other read
/// from the batch, which, during an import, holds the file's readings
/// stored so far too (the same values the check puts on top).
fn colour_problems(
    conn: &mut DbConnection,
    ctx: &Context,
    cells: Vec<ColourCell>,
) -> AppResult<Vec<(usize, Message)>> {
    let Some(chromaticity) = &ctx.chromaticity else {
        return Ok(Vec::new());
    };
    let (mut problems, partly_stored) = whole_point_problems(ctx, chromaticity, cells);
    problems.extend(chromaticity_problems(conn, ctx, &partly_stored)?);
    Ok(problems)
}

/// Of colour cells (line, unit, characteristic id, value): the problems of
/// those whose unit has both coordinates among them (its point is theirs
/// alone), and the other cells.
fn whole_point_problems(
    ctx: &Context,
    chromaticity: &Chromaticity,
    cells: Vec<ColourCell>,
) -> (Vec<(usize, Message)>, Vec<ColourCell>) {
    let points = chromaticity.points(cells.iter().map(|&(_, unit, id, value)| (unit, id, value)));
    let (whole, partial): (Vec<_>, Vec<_>) = cells
        .into_iter()
        .partition(|(_, unit, _, _)| points.contains_key(unit));
    let no_stored: &[StoredReading] = &[];
    (
        chromaticity_problems_beside(ctx, no_stored, &whole),
        partial,
    )
}

/// Adds colour problems (line, reason) in line order. A line is one unit,
/// and its x and y cells are refused for one point: the reason is told
/// once.
fn add_colour_problems(problems: &mut CappedProblems, mut found: Vec<(usize, Message)>) {
    found.sort_by_key(|(line, _)| *line);
    found.dedup_by_key(|(line, _)| *line);
    for (line, message) in found {
        problems.add(format!("rows[{line}]"), Message::at_line(line, message));
    }
}
