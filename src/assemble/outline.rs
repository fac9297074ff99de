//! The outline of the table: which symbol-less rows are headings, their levels, every
//! row's parent heading, and the numbering gaps where the outline was lost.

use crate::diag::{Code, Finding, Location};
use crate::model::{Flag, Gap, Kind, Row};
use crate::read::text::key;
use crate::read::RawLost;

/// A row's name without its parenthetical groups: `障害調査(…)` → `障害調査`.
pub fn base_name(name: &str) -> String {
    let mut depth = 0usize;
    let mut out = String::new();
    for c in key(name).chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The top-level parenthetical groups of a name, in order.
pub fn parentheticals(name: &str) -> Vec<String> {
    let mut depth = 0usize;
    let mut groups = Vec::new();
    let mut current = String::new();
    for c in key(name).chars() {
        match c {
            '(' if depth == 0 => {
                depth = 1;
                current.clear();
            }
            '(' => {
                depth += 1;
                current.push(c);
            }
            ')' if depth == 1 => {
                depth = 0;
                groups.push(std::mem::take(&mut current));
            }
            ')' if depth > 1 => {
                depth -= 1;
                current.push(c);
            }
            _ if depth > 0 => current.push(c),
            _ => {}
        }
    }
    groups
}

/// Facts about one seed row that decide whether it is a heading.
pub struct Shape<'a> {
    pub name: &'a str,
    pub has_content: bool,
}

/// For rows whose source states no level (the seed): a row with neither symbol nor
/// description is a heading, unless it is a variant of a neighbouring task: the same name
/// with another parenthetical (`障害調査(個人番号管理サブシステム(2次開発情報連携分))`
/// beside `障害調査(…)` that has cells) — then it is a task whose cells were lost.
pub fn kinds(rows: &[Shape]) -> Vec<(Kind, bool)> {
    let bases: Vec<String> = rows.iter().map(|r| base_name(r.name)).collect();
    let mut out = Vec::with_capacity(rows.len());
    let mut start = 0;
    while start < rows.len() {
        let end = (start..rows.len()).find(|&i| bases[i] != bases[start]).unwrap_or(rows.len());
        let group_has_task = rows[start..end].iter().any(|r| r.has_content);
        for r in &rows[start..end] {
            let variant = !r.has_content && group_has_task && !parentheticals(r.name).is_empty();
            out.push(if r.has_content || variant { (Kind::Task, variant) } else { (Kind::Heading, false) });
        }
        start = end;
    }
    out
}

/// Levels for a run of headings: the last heading before a task is level 3, the one above
/// it 2, then 1 (`統合業務関連` › `プロジェクト計画` › `実施計画`).
pub fn levels(kinds: &[Kind]) -> Vec<Option<u8>> {
    let mut out = vec![None; kinds.len()];
    let mut i = 0;
    while i < kinds.len() {
        if kinds[i] == Kind::Task {
            i += 1;
            continue;
        }
        let end = (i..kinds.len()).find(|&j| kinds[j] == Kind::Task).unwrap_or(kinds.len());
        for (k, slot) in out[i..end].iter_mut().enumerate() {
            let from_end = end - i - 1 - k;
            *slot = Some(3u8.saturating_sub(from_end as u8).max(1));
        }
        i = end;
    }
    out
}

/// What the outline knows at each level while walking down the rows.
#[derive(Clone, Copy, PartialEq)]
enum Slot {
    Empty,
    /// Lost in a numbering gap.
    Unknown,
    Known(u32),
}

/// Set every row's parent. After a numbering gap the open headings are unknown, so the
/// rows that follow get no parent (flagged) rather than a guessed one.
pub fn parents(rows: &mut [Row]) {
    let mut stack = [Slot::Empty; 3];
    let mut previous: Option<u32> = None;
    for row in rows.iter_mut() {
        if previous.is_some_and(|p| row.no != p + 1) {
            stack = [Slot::Unknown; 3];
        }
        previous = Some(row.no);
        let depth = match row.kind {
            Kind::Heading => row.level.unwrap_or(1).clamp(1, 3) as usize - 1,
            Kind::Task => 3,
        };
        let above = stack[..depth].iter().rev().find(|s| **s != Slot::Empty).copied().unwrap_or(Slot::Empty);
        row.parent = match above {
            Slot::Known(no) => Some(no),
            Slot::Unknown => {
                row.flags.push(Flag {
                    code: Code::ParentUnknown,
                    message: "項番の欠番の直後にあり、上位の見出しは欠落部分にあって不明".into(),
                });
                None
            }
            Slot::Empty => None,
        };
        if depth < 3 {
            stack[depth] = Slot::Known(row.no);
            stack[depth + 1..].fill(Slot::Empty);
        }
    }
}

