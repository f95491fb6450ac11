//! Importing an instrument's CSV export into a batch: one row per unit, one
//! column per characteristic.
//!
//! The file is read twice, streaming with the `csv` crate: the first pass
//! checks every row and counts, the second stores the readings in chunks, in
//! the one transaction of the request, so a file imports whole or not at
//! all. Memory grows with the batch's sample, never with the file. A file
//! already imported into the batch (same SHA-256) is recognised and stored
//! once.

use super::audit::{self, Actor};
use super::measurements::{
    check_item, chromaticity_problems, context, Context, MeasurementInput, MAX_REPORTED,
};
use super::utc;
use crate::domain::digest::hex;
use crate::error::{AppError, AppResult, ErrorCode, OnUniqueViolation, OrInternal, Violations};
use crate::store::imports::{self as store, ImportRow, MappingRow};
use crate::store::measurements::{
    existing_readings, insert_measurements, MeasurementRow, ROWS_PER_INSERT,
};
use crate::store::{now, DbConnection};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use utoipa::ToSchema;
use uuid::Uuid;

/// How to read a file: which column holds the unit number and which
/// columns hold which characteristic.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportOptions {
    /// The instrument that wrote the file; a mapping given with it is saved
    /// for that instrument and product and used when none is given.
    pub instrument: Option<String>,
    /// Header → characteristic code. Without it (and without a saved one),
    /// headers that equal a characteristic code are imported.
    pub mapping: Option<BTreeMap<String, String>>,
    /// Header of the unit-number column (default `unit`).
    pub unit_column: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Import {
    pub id: i64,
    pub batch_id: i64,
    /// SHA-256 of the file's bytes (hex).
    pub sha256: String,
    pub filename: String,
    pub instrument: Option<String>,
    /// Data rows in the file.
    pub rows: i64,
    /// Readings stored (non-empty mapped cells).
    pub readings: i64,
    pub imported_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportOutcome {
    /// True when this exact file was imported into the batch before; nothing
    /// new is stored and `import` is the earlier one.
    pub duplicate: bool,
    pub import: Import,
    /// Header → characteristic code used (this import only).
    pub columns: BTreeMap<String, String>,
    /// Headers of the file that map to nothing and were not read.
    pub ignored_columns: Vec<String>,
}

fn view(row: ImportRow) -> Import {
    Import {
        id: row.id,
        batch_id: row.batch_id,
        sha256: row.sha256,
        filename: row.filename,
        instrument: row.instrument,
        rows: row.rows_read,
        readings: row.readings,
        imported_at: utc(row.imported_at),
    }
}

/// SHA-256 (hex) of everything `source` yields.
pub fn sha256_of(mut source: impl Read) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    std::io::copy(&mut source, &mut hasher)?;
    Ok(hex(&hasher.finalize()))
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

/// A file's columns resolved against the product's template.
struct Layout {
    delimiter: u8,
    headers: Vec<String>,
    unit_index: usize,
    /// (column index, characteristic code) of every imported column.
    columns: Vec<(usize, String)>,
    ignored: Vec<String>,
}

fn open_reader<R: Read>(source: R, delimiter: u8) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(source)
}

fn layout(
    conn: &mut DbConnection,
    ctx: &Context,
    file: &mut (impl Read + Seek),
    options: &ImportOptions,
) -> AppResult<Layout> {
    let delimiter = sniff_delimiter(file).map_err(read_error)?;
    file.seek(SeekFrom::Start(0)).map_err(read_error)?;
    let mut reader = open_reader(&mut *file, delimiter);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| AppError::invalid("file", format!("the header line cannot be read: {e}")))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(AppError::invalid(
            "file",
            "the file is empty: expected a header line such as 'unit,flux,power' and one row per unit",
        ));
    }
    let saved = match (&options.mapping, &options.instrument) {
        (None, Some(instrument)) => store::latest_mapping(conn, instrument, ctx.product_id)?,
        _ => None,
    };
    let unit_column = options
        .unit_column
        .clone()
        .or_else(|| saved.as_ref().map(|m| m.unit_column.clone()))
        .unwrap_or_else(|| "unit".to_string());
    let find = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let shown = headers.join(&char::from(delimiter).to_string());
    let mut problems = Violations::default();
    let unit_index = find(&unit_column);
    if unit_index.is_none() {
        problems.add(
            "file",
            format!("no '{unit_column}' column for the unit number in the header '{shown}'"),
        );
    }
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
    let mut columns = Vec::new();
    for (header, code) in &mapping {
        let field = format!("mapping.{header}");
        match (find(header), ctx.template.get(code)) {
            (None, _) => problems.add(
                field,
                format!("the file has no column '{header}' (header '{shown}')"),
            ),
            (_, None) => problems.add(
                field,
                format!(
                    "'{code}' is not a characteristic of this product (known: {})",
                    ctx.codes
                ),
            ),
            (_, Some(c)) if c.derived => problems.add(
                field,
                format!("'{code}' is derived from chromaticity x and y; import those instead"),
            ),
            (Some(index), Some(_)) => columns.push((index, code.clone())),
        }
    }
    if mapping.is_empty() {
        problems.add(
            "file",
            format!(
                "no column of the header '{shown}' names a characteristic of this product \
                 (known: {}); give a mapping",
                ctx.codes
            ),
        );
    }
    problems.into_result()?;
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

