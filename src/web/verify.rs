//! A public page where anyone holding a QC report checks that it is
//! genuine: the file is hashed as it is uploaded (never stored) and its
//! SHA-256 looked up among the issued reports.

use super::language::request_lang;
use super::layout::{page, Frame};
use super::session::{html_response, PageError};
use crate::error::Message;
use crate::error::{AppError, ErrorCode};
use crate::service::reports::{self, Verification};
use crate::store::Db;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use maud::{html, Markup};
use sha2::{Digest, Sha256};

/// Larger files are not reports of ours.
const MAX_REPORT_BYTES: usize = 64 * 1024 * 1024;

fn form() -> Markup {
    html! {
        form method="post" action="/verify" enctype="multipart/form-data" {
            label for="file" { "The report (PDF)" }
            input #file type="file" name="file" accept="application/pdf" required;
            button type="submit" { "Check" }
        }
    }
}

fn verify_page(req: &HttpRequest, result: Option<Markup>) -> HttpResponse {
    let markup = page(
        &Frame::public(request_lang(req, None), "/verify"),
        "Check a QC report",
        html! {
            div.card.login {
                h1 { "Is this report genuine?" }
                p.muted { "Choose the PDF you received. It is not stored: only its SHA-256 is compared with the reports issued here." }
                (form())
                @if let Some(result) = result { (result) }
            }
        },
    );
    html_response(StatusCode::OK).body(markup.into_string())
}

#[get("/verify")]
pub async fn verify_form(req: HttpRequest) -> HttpResponse {
    verify_page(&req, None)
}

#[post("/verify")]
pub async fn verify_upload(
    req: HttpRequest,
    db: web::Data<Db>,
    mut upload: Multipart,
) -> Result<HttpResponse, PageError> {
    let mut digest: Option<String> = None;
    while let Some(field) = upload.next().await {
        let mut field =
            field.map_err(|_| AppError::bad_request(Message::new("err-upload-not-a-form")))?;
        if field.name() != Some("file") {
            continue;
        }
        let mut hasher = Sha256::new();
        let mut size = 0;
        while let Some(chunk) = field.next().await {
            let chunk =
                chunk.map_err(|_| AppError::bad_request(Message::new("err-upload-broke-off")))?;
            size += chunk.len();
            if size > MAX_REPORT_BYTES {
                return Err(
                    AppError::invalid("file", Message::new("err-larger-than-reports")).into(),
                );
            }
            hasher.update(&chunk);
        }
        digest = Some(crate::domain::digest::hex(&hasher.finalize()));
    }
    let digest = digest.ok_or_else(|| AppError::invalid("file", Message::new("err-choose-pdf")))?;
    let lookup = digest.clone();
    let found = db.read(move |c| reports::verify(c, &lookup)).await;
    let result = match found {
        Ok(v) => genuine(&v, &digest),
        Err(e) if e.code == ErrorCode::NotFound => html! {
            div.error role="alert" {
                strong { "Not a report issued here." }
                " No issued QC report has this file's SHA-256 (" code { (digest) } "): it was altered, or it comes from elsewhere."
            }
        },
        Err(e) => return Err(e.into()),
    };
    Ok(verify_page(&req, Some(result)))
}

fn genuine(v: &Verification, digest: &str) -> Markup {
    html! {
        div.banner.good role="status" {
            strong { "Genuine." }
            " QC report " (v.report.number) " revision " (v.report.revision)
            " for " (v.customer) ", purchase order " (v.po_number)
            ", issued " (v.report.issued_at.format("%Y-%m-%d %H:%M UTC")) "."
        }
        @if v.superseded {
            p.warn { "Revision " (v.latest_revision) " has since replaced it: ask for the current revision." }
        }
        p.muted { "SHA-256 " code { (digest) } }
    }
}
