//! One pass over the batches of an order (or of one batch): each batch's
//! readings are read once ([`batch_readings`]) and every chart's numbers
//! are taken from that read; per batch only summaries are kept, so memory
//! stays flat however many batches and readings the order has.
//!
//! The report ([`crate::service::reports`]) runs the pass itself, batch by
//! batch, as it also needs each batch's statistics and disposition from
//! the same read; the order and batch chart routes
//! ([`crate::service::charts`]) run it through [`Tally::over`].

use super::batches::Batch;
use super::catalog::{Characteristic, Product};
use super::colour::{batch_readings, BatchReadings, Chromaticity, UnitValue};
use super::yields::unit_counts;
use crate::charts::histogram::FineBins;
use crate::charts::yields::YieldPoint;
use crate::domain::colorimetry::Xy;
use crate::domain::stats::Running;
use crate::error::AppResult;
use crate::store::visual::{inspections_of_batch, InspectionRow};
use crate::store::DbConnection;
use std::collections::BTreeMap;

/// The most units a chromaticity chart draws from a random sample (see
/// [`UnitSample`]).
pub const CHART_UNITS: usize = 2_000;

/// What a pass gathers.
#[derive(Debug, Clone, Default)]
pub struct Wanted<'a> {
    /// Histograms and running moments of these characteristics.
    pub characteristics: Vec<&'a Characteristic>,
    /// The units' chromaticity (when the product records it).
    pub chromaticity: bool,
    /// First-pass and final yield per batch (reads the visual inspections too).
    pub yields: bool,
}

/// One characteristic's numbers over the pass: its histogram, exact for
/// the bars drawn without knowing the range in advance, and its count,
/// mean, standard deviation and range.
#[derive(Debug, Clone)]
pub struct CharacteristicTally {
    pub characteristic: Characteristic,
    pub bins: FineBins,
    pub running: Running,
}

/// (batch number, first-pass yield, final yield).
type BatchYield = (i32, Option<f64>, Option<f64>);

/// What one pass over batches gathered.
#[derive(Debug, Clone)]
pub struct Tally {
    pub characteristics: Vec<CharacteristicTally>,
    /// `None` when not wanted or when the product records no chromaticity.
    pub chromaticity: Option<UnitSample>,
    chromaticity_of: Option<Chromaticity>,
    /// `None` when not wanted.
    yields: Option<Vec<BatchYield>>,
}

impl Tally {
    pub fn new(product: &Product, wanted: &Wanted) -> AppResult<Self> {
        let chromaticity_of = if wanted.chromaticity {
            Chromaticity::of(product)?
        } else {
            None
        };
        Ok(Tally {
            characteristics: wanted
                .characteristics
                .iter()
                .map(|&c| CharacteristicTally {
                    characteristic: c.clone(),
                    bins: FineBins::default(),
                    running: Running::default(),
                })
                .collect(),
            chromaticity: chromaticity_of.as_ref().map(|_| UnitSample::default()),
            chromaticity_of,
            yields: wanted.yields.then(Vec::new),
        })
    }

    /// The pass over `batches`: each batch's readings read once (and its
    /// visual inspections once when yields are wanted).
    pub fn over(
        conn: &mut DbConnection,
        product: &Product,
        batches: &[Batch],
        wanted: &Wanted,
    ) -> AppResult<Self> {
        let mut tally = Tally::new(product, wanted)?;
        for batch in batches {
            let readings = batch_readings(conn, batch.id, product)?;
            let inspections = if wanted.yields {
                inspections_of_batch(conn, batch.id, None)?
            } else {
                Vec::new()
            };
            tally.add_batch(batch, product, &readings, &inspections);
        }
        Ok(tally)
    }

    /// Takes one batch's readings (and every one of its visual
    /// inspections, for the yields) into every section.
    pub fn add_batch(
        &mut self,
        batch: &Batch,
        product: &Product,
        readings: &BatchReadings,
        inspections: &[InspectionRow],
    ) {
        self.add_values(batch.id, &readings.current);
        if let Some(yields) = &mut self.yields {
            let (units, first, last) = unit_counts(product, readings, inspections);
            let share = |passed: i64| (units > 0).then(|| passed as f64 / units as f64);
            yields.push((batch.number, share(first), share(last)));
        }
    }

