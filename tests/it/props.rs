//! Property tests of the readers' contract: any input gives Ok or a located Err, never a
//! panic; a valid clean table read through the whole pipeline gives back every row; and
//! every error names its file and, for a row, the line (and cell) it stands at.
//!
//! The coverage-guided fuzz targets under `fuzz/` (nightly, cargo-fuzz) check the same
//! contract on raw bytes; these run on stable in the ordinary `cargo test`, in about 10 s.
//! A failure prints its shrunk input, and proptest saves it to
//! `tests/it/props.proptest-regressions` to replay first next time. `PROPTEST_CASES=<n>` runs
//! more (or fewer) cases; `PROPTEST_RNG_SEED=<n>` fixes the otherwise random seed.

use proptest::prelude::*;
use proptest::sample::{select, subsequence, Index};
use proptest::test_runner::{Config, FileFailurePersistence};
use rolesite::config::{Project, Sheets};
use rolesite::diag::{Code, Error, Finding, Location, Result, Severity};
use rolesite::model::RoleKind;
use rolesite::read::{csv as clean_csv, seed, text, xlsx, RawTable};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const SEED: &str = include_str!("../../seeds/000_cb154c5dc3bd9e83.txt");
const REFERENCE: [&str; 3] = ["vendors.csv", "subsystems.csv", "curation.csv"];

/// Error codes located at a whole file rather than at a line.
const FILE_LEVEL: [Code; 4] = [Code::NoTable, Code::Xlsx, Code::UnknownInput, Code::NoInput];

// ---------------------------------------------------------------------------------------
// The contract on one result
// ---------------------------------------------------------------------------------------

/// Whether `location` is in `file`; a workbook's sheets are labelled `book.xlsx[sheet]`.
fn in_file(location: &Location, file: &Path) -> bool {
    location.file.to_string_lossy().starts_with(&*file.to_string_lossy())
}

fn located(f: &Finding, file: &Path) -> std::result::Result<(), TestCaseError> {
    prop_assert!(in_file(&f.location, file), "{f}: names {:?}, not {file:?}", f.location.file);
    if f.severity == Severity::Error && !FILE_LEVEL.contains(&f.code) {
        prop_assert!(f.location.line >= 1, "row-level error without a line: {f}");
    }
    Ok(())
}

/// Every error a reader of `file` gives is located in `file`; so is every finding of an Ok.
fn contract(file: &Path, result: &Result<RawTable>) -> std::result::Result<(), TestCaseError> {
    match result {
        Ok(raw) => raw.findings.iter().try_for_each(|f| located(f, file)),
        Err(Error::Located(f)) => located(f, file),
        Err(Error::Many(fs)) => fs.iter().try_for_each(|f| located(f, file)),
        Err(e @ Error::Io { .. }) => Err(TestCaseError::fail(format!("a reader of memory gave an I/O error: {e}"))),
    }
}

fn seed_contract(text: &str) -> std::result::Result<(), TestCaseError> {
    let path = Path::new("in/seed.txt");
    contract(path, &seed::parse(path, text))
}

fn csv_contract(text: &str) -> std::result::Result<(), TestCaseError> {
    for name in ["in/roles.csv", "in/roles.tsv"] {
        let path = Path::new(name);
        contract(path, &clean_csv::parse(path, text))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// (a) Arbitrary and mutated text never panics
// ---------------------------------------------------------------------------------------

/// Pieces that steer the parsers into their branches: separators, quotes, line ends,
/// symbols, header words, numbers, title-block and legend markers.
const TOKENS: &[&str] = &[
    "\t",
    "\t",
    "\t",
    ",",
    ",",
    "\"",
    "\"\"",
    "\n",
    "\n",
    "\r\n",
    "\r",
    " ",
    "　",
    "◎",
    "○",
    "〇",
    "◯",
    "△",
    "×",
    "項番",
    "階層",
    "作業項目",
    "作業内容",
    "役割",
    "no",
    "No.",
    "level",
    "name",
    "description",
    "1",
    "2",
    "3",
    "4",
    "0",
    "１２",
    "4294967296",
    "-1",
    "x1",
    "#",
    "## ",
    "- ",
    "別紙",
    "別紙2 ",
    "…",
    "Table with",
    "平成28年5月",
    "令和元年",
    "厚生労働省",
    "システム室",
    "A業者",
    "?",
    "(※)",
    "\u{FEFF}",
    "\u{0}",
    "é",
    "𝄞",
];

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => select(TOKENS).prop_map(str::to_string),
        2 => "[ -~]{1,6}",
        1 => "[ぁ-んァ-ン]{1,4}",
        1 => any::<char>().prop_map(String::from),
    ]
}

