//! Sampling plans: how many units of a batch are inspected, and which.

pub mod draw;
pub mod iso2859;
pub mod oc;
pub mod percent;
pub mod plan;
pub mod switching;

pub use draw::{draw_units, Seed, DRAW_ALGORITHM};
pub use percent::Percent;

use crate::domain::message::Message;

/// The size of a production lot (batch), in units numbered `1..=lot_size`.
///
/// The upper bound keeps a lot far inside `u32` and the draw's memory small;
/// no single production batch comes near it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LotSize(u32);

impl LotSize {
    pub const MAX: u32 = 10_000_000;

    pub fn parse(value: i64) -> Result<Self, Message> {
        if (1..=i64::from(Self::MAX)).contains(&value) {
            Ok(Self(value as u32))
        } else {
            Err(Message::new("err-lot-size").arg("max", Self::MAX))
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }

    /// Whether `unit` is a unit number of this lot.
    pub fn contains(self, unit: i64) -> bool {
        (1..=i64::from(self.0)).contains(&unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lot_size_bounds() {
        assert!(LotSize::parse(0).is_err());
        assert!(LotSize::parse(-5).is_err());
        assert_eq!(LotSize::parse(1).unwrap().get(), 1);
        assert!(LotSize::parse(i64::from(LotSize::MAX) + 1).is_err());
        let lot = LotSize::parse(50).unwrap();
        assert!(lot.contains(1) && lot.contains(50));
        assert!(!lot.contains(0) && !lot.contains(51));
    }
}
