//! Helpers shared by the integration tests. Each test binary uses some of them only.
#![allow(dead_code)]

pub mod chromium;

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
