//! What a workbook may hold before calamine reads it. calamine keeps each XML event it
//! reads (a text node, a tag, a comment) and the whole shared-strings table in memory, and
//! a zip inflates a thousandfold: so a small file can cost gigabytes. The package is
//! inflated here once, streaming, counting the bytes each part really holds (a declared
//! size can lie) and the longest XML event in it, and refused, located, past a limit.

use crate::diag::{Code, Error, Location, Result};
use std::io::{Cursor, Read};
use std::path::Path;

/// The limits on a zip package, each far above what a real table reaches and far below
/// what exhausts memory. A 100,000-row × 30-column sheet with every cell filled, as
/// rust_xlsxwriter writes it, is 95 MiB of sheet XML and 26 MiB of shared strings (10 MiB
/// zipped): so one part may inflate to 256 MiB, the whole package to 512 MiB. calamine
/// streams a sheet but holds each XML event whole; the longest Excel writes is a
/// 32,767-character cell (under 400 KiB even as `&#…;` escapes), so 16 MiB leaves room for
/// other writers. Within the limits a workbook costs memory in proportion to what it holds
/// (the shared strings are kept whole), as a CSV of that size does; what they stop is a
/// small file costing gigabytes.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub part: u64,
    pub package: u64,
    pub event: u64,
    /// calamine reserves room for as many shared strings as the table's `uniqueCount`
    /// says, before reading one: a count in the billions aborts the process. A 100,000 × 30
    /// sheet has at most 3 million distinct strings; 2^24 of them reserve 400 MiB of
    /// address space that is never touched.
    pub unique_strings: u64,
}

pub const LIMITS: Limits = Limits { part: 256 << 20, package: 512 << 20, event: 16 << 20, unique_strings: 1 << 24 };

/// The file itself, whatever its format. This is the only bound on an .xls (OLE, not a
/// zip: nothing in it inflates, and calamine reads it whole); a 65,536-row .xls, its
/// format's most, is some tens of MiB.
pub const FILE_LIMIT: u64 = 128 << 20;

/// Refuse a workbook that breaks a limit, naming the file and the part. Bytes that are no
/// zip archive (an .xls) are bounded by their size only: calamine opens a package through
/// the same zip crate, so whatever it can read as one has been checked here. Every part is
/// checked, images too: calamine reads whatever part the workbook's relationships name,
/// whatever its name.
pub fn check(label: &Path, bytes: &[u8]) -> Result<()> {
    check_as(label, bytes, Code::Xlsx)
}

/// [`check`], refusing with `code` (a Word document is a zip package of XML parts too).
pub fn check_as(label: &Path, bytes: &[u8], code: Code) -> Result<()> {
    check_size_as(label, bytes.len() as u64, code)?;
    check_package(bytes, &LIMITS).map_err(|m| Error::at(code, Location::file_only(label), m))
}

fn check_package(bytes: &[u8], limits: &Limits) -> Result<(), String> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else { return Ok(()) };
    let mut total = 0;
    let mut buf = vec![0; 64 << 10];
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| format!("part {} cannot be read: {e}", i + 1))?;
        let name = part.name().map_or_else(|_| format!("#{}", i + 1), |n| n.into_owned());
        let refuse = |m: String| format!("part {name:?} {m}");
        let (mut size, mut scan) = (0, XmlScan::new(limits));
        loop {
            let n = part.read(&mut buf).map_err(|e| refuse(format!("cannot be inflated: {e}")))?;
            if n == 0 {
                break;
            }
            size += n as u64;
            total += n as u64;
            if size > limits.part {
                return Err(refuse(format!("inflates to more than {}: no table is that large", mib(limits.part))));
            }
            if total > limits.package {
                let past = mib(limits.package);
                return Err(refuse(format!("takes the workbook past {past} inflated: no table is that large")));
            }
            scan.feed(&buf[..n]).map_err(refuse)?;
        }
    }
    Ok(())
}

/// Refuse a workbook file larger than [`FILE_LIMIT`] (before reading it, given its size).
pub fn check_size(label: &Path, size: u64) -> Result<()> {
    check_size_as(label, size, Code::Xlsx)
}

