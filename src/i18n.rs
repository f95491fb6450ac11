//! Translations: one Fluent catalogue per language (`locales/<tag>/
//! lotcheck.ftl`, compiled into the binary), read with Project Fluent's
//! `fluent-bundle`. A key missing in a catalogue falls back to English (and
//! `tests::every_catalogue_has_every_key` fails the build's tests first).

use crate::domain::disposition::{Meaning, Proposal};
use crate::domain::language::{Lang, ReportLanguage};
use crate::domain::message::{Argument, Message};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::collections::BTreeMap;
use std::sync::LazyLock;

const CATALOGUES: [(Lang, &str); 2] = [
    (Lang::En, include_str!("../locales/en/lotcheck.ftl")),
    (Lang::ZhCn, include_str!("../locales/zh-CN/lotcheck.ftl")),
];

struct Catalogue {
    lang: Lang,
    bundle: FluentBundle<FluentResource>,
}

static BUNDLES: LazyLock<Vec<Catalogue>> = LazyLock::new(|| {
    CATALOGUES
        .iter()
        .map(|&(lang, source)| {
            let resource = FluentResource::try_new(source.to_string())
                .unwrap_or_else(|(_, errors)| panic!("{} catalogue: {errors:?}", lang.tag()));
            let id = lang
                .tag()
                .parse()
                .unwrap_or_else(|e| panic!("{} is a language tag: {e}", lang.tag()));
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Pages are one direction; no Unicode isolation marks around
            // arguments (they would show in text fields and copies).
            bundle.set_use_isolating(false);
            bundle
                .add_resource(resource)
                .unwrap_or_else(|errors| panic!("{} catalogue: {errors:?}", lang.tag()));
            Catalogue { lang, bundle }
        })
        .collect()
});

fn bundle(lang: Lang) -> &'static FluentBundle<FluentResource> {
    &BUNDLES
        .iter()
        .find(|c| c.lang == lang)
        .expect("every language has a catalogue")
        .bundle
}

/// The message `key` in `lang`, with `args` (`{ $name }` in the catalogue);
/// English when `lang` lacks it, the key itself when English does too.
pub fn message(lang: Lang, key: &str, args: &[(&str, FluentValue)]) -> String {
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, value.clone());
    }
    [lang, Lang::En]
        .into_iter()
        .find_map(|lang| {
            let bundle = bundle(lang);
            let pattern = bundle.get_message(key)?.value()?;
            let mut errors = Vec::new();
            let args = (!args.is_empty()).then_some(&fluent_args);
            Some(
                bundle
                    .format_pattern(pattern, args, &mut errors)
                    .into_owned(),
            )
        })
        .unwrap_or_else(|| key.to_string())
}

impl Message {
    /// The message in `lang`'s words (English where that catalogue lacks it).
    pub fn in_language(&self, lang: Lang) -> String {
        let args: Vec<(&str, FluentValue)> = self
            .args
            .iter()
            .map(|(name, value)| {
                let text = match value {
                    Argument::Text(text) => text.clone(),
                    Argument::Message(inner) => inner.in_language(lang),
                };
                (*name, text.into())
            })
            .collect();
        message(lang, self.key, &args)
    }
}

/// The message in English, the service's own language (logs, and the
/// text of an answer before the reader's language is known).
impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.in_language(Lang::En))
    }
}

/// Whether the catalogue of `lang` has `key` (English counts as a fallback
/// only through [`message`]).
fn has(lang: Lang, key: &str) -> bool {
    bundle(lang).get_message(key).is_some()
}

/// A moment as pages and reports show it: in the site's zone, with the
/// zone named (times are stored in UTC).
pub fn when_in(moment: chrono::DateTime<chrono::Utc>, zone: chrono_tz::Tz) -> String {
    let local = moment.with_timezone(&zone);
    format!("{} {}", local.format("%Y-%m-%d %H:%M"), zone.name())
}

/// The catalogue key of a product's technical parameter's label:
/// `rated_power_w` → `param-rated-power-w`.
pub fn parameter_key(parameter: &str) -> String {
    format!("param-{}", parameter.replace('_', "-"))
}

/// Whether the catalogues have `key` (English holds every key).
pub fn has_key(key: &str) -> bool {
    has(Lang::En, key)
}

/// The title of a problem's `code` in `lang` (key `problem-<code>`, with
/// `_` written `-`), when the catalogue has it.
pub fn problem_title(lang: Lang, code: &str) -> Option<String> {
    let key = format!("problem-{}", code.replace('_', "-"));
    has(lang, &key).then(|| text(lang, &key))
}

/// The message `key` in `lang`, without arguments.
pub fn text(lang: Lang, key: &str) -> String {
    message(lang, key, &[])
}

/// A signed decision's meaning in `lang`, in lower case where the
/// language has case ("released under concession").
pub fn meaning_text(lang: Lang, meaning: Meaning) -> String {
    text(
        lang,
        match meaning {
            Meaning::Released => "meaning-released",
            Meaning::ReleasedUnderConcession => "meaning-released-under-concession",
            Meaning::OnHold => "meaning-on-hold",
            Meaning::Rejected => "meaning-rejected",
        },
    )
}

/// What the data propose for a batch, in `lang`.
pub fn proposal_text(lang: Lang, proposal: Proposal) -> String {
    text(
        lang,
        match proposal {
            Proposal::Accept => "proposal-accept",
            Proposal::Reject => "proposal-reject",
            Proposal::Hold => "proposal-hold",
        },
    )
}