/// Numbering gaps between neighbouring rows, each tied to the lost-page paragraph that
/// stands between them in the same file, if any.
pub fn gaps(rows: &[Row], lost: &[(std::path::PathBuf, RawLost)], findings: &mut Vec<Finding>) -> Vec<Gap> {
    let mut out = Vec::new();
    for pair in rows.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if b.no <= a.no + 1 {
            continue;
        }
        let paragraph = lost.iter().find(|(f, l)| {
            *f == a.source.file && *f == b.source.file && l.line > a.source.line && l.line < b.source.line
        });
        let range = format!("項番 {}–{} が欠けている", a.no + 1, b.no - 1);
        // The gap's own reason leaves out the range, which the gap states in from/to.
        let reason = match paragraph {
            Some((_, l)) => format!("原本にはこのページの代わりに要約の段落だけが残る({}行目)", l.line),
            None => format!("原本の{}行目と{}行目の間に何も残っていない", a.source.line, b.source.line),
        };
        findings.push(Finding::warning(Code::Gap, b.source.clone(), format!("{range}: {reason}")));
        out.push(Gap {
            from: a.no + 1,
            to: b.no - 1,
            reason,
            lost_text: paragraph.map(|(_, l)| l.text.clone()),
            location: b.source.clone(),
        });
    }
    for (file, l) in lost {
        findings.push(Finding::warning(
            Code::LostSection,
            Location::new(file, l.line),
            format!("抽出の過程で表のページが失われ、要約だけが残る: {}", l.text),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Location;
    use std::path::PathBuf;

    fn shape(name: &str, has_content: bool) -> Shape<'_> {
        Shape { name, has_content }
    }

    #[test]
    fn names_split_into_base_and_parentheticals_across_widths() {
        assert_eq!(base_name("障害調査（個人番号管理サブシステム(2次開発情報連携分)）"), "障害調査");
        assert_eq!(
            parentheticals("障害調査(個人番号管理サブシステム(2次開発情報連携分))"),
            vec!["個人番号管理サブシステム(2次開発情報連携分)"]
        );
        assert!(parentheticals("総合テスト").is_empty());
    }

    /// Trap: rows with no symbols are headings (seed 1–3: 統合業務関連 › プロジェクト計画 ›
    /// 実施計画), unless they are a variant of the task beside them whose cells were lost
    /// (seed 917: 動作確認(…(2次開発情報連携分)) under 916 動作確認(…) with ◎).
    #[test]
    fn empty_rows_are_headings_unless_variants_of_a_neighbouring_task() {
        let rows = [
            shape("統合業務関連", false),
            shape("プロジェクト計画", false),
            shape("実施計画", false),
            shape("全体実施計画書の作成", true),
            shape("動作確認(経過管理・電子決裁・個人番号管理(1次)に係る設計・開発等業者)", true),
            shape("動作確認(個人番号管理サブシステム(2次開発情報連携分))", false),
            shape("動作確認", false),
            shape("監視", false),
            shape("監視(統計)", true),
        ];
        let kinds: Vec<(Kind, bool)> = kinds(&rows);
        use Kind::*;
        assert_eq!(
            kinds,
            vec![
                (Heading, false),
                (Heading, false),
                (Heading, false),
                (Task, false),
                (Task, false),
                (Task, true),
                (Heading, false),
                (Heading, false),
                (Task, false),
            ]
        );
    }

    /// The last heading before a task is level 3 and the ones above it 2, then 1 (seed
    /// 1,2,3 → 1,2,3; 18,19 → 2,3; 696,697 → 2,3).
    #[test]
    fn heading_runs_count_levels_up_from_the_task() {
        use Kind::*;
        let k = [Heading, Heading, Heading, Task, Task, Heading, Heading, Task, Heading, Task];
        assert_eq!(levels(&k), vec![Some(1), Some(2), Some(3), None, None, Some(2), Some(3), None, Some(3), None]);
    }

    fn row(no: u32, kind: Kind, level: Option<u8>, line: usize) -> Row {
        Row {
            no,
            kind,
            level,
            name: format!("r{no}"),
            description: String::new(),
            parent: None,
            roles: Vec::new(),
            source: Location::new("seed.txt", line),
            flags: Vec::new(),
        }
    }

    /// Trap: numbering gaps. Rows after a gap get no parent (flagged), not a guessed one,
    /// and the gap is tied to the lost-page paragraph standing between the rows.
    #[test]
    fn after_a_gap_parents_are_unknown_and_the_gap_is_recorded() {
        let mut rows = vec![
            row(1, Kind::Heading, Some(1), 2),
            row(2, Kind::Heading, Some(3), 3),
            row(3, Kind::Task, None, 4),
            row(57, Kind::Task, None, 5),
            row(252, Kind::Task, None, 9),
            row(253, Kind::Heading, Some(3), 10),
            row(254, Kind::Task, None, 11),
        ];
        parents(&mut rows);
        let p: Vec<Option<u32>> = rows.iter().map(|r| r.parent).collect();
        assert_eq!(p, vec![None, Some(1), Some(2), None, None, None, Some(253)]);
        assert!(rows[3].has_flag(Code::ParentUnknown), "57 follows the gap 4–56");
        assert!(rows[4].has_flag(Code::ParentUnknown) && rows[5].has_flag(Code::ParentUnknown));
        assert!(!rows[6].has_flag(Code::ParentUnknown));

        let lost = vec![(PathBuf::from("seed.txt"), RawLost { line: 7, text: "Table with 16 columns".into() })];
        let mut findings = Vec::new();
        let gaps = gaps(&rows, &lost, &mut findings);
        assert_eq!(gaps.iter().map(|g| (g.from, g.to)).collect::<Vec<_>>(), vec![(4, 56), (58, 251)]);
        assert_eq!(gaps[0].lost_text, None);
        assert_eq!(gaps[1].lost_text.as_deref(), Some("Table with 16 columns"));
        let codes: Vec<_> = findings.iter().map(|f| f.code).collect();
        assert_eq!(codes, vec![Code::Gap, Code::Gap, Code::LostSection]);
    }
}
