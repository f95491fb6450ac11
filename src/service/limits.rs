//! Bounds on what one request or file may make the service store or
//! compute, set once per process (`--max-reading`, `--max-lot-size`,
//! `--max-sample-size`) and checked where the values enter.
//!
//! - **Readings** lie within ±[`DEFAULT_MAX_READING`] (10⁹) by default. The
//!   quantities a lamp factory records stay far below it in their usual
//!   units: luminous flux up to about 10⁶ lm (a stadium floodlight gives
//!   2·10⁵), power up to 10⁴ W, colour temperature up to 10⁵ K, lengths up
//!   to 10⁴ mm, chromaticity x/y within 0–1. A larger number is a typo or
//!   an instrument's overflow marker (SCPI instruments answer 9.91e37), and
//!   numbers up to 1e308 pass as finite: their sums and squares overflow
//!   to infinity. Within 10⁹ the sum of a million readings stays below
//!   2⁵³, where doubles still hold whole numbers exactly. The setting
//!   goes up to 10¹⁵ for other quantities.
//! - **A lot** has at most [`DEFAULT_MAX_LOT_SIZE`] units (10⁶). The largest
//!   lot-size row of ISO 2859-1 starts at 500,001, and one lot of lamps is
//!   a shift's or a day's output, tens of thousands of units. Lots of up
//!   to [`LotSize::MAX`] stored before this bound stay readable.
//! - **A drawn sample** has at most [`DEFAULT_MAX_SAMPLE_SIZE`] units
//!   (200,000): each drawn unit is a stored row and a number in every
//!   answer about the plan, so a plan of 100% on a lot of ten million held
//!   the database writer for over a minute and answered 79 MB; 200,000
//!   units store in about 1.5 s (a debug build on SQLite) and answer
//!   1.4 MB. ISO 2859-1 samples at most 2,000 units, so the setting cannot
//!   go below that.

use crate::domain::sampling::LotSize;
use crate::error::{AppError, AppResult, ErrorCode, Message};

pub const DEFAULT_MAX_READING: f64 = 1e9;
/// The largest `--max-reading` accepted.
pub const MAX_READING_SETTING: f64 = 1e15;
pub const DEFAULT_MAX_LOT_SIZE: u32 = 1_000_000;
pub const DEFAULT_MAX_SAMPLE_SIZE: u32 = 200_000;
/// The smallest `--max-sample-size` accepted: the largest ISO 2859-1
/// sample (code letter R, 2,000 units).
pub const MIN_SAMPLE_SETTING: u32 = 2_000;

/// The bounds in force (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InputLimits {
    max_reading: f64,
    max_lot_size: u32,
    max_sample_size: u32,
}

impl Default for InputLimits {
    fn default() -> Self {
        Self {
            max_reading: DEFAULT_MAX_READING,
            max_lot_size: DEFAULT_MAX_LOT_SIZE,
            max_sample_size: DEFAULT_MAX_SAMPLE_SIZE,
        }
    }
}

impl InputLimits {
    /// The bounds, each checked against what the service can hold.
    pub fn new(max_reading: f64, max_lot_size: u32, max_sample_size: u32) -> Result<Self, String> {
        if max_reading.is_nan() || max_reading <= 0.0 || max_reading > MAX_READING_SETTING {
            return Err(format!(
                "the largest reading must be greater than 0 and at most {MAX_READING_SETTING:e}"
            ));
        }
        if !(1..=LotSize::MAX).contains(&max_lot_size) {
            return Err(format!(
                "the largest lot must be between 1 and {} units",
                LotSize::MAX
            ));
        }
        if !(MIN_SAMPLE_SETTING..=LotSize::MAX).contains(&max_sample_size) {
            return Err(format!(
                "the largest sample must be between {MIN_SAMPLE_SETTING} and {} units",
                LotSize::MAX
            ));
        }
        Ok(Self {
            max_reading,
            max_lot_size,
            max_sample_size,
        })
    }

    pub fn max_reading(&self) -> f64 {
        self.max_reading
    }

    pub fn max_lot_size(&self) -> u32 {
        self.max_lot_size
    }

    pub fn max_sample_size(&self) -> u32 {
        self.max_sample_size
    }

