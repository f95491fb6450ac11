//! The forms of pages that hold several: what was entered, read into a
//! service's request with each unreadable field named; the refused form
//! shown again with its entries and messages, the others fresh.

use super::forms::FormErrors;
use super::session::{PageError, Session};
use crate::domain::access::Permission;
use crate::error::{AppError, AppResult, Message, Violations};
use crate::store::{Db, DbConnection};
use actix_web::http::StatusCode;
use chrono::NaiveDate;
use maud::{html, Markup};
use serde::de::DeserializeOwned;
use std::collections::HashMap;

/// A submitted form: every field by its name, as typed.
#[derive(Debug, Default, Clone)]
pub struct Entered(HashMap<String, String>);

impl Entered {
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Entered(pairs.into_iter().collect())
    }

    /// A field as typed; empty when the form did not send it.
    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map_or("", String::as_str)
    }

    /// A field without its surrounding blanks.
    pub fn text(&self, name: &str) -> String {
        self.get(name).trim().to_string()
    }

    /// A field left empty is none.
    pub fn optional(&self, name: &str) -> Option<String> {
        Some(self.text(name)).filter(|text| !text.is_empty())
    }

    /// A required whole number; its absence or a text that is not one is
    /// noted against the field.
    pub fn integer(&self, name: &str, problems: &mut Violations) -> Option<i64> {
        self.required(name, problems)
            .and_then(|_| self.optional_integer(name, problems))
    }

    pub fn optional_integer(&self, name: &str, problems: &mut Violations) -> Option<i64> {
        let text = self.optional(name)?;
        let parsed = text.parse::<i64>().ok();
        if parsed.is_none() {
            problems.add(
                name,
                Message::new("err-not-a-whole-number").arg("text", text),
            );
        }
        parsed
    }

    /// A required decimal number (a decimal comma is read as a point: a
    /// tablet's keyboard may offer only the comma).
    pub fn decimal(&self, name: &str, problems: &mut Violations) -> Option<f64> {
        self.required(name, problems)
            .and_then(|_| self.optional_decimal(name, problems))
    }

    pub fn optional_decimal(&self, name: &str, problems: &mut Violations) -> Option<f64> {
        let text = self.optional(name)?;
        let parsed = text
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite());
        if parsed.is_none() {
            problems.add(name, Message::new("err-not-a-number").arg("text", text));
        }
        parsed
    }

    /// A date as a date field sends it (YYYY-MM-DD); empty is none.
    pub fn date(&self, name: &str, problems: &mut Violations) -> Option<NaiveDate> {
        let text = self.optional(name)?;
        let parsed = NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok();
        if parsed.is_none() {
            problems.add(name, Message::new("err-date").arg("text", text));
        }
        parsed
    }

    /// One of a set of choices, read as the API reads it (its snake_case
    /// name); `choices` names them in the refusal.
    pub fn choice<T: DeserializeOwned>(
        &self,
        name: &str,
        choices: &str,
        problems: &mut Violations,
    ) -> Option<T> {
        self.required(name, problems)?;
        let parsed = serde_json::from_value(serde_json::Value::String(self.text(name))).ok();
        if parsed.is_none() {
            problems.add(name, Message::new("err-one-of").arg("choices", choices));
        }
        parsed
    }

    /// Whether a check box was ticked.
    pub fn checked(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    fn required(&self, name: &str, problems: &mut Violations) -> Option<()> {
        if self.get(name).trim().is_empty() {
            problems.add(name, Message::new("err-required"));
            return None;
        }
        Some(())
    }
}

/// A refused form of a page that holds several: which form, what was
/// entered, and the messages; the page is shown again with them.
pub struct Refusal {
    pub form: &'static str,
    pub entered: Entered,
    pub errors: FormErrors,
    pub status: StatusCode,
}

impl Refusal {
    /// The refusal of `form` by `error`; an error that is not about the
    /// form (no such record, not allowed) is a page of its own.
    pub fn of(
        session: &Session,
        form: &'static str,
        entered: Entered,
        error: AppError,
    ) -> Result<Self, PageError> {
        match error.status().as_u16() {
            409 | 422 | 429 => Ok(Refusal {
                form,
                errors: FormErrors::from_error(session.lang, &error),
                entered,
                status: error.status(),
            }),
            _ => Err(error.into()),
        }
    }
}

static NO_ERRORS: FormErrors = FormErrors::NONE;

/// One form of a page, drawn with what was entered and refused when it is
/// the refused one, empty otherwise.
pub struct FormView<'a> {
    session: &'a Session,
    entered: Option<&'a Entered>,
    errors: &'a FormErrors,
    /// Ids are prefixed with the form's name: a page holds several forms.
    form: &'static str,
}

