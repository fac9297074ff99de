//! Reading Tera's parsed trees: what a print escapes, what a `set` can make, the text a
//! run of nodes writes, and the nodes, macros and blocks a tree holds, found without
//! recursion where a tree may be deep.

use std::collections::{BTreeSet, HashMap};
use tera::ast::{Block, Expr, ExprVal, Node};
use tera::Tera;

/// Whether Tera escapes what `expr` prints (when it is a string): not when marked `safe`;
/// otherwise it goes by the last filter applied (none of rolesite's is safe), and without
/// one by the value: a string literal, a variable or a function call's result is escaped,
/// a macro's output is not.
pub fn escaped(expr: &Expr) -> bool {
    if expr.is_marked_safe() {
        return false;
    }
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

/// Whether what `expr` prints is a number or a boolean: a sum, a comparison, a test, a
/// literal, a negation.
pub fn small(expr: &Expr) -> bool {
    let plain = matches!(
        expr.val,
        ExprVal::Math(_)
            | ExprVal::Logic(_)
            | ExprVal::Test(_)
            | ExprVal::In(_)
            | ExprVal::Int(_)
            | ExprVal::Float(_)
            | ExprVal::Bool(_)
    );
    expr.negated || (plain && expr.filters.is_empty())
}

/// A `set` of a variable or a literal as it is cannot make anything larger than what is
/// already there.
pub fn can_grow(expr: &Expr) -> bool {
    let plain = matches!(
        expr.val,
        ExprVal::Ident(_) | ExprVal::String(_) | ExprVal::Int(_) | ExprVal::Float(_) | ExprVal::Bool(_)
    );
    !plain || !expr.filters.is_empty()
}

/// The text a run of `nodes` writes outside the loops and macros inside it (each counts
/// its own), taking every branch.
pub fn text_of(nodes: &[Node]) -> usize {
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

pub fn macros_of(ast: &[Node]) -> HashMap<String, tera::ast::MacroDefinition> {
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
pub fn blocks_of(ast: &[Node]) -> HashMap<String, Block> {
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
pub fn blocks_in_filters(tera: &Tera) -> BTreeSet<String> {
    let nodes = tera.templates.values().flat_map(|t| every_node(&t.ast));
    nodes
        .filter_map(|(n, inside)| match n {
            Node::Block(_, b, _) if inside => Some(b.name.clone()),
            _ => None,
        })
        .collect()
}

/// Every template some template includes.
pub fn included(tera: &Tera) -> BTreeSet<String> {
    let nodes = tera.templates.values().flat_map(|t| every_node(&t.ast));
    nodes
        .flat_map(|(n, _)| match n {
            Node::Include(_, names, _) => names.clone(),
            _ => Vec::new(),
        })
        .collect()
}
