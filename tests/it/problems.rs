//! Every error is application/problem+json (RFC 9457), actix's own included,
//! and names the offending field.

use crate::common::{self, scenario, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::json;

async fn raw(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    content_type: &str,
    body: &str,
) -> (StatusCode, String, serde_json::Value) {
    let response = app
        .request(method, path)
        .header("content-type", content_type)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let (status, value) = common::read(response).await;
    (status, content_type, value)
}

pub async fn framework_errors_are_problem_json() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let cases = [
        (
            reqwest::Method::POST,
            "/api/v1/customers",
            "application/json",
            "{not json",
            400,
            "malformed_json",
        ),
        (
            reqwest::Method::POST,
            "/api/v1/customers",
            "text/plain",
            r#"{"name": "X"}"#,
            415,
            "unsupported_media_type",
        ),
        (
            reqwest::Method::GET,
            "/api/v1/no-such-thing",
            "application/json",
            "",
            404,
            "not_found",
        ),
        (
            reqwest::Method::PATCH,
            "/api/v1/orders",
            "application/json",
            "",
            405,
            "method_not_allowed",
        ),
        (
            reqwest::Method::GET,
            "/api/v1/orders/abc",
            "application/json",
            "",
            404,
            "not_found",
        ),
        (
            reqwest::Method::GET,
            "/api/v1/orders?page=abc",
            "application/json",
            "",
            400,
            "bad_query",
        ),
        (
            reqwest::Method::GET,
            "/api/v1/orders?page=0",
            "application/json",
            "",
            422,
            "validation_failed",
        ),
        (
            reqwest::Method::POST,
            "/api/v1/customers",
            "application/json",
            r#"{"name": "X", "nmae": 1}"#,
            422,
            "validation_failed",
        ),
    ];
    for (method, path, content_type, body, status, code) in cases {
        let (got, got_type, problem) = raw(&app, method.clone(), path, content_type, body).await;
        assert_eq!(got.as_u16(), status, "{method} {path}: {problem}");
        assert_eq!(got_type, "application/problem+json", "{method} {path}");
        assert_eq!(problem["code"], code, "{method} {path}: {problem}");
        assert_eq!(problem["status"], status);
        for key in ["type", "title", "detail", "errors"] {
            assert!(
                problem.get(key).is_some(),
                "{method} {path} lacks {key}: {problem}"
            );
        }
    }
    // A wrong method on a path of the API says which methods it allows.
    for (method, path, allow) in [
        (reqwest::Method::PUT, "/api/v1/orders", "GET, POST"),
        (reqwest::Method::DELETE, "/api/v1/orders/1", "GET"),
        (reqwest::Method::GET, "/api/v1/auth/token", "DELETE, POST"),
    ] {
        let response = app.request(method.clone(), path).send().await.unwrap();
        assert_eq!(response.status(), 405, "{method} {path}");
        assert_eq!(response.headers()["allow"], allow, "{method} {path}");
    }
    app.stop().await;
}