impl<'a> FormView<'a> {
    pub fn new(session: &'a Session, refused: Option<&'a Refusal>, form: &'static str) -> Self {
        let mine = refused.filter(|r| r.form == form);
        FormView {
            session,
            entered: mine.map(|r| &r.entered),
            errors: mine.map_or(&NO_ERRORS, |r| &r.errors),
            form,
        }
    }

    /// What was entered in `name`, or `default` on a fresh form.
    pub fn value<'b>(&'b self, name: &str, default: &'b str) -> &'b str {
        self.entered.map_or(default, |e| e.get(name))
    }

    fn id(&self, name: &str) -> String {
        format!("{}-{name}", self.form)
    }

    /// The label, the message of a refused field, and the field.
    fn labelled(&self, name: &str, label_key: &str, field: Markup) -> Markup {
        let id = self.id(name);
        html! {
            div {
                label for=(id) { (self.session.t(label_key)) }
                (field)
                @if let Some(message) = self.errors.field(name) {
                    p.field-error id={ (id) "-error" } { (message) }
                }
            }
        }
    }

    fn refused(&self, name: &str) -> (Option<&'static str>, Option<String>) {
        let refused = self.errors.field(name).is_some();
        (
            refused.then_some("true"),
            refused.then(|| format!("{}-error", self.id(name))),
        )
    }

    /// A text input; `kind` is its type (text, date, password) and `mode`
    /// the keyboard a tablet shows (text, numeric, decimal).
    pub fn input(
        &self,
        name: &str,
        label_key: &str,
        kind: &str,
        mode: &str,
        default: &str,
    ) -> Markup {
        let (invalid, described) = self.refused(name);
        let value = if kind == "password" {
            ""
        } else {
            self.value(name, default)
        };
        let autocomplete = if kind == "password" {
            "current-password"
        } else {
            "off"
        };
        self.labelled(
            name,
            label_key,
            html! {
                input id=(self.id(name)) type=(kind) name=(name) value=(value) inputmode=(mode)
                    autocomplete=(autocomplete) aria-invalid=[invalid] aria-describedby=[described];
            },
        )
    }

    /// A choice among `options` (value, words).
    pub fn select(
        &self,
        name: &str,
        label_key: &str,
        options: &[(String, String)],
        default: &str,
    ) -> Markup {
        let (invalid, described) = self.refused(name);
        let chosen = self.value(name, default);
        self.labelled(
            name,
            label_key,
            html! {
                select id=(self.id(name)) name=(name) aria-invalid=[invalid] aria-describedby=[described] {
                    @for (value, words) in options {
                        option value=(value) selected[chosen == value] { (words) }
                    }
                }
            },
        )
    }

    pub fn textarea(&self, name: &str, label_key: &str) -> Markup {
        self.textarea_with(name, label_key, "")
    }

    /// A text area holding `default` on a fresh form (what is recorded).
    pub fn textarea_with(&self, name: &str, label_key: &str, default: &str) -> Markup {
        let (invalid, described) = self.refused(name);
        self.labelled(
            name,
            label_key,
            html! {
                textarea id=(self.id(name)) name=(name) rows="3" aria-invalid=[invalid] aria-describedby=[described] {
                    (self.value(name, default))
                }
            },
        )
    }

    /// A check box, ticked on a fresh form when `default`.
    pub fn checkbox(&self, name: &str, label_key: &str, default: bool) -> Markup {
        let ticked = self.entered.map_or(default, |e| e.checked(name));
        html! {
            label.choice {
                input type="checkbox" name=(name) value="on" checked[ticked];
                " " (self.session.t(label_key))
            }
        }
    }

    /// The session's CSRF token, which every form that changes data sends.
    pub fn csrf(&self) -> Markup {
        html! { input type="hidden" name="csrf" value=(self.session.csrf); }
    }

    /// The messages not shown beside a field of `shown`.
    pub fn general(&self, shown: &[&str]) -> Markup {
        self.errors.general(shown)
    }
}

/// A posted form, its CSRF token and `permission` checked first.
pub fn posted(
    session: &Session,
    form: actix_web::web::Form<Vec<(String, String)>>,
    permission: Permission,
) -> Result<Entered, PageError> {
    allowed(session, Entered::new(form.into_inner()), permission)
}

/// What a form sent (e.g. with files), its CSRF token and `permission`
/// checked.
pub fn allowed(
    session: &Session,
    entered: Entered,
    permission: Permission,
) -> Result<Entered, PageError> {
    session.check_csrf(entered.get("csrf"))?;
    session.caller.require(permission)?;
    Ok(entered)
}

/// Stores the request a form was read into, in one write transaction; a
/// form that could not be read is refused as it was.
pub async fn store<R, T>(
    db: &Db,
    request: AppResult<R>,
    work: impl FnOnce(&mut DbConnection, R) -> AppResult<T> + Send + 'static,
) -> AppResult<T>
where
    R: Send + 'static,
    T: Send + 'static,
{
    let request = request?;
    db.write(move |c| work(c, request)).await
}
