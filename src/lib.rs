//! rolesite: a role allocation table (役割分担表) → a static, cross-linked site.
//!
//! A build reads top to bottom in `pipeline`: read → assemble → check → plan → index →
//! render → manifest → links → write. What a watching process takes over from one build
//! to the next is the reuse layer's (`reuse`), and a rebuild session's (`rebuild`).
//!
//! Files are read only through `files`, which follows no link: the project's by `config`
//! (site.toml, the list of inputs), `read` (the tables, the catalog, the URL files), `pages`
//! (content/) and `theme`; the published site by `baseline`, and by `write`, which looks at
//! the folder it replaces. Only `write` writes. Output paths are made only in `urls`.
//! Modules use only modules below them, with no circle of imports (`tests/it/modules.rs`).

pub mod assemble;
pub mod baseline;
pub mod changes;
pub mod check;
pub mod config;
pub mod diag;
pub mod export;
pub mod files;
pub mod hash;
pub mod html;
pub mod index;
pub mod legend;
pub mod links;
pub mod manifest;
pub mod model;
pub mod page;
pub mod pages;
pub mod pipeline;
pub mod plan;
pub mod progress;
pub mod read;
pub mod rebuild;
pub mod release;
pub mod render;
pub mod reuse;
pub mod revisions;
pub mod search;
pub mod theme;
pub mod urls;
pub mod utf8;
pub mod wareki;
pub mod write;

pub use pipeline::{build, load, render_site, settled, stage_lines, BuildOptions, Loaded, Rendered, Run, Stage};
