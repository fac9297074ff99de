//! A released revision's data read back into the model: `roles.json` as `data/roles.json`
//! publishes it. It is held to its schema (`schema/roles.schema.json`, compiled in) and to
//! what the model needs besides (rows in 項番 order, roles naming listed vendors, parents
//! that are headings), and every fault is reported at its line: a hand-edited frozen file
//! is refused unless it is valid.

use crate::diag::{Code, Error, Location, Result};
use crate::legend::Legend;
use crate::model::{Basis, Document, Flag, Frame, Gap, Kind, Role, Row, Subsystem, Table, Vendor};
use serde::Deserialize;
use std::path::Path;
use std::sync::OnceLock;

/// The schema every `roles.json` rolesite writes is valid against.
pub const SCHEMA: &str = include_str!("../../schema/roles.schema.json");

/// The table `path` holds, checked. Rows keep the source file and line they were read from
/// when released; findings are their flags, at those places.
pub fn read(path: &Path) -> Result<Table> {
    let text = crate::files::text(path, "a revision's roles.json")?;
    read_text(path, &text)
}

/// `read`, of text already in memory (`path` names it in errors).
pub fn read_text(path: &Path, text: &str) -> Result<Table> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        let at = Location::new(path, e.line()).with_col(e.column());
        Error::at(Code::Revision, at, format!("not JSON: {e}"))
    })?;
    let located = |pointer: &str, message: String| Error::at(Code::Revision, locate(path, text, pointer), message);
    if let Some(e) = schema().iter_errors(&value).next() {
        let pointer = e.instance_path().as_str().to_string();
        let field = if pointer.is_empty() { "the file".to_string() } else { pointer.clone() };
        return Err(located(&pointer, format!("not valid against the roles.json schema at {field}: {e}")));
    }
    let export: Export = serde_json::from_value(value).map_err(|e| located("", format!("cannot be read: {e}")))?;
    let table = export.into_table().map_err(|(pointer, message)| located(&pointer, message))?;
    Ok(table)
}

/// `read_text` of data a build validated before, unchanged since (its hash is in the stamp
/// of the tree made from it; see `write::frozen`): read straight into the model, whose own
/// checks still run, without the schema's pass over a tree of every value.
pub fn read_validated(path: &Path, text: &str) -> Result<Table> {
    let export: Export = serde_json::from_str(text).map_err(|e| {
        let at = Location::new(path, e.line()).with_col(e.column());
        Error::at(Code::Revision, at, format!("cannot be read: {e}"))
    })?;
    let located = |pointer: &str, message: String| Error::at(Code::Revision, locate(path, text, pointer), message);
    export.into_table().map_err(|(pointer, message)| located(&pointer, message))
}

/// `read_validated` of a revision's data whose rows mostly stand, byte for byte, as in the
/// revision released before it (`before`: that revision's layout and frame): a row the
/// same as there (told by the hashes of their bytes) is that row, shared and not parsed
/// again; only the others are. A build reads every revision, and ten of a 10,000-task
/// table are 128 MB of JSON, most of it the same rows again. `None` when the two differ
/// before their rows (document, legend, vendors), or any check fails: then the file is read
/// whole (`read_validated`), which tells where.
pub fn read_sharing(text: &str, laid: &Layout, before: (&Layout, &Frame)) -> Option<Frame> {
    use rayon::prelude::*;
    use std::sync::Arc;
    let (prev_laid, prev) = before;
    let prev_rows = prev.shared_rows();
    if laid.keys.head != prev_laid.keys.head || prev_laid.rows.len() != prev_rows.len() {
        return None;
    }
    enum Read {
        Same(Arc<Row>),
        New(RowIn),
    }
    let read: Vec<Read> = (laid.rows.par_iter().zip(&laid.keys.rows))
        .map(|(&(start, end), key)| {
            let chunk = &text[start..end];
            let no: u32 = chunk.strip_prefix("    {\n      \"no\": ")?.split(',').next()?.parse().ok()?;
            let j = prev_rows.binary_search_by_key(&no, |r| r.no).ok();
            let same = |j: &usize| prev_laid.keys.rows.get(*j) == Some(key);
            if let Some(j) = j.filter(same) {
                return Some(Read::Same(Arc::clone(&prev_rows[j])));
            }
            serde_json::from_str::<RowIn>(chunk).ok().filter(|r| r.no == no).map(Read::New)
        })
        .collect::<Option<_>>()?;
    let mut rows: Vec<Arc<Row>> = Vec::with_capacity(read.len());
    for (i, r) in read.into_iter().enumerate() {
        let last = rows.last().map(|l| l.no);
        let heading = |p: u32| rows.binary_search_by_key(&p, |h| h.no).is_ok_and(|k| rows[k].is_heading());
        let row = match r {
            // The same bytes under the same document and vendors: valid as they were, but
            // for where they stand now.
            Read::Same(row) => {
                let placed = last.is_none_or(|l| l < row.no) && row.parent.is_none_or(heading);
                placed.then_some(row)?
            }
            Read::New(r) => {
                let row = row(i, r, &prev.vendors, &prev.document.legend, (last, &heading)).ok()?;
                Frame::share(Some(prev), row)
            }
        };
        rows.push(row);
    }
    let tail = &text[laid.tail..];
    let gaps = match laid.keys.tail == prev_laid.keys.tail {
        true => prev.gaps.clone(),
        false => {
            #[derive(Deserialize)]
            struct Tail {
                gaps: Vec<GapIn>,
            }
            let tail: Tail = serde_json::from_str(&format!("{{{}", tail.strip_prefix("  ],")?)).ok()?;
            tail.gaps.into_iter().map(gap).collect()
        }
    };
    let mut document = prev.document.clone();
    document.legend.several = rows.iter().any(|r| several(r));
    let (vendors, subsystems) = (prev.vendors.clone(), prev.subsystems.clone());
    let table = Table { document, vendors, subsystems, gaps, ..Table::default() };
    Some(Frame::from_parts(table, rows))
}

