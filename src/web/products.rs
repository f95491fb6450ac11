//! Products in the admin's pages: the list, and a new product with its
//! technical parameters and inspection template (one row per
//! characteristic: code, name, unit, kind, colour quantity, nominal,
//! limits, severity). The form's fields carry the API's names
//! (`characteristics[2].lsl`), so the service's messages land beside the
//! field they are about.

use super::admin::{admin_page, refusal, stored};
use super::forms::FormErrors;
use super::session::{html_response, PageError, Session};
use crate::domain::access::{Permission, Visibility};
use crate::domain::template::{Kind, Quantity, Severity};
use crate::error::Message;
use crate::error::{AppError, FieldError};
use crate::i18n::parameter_key;
use crate::service::catalog::{self, Customer, NewProduct, Product};
use crate::store::{Db, PageRequest};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use maud::{html, Markup};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Technical parameters with a field of their own: (key, numeric); each
/// labelled by the catalogue's `param-<key>` ([`parameter_key`]).
const PARAMETERS: [(&str, bool); 9] = [
    ("rated_power_w", true),
    ("rated_flux_lm", true),
    ("nominal_cct_k", true),
    ("cri_min", true),
    ("beam_angle_deg", true),
    ("lamp_holder", false),
    ("chip_model", false),
    ("target_x", true),
    ("target_y", true),
];

/// The numeric columns of a template row.
const NUMBERS: [&str; 3] = ["nominal", "lsl", "usl"];

/// Rows the form shows at first; "more rows" adds this many.
const ROWS: usize = 6;

/// The form as entered: every field by its name.
type Entered = HashMap<String, String>;

fn value<'a>(entered: &'a Entered, name: &str) -> &'a str {
    entered.get(name).map_or("", |v| v.as_str())
}

fn rows_in(entered: &Entered) -> usize {
    let used = (0..100)
        .take_while(|i| entered.contains_key(&format!("characteristics[{i}].code")))
        .count();
    let wanted = used + if entered.contains_key("more") { 4 } else { 0 };
    wanted.max(ROWS)
}

/// The request the form's entries make, with the form row of each
/// characteristic sent (empty rows are left out), or the fields that
/// cannot be read (a number that is not one).
fn request_of(entered: &Entered) -> Result<(NewProduct, Vec<usize>), AppError> {
    let mut problems = Vec::new();
    let number = |name: &str, problems: &mut Vec<FieldError>| -> Value {
        let text = value(entered, name).trim().replace(',', ".");
        if text.is_empty() {
            return Value::Null;
        }
        match text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
        {
            Some(n) => Value::Number(n),
            None => {
                problems.push(FieldError::new(name, Message::new("field-not-a-number")));
                Value::Null
            }
        }
    };
    let mut params = Map::new();
    for (key, numeric) in PARAMETERS {
        let name = format!("params.{key}");
        let text = value(entered, &name).trim();
        if text.is_empty() {
            continue;
        }
        let v = if numeric {
            number(&name, &mut problems)
        } else {
            Value::String(text.to_string())
        };
        params.insert(key.into(), v);
    }
    let mut characteristics = Vec::new();
    let mut rows = Vec::new();
    for row in 0..rows_in(entered) {
        let field = |column: &str| format!("characteristics[{row}].{column}");
        if value(entered, &field("code")).trim().is_empty()
            && value(entered, &field("name")).trim().is_empty()
        {
            continue;
        }
        let mut line = Map::new();
        for column in ["code", "name", "unit", "kind", "severity"] {
            line.insert(column.into(), value(entered, &field(column)).into());
        }
        if let Some(q) = Quantity::parse(value(entered, &field("quantity"))) {
            line.insert("quantity".into(), q.as_str().into());
        }
        for column in NUMBERS {
            line.insert(column.into(), number(&field(column), &mut problems));
        }
        characteristics.push(Value::Object(line));
        rows.push(row);
    }
    if !problems.is_empty() {
        return Err(AppError::invalid_fields(problems));
    }
    let customer_id = value(entered, "customer_id").trim().parse::<i64>().ok();
    let family = Some(value(entered, "family").trim())
        .filter(|f| !f.is_empty())
        .map(str::to_string);
    let request = serde_json::json!({
        "code": value(entered, "code"),
        "name": value(entered, "name"),
        "customer_id": customer_id,
        "params": params,
        "characteristics": characteristics,
        "family": family,
        "visual_inspection": if value(entered, "visual_inspection") == "sample" { "sample" } else { "all" },
    });
    serde_json::from_value(request)
        .map_err(|e| AppError::invalid("characteristics", e.to_string()))
        .map(|product: NewProduct| (product, rows))
}

