//! The demo's stand-ins for the line's instruments, its inspectors' eyes
//! and their tablet camera, all driven by one seeded random stream.

use super::data::{Reading, Simulated, DEFECTS, TWICE};
use crate::error::{AppResult, OrInternal};
use crate::service::visual::{DefectInput, InspectionInput, RecordInspections};
use rand::Rng;
use rand_chacha::ChaCha20Rng;

/// One reading of a unit by the simulated instrument.
pub fn reading(rng: &mut ChaCha20Rng, sim: &Simulated) -> f64 {
    match sim.reading {
        Reading::FailRate(rate) => {
            if rng.random::<f64>() < rate {
                1.0
            } else {
                0.0
            }
        }
        Reading::Normal { mean, sd, decimals } => {
            // Box–Muller transform of two uniforms to a standard normal deviate.
            let u1 = rng.random::<f64>().max(f64::MIN_POSITIVE);
            let u2 = rng.random::<f64>();
            let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
            let scale = 10f64.powi(decimals);
            ((mean + sd * z) * scale).round() / scale
        }
    }
}

/// Final visual inspection of the given units: most pass, a few show one
/// or two defects, each at its rate in [`DEFECTS`].
pub fn inspections(rng: &mut ChaCha20Rng, units: &[i64]) -> RecordInspections {
    let inspections = units
        .iter()
        .map(|&unit| InspectionInput {
            id: None,
            unit,
            defects: defects_found(rng),
            taken_at: None,
        })
        .collect();
    RecordInspections {
        inspections,
        passed_range: None,
    }
}

fn defects_found(rng: &mut ChaCha20Rng) -> Vec<DefectInput> {
    let mut found = Vec::new();
    for defect in DEFECTS {
        if rng.random::<f64>() < defect.rate {
            found.push(DefectInput {
                defect: defect.code.into(),
                count: Some(if rng.random::<f64>() < TWICE { 2 } else { 1 }),
                severity: None,
            });
        }
    }
    found
}

/// A stand-in for a tablet photo of a defect: a lamp-coloured gradient
/// with a dark diagonal scratch, different per `shot`.
pub fn defect_photo(shot: u32) -> AppResult<Vec<u8>> {
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
