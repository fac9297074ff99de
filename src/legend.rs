//! The legend: which symbols a table's cells may hold and the role each stands for, in
//! order of weight (◎ 主担当 before ○ 協力; R A C I). A table's legend comes from
//! `site.toml` (`[[roles]]`), else from the document's own legend lines, else the standard
//! ◎/○. Every page, count, chart and export names role kinds through it, so nothing
//! downstream knows a symbol by heart.

use crate::diag::Code;
use serde::{Deserialize, Serialize, Serializer};
use std::sync::{Mutex, OnceLock};

/// One kind of role as a legend defines it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KindDef {
    /// Its place in the legend, from 0: the heaviest first.
    pub rank: u8,
    /// Stable ASCII id: what `roles.json` and the pages' classes call it (`primary`).
    pub id: String,
    /// The symbol as the legend writes it (◎).
    pub symbol: String,
    /// The symbol in a word or two, so a role reads aloud and prints without the legend
    /// (主担当).
    pub name: String,
    /// The legend's wording for it (主たる作業).
    pub meaning: String,
    /// Other glyphs a cell may hold for the same symbol (〇 U+3007 and ◯ U+25EF for ○).
    pub variants: Vec<String>,
    /// `no-primary`'s name in its legend's words (「○のみで◎なし」, 「A・C・IのみでRなし」):
    /// made once with the legend, and known from any role of a flagged row.
    pub no_primary: String,
}

/// A role kind of a legend: copied freely, named without the legend at hand.
///
/// Kinds are interned for the life of the process: a table holds a few, every role and
/// page refers to them, and an edit of the legend under `watch` adds a few more. Two kinds
/// are equal when their definitions are.
#[derive(Clone, Copy)]
pub struct RoleKind(&'static KindDef);

impl RoleKind {
    /// The kind `def` defines.
    pub fn new(def: KindDef) -> RoleKind {
        static KINDS: OnceLock<Mutex<Vec<&'static KindDef>>> = OnceLock::new();
        let mut kinds = KINDS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
        if let Some(k) = kinds.iter().find(|k| ***k == def) {
            return RoleKind(k);
        }
        let leaked: &'static KindDef = Box::leak(Box::new(def));
        kinds.push(leaked);
        RoleKind(leaked)
    }

    /// The standard legend's ◎: 主担当, 主たる作業.
    pub fn primary() -> RoleKind {
        Legend::standard().kinds[0]
    }

    /// The standard legend's ○: 協力, 作業協力.
    pub fn cooperating() -> RoleKind {
        Legend::standard().kinds[1]
    }

    pub fn def(self) -> &'static KindDef {
        self.0
    }

    pub fn rank(self) -> usize {
        usize::from(self.0.rank)
    }

    /// The heaviest kind of its legend: the one a task must have (`no-primary`).
    pub fn is_heaviest(self) -> bool {
        self.0.rank == 0
    }

    pub fn id(self) -> &'static str {
        &self.0.id
    }

    pub fn symbol(self) -> &'static str {
        &self.0.symbol
    }

    /// The symbol in words (主担当).
    pub fn label(self) -> &'static str {
        &self.0.name
    }

    /// The name of a finding's code as its legend words it (see `Legend::code_label`).
    pub fn code_label(self, code: Code) -> &'static str {
        match code {
            Code::NoPrimary if !self.0.no_primary.is_empty() => &self.0.no_primary,
            _ => code.label(),
        }
    }

    /// The class the theme styles it by: `primary` and `coop` for the first two kinds
    /// (as the pages always named them), `kind3`, `kind4`, … after.
    pub fn class(self) -> String {
        match self.0.rank {
            0 => "primary".into(),
            1 => "coop".into(),
            n => format!("kind{}", n + 1),
        }
    }
}

/// Equal when they are the same kind of the same place in a legend: the legend's wording
/// (`meaning`) and variants do not make another kind.
impl PartialEq for RoleKind {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.0, other.0);
        std::ptr::eq(a, b) || (a.rank, &a.id, &a.symbol, &a.name) == (b.rank, &b.id, &b.symbol, &b.name)
    }
}

impl Eq for RoleKind {}

impl std::hash::Hash for RoleKind {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (self.0.rank, &self.0.id).hash(state)
    }
}

impl PartialOrd for RoleKind {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// By weight: the heaviest first.
impl Ord for RoleKind {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let (a, b) = (self.0, other.0);
        (a.rank, &a.id, &a.symbol, &a.name).cmp(&(b.rank, &b.id, &b.symbol, &b.name))
    }
}

