//! Batch disposition: the service proposes accept, reject or hold from the
//! plan and the data; a lead decides with an electronic signature (password
//! re-entered, the meaning of the signature, a comment), stored with the
//! time and a SHA-256 of the data the decision was based on. A decision is
//! final; a change of mind is a new signed decision that names the one it
//! supersedes. Data recorded after a decision shows on it.

use super::audit::{self, Actor};
use super::auth::AuthSettings;
use super::catalog::{get_product, Product};
use super::colour::{current_values, UnitValue};
use super::signatures::{self, Signing};
use super::statistics::{failing_units, nonconformities};
use super::{enum_text, parse_enum, required_free_text, utc};
use crate::domain::access::Visibility;
use crate::domain::digest::hex;
pub use crate::domain::disposition::{
    BatchDisposition, Disposition, Finding, Meaning, Proposal, Recommendation,
};
use crate::domain::message::Message;
use crate::domain::product::VisualScope;
use crate::domain::sampling::oc::Counts;
use crate::domain::sampling::plan::Plan;
use crate::domain::summaries::VisualSummary;
use crate::domain::template::Severity;
use crate::error::{AppError, AppResult, ErrorCode, OnUniqueViolation, OrInternal, Violations};
use crate::store::accounts::usernames;
use crate::store::dispositions::{self as store, DispositionRow};
use crate::store::measurements::current_of_batch;
use crate::store::orders::find_order;
use crate::store::visual::current_inspections;
use crate::store::{now, DbConnection};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignDisposition {
    /// The signer's password, entered again: the signature.
    pub password: String,
    pub meaning: Meaning,
    pub comment: String,
    /// The id of the decision in force, when changing it; a first decision
    /// has none. A second signature without it is refused, so a double
    /// submission cannot sign twice.
    pub supersedes: Option<i64>,
}

/// The fingerprint of the data a decision rests on: the plan's units and
/// the ids of the current readings and inspections (recorded rows never
/// change, so their ids stand for their values).
pub(crate) fn data_hash(conn: &mut DbConnection, batch_id: i64) -> AppResult<String> {
    let plan = super::plans::find_plan(conn, batch_id)?;
    let readings = current_of_batch(conn, batch_id)?
        .into_iter()
        .map(|r| r.uuid)
        .collect();
    data_hash_of(conn, batch_id, plan.as_ref(), readings)
}

/// [`data_hash`] with the plan and the public ids of the current readings
/// already read.
fn data_hash_of(
    conn: &mut DbConnection,
    batch_id: i64,
    plan: Option<&Plan>,
    readings: Vec<String>,
) -> AppResult<String> {
    let plan_line = plan.map(|plan| {
        format!(
            "plan {} {} {:?}\n",
            plan.method.as_str(),
            plan.seed,
            plan.units
        )
    });
    let inspections = current_inspections(conn, batch_id)?
        .into_iter()
        .map(|i| i.uuid)
        .collect();
    Ok(fingerprint(plan_line.as_deref(), readings, inspections))
}

/// SHA-256 (hex) of the plan's line, then `m <id>\n` for each current
/// reading and `i <id>\n` for each current inspection, each in sorted
/// order. Dispositions keep it to tell whether the data changed since, so
/// these bytes must never change.
fn fingerprint(
    plan_line: Option<&str>,
    mut readings: Vec<String>,
    mut inspections: Vec<String>,
) -> String {
    let mut hasher = Sha256::new();
    if let Some(line) = plan_line {
        hasher.update(line.as_bytes());
    }
    readings.sort_unstable();
    inspections.sort_unstable();
    let tagged = readings
        .iter()
        .map(|id| (b"m ", id))
        .chain(inspections.iter().map(|id| (b"i ", id)));
    // Fed piece by piece, without building a string per reading.
    for (tag, id) in tagged {
        hasher.update(tag);
        hasher.update(id.as_bytes());
        hasher.update(b"\n");
    }
    hex(&hasher.finalize())
}

/// The proposal from the plan and the data: hold while anything is missing,
/// reject on any critical nonconformity or when more units fail than the
/// plan accepts, accept otherwise.
pub fn recommend(conn: &mut DbConnection, batch_id: i64) -> AppResult<Recommendation> {
    let batch = super::batches::get_batch(conn, batch_id, Visibility::Everything)?;
    let order = find_order(conn, batch.order_id)?.ok_or_else(|| {
        AppError::not_found(Message::new("err-not-found-order").arg("id", batch.order_id))
    })?;
    let product = get_product(conn, order.product_id, Visibility::Everything)?;
    let Some(plan) = super::plans::find_plan(conn, batch_id)? else {
        return Ok(without_plan());
    };
    let values = current_values(conn, batch_id, &product)?;
    let visual = super::visual::summary(conn, batch_id, Visibility::Everything);
    recommend_from(&plan, &product, &values, visual)
}

