//! The page frame shared by every page.

use crate::domain::access::{permits, Permission};
use crate::domain::language::Lang;
use crate::i18n::text;
use crate::service::auth::Caller;
use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use maud::{html, Markup, DOCTYPE};

const STYLE: &str = r#"
:root { --ink: #1d2733; --muted: #5b6776; --line: #d9dee5; --accent: #0b6bcb; --bad: #b42318; --bg: #f5f7fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif; color: var(--ink); background: var(--bg); }
header { display: flex; align-items: center; justify-content: space-between; gap: 1rem; padding: .75rem 1.5rem; background: #fff; border-bottom: 1px solid var(--line); }
header nav.site { display: flex; gap: .25rem; margin-right: auto; }
header nav.site a { padding: .6rem .9rem; border-radius: 8px; font-weight: 600; min-height: 44px; display: inline-flex; align-items: center; }
.skip { position: absolute; left: -999px; top: .5rem; background: #fff; padding: .6rem 1rem; border-radius: 8px; z-index: 10; }
.skip:focus { left: .5rem; }
header .languages { display: flex; gap: .25rem; align-items: center; }
header .languages a, header .languages button { min-height: 44px; padding: .35rem .7rem; display: inline-flex; align-items: center; border-radius: 8px; font-weight: 600; }
header .languages [aria-pressed=true], header .languages [aria-current=true] { background: var(--accent); color: #fff; border-color: var(--accent); }
header .brand { color: var(--ink); text-decoration: none; font-weight: 700; font-size: 1.2rem; letter-spacing: .02em; }
header .brand span { color: var(--accent); }
header .who { color: var(--muted); display: flex; align-items: center; gap: .75rem; }
main { max-width: 1100px; margin: 1.5rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 1.5rem; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .6rem .75rem; border-bottom: 1px solid var(--line); }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
label { display: block; font-weight: 600; margin: 1rem 0 .35rem; }
input[type=text], input[type=password], input[type=date] { width: 100%; font-size: 1.1rem; padding: .7rem .8rem; border: 1px solid var(--line); border-radius: 8px; }
button { font: inherit; font-weight: 600; padding: .7rem 1.2rem; border-radius: 8px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button.quiet { background: #fff; color: var(--accent); padding: .35rem .8rem; min-height: 44px; }
.login { max-width: 420px; margin: 4rem auto; }
.login button { width: 100%; margin-top: 1.5rem; font-size: 1.1rem; }
.error { color: var(--bad); background: #fef3f2; border: 1px solid #fecdca; border-radius: 8px; padding: .6rem .8rem; margin-top: 1rem; }
.muted { color: var(--muted); }
h2 { font-size: 1.15rem; margin: 0 0 .75rem; }
h3 { font-size: 1rem; margin: 1.25rem 0 .5rem; }
.card + .card { margin-top: 1rem; }
.card > :last-child { margin-bottom: 0; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.bad { color: var(--bad); font-weight: 600; }
.units { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: .75rem; }
.unit { border: 1px solid var(--line); border-radius: 8px; padding: .6rem .75rem; }
.unit ul { margin: .25rem 0 .5rem; padding-left: 1.1rem; }
.unit img { width: 96px; height: 72px; object-fit: cover; border-radius: 6px; border: 1px solid var(--line); margin-right: .35rem; }
.card { overflow-x: auto; }
.good { color: #1b5e20; font-weight: 600; }
.warn { color: #8d5a00; font-weight: 600; }
a.button { display: inline-block; font-weight: 600; padding: .55rem 1rem; border-radius: 8px; border: 1px solid var(--accent); background: var(--accent); color: #fff; margin: .25rem 0; }
a.button.quiet { background: #fff; color: var(--accent); }
a.button:hover { text-decoration: none; }
.actions form { margin-top: .75rem; }
.report h1 { font-size: 1.6rem; }
.report h2.section { margin-top: 2rem; padding-bottom: .3rem; border-bottom: 1px solid var(--line); }
.report table { font-size: .85rem; }
.report th, .report td { padding: .35rem .5rem; }
.report .scroll { overflow-x: auto; }
dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1.5rem; margin: 0 0 1rem; }
dl.fields dt { color: var(--muted); }
dl.fields dd { margin: 0; font-weight: 600; }
.banner { border: 2px solid currentColor; border-radius: 8px; padding: .75rem 1rem; margin: 1rem 0; }
figure.chart { margin: 1rem 0; }
code { word-break: break-all; }
.field-error { color: var(--bad); font-weight: 600; margin: .3rem 0 0; }
[aria-invalid=true] { border-color: var(--bad) !important; box-shadow: 0 0 0 1px var(--bad); }
textarea { width: 100%; font: inherit; font-size: 1.05rem; padding: .6rem .8rem; border: 1px solid var(--line); border-radius: 8px; }
fieldset.choices { border: 0; padding: 0; margin: 1rem 0 0; display: flex; flex-wrap: wrap; gap: .5rem; }
fieldset.choices legend { font-weight: 600; margin-bottom: .35rem; padding: 0; }
fieldset.choices p { flex-basis: 100%; margin: .25rem 0 0; }
label.choice { display: inline-flex; align-items: center; gap: .5rem; margin: 0; min-height: 48px; padding: .4rem 1rem; border: 1px solid var(--line); border-radius: 8px; background: #fff; font-weight: 600; cursor: pointer; }
label.choice:has(input:checked) { border-color: var(--accent); background: #e8f1fb; }
label.choice.disabled { color: var(--muted); cursor: not-allowed; background: var(--bg); }
label.choice input { width: 1.2rem; height: 1.2rem; margin: 0; }
label.choice.confirm { display: flex; margin: 1rem 0; font-weight: 400; }
label.choice.confirm input { flex: none; }
form.sign { border-top: 1px solid var(--line); margin-top: 1.25rem; }
form.sign button { margin-top: 1rem; }
blockquote.comment { margin: 0 0 .75rem; padding: .4rem .8rem; border-left: 3px solid var(--line); color: var(--ink); }
ul.reasons { margin: .25rem 0 1rem; }
details summary { cursor: pointer; font-weight: 600; min-height: 44px; display: flex; align-items: center; }
.superseded { opacity: .8; border-top: 1px dashed var(--line); padding-top: .5rem; }
table.sticky-first th[scope=row], table.sticky-first thead th:first-child { position: sticky; left: 0; background: #fff; z-index: 1; }
table th[scope=row], td.nowrap { white-space: nowrap; }
table th[scope=row] { text-transform: none; letter-spacing: 0; font-size: 1rem; color: var(--ink); font-weight: 600; }
:focus-visible { outline: 3px solid #f79009; outline-offset: 2px; }
.fields-row { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: flex-end; }
.fields-row > div { flex: 1 1 12rem; }
.fields-row label { margin-top: 0; }
.fields-row button { width: 100%; min-height: 48px; }
input[type=file] { font-size: 1rem; min-height: 48px; padding: .4rem 0; }
input[type=file]::file-selector-button { font: inherit; font-weight: 600; min-height: 44px; padding: .5rem 1rem; margin-right: .75rem; border-radius: 8px; border: 1px solid var(--accent); background: #fff; color: var(--accent); }
fieldset.defect-lines { border: 1px solid var(--line); border-radius: 8px; padding: .25rem 1rem 1rem; margin: 1rem 0 0; }
fieldset.defect-lines legend { font-weight: 600; padding: 0 .25rem; }
span.drawn { display: inline-block; min-width: 2.6rem; padding: .2rem .45rem; margin: .15rem 0; border: 1px solid var(--line); border-radius: 6px; text-align: center; font-variant-numeric: tabular-nums; }
span.drawn.done { background: #e7f5ec; border-color: #1b7f3b; color: #14532d; }
.thumbs { display: flex; flex-wrap: wrap; gap: .5rem; margin: .5rem 0; }
.thumbs img { width: 96px; height: 72px; object-fit: cover; border-radius: 6px; border: 1px solid var(--line); }
span.drawn.found { background: #fdecea; border-color: #b42318; color: #7a1a12; }
tr.superseded td, tr.superseded th { color: var(--muted); }
select, input[type=number] { width: 100%; font: inherit; font-size: 1.05rem; padding: .6rem .7rem; min-height: 48px; border: 1px solid var(--line); border-radius: 8px; background: #fff; }
form.freeze { border-top: 1px solid var(--line); margin-top: 1.25rem; }
figcaption { color: var(--muted); font-size: .9rem; text-align: center; margin-top: .5rem; }
.two-columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 1rem; }
meter { width: 6rem; height: 1rem; vertical-align: middle; }
.progress { white-space: nowrap; font-variant-numeric: tabular-nums; }
h2.section-title { margin: 1.5rem 0 .75rem; }
header nav.site a[aria-current=page] { background: #e8f1fb; }
nav.tabs { display: flex; flex-wrap: wrap; gap: .25rem; margin-bottom: 1rem; border-bottom: 1px solid var(--line); }
nav.tabs a { padding: .6rem 1rem; min-height: 44px; display: inline-flex; align-items: center; font-weight: 600; border-radius: 8px 8px 0 0; }
nav.tabs a[aria-current=page] { background: #fff; border: 1px solid var(--line); border-bottom-color: #fff; margin-bottom: -1px; color: var(--ink); }
table.template input, table.template select { width: 100%; min-width: 6rem; font: inherit; padding: .45rem .5rem; border: 1px solid var(--line); border-radius: 6px; min-height: 44px; }
table.template td { padding: .3rem .25rem; vertical-align: top; }
.fields-row.parameters > div { flex: 1 1 14rem; }
.fields-row input[type=text], .fields-row input[type=password], .fields-row input[type=date] { font-size: 1.05rem; }
td.actions-cell { display: flex; flex-wrap: wrap; gap: .5rem; align-items: flex-start; }
td.actions-cell details form { display: flex; flex-direction: column; gap: .35rem; margin-top: .35rem; }
span.tag { display: inline-block; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 0 .4rem; font-size: .85rem; }
header { flex-wrap: wrap; row-gap: .5rem; }
header .who span, header .languages { white-space: nowrap; }
button:disabled { opacity: .45; cursor: not-allowed; }
th .muted { font-weight: 400; font-size: .85rem; }
.fields-row + .fields-row { margin-top: .75rem; }
form.card > button, form.card > p > button { margin-top: 1rem; }
.scroll { overflow-x: auto; }
main > p:first-child > a, td a, th a { display: inline-block; padding: .45rem 0; min-height: 32px; }
main > p:first-child > a { min-height: 44px; display: inline-flex; align-items: center; }
details summary { color: var(--accent); }
p.notice { background: #fff; border: 1px solid var(--line); border-left: 4px solid currentColor; border-radius: 8px; padding: .6rem .9rem; }
td.num { white-space: nowrap; }
table.revisions th, table.revisions code { white-space: nowrap; }
.failure h1 { font-size: 1.4rem; }
figure.chart svg { width: 100%; height: auto; max-width: 800px; display: block; margin: 0 auto; }
"#;

/// An HTML answer, never cached (pages show live data and forms carry tokens).
pub fn html_response(status: StatusCode) -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::build(status);
    response
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"));
    response
}

pub use crate::i18n::when_in;

/// What frames a page: its language, its path (the way back after a
/// language switch) and, once signed in, the user and the session's CSRF
/// token (for the sign-out and language forms).
pub struct Frame<'a> {
    pub lang: Lang,
    pub path: &'a str,
    pub signed_in: Option<(&'a Caller, &'a str)>,
}

impl<'a> Frame<'a> {
    /// A page before sign-in.
    pub fn public(lang: Lang, path: &'a str) -> Self {
        Frame {
            lang,
            path,
            signed_in: None,
        }
    }
}

/// The language switch: a form for a signed-in user (the choice is kept
/// with the user), links before sign-in (a cookie).
fn language_switch(frame: &Frame) -> Markup {
    let label = text(frame.lang, "language-switch");
    html! {
        @match frame.signed_in {
            Some((_, csrf)) => form.languages method="post" action="/language" aria-label=(label) {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="back" value=(frame.path);
                @for lang in Lang::ALL {
                    button.quiet type="submit" name="to" value=(lang.tag()) lang=(lang.tag())
                        aria-pressed=(if lang == frame.lang { "true" } else { "false" }) { (lang.own_name()) }
                }
            },
            None => nav.languages aria-label=(label) {
                @for lang in Lang::ALL {
                    a href={ "/language?to=" (lang.tag()) "&back=" (frame.path) } lang=(lang.tag())
                        aria-current=[(lang == frame.lang).then_some("true")] { (lang.own_name()) }
                }
            },
        }
    }
}

/// A full page in the frame's language; a signed-in frame adds the site's
/// links and the sign-out form.
pub fn page(frame: &Frame, title: &str, body: Markup) -> Markup {
    let t = |key: &str| text(frame.lang, key);
    html! {
        (DOCTYPE)
        html lang=(frame.lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · lotcheck" }
                link rel="icon" href="/favicon.svg" type="image/svg+xml";
                style { (maud::PreEscaped(STYLE)) }
            }
            body {
                a.skip href="#content" { (t("skip-to-content")) }
                header {
                    a.brand href="/" { "lot" span { "check" } }
                    @if let Some((caller, _)) = frame.signed_in {
                        nav.site aria-label=(t("nav-site")) {
                            @if permits(caller.role, Permission::SignDispositions) {
                                a href="/dashboard" aria-current=[(frame.path == "/dashboard").then_some("page")] { (t("nav-dashboard")) }
                            }
                            a href="/" aria-current=[(frame.path == "/").then_some("page")] { (t("nav-orders")) }
                            @if permits(caller.role, Permission::RecordResults) {
                                a href="/inspect" { (t("nav-record")) }
                            }
                            @if permits(caller.role, Permission::Trace) {
                                a href="/materials" aria-current=[(frame.path.starts_with("/materials") || frame.path.starts_with("/trace")).then_some("page")] { (t("nav-materials")) }
                            }
                            @if permits(caller.role, Permission::OpenNcrs) {
                                a href="/ncrs" aria-current=[frame.path.starts_with("/ncrs").then_some("page")] { (t("nav-ncrs")) }
                            }
                            @if permits(caller.role, Permission::ManageUsers) {
                                a href="/admin/users" aria-current=[frame.path.starts_with("/admin").then_some("page")] { (t("nav-admin")) }
                            }
                        }
                    }
                    (language_switch(frame))
                    @if let Some((caller, csrf)) = frame.signed_in {
                        div.who {
                            span { (caller.username) " · " (t(&format!("role-{}", caller.role.as_str()))) }
                            form method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(csrf);
                                button.quiet type="submit" { (t("sign-out")) }
                            }
                        }
                    }
                }
                main #content { (body) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::when_in;
    use chrono::TimeZone;

    /// Offsets from the IANA time zone database: China Standard Time is
    /// UTC+8 all year (no daylight saving since 1991); Berlin is UTC+1 in
    /// winter and UTC+2 in summer.
    #[test]
    fn times_show_in_the_site_zone_with_its_name() {
        let moment = chrono::Utc
            .with_ymd_and_hms(2026, 11, 28, 0, 37, 0)
            .unwrap();
        assert_eq!(when_in(moment, chrono_tz::Tz::UTC), "2026-11-28 00:37 UTC");
        assert_eq!(
            when_in(moment, chrono_tz::Asia::Shanghai),
            "2026-11-28 08:37 Asia/Shanghai"
        );
        assert_eq!(
            when_in(moment, chrono_tz::Europe::Berlin),
            "2026-11-28 01:37 Europe/Berlin"
        );
        let summer = chrono::Utc.with_ymd_and_hms(2026, 7, 1, 23, 30, 0).unwrap();
        assert_eq!(
            when_in(summer, chrono_tz::Europe::Berlin),
            "2026-07-02 01:30 Europe/Berlin"
        );
    }
}
