//! A realistic demo: two brand customers, an ODM bulb and a shared spot
//! design with their templates, orders in several batches, plans drawn and
//! readings recorded, so every page and report has data. Loaded through the
//! same use cases as the API, so it obeys every rule a client does.

use super::accounts::{add_user, NewUser};
use super::audit::Actor;
use super::batches::{create_batch, NewBatch};
use super::catalog::{
    create_customer, create_product, NewCharacteristic, NewCustomer, NewProduct, Product,
    VisualScope,
};
use super::measurements::{record, MeasurementInput, RecordMeasurements};
use super::orders::{create_order, NewOrder};
use super::photos;
use super::sampling::{draw_plan, PlanRequest};
use super::switching::{record_lot_result, LotResultRequest};
use super::visual::{self, DefectInput, InspectionInput, NewDefectType, RecordInspections};
use crate::domain::access::Role;
use crate::domain::sampling::plan::Method;
use crate::domain::template::{Kind, Quantity, Severity};
use crate::error::{AppResult, OrInternal};
use crate::store::accounts::find_user_by_name;
use crate::store::catalog::list_customers;
use crate::store::{DbConnection, PageRequest};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde_json::json;

/// The demo products' family, with its defect catalogue.
const LAMP_FAMILY: &str = "led-lamp";

/// The first demo customer's name; its presence means the demo is loaded.
const FIRST_CUSTOMER: &str = "Helios Home Lighting Ltd";

fn variable(
    code: &str,
    name: &str,
    unit: &str,
    nominal: f64,
    lsl: Option<f64>,
    usl: Option<f64>,
    severity: Severity,
) -> NewCharacteristic {
    NewCharacteristic {
        code: code.into(),
        name: name.into(),
        unit: unit.into(),
        kind: Kind::Variable,
        nominal: Some(nominal),
        lsl,
        usl,
        severity,
        quantity: None,
    }
}

/// A variable characteristic that stands for a colour quantity.
fn colour(quantity: Quantity, line: NewCharacteristic) -> NewCharacteristic {
    NewCharacteristic {
        quantity: Some(quantity),
        ..line
    }
}

fn attribute(code: &str, name: &str, severity: Severity) -> NewCharacteristic {
    NewCharacteristic {
        code: code.into(),
        name: name.into(),
        unit: String::new(),
        kind: Kind::Attribute,
        nominal: None,
        lsl: None,
        usl: None,
        severity,
        quantity: None,
    }
}

/// How the demo's simulated instrument reads one characteristic: a normal
/// process around `mean` with spread `sd`, or a fail rate for attributes.
struct Simulated {
    code: &'static str,
    mean: f64,
    sd: f64,
    decimals: i32,
}

fn simulated_reading(rng: &mut ChaCha20Rng, sim: &Simulated) -> f64 {
    if sim.sd == 0.0 {
        // Attribute: `mean` is the fail rate.
        return if rng.random::<f64>() < sim.mean {
            1.0
        } else {
            0.0
        };
    }
    // Box–Muller transform of two uniforms to a standard normal deviate.
    let (u1, u2): (f64, f64) = (rng.random::<f64>().max(f64::MIN_POSITIVE), rng.random());
    let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    let scale = 10f64.powi(sim.decimals);
    ((sim.mean + sim.sd * z) * scale).round() / scale
}

struct DemoOrder {
    customer_id: i64,
    product: Product,
    po_number: &'static str,
    lots: &'static [i64],
    /// Batches with readings; the rest are planned but not yet inspected.
    inspected: usize,
    /// Plans by ISO 2859-1 at this AQL (level II), instead of 10%.
    iso_aql: Option<f64>,
    process: &'static [Simulated],
}

