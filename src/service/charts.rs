//! The data behind each chart, gathered in one pass over the batches
//! ([`super::order_pass`], the same pass the report makes: each batch's
//! readings read once, only summaries kept), the renderings the report
//! shares, and the routes' chart names.

use super::batches::{get_batch, Batch};
use super::catalog::{colour_target, get_product, Characteristic, Product};
use super::colour::target_ellipse;
use super::control_charts::{chart_of_summaries, control_chart};
use super::limits::chartable;
use super::order_pass::{Tally, UnitSample, Wanted};
use super::orders::{get_order, Order};
use crate::charts::{self, chromaticity, control, histogram, oc, pareto};
use crate::domain::access::Visibility;
use crate::domain::language::{Lang, ReportLanguage};
use crate::domain::message::Message;
use crate::domain::sampling::oc::{AttributePlan, Model};
use crate::domain::spc::{ChartKind, ControlChart, SubgroupSummary};
use crate::domain::template::Kind;
use crate::error::{AppError, AppResult, ErrorCode, OrInternal};
use crate::i18n::{in_report, message, text};
use crate::store::DbConnection;
use std::collections::BTreeMap;

/// What a chart may be asked for with.
#[derive(Debug, Clone, Default)]
pub struct ChartQuery {
    /// Characteristic code (histogram, control chart).
    pub characteristic: Option<String>,
    /// Control chart kind (`xbar-r`, `xbar-s`, `i-mr`, `p`, `u`).
    pub chart: Option<String>,
    pub baseline: Option<usize>,
    /// The language(s) of the chart's words.
    pub language: ReportLanguage,
}

pub const BATCH_CHARTS: [&str; 4] = ["histogram", "chromaticity", "oc-curve", "pareto"];
pub const ORDER_CHARTS: [&str; 4] = ["histogram", "chromaticity", "pareto", "yield"];
pub const PRODUCT_CHARTS: [&str; 1] = ["control-chart"];

fn unknown(name: &str, known: &[&str]) -> AppError {
    AppError::invalid(
        "chart",
        Message::new("err-unknown-chart")
            .arg("name", name)
            .arg("choices", known.join(", ")),
    )
}

/// The batches an order chart covers, with the order and its product,
/// and the language(s) its charts are written in.
#[derive(Clone)]
pub struct Scope {
    pub order: Order,
    pub product: Product,
    pub batches: Vec<Batch>,
    /// One batch asked for, rather than the whole order.
    pub single_batch: bool,
    pub language: ReportLanguage,
}

impl Scope {
    pub fn of_order(
        conn: &mut DbConnection,
        order_id: i64,
        visibility: Visibility,
    ) -> AppResult<Scope> {
        let order = get_order(conn, order_id, visibility)?;
        let product = get_product(conn, order.product_id, Visibility::Everything)?;
        let batches = crate::store::batches::batches_of_order(conn, order_id)?
            .into_iter()
            .map(Batch::from)
            .collect();
        Ok(Scope {
            order,
            product,
            batches,
            single_batch: false,
            language: ReportLanguage::En,
        })
    }

    pub fn of_batch(
        conn: &mut DbConnection,
        batch_id: i64,
        visibility: Visibility,
    ) -> AppResult<Scope> {
        let batch = get_batch(conn, batch_id, visibility)?;
        let order = get_order(conn, batch.order_id, Visibility::Everything)?;
        let product = get_product(conn, order.product_id, Visibility::Everything)?;
        Ok(Scope {
            order,
            product,
            batches: vec![batch],
            single_batch: true,
            language: ReportLanguage::En,
        })
    }

    /// The same batches, their charts written in `language`.
    pub fn in_language(self, language: ReportLanguage) -> Scope {
        Scope { language, ..self }
    }

    /// A chart's title: what it shows (`what` in each language), for
    /// which order, and which batch when it is of one.
    pub fn title(&self, what: impl Fn(Lang) -> String) -> String {
        let po = &self.order.po_number;
        in_report(self.language, " / ", |lang| match self.batches.as_slice() {
            [batch] if self.single_batch => message(
                lang,
                "chart-title-batch",
                &[
                    ("what", what(lang).into()),
                    ("po", po.clone().into()),
                    ("number", batch.number.into()),
                ],
            ),
            _ => format!("{} · {po}", what(lang)),
        })
    }

