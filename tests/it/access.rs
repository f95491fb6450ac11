//! Authorisation: every route of the OpenAPI document, walked with every
//! role, with no token, an expired, a revoked and a disabled user's token,
//! against the rules as the issue states them (written out here again, not
//! read from the code): admins manage users, customers and products and may
//! do all staff work; leads manage orders and batches and plan sampling;
//! inspectors record results; staff read everything; customers read only
//! their own orders and what hangs from them, and another customer's records
//! answer 404 exactly as missing ones do.

use crate::common::{self, Backend, Http, TestApp, PASSWORD};
use lotcheck::domain::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Who may call each route; `None` is public. A route missing here fails
/// the test, so a new route cannot slip past this table.
fn allowed(method: &str, path: &str) -> Option<&'static [&'static str]> {
    const STAFF_AND_CUSTOMERS: &[&str] = &["admin", "lead", "inspector", "customer"];
    Some(match (method, path) {
        ("get", "/healthz")
        | ("get", "/readyz")
        | ("get", "/metrics")
        | ("post", "/api/v1/auth/token")
        | ("get", "/api/v1/reports/verify/{sha256}") => return None,
        ("delete", "/api/v1/auth/token") | ("get", "/api/v1/auth/me") => STAFF_AND_CUSTOMERS,
        (_, p) if p.starts_with("/api/v1/users") => &["admin"],
        ("post", "/api/v1/customers")
        | ("post", "/api/v1/products")
        | ("post", "/api/v1/defect-types")
        | ("post", "/api/v1/suppliers") => &["admin"],
        ("post", "/api/v1/orders") | ("post", "/api/v1/orders/{id}/batches") => &["admin", "lead"],
        ("post", "/api/v1/batches/{id}/sampling-plan")
        | ("post", "/api/v1/batches/{id}/lot-result")
        | ("post", "/api/v1/batches/{id}/disposition")
        | ("post", "/api/v1/orders/{id}/reports")
        | ("post", "/api/v1/products/{id}/control-chart/phases") => &["admin", "lead"],
        ("post", "/api/v1/products/{id}/switching/corrective-action") => &["admin", "lead"],
        ("get", "/api/v1/products/{id}/switching")
        | ("get", "/api/v1/suppliers")
        | ("get", "/api/v1/batches/{id}/worksheet") => &["admin", "lead", "inspector"],
        ("post", "/api/v1/batches/{id}/measurements")
        | ("post", "/api/v1/measurements/{id}/corrections")
        | ("post", "/api/v1/batches/{id}/imports")
        | ("post", "/api/v1/batches/{id}/inspections")
        | ("post", "/api/v1/inspections/{id}/corrections")
        | ("post", "/api/v1/inspections/{id}/photos") => &["admin", "inspector"],
        ("get", "/api/v1/audit") => &["admin", "lead"],
        ("post", "/api/v1/material-lots")
        | ("post", "/api/v1/material-lots/{id}/documents")
        | ("post", "/api/v1/material-lots/{id}/inspection")
        | ("post", "/api/v1/batches/{id}/material-lots")
        | ("post", "/api/v1/batches/{id}/serials")
        | ("post", "/api/v1/batches/{id}/serials.csv") => &["admin", "lead", "inspector"],
        ("post", "/api/v1/material-lots/{id}/decision")
        | ("post", "/api/v1/ncrs/{id}/investigation")
        | ("post", "/api/v1/ncrs/{id}/actions")
        | ("post", "/api/v1/ncrs/{id}/actions/{action}/done")
        | ("post", "/api/v1/ncrs/{id}/close") => &["admin", "lead"],
        ("get", "/api/v1/trace/units/{serial}")
        | ("post", "/api/v1/ncrs")
        | ("post", "/api/v1/batches/{id}/receipt-checks")
        | ("post", "/api/v1/receipt-checks/{id}/photos")
        | ("post", "/api/v1/warranty-claims") => STAFF_AND_CUSTOMERS,
        ("post", "/api/v1/batches/{id}/shipment-inspection") => &["admin", "lead"],
        ("post", "/api/v1/batches/{id}/shipment-inspection/cartons") => &["admin", "inspector"],
        ("get", p) if p.starts_with("/api/v1/material-lots") || p.starts_with("/api/v1/trace/") => {
            &["admin", "lead", "inspector"]
        }
        ("get", "/api/v1/batches/{id}/material-lots") => &["admin", "lead", "inspector"],
        ("get", _) => STAFF_AND_CUSTOMERS,
        other => panic!("route {other:?} is not in the test's rules table"),
    })
}

