//! The library's modules form layers: each uses only modules below it. This reads every
//! source file of the library, gathers which top-level modules it names (`crate::x`,
//! `use crate::{x, y::z}`), and fails on a circle of imports, naming it, and on a name taken
//! from the crate root rather than from the module that owns it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level module → the top-level modules its files name.
fn imports(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in rust_files(src) {
        let rel = file.strip_prefix(src).unwrap();
        let top = rel.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
        // The program (main.rs and its cmd/ modules) stands above the library.
        if top == "main" || top == "cmd" {
            continue;
        }
        let text = without_comments(&std::fs::read_to_string(&file).unwrap());
        let names = graph.entry(top.clone()).or_default();
        names.extend(named_after_crate(&text).into_iter().filter(|n| *n != top));
    }
    graph
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The text with `//` comments dropped (doc comments name modules in prose).
fn without_comments(text: &str) -> String {
    text.lines().map(|l| l.split_once("//").map_or(l, |(code, _)| code)).collect::<Vec<_>>().join("\n")
}

/// The first path segment after each `crate::`, and each top-level name of a
/// `crate::{…}` group.
fn named_after_crate(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        names.insert(first_segment(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            names.insert(first_segment(&item));
        } else {
            names.insert(first_segment(rest));
        }
    }
    names.remove("");
    names
}

fn first_segment(path: &str) -> String {
    path.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
}

/// A circle of imports, when there is one: the modules along it, the first again at the end.
fn circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        at: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|m| m == at) {
            let mut found = path[start..].to_vec();
            found.push(at.to_string());
            return Some(found);
        }
        if !done.insert(at.to_string()) {
            return None;
        }
        path.push(at.to_string());
        for next in graph.get(at).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|m| visit(m, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_module_of_the_library_imports_in_a_circle_or_from_the_crate_root() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph = imports(&src);
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    let from_root: Vec<String> = graph
        .iter()
        .flat_map(|(m, names)| names.iter().filter(|n| !modules.contains(*n)).map(move |n| format!("{m} → crate::{n}")))
        .collect();
    assert!(from_root.is_empty(), "names taken from the crate root, not from their module: {from_root:?}");
    graph.remove("lib");
    assert_eq!(circle(&graph), None, "a circle of imports");
}

/// The check finds what it is for: a circle, and a name from the root.
#[test]
fn the_import_check_finds_a_circle_and_group_imports() {
    let names = named_after_crate("use crate::{a, b::{c, d}, e::F};\nlet x = crate::g::h();");
    assert_eq!(names, ["a", "b", "e", "g"].map(String::from).into_iter().collect());
    let graph: BTreeMap<String, BTreeSet<String>> = [("a", "b"), ("b", "c"), ("c", "a"), ("d", "a")]
        .map(|(m, n)| (m.to_string(), BTreeSet::from([n.to_string()])))
        .into_iter()
        .collect();
    assert_eq!(circle(&graph), Some(["a", "b", "c", "a"].map(String::from).to_vec()));
    let line: BTreeMap<String, BTreeSet<String>> =
        [("a", "b"), ("b", "c")].map(|(m, n)| (m.to_string(), BTreeSet::from([n.to_string()]))).into_iter().collect();
    assert_eq!(circle(&line), None);
}
