//! A lead's work in the browser, end to end in headless Chromium, in
//! English and in Chinese: a batch page asked for before signing in leads
//! to the sign-in and back; the lead reads what the data propose, signs a
//! decision (a wrong password is refused beside the field, nothing is
//! signed, the entries stay), then issues the order's report, which
//! states plainly that a batch was not decided. A page that does not exist
//! and an expired form answer as pages in the site's frame.
//!
//! With `LOTCHECK_SCREENSHOTS=<dir>` the run saves the lead's pages at
//! tablet and desktop size in both languages.

use crate::browser::{
    browser_in, chromedriver, click, js, open_until, screens, sign_in_with_form, text_of,
    type_into, until, TABLET_AND_DESKTOP,
};
use crate::common::{self, Backend, TestApp, PASSWORD};
use fantoccini::Client;
use lotcheck::domain::access::Role;
use reqwest::StatusCode;
use serde_json::json;

/// What the pages say, in the language under test (written out here, not
/// read from the catalogue, so a wrong or missing translation fails).
struct Words {
    tag: &'static str,
    proposal: &'static str,
    hold: &'static str,
    wrong_password: &'static str,
    signed_by: &'static str,
    on_hold: &'static str,
    still_open: &'static str,
    no_decision: &'static str,
    not_found: &'static str,
    expired: &'static str,
    /// The report's statement of a batch without a decision.
    undecided: &'static str,
}

const ENGLISH: Words = Words {
    tag: "en",
    undecided: "Batch 2 had no disposition",
    proposal: "The data propose: hold",
    hold: "8 of 12 readings are missing",
    wrong_password: "does not match your password: the decision is not signed",
    signed_by: "signed by lead1",
    on_hold: "on hold",
    still_open: "Still open",
    no_decision: "no decision",
    not_found: "This page does not exist",
    expired: "This form has expired",
};

const CHINESE: Words = Words {
    tag: "zh-CN",
    undecided: "第 2 批在本报告生成时尚未处置",
    proposal: "数据建议：暂扣",
    hold: "缺少 8 / 12 个测量值",
    wrong_password: "与您的密码不符：决定未签署",
    signed_by: "由 lead1 于",
    on_hold: "暂扣",
    still_open: "尚未完成",
    no_decision: "未决定",
    not_found: "此页面不存在",
    expired: "此表单已过期",
};

pub async fn a_lead_signs_a_decision_and_issues_the_report(backend: Backend) {
    lead_signs_and_issues(backend, &ENGLISH).await;
}

pub async fn a_lead_signs_and_issues_in_chinese(backend: Backend) {
    lead_signs_and_issues(backend, &CHINESE).await;
}

async fn path_of(browser: &Client) -> String {
    let url = browser.current_url().await.unwrap();
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    }
}

