//! The parsed templates, rewritten so that Tera counts its own work (see `bounds`): a call
//! at the start of every loop turn, macro call and included template; a count of what
//! macros and filter sections print; a check of each `set` that can grow. Tera has no hook
//! for this, but its trees are public; the calls print nothing, so the pages are the same.
//!
//! Tera keeps copies of parts of each tree (macros by name, blocks, the block chains of
//! templates that extend others): each template's tree is rewritten once, in source order
//! (which is how the lines of its loops are known), and the copies are taken again from it.

use super::bounds::{self, Gathered, Made, Range, Tick};
use super::scan::Lines;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use tera::ast::{Block, Expr, ExprVal, FunctionCall, Node, WS};
use tera::Tera;

const GATHERED: &str = "__rolesite_gathered";
const GATHERED_SAFE: &str = "__rolesite_gathered_safe";

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
            loops: lines.loops.iter(),
            sets: lines.sets.iter(),
            macros: lines.macros.iter(),
            gathered_blocks: &gathered_blocks,
            registry: &mut registry,
        };
        let gathered = included.contains(name);
        rewrite.nodes(&mut template.ast, gathered);
        if gathered {
            let tick = rewrite.tick(0, text_of(&template.ast));
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
        tera.register_filter(GATHERED, Gathered { safe: false });
        tera.register_filter(GATHERED_SAFE, Gathered { safe: true });
        tera.register_function("range", Range { at: None });
        tera.register_function("get_env", bounds::get_env);
        for (name, ahead) in bounds::AHEAD {
            bound(tera, name, *ahead);
        }
        for name in bounds::AFTER {
            bound(tera, name, |_, _| 0);
        }
    }
}

fn bound(tera: &mut Tera, name: &'static str, ahead: bounds::Ahead) {
    if let Some(inner) = tera.filters.get(name).cloned() {
        tera.register_filter(name, bounds::Bounded { name, inner, ahead });
    }
}

fn tick_name(i: usize) -> String {
    format!("__rolesite_tick_{i}")
}

fn made_name(i: usize) -> String {
    format!("__rolesite_made_{i}")
}

fn range_name(i: usize) -> String {
    format!("__rolesite_range_{i}")
}

struct Rewrite<'a> {
    template: Arc<str>,
    loops: std::slice::Iter<'a, usize>,
    sets: std::slice::Iter<'a, usize>,
    macros: std::slice::Iter<'a, usize>,
    gathered_blocks: &'a BTreeSet<String>,
    registry: &'a mut Registry,
}

impl Rewrite<'_> {
    /// Rewrite `nodes`; `gathered` when what they print goes into Tera's own buffer (inside
    /// a macro or a filter section, or an included template, which a macro may include).
    fn nodes(&mut self, nodes: &mut [Node], gathered: bool) {
        nodes.iter_mut().for_each(|n| self.node(n, gathered));
    }

    fn node(&mut self, node: &mut Node, gathered: bool) {
        match node {
            Node::Forloop(_, f, _) => {
                let line = self.loops.next().copied().unwrap_or(0);
                self.locate_range(&mut f.container, line);
                let text = if gathered { text_of(&f.body) } else { 0 };
                self.nodes(&mut f.body, gathered);
                self.nodes(f.empty_body.as_deref_mut().unwrap_or_default(), gathered);
                let tick = self.tick(line, text);
                f.body.insert(0, tick);
            }
            Node::MacroDefinition(_, m, _) => {
                let line = self.macros.next().copied().unwrap_or(0);
                let text = text_of(&m.body);
                self.nodes(&mut m.body, true);
                let tick = self.tick(line, text);
                m.body.insert(0, tick);
            }
            Node::FilterSection(_, f, _) => self.nodes(&mut f.body, true),
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
                self.locate_range(&mut set.value, line);
                if can_grow(&set.value) {
                    self.registry.made.push(Made { at: (Arc::clone(&self.template), line) });
                    set.value.filters.push(call(made_name(self.registry.made.len() - 1)));
                }
            }
            Node::VariableBlock(_, e) if gathered => {
                // Tera escapes by the last filter applied; keep what it would have done.
                let escaped = escapes(e) && !e.is_marked_safe();
                e.filters.push(call(if escaped { GATHERED } else { GATHERED_SAFE }.to_string()));
            }
            _ => {}
        }
    }

    /// A `range` that is all of `expr` (a loop's container, a set's value) made one that
    /// knows its line, to report it there.
    fn locate_range(&mut self, expr: &mut Expr, line: usize) {
        if let ExprVal::FunctionCall(f) = &mut expr.val {
            if f.name == "range" {
                self.registry.ranges.push(Range { at: Some((Arc::clone(&self.template), line)) });
                f.name = range_name(self.registry.ranges.len() - 1);
            }
        }
    }

    /// A node calling a new [`Tick`] for `line` of this template.
    fn tick(&mut self, line: usize, text: usize) -> Node {
        self.registry.ticks.push(Tick { at: (Arc::clone(&self.template), line), text });
        let name = tick_name(self.registry.ticks.len() - 1);
        Node::VariableBlock(WS::default(), Expr::new(ExprVal::FunctionCall(call(name))))
    }
}

