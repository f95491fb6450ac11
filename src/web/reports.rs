//! The order's QC report in the browser: the report itself, its issued
//! revisions, downloads (PDF, CSV) through the session, and issuing for
//! leads.

use super::disposition::{finding_text, meaning_text, proposal_text};
use super::forms::in_language;
use super::layout::page;
use super::session::{html_response, PageError, Session};
use crate::api::reports::{csv_response, pdf_response};
use crate::domain::access::{permits, Permission, Visibility};
use crate::domain::disposition::Meaning;
use crate::domain::language::ReportLanguage;
use crate::error::AppError;
use crate::i18n::message;
use crate::report::{BatchReport, QcReport};
use crate::service::reports::{self, Preparation};
use crate::store::Db;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::Utc;
use maud::html;

/// What issuing just did, said once on the report page.
#[derive(serde::Deserialize)]
pub struct IssueOutcome {
    issued: Option<i32>,
    unchanged: Option<i32>,
}

/// An order's report: its issued revisions and downloads; for staff also
/// the report as the data stand now. A customer sees only what was issued
/// to it, and before that that the report is in preparation.
#[get("/orders/{id}/report")]
pub async fn report_page(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
    outcome: web::Query<IssueOutcome>,
) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::ReadResults)?;
    let (order_id, visibility) = (id.into_inner(), session.caller.visibility());
    let staff = visibility == Visibility::Everything;
    let (language, zone) = (ReportLanguage::from(session.lang), session.zone);
    let (po_number, draft, issued, outdated) = db
        .read(move |c| {
            let order = crate::service::orders::get_order(c, order_id, visibility)?;
            let issued = reports::list(c, order_id, visibility)?;
            let (draft, outdated) = if staff {
                (
                    Some(reports::gather(
                        c,
                        order_id,
                        visibility,
                        None,
                        Utc::now().with_timezone(&zone),
                        language,
                    )?),
                    reports::outdated_revision(c, order_id)?,
                )
            } else {
                (None, None)
            };
            Ok((order.po_number, draft, issued, outdated))
        })
        .await?;
    let lang = session.lang;
    let t = |key: &str| session.t(key);
    let may_issue = permits(session.caller.role, Permission::IssueReports);
    let po = message(lang, "order-po", &[("po", po_number.as_str().into())]);
    let body = html! {
        p { a href={ "/orders/" (order_id) } { "← " (po) } }
        h1 { (t("qc-report")) " · " (po) }
        @if let Some(revision) = outcome.issued {
            p.notice.good role="status" { (message(lang, "report-just-issued", &[("revision", revision.into())])) }
        }
        @if let Some(revision) = outcome.unchanged {
            p.notice role="status" { (message(lang, "report-unchanged", &[("revision", revision.into())])) }
        }
        div.card.actions {
            @if issued.is_empty() {
                @if staff { p.muted { (t("report-not-issued-staff")) } }
                @else {
                    p { strong { (t("report-in-preparation")) } }
                    p.muted { (t("report-in-preparation-hint")) }
                }
            } @else {
                h2 { (t("report-revisions")) }
                table.sticky-first.revisions {
                    thead { tr { th scope="col" { (t("report-revision")) } th scope="col" { "PDF" } th scope="col" { (t("report-issued")) } th scope="col" { (t("report-by")) } th scope="col" { "SHA-256" } th scope="col" { (t("report-changes")) } } }
                    tbody {
                        @for r in issued.iter().rev() {
                            tr {
                                th scope="row" { a href={ "/orders/" (order_id) "/reports/" (r.revision) ".pdf" } { (message(lang, "report-number-revision", &[("number", r.number.as_str().into()), ("revision", r.revision.into())])) } }
                                td.nowrap {
                                    @for (i, file) in r.files.iter().enumerate() {
                                        @if let Some(language) = ReportLanguage::parse(&file.language) {
                                            @if i > 0 { br; }
                                            a href={ "/orders/" (order_id) "/reports/" (r.revision) ".pdf?language=" (file.language) } lang=(language.primary().tag()) { (language_name(&session, language)) }
                                        }
                                    }
                                }
                                td.nowrap { (session.when(r.issued_at)) }
                                td { (r.issued_by.as_deref().unwrap_or("—")) }
                                td.nowrap {
                                    @for (i, file) in r.files.iter().enumerate() {
                                        @if i > 0 { br; }
                                        code title=(file.sha256) { (file.sha256.get(..12).unwrap_or_default()) "…" }
                                    }
                                }
                                td { @for change in &r.changes { div { (change) } } }
                            }
                        }
                    }
                }
            }
            @if let Some(revision) = outdated {
                p.warn { (message(lang, "report-outdated", &[("revision", revision.into())])) }
            }
            p {
                @if let Some(latest) = issued.last() {
                    @for file in &latest.files {
                        @if let Some(language) = ReportLanguage::parse(&file.language) {
                            a.button href={ "/orders/" (order_id) "/report.pdf?language=" (file.language) } {
                                (t("report-download")) " · " span lang=(language.primary().tag()) { (language_name(&session, language)) }
                            } " "
                        }
                    }
                }
                @if staff {
                    a.button.quiet href={ "/orders/" (order_id) "/report.pdf?draft=true" } { (t("report-draft-pdf")) } " "
                    a.button.quiet href={ "/orders/" (order_id) "/report.csv" } { (t("report-csv")) }
                }
            }
            @if may_issue {
                p { a.button href={ "/orders/" (order_id) "/report/issue" } { (t("issue-report")) } }
            }
        }
        @if let Some(draft) = &draft {
            h2.section-title { (t("report-as-data-stand")) }
            div.card.report { (crate::report::html::body(draft)) }
        }
    };
    let title = format!("{} · {}", t("qc-report"), po_number);
    let markup = page(&session.frame(), &title, body);
    Ok(html_response(StatusCode::OK).body(markup.into_string()))
}

