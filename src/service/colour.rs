//! Colour answers for a chromaticity: what the calculator route and the
//! derived characteristics of a product both report.

use super::catalog::{colour_target, Product};
use crate::domain::access::Visibility;
use crate::domain::colorimetry::{
    ansi_quadrangle, cct_duv, CctDuv, ColourError, Ellipse, Xy, MAX_MEANINGFUL_DUV,
};
use crate::domain::message::Message;
use crate::domain::spc::Subgroup;
use crate::domain::template::Quantity;
use crate::error::{AppError, AppResult};
use crate::store::batches::batch_ids_of_product;
use crate::store::colours::{self, DerivedColourRow};
use crate::store::measurements::{current_of_batch, Version};
use crate::store::DbConnection;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ColourAnswer {
    pub x: f64,
    pub y: f64,
    /// CIE 1960 UCS coordinates.
    pub u: f64,
    pub v: f64,
    /// Correlated colour temperature (Ohno 2013).
    pub cct_k: f64,
    /// Distance from the Planckian locus in (u, v); positive above.
    pub duv: f64,
    /// False when |Duv| > 0.05, where CIE 015 holds a CCT meaningless.
    pub cct_meaningful: bool,
    /// The ANSI C78.377-2008 nominal CCT whose quadrangle holds the point.
    pub ansi_nominal_cct_k: Option<u32>,
    /// Distance from the target in MacAdam steps (when a target is given).
    pub macadam_steps: Option<f64>,
    /// The ellipse the steps are counted in.
    pub ellipse: Option<Ellipse>,
}

/// The target ellipse of a product or a query: centred on the target, with
/// the IEC 60081 shape nearest the target's own CCT.
pub fn target_ellipse(target: Xy) -> AppResult<Ellipse> {
    let found = cct_duv(target).map_err(|e| colour_error(e, "target_x"))?;
    Ok(Ellipse::standard_around(target, found.cct_k))
}

/// Maps a colour error to a problem naming `field`: 400, as a point outside
/// the diagram is not a colour at all.
pub fn colour_error(error: ColourError, field: &str) -> AppError {
    AppError::bad_request(colour_message(error)).with_field(field)
}

/// What a colour error says, in the catalogues' words.
pub fn colour_message(error: ColourError) -> Message {
    match error {
        ColourError::OutsideDiagram => Message::new("err-outside-diagram"),
        ColourError::OutsideCctRange => Message::new("err-outside-cct-range"),
    }
}

pub fn describe(point: Xy, target: Option<Xy>) -> AppResult<ColourAnswer> {
    let ellipse = target.map(target_ellipse).transpose()?;
    describe_in(point, ellipse)
}

/// [`describe`] with the target ellipse already known.
pub fn describe_in(point: Xy, ellipse: Option<Ellipse>) -> AppResult<ColourAnswer> {
    let found = cct_duv(point).map_err(|e| colour_error(e, "x"))?;
    Ok(answer(point, found, ellipse))
}

/// The answer for a point whose CCT and Duv are known (computed or stored).
fn answer(point: Xy, found: CctDuv, ellipse: Option<Ellipse>) -> ColourAnswer {
    let uv = point.to_uv();
    ColourAnswer {
        x: point.x,
        y: point.y,
        u: uv.u,
        v: uv.v,
        cct_k: found.cct_k,
        duv: found.duv,
        cct_meaningful: found.duv.abs() <= MAX_MEANINGFUL_DUV,
        ansi_nominal_cct_k: ansi_quadrangle(found).map(|q| q.nominal_cct_k),
        macadam_steps: ellipse.map(|e| e.steps(point)),
        ellipse,
    }
}

/// A unit's chromaticity pair: the two readings and the point they make.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    pub x_id: i64,
    pub y_id: i64,
    pub point: Xy,
}

impl Pair {
    /// The reading ids a stored colour is found by.
    pub fn ids(&self) -> (i64, i64) {
        (self.x_id, self.y_id)
    }
}