/// Records of two customers: the signed-in customer's own ("A") and another's ("B").
struct World {
    own: Ids,
    foreign: Ids,
    victim_user: i64,
    foreign_marks: Vec<String>,
}

struct Ids {
    customer: i64,
    product: i64,
    order: i64,
    batch: i64,
    measurement: String,
    inspection: String,
    photo: i64,
    lot: i64,
    document: i64,
    serial: String,
    ncr: i64,
    receipt_check: i64,
    receipt_photo: i64,
}

async fn build_world(app: &TestApp) -> World {
    let shared = app
        .create("/api/v1/products", json!({"code": "GU10-SHARED", "name": "Shared GU10", "characteristics": common::bulb_characteristics()}))
        .await;
    let supplier = app
        .create("/api/v1/suppliers", json!({"name": "Shenzhen LED Co"}))
        .await;
    let lot = app
        .create(
            "/api/v1/material-lots",
            json!({"supplier_id": supplier["id"], "material": "LED 2835", "lot_number": "SZ-1", "quantity": 500}),
        )
        .await;
    let lot_id = lot["id"].as_i64().unwrap();
    let (status, with_document) = common::attach_document(
        app,
        lot_id,
        b"%PDF-1.4 certificate".to_vec(),
        &[("kind", "certificate")],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{with_document}");
    let document = with_document["documents"][0]["id"].as_i64().unwrap();
    let mut ids = Vec::new();
    for (side, (name, po)) in [
        ("Helios Home Lighting Ltd", "HHL-PO-1"),
        ("Nordlicht Leuchten GmbH", "NL-SECRET-PO-77"),
    ]
    .into_iter()
    .enumerate()
    {
        let customer = app.create("/api/v1/customers", json!({"name": name})).await;
        let product = app
            .create(
                "/api/v1/products",
                json!({"code": format!("ODM-{po}"), "name": format!("{name} private bulb"), "customer_id": customer["id"],
                       "characteristics": common::bulb_characteristics()}),
            )
            .await;
        let order = app
            .create("/api/v1/orders", json!({"customer_id": customer["id"], "product_id": product["id"], "po_number": po, "quantity": 100}))
            .await;
        // Each customer also orders the shared design.
        app.create("/api/v1/orders", json!({"customer_id": customer["id"], "product_id": shared["id"], "po_number": format!("{po}-S"), "quantity": 10}))
            .await;
        let batch_id = common::new_batch(app, order["id"].as_i64().unwrap(), 100).await;
        let plan = app
            .create(
                &format!("/api/v1/batches/{batch_id}/sampling-plan"),
                json!({"method": "percent", "seed": 1}),
            )
            .await;
        let recorded = app
            .create(
                &format!("/api/v1/batches/{batch_id}/measurements"),
                json!({"measurements": [{"unit": plan["units"][0], "characteristic": "flux", "value": 800.0}]}),
            )
            .await;
        let inspected = app
            .create(
                &format!("/api/v1/batches/{batch_id}/inspections"),
                json!({"inspections": [{"unit": 1}]}),
            )
            .await;
        let inspection = inspected["inspections"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let (status, photo) =
            common::upload_photo(app, &inspection, common::png_photo(40, 30)).await;
        assert_eq!(status, StatusCode::CREATED, "{photo}");
        let (status, issued) = app
            .post(
                &format!(
                    "/api/v1/orders/{}/reports?with_undecided_batches=true",
                    order["id"]
                ),
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{issued}");
        let serial_prefix = format!("UNIT-{side}-");
        app.create(
            &format!("/api/v1/batches/{batch_id}/serials"),
            json!({"range": {"prefix": serial_prefix, "first": 1}}),
        )
        .await;
        app.create(
            &format!("/api/v1/batches/{batch_id}/material-lots"),
            json!({"material_lot_id": lot_id, "concession": "trial"}),
        )
        .await;
        let ncr = app
            .create(
                "/api/v1/ncrs",
                json!({"order_id": order["id"], "source": "customer_claim", "description": "found at the customer's"}),
            )
            .await;
        // Delivered: released (under concession, its data being partial).
        app.create(
            &format!("/api/v1/batches/{batch_id}/disposition"),
            json!({"password": PASSWORD, "meaning": "released_under_concession",
                   "comment": "released for the access test"}),
        )
        .await;
        let check = app
            .create(
                &format!("/api/v1/batches/{batch_id}/receipt-checks"),
                json!({"units_checked": 10}),
            )
            .await;
        let (status, receipt_photo) = common::post_photo(
            app,
            &format!("/api/v1/receipt-checks/{}/photos", check["id"]),
            common::png_photo(40, 30),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{receipt_photo}");
        ids.push(Ids {
            receipt_check: check["id"].as_i64().unwrap(),
            receipt_photo: receipt_photo["id"].as_i64().unwrap(),
            lot: lot_id,
            document,
            serial: format!("{serial_prefix}1"),
            ncr: ncr["id"].as_i64().unwrap(),
            customer: customer["id"].as_i64().unwrap(),
            product: product["id"].as_i64().unwrap(),
            order: order["id"].as_i64().unwrap(),
            batch: batch_id,
            measurement: recorded["measurements"][0]["id"]
                .as_str()
                .unwrap()
                .to_string(),
            inspection: inspection.clone(),
            photo: photo["id"].as_i64().unwrap(),
        });
    }
    app.add_user("victim", Role::Inspector, None);
    let (_, users) = app.get("/api/v1/users").await;
    let victim_user = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "victim")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let foreign = ids.pop().unwrap();
    let own = ids.pop().unwrap();
    World {
        own,
        foreign,
        victim_user,
        foreign_marks: vec![
            "Nordlicht".into(),
            "NL-SECRET-PO-77".into(),
            "ODM-NL".into(),
        ],
    }
}

/// The concrete path of a template for one side's records.
fn concrete(template: &str, ids: &Ids, victim_user: i64) -> String {
    let id = if template.starts_with("/api/v1/material-lots/")
        || template.starts_with("/api/v1/trace/material-lots/")
    {
        ids.lot.to_string()
    } else if template.starts_with("/api/v1/ncrs/") {
        ids.ncr.to_string()
    } else if template.starts_with("/api/v1/trace/orders/") {
        ids.order.to_string()
    } else if template.starts_with("/api/v1/trace/batches/") {
        ids.batch.to_string()
    } else if template.starts_with("/api/v1/customers/") {
        ids.customer.to_string()
    } else if template.starts_with("/api/v1/products/") {
        ids.product.to_string()
    } else if template.starts_with("/api/v1/orders/") {
        ids.order.to_string()
    } else if template.starts_with("/api/v1/batches/") {
        ids.batch.to_string()
    } else if template.starts_with("/api/v1/measurements/") {
        ids.measurement.clone()
    } else if template.starts_with("/api/v1/inspections/") {
        ids.inspection.clone()
    } else if template.starts_with("/api/v1/photos/") {
        ids.photo.to_string()
    } else if template.starts_with("/api/v1/receipt-checks/") {
        ids.receipt_check.to_string()
    } else if template.starts_with("/api/v1/receipt-photos/") {
        ids.receipt_photo.to_string()
    } else if template.starts_with("/api/v1/users/") {
        victim_user.to_string()
    } else {
        String::new()
    };
    if template == "/api/v1/yields" {
        return format!("/api/v1/yields?product_id={}&group_by=line", ids.product);
    }
    let filled = fill(template, &id)
        .replace("{serial}", &ids.serial)
        .replace("{document}", &ids.document.to_string());
    format!("{filled}{}", query_for(template))
}

/// The template with `id` and a working value for every other parameter.
fn fill(template: &str, id: &str) -> String {
    let chart = if template.starts_with("/api/v1/products/") {
        "control-chart.svg"
    } else {
        "pareto.svg"
    };
    template
        .replace("{id}", id)
        .replace("{chart}", chart)
        .replace("{revision}", "1")
        .replace("{action}", "1")
        .replace("{sha256}", &"ab".repeat(32))
}

/// The query a route needs to answer at all (calculators, capability).
fn query_for(template: &str) -> &'static str {
    match template {
        "/api/v1/sampling/iso2859-1" => "?lot_size=500&aql=1.0",
        "/api/v1/sampling/oc-curve" => "?lot_size=500&sample_size=50&accept=1",
        "/api/v1/colorimetry" => "?x=0.4578&y=0.4101",
        "/api/v1/products/{id}/capability" => "?characteristic=flux",
        "/api/v1/products/{id}/control-chart" | "/api/v1/products/{id}/charts/{chart}" => {
            "?characteristic=visual&chart=p"
        }
        _ => "",
    }
}

async fn call(http: &Http, method: &str, path: &str) -> (StatusCode, Value) {
    let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    let mut request = http.request(method.clone(), path);
    if method == Method::POST {
        request = request.json(&json!({}));
    }
    common::read(request.send().await.unwrap()).await
}

fn routes(doc: &Value) -> Vec<(String, String)> {
    let mut routes = Vec::new();
    for (path, methods) in doc["paths"].as_object().unwrap() {
        for method in methods.as_object().unwrap().keys() {
            routes.push((method.clone(), path.clone()));
        }
    }
    routes.sort();
    routes
}

pub async fn every_route_with_every_role_follows_the_rules(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let world = build_world(&app).await;
    let mut clients = vec![("admin", app.http.clone())];
    clients.push(("lead", app.signed_in("lead1", Role::Lead, None).await));
    clients.push((
        "inspector",
        app.signed_in("inspector1", Role::Inspector, None).await,
    ));
    clients.push((
        "customer",
        app.signed_in("helios1", Role::Customer, Some(world.own.customer))
            .await,
    ));

    // Tokens that must not work: none, expired, revoked, of a disabled user.
    let revoked = app.signed_in("revoked1", Role::Admin, None).await;
    let (status, _) = call(&revoked, "delete", "/api/v1/auth/token").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let disabled = app.signed_in("disabled1", Role::Admin, None).await;
    app.db
        .write_blocking(|c| {
            lotcheck::service::accounts::disable_user(
                c,
                &lotcheck::service::audit::Actor::system("test"),
                "disabled1",
            )
        })
        .unwrap();
    let expired = app.with_token(Some(expired_token(&app)));
    let refused = [
        ("no token", app.with_token(None)),
        ("expired token", expired),
        ("revoked token", revoked),
        ("disabled user's token", disabled),
        ("made-up token", app.with_token(Some("0".repeat(64)))),
    ];

    let (status, doc) = app.get("/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let routes = routes(&doc);
    assert!(
        routes.len() >= 20,
        "the OpenAPI document lists {} routes",
        routes.len()
    );
    for (method, template) in &routes {
        if (method.as_str(), template.as_str()) == ("delete", "/api/v1/auth/token") {
            continue; // walked above: it revokes the caller's own token
        }
        let rule = allowed(method, template);
        let own_path = concrete(template, &world.own, world.victim_user);
        for (what, client) in &refused {
            let (status, body) = call(client, method, &own_path).await;
            match rule {
                None => assert_ne!(
                    status,
                    StatusCode::UNAUTHORIZED,
                    "{method} {own_path} is public"
                ),
                Some(_) => {
                    assert_eq!(
                        status,
                        StatusCode::UNAUTHORIZED,
                        "{what}: {method} {own_path}: {body}"
                    );
                    assert_eq!(body["code"], "unauthorized");
                }
            }
        }
        let Some(roles) = rule else { continue };
        for (role, client) in &clients {
            let foreign_path = concrete(template, &world.foreign, world.victim_user);
            for (side, path) in [("own", &own_path), ("foreign", &foreign_path)] {
                let (status, body) = call(client, method, path).await;
                let context = format!("{role} {method} {path} ({side}): {status} {body}");
                if !roles.contains(role) {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{context}");
                } else if *role == "customer"
                    && side == "foreign"
                    && path.contains(char::is_numeric)
                    && template.contains("{id}")
                {
                    assert_eq!(status, StatusCode::NOT_FOUND, "{context}");
                    let missing = fill(
                        template,
                        if template.contains("measurements/") || template.contains("inspections/") {
                            "00000000-0000-4000-8000-000000000000"
                        } else {
                            "987654"
                        },
                    ) + query_for(template);
                    let (missing_status, missing_body) = call(client, method, &missing).await;
                    assert_eq!(missing_status, StatusCode::NOT_FOUND);
                    assert_eq!(
                        (&body["code"], &body["title"]),
                        (&missing_body["code"], &missing_body["title"]),
                        "{context}"
                    );
                } else {
                    assert!(
                        status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                        "{context}"
                    );
                    if *method == "get" && side == "own" {
                        assert!(status.is_success(), "{context}");
                    }
                }
                if *role == "customer" {
                    for mark in &world.foreign_marks {
                        assert!(
                            !body.to_string().contains(mark.as_str()),
                            "{context} leaks {mark}"
                        );
                    }
                }
            }
        }
    }

    // A customer's lists hold only its own records (and shared designs).
    let customer = &clients[3].1;
    let (_, orders) = customer.get("/api/v1/orders").await;
    assert_eq!(orders["total"], 2, "{orders}");
    assert!(orders["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["customer_id"] == world.own.customer));
    let (_, asked) = customer
        .get(&format!(
            "/api/v1/orders?customer_id={}",
            world.foreign.customer
        ))
        .await;
    assert_eq!(asked["total"], 0);
    let (_, customers) = customer.get("/api/v1/customers").await;
    assert_eq!(customers["total"], 1);
    let (_, products) = customer.get("/api/v1/products").await;
    let codes: Vec<&str> = products["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["GU10-SHARED", "ODM-HHL-PO-1"]);
    let (_, me) = customer.get("/api/v1/auth/me").await;
    assert_eq!(
        (me["role"].as_str(), me["customer_id"].as_i64()),
        (Some("customer"), Some(world.own.customer))
    );
    app.stop().await;
}

/// A token whose expiry has passed, written straight into the store.
fn expired_token(app: &TestApp) -> String {
    use lotcheck::service::auth::{random_secret, sha256_hex};
    use lotcheck::store::accounts::{find_user_by_name, insert_token, TokenRow};
    let secret = random_secret();
    let hash = sha256_hex(&secret);
    app.db
        .write_blocking(|c| {
            let user = find_user_by_name(c, "admin")?.unwrap();
            let issued = lotcheck::store::now() - chrono::TimeDelta::hours(13);
            insert_token(
                c,
                &TokenRow {
                    id: 0,
                    user_id: user.id,
                    token_hash: hash,
                    kind: "bearer".into(),
                    csrf_token: None,
                    created_at: issued,
                    expires_at: issued + chrono::TimeDelta::hours(12),
                    revoked_at: None,
                },
            )?;
            Ok(())
        })
        .unwrap();
    secret
}

pub async fn repeated_failed_logins_are_slowed_then_refused_and_audited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.add_user("lead1", Role::Lead, None);
    let anonymous = app.with_token(None);
    let attempt = |password: &'static str| {
        let anonymous = anonymous.clone();
        async move {
            anonymous
                .post(
                    "/api/v1/auth/token",
                    &json!({"username": "lead1", "password": password}),
                )
                .await
        }
    };
    for _ in 0..10 {
        let (status, body) = attempt("wrong password!").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert!(body.get("token").is_none());
    }
    // Locked now: even the right password is refused for a while.
    let (status, body) = attempt(PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    // Other users are not locked out.
    app.add_user("inspector1", Role::Inspector, None);
    anonymous.login("inspector1", PASSWORD).await;

    let actions: Vec<String> = app
        .db
        .read_blocking(|c| Ok(lotcheck::store::audit::rows_after(c, 0, 1000)?))
        .unwrap()
        .into_iter()
        .map(|row| row.action)
        .collect();
    assert_eq!(actions.iter().filter(|a| *a == "login.refused").count(), 10);
    assert_eq!(actions.iter().filter(|a| *a == "login.locked").count(), 1);
    assert!(actions.iter().filter(|a| *a == "login").count() >= 2);
    app.stop().await;
}

pub async fn passwords_are_never_returned_and_stored_only_hashed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, user) = app
        .post(
            "/api/v1/users",
            &json!({"username": "lead2", "password": "a long enough secret", "role": "lead"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(
        !user.to_string().contains("a long enough secret") && user.get("password_hash").is_none()
    );
    let stored = app
        .db
        .read_blocking(|c| {
            Ok(lotcheck::store::accounts::find_user_by_name(c, "lead2")?
                .unwrap()
                .password_hash)
        })
        .unwrap();
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    let (status, problem) = app
        .post(
            "/api/v1/users",
            &json!({"username": "c1", "password": "short", "role": "customer"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = common::error_fields(&problem);
    assert_eq!(fields, ["password", "customer_id"]);
    app.stop().await;
}
