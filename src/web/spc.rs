//! A product's control charts in the browser: pick the characteristic, the
//! chart and a baseline; see the chart, the run-rule violations named with
//! their batches, and the phases frozen so far; freeze the limits of a
//! baseline as a new phase (leads). Limits, rules and phases are the
//! service's ([`control_charts`]), the chart the API's picture.

use super::forms::FormErrors;
use super::layout::page;
use super::session::{html_response, PageError, Session};
use crate::domain::access::{permits, Permission};
use crate::domain::language::ReportLanguage;
use crate::domain::run_rules::Rule;
use crate::domain::spc::{ChartKind, ControlChart};
use crate::domain::template::Kind;
use crate::error::AppError;
use crate::error::Message;
use crate::i18n::message;
use crate::service::capability::{self, ProductCapability};
use crate::service::catalog::{self, Product};
use crate::service::charts::draw_control_chart;
use crate::service::control_charts::{self, FreezeLimits, VISUAL};
use crate::service::suppliers::{self, Supplier};
use crate::service::switching::{self, Stream, SwitchingHistory};
use crate::store::Db;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;

const VARIABLE_CHARTS: [ChartKind; 3] = [ChartKind::XbarR, ChartKind::XbarS, ChartKind::IMr];
const COUNT_CHARTS: [ChartKind; 2] = [ChartKind::P, ChartKind::U];

/// What the reader picked; defaults to the first measured characteristic
/// and the product's own switching stream (not a supplier's).
#[derive(Deserialize, Default, Clone)]
pub struct ChartChoice {
    characteristic: Option<String>,
    chart: Option<String>,
    /// Text as typed: empty means every batch.
    baseline: Option<String>,
    /// A supplier's id; empty for the product's own lots.
    supplier: Option<String>,
}

/// The characteristics a chart can be drawn for: measured ones, and the
/// final visual inspection (p, u).
fn chartable(product: &Product) -> Vec<(String, String)> {
    let mut choices: Vec<(String, String)> = product
        .characteristics
        .iter()
        .filter(|c| c.kind != Kind::Attribute)
        .map(|c| (c.code.clone(), c.name.clone()))
        .collect();
    choices.push((VISUAL.into(), String::new()));
    choices
}

struct Picked {
    code: String,
    kind: ChartKind,
    /// The kind was asked for; otherwise the first that fits the data.
    kind_chosen: bool,
    baseline: Option<usize>,
    /// The baseline typed, when it is not a number of batches.
    baseline_refused: Option<String>,
}

fn picked(product: &Product, choice: &ChartChoice) -> Picked {
    let choices = chartable(product);
    let code = choice
        .characteristic
        .clone()
        .filter(|c| choices.iter().any(|(code, _)| code == c))
        .unwrap_or_else(|| choices[0].0.clone());
    let kinds: &[ChartKind] = if code == VISUAL {
        &COUNT_CHARTS
    } else {
        &VARIABLE_CHARTS
    };
    let chosen = choice
        .chart
        .as_deref()
        .and_then(ChartKind::parse)
        .filter(|k| kinds.contains(k));
    let typed = choice.baseline.as_deref().unwrap_or("").trim();
    let baseline = typed.parse::<usize>().ok().filter(|&b| b > 0);
    Picked {
        code,
        kind: chosen.unwrap_or(kinds[0]),
        kind_chosen: chosen.is_some(),
        baseline,
        baseline_refused: (!typed.is_empty() && baseline.is_none()).then(|| typed.to_string()),
    }
}

/// What a run rule says, in the reader's language ("One point beyond 3σ").
pub fn rule_text(session: &Session, rule: Rule) -> String {
    session.t(&format!("rule-{rule:?}"))
}

/// What the page shows: the product, the chart (or why there is none) and
/// its picture.
struct ChartView {
    product: Product,
    picked: Picked,
    chart: Result<(ControlChart, String), AppError>,
    /// Capability across the batches (measured characteristics only).
    capability: Option<Result<ProductCapability, AppError>>,
    suppliers: Vec<Supplier>,
    supplier: Option<i64>,
    switching: Result<SwitchingHistory, AppError>,
}

