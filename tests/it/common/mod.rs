//! Helpers shared by the topics of the integration tests.

pub mod chromium;
pub mod office;

/// A project folder holding `files` (path under the project, bytes).
pub fn project(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    dir
}

/// `rolesite gen` of `items` tasks and `vendors` vendor columns into `project`.
pub fn generated(project: &std::path::Path, items: u32, vendors: u32) {
    let (items, vendors) = (items.to_string(), vendors.to_string());
    let gen = std::process::Command::new(env!("CARGO_BIN_EXE_rolesite"))
        .args(["gen", project.to_str().unwrap(), "--items", &items, "--vendors", &vendors])
        .output()
        .unwrap();
    assert!(gen.status.success(), "{}", String::from_utf8_lossy(&gen.stderr));
}

/// Three vendors for small clean tables: the owner, a developer, an operator.
pub const VENDORS: &str = "id,name\nowner,発注者\ndev,開発業者\nops,運用業者\n";

/// A clean `roles.csv` for [`VENDORS`] from its data rows.
pub fn roles_csv(rows: &[&str]) -> String {
    let mut text = String::from("項番,階層,作業項目,owner,dev,ops,作業内容\n");
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    text
}
