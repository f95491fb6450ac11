//! The OpenAPI document the service serves is valid OpenAPI 3.1, as an
//! independent validator (openapi-spec-validator, `scripts/openapi_validate.py`)
//! judges it. What the service answers is checked against the document by
//! the fuzz (`scripts/fuzz.sh`).

use crate::common::{python_oracle, Backend, TestApp};
use reqwest::StatusCode;

pub async fn the_document_validates() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (status, document) = app.get("/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    app.stop().await;
    let verdict = python_oracle("openapi_validate.py", &document);
    assert_eq!(verdict["openapi"], "3.1.0", "{verdict}");
    let errors = verdict["errors"].as_array().expect("a list of errors");
    assert!(
        errors.is_empty(),
        "openapi-spec-validator rejects the document:\n{}",
        errors
            .iter()
            .map(|e| e.as_str().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