/// [`check_size`], refusing with `code`.
pub fn check_size_as(label: &Path, size: u64, code: Code) -> Result<()> {
    if size <= FILE_LIMIT {
        return Ok(());
    }
    let what = if code == Code::Docx { "a Word document" } else { "a workbook" };
    let message = format!("the file is {}, more than the {} {what} may be", mib(size), mib(FILE_LIMIT));
    Err(Error::at(code, Location::file_only(label), message))
}

fn mib(bytes: u64) -> String {
    format!("{} MiB", bytes.div_ceil(1 << 20))
}

/// Where the scanner stands in the XML, as quick-xml would read it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum In {
    /// Text, up to the next `<`.
    #[default]
    Text,
    /// Just after `<`: a tag's name (or the `/` of an end tag, the `!` or `?` of others).
    Name,
    /// After `<!`: not yet told a comment from CDATA or a DTD.
    Bang,
    /// A tag, up to a `>` outside quotes.
    Tag,
    Quoted(u8),
    /// A comment, CDATA or processing instruction, up to its closing `-->`, `]]>` or `?>`.
    Until(&'static [u8]),
}

/// The longest XML event of a part, fed chunk by chunk; also the `uniqueCount` of a
/// shared-strings table. Text, quoted values and bodies are skipped with memchr: the scan
/// costs a small part of what parsing costs.
struct XmlScan {
    limits: Limits,
    state: In,
    /// Bytes of the event being read so far, and of the longest event so far.
    run: u64,
    longest: u64,
    /// Bytes of a comment's, CDATA's or instruction's body so far (its closing must lie in it).
    body: u64,
    /// The first bytes after `<` or `<!`: the name that tells `sst`, or `--`, `[CDATA[`, `DOCTYPE`.
    head: Vec<u8>,
    /// A start tag named `sst`, kept whole (it is no longer than the event limit) to read
    /// its attributes when it closes.
    sst: Option<Vec<u8>>,
    /// The two bytes before the chunk being fed, for a closing split across chunks.
    tail: [u8; 2],
}

impl XmlScan {
    fn new(limits: &Limits) -> Self {
        let limits = *limits;
        XmlScan { limits, state: In::Text, run: 0, longest: 0, body: 0, head: Vec::new(), sst: None, tail: [0; 2] }
    }

    fn feed(&mut self, chunk: &[u8]) -> Result<(), String> {
        let mut i = 0;
        while i < chunk.len() {
            i += self.step(chunk, i)?;
            if self.run.max(self.longest) > self.limits.event {
                let limit = mib(self.limits.event);
                return Err(format!("holds an XML text or tag longer than {limit}: no cell is that large"));
            }
        }
        self.tail = match chunk {
            [.., a, b] => [*a, *b],
            [b] => [self.tail[1], *b],
            [] => self.tail,
        };
        Ok(())
    }