async fn lead_signs_and_issues(backend: Backend, words: &Words) {
    let driver = chromedriver();
    // The Chinese site runs on Shanghai's time; times show in its zone.
    let zone = match words.tag {
        "en" => chrono_tz::Tz::UTC,
        _ => chrono_tz::Asia::Shanghai,
    };
    let settings = lotcheck::Settings {
        time_zone: lotcheck::SiteZone(zone),
        ..Default::default()
    };
    let app = TestApp::spawn_with(backend, settings).await;
    let s = common::scenario(&app, 40).await;
    let (_, units) =
        common::draw_plan(&app, s.batch_id, json!({"method": "percent", "seed": 3})).await;
    let readings: Vec<_> = units
        .iter()
        .map(|u| json!({"unit": u, "characteristic": "flux", "value": 800.0}))
        .collect();
    common::record_readings(&app, s.batch_id, readings).await;
    let second = common::new_batch(&app, s.order_id, 20).await;
    app.add_user("lead1", Role::Lead, None);
    let browser = browser_in(&driver, Some(words.tag)).await;
    browser.set_window_size(1280, 900).await.unwrap();

    // Asked for before signing in: the sign-in, then the page itself.
    let batch_page = format!("/batches/{}", s.batch_id);
    open_until(
        &browser,
        &app,
        &batch_page,
        "document.getElementById('username')",
    )
    .await;
    assert!(path_of(&browser).await.starts_with("/login?next="));
    sign_in_with_form(&browser, "lead1").await;
    assert_eq!(
        path_of(&browser).await,
        batch_page,
        "back where the lead was"
    );

    // What the data propose, and why; release is not offered on them.
    let card = text_of(&browser, "#disposition").await;
    assert!(card.contains(words.proposal), "{card}");
    assert!(card.contains(words.hold), "{card}");
    assert_eq!(
        js(
            &browser,
            "return document.getElementById('meaning-released').disabled;"
        )
        .await,
        json!(true)
    );
    screens(
        &browser,
        TABLET_AND_DESKTOP,
        &format!("lead-batch-{}", words.tag),
        "#disposition",
    )
    .await;

    // A wrong password: refused beside the field, nothing signed, the
    // choice and comment kept.
    click(&browser, "#meaning-on_hold").await;
    type_into(&browser, "#comment", "Waiting for the power readings").await;
    type_into(&browser, "#password", "not-my-password").await;
    click(&browser, "form.sign button[type=submit]").await;
    until(
        &browser,
        "the refusal",
        "document.getElementById('password-error')",
    )
    .await;
    let refusal = text_of(&browser, "#password-error").await;
    assert_eq!(refusal, words.wrong_password);
    assert_eq!(
        js(&browser, "return [document.getElementById('meaning-on_hold').checked, document.getElementById('comment').value, document.getElementById('password').getAttribute('aria-invalid')];").await,
        json!([true, "Waiting for the power readings", "true"])
    );
    let disposition_path = format!("/api/v1/batches/{}/disposition", s.batch_id);
    let (_, disposition) = app.get(&disposition_path).await;
    assert!(disposition["current"].is_null(), "{disposition}");
    screens(
        &browser,
        TABLET_AND_DESKTOP,
        &format!("lead-sign-refused-{}", words.tag),
        "form.sign",
    )
    .await;

    // The right one signs.
    type_into(&browser, "#password", PASSWORD).await;
    click(&browser, "form.sign button[type=submit]").await;
    until(&browser, "the decision in force", "!document.getElementById('password-error') && document.querySelector('#disposition blockquote')").await;
    let card = text_of(&browser, "#disposition").await;
    assert!(
        card.contains(words.signed_by) && card.contains(words.on_hold),
        "{card}"
    );
    let (_, disposition) = app.get(&disposition_path).await;
    assert_eq!(disposition["current"]["meaning"], "on_hold");
    assert_eq!(disposition["current"]["signed_by"], "lead1");

    // Through the API, undecided batches refuse a report unless asked for.
    let issue = format!("/api/v1/orders/{}/reports", s.order_id);
    let (status, problem) = app.post(&issue, &json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "undecided_batches");

    // In the browser: what is open, and a confirmation.
    open_until(
        &browser,
        &app,
        &format!("/orders/{}/report/issue", s.order_id),
        "document.getElementById('with-undecided')",
    )
    .await;
    let open = text_of(&browser, "main").await;
    assert!(
        open.contains(words.still_open) && open.contains(words.no_decision),
        "{open}"
    );
    assert!(open.contains(words.on_hold), "batch 1 is on hold: {open}");
    screens(
        &browser,
        TABLET_AND_DESKTOP,
        &format!("lead-issue-{}", words.tag),
        "main",
    )
    .await;
    // Unconfirmed (the browser's own check taken away): refused, nothing issued.
    js(
        &browser,
        "document.getElementById('with-undecided').required = false; return 0;",
    )
    .await;
    click(&browser, "main form button[type=submit]").await;
    until(
        &browser,
        "the refusal",
        "document.querySelector('main p.error')",
    )
    .await;
    assert!(text_of(&browser, "main p.error")
        .await
        .contains("batch 2 has no decision"));
    let (_, issued) = app.get(&issue).await;
    assert_eq!(issued, json!([]), "nothing issued unconfirmed");
    click(&browser, "#with-undecided").await;
    click(&browser, "main form button[type=submit]").await;
    until(
        &browser,
        "the issued revision",
        "document.querySelector('a[href*=\"/reports/1.pdf?language=\"]')",
    )
    .await;
    let (_, issued) = app.get(&issue).await;
    assert_eq!(issued[0]["issued_by"], "lead1");
    assert_eq!(issued[0]["revision"], 1);
    let report = text_of(&browser, ".report").await;
    assert!(
        report.contains(words.undecided),
        "the statement names the undecided batch: {report}"
    );
    let _ = second;

    // Errors are pages in the frame, in the reader's language.
    open_until(
        &browser,
        &app,
        "/no-such-page",
        "document.querySelector('.failure')",
    )
    .await;
    assert!(text_of(&browser, "main").await.contains(words.not_found));
    assert!(
        text_of(&browser, "header").await.contains("lead1"),
        "signed-in frame"
    );
    open_until(
        &browser,
        &app,
        &batch_page,
        "document.getElementById('comment')",
    )
    .await;
    js(
        &browser,
        "document.querySelector('form.sign input[name=csrf]').value = 'stale'; return 0;",
    )
    .await;
    type_into(&browser, "#comment", "x").await;
    click(&browser, "form.sign button[type=submit]").await;
    until(
        &browser,
        "the expired page",
        "document.querySelector('.failure')",
    )
    .await;
    assert!(text_of(&browser, "main").await.contains(words.expired));
    screens(
        &browser,
        TABLET_AND_DESKTOP,
        &format!("error-expired-{}", words.tag),
        "main",
    )
    .await;

    // The session ends while a form is open: sending it leads to the
    // sign-in, and signing in returns to the page the form was on.
    open_until(
        &browser,
        &app,
        &batch_page,
        "document.getElementById('comment')",
    )
    .await;
    browser
        .delete_cookie(lotcheck::api::auth::SESSION_COOKIE)
        .await
        .unwrap();
    type_into(&browser, "#comment", "x").await;
    click(&browser, "form.sign button[type=submit]").await;
    until(
        &browser,
        "the sign-in page",
        "document.getElementById('username')",
    )
    .await;
    assert_eq!(
        path_of(&browser).await,
        format!("/login?next=%2Fbatches%2F{}", s.batch_id)
    );
    sign_in_with_form(&browser, "lead1").await;
    assert_eq!(
        path_of(&browser).await,
        batch_page,
        "back on the batch page"
    );

    browser.close().await.unwrap();
    app.stop().await;
}

