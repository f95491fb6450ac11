//! The lead's dashboard: what is being recorded, what waits for a
//! decision and why, which run rules broke lately, and yields by line and
//! by day ([`dashboard`]).

use super::disposition::{finding_text, proposal_text};
use super::layout::page;
use super::session::{html_response, PageError, Session};
use crate::domain::access::Permission;
use crate::domain::disposition::Proposal;
use crate::i18n::message;
use crate::service::dashboard::{self, ProductYields};
use crate::service::yields::YieldRow;
use crate::store::Db;
use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use maud::{html, Markup};

/// A share as a percentage with one decimal, or a dash.
fn percent(share: Option<f64>) -> String {
    share.map_or("—".into(), |s| format!("{:.1} %", s * 100.0))
}

fn yield_table(session: &Session, first: &str, rows: &[YieldRow]) -> Markup {
    let t = |key: &str| session.t(key);
    // Scrolled sideways on a narrow screen, so reachable by keyboard.
    html! {
        div.scroll tabindex="0" role="region" aria-label=(first) {
        table.sticky-first {
            thead { tr {
                th scope="col" { (first) } th.num scope="col" { (t("dash-batches")) }
                th.num scope="col" { (t("dash-units")) }
                th.num scope="col" { (t("dash-first-pass")) } th.num scope="col" { (t("dash-final")) }
            } }
            tbody {
                @for row in rows {
                    tr {
                        th scope="row" { (row.key) }
                        td.num { (row.batches) }
                        td.num { (row.units) }
                        td.num class=[row.first_pass_yield.filter(|y| *y < 0.95).map(|_| "warn")] { (percent(row.first_pass_yield)) }
                        td.num { (percent(row.final_yield)) }
                    }
                }
            }
        }
        }
    }
}

fn yields_card(session: &Session, product: &ProductYields) -> Markup {
    let t = |key: &str| session.t(key);
    html! {
        div.card {
            h3 { (product.product_code) }
            @if product.by_line.is_empty() {
                p.muted { (t("dash-no-yields")) }
            } @else {
                div.two-columns {
                    div { (yield_table(session, &t("line"), &product.by_line)) }
                    div { (yield_table(session, &t("dash-day"), &product.by_day)) }
                }
            }
        }
    }
}

#[get("/dashboard")]
pub async fn dashboard_page(
    db: web::Data<Db>,
    session: Session,
) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::SignDispositions)?;
    let board = db.read(dashboard::dashboard).await?;
    let overdue = db.read(crate::service::ncrs::overdue_actions).await?;
    let lang = session.lang;
    let t = |key: &str| session.t(key);
    let title = t("dash-title");
    let body = html! {
        h1 { (title) }
        section.card aria-labelledby="awaiting" {
            h2 #awaiting { (message(lang, "dash-awaiting", &[("count", board.awaiting.len().into())])) }
            @if board.awaiting.is_empty() {
                p.muted { (t("dash-awaiting-none")) }
            } @else {
                table.sticky-first {
                    thead { tr { th scope="col" { (t("batch")) } th scope="col" { (t("proposal-label")) } th scope="col" { (t("dash-why")) } } }
                    tbody {
                        @for a in &board.awaiting {
                            tr {
                                th scope="row" {
                                    a href={ "/batches/" (a.batch_id) "#disposition" } { (message(lang, "work-batch", &[("po", a.po_number.as_str().into()), ("number", a.number.into())])) }
                                    div.muted { (a.product_code) }
                                }
                                td.nowrap {
                                    @if a.on_hold { div { (super::disposition::meaning_badge(lang, crate::domain::disposition::Meaning::OnHold)) } }
                                    strong class=(match a.recommendation.proposal { Proposal::Accept => "good", Proposal::Reject => "bad", Proposal::Hold => "warn" }) {
                                        (proposal_text(lang, a.recommendation.proposal))
                                    }
                                }
                                td { ul.reasons { @for f in &a.recommendation.findings { li { (finding_text(lang, f)) } } } }
                            }
                        }
                    }
                }
            }
        }
        section.card aria-labelledby="alerts" {
            h2 #alerts { (message(lang, "dash-alerts", &[("count", board.alerts.len().into())])) }
            @if board.alerts.is_empty() {
                p.good { (t("dash-alerts-none")) }
            } @else {
                table.sticky-first {
                    thead { tr { th scope="col" { (t("spc-rule")) } th scope="col" { (t("orders-product")) } th scope="col" { (t("spc-batches")) } } }
                    tbody {
                        @for alert in &board.alerts {
                            tr {
                                th scope="row" { span.bad { (format!("{:?}", alert.rule)) } " · " (super::spc::rule_text(&session, alert.rule)) }
                                td {
                                    a href={ "/products/" (alert.product_id) "/control-chart?characteristic=" (alert.characteristic) "&chart=" (alert.chart.as_str()) } {
                                        (alert.product_code) " · " (alert.characteristic_name)
                                    }
                                }
                                td { @for id in &alert.batch_ids { a href={ "/batches/" (id) } { "#" (id) } " " } }
                            }
                        }
                    }
                }
            }
        }
        (super::trace::overdue_card(&session, &overdue))
        section.card aria-labelledby="open" {
            h2 #open { (message(lang, "dash-open", &[("count", board.open_count.into())])) }
            @if board.open.is_empty() {
                p.muted { (t("work-list-empty")) }
            } @else {
                table.sticky-first {
                    thead { tr { th scope="col" { (t("batch")) } th scope="col" { (t("readings-heading")) } th scope="col" { (t("visual-heading")) } } }
                    tbody {
                        @for open in &board.open {
                            tr {
                                th scope="row" {
                                    a href={ "/batches/" (open.batch.id) } { (message(lang, "work-batch", &[("po", open.po_number.as_str().into()), ("number", open.batch.number.into())])) }
                                    div.muted { (open.product_code) @if let Some(line) = &open.batch.line { " · " (message(lang, "work-line", &[("line", line.as_str().into())])) } }
                                }
                                td { (progress(open.units_read, open.sample_size)) }
                                td { (progress(open.visual_inspected, open.visual_to_inspect)) }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="yields" {
            h2 #yields.section-title { (t("dash-yields")) }
            @for product in &board.yields { (yields_card(&session, product)) }
        }
    };
    let markup = page(&session.frame(), &title, body);
    Ok(html_response(StatusCode::OK).body(markup.into_string()))
}

/// "3 / 10" with a bar.
fn progress(done: i64, total: i64) -> Markup {
    html! {
        span.progress {
            meter min="0" max=(total.max(1)) value=(done) {}
            " " (done) " / " (total)
        }
    }
}
