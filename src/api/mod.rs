//! The JSON API under `/api/v1`, one module per resource, described by an
//! OpenAPI document generated from the handlers.

mod audit;
pub mod auth;
mod batches;
mod calculators;
mod catalog;
mod charts;
mod dispositions;
pub mod edge;
pub mod extract;
pub mod health;
mod imports;
pub mod metrics;
mod orders;
pub mod problems;
pub mod proxy;
pub(crate) mod reports;
mod sampling;
mod users;
pub(crate) mod visual;

use actix_web::dev::{ServiceFactory, ServiceRequest};
use actix_web::{web, App, HttpResponse};
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
}

/// Registers the API on `app`, and returns it with the document of what was
/// registered.
fn register<T>(app: App<T>) -> (App<T>, utoipa::openapi::OpenApi)
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(config)
        .split_for_parts()
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
                // After those two: the schema names `Severity` and `Inspection`
                // each stand for two types, and the last registered wins (the
                // test below checks which).
                .configure(visual::config)
                .configure(charts::config)
                .configure(reports::config),
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
    use actix_web::{test, web, App, HttpResponse};
    use utoipa::PartialSchema;

    /// Each operation of the document is routed to a handler (the fallback
    /// answers 418 here), and no other method on its paths is: the access
    /// test, which walks the document, walks every route.
    #[actix_web::test]
    async fn the_document_lists_exactly_the_routes() {
        let fallback = web::to(|| async { HttpResponse::ImATeapot().finish() });
        let (app, document) = register(App::new().default_service(fallback));
        let app = test::init_service(app).await;
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
                let request = test::TestRequest::default()
                    .method(method.clone())
                    .uri(&path)
                    .to_request();
                let routed =
                    test::call_service(&app, request).await.status() != StatusCode::IM_A_TEAPOT;
                assert_eq!(
                    routed, documented,
                    "{method} {template}: routed {routed}, documented {documented}"
                );
                operations += usize::from(documented);
            }
        }
        assert_eq!(
            operations, 67,
            "a route was added or removed: update this count"
        );
        assert!(document.paths.paths.contains_key("/healthz"));
        assert!(document.paths.paths.contains_key("/readyz"));
        assert!(document.paths.paths.contains_key("/metrics"));
        assert!(document.paths.paths.contains_key("/api/v1/orders/{id}"));

        // Two types each answer to the names `Severity` (the template's and
        // the switching rules') and `Inspection` (a visual inspection and
        // ISO 2859's severity of inspection); the document carries these.
        let schemas = &document.components.as_ref().unwrap().schemas;
        assert!(schemas["Severity"] == crate::domain::template::Severity::schema());
        assert!(schemas["Inspection"] == crate::service::visual::Inspection::schema());
    }
}