async fn load(
    db: &Db,
    session: &Session,
    product_id: i64,
    choice: ChartChoice,
) -> Result<ChartView, PageError> {
    session.caller.require(Permission::ReadProcess)?;
    let visibility = session.caller.visibility();
    let language = ReportLanguage::from(session.lang);
    Ok(db
        .read(move |c| {
            let product = catalog::get_product(c, product_id, visibility)?;
            let mut picked = picked(&product, &choice);
            let supplier = choice
                .supplier
                .as_deref()
                .and_then(|s| s.trim().parse().ok());
            let mut chart = control_charts::control_chart(
                c,
                product_id,
                &picked.code,
                picked.kind,
                picked.baseline,
                visibility,
            );
            // Unasked, the first kind that fits the data: X̄–R for small
            // samples, X̄–S for larger ones, I-MR when sizes differ.
            if !picked.kind_chosen && picked.code != VISUAL {
                for kind in &VARIABLE_CHARTS[1..] {
                    if !matches!(&chart, Err(e) if e.status() == StatusCode::UNPROCESSABLE_ENTITY) {
                        break;
                    }
                    picked.kind = *kind;
                    chart = control_charts::control_chart(
                        c,
                        product_id,
                        &picked.code,
                        *kind,
                        picked.baseline,
                        visibility,
                    );
                }
            }
            let chart = chart.and_then(|chart| {
                let svg = draw_control_chart(&product, &chart, language)?;
                Ok((chart, svg))
            });
            let capability = (picked.code != VISUAL)
                .then(|| capability::product_capability(c, product_id, &picked.code, visibility));
            let stream = Stream {
                product_id,
                supplier_id: supplier,
            };
            let switching = switching::history(c, stream, visibility);
            Ok(ChartView {
                product,
                picked,
                chart,
                capability,
                suppliers: suppliers::list_suppliers(c)?,
                supplier,
                switching,
            })
        })
        .await?)
}

/// The freeze form as it was sent, when it was refused: its batches and
/// why.
#[derive(Default)]
struct FreezeAttempt {
    batches: Option<(i64, i64)>,
    errors: FormErrors,
}

