//! Clean CSV/TSV: bytes → decode() → csv::parse (as .csv and as .tsv) → assemble + check.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rolesite::read::{csv, text};
use std::path::Path;

mod common;

fuzz_target!(|data: &[u8]| {
    let text = match text::decode(Path::new("fuzz/roles.csv"), data) {
        Ok(text) => text,
        Err(e) => {
            common::check_result(Path::new("fuzz/roles.csv"), &Err(e));
            String::from_utf8_lossy(data).into_owned()
        }
    };
    for name in ["fuzz/roles.csv", "fuzz/roles.tsv"] {
        let path = Path::new(name);
        let result = csv::parse(path, &text);
        common::check_result(path, &result);
        if let Ok(raw) = result {
            common::assemble_and_check(raw);
        }
    }
});
