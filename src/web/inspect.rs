//! The inspector's shop-floor app: the work list and a batch's entry page.
//!
//! The pages are rendered here; a small script shipped inside the binary
//! (`assets/inspect.js`) makes them work with one hand on a tablet and
//! without a connection: every entry is kept on the device (IndexedDB) and
//! sent to the same JSON API a token client uses, with the session cookie
//! and its CSRF token (see `api::auth::authenticate`), so the same access
//! rules and checks apply. A service worker (`assets/sw.js`) keeps these
//! pages, the script and the open batches' sheets for offline use.

use super::layout::page;
use super::session::{html_response, PageError, Session};
use crate::domain::access::Permission;
use crate::domain::template::Kind;
use crate::service::worksheet::{self, OpenBatch, Worksheet};
use crate::store::Db;
use actix_web::http::{header, StatusCode};
use actix_web::{get, web, HttpResponse};
use maud::{html, Markup, PreEscaped};

const SCRIPT: &str = include_str!("assets/inspect.js");
const STYLE: &str = include_str!("assets/inspect.css");
const SERVICE_WORKER: &str = include_str!("assets/sw.js");

/// How many open batches the work list shows.
const WORK_LIST_LENGTH: usize = 40;

/// A static asset of the app: revalidated on every load (the service
/// worker keeps its own copy for offline use).
fn asset(content_type: &str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

#[get("/assets/inspect.js")]
pub async fn script() -> HttpResponse {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

#[get("/assets/inspect.css")]
pub async fn style() -> HttpResponse {
    asset("text/css; charset=utf-8", STYLE)
}

/// The service worker, served from the root so that it may keep the
/// inspector's pages under `/inspect`.
#[get("/sw.js")]
pub async fn service_worker() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("Service-Worker-Allowed", "/"))
        .body(SERVICE_WORKER)
}

/// Who is signed in, for the script: entries kept on the device belong to
/// a user and are sent only under that user's session, with its CSRF
/// token. Answers 401 (not a redirect) when no one is signed in.
#[get("/inspect/session")]
pub async fn session_info(session: Result<Session, PageError>) -> HttpResponse {
    let mut response = match session {
        Ok(session) => {
            let mut ok = HttpResponse::Ok();
            ok.json(serde_json::json!({
                "username": session.caller.username,
                "role": session.caller.role.as_str(),
                "csrf": session.csrf,
                "may_record": session.caller.require(Permission::RecordResults).is_ok(),
            }))
        }
        Err(_) => HttpResponse::Unauthorized().json(serde_json::json!({"signed_in": false})),
    };
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// The head of every inspector page: the app's style and script, and the
/// session's CSRF token for the script's writes.
fn app_assets(csrf: &str, username: &str) -> Markup {
    html! {
        link rel="stylesheet" href="/assets/inspect.css";
        meta name="csrf-token" content=(csrf);
        meta name="username" content=(username);
        script src="/assets/inspect.js" defer {}
    }
}

fn progress_bar(done: i64, of: i64) -> Markup {
    let percent = if of > 0 {
        (done as f64 / of as f64 * 100.0).clamp(0.0, 100.0)
    } else {
        100.0
    };
    html! {
        span.bar role="presentation" { span style={ "width:" (format!("{percent:.0}")) "%" } {} }
    }
}

fn work_row(open: &OpenBatch) -> Markup {
    html! {
        li {
            a.work href={ "/inspect/batches/" (open.batch.id) } data-batch=(open.batch.id) {
                span.title { "PO " (open.po_number) " · batch " (open.batch.number) }
                span.muted { (open.product_code) " · lot of " (open.batch.lot_size)
                    @if let Some(line) = &open.batch.line { " · line " (line) } }
                @if open.sample_size > 0 {
                    span.progress {
                        span.label { "readings " strong { (open.units_read) } " of " (open.sample_size) " units" }
                        (progress_bar(open.units_read, open.sample_size))
                    }
                }
                @if open.visual_to_inspect > 0 {
                    span.progress {
                        span.label { "visual " strong { (open.visual_inspected) } " of " (open.visual_to_inspect) }
                        (progress_bar(open.visual_inspected, open.visual_to_inspect))
                    }
                }
                span.pending-count data-batch=(open.batch.id) hidden {}
            }
        }
    }
}

/// The inspector's start page: the batches with work open, newest first.
#[get("/inspect")]
pub async fn work_list(db: web::Data<Db>, session: Session) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::RecordResults)?;
    let visibility = session.caller.visibility();
    let open = db
        .read(move |c| worksheet::open_batches(c, visibility, WORK_LIST_LENGTH))
        .await?;
    let body = html! {
        (app_assets(&session.csrf, &session.caller.username))
        div #app data-page="work-list" {
            (status_bar())
            h1 { "Batches to record" }
            @if open.is_empty() {
                div.card { p.muted { "Nothing to record: every batch with a sampling plan has its readings and visual inspection." } }
            } @else {
                ul.work-list { @for batch in &open { (work_row(batch)) } }
            }
        }
    };
    let markup = page("Record", Some((&session.caller, &session.csrf)), body);
    Ok(html_response(StatusCode::OK).body(markup.into_string()))
}