/// Renames `characteristics[i]` in the service's messages to the form row
/// it came from.
fn to_form_rows(mut error: AppError, rows: &[usize]) -> AppError {
    for field in &mut error.errors {
        if let Some(rest) = field.field.strip_prefix("characteristics[") {
            if let Some((i, tail)) = rest.split_once(']') {
                if let Some(row) = i.parse::<usize>().ok().and_then(|i| rows.get(i)) {
                    field.field = format!("characteristics[{row}]{tail}");
                }
            }
        }
    }
    error
}

fn cell(
    name: String,
    entered: &Entered,
    errors: &FormErrors,
    label: &str,
    numeric: bool,
) -> Markup {
    let refused = errors.field(&name).is_some();
    html! {
        td {
            input type="text" name=(name) value=(value(entered, &name)) aria-label=(label)
                inputmode=[numeric.then_some("decimal")]
                aria-invalid=[refused.then_some("true")]
                aria-describedby=[refused.then(|| format!("{name}-error"))];
            (errors.beside(&name))
        }
    }
}

fn select_cell(
    name: String,
    entered: &Entered,
    label: &str,
    options: &[(&str, String)],
    errors: &FormErrors,
) -> Markup {
    let current = value(entered, &name).to_string();
    html! {
        td {
            select name=(name) aria-label=(label) {
                @for (value, text) in options {
                    option value=(value) selected[current == *value] { (text) }
                }
            }
            (errors.beside(&name))
        }
    }
}

fn product_form(
    session: &Session,
    customers: &[Customer],
    entered: &Entered,
    errors: &FormErrors,
) -> Markup {
    let t = |key: &str| session.t(key);
    let kinds: Vec<(&str, String)> = [Kind::Variable, Kind::Attribute]
        .iter()
        .map(|k| (k.as_str(), t(&format!("kind-{}", k.as_str()))))
        .collect();
    let severities: Vec<(&str, String)> = [Severity::Major, Severity::Critical, Severity::Minor]
        .iter()
        .map(|s| (s.as_str(), t(&format!("severity-{}", s.as_str()))))
        .collect();
    let mut quantities: Vec<(&str, String)> = vec![("", "—".into())];
    quantities.extend(
        [
            Quantity::CieX,
            Quantity::CieY,
            Quantity::CctK,
            Quantity::Duv,
            Quantity::MacadamSteps,
        ]
        .iter()
        .map(|q| {
            (
                q.as_str(),
                t(&format!("quantity-{}", q.as_str().replace('_', "-"))),
            )
        }),
    );
    let text = |name: &str, key: &str| {
        super::admin::text_field(session, name, key, value(entered, name), errors)
    };
    let shown: Vec<String> = entered.keys().cloned().collect();
    html! {
        form.card.product method="post" action="/admin/products" novalidate {
            input type="hidden" name="csrf" value=(session.csrf);
            h2 { (t("admin-product-heading")) }
            @if errors.count() > 0 {
                p.error role="alert" { (crate::i18n::message(session.lang, "form-fields-marked", &[("count", errors.count().into())])) }
            }
            div.fields-row {
                (text("code", "admin-code"))
                (text("name", "admin-name"))
            }
            div.fields-row {
                div {
                    label for="customer_id" { (t("orders-customer")) }
                    select #customer_id name="customer_id" {
                        option value="" { (t("admin-shared-design")) }
                        @for c in customers { option value=(c.id) selected[value(entered, "customer_id") == c.id.to_string()] { (c.name) } }
                    }
                    (errors.beside("customer_id"))
                }
                (text("family", "admin-family"))
                div {
                    label for="visual_inspection" { (t("admin-visual-scope")) }
                    select #visual_inspection name="visual_inspection" {
                        option value="all" { (t("admin-visual-all")) }
                        option value="sample" selected[value(entered, "visual_inspection") == "sample"] { (t("admin-visual-sample")) }
                    }
                }
            }
            h3 { (t("admin-parameters")) }
            div.fields-row.parameters {
                @for (key, _) in PARAMETERS { (text(&format!("params.{key}"), &parameter_key(key))) }
            }
            h3 { (t("admin-template")) }
            (errors.beside("characteristics"))
            div.scroll {
                table.template.sticky-first {
                    thead { tr {
                        th scope="col" { (t("admin-code")) } th scope="col" { (t("admin-name")) } th scope="col" { (t("template-unit")) }
                        th scope="col" { (t("template-kind")) } th scope="col" { (t("admin-quantity")) }
                        th scope="col" { (t("admin-nominal")) } th scope="col" { "LSL" } th scope="col" { "USL" }
                        th scope="col" { (t("col-severity")) }
                    } }
                    tbody {
                        @for row in 0..rows_in(entered) {
                            @let f = |c: &str| format!("characteristics[{row}].{c}");
                            tr {
                                (cell(f("code"), entered, errors, &t("admin-code"), false))
                                (cell(f("name"), entered, errors, &t("admin-name"), false))
                                (cell(f("unit"), entered, errors, &t("template-unit"), false))
                                (select_cell(f("kind"), entered, &t("template-kind"), &kinds, errors))
                                (select_cell(f("quantity"), entered, &t("admin-quantity"), &quantities, errors))
                                (cell(f("nominal"), entered, errors, &t("admin-nominal"), true))
                                (cell(f("lsl"), entered, errors, "LSL", true))
                                (cell(f("usl"), entered, errors, "USL", true))
                                (select_cell(f("severity"), entered, &t("col-severity"), &severities, errors))
                            }
                        }
                    }
                }
            }
            (errors.general(&shown.iter().map(String::as_str).chain(["characteristics"]).collect::<Vec<_>>()))
            p {
                button type="submit" { (t("admin-add-product")) } " "
                button.quiet type="submit" name="more" value="1" formnovalidate { (t("admin-more-rows")) }
            }
        }
    }
}