fn without_plan() -> Recommendation {
    Recommendation::new(Proposal::Hold, vec![Finding::NoPlan])
}

/// [`recommend`] from what is already read: the plan, the current values
/// and the visual summary (or why there is none).
fn recommend_from(
    plan: &Plan,
    product: &Product,
    values: &[UnitValue],
    visual: AppResult<VisualSummary>,
) -> AppResult<Recommendation> {
    let mut findings = Findings::default();
    // A sampled visual inspection is part of the sample: its defects are
    // nonconformities of the sampled units too.
    let visual_nonconformities = match &visual {
        Ok(summary) if summary.scope == VisualScope::Sample => summary
            .defects
            .iter()
            .map(|d| d.count.max(0) as usize)
            .sum(),
        _ => 0,
    };
    let readings = findings.of_readings(plan, product, values, visual_nonconformities);
    findings.of_visual(visual)?;
    let (proposal, reasons) = if !findings.rejects.is_empty() {
        (Proposal::Reject, findings.rejects)
    } else if !findings.holds.is_empty() {
        (Proposal::Hold, findings.holds)
    } else {
        let (sample, accept) = (plan.units.len(), readings.accept_number);
        let within = match readings.counts {
            Counts::NonconformingUnits => Finding::WithinPlan {
                nonconforming: readings.nonconforming,
                sample,
                accept,
            },
            Counts::Nonconformities => Finding::NonconformitiesWithinPlan {
                found: readings.nonconforming,
                sample,
                accept,
            },
        };
        (Proposal::Accept, vec![within])
    };
    Ok(Recommendation::new(proposal, reasons))
}

/// Reasons to hold a batch and to reject it.
#[derive(Default)]
struct Findings {
    holds: Vec<Finding>,
    rejects: Vec<Finding>,
}

/// The readings measured against the plan's acceptance number.
struct ReadingCount {
    /// Nonconforming units, or nonconformities when the plan counts those.
    nonconforming: usize,
    accept_number: usize,
    counts: Counts,
}

impl Findings {
    /// Missing readings hold; a critical nonconformity, or more
    /// nonconforming units (nonconformities, for a plan counting those,
    /// `visual` among them) than the plan accepts, rejects.
    fn of_readings(
        &mut self,
        plan: &Plan,
        product: &Product,
        values: &[UnitValue],
        visual: usize,
    ) -> ReadingCount {
        let expected = plan.units.len() * product.characteristics.len();
        if values.len() < expected {
            self.holds.push(Finding::ReadingsMissing {
                missing: expected - values.len(),
                expected,
            });
        }
        let failing = failing_units(&product.characteristics, values);
        let critical: HashSet<i64> = failing
            .iter()
            .filter(|(_, class)| *class == Severity::Critical)
            .map(|(unit, _)| *unit)
            .collect();
        if !critical.is_empty() {
            self.rejects.push(Finding::CriticalInReadings {
                units: critical.len(),
            });
        }
        let units: HashSet<i64> = failing.iter().map(|(unit, _)| *unit).collect();
        let accept_number = if plan.classes.is_empty() {
            plan.accept.unwrap_or(0).max(0) as usize
        } else {
            plan.classes
                .iter()
                .map(|c| c.accept.max(0) as usize)
                .max()
                .unwrap_or(0)
        };
        let counts = if plan.classes.is_empty() {
            plan.counts
        } else {
            Counts::NonconformingUnits
        };
        let counted = match counts {
            Counts::NonconformingUnits => units.len(),
            Counts::Nonconformities => nonconformities(&product.characteristics, values) + visual,
        };
        if counted > accept_number {
            self.rejects.push(match counts {
                Counts::NonconformingUnits => Finding::TooManyNonconforming {
                    units: counted,
                    accept: accept_number,
                },
                Counts::Nonconformities => Finding::TooManyNonconformities {
                    found: counted,
                    accept: accept_number,
                },
            });
        }
        ReadingCount {
            nonconforming: counted,
            accept_number,
            counts,
        }
    }

