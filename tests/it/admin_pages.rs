//! The admin's work in the browser, end to end in headless Chromium, in
//! English and in Chinese: a user, a customer and a product with its
//! inspection template made through the forms. Each form refuses what the
//! API refuses, the message beside the field, nothing stored, the entries
//! kept; then the corrected form is stored and the API reads it back.
//!
//! With `LOTCHECK_SCREENSHOTS=<dir>` the run saves the admin's pages at
//! tablet and desktop size in both languages.

use crate::browser::{
    chromedriver, click, js, screens, signed_in_browser, text_of, type_into, until,
    TABLET_AND_DESKTOP,
};
use crate::common::{Backend, TestApp};
use fantoccini::Client;
use lotcheck::domain::access::Role;
use serde_json::{json, Value};

/// What the pages say, in the language under test.
struct Words {
    tag: &'static str,
    users: &'static str,
    add_product: &'static str,
    not_a_number: &'static str,
    /// The service's refusal of a USL below the LSL, in the reader's language.
    usl_below_lsl: &'static str,
}

const ENGLISH: Words = Words {
    tag: "en",
    users: "Users",
    add_product: "Add product",
    not_a_number: "is not a number",
    usl_below_lsl: "must be greater than lsl",
};

const CHINESE: Words = Words {
    tag: "zh-CN",
    users: "用户",
    add_product: "添加产品",
    not_a_number: "不是数字",
    usl_below_lsl: "必须大于下限",
};

pub async fn an_admin_sets_up_users_customers_and_products(backend: Backend) {
    admin_sets_up(backend, &ENGLISH).await;
}

pub async fn an_admin_sets_up_in_chinese(backend: Backend) {
    admin_sets_up(backend, &CHINESE).await;
}

async fn field_value(browser: &Client, name: &str) -> Value {
    js(
        browser,
        &format!("return document.querySelector('[name=\"{name}\"]').value;"),
    )
    .await
}

async fn submit(browser: &Client, form: &str) {
    click(
        browser,
        &format!("{form} button[type=submit]:not([name=more])"),
    )
    .await;
}

