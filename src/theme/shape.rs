//! What a theme's templates may not be: recursive (a macro that calls itself, a template
//! that includes itself, directly or through others) or nested deeper than rolesite renders
//! safely. Tera parses and renders by recursion, so either would overflow the stack and abort
//! the process (under `serve`, the server): both are refused when the theme is loaded, from
//! the parsed trees (each source's own nesting is bounded before Tera parses it, in `scan`).

use std::collections::{BTreeMap, BTreeSet};
use tera::ast::{Expr, ExprVal, Node};

/// Levels of `if`, `for`, `block`, `filter` and `macro` one inside another, counted through
/// the macros called and the templates included (a call counts [`CALL`] levels): far more
/// than a page needs, and within the stack of a thread (2 MiB) even in a debug build.
pub const MAX_NESTING: usize = 32;
/// What a macro call or an include costs of [`MAX_NESTING`]: Tera's frames for a call take
/// about as much stack as two levels of `if`.
const CALL: usize = 2;
/// Something refused in one template, at a line of it (0 when unknown).
#[derive(Debug)]
pub struct Fault {
    pub template: String,
    pub line: usize,
    pub message: String,
}

pub fn nested_too_deep(depth: usize) -> String {
    format!(
        "tags nested {depth} deep, counting the macros and templates they call (if, for, block, filter, macro): \
         rolesite allows {MAX_NESTING}, as Tera renders by recursion"
    )
}

/// What Tera renders as one piece: a template (its blocks with it) or a macro of a file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Unit {
    Template(String),
    Macro(String, String),
}

impl Unit {
    fn file(&self) -> &str {
        match self {
            Unit::Template(t) | Unit::Macro(t, _) => t,
        }
    }

    fn name(&self) -> String {
        match self {
            Unit::Template(t) => t.clone(),
            Unit::Macro(file, m) => format!("{file}::{m}"),
        }
    }
}

/// A call from one unit to another, at a nesting level of the caller, and the text the call
/// is written with, to find its line.
#[derive(Debug)]
struct Call {
    to: usize,
    level: usize,
    needle: String,
}

/// Which files a macro call may reach. Tera looks a namespace up by the template the call
/// is rendered from, which is not always the one it is written in (a macro called inside a
/// block sees the block's template's names), so a call is taken to reach every macro of its
/// name that the namespace could stand for: `self::m` any file's `m`, `ns::m` the `m` of
/// every file imported as `ns` anywhere. A theme whose templates cannot recurse is refused
/// only when two of its macros share both a name and a namespace and one calls the other.
struct Resolver {
    defines: BTreeMap<String, BTreeSet<String>>,
    aliases: BTreeMap<String, BTreeSet<String>>,
}

impl Resolver {
    fn new(tera: &tera::Tera) -> Resolver {
        let (mut defines, mut aliases) = (BTreeMap::<_, BTreeSet<_>>::new(), BTreeMap::<_, BTreeSet<_>>::new());
        for (name, template) in &tera.templates {
            for m in template.macros.keys() {
                defines.entry(m.clone()).or_default().insert(name.clone());
            }
            for (file, alias) in &template.imported_macro_files {
                aliases.entry(alias.clone()).or_default().insert(file.clone());
            }
        }
        Resolver { defines, aliases }
    }

    fn resolve(&self, namespace: &str, name: &str) -> Vec<Unit> {
        let Some(files) = self.defines.get(name) else { return Vec::new() };
        let reached = |f: &&String| namespace == "self" || self.aliases.get(namespace).is_some_and(|a| a.contains(*f));
        files.iter().filter(reached).map(|f| Unit::Macro(f.clone(), name.to_string())).collect()
    }
}

/// The calls of one unit and its deepest level, gathered from its tree.
struct Walk<'a> {
    tera: &'a tera::Tera,
    resolver: &'a Resolver,
    calls: Vec<(Unit, usize, String)>,
    deepest: usize,
}

