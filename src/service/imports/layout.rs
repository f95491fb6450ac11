//! How to read one file: its delimiter, its header, the unit column and the
//! columns that hold characteristics, from the options given, the mapping
//! saved for the instrument, or headers that equal characteristic codes.

use super::ImportOptions;
use crate::domain::message::Message;
use crate::domain::text::excerpt;
use crate::error::{AppError, AppResult, OrInternal};
use crate::service::measurements::{CappedProblems, Context};
use crate::store::imports as store;
use crate::store::DbConnection;
use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};

/// A file's columns resolved against the product's template.
pub(super) struct Layout {
    pub delimiter: u8,
    pub headers: Vec<String>,
    pub unit_index: usize,
    /// (column index, characteristic code) of every imported column.
    pub columns: Vec<(usize, String)>,
    pub ignored: Vec<String>,
}

impl Layout {
    /// Header → characteristic code of the imported columns.
    pub fn column_codes(&self) -> BTreeMap<String, String> {
        self.columns
            .iter()
            .map(|(i, code)| (self.headers[*i].clone(), code.clone()))
            .collect()
    }

    pub fn unit_header(&self) -> &str {
        &self.headers[self.unit_index]
    }
}

pub(super) fn read_error(error: std::io::Error) -> AppError {
    AppError::internal(format!("cannot read an uploaded file: {}", error))
}

/// Longest record of a file, in bytes: a line, or several when a quoted
/// cell holds line breaks. The csv reader holds a record whole, so without
/// a bound one cell of 50 MB is read into memory (and once was quoted back
/// twice). A wide export's row takes a few hundred bytes.
pub const MAX_RECORD_BYTES: u64 = 64 * 1024;

/// A file whose reader refuses to read further than [`MAX_RECORD_BYTES`]
/// past the start of the record being read (see [`next_record_bounded`]).
pub(super) struct Bounded<R> {
    inner: R,
    /// Bytes read so far.
    read: u64,
    /// Where the current record must end at the latest.
    end: u64,
}

/// The error a [`Bounded`] reader answers past the end of a record's room.
#[derive(Debug)]
struct RecordTooLong;

impl std::fmt::Display for RecordTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a record is longer than {MAX_RECORD_BYTES} bytes")
    }
}

impl std::error::Error for RecordTooLong {}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let room = self.end.saturating_sub(self.read);
        if room == 0 {
            // At the bound: the file may end here, else the record is too long.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(std::io::Error::other(RecordTooLong)),
            };
        }
        let take = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..take])?;
        self.read += n as u64;
        Ok(n)
    }
}

/// Whether reading failed because a record is longer than [`MAX_RECORD_BYTES`].
pub(super) fn is_too_long(error: &csv::Error) -> bool {
    matches!(error.kind(), csv::ErrorKind::Io(e)
        if e.get_ref().is_some_and(|inner| inner.is::<RecordTooLong>()))
}

/// A csv reader of `source` (from its start), its header line bounded.
pub(super) fn open_reader<R: Read>(source: R, delimiter: u8) -> csv::Reader<Bounded<R>> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(Bounded {
            inner: source,
            read: 0,
            end: MAX_RECORD_BYTES,
        })
}

/// Gives the next record [`MAX_RECORD_BYTES`] of room from where it starts.
pub(super) fn next_record_bounded<R: Read>(reader: &mut csv::Reader<Bounded<R>>) {
    let start = reader.position().byte();
    reader.get_mut().end = start + MAX_RECORD_BYTES;
}

/// The delimiter of a file: whichever of `,` `;` and tab occurs most in its
/// header line (European spreadsheets write `;`, many instruments tabs).
fn sniff_delimiter(file: &mut (impl Read + Seek)) -> std::io::Result<u8> {
    file.seek(SeekFrom::Start(0))?;
    let mut header = Vec::new();
    BufReader::new(file.take(64 * 1024)).read_until(b'\n', &mut header)?;
    let count = |d: u8| header.iter().filter(|&&b| b == d).count();
    Ok([b',', b';', b'\t']
        .into_iter()
        .max_by_key(|&d| (count(d), d == b','))
        .unwrap_or(b','))
}

