//! Which loop bodies need no count at each turn. Tera looks a counting call up by name at
//! each turn, which costs more than a short body itself (a row of a list); a loop whose body
//! does only cheap work is counted once, for all its turns, before it starts (see
//! `instrument`). Cheap work takes a time bounded by the template and the values it looks
//! up: it prints, tests and compares plain values, and leaves the rest to what counts
//! itself (inner loops, macro calls, includes, filter sections). It may also do anything
//! (filters, `in`, comparisons) to the value of the turn (the loop's variable, and
//! `loop`): that takes a time bounded by the part of the data the turn stands for, so the
//! whole loop a time bounded by what it goes over. Anything else, which may take at each
//! turn a time bounded only by the size of the data (`x in rows`, `rows | sort`, comparing
//! two values of the data, functions), is counted at each turn, so that the clock is looked
//! at while it runs.

use tera::ast::{Expr, ExprVal, Forloop, LogicOperator, Node};

/// Whether what counts itself (inner loops, macro calls, includes, filter sections) may
/// stand in the body, and the names that stand for the value of the turn.
#[derive(Clone, Copy)]
struct Rule<'a> {
    calls: bool,
    turn: &'a [&'a str],
}

/// Whether every node of a loop's body is cheap.
pub fn body(f: &Forloop) -> bool {
    let mut turn: Vec<&str> = [Some(f.value.as_str()), f.key.as_deref(), Some("loop")].into_iter().flatten().collect();
    // A turn's name set to another value in the body no longer stands for the turn.
    if sets(&f.body).iter().any(|key| turn.contains(key)) {
        turn.clear();
    }
    f.body.iter().all(|n| node(n, Rule { calls: true, turn: &turn }))
}

/// The names a run of nodes sets, in it and in its branches.
fn sets(nodes: &[Node]) -> Vec<&str> {
    let (mut out, mut runs) = (Vec::new(), vec![nodes]);
    while let Some(run) = runs.pop() {
        for node in run {
            match node {
                Node::Set(_, s) => out.push(s.key.as_str()),
                Node::If(i, _) => {
                    runs.extend(i.conditions.iter().map(|(_, _, b)| b.as_slice()));
                    runs.extend(i.otherwise.as_ref().map(|(_, b)| b.as_slice()));
                }
                Node::FilterSection(_, f, _) => runs.push(&f.body),
                _ => {}
            }
        }
    }
    out
}

/// Whether a macro's body is cheap and calls nothing (no loop, macro, include or filter
/// section): each call does a bounded piece of work, and what it makes is counted where it
/// is printed, so the call needs no count of its own.
pub fn leaf(nodes: &[Node]) -> bool {
    nodes.iter().all(|n| node(n, Rule { calls: false, turn: &[] }))
}

fn node(node: &Node, rule: Rule) -> bool {
    let all = |nodes: &[Node]| nodes.iter().all(|n| self::node(n, rule));
    match node {
        Node::Text(_) | Node::Raw(..) | Node::Comment(..) | Node::Break(_) | Node::Continue(_) => true,
        Node::VariableBlock(_, e) => expr(e, rule),
        Node::If(i, _) => {
            i.conditions.iter().all(|(_, c, b)| expr(c, rule) && all(b))
                && i.otherwise.as_ref().is_none_or(|(_, b)| all(b))
        }
        // Each counts itself: its own turns, or the call it makes (or, a loop over a part
        // of the turn, takes a time bounded by the turn's value: see `instrument`).
        Node::Forloop(_, f, _) => rule.calls && (expr(&f.container, rule) || is_range(&f.container)),
        Node::Include(..) => rule.calls,
        Node::FilterSection(_, f, _) => rule.calls && f.filter.args.values().all(|a| expr(a, rule)),
        Node::Set(_, s) => expr(&s.value, rule),
        _ => false,
    }
}

/// `range(…)` of cheap arguments, which counts its numbers itself.
pub fn is_range(e: &Expr) -> bool {
    let cheap = |f: &tera::ast::FunctionCall| f.args.values().all(|a| expr(a, Rule { calls: false, turn: &[] }));
    matches!(&e.val, ExprVal::FunctionCall(f) if f.name == "range" && cheap(f)) && e.filters.is_empty()
}

fn expr(e: &Expr, rule: Rule) -> bool {
    if of_turn(e, rule.turn) {
        return true;
    }
    let filters = e.filters.iter().all(|f| {
        ["safe", "default"].contains(&f.name.as_str()) && f.args.values().all(|a| literal(a) || expr(a, rule))
    });
    filters && value(&e.val, rule)
}

/// Whether `e` looks at nothing but the value of the turn and literals, whatever it does
/// with them.
fn of_turn(e: &Expr, turn: &[&str]) -> bool {
    let filters = e.filters.iter().all(|f| f.args.values().all(|a| of_turn(a, turn)));
    filters && value_of_turn(&e.val, turn)
}

