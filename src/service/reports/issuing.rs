//! Issuing an order's report as immutable revisions: the next revision is
//! rendered outside the write transaction, in English, Chinese and both
//! languages from one pass over the data, then stored only if nothing
//! moved meanwhile; the same data never make a second revision.

use super::changes::{changes_since, data_hash};
use super::gathering::gather_in;
use super::{issued, report_number, IssuedReport};
use crate::domain::access::Visibility;
use crate::domain::digest::hex;
use crate::domain::language::ReportLanguage;
use crate::domain::message::Message;
use crate::error::{AppError, AppResult, ErrorCode, OrInternal};
use crate::report::{self, Heading, Issue, QcReport};
use crate::service::audit::{self, Actor};
use crate::store::reports::{self as store, NewReportFile, NewReportRow};
use crate::store::DbConnection;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// Where a report is issued: the zone its times are written in, and the
/// address the service is reached at from outside, where its holders check
/// it, if the site has said it ([`crate::PublicUrl`]).
#[derive(Debug, Clone)]
pub struct IssueSite {
    pub zone: chrono_tz::Tz,
    pub public_url: Option<String>,
}

/// A report ready to be stored: the rendered file and what it rests on.
pub struct Prepared {
    pub order_id: i64,
    pub revision: i32,
    pub data_sha256: String,
    pub changes: Vec<Message>,
    /// The English file, then the file in each further language.
    pub pdf: Vec<u8>,
    pub translations: Vec<(ReportLanguage, Vec<u8>)>,
    pub issued_at: DateTime<Utc>,
}

/// Either the revision already issued for these data, or a new one to store.
pub enum Preparation {
    Unchanged(IssuedReport),
    New(Prepared),
}

/// Renders the next revision unless the data are those of the latest one.
/// Runs outside the write transaction; `store_issue` checks nothing moved.
/// Batches without a decision refuse it unless `with_undecided_batches`:
/// then it is issued as such, its statement naming them.
pub fn prepare_issue(
    conn: &mut DbConnection,
    actor: &Actor,
    order_id: i64,
    with_undecided_batches: bool,
    site: &IssueSite,
) -> AppResult<Preparation> {
    let zone = site.zone;
    let now = Utc::now();
    // Fingerprint first: data changing while the report is gathered make
    // `store_issue` refuse it.
    let data_sha256 = data_hash(conn, order_id)?;
    let mut drafts = gather_in(
        conn,
        order_id,
        Visibility::Everything,
        None,
        now.with_timezone(&zone),
        &ReportLanguage::ALL,
    )?
    .into_iter();
    let draft = drafts
        .next()
        .or_internal("the English report is gathered")?;
    if draft.batches.is_empty() {
        return Err(AppError::conflict(
            ErrorCode::NothingToReport,
            Message::new("err-nothing-to-report"),
        ));
    }
    let previous = store::reports_of_order(conn, order_id)?.pop();
    if let Some(previous) = previous.as_ref().filter(|p| p.data_sha256 == data_sha256) {
        return Ok(Preparation::Unchanged(issued(conn, previous.clone())?));
    }
    let undecided = draft.undecided();
    if !undecided.is_empty() && !with_undecided_batches {
        let numbers: Vec<String> = undecided.iter().map(i32::to_string).collect();
        let key = match numbers.as_slice() {
            [_] => "err-undecided-batch",
            _ => "err-undecided-batches",
        };
        return Err(AppError::conflict(
            ErrorCode::UndecidedBatches,
            Message::new(key).arg("batches", numbers.join(", ")),
        ));
    }
    let changes = match &previous {
        Some(p) => changes_since(conn, &draft, p.issued_at)?,
        None => Vec::new(),
    };
    let revision = previous.map_or(1, |p| p.revision + 1);
    let issue = Issue {
        number: report_number(order_id),
        revision,
        issued_by: actor.name.clone(),
        changes: changes.clone(),
        public_url: site.public_url.clone(),
    };
    let render = |draft: QcReport| {
        report::pdf::render(&QcReport {
            heading: Heading {
                issue: Some(issue.clone()),
                ..draft.heading
            },
            ..draft
        })
    };
    let translations = drafts
        .map(|draft| Ok((draft.language, render(draft)?)))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Preparation::New(Prepared {
        order_id,
        revision,
        data_sha256,
        changes,
        pdf: render(draft)?,
        translations,
        issued_at: now,
    }))
}

/// Stores a prepared revision, unless another was issued meanwhile or the
/// data changed while it was being rendered.
pub fn store_issue(
    conn: &mut DbConnection,
    actor: &Actor,
    prepared: Prepared,
) -> AppResult<IssuedReport> {
    let latest = store::reports_of_order(conn, prepared.order_id)?
        .last()
        .map_or(0, |r| r.revision);
    let scope_changed = data_hash(conn, prepared.order_id)? != prepared.data_sha256;
    if latest + 1 != prepared.revision || scope_changed {
        return Err(AppError::conflict(
            ErrorCode::ReportChanged,
            Message::new("err-report-changed"),
        ));
    }
    let sha256 = hex(&Sha256::digest(&prepared.pdf));
    let number = report_number(prepared.order_id);
    let changes = serde_json::to_string(&english(&prepared.changes))
        .or_internal("report changes serialise")?;
    let report_id = store::insert_report(
        conn,
        &NewReportRow {
            order_id: prepared.order_id,
            number: &number,
            revision: prepared.revision,
            sha256: &sha256,
            data_sha256: &prepared.data_sha256,
            changes: &changes,
            pdf: &prepared.pdf,
            issued_by: actor.user_id,
            issued_at: prepared.issued_at.naive_utc(),
        },
    )?;
    let mut files = vec![serde_json::json!({"language": "en", "sha256": sha256})];
    for (language, pdf) in &prepared.translations {
        let file_sha256 = hex(&Sha256::digest(pdf));
        store::insert_report_file(
            conn,
            &NewReportFile {
                report_id,
                language: language.tag(),
                sha256: &file_sha256,
                pdf,
            },
        )?;
        files.push(serde_json::json!({"language": language.tag(), "sha256": file_sha256}));
    }
    audit::record(
        conn,
        actor,
        "report.issue",
        format!("order:{}", prepared.order_id),
        serde_json::json!({"number": number, "revision": prepared.revision, "sha256": sha256,
                           "files": files, "changes": english(&prepared.changes)}),
    )?;
    let row = store::reports_of_order(conn, prepared.order_id)?
        .pop()
        .or_internal("the issued report reads back")?;
    issued(conn, row)
}

/// The newest revision when the order's data changed since it was issued.
pub fn outdated_revision(conn: &mut DbConnection, order_id: i64) -> AppResult<Option<i32>> {
    let Some(latest) = store::reports_of_order(conn, order_id)?.pop() else {
        return Ok(None);
    };
    Ok((data_hash(conn, order_id)? != latest.data_sha256).then_some(latest.revision))
}

pub fn list(
    conn: &mut DbConnection,
    order_id: i64,
    visibility: Visibility,
) -> AppResult<Vec<IssuedReport>> {
    crate::service::orders::get_order(conn, order_id, visibility)?;
    store::reports_of_order(conn, order_id)?
        .into_iter()
        .map(|row| issued(conn, row))
        .collect()
}

/// The changes as stored and audited: in English, the service's language.
fn english(changes: &[Message]) -> Vec<String> {
    changes.iter().map(Message::to_string).collect()
}