/// A `roles.json` as rolesite writes it (`serde_json::to_string_pretty`), cut at its rows:
/// where what stands before them ends, each row's text (from its `    {` to its `    }`),
/// and where what stands after begins (the rows' `  ]`). A string holds no line break, so
/// a line of four spaces and a brace opens or closes a row, and only a row.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    rows: Vec<(usize, usize)>,
    tail: usize,
    keys: Keys,
}

/// The hashes of a layout's parts: what the next revision's are held to, so that its text
/// need not be held while the next one is read (13 MB for a 10,000-task table).
#[derive(Debug, Clone, Default)]
struct Keys {
    head: u128,
    rows: Vec<u128>,
    tail: u128,
}

impl Layout {
    /// `None` when `text` is laid out otherwise (or has no rows).
    pub fn of(text: &str) -> Option<Layout> {
        const OPEN: &str = "\n  \"rows\": [\n";
        let head = text.find(OPEN)? + OPEN.len();
        let close = memchr::memmem::Finder::new("\n    }");
        let mut rows = Vec::new();
        let mut at = head;
        loop {
            let rest = &text[at..];
            if !rest.starts_with("    {\n") {
                return None;
            }
            let end = close.find(rest.as_bytes())? + "\n    }".len();
            rows.push((at, at + end));
            match &rest[end..] {
                r if r.starts_with(",\n") => at += end + 2,
                r if r.starts_with("\n  ]") => return Some(Layout::keyed(text, head, rows, at + end + 1)),
                _ => return None,
            }
        }
    }

    fn keyed(text: &str, head: usize, rows: Vec<(usize, usize)>, tail: usize) -> Layout {
        let (key, bytes) = (crate::hash::bytes, text.as_bytes());
        let keys = Keys {
            head: key(&bytes[..head]),
            rows: rows.iter().map(|&(s, e)| key(&bytes[s..e])).collect(),
            tail: key(&bytes[tail..]),
        };
        Layout { rows, tail, keys }
    }
}

fn schema() -> &'static jsonschema::Validator {
    static SCHEMA_VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    SCHEMA_VALIDATOR.get_or_init(|| {
        let schema: serde_json::Value = serde_json::from_str(SCHEMA).expect("the schema shipped is JSON");
        jsonschema::validator_for(&schema).expect("the schema shipped is a valid schema")
    })
}

/// Where the value at a JSON pointer (`/rows/12/roles/0`) stands in `text`: its line and
/// column. Parsed again only for an error, with positions this time; the nearest enclosing
/// value found stands for one the pointer names beyond it.
fn locate(path: &Path, text: &str, pointer: &str) -> Location {
    use jsonc_parser::common::Ranged;
    use jsonc_parser::{ast::Value, parse_to_ast, CollectOptions, ParseOptions};
    let Ok(parsed) = parse_to_ast(text, &CollectOptions::default(), &ParseOptions::default()) else {
        return Location::file_only(path);
    };
    let Some(mut at) = parsed.value.as_ref() else { return Location::file_only(path) };
    for step in pointer.split('/').skip(1) {
        let step = step.replace("~1", "/").replace("~0", "~");
        let next = match at {
            Value::Object(o) => o.get(&step).map(|p| &p.value),
            Value::Array(a) => step.parse::<usize>().ok().and_then(|i| a.elements.get(i)),
            _ => None,
        };
        match next {
            Some(v) => at = v,
            None => break,
        }
    }
    let start = at.start().min(text.len());
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Location::new(path, line).with_col(col)
}

