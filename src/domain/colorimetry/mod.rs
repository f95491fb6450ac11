//! LED colour from CIE 1931 chromaticity: correlated colour temperature and
//! Duv by Ohno's method, the ANSI C78.377 nominal-CCT quadrangle a point
//! falls in, and the distance from a target in MacAdam ellipse steps.
//!
//! References:
//! - Y. Ohno, "Practical Use and Calculation of CCT and Duv", LEUKOS 10(1),
//!   47–55 (2014; online 2013): cascade search of a Planckian table, then the
//!   triangular solution near the locus and the parabolic one for
//!   |Duv| ≥ 0.002.
//! - CIE 015:2018 Colorimetry: CIE 1960 UCS (u, v) = (4x, 6y)/(−2x + 12y + 3);
//!   Planck's law with c2 = 1.4388 × 10⁻² m·K; CCT is not meaningful beyond
//!   |Duv| = 0.05.
//! - ANSI C78.377-2008, Table 1: nominal CCTs, their CCT and Duv centres and
//!   tolerances (Duv ± 0.006 for all).
//! - IEC 60081:1997 Annex D: centres and one-step MacAdam ellipses of the
//!   standard fluorescent-lamp colours, used as the ellipse shapes here.

mod cie1931;

use serde::Serialize;
use utoipa::ToSchema;

/// Second radiation constant as CIE 015 prescribes for Planckian radiators.
const C2_M_K: f64 = 1.4388e-2;

/// Temperatures the Planckian search covers, in kelvin.
pub const CCT_RANGE_K: (f64, f64) = (1_000.0, 100_000.0);

/// Beyond this |Duv| a correlated colour temperature is not meaningful
/// (CIE 015:2018, 9.5).
pub const MAX_MEANINGFUL_DUV: f64 = 0.05;

/// A CIE 1931 (x, y) chromaticity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Xy {
    pub x: f64,
    pub y: f64,
}

/// A CIE 1960 UCS (u, v) chromaticity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Uv {
    pub u: f64,
    pub v: f64,
}

impl Xy {
    pub fn to_uv(self) -> Uv {
        let d = -2.0 * self.x + 12.0 * self.y + 3.0;
        Uv {
            u: 4.0 * self.x / d,
            v: 6.0 * self.y / d,
        }
    }

    /// Whether the point lies inside the chromaticity diagram: within the
    /// spectrum locus (360–780 nm) closed by the purple line.
    pub fn is_inside_diagram(self) -> bool {
        self.x.is_finite()
            && self.y.is_finite()
            && (self.is_inside_triangle(WHITES_TRIANGLE) || self.is_inside_locus())
    }

    /// Whether the point lies within the triangle (its corners in either
    /// turning order), edges included.
    fn is_inside_triangle(self, [a, b, c]: [Xy; 3]) -> bool {
        let side = |p: Xy, q: Xy| (q.x - p.x) * (self.y - p.y) - (q.y - p.y) * (self.x - p.x);
        let sides = [side(a, b), side(b, c), side(c, a)];
        sides.iter().all(|&s| s >= 0.0) || sides.iter().all(|&s| s <= 0.0)
    }

    /// Even-odd ray casting over the spectrum locus's polygon.
    fn is_inside_locus(self) -> bool {
        let locus = &*SPECTRUM_LOCUS;
        let mut inside = false;
        // Each point with the next, the last with the first (the purple line).
        for (a, b) in locus.iter().zip(locus.iter().skip(1).chain(locus.first())) {
            if (a.y > self.y) != (b.y > self.y) {
                let cross_x = a.x + (self.y - a.y) * (b.x - a.x) / (b.y - a.y);
                if self.x < cross_x {
                    inside = !inside;
                }
            }
        }
        inside
    }
}

impl Uv {
    pub fn to_xy(self) -> Xy {
        let d = 2.0 * self.u - 8.0 * self.v + 4.0;
        Xy {
            x: 3.0 * self.u / d,
            y: 2.0 * self.v / d,
        }
    }