fn read_error(error: std::io::Error) -> AppError {
    AppError::internal(format!("cannot read an uploaded file: {}", error))
}

/// What a scan finds: a reading, or a problem `(field, message)`.
enum Scanned {
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
fn scan(
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
        if record.len() != layout.headers.len() {
            let message = format!(
                "line {line} has {} fields where the header has {} (a truncated line?)",
                record.len(),
                layout.headers.len()
            );
            found(Scanned::Problem(format!("rows[{line}]"), message))?;
            continue;
        }
        let unit_text = &record[layout.unit_index];
        let unit_header = &layout.headers[layout.unit_index];
        let Ok(unit) = unit_text.parse::<i64>() else {
            let message =
                format!("line {line}, column '{unit_header}': '{unit_text}' is not a unit number");
            found(Scanned::Problem(
                format!("rows[{line}].{unit_header}"),
                message,
            ))?;
            continue;
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
                    let decimal_comma =
                        text.contains(',') && text.replace(',', ".").parse::<f64>().is_ok();
                    let hint = if decimal_comma {
                        " (write decimals with a point)"
                    } else {
                        ""
                    };
                    let message =
                        format!("line {line}, column '{header}': '{text}' is not a number{hint}");
                    found(Scanned::Problem(format!("rows[{line}].{header}"), message))?;
                }
            }
        }
    }
    Ok(rows)
}