fn render(session: &Session, view: &ChartView, attempt: &FreezeAttempt) -> Markup {
    let lang = session.lang;
    let t = |key: &str| session.t(key);
    let product = &view.product;
    let picked = &view.picked;
    let kinds: &[ChartKind] = if picked.code == VISUAL {
        &COUNT_CHARTS
    } else {
        &VARIABLE_CHARTS
    };
    let title = message(
        lang,
        "spc-title",
        &[("product", product.code.as_str().into())],
    );
    let may_freeze = permits(session.caller.role, Permission::PlanSampling);
    let body = html! {
        @if may_freeze {
            p { a href="/dashboard" { "← " (t("nav-dashboard")) } }
        } @else {
            p { a href="/" { "← " (t("nav-orders")) } }
        }
        h1 { (title) }
        p.muted { (product.name) }
        form.pick.card method="get" action={ "/products/" (product.id) "/control-chart" } {
            @if let Some(supplier) = view.supplier { input type="hidden" name="supplier" value=(supplier); }
            div.fields-row {
                div {
                    label for="characteristic" { (t("spc-characteristic")) }
                    select #characteristic name="characteristic" {
                        @for (code, name) in chartable(product) {
                            option value=(code) selected[code == picked.code] {
                                @if code == VISUAL { (t("visual-heading")) } @else { (name) }
                            }
                        }
                    }
                }
                div {
                    label for="chart" { (t("spc-chart")) }
                    select #chart name="chart" {
                        @for kind in kinds {
                            option value=(kind.as_str()) selected[*kind == picked.kind] { (t(&format!("chart-{}", kind.as_str()))) }
                        }
                    }
                }
                div {
                    label for="baseline" { (t("spc-baseline")) }
                    input #baseline type="text" name="baseline" inputmode="numeric"
                        value=[picked.baseline_refused.clone().or(picked.baseline.map(|b| b.to_string()))]
                        placeholder=(t("spc-baseline-all"))
                        aria-invalid=[picked.baseline_refused.as_ref().map(|_| "true")]
                        aria-describedby=[picked.baseline_refused.as_ref().map(|_| "baseline-error")];
                    @if picked.baseline_refused.is_some() {
                        p.field-error #baseline-error { (t("spc-baseline-refused")) }
                    }
                }
                div { button type="submit" { (t("spc-show")) } }
            }
        }
        @match &view.chart {
            Err(error) => div.card { p.warn { (super::forms::in_language(lang, &error.detail)) } },
            Ok((chart, svg)) => {
                div.card {
                    @let chart_title = message(lang, "spc-chart-title", &[("chart", t(&format!("chart-{}", chart.chart.as_str())).into()), ("count", chart.points.len().into())]);
                    figure.chart role="img" aria-label=(chart_title) {
                        (PreEscaped(svg))
                        figcaption {
                            (chart_title) " · "
                            (message(lang, "spc-limits", &[("lcl", format!("{:.4}", chart.lcl).into()), ("center", format!("{:.4}", chart.center).into()), ("ucl", format!("{:.4}", chart.ucl).into())]))
                        }
                    }
                    h2 { (t("spc-violations")) }
                    @if chart.alerts.is_empty() {
                        p.good { (t("spc-in-control")) }
                    } @else {
                        table.sticky-first {
                            thead { tr { th scope="col" { (t("spc-rule")) } th scope="col" { (t("spc-batches")) } } }
                            tbody {
                                @for alert in &chart.alerts {
                                    tr {
                                        th scope="row" { span.bad { (format!("{:?}", alert.rule)) } " · " (rule_text(session, alert.rule)) }
                                        td { @for id in &alert.batch_ids { a href={ "/batches/" (id) } { "#" (id) } " " } }
                                    }
                                }
                            }
                        }
                    }
                }
                div.card {
                    h2 { (t("spc-phases")) }
                    @if chart.phases.is_empty() {
                        p.muted { (t("spc-no-phases")) }
                    } @else {
                        table {
                            thead { tr { th scope="col" { (t("spc-phase-batches")) } th.num scope="col" { "LCL" } th.num scope="col" { (t("spc-center")) } th.num scope="col" { "UCL" } th scope="col" { (t("spc-frozen")) } } }
                            tbody {
                                @for phase in &chart.phases {
                                    tr {
                                        td { "#" (phase.first_batch_id) " – #" (phase.last_batch_id) }
                                        td.num { (format!("{:.4}", phase.lcl)) }
                                        td.num { (format!("{:.4}", phase.center)) }
                                        td.num { (format!("{:.4}", phase.ucl)) }
                                        td { (phase.frozen_by.as_deref().unwrap_or("—")) " · " (session.when(phase.frozen_at)) }
                                    }
                                }
                            }
                        }
                    }
                    @if may_freeze {
                        (freeze_form(session, product.id, picked, chart, attempt))
                    }
                }
            }
        }
        @if let Some(capability) = &view.capability { (capability_card(session, capability)) }
        (switching_card(session, view))
    };
    page(&session.frame(), &title, body)
}

fn interval(ci: Option<[f64; 2]>) -> String {
    ci.map_or(String::new(), |[lo, hi]| format!(" [{lo:.2}, {hi:.2}]"))
}

fn index(value: Option<f64>) -> String {
    value.map_or("—".into(), |v| format!("{v:.2}"))
}

