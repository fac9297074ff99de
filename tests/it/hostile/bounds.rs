//! Inputs built to exhaust memory, and the bounds that refuse them: workbooks that cost
//! gigabytes from a small file (a cell at the far right of every row, a sheet of white
//! space, one vast shared string, a count of billions of strings), NUL characters, cells
//! large enough to swell the site, absurd `gen` sizes. Each is built here and run through
//! the binary: a located message, its exit code, and its peak memory.

use crate::common::project;
use rolesite::diag::Code;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const VENDORS: &str = "id,name\na,A社\nb,B社\n";

/// What a bounded run stays under: each bomb below costs gigabytes unbounded.
const MEMORY_BUDGET_KIB: u64 = 300 << 10;

struct Run {
    code: i32,
    /// stdout and stderr together: `check` prints findings on one, errors on the other.
    output: String,
    /// Peak resident memory (VmHWM); 0 where there is no /proc.
    peak_kib: u64,
}

/// Run the binary, reading its peak resident memory (VmHWM in /proc) while it lives:
/// without libc there is no rusage of a child. The high-water mark only rises, so the last
/// reading before the exit is the peak, unless it rose between that poll and the exit; a
/// bomb's memory rises for far longer than a poll's interval.
fn run(args: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rolesite"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            pipe.read_to_string(&mut text).unwrap();
            text
        })
    };
    let (stdout, stderr) =
        (drain(Box::new(child.stdout.take().unwrap())), drain(Box::new(child.stderr.take().unwrap())));
    let status = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0;
    let code = loop {
        let hwm = std::fs::read_to_string(&status).ok().and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        });
        peak_kib = peak_kib.max(hwm.unwrap_or(0));
        if let Some(status) = child.try_wait().unwrap() {
            break status.code().unwrap_or(-1);
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    Run { code, output: stdout.join().unwrap() + &stderr.join().unwrap(), peak_kib }
}

/// `check` and `build` both refuse the project with `expected`, exit 1 and write nothing;
/// `check` within the memory budget. Returns `check`'s peak memory in MiB.
fn refused(dir: &Path, expected: &str) -> u64 {
    let d = dir.to_str().unwrap();
    let check = run(&["check", d]);
    assert_eq!(check.code, 1, "{}", check.output);
    assert!(check.output.contains(expected), "expected {expected:?} in:\n{}", check.output);
    assert!(!check.output.contains("panicked"), "{}", check.output);
    assert!(check.peak_kib < MEMORY_BUDGET_KIB, "check took {} MiB:\n{}", check.peak_kib >> 10, check.output);
    let build = run(&["build", "-q", d]);
    assert_eq!(build.code, 1, "{}", build.output);
    assert!(build.output.contains(expected), "expected {expected:?} in:\n{}", build.output);
    assert!(!dir.join("out").exists(), "a refused build writes nothing");
    eprintln!("refused with {} MiB at most: {expected}", check.peak_kib >> 10);
    check.peak_kib >> 10
}

// ---------------------------------------------------------------------------------------
// Workbooks written by hand: the zip parts, one of them a run deflated without a deflater
// (a debug build's deflater would spend far longer on a gigabyte than the check under test).

/// One part of a package: its name, method (0 stored, 8 deflated), data, CRC and size.
struct Part {
    name: String,
    method: u16,
    data: Vec<u8>,
    crc: u32,
    size: u64,
}

fn stored(name: &str, data: &[u8]) -> Part {
    let crc = crc32fast::hash(data);
    Part { name: name.into(), method: 0, data: data.to_vec(), crc, size: data.len() as u64 }
}