    /// Read on from `chunk[i]` (within one state); how many bytes were taken.
    fn step(&mut self, chunk: &[u8], i: usize) -> Result<usize, String> {
        let rest = &chunk[i..];
        let b = rest[0];
        let taken = match self.state {
            In::Text => match memchr::memchr(b'<', rest) {
                Some(at) => {
                    // The text ends before its `<`, which opens the next event.
                    self.close(at);
                    (self.state, self.run) = (In::Name, 1);
                    self.head.clear();
                    return Ok(at + 1);
                }
                None => rest.len(),
            },
            In::Name => match b {
                b'!' if self.head.is_empty() => {
                    self.state = In::Bang;
                    1
                }
                b'?' if self.head.is_empty() => {
                    (self.state, self.body) = (In::Until(b"?"), 0);
                    1
                }
                b'/' if self.head.is_empty() => {
                    self.state = In::Tag;
                    1
                }
                b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n' => {
                    if self.head == b"sst" {
                        self.sst = Some(Vec::new());
                    }
                    self.state = In::Tag;
                    0
                }
                // The local name follows the prefix (taken at the last colon, where quick-xml
                // takes the first: a few more tags read as `sst` than it reads, none fewer).
                b':' => {
                    self.head.clear();
                    1
                }
                _ => {
                    // A name longer than `sst` needs no more of it kept.
                    if self.head.len() < 4 {
                        self.head.push(b);
                    }
                    1
                }
            },
            In::Bang => {
                self.head.push(b);
                if self.head.eq_ignore_ascii_case(b"DOCTYPE") {
                    return Err("declares a DTD: an Office file never does".into());
                }
                let next = match self.head.as_slice() {
                    b"--" => In::Until(b"--"),
                    b"[CDATA[" => In::Until(b"]]"),
                    h if b"--".starts_with(h) || b"[CDATA[".starts_with(h) => In::Bang,
                    h if h.len() <= 7 && b"DOCTYPE".get(..h.len()).is_some_and(|d| d.eq_ignore_ascii_case(h)) => {
                        In::Bang
                    }
                    // Anything else is read as a tag is (quick-xml refuses it).
                    _ => {
                        self.state = In::Tag;
                        return Ok(0);
                    }
                };
                (self.state, self.body) = (next, 0);
                1
            }
            In::Tag => match memchr::memchr3(b'>', b'"', b'\'', rest) {
                Some(at) if rest[at] == b'>' => {
                    self.keep(&rest[..=at]);
                    if let Some(tag) = self.sst.take() {
                        unique_count(&tag, self.limits.unique_strings)?;
                    }
                    self.close(at + 1);
                    return Ok(at + 1);
                }
                Some(at) => {
                    self.keep(&rest[..=at]);
                    self.state = In::Quoted(rest[at]);
                    at + 1
                }
                None => {
                    self.keep(rest);
                    rest.len()
                }
            },
            In::Quoted(quote) => match memchr::memchr(quote, rest) {
                Some(at) => {
                    self.keep(&rest[..=at]);
                    self.state = In::Tag;
                    at + 1
                }
                None => {
                    self.keep(rest);
                    rest.len()
                }
            },
            In::Until(closing) => match memchr::memchr(b'>', rest) {
                Some(at) => {
                    self.body += at as u64 + 1;
                    let n = closing.len();
                    let closed = (1..=n).all(|back| self.byte_before(chunk, i + at, back) == closing[n - back]);
                    // The closing must lie in the body: `<!-->` closes nothing.
                    if self.body > n as u64 && closed {
                        self.close(at + 1);
                        return Ok(at + 1);
                    }
                    at + 1
                }
                None => {
                    self.body += rest.len() as u64;
                    rest.len()
                }
            },
        };
        self.run += taken as u64;
        Ok(taken)
    }

    /// The event ends `last` bytes on; text follows.
    fn close(&mut self, last: usize) {
        self.longest = self.longest.max(self.run + last as u64);
        (self.state, self.run) = (In::Text, 0);
    }

    /// The byte `back` places before `chunk[at]`, reaching into the chunk before.
    fn byte_before(&self, chunk: &[u8], at: usize, back: usize) -> u8 {
        match at.checked_sub(back) {
            Some(p) => chunk[p],
            None => self.tail[2 - (back - at)],
        }
    }

    fn keep(&mut self, bytes: &[u8]) {
        if let Some(tag) = &mut self.sst {
            tag.extend_from_slice(bytes);
        }
    }
}