fn tokens(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(token(), 0..max).prop_map(|t| t.concat())
}

/// An edit of a text: insert a token, or remove a run of characters.
#[derive(Debug, Clone)]
enum Edit {
    Insert(Index, String),
    Remove(Index, usize),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let edit = prop_oneof![
        4 => (any::<Index>(), token()).prop_map(|(at, t)| Edit::Insert(at, t)),
        1 => (any::<Index>(), 1..40usize).prop_map(|(at, n)| Edit::Remove(at, n)),
    ];
    prop::collection::vec(edit, 1..10)
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for edit in edits {
        match edit {
            Edit::Insert(at, t) => {
                let i = at.index(chars.len() + 1);
                chars.splice(i..i, t.chars());
            }
            Edit::Remove(at, n) if !chars.is_empty() => {
                let i = at.index(chars.len());
                chars.drain(i..(i + n).min(chars.len()));
            }
            Edit::Remove(..) => {}
        }
    }
    chars.into_iter().collect()
}

/// A run of whole lines of the seed, from a window start and length.
fn seed_window() -> impl Strategy<Value = String> {
    let lines = SEED.lines().count();
    prop_oneof![
        1 => Just(SEED.to_string()),
        6 => (0..lines, 1..80usize).prop_map(|(start, n)| {
            SEED.lines().skip(start).take(n).collect::<Vec<_>>().join("\n") + "\n"
        }),
    ]
}

const CSV_SAMPLES: &[&str] = &[
    "項番,階層,作業項目,厚生労働省・日本年金機構,開発等(統合),作業内容\n1,1,統合業務関連,,,\n2,,\"計画, 作成\",○,◎,\"複数行の\n説明\"\n",
    "no,level,name,mhlw-jps,app-maint,description\r\n1,2,Plan,,,\r\n2,,\"say \"\"hi\"\"\",◎,〇,text\r\n",
    "No.,作業項目,共通運用管理業者,作業内容\n１２,全角,◯,x\n",
];

/// `n` cases, unless PROPTEST_CASES says otherwise; failures kept beside this file, in
/// `props.proptest-regressions`. (Proptest's default would put them under a
/// `proptest-regressions/` folder beside `tests/it/`, the folder of the test crate's
/// `main.rs`.)
fn cases(n: u32) -> Config {
    let config = Config {
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..Config::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_some() {
        config
    } else {
        Config { cases: n, ..config }
    }
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn readers_never_panic_on_arbitrary_strings(s in any::<String>()) {
        seed_contract(&s)?;
        csv_contract(&s)?;
    }

    #[test]
    fn readers_never_panic_on_token_soup(s in tokens(80)) {
        seed_contract(&s)?;
        csv_contract(&s)?;
    }

    #[test]
    fn seed_parse_never_panics_on_mutated_seed_text(window in seed_window(), edits in edits()) {
        seed_contract(&apply(&window, &edits))?;
    }

    #[test]
    fn csv_parse_never_panics_on_mutated_clean_tables(sample in select(CSV_SAMPLES), edits in edits()) {
        csv_contract(&apply(sample, &edits))?;
    }

    /// decode() takes any bytes: UTF-8 (BOM or not) and Shift_JIS pass, anything else is
    /// refused at a line and column (both 1-based) of the file.
    #[test]
    fn decode_gives_text_or_a_located_encoding_error(
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..300),
            tokens(40).prop_map(|s| encoding_rs::SHIFT_JIS.encode(&s).0.into_owned()),
        ]
    ) {
        let path = Path::new("in/roles.csv");
        match text::decode(path, bytes.clone()) {
            Ok(_) => {}
            Err(Error::Located(f)) => {
                prop_assert_eq!(f.code, Code::Encoding);
                prop_assert_eq!(&f.location.file, path);
                prop_assert!(f.location.line >= 1 && f.location.col >= 1, "{}", f);
            }
            Err(e) => prop_assert!(false, "not one located error: {}", e),
        }
    }
}