/// A product with eight batches of flux readings, the last one shifted.
async fn product_with_batches(app: &TestApp) -> (i64, Vec<i64>) {
    let s = common::scenario(app, 50).await;
    let mut batches = vec![s.batch_id];
    for _ in 1..8 {
        batches.push(common::new_batch(app, s.order_id, 50).await);
    }
    for (b, &batch) in batches.iter().enumerate() {
        let (_, units) =
            common::draw_plan(app, batch, json!({"method": "percent", "seed": 11})).await;
        let shift = if b == 7 { 60.0 } else { 0.0 };
        let readings: Vec<_> = units
            .iter()
            .enumerate()
            .map(|(i, u)| {
                // Scatter within and between batches (a fixed pattern, so
                // the chart is the same every run).
                let scatter = ((i * 7919 + b * 104_729) as f64).sin() * 6.0;
                json!({"unit": u, "characteristic": "flux", "value": 800.0 + shift + scatter})
            })
            .collect();
        common::record_readings(app, batch, readings).await;
    }
    (s.product_id, batches)
}

/// Sends the freeze form with the baseline ending at `last`.
async fn freeze_up_to(browser: &Client, last: i64) {
    js(
        browser,
        &format!("document.getElementById('last_batch_id').value = '{last}'; return 0;"),
    )
    .await;
    click(browser, "form.freeze button[type=submit]").await;
}