pub fn load(conn: &mut DbConnection) -> AppResult<String> {
    let first_page = PageRequest {
        page: 1,
        per_page: 50,
    };
    let actor = Actor::system("demo");
    if list_customers(conn, None, first_page)?
        .items
        .iter()
        .any(|c| c.name == FIRST_CUSTOMER)
    {
        return Ok("demo data already present".into());
    }
    let helios = create_customer(
        conn,
        &actor,
        NewCustomer {
            name: FIRST_CUSTOMER.into(),
        },
    )?;
    let nordlicht = create_customer(
        conn,
        &actor,
        NewCustomer {
            name: "Nordlicht Leuchten GmbH".into(),
        },
    )?;

    let bulb = create_product(
        conn,
        &actor,
        NewProduct {
            code: "HHL-A60-E27-9W-2700K".into(),
            name: "A60 LED bulb E27 9 W 2700 K (Helios private label)".into(),
            customer_id: Some(helios.id),
            params: json!({
                "rated_power_w": 9, "rated_flux_lm": 806, "nominal_cct_k": 2700, "cri_min": 80,
                "beam_angle_deg": 220, "lamp_holder": "E27", "chip_model": "SMD2835 0.5 W",
                "rated_voltage": "220-240 V AC", "rated_life_h": 15000,
                "target_x": 0.4578, "target_y": 0.4101
            })
            .as_object()
            .cloned()
            .unwrap_or_default(),
            family: Some(LAMP_FAMILY.into()),
            visual_inspection: VisualScope::All,
            characteristics: vec![
                variable(
                    "flux",
                    "Luminous flux",
                    "lm",
                    806.0,
                    Some(725.0),
                    Some(887.0),
                    Severity::Major,
                ),
                variable(
                    "power",
                    "Input power",
                    "W",
                    9.0,
                    Some(8.1),
                    Some(9.9),
                    Severity::Major,
                ),
                // Chromaticity from the integrating sphere; CCT, Duv and
                // MacAdam steps derived per unit. ANSI C78.377 2700 K:
                // 2725 ± 145 K, Duv 0 ± 0.006; the customer asks for a
                // 5-step ellipse around the 2700 K centre.
                colour(
                    Quantity::CieX,
                    variable(
                        "cie_x",
                        "Chromaticity x",
                        "",
                        0.4578,
                        None,
                        None,
                        Severity::Minor,
                    ),
                ),
                colour(
                    Quantity::CieY,
                    variable(
                        "cie_y",
                        "Chromaticity y",
                        "",
                        0.4101,
                        None,
                        None,
                        Severity::Minor,
                    ),
                ),
                colour(
                    Quantity::CctK,
                    variable(
                        "cct",
                        "Correlated colour temperature",
                        "K",
                        2725.0,
                        Some(2580.0),
                        Some(2870.0),
                        Severity::Major,
                    ),
                ),
                colour(
                    Quantity::Duv,
                    variable(
                        "duv",
                        "Duv",
                        "",
                        0.0,
                        Some(-0.006),
                        Some(0.006),
                        Severity::Major,
                    ),
                ),
                colour(
                    Quantity::MacadamSteps,
                    variable(
                        "sdcm",
                        "Colour consistency (MacAdam steps from target)",
                        "steps",
                        0.0,
                        None,
                        Some(5.0),
                        Severity::Major,
                    ),
                ),
                variable(
                    "cri",
                    "Colour rendering index Ra",
                    "Ra",
                    82.0,
                    Some(80.0),
                    None,
                    Severity::Major,
                ),
                variable(
                    "length",
                    "Overall length",
                    "mm",
                    108.0,
                    Some(107.0),
                    Some(109.0),
                    Severity::Minor,
                ),
                variable(
                    "diameter",
                    "Bulb diameter",
                    "mm",
                    60.0,
                    Some(59.5),
                    Some(60.5),
                    Severity::Minor,
                ),
                attribute(
                    "lights_up",
                    "Lights up at rated voltage",
                    Severity::Critical,
                ),
                attribute("no_flicker", "No visible flicker", Severity::Major),
            ],
        },
    )?;
    let spot = create_product(
        conn,
        &actor,
        NewProduct {
            code: "GU10-5W-4000K-36D".into(),
            name: "GU10 LED spot 5 W 4000 K 36°".into(),
            customer_id: None,
            params: json!({
                "rated_power_w": 5, "rated_flux_lm": 400, "nominal_cct_k": 4000, "cri_min": 80,
                "beam_angle_deg": 36, "lamp_holder": "GU10", "chip_model": "COB 5 W",
                "rated_voltage": "220-240 V AC", "rated_life_h": 25000
            })
            .as_object()
            .cloned()
            .unwrap_or_default(),
            family: Some(LAMP_FAMILY.into()),
            // The spot's customer accepts an AQL plan for the visual check.
            visual_inspection: VisualScope::Sample,
            characteristics: vec![
                variable(
                    "flux",
                    "Luminous flux",
                    "lm",
                    400.0,
                    Some(360.0),
                    Some(440.0),
                    Severity::Major,
                ),
                variable(
                    "power",
                    "Input power",
                    "W",
                    5.0,
                    Some(4.5),
                    Some(5.5),
                    Severity::Major,
                ),
                // ANSI C78.377 4000 K: 3985 ± 275 K. This line's
                // spectrometer reports CCT only, so it is recorded directly.
                colour(
                    Quantity::CctK,
                    variable(
                        "cct",
                        "Correlated colour temperature",
                        "K",
                        3985.0,
                        Some(3710.0),
                        Some(4260.0),
                        Severity::Major,
                    ),
                ),
                variable(
                    "beam_angle",
                    "Beam angle",
                    "°",
                    36.0,
                    Some(32.0),
                    Some(40.0),
                    Severity::Minor,
                ),
                variable(
                    "diameter",
                    "Reflector diameter",
                    "mm",
                    50.0,
                    Some(49.6),
                    Some(50.4),
                    Severity::Minor,
                ),
                attribute(
                    "lights_up",
                    "Lights up at rated voltage",
                    Severity::Critical,
                ),
            ],
        },
    )?;

    const BULB_PROCESS: &[Simulated] = &[
        Simulated {
            code: "flux",
            mean: 812.0,
            sd: 18.0,
            decimals: 1,
        },
        Simulated {
            code: "power",
            mean: 8.95,
            sd: 0.16,
            decimals: 2,
        },
        Simulated {
            code: "cie_x",
            mean: 0.4590,
            sd: 0.0016,
            decimals: 4,
        },
        Simulated {
            code: "cie_y",
            mean: 0.4105,
            sd: 0.0011,
            decimals: 4,
        },
        Simulated {
            code: "cri",
            mean: 82.6,
            sd: 0.9,
            decimals: 1,
        },
        Simulated {
            code: "length",
            mean: 108.1,
            sd: 0.22,
            decimals: 2,
        },
        Simulated {
            code: "diameter",
            mean: 60.02,
            sd: 0.11,
            decimals: 2,
        },
        Simulated {
            code: "lights_up",
            mean: 0.002,
            sd: 0.0,
            decimals: 0,
        },
        Simulated {
            code: "no_flicker",
            mean: 0.01,
            sd: 0.0,
            decimals: 0,
        },
    ];
    const SPOT_PROCESS: &[Simulated] = &[
        Simulated {
            code: "flux",
            mean: 405.0,
            sd: 11.0,
            decimals: 1,
        },
        Simulated {
            code: "power",
            mean: 5.04,
            sd: 0.12,
            decimals: 2,
        },
        Simulated {
            code: "cct",
            mean: 4010.0,
            sd: 70.0,
            decimals: 0,
        },
        Simulated {
            code: "beam_angle",
            mean: 36.4,
            sd: 1.1,
            decimals: 1,
        },
        Simulated {
            code: "diameter",
            mean: 50.05,
            sd: 0.09,
            decimals: 2,
        },
        Simulated {
            code: "lights_up",
            mean: 0.003,
            sd: 0.0,
            decimals: 0,
        },
    ];
    let orders = [
        DemoOrder {
            customer_id: helios.id,
            product: bulb,
            po_number: "HHL-PO-2026-0412",
            lots: &[3000, 3000, 3000, 3000],
            inspected: 3,
            iso_aql: None,
            process: BULB_PROCESS,
        },
        DemoOrder {
            customer_id: nordlicht.id,
            product: spot.clone(),
            po_number: "NL-4500187733",
            lots: &[2000, 2000, 1000],
            inspected: 3,
            iso_aql: None,
            process: SPOT_PROCESS,
        },
        DemoOrder {
            customer_id: helios.id,
            product: spot,
            po_number: "HHL-PO-2026-0498",
            lots: &[1200, 1200],
            inspected: 1,
            iso_aql: Some(1.0),
            process: SPOT_PROCESS,
        },
    ];
    let mut rng = ChaCha20Rng::seed_from_u64(2026);
    let (mut batch_count, mut readings, mut inspections) = (0, 0, 0);
    for (code, name, severity) in LAMP_DEFECTS {
        visual::create_defect_type(
            conn,
            &actor,
            NewDefectType {
                family: LAMP_FAMILY.into(),
                code: code.into(),
                name: name.into(),
                severity,
            },
        )?;
    }
    for demo in orders {
        let order = create_order(
            conn,
            &actor,
            NewOrder {
                customer_id: demo.customer_id,
                product_id: demo.product.id,
                po_number: demo.po_number.into(),
                quantity: demo.lots.iter().sum(),
                due_date: None,
            },
        )?;
        for (index, &lot_size) in demo.lots.iter().enumerate() {
            let batch = create_batch(
                conn,
                &actor,
                order.id,
                NewBatch {
                    lot_size,
                    line: Some(format!("L{}", 1 + index % 2)),
                    production_date: None,
                    supplier_id: None,
                },
            )?;
            batch_count += 1;
            let plan = draw_plan(
                conn,
                &actor,
                batch.id,
                PlanRequest {
                    method: if demo.iso_aql.is_some() {
                        Method::Iso2859_1
                    } else {
                        Method::Percent
                    },
                    percent: demo.iso_aql.is_none().then_some(10.0),
                    seed: Some(rng.random_range(0..1 << 53)),
                    aql: demo.iso_aql,
                    level: None,
                    inspection: None,
                    aql_by_severity: None,
                },
            )?;
            if index >= demo.inspected {
                continue;
            }
            let measurements: Vec<_> = plan
                .units
                .iter()
                .flat_map(|&unit| demo.process.iter().map(move |sim| (unit, sim)))
                .map(|(unit, sim)| MeasurementInput {
                    id: None,
                    unit,
                    characteristic: sim.code.into(),
                    value: simulated_reading(&mut rng, sim),
                })
                .collect();
            readings += measurements.len();
            record(conn, &actor, batch.id, RecordMeasurements { measurements })?;
            let visual_units: Vec<i64> = match demo.product.visual_inspection {
                VisualScope::All => (1..=lot_size).collect(),
                VisualScope::Sample => plan.units.clone(),
            };
            inspections += visual_units.len();
            let recorded = visual::record(
                conn,
                &actor,
                batch.id,
                simulated_inspections(&mut rng, &visual_units),
            )?;
            // The inspector photographs the first few defects of each batch.
            for (shot, inspection) in recorded
                .inspections
                .iter()
                .filter(|i| !i.passed)
                .take(3)
                .enumerate()
            {
                let prepared = photos::prepare(defect_photo(shot as u32)?)?;
                photos::attach(conn, &actor, inspection.id, prepared)?;
            }
            if demo.iso_aql.is_some() {
                let steady = LotResultRequest {
                    production_steady: true,
                    reduced_approved: false,
                };
                record_lot_result(conn, &actor, batch.id, steady)?;
            }
        }
    }
    Ok(format!(
        "demo data loaded: 2 customers, 2 products, 3 orders, {batch_count} batches, \
         {readings} readings, {inspections} visual inspections"
    ))
}