impl std::fmt::Debug for RoleKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}({})", self.0.id, self.0.symbol)
    }
}

/// As its id (`"primary"`): the word `roles.json` gives a role.
impl Serialize for RoleKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.id)
    }
}

/// A legend entry as `site.toml` writes it (`[[roles]]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleConfig {
    pub symbol: String,
    pub name: String,
    #[serde(default)]
    pub meaning: Option<String>,
    /// Defaults to the symbol in lower case when it is ASCII (`r`), else `kind<N>`.
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub variants: Vec<String>,
}

/// Ids the pages give their own parts: a vendor page names its list of each kind by the
/// kind's id, beside these.
const TAKEN: &[&str] = &[
    "main",
    "load",
    "bars",
    "bars-caption",
    "standing",
    "standing-caption",
    "steps",
    "site-search",
    "search-input",
    "search-status",
    "search-results",
    "hatch-coop",
    "dots-3",
    "cross-4",
];

/// What separates the symbols of a cell that holds several (`A/R`, `R・A`).
const SEPARATORS: &[char] = &['/', '／', '・', ',', '，', '、', ' ', '\u{3000}', '+', '＋'];

/// A table's legend: its kinds in order of weight, and whether one cell may hold several.
#[derive(Debug, Clone, PartialEq)]
pub struct Legend {
    pub kinds: Vec<RoleKind>,
    /// A cell may hold several symbols (RACI's `A/R`), each its own role.
    pub several: bool,
}

impl Default for Legend {
    fn default() -> Legend {
        Legend::standard().clone()
    }
}

/// As `roles.json` gives the legend: each kind in order of weight with its symbol, id
/// (`role`), wording (`label`) and name, and its variants when it has any.
impl Serialize for Legend {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Entry<'a> {
            symbol: &'a str,
            role: &'a str,
            label: &'a str,
            name: &'a str,
            #[serde(skip_serializing_if = "<[String]>::is_empty")]
            variants: &'a [String],
        }
        s.collect_seq(self.kinds.iter().map(|k| {
            let d = k.def();
            Entry { symbol: &d.symbol, role: &d.id, label: &d.meaning, name: &d.name, variants: &d.variants }
        }))
    }
}

/// A legend entry as `roles.json` gives it (see `Serialize for Legend`); files written
/// before kinds had names give none.
#[derive(Debug, Clone, Deserialize)]
pub struct Entry {
    pub symbol: String,
    pub role: String,
    pub label: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub variants: Vec<String>,
}

impl Legend {
    /// The legend `roles.json` gives, read back; a fault names the entry (by index).
    pub fn from_entries(entries: Vec<Entry>) -> Result<Legend, (usize, String)> {
        let mut kinds = Vec::new();
        for (i, e) in entries.into_iter().enumerate() {
            let known = known().iter().find(|k| k.id == e.role);
            let name = e.name.or_else(|| known.map(|k| k.name.to_string())).unwrap_or_else(|| e.label.clone());
            let rank = u8::try_from(i).map_err(|_| (i, "at most 255 kinds".to_string()))?;
            let variants = match (e.variants.is_empty(), known) {
                (true, Some(k)) => k.variants.iter().map(|v| v.to_string()).collect(),
                _ => e.variants,
            };
            let def = KindDef {
                rank,
                id: e.role,
                symbol: e.symbol,
                name,
                meaning: e.label,
                variants,
                no_primary: String::new(),
            };
            kinds.push(RoleKind::new(def));
        }
        // Files from before a legend could be anything but ◎/○ may state one symbol only.
        if kinds.is_empty() {
            return Ok(Legend::default());
        }
        let legend = Legend { kinds, several: false }.sealed();
        legend.check().map_err(|m| (0, m))?;
        Ok(legend)
    }
}

/// What a cell holds, read through the legend.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Roles(Vec<RoleKind>),
    /// Text the legend has no symbol for (the text, trimmed).
    Unknown(String),
}

