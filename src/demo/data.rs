//! The demo, described as data: who the customers are, what the factory
//! makes for them and how each product is inspected, the orders and their
//! batches, how the simulated instruments read, which defects the visual
//! inspection finds, the users, and the lead's decisions on the first order.
//!
//! To change the demo, change these tables: `load` walks them and stores
//! everything through the same use cases as the API. Plan seeds, readings
//! and inspections come from one random stream ([`SEED`]), drawn order by
//! order and batch by batch: an order added at the end leaves the earlier
//! ones as they were, while a change to a process or to the defect rates
//! changes every draw after it. The pictures in `docs/` and the ids that
//! `scripts/docs_images.sh` fetches come from the first order and product.

use crate::domain::access::Role;
use crate::domain::disposition::Meaning;
use crate::domain::product::VisualScope;
use crate::domain::template::{Kind, Limits, Quantity, Severity};

use Param::{Int, Number, Text};
use Quantity::{CctK, CieX, CieY, Duv, MacadamSteps};
use Severity::{Critical, Major, Minor};

/// The seed of the random stream behind plans, readings and inspections.
pub const SEED: u64 = 2026;

// ── Customers ──────────────────────────────────────────────────────────

pub const HELIOS: &str = "Helios Home Lighting Ltd";
pub const NORDLICHT: &str = "Nordlicht Leuchten GmbH";

/// The brand customers, in the order they are created. The first one's
/// presence means the demo is loaded.
pub const CUSTOMERS: &[&str] = &[HELIOS, NORDLICHT];

// ── Products ───────────────────────────────────────────────────────────

/// A product and its inspection template, with the process the demo's
/// instruments simulate for it.
pub struct Product {
    pub code: &'static str,
    pub name: &'static str,
    /// The customer an ODM design belongs to; `None` for a shared design.
    pub customer: Option<&'static str>,
    /// Technical parameters, in the order they are stored.
    pub params: &'static [(&'static str, Param)],
    /// Every unit gets the final visual inspection, or only the sample.
    pub visual_inspection: VisualScope,
    pub characteristics: &'static [Characteristic],
    /// How each recorded characteristic reads, in the order the inspector
    /// records them for a unit. Derived colour quantities are absent.
    pub process: &'static [Simulated],
}

