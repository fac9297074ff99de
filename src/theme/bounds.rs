//! Every render bounded in work, time and size. A theme's loop turns and `range` numbers are
//! counted against the render's budget, what Tera gathers inside macros and `{% filter %}`
//! sections against a limit of its own, and what the page writes against its size, with the
//! clock looked at as they go (the values a template makes are held in `grow`): a hostile
//! or careless template fails the build where it stands rather than running on or
//! exhausting memory.

use std::cell::{Cell, RefCell};
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
    /// How many macro bodies and filter sections the render is inside: while more than
    /// none, what it prints goes into a buffer of Tera's, not to the page.
    static GATHERING: Cell<u32> = const { Cell::new(0) };
}

/// Run `render` with a budget of its own; returns its result and the limit it ran into, if
/// any. A panic inside (Tera unwraps in places, such as an addition that overflows) is
/// taken as such a limit, located at the template.
pub fn within<T>(render: impl FnOnce() -> T) -> (std::thread::Result<T>, Option<Trip>) {
    quiet_panics();
    let fresh = Budget { started: Instant::now(), steps: 0, buffered: 0, calls: 0, trip: None };
    let outer = (BUDGET.with_borrow_mut(|b| b.replace(fresh)), GATHERING.replace(0));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(render));
    let budget = BUDGET.with_borrow_mut(|b| std::mem::replace(b, outer.0));
    GATHERING.set(outer.1);
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

/// Take `steps` loop turns or numbers from the render's budget, and `bytes` printed when
/// they go into Tera's buffers, and look at the clock now and then. `at` locates the
/// spending.
pub fn spend(steps: u64, bytes: usize, at: Option<&(Arc<str>, usize)>) -> tera::Result<()> {
    let gathered = if GATHERING.get() > 0 { bytes } else { 0 };
    let over = BUDGET.with_borrow_mut(|b| {
        let b = b.as_mut()?;
        b.steps += steps;
        b.buffered += gathered;
        b.calls = b.calls.wrapping_add(1);
        if b.steps > MAX_STEPS {
            return Some(format!(
                "more than {} loop turns and range numbers in one render: is a loop running inside another \
                 over the whole table?",
                thousands(MAX_STEPS)
            ));
        }
        if b.buffered > MAX_VALUE {
            return Some(gathered_too_much());
        }
        b.calls.is_multiple_of(CLOCK_EVERY).then(|| late(b.started)).flatten()
    });
    match over {
        Some(message) => Err(fail(at.cloned(), message)),
        None => Ok(()),
    }
}

fn look_at_clock(at: &(Arc<str>, usize)) -> tera::Result<()> {
    match BUDGET.with_borrow(|b| b.as_ref().and_then(|b| late(b.started))) {
        Some(message) => Err(fail(Some(at.clone()), message)),
        None => Ok(()),
    }
}

fn late(started: Instant) -> Option<String> {
    (started.elapsed() > MAX_TIME).then(|| format!("took longer than {} s", MAX_TIME.as_secs()))
}

/// The error a limit gives Tera, recorded for the render to report.
pub fn fail(at: Option<(Arc<str>, usize)>, message: String) -> tera::Error {
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

/// What a render writes, counted: past [`MAX_PAGE`] it refuses more. (The clock is looked
/// at by loop turns and calls: a render that makes neither does no more than its templates
/// hold.)
#[derive(Default)]
pub struct Page {
    pub bytes: Vec<u8>,
}

impl io::Write for Page {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf).map(|()| buf.len())
    }

    #[inline]
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        if self.bytes.len() + buf.len() > MAX_PAGE {
            return Err(too_large());
        }
        self.bytes.extend_from_slice(buf);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cold]
fn too_large() -> io::Error {
    let message = format!("the page grew past {} MiB", MAX_PAGE >> 20);
    trip(None, message.clone());
    io::Error::other(message)
}

/// Tera's escaping of what a template prints, counting it when it goes into a buffer of
/// Tera's.
pub fn escape(text: &str) -> String {
    let out = crate::html::escape(text);
    if GATHERING.get() == 0 {
        return out;
    }
    let over = BUDGET.with_borrow_mut(|b| {
        b.as_mut().is_some_and(|b| {
            b.buffered += out.len();
            b.buffered > MAX_VALUE
        })
    });
    if !over {
        return out;
    }
    // Escaping cannot fail: past the limit it prints nothing more, and the render fails
    // when it ends.
    trip(None, gathered_too_much());
    String::new()
}

fn gathered_too_much() -> String {
    format!("macros and filter sections made more than {} MiB", MAX_VALUE >> 20)
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
/// loop's container or a `set`'s value; `text` is what each turn of the loop it feeds
/// writes, when that loop is counted here rather than at each turn.
pub struct Range {
    pub at: Option<(Arc<str>, usize)>,
    pub text: usize,
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
        spend(count as u64, count.saturating_mul(self.text), self.at.as_ref())?;
        Ok(Value::Array((start..end).step_by(step).map(Value::from).collect()))
    }
}

/// Called at the start of each turn of a loop, of each macro call and included template,
/// and of each filter section: a step, and `text`, what the body writes outside its inner
/// loops, counted when it goes into Tera's buffers. `opens` for a macro or a filter
/// section, whose output goes there. The call stands as the condition of an empty `if`
/// (see `instrument`), so it is false.
pub struct Tick {
    pub at: (Arc<str>, usize),
    pub text: usize,
    pub opens: bool,
}

impl Function for Tick {
    fn call(&self, _: &HashMap<String, Value>) -> tera::Result<Value> {
        if self.opens {
            GATHERING.set(GATHERING.get() + 1);
        }
        spend(1, self.text, Some(&self.at))?;
        Ok(Value::Bool(false))
    }
}

/// Applied, before a loop whose body is cheap, to what it goes over: counts all its turns
/// at once, each writing `text`. Gives 0, which the condition it stands in adds to 0.
pub struct Turns {
    pub at: (Arc<str>, usize),
    pub text: usize,
}

impl Filter for Turns {
    fn filter(&self, value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
        let turns = match value {
            Value::Array(items) => items.len(),
            Value::Object(map) => map.len(),
            Value::String(s) => s.chars().count(),
            _ => 0,
        };
        spend(turns as u64, turns.saturating_mul(self.text), Some(&self.at))?;
        // Loops over parts of this loop's turns are not counted (see `instrument`): the
        // clock is looked at here, each time.
        look_at_clock(&self.at)?;
        Ok(Value::from(0))
    }
}

/// Called at the end of a macro's body or a filter section: what follows goes where it went
/// before. (Neither can be left early: `break` stands only inside a loop of its own.)
pub fn close(_: &HashMap<String, Value>) -> tera::Result<Value> {
    GATHERING.set(GATHERING.get().saturating_sub(1));
    Ok(Value::Bool(false))
}

/// Appended to a print that Tera does not escape (a macro's output, a value printed `safe`)
/// where it may go into Tera's buffers: counts it there, as [`escape`] counts the others.
/// Safe, so that the print still is not escaped.
pub struct Gathered;

impl Filter for Gathered {
    fn filter(&self, value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
        let bytes = match value {
            Value::String(s) => s.len(),
            other => super::grow::size(other).0,
        };
        spend(0, bytes, None)?;
        Ok(value.clone())
    }

    fn is_safe(&self) -> bool {
        true
    }
}