impl Legend {
    /// ◎ 主担当 (主たる作業), ○ 協力 (作業協力; also written 〇 or ◯).
    pub fn standard() -> &'static Legend {
        static STANDARD: OnceLock<Legend> = OnceLock::new();
        STANDARD.get_or_init(|| {
            let kinds = known().iter().enumerate().map(|(i, k)| RoleKind::new(k.def(i as u8, k.meaning)));
            Legend { kinds: kinds.collect(), several: false }.sealed()
        })
    }

    /// The legend `site.toml` states (`[[roles]]`, in order of weight), checked: every
    /// symbol, variant and id once.
    pub fn configured(roles: &[RoleConfig], several: bool) -> Result<Legend, String> {
        let mut kinds = Vec::new();
        for (i, r) in roles.iter().enumerate() {
            let symbol = r.symbol.trim().to_string();
            if symbol.is_empty() || symbol.chars().any(|c| SEPARATORS.contains(&c)) {
                return Err(format!("[[roles]] #{}: a symbol is one or a few characters, without separators", i + 1));
            }
            let id = match &r.id {
                Some(id) => id.clone(),
                None => default_id(&symbol, i),
            };
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(format!("[[roles]] #{}: id {id:?} must be ASCII letters, digits or '-'", i + 1));
            }
            if TAKEN.contains(&id.as_str()) {
                return Err(format!(
                    "[[roles]] #{}: id {id:?} names a part of the pages already: choose another",
                    i + 1
                ));
            }
            let def = KindDef {
                rank: u8::try_from(i).map_err(|_| "[[roles]]: at most 255 kinds".to_string())?,
                id,
                name: r.name.clone(),
                meaning: r.meaning.clone().unwrap_or_else(|| r.name.clone()),
                variants: r.variants.iter().map(|v| v.trim().to_string()).collect(),
                symbol,
                no_primary: String::new(),
            };
            kinds.push(RoleKind::new(def));
        }
        let legend = Legend { kinds, several }.sealed();
        legend.check().map(|_| legend)
    }

    /// The legend a document states (`(symbol, wording)` in its order): each symbol the
    /// standard legend knows keeps its id, name and variants; another is named by its
    /// wording.
    pub fn stated(lines: &[(String, String)]) -> Result<Legend, String> {
        let kinds = lines.iter().enumerate().map(|(i, (symbol, meaning))| {
            let known = known().iter().find(|k| k.symbol == symbol || k.variants.contains(&symbol.as_str()));
            let def = match known {
                Some(k) => KindDef { symbol: symbol.clone(), ..k.def(i as u8, meaning) },
                None => KindDef {
                    rank: i as u8,
                    id: default_id(symbol, i),
                    symbol: symbol.clone(),
                    name: meaning.clone(),
                    meaning: meaning.clone(),
                    variants: Vec::new(),
                    no_primary: String::new(),
                },
            };
            RoleKind::new(def)
        });
        let legend = Legend { kinds: kinds.collect(), several: false }.sealed();
        legend.check().map(|_| legend)
    }

    /// Its kinds, each with what the legend as a whole says (`KindDef::no_primary`).
    fn sealed(self) -> Legend {
        let symbols: Vec<&str> = self.kinds.iter().map(|k| k.symbol()).collect();
        // The standard legend's words are `Code::NoPrimary`'s own name.
        let no_primary = match symbols.split_first() {
            Some((first, rest)) if !rest.is_empty() => format!("{}のみで{first}なし", rest.join("・")),
            _ => String::new(),
        };
        let kinds =
            self.kinds.iter().map(|k| RoleKind::new(KindDef { no_primary: no_primary.clone(), ..k.def().clone() }));
        Legend { kinds: kinds.collect(), several: self.several }
    }

    /// The name of a finding's code as this legend words it: `no-primary` is 「○のみで◎なし」
    /// in the standard legend, 「A・C・IのみでRなし」 in RACI.
    pub fn code_label(&self, code: Code) -> &'static str {
        match self.kinds.first() {
            Some(k) => k.code_label(code),
            None => code.label(),
        }
    }

    /// Every symbol and variant stands for one kind, and every id names one.
    fn check(&self) -> Result<(), String> {
        let mut seen: Vec<(&str, &str)> = Vec::new();
        for k in &self.kinds {
            let d = k.def();
            for glyph in std::iter::once(&d.symbol).chain(&d.variants) {
                if let Some((_, other)) = seen.iter().find(|(g, _)| g == glyph) {
                    return Err(format!("the legend gives {glyph} to both {other} and {}", d.symbol));
                }
                seen.push((glyph, &d.symbol));
            }
        }
        for (i, k) in self.kinds.iter().enumerate() {
            if self.kinds[..i].iter().any(|j| j.id() == k.id()) {
                return Err(format!("the legend names two kinds {:?}: give each its own id", k.id()));
            }
        }
        match self.kinds.is_empty() {
            true => Err("the legend has no symbol".into()),
            false => Ok(()),
        }
    }

    /// This legend with more glyphs for its kinds (glyph → a kind's id or symbol), as one
    /// input writes them; the kinds stay the same kinds.
    pub fn with_glyphs(&self, glyphs: &std::collections::BTreeMap<String, String>) -> Result<Legend, String> {
        if glyphs.is_empty() {
            return Ok(self.clone());
        }
        let mut defs: Vec<KindDef> = self.kinds.iter().map(|k| k.def().clone()).collect();
        for (glyph, kind) in glyphs {
            let at = self.kinds.iter().position(|k| k.id() == kind || k.symbol() == kind).ok_or_else(|| {
                format!(
                    "symbols gives {glyph} to {kind:?}, which the legend has no kind for: use one of {}",
                    self.symbols()
                )
            })?;
            defs[at].variants.push(glyph.trim().to_string());
        }
        let legend = Legend { kinds: defs.into_iter().map(RoleKind::new).collect(), several: self.several }.sealed();
        legend.check().map(|_| legend)
    }

    /// The kind a symbol (or one of its variants) stands for.
    pub fn kind(&self, symbol: &str) -> Option<RoleKind> {
        let s = symbol.trim();
        self.kinds.iter().copied().find(|k| k.symbol() == s || k.def().variants.iter().any(|v| v == s))
    }

    /// The kind with the id `id`.
    pub fn by_id(&self, id: &str) -> Option<RoleKind> {
        self.kinds.iter().copied().find(|k| k.id() == id)
    }

    /// What `text` (a vendor cell) holds: nothing, the roles of its symbols (several only
    /// where the legend allows it, each once), or text the legend has no symbol for.
    pub fn read(&self, text: &str) -> Cell {
        let t = text.trim();
        if t.is_empty() {
            return Cell::Empty;
        }
        if let Some(k) = self.kind(t) {
            return Cell::Roles(vec![k]);
        }
        if self.several {
            let parts: Vec<&str> = t.split(SEPARATORS).filter(|p| !p.is_empty()).collect();
            let kinds: Option<Vec<RoleKind>> = parts.iter().map(|p| self.kind(p)).collect();
            if let Some(mut kinds) = kinds.filter(|k| k.len() > 1) {
                kinds.sort();
                kinds.dedup();
                return Cell::Roles(kinds);
            }
        }
        Cell::Unknown(t.to_string())
    }

    /// The legend in words, for a message: `◎, ○ (〇, ◯)`.
    pub fn symbols(&self) -> String {
        let one = |k: &RoleKind| match k.def().variants.as_slice() {
            [] => k.symbol().to_string(),
            v => format!("{} ({})", k.symbol(), v.join(", ")),
        };
        self.kinds.iter().map(one).collect::<Vec<_>>().join(", ")
    }

    /// The standing a vendor's counts per kind give: heaviest first, ties by the next.
    pub fn heaviest(&self) -> Option<RoleKind> {
        self.kinds.first().copied()
    }
}

