//! A batch's visual inspection summed up from its current inspections:
//! units passed and failed, units with each class of defect, and the
//! defects in Pareto order.

use super::scope::scope;
use crate::domain::access::Visibility;
use crate::domain::summaries::{DefectCount, VisualSummary};
use crate::domain::template::Severity;
use crate::error::{AppResult, OrInternal};
use crate::store::visual::{self as store, InspectionRow};
use crate::store::DbConnection;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The batch's current inspections (those nothing supersedes), summed up.
pub fn summary(
    conn: &mut DbConnection,
    batch_id: i64,
    visibility: Visibility,
) -> AppResult<VisualSummary> {
    crate::service::batches::get_batch(conn, batch_id, visibility)?;
    let scope = scope(conn, batch_id)?;
    let current = store::current_inspections(conn, batch_id)?;
    let tally = tally(conn, &current)?;
    let inspected = current.len() as i64;
    let failed = current.iter().filter(|r| !r.passed).count() as i64;
    let with = |s| tally.classes.get(&s).map_or(0, |units| units.len() as i64);
    Ok(VisualSummary {
        batch_id,
        scope: scope.product.visual_inspection,
        units_to_inspect: scope
            .sampled
            .as_ref()
            .map_or(scope.lot.get() as i64, |s| s.len() as i64),
        units_inspected: inspected,
        units_passed: inspected - failed,
        units_failed: failed,
        units_with_critical: with(Severity::Critical),
        units_with_major: with(Severity::Major),
        units_with_minor: with(Severity::Minor),
        defects_per_hundred_units: (inspected > 0)
            .then(|| 100.0 * tally.total as f64 / inspected as f64),
        defects: tally.defects,
    })
}

/// The defects of a set of inspections, counted.
struct Tally {
    /// Each defect's count and units, most frequent first.
    defects: Vec<DefectCount>,
    /// The inspections with at least one defect of each class.
    classes: HashMap<Severity, HashSet<i64>>,
    /// Defects found, all classes.
    total: i64,
}

fn tally(conn: &mut DbConnection, inspections: &[InspectionRow]) -> AppResult<Tally> {
    let ids: Vec<i64> = inspections.iter().map(|r| r.id).collect();
    let mut by_defect: BTreeMap<String, DefectCount> = BTreeMap::new();
    let mut classes: HashMap<Severity, HashSet<i64>> = HashMap::new();
    let mut total = 0i64;
    for (defect, code, name) in store::defects_of(conn, &ids)? {
        let severity =
            Severity::parse(&defect.severity).or_internal("a stored defect severity parses")?;
        classes
            .entry(severity)
            .or_default()
            .insert(defect.inspection_id);
        total += i64::from(defect.count);
        let entry = by_defect.entry(code.clone()).or_insert(DefectCount {
            defect: code,
            name,
            severity,
            count: 0,
            units: 0,
        });
        entry.count += i64::from(defect.count);
        entry.units += 1;
        entry.severity = entry.severity.min(severity);
    }
    let mut defects: Vec<DefectCount> = by_defect.into_values().collect();
    defects.sort_by(|a, b| b.count.cmp(&a.count).then(a.defect.cmp(&b.defect)));
    Ok(Tally {
        defects,
        classes,
        total,
    })
}