    fn distance(self, other: Uv) -> f64 {
        (self.u - other.u).hypot(self.v - other.v)
    }

    fn squared_distance(self, other: Uv) -> f64 {
        (self.u - other.u).powi(2) + (self.v - other.v).powi(2)
    }
}

/// A triangle inside the spectrum locus that holds the whites lamps are
/// made in, from about 2,000 K up (its corners are the sRGB primaries,
/// ITU-R BT.709): a point in it is inside the diagram, found by three
/// products where the walk round the locus takes 421 steps (a tenth of an
/// imported file's check). `the_whites_triangle_lies_inside_the_locus`
/// checks that it does.
const WHITES_TRIANGLE: [Xy; 3] = [
    Xy { x: 0.64, y: 0.33 },
    Xy { x: 0.30, y: 0.60 },
    Xy { x: 0.15, y: 0.06 },
];

/// The spectrum locus (360–780 nm at 1 nm) as (x, y), computed once: every
/// colour derivation first asks whether its point lies inside it.
static SPECTRUM_LOCUS: std::sync::LazyLock<Vec<Xy>> =
    std::sync::LazyLock::new(|| cie1931::CMF.iter().copied().map(spectral_xy).collect());

fn spectral_xy([x, y, z]: [f64; 3]) -> Xy {
    let sum = x + y + z;
    Xy {
        x: x / sum,
        y: y / sum,
    }
}

/// The chromaticity of a Planckian radiator at `kelvin`: Planck's law
/// weighted by the CIE 1931 colour-matching functions, summed at 1 nm.
/// Constant factors (c1, the step) cancel in the ratios.
pub fn planckian_uv(kelvin: f64) -> Uv {
    let (mut x, mut y, mut z) = (0.0, 0.0, 0.0);
    for (i, [xb, yb, zb]) in cie1931::CMF.iter().enumerate() {
        let metres = f64::from(cie1931::FIRST_NM + i as u32) * 1e-9;
        let radiance = metres.powi(-5) / ((C2_M_K / (metres * kelvin)).exp() - 1.0);
        x += radiance * xb;
        y += radiance * yb;
        z += radiance * zb;
    }
    let d = x + 15.0 * y + 3.0 * z;
    Uv {
        u: 4.0 * x / d,
        v: 6.0 * y / d,
    }
}

/// Cascade tables each thread keeps (about 300 bytes each).
const RECALLED_TABLES: usize = 1 << 15;

/// One table of the cascade: [`TABLE_POINTS`] temperatures spaced evenly
/// in ratio from `low` to `high`, each with its locus point.
type LocusTable = [(f64, Uv); TABLE_POINTS];

/// The cascade's table between `low` and `high`, remembered per thread.
/// A table depends only on its bracket, and units of one batch lie close
/// together, so they share most of them: deriving a batch's colours costs a
/// few lookups per unit (one per cascade step) instead of some fifty Planck
/// sums. The answer is the same to the bit; the memory is bounded by
/// [`RECALLED_TABLES`] (forgotten all at once when full).
fn locus_table(low: f64, high: f64) -> LocusTable {
    thread_local! {
        static RECALLED: std::cell::RefCell<foldhash::HashMap<[u64; 2], LocusTable>> =
            std::cell::RefCell::default();
    }
    let key = [low.to_bits(), high.to_bits()];
    RECALLED.with(|recalled| {
        let mut recalled = recalled.borrow_mut();
        if let Some(table) = recalled.get(&key) {
            return *table;
        }
        if recalled.len() >= RECALLED_TABLES {
            recalled.clear();
        }
        let ratio = (high / low).powf(1.0 / (TABLE_POINTS - 1) as f64);
        let table = std::array::from_fn(|i| {
            let kelvin = low * ratio.powi(i as i32);
            (kelvin, planckian_uv(kelvin))
        });
        recalled.insert(key, table);
        table
    })
}

/// Correlated colour temperature and Duv of a chromaticity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CctDuv {
    pub cct_k: f64,
    /// Signed distance from the Planckian locus in (u, v); positive above.
    pub duv: f64,
}

