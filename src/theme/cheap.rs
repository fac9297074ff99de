//! Which loop bodies need no count at each turn. Tera looks a counting call up by name at
//! each turn, which costs more than a short body itself (a row of a list); a loop whose body
//! does only cheap work is counted once, for all its turns, before it starts (see
//! `instrument`). Cheap work takes a time bounded by the template and the values it looks
//! up: it prints, tests and compares plain values, and leaves the rest to what counts
//! itself (inner loops, macro calls, includes, filter sections). Anything else, which may
//! take a time bounded only by the size of the data (`in`, comparing two values of the
//! data, filters, functions, tests that search), is counted at each turn, so that the clock
//! is looked at while it runs.

use tera::ast::{Expr, ExprVal, LogicOperator, Node};

/// Whether what counts itself (inner loops, macro calls, includes, filter sections) may
/// stand in the body.
#[derive(Clone, Copy)]
struct Rule {
    calls: bool,
}

/// Whether every node of a loop's body is cheap.
pub fn body(nodes: &[Node]) -> bool {
    nodes.iter().all(|n| node(n, Rule { calls: true }))
}

/// Whether a macro's body is cheap and calls nothing (no loop, macro, include or filter
/// section): each call does a bounded piece of work, and what it makes is counted where it
/// is printed, so the call needs no count of its own.
pub fn leaf(nodes: &[Node]) -> bool {
    nodes.iter().all(|n| node(n, Rule { calls: false }))
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
        // Each counts itself: its own turns, or the call it makes.
        Node::Forloop(_, f, _) => rule.calls && (expr(&f.container, rule) || is_range(&f.container)),
        Node::Include(..) => rule.calls,
        Node::FilterSection(_, f, _) => rule.calls && f.filter.args.values().all(|a| expr(a, rule)),
        Node::Set(_, s) => expr(&s.value, rule),
        _ => false,
    }
}

/// `range(…)` of cheap arguments, which counts its numbers itself.
pub fn is_range(e: &Expr) -> bool {
    let cheap = |f: &tera::ast::FunctionCall| f.args.values().all(|a| expr(a, Rule { calls: false }));
    matches!(&e.val, ExprVal::FunctionCall(f) if f.name == "range" && cheap(f)) && e.filters.is_empty()
}

fn expr(e: &Expr, rule: Rule) -> bool {
    let filters = e.filters.iter().all(|f| {
        ["safe", "default"].contains(&f.name.as_str()) && f.args.values().all(|a| literal(a) || expr(a, rule))
    });
    filters && value(&e.val, rule)
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
            tera::ast::Node::Forloop(_, f, _) => super::body(&f.body),
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
    fn prints_and_plain_tests_are_cheap_searches_and_filters_are_not() {
        for cheap in [
            "<li>{{ x.name }}</li>",
            "{% if x.heading %}h{% elif x.level > 2 and not x.flag %}l{% else %}t{% endif %}",
            "{{ x.no | default(value=0) }} {{ x.html | safe }}",
            "{% if x.kind == \"task\" %}{% endif %}{% for y in x.children %}{{ y | upper }}{% endfor %}",
            "{{ m::row(r=x) }}{% include \"row.html\" %}{% for i in range(end=x.close) %}</div>{% endfor %}",
        ] {
            assert!(loop_body(cheap), "{cheap}");
        }
        for dear in [
            "{% if x in xs %}{% endif %}",
            "{% if x == xs %}{% endif %}",
            "{{ xs | sort | first }}",
            "{{ x.name | length }}",
            "{{ x.flags | map(attribute=\"label\") | join(sep=\",\") }}",
            "{{ __tera_context }}",
            "{% if x is containing(\"a\") %}{% endif %}",
            "{% set y = x ~ x %}",
            "{{ [x, x] }}",
            "{{ throw(message=\"x\") }}",
            "{% for y in xs | reverse %}{% endfor %}",
        ] {
            assert!(!loop_body(dear), "{dear}");
        }
    }
}
