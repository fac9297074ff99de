//! Excel workbooks from memory: bytes → xlsx::read_bytes (every sheet) → assemble + check.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rolesite::config::Sheets;
use rolesite::read::xlsx;
use std::path::Path;

mod common;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz/roles.xlsx");
    let result = xlsx::read_bytes(path, data, &Sheets::All);
    common::check_result(path, &result);
    if let Ok(raw) = result {
        common::assemble_and_check(raw);
    }
});
