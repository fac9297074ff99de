//! What every target checks beyond "no panic": each error is located in the file it read,
//! and a table that parsed also assembles and checks against the real catalog.

use rolesite::assemble::columns::Strictness;
use rolesite::assemble::{assemble, Source};
use rolesite::config::Project;
use rolesite::diag::{Code, Error, Finding, Severity};
use rolesite::read::catalog::Catalog;
use rolesite::read::RawTable;
use std::path::Path;
use std::sync::OnceLock;

/// Codes whose location is a whole file, not a line.
const FILE_LEVEL: [Code; 3] = [Code::NoTable, Code::Xlsx, Code::UnknownInput];

/// Whether `location` is in `file`; a workbook's sheets are labelled `book.xlsx[sheet]`.
fn names(location: &Path, file: &Path) -> bool {
    location.to_string_lossy().starts_with(&*file.to_string_lossy())
}

fn located(f: &Finding, file: &Path) {
    assert!(names(&f.location.file, file), "{f} names {:?}, not {file:?}", f.location.file);
    if !FILE_LEVEL.contains(&f.code) && f.severity == Severity::Error {
        assert!(f.location.line >= 1, "row-level error without a line: {f}");
    }
}

/// The contract for one reader's result on `file`.
pub fn check_result(file: &Path, result: &rolesite::diag::Result<RawTable>) {
    match result {
        Ok(raw) => raw.findings.iter().for_each(|f| located(f, file)),
        Err(Error::Located(f)) => located(f, file),
        Err(Error::Many(fs)) => fs.iter().for_each(|f| located(f, file)),
        Err(e @ Error::Io { .. }) => panic!("a reader of memory returned an I/O error: {e}"),
    }
}

fn project_and_catalog() -> &'static (Project, Catalog) {
    static SHARED: OnceLock<(Project, Catalog)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let project = Project::load(&root).expect("the project's site config loads");
        let mut findings = Vec::new();
        let catalog = Catalog::load(&project.seeds(), &mut findings).expect("the project's catalog loads");
        (project, catalog)
    })
}

/// Run what `rolesite::load` runs after reading: assemble with the catalog, then check.
pub fn assemble_and_check(raw: RawTable) {
    let (project, catalog) = project_and_catalog();
    let strictness = if raw.document.is_some() { Strictness::Seed } else { Strictness::Clean };
    let file = raw.file.clone();
    let sources = vec![Source { raw, overrides: false, strictness }];
    let mut table = assemble(sources, catalog.clone(), project);
    rolesite::check::check(&mut table, catalog);
    for f in &table.findings {
        assert!(names(&f.location.file, &file), "{f} names {:?}, not {file:?}", f.location.file);
    }
}
