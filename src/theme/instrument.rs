//! The parsed templates, rewritten so that Tera counts its own work (see `bounds`): a call
//! at the start of every loop turn, or once before a loop whose body is cheap (see
//! `cheap`); at the start and end of every macro that calls anything and of every filter
//! section; at the start of every included template; a count of the prints Tera does not
//! escape (escaped ones are counted as they are escaped); a check of each `set` that can
//! grow (see `grow`). Tera has no hook for this, but its trees are public; each call prints
//! nothing (most stand as the condition of an empty `if`), so the pages are the same.
//!
//! Tera keeps copies of parts of each tree (macros by name, blocks, the block chains of
//! templates that extend others): each template's tree is rewritten once, in source order
//! (which is how the lines of its loops are known), and the copies are taken again from it.
//!
//! The names given the calls start with a control character: Tera looks them up by name at
//! each call (short names hash quicker), and no template can write them.

use super::bounds::{self, Gathered, Range, Tick, Turns};
use super::cheap;
use super::grow::{self, Made};
use super::scan::Lines;
use super::tree::{blocks_in_filters, blocks_of, can_grow, escaped, included, macros_of, small, text_of};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use tera::ast::{Block, Expr, ExprVal, Forloop, FunctionCall, If, MathExpr, MathOperator, Node, WS};
use tera::Tera;

/// What a turn of a loop over a part of an enclosing turn may write uncounted.
const PART_TEXT: usize = 256;

const CLOSE: &str = "\u{4}";
const GATHERED: &str = "\u{5}";

/// Rewrite every template of `tera` and register what the rewritten trees call, the bounded
/// `range`, the `get_env` that refuses, and the bounded growing filters. `lines` holds each
/// template's loops, sets and macros in source order.
pub fn instrument(tera: &mut Tera, lines: &BTreeMap<String, Lines>) {
    let gathered_blocks = blocks_in_filters(tera);
    let included = included(tera);
    let mut registry = Registry::default();
    let mut names: Vec<String> = tera.templates.keys().cloned().collect();
    names.sort();
    for name in &names {
        let Some(template) = tera.templates.get_mut(name) else { continue };
        let empty = Lines::default();
        let lines = lines.get(name).unwrap_or(&empty);
        let mut rewrite = Rewrite {
            template: Arc::from(name.as_str()),
            enclosing: Vec::new(),
            loops: lines.loops.iter(),
            sets: lines.sets.iter(),
            macros: lines.macros.iter(),
            gathered_blocks: &gathered_blocks,
            registry: &mut registry,
        };
        let gathered = included.contains(name);
        rewrite.nodes(&mut template.ast, gathered);
        if gathered {
            let tick = rewrite.tick(0, text_of(&template.ast), false);
            template.ast.insert(0, tick);
        }
        template.macros = macros_of(&template.ast);
        template.blocks = blocks_of(&template.ast);
    }
    let blocks: HashMap<(String, String), Block> = tera
        .templates
        .iter()
        .flat_map(|(t, tpl)| tpl.blocks.iter().map(move |(b, block)| ((t.clone(), b.clone()), block.clone())))
        .collect();
    for template in tera.templates.values_mut() {
        for chain in template.blocks_definitions.values_mut() {
            for (from, block) in chain.iter_mut() {
                if let Some(rewritten) = blocks.get(&(from.clone(), block.name.clone())) {
                    *block = rewritten.clone();
                }
            }
        }
    }
    registry.register(tera);
}

/// The functions and filters the rewritten trees call, by the names given them.
#[derive(Default)]
struct Registry {
    ticks: Vec<Tick>,
    made: Vec<Made>,
    ranges: Vec<Range>,
    turns: Vec<Turns>,
}