/// Why a chromaticity has no correlated colour temperature.
#[derive(Debug, Clone, PartialEq)]
pub enum ColourError {
    OutsideDiagram,
    OutsideCctRange,
}

/// Points of the Planckian table per cascade step.
const TABLE_POINTS: usize = 12;
/// The cascade stops when the bracketing interval is this narrow (relative);
/// Ohno's closing step is then exact to well under 0.01 K.
const CASCADE_SPAN: f64 = 1e-4;
/// Spacing of the precomputed coarse table (1% steps, as in Ohno's paper).
const COARSE_STEP: f64 = 1.01;

/// The Planckian locus at 1% steps over [`CCT_RANGE_K`], computed once:
/// the first, coarse stage of every search.
static COARSE_TABLE: std::sync::LazyLock<Vec<(f64, Uv)>> = std::sync::LazyLock::new(|| {
    let mut table = Vec::new();
    let mut kelvin = CCT_RANGE_K.0;
    while kelvin < CCT_RANGE_K.1 * COARSE_STEP {
        table.push((kelvin, planckian_uv(kelvin)));
        kelvin *= COARSE_STEP;
    }
    table
});

/// CCT and Duv by Ohno (2013): the nearest point of a 1% Planckian table,
/// then finer tables between its neighbours ("cascade expansion") until the
/// bracket is narrow, and the final answer interpolated from the three
/// closest points.
pub fn cct_duv(xy: Xy) -> Result<CctDuv, ColourError> {
    if !xy.is_inside_diagram() {
        return Err(ColourError::OutsideDiagram);
    }
    let target = xy.to_uv();
    let coarse = &*COARSE_TABLE;
    // Squared distances order the points as distances do, without a
    // square root (`hypot`) for each of the table's hundreds of points.
    let nearest = nearest_of(coarse.iter().map(|(_, uv)| uv.squared_distance(target)));
    if nearest == 0 || nearest == coarse.len() - 1 {
        return Err(ColourError::OutsideCctRange);
    }
    let (mut low, mut high) = (coarse[nearest - 1].0, coarse[nearest + 1].0);
    // Table points ordered by squared distance (no `hypot` per point); the
    // closing step takes the true distances of the three it keeps.
    let with_distance = |(t, uv, _): (f64, Uv, f64)| (t, uv, uv.distance(target));
    loop {
        let table = locus_table(low, high).map(|(t, uv)| (t, uv, uv.squared_distance(target)));
        let nearest = nearest_of(table.iter().map(|&(_, _, d)| d)).clamp(1, TABLE_POINTS - 2);
        let (previous, middle, next) = (table[nearest - 1], table[nearest], table[nearest + 1]);
        if (next.0 - previous.0) / middle.0 > CASCADE_SPAN {
            (low, high) = (previous.0, next.0);
            continue;
        }
        let (previous, middle, next) = (
            with_distance(previous),
            with_distance(middle),
            with_distance(next),
        );
        return Ok(closing_step(target, previous, middle, next));
    }
}

/// The index of the least of `distances` (the first of equal ones), 0 when
/// there are none. Distances are never NaN (finite coordinates), so `<`
/// orders them as `total_cmp` would; unlike a `min_by` over indices, each
/// distance is computed once, and the loop compiles to a few instructions a
/// point over the coarse table's 463 points.
fn nearest_of(distances: impl Iterator<Item = f64>) -> usize {
    let (mut nearest, mut least) = (0, f64::INFINITY);
    for (index, distance) in distances.enumerate() {
        if distance < least {
            (nearest, least) = (index, distance);
        }
    }
    nearest
}

