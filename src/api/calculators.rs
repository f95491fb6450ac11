//! Calculators for sampling plans and colour (any signed-in user).

use super::auth::perm::ReadResults;
use super::auth::Allowed;
use crate::domain::colorimetry::Xy;
use crate::error::AppError;
use crate::error::Message;
use crate::error::{AppResult, Problem};
use crate::service::calculators::{self, Iso2859Answer, OcCurve};
use crate::service::colour::{self, ColourAnswer};
use actix_web::{get, web};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(iso2859).service(oc_curve).service(colorimetry);
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct Iso2859Query {
    pub lot_size: i64,
    /// One of the standard's AQL values, e.g. 0.65, 1.0, 2.5, 4.0.
    pub aql: Option<f64>,
    /// S-1 … S-4, I, II (default), III.
    pub level: Option<String>,
    /// normal (default), tightened or reduced (ANSI/ASQ Z1.4 Table II-C).
    pub inspection: Option<String>,
    /// What the sample's count is of: `nonconforming_units` (default for
    /// AQLs up to 10) or `nonconformities` (per 100 units; the only kind
    /// above AQL 10). Risk points are then nonconformities per unit, by
    /// the Poisson model.
    pub counts: Option<String>,
}

/// The ISO 2859-1 single sampling plan for a lot, with its risk points.
#[utoipa::path(tag = "sampling", params(Iso2859Query),
    responses((status = 200, body = Iso2859Answer), (status = 422, body = Problem)))]
#[get("/sampling/iso2859-1")]
pub async fn iso2859(
    _caller: Allowed<ReadResults>,
    query: web::Query<Iso2859Query>,
) -> AppResult<web::Json<Iso2859Answer>> {
    let q = query.into_inner();
    Ok(web::Json(calculators::iso2859_plan(
        q.lot_size,
        q.aql,
        q.level.as_deref(),
        q.inspection.as_deref(),
        q.counts.as_deref(),
    )?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct OcQuery {
    pub lot_size: i64,
    pub sample_size: i64,
    /// Acceptance number Ac.
    pub accept: i64,
    /// Lot fractions nonconforming, comma-separated; a grid from 0 to 50% when absent.
    pub p: Option<String>,
    /// hypergeometric (default, exact for the lot), binomial or poisson.
    pub model: Option<String>,
}

/// The OC curve of a single sampling plan, with producer's and consumer's
/// risk points and the AOQL.
#[utoipa::path(tag = "sampling", params(OcQuery),
    responses((status = 200, body = OcCurve), (status = 422, body = Problem)))]
#[get("/sampling/oc-curve")]
pub async fn oc_curve(
    _caller: Allowed<ReadResults>,
    query: web::Query<OcQuery>,
) -> AppResult<web::Json<OcCurve>> {
    let q = query.into_inner();
    Ok(web::Json(calculators::oc_curve(
        q.lot_size,
        q.sample_size,
        q.accept,
        q.p.as_deref(),
        q.model.as_deref(),
    )?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ColourQuery {
    /// CIE 1931 x.
    pub x: f64,
    /// CIE 1931 y.
    pub y: f64,
    /// Target chromaticity x, to count MacAdam steps from.
    pub target_x: Option<f64>,
    /// Target chromaticity y.
    pub target_y: Option<f64>,
}

/// CCT and Duv (Ohno 2013), the ANSI C78.377 nominal CCT quadrangle and,
/// with a target, the distance in MacAdam steps (IEC 60081 ellipse shapes).
/// A point outside the chromaticity diagram is a 400.
#[utoipa::path(tag = "colour", params(ColourQuery),
    responses((status = 200, body = ColourAnswer), (status = 400, body = Problem)))]
#[get("/colorimetry")]
pub async fn colorimetry(
    _caller: Allowed<ReadResults>,
    query: web::Query<ColourQuery>,
) -> AppResult<web::Json<ColourAnswer>> {
    let q = query.into_inner();
    let target = match (q.target_x, q.target_y) {
        (Some(x), Some(y)) => Some(Xy { x, y }),
        (None, None) => None,
        (Some(_), None) => {
            return Err(AppError::bad_request(
                Message::new("err-give-with")
                    .arg("missing", "target_y")
                    .arg("given", "target_x"),
            )
            .with_field("target_y"))
        }
        (None, Some(_)) => {
            return Err(AppError::bad_request(
                Message::new("err-give-with")
                    .arg("missing", "target_x")
                    .arg("given", "target_y"),
            )
            .with_field("target_x"))
        }
    };
    Ok(web::Json(colour::describe(Xy { x: q.x, y: q.y }, target)?))
}
