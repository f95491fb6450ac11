//! The JSON API under `/api/v1`, one module per resource, described by an
//! OpenAPI document generated from the handlers.

mod audit;
pub mod auth;
mod batches;
mod calculators;
mod catalog;
mod charts;
mod delivery;
mod dispositions;
pub mod edge;
pub mod extract;
pub mod health;
mod imports;
pub mod materials;
pub mod metrics;
mod ncrs;
mod orders;
pub mod problems;
pub mod proxy;
pub(crate) mod reports;
mod sampling;
mod trace;
mod users;
pub(crate) mod visual;

use crate::error::PROBLEM_JSON;
use actix_web::dev::{ServiceFactory, ServiceRequest};
use actix_web::{web, App, HttpResponse};
use utoipa::openapi::path::Operation;
use utoipa::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{scope, AppExt};

/// Mounts the API on `app`: every route (and the probes and `/metrics`),
/// each registered once in [`config`], and at `/api/v1/openapi.json` the
/// OpenAPI document built from those same registrations.
pub fn mount<T>(app: App<T>) -> App<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    let (app, document) = register(app);
    app.app_data(web::Data::new(OpenApiJson::new(&document)))
        .app_data(web::Data::new(Routes::new(&document)))
}

/// Registers the API on `app`, and returns it with the document of what was
/// registered.
fn register<T>(app: App<T>) -> (App<T>, utoipa::openapi::OpenApi)
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    let (app, mut document) = app
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(config)
        .split_for_parts();
    // These see every operation, so they run once all are registered.
    utoipa::Modify::modify(&CommonAnswers, &mut document);
    utoipa::Modify::modify(&PageBounds, &mut document);
    (app, document)
}

/// Every route of the API (and `/healthz`, `/readyz`, `/metrics`). `service`
/// takes only handlers with a `#[utoipa::path]`, and both routes them and adds them to the
/// document under the scope's prefix. Only `route` and `map` bypass the
/// document: `/openapi.json` alone uses them, and stays out of it.
fn config(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(metrics::metrics)
        .service(
            scope("/api/v1")
                .wrap(actix_web::middleware::from_fn(auth::authenticate))
                .route("/openapi.json", web::get().to(openapi_json))
                .configure(auth::config)
                .configure(audit::config)
                .configure(users::config)
                .configure(catalog::config)
                .configure(orders::config)
                .configure(batches::config)
                .configure(imports::config)
                .configure(dispositions::config)
                .configure(sampling::config)
                .configure(calculators::config)
                .configure(visual::config)
                .configure(charts::config)
                .configure(reports::config)
                .configure(materials::config)
                .configure(trace::config)
                .configure(ncrs::config)
                .configure(delivery::config),
        );
}