#[derive(serde::Deserialize)]
pub struct DraftQuery {
    draft: Option<bool>,
    language: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct LanguageQuery {
    language: Option<String>,
}

/// The language a download asks for, else the reader's.
fn download_language(session: &Session, asked: Option<&str>) -> Result<ReportLanguage, PageError> {
    Ok(match asked {
        None => ReportLanguage::from(session.lang),
        Some(tag) => reports::language_asked(Some(tag))?,
    })
}

/// A report language's name, as a download link offers it.
fn language_name(session: &Session, language: ReportLanguage) -> String {
    session.t(match language {
        ReportLanguage::En => "report-language-en",
        ReportLanguage::ZhCn => "report-language-zh-cn",
        ReportLanguage::Bilingual => "report-language-bilingual",
    })
}

#[get("/orders/{id}/report.pdf")]
pub async fn report_pdf(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
    query: web::Query<DraftQuery>,
) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::ReadResults)?;
    let (order_id, visibility) = (id.into_inner(), session.caller.visibility());
    let draft = query.draft.unwrap_or(false);
    let language = download_language(&session, query.language.as_deref())?;
    let zone = session.zone;
    let file = db
        .read(move |c| reports::order_report(c, order_id, visibility, draft, language, zone))
        .await?;
    Ok(pdf_response(file, order_id))
}

#[get("/orders/{id}/reports/{revision}.pdf")]
pub async fn revision_pdf(
    db: web::Data<Db>,
    session: Session,
    path: web::Path<(i64, i32)>,
    query: web::Query<LanguageQuery>,
) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::ReadResults)?;
    let ((order_id, revision), visibility) = (path.into_inner(), session.caller.visibility());
    let language = download_language(&session, query.language.as_deref())?;
    let found = db
        .read(move |c| reports::issued_pdf(c, order_id, Some(revision), visibility, language))
        .await?
        .ok_or_else(|| {
            crate::error::AppError::not_found(
                crate::error::Message::new("err-not-found-revision")
                    .arg("revision", revision)
                    .arg("language", language.tag()),
            )
        })?;
    Ok(pdf_response(found, order_id))
}

#[get("/orders/{id}/report.csv")]
pub async fn report_csv(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    // The readings as they stand: staff only (a customer has the issued PDF).
    session.caller.require(Permission::ReadProcess)?;
    Ok(csv_response(db, id.into_inner(), session.caller.visibility()).await?)
}

/// What is still open in an order before its report is issued: batches
/// without a decision, on hold, or decided on data that changed since.
fn open_batches(report: &QcReport) -> Vec<&BatchReport> {
    report
        .batches
        .iter()
        .filter(|b| match &b.disposition.current {
            None => true,
            Some(d) => d.meaning == Meaning::OnHold || d.data_changed_since,
        })
        .collect()
}

