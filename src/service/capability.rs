//! Process capability of a product's characteristic across its batches,
//! each batch's sample a rational subgroup (Montgomery, 7th ed., §8.3 and
//! §6.3): σ within subgroups from R̄/d2 (equal subgroups of at most 8) or
//! S̄/c4, σ overall from all values; Cp/Cpk from the first, Pp/Ppk from the
//! second, with confidence intervals and a normality check.

use super::catalog::{get_product, Characteristic, Product};
use super::colour::batch_subgroups;
use crate::domain::access::Visibility;
use crate::domain::capability::{capability_indices, CapabilityIndices};
use crate::domain::inference;
use crate::domain::message::Message;
use crate::domain::stats::describe;
pub use crate::domain::summaries::Normality;
use crate::domain::template::Kind;
use crate::error::{AppError, AppResult};
use crate::store::DbConnection;
use serde::Serialize;
use utoipa::ToSchema;

/// Confidence of every interval reported.
pub const CONFIDENCE: f64 = 0.95;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ProductCapability {
    pub product_id: i64,
    pub characteristic: String,
    /// Batches with at least one value (the subgroups).
    pub subgroups: usize,
    pub n: usize,
    pub mean: Option<f64>,
    pub sigma_within: Option<f64>,
    /// `rbar/d2` or `sbar/c4`.
    pub sigma_within_method: Option<String>,
    pub sigma_overall: Option<f64>,
    pub lsl: Option<f64>,
    pub usl: Option<f64>,
    /// Cp, Cpk from σ within; Pp, Ppk from σ overall.
    #[serde(flatten)]
    pub indices: CapabilityIndices,
    pub anderson_darling: Option<Normality>,
}

/// σ within subgroups and how it was estimated.
pub fn sigma_within(subgroups: &[Vec<f64>]) -> Option<(f64, &'static str)> {
    let usable: Vec<&Vec<f64>> = subgroups.iter().filter(|g| g.len() >= 2).collect();
    let first = usable.first()?.len();
    if first <= 8 && usable.iter().all(|g| g.len() == first) {
        let mean_range = usable
            .iter()
            .map(|g| {
                let d = describe(g).expect("non-empty subgroup");
                d.max - d.min
            })
            .sum::<f64>()
            / usable.len() as f64;
        return Some((mean_range / inference::d2(first), "rbar/d2"));
    }
    // Unequal or large subgroups: each s made unbiased by its own c4.
    let unbiased = usable
        .iter()
        .map(|g| describe(g).and_then(|d| d.std_dev).unwrap_or(0.0) / inference::c4(g.len()))
        .sum::<f64>()
        / usable.len() as f64;
    Some((unbiased, "sbar/c4"))
}

pub fn product_capability(
    conn: &mut DbConnection,
    product_id: i64,
    code: &str,
    visibility: Visibility,
) -> AppResult<ProductCapability> {
    let product = get_product(conn, product_id, visibility)?;
    let characteristic = variable_characteristic(&product, code)?;
    let subgroups: Vec<Vec<f64>> = batch_subgroups(conn, &product, characteristic.id, visibility)?
        .into_iter()
        .map(|group| group.values)
        .collect();
    Ok(capability_of(product_id, characteristic, &subgroups))
}

/// The product's characteristic `code`, which must be a variable.
fn variable_characteristic<'a>(product: &'a Product, code: &str) -> AppResult<&'a Characteristic> {
    let characteristic = product
        .characteristics
        .iter()
        .find(|c| c.code == code)
        .ok_or_else(|| {
            AppError::invalid(
                "characteristic",
                Message::new("err-not-a-characteristic").arg("code", code),
            )
        })?;
    if characteristic.kind != Kind::Variable {
        return Err(AppError::invalid(
            "characteristic",
            Message::new("err-capability-variable"),
        ));
    }
    Ok(characteristic)
}

/// Capability of the subgroups' values against the characteristic's limits.
fn capability_of(
    product_id: i64,
    characteristic: &Characteristic,
    subgroups: &[Vec<f64>],
) -> ProductCapability {
    let all: Vec<f64> = subgroups.iter().flatten().copied().collect();
    let overall = describe(&all);
    let mean = overall.map(|d| d.mean);
    let sigma_overall = overall.and_then(|d| d.std_dev);
    let within = sigma_within(subgroups);
    let indices = mean
        .map(|m| {
            capability_indices(
                m,
                within.map(|w| w.0),
                sigma_overall,
                &characteristic.limits(),
                all.len(),
                CONFIDENCE,
            )
        })
        .unwrap_or_default();
    ProductCapability {
        product_id,
        characteristic: characteristic.code.clone(),
        subgroups: subgroups.len(),
        n: all.len(),
        mean,
        sigma_within: within.map(|w| w.0),
        sigma_within_method: within.map(|w| w.1.to_string()),
        sigma_overall,
        lsl: characteristic.lsl,
        usl: characteristic.usl,
        indices,
        anderson_darling: Normality::of(&all),
    }
}