/// Refuse an `sst` tag whose `uniqueCount` passes `limit`. calamine reads the value as
/// digits only (leading zeros allowed): any other value reserves nothing.
fn unique_count(tag: &[u8], limit: u64) -> Result<(), String> {
    let mut rest = tag;
    while let Some(eq) = memchr::memchr(b'=', rest) {
        let name = rest[..eq].trim_ascii_end();
        let name = name.rsplit(|c| c.is_ascii_whitespace()).next().unwrap_or_default();
        let after = rest[eq + 1..].trim_ascii_start();
        let Some((&quote, value)) = after.split_first() else { break };
        if quote != b'"' && quote != b'\'' {
            break;
        }
        let Some(end) = memchr::memchr(quote, value) else { break };
        let digits = &value[..end];
        if name == b"uniqueCount" && digits.iter().all(u8::is_ascii_digit) {
            let significant = &digits[digits.iter().position(|d| *d != b'0').unwrap_or(digits.len())..];
            let count = std::str::from_utf8(significant).ok().and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
            if significant.len() > 19 || count > limit {
                let shown = String::from_utf8_lossy(&digits[..digits.len().min(24)]).into_owned();
                return Err(format!(
                    "announces {shown} shared strings (uniqueCount), more than the {limit} a workbook may hold"
                ));
            }
        }
        rest = &value[end + 1..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const SMALL: Limits = Limits { part: 1000, package: 2500, event: 100, unique_strings: 10 };

    fn package(parts: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in parts {
            zip.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
            zip.write_all(data).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    /// `n` bytes of short elements.
    fn elements(n: usize) -> Vec<u8> {
        b"<a/>".repeat(n / 4)
    }

    #[test]
    fn parts_and_the_package_are_measured_as_they_inflate() {
        assert_eq!(check_package(&package(&[("a.xml", elements(1000)), ("b.xml", elements(1000))]), &SMALL), Ok(()));
        let err = check_package(&package(&[("a.xml", elements(1000)), ("b.xml", elements(1004))]), &SMALL);
        assert_eq!(err.unwrap_err(), "part \"b.xml\" inflates to more than 1 MiB: no table is that large");
        let three = [("a.xml", elements(900)), ("b.xml", elements(900)), ("c.xml", elements(900))];
        let err = check_package(&package(&three), &SMALL).unwrap_err();
        assert!(err.starts_with("part \"c.xml\" takes the workbook past"), "{err}");
        // Not a zip: nothing to inflate (an .xls is bounded by its size alone).
        assert_eq!(check_package(b"\xD0\xCF\x11\xE0 an OLE file", &SMALL), Ok(()));
    }

    /// A part that says it is smaller than it inflates to is refused, whatever limit it
    /// would pass by its word.
    #[test]
    fn a_declared_size_that_lies_is_refused() {
        let mut zip = package(&[("a.xml", elements(900))]);
        for (signature, at) in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)] {
            let header = zip.windows(4).position(|w| w == signature).unwrap();
            zip[header + at..header + at + 4].copy_from_slice(&10u32.to_le_bytes());
        }
        let err = check_package(&zip, &SMALL).unwrap_err();
        assert!(err.starts_with("part \"a.xml\" cannot be inflated"), "{err}");
    }

    /// The longest event and the refusal, whatever the chunks the stream comes in.
    fn scan(xml: &[u8], chunk: usize) -> Result<u64, String> {
        let mut s = XmlScan::new(&LIMITS);
        for part in xml.chunks(chunk) {
            s.feed(part)?;
        }
        Ok(s.longest.max(s.run))
    }

    #[test]
    fn every_kind_of_event_is_measured_across_chunks() {
        let long = "x".repeat(100);
        let cases: Vec<(String, &str)> = vec![
            (format!("<a>{long}</a>"), "text"),
            (format!("<a b=\"{long}>\"/>"), "a quoted value holding >"),
            (format!("<!--{long}-->"), "comment"),
            (format!("<!-- > -> -- {long}-->"), "comment with > inside"),
            (format!("<![CDATA[<x> ]> {long}]]>"), "CDATA"),
            (format!("<?pi {long} > ?>"), "instruction"),
        ];
        for (xml, what) in cases {
            for chunk in [1, 2, 3, 7, 1000] {
                let longest = scan(xml.as_bytes(), chunk).unwrap();
                assert!(longest >= 100, "{what} in chunks of {chunk}: {longest}");
            }
        }
        // `<!-->` opens a comment that the later `-->` closes.
        let xml = format!("<!-->{long}-->");
        assert!(scan(xml.as_bytes(), 3).unwrap() >= 100);
        // Each event ends where quick-xml ends it, so many short ones stay short.
        let one = "<?xml version=\"1.0\"?>\n<!-- c --><x a='1' b=\"2\"><![CDATA[d]]><?p q?>text</x><y/>";
        let many = one.repeat(1000);
        for chunk in [1, 2, 3, 7, 1000] {
            assert_eq!(scan(many.as_bytes(), chunk).unwrap(), 21, "the declaration, in chunks of {chunk}");
        }
    }

    #[test]
    fn a_dtd_is_refused_and_a_large_unique_count_too() {
        assert!(scan(b"<?xml version=\"1.0\"?><!DOCTYPE x []><x/>", 4).unwrap_err().contains("DTD"));
        for tag in
            ["<sst uniqueCount=\"40000000000\">", "<x:sst count='1'\n uniqueCount = '0099999999999999999999999'>"]
        {
            let err = scan(tag.as_bytes(), 5).unwrap_err();
            assert!(err.contains("uniqueCount"), "{tag}: {err}");
        }
        for tag in ["<sst uniqueCount=\"3000000\">", "<sst uniqueCount=\"-1\">", "<sstx uniqueCount=\"99999999999\">"] {
            assert!(scan(tag.as_bytes(), 5).is_ok(), "{tag}");
        }
    }
}
