//! HTML text written by the program: escaping data into markup, and undoing it where
//! markup is read back.

/// HTML escaping of data. Unlike Tera's default it leaves `/` alone: it is harmless in
/// text and attribute values, and escaping it would turn every relative URL into entities.
pub fn escape(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + input.len() / 8);
    escape_into(&mut out, input);
    out
}

/// [`escape`], appended to `out`: for markup written in code rather than a template.
/// The characters escaped are all ASCII, so the text is scanned as bytes and copied in runs:
/// most of it (Japanese, digits, paths) has none of them.
pub fn escape_into(out: &mut String, input: &str) {
    let mut run = 0;
    for (at, byte) in input.bytes().enumerate() {
        let escaped = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#x27;",
            // A NUL in data is never meant; HTML parsers would replace it anyway.
            0 => "\u{FFFD}",
            _ => continue,
        };
        out.push_str(&input[run..at]);
        out.push_str(escaped);
        run = at + 1;
    }
    out.push_str(&input[run..]);
}

/// Undo [`escape`], the same escapes from the Markdown renderer, and html5ever's
/// (ammonia, trusted pages), which also writes `&nbsp;` for U+00A0.
pub fn unescape(s: &str) -> String {
    // `&amp;` last, so `&amp;lt;` comes back as the `&lt;` it stood for.
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    #[test]
    fn escaping_replaces_the_five_and_nul_and_keeps_the_rest() {
        let cases = [
            ("", ""),
            ("項番704 作業/手順", "項番704 作業/手順"),
            ("<a href=\"x\">&'</a>", "&lt;a href=&quot;x&quot;&gt;&amp;&#x27;&lt;/a&gt;"),
            ("&&", "&amp;&amp;"),
            ("前\0後<", "前\u{FFFD}後&lt;"),
            ("＆<全角>", "＆&lt;全角&gt;"),
        ];
        for (text, escaped) in cases {
            assert_eq!(super::escape(text), escaped, "{text:?}");
            if !text.contains('\0') {
                assert_eq!(super::unescape(escaped), text);
            }
        }
    }
}
