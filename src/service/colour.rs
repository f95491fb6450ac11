//! Colour answers for a chromaticity: what the calculator route and the
//! derived characteristics of a product both report.

use crate::domain::colorimetry::{
    ansi_quadrangle, cct_duv, ColourError, Ellipse, Xy, MAX_MEANINGFUL_DUV,
};
use crate::error::{AppError, AppResult};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ColourAnswer {
    pub x: f64,
    pub y: f64,
    /// CIE 1960 UCS coordinates.
    pub u: f64,
    pub v: f64,
    /// Correlated colour temperature (Ohno 2013).
    pub cct_k: f64,
    /// Distance from the Planckian locus in (u, v); positive above.
    pub duv: f64,
    /// False when |Duv| > 0.05, where CIE 015 holds a CCT meaningless.
    pub cct_meaningful: bool,
    /// The ANSI C78.377-2008 nominal CCT whose quadrangle holds the point.
    pub ansi_nominal_cct_k: Option<u32>,
    /// Distance from the target in MacAdam steps (when a target is given).
    pub macadam_steps: Option<f64>,
    /// The ellipse the steps are counted in.
    pub ellipse: Option<Ellipse>,
}

/// The target ellipse of a product or a query: centred on the target, with
/// the IEC 60081 shape nearest the target's own CCT.
pub fn target_ellipse(target: Xy) -> AppResult<Ellipse> {
    let found = cct_duv(target).map_err(|e| colour_error(e, "target_x"))?;
    Ok(Ellipse::standard_around(target, found.cct_k))
}

/// Maps a colour error to a problem naming `field`: 400, as a point outside
/// the diagram is not a colour at all.
pub fn colour_error(error: ColourError, field: &str) -> AppError {
    let detail = match error {
        ColourError::OutsideDiagram => {
            "(x, y) lies outside the CIE 1931 chromaticity diagram: not a colour"
        }
        ColourError::OutsideCctRange => {
            "(x, y) has no correlated colour temperature between 1,000 K and 100,000 K"
        }
    };
    AppError::bad_request(detail).with_field(field)
}

pub fn describe(point: Xy, target: Option<Xy>) -> AppResult<ColourAnswer> {
    let found = cct_duv(point).map_err(|e| colour_error(e, "x"))?;
    let ellipse = target.map(target_ellipse).transpose()?;
    let uv = point.to_uv();
    Ok(ColourAnswer {
        x: point.x,
        y: point.y,
        u: uv.u,
        v: uv.v,
        cct_k: found.cct_k,
        duv: found.duv,
        cct_meaningful: found.duv.abs() <= MAX_MEANINGFUL_DUV,
        ansi_nominal_cct_k: ansi_quadrangle(found).map(|q| q.nominal_cct_k),
        macadam_steps: ellipse.map(|e| e.steps(point)),
        ellipse,
    })
}