async fn admin_sets_up(backend: Backend, words: &Words) {
    let driver = chromedriver();
    let app = TestApp::spawn(backend).await;
    app.add_user("admin1", Role::Admin, None);
    let browser = signed_in_browser(&driver, &app, words.tag, "admin1").await;

    // A customer.
    browser.goto(&app.url("/admin/customers")).await.unwrap();
    type_into(&browser, "#name", "Lumen Trading Co.").await;
    submit(&browser, "form.card").await;
    until(&browser, "the customer listed", "document.querySelector('main table') && document.querySelector('main table').innerText.includes('Lumen Trading Co.')").await;
    let (_, customers) = app.get("/api/v1/customers").await;
    let customer = customers["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Lumen Trading Co.")
        .expect("the customer is stored")["id"]
        .as_i64()
        .unwrap();

    // A supplier: an empty name is refused beside the field.
    browser.goto(&app.url("/admin/suppliers")).await.unwrap();
    submit(&browser, "form.card").await;
    until(
        &browser,
        "the refusal",
        "document.getElementById('name-error')",
    )
    .await;
    type_into(&browser, "#name", "Shenzhen LED Chips Co.").await;
    submit(&browser, "form.card").await;
    until(&browser, "the supplier listed", "document.querySelector('main table') && document.querySelector('main table').innerText.includes('Shenzhen LED Chips Co.')").await;
    let (_, suppliers) = app.get("/api/v1/suppliers").await;
    assert!(
        suppliers.to_string().contains("Shenzhen LED Chips Co."),
        "{suppliers}"
    );

    // A customer user: a short password is refused beside the field, the
    // username kept, nobody added.
    browser.goto(&app.url("/admin/users")).await.unwrap();
    assert!(text_of(&browser, "h1").await.contains(words.users));
    type_into(&browser, "#username", "lumen.qa").await;
    type_into(&browser, "#new-password", "short").await;
    js(
        &browser,
        "document.getElementById('role').value = 'customer'; return 0;",
    )
    .await;
    js(
        &browser,
        &format!("document.getElementById('customer_id').value = '{customer}'; return 0;"),
    )
    .await;
    submit(&browser, "form.card").await;
    until(
        &browser,
        "the refusal",
        "document.getElementById('password-error')",
    )
    .await;
    assert_eq!(field_value(&browser, "username").await, json!("lumen.qa"));
    let (_, users) = app.get("/api/v1/users").await;
    assert!(!users.to_string().contains("lumen.qa"), "nobody added");
    screens(
        &browser,
        TABLET_AND_DESKTOP,
        &format!("admin-users-{}", words.tag),
        "form.card",
    )
    .await;
    type_into(&browser, "#new-password", "a-long-enough-password").await;
    submit(&browser, "form.card").await;
    until(&browser, "the user listed", "!document.getElementById('password-error') && document.querySelector('main table').innerText.includes('lumen.qa')").await;
    let (_, users) = app.get("/api/v1/users").await;
    let added = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "lumen.qa")
        .expect("the user is stored");
    assert_eq!(added["role"], "customer");
    assert_eq!(added["customer_id"], customer);

    // A product with its template: a limit that is not a number, then
    // limits the wrong way round, each refused in its row; then stored.
    browser.goto(&app.url("/admin/products")).await.unwrap();
    until(
        &browser,
        "the product form",
        "document.querySelector('form.product')",
    )
    .await;
    for (name, text) in [
        ("code", "PAR38-15W-3000K"),
        ("name", "PAR38 15 W 3000 K"),
        ("params.rated_power_w", "15"),
        ("params.lamp_holder", "E27"),
        ("characteristics[0].code", "flux"),
        ("characteristics[0].name", "Luminous flux"),
        ("characteristics[0].unit", "lm"),
        ("characteristics[0].nominal", "1200"),
        ("characteristics[0].lsl", "1080"),
        ("characteristics[0].usl", "abc"),
        ("characteristics[1].code", "lights_up"),
        ("characteristics[1].name", "Lights up"),
    ] {
        type_into(&browser, &format!("[name=\"{name}\"]"), text).await;
    }
    js(
        &browser,
        &format!("document.getElementById('customer_id').value = '{customer}'; document.querySelector('[name=\"characteristics[1].kind\"]').value = 'attribute'; document.querySelector('[name=\"characteristics[1].severity\"]').value = 'critical'; return 0;"),
    )
    .await;
    assert!(text_of(&browser, "form.product button[type=submit]")
        .await
        .contains(words.add_product));
    submit(&browser, "form.product").await;
    until(
        &browser,
        "the refusal",
        "document.getElementById('characteristics[0].usl-error')",
    )
    .await;
    assert_eq!(
        text_of(&browser, "[id=\"characteristics[0].usl-error\"]").await,
        words.not_a_number
    );
    assert_eq!(
        field_value(&browser, "characteristics[1].code").await,
        json!("lights_up")
    );
    assert_eq!(
        field_value(&browser, "characteristics[1].kind").await,
        json!("attribute")
    );
    let clear_usl = "const f = document.querySelector('[name=\"characteristics[0].usl\"]'); f.value = ''; return 0;";
    js(&browser, clear_usl).await;
    type_into(&browser, "[name=\"characteristics[0].usl\"]", "1000").await;
    submit(&browser, "form.product").await;
    // The page before still shows the first refusal until the answer
    // replaces it, so wait for the second refusal's own words.
    until(
        &browser,
        "the service's refusal",
        &format!(
            "(document.getElementById('characteristics[0].usl-error') || {{innerText: ''}}).innerText.includes({})",
            json!(words.usl_below_lsl)
        ),
    )
    .await;
    let (_, products) = app.get("/api/v1/products").await;
    assert_eq!(products["total"], 0, "nothing stored: {products}");
    screens(
        &browser,
        TABLET_AND_DESKTOP,
        &format!("admin-product-{}", words.tag),
        "form.product h3",
    )
    .await;
    js(&browser, clear_usl).await;
    type_into(&browser, "[name=\"characteristics[0].usl\"]", "1320").await;
    submit(&browser, "form.product").await;
    until(
        &browser,
        "the product listed",
        "document.querySelector('main table').innerText.includes('PAR38-15W-3000K')",
    )
    .await;
    let (_, products) = app.get("/api/v1/products").await;
    let product = &products["items"][0];
    assert_eq!(product["code"], "PAR38-15W-3000K");
    assert_eq!(product["customer_id"], customer);
    assert_eq!(product["params"]["rated_power_w"], 15.0);
    assert_eq!(product["params"]["lamp_holder"], "E27");
    let template = product["characteristics"].as_array().unwrap();
    assert_eq!(template.len(), 2);
    assert_eq!(template[0]["usl"], 1320.0);
    assert_eq!(template[1]["kind"], "attribute");
    assert_eq!(template[1]["severity"], "critical");
    browser.close().await.unwrap();
    app.stop().await;
}
