//! What every reading is checked against, whether it comes in a request or
//! in an instrument's file: the batch's lot, drawn units and template.

use super::frames::{read_frame, BatchFrame};
use crate::domain::template::{is_attribute_value, Kind, Quantity};
use crate::error::{AppResult, Message, Violations, Words};
use crate::service::catalog::Characteristic;
use crate::service::colour::{colour_message, Chromaticity};
use crate::service::limits::InputLimits;
use crate::store::measurements::{self as store, Version};
use crate::store::sampling;
use crate::store::DbConnection;
use std::collections::BTreeSet;
use std::sync::Arc;

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

/// The batch's lot, drawn units and template: what every reading is
/// checked against. The frame's fields (`batch_id`, `template`, …) are
/// read through it.
pub(in crate::service) struct Context {
    frame: Arc<BatchFrame>,
    /// The drawn units among those asked for ([`Units`]).
    drawn: foldhash::HashSet<i64>,
    /// How the product's colour is derived, remembering what this request
    /// or file derives.
    pub chromaticity: Option<Chromaticity>,
    /// The bounds a reading's value is checked against.
    pub limits: InputLimits,
}

impl std::ops::Deref for Context {
    type Target = BatchFrame;

    fn deref(&self) -> &BatchFrame {
        &self.frame
    }
}

/// The batch's context, its frame read afresh.
pub(in crate::service) fn context(
    conn: &mut DbConnection,
    batch_id: i64,
    limits: &InputLimits,
    units: Units,
) -> AppResult<Context> {
    let frame = Arc::new(read_frame(conn, batch_id)?);
    context_in(conn, frame, limits, units)
}

/// The batch's context around its `frame`: the drawn units looked up.
pub(in crate::service) fn context_in(
    conn: &mut DbConnection,
    frame: Arc<BatchFrame>,
    limits: &InputLimits,
    units: Units,
) -> AppResult<Context> {
    let drawn = match units {
        Units::Only(units) => sampling::drawn_among(conn, frame.plan_id, units)?,
        Units::All => sampling::units_of_plan(conn, frame.plan_id)?,
    };
    Ok(Context {
        chromaticity: frame.colour.as_ref().map(Chromaticity::with_own_memory),
        frame,
        drawn: drawn.into_iter().collect(),
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