/// The demo's defect catalogue for LED lamps, with default severities.
const LAMP_DEFECTS: [(&str, &str, Severity); 7] = [
    ("scratch", "Scratch on bulb or housing", Severity::Minor),
    ("coating_peeling", "Coating peeling", Severity::Major),
    ("dent", "Dent in housing", Severity::Minor),
    ("discolouration", "Discolouration", Severity::Minor),
    (
        "missing_marking",
        "Missing or illegible marking",
        Severity::Major,
    ),
    ("loose_cap", "Loose lamp cap", Severity::Major),
    ("cracked_diffuser", "Cracked diffuser", Severity::Critical),
];

/// A stand-in for a tablet photo of a defect: a lamp-coloured gradient
/// with a dark diagonal scratch, different per `shot`.
fn defect_photo(shot: u32) -> AppResult<Vec<u8>> {
    let (width, height) = (640u32, 480u32);
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        let on_scratch = (y as i64 - (x as i64 * 3 / 4) - (shot as i64 * 40 - 40)).abs() < 3
            && (120..520).contains(&x);
        if on_scratch {
            image::Rgb([70, 60, 50])
        } else {
            let shade = 200 + (x * 40 / width) as u8 - (y * 30 / height) as u8;
            image::Rgb([shade, shade - 8, shade - 30])
        }
    });
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .or_internal("a demo photo encodes as PNG")?;
    Ok(bytes)
}