proptest! {
    #![proptest_config(cases(64))]

    /// Arbitrary bytes (and mutated real workbooks) as a workbook: Ok or a located error.
    #[test]
    fn xlsx_from_bytes_never_panics(
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..200),
            (select(&[0usize, 1, 2][..]), prop::collection::vec((any::<Index>(), any::<u8>()), 1..6))
                .prop_map(|(which, flips)| {
                    let mut b = sample_workbooks()[which].clone();
                    for (at, byte) in flips {
                        let i = at.index(b.len());
                        b[i] = byte;
                    }
                    b
                }),
        ]
    ) {
        let path = Path::new("in/roles.xlsx");
        contract(path, &xlsx::read_bytes(path, &bytes, &Sheets::All))?;
    }
}

// ---------------------------------------------------------------------------------------
// (b) Generated valid clean tables round-trip through the whole pipeline
// ---------------------------------------------------------------------------------------

/// `(id, spellings)` of each vendor in the shipped seeds/vendors.csv: id, name, aliases.
fn vendors() -> &'static Vec<(String, Vec<String>)> {
    static V: OnceLock<Vec<(String, Vec<String>)>> = OnceLock::new();
    V.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/vendors.csv");
        let mut reader = csv::Reader::from_path(path).unwrap();
        reader
            .records()
            .map(|r| {
                let r = r.unwrap();
                let mut spellings = vec![r[0].to_string(), r[1].to_string()];
                spellings.extend(r[3].split('|').filter(|s| !s.is_empty()).map(str::to_string));
                (r[0].to_string(), spellings)
            })
            .collect()
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    Csv,
    CsvCrlf,
    CsvBom,
    ShiftJis,
    Tsv,
    Xlsx,
}

impl Format {
    fn file(self) -> &'static str {
        match self {
            Format::Tsv => "roles.tsv",
            Format::Xlsx => "roles.xlsx",
            _ => "roles.csv",
        }
    }
}

#[derive(Debug, Clone)]
struct GenRow {
    no: u32,
    full_width_no: bool,
    level: Option<u8>,
    name: String,
    description: String,
    /// One cell per vendor column.
    cells: Vec<&'static str>,
}

#[derive(Debug, Clone)]
struct GenTable {
    english: bool,
    format: Format,
    /// `(vendor id, header spelling)` per vendor column.
    columns: Vec<(String, String)>,
    rows: Vec<GenRow>,
}

/// Cell text with what CSV must quote, white space to fold, and Japanese.
fn cell_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => "[a-zA-Z0-9]{1,6}",
        3 => select(&["作業", "計画書", "レビュー", "承認", "保守", "運用管理", "年金", "機構", "ｶﾅ", "（全角）", "・", "、", "。"][..])
            .prop_map(str::to_string),
        2 => select(&[",", "\"", "\"\"", "\n", " ", "　", "\t", "◎", "○", "(※)", "'", "=", "項番", "no"][..])
            .prop_map(str::to_string),
    ];
    prop::collection::vec(piece, 0..8).prop_map(|p| p.concat())
}

const SYMBOLS: &[&str] = &["", "", "", "◎", "○", "〇", "◯"];

