//! CCT, Duv and ANSI C78.377 quadrangles checked against colour-science
//! (`colour.temperature.uv_to_CCT_Ohno2013` and `CCT_to_uv_Ohno2013`), run
//! live by `scripts/colour_reference.py`, and against the centre and corner
//! points printed in ANSI C78.377-2008, Table 1.

use crate::common::{self, python_oracle, Backend};
use lotcheck::domain::colorimetry::{ansi_quadrangle, cct_duv, ColourError, Xy, ANSI_C78_377};
use serde_json::{json, Value};

fn xy(value: &Value) -> Xy {
    Xy {
        x: value[0].as_f64().unwrap(),
        y: value[1].as_f64().unwrap(),
    }
}

/// The nominal CCT of the quadrangle holding a point, if any.
fn bin_of(point: Xy) -> Option<u32> {
    ansi_quadrangle(cct_duv(point).unwrap()).map(|q| q.nominal_cct_k)
}

/// The point `fraction` of the way from `from` towards `to` (beyond it when > 1).
fn towards(from: Xy, to: Xy, fraction: f64) -> Xy {
    Xy {
        x: from.x + (to.x - from.x) * fraction,
        y: from.y + (to.y - from.y) * fraction,
    }
}

pub fn cct_and_duv_match_colour_science_from_1800_to_10000_kelvin() {
    let mut grid = Vec::new();
    for cct in [
        1_800.0, 2_000.0, 2_200.0, 2_500.0, 2_700.0, 3_000.0, 3_500.0, 4_000.0, 4_500.0, 5_000.0,
        5_700.0, 6_500.0, 6_750.0, 8_000.0, 10_000.0,
    ] {
        for duv in [
            -0.02, -0.012, -0.005, -0.0019, 0.0, 0.0007, 0.0021, 0.008, 0.015, 0.02,
        ] {
            grid.push(json!([cct, duv]));
        }
    }
    let reference = python_oracle(
        "colour_reference.py",
        &json!({"grid": grid, "quadrangles": []}),
    );
    let points = reference["points"].as_array().unwrap();
    assert_eq!(points.len(), grid.len());
    let mut worst = (0.0f64, 0.0f64);
    let mut outside = 0;
    for point in points {
        // High Duv at low CCT lies beyond the spectrum locus: no colour at all.
        if !point["inside"].as_bool().unwrap() {
            assert_eq!(
                cct_duv(xy(&point["xy"])),
                Err(ColourError::OutsideDiagram),
                "{point}"
            );
            outside += 1;
            continue;
        }
        let (theirs_cct, theirs_duv) = (
            point["cct"].as_f64().unwrap(),
            point["duv"].as_f64().unwrap(),
        );
        let ours = cct_duv(xy(&point["xy"])).unwrap();
        let cct_tolerance = if theirs_cct > 6_700.0 {
            3e-4 * theirs_cct
        } else {
            2.0
        };
        let context = format!(
            "{point} (colour-science {}) → ours {ours:?}",
            reference["version"]
        );
        assert!(
            (ours.cct_k - theirs_cct).abs() <= cct_tolerance,
            "{context}"
        );
        assert!((ours.duv - theirs_duv).abs() <= 2e-4, "{context}");
        worst = (
            worst.0.max((ours.cct_k - theirs_cct).abs()),
            worst.1.max((ours.duv - theirs_duv).abs()),
        );
    }
    assert!(
        outside < points.len() / 10,
        "{outside} points outside the diagram"
    );
    eprintln!(
        "colorimetry: {} points ({outside} outside the diagram), largest differences from colour-science: {:.4} K, Duv {:.2e}",
        points.len(),
        worst.0,
        worst.1
    );
}

pub fn quadrangle_edges_match_colour_science_corners() {
    let quadrangles: Vec<Value> = ANSI_C78_377
        .iter()
        .map(|q| json!([q.cct_k, q.cct_tolerance_k, q.duv]))
        .collect();
    let reference = python_oracle(
        "colour_reference.py",
        &json!({"grid": [], "quadrangles": quadrangles}),
    );
    for (quadrangle, theirs) in ANSI_C78_377
        .iter()
        .zip(reference["quadrangles"].as_array().unwrap())
    {
        let nominal = quadrangle.nominal_cct_k;
        let centre = xy(&theirs["centre"]);
        assert_eq!(bin_of(centre), Some(nominal));
        for (corner, ours) in theirs["corners"]
            .as_array()
            .unwrap()
            .iter()
            .zip(quadrangle.corners())
        {
            let corner = xy(corner);
            assert!(
                (corner.x - ours.x).abs() < 2e-5 && (corner.y - ours.y).abs() < 2e-5,
                "{nominal}: {corner:?} vs {ours:?}"
            );
            assert_eq!(
                bin_of(towards(corner, centre, 0.01)),
                Some(nominal),
                "{nominal} {corner:?}"
            );
            assert_ne!(
                bin_of(towards(centre, corner, 1.01)),
                Some(nominal),
                "{nominal} {corner:?}"
            );
        }
    }
}

