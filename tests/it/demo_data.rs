//! The demo loads on each backend and obeys every rule a client does.
//!
//! Everything expected is counted from the demo's own tables
//! (`lotcheck::demo::data`), so a change of the demo needs no change here.
use crate::common::{test_settings, Backend, Http, TestDatabase};
use lotcheck::demo::{self, data};
use lotcheck::domain::access::{Role, Visibility};
use lotcheck::domain::product::VisualScope;
use lotcheck::service::measurements::ListFilter;
use lotcheck::service::{
    accounts, batches, catalog, dispositions, measurements, orders, plans, reports, statistics,
    visual,
};
use lotcheck::store::{Db, DbConnection, PageRequest};
use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::StatusCode;
use std::collections::BTreeMap;
use std::net::TcpListener;

pub async fn demo_loads_with_every_page_populated(backend: Backend) {
    let database = TestDatabase::create(backend);
    let db = database.open();
    let summary = db.write_blocking(demo::load).expect("the demo loads");
    let logins = db.write_blocking(demo::ensure_demo_users).expect("users");
    let issued = db
        .write_blocking(|c| demo::decide_and_issue(c, &utc_site()))
        .expect("report");
    assert_eq!(logins.len(), data::LOGINS.len());
    assert!(issued.contains(data::SIGN_OFF.po_number), "{issued}");

    let readings = check_orders(&db);
    let expected = format!(
        "demo data loaded: {} customers, {} products, {} orders, {} batches, {readings} readings",
        data::CUSTOMERS.len(),
        data::PRODUCTS.len(),
        data::ORDERS.len(),
        data::ORDERS.iter().map(|o| o.lots.len()).sum::<usize>(),
    );
    assert!(summary.starts_with(&expected), "{summary}");
    check_catalogue(&db);
    check_sign_off(&db);

    // Loading again changes nothing.
    let before = census(&db);
    let again = db.write_blocking(demo::load).expect("second load");
    assert_eq!(again, "demo data already present");
    assert_eq!(db.write_blocking(demo::ensure_demo_users).unwrap(), logins);
    assert_eq!(
        db.write_blocking(|c| demo::decide_and_issue(c, &utc_site()))
            .unwrap(),
        ""
    );
    assert_eq!(census(&db), before, "a second load duplicates nothing");

    let (http, server) = serve(&db, backend);
    for login in data::LOGINS {
        check_login(&http, &db, login).await;
    }
    check_pages(&http, &db).await;
    server.stop(true).await;
}

const ALL: PageRequest = PageRequest {
    page: 1,
    per_page: 200,
};

fn read<T>(db: &Db, work: impl FnOnce(&mut DbConnection) -> lotcheck::error::AppResult<T>) -> T {
    db.read_blocking(work).expect("read")
}

/// The stored order of a demo order, with its batches.
fn stored_order(db: &Db, po_number: &str) -> (orders::Order, Vec<batches::Batch>) {
    let order = read(db, |c| {
        orders::list_orders(c, Default::default(), Visibility::Everything, ALL)
    })
    .items
    .into_iter()
    .find(|o| o.po_number == po_number)
    .unwrap_or_else(|| panic!("order {po_number} is stored"));
    let batches = read(db, |c| {
        batches::list_batches(c, order.id, Visibility::Everything, ALL)
    });
    (order, batches.items)
}

fn check_catalogue(db: &Db) {
    let customers = read(db, |c| {
        catalog::list_customers(c, Visibility::Everything, ALL)
    });
    let names: Vec<&str> = customers.items.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.len(), data::CUSTOMERS.len());
    assert!(data::CUSTOMERS.iter().all(|name| names.contains(name)));
    let products = read(db, |c| {
        catalog::list_products(c, None, Visibility::Everything, ALL)
    });
    assert_eq!(products.items.len(), data::PRODUCTS.len());
    for product in data::PRODUCTS {
        let stored = products.items.iter().find(|p| p.code == product.code);
        let stored = stored.unwrap_or_else(|| panic!("product {} is stored", product.code));
        let codes: Vec<&str> = stored
            .characteristics
            .iter()
            .map(|c| c.code.as_str())
            .collect();
        let expected: Vec<&str> = product.characteristics.iter().map(|c| c.code).collect();
        assert_eq!(codes, expected, "the template of {}", product.code);
        for sim in product.process {
            assert!(
                codes.contains(&sim.code),
                "{} reads a known characteristic",
                sim.code
            );
        }
    }
    let defects = read(db, |c| visual::list_defect_types(c, Some(data::FAMILY)));
    assert_eq!(defects.len(), data::DEFECTS.len());
}

