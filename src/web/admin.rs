//! The admin's pages: users (add, disable, enable, reset a password),
//! customers, suppliers and the defect catalogues. Every form goes through
//! the same service call as the API, so it refuses what the API refuses,
//! each message beside its field and the entries kept.

use super::forms::FormErrors;
use super::layout::page;
use super::session::{html_response, PageError, Session};
use crate::domain::access::{Permission, Role};
use crate::domain::template::Severity;
use crate::error::Message;
use crate::error::{AppError, AppResult};
use crate::service::accounts::{self, NewPassword, NewUser, User};
use crate::service::catalog::{self, Customer, NewCustomer};
use crate::service::suppliers::{self, NewSupplier, Supplier};
use crate::service::visual::{self, DefectType, NewDefectType};
use crate::store::{Db, PageRequest};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;
use std::collections::HashMap;

/// The admin's sections, as tabs above each admin page.
const SECTIONS: [(&str, &str); 5] = [
    ("/admin/users", "admin-users"),
    ("/admin/customers", "admin-customers"),
    ("/admin/suppliers", "admin-suppliers"),
    ("/admin/products", "admin-products"),
    ("/admin/defects", "admin-defects"),
];

/// An admin page: the section tabs, then `body`.
pub fn admin_page(session: &Session, section: &str, body: Markup) -> Markup {
    let title = session.t(SECTIONS
        .iter()
        .find(|(path, _)| *path == section)
        .map_or("admin-title", |(_, key)| key));
    page(
        &session.frame(),
        &title,
        html! {
            nav.tabs aria-label=(session.t("admin-title")) {
                @for (path, key) in SECTIONS {
                    a href=(path) aria-current=[(path == section).then_some("page")] { (session.t(key)) }
                }
            }
            h1 { (title) }
            (body)
        },
    )
}

/// Where to go after a form was stored: back to its list.
pub fn stored(path: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", path.to_string()))
        .finish()
}

/// A refused form's status and messages; other errors are pages of
/// their own.
pub fn refusal(session: &Session, error: AppError) -> Result<(StatusCode, FormErrors), PageError> {
    match error.status().as_u16() {
        409 | 422 => Ok((error.status(), FormErrors::from_error(session.lang, &error))),
        _ => Err(error.into()),
    }
}

/// A text field with its label and its message.
pub fn text_field(
    session: &Session,
    name: &str,
    label_key: &str,
    value: &str,
    errors: &FormErrors,
) -> Markup {
    let refused = errors.field(name).is_some();
    html! {
        div {
            label for=(name) { (session.t(label_key)) }
            input id=(name) type="text" name=(name) value=(value)
                aria-invalid=[refused.then_some("true")]
                aria-describedby=[refused.then(|| format!("{name}-error"))];
            (errors.beside(name))
        }
    }
}

fn customers_of(conn: &mut crate::store::DbConnection) -> AppResult<Vec<Customer>> {
    Ok(catalog::list_customers(
        conn,
        crate::domain::access::Visibility::Everything,
        PageRequest {
            page: 1,
            per_page: 500,
        },
    )?
    .items)
}

// ── Users ───────────────────────────────────────────────────────────────

#[derive(Deserialize, Default)]
pub struct UserFields {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    customer_id: String,
}

impl UserFields {
    /// An empty form, on the commonest role.
    fn blank() -> Self {
        UserFields {
            role: Role::Inspector.as_str().into(),
            ..UserFields::default()
        }
    }
}