/// A value of a product's technical parameters.
#[derive(Debug, Clone, Copy)]
pub enum Param {
    Int(i64),
    Number(f64),
    Text(&'static str),
}

/// One line of an inspection template.
#[derive(Debug, Clone, Copy)]
pub struct Characteristic {
    pub code: &'static str,
    pub name: &'static str,
    pub unit: &'static str,
    pub kind: Kind,
    pub nominal: Option<f64>,
    pub limits: Limits,
    pub severity: Severity,
    pub quantity: Option<Quantity>,
}

/// The family of the demo products, whose defect catalogue is [`DEFECTS`].
pub const FAMILY: &str = "led-lamp";

pub const A60_BULB: Product = Product {
    code: "HHL-A60-E27-9W-2700K",
    name: "A60 LED bulb E27 9 W 2700 K (Helios private label)",
    customer: Some(HELIOS),
    params: &[
        ("rated_power_w", Int(9)),
        ("rated_flux_lm", Int(806)),
        ("nominal_cct_k", Int(2700)),
        ("cri_min", Int(80)),
        ("beam_angle_deg", Int(220)),
        ("lamp_holder", Text("E27")),
        ("chip_model", Text("SMD2835 0.5 W")),
        ("rated_voltage", Text("220-240 V AC")),
        ("rated_life_h", Int(15000)),
        ("target_x", Number(0.4578)),
        ("target_y", Number(0.4101)),
    ],
    visual_inspection: VisualScope::All,
    // Chromaticity from the integrating sphere; CCT, Duv and MacAdam steps
    // derived per unit. ANSI C78.377 2700 K: 2725 ± 145 K, Duv 0 ± 0.006;
    // the customer asks for a 5-step ellipse around the 2700 K centre.
    #[rustfmt::skip]
    characteristics: &[
        //       code        name                                              unit     nominal limits                   severity
        variable("flux",     "Luminous flux",                                  "lm",    806.0,  between(725.0, 887.0),   Major),
        variable("power",    "Input power",                                    "W",     9.0,    between(8.1, 9.9),       Major),
        variable("cie_x",    "Chromaticity x",                                 "",      0.4578, NONE,                    Minor).colour(CieX),
        variable("cie_y",    "Chromaticity y",                                 "",      0.4101, NONE,                    Minor).colour(CieY),
        variable("cct",      "Correlated colour temperature",                  "K",     2725.0, between(2580.0, 2870.0), Major).colour(CctK),
        variable("duv",      "Duv",                                            "",      0.0,    between(-0.006, 0.006),  Major).colour(Duv),
        variable("sdcm",     "Colour consistency (MacAdam steps from target)", "steps", 0.0,    at_most(5.0),            Major).colour(MacadamSteps),
        variable("cri",      "Colour rendering index Ra",                      "Ra",    82.0,   at_least(80.0),          Major),
        variable("length",   "Overall length",                                 "mm",    108.0,  between(107.0, 109.0),   Minor),
        variable("diameter", "Bulb diameter",                                  "mm",    60.0,   between(59.5, 60.5),     Minor),
        attribute("lights_up",  "Lights up at rated voltage", Critical),
        attribute("no_flicker", "No visible flicker",         Major),
    ],
    #[rustfmt::skip]
    process: &[
        normal("flux",     812.0,  18.0,   1),
        normal("power",    8.95,   0.16,   2),
        normal("cie_x",    0.4590, 0.0016, 4),
        normal("cie_y",    0.4105, 0.0011, 4),
        normal("cri",      82.6,   0.9,    1),
        normal("length",   108.1,  0.22,   2),
        normal("diameter", 60.02,  0.11,   2),
        fails("lights_up",  0.002),
        fails("no_flicker", 0.01),
    ],
};

pub const GU10_SPOT: Product = Product {
    code: "GU10-5W-4000K-36D",
    name: "GU10 LED spot 5 W 4000 K 36°",
    customer: None,
    params: &[
        ("rated_power_w", Int(5)),
        ("rated_flux_lm", Int(400)),
        ("nominal_cct_k", Int(4000)),
        ("cri_min", Int(80)),
        ("beam_angle_deg", Int(36)),
        ("lamp_holder", Text("GU10")),
        ("chip_model", Text("COB 5 W")),
        ("rated_voltage", Text("220-240 V AC")),
        ("rated_life_h", Int(25000)),
    ],
    // The spot's customer accepts an AQL plan for the visual check.
    visual_inspection: VisualScope::Sample,
    // ANSI C78.377 4000 K: 3985 ± 275 K. This line's spectrometer reports
    // CCT only, so it is recorded directly.
    #[rustfmt::skip]
    characteristics: &[
        //       code          name                             unit  nominal  limits                    severity
        variable("flux",       "Luminous flux",                 "lm", 400.0,   between(360.0, 440.0),    Major),
        variable("power",      "Input power",                   "W",  5.0,     between(4.5, 5.5),        Major),
        variable("cct",        "Correlated colour temperature", "K",  3985.0,  between(3710.0, 4260.0),  Major).colour(CctK),
        variable("beam_angle", "Beam angle",                    "°",  36.0,    between(32.0, 40.0),      Minor),
        variable("diameter",   "Reflector diameter",            "mm", 50.0,    between(49.6, 50.4),      Minor),
        attribute("lights_up", "Lights up at rated voltage", Critical),
    ],
    #[rustfmt::skip]
    process: &[
        normal("flux",       405.0,  11.0, 1),
        normal("power",      5.04,   0.12, 2),
        normal("cct",        4010.0, 70.0, 0),
        normal("beam_angle", 36.4,   1.1,  1),
        normal("diameter",   50.05,  0.09, 2),
        fails("lights_up", 0.003),
    ],
};

/// The products, in the order they are created.
pub const PRODUCTS: &[Product] = &[A60_BULB, GU10_SPOT];

// ── Simulated instruments ──────────────────────────────────────────────

/// How the demo's instrument reads one characteristic of a unit.
#[derive(Debug, Clone, Copy)]
pub struct Simulated {
    pub code: &'static str,
    pub reading: Reading,
}

#[derive(Debug, Clone, Copy)]
pub enum Reading {
    /// A normal process around `mean` with spread `sd`, rounded to `decimals`.
    Normal { mean: f64, sd: f64, decimals: i32 },
    /// An attribute check that fails (reads 1) at this rate, else passes (0).
    FailRate(f64),
}

// ── Orders ─────────────────────────────────────────────────────────────

/// An order and its batches, in production order.
pub struct Order {
    pub po_number: &'static str,
    pub customer: &'static str,
    pub product: &'static str,
    /// The lot size of each batch; the order's quantity is their sum.
    pub lots: &'static [i64],
    /// The first batches have readings and visual inspections; the rest
    /// have their plan drawn but are not yet inspected.
    pub inspected: usize,
    pub sampling: Sampling,
}

/// How the batches of an order are sampled.
#[derive(Debug, Clone, Copy)]
pub enum Sampling {
    /// This share of each lot, in percent.
    Percent(f64),
    /// ISO 2859-1 at this AQL (level II, normal to start); each inspected
    /// lot's result feeds the switching rules, production being steady.
    Iso2859_1 { aql: f64 },
}

#[rustfmt::skip]
pub const ORDERS: &[Order] = &[
    Order { po_number: "HHL-PO-2026-0412", customer: HELIOS,    product: A60_BULB.code,  lots: &[3000, 3000, 3000, 3000], inspected: 3, sampling: Sampling::Percent(10.0) },
    Order { po_number: "NL-4500187733",    customer: NORDLICHT, product: GU10_SPOT.code, lots: &[2000, 2000, 1000],       inspected: 3, sampling: Sampling::Percent(10.0) },
    Order { po_number: "HHL-PO-2026-0498", customer: HELIOS,    product: GU10_SPOT.code, lots: &[1200, 1200],             inspected: 1, sampling: Sampling::Iso2859_1 { aql: 1.0 } },
];

/// Batches alternate between the production lines, starting with the first.
pub const LINES: &[&str] = &["L1", "L2"];

// ── Final visual inspection ────────────────────────────────────────────

/// A defect of the family's catalogue, and how often the simulated
/// inspection finds it on a unit.
pub struct Defect {
    pub code: &'static str,
    pub name: &'static str,
    /// The default severity.
    pub severity: Severity,
    /// The chance that a unit shows this defect.
    pub rate: f64,
}

/// The defect catalogue of LED lamps, weighted towards the cosmetic
/// defects as on a real line.
#[rustfmt::skip]
pub const DEFECTS: &[Defect] = &[
    Defect { code: "scratch",          name: "Scratch on bulb or housing",   severity: Minor,    rate: 0.012 },
    Defect { code: "coating_peeling",  name: "Coating peeling",              severity: Major,    rate: 0.006 },
    Defect { code: "dent",             name: "Dent in housing",              severity: Minor,    rate: 0.004 },
    Defect { code: "discolouration",   name: "Discolouration",               severity: Minor,    rate: 0.003 },
    Defect { code: "missing_marking",  name: "Missing or illegible marking", severity: Major,    rate: 0.002 },
    Defect { code: "loose_cap",        name: "Loose lamp cap",               severity: Major,    rate: 0.001 },
    Defect { code: "cracked_diffuser", name: "Cracked diffuser",             severity: Critical, rate: 0.0003 },
];

/// The share of found defects that show twice on the unit.
pub const TWICE: f64 = 0.2;

/// The inspector photographs the first few defective units of each batch.
pub const PHOTOS_PER_BATCH: usize = 3;

// ── Users ──────────────────────────────────────────────────────────────

/// A demo login.
#[derive(Debug, Clone, Copy)]
pub struct Login {
    pub username: &'static str,
    pub password: &'static str,
    pub role: Role,
    /// The customer a customer user belongs to.
    pub customer: Option<&'static str>,
}

/// One login per role.
#[rustfmt::skip]
pub const LOGINS: &[Login] = &[
    Login { username: "admin",     password: "demo-admin-2026",     role: Role::Admin,     customer: None },
    Login { username: "lead",      password: "demo-lead-2026",      role: Role::Lead,      customer: None },
    Login { username: "inspector", password: "demo-inspector-2026", role: Role::Inspector, customer: None },
    Login { username: "helios",    password: "demo-customer-2026",  role: Role::Customer,  customer: Some(HELIOS) },
];

// ── Decisions and the first report ─────────────────────────────────────

/// The lead's signed decisions on an order's batches, and the first issue
/// of its QC report, so the customer has a report to download.
pub struct SignOff {
    pub po_number: &'static str,
    /// The username of the signer, one of [`LOGINS`].
    pub signer: &'static str,
    /// One decision per batch, from the first; later batches stay open.
    pub decisions: &'static [(Meaning, &'static str)],
}

