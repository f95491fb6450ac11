//! Reads a chart's SVG the way a person reads the chart: the axis tick
//! labels give the scale, and every mark is turned back into data values
//! with it. Nothing here knows how the chart was drawn.

use roxmltree::Document;

#[derive(Debug, Clone)]
pub struct Mark {
    pub name: String,
    pub attrs: std::collections::HashMap<String, String>,
    pub text: String,
}

impl Mark {
    pub fn f(&self, attr: &str) -> f64 {
        self.attrs[attr].parse().unwrap()
    }

    pub fn colour(&self) -> Option<&str> {
        let paint = |name: &str| {
            self.attrs
                .get(name)
                .map(String::as_str)
                .filter(|v| *v != "none")
        };
        paint("stroke").or_else(|| paint("fill"))
    }

    /// The points of a polyline.
    pub fn points(&self) -> Vec<(f64, f64)> {
        self.attrs["points"]
            .split_whitespace()
            .map(|pair| {
                let (x, y) = pair.split_once(',').unwrap();
                (x.parse().unwrap(), y.parse().unwrap())
            })
            .collect()
    }
}

pub fn marks(svg: &str) -> Vec<Mark> {
    let doc = Document::parse(svg).expect("the chart is well-formed SVG");
    doc.descendants()
        .filter(|n| n.is_element())
        .map(|n| Mark {
            name: n.tag_name().name().to_string(),
            attrs: n
                .attributes()
                .map(|a| (a.name().to_string(), a.value().to_string()))
                .collect(),
            text: n.text().unwrap_or_default().trim().to_string(),
        })
        .collect()
}

/// value = scale · pixel + offset, fitted through the tick labels.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub scale: f64,
    pub offset: f64,
    /// Pixel span of the ticks the scale was fitted to.
    pub span: (f64, f64),
    /// Pixels between neighbouring ticks.
    pub gap: f64,
}

impl Scale {
    pub fn value(&self, pixel: f64) -> f64 {
        self.scale * pixel + self.offset
    }

    /// Whether a pixel lies on this axis' panel (within a tick gap beyond
    /// its outer ticks).
    pub fn covers(&self, pixel: f64) -> bool {
        (self.span.0 - self.gap..=self.span.1 + self.gap).contains(&pixel)
    }

    /// Data units per pixel: the resolution of what the chart can show.
    pub fn per_pixel(&self) -> f64 {
        self.scale.abs()
    }

    fn fit(points: &[(f64, f64)]) -> Scale {
        assert!(
            points.len() >= 2,
            "an axis needs two numbered ticks: {points:?}"
        );
        let n = points.len() as f64;
        let (sx, sy) = points
            .iter()
            .fold((0.0, 0.0), |a, p| (a.0 + p.0, a.1 + p.1));
        let (mx, my) = (sx / n, sy / n);
        let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
        let scale = sxy / sxx;
        let lo = points.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
        let hi = points.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
        Scale {
            scale,
            offset: my - scale * mx,
            span: (lo, hi),
            gap: (hi - lo) / (n - 1.0),
        }
    }
}

/// Numbered tick labels anchored `anchor` (`middle` under the x axis,
/// `end` left of the y axis), grouped by the coordinate they share.
fn ticks(marks: &[Mark], anchor: &str, shared: &str, along: &str) -> Vec<Vec<(f64, f64)>> {
    let mut groups: Vec<(f64, Vec<(f64, f64)>)> = Vec::new();
    for m in marks.iter().filter(|m| {
        m.name == "text" && m.attrs.get("text-anchor").map(String::as_str) == Some(anchor)
    }) {
        let Ok(value) = m.text.trim_start_matches('#').parse::<f64>() else {
            continue;
        };
        let key = m.f(shared);
        match groups.iter_mut().find(|g| (g.0 - key).abs() < 0.5) {
            Some(g) => g.1.push((m.f(along), value)),
            None => groups.push((key, vec![(m.f(along), value)])),
        }
    }
    groups
        .into_iter()
        .map(|g| g.1)
        .filter(|g| g.len() >= 2)
        .collect()
}

/// The x scale of each panel's numbered x axis (left to right).
pub fn x_scales(marks: &[Mark]) -> Vec<Scale> {
    ticks(marks, "middle", "y", "x")
        .iter()
        .map(|g| Scale::fit(g))
        .collect()
}

/// The y scale of each numbered y axis, top panel first. Panels stacked
/// one above the other share the labels' x: a panel's ticks step evenly,
/// so a tick that breaks the step starts the next panel.
pub fn y_scales(marks: &[Mark]) -> Vec<Scale> {
    let mut panels = Vec::new();
    for mut group in ticks(marks, "end", "x", "y") {
        group.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut run: Vec<(f64, f64)> = vec![group[0]];
        for &tick in &group[1..] {
            let step = |a: (f64, f64), b: (f64, f64)| a.1 - b.1;
            let breaks = match run.as_slice() {
                [.., a, b] => {
                    let usual = step(*a, *b);
                    (step(*b, tick) - usual).abs() > 1e-6 * usual.abs().max(1e-12)
                }
                _ => false,
            };
            if breaks {
                panels.push(std::mem::take(&mut run));
            }
            run.push(tick);
        }
        panels.push(run);
    }
    panels.retain(|p| p.len() >= 2);
    panels.sort_by(|a, b| a[0].0.total_cmp(&b[0].0));
    panels.iter().map(|p| Scale::fit(p)).collect()
}

pub fn by_colour<'a>(marks: &'a [Mark], name: &str, colour: &str) -> Vec<&'a Mark> {
    marks
        .iter()
        .filter(|m| m.name == name && m.colour().is_some_and(|c| c.eq_ignore_ascii_case(colour)))
        .collect()
}