/// The line that says whether the tablet is online and what waits to be
/// sent; the script fills it.
fn status_bar() -> Markup {
    html! {
        div #status.status role="status" aria-live="polite" {
            span #connection.connection { "…" }
            span #pending.pending {}
            button #send.quiet type="button" hidden { "Send now" }
        }
        section #attention.attention hidden aria-labelledby="attention-title" {
            h2 #attention-title { "Entries the server refused" }
            p.muted { "Nothing below is lost: decide for each what to do." }
            ul #refused {}
        }
    }
}

fn limits_text(lsl: Option<f64>, usl: Option<f64>) -> String {
    match (lsl, usl) {
        (Some(l), Some(u)) => format!("{l} – {u}"),
        (Some(l), None) => format!("≥ {l}"),
        (None, Some(u)) => format!("≤ {u}"),
        (None, None) => "no limits".into(),
    }
}

fn template_table(sheet: &Worksheet) -> Markup {
    html! {
        details.template {
            summary { "Characteristics and limits" }
            table {
                thead { tr { th { "Characteristic" } th { "Unit" } th { "Kind" } th { "Limits" } } }
                tbody {
                    @for c in &sheet.characteristics {
                        tr {
                            td { (c.name) span.muted { " · " (c.code) } }
                            td { (c.unit) }
                            td { @if c.derived { "computed from x, y" } @else if c.kind == Kind::Attribute { "pass / fail" } @else { "reading" } }
                            td { (limits_text(c.lsl, c.usl)) }
                        }
                    }
                }
            }
        }
    }
}

/// JSON inside a `<script type="application/json">`: `</` is written as
/// `<\/` (the same string to JSON) so no value can close the element.
fn embedded_json(sheet: &Worksheet) -> Result<String, PageError> {
    let json = serde_json::to_string(sheet).map_err(|e| {
        PageError::App(crate::error::AppError::internal(format!(
            "a worksheet serialises: {e}"
        )))
    })?;
    Ok(json.replace("</", "<\\/"))
}

/// A batch's entry page: the drawn units, the unit form, the grid, the
/// final visual inspection and the import of an instrument's file.
#[get("/inspect/batches/{id}")]
pub async fn entry_page(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::RecordResults)?;
    let (id, visibility) = (id.into_inner(), session.caller.visibility());
    let sheet = db
        .read(move |c| worksheet::worksheet(c, id, visibility))
        .await?;
    let title = format!("Batch {} · PO {}", sheet.batch.number, sheet.po_number);
    let recorded = sheet.characteristics.iter().any(|c| !c.derived);
    let body = html! {
        (app_assets(&session.csrf, &session.caller.username))
        script #sheet type="application/json" { (PreEscaped(embedded_json(&sheet)?)) }
        div #app data-page="entry" data-batch=(sheet.batch.id) {
            p.back { a href="/inspect" { "← Batches to record" } }
            (status_bar())
            h1 { (title) }
            p.muted { (sheet.product_code) " " (sheet.product_name) " · lot of " (sheet.batch.lot_size)
                " · " (sheet.units.len()) " units drawn" }
            div.scan {
                label for="scan" { "Scan or type a unit number" }
                input #scan type="text" inputmode="numeric" autocomplete="off" enterkeyhint="go" placeholder="Unit no.";
            }
            nav.tabs role="tablist" {
                @if recorded {
                    button.tab type="button" role="tab" data-tab="unit" aria-selected="true" { "Unit by unit" }
                    button.tab type="button" role="tab" data-tab="grid" aria-selected="false" { "Grid" }
                }
                button.tab type="button" role="tab" data-tab="visual" aria-selected=(if recorded { "false" } else { "true" }) { "Visual" }
                @if recorded {
                    button.tab type="button" role="tab" data-tab="import" aria-selected="false" { "Import CSV" }
                }
            }
            @if sheet.units.is_empty() && recorded {
                div.card { p { "No sampling plan is drawn for this batch yet; a lead draws it first." } }
            }
            section #tab-unit.panel role="tabpanel" hidden {
                div.units-head {
                    h2 { "Units" }
                    div.order role="group" aria-label="Order of units" {
                        button.quiet type="button" data-order="draw" aria-pressed="true" { "Draw order" }
                        button.quiet type="button" data-order="asc" aria-pressed="false" { "Ascending" }
                    }
                }
                div #unit-list.unit-list {}
                div #unit-form.card.unit-form {}
            }
            section #tab-grid.panel role="tabpanel" hidden {
                div #grid.grid-wrap {}
            }
            section #tab-visual.panel role="tabpanel" hidden {
                div #visual {}
            }
            section #tab-import.panel role="tabpanel" hidden {
                div #import {}
            }
            (template_table(&sheet))
            p.muted { a href={ "/batches/" (sheet.batch.id) } { "Statistics of this batch" } }
        }
    };
    let markup = page(&title, Some((&session.caller, &session.csrf)), body);
    Ok(html_response(StatusCode::OK).body(markup.into_string()))
}