impl Walk<'_> {
    fn nodes(&mut self, nodes: &[Node], level: usize) {
        nodes.iter().for_each(|n| self.node(n, level));
    }

    fn node(&mut self, node: &Node, level: usize) {
        self.deepest = self.deepest.max(level);
        match node {
            Node::VariableBlock(_, e) => self.expr(e, level),
            Node::Set(_, s) => self.expr(&s.value, level),
            Node::FilterSection(_, f, _) => {
                f.filter.args.values().for_each(|e| self.expr(e, level));
                self.nodes(&f.body, level + 1);
            }
            Node::Block(_, b, _) => self.nodes(&b.body, level + 1),
            Node::Forloop(_, f, _) => {
                self.expr(&f.container, level);
                self.nodes(&f.body, level + 1);
                self.nodes(f.empty_body.as_deref().unwrap_or_default(), level + 1);
            }
            Node::If(i, _) => {
                for (_, condition, body) in &i.conditions {
                    self.expr(condition, level);
                    self.nodes(body, level + 1);
                }
                self.nodes(i.otherwise.as_ref().map_or(&[][..], |(_, b)| b), level + 1);
            }
            Node::Include(_, names, _) => {
                for name in names.iter().filter(|n| self.tera.templates.contains_key(*n)) {
                    self.calls.push((Unit::Template(name.clone()), level, name.clone()));
                }
            }
            // Macros are units of their own; the rest holds no expression.
            _ => {}
        }
    }

    fn expr(&mut self, expr: &Expr, level: usize) {
        self.value(&expr.val, level);
        expr.filters.iter().flat_map(|f| f.args.values()).for_each(|e| self.expr(e, level));
    }

    fn value(&mut self, value: &ExprVal, level: usize) {
        match value {
            ExprVal::Math(m) => [&m.lhs, &m.rhs].into_iter().for_each(|e| self.expr(e, level)),
            ExprVal::Logic(l) => [&l.lhs, &l.rhs].into_iter().for_each(|e| self.expr(e, level)),
            ExprVal::In(i) => [&i.lhs, &i.rhs].into_iter().for_each(|e| self.expr(e, level)),
            ExprVal::Test(t) => t.args.iter().for_each(|e| self.expr(e, level)),
            ExprVal::FunctionCall(f) => f.args.values().for_each(|e| self.expr(e, level)),
            ExprVal::Array(items) => items.iter().for_each(|e| self.expr(e, level)),
            ExprVal::StringConcat(c) => c.values.iter().for_each(|v| self.value(v, level)),
            ExprVal::MacroCall(m) => {
                m.args.values().for_each(|e| self.expr(e, level));
                let needle = format!("{}::{}", m.namespace, m.name);
                for unit in self.resolver.resolve(&m.namespace, &m.name) {
                    self.calls.push((unit, level, needle.clone()));
                }
            }
            _ => {}
        }
    }
}

/// The units of a theme and what each calls, with how deep each nests by itself. Two such
/// graphs are checked: what is rendered (templates and macros, linked by includes, macro
/// calls and the template each extends), and the imports, which Tera follows by recursion
/// before it renders anything.
struct Graph<'a> {
    units: Vec<Unit>,
    calls: Vec<Vec<Call>>,
    deepest: Vec<usize>,
    sources: &'a BTreeMap<String, String>,
    /// What a template does to reach itself: `includes` or `imports`.
    verb: &'static str,
}

type Walked = Vec<(Unit, Vec<(Unit, usize, String)>, usize)>;

