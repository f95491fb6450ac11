//! The sampling plan drawn for a batch, read back with its units, classes
//! and risk. Drawing a plan is [`super::sampling`].

use super::{parse_enum, utc};
use crate::domain::access::Visibility;
use crate::domain::message::Message;
use crate::domain::sampling::iso2859::Inspection;
use crate::domain::sampling::oc::{risk_of, AttributePlan, Counts, Model};
use crate::domain::sampling::plan::{ClassPlan, Method, Plan};
use crate::domain::template::Severity;
use crate::error::{AppError, AppResult, OrInternal};
use crate::store::sampling::{self as store, ClassRow, PlanRow};
use crate::store::DbConnection;

/// The plan of a batch, or `None` when none has been drawn.
pub fn find_plan(conn: &mut DbConnection, batch_id: i64) -> AppResult<Option<Plan>> {
    let Some(row) = store::plan_of_batch(conn, batch_id)? else {
        return Ok(None);
    };
    let units = store::units_of_plan(conn, row.id)?;
    let method = match row.method.as_str() {
        "percent" => Method::Percent,
        "iso2859-1" => Method::Iso2859_1,
        other => {
            return Err(AppError::internal(format!(
                "stored method is not recognised: plan {}, method {}",
                row.id, other
            )));
        }
    };
    let accept = row.accept.unwrap_or(0).max(0) as u64;
    let counts: Counts = parse_enum(&row.counts)?;
    let risk = AttributePlan::counting(counts, row.lot_size as u64, row.sample_size as u64, accept)
        .map(|plan| risk_of(&plan, Model::Hypergeometric))
        .map_err(|e| {
            AppError::internal(format!("a stored plan is a valid attribute plan: {e:?}"))
        })?;
    let classes = store::classes_of(conn, row.id)?;
    // Only plans by class need the draw order (each class takes its first units).
    let draw_order = if classes.is_empty() {
        Vec::new()
    } else {
        store::units_in_draw_order(conn, row.id)?
    };
    let classes = classes
        .into_iter()
        .map(|class| class_view(&row, &draw_order, class))
        .collect::<AppResult<Vec<_>>>()?;
    let table = row
        .inspection
        .as_deref()
        .and_then(|text| Inspection::parse(text).ok())
        .map(Inspection::table);
    Ok(Some(Plan {
        aql: row.aql,
        level: row.level.clone(),
        inspection: row.inspection.clone(),
        inspection_reason: row.inspection_reason.clone(),
        table,
        inspect_all: row.sample_size >= row.lot_size,
        risk,
        counts,
        classes,
        batch_id: row.batch_id,
        method,
        algorithm: row.algorithm,
        lot_size: row.lot_size,
        sample_size: row.sample_size,
        seed: row.seed,
        percent: row.percent,
        units,
        code_letter: row.code_letter,
        plan_letter: row.plan_letter,
        accept: row.accept,
        reject: row.reject,
        created_at: utc(row.created_at),
    }))
}

pub fn get_plan(conn: &mut DbConnection, batch_id: i64, visibility: Visibility) -> AppResult<Plan> {
    super::batches::get_batch(conn, batch_id, visibility)?;
    find_plan(conn, batch_id)?.ok_or_else(|| {
        AppError::not_found(Message::new("err-not-found-plan").arg("batch", batch_id))
    })
}

fn class_view(plan: &PlanRow, draw_order: &[i64], class: ClassRow) -> AppResult<ClassPlan> {
    let severity =
        Severity::parse(&class.severity).or_internal("a stored class severity parses")?;
    let n = (class.sample_size.max(0) as usize).min(draw_order.len());
    let mut units = draw_order[..n].to_vec();
    units.sort_unstable();
    let risk = AttributePlan::new(
        plan.lot_size as u64,
        class.sample_size as u64,
        class.accept.max(0) as u64,
    )
    .map(|attribute| risk_of(&attribute, Model::Hypergeometric))
    .map_err(|e| {
        AppError::internal(format!(
            "a stored class plan is a valid attribute plan: {e:?}"
        ))
    })?;
    Ok(ClassPlan {
        severity,
        aql: class.aql,
        plan_letter: class.plan_letter,
        sample_size: class.sample_size,
        accept: class.accept,
        reject: class.reject,
        units,
        risk,
    })
}
