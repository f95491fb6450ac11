//! Run rules that flag a process out of statistical control on a Shewhart
//! chart, from the points' distance to the centre line in σ of the plotted
//! statistic (zones: beyond 3σ, beyond 2σ, beyond 1σ).
//!
//! References: Western Electric, *Statistical Quality Control Handbook*
//! (1956), rules 1–4; L. S. Nelson, "The Shewhart control chart — tests for
//! special causes", Journal of Quality Technology 16(4), 1984, tests 1–8
//! (as also listed by Montgomery, 7th ed., §5.3.6 and Table 5.1).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
pub enum Rule {
    /// One point beyond 3σ.
    WE1,
    /// Two of three consecutive points beyond 2σ on the same side.
    WE2,
    /// Four of five consecutive points beyond 1σ on the same side.
    WE3,
    /// Eight consecutive points on the same side of the centre line.
    WE4,
    /// One point beyond 3σ.
    N1,
    /// Nine points in a row on the same side of the centre line.
    N2,
    /// Six points in a row steadily increasing or decreasing.
    N3,
    /// Fourteen points in a row alternating up and down.
    N4,
    /// Two of three points in a row beyond 2σ on the same side.
    N5,
    /// Four of five points in a row beyond 1σ on the same side.
    N6,
    /// Fifteen points in a row within 1σ on either side.
    N7,
    /// Eight points in a row beyond 1σ on either side, none within.
    N8,
}

impl Rule {
    pub const WESTERN_ELECTRIC: [Rule; 4] = [Rule::WE1, Rule::WE2, Rule::WE3, Rule::WE4];
    pub const NELSON: [Rule; 8] = [
        Rule::N1,
        Rule::N2,
        Rule::N3,
        Rule::N4,
        Rule::N5,
        Rule::N6,
        Rule::N7,
        Rule::N8,
    ];

    pub fn parse(text: &str) -> Option<Rule> {
        Self::WESTERN_ELECTRIC
            .into_iter()
            .chain(Self::NELSON)
            .find(|r| format!("{r:?}") == text)
    }
}

/// For each point, the rules among `rules` whose pattern ends at it.
/// `z` holds each point's signed distance from the centre line in σ.
pub fn violations(z: &[f64], rules: &[Rule]) -> Vec<Vec<Rule>> {
    let mut found = vec![Vec::new(); z.len()];
    for (end, slot) in found.iter_mut().enumerate() {
        for &rule in rules {
            if breaks(z, end, rule) {
                slot.push(rule);
            }
        }
    }
    found
}

/// The `len` points ending at `end`, if there are that many.
fn window(z: &[f64], end: usize, len: usize) -> Option<&[f64]> {
    (end + 1 >= len).then(|| &z[end + 1 - len..=end])
}

/// `count` of the `len` points ending at `end` beyond `limit` σ on one side;
/// the point at `end` must be one of them, so a run is flagged where it
/// completes.
fn some_beyond(z: &[f64], end: usize, count: usize, len: usize, limit: f64) -> bool {
    let Some(points) = window(z, end, len) else {
        return false;
    };
    [1.0, -1.0].into_iter().any(|side: f64| {
        side * z[end] > limit && points.iter().filter(|&&v| side * v > limit).count() >= count
    })
}

fn same_side(z: &[f64], end: usize, len: usize) -> bool {
    window(z, end, len).is_some_and(|w| w.iter().all(|&v| v > 0.0) || w.iter().all(|&v| v < 0.0))
}