async fn users_page(
    db: &Db,
    session: &Session,
    entered: &UserFields,
    errors: &FormErrors,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let (users, customers) = db
        .read(|c| Ok((accounts::list_users(c)?, customers_of(c)?)))
        .await?;
    let names: HashMap<i64, &str> = customers.iter().map(|c| (c.id, c.name.as_str())).collect();
    let t = |key: &str| session.t(key);
    let body = html! {
        div.card {
            table.sticky-first {
                thead { tr {
                    th scope="col" { (t("username")) } th scope="col" { (t("admin-role")) }
                    th scope="col" { (t("orders-customer")) } th scope="col" { (t("admin-state")) }
                    th scope="col" { (t("admin-actions")) }
                } }
                tbody { @for user in &users { (user_row(session, user, &names)) } }
            }
        }
        form.card method="post" action="/admin/users" novalidate {
            h2 { (t("admin-add-user")) }
            input type="hidden" name="csrf" value=(session.csrf);
            div.fields-row {
                (text_field(session, "username", "username", &entered.username, errors))
                div {
                    label for="new-password" { (t("password")) }
                    input #new-password type="password" name="password" autocomplete="new-password"
                        aria-invalid=[errors.field("password").map(|_| "true")]
                        aria-describedby="password-error";
                    (errors.beside("password"))
                }
            }
            div.fields-row {
                div {
                    label for="role" { (t("admin-role")) }
                    select #role name="role" {
                        @for role in Role::ALL {
                            option value=(role.as_str()) selected[entered.role == role.as_str()] { (t(&format!("role-{}", role.as_str()))) }
                        }
                    }
                    (errors.beside("role"))
                }
                div {
                    label for="customer_id" { (t("admin-customer-of-user")) }
                    select #customer_id name="customer_id" aria-describedby="customer_id-error"
                        aria-invalid=[errors.field("customer_id").map(|_| "true")] {
                        option value="" { "—" }
                        @for customer in &customers {
                            option value=(customer.id) selected[entered.customer_id == customer.id.to_string()] { (customer.name) }
                        }
                    }
                    (errors.beside("customer_id"))
                }
            }
            (errors.general(&["username", "password", "role", "customer_id"]))
            button type="submit" { (t("admin-add-user")) }
        }
    };
    let markup = admin_page(session, "/admin/users", body);
    Ok(html_response(status).body(markup.into_string()))
}

fn user_row(session: &Session, user: &User, customers: &HashMap<i64, &str>) -> Markup {
    let t = |key: &str| session.t(key);
    let own = user.id == session.caller.user_id;
    html! {
        tr {
            th scope="row" { (user.username) div.muted { (session.when(user.created_at)) } }
            td { (t(&format!("role-{}", user.role.as_str()))) }
            td { (user.customer_id.and_then(|id| customers.get(&id).copied()).unwrap_or("—")) }
            td { @if user.disabled { span.bad { (t("admin-disabled")) } } @else { span.good { (t("admin-active")) } } }
            td.actions-cell {
                form method="post" action={ "/admin/users/" (user.id) (if user.disabled { "/enable" } else { "/disable" }) } {
                    input type="hidden" name="csrf" value=(session.csrf);
                    button.quiet type="submit" disabled[own && !user.disabled] {
                        @if user.disabled { (t("admin-enable")) } @else { (t("admin-disable")) }
                    }
                }
                details {
                    summary { (t("admin-reset-password")) }
                    form method="post" action={ "/admin/users/" (user.id) "/password" } {
                        input type="hidden" name="csrf" value=(session.csrf);
                        label for={ "reset-" (user.id) } { (t("admin-new-password")) }
                        input id={ "reset-" (user.id) } type="password" name="password" autocomplete="new-password" required;
                        button type="submit" { (t("admin-set-password")) }
                    }
                }
            }
        }
    }
}