async fn products_page(
    db: &Db,
    session: &Session,
    entered: &Entered,
    errors: &FormErrors,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let everything = PageRequest {
        page: 1,
        per_page: 500,
    };
    let (products, customers) = db
        .read(move |c| {
            Ok((
                catalog::list_products(c, None, Visibility::Everything, everything)?.items,
                catalog::list_customers(c, Visibility::Everything, everything)?.items,
            ))
        })
        .await?;
    let names: HashMap<i64, &str> = customers.iter().map(|c| (c.id, c.name.as_str())).collect();
    let t = |key: &str| session.t(key);
    let body = html! {
        div.card {
            table.sticky-first {
                thead { tr { th scope="col" { (t("admin-code")) } th scope="col" { (t("admin-name")) } th scope="col" { (t("orders-customer")) } th scope="col" { (t("admin-template")) } } }
                tbody { @for p in &products { (product_row(session, p, &names)) } }
            }
        }
        (product_form(session, &customers, entered, errors))
    };
    let markup = admin_page(session, "/admin/products", body);
    Ok(html_response(status).body(markup.into_string()))
}

fn product_row(session: &Session, product: &Product, customers: &HashMap<i64, &str>) -> Markup {
    html! {
        tr {
            th scope="row" { (product.code) }
            td { (product.name) }
            td { (product.customer_id.and_then(|id| customers.get(&id).copied()).map_or_else(|| session.t("admin-shared-design"), str::to_string)) }
            td { @for c in &product.characteristics { span.tag { (c.code) } " " } }
        }
    }
}

#[get("/admin/products")]
pub async fn products_list(db: web::Data<Db>, session: Session) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::ManageCatalog)?;
    products_page(
        &db,
        &session,
        &Entered::new(),
        &FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

#[post("/admin/products")]
pub async fn add_product(
    db: web::Data<Db>,
    session: Session,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let entered: Entered = form.into_inner().into_iter().collect();
    session.check_csrf(value(&entered, "csrf"))?;
    session.caller.require(Permission::ManageCatalog)?;
    if entered.contains_key("more") {
        return products_page(
            &db,
            &session,
            &entered,
            &FormErrors::default(),
            StatusCode::OK,
        )
        .await;
    }
    let outcome = match request_of(&entered) {
        Err(error) => Err(error),
        Ok((request, rows)) => {
            let actor = session.caller.actor();
            db.write(move |c| catalog::create_product(c, &actor, request))
                .await
                .map(|_| ())
                .map_err(|e| to_form_rows(e, &rows))
        }
    };
    match outcome {
        Ok(()) => Ok(stored("/admin/products")),
        Err(error) => {
            let (status, errors) = refusal(&session, error)?;
            products_page(&db, &session, &entered, &errors, status).await
        }
    }
}
