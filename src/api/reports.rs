//! QC report routes: the order's report (PDF, CSV), issuing revisions,
//! downloading them, and verifying a file's SHA-256 (public).

use super::auth::perm::{IssueReports, ReadResults};
use super::auth::Allowed;
use crate::domain::access::Visibility;
use crate::domain::language::ReportLanguage;
use crate::error::{AppError, AppResult, Message, Problem};
use crate::service::reports::{self, IssuedReport, Preparation, ReportFile, Verification};
use crate::store::Db;
use crate::SiteZone;
use actix_web::{get, post, web, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(report_pdf)
        .service(report_csv)
        .service(list_reports)
        .service(issue_report)
        .service(issued_pdf)
        .service(verify_report);
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ReportQuery {
    /// Staff only: a draft from the data as they stand, even when a
    /// revision has been issued.
    pub draft: Option<bool>,
    /// `en` (default), `zh-CN`, or `bilingual` (Chinese and English on
    /// each page).
    pub language: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LanguageQuery {
    /// `en` (default), `zh-CN`, or `bilingual` (Chinese and English on
    /// each page).
    pub language: Option<String>,
}

/// The PDF as a download, named after the report, with its number,
/// revision and SHA-256 in headers when it is an issued one.
pub(crate) fn pdf_response(file: ReportFile, order_id: i64) -> HttpResponse {
    let sha256 = file.sha256().map(str::to_string);
    let suffix = |language: ReportLanguage| match language {
        ReportLanguage::En => String::new(),
        other => format!("-{}", other.tag()),
    };
    let (bytes, filename, issued) = match file {
        ReportFile::Issued {
            report,
            language,
            bytes,
        } => (
            bytes,
            format!(
                "{}-rev{}{}.pdf",
                report.number,
                report.revision,
                suffix(language)
            ),
            Some(report),
        ),
        ReportFile::Draft { language, bytes } => (
            bytes,
            format!(
                "{}-draft{}.pdf",
                reports::report_number(order_id),
                suffix(language)
            ),
            None,
        ),
    };
    let mut response = HttpResponse::Ok();
    response
        .content_type("application/pdf")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header(("Cache-Control", "private, no-cache"));
    if let Some(issued) = issued {
        response
            .insert_header(("X-Report-Number", issued.number))
            .insert_header(("X-Report-Revision", issued.revision.to_string()))
            .insert_header(("X-Report-SHA256", sha256.unwrap_or(issued.sha256)));
    }
    response.body(bytes)
}

/// Every reading of the order as CSV, streamed a page of a batch at a
/// time ([`reports::CSV_UNITS_PER_PAGE`] units): memory stays flat however
/// large a batch. After an error the stream ends (the response is cut
/// short, which the client sees as a failed download).
pub(crate) async fn csv_response(
    db: web::Data<Db>,
    order_id: i64,
    visibility: Visibility,
) -> AppResult<HttpResponse> {
    let scope = std::sync::Arc::new(
        db.read(move |c| reports::csv_scope(c, order_id, visibility))
            .await?,
    );
    let header = crate::report::csv::Rows::header()?;
    let filename = format!("{}-readings.csv", reports::report_number(order_id));
    let db = db.into_inner();
    let batches = scope.batches.clone().into_iter();
    // The state: the batches not begun, and the batch being read with the
    // last unit of its last page.
    let rows = futures_util::stream::unfold(
        (db, scope, batches, None),
        |(db, scope, mut batches, mut reading)| async move {
            loop {
                let (batch_id, number, after) = match reading {
                    Some(page) => page,
                    None => {
                        let (batch_id, number) = batches.next()?;
                        (batch_id, number, None)
                    }
                };
                let shared = std::sync::Arc::clone(&scope);
                let page = db
                    .read(move |c| reports::csv_page_of_batch(c, &shared, batch_id, number, after))
                    .await;
                let page = match page {
                    Ok(page) => page,
                    Err(error) => {
                        let none_left = Vec::new().into_iter();
                        let error = actix_web::Error::from(error);
                        return Some((Err(error), (db, scope, none_left, None)));
                    }
                };
                reading = page.next_after.map(|last| (batch_id, number, Some(last)));
                if !page.rows.is_empty() {
                    let chunk = Ok(web::Bytes::from(page.rows));
                    return Some((chunk, (db, scope, batches, reading)));
                }
            }
        },
    );
    let body =
        futures_util::stream::once(
            async move { Ok::<_, actix_web::Error>(web::Bytes::from(header)) },
        )
        .chain(rows);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{filename}\""),
        ))
        .streaming(body))
}

/// The order's QC report: its newest issued revision (the same bytes on
/// every download). Before one is issued, or with `draft=true`, staff get
/// a draft marked as such; customers only ever get issued reports.
#[utoipa::path(tag = "reports", params(("id" = i64, Path), ReportQuery),
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = Problem),
              (status = 409, body = Problem, description = "no report issued yet (customers)")))]
