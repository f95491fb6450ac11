//! The languages pages and reports are written in, and which one a browser
//! asks for.
//!
//! `Accept-Language` is read as RFC 9110 §12.5.4 says: comma-separated
//! language ranges, each with an optional quality `q` (0 to 1, default 1);
//! the range of highest quality that names a language here wins, ties going
//! to the earlier. A range matches by its primary subtag (`zh`, `zh-CN`,
//! `zh-Hans`, `zh-SG` all ask for Simplified Chinese; `zh-TW` and `zh-HK`,
//! traditional script, are not offered and fall through).

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Lang {
    En,
    ZhCn,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhCn];

    /// The BCP 47 tag, as in `<html lang>` and the catalogue's directory.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    /// The language's own name, as a switch offers it.
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::ZhCn => "中文",
        }
    }

    /// A language tag or range (case-insensitive) this service writes in.
    pub fn parse(text: &str) -> Option<Lang> {
        let lower = text.trim().to_ascii_lowercase();
        let mut subtags = lower.split(['-', '_']);
        match subtags.next()? {
            "en" => Some(Lang::En),
            "zh" => {
                let rest: Vec<&str> = subtags.collect();
                let traditional = rest
                    .iter()
                    .any(|s| matches!(*s, "hant" | "tw" | "hk" | "mo"));
                (!traditional).then_some(Lang::ZhCn)
            }
            _ => None,
        }
    }

    /// The language an `Accept-Language` header asks for, if any is offered.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for range in header.split(',') {
            let mut parts = range.split(';');
            let Some(lang) = parts.next().and_then(Lang::parse) else {
                continue;
            };
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, lang));
            }
        }
        best.map(|(_, lang)| lang)
    }
}

/// The language(s) a QC report is written in: one, or Chinese and English
/// on the same page (every heading, label and sentence in both, Chinese
/// first), for a customer whose readers do not share one language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum ReportLanguage {
    #[default]
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "bilingual")]
    Bilingual,
}

impl ReportLanguage {
    pub const ALL: [ReportLanguage; 3] = [
        ReportLanguage::En,
        ReportLanguage::ZhCn,
        ReportLanguage::Bilingual,
    ];

    /// `en`, `zh-CN` or `bilingual`, as a query and the API name it.
    pub fn tag(self) -> &'static str {
        match self {
            ReportLanguage::En => "en",
            ReportLanguage::ZhCn => "zh-CN",
            ReportLanguage::Bilingual => "bilingual",
        }
    }

    /// A tag as [`tag`](Self::tag) gives it, or any tag of a language.
    pub fn parse(text: &str) -> Option<ReportLanguage> {
        if text.trim().eq_ignore_ascii_case("bilingual") {
            return Some(ReportLanguage::Bilingual);
        }
        Lang::parse(text).map(ReportLanguage::from)
    }

    /// The languages it is written in, in the order they are printed.
    pub fn languages(self) -> &'static [Lang] {
        match self {
            ReportLanguage::En => &[Lang::En],
            ReportLanguage::ZhCn => &[Lang::ZhCn],
            ReportLanguage::Bilingual => &[Lang::ZhCn, Lang::En],
        }
    }

    /// The language that leads: the document's declared language.
    pub fn primary(self) -> Lang {
        self.languages()[0]
    }
}

impl From<Lang> for ReportLanguage {
    fn from(lang: Lang) -> Self {
        match lang {
            Lang::En => ReportLanguage::En,
            Lang::ZhCn => ReportLanguage::ZhCn,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Lang, ReportLanguage};

    #[test]
    fn report_languages_read_their_tags() {
        for language in ReportLanguage::ALL {
            assert_eq!(ReportLanguage::parse(language.tag()), Some(language));
        }
        assert_eq!(ReportLanguage::parse("zh"), Some(ReportLanguage::ZhCn));
        assert_eq!(ReportLanguage::parse("fr"), None);
        assert_eq!(
            ReportLanguage::Bilingual.languages(),
            [Lang::ZhCn, Lang::En]
        );
    }

    #[test]
    fn tags_and_ranges_name_the_languages() {
        for (text, lang) in [
            ("en", Some(Lang::En)),
            ("en-GB", Some(Lang::En)),
            ("zh", Some(Lang::ZhCn)),
            ("zh-CN", Some(Lang::ZhCn)),
            ("zh-Hans-CN", Some(Lang::ZhCn)),
            ("zh_cn", Some(Lang::ZhCn)),
            ("zh-TW", None),
            ("zh-Hant", None),
            ("de", None),
            ("", None),
        ] {
            assert_eq!(Lang::parse(text), lang, "{text}");
        }
    }

    /// The examples of RFC 9110 §12.5.4 and a browser's usual headers.
    #[test]
    fn accept_language_picks_the_highest_quality_offered() {
        for (header, lang) in [
            ("da, en-gb;q=0.8, en;q=0.7", Some(Lang::En)),
            ("zh-CN,zh;q=0.9,en;q=0.8", Some(Lang::ZhCn)),
            ("en-US,en;q=0.9,zh-CN;q=0.8", Some(Lang::En)),
            ("de;q=1, zh;q=0.5, en;q=0.4", Some(Lang::ZhCn)),
            ("zh-TW,zh;q=0.9", Some(Lang::ZhCn)),
            ("en;q=0, zh", Some(Lang::ZhCn)),
            ("fr-CH, fr;q=0.9, de;q=0.7", None),
            ("", None),
        ] {
            assert_eq!(Lang::from_accept_language(header), lang, "{header}");
        }
    }
}
