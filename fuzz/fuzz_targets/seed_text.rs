//! Seed text extraction: bytes → decode() and lossy UTF-8 → seed::parse → assemble + check.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rolesite::read::{seed, text};
use std::path::Path;

mod common;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz/seed.txt");
    match text::decode(path, data) {
        Ok(decoded) => {
            let result = seed::parse(path, &decoded);
            common::check_result(path, &result);
            if let Ok(raw) = result {
                common::assemble_and_check(raw);
            }
        }
        Err(e) => common::check_result(path, &Err(e)),
    }
    // Bytes that are not UTF-8 reach the parser too, replaced rather than refused.
    if std::str::from_utf8(data).is_err() {
        let lossy = String::from_utf8_lossy(data);
        common::check_result(path, &seed::parse(path, &lossy));
    }
});