/// Cp, Cpk (with their 95% intervals), Pp and Ppk over the product's batches.
fn capability_card(session: &Session, capability: &Result<ProductCapability, AppError>) -> Markup {
    let t = |key: &str| session.t(key);
    html! {
        div.card #capability {
            h2 { (t("cap-heading")) }
            @match capability {
                Err(error) => p.muted { (super::forms::in_language(session.lang, &error.detail)) },
                Ok(c) => {
                    p.muted { (message(session.lang, "cap-basis", &[("n", c.n.into()), ("subgroups", c.subgroups.into())])) }
                    dl.fields {
                        dt { "Cp" } dd { (index(c.indices.cp)) span.muted { (interval(c.indices.cp_ci)) } }
                        dt { "Cpk" } dd { (index(c.indices.cpk)) span.muted { (interval(c.indices.cpk_ci)) } }
                        dt { "Pp" } dd { (index(c.indices.pp)) }
                        dt { "Ppk" } dd { (index(c.indices.ppk)) }
                        dt { (t("col-mean")) } dd { (c.mean.map_or("—".into(), |m| format!("{m:.4}"))) }
                        dt { (t("cap-sigma-within")) } dd { (c.sigma_within.map_or("—".into(), |s| format!("{s:.4}"))) @if let Some(m) = &c.sigma_within_method { span.muted { " (" (m) ")" } } }
                        dt { (t("cap-sigma-overall")) } dd { (c.sigma_overall.map_or("—".into(), |s| format!("{s:.4}"))) }
                    }
                    p.muted { (t("cap-intervals")) }
                    @if let Some(normality) = &c.anderson_darling {
                        p { (message(session.lang, "cap-normality", &[("a2", format!("{:.3}", normality.a2).into()), ("p", format!("{:.3}", normality.p_value).into())])) }
                    }
                }
            }
        }
    }
}

/// A switching reason's catalogue key: its serialised name, `-` for `_`.
fn reason_key(reason: impl serde::Serialize) -> String {
    serde_json::to_value(reason)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', "-")))
        .unwrap_or_default()
}

fn severity_name(session: &Session, severity: impl serde::Serialize) -> String {
    let name = serde_json::to_value(severity)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default();
    session.t(&format!("inspection-{name}"))
}