/// What is derived from one point, before it is named by characteristic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Derivation {
    pub cct: CctDuv,
    /// `None` when the product has no colour target.
    pub macadam_steps: Option<f64>,
}

/// How a product's colour quantities are derived: from which chromaticity
/// characteristics, into which derived ones, towards which target.
#[derive(Debug, Clone)]
pub struct Chromaticity {
    x_id: i64,
    y_id: i64,
    target: Option<Ellipse>,
    derived: Vec<(i64, Quantity)>,
    /// Points derived already: a request's check and its store, or a
    /// file's check and the colours stored once it is whole, derive each
    /// point once (Ohno's search is the costly part).
    recalled: Arc<Mutex<Recalled>>,
}

/// Derivations by the bits of their point's x and y.
type Recalled = foldhash::HashMap<[u64; 2], Result<Derivation, ColourError>>;

/// Most derivations a [`Chromaticity`] remembers (about 64 bytes each);
/// forgotten all at once when full. A file of a million units derives again
/// what its check derived for the units a chunk's edge parts, no more.
const RECALLED_DERIVATIONS: usize = 1 << 18;

/// Fewer points than this are derived on the calling thread: a thread costs
/// more than it saves. Most of a new thread's cost is its cold memo of
/// Planckian tables (`colorimetry`, kept per thread): with 128 points a
/// thread, 200 imports of 500 units took 5.4–6.2 s against 3.2–3.3 s on
/// the calling thread alone.
const POINTS_PER_THREAD: usize = 512;

/// The cores derivations may share, asked once: on Linux the standard
/// library reads the process's cgroup files for it on every call, which
/// cost a recording request more than its one point.
fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
}

impl Chromaticity {
    /// `None` when the product does not record chromaticity x and y.
    pub fn of(product: &Product) -> AppResult<Option<Self>> {
        let id_of = |q| {
            product
                .characteristics
                .iter()
                .find(|c| c.quantity == Some(q))
                .map(|c| c.id)
        };
        let (Some(x_id), Some(y_id)) = (id_of(Quantity::CieX), id_of(Quantity::CieY)) else {
            return Ok(None);
        };
        let derived: Vec<(i64, Quantity)> = product
            .characteristics
            .iter()
            .filter(|c| c.derived)
            .filter_map(|c| Some((c.id, c.quantity?)))
            .collect();
        let target = if derived.iter().any(|(_, q)| *q == Quantity::MacadamSteps) {
            let centre = colour_target(&product.params).map_err(|_| {
                AppError::internal(format!(
                    "stored product lacks its colour target: product {}",
                    product.id
                ))
            })?;
            Some(target_ellipse(centre)?)
        } else {
            None
        };
        Ok(Some(Self {
            x_id,
            y_id,
            target,
            derived,
            recalled: Arc::default(),
        }))
    }

    /// The same derivation with a memory of its own, empty: for one
    /// request or file, so that what it remembers goes with it.
    pub fn with_own_memory(&self) -> Self {
        Self {
            recalled: Arc::default(),
            ..self.clone()
        }
    }

    pub fn is_chromaticity(&self, characteristic_id: i64) -> bool {
        characteristic_id == self.x_id || characteristic_id == self.y_id
    }

    /// What derives from one point: its CCT and Duv (Ohno 2013, the costly
    /// part) and its distance from the target. Remembered (see
    /// [`Chromaticity::derive_all`]).
    pub fn derivation(&self, point: Xy) -> Result<Derivation, ColourError> {
        let key = [point.x.to_bits(), point.y.to_bits()];
        if let Some(found) = self.recall().get(&key) {
            return found.clone();
        }
        let derived = self.derive(point);
        self.remember([(key, derived.clone())]);
        derived
    }

    fn derive(&self, point: Xy) -> Result<Derivation, ColourError> {
        Ok(Derivation {
            cct: cct_duv(point)?,
            macadam_steps: self.target.map(|e| e.steps(point)),
        })
    }

