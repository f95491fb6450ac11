//! A product's inspection template: what is checked on each sampled unit,
//! against which limits, and how much a failure weighs.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Variable characteristics are measured on a continuous scale (lumens,
/// watts, millimetres); attribute ones are judged pass (0) or fail (1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Variable,
    Attribute,
}

/// Classes of nonconformity as ISO 2859-1 (clause 3.1.8) groups them,
/// ordered from the gravest.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    Major,
    Minor,
}

macro_rules! text_enum {
    ($ty:ty { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some(Self::$variant),)+ _ => None }
            }
        }
    };
}

/// Colour quantities a characteristic can stand for. Chromaticity x and y
/// are measured; CCT, Duv and MacAdam steps are derived from them per unit
/// when the product records x and y, and measured directly otherwise (an
/// instrument that reports only CCT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    CieX,
    CieY,
    CctK,
    Duv,
    MacadamSteps,
}

impl Quantity {
    /// Whether the quantity can be computed from chromaticity x and y.
    pub fn is_derivable(self) -> bool {
        matches!(self, Self::CctK | Self::Duv | Self::MacadamSteps)
    }
}

text_enum!(Kind { Variable => "variable", Attribute => "attribute" });
text_enum!(Quantity {
    CieX => "cie_x",
    CieY => "cie_y",
    CctK => "cct_k",
    Duv => "duv",
    MacadamSteps => "macadam_steps",
});
text_enum!(Severity { Critical => "critical", Major => "major", Minor => "minor" });

/// Specification limits of a variable characteristic; either may be open.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Limits {
    pub lsl: Option<f64>,
    pub usl: Option<f64>,
}

impl Limits {
    /// Whether a value lies outside the limits (a value on a limit conforms).
    pub fn is_outside(&self, value: f64) -> bool {
        self.lsl.is_some_and(|lsl| value < lsl) || self.usl.is_some_and(|usl| value > usl)
    }
}

/// An attribute reading: 0 is a pass, 1 a fail.
pub fn is_attribute_value(value: f64) -> bool {
    value == 0.0 || value == 1.0
}

/// A validated template line. Field errors name the field relative to the
/// characteristic (`code`, `lsl`, …) so the caller can prefix its position.
#[derive(Debug, Clone, PartialEq)]
pub struct CharacteristicSpec {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub kind: Kind,
    pub nominal: Option<f64>,
    pub limits: Limits,
    pub severity: Severity,
    pub quantity: Option<Quantity>,
}

/// What can be wrong with a characteristic of a template; its `Display` is
/// the English sentence, and the catalogues word each (`err-template-…`).
#[derive(Debug, Clone, PartialEq)]
pub enum TemplateProblem {
    BadCode,
    EmptyName,
    Control(super::text::ControlCharacter),
    QuantityNotVariable,
    AttributeHasLimits,
    UslNotAboveLsl { lsl: f64 },
    NominalOutside,
}

impl std::fmt::Display for TemplateProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TemplateProblem::BadCode => write!(
                f,
                "must be 1 to {} characters of letters, digits, '_', '-' or '.'",
                CharacteristicSpec::MAX_CODE_LEN
            ),
            TemplateProblem::EmptyName => f.write_str("must not be empty"),
            TemplateProblem::Control(found) => found.fmt(f),
            TemplateProblem::QuantityNotVariable => {
                f.write_str("a colour quantity is measured on a scale: kind must be variable")
            }
            TemplateProblem::AttributeHasLimits => {
                f.write_str("an attribute characteristic is judged pass/fail and has no limits")
            }
            TemplateProblem::UslNotAboveLsl { lsl } => {
                write!(f, "must be greater than lsl ({lsl})")
            }
            TemplateProblem::NominalOutside => f.write_str("must lie within lsl and usl"),
        }
    }
}

impl CharacteristicSpec {
    pub const MAX_CODE_LEN: usize = 40;

    /// Checks a characteristic and answers every problem found as
    /// `(field, problem)` pairs.
    pub fn validate(&self) -> Vec<(&'static str, TemplateProblem)> {
        let mut problems = Vec::new();
        let code_ok = !self.code.is_empty()
            && self.code.len() <= Self::MAX_CODE_LEN
            && self
                .code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !code_ok {
            problems.push(("code", TemplateProblem::BadCode));
        }
        if self.name.trim().is_empty() {
            problems.push(("name", TemplateProblem::EmptyName));
        }
        for (field, text) in [("name", &self.name), ("unit", &self.unit)] {
            if let Err(found) = super::text::check(text, super::text::TextKind::Line) {
                problems.push((field, TemplateProblem::Control(found)));
            }
        }
        if self.quantity.is_some() && self.kind != Kind::Variable {
            problems.push(("quantity", TemplateProblem::QuantityNotVariable));
        }
        let Limits { lsl, usl } = self.limits;
        match self.kind {
            Kind::Attribute => {
                for (field, value) in [("nominal", self.nominal), ("lsl", lsl), ("usl", usl)] {
                    if value.is_some() {
                        problems.push((field, TemplateProblem::AttributeHasLimits));
                    }
                }
            }
            Kind::Variable => {
                if let (Some(lsl), Some(usl)) = (lsl, usl) {
                    if lsl >= usl {
                        problems.push(("usl", TemplateProblem::UslNotAboveLsl { lsl }));
                    }
                }
                if let Some(nominal) = self.nominal {
                    if self.limits.is_outside(nominal) {
                        problems.push(("nominal", TemplateProblem::NominalOutside));
                    }
                }
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flux() -> CharacteristicSpec {
        CharacteristicSpec {
            code: "flux".into(),
            name: "Luminous flux".into(),
            unit: "lm".into(),
            kind: Kind::Variable,
            nominal: Some(806.0),
            limits: Limits {
                lsl: Some(725.0),
                usl: Some(887.0),
            },
            severity: Severity::Major,
            quantity: None,
        }
    }

    #[test]
    fn a_sound_template_line_passes() {
        assert!(flux().validate().is_empty());
    }

    #[test]
    fn crossed_limits_and_stray_nominal_are_named() {
        let mut spec = flux();
        spec.limits.lsl = Some(900.0);
        spec.nominal = Some(950.0);
        let fields: Vec<_> = spec.validate().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["usl", "nominal"]);
    }

    #[test]
    fn attributes_carry_no_limits() {
        let mut spec = flux();
        spec.kind = Kind::Attribute;
        spec.nominal = None;
        spec.limits.usl = None;
        let fields: Vec<_> = spec.validate().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["lsl"]);
    }

    #[test]
    fn codes_are_plain() {
        let mut spec = flux();
        spec.code = "flux lm".into();
        assert_eq!(spec.validate()[0].0, "code");
    }

    #[test]
    fn limits_include_their_edges() {
        let limits = flux().limits;
        assert!(!limits.is_outside(725.0) && !limits.is_outside(887.0));
        assert!(limits.is_outside(724.99) && limits.is_outside(887.01));
        assert!(!Limits::default().is_outside(1e300));
    }

    #[test]
    fn text_round_trip() {
        for kind in [Kind::Variable, Kind::Attribute] {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        }
        for severity in [Severity::Critical, Severity::Major, Severity::Minor] {
            assert_eq!(Severity::parse(severity.as_str()), Some(severity));
        }
        assert_eq!(Kind::parse("Variable"), None);
    }
}