/// Final visual inspection of the given units: most pass, a few show one
/// or two defects, weighted towards the cosmetic ones as on a real line.
fn simulated_inspections(rng: &mut ChaCha20Rng, units: &[i64]) -> RecordInspections {
    const WEIGHTS: [(usize, f64); 7] = [
        (0, 0.012),
        (1, 0.006),
        (2, 0.004),
        (3, 0.003),
        (4, 0.002),
        (5, 0.001),
        (6, 0.0003),
    ];
    let inspections = units
        .iter()
        .map(|&unit| {
            let mut defects = Vec::new();
            for &(index, rate) in &WEIGHTS {
                if rng.random::<f64>() < rate {
                    defects.push(DefectInput {
                        defect: LAMP_DEFECTS[index].0.into(),
                        count: Some(if rng.random::<f64>() < 0.2 { 2 } else { 1 }),
                        severity: None,
                    });
                }
            }
            InspectionInput {
                id: None,
                unit,
                defects,
            }
        })
        .collect();
    RecordInspections { inspections }
}

/// One demo login per role; the customer user belongs to the first demo customer.
pub const DEMO_LOGINS: [(&str, &str, Role); 4] = [
    ("admin", "demo-admin-2026", Role::Admin),
    ("lead", "demo-lead-2026", Role::Lead),
    ("inspector", "demo-inspector-2026", Role::Inspector),
    ("helios", "demo-customer-2026", Role::Customer),
];

