//! Every render bounded in work, time and size. A theme's loop turns and `range` numbers are
//! counted against the render's budget, what Tera gathers inside macros and `{% filter %}`
//! sections and the values a template makes against their own limits, and what the page
//! writes against its size, with the clock looked at as they go: a hostile or careless
//! template fails the build where it stands rather than running on or exhausting memory.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tera::{Filter, Function, Value};

/// What one render may write. The largest lists are put in after the template ran (see
/// `render::block`); the largest page a template writes whole, the quality page, is some
/// 25 MiB for a 100,000-task table.
pub const MAX_PAGE: usize = 64 << 20;
/// What one render may gather in Tera's own buffers (macro output, filter sections), and
/// the size of any one value a template makes.
pub const MAX_VALUE: usize = 64 << 20;
/// Loop turns and `range` numbers of one render: fifty times what the largest page of a
/// 100,000-task table takes.
pub const MAX_STEPS: u64 = 10_000_000;
/// Numbers in one `range`.
pub const MAX_RANGE: usize = 100_000;
/// How deep the arrays and objects a template makes may nest: serde_json drops, and Tera
/// prints, a value by recursion.
pub const MAX_DEPTH: usize = 32;
/// How long one render may take, on a machine busy with other work.
pub const MAX_TIME: Duration = Duration::from_secs(20);
/// Budget calls between two looks at the clock.
const CLOCK_EVERY: u32 = 64;

/// A limit one render ran into, where it was when known (template, line).
#[derive(Debug, Clone)]
pub struct Trip {
    pub at: Option<(Arc<str>, usize)>,
    pub message: String,
}

struct Budget {
    started: Instant,
    steps: u64,
    buffered: usize,
    calls: u32,
    trip: Option<Trip>,
}

thread_local! {
    /// The budget of the render under way on this thread, if any.
    static BUDGET: RefCell<Option<Budget>> = const { RefCell::new(None) };
}

/// Run `render` with a budget of its own; returns its result and the limit it ran into, if
/// any. A panic inside (Tera unwraps in places, such as an addition that overflows) is
/// taken as such a limit, located at the template.
pub fn within<T>(render: impl FnOnce() -> T) -> (std::thread::Result<T>, Option<Trip>) {
    quiet_panics();
    let fresh = Budget { started: Instant::now(), steps: 0, buffered: 0, calls: 0, trip: None };
    let outer = BUDGET.with_borrow_mut(|b| b.replace(fresh));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(render));
    let budget = BUDGET.with_borrow_mut(|b| std::mem::replace(b, outer));
    (result, budget.and_then(|b| b.trip))
}

/// A panic inside a render is reported as the render's error, once: the default hook
/// would print it to the terminal as well, as if rolesite itself had failed.
fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let taken = trip(None, format!("the template engine failed on this template ({message})"));
            if !taken {
                previous(info);
            }
        }));
    });
}

/// Record `message` as the render's limit (the first one stays); false outside a render.
fn trip(at: Option<(Arc<str>, usize)>, message: String) -> bool {
    BUDGET
        .try_with(|b| match b.try_borrow_mut().as_deref_mut() {
            Ok(Some(budget)) => {
                budget.trip.get_or_insert(Trip { at, message });
                true
            }
            _ => false,
        })
        .unwrap_or(false)
}

/// Take `steps` loop turns or numbers and `bytes` gathered in Tera's buffers from the
/// render's budget, and look at the clock now and then. `at` locates the spending.
pub fn spend(steps: u64, bytes: usize, at: Option<&(Arc<str>, usize)>) -> tera::Result<()> {
    let over = BUDGET.with_borrow_mut(|b| {
        let b = b.as_mut()?;
        b.steps += steps;
        b.buffered += bytes;
        b.calls = b.calls.wrapping_add(1);
        if b.steps > MAX_STEPS {
            return Some(format!(
                "more than {} loop turns and range numbers in one render: is a loop running inside another \
                 over the whole table?",
                thousands(MAX_STEPS)
            ));
        }
        if b.buffered > MAX_VALUE {
            return Some(format!("macros and filter sections made more than {} MiB", MAX_VALUE >> 20));
        }
        b.calls.is_multiple_of(CLOCK_EVERY).then(|| late(b.started)).flatten()
    });
    match over {
        Some(message) => Err(fail(at.cloned(), message)),
        None => Ok(()),
    }
}

fn late(started: Instant) -> Option<String> {
    (started.elapsed() > MAX_TIME).then(|| format!("took longer than {} s", MAX_TIME.as_secs()))
}

