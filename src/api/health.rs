use crate::error::AppResult;
use crate::store::Db;
use actix_web::{get, web, HttpResponse};
use diesel::connection::SimpleConnection;

/// 200 when the database answers, 503 otherwise.
#[utoipa::path(tag = "health", security(()),
    responses((status = 200, description = "the database answers"),
              (status = 503, body = crate::error::Problem)))]
#[get("/healthz")]
pub async fn healthz(db: web::Data<Db>) -> AppResult<HttpResponse> {
    db.read(|conn| Ok(conn.batch_execute("SELECT 1")?)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"status": "ok"})))
}