    /// An unfinished visual inspection holds; a critical defect rejects.
    fn of_visual(&mut self, visual: AppResult<VisualSummary>) -> AppResult<()> {
        match visual {
            Ok(visual) => {
                if visual.units_inspected < visual.units_to_inspect {
                    self.holds.push(Finding::VisualUnfinished {
                        inspected: visual.units_inspected,
                        total: visual.units_to_inspect,
                    });
                }
                if visual.units_with_critical > 0 {
                    self.rejects.push(Finding::CriticalVisual {
                        units: visual.units_with_critical,
                    });
                }
            }
            Err(e) if e.code == ErrorCode::NoSamplingPlan => {
                self.holds.push(Finding::Other(e.detail))
            }
            Err(e) => return Err(e),
        }
        Ok(())
    }
}

fn views(
    conn: &mut DbConnection,
    rows: Vec<DispositionRow>,
    current_hash: &str,
) -> AppResult<Vec<Disposition>> {
    let signers: Vec<i64> = rows.iter().map(|r| r.signed_by).collect();
    let names: HashMap<i64, String> = usernames(conn, &signers)?.into_iter().collect();
    rows.into_iter()
        .map(|row| {
            Ok(Disposition {
                id: row.id,
                batch_id: row.batch_id,
                meaning: parse_enum(&row.meaning)?,
                proposal: parse_enum(&row.proposal)?,
                comment: row.comment,
                signed_by: names.get(&row.signed_by).cloned().unwrap_or_default(),
                signed_at: utc(row.signed_at),
                data_changed_since: row.data_sha256 != current_hash,
                data_sha256: row.data_sha256,
                supersedes: row.supersedes,
            })
        })
        .collect()
}

pub fn batch_disposition(
    conn: &mut DbConnection,
    batch_id: i64,
    visibility: Visibility,
) -> AppResult<BatchDisposition> {
    super::batches::get_batch(conn, batch_id, visibility)?;
    let recommendation = recommend(conn, batch_id)?;
    disposition_with(conn, batch_id, recommendation, |c| data_hash(c, batch_id))
}

/// The meaning of the decision in force on a batch at `at` (now when
/// `None`): what an order's page shows as the batch's status without
/// reading its data. A customer sees the status as of the report issued
/// to it.
pub fn decision_at(
    conn: &mut DbConnection,
    batch_id: i64,
    at: Option<chrono::DateTime<chrono::Utc>>,
) -> AppResult<Option<Meaning>> {
    store::dispositions_of(conn, batch_id)?
        .into_iter()
        .rev()
        .find(|row| at.is_none_or(|at| utc(row.signed_at) <= at))
        .map(|row| parse_enum(&row.meaning))
        .transpose()
}

/// What a batch's disposition rests on, already read: a report reads each
/// batch once and hands its parts to every section.
pub struct BatchData<'a> {
    pub product: &'a Product,
    pub plan: Option<&'a Plan>,
    pub values: &'a [UnitValue],
    /// The public ids of the current readings.
    pub reading_uuids: Vec<String>,
    pub visual: AppResult<VisualSummary>,
}

/// [`batch_disposition`] from the batch's data already read.
pub fn batch_disposition_of(
    conn: &mut DbConnection,
    batch_id: i64,
    data: BatchData,
) -> AppResult<BatchDisposition> {
    let recommendation = match data.plan {
        Some(plan) => recommend_from(plan, data.product, data.values, data.visual)?,
        None => without_plan(),
    };
    disposition_with(conn, batch_id, recommendation, |c| {
        data_hash_of(c, batch_id, data.plan, data.reading_uuids)
    })
}

/// The batch's decisions beside the recommendation, each telling whether
/// the data changed since it was signed. The data's fingerprint (`hash`)
/// is taken only when there is a decision to compare it with: a report of
/// an order's undecided batches hashes none of their readings.
fn disposition_with(
    conn: &mut DbConnection,
    batch_id: i64,
    recommendation: Recommendation,
    hash: impl FnOnce(&mut DbConnection) -> AppResult<String>,
) -> AppResult<BatchDisposition> {
    let rows = store::dispositions_of(conn, batch_id)?;
    let hash = if rows.is_empty() {
        String::new()
    } else {
        hash(conn)?
    };
    let history = views(conn, rows, &hash)?;
    Ok(BatchDisposition {
        batch_id,
        recommendation,
        current: history.last().cloned(),
        history,
    })
}