/// `text` with its first letter in upper case, as a table cell or the
/// start of a sentence shows a lower-case message.
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Text of a report in its language(s): `write` gives it in one language;
/// a bilingual report joins each language's text with `separator`, once
/// when they read the same (a unit, a number).
pub fn in_report(
    language: ReportLanguage,
    separator: &str,
    write: impl Fn(Lang) -> String,
) -> String {
    let mut texts: Vec<String> = Vec::with_capacity(2);
    for &lang in language.languages() {
        let text = write(lang);
        if !texts.contains(&text) {
            texts.push(text);
        }
    }
    texts.join(separator)
}

/// A heading or label of a report: "批次 / Batch" when bilingual.
pub fn label(language: ReportLanguage, key: &str) -> String {
    in_report(language, " / ", |lang| text(lang, key))
}

/// A number to `decimals` places with its thousands grouped by commas,
/// as quantities print in English and in Chinese alike (12,500).
pub fn grouped(value: f64, decimals: usize) -> String {
    let fixed = format!("{value:.decimals$}");
    let (whole, fraction) = fixed.split_once('.').unwrap_or((&fixed, ""));
    let (sign, digits) = whole.strip_prefix('-').map_or(("", whole), |d| ("-", d));
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    match fraction {
        "" => format!("{sign}{out}"),
        fraction => format!("{sign}{out}.{fraction}"),
    }
}

/// A sentence of a report with its arguments: Chinese, then English on
/// the next line, when bilingual.
pub fn sentence(language: ReportLanguage, key: &str, args: &[(&str, FluentValue)]) -> String {
    in_report(language, "\n", |lang| message(lang, key, args))
}

/// Every message whose key starts with `prefix`, unformatted arguments left
/// as `{$name}` for a script to fill (the inspector app's messages).
pub fn messages_with_prefix(lang: Lang, prefix: &str) -> BTreeMap<String, String> {
    keys(CATALOGUES[0].1)
        .filter(|key| key.starts_with(prefix))
        .map(|key| (key.to_string(), text(lang, key)))
        .collect()
}

/// The message keys of a catalogue's source, in order.
fn keys(source: &str) -> impl Iterator<Item = &str> {
    source.lines().filter_map(|line| {
        let (key, _) = line.split_once(" =")?;
        let first = key.chars().next()?;
        (first.is_ascii_lowercase()
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
        .then_some(key)
    })
}

#[cfg(test)]
mod tests {

    #[test]
    fn thousands_are_grouped_and_decimals_kept() {
        assert_eq!(super::grouped(1234567.0, 0), "1,234,567");
        assert_eq!(super::grouped(999.0, 0), "999");
        assert_eq!(super::grouped(1000.5, 1), "1,000.5");
        assert_eq!(super::grouped(55.0, 3), "55.000");
        assert_eq!(super::grouped(-12345.678, 2), "-12,345.68");
    }
    use super::*;
    use std::collections::BTreeSet;

    /// A key in one catalogue and not the other fails here, naming it.
    #[test]
    fn every_catalogue_has_every_key() {
        let key_sets: Vec<(Lang, BTreeSet<&str>)> = CATALOGUES
            .iter()
            .map(|&(lang, source)| (lang, keys(source).collect()))
            .collect();
        let (_, english) = &key_sets[0];
        assert!(english.len() > 100, "the English catalogue is read");
        for (lang, found) in &key_sets[1..] {
            let missing: Vec<_> = english.difference(found).collect();
            let extra: Vec<_> = found.difference(english).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{}: missing {missing:?}, not in English {extra:?}",
                lang.tag()
            );
        }
        // Every catalogue parses, and every key resolves in it.
        for &(lang, source) in &CATALOGUES {
            for key in keys(source) {
                assert!(
                    bundle(lang)
                        .get_message(key)
                        .and_then(|m| m.value())
                        .is_some(),
                    "{} {key}",
                    lang.tag()
                );
            }
        }
    }

    /// Every key the source names with `Message::new` is one of the
    /// catalogues: a typo would otherwise show the bare key to the reader.
    #[test]
    fn every_message_the_code_names_is_catalogued() {
        fn sources(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).expect("the source folder reads") {
                let path = entry.expect("a folder entry reads").path();
                if path.is_dir() {
                    sources(&path, found);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    found.push(path);
                }
            }
        }
        let mut files = Vec::new();
        sources(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let opening = concat!("Message::new", "(\"");
        let mut named = 0;
        for file in files {
            let source = std::fs::read_to_string(&file).expect("a source file reads");
            for (at, _) in source.match_indices(opening) {
                let rest = &source[at + opening.len()..];
                let key = &rest[..rest.find('"').expect("the key's literal closes")];
                named += 1;
                assert!(has(Lang::En, key), "{}: no key {key}", file.display());
            }
        }
        assert!(named > 50, "the source is read ({named} messages)");
    }

    #[test]
    fn messages_take_their_arguments_and_fall_back_to_english() {
        assert_eq!(
            message(Lang::ZhCn, "app-unit", &[("unit", 42.into())]),
            "样品 42"
        );
        assert_eq!(
            message(
                Lang::En,
                "app-units-range",
                &[
                    ("first", 1.into()),
                    ("last", 50.into()),
                    ("total", 120.into())
                ]
            ),
            "Units 1–50 of 120"
        );
        assert_eq!(text(Lang::ZhCn, "no-such-key"), "no-such-key");
        let app = messages_with_prefix(Lang::ZhCn, "app-");
        assert_eq!(
            app["app-pending"], "待发送 {$count} 条",
            "arguments left for the script"
        );
        assert!(app.keys().all(|k| k.starts_with("app-")));
    }
}
