//! Bytes → text with encoding detection, and the normalisation used to compare names.

use crate::diag::{Code, Error, Location, Result};
use std::path::Path;
use unicode_normalization::UnicodeNormalization;

/// Decode UTF-8 (with or without BOM) or Shift_JIS/CP932, the two encodings Japanese
/// spreadsheets write. Anything else is refused with the offending line, never replaced.
pub fn decode(path: &Path, mut bytes: Vec<u8>) -> Result<String> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    // UTF-8 becomes the text without a copy.
    let bytes = match crate::utf8::string(bytes) {
        Ok(text) => return Ok(text),
        Err(bytes) => bytes,
    };
    let bytes = bytes.as_slice();
    let (text, _, had_errors) = encoding_rs::SHIFT_JIS.decode(bytes);
    if !had_errors {
        return Ok(text.into_owned());
    }
    let utf8_err = std::str::from_utf8(bytes).expect_err("checked above");
    let at = utf8_err.valid_up_to();
    let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    let col = at - bytes[..at].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1) + 1;
    Err(Error::at(
        Code::Encoding,
        Location::new(path, line).with_col(col),
        "text is neither UTF-8 nor Shift_JIS (CP932); save it as UTF-8",
    ))
}

/// Refuse a text holding a NUL, at its line and character column. No table text holds
/// one: it comes from a damaged file or from UTF-16 (which this reader does not take), and
/// passed on it would end C strings early in whatever reads the site's data next.
pub fn refuse_nul(path: &Path, text: &str) -> Result<()> {
    let Some(at) = memchr::memchr(0, text.as_bytes()) else { return Ok(()) };
    let before = &text[..at];
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    let line = before.matches('\n').count() + 1;
    let col = before[line_start..].chars().count() + 1;
    Err(Error::at(
        Code::Nul,
        Location::new(path, line).with_col(col),
        "a NUL character: table text never holds one (is the file damaged, or UTF-16?); save it as UTF-8",
    ))
}

/// The key two spellings are compared by: NFKC (full/half width), no white space.
pub fn key(s: &str) -> String {
    // The usual name (see `full_width_only`) in one pass; any other takes the full way.
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\u{FF01}'..='\u{FF5E}' => out.push(char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)),
            '\u{3000}' => {}
            c if stable(c) => {
                if !c.is_whitespace() {
                    out.push(c)
                }
            }
            _ => return nfkc(s).chars().filter(|c| !c.is_whitespace()).collect(),
        }
    }
    out
}

/// `s` in NFKC. Most text is in NFKC already, which the quick check tells without
/// decomposing it; that text is borrowed as it is.
pub fn nfkc(s: &str) -> std::borrow::Cow<'_, str> {
    // The usual Japanese name is made of stable characters only: that is told by ranges,
    // without the quick check's table lookups.
    if s.chars().all(stable) {
        return s.into();
    }
    match unicode_normalization::is_nfkc_quick(s.chars()) {
        unicode_normalization::IsNormalized::Yes => s.into(),
        _ => match full_width_only(s) {
            Some(narrow) => narrow.into(),
            None => s.nfkc().collect::<String>().into(),
        },
    }
}

/// The NFKC of a text whose only characters that NFKC changes are full-width ASCII forms
/// (U+FF01–U+FF5E, each one ASCII character) and the ideographic space, beside characters it
/// leaves alone and that nothing composes with: the usual Japanese name, `作業(経過管理)`.
/// Done without decomposing; `None` for any other text, which takes the full algorithm.
fn full_width_only(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\u{FF01}'..='\u{FF5E}' => out.push(char::from_u32(c as u32 - 0xFEE0)?),
            '\u{3000}' => out.push(' '),
            c if stable(c) => out.push(c),
            _ => return None,
        }
    }
    Some(out)
}

/// A character NFKC leaves alone and that nothing composes with: ASCII, the CJK unified
/// ideographs, hiragana, katakana and the common Japanese punctuation.
fn stable(c: char) -> bool {
    c.is_ascii()
        || matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}')
        || matches!(c, '\u{3001}' | '\u{3002}' | '\u{300C}'..='\u{3011}' | '\u{30FB}' | '\u{30FC}')
}

