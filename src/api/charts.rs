//! Chart routes: `…/charts/{name}.svg` or `.png`, for a batch, an order
//! (all its batches) or a product (control charts across its batches).

use super::auth::perm::ReadResults;
use super::auth::Allowed;
use crate::charts::{encode, Format};
use crate::error::{AppError, AppResult, Problem};
use crate::service::charts::{self, ChartQuery};
use crate::store::Db;
use actix_web::{get, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(batch_chart)
        .service(order_chart)
        .service(product_chart);
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ChartParams {
    /// Characteristic code: required by `histogram` and `control-chart`
    /// (`visual` for visual p/u charts).
    pub characteristic: Option<String>,
    /// Control chart kind: xbar-r (default), xbar-s, i-mr, p, u.
    pub chart: Option<String>,
    /// Limits from the first N batches.
    pub baseline: Option<usize>,
    /// The chart's words: `en` (default), `zh-CN` or `bilingual`.
    pub language: Option<String>,
}

impl TryFrom<ChartParams> for ChartQuery {
    type Error = AppError;

    fn try_from(p: ChartParams) -> AppResult<Self> {
        let language = crate::service::reports::language_asked(p.language.as_deref())?;
        Ok(ChartQuery {
            characteristic: p.characteristic,
            chart: p.chart,
            baseline: p.baseline,
            language,
        })
    }
}

/// Parses the chart's file name, draws it from the database with `draw`
/// and answers it in the asked format (PNG rendered off the async threads).
async fn chart(
    db: web::Data<Db>,
    file: String,
    query: ChartParams,
    draw: impl FnOnce(&mut crate::store::DbConnection, &str, &ChartQuery) -> AppResult<String>
        + Send
        + 'static,
) -> AppResult<HttpResponse> {
    let (name, format) = Format::split(&file)?;
    let name = name.to_string();
    let query = ChartQuery::try_from(query)?;
    let svg = db.read(move |c| draw(c, &name, &query)).await?;
    let body = web::block(move || encode(svg, format)).await??;
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header(("Cache-Control", "private, no-cache"))
        .body(body))
}

/// A batch's chart: `histogram.svg?characteristic=`, `chromaticity.svg`,
/// `oc-curve.svg`, `pareto.svg` (or `.png`).
#[utoipa::path(tag = "charts",
    params(("id" = i64, Path), ("chart" = String, Path, description = "e.g. histogram.svg, oc-curve.png"), ChartParams),
    responses((status = 200, description = "the chart, SVG or PNG as its name ends",
               content(("image/svg+xml"), ("image/png"))),
              (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
#[get("/batches/{id}/charts/{chart}")]
pub async fn batch_chart(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    path: web::Path<(i64, String)>,
    query: web::Query<ChartParams>,
) -> AppResult<HttpResponse> {
    let ((id, file), visibility) = (path.into_inner(), caller.visibility());
    chart(db, file, query.into_inner(), move |c, name, q| {
        charts::batch_chart(c, id, name, q, visibility)
    })
    .await
}

/// An order's chart over all its batches: `histogram.svg?characteristic=`,
/// `chromaticity.svg`, `pareto.svg`, `yield.svg` (or `.png`).
#[utoipa::path(tag = "charts",
    params(("id" = i64, Path), ("chart" = String, Path, description = "e.g. yield.svg, pareto.png"), ChartParams),
    responses((status = 200, description = "the chart, SVG or PNG as its name ends",
               content(("image/svg+xml"), ("image/png"))),
              (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
#[get("/orders/{id}/charts/{chart}")]
pub async fn order_chart(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    path: web::Path<(i64, String)>,
    query: web::Query<ChartParams>,
) -> AppResult<HttpResponse> {
    let ((id, file), visibility) = (path.into_inner(), caller.visibility());
    chart(db, file, query.into_inner(), move |c, name, q| {
        charts::order_chart(c, id, name, q, visibility)
    })
    .await
}

/// A control chart across the product's batches:
/// `control-chart.svg?characteristic=&chart=&baseline=` (or `.png`).
#[utoipa::path(tag = "charts",
    params(("id" = i64, Path), ("chart" = String, Path, description = "control-chart.svg or .png"), ChartParams),
    responses((status = 200, description = "the chart, SVG or PNG as its name ends",
               content(("image/svg+xml"), ("image/png"))),
              (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
#[get("/products/{id}/charts/{chart}")]
pub async fn product_chart(
    db: web::Data<Db>,
    caller: Allowed<ReadResults>,
    path: web::Path<(i64, String)>,
    query: web::Query<ChartParams>,
) -> AppResult<HttpResponse> {
    let ((id, file), visibility) = (path.into_inner(), caller.visibility());
    chart(db, file, query.into_inner(), move |c, name, q| {
        charts::product_chart(c, id, name, q, visibility)
    })
    .await
}