/// Symbols whose meaning every role table shares, with how rolesite has always named them.
struct Known {
    id: &'static str,
    symbol: &'static str,
    name: &'static str,
    meaning: &'static str,
    variants: &'static [&'static str],
}

impl Known {
    fn def(&self, rank: u8, meaning: &str) -> KindDef {
        KindDef {
            rank,
            id: self.id.into(),
            symbol: self.symbol.into(),
            name: self.name.into(),
            meaning: meaning.into(),
            variants: self.variants.iter().map(|v| v.to_string()).collect(),
            no_primary: String::new(),
        }
    }
}

fn known() -> &'static [Known] {
    &[
        Known { id: "primary", symbol: "◎", name: "主担当", meaning: "主たる作業", variants: &[] },
        Known { id: "cooperating", symbol: "○", name: "協力", meaning: "作業協力", variants: &["〇", "◯"] },
    ]
}

/// A kind's id when none is given: the standard one of ◎ and ○, an ASCII symbol in lower
/// case (`R` → `r`), else `kind<N>` by its place.
fn default_id(symbol: &str, i: usize) -> String {
    if let Some(k) = known().iter().find(|k| k.symbol == symbol || k.variants.contains(&symbol)) {
        return k.id.to_string();
    }
    match symbol.chars().all(|c| c.is_ascii_alphanumeric()) {
        true => symbol.to_ascii_lowercase(),
        false => format!("kind{}", i + 1),
    }
}