    /// A title whose subject is the catalogue's `key`.
    fn title_of(&self, key: &str) -> String {
        self.title(|lang| text(lang, key))
    }

    pub fn batch_ids(&self) -> Vec<i64> {
        self.batches.iter().map(|b| b.id).collect()
    }
}

pub fn batch_chart(
    conn: &mut DbConnection,
    batch_id: i64,
    name: &str,
    query: &ChartQuery,
    visibility: Visibility,
) -> AppResult<String> {
    let scope = Scope::of_batch(conn, batch_id, visibility)?.in_language(query.language);
    match name {
        "histogram" => histogram_chart(conn, &scope, characteristic_of(&scope.product, query)?),
        "chromaticity" => chromaticity_chart(conn, &scope),
        "oc-curve" => oc_chart(conn, &scope),
        "pareto" => pareto_chart(conn, &scope),
        _ => Err(unknown(name, &BATCH_CHARTS)),
    }
}

pub fn order_chart(
    conn: &mut DbConnection,
    order_id: i64,
    name: &str,
    query: &ChartQuery,
    visibility: Visibility,
) -> AppResult<String> {
    let scope = Scope::of_order(conn, order_id, visibility)?.in_language(query.language);
    match name {
        "histogram" => histogram_chart(conn, &scope, characteristic_of(&scope.product, query)?),
        "chromaticity" => chromaticity_chart(conn, &scope),
        "pareto" => pareto_chart(conn, &scope),
        "yield" => yield_chart(conn, &scope),
        _ => Err(unknown(name, &ORDER_CHARTS)),
    }
}

pub fn product_chart(
    conn: &mut DbConnection,
    product_id: i64,
    name: &str,
    query: &ChartQuery,
    visibility: Visibility,
) -> AppResult<String> {
    if name != "control-chart" {
        return Err(unknown(name, &PRODUCT_CHARTS));
    }
    let code = query.characteristic.as_deref().ok_or_else(|| {
        AppError::invalid("characteristic", Message::new("err-name-characteristic"))
    })?;
    let kind = match query.chart.as_deref() {
        None => ChartKind::XbarR,
        Some(text) => ChartKind::parse(text).ok_or_else(|| {
            AppError::invalid(
                "chart",
                Message::new("err-one-of").arg("choices", "xbar-r, xbar-s, i-mr, p, u"),
            )
        })?,
    };
    control_chart_svg(conn, product_id, code, kind, query, visibility)
}

/// A control chart of a product's batches (only one customer's batches
/// when `visibility` is a customer's), labelled by batch id.
pub fn control_chart_svg(
    conn: &mut DbConnection,
    product_id: i64,
    code: &str,
    kind: ChartKind,
    query: &ChartQuery,
    visibility: Visibility,
) -> AppResult<String> {
    let product = get_product(conn, product_id, visibility)?;
    let chart = control_chart(conn, product_id, code, kind, query.baseline, visibility)?;
    draw_control_chart(&product, &chart, query.language)
}

/// Draws a product's control chart, its points labelled by batch id.
pub fn draw_control_chart(
    product: &Product,
    chart: &ControlChart,
    language: ReportLanguage,
) -> AppResult<String> {
    let labels: Vec<String> = chart
        .points
        .iter()
        .map(|p| format!("#{}", p.batch_id))
        .collect();
    let kind_name = serde_json::to_value(chart.chart)
        .ok()
        .and_then(|v| v.as_str().map(str::to_uppercase))
        .unwrap_or_default();
    let code = chart.characteristic.as_str();
    let name = product
        .characteristics
        .iter()
        .find(|c| c.code == code)
        .map_or(code.to_string(), |c| c.name.clone());
    let title = in_report(language, " / ", |lang| {
        message(
            lang,
            "chart-control-title",
            &[
                ("kind", kind_name.clone().into()),
                ("name", name.clone().into()),
                ("code", product.code.clone().into()),
            ],
        )
    });
    control::render(chart, &title, &labels, language)
}

