//! Browser sessions over plain HTTP: cookie flags, CSRF on every form and
//! API call that changes data, sign-out revoking the session. (Secure cookies behind a
//! TLS-terminating proxy: `operations.rs`.)

use crate::common::{Backend, TestApp, PASSWORD};
use lotcheck::domain::access::Role;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{redirect, StatusCode};

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap()
}

/// The `name=value` of a Set-Cookie header, with the whole header for flags.
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<(String, String)> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .find_map(|value| {
            let text = value.to_str().ok()?;
            let pair = text.split(';').next()?.trim();
            pair.starts_with(&format!("{name}="))
                .then(|| (pair.to_string(), text.to_string()))
        })
}

/// GETs `url` with `cookie`.
async fn get(client: &reqwest::Client, url: String, cookie: &str) -> reqwest::Response {
    client.get(url).header(COOKIE, cookie).send().await.unwrap()
}

/// POSTs `form` to `url` with `cookie`.
async fn post(
    client: &reqwest::Client,
    url: String,
    cookie: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(url)
        .form(form)
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap()
}

/// Posts lead1's sign-in form with this CSRF token and password.
async fn sign_in(
    client: &reqwest::Client,
    app: &TestApp,
    login_cookie: &str,
    csrf: &str,
    password: &str,
) -> reqwest::Response {
    let form = [
        ("csrf", csrf),
        ("username", "lead1"),
        ("password", password),
    ];
    post(client, app.url("/login"), login_cookie, &form).await
}

fn hidden_csrf(html: &str) -> String {
    let at =
        html.find(r#"name="csrf" value=""#).expect("csrf field") + r#"name="csrf" value=""#.len();
    html[at..].split('"').next().unwrap().to_string()
}

pub async fn sign_in_sign_out_with_csrf_protection(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.add_user("lead1", Role::Lead, None);
    let client = no_redirects();

    // Not signed in: pages send the browser to sign in.
    let response = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/login");

    let form = client.get(app.url("/login")).send().await.unwrap();
    let (login_cookie, flags) =
        set_cookie(&form, "lotcheck_login_csrf").expect("login CSRF cookie");
    assert!(
        flags.contains("HttpOnly") && flags.contains("SameSite=Strict"),
        "{flags}"
    );
    let csrf = hidden_csrf(&form.text().await.unwrap());

    // A sign-in form without the matching token is refused.
    let forged = sign_in(&client, &app, &login_cookie, "forged", PASSWORD).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(set_cookie(&forged, "lotcheck_session").is_none());

    // A wrong password shows the form again, with a message.
    let wrong = sign_in(&client, &app, &login_cookie, &csrf, "not it at all").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong
        .text()
        .await
        .unwrap()
        .contains("wrong username or password"));

    let signed_in = sign_in(&client, &app, &login_cookie, &csrf, PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let (session, flags) = set_cookie(&signed_in, "lotcheck_session").expect("session cookie");
    assert!(
        flags.contains("HttpOnly") && flags.contains("SameSite=Strict"),
        "{flags}"
    );
    assert!(!flags.contains("Secure"), "plain HTTP here: {flags}");

    let home = get(&client, app.url("/"), &session).await;
    assert_eq!(home.status(), StatusCode::OK);
    let html = home.text().await.unwrap();
    assert!(html.contains("lead1"));
    let session_csrf = hidden_csrf(&html);

    // The pages' scripts call the API with the session: reads as a token
    // would; a change only with the session's CSRF token in X-CSRF-Token,
    // and then under the same access rules as a token.
    let api = get(&client, app.url("/api/v1/orders"), &session).await;
    assert_eq!(api.status(), StatusCode::OK);
    let customer = serde_json::json!({"name": "Forged Customer Ltd"});
    let send = |csrf: Option<&str>| {
        let mut request = client
            .post(app.url("/api/v1/customers"))
            .header(COOKIE, &session)
            .json(&customer);
        if let Some(csrf) = csrf {
            request = request.header("X-CSRF-Token", csrf);
        }
        request.send()
    };
    for forged in [None, Some("forged")] {
        let refused = send(forged).await.unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        let problem: serde_json::Value = refused.json().await.unwrap();
        assert_eq!(problem["code"], "csrf_token", "{problem}");
    }
    let as_lead = send(Some(&session_csrf)).await.unwrap();
    assert_eq!(
        as_lead.status(),
        StatusCode::FORBIDDEN,
        "leads do not add customers"
    );
    let problem: serde_json::Value = as_lead.json().await.unwrap();
    assert_eq!(problem["code"], "forbidden", "{problem}");
    let (_, customers) = app.get("/api/v1/customers").await;
    assert_eq!(customers["total"], 0, "nothing was stored: {customers}");

    // Sign-out needs the CSRF token.
    let forged = post(&client, app.url("/logout"), &session, &[("csrf", "forged")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let still = get(&client, app.url("/"), &session).await;
    assert_eq!(still.status(), StatusCode::OK);

    let out = post(
        &client,
        app.url("/logout"),
        &session,
        &[("csrf", session_csrf.as_str())],
    )
    .await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let after = get(&client, app.url("/"), &session).await;
    assert_eq!(
        after.status(),
        StatusCode::SEE_OTHER,
        "the old session cookie no longer works"
    );
    app.stop().await;
}