#[get("/admin/users")]
pub async fn users_list(db: web::Data<Db>, session: Session) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::ManageUsers)?;
    users_page(
        &db,
        &session,
        &UserFields::blank(),
        &FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
pub struct WithCsrf<T> {
    csrf: String,
    #[serde(flatten)]
    fields: T,
}

#[post("/admin/users")]
pub async fn add_user(
    db: web::Data<Db>,
    session: Session,
    form: web::Form<WithCsrf<UserFields>>,
) -> Result<HttpResponse, PageError> {
    session.check_csrf(&form.csrf)?;
    session.caller.require(Permission::ManageUsers)?;
    let entered = form.into_inner().fields;
    let role = Role::parse(&entered.role);
    let customer_id = match entered.customer_id.trim() {
        "" => Ok(None),
        id => id.parse::<i64>().map(Some),
    };
    let outcome = match (role, customer_id) {
        (None, _) => Err(AppError::invalid("role", Message::new("err-choose-role"))),
        (_, Err(_)) => Err(AppError::invalid(
            "customer_id",
            Message::new("err-choose-customer"),
        )),
        (Some(role), Ok(customer_id)) => {
            let input = NewUser {
                username: entered.username.clone(),
                password: entered.password.clone(),
                role,
                customer_id,
            };
            let actor = session.caller.actor();
            db.write(move |c| accounts::add_user(c, &actor, input))
                .await
                .map(|_| ())
        }
    };
    match outcome {
        Ok(()) => Ok(stored("/admin/users")),
        Err(error) => {
            let (status, errors) = refusal(&session, error)?;
            users_page(&db, &session, &entered, &errors, status).await
        }
    }
}

/// Disables or enables a user; a refusal (the last admin) is shown on the
/// users page.
async fn switch_user(
    db: web::Data<Db>,
    session: Session,
    form: web::Form<WithCsrf<HashMap<String, String>>>,
    id: i64,
    change: fn(
        &mut crate::store::DbConnection,
        &crate::service::audit::Actor,
        &str,
    ) -> AppResult<User>,
) -> Result<HttpResponse, PageError> {
    session.check_csrf(&form.csrf)?;
    session.caller.require(Permission::ManageUsers)?;
    let actor = session.caller.actor();
    let changed = db
        .write(move |c| {
            let username = accounts::get_user(c, id)?.username;
            change(c, &actor, &username)
        })
        .await;
    match changed {
        Ok(_) => Ok(stored("/admin/users")),
        Err(error) => {
            let (status, errors) = refusal(&session, error)?;
            users_page(&db, &session, &UserFields::blank(), &errors, status).await
        }
    }
}

#[post("/admin/users/{id}/disable")]
pub async fn disable_user(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<WithCsrf<HashMap<String, String>>>,
) -> Result<HttpResponse, PageError> {
    switch_user(db, session, form, id.into_inner(), accounts::disable_user).await
}

#[post("/admin/users/{id}/enable")]
pub async fn enable_user(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<WithCsrf<HashMap<String, String>>>,
) -> Result<HttpResponse, PageError> {
    switch_user(db, session, form, id.into_inner(), accounts::enable_user).await
}

#[post("/admin/users/{id}/password")]
pub async fn reset_password(
    db: web::Data<Db>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<WithCsrf<NewPassword>>,
) -> Result<HttpResponse, PageError> {
    session.check_csrf(&form.csrf)?;
    session.caller.require(Permission::ManageUsers)?;
    let (id, input, actor) = (
        id.into_inner(),
        form.into_inner().fields,
        session.caller.actor(),
    );
    match db
        .write(move |c| accounts::reset_password(c, &actor, id, input))
        .await
    {
        Ok(_) => Ok(stored("/admin/users")),
        Err(error) => {
            // Said above the add-user form's button, not beside its fields.
            let (status, errors) = refusal(&session, error)?;
            let errors = errors.into_general(&session.t("admin-reset-password"));
            users_page(&db, &session, &UserFields::blank(), &errors, status).await
        }
    }
}

// ── Customers and suppliers: a name each ────────────────────────────────

#[derive(Deserialize, Default)]
pub struct NameFields {
    #[serde(default)]
    name: String,
}

/// A list of names with their creation time, and a form to add one.
fn names_page(
    session: &Session,
    section: &str,
    add_key: &str,
    rows: &[NameRow],
    entered: &str,
    errors: &FormErrors,
) -> Markup {
    let t = |key: &str| session.t(key);
    admin_page(
        session,
        section,
        html! {
            div.card {
                @if rows.is_empty() { p.muted { (t("admin-none-yet")) } }
                @else {
                    table {
                        thead { tr { th scope="col" { (t("admin-name")) } th scope="col" { (t("orders-entered")) } } }
                        tbody { @for (_, name, at) in rows { tr { td { (name) } td { (session.when(*at)) } } } }
                    }
                }
            }
            form.card method="post" action=(section) novalidate {
                h2 { (t(add_key)) }
                input type="hidden" name="csrf" value=(session.csrf);
                div.fields-row {
                    (text_field(session, "name", "admin-name", entered, errors))
                    div { button type="submit" { (t(add_key)) } }
                }
                (errors.general(&["name"]))
            }
        },
    )
}

/// The two lists of names: customers and suppliers.
#[derive(Clone, Copy)]
enum Names {
    Customers,
    Suppliers,
}

impl Names {
    fn path(self) -> &'static str {
        match self {
            Names::Customers => "/admin/customers",
            Names::Suppliers => "/admin/suppliers",
        }
    }

    fn add_key(self) -> &'static str {
        match self {
            Names::Customers => "admin-add-customer",
            Names::Suppliers => "admin-add-supplier",
        }
    }

    fn list(self, conn: &mut crate::store::DbConnection) -> AppResult<Vec<NameRow>> {
        Ok(match self {
            Names::Customers => customers_of(conn)?
                .into_iter()
                .map(|c: Customer| (c.id, c.name, c.created_at))
                .collect(),
            Names::Suppliers => suppliers::list_suppliers(conn)?
                .into_iter()
                .map(|s: Supplier| (s.id, s.name, s.created_at))
                .collect(),
        })
    }

    /// Adds one through the service the API uses.
    fn add(
        self,
        conn: &mut crate::store::DbConnection,
        actor: &crate::service::audit::Actor,
        name: String,
    ) -> AppResult<()> {
        match self {
            Names::Customers => {
                catalog::create_customer(conn, actor, NewCustomer { name }).map(|_| ())
            }
            Names::Suppliers => {
                suppliers::create_supplier(conn, actor, NewSupplier { name }).map(|_| ())
            }
        }
    }
}