    /// Derives the points not derived yet, spread over the machine's cores
    /// when there are many (an imported file's thousands of units), so that
    /// the [`Chromaticity::derivation`]s that follow find them.
    pub fn derive_all(&self, points: impl IntoIterator<Item = Xy>) {
        let missing: Vec<Xy> = {
            let recalled = self.recall();
            let mut keys = foldhash::HashSet::default();
            points
                .into_iter()
                .filter(|p| {
                    let key = [p.x.to_bits(), p.y.to_bits()];
                    !recalled.contains_key(&key) && keys.insert(key)
                })
                .collect()
        };
        let threads = (missing.len() / POINTS_PER_THREAD).max(1).min(cores());
        let derive_share = |share: &[Xy]| -> Vec<_> {
            share
                .iter()
                .map(|&p| ([p.x.to_bits(), p.y.to_bits()], self.derive(p)))
                .collect()
        };
        if threads == 1 {
            return self.remember(derive_share(&missing));
        }
        let share = missing.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let running: Vec<_> = missing
                .chunks(share)
                .map(|chunk| scope.spawn(move || derive_share(chunk)))
                .collect();
            for thread in running {
                match thread.join() {
                    Ok(derived) => self.remember(derived),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
        });
    }

    fn recall(&self) -> MutexGuard<'_, Recalled> {
        // A panic while the map was held left it whole: entries are
        // inserted complete.
        self.recalled.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn remember(
        &self,
        derived: impl IntoIterator<Item = ([u64; 2], Result<Derivation, ColourError>)>,
    ) {
        let mut recalled = self.recall();
        for (key, value) in derived {
            if recalled.len() >= RECALLED_DERIVATIONS {
                recalled.clear();
            }
            recalled.insert(key, value);
        }
    }

    /// A stored colour as the values of the product's derived
    /// characteristics, (characteristic id, value).
    pub fn values<'a>(
        &'a self,
        colour: &'a DerivedColourRow,
    ) -> impl Iterator<Item = (i64, f64)> + 'a {
        self.derived.iter().filter_map(|&(id, quantity)| {
            let value = match quantity {
                Quantity::CctK => colour.cct_k,
                Quantity::Duv => colour.duv,
                Quantity::MacadamSteps => colour.macadam_steps?,
                Quantity::CieX | Quantity::CieY => return None,
            };
            Some((id, value))
        })
    }

    /// Each unit's (x, y) pair among `rows`, which hold at most one
    /// version of each unit's reading of a characteristic.
    pub fn pairs<R: Version>(&self, rows: &[R]) -> BTreeMap<i64, Pair> {
        // (row id, value) of the unit's x and of its y, as found.
        type Coordinate = Option<(i64, f64)>;
        let mut partial: BTreeMap<i64, (Coordinate, Coordinate)> = BTreeMap::new();
        for row in rows
            .iter()
            .filter(|r| self.is_chromaticity(r.characteristic_id()))
        {
            let entry = partial.entry(row.unit()).or_default();
            if row.characteristic_id() == self.x_id {
                entry.0 = Some((row.id(), row.value()));
            } else {
                entry.1 = Some((row.id(), row.value()));
            }
        }
        partial
            .into_iter()
            .filter_map(|(unit, xy)| match xy {
                (Some((x_id, x)), Some((y_id, y))) => Some((
                    unit,
                    Pair {
                        x_id,
                        y_id,
                        point: Xy { x, y },
                    },
                )),
                _ => None,
            })
            .collect()
    }

    /// The ids of the chromaticity characteristics, x then y.
    pub fn coordinate_ids(&self) -> [i64; 2] {
        [self.x_id, self.y_id]
    }

    /// Pairs each unit's x and y among `readings` (unit, characteristic, value).
    pub fn points(&self, readings: impl IntoIterator<Item = (i64, i64, f64)>) -> BTreeMap<i64, Xy> {
        let mut partial: BTreeMap<i64, (Option<f64>, Option<f64>)> = BTreeMap::new();
        // Other characteristics' readings are passed over before the map is
        // touched: a report hands in every value of a batch.
        for (unit, characteristic_id, value) in readings {
            if characteristic_id == self.x_id {
                partial.entry(unit).or_default().0 = Some(value);
            } else if characteristic_id == self.y_id {
                partial.entry(unit).or_default().1 = Some(value);
            }
        }
        partial
            .into_iter()
            .filter_map(|(unit, xy)| match xy {
                (Some(x), Some(y)) => Some((unit, Xy { x, y })),
                _ => None,
            })
            .collect()
    }
}