/// Ohno's closing step from three table points `(T, uv, distance)`.
fn closing_step(
    target: Uv,
    (tp, uvp, dp): (f64, Uv, f64),
    (ti, _, di): (f64, Uv, f64),
    (tn, uvn, dn): (f64, Uv, f64),
) -> CctDuv {
    // Triangular solution.
    let l = uvp.distance(uvn);
    let x = (dp * dp - dn * dn + l * l) / (2.0 * l);
    let cct_t = tp + (tn - tp) * (x / l);
    let v_on_locus = uvp.v + (uvn.v - uvp.v) * (x / l);
    let sign = if target.v - v_on_locus < 0.0 {
        -1.0
    } else {
        1.0
    };
    let duv_t = (dp * dp - x * x).max(0.0).sqrt() * sign;
    if duv_t.abs() < 0.002 {
        return CctDuv {
            cct_k: cct_t,
            duv: duv_t,
        };
    }
    // Parabolic solution: distance as a quadratic in T through the three points.
    let big_x = (tn - ti) * (tp - tn) * (ti - tp);
    let a = (tp * (dn - di) + ti * (dp - dn) + tn * (di - dp)) / big_x;
    let b = -(tp * tp * (dn - di) + ti * ti * (dp - dn) + tn * tn * (di - dp)) / big_x;
    let c =
        -(dp * (tn - ti) * ti * tn + di * (tp - tn) * tp * tn + dn * (ti - tp) * tp * ti) / big_x;
    let cct = -b / (2.0 * a);
    CctDuv {
        cct_k: cct,
        duv: (a * cct * cct + b * cct + c) * sign,
    }
}

/// The chromaticity at a CCT and Duv: the locus point, moved `duv` along
/// the normal to the locus (Ohno 2013, inverse calculation).
pub fn uv_at(cct_k: f64, duv: f64) -> Uv {
    let on = planckian_uv(cct_k);
    let ahead = planckian_uv(cct_k + 0.01);
    let (du, dv) = (ahead.u - on.u, ahead.v - on.v);
    let length = du.hypot(dv);
    // The tangent runs towards lower u and v as T rises; turned by −90° it
    // points above the locus, where Duv is positive.
    Uv {
        u: on.u + duv * dv / length,
        v: on.v - duv * du / length,
    }
}

/// One ANSI C78.377-2008 nominal CCT: the quadrangle is bounded by the
/// isotemperature lines at `cct_k ± cct_tolerance_k` and by Duv =
/// `duv ± DUV_TOLERANCE`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct AnsiQuadrangle {
    pub nominal_cct_k: u32,
    /// Target CCT (the quadrangle's centre).
    pub cct_k: f64,
    pub cct_tolerance_k: f64,
    /// Target Duv.
    pub duv: f64,
}

/// Duv tolerance of every quadrangle (ANSI C78.377-2008, Table 1).
pub const DUV_TOLERANCE: f64 = 0.006;

/// ANSI C78.377-2008, Table 1 (the 2008 edition: 2700–6500 K).
pub const ANSI_C78_377: [AnsiQuadrangle; 8] = [
    quadrangle(2700, 2725.0, 145.0, 0.0000),
    quadrangle(3000, 3045.0, 175.0, 0.0001),
    quadrangle(3500, 3465.0, 245.0, 0.0005),
    quadrangle(4000, 3985.0, 275.0, 0.0010),
    quadrangle(4500, 4503.0, 243.0, 0.0015),
    quadrangle(5000, 5028.0, 283.0, 0.0020),
    quadrangle(5700, 5665.0, 355.0, 0.0025),
    quadrangle(6500, 6530.0, 510.0, 0.0031),
];

const fn quadrangle(nominal_cct_k: u32, cct_k: f64, tolerance: f64, duv: f64) -> AnsiQuadrangle {
    AnsiQuadrangle {
        nominal_cct_k,
        cct_k,
        cct_tolerance_k: tolerance,
        duv,
    }
}

impl AnsiQuadrangle {
    pub fn contains(&self, point: CctDuv) -> bool {
        (point.cct_k - self.cct_k).abs() <= self.cct_tolerance_k
            && (point.duv - self.duv).abs() <= DUV_TOLERANCE
    }