    fn add_values(&mut self, batch_id: i64, values: &[UnitValue]) {
        if !self.characteristics.is_empty() {
            let index: BTreeMap<i64, usize> = self
                .characteristics
                .iter()
                .enumerate()
                .map(|(i, c)| (c.characteristic.id, i))
                .collect();
            for value in values {
                if let Some(&i) = index.get(&value.characteristic_id) {
                    let tally = &mut self.characteristics[i];
                    tally.bins.add(value.value);
                    tally.running.add(value.value);
                }
            }
        }
        if let (Some(of), Some(sample)) = (&self.chromaticity_of, &mut self.chromaticity) {
            let points = of.points(
                values
                    .iter()
                    .map(|v| (v.unit, v.characteristic_id, v.value)),
            );
            for (unit, point) in points {
                sample.add(batch_id, unit, point);
            }
        }
    }

    /// (batch label, first-pass yield, final yield) in batch-number order.
    pub fn yield_points(&self) -> Vec<YieldPoint> {
        let mut yields = self.yields.clone().unwrap_or_default();
        yields.sort_by_key(|y| y.0);
        yields
            .into_iter()
            .map(|(number, first, last)| (format!("B{number}"), first, last))
            .collect()
    }
}

/// The units a chromaticity chart draws, bounded: a deterministic random
/// sample of at most [`CHART_UNITS`] units (those whose hash of batch id
/// and unit number is smallest, so the same data always draw the same
/// points and every unit has the same chance), plus the units furthest
/// left, right, down and up, so the chart's window still reaches every
/// unit and no outlier is hidden. A diagram 640 px wide shows a cloud of
/// a million points no better than one of a few thousand; the title says
/// how many of how many units are drawn.
#[derive(Debug, Clone, Default)]
pub struct UnitSample {
    sample: BTreeMap<u64, Xy>,
    /// Lowest x, highest x, lowest y, highest y.
    extremes: [Option<Xy>; 4],
    seen: u64,
}

/// SplitMix64's finaliser (Steele, Lea, Flood 2014): a fixed, well-mixed
/// hash, the same on every machine.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl UnitSample {
    pub fn add(&mut self, batch_id: i64, unit: i64, point: Xy) {
        self.seen += 1;
        let key = mix(mix(batch_id as u64) ^ unit as u64);
        self.sample.insert(key, point);
        if self.sample.len() > CHART_UNITS {
            self.sample.pop_last();
        }
        let beyond = [
            |p: Xy, e: Xy| p.x < e.x,
            |p: Xy, e: Xy| p.x > e.x,
            |p: Xy, e: Xy| p.y < e.y,
            |p: Xy, e: Xy| p.y > e.y,
        ];
        for (extreme, beyond) in self.extremes.iter_mut().zip(beyond) {
            if extreme.is_none_or(|e| beyond(point, e)) {
                *extreme = Some(point);
            }
        }
    }

    /// Units measured, drawn or not.
    pub fn seen(&self) -> u64 {
        self.seen
    }

    /// The points to draw: every unit when there are at most
    /// [`CHART_UNITS`], else the sample and the extremes.
    pub fn points(&self) -> Vec<Xy> {
        let mut points: Vec<Xy> = self.sample.values().copied().collect();
        if self.seen as usize > points.len() {
            for extreme in self.extremes.iter().flatten() {
                if !points.contains(extreme) {
                    points.push(*extreme);
                }
            }
        }
        points
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_sample_keeps_every_unit_of_a_small_order_and_bounds_a_large_one() {
        let mut small = UnitSample::default();
        for unit in 0..50 {
            small.add(
                1,
                unit,
                Xy {
                    x: 0.45,
                    y: 0.41 + unit as f64 * 1e-4,
                },
            );
        }
        assert_eq!(small.points().len(), 50);
        let mut large = UnitSample::default();
        let mut again = UnitSample::default();
        for batch in 1..=40 {
            for unit in 0..500 {
                let p = Xy {
                    x: 0.45 + ((batch * 500 + unit) as f64 * 0.37).sin() * 0.01,
                    y: 0.41,
                };
                large.add(batch, unit, p);
                again.add(batch, unit, p);
            }
        }
        large.add(41, 1, Xy { x: 0.6, y: 0.2 });
        let points = large.points();
        assert_eq!(large.seen(), 20_001);
        assert!(points.len() <= CHART_UNITS + 4, "{}", points.len());
        assert!(
            points.contains(&Xy { x: 0.6, y: 0.2 }),
            "the outlier is drawn"
        );
        again.add(41, 1, Xy { x: 0.6, y: 0.2 });
        assert_eq!(points, again.points(), "the same data draw the same points");
    }
}