/// Whether a cell of a messy extraction looks like symbols rather than text: a few short
/// pieces (`◎`, `△`, `A/R`). What it holds is decided by the legend, later.
pub fn looks_like_symbols(text: &str) -> bool {
    let t = text.trim();
    let parts: Vec<&str> = t.split(SEPARATORS).filter(|p| !p.is_empty()).collect();
    !parts.is_empty() && parts.len() <= 4 && parts.iter().all(|p| p.chars().count() <= 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raci(several: bool) -> Legend {
        let role = |s: &str, n: &str| RoleConfig {
            symbol: s.into(),
            name: n.into(),
            meaning: None,
            id: None,
            variants: vec![s.to_lowercase()],
        };
        Legend::configured(&[role("R", "実行"), role("A", "承認"), role("C", "相談"), role("I", "報告")], several)
            .unwrap()
    }

    #[test]
    fn the_standard_legend_reads_its_symbols_and_variants() {
        let l = Legend::standard();
        assert_eq!(l.read("◎"), Cell::Roles(vec![RoleKind::primary()]));
        for s in ["○", "〇", " ◯ "] {
            assert_eq!(l.read(s), Cell::Roles(vec![RoleKind::cooperating()]), "{s}");
        }
        assert_eq!(l.read(""), Cell::Empty);
        assert_eq!(l.read("△"), Cell::Unknown("△".into()));
        assert_eq!(l.read("◎/○"), Cell::Unknown("◎/○".into()), "one symbol a cell unless the legend allows more");
        assert!(RoleKind::primary().is_heaviest() && !RoleKind::cooperating().is_heaviest());
        // The standard legend's words for no-primary are the code's own name (the seed's
        // pages stay as they were).
        assert_eq!(RoleKind::cooperating().code_label(Code::NoPrimary), Code::NoPrimary.label());
        assert_eq!((RoleKind::primary().id(), RoleKind::cooperating().label()), ("primary", "協力"));
    }

    #[test]
    fn several_symbols_in_a_cell_are_each_a_role_where_the_legend_allows() {
        let l = raci(true);
        let ids = |c: Cell| match c {
            Cell::Roles(k) => k.iter().map(|k| k.id()).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(ids(l.read("A/R")), ["r", "a"]);
        assert_eq!(ids(l.read("R・A")), ["r", "a"]);
        assert_eq!(ids(l.read("c")), ["c"]);
        assert_eq!(l.read("A/X"), Cell::Unknown("A/X".into()));
        assert_eq!(raci(false).read("A/R"), Cell::Unknown("A/R".into()));
    }

    #[test]
    fn a_document_legend_keeps_known_symbols_and_names_others_by_their_wording() {
        let lines = [("◎", "主たる作業"), ("○", "作業協力"), ("△", "確認・承認")].map(|(a, b)| (a.into(), b.into()));
        let l = Legend::stated(&lines).unwrap();
        assert_eq!(l.kinds[0], RoleKind::primary());
        assert_eq!(l.read("〇"), Cell::Roles(vec![l.kinds[1]]));
        let third = l.kinds[2];
        assert_eq!(
            (third.id(), third.label(), third.rank(), third.class()),
            ("kind3", "確認・承認", 2, "kind3".into())
        );
    }

    #[test]
    fn a_legend_giving_one_glyph_twice_is_refused() {
        let role = |s: &str, v: &[&str]| RoleConfig {
            symbol: s.into(),
            name: "x".into(),
            meaning: None,
            id: None,
            variants: v.iter().map(|v| v.to_string()).collect(),
        };
        assert!(Legend::configured(&[role("●", &[]), role("○", &["●"])], false).is_err());
        assert!(Legend::configured(&[], false).is_err());
        assert!(Legend::configured(&[role("主", &[]), role("副", &[])], false).is_ok());
        let named = |id: &str| RoleConfig { id: Some(id.into()), ..role("◆", &[]) };
        assert!(Legend::configured(&[named("bars")], false).unwrap_err().contains("names a part of the pages"));
        assert!(Legend::configured(&[named("a b")], false).is_err());
    }

    #[test]
    fn symbols_are_told_from_text_in_a_messy_extraction() {
        for s in ["◎", "△", "A/R", "主"] {
            assert!(looks_like_symbols(s), "{s}");
        }
        for s in ["", "設計書の作成", "年金業務"] {
            assert!(!looks_like_symbols(s), "{s}");
        }
    }
}