fn gen_table() -> impl Strategy<Value = GenTable> {
    let columns = subsequence((0..vendors().len()).collect::<Vec<_>>(), 1..=6)
        .prop_shuffle()
        .prop_flat_map(|picked| {
            let n = picked.len();
            (Just(picked), prop::collection::vec(any::<Index>(), n))
        })
        .prop_map(|(picked, spelling)| {
            picked
                .into_iter()
                .zip(spelling)
                .map(|(v, s)| {
                    let (id, spellings) = &vendors()[v];
                    (id.clone(), spellings[s.index(spellings.len())].clone())
                })
                .collect::<Vec<_>>()
        });
    let format =
        select(&[Format::Csv, Format::CsvCrlf, Format::CsvBom, Format::ShiftJis, Format::Tsv, Format::Xlsx][..]);
    (any::<bool>(), format, columns, 1u32..2000)
        .prop_flat_map(|(english, format, columns, first)| {
            let width = columns.len();
            let row = (
                1u32..5,
                any::<bool>(),
                prop_oneof![3 => Just(None), 1 => (1u8..=3).prop_map(Some)],
                cell_text(),
                cell_text(),
                prop::collection::vec(select(SYMBOLS), width),
            );
            (Just(english), Just(format), Just(columns), Just(first), prop::collection::vec(row, 1..12))
        })
        .prop_map(|(english, format, columns, first, rows)| {
            let mut no = first;
            let rows = rows
                .into_iter()
                .map(|(step, full_width_no, level, name, description, cells)| {
                    no += step;
                    GenRow { no, full_width_no, level, name, description, cells }
                })
                .collect();
            GenTable { english, format, columns, rows }
        })
}

fn full_width(n: u32) -> String {
    n.to_string().chars().map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap()).collect()
}

/// The table as records: header first, then one per row.
fn records(t: &GenTable) -> Vec<Vec<String>> {
    let fixed: [&str; 4] = if t.english {
        ["no", "level", "name", "description"]
    } else {
        ["項番", "階層", "作業項目", "作業内容"]
    };
    let mut header = vec![fixed[0].to_string(), fixed[1].to_string(), fixed[2].to_string()];
    header.extend(t.columns.iter().map(|(_, h)| h.clone()));
    header.push(fixed[3].to_string());
    let mut out = vec![header];
    for r in &t.rows {
        let no = if r.full_width_no { full_width(r.no) } else { r.no.to_string() };
        let mut rec = vec![no, r.level.map_or(String::new(), |l| l.to_string()), r.name.clone()];
        rec.extend(r.cells.iter().map(|c| c.to_string()));
        rec.push(r.description.clone());
        out.push(rec);
    }
    out
}

/// The file's bytes and the 1-based line each record starts at. The cells are written as
/// rolesite writes `data/roles.csv`: one a spreadsheet would run as a formula after a `'`,
/// which reading takes away (so a generated `'=` is written `''=`).
fn encode(format: Format, records: &[Vec<String>]) -> (Vec<u8>, Vec<usize>) {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(if format == Format::Tsv { b'\t' } else { b',' })
        .terminator(if format == Format::CsvCrlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
        .from_writer(Vec::new());
    let mut lines = Vec::new();
    for rec in records {
        writer.flush().unwrap();
        lines.push(writer.get_ref().iter().filter(|&&b| b == b'\n').count() + 1);
        writer.write_record(rec.iter().map(|cell| clean_csv::guard(cell).into_owned())).unwrap();
    }
    let mut bytes = writer.into_inner().unwrap();
    if format == Format::CsvBom {
        bytes.splice(0..0, *b"\xEF\xBB\xBF");
    }
    if format == Format::ShiftJis {
        let text = String::from_utf8(bytes.clone()).unwrap();
        let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
        // Only where every character has its own Shift_JIS code; the file stays UTF-8 otherwise.
        if !unmappable && encoding_rs::SHIFT_JIS.decode_without_bom_handling(&sjis).0 == text {
            bytes = sjis.into_owned();
        }
    }
    (bytes, lines)
}

fn write_xlsx(path: &Path, records: &[Vec<String>]) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("役割分担").unwrap();
    for (r, rec) in records.iter().enumerate() {
        for (c, cell) in rec.iter().enumerate() {
            match cell.parse::<u32>() {
                Ok(n) if c == 0 => sheet.write_number(r as u32, c as u16, f64::from(n)).unwrap(),
                _ if cell.is_empty() => sheet,
                _ => sheet.write_string(r as u32, c as u16, cell).unwrap(),
            };
        }
    }
    book.save(path).unwrap();
}