/// A characteristic's control chart over the scope's batches from each
/// batch's summary ([`chart_of_summaries`]): X̄–S with each batch a
/// subgroup, or I-MR of the batch means when the batches' samples differ
/// in size; the title says which, and points are labelled by batch number.
pub fn summary_control_chart(
    scope: &Scope,
    characteristic: &Characteristic,
    summaries: Vec<SubgroupSummary>,
) -> AppResult<String> {
    let chart = chart_of_summaries(&scope.product, &characteristic.code, summaries)?;
    let numbers: BTreeMap<i64, i32> = scope.batches.iter().map(|b| (b.id, b.number)).collect();
    let labels: Vec<String> = chart
        .points
        .iter()
        .map(|p| {
            numbers
                .get(&p.batch_id)
                .map_or_else(|| format!("#{}", p.batch_id), |n| format!("B{n}"))
        })
        .collect();
    let key = match chart.chart {
        ChartKind::XbarS => "chart-batches-xbar-s",
        _ => "chart-batches-i-mr",
    };
    let title =
        scope.title(|lang| message(lang, key, &[("name", characteristic.name.clone().into())]));
    control::render(&chart, &title, &labels, scope.language)
}

fn characteristic_of<'a>(
    product: &'a Product,
    query: &ChartQuery,
) -> AppResult<&'a Characteristic> {
    let code = query.characteristic.as_deref().ok_or_else(|| {
        AppError::invalid("characteristic", Message::new("err-name-characteristic"))
    })?;
    product
        .characteristics
        .iter()
        .find(|c| c.code == code && c.kind == Kind::Variable)
        .ok_or_else(|| {
            AppError::invalid(
                "characteristic",
                Message::new("err-not-measured")
                    .arg("code", code)
                    .arg("product", &product.code),
            )
        })
}

/// Count, mean, standard deviation and range of a characteristic's current
/// values over the scope's batches, read one batch at a time.
pub use crate::domain::stats::Running;

/// A characteristic's histogram over the scope's batches, from one pass
/// ([`Tally::over`]): each batch's readings read once.
pub fn histogram_chart(
    conn: &mut DbConnection,
    scope: &Scope,
    characteristic: &Characteristic,
) -> AppResult<String> {
    let wanted = Wanted {
        characteristics: vec![characteristic],
        ..Wanted::default()
    };
    let tally = Tally::over(conn, &scope.product, &scope.batches, &wanted)?;
    let found = tally
        .characteristics
        .first()
        .or_internal("a histogram has its data")?;
    render_histogram(scope, characteristic, &found.bins.bins(), &found.running)
}

/// A characteristic's histogram from its numbers; 409 without readings.
pub fn render_histogram(
    scope: &Scope,
    characteristic: &Characteristic,
    bins: &histogram::Bins,
    running: &Running,
) -> AppResult<String> {
    if running.n == 0 {
        return Err(AppError::conflict(
            ErrorCode::NoReadings,
            Message::new("err-no-readings-of").arg("code", &characteristic.code),
        ));
    }
    chartable(&characteristic.code, [running.min, running.max])?;
    let quantity = if characteristic.unit.is_empty() {
        characteristic.name.clone()
    } else {
        format!("{} ({})", characteristic.name, characteristic.unit)
    };
    histogram::render(&histogram::Histogram {
        language: scope.language,
        title: &scope.title(|_| format!("{} (n = {})", characteristic.name, running.n)),
        quantity: &quantity,
        bins,
        mean: running.mean(),
        std_dev: running.std_dev(),
        lsl: characteristic.lsl,
        usl: characteristic.usl,
        nominal: characteristic.nominal,
    })
}

pub fn chromaticity_chart(conn: &mut DbConnection, scope: &Scope) -> AppResult<String> {
    let wanted = Wanted {
        chromaticity: true,
        ..Wanted::default()
    };
    let tally = Tally::over(conn, &scope.product, &scope.batches, &wanted)?;
    render_chromaticity(scope, tally.chromaticity.as_ref())
}

/// The chromaticity diagram of the units a pass sampled; 409 when the
/// product records no chromaticity.
pub fn render_chromaticity(scope: &Scope, units: Option<&UnitSample>) -> AppResult<String> {
    let Some(units) = units else {
        return Err(AppError::conflict(
            ErrorCode::NoChromaticity,
            Message::new("err-no-chromaticity").arg("product", &scope.product.code),
        ));
    };
    let points = units.points();
    let title = if points.len() as u64 >= units.seen() {
        scope.title_of("chart-chromaticity")
    } else {
        scope.title(|lang| {
            message(
                lang,
                "chart-chromaticity-drawn",
                &[
                    ("drawn", points.len().into()),
                    ("seen", units.seen().into()),
                ],
            )
        })
    };
    let target = colour_target(&scope.product.params)
        .ok()
        .map(target_ellipse)
        .transpose()?;
    chromaticity::render(&chromaticity::Diagram {
        title: &title,
        target,
        units: &points,
    })
}