fn value_of_turn(v: &ExprVal, turn: &[&str]) -> bool {
    let both = |l: &Expr, r: &Expr| of_turn(l, turn) && of_turn(r, turn);
    match v {
        ExprVal::Ident(name) => rooted(name, turn),
        ExprVal::String(_) | ExprVal::Int(_) | ExprVal::Float(_) | ExprVal::Bool(_) => true,
        ExprVal::Math(m) => both(&m.lhs, &m.rhs),
        ExprVal::Logic(l) => both(&l.lhs, &l.rhs),
        ExprVal::In(i) => both(&i.lhs, &i.rhs),
        ExprVal::Test(t) => rooted(&t.ident, turn) && t.args.iter().all(|a| of_turn(a, turn)),
        ExprVal::Array(items) => items.iter().all(|i| of_turn(i, turn)),
        ExprVal::StringConcat(c) => c.values.iter().all(|v| value_of_turn(v, turn)),
        _ => false,
    }
}

/// `l`, `l.flags`, `l["no"]` for the turn `l`.
pub fn rooted(name: &str, turn: &[impl AsRef<str>]) -> bool {
    let under =
        |t: &str| !t.is_empty() && name.strip_prefix(t).is_some_and(|r| r.is_empty() || r.starts_with(['.', '[']));
    turn.iter().any(|t| under(t.as_ref()))
}

fn value(v: &ExprVal, rule: Rule) -> bool {
    match v {
        ExprVal::Ident(name) => name != "__tera_context",
        ExprVal::String(_) | ExprVal::Int(_) | ExprVal::Float(_) | ExprVal::Bool(_) => true,
        ExprVal::Math(m) => expr(&m.lhs, rule) && expr(&m.rhs, rule),
        // Two values of the data compared may each be the whole table.
        ExprVal::Logic(l) if matches!(l.operator, LogicOperator::Eq | LogicOperator::NotEq) => {
            (literal(&l.lhs) || literal(&l.rhs)) && expr(&l.lhs, rule) && expr(&l.rhs, rule)
        }
        ExprVal::Logic(l) => expr(&l.lhs, rule) && expr(&l.rhs, rule),
        ExprVal::Test(t) => {
            let plain = ["defined", "undefined", "odd", "even", "string", "number", "object", "iterable"];
            plain.contains(&t.name.as_str()) && t.args.iter().all(|a| expr(a, rule))
        }
        // The call counts itself; its arguments are looked up here.
        ExprVal::MacroCall(m) => rule.calls && m.args.values().all(|a| expr(a, rule)),
        _ => false,
    }
}

fn literal(e: &Expr) -> bool {
    e.filters.is_empty() && matches!(e.val, ExprVal::String(_) | ExprVal::Int(_) | ExprVal::Float(_) | ExprVal::Bool(_))
}

#[cfg(test)]
mod tests {
    fn loop_body(source: &str) -> bool {
        let mut tera = tera::Tera::default();
        tera.add_raw_template("t", &format!("{{% for x in xs %}}{source}{{% endfor %}}")).unwrap();
        match &tera.templates["t"].ast[0] {
            tera::ast::Node::Forloop(_, f, _) => super::body(f),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_macro_that_calls_nothing_is_a_leaf() {
        let leaf = |source: &str| {
            let mut tera = tera::Tera::default();
            tera.add_raw_template("t", &format!("{{% macro m(r) %}}{source}{{% endmacro %}}")).unwrap();
            super::leaf(&tera.templates["t"].macros["m"].body)
        };
        assert!(leaf("<span class=\"{% if r.primary %}p{% endif %}\">{{ r.label }}</span>"));
        for calls in [
            "{% for x in r %}{% endfor %}",
            "{{ self::m(r=r) }}",
            "{% include \"t\" %}",
            "{% filter upper %}x{% endfilter %}",
        ] {
            assert!(!leaf(calls), "{calls}");
        }
    }

    #[test]
    fn work_on_the_turn_and_plain_prints_are_cheap_work_on_the_whole_data_is_not() {
        for cheap in [
            "<li>{{ x.name }}</li>",
            "{% if x.heading %}h{% elif x.level > 2 and not x.flag %}l{% else %}t{% endif %}",
            "{{ x.no | default(value=0) }} {{ x.html | safe }}",
            "{% if x.kind == \"task\" %}{% endif %}{% for y in x.children %}{{ y | upper }}{% endfor %}",
            "{{ m::row(r=x) }}{% include \"row.html\" %}{% for i in range(end=x.close) %}</div>{% endfor %}",
            // Anything done to the turn's own value.
            "{{ x.flags | map(attribute=\"label\") | join(sep=\",\") }} {{ x.rows | length }}",
            "{% if \"a\" in x.tags or x.a == x.b %}{% endif %}{{ loop.index ~ x.name }}",
        ] {
            assert!(loop_body(cheap), "{cheap}");
        }
        for dear in [
            "{% if x in xs %}{% endif %}",
            "{% if x == xs %}{% endif %}",
            "{{ xs | sort | first }}",
            "{{ xs.0.name | length }}",
            "{{ xs | map(attribute=\"label\") | join(sep=x.sep) }}",
            "{{ x.name | join(sep=xs) }}",
            "{{ __tera_context }}",
            "{% if xs is containing(\"a\") %}{% endif %}",
            "{% set_global s = s ~ x %}",
            "{{ [xs, x] }}",
            "{{ throw(message=\"x\") }}",
            "{% for y in xs | reverse %}{% endfor %}",
            "{% if x %}{% set x = xs %}{% endif %}{{ x | sort }}",
        ] {
            assert!(!loop_body(dear), "{dear}");
        }
    }
}