impl Registry {
    fn register(self, tera: &mut Tera) {
        for (i, tick) in self.ticks.into_iter().enumerate() {
            tera.register_function(&tick_name(i), tick);
        }
        for (i, made) in self.made.into_iter().enumerate() {
            tera.register_filter(&made_name(i), made);
        }
        for (i, range) in self.ranges.into_iter().enumerate() {
            tera.register_function(&range_name(i), range);
        }
        for (i, turns) in self.turns.into_iter().enumerate() {
            tera.register_filter(&turns_name(i), turns);
        }
        tera.register_function(CLOSE, bounds::close);
        tera.register_filter(GATHERED, Gathered);
        tera.register_function("range", Range { at: None, text: 0 });
        tera.register_function("get_env", bounds::get_env);
        for (name, ahead) in grow::AHEAD {
            bound(tera, name, *ahead);
        }
        for name in grow::AFTER {
            bound(tera, name, |_, _| 0);
        }
    }
}

fn bound(tera: &mut Tera, name: &'static str, ahead: grow::Ahead) {
    if let Some(inner) = tera.filters.get(name).cloned() {
        tera.register_filter(name, grow::Bounded { name, inner, ahead });
    }
}

fn tick_name(i: usize) -> String {
    format!("\u{1}{i:x}")
}

fn made_name(i: usize) -> String {
    format!("\u{2}{i:x}")
}

fn range_name(i: usize) -> String {
    format!("\u{3}{i:x}")
}

fn turns_name(i: usize) -> String {
    format!("\u{6}{i:x}")
}

struct Rewrite<'a> {
    template: Arc<str>,
    /// The names of the turns of the loops around the node being rewritten.
    enclosing: Vec<String>,
    loops: std::slice::Iter<'a, usize>,
    sets: std::slice::Iter<'a, usize>,
    macros: std::slice::Iter<'a, usize>,
    gathered_blocks: &'a BTreeSet<String>,
    registry: &'a mut Registry,
}

