//! Locations, findings and the located error: how every user mistake is reported.

mod code;

pub use code::{Code, UnknownCode};
use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// Where something stands in an input file. `line` and `col` are 1-based; 0 means unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    #[serde(skip_serializing_if = "is_zero")]
    pub col: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Location {
    pub fn new(file: impl Into<PathBuf>, line: usize) -> Self {
        Location { file: file.into(), line, col: 0 }
    }

    pub fn with_col(mut self, col: usize) -> Self {
        self.col = col;
        self
    }

    pub fn file_only(file: &Path) -> Self {
        Location::new(file, 0)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.col > 0 {
                write!(f, ":{}", self.col)?;
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One observation about the input, printed compiler style: `file:line: severity[code]: message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    pub location: Location,
    pub message: String,
    /// The 項番 the finding is about, when it is about one row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no: Option<u32>,
}

impl Finding {
    pub fn new(code: Code, severity: Severity, location: Location, message: impl Into<String>) -> Self {
        debug_assert!(code.severity().is_none_or(|s| s == severity), "{code} is never a {severity}");
        Finding { code, severity, location, message: message.into(), no: None }
    }

    pub fn error(code: Code, location: Location, message: impl Into<String>) -> Self {
        Finding::new(code, Severity::Error, location, message)
    }

    pub fn warning(code: Code, location: Location, message: impl Into<String>) -> Self {
        Finding::new(code, Severity::Warning, location, message)
    }

    pub fn info(code: Code, location: Location, message: impl Into<String>) -> Self {
        Finding::new(code, Severity::Info, location, message)
    }

    pub fn for_row(mut self, no: u32) -> Self {
        self.no = Some(no);
        self
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}[{}]: {}", self.location, self.severity, self.code, self.message)
    }
}

/// The error a user can cause: one or more located findings of error severity.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Located(Finding),
    #[error("{} error(s) found:\n{}", .0.len(), join(.0))]
    Many(Vec<Finding>),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
}

fn join(findings: &[Finding]) -> String {
    findings.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("\n")
}

impl Error {
    pub fn at(code: Code, location: Location, message: impl Into<String>) -> Self {
        Error::Located(Finding::error(code, location, message))
    }

    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io { path: path.to_path_buf(), source }
    }

    /// Fail once with every error finding, or pass when there is none.
    pub fn from_findings(findings: &[Finding]) -> Result<(), Error> {
        let errors: Vec<Finding> = findings.iter().filter(|f| f.severity == Severity::Error).cloned().collect();
        match errors.len() {
            0 => Ok(()),
            1 => Err(Error::Located(errors.into_iter().next().expect("one error"))),
            _ => Err(Error::Many(errors)),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