/// Creates the demo users that are missing; answers the logins to print.
pub fn ensure_demo_users(conn: &mut DbConnection) -> AppResult<Vec<String>> {
    let actor = Actor::system("demo");
    let customers = list_customers(
        conn,
        None,
        PageRequest {
            page: 1,
            per_page: 50,
        },
    )?;
    let helios = customers
        .items
        .iter()
        .find(|c| c.name == FIRST_CUSTOMER)
        .map(|c| c.id);
    let mut lines = Vec::new();
    for (username, password, role) in DEMO_LOGINS {
        if find_user_by_name(conn, username)?.is_none() {
            let customer_id = (role == Role::Customer).then_some(helios).flatten();
            add_user(
                conn,
                &actor,
                NewUser {
                    username: username.into(),
                    password: password.into(),
                    role,
                    customer_id,
                },
            )?;
        }
        lines.push(format!(
            "  {:<10} {username:<10} password {password}",
            role.as_str()
        ));
    }
    Ok(lines)
}

/// The lead's decisions on the first order's inspected batches and the
/// first issue of its QC report, so the customer has a report to download
/// (once: skipped when the report exists).
pub fn decide_and_issue(conn: &mut DbConnection) -> AppResult<String> {
    use super::dispositions::{sign, Meaning, SignDisposition};
    use super::reports::{prepare_issue, store_issue, Preparation};
    let Some(order) = crate::store::orders::list_orders(
        conn,
        &Default::default(),
        PageRequest {
            page: 1,
            per_page: 200,
        },
    )?
    .items
    .into_iter()
    .find(|o| o.po_number == "HHL-PO-2026-0412") else {
        return Ok(String::new());
    };
    if !crate::store::reports::reports_of_order(conn, order.id)?.is_empty() {
        return Ok(String::new());
    }
    let (lead_name, lead_password, _) = DEMO_LOGINS[1];
    let lead = find_user_by_name(conn, lead_name)?.or_internal("the demo lead exists")?;
    let lead = Actor::user(lead.id, lead_name);
    let decisions = [
        (Meaning::ReleasedUnderConcession, "Flicker failures screened out and replaced; accepted by Helios QA (e-mail of 2026-11-03)."),
        (Meaning::ReleasedUnderConcession, "One unit at CRI 79.9; accepted by Helios QA."),
        (Meaning::Rejected, "A unit failed to light up: the lot goes to 100% screening and returns as a new batch."),
    ];
    let batches = crate::store::batches::batches_of_order(conn, order.id)?;
    for (batch, (meaning, comment)) in batches.iter().zip(decisions) {
        sign(
            conn,
            &lead,
            batch.id,
            SignDisposition {
                password: lead_password.into(),
                meaning,
                comment: comment.into(),
                supersedes: None,
            },
        )?;
    }
    let issued = match prepare_issue(conn, &lead, order.id)? {
        Preparation::New(prepared) => store_issue(conn, &lead, prepared)?,
        Preparation::Unchanged(current) => current,
    };
    Ok(format!(
        "QC report {} revision {} issued for {}",
        issued.number, issued.revision, order.po_number
    ))
}
