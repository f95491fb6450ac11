//! GS1 trade item numbers on products and cartons: GTIN-8, -12, -13
//! (EAN-13) and -14, each ending in a mod-10 check digit (GS1 General
//! Specifications, 7.9.1: from the right, digits are weighted 3, 1, 3, …;
//! the check digit brings the sum up to a multiple of ten).
//!
//! A hand-held scanner types what it reads followed by Enter, sometimes
//! with an AIM symbology identifier in front (`]E0` for EAN-13, `]C1` for
//! GS1-128) and, for GS1-128, the application identifier `01` before a
//! GTIN-14; [`Gtin::parse`] takes any of these.

use crate::domain::message::Message;

/// A GTIN whose check digit is right, held as its 14-digit form (shorter
/// GTINs padded with zeros on the left), so that a GTIN-13 on a product
/// and the same number in a GTIN-14 field compare equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Gtin(String);

/// What is wrong with a scanned or typed GTIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GtinProblem {
    NotDigits,
    /// Not 8, 12, 13 or 14 digits.
    Length(usize),
    CheckDigit {
        expected: u8,
        found: u8,
    },
}

impl Gtin {
    pub fn parse(scanned: &str) -> Result<Gtin, GtinProblem> {
        let digits = strip_scanner_framing(scanned.trim());
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(GtinProblem::NotDigits);
        }
        if ![8, 12, 13, 14].contains(&digits.len()) {
            return Err(GtinProblem::Length(digits.len()));
        }
        let (body, last) = digits.split_at(digits.len() - 1);
        let found = last.as_bytes()[0] - b'0';
        let expected = check_digit(body);
        if found != expected {
            return Err(GtinProblem::CheckDigit { expected, found });
        }
        Ok(Gtin(format!("{digits:0>14}")))
    }

    /// The 14-digit form.
    pub fn as_gtin14(&self) -> &str {
        &self.0
    }

    /// The number as printed under a retail barcode: the 14-digit form
    /// without the leading zeros that GTIN-13 and GTIN-8 do not carry.
    pub fn shown(&self) -> &str {
        let trimmed = self.0.trim_start_matches('0');
        match trimmed.len() {
            0..=8 => &self.0[6..],
            9..=13 => &self.0[1..],
            _ => &self.0,
        }
    }
}

/// The check digit of a GTIN's digits before it (GS1 mod 10).
pub fn check_digit(body: &str) -> u8 {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// The digits a scanner read, without an AIM symbology identifier
/// (`]` and two characters) and, for a GS1-128 element string, without
/// the application identifier `01` (written `(01)` by some scanners).
fn strip_scanner_framing(text: &str) -> String {
    let text = match text.strip_prefix(']') {
        Some(rest) => rest.get(2..).unwrap_or(""),
        None => text,
    };
    let text = text.replace(['(', ')', ' '], "");
    match text.strip_prefix("01") {
        Some(gtin14) if text.len() == 16 => gtin14.to_string(),
        _ => text,
    }
}

impl GtinProblem {
    /// What the problem says, in the catalogues' words.
    pub fn message(self) -> Message {
        match self {
            GtinProblem::NotDigits => Message::new("err-gtin-digits"),
            GtinProblem::Length(length) => Message::new("err-gtin-length").arg("length", length),
            GtinProblem::CheckDigit { expected, found } => Message::new("err-gtin-check-digit")
                .arg("expected", expected)
                .arg("found", found),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Worked examples published by GS1 member organisations: GS1 Global
    /// ("How to calculate a check digit manually", 629104150021 → 3),
    /// GS1 Sweden ("Så beräknas kontrollsiffran", 730001100001 → 7) and
    /// GS1 India ("How to calculate the Check Digit", 890400021003 → 7);
    /// the GTIN-14 40987650000223 is GS1's example of a GTIN-14 layout
    /// (indicator 4, check digit 3).
    #[test]
    fn check_digits_match_the_published_gs1_examples() {
        for (body, digit) in [
            ("629104150021", 3),
            ("730001100001", 7),
            ("890400021003", 7),
            ("4098765000022", 3),
        ] {
            assert_eq!(check_digit(body), digit, "{body}");
            let full = format!("{body}{digit}");
            assert!(Gtin::parse(&full).is_ok(), "{full}");
        }
    }

    #[test]
    fn a_wrong_check_digit_is_named_with_the_right_one() {
        assert_eq!(
            Gtin::parse("6291041500214"),
            Err(GtinProblem::CheckDigit {
                expected: 3,
                found: 4
            })
        );
        assert_eq!(Gtin::parse("62910415002"), Err(GtinProblem::Length(11)));
        assert_eq!(Gtin::parse("62910415002x"), Err(GtinProblem::NotDigits));
        assert_eq!(Gtin::parse(""), Err(GtinProblem::NotDigits));
    }

    #[test]
    fn scanner_framing_is_read_through_and_forms_compare_equal() {
        let ean13 = Gtin::parse("6291041500213").unwrap();
        assert_eq!(ean13.as_gtin14(), "06291041500213");
        assert_eq!(ean13.shown(), "6291041500213");
        assert_eq!(Gtin::parse("]E06291041500213\r\n").unwrap(), ean13);
        assert_eq!(Gtin::parse("06291041500213").unwrap(), ean13);
        assert_eq!(Gtin::parse("]C10106291041500213").unwrap(), ean13);
        assert_eq!(Gtin::parse("(01)06291041500213").unwrap(), ean13);
        let carton = Gtin::parse("40987650000223").unwrap();
        assert_eq!(carton.shown(), "40987650000223");
        assert_ne!(carton, ean13);
    }
}
