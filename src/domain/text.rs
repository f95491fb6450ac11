//! What a text typed by a person may hold. Control characters (C0
//! U+0000–U+001F, DEL U+007F and C1 U+0080–U+009F) are refused: they are
//! invisible, some are forbidden in XML (a chart's SVG with one does not
//! parse), PostgreSQL cannot store U+0000, and a terminal or spreadsheet
//! may act on them. Free text (comments, reasons, notes) may hold line
//! breaks and tabs; names, codes and numbers may not.

/// Whether a text is one line or free text of several.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// Names, codes, numbers: one line, no control character at all.
    Line,
    /// Comments, reasons, notes: line breaks (LF, CR) and tabs allowed.
    Free,
}

/// Whether `c` is a control character a text of `kind` may not hold.
pub fn is_forbidden(c: char, kind: TextKind) -> bool {
    c.is_control() && !(kind == TextKind::Free && matches!(c, '\n' | '\r' | '\t'))
}

/// A control character found where a text of `kind` may hold none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlCharacter {
    pub character: char,
    pub kind: TextKind,
}

impl std::fmt::Display for ControlCharacter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "must not hold control characters{} (U+{:04X} found)",
            match self.kind {
                TextKind::Line => "",
                TextKind::Free => " other than line breaks and tabs",
            },
            self.character as u32
        )
    }
}

/// The first character of `text` it may not hold.
pub fn check(text: &str, kind: TextKind) -> Result<(), ControlCharacter> {
    match text.chars().find(|&c| is_forbidden(c, kind)) {
        None => Ok(()),
        Some(character) => Err(ControlCharacter { character, kind }),
    }
}

/// Characters of a client's text a message quotes: enough to recognise
/// it, never the whole of a long one.
pub const QUOTED_CHARS: usize = 40;

/// `text` as a message quotes it: its first [`QUOTED_CHARS`] characters,
/// then `…` when there were more.
pub fn excerpt(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(QUOTED_CHARS) {
        None => text.into(),
        Some((end, _)) => format!("{}…", &text[..end]).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_text_is_quoted_by_its_start() {
        assert_eq!(excerpt("flux"), "flux");
        let exact = "é".repeat(QUOTED_CHARS);
        assert_eq!(excerpt(&exact), exact);
        let long = format!("{exact}xyz");
        assert_eq!(excerpt(&long), format!("{exact}…"));
        assert_eq!(
            excerpt(&"x".repeat(5 << 20)).chars().count(),
            QUOTED_CHARS + 1
        );
    }

    #[test]
    fn c0_c1_and_del_are_refused_line_breaks_only_in_free_text() {
        for c in [
            '\u{0}', '\u{7}', '\u{1b}', '\u{7f}', '\u{80}', '\u{85}', '\u{9f}',
        ] {
            assert!(is_forbidden(c, TextKind::Line), "{c:?}");
            assert!(is_forbidden(c, TextKind::Free), "{c:?}");
        }
        for c in ['\n', '\r', '\t'] {
            assert!(is_forbidden(c, TextKind::Line), "{c:?}");
            assert!(!is_forbidden(c, TextKind::Free), "{c:?}");
        }
        for c in [' ', 'é', '\u{a0}', '≤', '€', '\u{2028}'] {
            assert!(!is_forbidden(c, TextKind::Line), "{c:?}");
        }
        assert_eq!(
            check("PO\u{7}1", TextKind::Line).unwrap_err().to_string(),
            "must not hold control characters (U+0007 found)"
        );
        assert!(check("line one\r\n\tline two", TextKind::Free).is_ok());
    }
}