/// A project in a temp folder: the shipped reference files plus the table. Returns the
/// folder, the table's path as locations name it, and the line of each record.
fn project(t: &GenTable, records: &[Vec<String>]) -> (tempfile::TempDir, PathBuf, Vec<usize>) {
    let dir = tempfile::tempdir().unwrap();
    let seeds = dir.path().join("seeds");
    std::fs::create_dir_all(&seeds).unwrap();
    for name in REFERENCE {
        std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds").join(name), seeds.join(name)).unwrap();
    }
    let path = seeds.join(t.format.file());
    if t.format == Format::Xlsx {
        write_xlsx(&path, records);
        let label = PathBuf::from(format!("{}[役割分担]", path.display()));
        (dir, label, (1..=records.len()).collect())
    } else {
        let (bytes, lines) = encode(t.format, records);
        std::fs::write(&path, bytes).unwrap();
        (dir, path, lines)
    }
}

fn load(dir: &Path) -> Result<rolesite::model::Table> {
    rolesite::load(&Project::load(dir)?).map(|l| l.table)
}

fn errors(t: &rolesite::model::Table) -> Vec<&Finding> {
    t.findings.iter().filter(|f| f.severity == Severity::Error).collect()
}

type RowEssence = (u32, Option<u8>, String, String, Vec<(Option<String>, RoleKind)>);

fn expected(t: &GenTable) -> Vec<RowEssence> {
    t.rows
        .iter()
        .map(|r| {
            let roles = r
                .cells
                .iter()
                .zip(&t.columns)
                .filter_map(|(cell, (id, _))| {
                    rolesite::legend::Legend::standard().kind(cell).map(|k| (Some(id.clone()), k))
                })
                .collect();
            (r.no, r.level, text::clean(&r.name), r.description.trim().to_string(), roles)
        })
        .collect()
}

fn sample_workbooks() -> &'static Vec<Vec<u8>> {
    static W: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    W.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        CSV_SAMPLES
            .iter()
            .map(|csv| {
                let records: Vec<Vec<String>> = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .from_reader(csv.as_bytes())
                    .records()
                    .map(|r| r.unwrap().iter().map(str::to_string).collect())
                    .collect();
                let path = dir.path().join("w.xlsx");
                write_xlsx(&path, &records);
                std::fs::read(path).unwrap()
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(cases(48))]

    #[test]
    fn a_valid_clean_table_round_trips_through_the_pipeline(t in gen_table()) {
        let records = records(&t);
        let (dir, file, lines) = project(&t, &records);
        let table = load(dir.path()).map_err(|e| TestCaseError::fail(format!("load failed: {e}")))?;
        let errs = errors(&table);
        prop_assert!(errs.is_empty(), "errors: {:?}", errs.iter().map(|f| f.to_string()).collect::<Vec<_>>());
        let got: Vec<RowEssence> = table
            .rows
            .iter()
            .map(|r| {
                let roles = r.roles.iter().map(|x| (x.vendor.clone(), x.role)).collect();
                (r.no, r.level, r.name.clone(), r.description.clone(), roles)
            })
            .collect();
        prop_assert_eq!(got, expected(&t));
        for (row, line) in table.rows.iter().zip(&lines[1..]) {
            prop_assert_eq!(&row.source.file, &file);
            prop_assert_eq!(row.source.line, *line, "項番 {}", row.no);
        }
    }
}

// ---------------------------------------------------------------------------------------
// (c) Every error names the file, and a row's error its line and cell
// ---------------------------------------------------------------------------------------