/// Signs a decision for a person at a keyboard (the API). The caller's
/// permission is checked by the route; the password, the caller's sign-in
/// password, is checked here under the sign-in throttle
/// ([`auth::verify_signature`]): wrong ones count as failed sign-ins from
/// `address`, are slowed, then refused (429) until the window ends, each
/// audited. The caller commits the outcome even when it is a refusal.
pub fn sign_as_person(
    conn: &mut DbConnection,
    settings: &AuthSettings,
    address: &str,
    actor: &Actor,
    batch_id: i64,
    request: SignDisposition,
) -> AppResult<Signing<Disposition>> {
    super::batches::get_batch(conn, batch_id, Visibility::Everything)?;
    let password = request.password.clone();
    signatures::sign_as_person(
        conn,
        settings,
        address,
        actor,
        format!("batch/{batch_id}"),
        &password,
        |conn, user_id| decide(conn, actor, user_id, batch_id, request),
    )
}

/// Signs a decision with the password checked but not throttled: for the
/// demo loader, which signs with a password it knows. A person's signature
/// goes through [`sign_as_person`].
pub fn sign(
    conn: &mut DbConnection,
    actor: &Actor,
    batch_id: i64,
    request: SignDisposition,
) -> AppResult<Disposition> {
    super::batches::get_batch(conn, batch_id, Visibility::Everything)?;
    let password = request.password.clone();
    signatures::sign_known(conn, actor, &password, |conn, user_id| {
        decide(conn, actor, user_id, batch_id, request)
    })
}

/// Records a decision whose signature was checked.
fn decide(
    conn: &mut DbConnection,
    actor: &Actor,
    user_id: i64,
    batch_id: i64,
    request: SignDisposition,
) -> AppResult<Disposition> {
    let recommendation = recommend(conn, batch_id)?;
    let comment = check_decision(conn, batch_id, &request, &recommendation)?;
    let hash = data_hash(conn, batch_id)?;
    let row = DispositionRow {
        id: 0,
        batch_id,
        meaning: enum_text(request.meaning),
        proposal: enum_text(recommendation.proposal),
        comment: comment.clone(),
        data_sha256: hash.clone(),
        supersedes: request.supersedes,
        signed_by: user_id,
        signed_at: now(),
    };
    let id = store::insert_disposition(conn, &row).on_unique_violation(|| {
        AppError::conflict(
            ErrorCode::AlreadyDecided,
            Message::new("err-decided-meanwhile"),
        )
    })?;
    audit::record(
        conn,
        actor,
        "disposition.sign",
        format!("batch/{batch_id}"),
        serde_json::json!({
            "disposition_id": id, "meaning": row.meaning, "proposal": row.proposal,
            "comment": comment, "data_sha256": hash, "supersedes": request.supersedes,
        }),
    )?;
    views(conn, vec![DispositionRow { id, ..row }], &hash)?
        .pop()
        .or_internal("the signed disposition reads back")
}

/// Checks the decision against the data's proposal and the decision in
/// force; answers the comment as kept.
fn check_decision(
    conn: &mut DbConnection,
    batch_id: i64,
    request: &SignDisposition,
    recommendation: &Recommendation,
) -> AppResult<String> {
    let mut problems = Violations::default();
    let comment = required_free_text(&request.comment, 2000)
        .map_err(|m| problems.add("comment", m))
        .unwrap_or_default()
        .to_string();
    if request.meaning == Meaning::Released && recommendation.proposal != Proposal::Accept {
        problems.add(
            "meaning",
            Message::new("err-release-needs-concession")
                .arg("proposal", enum_text(recommendation.proposal))
                .arg("reasons", recommendation.reasons.join("; ")),
        );
    }
    let history = store::dispositions_of(conn, batch_id)?;
    signatures::check_supersedes(
        history.last().map(|d| d.id),
        request.supersedes,
        &mut problems,
        |current| {
            Message::new("err-decision-in-force")
                .arg("batch", batch_id)
                .arg("current", current)
        },
    )?;
    problems.into_result()?;
    Ok(comment)
}

#[cfg(test)]
mod fingerprint_tests {
    use super::fingerprint;

    /// The digest is pinned: Python's `hashlib.sha256(b"plan percent 7
    /// [1, 2, 3]\nm 0a\nm 1b\ni 2c\ni 3d\n").hexdigest()`. Readings and
    /// inspections are sorted first, so their order does not matter.
    #[test]
    fn the_data_fingerprint_hashes_the_same_bytes_as_ever() {
        let ids = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            fingerprint(
                Some("plan percent 7 [1, 2, 3]\n"),
                ids(&["1b", "0a"]),
                ids(&["3d", "2c"])
            ),
            "68d4634ec87c7d172a2cb23a6d7bb9b39d84765e99e07bbe323b07108ba84777"
        );
    }
}