fn breaks(z: &[f64], end: usize, rule: Rule) -> bool {
    match rule {
        Rule::WE1 | Rule::N1 => z[end].abs() > 3.0,
        Rule::WE2 | Rule::N5 => some_beyond(z, end, 2, 3, 2.0),
        Rule::WE3 | Rule::N6 => some_beyond(z, end, 4, 5, 1.0),
        Rule::WE4 => same_side(z, end, 8),
        Rule::N2 => same_side(z, end, 9),
        Rule::N3 => window(z, end, 6).is_some_and(|w| {
            w.windows(2).all(|p| p[1] > p[0]) || w.windows(2).all(|p| p[1] < p[0])
        }),
        Rule::N4 => window(z, end, 14).is_some_and(|w| {
            let steps: Vec<f64> = w.windows(2).map(|p| p[1] - p[0]).collect();
            steps.iter().all(|s| *s != 0.0) && steps.windows(2).all(|s| s[0] * s[1] < 0.0)
        }),
        Rule::N7 => window(z, end, 15).is_some_and(|w| w.iter().all(|v| v.abs() < 1.0)),
        Rule::N8 => window(z, end, 8).is_some_and(|w| {
            w.iter().all(|v| v.abs() > 1.0)
                && w.iter().any(|&v| v > 0.0)
                && w.iter().any(|&v| v < 0.0)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rules a series trips anywhere, within one family.
    fn tripped(z: &[f64], family: &[Rule]) -> Vec<Rule> {
        let mut rules: Vec<Rule> = violations(z, family).into_iter().flatten().collect();
        rules.sort();
        rules.dedup();
        rules
    }

    /// Points that wander within ±0.9σ without a pattern: no rule trips.
    fn calm(len: usize) -> Vec<f64> {
        [
            0.3, -0.5, 0.8, 0.1, -0.2, -0.7, 0.6, -0.1, 0.4, 0.2, -0.6, 0.5, -0.3, 1.5, -1.2,
        ]
        .into_iter()
        .cycle()
        .take(len)
        .collect()
    }

    #[test]
    fn a_calm_series_trips_nothing() {
        let z = calm(30);
        assert_eq!(tripped(&z, &Rule::WESTERN_ELECTRIC), []);
        assert_eq!(tripped(&z, &Rule::NELSON), []);
    }

    #[test]
    fn each_western_electric_rule_has_a_series_that_trips_it_alone() {
        let cases: [(Rule, Vec<f64>); 4] = [
            (Rule::WE1, vec![0.2, -0.4, 3.4, 0.1, -0.3]),
            (Rule::WE2, vec![0.2, -0.4, 2.3, 0.5, 2.4, -0.2]),
            (Rule::WE3, vec![0.2, -0.4, 1.2, 1.4, 0.3, 1.3, 1.1, -0.5]),
            (
                Rule::WE4,
                vec![-0.3, 0.2, 0.4, 0.1, 0.6, 0.3, 0.5, 0.2, 0.7, -0.1],
            ),
        ];
        for (rule, z) in cases {
            assert_eq!(tripped(&z, &Rule::WESTERN_ELECTRIC), [rule], "{z:?}");
        }
    }

    #[test]
    fn each_nelson_rule_has_a_series_that_trips_it_alone() {
        let alternating: Vec<f64> = (0..14)
            .map(|i| if i % 2 == 0 { 0.6 } else { -0.4 } + i as f64 * 0.01)
            .collect();
        let cases: [(Rule, Vec<f64>); 8] = [
            (Rule::N1, vec![0.2, -0.4, -3.3, 0.1]),
            (
                Rule::N2,
                vec![-0.2, 0.3, 0.1, 0.4, 0.2, 0.6, 0.3, 0.5, 0.2, 0.4, -0.1],
            ),
            (Rule::N3, vec![0.5, -0.9, -0.6, -0.3, 0.0, 0.4, 0.8, 0.2]),
            (Rule::N4, alternating),
            (Rule::N5, vec![0.2, -2.2, 0.4, -2.5, 0.3]),
            (Rule::N6, vec![0.2, -1.2, -1.5, 0.2, -1.1, -1.3, 0.4]),
            (Rule::N7, calm(15).iter().map(|v| v * 0.6).collect()),
            (
                Rule::N8,
                vec![0.2, 1.2, -1.3, 1.1, -1.4, 1.5, -1.2, 1.3, -1.1, 0.3],
            ),
        ];
        for (rule, z) in cases {
            assert_eq!(tripped(&z, &Rule::NELSON), [rule], "{rule:?}: {z:?}");
        }
    }

    #[test]
    fn a_violation_is_flagged_at_the_point_that_completes_it() {
        let z = [0.2, -0.4, 2.3, 0.5, 2.4, -0.2];
        let found = violations(&z, &[Rule::WE2]);
        assert_eq!(found[4], [Rule::WE2]);
        assert!(found[..4].iter().all(Vec::is_empty) && found[5].is_empty());
    }
}
