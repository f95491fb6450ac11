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
use crate::domain::language::Lang;
use crate::domain::template::Kind;
use crate::i18n::message;
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

/// The head of every inspector page: the app's style and script, the
/// session's CSRF token for the script's writes, and the script's messages
/// in the user's language.
fn app_assets(session: &Session) -> Result<Markup, PageError> {
    // The app's own messages, and the severities' names its defects show.
    let mut messages = crate::i18n::messages_with_prefix(session.lang, "app-");
    messages.extend(crate::i18n::messages_with_prefix(session.lang, "severity-"));
    let messages = serde_json::to_string(&messages).map_err(|e| {
        PageError::App(crate::error::AppError::internal(format!(
            "messages serialise: {e}"
        )))
    })?;
    Ok(html! {
        link rel="stylesheet" href="/assets/inspect.css";
        meta name="csrf-token" content=(session.csrf);
        meta name="username" content=(session.caller.username);
        script #messages type="application/json" { (PreEscaped(messages.replace("</", "<\\/"))) }
        script src="/assets/inspect.js" defer {}
    })
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

fn work_row(lang: Lang, open: &OpenBatch) -> Markup {
    // Only numbers go into the two messages that hold markup.
    let counted = |key, done: i64, total: i64| {
        PreEscaped(message(
            lang,
            key,
            &[("done", done.into()), ("total", total.into())],
        ))
    };
    html! {
        li {
            a.work href={ "/inspect/batches/" (open.batch.id) } data-batch=(open.batch.id) {
                span.title { (message(lang, "work-batch", &[("po", open.po_number.as_str().into()), ("number", open.batch.number.into())])) }
                span.muted { (open.product_code) " · " (message(lang, "work-lot", &[("lot", open.batch.lot_size.into())]))
                    @if let Some(line) = &open.batch.line { " · " (message(lang, "work-line", &[("line", line.as_str().into())])) } }
                @if open.sample_size > 0 {
                    span.progress {
                        span.label { (counted("work-readings", open.units_read, open.sample_size)) }
                        (progress_bar(open.units_read, open.sample_size))
                    }
                }
                @if open.visual_to_inspect > 0 {
                    span.progress {
                        span.label { (counted("work-visual", open.visual_inspected, open.visual_to_inspect)) }
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
        (app_assets(&session)?)
        div #app data-page="work-list" {
            (status_bar(&session))
            h1 { (session.t("work-list-title")) }
            @if open.is_empty() {
                div.card { p.muted { (session.t("work-list-empty")) } }
            } @else {
                ul.work-list { @for batch in &open { (work_row(session.lang, batch)) } }
            }
        }
    };
    let markup = page(&session.frame(), &session.t("record-title"), body);
    Ok(html_response(StatusCode::OK).body(markup.into_string()))
}

/// The line that says whether the tablet is online and what waits to be
/// sent; the script fills it.
fn status_bar(session: &Session) -> Markup {
    html! {
        div #status.status role="status" aria-live="polite" {
            span #connection.connection { "…" }
            span #pending.pending {}
            button #send.quiet type="button" hidden { (session.t("status-send-now")) }
        }
        section #attention.attention hidden aria-labelledby="attention-title" {
            h2 #attention-title { (session.t("attention-title")) }
            p.muted { (session.t("attention-help")) }
            ul #refused {}
        }
    }
}

fn limits_text(lang: Lang, lsl: Option<f64>, usl: Option<f64>) -> String {
    match (lsl, usl) {
        (Some(l), Some(u)) => format!("{l} – {u}"),
        (Some(l), None) => format!("≥ {l}"),
        (None, Some(u)) => format!("≤ {u}"),
        (None, None) => crate::i18n::text(lang, "no-limits"),
    }
}

fn template_table(session: &Session, sheet: &Worksheet) -> Markup {
    let t = |key| session.t(key);
    html! {
        details.template {
            summary { (t("template-summary")) }
            table {
                thead { tr { th { (t("template-characteristic")) } th { (t("template-unit")) } th { (t("template-kind")) } th { (t("template-limits")) } } }
                tbody {
                    @for c in &sheet.characteristics {
                        tr {
                            td { (c.name) span.muted { " · " (c.code) } }
                            td { (c.unit) }
                            td { @if c.derived { (t("kind-derived")) } @else if c.kind == Kind::Attribute { (t("kind-attribute")) } @else { (t("kind-variable")) } }
                            td { (limits_text(session.lang, c.lsl, c.usl)) }
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
    let lang = session.lang;
    let t = |key| session.t(key);
    let title = message(
        lang,
        "entry-title",
        &[
            ("number", sheet.batch.number.into()),
            ("po", sheet.po_number.as_str().into()),
        ],
    );
    let recorded = sheet.characteristics.iter().any(|c| !c.derived);
    let body = html! {
        (app_assets(&session)?)
        script #sheet type="application/json" { (PreEscaped(embedded_json(&sheet)?)) }
        div #app data-page="entry" data-batch=(sheet.batch.id) {
            p.back { a href="/inspect" { (t("back-to-work-list")) } }
            (status_bar(&session))
            h1 { (title) }
            p.muted { (sheet.product_code) " " (sheet.product_name) " · " (message(lang, "work-lot", &[("lot", sheet.batch.lot_size.into())]))
                " · " (message(lang, "entry-units-drawn", &[("count", sheet.units.len().into())])) }
            div.scan {
                label for="scan" { (t("scan-label")) }
                input #scan type="text" inputmode="numeric" autocomplete="off" enterkeyhint="go" placeholder=(t("scan-placeholder"));
            }
            nav.tabs role="tablist" {
                @if recorded {
                    button.tab type="button" role="tab" data-tab="unit" aria-selected="true" { (t("tab-unit")) }
                    button.tab type="button" role="tab" data-tab="grid" aria-selected="false" { (t("tab-grid")) }
                }
                button.tab type="button" role="tab" data-tab="visual" aria-selected=(if recorded { "false" } else { "true" }) { (t("tab-visual")) }
                @if recorded {
                    button.tab type="button" role="tab" data-tab="import" aria-selected="false" { (t("tab-import")) }
                }
            }
            @if sheet.units.is_empty() && recorded {
                div.card { p { (t("no-plan-yet")) } }
            }
            section #tab-unit.panel role="tabpanel" hidden {
                div.units-head {
                    h2 { (t("units-heading")) }
                    div.order role="group" aria-label=(t("unit-order")) {
                        button.quiet type="button" data-order="draw" aria-pressed="true" { (t("order-draw")) }
                        button.quiet type="button" data-order="asc" aria-pressed="false" { (t("order-ascending")) }
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
            (template_table(&session, &sheet))
            p.muted { a.button.quiet href={ "/batches/" (sheet.batch.id) } { (t("batch-statistics-link")) } }
        }
    };
    let markup = page(&session.frame(), &title, body);
    Ok(html_response(StatusCode::OK).body(markup.into_string()))
}
