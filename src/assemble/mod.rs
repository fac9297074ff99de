//! Raw tables + catalog → the typed `Table`: attribution, outline, precedence, document.

pub mod columns;
pub mod outline;

use crate::config::Project;
use crate::diag::{Code, Finding, Location};
use crate::legend::Legend;
use crate::model::{Document, Kind, Row, Table};
use crate::read::catalog::Catalog;
use crate::read::{Level, RawDocument, RawLost, RawTable};
use columns::Strictness;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// One input as read, with its precedence.
pub struct Source {
    pub raw: RawTable,
    pub overrides: bool,
    pub strictness: Strictness,
    /// This input's own glyphs for the legend's kinds (`[[inputs]] symbols`).
    pub symbols: BTreeMap<String, String>,
}

pub fn assemble(sources: Vec<Source>, catalog: Catalog, project: &Project) -> Table {
    let mut findings = Vec::new();
    let mut lost: Vec<(PathBuf, RawLost)> = Vec::new();
    let mut merged: BTreeMap<u32, Row> = BTreeMap::new();
    let mut raw_doc: Option<RawDocument> = None;
    let mut texts = Vec::new();
    let legend = legend(&sources, project, &mut findings);
    for Source { mut raw, overrides, strictness, symbols } in sources {
        texts.extend(source_texts(&mut raw));
        findings.extend(raw.findings.iter().cloned());
        lost.extend(raw.lost.iter().map(|l| (raw.file.clone(), l.clone())));
        if raw_doc.is_none() {
            raw_doc = raw.document.clone();
        }
        // The input's own glyphs, where it has any: an unknown kind is an error at the input.
        let own = match legend.with_glyphs(&symbols) {
            Ok(own) => own,
            Err(message) => {
                findings.push(Finding::error(Code::Config, Location::file_only(&raw.file), message));
                legend.clone()
            }
        };
        let rows = rows_of(raw, &catalog, &own, strictness, &mut findings);
        merge(&mut merged, rows, overrides, &mut findings);
    }
    let mut rows: Vec<Row> = merged.into_values().collect();
    outline::parents(&mut rows);
    let gaps = outline::gaps(&rows, &lost, &mut findings);
    Table {
        document: document(raw_doc, legend, project),
        vendors: catalog.vendors,
        subsystems: catalog.subsystems,
        rows,
        gaps,
        findings,
        sources: texts,
    }
}

/// The input's lines as written, each with the sections that stand in it: the line of a
/// section's header, and of its first row.
fn source_texts(raw: &mut RawTable) -> Vec<crate::model::SourceText> {
    let mut texts = std::mem::take(&mut raw.text);
    for section in &raw.sections {
        let header = section.location.line;
        let first = section.rows.first().map_or(header + 1, |r| r.location.line);
        if let Some(text) = texts.iter_mut().find(|t| t.file == section.location.file) {
            text.sections.push((header, first));
        }
    }
    texts
}

/// Rows of one input: roles through each section's columns, then kinds and levels. The
/// raw rows' texts are moved, not copied: a large table's are tens of megabytes.
fn rows_of(
    raw: RawTable,
    catalog: &Catalog,
    legend: &Legend,
    strictness: Strictness,
    findings: &mut Vec<Finding>,
) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut levels = Vec::new();
    for mut section in raw.sections {
        let cols = columns::attribute(&section, catalog, strictness, findings);
        columns::shape_findings(&section, findings);
        // Each row's roles through the columns, on all cores.
        let made: Vec<(Level, Row, Vec<Finding>)> = std::mem::take(&mut section.rows)
            .into_par_iter()
            .map(|r| {
                let (roles, unknown) = columns::roles(&r.marks, &cols, legend, strictness, &r.location);
                let row = Row {
                    no: r.no,
                    kind: Kind::Task,
                    level: None,
                    roles,
                    name: r.name,
                    description: r.description,
                    parent: None,
                    source: r.location,
                    flags: Vec::new(),
                };
                (r.level, row, unknown)
            })
            .collect();
        for (level, row, unknown) in made {
            findings.extend(unknown);
            levels.push(level);
            rows.push(row);
        }
    }
    if levels.iter().all(|l| *l == Level::Unstated) {
        infer_outline(&mut rows);
    } else {
        for (row, level) in rows.iter_mut().zip(levels) {
            if let Level::Heading(n) = level {
                row.kind = Kind::Heading;
                row.level = Some(n);
            }
        }
    }
    rows
}

fn infer_outline(rows: &mut [Row]) {
    let shapes: Vec<outline::Shape> = rows
        .iter()
        .map(|r| outline::Shape { name: &r.name, has_content: !r.roles.is_empty() || !r.description.is_empty() })
        .collect();
    let kinds = outline::kinds(&shapes);
    let levels = outline::levels(&kinds.iter().map(|(k, _)| *k).collect::<Vec<_>>());
    for ((row, (kind, lost_cells)), level) in rows.iter_mut().zip(kinds).zip(levels) {
        row.kind = kind;
        row.level = level;
        if lost_cells {
            row.flags.push(crate::model::Flag {
                code: Code::LostCells,
                message:
                    "記号も作業内容もないが、隣の作業と同じ名前の別版(括弧書き違い)のため、セルが失われた作業と判断"
                        .into(),
            });
        }
    }
}

/// Later inputs add rows; an input marked `overrides` replaces rows with the same 項番.
/// Any other repeated 項番 is an error: the table would say two things at one number.
fn merge(merged: &mut BTreeMap<u32, Row>, rows: Vec<Row>, overrides: bool, findings: &mut Vec<Finding>) {
    let mut seen_here = rustc_hash::FxHashSet::default();
    for row in rows {
        let repeated_here = !seen_here.insert(row.no);
        match merged.get(&row.no) {
            Some(old) if repeated_here || !overrides => findings.push(
                Finding::error(
                    Code::DuplicateNo,
                    row.source.clone(),
                    format!("項番 {} already stands at {}", row.no, old.source),
                )
                .for_row(row.no),
            ),
            _ => {
                merged.insert(row.no, row);
            }
        }
    }
}

/// The legend the cells are read through: `site.toml`'s (`[[roles]]`), else the one the
/// first input stating a legend states (the seed's legend lines), else ◎/○. A document's
/// legend that gives one symbol twice is an error at its first input.
fn legend(sources: &[Source], project: &Project, findings: &mut Vec<Finding>) -> Legend {
    if let Ok(Some(legend)) = project.config.legend() {
        return legend;
    }
    let stated = sources.iter().find_map(|s| s.raw.document.as_ref().filter(|d| !d.legend.is_empty()).map(|d| (s, d)));
    match stated.map(|(s, d)| (s, Legend::stated(&d.legend))) {
        Some((_, Ok(legend))) => legend,
        Some((s, Err(message))) => {
            findings.push(Finding::error(Code::UnknownSymbol, Location::file_only(&s.raw.file), message));
            Legend::default()
        }
        None => Legend::default(),
    }
}

fn document(raw: Option<RawDocument>, legend: Legend, project: &Project) -> Document {
    let raw = raw.unwrap_or_default();
    let cfg = &project.config.document;
    let date_label = cfg.date.clone().or(raw.date_label);
    Document {
        title: project.config.title.clone().or(cfg.title.clone()).or(raw.title).unwrap_or_else(|| "役割分担表".into()),
        annex: cfg.annex.clone().or(raw.annex).unwrap_or_default(),
        issuer: cfg.issuer.clone().or(raw.issuer).unwrap_or_default(),
        date: date_label.as_deref().and_then(crate::wareki::parse),
        date_label,
        legend,
        notes: raw.notes,
    }
}
