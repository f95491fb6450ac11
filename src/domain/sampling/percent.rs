//! The factory's habitual plan: a fixed percentage of each lot (10% by
//! default), rounded up, at least one unit and at most the whole lot.

use crate::domain::message::Message;

/// A sampling percentage with at most two decimals, held exactly in basis
/// points (1/100 of a percent) so that rounding never depends on binary
/// floating point: 10% of 30 units is 3 units, not `ceil(3.0000000000000004)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Percent {
    basis_points: u32,
}

impl Percent {
    pub const DEFAULT: Percent = Percent {
        basis_points: 1_000,
    };

    /// Accepts 0.01 ..= 100 with at most two decimals.
    pub fn parse(percent: f64) -> Result<Self, Message> {
        if !percent.is_finite() || percent <= 0.0 || percent > 100.0 {
            return Err(Message::new("err-percent-range"));
        }
        let scaled = percent * 100.0;
        let basis_points = scaled.round();
        if (scaled - basis_points).abs() > 1e-6 || basis_points < 1.0 {
            return Err(Message::new("err-percent-decimals"));
        }
        Ok(Self {
            basis_points: basis_points as u32,
        })
    }

    pub fn as_f64(self) -> f64 {
        f64::from(self.basis_points) / 100.0
    }

    /// `ceil(lot_size × percent / 100)`, clamped to `1..=lot_size`.
    pub fn sample_size(self, lot_size: u32) -> u32 {
        let product = u64::from(lot_size) * u64::from(self.basis_points);
        let rounded_up = product.div_ceil(10_000);
        rounded_up.clamp(1, u64::from(lot_size)) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(percent: f64, lot: u32) -> u32 {
        Percent::parse(percent).unwrap().sample_size(lot)
    }

    #[test]
    fn ten_percent_rounds_up_exactly() {
        // 30 × 0.1 is 3.0000000000000004 in binary floating point; the plan is 3.
        assert_eq!(size(10.0, 30), 3);
        assert_eq!(size(10.0, 31), 4);
        assert_eq!(size(10.0, 500), 50);
        assert_eq!(size(10.0, 1501), 151);
        assert_eq!(Percent::DEFAULT.sample_size(1000), 100);
    }

    #[test]
    fn at_least_one_at_most_the_lot() {
        assert_eq!(size(10.0, 1), 1);
        assert_eq!(size(10.0, 5), 1);
        assert_eq!(size(0.01, 3), 1);
        assert_eq!(size(100.0, 7), 7);
        assert_eq!(size(2.5, 200), 5);
        assert_eq!(size(33.33, 10_000_000), 3_333_000);
    }

    #[test]
    fn refuses_out_of_range_and_fine_fractions() {
        for bad in [0.0, -1.0, 100.01, f64::NAN, f64::INFINITY, 10.001, 0.004] {
            assert!(Percent::parse(bad).is_err(), "{bad} should be refused");
        }
        assert_eq!(Percent::parse(12.5).unwrap().as_f64(), 12.5);
    }
}