impl<'a> Graph<'a> {
    fn rendered(tera: &tera::Tera, sources: &'a BTreeMap<String, String>) -> Graph<'a> {
        let resolver = Resolver::new(tera);
        let mut walked = Vec::new();
        for (name, template) in sorted(&tera.templates) {
            let mut walk = Walk { tera, resolver: &resolver, calls: Vec::new(), deepest: 0 };
            walk.nodes(&template.ast, 0);
            // A child's blocks are rendered inside its parent's: their levels add up.
            if let Some(parent) = template.parent.as_ref().filter(|p| tera.templates.contains_key(*p)) {
                walk.calls.push((Unit::Template(parent.clone()), walk.deepest, "extends".into()));
            }
            walked.push((Unit::Template(name.clone()), walk.calls, walk.deepest));
            for (m, definition) in sorted(&template.macros) {
                let mut walk = Walk { tera, resolver: &resolver, calls: Vec::new(), deepest: 1 };
                walk.nodes(&definition.body, 1);
                walked.push((Unit::Macro(name.clone(), m.clone()), walk.calls, walk.deepest));
            }
        }
        Graph::linked(walked, sources, "includes")
    }

    fn imports(tera: &tera::Tera, sources: &'a BTreeMap<String, String>) -> Graph<'a> {
        let walked = sorted(&tera.templates)
            .into_iter()
            .map(|(name, template)| {
                let imported = template.imported_macro_files.iter().filter(|(f, _)| tera.templates.contains_key(f));
                let calls = imported.map(|(f, _)| (Unit::Template(f.clone()), 0, f.clone())).collect();
                (Unit::Template(name.clone()), calls, 0)
            })
            .collect();
        Graph::linked(walked, sources, "imports")
    }

    /// The graph of `walked`, its calls by index, in a fixed order: the cycle reported is
    /// the same from one run to the next.
    fn linked(walked: Walked, sources: &'a BTreeMap<String, String>, verb: &'static str) -> Graph<'a> {
        let units: Vec<Unit> = walked.iter().map(|(u, _, _)| u.clone()).collect();
        let index: BTreeMap<&Unit, usize> = units.iter().enumerate().map(|(i, u)| (u, i)).collect();
        let (mut calls, mut deepest) = (Vec::new(), Vec::new());
        for (_, called, depth) in walked {
            let mut linked: Vec<Call> =
                called.into_iter().map(|(to, level, needle)| Call { to: index[&to], level, needle }).collect();
            linked.sort_by(|a, b| (a.to, a.level, &a.needle).cmp(&(b.to, b.level, &b.needle)));
            calls.push(linked);
            deepest.push(depth);
        }
        Graph { units, calls, deepest, sources, verb }
    }

    /// The line of the first call written as `needle` in `unit`, or of the unit itself.
    fn line(&self, unit: &Unit, needle: Option<&str>) -> usize {
        let Some(source) = self.sources.get(unit.file()) else { return 0 };
        let start = match unit {
            Unit::Template(_) => 0,
            Unit::Macro(_, m) => source
                .lines()
                .position(|l| l.contains("macro") && (l.contains(&format!("{m}(")) || l.contains(&format!("{m} ("))))
                .unwrap_or(0),
        };
        let Some(needle) = needle else { return start + 1 };
        source.lines().enumerate().skip(start).find(|(_, l)| l.contains(needle)).map_or(start + 1, |(i, _)| i + 1)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Seen {
    Not,
    Open,
    Done,
}

fn sorted<V>(map: &std::collections::HashMap<String, V>) -> Vec<(&String, &V)> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by_key(|(k, _)| *k);
    entries
}

/// Refuse any template or macro that can reach itself, through imports or through what is
/// rendered, or that nests deeper than [`MAX_NESTING`].
pub fn check(tera: &tera::Tera, sources: &BTreeMap<String, String>) -> Result<(), Fault> {
    walk(&Graph::imports(tera, sources))?;
    walk(&Graph::rendered(tera, sources))
}

fn walk(graph: &Graph) -> Result<(), Fault> {
    let mut seen = vec![Seen::Not; graph.units.len()];
    let mut depth = vec![0; graph.units.len()];
    for root in 0..graph.units.len() {
        if seen[root] != Seen::Not {
            continue;
        }
        // Depth first, with a stack of its own: a theme's call chain may be long.
        let mut stack = vec![(root, 0)];
        seen[root] = Seen::Open;
        while let Some((unit, next)) = stack.last_mut() {
            let unit = *unit;
            if let Some(call) = graph.calls[unit].get(*next) {
                *next += 1;
                match seen[call.to] {
                    Seen::Not => {
                        seen[call.to] = Seen::Open;
                        stack.push((call.to, 0));
                    }
                    Seen::Open => return Err(cycle(graph, &stack, call)),
                    Seen::Done => {}
                }
                continue;
            }
            let through = graph.calls[unit].iter().map(|c| c.level + CALL + depth[c.to]);
            depth[unit] = through.fold(graph.deepest[unit], usize::max);
            if depth[unit] > MAX_NESTING {
                return Err(too_deep(graph, &depth, unit));
            }
            seen[unit] = Seen::Done;
            stack.pop();
        }
    }
    Ok(())
}

/// The fault of `call`, from the unit on top of `stack` back to one below it.
fn cycle(graph: &Graph, stack: &[(usize, usize)], call: &Call) -> Fault {
    let from = stack.iter().position(|(u, _)| *u == call.to).unwrap_or(0);
    let path: Vec<String> =
        stack[from..].iter().map(|(u, _)| graph.units[*u].name()).chain([graph.units[call.to].name()]).collect();
    let caller = &graph.units[stack[stack.len() - 1].0];
    let subject = match &graph.units[call.to] {
        Unit::Macro(_, m) => format!("macro {m} calls itself"),
        Unit::Template(t) => format!("template {t} {} itself", graph.verb),
    };
    Fault {
        template: caller.file().to_string(),
        line: graph.line(caller, Some(&call.needle)),
        message: format!(
            "{subject} through {}; rolesite's templates may not recurse: the views give nested lists ready to print",
            path.join(" → ")
        ),
    }
}

/// The fault of a unit that nests too deep, with the path of its deepest calls.
fn too_deep(graph: &Graph, depth: &[usize], unit: usize) -> Fault {
    let deepest = |u: usize| graph.calls[u].iter().max_by_key(|c| c.level + CALL + depth[c.to]);
    let first = deepest(unit).filter(|c| c.level + CALL + depth[c.to] > graph.deepest[unit]);
    let mut path = vec![graph.units[unit].name()];
    let mut at = first;
    while let Some(call) = at {
        path.push(graph.units[call.to].name());
        at = deepest(call.to).filter(|c| c.level + CALL + depth[c.to] > graph.deepest[call.to]);
    }
    let unit_ = &graph.units[unit];
    Fault {
        template: unit_.file().to_string(),
        line: graph.line(unit_, first.map(|c| c.needle.as_str())),
        message: format!("{} through {}", nested_too_deep(depth[unit]), path.join(" → ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded(templates: &[(&str, &str)]) -> Result<(), Fault> {
        for (_, source) in templates {
            super::super::scan::scan(source).map_err(|(line, message)| Fault {
                template: String::new(),
                line,
                message,
            })?;
        }
        let mut tera = tera::Tera::default();
        tera.add_raw_templates(templates.to_vec()).unwrap();
        let sources = templates.iter().map(|(n, s)| (n.to_string(), s.to_string())).collect();
        check(&tera, &sources)
    }

    #[test]
    fn the_default_theme_neither_recurses_nor_nests_too_deep() {
        let templates: Vec<(&str, &str)> =
            crate::theme::DEFAULT_FILES.iter().filter_map(|(n, t)| Some((n.strip_prefix("templates/")?, *t))).collect();
        loaded(&templates).unwrap();
    }

    #[test]
    fn recursion_is_found_through_macros_imports_and_includes() {
        let direct = loaded(&[("m.html", "{% macro tree(n) %}\n{{ self::tree(n=n) }}{% endmacro tree %}")]);
        let fault = direct.unwrap_err();
        assert_eq!((fault.template.as_str(), fault.line), ("m.html", 2));
        assert!(fault.message.contains("macro tree calls itself through m.html::tree → m.html::tree"), "{fault:?}");
        // Rendered inside a block, b's `self::` is the block's template's namespace, which
        // holds the macros of a.html: Tera recurses there, though not outside a block.
        let mutual = loaded(&[
            ("a.html", "{% import \"b.html\" as b %}{% macro ping() %}{{ b::pong() }}{% endmacro %}"),
            ("b.html", "{% macro pong() %}\n\n{{ self::ping() }}{% endmacro %}"),
        ]);
        let fault = mutual.unwrap_err();
        assert_eq!((fault.template.as_str(), fault.line), ("b.html", 3));
        assert!(fault.message.contains("a.html::ping → b.html::pong → a.html::ping"), "{fault:?}");
        let imports = loaded(&[("a.html", "{% import \"b.html\" as b %}"), ("b.html", "{% import \"a.html\" as a %}")]);
        assert!(imports
            .unwrap_err()
            .message
            .contains("template a.html imports itself through a.html → b.html → a.html"));
        let included = loaded(&[("a.html", "{% include \"b.html\" %}"), ("b.html", "x\n{% include \"a.html\" %}")]);
        let fault = included.unwrap_err();
        assert_eq!((fault.template.as_str(), fault.line), ("b.html", 2));
        assert!(fault.message.contains("template a.html includes itself through a.html → b.html → a.html"));
        let imported = loaded(&[("a.html", "{% import \"a.html\" as a %}")]).unwrap_err();
        assert!(imported.message.contains("template a.html imports itself through a.html → a.html"), "{imported:?}");
        // Through an expression anywhere: a loop's container, a filter's argument, a condition.
        for place in [
            "{% for x in [self::f()] %}{% endfor %}",
            "{{ 1 | default(value=self::f()) }}",
            "{% if self::f() %}{% endif %}",
        ] {
            let source = format!("{{% macro f() %}}{place}{{% endmacro %}}");
            assert!(loaded(&[("m.html", &source)]).is_err(), "{place}");
        }
    }

    #[test]
    fn nesting_is_bounded_in_a_template_and_across_calls() {
        let nested = |n: usize| "{% if true %}".repeat(n) + &"{% endif %}".repeat(n);
        assert!(loaded(&[("a.html", &nested(MAX_NESTING))]).is_ok());
        assert_eq!(loaded(&[("a.html", &nested(MAX_NESTING + 1))]).unwrap_err().line, 1);
        // Sixteen levels in each of two macros, one calling the other: 16 + 2 + 16.
        let half = |body: &str| format!("{}{body}{}", "{% if true %}".repeat(15), "{% endif %}".repeat(15));
        let source = format!(
            "{{% macro a() %}}{}{{% endmacro %}}{{% macro b() %}}{}{{% endmacro %}}",
            half("{{ self::b() }}"),
            half("")
        );
        let fault = loaded(&[("m.html", &source)]).unwrap_err();
        assert!(fault.message.contains("through m.html::a → m.html::b"), "{fault:?}");
    }
}
