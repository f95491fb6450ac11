//! Use cases. Each public function runs inside the one transaction its
//! caller opened ([`crate::store::Db::write`] or `read`), applies the domain
//! rules and reads or writes through `store`. The API, the web pages and the
//! CLI all go through here.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod batches;
pub mod calculators;
pub mod capability;
pub mod catalog;
pub mod charts;
mod client_records;
pub mod colour;
pub mod control_charts;
pub mod dashboard;
pub mod delivery;
pub mod dispositions;
pub mod imports;
pub mod limits;
pub mod materials;
pub mod measurements;
pub mod ncrs;
pub mod operations;
pub mod order_pass;
pub mod orders;
pub mod photos;
pub mod plans;
pub mod reports;
pub mod sampling;
pub mod shipping;
pub mod signatures;
pub mod statistics;
pub mod suppliers;
pub mod switching;
pub mod trace;
pub mod visual;
pub mod worksheet;
pub mod yields;

use crate::domain::text::{self, TextKind};
use crate::error::{AppResult, Message, OrInternal, Words};
use crate::store::{PageOf, PageRequest};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use utoipa::ToSchema;

/// One page of a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// 1-based page number.
    pub page: i64,
    pub per_page: i64,
    /// Number of items on all pages.
    pub total: i64,
}

impl<T> Page<T> {
    pub fn from_rows<R>(rows: PageOf<R>, request: PageRequest, view: impl FnMut(R) -> T) -> Self {
        Self {
            items: rows.items.into_iter().map(view).collect(),
            page: request.page,
            per_page: request.per_page,
            total: rows.total,
        }
    }
}

/// The name serde gives a unit enum value (`"released"`): the form in
/// which such values are stored.
pub(crate) fn enum_text<T: Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// A unit enum value stored by [`enum_text`], read back.
#[track_caller]
pub(crate) fn parse_enum<T: DeserializeOwned>(stored: &str) -> AppResult<T> {
    serde_json::from_value(serde_json::Value::String(stored.to_string()))
        .or_internal("a stored enum name parses")
}

/// Stored timestamps are UTC without a zone; answers carry the zone.
pub fn utc(time: NaiveDateTime) -> DateTime<Utc> {
    time.and_utc()
}

/// The time an entry was taken on the inspector's device, as stored:
/// devices' clocks drift, so any past time is kept as the device said, but
/// one more than a day ahead of the server's clock is refused (the device's
/// clock is wrong, and the entry would sort after everything recorded later).
pub fn device_time(taken_at: Option<DateTime<Utc>>) -> Result<Option<NaiveDateTime>, Message> {
    match taken_at {
        Some(time) if time > Utc::now() + chrono::TimeDelta::days(1) => {
            Err(Message::new("err-device-time-ahead")
                .arg("time", time.to_rfc3339())
                .arg("now", Utc::now().format("%Y-%m-%d %H:%M UTC")))
        }
        Some(time) => Ok(Some(time.naive_utc())),
        None => Ok(None),
    }
}

/// A day something happened (received, checked, claimed): today at the
/// latest, or tomorrow for a site ahead of UTC; absent, today.
pub fn day_not_ahead(
    day: Option<chrono::NaiveDate>,
    field: &str,
    problems: &mut crate::error::Violations,
) -> chrono::NaiveDate {
    let today = Utc::now().date_naive();
    let day = day.unwrap_or(today);
    if day > today + chrono::Days::new(1) {
        problems.add(
            field,
            Message::new("err-day-ahead").arg("day", day.to_string()),
        );
    }
    day
}

/// Trims a required one-line text field (a name, a code, a number),
/// answering the message for an empty one, one longer than `max`
/// characters, or one holding a control character (a line break included).
pub fn required_text(value: &str, max: usize) -> Result<&str, Words> {
    required(value, max, TextKind::Line)
}

/// As [`required_text`], for free text (a comment, a reason, a note): line
/// breaks and tabs are allowed, other control characters are not.
pub fn required_free_text(value: &str, max: usize) -> Result<&str, Words> {
    required(value, max, TextKind::Free)
}

fn required(value: &str, max: usize, kind: TextKind) -> Result<&str, Words> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        Err(Message::new("err-empty").into())
    } else if trimmed.chars().count() > max {
        Err(Message::new("err-too-long").arg("max", max).into())
    } else {
        text::check(trimmed, kind)
            .map(|()| trimmed)
            .map_err(Words::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fields_refuse_control_characters() {
        assert_eq!(required_text("  PO-1 ", 10), Ok("PO-1"));
        assert!(required_text("PO\u{7}1", 10).is_err());
        assert!(required_text("PO\n1", 10).is_err());
        assert!(required_text("PO\u{85}1", 10).is_err());
        assert_eq!(required_free_text("a\r\n\tb", 10), Ok("a\r\n\tb"));
        assert!(required_free_text("a\u{7f}b", 10).is_err());
    }
}