pub async fn a_lead_reads_control_charts_and_freezes_limits(backend: Backend) {
    let driver = chromedriver();
    let app = TestApp::spawn(backend).await;
    let (product, batches) = product_with_batches(&app).await;
    app.add_user("lead1", Role::Lead, None);
    for words in [&ENGLISH, &CHINESE] {
        let browser = browser_in(&driver, Some(words.tag)).await;
        browser.set_window_size(1280, 900).await.unwrap();
        browser.goto(&app.url("/login")).await.unwrap();
        sign_in_with_form(&browser, "lead1").await;
        screens(
            &browser,
            TABLET_AND_DESKTOP,
            &format!("lead-dashboard-{}", words.tag),
            "main",
        )
        .await;
        open_until(
            &browser,
            &app,
            &format!("/products/{product}/control-chart"),
            "document.querySelector('figure.chart svg')",
        )
        .await;
        let page = text_of(&browser, "main").await;
        // The shifted last batch breaks the first rule, named with its batch.
        let (rule, control) = match words.tag {
            "en" => ("WE1 · One point beyond 3σ", "Control charts"),
            _ => ("WE1 · 1 个点超出 3σ", "控制图"),
        };
        assert!(page.contains(control), "{page}");
        assert!(page.contains(rule), "{page}");
        assert!(page.contains(&format!("#{}", batches[7])), "{page}");
        // Capability across the batches, and the switching state.
        let (capability, switching) = match words.tag {
            "en" => (
                "Capability across batches",
                "Next lot's inspection: normal inspection",
            ),
            _ => ("跨批次过程能力", "下一批的检验严格度：正常检验"),
        };
        assert!(page.contains(capability) && page.contains("Cpk"), "{page}");
        assert!(page.contains(switching), "{page}");
        let label = js(
            &browser,
            "return document.querySelector('figure.chart').getAttribute('aria-label');",
        )
        .await;
        assert!(
            label.as_str().is_some_and(|l| l.contains('8')),
            "the chart is named: {label}"
        );
        screens(
            &browser,
            TABLET_AND_DESKTOP,
            &format!("lead-control-chart-{}", words.tag),
            "main",
        )
        .await;
        browser.close().await.unwrap();
    }

    // A lead starts at the dashboard: the alert on the newest batch, with
    // its chart a click away, and the batches still being recorded.
    let browser = browser_in(&driver, Some("en")).await;
    browser.goto(&app.url("/login")).await.unwrap();
    sign_in_with_form(&browser, "lead1").await;
    assert_eq!(path_of(&browser).await, "/dashboard");
    let board = text_of(&browser, "main").await;
    assert!(
        board.contains("Control chart alerts on the newest batches"),
        "{board}"
    );
    assert!(board.contains("WE1 · One point beyond 3σ"), "{board}");
    assert!(
        board.contains("Being recorded (8)"),
        "power is not read yet: {board}"
    );
    assert!(board.contains("Yields by line and by day"), "{board}");
    click(&browser, "#alerts ~ table a[href*='control-chart']").await;
    until(
        &browser,
        "the chart",
        "document.querySelector('figure.chart svg')",
    )
    .await;

    // Freezing the first six batches' limits makes a phase.
    open_until(
        &browser,
        &app,
        &format!("/products/{product}/control-chart?characteristic=flux&chart=xbar-r"),
        "document.querySelector('form.freeze')",
    )
    .await;
    freeze_up_to(&browser, batches[5]).await;
    // The phases table names the frozen batches (the header's "lead1 ·"
    // is there before the answer comes).
    until(
        &browser,
        "the phase",
        &format!(
            "document.querySelector('form.freeze') && document.body.innerText.includes('#{} – #{}')",
            batches[0], batches[5]
        ),
    )
    .await;
    let (status, chart) = app
        .get(&format!(
            "/api/v1/products/{product}/control-chart?characteristic=flux&chart=xbar-r"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{chart}");
    assert_eq!(chart["phases"][0]["first_batch_id"], batches[0]);
    assert_eq!(chart["phases"][0]["last_batch_id"], batches[5]);
    assert_eq!(chart["phases"][0]["frozen_by"], "lead1");
    // The same phase again is refused beside the form, not lost.
    freeze_up_to(&browser, batches[5]).await;
    until(
        &browser,
        "the refusal",
        "document.querySelector('form.freeze p.error, form.freeze p.field-error')",
    )
    .await;
    assert_eq!(
        js(
            &browser,
            "return document.getElementById('last_batch_id').value;"
        )
        .await,
        json!(batches[5].to_string()),
        "the refused form keeps the batches chosen"
    );
    // The switching card's own-lots choice (an empty supplier) reads the
    // product's lots, not a refusal.
    click(&browser, "#switching button[type=submit]").await;
    until(
        &browser,
        "the chart page again",
        "document.getElementById('switching') && location.search.includes('supplier=')",
    )
    .await;
    browser.close().await.unwrap();
    app.stop().await;
}
