//! A batch's disposition in the browser: what the data propose and why,
//! the decision in force and those it superseded, and the signing form (the
//! signer's password again, the meaning, a comment) for leads. The rules
//! and the sign-in throttle are the API's ([`dispositions::sign_as_person`]).

use super::forms::{in_language, FormErrors};
use super::session::Session;
use crate::domain::access::{permits, Permission};
use crate::domain::disposition::{BatchDisposition, Disposition, Finding, Meaning, Proposal};
use crate::domain::language::Lang;
pub use crate::i18n::{meaning_text, proposal_text};
use crate::i18n::{message, text};
use fluent_bundle::FluentValue;
use maud::{html, Markup};

/// What the signing form shows: the reader's last entries (never the
/// password) and why they were refused.
#[derive(Default)]
pub struct SignForm {
    pub meaning: Option<Meaning>,
    pub comment: String,
    pub errors: FormErrors,
}

const MEANINGS: [Meaning; 4] = [
    Meaning::Released,
    Meaning::ReleasedUnderConcession,
    Meaning::OnHold,
    Meaning::Rejected,
];

fn meaning_value(meaning: Meaning) -> &'static str {
    match meaning {
        Meaning::Released => "released",
        Meaning::ReleasedUnderConcession => "released_under_concession",
        Meaning::OnHold => "on_hold",
        Meaning::Rejected => "rejected",
    }
}

/// The meaning a form's value names.
pub fn meaning_from(value: &str) -> Option<Meaning> {
    MEANINGS.into_iter().find(|m| meaning_value(*m) == value)
}

fn meaning_tone(meaning: Meaning) -> &'static str {
    match meaning {
        Meaning::Released => "good",
        Meaning::ReleasedUnderConcession | Meaning::OnHold => "warn",
        Meaning::Rejected => "bad",
    }
}

/// A decision's meaning, coloured by what it means for the goods.
pub fn meaning_badge(lang: Lang, meaning: Meaning) -> Markup {
    html! { strong class=(meaning_tone(meaning)) { (meaning_text(lang, meaning)) } }
}

/// A reason of a proposal in `lang`.
pub fn finding_text(lang: Lang, finding: &Finding) -> String {
    match finding.message() {
        Some((key, numbers)) => {
            let args: Vec<(&str, FluentValue)> = numbers
                .into_iter()
                .map(|(name, value)| (name, value.into()))
                .collect();
            message(lang, key, &args)
        }
        None => in_language(lang, &finding.english()),
    }
}

fn decision(session: &Session, d: &Disposition) -> Markup {
    let lang = session.lang;
    html! {
        p {
            strong class=(meaning_tone(d.meaning)) { (meaning_text(lang, d.meaning)) }
            " · " (message(lang, "decision-signed", &[("who", d.signed_by.as_str().into()), ("when", session.when(d.signed_at).into())]))
        }
        blockquote.comment { (d.comment) }
        @if d.data_changed_since {
            p.warn { (text(lang, "decision-data-changed")) }
        }
    }
}

/// The disposition card of a batch page.
pub fn card(session: &Session, batch_id: i64, d: &BatchDisposition, form: &SignForm) -> Markup {
    let lang = session.lang;
    let t = |key: &str| text(lang, key);
    let proposal = &d.recommendation.proposal;
    let may_sign = permits(session.caller.role, Permission::SignDispositions);
    let superseded: Vec<&Disposition> = d
        .history
        .iter()
        .rev()
        .filter(|h| Some(h.id) != d.current.as_ref().map(|c| c.id))
        .collect();
    let chosen = form.meaning;
    let release_possible = *proposal == Proposal::Accept;
    html! {
        div.card #disposition {
            h2 { (t("disposition-heading")) }
            p { (t("proposal-label")) (t("label-colon"))
                strong class=(match proposal { Proposal::Accept => "good", Proposal::Reject => "bad", Proposal::Hold => "warn" }) {
                    (proposal_text(lang, *proposal)) }
            }
            ul.reasons { @for finding in &d.recommendation.findings { li { (finding_text(lang, finding)) } } }
            h3 { (t("decision-in-force")) }
            @match &d.current {
                Some(current) => (decision(session, current)),
                None => p.muted { (t("decision-none")) },
            }
            @if !superseded.is_empty() {
                details {
                    summary { (message(lang, "decisions-superseded", &[("count", superseded.len().into())])) }
                    @for old in superseded { div.superseded { (decision(session, old)) } }
                }
            }
            @if may_sign {
                form.sign method="post" action={ "/batches/" (batch_id) "/disposition" } novalidate {
                    h3 { @if d.current.is_some() { (t("sign-change-heading")) } @else { (t("sign-heading")) } }
                    input type="hidden" name="csrf" value=(session.csrf);
                    @if let Some(current) = &d.current { input type="hidden" name="supersedes" value=(current.id); }
                    fieldset.choices aria-describedby=[form.errors.field("meaning").map(|_| "meaning-error")] {
                        legend { (t("sign-meaning")) }
                        @for meaning in MEANINGS {
                            @let id = format!("meaning-{}", meaning_value(meaning));
                            @let disabled = meaning == Meaning::Released && !release_possible;
                            label.choice.disabled[disabled] for=(id) {
                                input #(id) type="radio" name="meaning" value=(meaning_value(meaning))
                                    checked[chosen == Some(meaning)] disabled[disabled] required;
                                span { (meaning_text(lang, meaning)) }
                            }
                        }
                        @if !release_possible { p.muted { (t("sign-release-needs-accept")) } }
                    }
                    (form.errors.beside("meaning"))
                    label for="comment" { (t("sign-comment")) }
                    textarea #comment name="comment" rows="3" required maxlength="2000"
                        aria-invalid=[form.errors.field("comment").map(|_| "true")]
                        aria-describedby=[form.errors.field("comment").map(|_| "comment-error")] { (form.comment) }
                    (form.errors.beside("comment"))
                    label for="password" { (t("sign-password")) }
                    input #password type="password" name="password" autocomplete="current-password" required
                        aria-invalid=[form.errors.field("password").map(|_| "true")]
                        autofocus[form.errors.field("password").is_some()]
                        aria-describedby={ "password-hint" @if form.errors.field("password").is_some() { " password-error" } };
                    (form.errors.beside("password"))
                    p.muted #password-hint { (t("sign-password-hint")) }
                    (form.errors.general(&["meaning", "comment", "password"]))
                    button type="submit" { (t("sign-button")) }
                }
            }
        }
    }
}