/// White space runs folded to one space and trimmed; the characters stay as written.
pub fn clean(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Lines of the records the csv crate reads, counted as it goes (records come in order,
/// so each count starts where the last stopped). In CRLF files (what Excel writes) the
/// crate's positions lag by one byte, landing on the `\n` that ends the previous line, and
/// its own line count lags a line; so count the newlines up to and including that byte.
pub struct Lines<'a> {
    text: &'a [u8],
    counted_to: usize,
    line: usize,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str) -> Self {
        Lines { text: text.as_bytes(), counted_to: 0, line: 1 }
    }

    /// The 1-based line of the record at `byte`: the line its content starts on. (After a
    /// blank CRLF line the csv crate puts a record's position on that line's `\r`.)
    pub fn at(&mut self, byte: u64) -> usize {
        let mut end = (byte as usize).min(self.text.len());
        while self.text.get(end).is_some_and(|b| matches!(b, b'\r' | b'\n')) {
            end += 1;
        }
        if end < self.counted_to {
            *self = Lines { text: self.text, counted_to: 0, line: 1 };
        }
        self.line += self.text[self.counted_to..end].iter().filter(|&&b| b == b'\n').count();
        self.counted_to = end;
        self.line
    }
}

#[cfg(test)]
mod tests {
    use unicode_normalization::UnicodeNormalization;

    /// The short cut agrees with the full algorithm on every character it handles, alone
    /// and beside the others, and gives way on the rest (half-width kana, combining marks,
    /// compatibility ideographs, circled numbers).
    #[test]
    fn the_full_width_short_cut_is_nfkc() {
        let handled = (0x20..0x7F)
            .chain(0x4E00..=0x9FFF)
            .chain(0x3041..=0x3096)
            .chain(0x30A1..=0x30FC)
            .chain([0x3000, 0x3001, 0x3002])
            .chain(0x300C..=0x3011)
            .chain(0xFF01..=0xFF5E)
            .filter_map(char::from_u32);
        let mut all = String::new();
        for c in handled {
            let one = format!("（{c}）");
            assert_eq!(super::nfkc(&one), one.nfkc().collect::<String>(), "{c:?} U+{:04X}", c as u32);
            all.push(c);
        }
        assert_eq!(super::nfkc(&all), all.nfkc().collect::<String>());
        // Text of stable characters only is taken as it is: so NFKC takes it.
        let stable: String = (0..=0x10FFFF).filter_map(char::from_u32).filter(|c| super::stable(*c)).collect();
        assert!(stable.chars().count() > 20_000);
        for c in stable.chars() {
            assert_eq!(super::nfkc(&c.to_string()), c.to_string().nfkc().collect::<String>(), "U+{:04X}", c as u32);
        }
        assert_eq!(super::nfkc(&stable), stable.nfkc().collect::<String>());
        for other in ["ｶﾞｲﾄﾞ（半角）", "か\u{3099}（合成）", "①（丸数字）", "\u{F900}（互換漢字）", "Ａ\u{0301}"]
        {
            assert!(super::full_width_only(other).is_none(), "{other}");
            assert_eq!(super::nfkc(other), other.nfkc().collect::<String>());
        }
    }

    /// `key`'s one pass over the usual name gives what NFKC and dropping white space give.
    #[test]
    fn key_is_nfkc_without_white_space() {
        let reference = |s: &str| s.nfkc().filter(|c| !c.is_whitespace()).collect::<String>();
        let handled: String = ('\u{FF01}'..='\u{FF5E}').chain(['\u{3000}', ' ', '\t', '\u{0B}', '\r']).collect();
        for s in [
            handled.as_str(),
            "移行データの提出（業務アプリケーションサブシステム）",
            "作業 (経過管理)\u{3000}ＡＢＣ　１２３",
            "ｶﾞｲﾄﾞ（半角）",
            "①（丸数字）\u{00A0}と\u{2003}空白",
            "か\u{3099}",
            "",
        ] {
            assert_eq!(super::key(s), reference(s), "{s:?}");
        }
    }

    #[test]
    fn csv_record_lines_in_lf_and_crlf_text() {
        for text in ["a,b\n1,2\n3,\"x\ny\"\n\n5,6\n", "a,b\r\n1,2\r\n3,\"x\r\ny\"\r\n\r\n5,6\r\n"] {
            let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
            let mut counter = super::Lines::new(text);
            let lines: Vec<usize> =
                reader.records().map(|r| counter.at(r.unwrap().position().unwrap().byte())).collect();
            assert_eq!(lines, vec![1, 2, 3, 6], "{text:?}");
        }
    }
}