/// `prefix`, then `unit` (1 to 4 bytes) `count` times, then `suffix`, deflated in one
/// block of fixed codes: the run is literals for one unit, then copies of 258 bytes from
/// `unit.len()` back, 13 bits each.
fn deflated_run(name: &str, prefix: &str, unit: &[u8], count: usize, suffix: &str) -> Part {
    assert!((1..=4).contains(&unit.len()));
    let mut bits = Bits::default();
    bits.put(0b011, 3); // the last block, fixed codes
    prefix.bytes().for_each(|b| bits.literal(b));
    unit.iter().for_each(|b| bits.literal(*b));
    let mut left = (count - 1) * unit.len();
    while left >= 258 {
        bits.code(0b1100_0101, 8); // length 258
        bits.code(unit.len() as u32 - 1, 5); // distance 1 to 4
        left -= 258;
    }
    // What the copies left over, as literals: the run goes on where they stopped.
    let done = count * unit.len() - left;
    (done..done + left).for_each(|i| bits.literal(unit[i % unit.len()]));
    suffix.bytes().for_each(|b| bits.literal(b));
    bits.code(0, 7); // end of block

    // The run's checksum is combined from one block's, not hashed byte by byte: a debug
    // build hashing a gigabyte run would spend most of the test on it.
    let mut crc = crc32fast::Hasher::new();
    crc.update(prefix.as_bytes());
    let per_block = (1 << 20) / unit.len();
    let mut block = crc32fast::Hasher::new();
    block.update(&unit.repeat(per_block));
    (0..count / per_block).for_each(|_| crc.combine(&block));
    crc.update(&unit.repeat(count % per_block));
    crc.update(suffix.as_bytes());
    let size = (prefix.len() + count * unit.len() + suffix.len()) as u64;
    Part { name: name.into(), method: 8, data: bits.finish(), crc: crc.finalize(), size }
}

/// A deflate bit stream: values least significant bit first, Huffman codes most first.
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u32, count: u32) {
        self.acc |= u64::from(value) << self.n;
        self.n += count;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    fn code(&mut self, code: u32, len: u32) {
        self.put(code.reverse_bits() >> (32 - len), len);
    }

    fn literal(&mut self, b: u8) {
        match b {
            0..=143 => self.code(0x30 + u32::from(b), 8),
            _ => self.code(0x190 + u32::from(b) - 144, 9),
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// A zip archive of `parts` (no zip64: every part stays under 4 GiB).
fn zip(parts: &[Part]) -> Vec<u8> {
    let (mut out, mut directory) = (Vec::new(), Vec::new());
    for p in parts {
        let offset = out.len() as u32;
        let fields = |out: &mut Vec<u8>| {
            for v in [20u16, 0, p.method, 0, 0x21] {
                out.extend(v.to_le_bytes()); // version, flags, method, time, date
            }
            for v in [p.crc, p.data.len() as u32, p.size as u32] {
                out.extend(v.to_le_bytes());
            }
            out.extend((p.name.len() as u16).to_le_bytes());
            out.extend(0u16.to_le_bytes()); // extra field
        };
        out.extend(b"PK\x03\x04");
        fields(&mut out);
        out.extend(p.name.as_bytes());
        out.extend(&p.data);
        directory.extend(b"PK\x01\x02");
        directory.extend(20u16.to_le_bytes()); // made by
        fields(&mut directory);
        directory.extend([0; 10]); // comment, disk, internal and external attributes
        directory.extend(offset.to_le_bytes());
        directory.extend(p.name.as_bytes());
    }
    let (at, len, count) = (out.len() as u32, directory.len() as u32, parts.len() as u16);
    out.extend(directory);
    out.extend(b"PK\x05\x06");
    out.extend([0; 4]); // this disk, the directory's disk
    for v in [count, count] {
        out.extend(v.to_le_bytes());
    }
    for v in [len, at] {
        out.extend(v.to_le_bytes());
    }
    out.extend([0; 2]); // comment
    out
}

const SHEET_HEAD: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    r#"<row r="1"><c r="A1" t="inlineStr"><is><t>項番</t></is></c><c r="B1" t="inlineStr"><is><t>作業項目</t></is></c>"#,
    r#"<c r="C1" t="inlineStr"><is><t>a</t></is></c></row>"#,
    r#"<row r="2"><c r="A2"><v>1</v></c><c r="B2" t="s"><v>0</v></c><c r="C2" t="inlineStr"><is><t>◎</t></is></c></row>"#,
);
const SHEET_TAIL: &str = "</sheetData></worksheet>";

/// A workbook of one sheet, `Sheet1`, with the shared strings given.
fn workbook(sheet: Part, shared: Part) -> Vec<u8> {
    let ns = "http://schemas.openxmlformats.org";
    let rels = |id: &str, kind: &str, target: &str| {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="{id}" Type="{ns}/officeDocument/2006/relationships/{kind}" Target="{target}"/></Relationships>"#
        )
    };
    let types = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{ns}/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>"#
    );
    let book = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{ns}/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    );
    zip(&[
        stored("[Content_Types].xml", types.as_bytes()),
        stored("_rels/.rels", rels("rId1", "officeDocument", "xl/workbook.xml").as_bytes()),
        stored("xl/workbook.xml", book.as_bytes()),
        stored("xl/_rels/workbook.xml.rels", rels("rId1", "worksheet", "worksheets/sheet1.xml").as_bytes()),
        shared,
        sheet,
    ])
}

