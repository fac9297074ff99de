//! A template's source read as Tera's parser will read it, but without recursion: Tera's
//! parser nests a call per bracket, per block tag and per operator, so a source nested
//! deep enough overflows the stack before anything can be checked. Each source's nesting is
//! bounded here first; the lines of its loops, sets and macros are kept for the checks made
//! when it renders (see `instrument`).

use super::shape::{nested_too_deep, MAX_NESTING};

/// The lines of some tags of one source, in the order Tera's tree has them: where the
/// render-time checks report a fault.
#[derive(Debug, Default)]
pub struct Lines {
    pub loops: Vec<usize>,
    pub sets: Vec<usize>,
    pub macros: Vec<usize>,
}

/// Brackets one inside another in one tag.
const MAX_BRACKETS: usize = 10;
/// Operators in one tag: Tera nests an expression one level per operator.
const MAX_OPERATORS: usize = 40;

/// Read `source` as Tera will, without recursion: its tags' nesting must stay within bounds.
/// Returns the lines of its loops, sets and macros; or the line and why it is refused.
pub fn scan(source: &str) -> Result<Lines, (usize, String)> {
    let bytes = source.as_bytes();
    let (mut lines, mut depth, mut at, mut line, mut counted) = (Lines::default(), 0, 0, 1, 0);
    while let Some(found) = memchr::memchr(b'{', &bytes[at..]) {
        let open = at + found;
        line += memchr::memchr_iter(b'\n', &bytes[counted..open]).count();
        counted = open;
        let close = match bytes.get(open + 1) {
            Some(b'#') => {
                at = find(bytes, open + 2, b"#}").map_or(bytes.len(), |end| end + 2);
                continue;
            }
            Some(b'{') => b'}',
            Some(b'%') => b'%',
            _ => {
                at = open + 1;
                continue;
            }
        };
        let tag = read_tag(bytes, open + 2, close);
        at = tag.end;
        if tag.brackets > MAX_BRACKETS || tag.operators > MAX_OPERATORS {
            let message = format!(
                "this tag nests more than {MAX_BRACKETS} brackets or has more than {MAX_OPERATORS} operators: \
                 Tera evaluates an expression by recursion; compute it in fewer steps"
            );
            return Err((line, message));
        }
        if close != b'%' {
            continue;
        }
        match keyword(&source[open + 2..tag.end]) {
            "raw" => at = find(bytes, at, b"endraw").and_then(|e| find(bytes, e, b"%}")).map_or(bytes.len(), |e| e + 2),
            word @ ("if" | "for" | "block" | "macro" | "filter") => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err((line, nested_too_deep(depth)));
                }
                match word {
                    "for" => lines.loops.push(line),
                    "macro" => lines.macros.push(line),
                    _ => {}
                }
            }
            "endif" | "endfor" | "endblock" | "endmacro" | "endfilter" => depth = depth.saturating_sub(1),
            "set" | "set_global" => lines.sets.push(line),
            _ => {}
        }
    }
    Ok(lines)
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(bytes.get(from..)?, needle).map(|i| from + i)
}

/// The first word of a `{% … %}` tag's text.
fn keyword(tag: &str) -> &str {
    let tag = tag.trim_start_matches('-').trim_start();
    let end = tag.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(tag.len());
    &tag[..end]
}

struct Tag {
    /// Just past the closing `}}` or `%}`.
    end: usize,
    brackets: usize,
    operators: usize,
}

/// A tag from just after its opening to its closing `close` `}`, outside string literals.
/// Operators are runs of operator characters (a lone `=`, an argument's or a `set`'s, is
/// none) and the words `and`, `or`, `not`, `in`, `is`.
fn read_tag(bytes: &[u8], start: usize, close: u8) -> Tag {
    let (mut depth, mut brackets, mut operators) = (0usize, 0, 0);
    let (mut quote, mut run, mut word) = (None, None::<usize>, None::<usize>);
    let mut at = start;
    while at < bytes.len() {
        let c = bytes[at];
        if let Some(q) = quote {
            quote = (c != q).then_some(q);
            at += 1;
            continue;
        }
        let is_op = b"+-*/%~<>=!".contains(&c);
        if let (Some(from), false) = (run, is_op) {
            operators += usize::from(&bytes[from..at] != b"=");
            run = None;
        }
        let in_word = c.is_ascii_alphanumeric() || c == b'_';
        if let (Some(from), false) = (word, in_word) {
            operators += usize::from(matches!(&bytes[from..at], b"and" | b"or" | b"not" | b"in" | b"is"));
            word = None;
        }
        if c == close && bytes.get(at + 1) == Some(&b'}') {
            return Tag { end: at + 2, brackets, operators };
        }
        match c {
            b'"' | b'\'' | b'`' => quote = Some(c),
            b'(' | b'[' => {
                depth += 1;
                brackets = brackets.max(depth);
            }
            b')' | b']' => depth = depth.saturating_sub(1),
            _ if is_op => run = run.or(Some(at)),
            _ if in_word => word = word.or(Some(at)),
            _ => {}
        }
        at += 1;
    }
    Tag { end: bytes.len(), brackets, operators }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expression_is_bounded_in_brackets_and_operators() {
        let long = format!("{{{{ {} }}}}", vec!["1"; MAX_OPERATORS + 2].join(" + "));
        assert!(scan(&long).is_err());
        let brackets = format!("{{{{ {}1{} }}}}", "(".repeat(MAX_BRACKETS + 1), ")".repeat(MAX_BRACKETS + 1));
        assert_eq!(scan(&format!("\n{brackets}")).unwrap_err().0, 2);
        // Arguments and `set` are no operators: a call with many arguments is fine.
        let args: Vec<String> = (0..60).map(|i| format!("a{i}=1")).collect();
        assert!(scan(&format!("{{{{ m::f({}) }}}}", args.join(", "))).is_ok());
    }

    #[test]
    fn text_in_strings_comments_and_raw_is_no_tag() {
        let nested = "{% if true %}".repeat(99) + &"{% endif %}".repeat(99);
        let text = format!("{{{{ \"{}\" }}}}{{# {{% if %}} #}}{{% raw %}}{nested}{{% endraw %}}", "(+".repeat(99));
        assert!(scan(&text).is_ok());
    }

    #[test]
    fn loops_sets_and_macros_are_found_by_line_in_order() {
        let source = "{% macro m() %}\n{% for a in b %}{% set x = 1 %}{% endfor %}{% endmacro %}\n{%- for c in d -%}{%- endfor -%}";
        let lines = scan(source).unwrap();
        assert_eq!((lines.macros, lines.loops, lines.sets), (vec![1], vec![2, 3], vec![2]));
    }
}