/// The header line's names, without a byte-order mark.
fn read_headers(file: &mut (impl Read + Seek), delimiter: u8) -> AppResult<Vec<String>> {
    file.seek(SeekFrom::Start(0)).map_err(read_error)?;
    let mut reader = open_reader(&mut *file, delimiter);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| {
            let message = if is_too_long(&e) {
                Message::new("err-header-too-long").arg("max", MAX_RECORD_BYTES)
            } else {
                Message::new("err-header-unreadable").arg("why", e)
            };
            AppError::invalid("file", message)
        })?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(AppError::invalid("file", Message::new("err-file-empty")));
    }
    Ok(headers)
}

pub(super) fn layout(
    conn: &mut DbConnection,
    ctx: &Context,
    file: &mut (impl Read + Seek),
    options: &ImportOptions,
) -> AppResult<Layout> {
    let delimiter = sniff_delimiter(file).map_err(read_error)?;
    let headers = read_headers(file, delimiter)?;
    let saved = match (&options.mapping, &options.instrument) {
        (None, Some(instrument)) => store::latest_mapping(conn, instrument, ctx.product_id)?,
        _ => None,
    };
    let unit_column = options
        .unit_column
        .clone()
        .or_else(|| saved.as_ref().map(|m| m.unit_column.clone()))
        .unwrap_or_else(|| "unit".to_string());
    let mapping: Vec<(String, String)> = match (&options.mapping, &saved) {
        (Some(given), _) => given.clone().into_iter().collect(),
        (None, Some(saved)) => serde_json::from_str::<BTreeMap<String, String>>(&saved.column_map)
            .or_internal("a saved column mapping parses")?
            .into_iter()
            .collect(),
        (None, None) => headers
            .iter()
            .filter(|h| ctx.template.contains_key(h.as_str()))
            .map(|h| (h.clone(), h.clone()))
            .collect(),
    };
    let header = Header {
        names: &headers,
        shown: excerpt(&headers.join(&char::from(delimiter).to_string())).into_owned(),
    };
    let mut problems = CappedProblems::default();
    let unit_index = header.find(&unit_column);
    if unit_index.is_none() {
        problems.add(
            "file",
            Message::new("err-no-unit-column")
                .arg("column", excerpt(&unit_column))
                .arg("header", &header.shown),
        );
    }
    let columns = header.mapped_columns(ctx, &mapping, &mut problems);
    problems.into_result("mapping")?;
    let used: HashSet<usize> = columns.iter().map(|(i, _)| *i).chain(unit_index).collect();
    let ignored = headers
        .iter()
        .enumerate()
        .filter(|(i, _)| !used.contains(i))
        .map(|(_, h)| h.clone())
        .collect();
    Ok(Layout {
        delimiter,
        unit_index: unit_index.unwrap_or_default(),
        headers,
        columns,
        ignored,
    })
}

/// A header line, and how problems quote it (its start).
struct Header<'a> {
    names: &'a [String],
    shown: String,
}

impl Header<'_> {
    fn find(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|h| h.eq_ignore_ascii_case(name))
    }

    /// (column index, code) of each mapped column, naming the mappings
    /// that do not fit the file or the product.
    fn mapped_columns(
        &self,
        ctx: &Context,
        mapping: &[(String, String)],
        problems: &mut CappedProblems,
    ) -> Vec<(usize, String)> {
        let shown = &self.shown;
        let mut columns = Vec::new();
        for (header, code) in mapping {
            let (field, quoted) = (format!("mapping.{}", excerpt(header)), excerpt(code));
            match (self.find(header), ctx.template.get(code)) {
                (None, _) => problems.add(
                    field,
                    Message::new("err-no-such-column")
                        .arg("column", excerpt(header))
                        .arg("header", shown),
                ),
                (_, None) => problems.add(
                    field,
                    Message::new("err-unknown-characteristic")
                        .arg("code", &quoted)
                        .arg("known", &ctx.codes),
                ),
                (_, Some(c)) if c.derived => problems.add(
                    field,
                    Message::new("err-import-derived").arg("code", &quoted),
                ),
                (Some(index), Some(_)) => columns.push((index, code.clone())),
            }
        }
        if mapping.is_empty() {
            problems.add(
                "file",
                Message::new("err-no-mapped-column")
                    .arg("header", shown)
                    .arg("known", &ctx.codes),
            );
        }
        columns
    }
}