fn shared_strings(unique_count: &str, strings: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="{unique_count}">{strings}</sst>"#
    )
}

fn xlsx_project(bytes: &[u8]) -> tempfile::TempDir {
    project(&[("seeds/vendors.csv", VENDORS.as_bytes()), ("seeds/roles.xlsx", bytes)])
}

fn one_string() -> Part {
    stored("xl/sharedStrings.xml", shared_strings("1", "<si><t>作業</t></si>").as_bytes())
}

/// Shared strings of one string: `a`, `len` times, deflated as a run.
fn one_long_string(len: usize) -> Part {
    let strings = shared_strings("1", "<si><t>|</t></si>");
    let (head, tail) = strings.split_once('|').unwrap();
    deflated_run("xl/sharedStrings.xml", head, b"a", len, tail)
}

/// A white space run is one text node to calamine, held whole (2 GiB of it in a 2 MB file
/// took 5 GB): the check refuses it at 16 MiB, before calamine opens the file.
#[test]
fn a_sheet_of_white_space_is_refused_before_it_is_parsed() {
    let sheet = deflated_run("xl/worksheets/sheet1.xml", SHEET_HEAD, b" ", 2 << 30, SHEET_TAIL);
    let dir = xlsx_project(&workbook(sheet, one_string()));
    refused(
        dir.path(),
        "roles.xlsx: error[xlsx]: part \"xl/worksheets/sheet1.xml\" holds an XML text or tag longer than 16 MiB",
    );
}

/// One shared string of 400 MiB (in a 400 KB file) took 1.7 GB.
#[test]
fn one_vast_shared_string_is_refused() {
    let strings = one_long_string(400 << 20);
    let sheet = stored("xl/worksheets/sheet1.xml", format!("{SHEET_HEAD}{SHEET_TAIL}").as_bytes());
    let dir = xlsx_project(&workbook(sheet, strings));
    refused(
        dir.path(),
        "roles.xlsx: error[xlsx]: part \"xl/sharedStrings.xml\" holds an XML text or tag longer than 16 MiB",
    );
}

/// calamine reserves the shared strings a table announces before reading one: a count of
/// ten trillion in a 2 KB file aborted the process.
#[test]
fn a_count_of_trillions_of_shared_strings_is_refused() {
    let strings = stored("xl/sharedStrings.xml", shared_strings("10000000000000", "<si><t>作業</t></si>").as_bytes());
    let sheet = stored("xl/worksheets/sheet1.xml", format!("{SHEET_HEAD}{SHEET_TAIL}").as_bytes());
    let dir = xlsx_project(&workbook(sheet, strings));
    refused(
        dir.path(),
        "roles.xlsx: error[xlsx]: part \"xl/sharedStrings.xml\" announces 10000000000000 shared strings",
    );
}