#[derive(Deserialize)]
struct Export {
    document: DocumentIn,
    vendors: Vec<VendorIn>,
    #[serde(default)]
    subsystems: Vec<SubsystemIn>,
    rows: Vec<RowIn>,
    gaps: Vec<GapIn>,
}

#[derive(Deserialize)]
struct DocumentIn {
    title: String,
    annex: String,
    issuer: String,
    date: Option<String>,
    date_label: Option<String>,
    legend: Vec<crate::legend::Entry>,
    notes: Vec<String>,
}

#[derive(Deserialize)]
struct VendorIn {
    id: String,
    name: String,
    #[serde(default)]
    short: Option<String>,
    aliases: Vec<String>,
}

#[derive(Deserialize)]
struct SubsystemIn {
    id: String,
    name: String,
    aliases: Vec<String>,
}

#[derive(Deserialize)]
struct RowIn {
    no: u32,
    kind: String,
    level: Option<u8>,
    name: String,
    description: String,
    parent: Option<u32>,
    url: String,
    roles: Vec<RoleIn>,
    source: SourceIn,
    flags: Vec<FlagIn>,
}

#[derive(Deserialize)]
struct RoleIn {
    vendor: Option<String>,
    column: String,
    role: String,
    basis: String,
    reason: Option<String>,
    #[serde(default)]
    col: usize,
}

#[derive(Deserialize)]
struct SourceIn {
    file: String,
    line: usize,
}

#[derive(Deserialize)]
struct FlagIn {
    code: String,
    message: String,
}

#[derive(Deserialize)]
struct GapIn {
    from: u32,
    to: u32,
    reason: String,
    lost_text: Option<String>,
}

/// A fault the schema cannot state, at its JSON pointer.
type Fault = (String, String);

impl Export {
    fn into_table(self) -> std::result::Result<Table, Fault> {
        let d = self.document;
        let legend = Legend::from_entries(d.legend).map_err(|(i, m)| (format!("/document/legend/{i}"), m))?;
        let document = Document {
            title: d.title,
            annex: d.annex,
            issuer: d.issuer,
            date: d.date,
            date_label: d.date_label,
            legend,
            notes: d.notes,
        };
        let vendors: Vec<Vendor> = self
            .vendors
            .into_iter()
            .map(|v| Vendor {
                short: v.short.unwrap_or_else(|| v.name.clone()),
                id: v.id,
                name: v.name,
                aliases: v.aliases,
                subsystems: Vec::new(),
            })
            .collect();
        for (i, v) in vendors.iter().enumerate() {
            if vendors[..i].iter().any(|w| w.id == v.id) {
                return Err((format!("/vendors/{i}/id"), format!("vendor {} is listed twice", v.id)));
            }
        }
        let subsystems =
            self.subsystems.into_iter().map(|s| Subsystem { id: s.id, name: s.name, aliases: s.aliases }).collect();
        let mut rows: Vec<Row> = Vec::with_capacity(self.rows.len());
        for (i, r) in self.rows.into_iter().enumerate() {
            let heading = |p: u32| rows.binary_search_by_key(&p, |h| h.no).is_ok_and(|k| rows[k].is_heading());
            let row = row(i, r, &vendors, &document.legend, (rows.last().map(|l| l.no), &heading))?;
            rows.push(row);
        }
        let gaps = self.gaps.into_iter().map(gap).collect();
        // Whether the legend let a cell hold several symbols is not written down; the data
        // shows it: a vendor with two roles at one column.
        let mut document = document;
        document.legend.several = rows.iter().any(several);
        let findings = rows.iter().flat_map(Row::findings).collect();
        Ok(Table { document, vendors, subsystems, rows, gaps, findings, sources: Vec::new() })
    }
}

fn gap(g: GapIn) -> Gap {
    Gap { from: g.from, to: g.to, reason: g.reason, lost_text: g.lost_text, location: Location::default() }
}

/// Whether a row has two roles of one vendor at one column: a legend that lets a cell
/// hold several symbols (not written down; the data shows it).
fn several(r: &Row) -> bool {
    r.roles.iter().enumerate().any(|(i, a)| r.roles[..i].iter().any(|b| b.col == a.col && b.vendor == a.vendor))
}

/// The rows before a row as its checks see them: the last one's number, and whether a
/// number is a heading's among them.
type Before<'a> = (Option<u32>, &'a dyn Fn(u32) -> bool);