/// Every batch of every order has its plan and statistics, the inspected
/// ones their readings and visual inspection. Answers the readings recorded.
fn check_orders(db: &Db) -> usize {
    let all = read(db, |c| {
        orders::list_orders(c, Default::default(), Visibility::Everything, ALL)
    });
    assert_eq!(all.total as usize, data::ORDERS.len());
    let mut readings = 0;
    for order in data::ORDERS {
        let product = data::product(order.product).expect("the order's product is in the data");
        let (stored, batches) = stored_order(db, order.po_number);
        assert_eq!(stored.quantity, order.lots.iter().sum::<i64>());
        let lots: Vec<i64> = batches.iter().map(|b| b.lot_size).collect();
        assert_eq!(lots, order.lots, "the batches of {}", order.po_number);
        for (index, batch) in batches.iter().enumerate() {
            let line = data::LINES[index % data::LINES.len()];
            assert_eq!(batch.line.as_deref(), Some(line));
            readings += check_batch(db, batch, product, index < order.inspected);
        }
    }
    readings
}

fn check_batch(db: &Db, batch: &batches::Batch, product: &data::Product, inspected: bool) -> usize {
    let plan = read(db, |c| plans::find_plan(c, batch.id)).expect("every batch has its plan");
    assert!(plan.sample_size > 0);
    assert_eq!(plan.units.len() as i64, plan.sample_size);
    let stats = read(db, |c| {
        statistics::batch_statistics(c, batch.id, Visibility::Everything)
    });
    assert_eq!(stats.sample_size, Some(plan.sample_size));
    for sim in product.process {
        let line = stats.characteristics.iter().find(|s| s.code == sim.code);
        let n = line.expect("statistics of each characteristic").n;
        assert_eq!(
            n,
            if inspected { plan.units.len() } else { 0 },
            "{}",
            sim.code
        );
    }
    let summary = read(db, |c| visual::summary(c, batch.id, Visibility::Everything));
    let to_inspect = match product.visual_inspection {
        VisualScope::All => batch.lot_size,
        VisualScope::Sample => plan.sample_size,
    };
    assert_eq!(summary.units_to_inspect, to_inspect);
    assert_eq!(
        summary.units_inspected,
        if inspected { to_inspect } else { 0 }
    );
    if inspected {
        plan.units.len() * product.process.len()
    } else {
        0
    }
}

/// The signed decisions on the first order, and its report issued once.
fn check_sign_off(db: &Db) {
    let (order, batches) = stored_order(db, data::SIGN_OFF.po_number);
    for (index, batch) in batches.iter().enumerate() {
        let disposition = read(db, |c| {
            dispositions::batch_disposition(c, batch.id, Visibility::Everything)
        });
        let signed = disposition
            .current
            .map(|d| (d.meaning, d.comment, d.signed_by));
        let expected = data::SIGN_OFF
            .decisions
            .get(index)
            .map(|&(meaning, comment)| {
                (
                    meaning,
                    comment.to_string(),
                    data::SIGN_OFF.signer.to_string(),
                )
            });
        assert_eq!(signed, expected, "the decision on batch {}", batch.number);
    }
    let issued = read(db, |c| reports::list(c, order.id, Visibility::Everything));
    assert_eq!(issued.len(), 1, "one report issued");
    assert_eq!(issued[0].revision, 1);
}

/// How many of each thing are stored.
fn census(db: &Db) -> BTreeMap<String, i64> {
    let mut counts = BTreeMap::new();
    let everything = Visibility::Everything;
    let customers = read(db, |c| catalog::list_customers(c, everything, ALL)).total;
    counts.insert("customers".into(), customers);
    let products = read(db, |c| catalog::list_products(c, None, everything, ALL)).total;
    counts.insert("products".into(), products);
    let users = read(db, accounts::list_users).len() as i64;
    counts.insert("users".into(), users);
    let defects = read(db, |c| visual::list_defect_types(c, None)).len() as i64;
    counts.insert("defect types".into(), defects);
    let all = read(db, |c| {
        orders::list_orders(c, Default::default(), everything, ALL)
    });
    counts.insert("orders".into(), all.total);
    for order in data::ORDERS {
        let (stored, batches) = stored_order(db, order.po_number);
        let reports = read(db, |c| reports::list(c, stored.id, everything)).len() as i64;
        counts.insert(format!("{} reports", order.po_number), reports);
        counts.insert(format!("{} batches", order.po_number), batches.len() as i64);
        for batch in batches {
            let key = format!("{} batch {}", order.po_number, batch.number);
            let readings = read(db, |c| {
                measurements::list(c, batch.id, everything, ListFilter::default(), ALL)
            });
            counts.insert(format!("{key} readings"), readings.total);
            let inspections = read(db, |c| visual::list(c, batch.id, everything, None, ALL));
            counts.insert(format!("{key} inspections"), inspections.total);
            let decisions = read(db, |c| {
                dispositions::batch_disposition(c, batch.id, everything)
            });
            counts.insert(format!("{key} decisions"), decisions.history.len() as i64);
        }
    }
    counts
}

/// The app on the demo's database.
fn serve(db: &Db, backend: Backend) -> (Http, actix_web::dev::ServerHandle) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = lotcheck::server(listener, db.clone(), test_settings()).expect("server");
    let handle = server.handle();
    tokio::spawn(server);
    (Http::new(base, backend), handle)
}

