//! The defect catalogue of each product family: what an inspector may
//! record, with the severity a finding has unless they say otherwise.

use crate::domain::message::Message;
use crate::domain::template::Severity;
use crate::error::{AppError, AppResult, ErrorCode, OnUniqueViolation, OrInternal, Violations};
use crate::service::audit::{self, Actor};
use crate::service::required_text;
use crate::store::visual::{self as store, DefectTypeRow};
use crate::store::{now, DbConnection};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDefectType {
    /// Product family the defect belongs to, e.g. `led-lamp`.
    pub family: String,
    /// Short code used when recording, e.g. `scratch`.
    pub code: String,
    pub name: String,
    /// Severity a finding of this defect has unless the inspector says otherwise.
    pub severity: Severity,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DefectType {
    pub id: i64,
    pub family: String,
    pub code: String,
    pub name: String,
    pub severity: Severity,
}

fn defect_type_view(row: DefectTypeRow) -> AppResult<DefectType> {
    Ok(DefectType {
        severity: Severity::parse(&row.severity).or_internal("a stored defect severity parses")?,
        id: row.id,
        family: row.family,
        code: row.code,
        name: row.name,
    })
}

pub fn create_defect_type(
    conn: &mut DbConnection,
    actor: &Actor,
    input: NewDefectType,
) -> AppResult<DefectType> {
    let mut problems = Violations::default();
    let family = required_text(&input.family, 64)
        .map_err(|m| problems.add("family", m))
        .unwrap_or_default()
        .to_string();
    let name = required_text(&input.name, 200)
        .map_err(|m| problems.add("name", m))
        .unwrap_or_default()
        .to_string();
    let code = input.code.trim();
    if !is_code(code) {
        problems.add("code", Message::new("err-defect-code"));
    }
    problems.into_result()?;
    let id = store::insert_defect_type(
        conn,
        &DefectTypeRow {
            id: 0,
            family: family.clone(),
            code: code.to_string(),
            name,
            severity: input.severity.as_str().to_string(),
            created_at: now(),
        },
    )
    .on_unique_violation(|| {
        AppError::conflict(
            ErrorCode::DefectTypeExists,
            Message::new("err-defect-exists")
                .arg("family", &family)
                .arg("code", code),
        )
        .with_field("code")
    })?;
    audit::record(
        conn,
        actor,
        "defect_type.create",
        format!("defect_type/{id}"),
        serde_json::json!({"family": family, "code": code, "severity": input.severity.as_str()}),
    )?;
    store::all_defect_types(conn)?
        .into_iter()
        .find(|d| d.id == id)
        .or_internal("the defect type reads back")
        .and_then(defect_type_view)
}

/// A defect code as inspectors type it: 1 to 40 letters, digits, `_` or `-`.
fn is_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 40
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
}

pub fn list_defect_types(
    conn: &mut DbConnection,
    family: Option<&str>,
) -> AppResult<Vec<DefectType>> {
    let rows = match family {
        Some(family) => store::defect_types_of(conn, family)?,
        None => store::all_defect_types(conn)?,
    };
    rows.into_iter().map(defect_type_view).collect()
}
