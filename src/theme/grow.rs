//! Values a template makes, held to a size: a `set` that can grow, and Tera's filters whose
//! result can outgrow their input (`replace` with an empty `from`, `join`, `indent`,
//! escaping). A value doubled at each turn of a loop, or a filter's result many times its
//! input, would exhaust memory before the clock ran out.

use super::bounds::{fail, spend, MAX_DEPTH, MAX_VALUE};
use std::collections::HashMap;
use std::sync::Arc;
use tera::{Filter, Value};

/// How much memory a value stands for (its text, and a little for each element), and how
/// deep it nests; found without recursion, as the value may be deep.
pub fn size(value: &Value) -> (usize, usize) {
    let (mut bytes, mut deepest) = (0, 0);
    let mut stack = vec![(value, 1)];
    while let Some((v, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        bytes += match v {
            Value::String(s) => s.len(),
            Value::Array(items) => {
                stack.extend(items.iter().map(|i| (i, depth + 1)));
                16
            }
            Value::Object(map) => {
                stack.extend(map.iter().map(|(_, i)| (i, depth + 1)));
                map.keys().map(|k| k.len() + 16).sum::<usize>() + 16
            }
            _ => 16,
        };
    }
    (bytes, deepest)
}

/// A value a template made, held to [`MAX_VALUE`] and [`MAX_DEPTH`].
pub fn check_made(value: &Value, what: &str, at: Option<&(Arc<str>, usize)>) -> tera::Result<()> {
    let (bytes, depth) = size(value);
    let message = match () {
        _ if bytes > MAX_VALUE => format!("{what} made a value of more than {} MiB", MAX_VALUE >> 20),
        _ if depth > MAX_DEPTH => format!("{what} made a value nested more than {MAX_DEPTH} deep"),
        _ => return spend(0, 0, at),
    };
    Err(fail(at.cloned(), message))
}

/// Appended to the value of a `set` that can grow (a concatenation, an array, a filter):
/// `{% set_global s = s ~ s %}` in a loop doubles a string at each turn.
pub struct Made {
    pub at: (Arc<str>, usize),
}

impl Filter for Made {
    fn filter(&self, value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
        check_made(value, "this set", Some(&self.at))?;
        Ok(value.clone())
    }
}

/// A Tera filter whose result can outgrow its input many times over (`replace` with an
/// empty `from`, `join`, `indent`), its result's size foreseen (`ahead`) before it runs and
/// measured after.
pub struct Bounded {
    pub name: &'static str,
    pub inner: Arc<dyn Filter>,
    pub ahead: Ahead,
}

/// A filter's result's size, foreseen from its input and arguments.
pub type Ahead = fn(&Value, &HashMap<String, Value>) -> usize;

impl Filter for Bounded {
    fn filter(&self, value: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
        if (self.ahead)(value, args) > MAX_VALUE {
            let message = format!("{} would make a value of more than {} MiB", self.name, MAX_VALUE >> 20);
            return Err(fail(None, message));
        }
        let out = self.inner.filter(value, args)?;
        check_made(&out, self.name, None)?;
        Ok(out)
    }

    fn is_safe(&self) -> bool {
        self.inner.is_safe()
    }
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or("")
}

fn arg<'v>(args: &'v HashMap<String, Value>, name: &str) -> &'v str {
    args.get(name).map_or("", text)
}

/// Occurrences of `pattern` in `s` as `str::replace` and `str::split` find them: an empty
/// pattern matches between every two characters and at both ends.
fn occurrences(s: &str, pattern: &str) -> usize {
    match pattern {
        "" => s.chars().count() + 1,
        p => s.matches(p).count(),
    }
}

/// The filters sized before they run, with how.
pub const AHEAD: &[(&str, Ahead)] = &[
    ("replace", |v, a| {
        let (from, to) = (arg(a, "from"), arg(a, "to"));
        text(v).len() + occurrences(text(v), from).saturating_mul(to.len())
    }),
    ("join", |v, a| {
        let items = v.as_array().map_or(&[][..], Vec::as_slice);
        items.iter().map(|i| size(i).0).sum::<usize>() + items.len().saturating_mul(arg(a, "sep").len())
    }),
    ("indent", |v, a| {
        let prefix = a.get("prefix").map_or(4, |p| p.as_str().map_or(4, str::len));
        text(v).len() + (text(v).lines().count() + 1).saturating_mul(prefix)
    }),
    ("split", |v, a| text(v).len() + occurrences(text(v), arg(a, "pat")).saturating_mul(32)),
    ("concat", |v, a| size(v).0 + a.get("with").map_or(0, |w| size(w).0)),
];

/// The filters whose result is at most a few times their input (escaping, case), measured
/// after they run: a chain of them (`s | escape | escape | …`) is stopped at the limit.
pub const AFTER: &[&str] = &[
    "linebreaksbr",
    "escape",
    "escape_xml",
    "addslashes",
    "upper",
    "lower",
    "title",
    "capitalize",
    "json_encode",
    "as_str",
    "truncate",
];