/// The error a limit gives Tera, recorded for the render to report.
fn fail(at: Option<(Arc<str>, usize)>, message: String) -> tera::Error {
    trip(at, message.clone());
    tera::Error::msg(message)
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What a render writes, counted: past [`MAX_PAGE`] or [`MAX_TIME`] it refuses more.
#[derive(Default)]
pub struct Page {
    pub bytes: Vec<u8>,
    writes: u32,
}

impl io::Write for Page {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut over =
            (self.bytes.len() + buf.len() > MAX_PAGE).then(|| format!("the page grew past {} MiB", MAX_PAGE >> 20));
        self.writes = self.writes.wrapping_add(1);
        if over.is_none() && self.writes.is_multiple_of(1024) {
            over = BUDGET.with_borrow(|b| b.as_ref().and_then(|b| late(b.started)));
        }
        if let Some(message) = over {
            trip(None, message.clone());
            return Err(io::Error::other(message));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

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
fn check_made(value: &Value, what: &str, at: Option<&(Arc<str>, usize)>) -> tera::Result<()> {
    let (bytes, depth) = size(value);
    let message = match () {
        _ if bytes > MAX_VALUE => format!("{what} made a value of more than {} MiB", MAX_VALUE >> 20),
        _ if depth > MAX_DEPTH => format!("{what} made a value nested more than {MAX_DEPTH} deep"),
        _ => return spend(0, 0, at),
    };
    Err(fail(at.cloned(), message))
}

/// `get_env` would publish the builder's environment (tokens, paths) on the site.
pub fn get_env(_: &HashMap<String, Value>) -> tera::Result<Value> {
    Err(tera::Error::msg(
        "get_env is not available in a theme: a page must not publish the environment of the machine that \
         builds it (tokens, paths)",
    ))
}

/// Tera's `range`, refusing more than [`MAX_RANGE`] numbers (or a step of 0, which never
/// ends) and counting them against the render's budget. `at` locates a call that is a
/// loop's container or a `set`'s value.
pub struct Range {
    pub at: Option<(Arc<str>, usize)>,
}

impl Function for Range {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        // Every refusal is recorded with its place: the call may have been renamed (see
        // `instrument`), and Tera's message would name it so.
        let refuse = |message: String| fail(self.at.clone(), message);
        let number = |name: &str, default: Option<usize>| match args.get(name) {
            Some(v) => tera::from_value::<usize>(v.clone())
                .map_err(|_| refuse(format!("range's {name} must be a number of zero or more, not {v}"))),
            None => default.ok_or_else(|| refuse(format!("range needs its {name}"))),
        };
        let (start, end, step) = (number("start", Some(0))?, number("end", None)?, number("step_by", Some(1))?);
        if step == 0 {
            return Err(refuse("range with step_by=0 would never end".into()));
        }
        if start > end {
            return Err(refuse("range's start is greater than its end".into()));
        }
        let count = (end - start).div_ceil(step);
        if count > MAX_RANGE {
            let (count, most) = (thousands(count as u64), thousands(MAX_RANGE as u64));
            return Err(refuse(format!("range of {count} numbers: at most {most} in one call")));
        }
        spend(count as u64, 0, self.at.as_ref())?;
        Ok(Value::Array((start..end).step_by(step).map(Value::from).collect()))
    }
}

/// Called at the start of each turn of a loop, and of each macro call and included
/// template: a step, and `text`, what the body writes into Tera's buffers outside its inner
/// loops when it is inside a macro or a filter section (0 when the page's writer counts it).
pub struct Tick {
    pub at: (Arc<str>, usize),
    pub text: usize,
}

impl Function for Tick {
    fn call(&self, _: &HashMap<String, Value>) -> tera::Result<Value> {
        spend(1, self.text, Some(&self.at))?;
        Ok(Value::String(String::new()))
    }

    fn is_safe(&self) -> bool {
        true
    }
}

/// Appended to what a macro or a filter section prints: counts it as gathered in Tera's
/// buffers. `safe` when the print was not escaped, so that it still is not.
pub struct Gathered {
    pub safe: bool,
}

impl Filter for Gathered {
    fn filter(&self, value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
        let bytes = match value {
            Value::String(s) => s.len(),
            other => size(other).0,
        };
        spend(0, bytes, None)?;
        Ok(value.clone())
    }

    fn is_safe(&self) -> bool {
        self.safe
    }
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