/// The bounds refuse nothing real: a handwritten workbook of the same parts reads.
#[test]
fn the_handwritten_workbook_itself_reads() {
    let sheet = stored("xl/worksheets/sheet1.xml", format!("{SHEET_HEAD}{SHEET_TAIL}").as_bytes());
    let strings = one_long_string(1000);
    let dir = xlsx_project(&workbook(sheet, strings));
    let t = rolesite::load(&rolesite::config::Project::load(dir.path()).unwrap()).unwrap().table;
    assert_eq!(t.rows.len(), 1);
    assert_eq!(t.rows[0].name, "a".repeat(1000));
}

/// A cell in the sheet's last column (XFD) on each of 16,000 rows: each row was made as
/// wide as the sheet, 16,384 strings (83 KB of file took 6 GB). Rows now hold their cells
/// only, and the far cell is what a cell beyond the header is in a CSV: text there is an
/// `unknown-symbol` error at its column.
#[test]
fn a_cell_at_the_far_right_of_every_row_costs_what_a_near_one_does() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["項番", "作業項目", "a", "作業内容"].into_iter().enumerate() {
        sheet.write_string(0, c as u16, h).unwrap();
    }
    for r in 1..=16_000u32 {
        sheet.write_number(r, 0, f64::from(r)).unwrap();
        sheet.write_string(r, 1, format!("作業{r}")).unwrap();
        sheet.write_string(r, 16_383, "x").unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let dir = xlsx_project(&bytes);
    refused(dir.path(), "roles.xlsx[Sheet1]:2:16384: error[unknown-symbol]: cell holds \"x\"");
}

/// Beyond the header a workbook's cell reads as a CSV's: a symbol is kept (its column
/// uncertain), other text is an error at its column.
#[test]
fn a_cell_beyond_the_header_reads_as_in_a_csv() {
    let far = |cells: &str| format!("{cells}{}", ",".repeat(16_380));
    let csv = format!("項番,作業項目,a,作業内容\n{}x\n{}◎\n", far("1,作業1,◎,説明"), far("2,作業2,◎,説明"));
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, line) in csv.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate().filter(|(_, c)| !c.is_empty()) {
            sheet.write_string(r as u32, c as u16, cell).unwrap();
        }
    }
    let workbook = book.save_to_buffer().unwrap();
    let findings = |files: &[(&str, &[u8])]| {
        let dir = project(&[&[("seeds/vendors.csv", VENDORS.as_bytes())], files].concat());
        let project = rolesite::config::Project::load(dir.path()).unwrap();
        let t = rolesite::load(&project).unwrap().table;
        t.findings
            .iter()
            .map(|f| (f.code, f.severity, f.location.line, f.location.col, f.message.clone()))
            .collect::<Vec<_>>()
    };
    let from_csv = findings(&[("seeds/roles.csv", csv.as_bytes())]);
    assert!(from_csv.iter().any(|f| f.0 == Code::UnknownSymbol && (f.2, f.3) == (2, 16_384)), "{from_csv:?}");
    assert!(from_csv.iter().any(|f| f.0 == Code::UncertainColumns && f.2 == 3), "{from_csv:?}");
    assert_eq!(findings(&[("seeds/roles.xlsx", &workbook)]), from_csv);
}