#[get("/orders/{id}/report.pdf")]
pub async fn report_pdf(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<i64>,
    query: web::Query<ReportQuery>,
    zone: web::Data<SiteZone>,
) -> AppResult<HttpResponse> {
    let (order_id, visibility) = (id.into_inner(), caller.visibility());
    let draft = query.draft.unwrap_or(false);
    let language = reports::language_asked(query.language.as_deref())?;
    let zone = zone.0;
    let file = db
        .read(move |c| reports::order_report(c, order_id, visibility, draft, language, zone))
        .await?;
    Ok(pdf_response(file, order_id))
}

/// Every reading behind the report, one row per unit and characteristic
/// (values derived from chromaticity included and marked), streamed a page
/// of a batch at a time, as the batch stood when the download began.
#[utoipa::path(tag = "reports", params(("id" = i64, Path)),
    responses((status = 200, content_type = "text/csv"), (status = 404, body = Problem)))]
#[get("/orders/{id}/report.csv")]
pub async fn report_csv(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    csv_response(db, id.into_inner(), caller.visibility()).await
}

/// The issued revisions of the order's report, oldest first.
#[utoipa::path(tag = "reports", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<IssuedReport>), (status = 404, body = Problem)))]
#[get("/orders/{id}/reports")]
pub async fn list_reports(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<IssuedReport>>> {
    let (order_id, visibility) = (id.into_inner(), caller.visibility());
    Ok(web::Json(
        db.read(move |c| reports::list(c, order_id, visibility))
            .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct IssueQuery {
    /// Issue although some batches have no decision yet: the report's
    /// statement names them. Without it such a report is refused (409
    /// `undecided_batches`).
    pub with_undecided_batches: Option<bool>,
}

/// Issues the report: 201 with a new revision when the data changed since
/// the last one (it lists what changed), 200 with the current revision
/// when nothing did.
#[utoipa::path(tag = "reports", params(("id" = i64, Path), IssueQuery),
    responses((status = 201, body = IssuedReport), (status = 200, body = IssuedReport),
              (status = 404, body = Problem), (status = 409, body = Problem)))]
#[post("/orders/{id}/reports")]
pub async fn issue_report(
    db: web::Data<Db>,
    caller: Allowed<IssueReports>,
    id: web::Path<i64>,
    query: web::Query<IssueQuery>,
    zone: web::Data<SiteZone>,
    public_url: web::Data<crate::PublicUrl>,
) -> AppResult<HttpResponse> {
    let order_id = id.into_inner();
    let site = reports::IssueSite {
        zone: zone.0,
        public_url: public_url.base(),
    };
    let actor = caller.actor();
    let preparing = actor.clone();
    let with_undecided = query.with_undecided_batches.unwrap_or(false);
    let prepared = db
        .read(move |c| reports::prepare_issue(c, &preparing, order_id, with_undecided, &site))
        .await?;
    match prepared {
        Preparation::Unchanged(current) => Ok(HttpResponse::Ok().json(current)),
        Preparation::New(prepared) => {
            let issued = db
                .write(move |c| reports::store_issue(c, &actor, prepared))
                .await?;
            Ok(HttpResponse::Created()
                .insert_header(("Location", issued.href.clone()))
                .json(issued))
        }
    }
}

/// One issued revision, byte for byte as issued, in the language asked.
#[utoipa::path(tag = "reports",
    params(("id" = i64, Path), ("revision" = i32, Path), LanguageQuery),
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = Problem)))]
#[get("/orders/{id}/reports/{revision}")]
pub async fn issued_pdf(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    path: web::Path<(i64, i32)>,
    query: web::Query<LanguageQuery>,
) -> AppResult<HttpResponse> {
    let ((order_id, revision), visibility) = (path.into_inner(), caller.visibility());
    let language = reports::language_asked(query.language.as_deref())?;
    let file = db
        .read(move |c| reports::issued_pdf(c, order_id, Some(revision), visibility, language))
        .await?
        .ok_or_else(|| {
            AppError::not_found(
                Message::new("err-not-found-revision")
                    .arg("revision", revision)
                    .arg("language", language.tag()),
            )
        })?;
    Ok(pdf_response(file, order_id))
}

/// Whether a file with this SHA-256 is a QC report issued here, of which
/// order and revision, and whether a newer revision supersedes it. Public:
/// whoever holds the file can check it.
#[utoipa::path(tag = "reports", security(()),
    params(("sha256" = String, Path, description = "SHA-256 of the file, 64 hex digits")),
    responses((status = 200, body = Verification), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[get("/reports/verify/{sha256}")]
pub async fn verify_report(
    db: web::Data<Db>,
    sha256: web::Path<String>,
) -> AppResult<web::Json<Verification>> {
    let sha256 = sha256.into_inner();
    Ok(web::Json(
        db.read(move |c| reports::verify(c, &sha256)).await?,
    ))
}