/// One current value of a unit: a stored reading, or one derived from the
/// unit's chromaticity readings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnitValue {
    pub unit: i64,
    pub characteristic_id: i64,
    pub value: f64,
}

/// The current values of one characteristic in each of the product's
/// batches that `visibility` shows, batches with none left out: the
/// rational subgroups of capability studies and control charts.
pub fn batch_subgroups(
    conn: &mut DbConnection,
    product: &Product,
    characteristic_id: i64,
    visibility: Visibility,
) -> AppResult<Vec<Subgroup>> {
    let mut groups = Vec::new();
    for batch_id in batch_ids_of_product(conn, product.id, visibility.only_customer())? {
        let values: Vec<f64> = current_values(conn, batch_id, product)?
            .into_iter()
            .filter(|v| v.characteristic_id == characteristic_id)
            .map(|v| v.value)
            .collect();
        if !values.is_empty() {
            groups.push(Subgroup { batch_id, values });
        }
    }
    Ok(groups)
}

/// The current values of a batch: readings that nothing supersedes, plus
/// the colour values stored with each unit's current chromaticity pair.
/// Recording refuses chromaticity pairs that are not colours, so every
/// current pair has its stored colour.
pub fn current_values(
    conn: &mut DbConnection,
    batch_id: i64,
    product: &Product,
) -> AppResult<Vec<UnitValue>> {
    let current = current_of_batch(conn, batch_id)?;
    with_derived(conn, batch_id, current, product, ColoursOf::Batch)
}

/// [`current_values`] of some of a batch's units: `current` holds their
/// current readings, `units` the units (a page of the batch: its stored
/// colours are read for those units alone).
pub fn current_values_of_units<R: Version>(
    conn: &mut DbConnection,
    batch_id: i64,
    units: &[i64],
    current: Vec<R>,
    product: &Product,
) -> AppResult<Vec<UnitValue>> {
    with_derived(conn, batch_id, current, product, ColoursOf::Units(units))
}

/// Whose stored colours [`with_derived`] reads.
enum ColoursOf<'a> {
    /// The whole batch's.
    Batch,
    /// Those of some of its units, which `rows` holds.
    Units(&'a [i64]),
}

/// A batch's readings from one read: what [`current_values`] gives, the
/// values as first recorded (corrections left out, with the colour of each
/// unit's first pair: what a first-pass yield judges; a first pair that was
/// no colour has none), and the public ids of the current readings (what a
/// disposition's data fingerprint hashes).
#[derive(Debug, Clone, Default)]
pub struct BatchReadings {
    pub current: Vec<UnitValue>,
    pub original: Vec<UnitValue>,
    pub current_uuids: Vec<String>,
}

/// Reads every reading of a batch once (superseded ones included) and
/// answers its current values and its values as first recorded, each with
/// their stored colour values: what a report or a yield needs of a batch,
/// from one statement instead of one per use. Without corrections the two
/// are the same and are derived once.
pub fn batch_readings(
    conn: &mut DbConnection,
    batch_id: i64,
    product: &Product,
) -> AppResult<BatchReadings> {
    let all = crate::store::measurements::values_of_batch(conn, batch_id)?;
    let corrected = all.iter().any(|r| r.supersedes.is_some());
    let original = corrected.then(|| {
        all.iter()
            .filter(|r| r.supersedes.is_none())
            .cloned()
            .collect::<Vec<_>>()
    });
    let current = crate::store::measurements::only_current(all);
    let current_uuids = current.iter().map(|r| r.uuid.clone()).collect();
    let current = with_derived(conn, batch_id, current, product, ColoursOf::Batch)?;
    let original = match original {
        Some(rows) => with_derived(conn, batch_id, rows, product, ColoursOf::Batch)?,
        None => current.clone(),
    };
    Ok(BatchReadings {
        current,
        original,
        current_uuids,
    })
}