/// A name, its id and when it was added.
type NameRow = (i64, String, chrono::DateTime<chrono::Utc>);

async fn names_response(
    db: &Db,
    session: &Session,
    names: Names,
    entered: &str,
    errors: &FormErrors,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let rows = db.read(move |c| names.list(c)).await?;
    let markup = names_page(
        session,
        names.path(),
        names.add_key(),
        &rows,
        entered,
        errors,
    );
    Ok(html_response(status).body(markup.into_string()))
}

async fn add_name(
    db: web::Data<Db>,
    session: Session,
    form: web::Form<WithCsrf<NameFields>>,
    names: Names,
) -> Result<HttpResponse, PageError> {
    session.check_csrf(&form.csrf)?;
    session.caller.require(Permission::ManageCatalog)?;
    let name = form.into_inner().fields.name;
    let (entered, actor) = (name.clone(), session.caller.actor());
    match db.write(move |c| names.add(c, &actor, name)).await {
        Ok(()) => Ok(stored(names.path())),
        Err(error) => {
            let (status, errors) = refusal(&session, error)?;
            names_response(&db, &session, names, &entered, &errors, status).await
        }
    }
}

/// A list of names with an empty form.
async fn list_names(db: &Db, session: &Session, names: Names) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::ManageCatalog)?;
    names_response(
        db,
        session,
        names,
        "",
        &FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

#[get("/admin/customers")]
pub async fn customers_list(
    db: web::Data<Db>,
    session: Session,
) -> Result<HttpResponse, PageError> {
    list_names(&db, &session, Names::Customers).await
}

#[post("/admin/customers")]
pub async fn add_customer(
    db: web::Data<Db>,
    session: Session,
    form: web::Form<WithCsrf<NameFields>>,
) -> Result<HttpResponse, PageError> {
    add_name(db, session, form, Names::Customers).await
}

#[get("/admin/suppliers")]
pub async fn suppliers_list(
    db: web::Data<Db>,
    session: Session,
) -> Result<HttpResponse, PageError> {
    list_names(&db, &session, Names::Suppliers).await
}

#[post("/admin/suppliers")]
pub async fn add_supplier(
    db: web::Data<Db>,
    session: Session,
    form: web::Form<WithCsrf<NameFields>>,
) -> Result<HttpResponse, PageError> {
    add_name(db, session, form, Names::Suppliers).await
}

// ── Defect catalogues ───────────────────────────────────────────────────

#[derive(Deserialize, Default)]
pub struct DefectFields {
    #[serde(default)]
    family: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    severity: String,
}

async fn defects_page(
    db: &Db,
    session: &Session,
    entered: &DefectFields,
    errors: &FormErrors,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let types = db.read(|c| visual::list_defect_types(c, None)).await?;
    let t = |key: &str| session.t(key);
    let mut families: Vec<&str> = types
        .iter()
        .map(|d: &DefectType| d.family.as_str())
        .collect();
    families.sort_unstable();
    families.dedup();
    let body = html! {
        @for family in &families {
            div.card {
                h2 { (family) }
                table.sticky-first {
                    thead { tr { th scope="col" { (t("admin-code")) } th scope="col" { (t("admin-name")) } th scope="col" { (t("col-severity")) } } }
                    tbody {
                        @for d in types.iter().filter(|d| d.family == *family) {
                            tr { th scope="row" { code { (d.code) } } td { (d.name) } td { (t(&format!("severity-{}", d.severity.as_str()))) } }
                        }
                    }
                }
            }
        }
        @if families.is_empty() { div.card { p.muted { (t("admin-none-yet")) } } }
        form.card method="post" action="/admin/defects" novalidate {
            h2 { (t("admin-add-defect")) }
            input type="hidden" name="csrf" value=(session.csrf);
            div.fields-row {
                (text_field(session, "family", "admin-family", &entered.family, errors))
                (text_field(session, "code", "admin-code", &entered.code, errors))
                (text_field(session, "name", "admin-name", &entered.name, errors))
                div {
                    label for="severity" { (t("col-severity")) }
                    select #severity name="severity" {
                        @for severity in [Severity::Critical, Severity::Major, Severity::Minor] {
                            option value=(severity.as_str()) selected[entered.severity == severity.as_str()] { (t(&format!("severity-{}", severity.as_str()))) }
                        }
                    }
                    (errors.beside("severity"))
                }
            }
            (errors.general(&["family", "code", "name", "severity"]))
            button type="submit" { (t("admin-add-defect")) }
        }
    };
    let markup = admin_page(session, "/admin/defects", body);
    Ok(html_response(status).body(markup.into_string()))
}