fn call(name: String) -> FunctionCall {
    FunctionCall { name, args: HashMap::new() }
}

/// Whether Tera escapes what `expr` prints, before `safe` is considered: it goes by the
/// last filter applied (none of rolesite's is safe), and without one by the value: a string
/// literal, a variable or a function call's result is escaped, a macro's output is not.
fn escapes(expr: &Expr) -> bool {
    if expr.filters.iter().any(|f| f.name != "safe" && f.name != "default") {
        return true;
    }
    match &expr.val {
        ExprVal::String(_) | ExprVal::FunctionCall(_) => true,
        ExprVal::Ident(name) => name != "__tera_context",
        ExprVal::StringConcat(c) => c.values.iter().any(|v| matches!(v, ExprVal::FunctionCall(_))),
        _ => false,
    }
}

/// A `set` of a variable or a literal as it is cannot make anything larger than what is
/// already there.
fn can_grow(expr: &Expr) -> bool {
    let plain = matches!(
        expr.val,
        ExprVal::Ident(_) | ExprVal::String(_) | ExprVal::Int(_) | ExprVal::Float(_) | ExprVal::Bool(_)
    );
    !plain || !expr.filters.is_empty()
}

/// The text a run of `nodes` writes outside the loops and macros inside it (each counts
/// its own), taking every branch.
fn text_of(nodes: &[Node]) -> usize {
    nodes
        .iter()
        .map(|n| match n {
            Node::Text(t) | Node::Raw(_, t, _) => t.len(),
            Node::If(i, _) => {
                let branches = i.conditions.iter().map(|(_, _, b)| b).chain(i.otherwise.as_ref().map(|(_, b)| b));
                branches.map(|b| text_of(b)).sum()
            }
            Node::FilterSection(_, f, _) => text_of(&f.body),
            Node::Block(_, b, _) => text_of(&b.body),
            Node::Forloop(_, f, _) => text_of(f.empty_body.as_deref().unwrap_or_default()),
            _ => 0,
        })
        .sum()
}

fn macros_of(ast: &[Node]) -> HashMap<String, tera::ast::MacroDefinition> {
    ast.iter()
        .filter_map(|n| match n {
            Node::MacroDefinition(_, m, _) => Some((m.name.clone(), m.clone())),
            _ => None,
        })
        .collect()
}

/// The runs of nodes directly inside `node`: bodies of blocks, loops, branches, macros and
/// filter sections.
fn bodies(node: &Node) -> Vec<&[Node]> {
    match node {
        Node::Block(_, b, _) => vec![&b.body],
        Node::MacroDefinition(_, m, _) => vec![&m.body],
        Node::FilterSection(_, f, _) => vec![&f.body],
        Node::Forloop(_, f, _) => {
            [Some(&f.body), f.empty_body.as_ref()].into_iter().flatten().map(Vec::as_slice).collect()
        }
        Node::If(i, _) => {
            let branches = i.conditions.iter().map(|(_, _, b)| b).chain(i.otherwise.as_ref().map(|(_, b)| b));
            branches.map(Vec::as_slice).collect()
        }
        _ => Vec::new(),
    }
}

/// Every node of a tree with whether it stands inside a filter section, without recursion.
fn every_node(ast: &[Node]) -> Vec<(&Node, bool)> {
    let mut out = Vec::new();
    let mut stack: Vec<(&[Node], bool)> = vec![(ast, false)];
    while let Some((nodes, inside)) = stack.pop() {
        for node in nodes {
            out.push((node, inside));
            let inside = inside || matches!(node, Node::FilterSection(..));
            stack.extend(bodies(node).into_iter().map(|b| (b, inside)));
        }
    }
    out
}

/// Every block of a tree by name, nested ones too, as Tera gathers them.
fn blocks_of(ast: &[Node]) -> HashMap<String, Block> {
    every_node(ast)
        .into_iter()
        .filter_map(|(n, _)| match n {
            Node::Block(_, b, _) => Some((b.name.clone(), b.clone())),
            _ => None,
        })
        .collect()
}

/// The names of the blocks that stand inside a filter section: what fills them in a child
/// template goes into the section's buffer.
fn blocks_in_filters(tera: &Tera) -> BTreeSet<String> {
    let nodes = tera.templates.values().flat_map(|t| every_node(&t.ast));
    nodes
        .filter_map(|(n, inside)| match n {
            Node::Block(_, b, _) if inside => Some(b.name.clone()),
            _ => None,
        })
        .collect()
}

/// Every template some template includes.
fn included(tera: &Tera) -> BTreeSet<String> {
    let nodes = tera.templates.values().flat_map(|t| every_node(&t.ast));
    nodes
        .flat_map(|(n, _)| match n {
            Node::Include(_, names, _) => names.clone(),
            _ => Vec::new(),
        })
        .collect()
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
             {% for i in range(end=3) %}{{ i }}{% endfor %}{% include \"inc.html\" %}",
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
        for name in ["page.html", "child.html"] {
            let expected = plain.render(name, &ctx).unwrap();
            assert_eq!(rewritten.render(name, &ctx).unwrap(), expected, "{name}");
        }
        assert!(rewritten.functions.keys().any(|f| f.starts_with("__rolesite_tick_")));
    }
}