/// Row `i` as the model holds it, checked against the vendors and the rows before it.
fn row(i: usize, r: RowIn, vendors: &[Vendor], legend: &Legend, before: Before) -> std::result::Result<Row, Fault> {
    let at = |field: &str| format!("/rows/{i}{field}");
    let (last, is_heading) = before;
    if let Some(last) = last.filter(|&last| last >= r.no) {
        let message =
            format!("項番 {} does not come after 項番 {last}: rows stand in ascending order, each once", r.no);
        return Err((at("/no"), message));
    }
    let kind = if r.kind == "heading" { Kind::Heading } else { Kind::Task };
    if r.url != crate::urls::row(r.no, kind == Kind::Heading) {
        return Err((at("/url"), format!("{} is not the page of 項番 {}", r.url, r.no)));
    }
    if let Some(p) = r.parent {
        if !is_heading(p) {
            return Err((at("/parent"), format!("項番 {p} is no heading before 項番 {}", r.no)));
        }
    }
    let mut roles = Vec::with_capacity(r.roles.len());
    for (j, role) in r.roles.into_iter().enumerate() {
        let basis = match role.basis.as_str() {
            "source" => Basis::Source,
            "curated" => Basis::Curated,
            _ => Basis::Uncertain,
        };
        if let Some(v) = role.vendor.as_deref().filter(|v| !vendors.iter().any(|w| w.id == *v)) {
            return Err((at(&format!("/roles/{j}/vendor")), format!("{v} is not one of the vendors listed")));
        }
        let kind = legend.by_id(&role.role).ok_or_else(|| {
            (at(&format!("/roles/{j}/role")), format!("{} is no role the legend (/document/legend) names", role.role))
        })?;
        roles.push(Role {
            vendor: role.vendor,
            column: role.column,
            role: kind,
            basis,
            reason: role.reason,
            col: role.col,
        });
    }
    let mut flags = Vec::with_capacity(r.flags.len());
    for (j, f) in r.flags.into_iter().enumerate() {
        let code: Code = f.code.parse().map_err(|e| (at(&format!("/flags/{j}/code")), format!("{e}")))?;
        if code.severity().is_none() {
            return Err((at(&format!("/flags/{j}/code")), format!("{code} is no flag a row carries")));
        }
        flags.push(Flag { code, message: f.message });
    }
    Ok(Row {
        no: r.no,
        kind,
        level: r.level,
        name: r.name,
        description: r.description,
        parent: r.parent,
        roles,
        source: Location::new(r.source.file, r.source.line),
        flags,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const SMALL: &str = r#"{
  "document": {"title": "表", "annex": "", "issuer": "", "date": "2016-05", "date_label": "平成28年5月",
               "legend": [{"symbol": "◎", "role": "primary", "label": "主たる作業"}], "notes": []},
  "vendors": [{"id": "a", "name": "A社", "short": "A", "aliases": [], "url": "vendors/a/"}],
  "subsystems": [],
  "rows": [
    {"no": 1, "kind": "heading", "level": 1, "name": "計画", "description": "", "parent": null,
     "url": "phases/1/", "roles": [], "source": {"file": "seeds/t.csv", "line": 2}, "flags": []},
    {"no": 2, "kind": "task", "level": null, "name": "設計", "description": "", "parent": 1,
     "url": "items/2/", "roles": [{"vendor": "a", "column": "A社", "role": "primary", "basis": "source", "col": 4}],
     "source": {"file": "seeds/t.csv", "line": 3}, "flags": []}
  ],
  "gaps": []
}"#;

    #[test]
    fn a_valid_file_reads_back_into_the_model() {
        let t = read_text(Path::new("r.json"), SMALL).unwrap();
        assert_eq!(t.rows.len(), 2);
        let role = &t.rows[1].roles[0];
        assert_eq!((role.vendor.as_deref(), role.role, role.col), (Some("a"), crate::model::RoleKind::primary(), 4));
        assert_eq!(t.rows[1].source, Location::new("seeds/t.csv", 3));
    }

    #[test]
    fn each_fault_is_located_at_its_line() {
        let cases = [
            (SMALL.replace("\"primary\", \"basis\"", "\"chief\", \"basis\""), 10, "no role the legend"),
            (SMALL.replace("\"primary\", \"basis\"", "\"ch ief\", \"basis\""), 10, "schema"),
            (SMALL.replace("\"vendor\": \"a\"", "\"vendor\": \"b\""), 10, "not one of the vendors"),
            (SMALL.replace("\"no\": 2", "\"no\": 1"), 9, "does not come after"),
            (SMALL.replace("\"items/2/\"", "\"items/3/\""), 10, "is not the page"),
            (SMALL.replace("\"parent\": 1", "\"parent\": 7"), 9, "no heading"),
            (SMALL.replace("\"gaps\": []", "\"gaps\": [}"), 13, "not JSON"),
        ];
        for (text, line, says) in cases {
            let e = read_text(Path::new("r.json"), &text).unwrap_err().to_string();
            assert!(e.starts_with(&format!("r.json:{line}:")), "{e}");
            assert!(e.contains(says) && e.contains("error[revision]"), "{e}");
        }
    }
}