    /// Corners in (x, y), counter-clockwise from warm-high.
    pub fn corners(&self) -> [Xy; 4] {
        let (t, dt, d) = (self.cct_k, self.cct_tolerance_k, self.duv);
        [
            uv_at(t - dt, d + DUV_TOLERANCE).to_xy(),
            uv_at(t - dt, d - DUV_TOLERANCE).to_xy(),
            uv_at(t + dt, d - DUV_TOLERANCE).to_xy(),
            uv_at(t + dt, d + DUV_TOLERANCE).to_xy(),
        ]
    }
}

/// The ANSI nominal CCT whose quadrangle holds the point, if any. The 2008
/// quadrangles do not overlap (neighbours share an isotemperature edge;
/// a point exactly on it is given to the warmer one).
pub fn ansi_quadrangle(point: CctDuv) -> Option<&'static AnsiQuadrangle> {
    ANSI_C78_377.iter().find(|q| q.contains(point))
}

/// A MacAdam ellipse: the one-step ellipse's semi-axes `a`, `b` in (x, y)
/// and the angle θ of `a` from the x axis.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Ellipse {
    pub x: f64,
    pub y: f64,
    pub a: f64,
    pub b: f64,
    pub theta_deg: f64,
}

/// IEC 60081:1997 Annex D: standard colour centres and their one-step
/// ellipses, by nominal CCT.
pub const IEC_60081_ELLIPSES: [(u32, Ellipse); 6] = [
    (6500, ellipse(0.3130, 0.3370, 0.00223, 0.00095, 58.23)),
    (5000, ellipse(0.3460, 0.3590, 0.00274, 0.00118, 59.62)),
    (4000, ellipse(0.3800, 0.3800, 0.00313, 0.00134, 54.00)),
    (3500, ellipse(0.4090, 0.3940, 0.00317, 0.00139, 52.58)),
    (3000, ellipse(0.4400, 0.4030, 0.00278, 0.00136, 53.13)),
    (2700, ellipse(0.4630, 0.4200, 0.00258, 0.00137, 57.28)),
];

const fn ellipse(x: f64, y: f64, a: f64, b: f64, theta_deg: f64) -> Ellipse {
    Ellipse {
        x,
        y,
        a,
        b,
        theta_deg,
    }
}

impl Ellipse {
    /// The standard ellipse shape whose centre CCT is nearest `nominal_cct_k`,
    /// moved to the target `centre`: what a product without its own ellipse
    /// is judged by.
    pub fn standard_around(centre: Xy, nominal_cct_k: f64) -> Ellipse {
        let (_, shape) = IEC_60081_ELLIPSES
            .iter()
            .min_by(|a, b| {
                (f64::from(a.0) - nominal_cct_k)
                    .abs()
                    .total_cmp(&(f64::from(b.0) - nominal_cct_k).abs())
            })
            .copied()
            .unwrap_or(IEC_60081_ELLIPSES[0]);
        Ellipse {
            x: centre.x,
            y: centre.y,
            ..shape
        }
    }

