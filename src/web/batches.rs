//! Order and batch pages: the plan, the readings' statistics, and the final
//! visual inspection with thumbnails of the defect photos.

use super::disposition::SignForm;
use super::layout::page;
use super::session::{html_response, PageError, Session};
use crate::api::visual::image_response;
use crate::domain::access::Visibility;
use crate::domain::access::{permits, Permission};
use crate::domain::disposition::BatchDisposition;
use crate::domain::language::Lang;
use crate::domain::sampling::oc::Counts;
use crate::domain::sampling::plan::Plan;
use crate::domain::template::Severity;
use crate::error::AppResult;
use crate::error::ErrorCode;
use crate::i18n::{grouped, message, text};
use crate::service::statistics::{self, BatchStatistics};
use crate::service::visual::{self, Inspection, VisualSummary};
use crate::service::{batches, catalog, dispositions, orders, photos, plans, reports};
use crate::store::Db;
use crate::store::PageRequest;
use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use maud::{html, Markup};

/// A number to at most `decimals` places, without trailing zeros; a dash
/// when there is none.
pub fn number(value: Option<f64>, decimals: usize) -> String {
    value.map_or("—".to_string(), |v| {
        let text = format!("{v:.decimals$}");
        if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            text
        }
    })
}

/// An order and its batches.
#[get("/orders/{id}")]
pub async fn order_page(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::ReadResults)?;
    let (id, visibility) = (id.into_inner(), session.caller.visibility());
    let all = PageRequest {
        page: 1,
        per_page: 200,
    };
    let customer = visibility != Visibility::Everything;
    let traces = permits(session.caller.role, Permission::Trace);
    let (order, product, batches, issued, statuses, traced) = db
        .read(move |c| {
            let order = orders::get_order(c, id, visibility)?;
            let product = catalog::get_product(c, order.product_id, visibility)?;
            let batches = batches::list_batches(c, id, visibility, all)?;
            let issued = reports::list(c, id, visibility)?;
            // A customer sees each batch as the report issued to it says.
            let as_of = if customer {
                issued.last().map(|r| Some(r.issued_at))
            } else {
                Some(None)
            };
            let statuses = batches
                .items
                .iter()
                .map(|b| match as_of {
                    None => Ok(None),
                    Some(at) => dispositions::decision_at(c, b.id, at).map(Some),
                })
                .collect::<AppResult<Vec<_>>>()?;
            // The factory's own record: which material lots went in.
            let traced = if traces {
                Some(crate::service::trace::order(c, id)?)
            } else {
                None
            };
            Ok((order, product, batches, issued, statuses, traced))
        })
        .await?;
    let lang = session.lang;
    let t = |key| session.t(key);
    let po = message(lang, "order-po", &[("po", order.po_number.as_str().into())]);
    let staff = permits(session.caller.role, Permission::ReadProcess);
    let body = html! {
        p { a href="/" { "← " (t("nav-orders")) } }
        h1 { (po) }
        p { strong { (product.code) } " · " (product.name) }
        p.muted { (message(lang, "order-summary", &[("quantity", grouped(order.quantity as f64, 0).into()), ("date", session.day(order.created_at).into())])) }
        @if customer && issued.is_empty() {
            div.card.banner-card { p { strong { (t("report-in-preparation")) } } p.muted { (t("report-in-preparation-hint")) } }
        }
        p {
            a.button href={ "/orders/" (order.id) "/report" } { (t("qc-report")) } " "
            @if staff {
                a.button.quiet href={ "/products/" (order.product_id) "/control-chart" } { (t("control-charts")) } " "
            }
            @if permits(session.caller.role, Permission::OpenNcrs) {
                a.button.quiet href={ "/orders/" (order.id) "/claims" } { (t("order-claims")) } " "
            }
            a.button.quiet href={ "/api/v1/orders/" (order.id) "/packing-list.pdf?language=" (lang.tag()) } download { (t("shipping-packing-list-pdf")) }
        }
        div.card {
            table.sticky-first {
                thead { tr { th scope="col" { (t("batch")) } th.num scope="col" { (t("lot-size")) } th scope="col" { (t("line")) } th scope="col" { (t("orders-entered")) } th scope="col" { (t("batch-status")) } } }
                tbody {
                    @for (batch, status) in batches.items.iter().zip(&statuses) {
                        tr {
                            th scope="row" {
                                @let name = message(lang, "batch-number", &[("number", batch.number.into())]);
                                @if staff { a href={ "/batches/" (batch.id) } { (name) } } @else { (name) }
                            }
                            td.num { (grouped(batch.lot_size as f64, 0)) }
                            td { (batch.line.as_deref().unwrap_or("—")) }
                            td { (session.day(batch.created_at)) }
                            td.nowrap {
                                @match status {
                                    None => span.muted { (t("status-in-preparation")) },
                                    Some(None) => span.muted { (t("issue-no-decision")) },
                                    Some(Some(meaning)) => (super::disposition::meaning_badge(lang, *meaning)),
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let body = html! {
        (body)
        @if let Some(traced) = &traced { (order_lots_card(&session, traced)) }
    };
    let markup = page(&session.frame(), &po, body);
    Ok(html_response(StatusCode::OK).body(markup.into_string()))
}

/// The material lots in the order's batches, each with the batches it
/// went into: the order traced back to its suppliers.
fn order_lots_card(session: &Session, traced: &crate::service::trace::OrderTrace) -> Markup {
    let lang = session.lang;
    let t = |key: &str| session.t(key);
    html! {
        section.card aria-labelledby="order-lots" {
            h2 #order-lots { (message(lang, "order-lots", &[("count", traced.material_lots.len().into())])) }
            @if traced.material_lots.is_empty() {
                p.muted { (t("order-lots-none")) }
            } @else {
                table.sticky-first {
                    thead { tr {
                        th scope="col" { (t("lot-number")) } th scope="col" { (t("lot-material")) }
                        th scope="col" { (t("lot-supplier")) } th scope="col" { (t("lot-status")) }
                        th scope="col" { (t("order-lots-batches")) }
                    } }
                    tbody { @for lot in &traced.material_lots {
                        tr {
                            th scope="row" { a href={ "/materials/" (lot.id) } { (lot.lot_number) } }
                            td { (lot.material) }
                            td { (lot.supplier) }
                            td { (super::materials::status_badge(session, lot.status)) " " (super::materials::flags(session, lot)) }
                            td {
                                @for b in traced.batches.iter().filter(|b| b.material_lots.iter().any(|u| u.material_lot.id == lot.id)) {
                                    a href={ "/batches/" (b.batch.id) } { (message(lang, "batch-number", &[("number", b.batch.number.into())])) } " "
                                }
                            }
                        }
                    } }
                }
            }
        }
    }
}

fn statistics_card(session: &Session, stats: &BatchStatistics) -> Markup {
    let t = |key: &str| session.t(key);
    // The widest table of the page: on a portrait tablet the card scrolls
    // sideways, so it takes the keyboard's focus too (WCAG 2.1.1).
    html! {
        div.card tabindex="0" role="region" aria-label=(t("readings-heading")) {
            h2 { (t("readings-heading")) }
            table.sticky-first {
                thead { tr {
                    th scope="col" { (t("col-characteristic")) } th.num scope="col" { "n" }
                    th.num scope="col" { (t("col-mean")) } th.num scope="col" { "s" }
                    th.num scope="col" { (t("col-min")) } th.num scope="col" { (t("col-max")) }
                    th.num scope="col" { "LSL" } th.num scope="col" { "USL" }
                    th.num scope="col" { (t("col-nonconforming")) } th.num scope="col" { "Cpk" }
                } }
                tbody {
                    @for c in &stats.characteristics {
                        tr {
                            th scope="row" { (c.name) @if !c.unit.is_empty() { span.muted { " (" (c.unit) ")" } } }
                            td.num { (c.n) }
                            td.num { (number(c.mean, 4)) }
                            td.num { (number(c.std_dev, 4)) }
                            td.num { (number(c.min, 4)) }
                            td.num { (number(c.max, 4)) }
                            td.num { (number(c.lsl, 4)) }
                            td.num { (number(c.usl, 4)) }
                            td.num class=[(c.nonconforming > 0).then_some("bad")] { (c.nonconforming) }
                            td.num { (number(c.indices.cpk, 2)) }
                        }
                    }
                }
            }
        }
    }
}

fn severity_text(lang: Lang, severity: Severity) -> String {
    text(lang, &format!("severity-{}", severity.as_str()))
}

fn visual_card(session: &Session, summary: &VisualSummary, failed: &[Inspection]) -> Markup {
    let lang = session.lang;
    let t = |key: &str| session.t(key);
    html! {
        div.card {
            h2 { (t("visual-heading")) }
            p {
                (message(lang, "visual-summary", &[
                    ("inspected", summary.units_inspected.into()), ("total", summary.units_to_inspect.into()),
                    ("passed", summary.units_passed.into()), ("failed", summary.units_failed.into())]))
                span.muted { " (" (message(lang, "visual-classes", &[
                    ("critical", summary.units_with_critical.into()), ("major", summary.units_with_major.into()),
                    ("minor", summary.units_with_minor.into())])) ")" }
            }
            @if !summary.defects.is_empty() {
                table {
                    thead { tr { th scope="col" { (t("col-defect")) } th scope="col" { (t("col-severity")) } th.num scope="col" { (t("col-found")) } th.num scope="col" { (t("col-units")) } } }
                    tbody {
                        @for d in &summary.defects {
                            tr { td { (d.name) } td { (severity_text(lang, d.severity)) } td.num { (d.count) } td.num { (d.units) } }
                        }
                    }
                }
            }
            @if !failed.is_empty() {
                h3 { (t("units-with-defects")) }
                div.units {
                    @for inspection in failed {
                        @let unit = message(lang, "unit-number", &[("unit", inspection.unit.into())]);
                        div.unit {
                            div { strong { (unit) } }
                            ul {
                                @for f in &inspection.defects {
                                    li { (f.name) " × " (f.count) span.muted { " · " (severity_text(lang, f.severity)) } }
                                }
                            }
                            @for photo in &inspection.photos {
                                a href={ "/photos/" (photo.id) } {
                                    img src={ "/photos/" (photo.id) "/thumbnail" } alt=(message(lang, "photo-of-unit", &[("unit", inspection.unit.into())])) loading="lazy";
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn plan_card(lang: Lang, plan: Option<&Plan>) -> Markup {
    let t = |key: &str| text(lang, key);
    html! {
        div.card {
            h2 { (t("plan-heading")) }
            @match plan {
                None => p.muted { (t("plan-none")) },
                Some(plan) => p {
                    @match plan.percent {
                        Some(percent) => { (message(lang, "plan-percent", &[("percent", percent.into())])) },
                        None => { "ISO 2859-1" @if let Some(level) = &plan.level { ", " (message(lang, "plan-level", &[("level", level.as_str().into())])) } },
                    }
                    " · " strong { (message(lang, "plan-units", &[("n", plan.sample_size.into()), ("lot", plan.lot_size.into())])) }
                    @if let (Some(ac), Some(re)) = (plan.accept, plan.reject) { " · Ac " (ac) " / Re " (re) }
                    @if let Some(aql) = plan.aql { " · AQL " (aql) }
                    @if let Some(inspection) = &plan.inspection { " · " (t(&format!("inspection-{inspection}"))) }
                    @if plan.counts == Counts::Nonconformities { " · " (t("counts-nonconformities")) }
                    span.muted { " · " (message(lang, "plan-seed", &[("seed", plan.seed.to_string().into())])) }
                },
            }
        }
    }
}

/// What a batch page shows, read in one go.
pub struct BatchPage {
    batch: batches::Batch,
    order: orders::Order,
    plan: Option<Plan>,
    stats: BatchStatistics,
    summary: Option<VisualSummary>,
    failed: Vec<Inspection>,
    /// What the data propose and the decisions signed.
    disposition: BatchDisposition,
}

/// Reads a batch page's data as `session`'s user may see them.
pub async fn load_batch(db: &Db, session: &Session, id: i64) -> Result<BatchPage, PageError> {
    // Staff only: a customer reads its batches as the issued report gives
    // them, not the data while they are being recorded.
    session.caller.require(Permission::ReadProcess)?;
    let visibility = session.caller.visibility();
    let page = db
        .read(move |c| {
            let batch = batches::get_batch(c, id, visibility)?;
            let order = orders::get_order(c, batch.order_id, visibility)?;
            let plan = plans::find_plan(c, id)?;
            let stats = statistics::batch_statistics(c, id, visibility)?;
            // A sampled visual inspection has nothing to sum up before the plan.
            let summary = match visual::summary(c, id, visibility) {
                Ok(summary) => Some(summary),
                Err(e) if e.code == ErrorCode::NoSamplingPlan => None,
                Err(e) => return Err(e),
            };
            let failed = visual::current_failed(c, id, visibility, 60)?;
            let disposition = dispositions::batch_disposition(c, id, visibility)?;
            Ok(BatchPage {
                batch,
                order,
                plan,
                stats,
                summary,
                failed,
                disposition,
            })
        })
        .await?;
    Ok(page)
}

/// A batch page, with the signing form as `form` left it.
pub fn render_batch(session: &Session, data: &BatchPage, form: &SignForm) -> Markup {
    let lang = session.lang;
    let (batch, order) = (&data.batch, &data.order);
    let title = message(
        lang,
        "batch-title",
        &[
            ("number", batch.number.into()),
            ("po", order.po_number.as_str().into()),
        ],
    );
    let body = html! {
        p { a href={ "/orders/" (order.id) } { "← " (message(lang, "order-po", &[("po", order.po_number.as_str().into())])) } }
        h1 { (title) }
        p.muted {
            (message(lang, "batch-lot", &[("lot", batch.lot_size.into())]))
            @if let Some(line) = &batch.line { " · " (message(lang, "work-line", &[("line", line.as_str().into())])) }
        }
        p { a.button.quiet href={ "/batches/" (batch.id) "/shipment" } { (session.t("batch-shipment")) } }
        (super::disposition::card(session, batch.id, &data.disposition, form))
        (plan_card(lang, data.plan.as_ref()))
        (statistics_card(session, &data.stats))
        @if let Some(summary) = &data.summary { (visual_card(session, summary, &data.failed)) }
    };
    page(&session.frame(), &title, body)
}

/// A batch: its disposition (staff), its plan, the statistics of its
/// readings, its visual inspection.
#[get("/batches/{id}")]
pub async fn batch_page(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let data = load_batch(&db, &session, id.into_inner()).await?;
    let markup = render_batch(&session, &data, &SignForm::default());
    Ok(html_response(StatusCode::OK).body(markup.into_string()))
}

async fn photo(
    db: web::Data<Db>,
    session: Session,
    id: i64,
    thumbnail: bool,
) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::ReadResults)?;
    let visibility = session.caller.visibility();
    let (content_type, bytes) = db
        .read(move |c| photos::fetch(c, id, visibility, thumbnail))
        .await?;
    Ok(image_response(content_type, bytes))
}

#[get("/photos/{id}")]
pub async fn photo_page(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    photo(db, session, id.into_inner(), false).await
}

#[get("/photos/{id}/thumbnail")]
pub async fn thumbnail_page(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    photo(db, session, id.into_inner(), true).await
}