/// `rows` (one version per unit and characteristic) as values, with the
/// stored colour values of each unit's (x, y) pair among them.
fn with_derived<R: Version>(
    conn: &mut DbConnection,
    batch_id: i64,
    rows: Vec<R>,
    product: &Product,
    colours_of: ColoursOf,
) -> AppResult<Vec<UnitValue>> {
    let chromaticity = Chromaticity::of(product)?;
    let pairs = match &chromaticity {
        Some(c) => c.pairs(&rows),
        None => BTreeMap::new(),
    };
    let mut values: Vec<UnitValue> = rows
        .into_iter()
        .map(|r| UnitValue {
            unit: r.unit(),
            characteristic_id: r.characteristic_id(),
            value: r.value(),
        })
        .collect();
    let Some(chromaticity) = chromaticity else {
        return Ok(values);
    };
    if pairs.is_empty() || chromaticity.derived.is_empty() {
        return Ok(values);
    }
    let stored = match colours_of {
        ColoursOf::Batch => colours::of_batch(conn, batch_id)?,
        ColoursOf::Units(units) => colours::of_units(conn, batch_id, units)?,
    };
    let stored = by_reading_ids(stored);
    for (unit, pair) in pairs {
        let Some(colour) = colour_of(&stored, &chromaticity, batch_id, unit, pair) else {
            continue;
        };
        values.extend(
            chromaticity
                .values(&colour)
                .map(|(characteristic_id, value)| UnitValue {
                    unit,
                    characteristic_id,
                    value,
                }),
        );
    }
    Ok(values)
}

/// The colour of a unit's pair: as stored, or derived now when it was not
/// (on PostgreSQL two requests bringing a unit's x and y at the same moment
/// each commit without seeing the other's coordinate, so neither stores the
/// pair's colour). `None` when the pair is no colour: a first pair whose x
/// was corrected before y came, or such a race with a point off the diagram.
fn colour_of(
    stored: &HashMap<(i64, i64), DerivedColourRow>,
    chromaticity: &Chromaticity,
    batch_id: i64,
    unit: i64,
    pair: Pair,
) -> Option<DerivedColourRow> {
    if let Some(row) = stored.get(&pair.ids()) {
        return Some(row.clone());
    }
    let derived = chromaticity.derivation(pair.point).ok()?;
    Some(colour_row(batch_id, unit, pair.ids(), derived))
}

/// The row that keeps the colour of a pair of readings, by their (x, y)
/// ids.
pub fn colour_row(
    batch_id: i64,
    unit: i64,
    (x_id, y_id): (i64, i64),
    derived: Derivation,
) -> DerivedColourRow {
    DerivedColourRow {
        batch_id,
        unit,
        x_measurement_id: x_id,
        y_measurement_id: y_id,
        cct_k: derived.cct.cct_k,
        duv: derived.cct.duv,
        macadam_steps: derived.macadam_steps,
    }
}

/// The stored colours of a batch by their (x, y) reading ids.
fn stored_colours(
    conn: &mut DbConnection,
    batch_id: i64,
) -> AppResult<HashMap<(i64, i64), DerivedColourRow>> {
    Ok(by_reading_ids(colours::of_batch(conn, batch_id)?))
}

/// Stored colours by their (x, y) reading ids.
fn by_reading_ids(rows: Vec<DerivedColourRow>) -> HashMap<(i64, i64), DerivedColourRow> {
    rows.into_iter()
        .map(|row| ((row.x_measurement_id, row.y_measurement_id), row))
        .collect()
}