    /// Distance of a point from the centre in MacAdam steps:
    /// √(((Δx·cosθ + Δy·sinθ)/a)² + ((−Δx·sinθ + Δy·cosθ)/b)²).
    pub fn steps(&self, point: Xy) -> f64 {
        let (dx, dy) = (point.x - self.x, point.y - self.y);
        let (sin, cos) = self.theta_deg.to_radians().sin_cos();
        ((dx * cos + dy * sin) / self.a).hypot((-dx * sin + dy * cos) / self.b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uv_and_xy_convert_both_ways() {
        let xy = Xy {
            x: 0.4578,
            y: 0.4101,
        };
        let back = xy.to_uv().to_xy();
        assert!((back.x - xy.x).abs() < 1e-15 && (back.y - xy.y).abs() < 1e-15);
    }

    #[test]
    fn the_diagram_holds_white_and_not_points_beyond_the_locus() {
        let inside = |x, y| Xy { x, y }.is_inside_diagram();
        assert!(inside(0.3127, 0.3290));
        assert!(inside(0.15, 0.10) && inside(0.7, 0.29));
        assert!(!inside(0.05, 0.05) && !inside(0.8, 0.3) && !inside(0.2, 0.9));
        assert!(!inside(-0.1, 0.3) && !inside(f64::NAN, 0.3));
    }

    #[test]
    fn the_whites_triangle_lies_inside_the_locus() {
        let [a, b, c] = WHITES_TRIANGLE;
        let steps = 400;
        // Points spread over the triangle, its corners and edges among them.
        for i in 0..=steps {
            for j in 0..=steps - i {
                let (s, t) = (
                    f64::from(i) / f64::from(steps),
                    f64::from(j) / f64::from(steps),
                );
                let point = Xy {
                    x: a.x + s * (b.x - a.x) + t * (c.x - a.x),
                    y: a.y + s * (b.y - a.y) + t * (c.y - a.y),
                };
                assert!(point.is_inside_locus(), "{point:?}");
            }
        }
        // The triangle answers only for what it holds: white is in it, a
        // point beyond its green edge is not (and is found in the diagram
        // by the walk round the locus).
        let white = Xy {
            x: 0.3127,
            y: 0.3290,
        };
        assert!(white.is_inside_triangle(WHITES_TRIANGLE));
        let green = Xy { x: 0.2, y: 0.7 };
        assert!(!green.is_inside_triangle(WHITES_TRIANGLE) && green.is_inside_diagram());
    }

    #[test]
    fn the_triangle_changes_no_answer_of_the_walk() {
        // Every 0.004 over the square holding the diagram: points in the
        // triangle and out of it, inside the locus and out of it.
        let (mut in_triangle, mut inside) = (0, 0);
        for i in 0..=200 {
            for j in 0..=225 {
                let point = Xy {
                    x: f64::from(i) * 0.004,
                    y: f64::from(j) * 0.004,
                };
                assert_eq!(
                    point.is_inside_diagram(),
                    point.is_inside_locus(),
                    "{point:?}"
                );
                in_triangle += usize::from(point.is_inside_triangle(WHITES_TRIANGLE));
                inside += usize::from(point.is_inside_locus());
            }
        }
        // Both kinds of answer were asked for, and the triangle did not
        // answer them all.
        assert!(0 < in_triangle && in_triangle < inside && inside < 201 * 226);
    }

    #[test]
    fn a_point_on_the_locus_has_its_own_temperature_and_no_duv() {
        for kelvin in [1_900.0, 2_700.0, 4_000.0, 6_500.0, 9_500.0] {
            let found = cct_duv(planckian_uv(kelvin).to_xy()).unwrap();
            assert!((found.cct_k - kelvin).abs() < 0.01, "{kelvin}: {found:?}");
            assert!(found.duv.abs() < 1e-7, "{kelvin}: {found:?}");
        }
    }

    #[test]
    fn uv_at_round_trips_through_cct_duv() {
        for (kelvin, duv) in [(3_000.0, 0.015), (5_000.0, -0.012), (2_200.0, 0.001)] {
            let found = cct_duv(uv_at(kelvin, duv).to_xy()).unwrap();
            assert!((found.cct_k - kelvin).abs() < 0.5, "{found:?}");
            assert!((found.duv - duv).abs() < 2e-6, "{found:?}");
        }
    }

    #[test]
    fn macadam_steps_along_the_axes() {
        let e = IEC_60081_ELLIPSES[2].1;
        let (sin, cos) = e.theta_deg.to_radians().sin_cos();
        let along_a = Xy {
            x: e.x + 3.0 * e.a * cos,
            y: e.y + 3.0 * e.a * sin,
        };
        let along_b = Xy {
            x: e.x - 5.0 * e.b * sin,
            y: e.y + 5.0 * e.b * cos,
        };
        assert!((e.steps(along_a) - 3.0).abs() < 1e-12);
        assert!((e.steps(along_b) - 5.0).abs() < 1e-12);
        assert_eq!(e.steps(Xy { x: e.x, y: e.y }), 0.0);
    }
}