impl Rewrite<'_> {
    /// Rewrite `nodes`; `gathered` when what they print goes into Tera's own buffer (inside
    /// a macro or a filter section, or an included template, which a macro may include).
    fn nodes(&mut self, nodes: &mut Vec<Node>, gathered: bool) {
        for mut node in std::mem::take(nodes) {
            let before = self.node(&mut node, gathered);
            nodes.extend(before);
            nodes.push(node);
        }
    }

    /// Rewrite `node`; returns a node to put before it.
    fn node(&mut self, node: &mut Node, gathered: bool) -> Option<Node> {
        match node {
            Node::Forloop(_, f, _) => return self.forloop(f, gathered),
            Node::MacroDefinition(_, m, _) => {
                let line = self.macros.next().copied().unwrap_or(0);
                let (text, leaf) = (text_of(&m.body), cheap::leaf(&m.body));
                // A macro sees none of the loops around where it is called.
                let around = std::mem::take(&mut self.enclosing);
                self.nodes(&mut m.body, true);
                self.enclosing = around;
                if !leaf {
                    let tick = self.tick(line, text, true);
                    m.body.insert(0, tick);
                    m.body.push(condition(CLOSE.to_string()));
                }
            }
            Node::FilterSection(_, f, _) => {
                let text = text_of(&f.body);
                self.nodes(&mut f.body, true);
                let tick = self.tick(0, text, true);
                f.body.insert(0, tick);
                f.body.push(condition(CLOSE.to_string()));
            }
            Node::Block(_, b, _) => {
                let gathered = gathered || self.gathered_blocks.contains(&b.name);
                self.nodes(&mut b.body, gathered);
            }
            Node::If(i, _) => {
                i.conditions.iter_mut().for_each(|(_, _, body)| self.nodes(body, gathered));
                if let Some((_, body)) = &mut i.otherwise {
                    self.nodes(body, gathered);
                }
            }
            Node::Set(_, set) => {
                let line = self.sets.next().copied().unwrap_or(0);
                // A turn's name set to another value no longer stands for a part of the turn.
                self.enclosing.iter_mut().filter(|n| **n == set.key).for_each(|n| *n = String::new());
                self.locate_range(&mut set.value, line, 0);
                if can_grow(&set.value) {
                    self.registry.made.push(Made { at: (Arc::clone(&self.template), line) });
                    set.value.filters.push(call(made_name(self.registry.made.len() - 1)));
                }
            }
            // What Tera escapes is counted as it is escaped (`bounds::escape`); a number
            // or a boolean is too small to count.
            Node::VariableBlock(_, e) if gathered && !escaped(e) && !small(e) => {
                e.filters.push(call(GATHERED.to_string()));
            }
            _ => {}
        }
        None
    }

    /// A loop counted at each turn, or, when its body is cheap (see `cheap`), once for all
    /// its turns: by its `range`, or by a filter applied, before it, to what it goes over.
    /// A cheap loop over a part of the turn of a loop around it (`for f in l.flags`) that
    /// writes little is not counted: its turns, over all the turns around, are no more than
    /// the parts of what the loop around goes over, and that loop's count looks at the clock.
    fn forloop(&mut self, f: &mut Forloop, gathered: bool) -> Option<Node> {
        let line = self.loops.next().copied().unwrap_or(0);
        let text = text_of(&f.body);
        let cheap = cheap::body(f);
        let ranged = cheap && cheap::is_range(&f.container);
        let part = matches!(&f.container.val, ExprVal::Ident(n) if cheap::rooted(n, &self.enclosing))
            && f.container.filters.is_empty();
        self.locate_range(&mut f.container, line, if ranged { text } else { 0 });
        let around = self.enclosing.len();
        self.enclosing.extend([Some(&f.value), f.key.as_ref()].into_iter().flatten().cloned());
        self.nodes(&mut f.body, gathered);
        if let Some(empty) = &mut f.empty_body {
            self.nodes(empty, gathered);
        }
        self.enclosing.truncate(around);
        match (&f.container.val, cheap) {
            _ if ranged => None,
            _ if cheap && part && text <= PART_TEXT => None,
            (ExprVal::Ident(name), true) if f.container.filters.is_empty() => {
                self.registry.turns.push(Turns { at: (Arc::clone(&self.template), line), text });
                let counted = Expr::with_filters(
                    ExprVal::Ident(name.clone()),
                    vec![call(turns_name(self.registry.turns.len() - 1))],
                );
                // A sum, as Tera takes a variable that fails in a condition as false and
                // goes on, but passes on the error of a sum.
                let zero = Box::new(Expr::new(ExprVal::Int(0)));
                let sum = MathExpr { lhs: Box::new(counted), rhs: zero, operator: MathOperator::Add };
                Some(condition_on(Expr::new(ExprVal::Math(sum))))
            }
            _ => {
                let tick = self.tick(line, text, false);
                f.body.insert(0, tick);
                None
            }
        }
    }

    /// A `range` that is all of `expr` (a loop's container, a set's value) made one that
    /// knows its line, to report it there.
    fn locate_range(&mut self, expr: &mut Expr, line: usize, text: usize) {
        if let ExprVal::FunctionCall(f) = &mut expr.val {
            if f.name == "range" {
                self.registry.ranges.push(Range { at: Some((Arc::clone(&self.template), line)), text });
                f.name = range_name(self.registry.ranges.len() - 1);
            }
        }
    }

    /// A node calling a new [`Tick`] for `line` of this template.
    fn tick(&mut self, line: usize, text: usize, opens: bool) -> Node {
        self.registry.ticks.push(Tick { at: (Arc::clone(&self.template), line), text, opens });
        condition(tick_name(self.registry.ticks.len() - 1))
    }
}

/// An `if` with no body on a call to `name`: Tera makes the call and prints nothing, with
/// less work than for a print.
fn condition(name: String) -> Node {
    condition_on(Expr::new(ExprVal::FunctionCall(call(name))))
}

fn condition_on(test: Expr) -> Node {
    Node::If(If { conditions: vec![(WS::default(), test, Vec::new())], otherwise: None }, WS::default())
}