/// A NUL is refused where it stands, in every kind of input: in text at its line and
/// character, in a workbook at its cell.
#[test]
fn nul_characters_are_refused_where_they_stand() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["項番", "作業項目", "a"].into_iter().enumerate() {
        sheet.write_string(0, c as u16, h).unwrap();
    }
    sheet.write_number(1, 0, 1.0).unwrap();
    sheet.write_string(1, 1, "x\0y").unwrap();
    let workbook = book.save_to_buffer().unwrap();
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("項番,作業項目,a\n1,設計\0,◎\n");
    let cases: [(&str, &[u8], &str); 5] = [
        ("seeds/roles.csv", "項番,作業項目,a\n1,x\0y,◎\n".as_bytes(), "roles.csv:2:4: error[nul]"),
        ("seeds/roles.csv", &sjis, "roles.csv:2:5: error[nul]"),
        ("seeds/roles.tsv", "項番\t作業項目\ta\n1\tx\0y\t◎\n".as_bytes(), "roles.tsv:2:4: error[nul]"),
        ("seeds/seed.txt", "項番\t作業項目\tA\t作業内容\n1\t計画\0\t◎\t説明\n".as_bytes(), "seed.txt:2:5: error[nul]"),
        ("seeds/roles.xlsx", &workbook, "roles.xlsx[Sheet1]:2:2: error[nul]"),
    ];
    for (name, bytes, expected) in cases {
        let dir = project(&[("seeds/vendors.csv", VENDORS.as_bytes()), (name, bytes)]);
        refused(dir.path(), expected);
    }
}

/// A cell over 64 KiB is kept, with a warning at the cell: its text is copied into every
/// page and data file that shows it.
#[test]
fn a_cell_over_64_kib_is_kept_with_a_warning_at_the_cell() {
    let big = "作業の説明。".repeat(6_000); // 108,000 bytes
    let csv = format!("項番,作業項目,a,作業内容\n1,作業,◎,短い\n2,次の作業,◎,{big}\n");
    let seed = format!("項番\t作業項目\tA社\t作業内容\n1\t作業\t◎\t{big}\n");
    for (name, text, expected) in [
        ("seeds/roles.csv", csv, "roles.csv:3:4: warning[large-cell]: this cell holds 105 KiB of text (over 64 KiB)"),
        ("seeds/seed.txt", seed, "seed.txt:2:4: warning[large-cell]: this cell holds 105 KiB of text"),
    ] {
        let dir = project(&[("seeds/vendors.csv", VENDORS.as_bytes()), (name, text.as_bytes())]);
        let d = dir.path().to_str().unwrap();
        let check = run(&["check", d]);
        assert_eq!(check.code, 0, "a warning, not an error: {}", check.output);
        assert!(check.output.contains(expected), "expected {expected:?} in:\n{}", check.output);
        assert_eq!(run(&["check", "--strict", d]).code, 1);
        let build = run(&["build", "-q", d]);
        assert_eq!(build.code, 0, "{}", build.output);
    }
}

/// A workbook past 128 MiB is refused by its size, before a byte of it is read; for an .xls
/// (OLE, nothing to inflate) that is the bound.
#[test]
fn a_workbook_past_the_size_limit_is_refused_unread() {
    let dir = project(&[
        ("seeds/vendors.csv", VENDORS.as_bytes()),
        ("site.toml", b"[[inputs]]\npath = \"seeds/roles.xls\"\n"),
    ]);
    let file = std::fs::File::create(dir.path().join("seeds/roles.xls")).unwrap();
    file.set_len((128 << 20) + 1).unwrap(); // sparse: no disk is written
    let peak =
        refused(dir.path(), "roles.xls: error[xlsx]: the file is 129 MiB, more than the 128 MiB a workbook may be");
    assert!(peak < 64, "the file is not read: {peak} MiB");
}

/// `gen` makes its table in memory: a size past any real table is refused before it starts.
#[test]
fn gen_refuses_absurd_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("big");
    for items in ["99999999999", "0"] {
        let gen = run(&["gen", target.to_str().unwrap(), "--items", items]);
        assert_eq!(gen.code, 2, "a usage error: {}", gen.output);
        assert!(gen.output.contains(&format!("{items} is not in 1..=1000000")), "{}", gen.output);
        assert!(!target.exists());
    }
}