fn issue_page(
    session: &Session,
    order_id: i64,
    report: &QcReport,
    refusal: Option<&AppError>,
) -> maud::Markup {
    let lang = session.lang;
    let t = |key: &str| session.t(key);
    let open = open_batches(report);
    let undecided = report.undecided();
    let numbers = undecided
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let po = report.heading.po_number.as_str();
    let title = message(lang, "issue-title", &[("po", po.into())]);
    let body = html! {
        p { a href={ "/orders/" (order_id) "/report" } { "← " (t("qc-report")) } }
        h1 { (title) }
        div.card.actions {
            @if open.is_empty() {
                p.good { (message(lang, "issue-all-decided", &[("count", report.batches.len().into())])) }
            } @else {
                h2 { (t("issue-open-heading")) }
                table.sticky-first {
                    thead { tr { th scope="col" { (t("batch")) } th scope="col" { (t("issue-state")) } th scope="col" { (t("proposal-label")) } } }
                    tbody {
                        @for b in &open {
                            tr {
                                th scope="row" { a href={ "/batches/" (b.batch.id) "#disposition" } { (message(lang, "batch-number", &[("number", b.batch.number.into())])) } }
                                td.nowrap {
                                    @match &b.disposition.current {
                                        None => span.bad { (t("issue-no-decision")) },
                                        Some(d) if d.data_changed_since => span.warn { (meaning_text(lang, d.meaning)) " · " (t("decision-data-changed")) },
                                        Some(d) => span.warn { (meaning_text(lang, d.meaning)) },
                                    }
                                }
                                td {
                                    strong { (proposal_text(lang, b.disposition.recommendation.proposal)) }
                                    ul.reasons { @for finding in &b.disposition.recommendation.findings { li { (finding_text(lang, finding)) } } }
                                }
                            }
                        }
                    }
                }
            }
            form method="post" action={ "/orders/" (order_id) "/reports" } {
                input type="hidden" name="csrf" value=(session.csrf);
                @if !undecided.is_empty() {
                    label.choice.confirm for="with-undecided" {
                        input #with-undecided type="checkbox" name="with_undecided_batches" value="true" required;
                        span { (message(lang, "issue-with-undecided", &[("batches", numbers.as_str().into())])) }
                    }
                }
                @if let Some(error) = refusal { p.error role="alert" { (in_language(lang, &error.detail)) } }
                p.muted { (t("issue-revision-note")) }
                button type="submit" { (t("issue-confirm")) }
                " "
                a.button.quiet href={ "/orders/" (order_id) "/report" } { (t("cancel")) }
            }
        }
    };
    page(&session.frame(), &title, body)
}

async fn draft_report(db: &Db, session: &Session, order_id: i64) -> Result<QcReport, PageError> {
    let (language, zone) = (ReportLanguage::from(session.lang), session.zone);
    Ok(db
        .read(move |c| {
            reports::gather(
                c,
                order_id,
                Visibility::Everything,
                None,
                Utc::now().with_timezone(&zone),
                language,
            )
        })
        .await?)
}

/// Before issuing: what is still open, and a confirmation.
#[get("/orders/{id}/report/issue")]
pub async fn confirm_issue(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::IssueReports)?;
    let order_id = id.into_inner();
    let report = draft_report(&db, &session, order_id).await?;
    let markup = issue_page(&session, order_id, &report, None);
    Ok(html_response(StatusCode::OK).body(markup.into_string()))
}

#[derive(serde::Deserialize)]
pub struct IssueForm {
    csrf: String,
    with_undecided_batches: Option<String>,
}

#[post("/orders/{id}/reports")]
pub async fn issue(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<IssueForm>,
    public_url: web::Data<crate::PublicUrl>,
) -> Result<HttpResponse, PageError> {
    session.check_csrf(&form.csrf)?;
    session.caller.require(Permission::IssueReports)?;
    let order_id = id.into_inner();
    let with_undecided = form.with_undecided_batches.as_deref() == Some("true");
    let site = reports::IssueSite {
        zone: session.zone,
        public_url: public_url.base(),
    };
    let actor = session.caller.actor();
    let preparing = actor.clone();
    let issued = async {
        let prepared = db
            .read(move |c| reports::prepare_issue(c, &preparing, order_id, with_undecided, &site))
            .await?;
        match prepared {
            Preparation::New(prepared) => db
                .write(move |c| reports::store_issue(c, &actor, prepared))
                .await
                .map(|r| format!("issued={}", r.revision)),
            Preparation::Unchanged(current) => Ok(format!("unchanged={}", current.revision)),
        }
    }
    .await;
    match issued {
        Ok(outcome) => Ok(HttpResponse::SeeOther()
            .insert_header(("Location", format!("/orders/{order_id}/report?{outcome}")))
            .finish()),
        Err(error) if error.status() == StatusCode::CONFLICT => {
            let report = draft_report(&db, &session, order_id).await?;
            let markup = issue_page(&session, order_id, &report, Some(&error));
            Ok(html_response(StatusCode::CONFLICT).body(markup.into_string()))
        }
        Err(error) => Err(error.into()),
    }
}
