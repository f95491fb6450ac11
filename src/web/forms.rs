//! A form's refusal shown where it belongs: each field's message beside the
//! field (and tied to it for screen readers), the rest above the button.
//! The rules are the service's, so a form refuses exactly what the API
//! refuses.

use crate::domain::language::Lang;
use crate::error::AppError;
use crate::i18n::text;
use maud::{html, Markup};
use std::collections::BTreeMap;

/// The messages of a refused form, by field.
#[derive(Debug, Default, Clone)]
pub struct FormErrors {
    fields: BTreeMap<String, String>,
    general: Option<String>,
}

impl FormErrors {
    /// No message: a form shown fresh.
    pub const NONE: FormErrors = FormErrors {
        fields: BTreeMap::new(),
        general: None,
    };

    /// The refusal of `error` in the reader's language: the messages the
    /// catalogues hold replace the service's English.
    pub fn from_error(lang: Lang, error: &AppError) -> Self {
        let mut errors = FormErrors::default();
        for field in &error.errors {
            let message = match &field.said {
                Some(said) => said.in_language(lang),
                None => in_language(lang, &field.message),
            };
            errors.fields.insert(field.field.clone(), message);
        }
        if error.errors.is_empty() {
            errors.general = Some(if error.has_detail_said() {
                error.detail_in(lang)
            } else {
                in_language(lang, &error.detail)
            });
        }
        errors
    }

    /// The same messages, shown above the form's button rather than beside
    /// its fields (for a form that is not the page's main one), after
    /// `label`.
    pub fn into_general(self, label: &str) -> Self {
        let mut messages: Vec<String> = self.general.into_iter().collect();
        messages.extend(self.fields.into_values());
        FormErrors {
            fields: BTreeMap::new(),
            general: Some(format!("{label}: {}", messages.join("; "))),
        }
    }

    /// How many fields were refused.
    pub fn count(&self) -> usize {
        self.fields.len()
    }

    /// The message of one field, if it was refused.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    /// The message beside field `name` (its id is `{name}-error`, which the
    /// field names in `aria-describedby`).
    pub fn beside(&self, name: &str) -> Markup {
        html! {
            @if let Some(message) = self.field(name) {
                p.field-error id={ (name) "-error" } { (message) }
            }
        }
    }

    /// Messages not about one field, and fields the form does not show.
    pub fn general(&self, shown: &[&str]) -> Markup {
        let others: Vec<(&String, &String)> = self
            .fields
            .iter()
            .filter(|(name, _)| !shown.contains(&name.as_str()))
            .collect();
        html! {
            @if let Some(message) = &self.general { p.error role="alert" { (message) } }
            @for (name, message) in others { p.error role="alert" { (name) ": " (message) } }
        }
    }
}

/// The service speaks English; a reader of another language is told so.
pub fn in_language(lang: Lang, message: &str) -> String {
    match lang {
        Lang::En => message.to_string(),
        _ => format!("{}{message}", text(lang, "error-detail-prefix")),
    }
}