fn call(name: String) -> FunctionCall {
    FunctionCall { name, args: HashMap::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATES: [(&str, &str); 5] = [
        (
            "m.html",
            "{% macro show(x, h) %}{{ x }}|{{ x | safe }}|{{ h | upper }}|{{ \"<lit>\" }}|{{ x ~ h }}|{{ 1 + 2 }}|\
             {{ not x }}|{{ nothing | default(value=\"<d>\") }}|{% for i in [1, 2] %}{{ i }}{{ x }}{% endfor %}\
             {% set y = x ~ \"!\" %}{{ y }}{% filter upper %}{{ x }}{% endfilter %}{% endmacro show %}",
        ),
        (
            "page.html",
            "{% import \"m.html\" as m %}{{ m::show(x=x, h=h) }}{{ m::show(x=x, h=h) | safe }}\
             {% filter lower %}{{ x }}{{ m::show(x=x, h=h) }}{% endfilter %}\
             {% for i in range(end=3) %}{{ i }}{% endfor %}{% include \"inc.html\" %}\
             {% for r in rows %}<li>{% for p in r.parts %}{{ p }}{% endfor %}</li>{% endfor %}",
        ),
        ("inc.html", "{{ x }}{% for c in h %}{{ c }}{% else %}none{% endfor %}"),
        ("base.html", "{% filter upper %}{% block b %}{{ h }}{% endblock b %}{% endfilter %}<{% block c %}{% endblock c %}>"),
        ("child.html", "{% extends \"base.html\" %}{% block b %}[{{ x }}]{% endblock b %}{% block c %}{% for i in [1] %}{{ x }}{% endfor %}{% endblock c %}"),
    ];

    fn tera(rewritten: bool) -> Tera {
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html"]);
        tera.add_raw_templates(TEMPLATES).unwrap();
        if rewritten {
            let lines = TEMPLATES.iter().map(|(n, s)| (n.to_string(), super::super::scan::scan(s).unwrap())).collect();
            instrument(&mut tera, &lines);
        }
        tera
    }

    /// What is escaped and what is not, in macros, filter sections, included templates and
    /// blocks, stays as Tera has it: the calls and counts print nothing.
    #[test]
    fn rewritten_templates_print_the_same() {
        let (plain, rewritten) = (tera(false), tera(true));
        let mut ctx = tera::Context::new();
        ctx.insert("x", "<b>&</b>");
        ctx.insert("h", "it's");
        ctx.insert("rows", &[serde_json::json!({"parts": ["<a>", "b"]}), serde_json::json!({"parts": []})]);
        for name in ["page.html", "child.html"] {
            let expected = plain.render(name, &ctx).unwrap();
            assert_eq!(rewritten.render(name, &ctx).unwrap(), expected, "{name}");
        }
        assert!(rewritten.functions.keys().any(|f| f.starts_with('\u{1}')));
    }

    /// A loop over the data whose body is cheap is counted once, by its length, before it
    /// starts: three such loops one inside another over a thousand values stop at the
    /// budget, at the innermost loop, quickly.
    #[test]
    fn loops_counted_by_their_length_stop_at_the_budget() {
        let source =
            "{% for a in xs %}\n{% for b in xs %}\n{% for c in xs %}{{ c }}{% endfor %}{% endfor %}{% endfor %}";
        let mut tera = Tera::default();
        tera.add_raw_template("t.html", source).unwrap();
        instrument(&mut tera, &BTreeMap::from([("t.html".to_string(), super::super::scan::scan(source).unwrap())]));
        let mut ctx = tera::Context::new();
        ctx.insert("xs", &(0..1000).collect::<Vec<_>>());
        let (result, trip) = bounds::within(|| tera.render("t.html", &ctx));
        assert!(result.unwrap().is_err());
        let trip = trip.unwrap();
        assert_eq!(trip.at.map(|(t, line)| (t.to_string(), line)), Some(("t.html".to_string(), 3)));
        assert!(trip.message.contains("loop turns"), "{}", trip.message);
    }
}