pub async fn validation_names_every_offending_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = scenario(&app, 100).await;
    let (status, problem) = app
        .post(
            "/api/v1/products",
            &json!({"code": "", "name": "Spot", "customer_id": 424242, "characteristics": [
                {"code": "flux", "name": "Flux", "unit": "lm", "kind": "variable", "lsl": 500, "usl": 400, "severity": "major"},
                {"code": "flux", "name": "Flux again", "unit": "lm", "kind": "variable", "severity": "major"},
                {"code": "ok", "name": "Lit", "kind": "attribute", "usl": 1, "severity": "critical"}
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = common::error_fields(&problem);
    assert_eq!(
        fields,
        [
            "code",
            "customer_id",
            "characteristics[0].usl",
            "characteristics[1].code",
            "characteristics[2].usl"
        ],
        "{problem}"
    );
    let (status, problem) = app
        .post(
            "/api/v1/products",
            &json!({"code": "X", "name": "Y", "characteristics": [
            {"code": "a", "name": "A", "kind": "sideways", "severity": "major"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem["errors"][0]["field"], "characteristics[0].kind",
        "{problem}"
    );

    // An order for another customer's design, a duplicate PO, a bad lot size.
    let other = app
        .create(
            "/api/v1/customers",
            json!({"name": "Nordlicht Leuchten GmbH"}),
        )
        .await;
    let (status, problem) = app
        .post("/api/v1/orders", &json!({"customer_id": other["id"], "product_id": s.product_id, "po_number": "NL-1", "quantity": 10}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "product_id");
    let (status, problem) = app
        .post("/api/v1/orders", &json!({"customer_id": s.customer_id, "product_id": s.product_id, "po_number": "PO-2026-0001", "quantity": 10}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(problem["errors"][0]["field"], "po_number");
    let (status, problem) = app
        .post(
            &format!("/api/v1/orders/{}/batches", s.order_id),
            &json!({"lot_size": 0}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "lot_size");
    let (status, problem) = app
        .post(
            &format!("/api/v1/batches/{}/sampling-plan", s.batch_id),
            &json!({"method": "percent", "percent": 0, "seed": -1}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = common::error_fields(&problem);
    assert_eq!(fields, ["seed", "percent"]);
    let (status, _) = app
        .post(
            "/api/v1/customers",
            &json!({"name": "Helios Home Lighting Ltd"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    app.stop().await;
}

pub async fn health_and_openapi() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (status, health) = app.get("/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(health["status"], "ok");
    let (status, doc) = app.get("/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/customers",
        "/api/v1/products",
        "/api/v1/orders",
        "/api/v1/orders/{id}/batches",
        "/api/v1/batches/{id}/sampling-plan",
        "/api/v1/batches/{id}/measurements",
        "/api/v1/batches/{id}/statistics",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
    app.stop().await;
}

/// A client that asks for Chinese gets the problem's title and the field
/// messages the catalogue has in Chinese; the code, the status and the
/// field names stay as they are, and a client that asks for nothing gets
/// English.
pub async fn problems_speak_the_language_asked_for() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ask = |language: Option<&'static str>| {
        let mut request = app
            .request(reqwest::Method::POST, "/api/v1/customers")
            .json(&serde_json::json!({"name": ""}));
        if let Some(language) = language {
            request = request.header("Accept-Language", language);
        }
        async move {
            let response = request.send().await.unwrap();
            let content_language = response
                .headers()
                .get("content-language")
                .map(|v| v.to_str().unwrap().to_string());
            (
                response.status(),
                content_language,
                response.json::<serde_json::Value>().await.unwrap(),
            )
        }
    };
    let (status, language, problem) = ask(Some("zh-CN,zh;q=0.9,en;q=0.5")).await;
    assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(language.as_deref(), Some("zh-CN"));
    assert_eq!(problem["code"], "validation_failed");
    assert_eq!(problem["title"], "部分值不符合规则");
    assert_eq!(problem["errors"][0]["field"], "name");
    assert_eq!(problem["errors"][0]["message"], "必须填写");
    assert_eq!(problem["detail"], "name: 必须填写");
    let (status, language, problem) = ask(None).await;
    assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(language, None);
    assert_eq!(problem["title"], "Some values break a rule");
    assert_eq!(problem["errors"][0]["message"], "must not be empty");
    // A control character is named in the language asked for too.
    let (status, problem) = crate::common::read(
        app.request(reqwest::Method::POST, "/api/v1/customers")
            .header("Accept-Language", "zh-CN")
            .json(&serde_json::json!({"name": "Helios\u{7}"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem["errors"][0]["message"],
        "不得包含控制字符（发现 U+0007）"
    );
    app.stop().await;
}

/// A reading the batch refuses is explained in the language asked for,
/// field by field, the codes and fields unchanged; without a language the
/// answer is the service's English, word for word as before.
pub async fn refused_readings_are_explained_in_the_language_asked_for() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let s = crate::common::scenario(&app, 50).await;
    let path = format!("/api/v1/batches/{}/measurements", s.batch_id);
    let body = serde_json::json!({"measurements": [
        {"unit": 51, "characteristic": "flux", "value": 800.0},
        {"unit": 1, "characteristic": "colour", "value": 1.0},
    ]});
    let ask = |language: Option<&'static str>| {
        let mut request = app.request(reqwest::Method::POST, &path).json(&body);
        if let Some(language) = language {
            request = request.header("Accept-Language", language);
        }
        async move { crate::common::read(request.send().await.unwrap()).await }
    };
    // No plan yet: a conflict whose detail is worded by the catalogues.
    let (status, problem) = ask(Some("zh-CN")).await;
    assert_eq!(status, reqwest::StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "no_sampling_plan");
    assert_eq!(
        problem["detail"],
        format!("批次 {} 尚无抽样方案；请先抽样再记录读数", s.batch_id)
    );

    crate::common::draw_plan(
        &app,
        s.batch_id,
        serde_json::json!({"method": "percent", "seed": 1}),
    )
    .await;
    let (status, chinese) = ask(Some("zh-CN,zh;q=0.9")).await;
    assert_eq!(
        status,
        reqwest::StatusCode::UNPROCESSABLE_ENTITY,
        "{chinese}"
    );
    let (_, english) = ask(None).await;
    let messages = |problem: &serde_json::Value| -> Vec<(String, String)> {
        problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["field"].as_str().unwrap().into(),
                    e["message"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    let (chinese, english) = (messages(&chinese), messages(&english));
    assert_eq!(
        chinese.iter().map(|m| &m.0).collect::<Vec<_>>(),
        english.iter().map(|m| &m.0).collect::<Vec<_>>(),
        "the same fields in either language"
    );
    assert!(
        english.contains(&(
            "measurements[0].unit".into(),
            "unit 51 is outside the lot (1..=50)".into()
        )),
        "{english:?}"
    );
    assert!(
        chinese.contains(&(
            "measurements[0].unit".into(),
            "样品 51 不在本批范围内（1..=50）".into()
        )),
        "{chinese:?}"
    );
    assert!(
        chinese
            .iter()
            .any(|(field, message)| field == "measurements[1].characteristic"
                && message.starts_with("“colour”不是该产品的检验特性")),
        "{chinese:?}"
    );
    app.stop().await;
}