    /// What is wrong with a reading's value, if anything.
    pub fn reading_problem(&self, value: f64) -> Option<Message> {
        if !value.is_finite() {
            Some(Message::new("err-not-finite"))
        } else if value.abs() > self.max_reading {
            Some(
                Message::new("err-implausible-reading")
                    .arg("max", format!("{:e}", self.max_reading)),
            )
        } else {
            None
        }
    }

    /// The size of a new lot.
    pub fn lot_size(&self, value: i64) -> Result<LotSize, Message> {
        if (1..=i64::from(self.max_lot_size)).contains(&value) {
            LotSize::parse(value)
        } else {
            Err(Message::new("err-lot-size").arg("max", self.max_lot_size))
        }
    }

    /// What is wrong with drawing `sample` units of a lot of `lot`, if anything.
    pub fn sample_problem(&self, sample: u32, lot: u32) -> Option<Message> {
        (sample > self.max_sample_size).then(|| {
            let most = u64::from(self.max_sample_size) * 10_000 / u64::from(lot.max(1));
            Message::new("err-sample-too-large")
                .arg("sample", sample)
                .arg("lot", lot)
                .arg("most", self.max_sample_size)
                .arg("percent", format!("{}.{:02}", most / 100, most % 100))
        })
    }
}

/// The largest magnitude a chart or a control limit is computed from.
/// Readings are refused far below it, but some may have been stored before
/// they were checked: within ±1e300 every span, padding and control limit
/// of a chart stays a finite number, beyond it the figures overflow.
pub const MAX_CHARTED: f64 = 1e300;

/// Refuses to chart the readings of `code` when one lies beyond
/// ±[`MAX_CHARTED`] (409 `readings-out-of-range`): only readings stored
/// before their range was checked can.
pub fn chartable(code: &str, values: impl IntoIterator<Item = f64>) -> AppResult<()> {
    match values
        .into_iter()
        .find(|v| v.is_nan() || v.abs() > MAX_CHARTED)
    {
        None => Ok(()),
        Some(value) => Err(AppError::conflict(
            ErrorCode::ReadingsOutOfRange,
            Message::new("err-reading-too-large-to-chart")
                .arg("code", code)
                .arg("value", format!("{value:e}"))
                .arg("max", format!("{MAX_CHARTED:e}")),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_lots_and_samples_are_bounded() {
        let limits = InputLimits::default();
        assert_eq!(limits.reading_problem(1e9), None);
        assert_eq!(limits.reading_problem(-1e9), None);
        assert_eq!(limits.reading_problem(0.0), None);
        for bad in [
            1e308,
            -1e308,
            1.000_000_1e9,
            f64::MAX,
            f64::INFINITY,
            f64::NAN,
        ] {
            assert!(limits.reading_problem(bad).is_some(), "{bad}");
        }
        assert!(limits
            .reading_problem(2e9)
            .unwrap()
            .in_language(crate::domain::language::Lang::En)
            .contains("between -1e9 and 1e9"));
        assert_eq!(limits.lot_size(1_000_000).unwrap().get(), 1_000_000);
        for bad in [0, -1, 1_000_001, 10_000_000, i64::MAX] {
            assert!(limits.lot_size(bad).is_err(), "{bad}");
        }
        assert_eq!(limits.sample_problem(200_000, 1_000_000), None);
        assert_eq!(
            limits
                .sample_problem(10_000_000, 10_000_000)
                .unwrap()
                .to_string(),
            "would draw 10000000 units of the lot of 10000000; a plan draws at most 200000 \
             (here at most 2.00%)"
        );
    }

    #[test]
    fn settings_stay_within_what_the_service_holds() {
        assert!(InputLimits::new(1e15, 10_000_000, 2_000).is_ok());
        assert!(InputLimits::new(1e16, 1_000, 2_000).is_err());
        assert!(InputLimits::new(0.0, 1_000, 2_000).is_err());
        assert!(InputLimits::new(f64::NAN, 1_000, 2_000).is_err());
        assert!(InputLimits::new(1e9, 0, 2_000).is_err());
        assert!(InputLimits::new(1e9, 10_000_001, 2_000).is_err());
        assert!(InputLimits::new(1e9, 1_000, 1_999).is_err());
    }
}