pub const SIGN_OFF: SignOff = SignOff {
    po_number: "HHL-PO-2026-0412",
    signer: "lead",
    decisions: &[
        (
            Meaning::ReleasedUnderConcession,
            "Flicker failures screened out and replaced; accepted by Helios QA (e-mail of 2026-11-03).",
        ),
        (
            Meaning::ReleasedUnderConcession,
            "One unit at CRI 79.9; accepted by Helios QA.",
        ),
        (
            Meaning::Rejected,
            "A unit failed to light up: the lot goes to 100% screening and returns as a new batch.",
        ),
    ],
};

// ── Table helpers ──────────────────────────────────────────────────────

const NONE: Limits = Limits {
    lsl: None,
    usl: None,
};

const fn between(lsl: f64, usl: f64) -> Limits {
    Limits {
        lsl: Some(lsl),
        usl: Some(usl),
    }
}

const fn at_least(lsl: f64) -> Limits {
    Limits {
        lsl: Some(lsl),
        usl: None,
    }
}

const fn at_most(usl: f64) -> Limits {
    Limits {
        lsl: None,
        usl: Some(usl),
    }
}

const fn variable(
    code: &'static str,
    name: &'static str,
    unit: &'static str,
    nominal: f64,
    limits: Limits,
    severity: Severity,
) -> Characteristic {
    Characteristic {
        code,
        name,
        unit,
        kind: Kind::Variable,
        nominal: Some(nominal),
        limits,
        severity,
        quantity: None,
    }
}

const fn attribute(code: &'static str, name: &'static str, severity: Severity) -> Characteristic {
    Characteristic {
        code,
        name,
        unit: "",
        kind: Kind::Attribute,
        nominal: None,
        limits: NONE,
        severity,
        quantity: None,
    }
}

impl Characteristic {
    /// The same line, standing for a colour quantity.
    const fn colour(self, quantity: Quantity) -> Self {
        Self {
            quantity: Some(quantity),
            ..self
        }
    }
}

const fn normal(code: &'static str, mean: f64, sd: f64, decimals: i32) -> Simulated {
    Simulated {
        code,
        reading: Reading::Normal { mean, sd, decimals },
    }
}

const fn fails(code: &'static str, rate: f64) -> Simulated {
    Simulated {
        code,
        reading: Reading::FailRate(rate),
    }
}

/// The product of an order, by its code.
pub fn product(code: &str) -> Option<&'static Product> {
    PRODUCTS.iter().find(|p| p.code == code)
}

/// The login of a user, by username.
pub fn login(username: &str) -> Option<&'static Login> {
    LOGINS.iter().find(|l| l.username == username)
}