/// ANSI C78.377-2008, Table 1: centre (x, y) and the four corners of each
/// nominal CCT quadrangle, as printed (four decimals; neighbouring
/// quadrangles share corners, which the table rounds to one value).
/// (nominal CCT, centre, corners) of one printed row.
type PrintedRow = (u32, (f64, f64), [(f64, f64); 4]);

const ANSI_2008_PRINTED: [PrintedRow; 8] = [
    (
        2700,
        (0.4578, 0.4101),
        [
            (0.4813, 0.4319),
            (0.4562, 0.4260),
            (0.4373, 0.3893),
            (0.4593, 0.3944),
        ],
    ),
    (
        3000,
        (0.4339, 0.4033),
        [
            (0.4562, 0.4260),
            (0.4299, 0.4165),
            (0.4147, 0.3814),
            (0.4373, 0.3893),
        ],
    ),
    (
        3500,
        (0.4078, 0.3930),
        [
            (0.4299, 0.4165),
            (0.3996, 0.4015),
            (0.3889, 0.3690),
            (0.4147, 0.3814),
        ],
    ),
    (
        4000,
        (0.3818, 0.3797),
        [
            (0.4006, 0.4044),
            (0.3736, 0.3874),
            (0.3670, 0.3578),
            (0.3898, 0.3716),
        ],
    ),
    (
        4500,
        (0.3611, 0.3658),
        [
            (0.3736, 0.3874),
            (0.3548, 0.3736),
            (0.3512, 0.3465),
            (0.3670, 0.3578),
        ],
    ),
    (
        5000,
        (0.3447, 0.3553),
        [
            (0.3551, 0.3760),
            (0.3376, 0.3616),
            (0.3366, 0.3369),
            (0.3515, 0.3487),
        ],
    ),
    (
        5700,
        (0.3287, 0.3417),
        [
            (0.3376, 0.3616),
            (0.3207, 0.3462),
            (0.3222, 0.3243),
            (0.3366, 0.3369),
        ],
    ),
    (
        6500,
        (0.3123, 0.3282),
        [
            (0.3205, 0.3481),
            (0.3028, 0.3304),
            (0.3068, 0.3113),
            (0.3221, 0.3261),
        ],
    ),
];

pub fn printed_centres_and_corners_fall_in_their_quadrangles() {
    for (nominal, (cx, cy), corners) in ANSI_2008_PRINTED {
        let centre = Xy { x: cx, y: cy };
        assert_eq!(bin_of(centre), Some(nominal), "centre of {nominal}");
        for (x, y) in corners {
            let corner = Xy { x, y };
            // The printed corners are rounded and shared between neighbours,
            // so check a tenth of the way inside and outside each.
            assert_eq!(
                bin_of(towards(corner, centre, 0.1)),
                Some(nominal),
                "{nominal} {corner:?}"
            );
            assert_ne!(
                bin_of(towards(centre, corner, 1.1)),
                Some(nominal),
                "{nominal} {corner:?}"
            );
        }
    }
    // Far from the locus and beyond the range: no quadrangle.
    assert_eq!(bin_of(Xy { x: 0.3, y: 0.4 }), None);
    assert_eq!(bin_of(Xy { x: 0.5, y: 0.42 }), None);
}

pub async fn the_colorimetry_route_answers_for_a_point_and_refuses_non_colours(backend: Backend) {
    use reqwest::StatusCode;
    let app = common::TestApp::spawn(backend).await;
    // The printed 2700 K centre, also given as the target.
    let (status, answer) = app
        .get("/api/v1/colorimetry?x=0.4578&y=0.4101&target_x=0.4578&target_y=0.4101")
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["ansi_nominal_cct_k"], 2700);
    assert!(
        (answer["cct_k"].as_f64().unwrap() - 2725.0).abs() < 5.0,
        "{answer}"
    );
    assert!(answer["duv"].as_f64().unwrap().abs() < 3e-4, "{answer}");
    assert_eq!(answer["macadam_steps"], 0.0);
    assert_eq!(answer["ellipse"]["a"], 0.00258);
    let (_, off) = app.get("/api/v1/colorimetry?x=0.30&y=0.40").await;
    assert_eq!(off["ansi_nominal_cct_k"], Value::Null, "{off}");
    for (query, field) in [
        ("x=0.05&y=0.05", "x"),
        ("x=0.8&y=0.3", "x"),
        ("x=0.45&y=0.41&target_x=0.45", "target_y"),
        ("x=0.45&y=0.41&target_x=0.9&target_y=0.9", "target_x"),
    ] {
        let (status, problem) = app.get(&format!("/api/v1/colorimetry?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {problem}");
        assert!(
            common::error_fields(&problem).contains(&field),
            "{query}: {problem}"
        );
    }
    let (status, _) = app.get("/api/v1/colorimetry?x=0.45").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    app.stop().await;
}
