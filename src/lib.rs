//! rolesite: a role allocation table (役割分担表) → a static, cross-linked site.
//!
//! The pipeline reads top to bottom: config → read → assemble → check → index → pages →
//! render → links → write. Only `read`, `pages` and `theme` read files; only `write` writes.

pub mod assemble;
pub mod check;
pub mod cmd_check;
pub mod config;
pub mod diag;
pub mod model;
pub mod read;
pub mod wareki;

use assemble::columns::Strictness;
use assemble::Source;
use config::Project;
use diag::{Error, Result};
use model::Table;
use read::catalog::Catalog;

/// Read every input and the catalog into one checked table. Error findings stay in
/// `table.findings`; callers decide whether they stop the run.
pub fn load(project: &Project) -> Result<Table> {
    let mut findings = Vec::new();
    let catalog = Catalog::load(&project.seeds(), &mut findings)?;
    Error::from_findings(&findings)?;
    let mut sources = Vec::new();
    for input in project.inputs()? {
        let raw = read::read_input(&input.path, &input.sheets)?;
        let strictness = if raw.document.is_some() { Strictness::Seed } else { Strictness::Clean };
        sources.push(Source { raw, overrides: input.overrides, strictness });
    }
    if sources.is_empty() {
        return Err(Error::at(
            "no-input",
            diag::Location::file_only(&project.seeds()),
            "no role table found: put a .txt, .csv or .xlsx table in seeds/ or list inputs in site.toml",
        ));
    }
    let mut table = assemble::assemble(sources, catalog.clone(), project);
    check::check(&mut table, &catalog);
    table.findings.extend(findings);
    Ok(table)
}