/// Imports a CSV file into a batch (see the module documentation).
/// `file` is read from its start; `sha256` is the hash of its bytes.
pub fn import_csv(
    conn: &mut DbConnection,
    actor: &Actor,
    batch_id: i64,
    file: &mut (impl Read + Seek),
    sha256: &str,
    filename: &str,
    options: ImportOptions,
) -> AppResult<ImportOutcome> {
    let ctx = context(conn, batch_id)?;
    let layout = layout(conn, &ctx, file, &options)?;
    let columns: BTreeMap<String, String> = layout
        .columns
        .iter()
        .map(|(i, code)| (layout.headers[*i].clone(), code.clone()))
        .collect();
    if let Some(earlier) = store::find_import_by_hash(conn, batch_id, sha256)? {
        return Ok(ImportOutcome {
            duplicate: true,
            import: view(earlier),
            columns,
            ignored_columns: layout.ignored,
        });
    }

    // Pass 1: check every cell.
    let stored: HashSet<(i64, i64)> = existing_readings(conn, batch_id)?.into_iter().collect();
    let mut seen: HashSet<(i64, i64)> = HashSet::new();
    let mut colour_cells = Vec::new();
    let mut problems = Violations::default();
    let mut reported = 0usize;
    let mut readings = 0i64;
    let header_of = |code: &str| {
        layout
            .columns
            .iter()
            .find(|(_, c)| c == code)
            .map(|(i, _)| layout.headers[*i].clone())
            .unwrap_or_default()
    };
    let unit_header = &layout.headers[layout.unit_index];
    let rows = scan(file, &layout, |found| {
        let mut report = |field: String, message: String| {
            reported += 1;
            if reported <= MAX_REPORTED {
                problems.add(field, message);
            }
        };
        let (line, unit, code, value) = match found {
            Scanned::Problem(field, message) => {
                report(field, message);
                return Ok(());
            }
            Scanned::Cell {
                line,
                unit,
                code,
                value,
            } => (line, unit, code, value),
        };
        let item = MeasurementInput {
            id: None,
            unit,
            characteristic: code.clone(),
            value,
        };
        let item_problems = check_item(&ctx, &item);
        for (field, message) in &item_problems {
            let header = if *field == "unit" {
                unit_header.clone()
            } else {
                header_of(&code)
            };
            report(
                format!("rows[{line}].{header}"),
                format!("line {line}: {message}"),
            );
        }
        if !item_problems.is_empty() {
            return Ok(());
        }
        let characteristic = &ctx.template[&code];
        let pair = (unit, characteristic.id);
        let field = format!("rows[{line}].{}", header_of(&code));
        if stored.contains(&pair) {
            report(
                field,
                format!(
                    "line {line}: unit {unit} already has a {code} reading; change it with a correction"
                ),
            );
        } else if !seen.insert(pair) {
            report(
                field,
                format!("line {line}: unit {unit} has a second {code} reading in this file"),
            );
        } else {
            readings += 1;
            if characteristic.quantity.is_some() {
                colour_cells.push((line as usize, unit, characteristic.id, value));
            }
        }
        Ok(())
    })?;
    for (line, message) in chromaticity_problems(conn, &ctx, &colour_cells)? {
        reported += 1;
        if reported <= MAX_REPORTED {
            problems.add(format!("rows[{line}]"), format!("line {line}: {message}"));
        }
    }
    if reported > MAX_REPORTED {
        problems.add(
            "file",
            format!("{} more problems not listed", reported - MAX_REPORTED),
        );
    }
    if rows == 0 && reported == 0 {
        problems.add("file", "the file has a header but no rows");
    }
    problems.into_result()?;

    // Pass 2: store, in chunks, under the import's id.
    let imported_at = now();
    let import_id = store::insert_import(
        conn,
        &ImportRow {
            id: 0,
            batch_id,
            sha256: sha256.to_string(),
            filename: filename.to_string(),
            instrument: options.instrument.clone(),
            rows_read: rows,
            readings,
            imported_by: actor.user_id,
            imported_at,
        },
    )
    .on_unique_violation(|| {
        AppError::conflict(
            ErrorCode::ImportInProgress,
            "the same file is being imported into this batch at this moment",
        )
    })?;
    let mut chunk = Vec::with_capacity(ROWS_PER_INSERT);
    scan(file, &layout, |found| {
        if let Scanned::Cell {
            unit, code, value, ..
        } = found
        {
            chunk.push(MeasurementRow {
                id: 0,
                // Time-ordered ids keep the unique index's inserts sequential.
                uuid: Uuid::now_v7().to_string(),
                batch_id,
                unit,
                characteristic_id: ctx.template[&code].id,
                value,
                supersedes: None,
                reason: None,
                recorded_at: imported_at,
                recorded_by: actor.user_id,
                import_id: Some(import_id),
            });
            if chunk.len() == ROWS_PER_INSERT {
                insert_measurements(conn, &chunk)?;
                chunk.clear();
            }
        }
        Ok(())
    })?;
    insert_measurements(conn, &chunk)?;
    if let (Some(instrument), Some(mapping)) = (&options.instrument, &options.mapping) {
        store::insert_mapping(
            conn,
            &MappingRow {
                id: 0,
                instrument: instrument.clone(),
                product_id: ctx.product_id,
                unit_column: layout.headers[layout.unit_index].clone(),
                column_map: serde_json::to_string(mapping)
                    .or_internal("a column mapping serialises")?,
                saved_by: actor.user_id,
                saved_at: imported_at,
            },
        )?;
    }
    audit::record(
        conn,
        actor,
        "imports.create",
        format!("batch/{batch_id}"),
        serde_json::json!({
            "import_id": import_id, "filename": filename, "sha256": sha256,
            "instrument": options.instrument, "rows": rows, "readings": readings,
            "columns": columns,
        }),
    )?;
    let row =
        store::find_import_by_hash(conn, batch_id, sha256)?.or_internal("the import reads back")?;
    Ok(ImportOutcome {
        duplicate: false,
        import: view(row),
        columns,
        ignored_columns: layout.ignored,
    })
}

/// The imports of a batch, oldest first.
pub fn list(
    conn: &mut DbConnection,
    batch_id: i64,
    visibility: crate::domain::access::Visibility,
) -> AppResult<Vec<Import>> {
    super::batches::get_batch(conn, batch_id, visibility)?;
    Ok(store::imports_of_batch(conn, batch_id)?
        .into_iter()
        .map(view)
        .collect())
}