/// The attribute plan a batch is judged by: Ac from an ISO 2859-1 plan,
/// 0 (accept only when no unit fails) for a percent plan.
pub fn attribute_plan(plan: &crate::domain::sampling::plan::Plan) -> Option<AttributePlan> {
    AttributePlan::new(
        plan.lot_size as u64,
        plan.sample_size as u64,
        plan.accept.unwrap_or(0) as u64,
    )
    .ok()
}

/// The plan's producer's and consumer's risk points as they lie on its OC
/// curve: (p, Pa), p as the plan states it.
pub fn risk_points(plan: &crate::domain::sampling::plan::Plan) -> Option<[(f64, f64); 2]> {
    let attribute = attribute_plan(plan)?;
    let on_curve = |p: f64| (p, attribute.pa(p, plan.risk.model));
    Some([
        on_curve(plan.risk.producer_risk_point),
        on_curve(plan.risk.consumer_risk_point),
    ])
}

pub fn oc_chart(conn: &mut DbConnection, scope: &Scope) -> AppResult<String> {
    let batch = scope
        .batches
        .first()
        .or_internal("a batch chart has its batch")?;
    let plan = super::plans::find_plan(conn, batch.id)?
        .as_ref()
        .and_then(attribute_plan)
        .ok_or_else(|| AppError::conflict(ErrorCode::NoPlan, Message::new("err-no-plan-yet")))?;
    oc::render(&oc::OcChart {
        language: scope.language,
        title: &scope.title_of("chart-oc-curve"),
        plan,
        model: Model::Hypergeometric,
    })
}

/// Defects found per defect type over batches' visual summaries, most first.
pub fn defect_counts<'a>(
    summaries: impl IntoIterator<Item = &'a super::visual::VisualSummary>,
) -> Vec<(String, i64)> {
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    for summary in summaries {
        for defect in &summary.defects {
            *counts.entry(defect.name.clone()).or_default() += defect.count;
        }
    }
    let mut counts: Vec<(String, i64)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    counts
}

pub fn pareto_chart(conn: &mut DbConnection, scope: &Scope) -> AppResult<String> {
    let summaries = scope
        .batch_ids()
        .into_iter()
        .map(|id| super::visual::summary(conn, id, Visibility::Everything))
        .collect::<AppResult<Vec<_>>>()?;
    render_pareto(scope, &defect_counts(&summaries))
}

pub fn render_pareto(scope: &Scope, defects: &[(String, i64)]) -> AppResult<String> {
    pareto::render(&pareto::Pareto {
        language: scope.language,
        title: &scope.title_of("chart-visual-defects"),
        defects,
    })
}

pub fn yield_chart(conn: &mut DbConnection, scope: &Scope) -> AppResult<String> {
    let wanted = Wanted {
        yields: true,
        ..Wanted::default()
    };
    let tally = Tally::over(conn, &scope.product, &scope.batches, &wanted)?;
    render_yields(scope, &tally.yield_points())
}

pub fn render_yields(scope: &Scope, series: &[charts::yields::YieldPoint]) -> AppResult<String> {
    charts::yields::render(&charts::yields::YieldTrend {
        language: scope.language,
        title: &scope.title_of("chart-yield-per-batch"),
        batches: series,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The running moments of readings as large as a double holds stay
    /// finite and agree with the two-pass figures.
    #[test]
    fn running_moments_of_the_largest_values_stay_finite() {
        let values = [1e308, -1e308, 1e308, -1e308, 1e308];
        let mut running = Running::default();
        for v in values {
            running.add(v);
        }
        let d = crate::domain::stats::describe(&values).unwrap();
        let (mean, s) = (running.mean().unwrap(), running.std_dev().unwrap());
        assert!((mean / d.mean - 1.0).abs() < 1e-12, "{mean}");
        assert!((s / d.std_dev.unwrap() - 1.0).abs() < 1e-12, "{s}");
        assert_eq!((running.min, running.max), (-1e308, 1e308));
        let mut tiny = Running::default();
        for v in [1e-300, 3e-300] {
            tiny.add(v);
        }
        let s = tiny.std_dev().unwrap();
        assert!((s / (2f64.sqrt() * 1e-300) - 1.0).abs() < 1e-12, "{s}");
    }
}