#[get("/admin/defects")]
pub async fn defects_list(db: web::Data<Db>, session: Session) -> Result<HttpResponse, PageError> {
    session.caller.require(Permission::ManageCatalog)?;
    let entered = DefectFields {
        severity: "minor".into(),
        ..DefectFields::default()
    };
    defects_page(
        &db,
        &session,
        &entered,
        &FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

#[post("/admin/defects")]
pub async fn add_defect(
    db: web::Data<Db>,
    session: Session,
    form: web::Form<WithCsrf<DefectFields>>,
) -> Result<HttpResponse, PageError> {
    session.check_csrf(&form.csrf)?;
    session.caller.require(Permission::ManageCatalog)?;
    let entered = form.into_inner().fields;
    let outcome = match Severity::parse(&entered.severity) {
        None => Err(AppError::invalid(
            "severity",
            Message::new("err-choose-severity"),
        )),
        Some(severity) => {
            let input = NewDefectType {
                family: entered.family.clone(),
                code: entered.code.clone(),
                name: entered.name.clone(),
                severity,
            };
            let actor = session.caller.actor();
            db.write(move |c| visual::create_defect_type(c, &actor, input))
                .await
                .map(|_| ())
        }
    };
    match outcome {
        Ok(()) => Ok(stored("/admin/defects")),
        Err(error) => {
            let (status, errors) = refusal(&session, error)?;
            defects_page(&db, &session, &entered, &errors, status).await
        }
    }
}