/// The orders a user of the login sees.
fn visible_orders(login: &data::Login) -> Vec<&'static data::Order> {
    data::ORDERS
        .iter()
        .filter(|o| login.customer.is_none_or(|own| own == o.customer))
        .collect()
}

/// Each demo login signs in with its printed password, has its role, and
/// sees the orders it may.
async fn check_login(http: &Http, db: &Db, login: &data::Login) {
    let signed_in = http.login(login.username, login.password).await;
    let (status, me) = signed_in.get("/api/v1/auth/me").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["role"], login.role.as_str(), "{me}");
    if login.role == Role::Customer {
        let customers = read(db, |c| {
            catalog::list_customers(c, Visibility::Everything, ALL)
        });
        let own = customers
            .items
            .iter()
            .find(|c| Some(c.name.as_str()) == login.customer);
        assert_eq!(me["customer_id"], own.expect("the login's customer").id);
    }
    let (status, listed) = signed_in.get("/api/v1/orders?per_page=200").await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let mut seen: Vec<&str> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|o| o["po_number"].as_str().expect("po_number"))
        .collect();
    let mut expected: Vec<&str> = visible_orders(login).iter().map(|o| o.po_number).collect();
    seen.sort_unstable();
    expected.sort_unstable();
    assert_eq!(seen, expected, "the orders {} sees", login.username);
}

/// The browser pages: the orders, each order, each batch with its plan,
/// readings and visual inspection, and the first order's report, as the
/// factory sees them; a customer sees its own orders only.
async fn check_pages(http: &Http, db: &Db) {
    let lead = Browser::sign_in(http, data::login("lead").expect("the lead")).await;
    let home = lead.page("/").await;
    for order in data::ORDERS {
        assert!(home.contains(order.po_number), "{home}");
        let product = data::product(order.product).expect("the order's product");
        let (stored, batches) = stored_order(db, order.po_number);
        let page = lead.page(&format!("/orders/{}", stored.id)).await;
        assert!(page.contains(order.po_number));
        for (index, batch) in batches.iter().enumerate() {
            assert!(page.contains(&format!("/batches/{}", batch.id)));
            let plan = read(db, |c| plans::find_plan(c, batch.id)).expect("plan");
            let page = lead.page(&format!("/batches/{}", batch.id)).await;
            assert!(page.contains(&format!("seed {}", plan.seed)), "{page}");
            for characteristic in product.characteristics {
                assert!(
                    page.contains(characteristic.name),
                    "{}",
                    characteristic.name
                );
            }
            if index < order.inspected {
                assert!(page.contains(" units inspected"), "{page}");
            }
        }
    }
    let (first, _) = stored_order(db, data::SIGN_OFF.po_number);
    let report = lead.page(&format!("/orders/{}/report", first.id)).await;
    assert!(report.contains(data::SIGN_OFF.po_number));

    let customer = data::LOGINS.iter().find(|l| l.role == Role::Customer);
    let customer = customer.expect("a customer login");
    let browser = Browser::sign_in(http, customer).await;
    let home = browser.page("/").await;
    for order in data::ORDERS {
        let own = Some(order.customer) == customer.customer;
        assert_eq!(home.contains(order.po_number), own, "{home}");
        let (stored, _) = stored_order(db, order.po_number);
        let path = format!("/orders/{}", stored.id);
        let expected = if own {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        };
        assert_eq!(browser.status(&path).await, expected, "{path}");
    }
}

/// A signed-in browser: the session cookie, sent back with every page.
struct Browser {
    http: Http,
    client: reqwest::Client,
    session: String,
}

impl Browser {
    async fn sign_in(http: &Http, login: &data::Login) -> Browser {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let form = client.get(http.url("/login")).send().await.unwrap();
        let form_cookie = cookie(&form, "lotcheck_login_csrf");
        let html = form.text().await.unwrap();
        let start = html.find(r#"name="csrf" value=""#).expect("csrf field") + 19;
        let csrf = &html[start..start + html[start..].find('"').expect("end of csrf")];
        let signed_in = client
            .post(http.url("/login"))
            .header(COOKIE, form_cookie)
            .form(&[
                ("csrf", csrf),
                ("username", login.username),
                ("password", login.password),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            signed_in.status(),
            StatusCode::SEE_OTHER,
            "{}",
            login.username
        );
        let session = cookie(&signed_in, "lotcheck_session");
        Browser {
            http: http.clone(),
            client,
            session,
        }
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.http.url(path))
            .header(COOKIE, &self.session)
            .send()
            .await
            .unwrap()
    }

    async fn page(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.text().await.unwrap()
    }

    async fn status(&self, path: &str) -> StatusCode {
        self.get(path).await.status()
    }
}

/// `name=value` of a cookie the response sets.
fn cookie(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("the {name} cookie is set"))
        .to_string()
}

/// The demo's report issued on a site in UTC that has not said its address.
fn utc_site() -> lotcheck::service::reports::IssueSite {
    lotcheck::service::reports::IssueSite {
        zone: chrono_tz::Tz::UTC,
        public_url: None,
    }
}