/// Derives and stores the colour of the current and the first (x, y) pair
/// of each of `units`, when not stored yet: called after readings of them
/// are stored, in the same transaction, by every way readings come in
/// (requests, corrections, and imports for the units whose x and y are not
/// in one chunk of the file: the others' colours come with their chunk,
/// `imports::storing`). The readings must form colours
/// (recording checks this first); a first pair that does not is skipped.
pub fn store_derived(
    conn: &mut DbConnection,
    chromaticity: &Chromaticity,
    batch_id: i64,
    units: &[i64],
) -> AppResult<()> {
    if units.is_empty() {
        return Ok(());
    }
    let ids = [chromaticity.x_id, chromaticity.y_id];
    let versions = crate::store::measurements::values_of_units(conn, batch_id, units, &ids)?;
    store_derived_from(conn, chromaticity, batch_id, units, versions)
}

/// [`store_derived`] with the units' readings already read: `versions`
/// holds every version of the x and y readings of `units` as stored now,
/// in any order (readings of other units or characteristics are ignored).
pub fn store_derived_from(
    conn: &mut DbConnection,
    chromaticity: &Chromaticity,
    batch_id: i64,
    units: &[i64],
    mut versions: Vec<impl Version + Clone>,
) -> AppResult<()> {
    if units.is_empty() {
        return Ok(());
    }
    let wanted: HashSet<i64> = units.iter().copied().collect();
    versions.retain(|r| {
        chromaticity.is_chromaticity(r.characteristic_id()) && wanted.contains(&r.unit())
    });
    let originals: Vec<_> = versions
        .iter()
        .filter(|r| r.supersedes().is_none())
        .cloned()
        .collect();
    let current = crate::store::measurements::only_current(versions);
    let stored: HashSet<(i64, i64)> = colours::of_units(conn, batch_id, units)?
        .into_iter()
        .map(|row| (row.x_measurement_id, row.y_measurement_id))
        .collect();
    let pairs = [(true, current), (false, originals)]
        .map(|(is_current, rows)| (is_current, chromaticity.pairs(&rows)));
    chromaticity.derive_all(
        pairs
            .iter()
            .flat_map(|(_, pairs)| pairs.values())
            .filter(|pair| !stored.contains(&pair.ids()))
            .map(|pair| pair.point),
    );
    let mut new = Vec::new();
    let mut seen = HashSet::new();
    for (is_current, pairs) in pairs {
        for (unit, pair) in pairs {
            if stored.contains(&pair.ids()) || !seen.insert(pair.ids()) {
                continue;
            }
            match chromaticity.derivation(pair.point) {
                Ok(derived) => new.push(colour_row(batch_id, unit, pair.ids(), derived)),
                Err(_) if !is_current => {}
                Err(_) => {
                    return Err(AppError::internal(format!(
                        "checked chromaticity is a colour: batch {batch_id}, unit {unit}"
                    )))
                }
            }
        }
    }
    colours::insert(conn, &new)?;
    Ok(())
}

/// Name of the data step that stores the colours of readings recorded
/// before colours were stored.
const COLOUR_BACKFILL: &str = "2026-11-27-000012_derived_colours";

/// Stores the colour of every chromaticity pair recorded before colours
/// were stored, once (the data step of migration 000012): batch by batch,
/// in the caller's transaction. Answers whether it ran.
pub fn store_missing_colours(conn: &mut DbConnection) -> AppResult<bool> {
    if colours::data_migration_applied(conn, COLOUR_BACKFILL)? {
        return Ok(false);
    }
    for (product_id, batch_ids) in crate::store::batches::batch_ids_by_product(conn)? {
        let product = super::catalog::get_product(conn, product_id, Visibility::Everything)?;
        let Some(chromaticity) = Chromaticity::of(&product)? else {
            continue;
        };
        let ids = [chromaticity.x_id, chromaticity.y_id];
        for batch_id in batch_ids {
            let units: BTreeSet<i64> = current_of_batch(conn, batch_id)?
                .into_iter()
                .filter(|r| ids.contains(&r.characteristic_id))
                .map(|r| r.unit)
                .collect();
            let units: Vec<i64> = units.into_iter().collect();
            store_derived(conn, &chromaticity, batch_id, &units)?;
        }
    }
    colours::mark_data_migration_applied(conn, COLOUR_BACKFILL, crate::store::now())?;
    Ok(true)
}

