//! Order and batch pages: the plan, the readings' statistics, and the final
//! visual inspection with thumbnails of the defect photos.

use super::layout::page;
use super::session::{html_response, PageError, Session};
use crate::api::visual::image_response;
use crate::domain::access::Permission;
use crate::error::ErrorCode;
use crate::i18n::message;
use crate::service::statistics::{self, BatchStatistics};
use crate::service::visual::{self, Inspection, VisualSummary};
use crate::service::{batches, orders, photos, plans};
use crate::store::Db;
use crate::store::PageRequest;
use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use maud::{html, Markup};

/// A number to at most `decimals` places, without trailing zeros; a dash
/// when there is none.
fn number(value: Option<f64>, decimals: usize) -> String {
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
    let (order, batches) = db
        .read(move |c| {
            Ok((
                orders::get_order(c, id, visibility)?,
                batches::list_batches(c, id, visibility, all)?,
            ))
        })
        .await?;
    let lang = session.lang;
    let t = |key| session.t(key);
    let po = message(lang, "order-po", &[("po", order.po_number.as_str().into())]);
    let body = html! {
        p { a href="/" { "← " (t("nav-orders")) } }
        h1 { (po) }
        p.muted { (message(lang, "order-summary", &[("quantity", order.quantity.into()), ("date", order.created_at.format("%Y-%m-%d").to_string().into())])) }
        p { a.button href={ "/orders/" (order.id) "/report" } { (t("qc-report")) } }
        div.card {
            table {
                thead { tr { th { (t("batch")) } th.num { (t("lot-size")) } th { (t("line")) } th { (t("orders-entered")) } } }
                tbody {
                    @for batch in &batches.items {
                        tr {
                            td { a href={ "/batches/" (batch.id) } { (message(lang, "batch-number", &[("number", batch.number.into())])) } }
                            td.num { (batch.lot_size) }
                            td { (batch.line.as_deref().unwrap_or("—")) }
                            td { (batch.created_at.format("%Y-%m-%d")) }
                        }
                    }
                }
            }
        }
    };
    let markup = page(&session.frame(), &po, body);
    Ok(html_response(StatusCode::OK).body(markup.into_string()))
}

fn statistics_card(stats: &BatchStatistics) -> Markup {
    html! {
        div.card {
            h2 { "Readings" }
            table {
                thead { tr {
                    th { "Characteristic" } th.num { "n" } th.num { "Mean" } th.num { "s" }
                    th.num { "Min" } th.num { "Max" } th.num { "LSL" } th.num { "USL" }
                    th.num { "Nonconforming" } th.num { "Cpk" }
                } }
                tbody {
                    @for c in &stats.characteristics {
                        tr {
                            td { (c.name) @if !c.unit.is_empty() { span.muted { " (" (c.unit) ")" } } }
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

fn visual_card(summary: &VisualSummary, failed: &[Inspection]) -> Markup {
    html! {
        div.card {
            h2 { "Final visual inspection" }
            p {
                (summary.units_inspected) " of " (summary.units_to_inspect) " units inspected · "
                strong { (summary.units_passed) } " passed · "
                strong.bad[summary.units_failed > 0] { (summary.units_failed) } " with defects"
                span.muted { " (critical " (summary.units_with_critical) ", major " (summary.units_with_major)
                    ", minor " (summary.units_with_minor) ")" }
            }
            @if !summary.defects.is_empty() {
                table {
                    thead { tr { th { "Defect" } th { "Severity" } th.num { "Found" } th.num { "Units" } } }
                    tbody {
                        @for d in &summary.defects {
                            tr { td { (d.name) } td { (d.severity.as_str()) } td.num { (d.count) } td.num { (d.units) } }
                        }
                    }
                }
            }
            @if !failed.is_empty() {
                h3 { "Units with defects" }
                div.units {
                    @for inspection in failed {
                        div.unit {
                            div { strong { "Unit " (inspection.unit) } }
                            ul {
                                @for f in &inspection.defects {
                                    li { (f.name) " × " (f.count) span.muted { " · " (f.severity.as_str()) } }
                                }
                            }
                            @for photo in &inspection.photos {
                                a href={ "/photos/" (photo.id) } {
                                    img src={ "/photos/" (photo.id) "/thumbnail" } alt={ "photo of unit " (inspection.unit) } loading="lazy";
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A batch: its plan, the statistics of its readings, its visual inspection.
#[get("/batches/{id}")]
pub async fn batch_page(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::ReadResults)?;
    let (id, visibility) = (id.into_inner(), session.caller.visibility());
    let (batch, order, plan, stats, summary, failed) = db
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
            Ok((batch, order, plan, stats, summary, failed))
        })
        .await?;
    let body = html! {
        p { a href={ "/orders/" (order.id) } { "← PO " (order.po_number) } }
        h1 { "Batch " (batch.number) " · PO " (order.po_number) }
        p.muted { "Lot of " (batch.lot_size) " units" @if let Some(line) = &batch.line { " · line " (line) } }
        div.card {
            h2 { "Sampling plan" }
            @match &plan {
                None => p.muted { "No plan drawn yet." },
                Some(plan) => p {
                    @match plan.percent {
                        Some(percent) => { (percent) "% sample" },
                        None => { "ISO 2859-1" @if let Some(level) = &plan.level { ", level " (level) } },
                    }
                    " · " strong { (plan.sample_size) } " of " (plan.lot_size) " units"
                    @if let (Some(ac), Some(re)) = (plan.accept, plan.reject) { " · Ac " (ac) " / Re " (re) }
                    @if let Some(aql) = plan.aql { " · AQL " (aql) }
                    @if let Some(inspection) = &plan.inspection { " · " (inspection) " inspection" }
                    span.muted { " · seed " (plan.seed) }
                },
            }
        }
        (statistics_card(&stats))
        @if let Some(summary) = &summary { (visual_card(summary, &failed)) }
    };
    let title = format!("Batch {} · PO {}", batch.number, order.po_number);
    let markup = page(&session.frame(), &title, body);
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
