//! What every reading is checked against, whether it comes in a request or
//! in an instrument's file: the batch's lot, drawn units and template.

use crate::domain::access::Visibility;
use crate::domain::sampling::LotSize;
use crate::domain::template::{is_attribute_value, Kind, Quantity};
use crate::error::{AppError, AppResult, ErrorCode, Message, Violations, Words};
use crate::service::catalog::{get_product, Characteristic};
use crate::service::colour::{colour_message, Chromaticity};
use crate::service::limits::InputLimits;
use crate::store::measurements::{self as store, Version};
use crate::store::orders::find_order;
use crate::store::sampling;
use crate::store::DbConnection;
use std::collections::{BTreeSet, HashMap};

/// Problems reported in one answer; the rest are summed up.
const MAX_REPORTED: usize = 100;

/// The problems of a large request or file: the first [`MAX_REPORTED`]
/// listed, the rest counted, so that an answer stays readable however
/// broken the input.
#[derive(Default)]
pub(in crate::service) struct CappedProblems {
    listed: Violations,
    count: usize,
}

impl CappedProblems {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<Words>) {
        self.count += 1;
        if self.count <= MAX_REPORTED {
            self.listed.add(field, message);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Nothing, or the listed problems with how many more there were,
    /// that line under `field`.
    pub fn into_result(mut self, field: &str) -> AppResult<()> {
        if self.count > MAX_REPORTED {
            self.listed.add(
                field,
                Message::new("err-more-problems").arg("count", self.count - MAX_REPORTED),
            );
        }
        self.listed.into_result()
    }
}

/// The units of the batch whose readings are checked.
pub(in crate::service) enum Units<'a> {
    /// The units of one request: only these are looked up in the plan, so
    /// that a request costs the same whatever the plan's size.
    Only(&'a [i64]),
    /// Any unit of the plan (a file of readings, read as it is checked).
    All,
}

/// The batch's lot, drawn units and template: what every reading is checked against.
pub(in crate::service) struct Context {
    pub batch_id: i64,
    pub product_id: i64,
    lot: LotSize,
    /// The drawn units among those asked for ([`Units`]).
    drawn: foldhash::HashSet<i64>,
    pub template: HashMap<String, Characteristic>,
    pub codes: String,
    pub chromaticity: Option<Chromaticity>,
    /// The bounds a reading's value is checked against.
    pub limits: InputLimits,
}

pub(in crate::service) fn context(
    conn: &mut DbConnection,
    batch_id: i64,
    limits: &InputLimits,
    units: Units,
) -> AppResult<Context> {
    let batch = crate::service::batches::get_batch(conn, batch_id, Visibility::Everything)?;
    let plan = sampling::plan_of_batch(conn, batch_id)?.ok_or_else(|| {
        AppError::conflict(
            ErrorCode::NoSamplingPlan,
            Message::new("err-no-sampling-plan").arg("batch", batch_id),
        )
    })?;
    let order = find_order(conn, batch.order_id)?.ok_or_else(|| {
        AppError::not_found(Message::new("err-not-found-order").arg("id", batch.order_id))
    })?;
    let product = get_product(conn, order.product_id, Visibility::Everything)?;
    let chromaticity = Chromaticity::of(&product)?;
    let characteristics = product.characteristics;
    let codes = characteristics
        .iter()
        .map(|c| c.code.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    Ok(Context {
        batch_id,
        product_id: order.product_id,
        chromaticity,
        lot: LotSize::parse(batch.lot_size)
            .map_err(|e| AppError::internal(format!("a stored lot size is valid: {e}")))?,
        drawn: match units {
            Units::Only(units) => sampling::drawn_among(conn, plan.id, units)?,
            Units::All => sampling::units_of_plan(conn, plan.id)?,
        }
        .into_iter()
        .collect(),
        template: characteristics
            .into_iter()
            .map(|c| (c.code.clone(), c))
            .collect(),
        codes,
        limits: *limits,
    })
}

/// Checks one reading, `value` of characteristic `code` on `unit`, against
/// the batch; answers `(field, message)` problems, the field being `unit`,
/// `characteristic` or `value`.
pub(in crate::service) fn check_reading(
    ctx: &Context,
    unit: i64,
    code: &str,
    value: f64,
) -> Vec<(&'static str, Message)> {
    let unit_problem = unit_problem(ctx, unit).map(|m| ("unit", m));
    let reading_problem = reading_problem(ctx, ctx.template.get(code), code, value);
    unit_problem.into_iter().chain(reading_problem).collect()
}

/// What is wrong with recording a reading of `unit` in the batch, if
/// anything: it must be in the lot and drawn.
pub(in crate::service) fn unit_problem(ctx: &Context, unit: i64) -> Option<Message> {
    if !ctx.lot.contains(unit) {
        Some(
            Message::new("err-unit-outside-lot")
                .arg("unit", unit)
                .arg("lot", ctx.lot.get()),
        )
    } else if !ctx.drawn.contains(&unit) {
        Some(Message::new("err-unit-not-drawn").arg("unit", unit))
    } else {
        None
    }
}

/// What is wrong with `value` as a reading of `characteristic` (the
/// template's, by `code`), if anything: `(field, message)`, the field
/// being `characteristic` or `value`.
pub(in crate::service) fn reading_problem(
    ctx: &Context,
    characteristic: Option<&Characteristic>,
    code: &str,
    value: f64,
) -> Option<(&'static str, Message)> {
    match characteristic {
        None => Some((
            "characteristic",
            Message::new("err-unknown-characteristic")
                .arg("code", code)
                .arg("known", &ctx.codes),
        )),
        Some(c) if c.derived => Some((
            "characteristic",
            Message::new("err-derived-characteristic").arg("code", &c.code),
        )),
        Some(c) => value_problem(c, value, &ctx.limits).map(|m| ("value", m)),
    }
}

/// New chromaticity readings, `(position in the request, unit,
/// characteristic id, value)`, that would pair with the unit's other
/// coordinate (from the request or stored) into a point that is not a
/// colour; answers the positions with the reason.
pub(in crate::service) fn chromaticity_problems(
    conn: &mut DbConnection,
    ctx: &Context,
    new: &[(usize, i64, i64, f64)],
) -> AppResult<Vec<(usize, Message)>> {
    let Some(chromaticity) = &ctx.chromaticity else {
        return Ok(Vec::new());
    };
    let units = chromaticity_units(chromaticity, new);
    if units.is_empty() {
        return Ok(Vec::new());
    }
    let stored =
        store::current_of_units(conn, ctx.batch_id, &units, &chromaticity.coordinate_ids())?;
    Ok(chromaticity_problems_beside(ctx, &stored, new))
}

/// The units of the chromaticity readings among `new` (as in
/// [`chromaticity_problems`]), each once, in order.
fn chromaticity_units(chromaticity: &Chromaticity, new: &[(usize, i64, i64, f64)]) -> Vec<i64> {
    new.iter()
        .filter(|(_, _, id, _)| chromaticity.is_chromaticity(*id))
        .map(|(_, unit, _, _)| *unit)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// [`chromaticity_problems`] with the units' current stored x and y
/// readings already read: `stored` (other readings in it, and those of
/// units with no x or y among `new`, are ignored).
pub(in crate::service) fn chromaticity_problems_beside(
    ctx: &Context,
    stored: &[impl Version],
    new: &[(usize, i64, i64, f64)],
) -> Vec<(usize, Message)> {
    let Some(chromaticity) = &ctx.chromaticity else {
        return Vec::new();
    };
    let units = chromaticity_units(chromaticity, new);
    let new: Vec<_> = new
        .iter()
        .filter(|(_, _, id, _)| chromaticity.is_chromaticity(*id))
        .collect();
    // The units' stored current values first, then the request's on top.
    let stored = stored
        .iter()
        .filter(|r| {
            chromaticity.is_chromaticity(r.characteristic_id()) && units.contains(&r.unit())
        })
        .map(|r| (r.unit(), r.characteristic_id(), r.value()));
    let points = chromaticity.points(stored.chain(new.iter().map(|&&(_, u, c, v)| (u, c, v))));
    chromaticity.derive_all(points.values().copied());
    new.iter()
        .filter_map(|&&(position, unit, _, _)| {
            let point = points.get(&unit)?;
            let error = chromaticity.derivation(*point).err()?;
            Some((
                position,
                Message::new("err-unit-chromaticity")
                    .arg("unit", unit)
                    .arg("x", point.x)
                    .arg("y", point.y)
                    .arg_message("reason", colour_message(error)),
            ))
        })
        .collect()
}

/// What is wrong with a value for this characteristic, if anything:
/// first whether it is a plausible reading at all.
pub(super) fn value_problem(
    characteristic: &Characteristic,
    value: f64,
    limits: &InputLimits,
) -> Option<Message> {
    if let Some(problem) = limits.reading_problem(value) {
        Some(problem)
    } else if characteristic.kind == Kind::Attribute && !is_attribute_value(value) {
        Some(Message::new("err-attribute-value"))
    } else if matches!(
        characteristic.quantity,
        Some(Quantity::CieX | Quantity::CieY)
    ) && !(0.0..1.0).contains(&value)
    {
        Some(Message::new("err-chromaticity-range"))
    } else {
        None
    }
}
