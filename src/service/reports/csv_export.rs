//! The readings behind a report as CSV: every current reading, and every
//! value derived from a unit's chromaticity, one row per unit and
//! characteristic.

use crate::domain::access::Visibility;
use crate::domain::template::Kind;
use crate::error::AppResult;
use crate::service::catalog::{Characteristic, Product};
use crate::service::charts::Scope;
use crate::service::utc;
use crate::store::accounts::usernames;
use crate::store::measurements::MeasurementRow;
use crate::store::DbConnection;
use std::collections::{BTreeMap, HashMap};

/// What the CSV export needs besides each batch's rows.
#[derive(Clone)]
pub struct CsvScope {
    pub po_number: String,
    pub product: Product,
    /// (batch id, batch number), in batch order.
    pub batches: Vec<(i64, i32)>,
    /// The newest reading when the export began: pages read later leave out
    /// what was recorded since, so that a batch read in several pages reads
    /// as it stood then (on SQLite to the reading: ids count up in commit
    /// order; on PostgreSQL a sequence's order may differ from the commits'
    /// by the writes in flight).
    pub newest_reading: i64,
}

pub fn csv_scope(
    conn: &mut DbConnection,
    order_id: i64,
    visibility: Visibility,
) -> AppResult<CsvScope> {
    let scope = Scope::of_order(conn, order_id, visibility)?;
    Ok(CsvScope {
        po_number: scope.order.po_number,
        product: scope.product,
        batches: scope.batches.iter().map(|b| (b.id, b.number)).collect(),
        newest_reading: crate::store::measurements::newest_id(conn)?.unwrap_or(0),
    })
}

/// Units a page of the export holds: what one read of a batch holds in
/// memory, whatever the batch's size (a batch of 100,000 units read whole
/// took 779 MiB).
pub const CSV_UNITS_PER_PAGE: i64 = 2_000;

/// A page of one batch's rows.
pub struct CsvPage {
    /// The rows as CSV (none when the batch has no readings).
    pub rows: Vec<u8>,
    /// The page's last unit, when the batch may have units after it; `None`
    /// when this page is the batch's last.
    pub next_after: Option<i64>,
}

/// The next page of one batch's readings as CSV rows, after unit `after`
/// (`None`: from the batch's start): every current reading, and every value
/// derived from a unit's chromaticity, one row per unit and characteristic,
/// by unit, then by the characteristic's place in the template; readings
/// newer than the export ([`CsvScope::newest_reading`]) left out.
pub fn csv_page_of_batch(
    conn: &mut DbConnection,
    scope: &CsvScope,
    batch_id: i64,
    number: i32,
    after: Option<i64>,
) -> AppResult<CsvPage> {
    use crate::report::csv::Rows;
    use crate::store::measurements::{all_of_units_between, only_current, units_after};
    let upto = scope.newest_reading;
    let after = after.unwrap_or(i64::MIN);
    let units = units_after(conn, batch_id, upto, after, CSV_UNITS_PER_PAGE)?;
    let (Some(&first), Some(&last)) = (units.first(), units.last()) else {
        return Ok(CsvPage {
            rows: Vec::new(),
            next_after: None,
        });
    };
    // Every version of a unit's readings is in its unit's page.
    let versions = all_of_units_between(conn, batch_id, upto, first, last)?;
    let current = only_current(versions);
    let batch = BatchRows {
        scope,
        number,
        position: scope
            .product
            .characteristics
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i))
            .collect(),
    };
    let mut by_key: BTreeMap<(i64, usize), Vec<String>> = BTreeMap::new();
    by_key.extend(batch.recorded(conn, &current)?);
    by_key.extend(batch.derived(conn, batch_id, &units, current)?);
    let mut rows = Rows::new();
    for fields in by_key.into_values() {
        rows.push(&fields)?;
    }
    let whole_page = units.len() as i64 == CSV_UNITS_PER_PAGE;
    Ok(CsvPage {
        rows: rows.take()?,
        next_after: whole_page.then_some(last),
    })
}

/// The rows of one batch, keyed by (unit, position in the template).
struct BatchRows<'a> {
    scope: &'a CsvScope,
    number: i32,
    /// Position in the template by characteristic id.
    position: HashMap<i64, usize>,
}

type KeyedRow = ((i64, usize), Vec<String>);

impl BatchRows<'_> {
    /// The columns every row has: the reading and whether it conforms.
    fn fields(&self, c: &Characteristic, unit: i64, value: f64) -> Vec<String> {
        let conforming = match c.kind {
            Kind::Variable => c.lsl.is_none_or(|l| value >= l) && c.usl.is_none_or(|u| value <= u),
            Kind::Attribute => value == 0.0,
        };
        vec![
            self.scope.po_number.clone(),
            self.number.to_string(),
            unit.to_string(),
            c.code.clone(),
            c.name.clone(),
            c.unit.clone(),
            c.kind.as_str().to_string(),
            value.to_string(),
            c.lsl.map_or(String::new(), |v| v.to_string()),
            c.usl.map_or(String::new(), |v| v.to_string()),
            conforming.to_string(),
        ]
    }

    /// Every current reading, with who recorded it and when.
    fn recorded(
        &self,
        conn: &mut DbConnection,
        recorded: &[MeasurementRow],
    ) -> AppResult<Vec<KeyedRow>> {
        let characteristics = &self.scope.product.characteristics;
        let mut user_ids: Vec<i64> = recorded.iter().filter_map(|m| m.recorded_by).collect();
        user_ids.sort_unstable();
        user_ids.dedup();
        let names: HashMap<i64, String> = usernames(conn, &user_ids)?.into_iter().collect();
        let mut rows = Vec::with_capacity(recorded.len());
        for m in recorded {
            let Some(&i) = self.position.get(&m.characteristic_id) else {
                continue;
            };
            let mut fields = self.fields(&characteristics[i], m.unit, m.value);
            fields.extend([
                "false".to_string(),
                m.supersedes.is_some().to_string(),
                utc(m.recorded_at).to_rfc3339(),
                // No user: an instrument import, or the system (demo data).
                m.recorded_by
                    .and_then(|id| names.get(&id).cloned())
                    .unwrap_or_else(|| {
                        if m.import_id.is_some() {
                            "import"
                        } else {
                            "system"
                        }
                        .into()
                    }),
                m.uuid.clone(),
            ]);
            rows.push(((m.unit, i), fields));
        }
        Ok(rows)
    }

    /// Every value derived from the chromaticity of `units`, whose current
    /// readings `current` holds.
    fn derived(
        &self,
        conn: &mut DbConnection,
        batch_id: i64,
        units: &[i64],
        current: Vec<MeasurementRow>,
    ) -> AppResult<Vec<KeyedRow>> {
        use crate::service::colour::current_values_of_units;
        let product: &Product = &self.scope.product;
        let mut rows = Vec::new();
        for v in current_values_of_units(conn, batch_id, units, current, product)? {
            let Some(&i) = self.position.get(&v.characteristic_id) else {
                continue;
            };
            if !product.characteristics[i].derived {
                continue;
            }
            let mut fields = self.fields(&product.characteristics[i], v.unit, v.value);
            fields.extend([
                "true".into(),
                "false".into(),
                String::new(),
                String::new(),
                String::new(),
            ]);
            rows.push(((v.unit, i), fields));
        }
        Ok(rows)
    }
}
