//! The kinds of finding, one variant each: the stable code `rolesite check`, the JSON
//! files and the pages' data attributes print, the one Japanese name readers meet for it,
//! and its severity where it has one.

use super::Severity::{self, Error, Info, Warning};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

macro_rules! codes {
    ($($variant:ident = $code:literal, $label:literal, $severity:expr;)*) => {
        /// A kind of finding. Written as its kebab-case code everywhere (`Display`,
        /// `Serialize`), and read back from it (`FromStr`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            /// Every code, in the order of their strings.
            pub const ALL: &[Code] = &[$(Code::$variant,)*];

            /// The kebab-case code, as printed and as the JSON files hold it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)*
                }
            }

            /// The one Japanese name of this kind of finding: in tags, headings, tables and
            /// tooltips alike, so a reader meets one name for one kind everywhere.
            pub const fn label(self) -> &'static str {
                match self {
                    $(Code::$variant => $label,)*
                }
            }

            /// The severity every finding of this code has, or `None` for a code whose
            /// severity depends on where it is found.
            pub const fn severity(self) -> Option<Severity> {
                match self {
                    $(Code::$variant => $severity,)*
                }
            }
        }
    };
}

codes! {
    BadCuration = "bad-curation", "対応付けの誤り", Some(Error);
    BadId = "bad-id", "使えない事業者ID", Some(Error);
    BadLevel = "bad-level", "階層の誤り", Some(Error);
    BadNo = "bad-no", "数でない項番", Some(Error);
    BadVendor = "bad-vendor", "事業者の記載の誤り", Some(Error);
    BrokenLink = "broken-link", "切れたリンク", Some(Error);
    Config = "config", "設定の誤り", Some(Error);
    Content = "content", "ページの誤り", Some(Error);
    Continuity = "continuity", "URLの引継ぎの誤り", Some(Error);
    Csv = "csv", "CSVの誤り", Some(Error);
    DescriptionColumn = "description-column", "作業内容の列ずれ", Some(Warning);
    Docx = "docx", "読めないWord文書", Some(Error);
    DuplicateColumn = "duplicate-column", "重複した列見出し", Some(Warning);
    DuplicateFile = "duplicate-file", "同じ場所に書くファイル", Some(Error);
    DuplicateName = "duplicate-name", "同名の作業", Some(Info);
    DuplicateNo = "duplicate-no", "項番の重複", Some(Error);
    DuplicateVendor = "duplicate-vendor", "事業者の重複", Some(Error);
    Empty = "empty", "空のファイル", Some(Error);
    Encoding = "encoding", "文字コードの誤り", Some(Error);
    FrontMatter = "front-matter", "前付けの誤り", Some(Error);
    Gap = "gap", "項番の欠番", Some(Warning);
    Gen = "gen", "生成先の誤り", Some(Error);
    Header = "header", "見出し行の誤り", Some(Error);
    HeaderWidth = "header-width", "見出しと行の列数の食い違い", Some(Warning);
    Init = "init", "作成先の誤り", Some(Error);
    InputChanged = "input-changed", "読み込み中に変わった入力", Some(Error);
    LargeCell = "large-cell", "大きすぎるセル", Some(Warning);
    LegendVariant = "legend-variant", "凡例の表記ゆれ", Some(Info);
    LostCells = "lost-cells", "セルの欠落", Some(Info);
    LostSection = "lost-section", "欠落したページ", Some(Warning);
    Manifest = "manifest", "URL一覧の誤り", Some(Error);
    NoHeader = "no-header", "項番の列がない見出し", Some(Error);
    NoInput = "no-input", "表がない", Some(Error);
    NoPrimary = "no-primary", "○のみで◎なし", Some(Warning);
    NoRoles = "no-roles", "記号なし", Some(Warning);
    NoTable = "no-table", "表が見つからないテキスト", Some(Error);
    NotAFile = "not-a-file", "通常のファイルでない入力", Some(Error);
    Nul = "nul", "NUL文字", Some(Error);
    Output = "output", "出力先の誤り", Some(Error);
    OutputForeign = "output-foreign", "出力先にある他のファイル", Some(Error);
    OutsideProject = "outside-project", "プロジェクトの外のファイル", Some(Error);
    ParentUnknown = "parent-unknown", "上位見出しの欠落", Some(Info);
    Previous = "previous", "前回のサイトの誤り", Some(Error);
    PrimaryMismatch = "primary-mismatch", "列ずれの疑い", Some(Warning);
    Read = "read", "読めないフォルダ", Some(Error);
    Retired = "retired", "削除したページの記載の誤り", Some(Error);
    Revision = "revision", "版の記載の誤り", Some(Error);
    Symlink = "symlink", "シンボリックリンク", Some(Error);
    Template = "template", "テンプレートの誤り", Some(Error);
    Theme = "theme", "テーマの誤り", Some(Error);
    UncertainColumns = "uncertain-columns", "事業者不明の列", Some(Warning);
    // An error in a clean table, which states its columns; a warning in a seed, whose
    // columns are read as well as they can be (`assemble::columns::Strictness`).
    UnknownColumn = "unknown-column", "読めない列見出し", None;
    UnknownInput = "unknown-input", "読めない形式の入力", Some(Error);
    UnknownSymbol = "unknown-symbol", "凡例にない記号", None;
    UrlRemoved = "url-removed", "消えたURL", Some(Error);
    Xlsx = "xlsx", "読めないワークブック", Some(Error);
}

/// Codes order as their strings do, so lists sorted by code read as they always have.
impl Ord for Code {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for Code {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Written as its string, exactly as a `&str` code was.
impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A string that is no finding's code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a finding code")]
pub struct UnknownCode(pub String);

impl FromStr for Code {
    type Err = UnknownCode;

    fn from_str(s: &str) -> Result<Code, UnknownCode> {
        Code::ALL.iter().copied().find(|c| c.as_str() == s).ok_or_else(|| UnknownCode(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_kebab_case_unique_and_listed_in_order() {
        for pair in Code::ALL.windows(2) {
            assert!(pair[0].as_str() < pair[1].as_str(), "{} before {}", pair[0], pair[1]);
        }
        for code in Code::ALL {
            let s = code.as_str();
            assert!(s.split('-').all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase())), "{s}");
        }
    }

    #[test]
    fn each_code_reads_back_and_a_stranger_is_refused() {
        for &code in Code::ALL {
            assert_eq!(code.as_str().parse::<Code>(), Ok(code));
            assert_eq!(serde_json::to_string(&code).unwrap(), format!("\"{code}\""));
        }
        assert_eq!("primary_mismatch".parse::<Code>(), Err(UnknownCode("primary_mismatch".into())));
    }

    #[test]
    fn each_kind_has_its_own_name() {
        let mut labels: Vec<&str> = Code::ALL.iter().map(|c| c.label()).collect();
        labels.sort();
        let before = labels.len();
        labels.dedup();
        assert_eq!(labels.len(), before, "two kinds share a name");
    }
}