/// The switching state of the product's lots (or of a supplier's material
/// for it) and the events that led there.
fn switching_card(session: &Session, view: &ChartView) -> Markup {
    let t = |key: &str| session.t(key);
    html! {
        div.card #switching {
            h2 { (t("switch-heading")) }
            form.fields-row method="get" action={ "/products/" (view.product.id) "/control-chart" } {
                input type="hidden" name="characteristic" value=(view.picked.code);
                input type="hidden" name="chart" value=(view.picked.kind.as_str());
                div {
                    label for="supplier" { (t("switch-stream")) }
                    select #supplier name="supplier" {
                        option value="" { (t("switch-own-lots")) }
                        @for s in &view.suppliers { option value=(s.id) selected[view.supplier == Some(s.id)] { (s.name) } }
                    }
                }
                div { button.quiet type="submit" { (t("spc-show")) } }
            }
            @match &view.switching {
                Err(error) => p.muted { (super::forms::in_language(session.lang, &error.detail)) },
                Ok(history) => {
                    p { (t("switch-now")) (t("label-colon")) strong { (severity_name(session, history.current.severity)) } }
                    @if history.events.is_empty() {
                        p.muted { (t("switch-no-events")) }
                    } @else {
                        table.sticky-first {
                            thead { tr { th scope="col" { (t("switch-when")) } th scope="col" { (t("batch")) } th scope="col" { (t("switch-lot")) } th scope="col" { (t("switch-then")) } th scope="col" { (t("switch-why")) } } }
                            tbody {
                                @for e in history.events.iter().rev().take(30) {
                                    tr {
                                        th scope="row" { (session.when(e.recorded_at)) }
                                        td { @if let Some(b) = e.batch_id { a href={ "/batches/" (b) } { "#" (b) } } @else { "—" } }
                                        td { @match e.accepted { Some(true) => span.good { (t("switch-accepted")) }, Some(false) => span.bad { (t("switch-not-accepted")) }, None => "—" } }
                                        td { (severity_name(session, e.severity)) }
                                        td { (t(&format!("reason-{}", reason_key(e.reason)))) @if let Some(note) = &e.note { div.muted { (note) } } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn freeze_form(
    session: &Session,
    product_id: i64,
    picked: &Picked,
    chart: &ControlChart,
    attempt: &FreezeAttempt,
) -> Markup {
    let t = |key: &str| session.t(key);
    let errors = &attempt.errors;
    let ids: Vec<i64> = chart.points.iter().map(|p| p.batch_id).collect();
    let (first_default, last_default) = match attempt.batches {
        Some((first, last)) => (Some(first), Some(last)),
        None => (
            ids.first().copied(),
            picked
                .baseline
                .and_then(|n| ids.get(n.saturating_sub(1)))
                .or(ids.last())
                .copied(),
        ),
    };
    html! {
        form.freeze method="post" action={ "/products/" (product_id) "/control-chart/phases" } {
            h3 { (t("spc-freeze-heading")) }
            p.muted { (t("spc-freeze-hint")) }
            input type="hidden" name="csrf" value=(session.csrf);
            input type="hidden" name="characteristic" value=(picked.code);
            input type="hidden" name="chart" value=(picked.kind.as_str());
            div.fields-row {
                div {
                    label for="first_batch_id" { (t("spc-first-batch")) }
                    select #first_batch_id name="first_batch_id" aria-describedby=[errors.field("first_batch_id").map(|_| "first_batch_id-error")] {
                        @for id in &ids { option value=(id) selected[Some(*id) == first_default] { "#" (id) } }
                    }
                    (errors.beside("first_batch_id"))
                }
                div {
                    label for="last_batch_id" { (t("spc-last-batch")) }
                    select #last_batch_id name="last_batch_id" aria-describedby=[errors.field("last_batch_id").map(|_| "last_batch_id-error")] {
                        @for id in &ids { option value=(id) selected[Some(*id) == last_default] { "#" (id) } }
                    }
                    (errors.beside("last_batch_id"))
                }
                div { button type="submit" { (t("spc-freeze")) } }
            }
            (errors.general(&["first_batch_id", "last_batch_id"]))
        }
    }
}

#[get("/products/{id}/control-chart")]
pub async fn chart_page(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
    choice: web::Query<ChartChoice>,
) -> Result<HttpResponse, PageError> {
    let view = load(&db, &session, id.into_inner(), choice.into_inner()).await?;
    let markup = render(&session, &view, &FreezeAttempt::default());
    Ok(html_response(StatusCode::OK).body(markup.into_string()))
}

#[derive(Deserialize)]
pub struct FreezeFields {
    csrf: String,
    characteristic: String,
    chart: String,
    first_batch_id: i64,
    last_batch_id: i64,
}

/// Freezes the limits of the chosen batches as a new phase; a refusal
/// shows the chart again with the reason beside the field.
#[post("/products/{id}/control-chart/phases")]
pub async fn freeze(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
    fields: web::Form<FreezeFields>,
) -> Result<HttpResponse, PageError> {
    session.check_csrf(&fields.csrf)?;
    session.caller.require(Permission::PlanSampling)?;
    let product_id = id.into_inner();
    let fields = fields.into_inner();
    let kind = ChartKind::parse(&fields.chart).ok_or_else(|| {
        AppError::invalid(
            "chart",
            Message::new("err-one-of").arg("choices", "xbar-r, xbar-s, i-mr, p, u"),
        )
    })?;
    let request = FreezeLimits {
        characteristic: fields.characteristic.clone(),
        chart: kind,
        first_batch_id: fields.first_batch_id,
        last_batch_id: fields.last_batch_id,
    };
    let actor = session.caller.actor();
    let frozen = db
        .write(move |c| control_charts::freeze(c, &actor, product_id, request))
        .await;
    let back = ChartChoice {
        characteristic: Some(fields.characteristic),
        chart: Some(fields.chart),
        baseline: None,
        supplier: None,
    };
    match frozen {
        Ok(_) => {
            let query = serde_urlencoded::to_string([
                (
                    "characteristic",
                    back.characteristic.as_deref().unwrap_or_default(),
                ),
                ("chart", back.chart.as_deref().unwrap_or_default()),
            ])
            .unwrap_or_default();
            Ok(HttpResponse::SeeOther()
                .insert_header((
                    "Location",
                    format!("/products/{product_id}/control-chart?{query}"),
                ))
                .finish())
        }
        Err(error) if matches!(error.status().as_u16(), 409 | 422) => {
            let status = error.status();
            let attempt = FreezeAttempt {
                batches: Some((fields.first_batch_id, fields.last_batch_id)),
                errors: FormErrors::from_error(session.lang, &error),
            };
            let view = load(&db, &session, product_id, back).await?;
            Ok(html_response(status).body(render(&session, &view, &attempt).into_string()))
        }
        Err(error) => Err(error.into()),
    }
}