/// What the document says beyond its paths (and the schemas they use),
/// which come from [`config`].
#[derive(OpenApi)]
#[openapi(
    info(
        title = "lotcheck",
        description = "Quality-control sampling and inspection for contract manufacturing. \
                       Errors are application/problem+json (RFC 9457)."
    ),
    components(schemas(crate::error::Problem)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

/// Declares the bearer-token scheme every route but sign-in requires.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The operations of a document, each with its path and method.
fn operations_mut(
    document: &mut utoipa::openapi::OpenApi,
) -> impl Iterator<Item = (&str, &'static str, &mut Operation)> {
    document.paths.paths.iter_mut().flat_map(|(path, item)| {
        [
            ("GET", &mut item.get),
            ("PUT", &mut item.put),
            ("POST", &mut item.post),
            ("DELETE", &mut item.delete),
            ("OPTIONS", &mut item.options),
            ("HEAD", &mut item.head),
            ("PATCH", &mut item.patch),
            ("TRACE", &mut item.trace),
        ]
        .into_iter()
        .filter_map(move |(method, operation)| {
            operation.as_mut().map(|op| (path.as_str(), method, op))
        })
    })
}

/// The error answers (problem+json) the service gives besides those an
/// operation states, shared as `#/components/responses/<code>`: each
/// operation gets those it can meet. 401 and 403 where a token is required;
/// 400 and 422 where a body or a query string is read, 413 and 415 where a
/// body is; 404 where the path names a record; 500 and 503 everywhere. The
/// errors an operation states itself (409, 429, …) turn problem+json too,
/// and those it states without a description use the shared answer.
struct CommonAnswers;

/// Each shared error answer: status, the code it is named by, description.
const COMMON_ANSWERS: [(u16, &str, &str); 11] = [
    (400, "bad_request", "The request cannot be read: malformed JSON or multipart form, or a query string that does not parse (`bad_request`, `malformed_json`, `bad_query`)"),
    (401, "unauthorized", "No valid bearer token: sign in first (`unauthorized`)"),
    (403, "forbidden", "The caller's role may not do this (`forbidden`)"),
    (404, "not_found", "No such record, or one the caller may not see (`not_found`)"),
    (409, "conflict", "The request clashes with what is stored; `code` says how"),
    (413, "payload_too_large", "The body, file or photo is too large"),
    (415, "unsupported_media_type", "The body is not of a content type this operation reads"),
    (422, "validation_failed", "Some values break a rule; `errors` names each field"),
    (429, "too_many_attempts", "Too many failed attempts; wait and try again"),
    (500, "internal", "The server failed to answer (`internal`)"),
    (503, "unavailable", "The database is unavailable or busy; try again (`unavailable`)"),
];

impl utoipa::Modify for CommonAnswers {
    fn modify(&self, document: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        use utoipa::openapi::security::SecurityRequirement;
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

        let problem = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build();
        let components = document.components.get_or_insert_with(Default::default);
        for (_, name, description) in COMMON_ANSWERS {
            let response = ResponseBuilder::new()
                .description(description)
                .content(PROBLEM_JSON, problem.clone())
                .build();
            components.responses.insert(name.into(), response.into());
        }
        let shared = |status: u16| {
            COMMON_ANSWERS
                .iter()
                .find(|(s, _, _)| *s == status)
                .map(|(_, name, _)| RefOr::Ref(Ref::from_response_name(*name)))
        };
        for (path, _, operation) in operations_mut(document) {
            let public = operation.security.as_ref().is_some_and(|requirements| {
                requirements
                    .iter()
                    .all(|r| *r == SecurityRequirement::default())
            });
            let reads_query = operation
                .parameters
                .iter()
                .flatten()
                .any(|p| matches!(p.parameter_in, ParameterIn::Query));
            let reads_body = operation.request_body.is_some();
            let mut statuses = vec![500, 503];
            if !public {
                statuses.extend([401, 403]);
            }
            if reads_body || reads_query {
                statuses.extend([400, 422]);
            }
            if reads_body {
                statuses.extend([413, 415]);
            }
            if path.contains('{') {
                statuses.push(404);
            }
            let responses = &mut operation.responses.responses;
            for (status, response) in responses.iter_mut() {
                let status: u16 = status.parse().unwrap_or(0);
                let RefOr::T(stated) = response else { continue };
                if status < 400 {
                    continue; // success answers stay as the handler states them
                }
                if let Some(content) = stated.content.shift_remove(mime::APPLICATION_JSON.as_ref())
                {
                    stated.content.insert(PROBLEM_JSON.into(), content);
                }
                if stated.description.is_empty() {
                    if let Some(common) = shared(status) {
                        *response = common;
                    }
                }
            }
            for status in statuses {
                if let Some(common) = shared(status) {
                    responses.entry(status.to_string()).or_insert(common);
                }
            }
        }
    }
}

/// Bounds of the `page` and `per_page` query parameters of every list, from
/// the constants the handlers check them against.
struct PageBounds;

impl utoipa::Modify for PageBounds {
    fn modify(&self, document: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        use utoipa::openapi::schema::Schema;
        use utoipa::openapi::RefOr;
        use utoipa::Number;

        for (_, _, operation) in operations_mut(document) {
            for parameter in operation.parameters.iter_mut().flatten() {
                if !matches!(parameter.parameter_in, ParameterIn::Query) {
                    continue;
                }
                let Some(RefOr::T(Schema::Object(schema))) = parameter.schema.as_mut() else {
                    continue;
                };
                match parameter.name.as_str() {
                    "page" => schema.minimum = Some(Number::Int(1)),
                    "per_page" => {
                        schema.minimum = Some(Number::Int(1));
                        schema.maximum = Some(Number::Int(extract::MAX_PER_PAGE as isize));
                        schema.default = Some(extract::DEFAULT_PER_PAGE.into());
                    }
                    _ => {}
                }
            }
        }
    }
}

/// The methods each path of the document answers, so that a known path
/// asked with another method is told 405 and what it allows, not 404.
pub struct Routes(Vec<(Vec<String>, Vec<&'static str>)>);

impl Routes {
    fn new(document: &utoipa::openapi::OpenApi) -> Self {
        // A copy, as the walk over operations takes the document mutably.
        let mut document = document.clone();
        let mut routes: Vec<(Vec<String>, Vec<&'static str>)> = Vec::new();
        for (path, method, _) in operations_mut(&mut document) {
            let segments: Vec<String> = path.split('/').map(str::to_string).collect();
            match routes.iter_mut().find(|(s, _)| *s == segments) {
                Some((_, methods)) => methods.push(method),
                None => routes.push((segments, vec![method])),
            }
        }
        Routes(routes)
    }

    /// The methods `path` answers (`GET, POST`), if it is a route's path.
    pub fn allowed(&self, path: &str) -> Option<String> {
        let asked: Vec<&str> = path.split('/').collect();
        let mut methods: Vec<&str> = self
            .0
            .iter()
            .filter(|(template, _)| {
                template.len() == asked.len()
                    && template.iter().zip(&asked).all(|(t, a)| {
                        t == a || (t.starts_with('{') && t.ends_with('}') && !a.is_empty())
                    })
            })
            .flat_map(|(_, methods)| methods.iter().copied())
            .collect();
        methods.sort_unstable();
        methods.dedup();
        (!methods.is_empty()).then(|| methods.join(", "))
    }
}

/// The OpenAPI document, serialised once when the app is built.
struct OpenApiJson(web::Bytes);

impl OpenApiJson {
    fn new(document: &utoipa::openapi::OpenApi) -> Self {
        let json = serde_json::to_vec(document).expect("an OpenAPI document serialises");
        OpenApiJson(json.into())
    }
}

async fn openapi_json(document: web::Data<OpenApiJson>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(mime::APPLICATION_JSON)
        .body(document.0.clone())
}

#[cfg(test)]
mod tests {
    use super::register;
    use actix_web::http::{Method, StatusCode};
    use actix_web::{test as actix_test, web, App, HttpResponse};
    use utoipa::PartialSchema;

    /// Each operation of the document is routed to a handler (the fallback
    /// answers 418 here), and no other method on its paths is: the access
    /// test, which walks the document, walks every route.
    #[actix_web::test]
    async fn the_document_lists_exactly_the_routes() {
        let fallback = web::to(|| async { HttpResponse::ImATeapot().finish() });
        let (app, document) = register(App::new().default_service(fallback));
        let app = actix_test::init_service(app).await;
        let mut operations = 0;
        for (template, item) in &document.paths.paths {
            let path: Vec<&str> = template
                .split('/')
                .map(|s| if s.starts_with('{') { "1" } else { s })
                .collect();
            let path = path.join("/");
            for (method, documented) in [
                (Method::GET, item.get.is_some()),
                (Method::POST, item.post.is_some()),
                (Method::PUT, item.put.is_some()),
                (Method::DELETE, item.delete.is_some()),
                (Method::PATCH, item.patch.is_some()),
                (Method::HEAD, item.head.is_some()),
                (Method::OPTIONS, item.options.is_some()),
                (Method::TRACE, item.trace.is_some()),
            ] {
                let request = actix_test::TestRequest::default()
                    .method(method.clone())
                    .uri(&path)
                    .to_request();
                let routed = actix_test::call_service(&app, request).await.status()
                    != StatusCode::IM_A_TEAPOT;
                assert_eq!(
                    routed, documented,
                    "{method} {template}: routed {routed}, documented {documented}"
                );
                operations += usize::from(documented);
            }
        }
        assert_eq!(
            operations, 103,
            "a route was added or removed: update this count"
        );
        assert!(document.paths.paths.contains_key("/healthz"));
        assert!(document.paths.paths.contains_key("/readyz"));
        assert!(document.paths.paths.contains_key("/metrics"));
        assert!(document.paths.paths.contains_key("/api/v1/orders/{id}"));

        // Types that share a Rust name have schemas of their own names: the
        // template's classes of nonconformity and the switching rules'
        // severity; a visual inspection and ISO 2859's severity of inspection.
        let schemas = &document.components.as_ref().unwrap().schemas;
        assert!(schemas["Severity"] == crate::domain::template::Severity::schema());
        assert!(
            schemas["SwitchingSeverity"] == crate::domain::sampling::switching::Severity::schema()
        );
        assert!(schemas["Inspection"] == crate::service::visual::Inspection::schema());
        assert!(
            schemas["InspectionSeverity"] == crate::domain::sampling::iso2859::Inspection::schema()
        );
    }

    /// Every `$ref` of the document points at something it defines.
    #[test]
    fn every_reference_resolves() {
        fn walk<'a>(value: &'a serde_json::Value, refs: &mut Vec<&'a str>) {
            match value {
                serde_json::Value::Object(map) => {
                    if let Some(serde_json::Value::String(target)) = map.get("$ref") {
                        refs.push(target);
                    }
                    map.values().for_each(|v| walk(v, refs));
                }
                serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, refs)),
                _ => {}
            }
        }
        let (_, document) = register(App::new());
        let json = serde_json::to_value(&document).unwrap();
        let mut refs = Vec::new();
        walk(&json, &mut refs);
        assert!(!refs.is_empty());
        for target in refs {
            let pointer = target.strip_prefix('#').expect("a local reference");
            assert!(json.pointer(pointer).is_some(), "{target} does not resolve");
        }
    }

    /// Every operation describes its error answers as problem+json: those
    /// of any request, and those of its token, body, query and path.
    #[test]
    fn every_operation_describes_its_problems() {
        let (_, document) = register(App::new());
        let json = serde_json::to_value(&document).unwrap();
        for (path, item) in json["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let responses = operation["responses"].as_object().unwrap();
                let has = |status: &str| responses.contains_key(status);
                let context = format!("{method} {path}");
                assert!(has("500") && has("503"), "{context}");
                if operation["security"] != serde_json::json!([{}]) {
                    assert!(has("401") && has("403"), "{context}");
                }
                if operation.get("requestBody").is_some() {
                    assert!(
                        has("400") && has("413") && has("415") && has("422"),
                        "{context}"
                    );
                }
                if path.contains('{') {
                    assert!(has("404"), "{context}");
                }
                for (status, response) in responses {
                    let response = match response.get("$ref") {
                        Some(target) => {
                            let name = target.as_str().unwrap().rsplit('/').next().unwrap();
                            &json["components"]["responses"][name]
                        }
                        None => response,
                    };
                    if status.as_str() >= "400" {
                        let content = response["content"].as_object().unwrap();
                        assert_eq!(
                            content.keys().collect::<Vec<_>>(),
                            [crate::error::PROBLEM_JSON],
                            "{context} {status}"
                        );
                    }
                }
            }
        }
        assert_eq!(
            json["paths"]["/api/v1/auth/token"]["post"]["responses"]["429"]["$ref"],
            "#/components/responses/too_many_attempts"
        );
    }

    /// `page` and `per_page` of every list carry the bounds the handlers check.
    #[test]
    fn list_pages_are_bounded() {
        use crate::api::extract::MAX_PER_PAGE;
        let (_, document) = register(App::new());
        let json = serde_json::to_value(&document).unwrap();
        let mut lists = 0;
        for item in json["paths"].as_object().unwrap().values() {
            for operation in item.as_object().unwrap().values() {
                for parameter in operation["parameters"].as_array().into_iter().flatten() {
                    let schema = &parameter["schema"];
                    match parameter["name"].as_str().unwrap() {
                        "page" => assert_eq!(schema["minimum"], 1, "{parameter}"),
                        "per_page" => {
                            assert_eq!(schema["minimum"], 1, "{parameter}");
                            assert_eq!(schema["maximum"], MAX_PER_PAGE, "{parameter}");
                            lists += 1;
                        }
                        _ => {}
                    }
                }
            }
        }
        assert_eq!(lists, 7, "a list was added or removed: update this count");
    }

    /// A path of the API asked with a method it does not answer is told
    /// which it does.
    #[test]
    fn routes_tell_the_methods_a_path_allows() {
        let (_, document) = register(App::new());
        let routes = super::Routes::new(&document);
        assert_eq!(
            routes.allowed("/api/v1/orders").as_deref(),
            Some("GET, POST")
        );
        assert_eq!(routes.allowed("/api/v1/orders/7").as_deref(), Some("GET"));
        assert_eq!(
            routes.allowed("/api/v1/auth/token").as_deref(),
            Some("DELETE, POST")
        );
        assert_eq!(routes.allowed("/api/v1/orders/7/nothing"), None);
        assert_eq!(routes.allowed("/api/v1/orders/"), None);
        assert_eq!(routes.allowed("/api/v1/orders//batches"), None);
    }
}