/// One mistake put into a valid table, and the code, record and column it must be reported
/// at (record 0 is the header; column 0 means "no column").
#[derive(Debug, Clone)]
enum Mistake {
    Symbol(Index, Index, &'static str),
    Level(Index, &'static str),
    No(Index, &'static str),
    Column(Index),
    DuplicateNo(Index),
    Bytes(Index),
    Quote(Index),
}

fn mistake() -> impl Strategy<Value = Mistake> {
    prop_oneof![
        (any::<Index>(), any::<Index>(), select(&["△", "x", "◎◎", "●", "1"][..]))
            .prop_map(|(r, c, s)| Mistake::Symbol(r, c, s)),
        (any::<Index>(), select(&["4", "0", "a", "1.5", "-1", "４"][..])).prop_map(|(r, l)| Mistake::Level(r, l)),
        (any::<Index>(), select(&["x1", "", "1.0", "-3", "99999999999", "一"][..]))
            .prop_map(|(r, n)| Mistake::No(r, n)),
        any::<Index>().prop_map(Mistake::Column),
        any::<Index>().prop_map(Mistake::DuplicateNo),
        any::<Index>().prop_map(Mistake::Bytes),
        any::<Index>().prop_map(Mistake::Quote),
    ]
}

/// Stand for bytes the CSV writer would not write: replaced once the file is encoded.
const RAW: [(&str, &[u8]); 2] = [("@@not-text@@", b"\xFF\xFE"), ("@@open-quote@@", b"\"oops")];

/// Put the mistake in; the expected `(code, record, column)`. Code `None`: any code; column 0:
/// not checked; column `usize::MAX`: at that record's line or after it.
fn inject(t: &mut GenTable, records: &mut Vec<Vec<String>>, m: &Mistake) -> (Option<Code>, usize, usize) {
    let rows = t.rows.len();
    let vendors = t.columns.len();
    match m {
        Mistake::Symbol(r, c, s) => {
            let (r, c) = (r.index(rows) + 1, c.index(vendors) + 3);
            records[r][c] = s.to_string();
            (Some(Code::UnknownSymbol), r, c + 1)
        }
        Mistake::Level(r, l) => {
            let r = r.index(rows) + 1;
            records[r][1] = l.to_string();
            (Some(Code::BadLevel), r, 2)
        }
        Mistake::No(r, n) => {
            let r = r.index(rows) + 1;
            records[r][0] = n.to_string();
            // A record whose every cell is blank is skipped, not refused.
            records[r][2].insert(0, 'x');
            (Some(Code::BadNo), r, 1)
        }
        Mistake::Column(c) => {
            let c = c.index(vendors) + 3;
            records[0][c] = "どこにもない業者".to_string();
            (Some(Code::UnknownColumn), 0, c + 1)
        }
        Mistake::DuplicateNo(r) if rows == 1 => {
            let _ = r;
            let again = records[1].clone();
            records.push(again);
            (Some(Code::DuplicateNo), 2, 0)
        }
        Mistake::DuplicateNo(r) => {
            let r = r.index(rows - 1) + 2;
            records[r][0] = records[r - 1][0].clone();
            (Some(Code::DuplicateNo), r, 0)
        }
        Mistake::Bytes(r) => {
            if matches!(t.format, Format::ShiftJis | Format::Xlsx) {
                t.format = Format::Csv;
            }
            let r = r.index(rows) + 1;
            records[r][2].insert_str(0, RAW[0].0);
            (Some(Code::Encoding), r, 0)
        }
        // A quote opening the 階層 cell: refused as CSV at it or where the quote turns out to
        // close; or, when a later quote closes it as RFC 4180 allows, the swallowed text is
        // a bad 階層 there. Either way some error at that line or after it.
        Mistake::Quote(r) => {
            if t.format == Format::Xlsx {
                t.format = Format::Csv;
            }
            let r = r.index(rows) + 1;
            records[r][1] = RAW[1].0.to_string();
            (None, r, usize::MAX)
        }
    }
}

/// Every error of a load: the one it stopped with, or the error findings of its table.
fn all_errors(result: Result<rolesite::model::Table>) -> Vec<Finding> {
    match result {
        Ok(t) => errors(&t).into_iter().cloned().collect(),
        Err(Error::Located(f)) => vec![f],
        Err(Error::Many(fs)) => fs,
        Err(e @ Error::Io { .. }) => panic!("I/O error: {e}"),
    }
}

proptest! {
    #![proptest_config(cases(64))]

    #[test]
    fn every_error_names_the_file_and_the_row_and_cell_of_the_mistake(t in gen_table(), m in mistake()) {
        let mut t = t;
        let mut records = records(&t);
        let (code, record, col) = inject(&mut t, &mut records, &m);
        let (dir, file, lines) = project(&t, &records);
        for (marker, raw) in RAW {
            let path = dir.path().join("seeds").join(t.format.file());
            let bytes = std::fs::read(&path).unwrap();
            if let Some(at) = bytes.windows(marker.len()).position(|w| w == marker.as_bytes()) {
                let mut bad = bytes[..at].to_vec();
                bad.extend_from_slice(raw);
                bad.extend_from_slice(&bytes[at + marker.len()..]);
                std::fs::write(&path, bad).unwrap();
            }
        }
        let errs = all_errors(load(dir.path()));
        for f in &errs {
            located(f, &file)?;
        }
        let line = lines[record];
        prop_assert!(
            errs.iter().any(|f| code.is_none_or(|c| f.code == c)
                && match col {
                    usize::MAX => f.location.line >= line && f.location.col >= 1,
                    0 => f.location.line == line,
                    col => f.location.line == line && f.location.col == col,
                }),
            "expected {} at {}:{}:{}, got {:?}",
            code.map_or("any code".to_string(), |c| c.to_string()), file.display(), line, col, errs.iter().map(|f| f.to_string()).collect::<Vec<_>>()
        );
    }
}

// ---------------------------------------------------------------------------------------
// Regressions found by the fuzz targets (fuzz/): each fails until its bug is fixed.
// ---------------------------------------------------------------------------------------

/// Run `f` on a thread and wait at most `secs` for it. A run past the limit is left to the
/// end of the test process (the harness does not wait for it).
fn finishes_within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(std::time::Duration::from_secs(secs)).ok()
}

/// Found by `seed_text` (46 exec/s, slow on the long prose inputs): every prose line is
/// compared with every note kept so far, each comparison normalising both (NFKC), so a seed
/// of n distinct prose lines costs n² normalisations (src/read/seed.rs, `prose_line`: the
/// `doc.notes.iter().any(|n| key(n) == key(&text))` test). Release build: 8,000 lines take
/// 11.6 s, 100,000 lines (a 2.5 MB text) about half an hour. Linear, 20,000 lines take
/// well under a second even in a debug build.
#[test]
fn regression_seed_with_many_prose_lines_parses_in_linear_time() {
    let mut text: String = (0..20_000).map(|i| format!("注記その{i}です。\n")).collect();
    text.push_str("項番\t作業項目\tA\t作業内容\n1\tx\t◎\ty\n");
    let notes = finishes_within(5, move || seed::parse(Path::new("in/seed.txt"), &text).map(|t| t.document));
    let notes = notes.expect("parsing 20,000 prose lines took over 5 s: quadratic note de-duplication");
    assert_eq!(notes.unwrap().unwrap().notes.len(), 20_000);
}

/// Found while measuring the fuzz targets' assemble-and-check step: each task whose name is
/// shared lists every other row of that name (src/check.rs, `duplicate_name`), so n rows of
/// one name cost n² in time and in memory (each finding's message holds n numbers).
/// Release build: 8,000 such rows take 1.9 s to check; 100,000 (say, rows whose 作業項目 was
/// left as one placeholder) would need ~10¹⁰ steps and gigabytes of messages.
#[test]
fn regression_many_rows_of_one_name_check_in_linear_time() {
    let mut csv = String::from("項番,階層,作業項目,mhlw-jps,作業内容\n");
    for no in 1..=10_000 {
        csv.push_str(&format!("{no},,同じ名前の作業,◎,説明\n"));
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("seeds")).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/vendors.csv"),
        dir.path().join("seeds/vendors.csv"),
    )
    .unwrap();
    std::fs::write(dir.path().join("seeds/roles.csv"), csv).unwrap();
    let root = dir.path().to_path_buf();
    let rows = finishes_within(5, move || load(&root).map(|t| t.rows.len()).map_err(|e| e.to_string()));
    let rows = rows.expect("checking 10,000 rows of one name took over 5 s: quadratic duplicate-name flags");
    assert_eq!(rows, Ok(10_000));
}

/// Workbooks that crash the process instead of giving a located error, found by
/// `xlsx_bytes` (fuzz/regressions/xlsx_bytes/). All of them go through calamine 0.38.0's
/// cell-reference parsing and dense range building, called from src/read/xlsx.rs
/// (`read_book`: `book.worksheet_range(&name)`):
/// - a reference with 8+ letters or 11+ digits (`r="AAAAAAAA2"`, `r="B99999999999"`, or a
///   `<row r=…>` garbled like that) overflows u32 in `get_row_and_optional_column`
///   (calamine-0.38.0/src/xlsx/mod.rs:3096/3112, "attempt to multiply with overflow"):
///   a panic in debug builds (so in `cargo test`/`cargo run`); in release the wrapped
///   position is as below;
/// - a cell far beyond Excel's 1,048,576 × 16,384 grid (`r="B4294967295"`,
///   `r="ZZZZZZ2"`) makes calamine allocate the whole dense range: "memory allocation of
///   962072674080 bytes failed", an abort in every build, `rolesite check` included.
///
/// Each workbook is read in a child process (an abort would end this one); it must exit
/// normally with Ok or a located error.
const CRASHING_WORKBOOKS: [&str; 5] = [
    "crash-ae166a06-row-letters-overflow.xlsx",
    "cell-ref-letters-overflow.xlsx",
    "cell-ref-digits-overflow.xlsx",
    "cell-far-row.xlsx",
    "cell-far-column.xlsx",
];

const CHILD: &str = "ROLESITE_PROPS_READ_WORKBOOK";

#[test]
fn regression_hostile_workbooks_give_located_errors_not_crashes() {
    // The child test's name as the harness knows it: its path below the crate root.
    let child = concat!(module_path!(), "::read_one_workbook_in_a_child");
    let child = child.split_once("::").map_or(child, |(_, below_root)| below_root);
    let mut failures = Vec::new();
    for name in CRASHING_WORKBOOKS {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/xlsx_bytes").join(name);
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", child, "--ignored", "--nocapture", "--test-threads=1"])
            .env(CHILD, &path)
            .env("RUST_BACKTRACE", "0")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            let why = stderr.lines().find(|l| l.contains("panicked") || l.contains("memory allocation")).unwrap_or("");
            let next = stderr.lines().skip_while(|l| !l.contains("panicked")).nth(1).unwrap_or("");
            failures.push(format!("{name}: {} {why} {next}", out.status));
        } else if !String::from_utf8_lossy(&out.stdout).contains("test result: ok. 1 passed") {
            failures.push(format!("{name}: no test named {child} ran in the child"));
        }
    }
    assert!(failures.is_empty(), "workbooks that crash the reader:\n{}", failures.join("\n"));
}

/// The child of the test above; does nothing unless it is given a workbook.
#[test]
#[ignore = "run by regression_hostile_workbooks_give_located_errors_not_crashes"]
fn read_one_workbook_in_a_child() {
    let Some(path) = std::env::var_os(CHILD) else { return };
    let bytes = std::fs::read(&path).unwrap();
    let label = Path::new("in/roles.xlsx");
    let result = xlsx::read_bytes(label, &bytes, &Sheets::All);
    contract(label, &result).unwrap();
    eprintln!("read: {}", result.map_or_else(|e| e.to_string(), |t| format!("{} section(s)", t.sections.len())));
}
