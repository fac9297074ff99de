//! HTML rendered apart from its page (a vendor's task lists, a grid's rows) and put into the
//! page after the page's template ran, rather than passed through it.
//!
//! Such a block is most of its page: a vendor page of a large table is a megabyte of lists,
//! the matrix ten. Given to Tera as a string, a block would be copied into the template's
//! context, copied again into its output, and hashed whole for the page's inputs key, on
//! every page that holds it. Instead the template sees a short placeholder, which it prints
//! with `| safe` as it would the HTML, and the page's text is joined from its template's
//! output and its blocks in one copy; the page's inputs key takes the block's own key, which
//! already stands for its HTML. This is how Hugo puts shortcodes into a page.

use serde::{Serialize, Serializer};
use std::cell::RefCell;
use std::hash::BuildHasher;
use std::sync::{Arc, OnceLock};

/// One or more fragments shown together, and the hash of their inputs when known.
#[derive(Clone, Debug)]
pub struct Block {
    key: Option<u128>,
    parts: Vec<Arc<str>>,
}

impl Block {
    pub fn new(key: Option<u128>, html: Arc<str>) -> Block {
        Block { key, parts: vec![html] }
    }

    /// Blocks shown one after the other, as one.
    pub fn join(blocks: Vec<Block>) -> Block {
        let key = blocks.iter().map(|b| b.key).collect::<Option<Vec<u128>>>().map(|keys| {
            let bytes: Vec<u8> = keys.iter().flat_map(|k| k.to_le_bytes()).collect();
            crate::hash::bytes(&bytes)
        });
        Block { key, parts: blocks.into_iter().flat_map(|b| b.parts).collect() }
    }

    fn len(&self) -> usize {
        self.parts.iter().map(|p| p.len()).sum()
    }
}

thread_local! {
    /// The blocks of the page being rendered on this thread, by their placeholders' numbers.
    static PENDING: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Serialized for a template (human-readable: Tera's JSON context) as a placeholder; for a
/// page's inputs key (postcard) as the block's key, or its HTML when it has none.
impl Serialize for Block {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if !s.is_human_readable() {
            return match self.key {
                Some(key) => s.serialize_u128(key),
                None => s.collect_seq(self.parts.iter().map(|p| &**p)),
            };
        }
        let number = PENDING.with_borrow_mut(|pending| {
            pending.push(self.clone());
            pending.len() - 1
        });
        s.serialize_str(&format!("{}{number:x}{END}", opening()))
    }
}

const END: char = '\u{FDD1}';

/// A placeholder's opening: a noncharacter (for a program's internal use, never in text
/// people write) and a number drawn once per process, so no text from the data can pass
/// for a placeholder.
fn opening() -> &'static str {
    static OPENING: OnceLock<String> = OnceLock::new();
    OPENING.get_or_init(|| {
        let nonce = std::collections::hash_map::RandomState::new().hash_one(std::process::id());
        format!("\u{FDD0}{nonce:016x}:")
    })
}

/// Render a page whose view may hold blocks: `serialize` turns the view into the template's
/// context and `render` runs the template; then the blocks are put in for their
/// placeholders. Nothing between the two may wait on other rayon work, which could run
/// another page's rendering on this thread in the middle.
pub fn render_with_blocks<E>(
    serialize: impl FnOnce() -> Result<tera::Context, E>,
    render: impl FnOnce(&tera::Context) -> Result<String, E>,
) -> Result<String, E> {
    PENDING.with_borrow_mut(Vec::clear);
    let html = serialize().and_then(|ctx| render(&ctx));
    let blocks = PENDING.with_borrow_mut(std::mem::take);
    Ok(splice(html?, &blocks))
}

/// `html` with each placeholder replaced by its block.
fn splice(html: String, blocks: &[Block]) -> String {
    if blocks.is_empty() {
        return html;
    }
    let opening = opening();
    let size = html.len() + blocks.iter().map(Block::len).sum::<usize>();
    let mut out = String::with_capacity(size);
    let mut rest = html.as_str();
    while let Some(at) = memchr::memmem::find(rest.as_bytes(), opening.as_bytes()) {
        // A placeholder starts with a whole character: `at` is a character boundary.
        out.push_str(&rest[..at]);
        let after = &rest[at + opening.len()..];
        let block = after.find(END).and_then(|close| {
            let block = blocks.get(usize::from_str_radix(&after[..close], 16).ok()?)?;
            Some((block, close + END.len_utf8()))
        });
        match block {
            Some((block, taken)) => {
                block.parts.iter().for_each(|p| out.push_str(p));
                rest = &after[taken..];
            }
            // Not a placeholder of ours after all: kept as it is.
            None => {
                out.push_str(opening);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(blocks: &[Block]) -> tera::Context {
        let mut ctx = tera::Context::new();
        for (i, b) in blocks.iter().enumerate() {
            ctx.insert(format!("b{i}"), b);
        }
        ctx
    }

    fn render(template: &str, blocks: &[Block]) -> String {
        let mut tera = tera::Tera::default();
        tera.add_raw_template("t", template).unwrap();
        render_with_blocks(|| Ok::<_, tera::Error>(context(blocks)), |ctx| tera.render("t", ctx)).unwrap()
    }

    #[test]
    fn blocks_are_put_in_where_the_template_prints_them() {
        let a = Block::new(Some(1), "<ul><li>a</li></ul>".into());
        let b = Block::join(vec![Block::new(Some(2), "<tr>1</tr>".into()), Block::new(None, "<tr>2</tr>".into())]);
        let html = render("<main>{{ b1 | safe }}|{{ b0 | safe }}{{ b0 | safe }}</main>", &[a, b]);
        assert_eq!(html, "<main><tr>1</tr><tr>2</tr>|<ul><li>a</li></ul><ul><li>a</li></ul></main>");
    }

    #[test]
    fn text_that_looks_like_a_placeholder_is_left_alone() {
        let mut tera = tera::Tera::default();
        tera.add_raw_template("t", "{{ b0 | safe }}[{{ text }}][{{ unknown }}]").unwrap();
        let serialize = || {
            let mut ctx = context(&[Block::new(None, "<p>x</p>".into())]);
            // Data cannot know the process's opening; and a number that names none of the
            // page's blocks is no placeholder either.
            ctx.insert("text", "\u{FDD0}0\u{FDD1}");
            ctx.insert("unknown", &format!("{}5{END}", opening()));
            Ok::<_, tera::Error>(ctx)
        };
        let html = render_with_blocks(serialize, |ctx| tera.render("t", ctx)).unwrap();
        assert_eq!(html, format!("<p>x</p>[\u{FDD0}0\u{FDD1}][{}5{END}]", opening()));
    }

    #[test]
    fn a_blocks_key_stands_for_its_html_in_a_pages_inputs() {
        let keyed = |html: &str| postcard::to_allocvec(&Block::new(Some(7), html.into())).unwrap();
        assert_eq!(keyed("<p>one</p>"), keyed("<p>other</p>"), "the key, not the text, is hashed");
        let unkeyed = |html: &str| postcard::to_allocvec(&Block::new(None, html.into())).unwrap();
        assert_ne!(unkeyed("<p>one</p>"), unkeyed("<p>other</p>"));
    }
}