/// The colour of one unit of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct UnitColour {
    pub unit: i64,
    #[serde(flatten)]
    pub colour: ColourAnswer,
}

/// The colour of every unit of a batch with both chromaticity readings
/// (none when the product records no chromaticity).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BatchColour {
    pub batch_id: i64,
    /// The product's target ellipse, when it has a target.
    pub target: Option<Ellipse>,
    pub units: Vec<UnitColour>,
}

pub fn batch_colour(
    conn: &mut DbConnection,
    batch_id: i64,
    visibility: crate::domain::access::Visibility,
) -> AppResult<BatchColour> {
    let batch = super::batches::get_batch(conn, batch_id, visibility)?;
    let order = crate::store::orders::find_order(conn, batch.order_id)?.ok_or_else(|| {
        AppError::not_found(Message::new("err-not-found-order").arg("id", batch.order_id))
    })?;
    let product = super::catalog::get_product(
        conn,
        order.product_id,
        crate::domain::access::Visibility::Everything,
    )?;
    let Some(chromaticity) = Chromaticity::of(&product)? else {
        // The product records no chromaticity: no unit has a colour.
        return Ok(BatchColour {
            batch_id,
            target: None,
            units: Vec::new(),
        });
    };
    let target = match colour_target(&product.params) {
        Ok(centre) => Some(target_ellipse(centre)?),
        Err(_) => None,
    };
    let stored = stored_colours(conn, batch_id)?;
    let units = chromaticity
        .pairs(&current_of_batch(conn, batch_id)?)
        .into_iter()
        .filter_map(|(unit, pair)| {
            let colour = colour_of(&stored, &chromaticity, batch_id, unit, pair)?;
            let cct = CctDuv {
                cct_k: colour.cct_k,
                duv: colour.duv,
            };
            Some(UnitColour {
                unit,
                colour: answer(pair.point, cct, target),
            })
        })
        .collect();
    Ok(BatchColour {
        batch_id,
        target,
        units,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Points derived over several threads and remembered answer as Ohno's
    /// search on each point alone does (`cct_duv`, itself checked against
    /// published values in `tests/it/colorimetry_reference.rs`), errors
    /// included.
    #[test]
    fn points_derived_over_threads_answer_as_each_point_alone() {
        let target = Xy {
            x: 0.4578,
            y: 0.4101,
        };
        let ellipse = target_ellipse(target).expect("the target is a colour");
        let chromaticity = Chromaticity {
            x_id: 1,
            y_id: 2,
            target: Some(ellipse),
            derived: Vec::new(),
            recalled: Arc::default(),
        };
        let points: Vec<Xy> = (0..3 * POINTS_PER_THREAD)
            .map(|i| Xy {
                x: 0.40 + 2e-5 * i as f64,
                y: 0.39 + 1e-5 * i as f64,
            })
            .chain([Xy { x: 0.45, y: 0.05 }])
            .collect();
        chromaticity.derive_all(points.iter().copied());
        assert_eq!(chromaticity.recall().len(), points.len());
        for &point in &points {
            let alone = cct_duv(point).map(|cct| Derivation {
                cct,
                macadam_steps: Some(ellipse.steps(point)),
            });
            assert_eq!(chromaticity.derivation(point), alone, "{point:?}");
        }
        assert_eq!(
            chromaticity.derivation(Xy { x: 0.45, y: 0.05 }),
            Err(ColourError::OutsideDiagram)
        );
    }
}
