//! Browser sessions over plain HTTP: cookie flags, CSRF on every form that
//! changes data, sign-out revoking the session.

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
    let forged = client
        .post(app.url("/login"))
        .form(&[
            ("csrf", "forged"),
            ("username", "lead1"),
            ("password", PASSWORD),
        ])
        .header(COOKIE, &login_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(set_cookie(&forged, "lotcheck_session").is_none());

    // A wrong password shows the form again, with a message.
    let wrong = client
        .post(app.url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "lead1"),
            ("password", "not it at all"),
        ])
        .header(COOKIE, &login_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong
        .text()
        .await
        .unwrap()
        .contains("wrong username or password"));

    let signed_in = client
        .post(app.url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "lead1"),
            ("password", PASSWORD),
        ])
        .header(COOKIE, &login_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let (session, flags) = set_cookie(&signed_in, "lotcheck_session").expect("session cookie");
    assert!(
        flags.contains("HttpOnly") && flags.contains("SameSite=Strict"),
        "{flags}"
    );
    assert!(!flags.contains("Secure"), "plain HTTP here: {flags}");

    let home = client
        .get(app.url("/"))
        .header(COOKIE, &session)
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    let html = home.text().await.unwrap();
    assert!(html.contains("lead1"));
    let session_csrf = hidden_csrf(&html);

    // The session cookie is not an API token, and sign-out needs the CSRF token.
    let api = client
        .get(app.url("/api/v1/orders"))
        .header(COOKIE, &session)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
    let forged = client
        .post(app.url("/logout"))
        .form(&[("csrf", "forged")])
        .header(COOKIE, &session)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let still = client
        .get(app.url("/"))
        .header(COOKIE, &session)
        .send()
        .await
        .unwrap();
    assert_eq!(still.status(), StatusCode::OK);

    let out = client
        .post(app.url("/logout"))
        .form(&[("csrf", session_csrf.as_str())])
        .header(COOKIE, &session)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let after = client
        .get(app.url("/"))
        .header(COOKIE, &session)
        .send()
        .await
        .unwrap();
    assert_eq!(
        after.status(),
        StatusCode::SEE_OTHER,
        "the old session cookie no longer works"
    );
    app.stop().await;
}

pub async fn session_cookie_is_secure_behind_tls() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.add_user("lead1", Role::Lead, None);
    let client = no_redirects();
    // A TLS-terminating proxy tells the scheme in Forwarded.
    let form = client
        .get(app.url("/login"))
        .header("Forwarded", "proto=https")
        .send()
        .await
        .unwrap();
    let (_, flags) = set_cookie(&form, "lotcheck_login_csrf").unwrap();
    assert!(flags.contains("Secure"), "{flags}");
    app.stop().await;
}
